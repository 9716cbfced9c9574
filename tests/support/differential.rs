//! The differential harness: the same commands go to a real redis-server and to the embedded
//! engine, and the raw reply bytes must be identical (errors included).
//!
//! Scripts are one command per line in redis-cli syntax. A line may start with a marker:
//! - `~ ` compare as unordered (array and set elements as multisets, recursively one level),
//! - `? ` run on both without comparing (random results), and `#` starts a comment.

use super::real_redis::RealRedis;
use bytes::BytesMut;
use redis_tutor::engine::{Clock, Engine};
use redis_tutor::resp::{Value, parse_value, split_args};
use std::io::Write;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// When set, every differential session appends the number of replies it compared to
/// this file, so a whole run's fidelity count can be summed.
const FIDELITY_LOG: &str = "REDIS_TUTOR_FIDELITY_LOG";

/// A connection that returns each reply's exact bytes.
pub struct RawConn {
    socket: TcpStream,
    buf: BytesMut,
}

impl RawConn {
    pub async fn connect(addr: std::net::SocketAddr) -> RawConn {
        let socket = TcpStream::connect(addr).await.expect("connect");
        RawConn {
            socket,
            buf: BytesMut::new(),
        }
    }

    /// Sends raw bytes as they are (for protocol tests).
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.socket.write_all(bytes).await.expect("write");
    }

    /// Sends one command as a RESP array.
    pub async fn send(&mut self, args: &[Vec<u8>]) {
        let mut out = BytesMut::new();
        Value::encode_request(args, &mut out);
        self.send_raw(&out).await;
    }

    /// Reads one reply and returns its bytes; None when the server closed the connection.
    pub async fn read_raw(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some((_, used)) = parse_value(&self.buf).expect("valid RESP from server") {
                return Some(self.buf.split_to(used).to_vec());
            }
            let read = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                self.socket.read_buf(&mut self.buf),
            )
            .await
            .expect("a reply within 10 s");
            if read.expect("read") == 0 {
                return None;
            }
        }
    }

    pub async fn request(&mut self, args: &[Vec<u8>]) -> Vec<u8> {
        self.send(args).await;
        self.read_raw().await.expect("a reply")
    }
}

/// A real server and an engine, one connection to each.
pub struct Differential {
    pub real: RealRedis,
    pub engine: Engine,
    pub real_conn: RawConn,
    pub engine_conn: RawConn,
    resp3: bool,
    /// Replies compared byte for byte (or as unordered sets) in this session.
    compared: usize,
}

impl Drop for Differential {
    fn drop(&mut self) {
        let Ok(path) = std::env::var(FIDELITY_LOG) else {
            return;
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path);
        if let Ok(mut file) = file {
            let _ = writeln!(file, "{}", self.compared);
        }
    }
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n")
}

/// Parses a script line into arguments.
pub fn args_of(line: &str) -> Vec<Vec<u8>> {
    split_args(line.as_bytes()).unwrap_or_else(|| panic!("bad test command {line:?}"))
}

impl Differential {
    /// Starts both servers (RESP2 connections); None when redis-server is not installed.
    pub async fn start() -> Option<Differential> {
        let real = RealRedis::start(&[])?;
        let engine = Engine::start_local(Clock::new())
            .await
            .expect("engine starts");
        let real_conn = RawConn::connect(real.addr()).await;
        let engine_conn = RawConn::connect(engine.addr()).await;
        Some(Differential {
            real,
            engine,
            real_conn,
            engine_conn,
            resp3: false,
            compared: 0,
        })
    }

    /// Starts both servers with connections switched to RESP3 (HELLO 3).
    pub async fn start_resp3() -> Option<Differential> {
        let mut d = Differential::start().await?;
        let hello = args_of("HELLO 3");
        d.real_conn.request(&hello).await;
        d.engine_conn.request(&hello).await;
        d.resp3 = true;
        Some(d)
    }

    /// Starts both servers, with RESP3 connections when `resp3`.
    pub async fn start_with(resp3: bool) -> Option<Differential> {
        if resp3 {
            Differential::start_resp3().await
        } else {
            Differential::start().await
        }
    }

    /// True when the main connections speak RESP3.
    pub fn is_resp3(&self) -> bool {
        self.resp3
    }

    /// Adds `n` comparisons a test made itself (on extra connections) to the session's count.
    pub fn count_compared(&mut self, n: usize) {
        self.compared += n;
    }

    fn label(&self) -> &'static str {
        if self.resp3 { "RESP3" } else { "RESP2" }
    }

    /// Sends `line` to both and returns (real, engine) raw replies.
    pub async fn both(&mut self, line: &str) -> (Vec<u8>, Vec<u8>) {
        let args = args_of(line);
        let real = self.real_conn.request(&args).await;
        let engine = self.engine_conn.request(&args).await;
        (real, engine)
    }

    /// Asserts both replies are byte-identical.
    pub async fn same(&mut self, line: &str) -> Vec<u8> {
        let (real, engine) = self.both(line).await;
        assert_eq!(
            show(&engine),
            show(&real),
            "[{}] {line}\n  engine (left) vs real Redis (right)",
            self.label()
        );
        self.compared += 1;
        real
    }

    /// Sends `args` (any bytes: payloads a script line cannot spell) to both and asserts
    /// the replies are byte-identical; returns real Redis's.
    pub async fn same_args(&mut self, args: &[Vec<u8>]) -> Vec<u8> {
        let real = self.real_conn.request(args).await;
        let engine = self.engine_conn.request(args).await;
        let shown: Vec<String> = args.iter().map(|a| show(a)).collect();
        assert_eq!(
            show(&engine),
            show(&real),
            "[{}] {shown:?}\n  engine (left) vs real Redis (right)",
            self.label()
        );
        self.compared += 1;
        real
    }

    /// Asserts both replies are equal once array/set elements are sorted.
    pub async fn same_unordered(&mut self, line: &str) {
        let (real, engine) = self.both(line).await;
        let (r, e) = (normalize(&real), normalize(&engine));
        assert_eq!(
            e,
            r,
            "[{}] {line} (compared unordered)\n  engine (left) vs real Redis (right)",
            self.label()
        );
        self.compared += 1;
    }

    /// Runs a script (see the module docs for the line markers).
    pub async fn run(&mut self, script: &str) {
        for line in script
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            if let Some(cmd) = line.strip_prefix("~ ") {
                self.same_unordered(cmd).await;
            } else if let Some(cmd) = line.strip_prefix("? ") {
                self.both(cmd).await;
            } else {
                self.same(line).await;
            }
        }
    }
}

impl Differential {
    /// Sends `line` on both main connections without reading the replies (blocking flows).
    pub async fn send(&mut self, line: &str) {
        let args = args_of(line);
        self.real_conn.send(&args).await;
        self.engine_conn.send(&args).await;
    }

    /// Reads one pending reply from each main connection and asserts they are identical.
    pub async fn same_pending(&mut self, what: &str) {
        let real = self.real_conn.read_raw().await.expect("a reply");
        let engine = self.engine_conn.read_raw().await.expect("a reply");
        assert_eq!(
            show(&engine),
            show(&real),
            "[{}] {what}\n  engine (left) vs real Redis (right)",
            self.label()
        );
        self.compared += 1;
    }
}

/// One more client on each server, speaking the same protocol as the `Differential` it was
/// made from, for flows with several clients (a pusher waking a blocked client).
pub struct ClientPair {
    pub real: RawConn,
    pub engine: RawConn,
}

impl ClientPair {
    pub async fn connect(d: &Differential) -> ClientPair {
        let mut pair = ClientPair {
            real: RawConn::connect(d.real.addr()).await,
            engine: RawConn::connect(d.engine.addr()).await,
        };
        if d.resp3 {
            // The HELLO replies carry each server's own client id: not compared.
            let hello = args_of("HELLO 3");
            pair.real.request(&hello).await;
            pair.engine.request(&hello).await;
        }
        pair
    }

    pub async fn send(&mut self, line: &str) {
        let args = args_of(line);
        self.real.send(&args).await;
        self.engine.send(&args).await;
    }

    /// Reads one pending reply from each and asserts they are identical.
    pub async fn same_pending(&mut self, what: &str) {
        let real = self.real.read_raw().await.expect("a reply");
        let engine = self.engine.read_raw().await.expect("a reply");
        assert_eq!(
            show(&engine),
            show(&real),
            "{what}\n  engine (left) vs real Redis (right)"
        );
    }

    pub async fn same(&mut self, line: &str) {
        self.send(line).await;
        self.same_pending(line).await;
    }

    /// Sends `line` to both and asserts the replies are equal once elements are sorted.
    pub async fn same_unordered(&mut self, line: &str) {
        self.send(line).await;
        let real = self.real.read_raw().await.expect("a reply");
        let engine = self.engine.read_raw().await.expect("a reply");
        assert_eq!(
            normalize(&engine),
            normalize(&real),
            "{line} (compared unordered)\n  engine (left) vs real Redis (right)"
        );
    }
}

/// Runs `script` on fresh servers in RESP2 and again in RESP3. Returns false when skipped.
pub async fn check_script(script: &str) -> bool {
    let Some(mut d) = Differential::start().await else {
        return false;
    };
    d.run(script).await;
    let Some(mut d) = Differential::start_resp3().await else {
        return false;
    };
    d.run(script).await;
    true
}

/// A reply with aggregate elements sorted, as an order-free comparison key.
fn normalize(raw: &[u8]) -> String {
    let (value, _) = parse_value(raw)
        .expect("valid RESP")
        .expect("a whole reply");
    format!("{:?}", sorted(value))
}

fn sorted(v: Value) -> Value {
    let sort = |items: Vec<Value>| {
        let mut items: Vec<Value> = items.into_iter().map(sorted).collect();
        items.sort_by_key(|i| format!("{i:?}"));
        items
    };
    match v {
        Value::Array(items) => Value::Array(sort(items)),
        Value::Set(items) => Value::Set(sort(items)),
        Value::Map(pairs) => {
            let mut pairs: Vec<(Value, Value)> =
                pairs.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            pairs.sort_by_key(|(k, _)| format!("{k:?}"));
            Value::Map(pairs)
        }
        other => other,
    }
}

/// The text of a string reply (INFO, CLIENT LIST ...).
pub fn body(raw: &[u8]) -> String {
    let (v, _) = parse_value(raw).unwrap().unwrap();
    String::from_utf8_lossy(v.as_bytes().expect("a string reply")).into_owned()
}

/// INFO commandstats without timings: `cmdstat_<name>:calls=..,rejected_calls=..,failed_calls=..`
/// per command, sorted, leaving out CONFIG RESETSTAT.
pub fn command_calls(raw: &[u8]) -> Vec<String> {
    let mut lines: Vec<String> = body(raw)
        .lines()
        .filter(|l| l.starts_with("cmdstat_") && !l.starts_with("cmdstat_config|resetstat"))
        .map(|l| {
            let (name, rest) = l.split_once(':').unwrap();
            let fields: Vec<&str> = rest
                .split(',')
                .filter(|f| f.starts_with("calls") || f.contains("_calls"))
                .collect();
            format!("{name}:{}", fields.join(","))
        })
        .collect();
    lines.sort();
    lines
}
