//! The engine thread's event loop, in the shape of Redis's ae loop: poll the sockets, read
//! and parse what arrived (readQueryFromClient), run each client's requests in order
//! (processInputBuffer), then before sleeping serve unblocked clients, time out waits, run
//! active expiry and write pending output (beforeSleep, serverCron). While a script runs past
//! its time limit, the script's hook polls the sockets through `Io` too, answering BUSY
//! (processEventsWhileBlocked).

use super::client::{Client, ReplyMode, Request};
use super::clock::Clock;
use super::command::{Outcome, execute};
use super::protocol::next_request;
use super::store::{BusyHandler, Store};
use crate::resp::Value;
use bytes::{Buf, Bytes, BytesMut};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::rc::Rc;
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

/// Whether a short read may end a read without a last one that would block: epoll (Linux)
/// and kqueue (macOS, the BSDs) raise a new edge-triggered event when more input arrives,
/// while mio on Windows arms a socket again only once an operation returned WouldBlock.
const SHORT_READ_DRAINS: bool = cfg!(unix);

/// What a socket event asks of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ready {
    /// Input arrived: read what is there.
    Read,
    /// The peer closed its side or the socket failed: read to the end, where the hang-up
    /// is noticed (no further event will come to say it again).
    ReadToEnd,
    /// The socket takes output again.
    Write,
}

impl Ready {
    /// The read an event asks for, if any.
    fn read(event: &mio::event::Event) -> Option<Ready> {
        if event.is_read_closed() || event.is_error() {
            Some(Ready::ReadToEnd)
        } else if event.is_readable() {
            Some(Ready::Read)
        } else {
            None
        }
    }
}

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
    events: Events,
    listener: TcpListener,
    connections: HashMap<u64, Connection>,
    next_id: u64,
    /// Where socket reads land before they join a connection's input.
    read_buf: Box<[u8]>,
    clock: Clock,
}

/// The engine thread's state: the sockets and the store.
pub struct EventLoop {
    io: Rc<RefCell<Io>>,
    store: Store,
    clock: Clock,
    stop: Arc<AtomicBool>,
}

fn token_of(id: u64) -> Token {
    Token(id as usize + 2)
}

fn id_of(token: Token) -> u64 {
    (token.0 - 2) as u64
}

impl EventLoop {
    /// An event loop serving `listener`, and the waker that interrupts its sleep; it stops
    /// when `stop` is set and the waker woken.
    pub fn new(
        listener: std::net::TcpListener,
        clock: Clock,
        stop: Arc<AtomicBool>,
    ) -> io::Result<(EventLoop, Arc<Waker>)> {
        let poll = Poll::new()?;
        let port = listener.local_addr()?.port();
        let mut listener = TcpListener::from_std(listener);
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let io = Rc::new(RefCell::new(Io {
            poll,
            events: Events::with_capacity(1024),
            listener,
            connections: HashMap::new(),
            next_id: 1,
            read_buf: vec![0; READ_CHUNK].into_boxed_slice(),
            clock: clock.clone(),
        }));
        let mut store = Store::new(clock.now_ms(), port);
        store.clock = clock.clone();
        let (busy_io, busy_stop) = (io.clone(), stop.clone());
        store.busy_handler = Some(BusyHandler(Box::new(move |store: &mut Store| {
            // A dropped engine ends even a script SCRIPT KILL cannot stop.
            if busy_stop.load(Ordering::SeqCst)
                && let Some(script) = store.script_running.as_mut()
            {
                script.kill = true;
            }
            busy_io.borrow_mut().process_events_while_busy(store);
        })));
        let event_loop = EventLoop {
            io,
            store,
            clock,
            stop,
        };
        Ok((event_loop, waker))
    }

    /// Serves until stopped.
    pub fn run(mut self) {
        let mut next_expiry = Instant::now() + EXPIRY_PERIOD;
        let mut ready: Vec<(u64, Ready)> = Vec::new();
        while !self.stop.load(Ordering::SeqCst) {
            let wait = self.wait_until_next_timer(next_expiry);
            {
                let mut io = self.io.borrow_mut();
                if io.poll_events(Some(wait)).is_err() {
                    return;
                }
                let mut accept = false;
                ready.clear();
                for event in &io.events {
                    match event.token() {
                        LISTENER => accept = true,
                        WAKER => {}
                        token => {
                            if event.is_writable() {
                                ready.push((id_of(token), Ready::Write));
                            }
                            if let Some(read) = Ready::read(event) {
                                ready.push((id_of(token), read));
                            }
                        }
                    }
                }
                if accept {
                    io.accept(&mut self.store);
                }
            }
            for &(id, what) in &ready {
                if what == Ready::Write {
                    self.io.borrow_mut().write_unwritten(id, &mut self.store);
                } else {
                    let complete = self.io.borrow_mut().read(id, what, &mut self.store);
                    if complete {
                        self.run_pending(id);
                    }
                }
            }
            if Instant::now() >= next_expiry {
                self.store.purge_expired(self.clock.now_ms(), EXPIRY_BATCH);
                self.store.serve_blocked(self.clock.now_us());
                next_expiry = Instant::now() + EXPIRY_PERIOD;
            }
            self.store.time_out_blocked(self.clock.now_ms());
            if self
                .store
                .pause
                .is_some_and(|p| p.end_ms <= self.clock.now_ms())
            {
                self.store.unpause_clients();
            }
            self.run_unblocked();
            self.store.tracking_broadcast();
            self.io.borrow_mut().write_output(&mut self.store);
        }
    }

    /// How long the loop may sleep: until active expiry is due or the soonest blocked
    /// client's deadline (measured on the engine clock) passes.
    fn wait_until_next_timer(&self, next_expiry: Instant) -> Duration {
        let expiry = next_expiry.saturating_duration_since(Instant::now());
        let pause_end = self.store.pause.map(|p| p.end_ms);
        match self
            .store
            .blocked
            .next_deadline()
            .into_iter()
            .chain(pause_end)
            .min()
        {
            Some(at) => {
                let left = (at - self.clock.now_ms()).max(0) as u64;
                expiry.min(Duration::from_millis(left))
            }
            None => expiry,
        }
    }

    /// Runs a client's waiting requests until none is left, it blocks or it is closing
    /// (Redis's processInputBuffer).
    fn run_pending(&mut self, id: u64) {
        loop {
            let Some(client) = self.store.clients.get_mut(&id) else {
                return;
            };
            if client.closing
                || self.store.blocked.is_blocked(id)
                || self.store.postponed.contains(&id)
            {
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

    /// Runs one request. A panic anywhere on its way (a handler's own panic is already
    /// answered inside `call`) is answered with an error and ends that client's connection;
    /// the engine, its keyspace and every other client go on.
    fn run_command(&mut self, id: u64, args: Vec<Bytes>) {
        let now = self.clock.now_us();
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            #[cfg(test)]
            if args[0].eq_ignore_ascii_case(tests::PANIC_OUTSIDE_HANDLER) {
                panic!("an injected engine bug");
            }
            match execute(&mut self.store, id, now, &args) {
                Outcome::Reply(reply) => self.store.reply(id, &reply),
                Outcome::Written => {}
                Outcome::Postponed => {
                    if let Some(client) = self.store.clients.get_mut(&id) {
                        client.pending.push_front(Request::Command(args.clone()));
                        self.store.postponed.push(id);
                    }
                    return false;
                }
                Outcome::Block(block) => {
                    let db = self.store.clients[&id].db;
                    let deadline = block
                        .timeout
                        .map(|t| now / 1000 + t.as_millis().min(i64::MAX as u128 / 2) as i64);
                    self.store
                        .blocked
                        .block(id, db, block.keys, args.clone(), deadline);
                }
            }
            true
        }));
        let panic = match ran {
            Ok(true) => None,
            // Postponed (CLIENT PAUSE): it runs again later, as if it had not come yet.
            Ok(false) => {
                self.store.current_client = None;
                return;
            }
            Err(panic) => Some(panic),
        };
        if let Some(panic) = panic {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let name = String::from_utf8_lossy(&args[0]).to_lowercase();
            tracing::error!("the engine panicked running '{name}' for client {id}: {message}");
            self.store.reply(
                id,
                &Value::error(format!(
                    "ERR internal error in '{name}' (please report it): {message}"
                )),
            );
            self.store.close_after_reply(id);
        }
        self.store.tracking_after_command(&args[0]);
        // CLIENT REPLY SKIP applies to the command after it.
        if let Some(client) = self.store.clients.get_mut(&id) {
            client.reply_mode = match client.reply_mode {
                ReplyMode::SkipNext => ReplyMode::Skip,
                ReplyMode::Skip => ReplyMode::On,
                mode => mode,
            };
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
}

impl Io {
    fn poll_events(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        match self.poll.poll(&mut self.events, timeout) {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => Err(e),
            _ => Ok(()),
        }
    }

    fn accept(&mut self, store: &mut Store) {
        loop {
            let (mut stream, peer) = match self.listener.accept() {
                Ok(accepted) => accepted,
                // WouldBlock, or out of file descriptors: try again on the next event.
                Err(_) => return,
            };
            let id = self.next_id;
            self.next_id += 1;
            let _ = stream.set_nodelay(true);
            if self
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
            store.clients.insert(id, client);
            store.stats.connections_received += 1;
            self.connections.insert(
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

    /// Reads what the socket has and queues the complete requests; false when the
    /// connection is gone (the client is then forgotten).
    ///
    /// A read that does not fill the buffer took everything the socket held, so for
    /// `Ready::Read` no second read is tried just to be told it would block (Redis's
    /// readQueryFromClient also reads once per event): the poll is edge-triggered, and
    /// input that arrives later raises a new event ([`SHORT_READ_DRAINS`]).
    fn read(&mut self, id: u64, what: Ready, store: &mut Store) -> bool {
        let Some(connection) = self.connections.get_mut(&id) else {
            return false;
        };
        if connection.input_closed {
            // Nothing more is parsed after a protocol error, but a hang-up must still be
            // noticed: a client blocked with its protocol error queued behind (BLPOP k 0,
            // then garbage) would otherwise never be forgotten.
            loop {
                match connection.stream.read(&mut self.read_buf) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            self.disconnect(id, store);
            return false;
        }
        let mut gone = false;
        let query_limit = store.config.query_buffer_limit();
        loop {
            match connection.stream.read(&mut self.read_buf) {
                Ok(0) => {
                    gone = true;
                    break;
                }
                Ok(n) => {
                    connection.input.extend_from_slice(&self.read_buf[..n]);
                    let drained =
                        SHORT_READ_DRAINS && n < self.read_buf.len() && what == Ready::Read;
                    if connection.input.len() > query_limit {
                        if let Some(client) = store.clients.get_mut(&id) {
                            queue_requests(connection, client);
                        }
                        if connection.input_closed {
                            break;
                        }
                        if connection.input.len() > query_limit {
                            // A request that never ends (a bulk announced and streamed
                            // without end): Redis closes the client at
                            // client-query-buffer-limit, and so does the engine, before the
                            // input can take the process's memory.
                            tracing::warn!(
                                "Closing client {id} that reached max query buffer length ({} bytes)",
                                connection.input.len()
                            );
                            gone = true;
                            break;
                        }
                    }
                    if drained {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    gone = true;
                    break;
                }
            }
        }
        let Some(client) = store.clients.get_mut(&id) else {
            return false;
        };
        queue_requests(connection, client);
        if gone {
            // Redis frees a client whose connection closed without answering what it sent.
            self.disconnect(id, store);
        }
        !gone
    }

    /// Forgets a client whose connection is gone, and every wait it had.
    fn disconnect(&mut self, id: u64, store: &mut Store) {
        if let Some(mut connection) = self.connections.remove(&id) {
            let _ = self.poll.registry().deregister(&mut connection.stream);
        }
        store.blocked.unblock(id);
        store.unwatch_all(id);
        store.leave_all(id);
        store.stop_monitoring(id);
        store.disable_tracking(id);
        store.postponed.retain(|&p| p != id);
        store.clients.remove(&id);
    }

    /// Writes every client's outbox to its socket (handleClientsWithPendingWrites); what
    /// the socket does not take now is written when it becomes writable.
    fn write_output(&mut self, store: &mut Store) {
        for id in std::mem::take(&mut store.with_output) {
            let Some(client) = store.clients.get_mut(&id) else {
                continue;
            };
            if client.close_asap {
                // An output-buffer limit was hit: nothing more is written (freeClientAsync).
                self.disconnect(id, store);
                continue;
            }
            let Some(connection) = self.connections.get_mut(&id) else {
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
            self.write_unwritten(id, store);
        }
    }

    /// Writes what the socket takes of a connection's unwritten output, asks to be told
    /// when it can take the rest, and closes a closing client once everything is written.
    fn write_unwritten(&mut self, id: u64, store: &mut Store) {
        let Some(connection) = self.connections.get_mut(&id) else {
            return;
        };
        let written = write_some(&mut connection.stream, &connection.unwritten);
        connection.unwritten.advance(written);
        let wants_writable = !connection.unwritten.is_empty();
        if let Some(client) = store.clients.get_mut(&id) {
            client.unwritten = connection.unwritten.len() as u64;
        }
        if wants_writable != connection.waiting_to_write {
            let interest = if wants_writable {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            let _ = self
                .poll
                .registry()
                .reregister(&mut connection.stream, token_of(id), interest);
            connection.waiting_to_write = wants_writable;
        }
        let closing = store.clients.get(&id).is_some_and(|c| c.closing);
        if closing && !wants_writable {
            self.disconnect(id, store);
        }
    }

    /// processEventsWhileBlocked during a script past its time limit: reads every other
    /// client's requests, answers BUSY to all but the commands flagged allow-busy (which
    /// run), and writes the replies.
    /// The script's own connection is not read (Redis protects the calling client).
    fn process_events_while_busy(&mut self, store: &mut Store) {
        let Some(caller) = store.script_running.as_ref().map(|r| r.caller) else {
            return;
        };
        if self.poll_events(Some(Duration::ZERO)).is_err() {
            return;
        }
        let mut accept = false;
        let mut readable = Vec::new();
        for event in &self.events {
            match event.token() {
                LISTENER => accept = true,
                WAKER => {}
                token if id_of(token) != caller => {
                    // A writable-only event reads too, as before: to the end, so that
                    // nothing is left unseen.
                    readable.push((id_of(token), Ready::read(event).unwrap_or(Ready::ReadToEnd)))
                }
                _ => {}
            }
        }
        if accept {
            self.accept(store);
        }
        for (id, what) in readable {
            if self.read(id, what, store) {
                answer_while_busy(store, id);
            }
        }
        self.write_output(store);
    }
}

/// Runs one client's queued requests while a script is busy: `process` refuses with BUSY
/// what the command table does not flag allow-busy (after the checks Redis makes first:
/// unknown command, arity, authentication ...); the rest (SCRIPT KILL, MULTI, WATCH, AUTH,
/// HELLO, RESET, QUIT ...) run.
fn answer_while_busy(store: &mut Store, id: u64) {
    // The script's caller stays the running client once these are answered.
    let running = store.current_client;
    while let Some(client) = store.clients.get_mut(&id)
        && !client.closing
        && let Some(Request::Command(args)) = client.pending.front()
    {
        let args = args.clone();
        let now = store.clock.now_us();
        match execute(store, id, now, &args) {
            Outcome::Reply(reply) => store.reply(id, &reply),
            Outcome::Written | Outcome::Block(_) => {}
            // CLIENT PAUSE holds it: it runs once the script and the pause are over.
            Outcome::Postponed => break,
        }
        if let Some(client) = store.clients.get_mut(&id) {
            client.pending.pop_front();
        }
    }
    store.current_client = running;
}

/// Moves the complete requests of a connection's input to its client's queue; a protocol
/// error ends the input.
fn queue_requests(connection: &mut Connection, client: &mut Client) {
    if connection.input_closed {
        return;
    }
    loop {
        match next_request(&mut connection.input) {
            Ok(Some(args)) => client.pending.push_back(Request::Command(args)),
            Ok(None) => return,
            Err(e) => {
                client
                    .pending
                    .push_back(Request::ProtocolError(e.reply_text()));
                connection.input_closed = true;
                connection.input.clear();
                return;
            }
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

#[cfg(test)]
mod tests {
    use super::super::{Clock, Engine};
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    /// A request name that panics in the event loop, outside any handler (tests only).
    pub(super) const PANIC_OUTSIDE_HANDLER: &[u8] = b"test-panic-outside-handler";

    fn ask(conn: &mut TcpStream, request: &[u8]) -> String {
        conn.write_all(request).unwrap();
        let mut reply = vec![0u8; 4096];
        let n = conn.read(&mut reply).unwrap();
        String::from_utf8_lossy(&reply[..n]).into_owned()
    }

    /// An engine bug outside a handler answers that client with an error and closes it; the
    /// keyspace and the other clients are untouched, and no ghost client is left.
    #[tokio::test]
    async fn a_panic_outside_a_handler_ends_one_connection_only() {
        let engine = Engine::start_local(Clock::new()).await.unwrap();
        let mut other = TcpStream::connect(engine.addr()).unwrap();
        other
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        assert_eq!(ask(&mut other, b"SET k v\r\n"), "+OK\r\n");
        let mut victim = TcpStream::connect(engine.addr()).unwrap();
        victim
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let reply = ask(&mut victim, b"test-panic-outside-handler\r\n");
        assert_eq!(
            reply,
            "-ERR internal error in 'test-panic-outside-handler' (please report it): an injected engine bug\r\n"
        );
        assert_eq!(
            victim.read(&mut [0; 16]).unwrap(),
            0,
            "the connection is closed"
        );
        assert_eq!(ask(&mut other, b"GET k\r\n"), "$1\r\nv\r\n");
        let list = ask(&mut other, b"CLIENT LIST\r\n");
        assert_eq!(list.matches("id=").count(), 1, "{list}");
    }
}
