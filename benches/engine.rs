//! Criterion benchmarks of the engine's in-process hot path: parse a pipelined request
//! buffer, dispatch each command under the store, encode the replies. No sockets, so these
//! numbers isolate the engine from the network (benches/engine-vs-redis.sh measures end to end).

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use redis_tutor::engine::client::Client;
use redis_tutor::engine::command::{Outcome, execute};
use redis_tutor::engine::protocol::next_request;
use redis_tutor::engine::store::Store;
use redis_tutor::resp::{Protocol, Value};
use std::hint::black_box;

const CLIENT: u64 = 1;
const PIPELINE: usize = 16;

fn store() -> Store {
    let mut store = Store::new(0, 6379);
    store.clients.insert(
        CLIENT,
        Client::new(CLIENT, "127.0.0.1:1".into(), "127.0.0.1:6379".into(), 0),
    );
    store
}

/// A buffer holding `PIPELINE` copies of one command, as redis-benchmark -P 16 sends them.
fn pipelined(args: &[&str]) -> BytesMut {
    let mut buf = BytesMut::new();
    for _ in 0..PIPELINE {
        Value::encode_request(args, &mut buf);
    }
    buf
}

fn run(store: &mut Store, input: &BytesMut, output: &mut BytesMut) {
    let mut input = input.clone();
    output.clear();
    while let Some(args) = next_request(&mut input).expect("valid request") {
        match execute(store, CLIENT, 1_000_000, &args) {
            Outcome::Reply(reply) => reply.encode(Protocol::Resp2, output),
            _ => unreachable!("no blocking, EXEC or pause here"),
        }
    }
    black_box(output.len());
}

fn commands(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipeline_of_16");
    group.throughput(Throughput::Elements(PIPELINE as u64));
    let cases: &[(&str, &[&str])] = &[
        ("ping", &["PING"]),
        ("set", &["SET", "key:000000001", "xxx"]),
        ("get", &["GET", "key:000000001"]),
        ("incr", &["INCR", "counter"]),
        ("lpush", &["LPUSH", "mylist", "xxx"]),
        ("sadd", &["SADD", "myset", "element:000000001"]),
        ("hset", &["HSET", "myhash", "element:000000001", "xxx"]),
        ("zadd", &["ZADD", "myzset", "1", "element:000000001"]),
    ];
    for (name, args) in cases {
        let mut store = store();
        let input = pipelined(args);
        let mut output = BytesMut::with_capacity(4096);
        run(
            &mut store,
            &pipelined(&["SET", "key:000000001", "xxx"]),
            &mut output,
        );
        group.bench_with_input(BenchmarkId::from_parameter(name), &input, |b, input| {
            b.iter(|| run(&mut store, input, &mut output))
        });
    }
    group.finish();
}

criterion_group!(benches, commands);
criterion_main!(benches);
