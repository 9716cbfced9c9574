//! Function commands: FUNCTION LOAD/LIST/DELETE/FLUSH/STATS/KILL/DUMP/RESTORE and FCALL,
//! FCALL_RO (functions.c). The libraries and their Lua side live in `lua_functions`; the
//! payload format of DUMP and RESTORE in `rdb`.

use super::keys::help_reply;
use crate::engine::args::parse_i64;
use crate::engine::command::{Ctx, Handler};
use crate::engine::lua::run_function;
use crate::engine::lua_functions::{Libraries, NO_WRITES};
use crate::engine::rdb::{
    FOOTER_LEN, OPCODE_FUNCTION_PRE_GA, OPCODE_FUNCTION2, Reader, finish_dump_payload, save_string,
    verify_dump_payload,
};
use crate::resp::Value;
use bytes::Bytes;

pub const COMMANDS: &[(&str, Handler)] = &[
    ("function|load", function_load),
    ("function|list", function_list),
    ("function|delete", function_delete),
    ("function|flush", function_flush),
    ("function|stats", function_stats),
    ("function|kill", function_kill),
    ("function|help", function_help),
    ("function|dump", function_dump),
    ("function|restore", function_restore),
    ("fcall", fcall),
    ("fcall_ro", fcall_ro),
];

/// addReplySubcommandSyntaxError: too many arguments for `subcommand`.
fn subcommand_syntax_error(subcommand: &[u8]) -> Value {
    Value::error(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try FUNCTION HELP.",
        String::from_utf8_lossy(subcommand)
    ))
}

/// FUNCTION LOAD [REPLACE] code.
fn function_load(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let mut replace = false;
    let mut at = 2;
    while at < args.len() - 1 {
        if !args[at].eq_ignore_ascii_case(b"replace") {
            return Value::error(format!(
                "ERR Unknown option given: {}",
                String::from_utf8_lossy(&args[at])
            ));
        }
        replace = true;
        at += 1;
    }
    let Some(code) = args.get(at) else {
        return Value::error("ERR Function code was not given");
    };
    match ctx.store.scripting().load_library(code, replace) {
        Ok(name) => Value::bulk(name),
        Err(e) => e,
    }
}

/// FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern].
fn function_list(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let (mut with_code, mut pattern) = (false, None);
    let mut i = 2;
    while i < args.len() {
        let arg = &args[i];
        if !with_code && arg.eq_ignore_ascii_case(b"withcode") {
            with_code = true;
        } else if pattern.is_none() && arg.eq_ignore_ascii_case(b"libraryname") {
            if i + 1 >= args.len() {
                return Value::error("ERR library name argument was not given");
            }
            i += 1;
            pattern = Some(&args[i][..]);
        } else {
            return Value::error(format!(
                "ERR Unknown argument {}",
                String::from_utf8_lossy(arg)
            ));
        }
        i += 1;
    }
    ctx.store
        .scripting()
        .functions
        .libraries
        .list(pattern, with_code)
}

fn function_delete(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let name = String::from_utf8_lossy(&args[2]);
    if ctx.store.scripting().functions.libraries.delete(&name) {
        Value::ok()
    } else {
        Value::error("ERR Library not found")
    }
}

fn function_flush(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if args.len() > 3 {
        return subcommand_syntax_error(&args[1]);
    }
    match args.get(2) {
        None => {}
        Some(mode)
            if args.len() == 3
                && (mode.eq_ignore_ascii_case(b"sync") || mode.eq_ignore_ascii_case(b"async")) => {}
        Some(_) => return Value::error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"),
    }
    ctx.store.scripting().functions.libraries.flush();
    Value::ok()
}

/// FUNCTION STATS: the running function (BUSY while an EVAL script is busy) and the
/// library and function counts.
fn function_stats(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    let bulk = |s: &str| Value::Bulk(Bytes::copy_from_slice(s.as_bytes()));
    let running = match &ctx.store.script_running {
        Some(running) if running.eval => return Value::error(running.busy_error()),
        Some(running) => Value::Map(vec![
            (bulk("name"), bulk(&running.name)),
            (
                bulk("command"),
                Value::Array(running.command.iter().cloned().map(Value::Bulk).collect()),
            ),
            (
                bulk("duration_ms"),
                Value::Integer(running.started.elapsed().as_millis() as i64),
            ),
        ]),
        None => Value::Null,
    };
    let libraries = &ctx.store.scripting().functions.libraries;
    let counts = Value::Map(vec![
        (
            bulk("libraries_count"),
            Value::Integer(libraries.len() as i64),
        ),
        (
            bulk("functions_count"),
            Value::Integer(libraries.function_count() as i64),
        ),
    ]);
    Value::Map(vec![
        (bulk("running_script"), running),
        (bulk("engines"), Value::Map(vec![(bulk("LUA"), counts)])),
    ])
}

/// FUNCTION KILL outside a busy function (inside one, it runs while the function is busy).
fn function_kill(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    ctx.store.kill_script(false)
}

/// FUNCTION DUMP (functionDumpCommand): each library's code after RDB_OPCODE_FUNCTION2,
/// as an RDB string (compressed as `rdbcompression` says), then the DUMP footer.
fn function_dump(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    let compress = ctx.store.config.get("rdbcompression") == Some("yes");
    let mut payload = Vec::new();
    for library in ctx.store.scripting().functions.libraries.iter() {
        payload.push(OPCODE_FUNCTION2);
        save_string(&mut payload, &library.code, compress);
    }
    finish_dump_payload(&mut payload);
    Value::Bulk(payload.into())
}

/// What FUNCTION RESTORE does with the libraries already loaded.
#[derive(Clone, Copy, PartialEq)]
enum RestorePolicy {
    /// Adds the payload's libraries; one already loaded is an error.
    Append,
    /// Adds them, in place of those of the same name.
    Replace,
    /// Drops every loaded library first.
    Flush,
}

/// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE] (functionRestoreCommand): the
/// payload's libraries load into a set of their own, which then replaces the server's
/// (FLUSH) or joins it, all or nothing.
///
/// One difference is deliberate: Redis loads restored libraries without a time limit, so
/// a payload whose code loops forever hangs it; here they keep FUNCTION LOAD's limit.
fn function_restore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if args.len() > 4 {
        return subcommand_syntax_error(&args[1]);
    }
    let policy = match args.get(3) {
        None => RestorePolicy::Append,
        Some(p) if p.eq_ignore_ascii_case(b"append") => RestorePolicy::Append,
        Some(p) if p.eq_ignore_ascii_case(b"replace") => RestorePolicy::Replace,
        Some(p) if p.eq_ignore_ascii_case(b"flush") => RestorePolicy::Flush,
        Some(_) => {
            return Value::error(
                "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            );
        }
    };
    let payload = &args[2];
    if verify_dump_payload(payload).is_none() {
        return Value::error("ERR DUMP payload version or checksum are wrong");
    }
    let scripting = ctx.store.scripting();
    let mut restored = Libraries::default();
    // The libraries are read up to the footer; the last one's bytes may run into it.
    let mut reader = Reader::new(payload);
    while reader.remaining() > FOOTER_LEN {
        let code = match library_code(&mut reader) {
            Ok(code) => code,
            Err(message) => return Value::error(format!("ERR {message}")),
        };
        if let Err(error) = scripting.load_library_into(&mut restored, &code) {
            return error;
        }
    }
    let libraries = &mut scripting.functions.libraries;
    if policy == RestorePolicy::Flush {
        *libraries = restored;
    } else if let Err(error) = libraries.join(restored, policy == RestorePolicy::Replace) {
        return error;
    }
    Value::ok()
}

/// rdbFunctionLoad's reading: the code of the library at `reader`, or why there is none.
/// A pre-GA library (name, engine, description, code) gets its shebang back, each part
/// cut at a NUL byte as Redis's C-string formatting cuts it.
fn library_code(reader: &mut Reader) -> Result<Bytes, &'static str> {
    match reader.read_type().ok_or("can not read data type")? {
        OPCODE_FUNCTION2 => reader
            .read_string()
            .map(Bytes::from)
            .ok_or("Failed loading library payload"),
        OPCODE_FUNCTION_PRE_GA => {
            let name = reader.read_string().ok_or("Failed loading library name")?;
            let engine = reader.read_string().ok_or("Failed loading engine name")?;
            let has_description = reader
                .read_len()
                .ok_or("Failed loading library description indicator")?;
            if has_description != 0 {
                reader
                    .read_string()
                    .ok_or("Failed loading library description")?;
            }
            let body = reader.read_string().ok_or("Failed loading library blob")?;
            let c_string = |s: &[u8]| s.split(|&c| c == 0).next().unwrap_or_default().to_vec();
            Ok([
                &b"#!"[..],
                &c_string(&engine),
                b" name=",
                &c_string(&name),
                b"\n",
                &c_string(&body),
            ]
            .concat()
            .into())
        }
        _ => Err("given type is not a function"),
    }
}

/// fcallCommandGeneric.
fn fcall_generic(ctx: &mut Ctx, args: &[Bytes], read_only: bool) -> Value {
    // Functions are shown to monitors before the commands they run.
    if !ctx.store.monitors.is_empty() {
        ctx.store.feed_monitors(ctx.client_id, args);
    }
    let Some(flags) = ctx
        .store
        .scripting()
        .functions
        .libraries
        .find(&args[1])
        .map(|f| f.flags)
    else {
        return Value::error("ERR Function not found");
    };
    let Some(numkeys) = parse_i64(&args[2]) else {
        return Value::error("ERR Bad number of keys provided");
    };
    if numkeys > (args.len() - 3) as i64 {
        return Value::error("ERR Number of keys can't be greater than number of args");
    }
    if numkeys < 0 {
        return Value::error("ERR Number of keys can't be negative");
    }
    let no_writes = flags & NO_WRITES != 0;
    if read_only && !no_writes {
        return Value::error("ERR Can not execute a script with write flag using *_ro command.");
    }
    let split = 3 + numkeys as usize;
    run_function(
        ctx,
        args,
        &args[3..split],
        &args[split..],
        read_only || no_writes,
    )
    .unwrap_or_else(|| Value::error("ERR Function not found"))
}

fn fcall(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    fcall_generic(ctx, args, false)
}

fn fcall_ro(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    fcall_generic(ctx, args, true)
}

fn function_help(_: &mut Ctx, _: &[Bytes]) -> Value {
    help_reply(&[
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        "HELP",
        "    Prints this help.",
    ])
}
