//! The RESP server: accepts connections on loopback (or `serve --bind`), reads pipelined
//! requests, runs them under the store lock and writes the replies back in one go.

use super::client::Client;
use super::clock::Clock;
use super::command::{Outcome, execute};
use super::protocol::next_request;
use super::store::Store;
use crate::resp::Value;
use bytes::BytesMut;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How often active expiry runs, and how many keys per database it may reclaim each time.
const EXPIRY_PERIOD: Duration = Duration::from_millis(100);
const EXPIRY_BATCH: usize = 200;

/// State shared by every connection task.
struct Shared {
    store: Mutex<Store>,
    clock: Clock,
    next_client_id: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Store> {
        // A panicking command must not take the whole server down with a poisoned lock.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running engine. Dropping it stops the server.
pub struct Engine {
    addr: SocketAddr,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl Engine {
    /// Starts a server on `bind` (port 0 picks a free port) inside the current tokio runtime.
    pub async fn start(bind: SocketAddr, clock: Clock) -> io::Result<Engine> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::new(clock.now_ms(), addr.port())),
            clock,
            next_client_id: AtomicU64::new(1),
        });
        let accept = tokio::spawn(accept_loop(listener, shared.clone()));
        let expiry = tokio::spawn(expiry_loop(shared.clone()));
        Ok(Engine {
            addr,
            shared,
            tasks: vec![accept, expiry],
        })
    }

    /// Starts a server on a free port of 127.0.0.1.
    pub async fn start_local(clock: Clock) -> io::Result<Engine> {
        Engine::start(SocketAddr::from(([127, 0, 0, 1], 0)), clock).await
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `redis://host:port` for this server.
    pub fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }

    /// The engine's clock (advance it to make keys expire sooner).
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((socket, peer)) => {
                let _ = socket.set_nodelay(true);
                tokio::spawn(serve_connection(socket, peer, shared.clone()));
            }
            // Out of file descriptors and the like: wait a little instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

async fn expiry_loop(shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(EXPIRY_PERIOD);
    loop {
        tick.tick().await;
        let now = shared.clock.now_ms();
        shared.lock().purge_expired(now, EXPIRY_BATCH);
    }
}

async fn serve_connection(mut socket: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let id = shared.next_client_id.fetch_add(1, Ordering::Relaxed);
    let local = socket
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    {
        let mut store = shared.lock();
        store.clients.insert(
            id,
            Client::new(id, peer.to_string(), local, shared.clock.now_ms()),
        );
        store.stats.connections_received += 1;
    }
    // Errors end the connection; the client is unregistered either way.
    let _ = run_connection(&mut socket, id, &shared).await;
    let mut store = shared.lock();
    store.blocked.unblock(id);
    store.clients.remove(&id);
}

/// What a connection does after running the requests it has buffered.
enum Step {
    /// Every complete request ran: read more.
    NeedInput,
    /// Write what is buffered and close (QUIT, protocol error).
    Close,
    /// A blocking command is waiting for a key.
    Blocked(oneshot::Receiver<Value>, Option<Duration>),
}

async fn run_connection(socket: &mut TcpStream, id: u64, shared: &Shared) -> io::Result<()> {
    let mut input = BytesMut::with_capacity(16 * 1024);
    let mut output = BytesMut::with_capacity(16 * 1024);
    loop {
        if socket.read_buf(&mut input).await? == 0 {
            return Ok(());
        }
        loop {
            match run_buffered(shared, id, &mut input, &mut output) {
                Step::NeedInput => break,
                Step::Close => {
                    socket.write_all(&output).await?;
                    return Ok(());
                }
                Step::Blocked(rx, timeout) => {
                    socket.write_all(&output).await?;
                    output.clear();
                    let reply = wait_unblocked(socket, &mut input, rx, timeout, id, shared).await?;
                    let proto = shared.lock().clients[&id].protocol;
                    reply.encode(proto, &mut output);
                }
            }
        }
        socket.write_all(&output).await?;
        output.clear();
    }
}

/// Runs the complete requests in `input` under one acquisition of the store lock.
fn run_buffered(shared: &Shared, id: u64, input: &mut BytesMut, output: &mut BytesMut) -> Step {
    let mut store = shared.lock();
    loop {
        let args = match next_request(input) {
            Ok(Some(args)) => args,
            Ok(None) => return Step::NeedInput,
            Err(e) => {
                Value::error(e.reply_text()).encode(store.clients[&id].protocol, output);
                return Step::Close;
            }
        };
        let now = shared.clock.now_us();
        let outcome = execute(&mut store, id, now, &args);
        store.serve_blocked(now);
        let client = &store.clients[&id];
        match outcome {
            Outcome::Reply(reply) => reply.encode(client.protocol, output),
            Outcome::Block(block) => {
                let db = client.db;
                let rx = store.blocked.block(id, db, block.keys, args);
                return Step::Blocked(rx, block.timeout);
            }
        }
        if store.clients[&id].closing {
            return Step::Close;
        }
    }
}

/// Waits for a blocked command's reply, its timeout, or the client going away. Bytes the
/// client sends meanwhile are kept for after the reply, as Redis does.
async fn wait_unblocked(
    socket: &mut TcpStream,
    input: &mut BytesMut,
    mut rx: oneshot::Receiver<Value>,
    timeout: Option<Duration>,
    id: u64,
    shared: &Shared,
) -> io::Result<Value> {
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    loop {
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            reply = &mut rx => return Ok(reply.unwrap_or(Value::NullArray)),
            () = sleep => {
                if shared.lock().blocked.unblock(id) {
                    return Ok(Value::NullArray);
                }
                // Served at the last moment: the reply is already in the channel.
                return Ok(rx.await.unwrap_or(Value::NullArray));
            }
            read = socket.read_buf(input) => {
                if read? == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
            }
        }
    }
}
