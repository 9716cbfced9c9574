//! Connection commands: PING, ECHO, QUIT, SELECT.

use crate::engine::command::{Ctx, Handler};
use crate::engine::store::DATABASES;
use crate::resp::Value;
use bytes::Bytes;

pub const COMMANDS: &[(&str, Handler)] = &[
    ("ping", ping),
    ("echo", echo),
    ("quit", quit),
    ("select", select),
];

fn ping(_: &mut Ctx, args: &[Bytes]) -> Value {
    match args.len() {
        1 => Value::simple("PONG"),
        2 => Value::Bulk(args[1].clone()),
        _ => Value::error("ERR wrong number of arguments for 'ping' command"),
    }
}

fn echo(_: &mut Ctx, args: &[Bytes]) -> Value {
    Value::Bulk(args[1].clone())
}

fn quit(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    ctx.client_mut().closing = true;
    Value::ok()
}

fn select(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let index = std::str::from_utf8(&args[1])
        .ok()
        .and_then(|s| s.parse::<i64>().ok());
    match index {
        None => Value::error("ERR value is not an integer or out of range"),
        Some(i) if i < 0 || i >= DATABASES as i64 => Value::error("ERR DB index is out of range"),
        Some(i) => {
            ctx.client_mut().db = i as usize;
            Value::ok()
        }
    }
}
