//! The engine thread's event loop, in the shape of Redis's ae loop: poll the sockets, read
//! and parse what arrived (readQueryFromClient), run each client's requests in order
//! (processInputBuffer), then before sleeping serve unblocked clients, time out waits, run
//! active expiry and write pending output (beforeSleep, serverCron).

use super::client::{Client, Request};
use super::clock::Clock;
use super::command::{Outcome, execute};
use super::protocol::next_request;
use super::store::Store;
use crate::resp::Value;
use bytes::{Buf, Bytes, BytesMut};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Registry, Token, Waker};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often active expiry runs, and how many keys per database it may reclaim each time.
const EXPIRY_PERIOD: Duration = Duration::from_millis(100);
const EXPIRY_BATCH: usize = 200;

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);

/// How much a socket read asks for at a time (Redis's PROTO_IOBUF_LEN).
const READ_CHUNK: usize = 16 * 1024;

/// One client's socket and the bytes travelling through it.
struct Connection {
    stream: TcpStream,
    input: BytesMut,
    /// Output taken from the client's outbox but not yet accepted by the socket.
    unwritten: Bytes,
    /// True while the socket is registered for writability (the kernel buffer was full).
    waiting_to_write: bool,
    /// No more input is read (a protocol error ended it).
    input_closed: bool,
}

/// The sockets: the listener and one connection per client id.
struct Io {
    poll: Poll,
    listener: TcpListener,
    connections: HashMap<u64, Connection>,
    next_id: u64,
    /// Where socket reads land before they join a connection's input.
    read_buf: Box<[u8]>,
}

/// The engine thread's state: the sockets and the store.
pub struct EventLoop {
    io: Io,
    store: Store,
    clock: Clock,
    stop: Arc<AtomicBool>,
    waker: Arc<Waker>,
}

fn token_of(id: u64) -> Token {
    Token(id as usize + 2)
}

fn id_of(token: Token) -> u64 {
    (token.0 - 2) as u64
}

impl EventLoop {
    /// An event loop serving `listener`; it stops when `stop` is set and the waker woken.
    pub fn new(
        listener: std::net::TcpListener,
        clock: Clock,
        stop: Arc<AtomicBool>,
    ) -> io::Result<EventLoop> {
        let poll = Poll::new()?;
        let port = listener.local_addr()?.port();
        let mut listener = TcpListener::from_std(listener);
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        Ok(EventLoop {
            io: Io {
                poll,
                listener,
                connections: HashMap::new(),
                next_id: 1,
                read_buf: vec![0; READ_CHUNK].into_boxed_slice(),
            },
            store: Store::new(clock.now_ms(), port),
            clock,
            stop,
            waker,
        })
    }

    /// What wakes the loop from another thread.
    pub fn waker(&self) -> Arc<Waker> {
        self.waker.clone()
    }

    /// Serves until stopped.
    pub fn run(mut self) {
        let mut events = Events::with_capacity(1024);
        let mut next_expiry = Instant::now() + EXPIRY_PERIOD;
        while !self.stop.load(Ordering::SeqCst) {
            let wait = self.wait_until_next_timer(next_expiry);
            if let Err(e) = self.io.poll.poll(&mut events, Some(wait))
                && e.kind() != io::ErrorKind::Interrupted
            {
                return;
            }
            for event in &events {
                match event.token() {
                    LISTENER => self.accept(),
                    WAKER => {}
                    token => {
                        let id = id_of(token);
                        if event.is_writable() {
                            self.write_unwritten(id);
                        }
                        if event.is_readable() || event.is_read_closed() || event.is_error() {
                            self.read(id);
                        }
                    }
                }
            }
            if Instant::now() >= next_expiry {
                self.store.purge_expired(self.clock.now_ms(), EXPIRY_BATCH);
                self.store.serve_blocked(self.clock.now_us());
                next_expiry = Instant::now() + EXPIRY_PERIOD;
            }
            self.store.time_out_blocked(self.clock.now_ms());
            self.run_unblocked();
            self.write_output();
        }
    }

    /// How long the loop may sleep: until active expiry is due or the soonest blocked
    /// client's deadline (measured on the engine clock) passes.
    fn wait_until_next_timer(&self, next_expiry: Instant) -> Duration {
        let expiry = next_expiry.saturating_duration_since(Instant::now());
        match self.store.blocked.next_deadline() {
            Some(at) => {
                let left = (at - self.clock.now_ms()).max(0) as u64;
                expiry.min(Duration::from_millis(left))
            }
            None => expiry,
        }
    }

    fn accept(&mut self) {
        loop {
            let (mut stream, peer) = match self.io.listener.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // Out of file descriptors and the like: try again on the next event.
                Err(_) => return,
            };
            let id = self.io.next_id;
            self.io.next_id += 1;
            let _ = stream.set_nodelay(true);
            if self
                .io
                .poll
                .registry()
                .register(&mut stream, token_of(id), Interest::READABLE)
                .is_err()
            {
                continue;
            }
            let local = stream
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default();
            let client = Client::new(id, peer.to_string(), local, self.clock.now_ms());
            self.store.clients.insert(id, client);
            self.store.stats.connections_received += 1;
            self.io.connections.insert(
                id,
                Connection {
                    stream,
                    input: BytesMut::with_capacity(READ_CHUNK),
                    unwritten: Bytes::new(),
                    waiting_to_write: false,
                    input_closed: false,
                },
            );
        }
    }

    /// Reads what the socket has, queues the complete requests and runs them.
    fn read(&mut self, id: u64) {
        let Some(connection) = self.io.connections.get_mut(&id) else {
            return;
        };
        if connection.input_closed {
            return;
        }
        let mut gone = false;
        loop {
            match connection.stream.read(&mut self.io.read_buf) {
                Ok(0) => {
                    gone = true;
                    break;
                }
                Ok(n) => connection.input.extend_from_slice(&self.io.read_buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    gone = true;
                    break;
                }
            }
        }
        let Some(client) = self.store.clients.get_mut(&id) else {
            return;
        };
        loop {
            match next_request(&mut connection.input) {
                Ok(Some(args)) => client.pending.push_back(Request::Command(args)),
                Ok(None) => break,
                Err(e) => {
                    client
                        .pending
                        .push_back(Request::ProtocolError(e.reply_text()));
                    connection.input_closed = true;
                    connection.input.clear();
                    break;
                }
            }
        }
        if gone {
            // Redis frees a client whose connection closed without answering what it sent.
            self.disconnect(id);
        } else {
            self.run_pending(id);
        }
    }

    /// Forgets a client whose connection is gone, and every wait it had.
    fn disconnect(&mut self, id: u64) {
        if let Some(mut connection) = self.io.connections.remove(&id) {
            let _ = self.io.poll.registry().deregister(&mut connection.stream);
        }
        self.store.blocked.unblock(id);
        self.store.unwatch_all(id);
        self.store.clients.remove(&id);
    }

    /// Runs a client's waiting requests until none is left, it blocks or it is closing
    /// (Redis's processInputBuffer).
    fn run_pending(&mut self, id: u64) {
        loop {
            let Some(client) = self.store.clients.get_mut(&id) else {
                return;
            };
            if client.closing || self.store.blocked.is_blocked(id) {
                return;
            }
            let Some(request) = client.pending.pop_front() else {
                return;
            };
            match request {
                Request::Command(args) => self.run_command(id, args),
                Request::ProtocolError(text) => {
                    self.store.reply(id, &Value::error(text));
                    self.store.close_after_reply(id);
                }
            }
        }
    }

    fn run_command(&mut self, id: u64, args: Vec<Bytes>) {
        let now = self.clock.now_us();
        match execute(&mut self.store, id, now, &args) {
            Outcome::Reply(reply) => self.store.reply(id, &reply),
            Outcome::Block(block) => {
                let db = self.store.clients[&id].db;
                let deadline = block
                    .timeout
                    .map(|t| now / 1000 + t.as_millis().min(i64::MAX as u128 / 2) as i64);
                self.store.blocked.block(id, db, block.keys, args, deadline);
            }
        }
        self.store.serve_blocked(now);
    }

    /// Runs the requests of clients whose wait ended (Redis's processUnblockedClients).
    fn run_unblocked(&mut self) {
        while !self.store.unblocked.is_empty() {
            for id in std::mem::take(&mut self.store.unblocked) {
                self.run_pending(id);
            }
        }
    }

    /// Writes every client's outbox to its socket (handleClientsWithPendingWrites); what
    /// the socket does not take now is written when it becomes writable.
    fn write_output(&mut self) {
        for id in std::mem::take(&mut self.store.with_output) {
            let Some(client) = self.store.clients.get_mut(&id) else {
                continue;
            };
            if client.close_asap {
                // An output-buffer limit was hit: nothing more is written (freeClientAsync).
                self.disconnect(id);
                continue;
            }
            let Some(connection) = self.io.connections.get_mut(&id) else {
                client.output.clear();
                continue;
            };
            if !client.output.is_empty() {
                if connection.unwritten.is_empty() && !connection.waiting_to_write {
                    // The common case: straight from the outbox, which keeps its buffer.
                    let written = write_some(&mut connection.stream, &client.output);
                    client.output.advance(written);
                }
                if !client.output.is_empty() {
                    let mut joined = BytesMut::from(&connection.unwritten[..]);
                    joined.extend_from_slice(&client.output);
                    client.output.clear();
                    connection.unwritten = joined.freeze();
                }
            }
            self.write_unwritten(id);
        }
    }

    /// Writes what the socket takes of a connection's unwritten output, asks to be told
    /// when it can take the rest, and closes a closing client once everything is written.
    fn write_unwritten(&mut self, id: u64) {
        let Some(connection) = self.io.connections.get_mut(&id) else {
            return;
        };
        let written = write_some(&mut connection.stream, &connection.unwritten);
        connection.unwritten.advance(written);
        let wants_writable = !connection.unwritten.is_empty();
        if let Some(client) = self.store.clients.get_mut(&id) {
            client.unwritten = connection.unwritten.len() as u64;
        }
        if wants_writable != connection.waiting_to_write {
            let interest = if wants_writable {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            let _ = reregister(self.io.poll.registry(), connection, id, interest);
            connection.waiting_to_write = wants_writable;
        }
        let closing = self.store.clients.get(&id).is_some_and(|c| c.closing);
        if closing && !wants_writable {
            self.disconnect(id);
        }
    }
}

/// Writes as much of `bytes` as the socket takes now; returns how much. A broken connection
/// takes everything (the read side notices it is gone).
fn write_some(stream: &mut TcpStream, bytes: &[u8]) -> usize {
    let mut written = 0;
    while written < bytes.len() {
        match stream.write(&bytes[written..]) {
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return bytes.len(),
        }
    }
    written
}

fn reregister(
    registry: &Registry,
    connection: &mut Connection,
    id: u64,
    interest: Interest,
) -> io::Result<()> {
    registry.reregister(&mut connection.stream, token_of(id), interest)
}
