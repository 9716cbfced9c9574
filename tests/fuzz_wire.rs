//! The network-level fuzzer, after ../shared/tools/wire-fuzz.py: many short connections, each
//! sending a few seeded payloads (fragment soups of RESP and inline pieces, well-formed
//! requests built from the command table, and such requests cut or corrupted), reading what
//! comes back without waiting. Every so often, and at the end, a fresh connection must get
//! `+PONG` to PING; memory is watched all along (the in-process engine's heap is capped).
//!
//! By default it fuzzes an engine started in this process. FUZZ_ADDR=host:port fuzzes any
//! server instead (`redis-tutor serve --port N`, or redis-server for comparison), and
//! FUZZ_PID=pid watches that process's RSS. FUZZ_SHOW=N prints the payloads from connection N
//! on, to reproduce a failure; FUZZ_DEBUG_GHOSTS=1 prints what the clients left connected at
//! the end had sent. At the end, no fuzz client may be left connected (a ghost). The long run is one command (see tools/fuzz.sh):
//!
//! ```text
//! FUZZ_CONNS=2000000 cargo test --release --test fuzz_wire -- --ignored --nocapture
//! ```

mod support;

use redis_tutor::engine::{Clock, Engine};
use socket2::SockRef;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use support::fuzz::{
    CURRENT_EXEC, CappedAllocator, CommandGen, Rng, rss_kib, set_heap_cap, setting, wire_payload,
};

#[global_allocator]
static ALLOCATOR: CappedAllocator = CappedAllocator;

/// What a run did and saw.
#[derive(Debug, Default)]
struct Report {
    connections: u64,
    executions: u64,
    /// Connections the server closed (protocol errors, QUIT, limits).
    closed_by_server: u64,
    health_checks: u64,
    /// Largest RSS seen, KiB.
    peak_rss: u64,
    /// Largest heap seen (in-process engine only), bytes.
    peak_heap: usize,
    failure: Option<String>,
}

/// Settings a payload may have changed that would lock every later client out, put back as
/// an administrator would; each is sent on its own connection, since the first may be closed
/// by the very limit it resets.
const RESTORE: &[&[u8]] = &[
    b"CONFIG SET client-output-buffer-limit \"normal 64mb 0 0\"\r\n",
    b"CONFIG SET maxmemory 0\r\n",
];

/// A fresh connection must answer PING with PONG within a few seconds.
fn healthy(addr: SocketAddr) -> Result<(), String> {
    for restore in RESTORE {
        if let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = s.write_all(restore);
            let _ = s.read(&mut [0; 256]);
        }
    }
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("cannot connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    s.write_all(b"PING\r\n").map_err(|e| e.to_string())?;
    let mut reply = [0u8; 64];
    let n = s.read(&mut reply).map_err(|e| format!("no PONG: {e}"))?;
    if &reply[..n] == b"+PONG\r\n" {
        Ok(())
    } else {
        Err(format!(
            "PING answered {:?}",
            String::from_utf8_lossy(&reply[..n])
        ))
    }
}

/// How many clients besides the asking one are still connected once every fuzz connection is
/// closed (None when none are, within a few seconds: the server sees the last resets late).
fn ghost_clients(
    addr: SocketAddr,
    sent_by_port: &std::collections::HashMap<u16, Vec<(u64, Vec<u8>)>>,
) -> Option<usize> {
    let mut found = 0;
    for _ in 0..50 {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        s.write_all(b"INFO clients\r\n").ok()?;
        let mut reply = vec![0u8; 4096];
        let n = s.read(&mut reply).ok()?;
        let text = String::from_utf8_lossy(&reply[..n]);
        let connected: usize = text
            .lines()
            .find_map(|l| l.strip_prefix("connected_clients:"))
            .and_then(|v| v.trim().parse().ok())?;
        found = connected.saturating_sub(1);
        if found == 0 {
            return None;
        }
        if std::env::var("FUZZ_DEBUG_GHOSTS").is_ok() {
            let _ = s.write_all(b"CLIENT LIST\r\n");
            let n = s.read(&mut reply).unwrap_or(0);
            let list = String::from_utf8_lossy(&reply[..n]).into_owned();
            eprintln!("{list}");
            for port in list
                .split("addr=127.0.0.1:")
                .skip(1)
                .filter_map(|rest| rest.split(' ').next()?.parse::<u16>().ok())
            {
                for (conn, payload) in sent_by_port.get(&port).into_iter().flatten() {
                    eprintln!(
                        "port {port} connection {conn}: {:?}",
                        String::from_utf8_lossy(payload)
                    );
                }
            }
            return Some(found);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(found)
}

/// Reads whatever has arrived, without waiting; false when the server closed.
fn drain(s: &mut TcpStream, buf: &mut [u8]) -> bool {
    loop {
        match s.read(buf) {
            Ok(0) => return false,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

fn fuzz(
    addr: SocketAddr,
    pid: Option<u32>,
    seed: u64,
    conns: u64,
    deadline: Option<Instant>,
) -> Report {
    set_heap_cap(seed);
    let commands = CommandGen::new();
    let mut rng = Rng::new(seed);
    let mut report = Report::default();
    let mut buf = vec![0u8; 64 * 1024];
    let check_every = setting("FUZZ_CHECK_EVERY", 200);
    let show_from = setting("FUZZ_SHOW", u64::MAX);
    let debug_ghosts = std::env::var("FUZZ_DEBUG_GHOSTS").is_ok();
    let mut sent_by_port: std::collections::HashMap<u16, Vec<(u64, Vec<u8>)>> =
        std::collections::HashMap::new();
    while report.connections < conns {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if report.connections % check_every == 0 {
            report.health_checks += 1;
            if let Err(e) = healthy(addr) {
                report.failure = Some(format!(
                    "the server failed its health check before connection {}: {e}",
                    report.connections
                ));
                return report;
            }
            if let Some((rss, _)) = rss_kib(pid) {
                report.peak_rss = report.peak_rss.max(rss);
            }
            report.peak_heap = report
                .peak_heap
                .max(redis_tutor::heap::in_use().unwrap_or(0));
        }
        report.connections += 1;
        let mut s = match TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
            Ok(s) => s,
            Err(e) => {
                report.failure = Some(format!(
                    "cannot connect for connection {}: {e}",
                    report.connections
                ));
                return report;
            }
        };
        // Reset on close: millions of connections must not exhaust ports in TIME_WAIT.
        let _ = SockRef::from(&s).set_linger(Some(Duration::ZERO));
        let _ = s.set_nodelay(true);
        let _ = s.set_nonblocking(true);
        let payloads = 1 + rng.below(8);
        let port = s.local_addr().map(|a| a.port()).unwrap_or(0);
        for _ in 0..payloads {
            let payload = wire_payload(&mut rng, &commands);
            if debug_ghosts {
                sent_by_port
                    .entry(port)
                    .or_default()
                    .push((report.connections, payload.clone()));
            }
            if report.connections >= show_from {
                eprintln!(
                    "connection {} payload {}: {:?}",
                    report.connections,
                    report.executions,
                    String::from_utf8_lossy(&payload[..payload.len().min(300)])
                );
            }
            CURRENT_EXEC.store(report.executions, Ordering::Relaxed);
            report.executions += 1;
            let mut sent = 0;
            let mut open = true;
            while sent < payload.len() {
                match s.write(&payload[sent..]) {
                    Ok(n) => sent += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        if !drain(&mut s, &mut buf) {
                            open = false;
                            break;
                        }
                        std::thread::sleep(Duration::from_micros(200));
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => {
                        open = false;
                        break;
                    }
                }
            }
            if !open || !drain(&mut s, &mut buf) {
                report.closed_by_server += 1;
                break;
            }
        }
    }
    if let Err(e) = healthy(addr) {
        report.failure = Some(format!("the server failed its final health check: {e}"));
    } else if let Some(ghosts) = ghost_clients(addr, &sent_by_port) {
        report.failure = Some(format!(
            "{ghosts} clients are still connected after every fuzz connection was closed"
        ));
    }
    if let Some((rss, hwm)) = rss_kib(pid) {
        report.peak_rss = report
            .peak_rss
            .max(rss)
            .max(if pid.is_none() { hwm } else { 0 });
    }
    report.peak_heap = report.peak_heap.max(redis_tutor::heap::peak().unwrap_or(0));
    report
}

fn run(default_conns: u64, default_seed: u64) {
    let started = Instant::now();
    let seed = setting("FUZZ_SEED", default_seed);
    let conns = setting("FUZZ_CONNS", default_conns);
    let deadline = match setting("FUZZ_SECONDS", 0) {
        0 => None,
        s => Some(started + Duration::from_secs(s)),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (engine, addr, pid) = match std::env::var("FUZZ_ADDR") {
        Ok(addr) => {
            let pid = std::env::var("FUZZ_PID").ok().and_then(|p| p.parse().ok());
            (None, addr.parse().expect("FUZZ_ADDR is host:port"), pid)
        }
        Err(_) => {
            let engine = runtime.block_on(Engine::start_local(Clock::new())).unwrap();
            let addr = engine.addr();
            (Some(engine), addr, None)
        }
    };
    let report = fuzz(addr, pid, seed, conns, deadline);
    eprintln!(
        "fuzz_wire: seed {seed} against {}: {} executions on {} connections ({} closed by the server), {} health checks, {} failures, {:.1} s; peak RSS {} MiB{}",
        if engine.is_some() {
            "the in-process engine".to_string()
        } else {
            addr.to_string()
        },
        report.executions,
        report.connections,
        report.closed_by_server,
        report.health_checks,
        u8::from(report.failure.is_some()),
        started.elapsed().as_secs_f64(),
        report.peak_rss >> 10,
        if engine.is_some() {
            format!(", peak heap {} MiB", report.peak_heap >> 20)
        } else {
            String::new()
        },
    );
    if let Some(failure) = report.failure {
        panic!("{failure}");
    }
    drop(engine);
}

/// A short seeded pass for CI.
#[test]
fn engine_survives_hostile_connections() {
    run(1000, 1);
}

/// The long run (ignored in CI): FUZZ_CONNS connections (two million by default, about nine
/// million payloads) or FUZZ_SECONDS, in release mode.
#[test]
#[ignore]
fn long_wire_fuzz() {
    run(2_000_000, 7);
}
