//! Pub/sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE,
//! SUNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB (pubsub.c). Subscriptions and delivery live
//! in `pubsub`.

use super::keys::help_reply;
use crate::engine::command::{Ctx, Handler};
use crate::engine::pubsub::Kind;
use crate::resp::Value;
use bytes::Bytes;

pub const COMMANDS: &[(&str, Handler)] = &[
    ("subscribe", subscribe),
    ("unsubscribe", unsubscribe),
    ("psubscribe", psubscribe),
    ("punsubscribe", punsubscribe),
    ("ssubscribe", ssubscribe),
    ("sunsubscribe", sunsubscribe),
    ("publish", publish),
    ("spublish", spublish),
    ("pubsub|channels", pubsub_channels),
    ("pubsub|numsub", pubsub_numsub),
    ("pubsub|numpat", pubsub_numpat),
    ("pubsub|shardchannels", pubsub_shardchannels),
    ("pubsub|shardnumsub", pubsub_shardnumsub),
    ("pubsub|help", pubsub_help),
];

/// Sends all but the last confirmation now and returns the last as the command's reply.
fn confirmations(ctx: &mut Ctx, mut replies: Vec<Value>) -> Value {
    let last = replies.pop().unwrap_or(Value::Null);
    for reply in &replies {
        ctx.store.reply(ctx.client_id, reply);
    }
    last
}

fn subscribe_generic(ctx: &mut Ctx, args: &[Bytes], kind: Kind) -> Value {
    let replies = ctx.store.subscribe(ctx.client_id, kind, &args[1..]);
    confirmations(ctx, replies)
}

fn unsubscribe_generic(ctx: &mut Ctx, args: &[Bytes], kind: Kind) -> Value {
    let replies = ctx.store.unsubscribe(ctx.client_id, kind, &args[1..]);
    confirmations(ctx, replies)
}

fn subscribe(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    subscribe_generic(ctx, args, Kind::Channel)
}

fn unsubscribe(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    unsubscribe_generic(ctx, args, Kind::Channel)
}

fn psubscribe(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    subscribe_generic(ctx, args, Kind::Pattern)
}

fn punsubscribe(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    unsubscribe_generic(ctx, args, Kind::Pattern)
}

fn ssubscribe(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    subscribe_generic(ctx, args, Kind::Shard)
}

fn sunsubscribe(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    unsubscribe_generic(ctx, args, Kind::Shard)
}

fn publish(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    Value::Integer(ctx.store.publish(false, &args[1], &args[2]) as i64)
}

fn spublish(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    Value::Integer(ctx.store.publish(true, &args[1], &args[2]) as i64)
}

fn channels(ctx: &mut Ctx, args: &[Bytes], shard: bool) -> Value {
    let pattern = args.get(2).map(|p| p.as_ref());
    Value::Array(
        ctx.store
            .pubsub
            .channel_names(shard, pattern)
            .into_iter()
            .map(Value::Bulk)
            .collect(),
    )
}

fn numsub(ctx: &mut Ctx, args: &[Bytes], shard: bool) -> Value {
    let mut reply = Vec::with_capacity(2 * (args.len() - 2));
    for channel in &args[2..] {
        reply.push(Value::Bulk(channel.clone()));
        reply.push(Value::Integer(
            ctx.store.pubsub.subscriber_count(shard, channel) as i64,
        ));
    }
    Value::Array(reply)
}

fn pubsub_channels(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    channels(ctx, args, false)
}

fn pubsub_shardchannels(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    channels(ctx, args, true)
}

fn pubsub_numsub(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    numsub(ctx, args, false)
}

fn pubsub_shardnumsub(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    numsub(ctx, args, true)
}

fn pubsub_numpat(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    Value::Integer(ctx.store.pubsub.pattern_count() as i64)
}

fn pubsub_help(_: &mut Ctx, _: &[Bytes]) -> Value {
    help_reply(&[
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ])
}
