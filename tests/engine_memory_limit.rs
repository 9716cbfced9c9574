//! The memory safety limit: SETRANGE and SETBIT near the 512 MB string limit, repeated, would
//! grow the tutor's process without bound (real Redis grows until the OOM killer stops it).
//! With the heap counted, as the binary counts it, commands that may grow memory are refused
//! with an OOM error once the process holds more than the limit (or a string would need more than
//! the room left); reads and deletes still run.

use bytes::Bytes;
use redis_tutor::engine::client::Client;
use redis_tutor::engine::command::{Outcome, execute};
use redis_tutor::engine::limits;
use redis_tutor::engine::store::Store;
use redis_tutor::resp::Value;

#[global_allocator]
static HEAP: redis_tutor::heap::CountingAllocator = redis_tutor::heap::CountingAllocator;

fn run(store: &mut Store, line: &str) -> Value {
    let args: Vec<Bytes> = line
        .split(' ')
        .map(|w| Bytes::copy_from_slice(w.as_bytes()))
        .collect();
    match execute(store, 1, 0, &args) {
        Outcome::Reply(reply) => reply,
        other => panic!("{line}: {other:?}"),
    }
}

#[test]
fn repeated_big_writes_stop_at_the_memory_safety_limit() {
    let base = redis_tutor::heap::in_use().expect("the heap is counted") as u64;
    limits::set_memory_limit(base + 48 * 1024 * 1024);
    let mut store = Store::new(0, 6379);
    store
        .clients
        .insert(1, Client::new(1, String::new(), String::new(), 0));
    let mut refused_at = None;
    for i in 0..8 {
        let reply = run(&mut store, &format!("SETRANGE big{i} 16777215 x"));
        if reply.is_error() {
            refused_at = Some((i, reply));
            break;
        }
    }
    let Some((i, Value::Error(message))) = refused_at else {
        panic!("8 strings of 16 MB went past a 48 MB limit");
    };
    assert!((2..=4).contains(&i), "refused at string {i}");
    let message = String::from_utf8_lossy(&message);
    assert!(
        message.starts_with("OOM command not allowed") && message.contains("safety limit"),
        "{message}"
    );
    // Once the heap is over the limit (lowered here), bits and SET are refused too; reads and
    // deletes still run.
    limits::set_memory_limit(base + 16 * 1024 * 1024);
    assert!(run(&mut store, "SETBIT bits 134217727 1").is_error());
    assert!(run(&mut store, "SET small v").is_error());
    assert_eq!(
        run(&mut store, "STRLEN big0"),
        Value::Integer(16 * 1024 * 1024)
    );
    assert_eq!(run(&mut store, "PING"), Value::simple("PONG"));
    assert_eq!(run(&mut store, "FLUSHALL"), Value::ok());
    assert_eq!(run(&mut store, "SET small v"), Value::ok());

    limits::set_memory_limit(base + 48 * 1024 * 1024);
    // Under the limit, one string bigger than the room left is refused before it is
    // allocated (a fuzz case: proto-max-bulk-len raised to 4 GB, then a 2 GB SETRANGE).
    assert_eq!(
        run(&mut store, "CONFIG SET proto-max-bulk-len 4294967295"),
        Value::ok()
    );
    let before = redis_tutor::heap::in_use().unwrap();
    let Value::Error(message) = run(&mut store, "SETRANGE huge 2147483647 x") else {
        panic!("a 2 GB string was built under a 48 MB limit");
    };
    let message = String::from_utf8_lossy(&message);
    assert!(
        message.starts_with("OOM command not allowed: the string would need 2"),
        "{message}"
    );
    // BITFIELD's growth is refused the same way (its offsets stay under proto-max-bulk-len).
    let Value::Error(message) = run(&mut store, "BITFIELD huge SET i64 17179869176 -1") else {
        panic!("BITFIELD built a 2 GB string under a 48 MB limit");
    };
    let message = String::from_utf8_lossy(&message);
    assert!(
        message.starts_with("OOM command not allowed: the string would need 2"),
        "{message}"
    );
    assert_eq!(run(&mut store, "EXISTS huge"), Value::Integer(0));
    assert!(redis_tutor::heap::peak().unwrap() < before + (1 << 30));
    assert_eq!(run(&mut store, "APPEND small x"), Value::Integer(2));
    limits::set_memory_limit(limits::DEFAULT_MEMORY_LIMIT);
}
