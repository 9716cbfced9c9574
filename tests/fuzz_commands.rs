//! The command-level fuzzer: seeded random command sequences, built from the engine's own
//! COMMAND DOCS grammar, run in-process against the engine's pipeline (`execute`) on a few
//! clients, with the virtual clock moving. It asserts that no command panics, that the heap
//! stays under a cap (an allocation above it aborts the run and names the command), and that
//! the engine still answers PING.
//!
//! CI runs a short seeded pass. The long run is one command (see tools/fuzz.sh):
//!
//! ```text
//! FUZZ_EXECS=10000000 cargo test --release --test fuzz_commands -- --ignored --nocapture
//! ```
//!
//! Settings: FUZZ_SEED, FUZZ_EXECS, FUZZ_SECONDS (stop earlier), FUZZ_HEAP_CAP_MB (default
//! 3072), FUZZ_SHOW=N (print every command from execution N on, to reproduce a crash).

mod support;

use bytes::{Bytes, BytesMut};
use redis_tutor::engine::client::Client;
use redis_tutor::engine::command::{Outcome, execute};
use redis_tutor::engine::rdb::crc64::crc64;
use redis_tutor::engine::store::Store;
use redis_tutor::resp::Value;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::fuzz::{CappedAllocator, CommandGen, Rng, rss_kib, set_heap_cap, setting, show};

#[global_allocator]
static ALLOCATOR: CappedAllocator = CappedAllocator;

/// What a fuzz run found.
#[derive(Debug, Default)]
struct Report {
    executions: u64,
    sequences: u64,
    /// Distinct crashes (panic message or internal-error reply) with the first command that
    /// caused each.
    crashes: BTreeMap<String, (u64, String)>,
    crash_count: u64,
    peak_heap: usize,
    /// Connections closed by the output-buffer limit (or the memory safety limit).
    closed_by_limit: u64,
}

/// The message of the last panic, recorded by a quiet panic hook.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Set while a fuzzed command runs: its panics are recorded, not printed.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn quiet_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
            return default(info);
        }
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(format!("{message} at {location}"));
        }
    }));
}

const CLIENTS: u64 = 3;

fn fresh_store() -> Store {
    let mut store = Store::new(0, 6379);
    for id in 1..=CLIENTS {
        store.clients.insert(id, client(id));
    }
    store
}

fn client(id: u64) -> Client {
    Client::new(
        id,
        format!("127.0.0.1:{}", 40000 + id),
        "127.0.0.1:6379".into(),
        0,
    )
}

/// Runs `execs` executions from `seed` (or until `deadline`).
fn fuzz(seed: u64, execs: u64, deadline: Option<Instant>) -> Report {
    quiet_panics();
    set_heap_cap(seed);
    let show_from = setting("FUZZ_SHOW", u64::MAX);
    let commands = CommandGen::new();
    let mut rng = Rng::new(seed);
    let mut report = Report::default();
    let mut store = fresh_store();
    let mut now_us: i64 = 1_700_000_000_000_000;
    let mut left_in_sequence = 0;
    let mut output = BytesMut::new();
    let ping = [Bytes::from_static(b"PING")];
    while report.executions < execs {
        if report.executions % 4096 == 0 && deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if left_in_sequence == 0 {
            store = fresh_store();
            report.sequences += 1;
            let most = if rng.chance(20) { 5000 } else { 300 };
            left_in_sequence = 1 + rng.below(most);
        }
        left_in_sequence -= 1;
        let exec = report.executions;
        support::fuzz::CURRENT_EXEC.store(exec, std::sync::atomic::Ordering::Relaxed);
        report.executions += 1;
        let id = 1 + rng.below(CLIENTS as usize) as u64;
        store.clients.entry(id).or_insert_with(|| client(id));
        if rng.chance(5) {
            now_us += rng.below(3_000_000) as i64;
            if rng.chance(20) {
                store.purge_expired(now_us / 1000, 20);
            }
        }
        let args = commands.command(&mut rng);
        if exec >= show_from {
            eprintln!("#{exec} client {id}: {}", show(&args));
        }
        let args: Vec<Bytes> = args.into_iter().map(Bytes::from).collect();
        QUIET.store(true, std::sync::atomic::Ordering::Relaxed);
        let ran = catch_unwind(AssertUnwindSafe(|| {
            let outcome = execute(&mut store, id, now_us, &args);
            if let Outcome::Reply(reply) = &outcome {
                // As the event loop does: into the outbox (and the output-buffer limit).
                store.reply(id, reply);
            }
            // Then onto the "socket", for every client (MONITOR and pub/sub write to others).
            store.with_output.clear();
            for client in store.clients.values_mut() {
                output.clear();
                output.extend_from_slice(&client.output);
                client.output.clear();
            }
            outcome
        }));
        QUIET.store(false, std::sync::atomic::Ordering::Relaxed);
        let crash = match ran {
            Err(_) => Some(
                LAST_PANIC
                    .lock()
                    .ok()
                    .and_then(|mut l| l.take())
                    .unwrap_or_else(|| "a panic".into()),
            ),
            Ok(Outcome::Reply(Value::Error(e))) if e.starts_with(b"ERR internal error") => {
                Some(String::from_utf8_lossy(&e).into_owned())
            }
            Ok(_) => None,
        };
        if store.clients.get(&id).is_some_and(|c| c.close_asap) {
            // The connection is closed, as the event loop's disconnect does.
            report.closed_by_limit += 1;
            store.blocked.unblock(id);
            store.unwatch_all(id);
            store.clients.remove(&id);
        }
        if let Some(message) = crash {
            report.crash_count += 1;
            let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
            let shown: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
            report
                .crashes
                .entry(format!("{name}: {message}"))
                .or_insert((exec, show(&shown)));
            // A panic may leave the store half-changed: start a fresh sequence.
            left_in_sequence = 0;
            continue;
        }
        if exec % 1000 == 999 {
            store.clients.entry(id).or_insert_with(|| client(id));
            match execute(&mut store, id, now_us, &ping) {
                Outcome::Reply(Value::Simple(s)) if s == "PONG" => {}
                // Inside MULTI or subscribed, PING answers otherwise: both are alive.
                Outcome::Reply(Value::Simple(_) | Value::Array(_) | Value::Push(_)) => {}
                Outcome::Reply(Value::Error(e)) if !e.starts_with(b"ERR internal") => {}
                other => panic!("PING after execution {exec} answered {other:?}"),
            }
        }
        if exec % 256 == 0 {
            report.peak_heap = report
                .peak_heap
                .max(redis_tutor::heap::in_use().unwrap_or(0));
        }
    }
    report.peak_heap = report.peak_heap.max(redis_tutor::heap::peak().unwrap_or(0));
    report
}

fn print_and_check(report: &Report, seed: u64, started: Instant) {
    let (rss, hwm) = rss_kib(None).unwrap_or_default();
    eprintln!(
        "fuzz_commands: seed {seed}: {} executions in {} sequences, {} crashes ({} distinct), {} clients closed by a limit, {:.1} s; peak heap {} MiB, RSS {} MiB (peak {} MiB)",
        report.executions,
        report.sequences,
        report.crash_count,
        report.crashes.len(),
        report.closed_by_limit,
        started.elapsed().as_secs_f64(),
        report.peak_heap >> 20,
        rss >> 10,
        hwm >> 10,
    );
    for (crash, (exec, command)) in &report.crashes {
        eprintln!("  crash: {crash}\n    first at execution {exec}: {command}");
    }
    assert!(
        report.crashes.is_empty(),
        "the engine crashed on {} distinct inputs (listed above)",
        report.crashes.len()
    );
}

/// A short seeded pass for CI: every command family, a few thousand commands.
#[test]
fn engine_survives_random_command_sequences() {
    let started = Instant::now();
    let seed = setting("FUZZ_SEED", 1);
    let report = fuzz(seed, setting("FUZZ_EXECS", 20_000), None);
    print_and_check(&report, seed, started);
}

/// The long run (ignored in CI): FUZZ_EXECS executions (10 million by default) or
/// FUZZ_SECONDS, in release mode.
#[test]
#[ignore]
fn long_command_fuzz() {
    let started = Instant::now();
    let seed = setting("FUZZ_SEED", 7);
    let deadline = match setting("FUZZ_SECONDS", 0) {
        0 => None,
        s => Some(started + Duration::from_secs(s)),
    };
    let report = fuzz(seed, setting("FUZZ_EXECS", 10_000_000), deadline);
    print_and_check(&report, seed, started);
}

/// Runs one command for client 1 and returns its reply.
fn reply_to(store: &mut Store, args: &[&[u8]]) -> Value {
    let args: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a)).collect();
    match execute(store, 1, 1_700_000_000_000_000, &args) {
        Outcome::Reply(reply) => reply,
        other => panic!("{:?} did not reply: {other:?}", show(&[args[0].to_vec()])),
    }
}

/// Mutates a payload's body the ways a bad network or a hostile client would: bytes
/// flipped, replaced, inserted, deleted, cut or repeated.
fn mutate(rng: &mut Rng, body: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(body.len() + 1);
        match rng.below(6) {
            0 if at < body.len() => body[at] ^= 1 << rng.below(8),
            1 if at < body.len() => body[at] = rng.next_u64() as u8,
            2 => {
                let noise: Vec<u8> = (0..1 + rng.below(8))
                    .map(|_| rng.next_u64() as u8)
                    .collect();
                body.splice(at..at, noise);
            }
            3 => {
                let end = (at + 1 + rng.below(16)).min(body.len());
                body.drain(at.min(end)..end);
            }
            4 => body.truncate(at),
            _ => {
                let end = (at + rng.below(64)).min(body.len());
                let piece = body[at.min(end)..end].to_vec();
                body.splice(at..at, piece);
            }
        }
    }
}

/// FUNCTION RESTORE with payloads a random command would almost never get past the
/// checksum with: real dumps (LZF-compressed and verbatim libraries) mutated, then given a
/// right footer again, and pure noise. Every payload is answered OK or with an error, and
/// the engine keeps serving.
#[test]
fn function_restore_survives_corrupt_payloads() {
    let seed = setting("FUZZ_SEED", 1);
    set_heap_cap(seed);
    let mut rng = Rng::new(seed);
    let mut store = fresh_store();
    let mut code = String::from("#!lua name=big\n");
    for i in 0..30 {
        code += &format!(
            "redis.register_function('f{i}', function(keys) return {{keys[1], {i}}} end)\n"
        );
    }
    let loaded = reply_to(&mut store, &[b"FUNCTION", b"LOAD", code.as_bytes()]);
    assert_eq!(loaded, Value::Bulk(Bytes::from_static(b"big")));
    reply_to(
        &mut store,
        &[
            b"FUNCTION",
            b"LOAD",
            b"#!lua name=small\nredis.register_function('s', function() return 1 end)",
        ],
    );
    let Value::Bulk(dump) = reply_to(&mut store, &[b"FUNCTION", b"DUMP"]) else {
        panic!("FUNCTION DUMP answers a bulk string");
    };
    let body = &dump[..dump.len() - 10];
    let (mut ok, mut refused) = (0, 0);
    for round in 0..setting("FUZZ_EXECS", 3000) {
        let mut payload = if rng.chance(5) {
            (0..rng.below(64)).map(|_| rng.next_u64() as u8).collect()
        } else {
            let mut payload = body.to_vec();
            mutate(&mut rng, &mut payload);
            payload
        };
        if rng.chance(95) {
            let version: u16 = if rng.chance(90) {
                10
            } else {
                rng.below(12) as u16
            };
            payload.extend_from_slice(&version.to_le_bytes());
            let crc = crc64(0, &payload);
            payload.extend_from_slice(&crc.to_le_bytes());
        }
        let policy = *rng.pick(&[&b"FLUSH"[..], b"APPEND", b"REPLACE"]);
        match reply_to(&mut store, &[b"FUNCTION", b"RESTORE", &payload, policy]) {
            Value::Simple(s) if s == "OK" => ok += 1,
            Value::Error(e) if !e.starts_with(b"ERR internal") => refused += 1,
            other => panic!("round {round}: FUNCTION RESTORE answered {other:?}"),
        }
        if round % 100 == 0 {
            assert_eq!(reply_to(&mut store, &[b"PING"]), Value::simple("PONG"));
            reply_to(&mut store, &[b"FUNCTION", b"RESTORE", &dump, b"FLUSH"]);
        }
    }
    eprintln!("function_restore_survives_corrupt_payloads: {ok} restored, {refused} refused");
    assert!(ok > 0 && refused > 0);
}
