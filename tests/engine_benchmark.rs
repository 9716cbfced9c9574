//! Throughput of the engine next to a real redis-server under redis-benchmark (SET, GET,
//! INCR). Ignored by default: run it in release mode and read the printed ratios:
//! `cargo test --release --test engine_benchmark -- --ignored --nocapture`.

mod support;

use redis_tutor::engine::{Clock, Engine};
use std::process::Command;
use support::real_redis::RealRedis;

/// Requests per second per test, parsed from `redis-benchmark --csv`.
fn benchmark(port: u16) -> Vec<(String, f64)> {
    let output = Command::new("redis-benchmark")
        .args([
            "-p",
            &port.to_string(),
            "-q",
            "--csv",
            "-n",
            "100000",
            "-c",
            "50",
        ])
        .args(["-t", "set,get,incr"])
        .output()
        .expect("redis-benchmark runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').map(|f| f.trim_matches('"')).collect();
            Some((fields.first()?.to_string(), fields.get(1)?.parse().ok()?))
        })
        .collect()
}

#[test]
#[ignore = "a benchmark: run in release mode with --ignored --nocapture"]
fn engine_throughput_next_to_redis() {
    let Some(real) = RealRedis::start(&[]) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let engine = runtime
        .block_on(Engine::start_local(Clock::new()))
        .expect("engine starts");
    // The machine may be shared: alternate the servers and keep each one's best run.
    let mut best: Vec<(String, f64, f64)> = Vec::new();
    for _ in 0..3 {
        let real_rates = benchmark(real.port());
        let engine_rates = benchmark(engine.addr().port());
        assert!(!engine_rates.is_empty(), "redis-benchmark reported nothing");
        for ((test, real_rps), (_, engine_rps)) in real_rates.into_iter().zip(engine_rates) {
            match best.iter_mut().find(|(t, _, _)| *t == test) {
                Some(entry) => {
                    entry.1 = entry.1.max(real_rps);
                    entry.2 = entry.2.max(engine_rps);
                }
                None => best.push((test, real_rps, engine_rps)),
            }
        }
    }
    for (test, real_rps, engine_rps) in best {
        println!(
            "{test:>6}: real {real_rps:>10.0} req/s, engine {engine_rps:>10.0} req/s, ratio {:.2}",
            engine_rps / real_rps
        );
    }
}
