//! Starts a real redis-server on a free loopback port for a test, and stops it on drop.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A redis-server process owned by a test.
pub struct RealRedis {
    child: Child,
    port: u16,
}

/// True when tests must not skip for lack of redis-server (CI sets it).
pub fn real_redis_required() -> bool {
    std::env::var("REDIS_TUTOR_REQUIRE_REAL_REDIS").is_ok_and(|v| v == "1")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl RealRedis {
    /// Starts redis-server with `extra_args`; None (after printing a notice) when it is not
    /// installed, unless REDIS_TUTOR_REQUIRE_REAL_REDIS=1, which makes a missing server fatal.
    pub fn start(extra_args: &[&str]) -> Option<RealRedis> {
        for _attempt in 0..5 {
            let port = free_port();
            let spawned = Command::new("redis-server")
                .args([
                    "--port",
                    &port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .args(extra_args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let child = match spawned {
                Ok(child) => child,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    assert!(
                        !real_redis_required(),
                        "redis-server is required (REDIS_TUTOR_REQUIRE_REAL_REDIS=1) but not installed"
                    );
                    eprintln!("skipping: redis-server not installed");
                    return None;
                }
                Err(e) => panic!("cannot start redis-server: {e}"),
            };
            let mut server = RealRedis { child, port };
            if server.wait_ready() {
                return Some(server);
            }
            let _ = server.child.kill();
        }
        panic!("redis-server did not start after 5 attempts");
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false; // exited: port taken, most likely
            }
            if TcpStream::connect(self.addr()).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RealRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
