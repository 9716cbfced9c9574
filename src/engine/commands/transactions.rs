//! Transaction commands: MULTI, EXEC, DISCARD, WATCH, UNWATCH (multi.c). Queueing happens in
//! `command::process`; the WATCH bookkeeping lives in `multi`.

use crate::engine::command::{Ctx, Handler, Outcome, call};
use crate::engine::multi::Transaction;
use crate::resp::Value;
use bytes::Bytes;

pub const COMMANDS: &[(&str, Handler)] = &[
    ("multi", multi),
    ("exec", exec),
    ("discard", discard),
    ("watch", watch),
    ("unwatch", unwatch),
];

fn multi(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    let client = ctx.client_mut();
    if client.multi.is_some() {
        return Value::error("ERR MULTI calls can not be nested");
    }
    client.multi = Some(Transaction::default());
    Value::ok()
}

/// execCommand: runs the queued commands one after the other, none blocking, and replies
/// with their replies; a watched key that changed (or expired) makes it a null reply.
fn exec(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    let (id, now_us, now_ms) = (ctx.client_id, ctx.now_us, ctx.now_ms());
    let Some(transaction) = ctx.client().multi.clone() else {
        return Value::error("ERR EXEC without MULTI");
    };
    let dirty = ctx.client().dirty_cas || ctx.store.watched_key_expired(id, now_ms);
    ctx.store.discard_transaction(id);
    if transaction.aborted {
        return Value::error("EXECABORT Transaction discarded because of previous errors.");
    }
    if dirty {
        return Value::NullArray;
    }
    let denied_before = std::mem::replace(&mut ctx.client_mut().deny_blocking, true);
    // The array's length goes out first and each reply as its command ends, so pushes the
    // commands cause (keyspace notifications to this client) land inside the array, as
    // Redis 7.0 writes them.
    ctx.store.reply_array_header(id, transaction.queued.len());
    for (spec, args) in &transaction.queued {
        match call(ctx.store, id, now_us, spec, args) {
            Outcome::Reply(reply) => ctx.store.reply(id, &reply),
            // The command wrote its own reply, or none (CLIENT REPLY OFF or SKIP): Redis
            // leaves the array short, and so does the engine.
            Outcome::Written => {}
            Outcome::Block(_) | Outcome::Postponed => {
                unreachable!("nothing blocks inside EXEC, and EXEC is never queued")
            }
        }
    }
    if let Some(client) = ctx.store.clients.get_mut(&id) {
        client.deny_blocking = denied_before;
    }
    ctx.reply_written();
    Value::Null
}

fn discard(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    if ctx.client().multi.is_none() {
        return Value::error("ERR DISCARD without MULTI");
    }
    ctx.store.discard_transaction(ctx.client_id);
    Value::ok()
}

fn watch(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if ctx.client().multi.is_some() {
        return Value::error("ERR WATCH inside MULTI is not allowed");
    }
    // No point in watching when the transaction is already bound to fail.
    if ctx.client().dirty_cas {
        return Value::ok();
    }
    let (id, db, now) = (ctx.client_id, ctx.client().db, ctx.now_ms());
    for key in &args[1..] {
        ctx.store.watch_key(id, db, key, now);
    }
    Value::ok()
}

fn unwatch(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    ctx.store.unwatch_all(ctx.client_id);
    ctx.client_mut().dirty_cas = false;
    Value::ok()
}
