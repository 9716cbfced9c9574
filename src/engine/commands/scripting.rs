//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD/EXISTS/FLUSH/KILL
//! (eval.c). The interpreter, sandbox and conversions live in `lua`.

use super::keys::help_reply;
use crate::engine::args::{not_integer, parse_i64};
use crate::engine::command::{Ctx, Handler};
use crate::engine::lua::run_script;
use crate::resp::Value;
use bytes::Bytes;

pub const COMMANDS: &[(&str, Handler)] = &[
    ("eval", eval),
    ("eval_ro", eval_ro),
    ("evalsha", evalsha),
    ("evalsha_ro", evalsha_ro),
    ("script|load", script_load),
    ("script|exists", script_exists),
    ("script|flush", script_flush),
    ("script|kill", script_kill),
    ("script|help", script_help),
];

const NOSCRIPT: &str = "NOSCRIPT No matching script. Please use EVAL.";

/// evalGetKeys' checks: `numkeys` and the keys and arguments that follow it.
fn keys_and_args(args: &[Bytes]) -> Result<(&[Bytes], &[Bytes]), Value> {
    let Some(numkeys) = parse_i64(&args[2]) else {
        return Err(not_integer());
    };
    let available = (args.len() - 3) as i64;
    if numkeys > available {
        return Err(Value::error(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    if numkeys < 0 {
        return Err(Value::error("ERR Number of keys can't be negative"));
    }
    let split = 3 + numkeys as usize;
    Ok((&args[3..split], &args[split..]))
}

/// evalGenericCommand: compiles (EVAL) or finds (EVALSHA) the script and runs it.
fn eval_generic(ctx: &mut Ctx, args: &[Bytes], by_sha: bool, read_only: bool) -> Value {
    // evalGenericCommand shows the script to monitors before it runs.
    if !ctx.store.monitors.is_empty() {
        ctx.store.feed_monitors(ctx.client_id, args);
    }
    let (keys, argv) = match keys_and_args(args) {
        Ok(split) => split,
        Err(e) => return e,
    };
    let sha = if by_sha {
        args[1].clone()
    } else {
        match ctx.store.scripting().load(&args[1]) {
            Ok(sha) => Bytes::from(sha),
            Err(e) => return e,
        }
    };
    run_script(ctx, &sha, keys, argv, read_only).unwrap_or_else(|| Value::error(NOSCRIPT))
}

fn eval(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    eval_generic(ctx, args, false, false)
}

fn eval_ro(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    eval_generic(ctx, args, false, true)
}

fn evalsha(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    eval_generic(ctx, args, true, false)
}

fn evalsha_ro(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    eval_generic(ctx, args, true, true)
}

fn script_load(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match ctx.store.scripting().load(&args[2]) {
        Ok(sha) => Value::bulk(sha),
        Err(e) => e,
    }
}

fn script_exists(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let scripting = ctx.store.scripting();
    Value::Array(
        args[2..]
            .iter()
            .map(|sha| Value::Integer(i64::from(scripting.exists(sha))))
            .collect(),
    )
}

fn script_flush(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match args.get(2) {
        None => {}
        Some(mode)
            if args.len() == 3
                && (mode.eq_ignore_ascii_case(b"sync") || mode.eq_ignore_ascii_case(b"async")) => {}
        Some(_) => return Value::error("ERR SCRIPT FLUSH only support SYNC|ASYNC option"),
    }
    ctx.store.scripting().flush();
    Value::ok()
}

/// SCRIPT KILL outside a busy script (inside one, the event loop answers it).
fn script_kill(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    ctx.store.kill_script(true)
}

fn script_help(_: &mut Ctx, _: &[Bytes]) -> Value {
    help_reply(&[
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    ])
}
