//! A real redis-server for tests: started on a free loopback port, killed on drop.
//!
//! `RealRedis::start(&["--requirepass", "secret"])` returns `None` (after printing
//! "skipping: redis-server not installed") when no redis-server is on PATH, so tests can skip;
//! with `REDIS_TUTOR_REQUIRE_REAL_REDIS=1` a missing server is a failure instead.

// Each test crate uses only part of this harness.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a freshly started server may take to answer PING.
const STARTUP_LIMIT: Duration = Duration::from_secs(20);

/// How many ports to try when another process grabs the one we picked.
const START_ATTEMPTS: usize = 5;

/// A running redis-server owned by the test.
pub struct RealRedis {
    child: Child,
    port: u16,
    /// Holds the server's log file (and whatever else the test put there) until drop.
    dir: tempfile::TempDir,
}

impl RealRedis {
    /// Starts redis-server with `--port <free> --save '' --appendonly no --bind 127.0.0.1`
    /// plus `extra_args`, and waits until its log says it is ready and it answers PING (a
    /// NOAUTH error counts as an answer). `None` when redis-server is not installed (unless
    /// REDIS_TUTOR_REQUIRE_REAL_REDIS=1, then it panics).
    pub fn start(extra_args: &[&str]) -> Option<RealRedis> {
        let Some(binary) = find_on_path("redis-server") else {
            if real_redis_required() {
                panic!("redis-server is not on PATH and REDIS_TUTOR_REQUIRE_REAL_REDIS=1");
            }
            println!("skipping: redis-server not installed");
            return None;
        };
        let mut last_failure = String::new();
        for _ in 0..START_ATTEMPTS {
            match RealRedis::try_start(&binary, extra_args) {
                Ok(server) => return Some(server),
                Err(failure) => last_failure = failure,
            }
        }
        panic!("redis-server did not start: {last_failure}");
    }

    fn try_start(binary: &Path, extra_args: &[&str]) -> Result<RealRedis, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
        let log = dir.path().join("redis.log");
        let port = free_port();
        let child = Command::new(binary)
            .args(["--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
            .args(["--dir", &dir.path().to_string_lossy()])
            .args(["--logfile", &log.to_string_lossy()])
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        let mut server = RealRedis { child, port, dir };
        let started = Instant::now();
        loop {
            // Our own log saying "ready" proves our server holds the port: a PING answer
            // alone could come from another process that grabbed the port first.
            let ready = std::fs::read_to_string(&log)
                .is_ok_and(|text| text.contains("Ready to accept connections"));
            if ready && server.answers_ping() {
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "redis-server on port {port} exited ({status}); log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                ));
            }
            if started.elapsed() > STARTUP_LIMIT {
                return Err(format!(
                    "redis-server on port {port} did not answer PING; log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// `redis://127.0.0.1:<port>` (no credentials, database 0).
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A private directory that lives as long as the server (for unix sockets and the like).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// True when something on the port replies to PING (PONG or an error such as NOAUTH).
    fn answers_ping(&self) -> bool {
        let Ok(mut socket) = TcpStream::connect(self.addr()) else {
            return false;
        };
        let _ = socket.set_read_timeout(Some(Duration::from_secs(2)));
        if socket.write_all(b"*1\r\n$4\r\nPING\r\n").is_err() {
            return false;
        }
        let mut first = [0u8; 1];
        matches!(socket.read(&mut first), Ok(1) if first[0] == b'+' || first[0] == b'-')
    }
}

impl Drop for RealRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// True when tests must not skip for lack of redis-server (REDIS_TUTOR_REQUIRE_REAL_REDIS=1,
/// as CI sets it).
pub fn real_redis_required() -> bool {
    std::env::var("REDIS_TUTOR_REQUIRE_REAL_REDIS").is_ok_and(|v| v == "1")
}

/// A port nothing listens on right now (bound to 127.0.0.1:0, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("cannot bind a loopback port")
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
