//! The RESP server. One engine thread owns the `Store` and every client socket, and runs an
//! event loop as Redis's single thread does: accept, read and parse requests, run them in
//! arrival order, serve blocked clients, time out their waits on the engine clock, run
//! active expiry, and write each client's output (see `event_loop`). Nothing here runs on the
//! caller's tokio runtime, so the tutor's terminal never waits for the engine, and a script
//! running long on the engine thread cannot stall anybody else's runtime.

use super::clock::Clock;
use super::event_loop::EventLoop;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The event loop thread's stack: scripts recurse in Rust as deep as Redis's C libraries
/// allow (cjson nests 1000 levels), which the default 2 MiB does not hold in a debug
/// build. Only the pages used are ever committed.
const ENGINE_STACK: usize = 64 << 20;

/// A running engine. Dropping it stops the server.
pub struct Engine {
    addr: SocketAddr,
    clock: Clock,
    stop: Arc<AtomicBool>,
    waker: Arc<mio::Waker>,
}

impl Engine {
    /// Starts a server on `bind` (port 0 picks a free port) on its own thread.
    pub async fn start(bind: SocketAddr, clock: Clock) -> io::Result<Engine> {
        let listener = std::net::TcpListener::bind(bind)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        // The event loop is made on its thread: the store (and its Lua interpreter) never
        // leaves it.
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (thread_clock, thread_stop) = (clock.clone(), stop.clone());
        std::thread::Builder::new()
            .name("redis-tutor-engine".into())
            .stack_size(ENGINE_STACK)
            .spawn(
                move || match EventLoop::new(listener, thread_clock, thread_stop) {
                    Ok((event_loop, waker)) => {
                        let _ = started_tx.send(Ok(waker));
                        event_loop.run();
                    }
                    Err(e) => {
                        let _ = started_tx.send(Err(e));
                    }
                },
            )?;
        let waker = started_rx
            .recv()
            .map_err(|_| io::Error::other("the engine thread did not start"))??;
        Ok(Engine {
            addr,
            clock,
            stop,
            waker,
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
        &self.clock
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.waker.wake();
    }
}
