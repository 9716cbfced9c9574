//! Lua scripting as Redis 7.0 runs it (script_lua.c, eval.c): one Lua 5.1 interpreter with
//! Redis's libraries, a sandbox (no os/io/loadfile/dofile/require, read-only globals), the
//! `redis` table, the conversions between Lua values and replies in both directions, the
//! error texts with the script's name and line, and the time limit after which other
//! clients are answered BUSY until SCRIPT KILL.

use super::command::{Ctx, Outcome, call};
use super::command_flags::CommandFlags;
use super::command_table::command_table;
use super::lua_bit::{library_error, open_bit};
use super::lua_cjson::open_cjson;
use super::lua_cmsgpack::open_cmsgpack;
use super::lua_functions::{Functions, Libraries, check_load_time};
use super::lua_pcall::open_protected_calls;
use super::lua_readonly::protect;
use super::lua_struct::open_struct;
use crate::resp::{Protocol, Value, format_double};
use bytes::Bytes;
use mlua::{
    ChunkMode, Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table,
    Value as LuaValue, VmState,
};
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// How many Lua instructions run between two looks at the clock (Redis: 100000).
const HOOK_INSTRUCTIONS: u32 = 100_000;

/// The BUSY error other clients get while an EVAL script runs past
/// `busy-reply-threshold` (shared.slowevalerr).
pub const BUSY: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";

/// The BUSY error while a function runs past the limit (shared.slowscripterr).
pub const BUSY_FUNCTION: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

/// What the Lua callbacks need while a script runs, in the slot they share for the
/// duration of one script.
struct Run {
    /// The calling command's context. Set from a `&mut Ctx` that the running script has
    /// exclusive use of until `run` returns; only this thread dereferences it, and only
    /// while no other reference to the context is in use (inside a callback).
    ctx: *mut Ctx<'static>,
    /// The protocol `redis.setresp` chose for replies converted to Lua.
    resp: Protocol,
    /// EVAL_RO / EVALSHA_RO: write commands are refused.
    read_only: bool,
    started: Instant,
    /// `busy-reply-threshold`.
    limit: Duration,
    /// EVAL's KEYS and ARGV, which `run_protected` sets as globals before the script runs
    /// (pointers to the command's arguments, which outlive the run).
    arrays: Option<(*const [Bytes], *const [Bytes])>,
}

/// Where the running script's `Run` is while it runs.
type RunSlot = Rc<RefCell<Option<Run>>>;

/// The scripting engine: the interpreter and the scripts it compiled, by SHA1.
pub struct Scripting {
    /// The running script's state, shared with the callbacks.
    run: RunSlot,
    lua: Lua,
    /// The globals scripts see: reads fall through to the real globals, writes fail.
    sandbox: Table,
    /// xpcall's message handler: turns any error into Redis's error table.
    error_handler: Function,
    xpcall: Function,
    /// `run_protected`.
    runner: Function,
    scripts: FxHashMap<Sha, Function>,
    /// The libraries of FUNCTION LOAD.
    pub functions: Functions,
}

impl std::fmt::Debug for Scripting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scripting")
            .field("scripts", &self.scripts.len())
            .finish()
    }
}

/// A script's SHA1 in lower-case hex, the key of the script cache (no allocation to look
/// one up, on EVALSHA's path).
type Sha = [u8; 40];

/// `sha` as a cache key, any case; None when it cannot be one.
fn sha_key(sha: &[u8]) -> Option<Sha> {
    let mut key: Sha = sha.try_into().ok()?;
    key.make_ascii_lowercase();
    Some(key)
}

/// The hex SHA1 of `body` (what EVALSHA and SCRIPT LOAD name a script by).
pub fn sha1_hex(body: &[u8]) -> String {
    sha1_smol::Sha1::from(body).digest().to_string()
}

impl Scripting {
    /// scriptingInit: the interpreter with Redis's libraries and the sandbox.
    pub fn new() -> mlua::Result<Scripting> {
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH,
            LuaOptions::new(),
        )?;
        let globals = lua.globals();
        // Redis 7.0 removes these (print included) from the scripts' reach.
        for removed in [
            "loadfile", "dofile", "print", "getfenv", "setfenv", "newproxy",
        ] {
            globals.raw_set(removed, LuaValue::Nil)?;
        }
        open_cjson(&lua)?;
        open_bit(&lua)?;
        open_cmsgpack(&lua)?;
        open_struct(&lua)?;
        let run: RunSlot = Rc::default();
        open_redis(&lua, &run)?;
        let error_handler = lua.create_function(error_table)?;
        let xpcall: Function = globals.get("xpcall")?;
        open_protected_calls(&lua)?;
        globals.raw_set("__redis__err__handler", &error_handler)?;
        let sandbox = sandbox(&lua)?;
        protect(&lua, &sandbox)?;
        let functions = Functions::new(&lua)?;
        let hook_run = run.clone();
        let load_deadline = functions.load_deadline.clone();
        lua.set_hook(
            HookTriggers::new().every_nth_instruction(HOOK_INSTRUCTIONS),
            move |_, _| {
                check_load_time(&load_deadline)?;
                check_time(&hook_run)
            },
        )?;
        // SAFETY: run_protected only uses the Lua C API on the stack it is given.
        let runner = unsafe { slot_function(&lua, &run, run_protected)? };
        Ok(Scripting {
            runner,
            run,
            lua,
            sandbox,
            error_handler,
            xpcall,
            scripts: FxHashMap::default(),
            functions,
        })
    }

    /// Compiles `body` (luaCreateFunction) unless it is known; returns its SHA1 or the
    /// compile error reply.
    pub fn load(&mut self, body: &[u8]) -> Result<String, Value> {
        let sha = sha1_hex(body);
        let key = sha_key(sha.as_bytes()).expect("a SHA1 in hex");
        if self.scripts.contains_key(&key) {
            return Ok(sha);
        }
        let function = compile(
            &self.lua,
            body,
            "@user_script",
            self.sandbox.clone(),
            "ERR Error compiling script (new function)",
        )?;
        self.scripts.insert(key, function);
        Ok(sha)
    }

    /// FUNCTION LOAD [REPLACE]: the library's name, or the error reply.
    pub fn load_library(&mut self, code: &Bytes, replace: bool) -> Result<String, Value> {
        let (name, library) = self.functions.compile(
            &self.lua,
            &self.xpcall,
            &self.error_handler,
            code,
            &self.functions.libraries,
            replace,
        )?;
        self.functions.libraries.insert(name.clone(), library);
        Ok(name)
    }

    /// Loads a library into a set of its own (FUNCTION RESTORE reads a payload's
    /// libraries so, before they join the server's); no name may repeat.
    pub fn load_library_into(&self, into: &mut Libraries, code: &Bytes) -> Result<(), Value> {
        let (name, library) = self.functions.compile(
            &self.lua,
            &self.xpcall,
            &self.error_handler,
            code,
            into,
            false,
        )?;
        into.insert(name, library);
        Ok(())
    }

    /// True when a script with this SHA1 is loaded.
    pub fn exists(&self, sha: &[u8]) -> bool {
        sha_key(sha).is_some_and(|key| self.scripts.contains_key(&key))
    }

    /// SCRIPT FLUSH.
    pub fn flush(&mut self) {
        self.scripts.clear();
        let _ = self.lua.gc_collect();
    }

    /// The compiled script named `sha` (any case).
    fn function(&self, sha: &[u8]) -> Option<Function> {
        self.scripts.get(&sha_key(sha)?).cloned()
    }
}

/// Runs the loaded script `sha` with KEYS and ARGV for the client of `ctx`; None when no
/// such script is loaded.
pub fn run_script(
    ctx: &mut Ctx,
    sha: &[u8],
    keys: &[Bytes],
    argv: &[Bytes],
    read_only: bool,
) -> Option<Value> {
    let scripting = ctx.store.scripting();
    let function = scripting.function(sha)?;
    let key = sha_key(sha)?;
    let sha = std::str::from_utf8(&key).unwrap_or_default();
    let what = Running {
        label: sha,
        eval: true,
        keys,
        arrays: Some((keys, argv)),
        command: Vec::new(),
        read_only,
    };
    Some(run(ctx, function, &what))
}

/// Runs function `name` of a loaded library for FCALL `command`, with its keys and
/// arguments as its two parameters; None when no such function is loaded.
pub fn run_function(
    ctx: &mut Ctx,
    command: &[Bytes],
    keys: &[Bytes],
    argv: &[Bytes],
    read_only: bool,
) -> Option<Value> {
    let name = &command[1];
    let scripting = ctx.store.scripting();
    let callback = scripting.functions.callback(name)?;
    let lua = scripting.lua.clone();
    let bound = string_array(&lua, keys)
        .and_then(|k| Ok((k, string_array(&lua, argv)?)))
        .and_then(|(k, a)| scripting.functions.bind(&callback, k, a));
    let Ok(bound) = bound else {
        return Some(Value::error("ERR out of memory"));
    };
    let label = scripting.functions.libraries.find(name)?.name.clone();
    let what = Running {
        label: &label,
        eval: false,
        keys,
        arrays: None,
        command: command.to_vec(),
        read_only,
    };
    Some(run(ctx, bound, &what))
}

/// What `run` runs: the name errors give it (an EVAL script's SHA, a function's name),
/// whether it is EVAL's, the keys it declared, the FCALL that called a function, and
/// whether it may write.
struct Running<'a> {
    label: &'a str,
    eval: bool,
    keys: &'a [Bytes],
    /// EVAL's KEYS and ARGV globals.
    arrays: Option<(&'a [Bytes], &'a [Bytes])>,
    command: Vec<Bytes>,
    read_only: bool,
}

/// Runs a compiled script or a function bound to its arguments, with the time limit,
/// and turns what it returns or raises into the reply.
fn run(ctx: &mut Ctx, function: Function, what: &Running) -> Value {
    // Redis also makes the collector take a step every 50 scripts (LUA_GC_CYCLE_PERIOD);
    // here that extra work cost a tenth of EVALSHA's time, and Lua's incremental
    // collector already keeps pace with what scripts allocate.
    let scripting = ctx.store.scripting();
    let slot = scripting.run.clone();
    let (handler, runner) = (scripting.error_handler.clone(), scripting.runner.clone());
    let limit = Duration::from_millis(ctx.store.config.busy_reply_threshold_ms());
    // The script's commands run as Redis's script client: RESP2 until redis.setresp, its
    // own selected database, never blocking.
    let client = ctx.client_mut();
    let saved = (client.db, client.deny_blocking);
    client.deny_blocking = true;
    client.script_protocol = Some(Protocol::Resp2);
    let started = Instant::now();
    ctx.store.script_running = Some(super::store::RunningScript {
        caller: ctx.client_id,
        kill: false,
        wrote: false,
        // Only tracking reads the declared keys, and only functions' names are shown.
        keys: if ctx.store.tracking.active() {
            what.keys.to_vec()
        } else {
            Vec::new()
        },
        eval: what.eval,
        name: if what.eval {
            String::new()
        } else {
            what.label.to_string()
        },
        command: what.command.clone(),
        started,
    });
    let run = Run {
        ctx: (ctx as *mut Ctx).cast(),
        resp: Protocol::Resp2,
        read_only: what.read_only,
        started,
        limit,
        arrays: what
            .arrays
            .map(|(keys, argv)| (keys as *const [Bytes], argv as *const [Bytes])),
    };
    *slot.borrow_mut() = Some(run);
    let outcome = runner.call::<MultiValue>((function, handler));
    let script_resp = slot
        .borrow_mut()
        .take()
        .map_or(Protocol::Resp2, |run| run.resp);
    ctx.store.script_running = None;
    let client = ctx.client_mut();
    (client.db, client.deny_blocking) = saved;
    client.script_protocol = None;
    match outcome {
        Err(e) => Value::error(format!(
            "ERR Error running script {}: {}",
            what.label,
            one_line(&e.to_string())
        )),
        Ok(values) => {
            let mut values = values.into_iter();
            let ok = matches!(values.next(), Some(LuaValue::Boolean(true)));
            let value = values.next().unwrap_or(LuaValue::Nil);
            // An error a command already counted in INFO errorstats is not counted again.
            if let LuaValue::Table(t) = &value
                && t.raw_get::<bool>(COUNTED).unwrap_or(false)
            {
                ctx.error_already_counted();
            }
            if ok {
                lua_to_reply(&value, script_resp)
            } else {
                script_error(&value, what.label)
            }
        }
    }
}

/// The final error of a failed script: `<err> script: <sha>, on <source>:<line>.`
fn script_error(value: &LuaValue, sha: &str) -> Value {
    let LuaValue::Table(t) = value else {
        return Value::error(format!("ERR Error running script {sha}, execution failure"));
    };
    let message: String = t.get::<String>("err").unwrap_or_default();
    let source: Option<String> = t.get("source").ok();
    let line: Option<i64> = t.get("line").ok();
    let mut text = message;
    if let (Some(source), Some(line)) = (source, line) {
        text.push_str(&format!(" script: {sha}, on {source}:{line}."));
    }
    Value::error(one_line(&text))
}

/// The message of an error raised by a Rust callback, without mlua's wrapping.
pub(super) fn error_text(e: &mlua::Error) -> String {
    match e {
        mlua::Error::CallbackError { cause, .. } => error_text(cause),
        mlua::Error::RuntimeError(message) => message.clone(),
        other => other.to_string(),
    }
}

/// The error of a `redis.*` helper (luaPushError then luaError): Redis raises it as an
/// error table `{err="ERR <message>"}`.
#[derive(Debug)]
struct HelperError(&'static str);

impl std::fmt::Display for HelperError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for HelperError {}

/// A `redis.*` helper's error.
fn helper_error(message: &'static str) -> mlua::Error {
    mlua::Error::external(HelperError(message))
}

/// The message of a `redis.*` helper's error, when `e` is one.
pub(super) fn helper_error_message(e: &mlua::Error) -> Option<&'static str> {
    match e {
        mlua::Error::CallbackError { cause, .. } => helper_error_message(cause),
        other => other.downcast_ref::<HelperError>().map(|h| h.0),
    }
}

/// Redis replaces CR and LF in error replies with spaces.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// Compiles a script or a function library's code as chunk `name` in `env`; a syntax error
/// is answered as `<error>: <Lua's message on one line>`.
pub(super) fn compile(
    lua: &Lua,
    body: &[u8],
    name: &str,
    env: mlua::Table,
    error: &str,
) -> Result<mlua::Function, Value> {
    lua.load(body)
        .set_name(name)
        .set_mode(ChunkMode::Text)
        .set_environment(env)
        .into_function()
        .map_err(|e| {
            let message = match e {
                mlua::Error::SyntaxError { message, .. } => message,
                other => other.to_string(),
            };
            Value::error(format!("{error}: {}", one_line(&message)))
        })
}

/// The error handler scripts run under (`__redis__err__handler`): a table `{err=...}` with
/// the source and line of the innermost script frame.
fn error_table(lua: &Lua, err: LuaValue) -> mlua::Result<Table> {
    let table = match err {
        LuaValue::Table(t) => t,
        other => {
            let text = match other {
                LuaValue::String(s) => s.to_string_lossy(),
                LuaValue::Error(e) => error_text(&e),
                LuaValue::Nil => "nil".to_string(),
                v => v.to_string().unwrap_or_default(),
            };
            let t = lua.create_table()?;
            t.set("err", format!("ERR {text}"))?;
            t
        }
    };
    for level in 1..64 {
        let Some(frame) = lua.inspect_stack(level, |debug| {
            let source = debug.source().source.map(|s| s.into_owned());
            (source, debug.current_line())
        }) else {
            break;
        };
        if let (Some(source), Some(line)) = frame
            && (source == "@user_script" || source == "@user_function")
        {
            table.set("source", source)?;
            table.set("line", line)?;
            break;
        }
    }
    Ok(table)
}

/// The globals scripts see: reading a missing global and writing any global fail as in
/// Redis 7.0.
fn sandbox(lua: &Lua) -> mlua::Result<Table> {
    let globals = lua.globals();
    let missing =
        lua.create_function(|lua, (_, name): (LuaValue, LuaValue)| -> mlua::Result<()> {
            let name = name.to_string().unwrap_or_default();
            Err(library_error(
                lua,
                &format!("Script attempted to access nonexistent global variable '{name}'"),
            ))
        })?;
    let protect = lua.create_table()?;
    protect.set("__index", missing)?;
    globals.set_metatable(Some(protect))?;
    let env = lua.create_table()?;
    let meta = lua.create_table()?;
    meta.set("__index", globals)?;
    let readonly = lua
        .load(r#"return function() error("Attempt to modify a readonly table", 2) end"#)
        .set_name("=readonly")
        .call::<Function>(())?;
    meta.set("__newindex", readonly)?;
    env.set_metatable(Some(meta))?;
    Ok(env)
}

/// The time check every `HOOK_INSTRUCTIONS` instructions: past the limit, other clients get
/// BUSY (the event loop answers them) and SCRIPT KILL stops the script.
fn check_time(slot: &RunSlot) -> mlua::Result<VmState> {
    let ctx = match slot.borrow().as_ref() {
        Some(run) if run.started.elapsed() >= run.limit => run.ctx,
        _ => return Ok(VmState::Continue),
    };
    // SAFETY: see `Run::ctx`; the hook runs between Lua instructions, never inside a
    // callback that holds the context.
    let ctx = unsafe { &mut *ctx };
    let store = &mut *ctx.store;
    store.process_events_while_busy();
    if store.script_running.as_ref().is_some_and(|r| r.kill) {
        return Err(mlua::Error::runtime(
            "Script killed by user with SCRIPT KILL...",
        ));
    }
    Ok(VmState::Continue)
}

/// Runs a script as xpcall(script, handler) does, first setting EVAL's KEYS and ARGV, all in
/// the one protected call that runs it: `ok, value` (the reply, or the handler's error
/// table).
///
/// # Safety
/// Called by Lua with the script and the handler on the stack.
unsafe extern "C-unwind" fn run_protected(state: *mut mlua::ffi::lua_State) -> i32 {
    use mlua::ffi;
    unsafe {
        // SAFETY: the arrays live as long as the run.
        let arrays = slot_of(state).borrow().as_ref().and_then(|run| run.arrays);
        if let Some((keys, argv)) = arrays {
            set_global_array(state, c"KEYS", &*keys);
            set_global_array(state, c"ARGV", &*argv);
        }
        ffi::lua_pushvalue(state, 1);
        let status = ffi::lua_pcall(state, 0, 1, 2);
        ffi::lua_pushboolean(state, i32::from(status == 0));
        ffi::lua_insert(state, -2);
        2
    }
}

/// Sets global `name` to a new array of `items` (luaSetGlobalArray), in one go on the stack:
/// this runs before every EVALSHA.
///
/// # Safety
/// `state` is a Lua state inside a protected call.
unsafe fn set_global_array(
    state: *mut mlua::ffi::lua_State,
    name: &std::ffi::CStr,
    items: &[Bytes],
) {
    use mlua::ffi;
    unsafe {
        ffi::lua_pushstring(state, name.as_ptr());
        ffi::lua_createtable(state, items.len() as i32, 0);
        for (i, item) in items.iter().enumerate() {
            ffi::lua_pushlstring(state, item.as_ptr().cast(), item.len());
            ffi::lua_rawseti(state, -2, i as i64 + 1);
        }
        ffi::lua_rawset(state, ffi::LUA_GLOBALSINDEX);
    }
}

fn string_array(lua: &Lua, items: &[Bytes]) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(items.len(), 0)?;
    for (i, item) in items.iter().enumerate() {
        t.raw_set(i + 1, lua.create_string(item)?)?;
    }
    Ok(t)
}

/// The `redis` table.
fn open_redis(lua: &Lua, run: &RunSlot) -> mlua::Result<()> {
    let redis = lua.create_table()?;
    redis.set(
        "error_reply",
        lua.create_function(|lua, args: MultiValue| {
            let t = lua.create_table()?;
            match args.into_iter().collect::<Vec<_>>().as_slice() {
                [LuaValue::String(s)] => {
                    let text = s.to_string_lossy();
                    let text = text.strip_prefix('-').unwrap_or(&text);
                    t.set("err", error_with_code(text))?;
                }
                _ => t.set("err", "ERR wrong number or type of arguments")?,
            }
            Ok(t)
        })?,
    )?;
    redis.set(
        "status_reply",
        lua.create_function(|lua, args: MultiValue| {
            let t = lua.create_table()?;
            match args.into_iter().collect::<Vec<_>>().as_slice() {
                [LuaValue::String(s)] => t.set("ok", s.clone())?,
                _ => t.set("err", "ERR wrong number or type of arguments")?,
            }
            Ok(t)
        })?,
    )?;
    redis.set(
        "sha1hex",
        lua.create_function(|_, args: MultiValue| match args.len() {
            1 => {
                let bytes = match args.front() {
                    Some(LuaValue::String(s)) => s.as_bytes().to_vec(),
                    Some(LuaValue::Number(n)) => format_double(*n).into_bytes(),
                    Some(LuaValue::Integer(n)) => n.to_string().into_bytes(),
                    _ => Vec::new(),
                };
                Ok(sha1_hex(&bytes))
            }
            _ => Err(helper_error("wrong number of arguments")),
        })?,
    )?;
    redis.set(
        "log",
        lua.create_function(|_, args: MultiValue| {
            if args.len() < 2 {
                return Err(helper_error("redis.log() requires two arguments or more."));
            }
            match args.front() {
                Some(LuaValue::Number(n)) if (0.0..=3.0).contains(n) => Ok(()),
                Some(LuaValue::Integer(n)) if (0..=3).contains(n) => Ok(()),
                Some(LuaValue::Number(_) | LuaValue::Integer(_)) => {
                    Err(helper_error("Invalid debug level."))
                }
                _ => Err(helper_error("First argument must be a number (log level).")),
            }
        })?,
    )?;
    let setresp_run = run.clone();
    redis.set(
        "setresp",
        lua.create_function(move |_, args: MultiValue| {
            let version = match args.front() {
                Some(LuaValue::Number(n)) if args.len() == 1 => *n as i64,
                Some(LuaValue::Integer(n)) if args.len() == 1 => *n,
                _ => {
                    return Err(helper_error("redis.setresp() requires one argument."));
                }
            };
            let proto = match version {
                2 => Protocol::Resp2,
                3 => Protocol::Resp3,
                _ => return Err(helper_error("RESP version must be 2 or 3.")),
            };
            if let Some(run) = setresp_run.borrow_mut().as_mut() {
                run.resp = proto;
            }
            Ok(())
        })?,
    )?;
    redis.set("replicate_commands", lua.create_function(|_, ()| Ok(true))?)?;
    redis.set("set_repl", lua.create_function(|_, _: MultiValue| Ok(()))?)?;
    for (name, level) in [
        ("LOG_DEBUG", 0),
        ("LOG_VERBOSE", 1),
        ("LOG_NOTICE", 2),
        ("LOG_WARNING", 3),
        ("REPL_NONE", 0),
        ("REPL_AOF", 1),
        ("REPL_SLAVE", 2),
        ("REPL_REPLICA", 2),
        ("REPL_ALL", 3),
    ] {
        redis.set(name, level)?;
    }
    redis.set("REDIS_VERSION", "7.0.15")?;
    redis.set("REDIS_VERSION_NUM", 0x00_07_00_0f)?;
    // call and pcall are C functions, as in Redis: a script's `return redis.call(...)` is
    // then no tail call, and a failing command's error keeps the script's line.
    // SAFETY: both functions only use the Lua C API on the stack they are given.
    let (call, pcall) = unsafe {
        (
            slot_function(lua, run, redis_call_raising)?,
            slot_function(lua, run, redis_call_protected)?,
        )
    };
    redis.set("call", call)?;
    redis.set("pcall", pcall)?;
    lua.globals().set("redis", redis)
}

/// The field marking an error table made from a command's error reply, which INFO
/// errorstats already counted (Redis's ignore_error_stats_update).
const COUNTED: &str = "ignore_error_stats_update";

/// A C function with the running script's slot as its upvalue (a light userdata), where
/// `slot_of` finds it on every call without a lookup. `Scripting` keeps the slot alive as
/// long as the interpreter.
///
/// # Safety
/// `function` only uses the Lua C API on the stack it is given.
unsafe fn slot_function(
    lua: &Lua,
    run: &RunSlot,
    function: mlua::ffi::lua_CFunction,
) -> mlua::Result<Function> {
    use mlua::ffi;
    let slot = Rc::as_ptr(run).cast_mut().cast();
    // SAFETY: pushes the upvalue and makes the closure of it, which `exec_raw` returns.
    unsafe {
        lua.exec_raw((), |state| {
            ffi::lua_pushlightuserdata(state, slot);
            ffi::lua_pushcclosure(state, function, 1);
        })
    }
}

/// The running script's slot, from the upvalue of a function `slot_function` made.
///
/// # Safety
/// `state` is inside a call of such a function.
unsafe fn slot_of<'a>(state: *mut mlua::ffi::lua_State) -> &'a RefCell<Option<Run>> {
    use mlua::ffi;
    // SAFETY: the upvalue is the slot's address, and the slot outlives the interpreter's
    // calls (see `slot_function`).
    unsafe {
        &*(ffi::lua_touserdata(state, ffi::lua_upvalueindex(1)) as *const RefCell<Option<Run>>)
    }
}

/// The registry key where a reply converted by mlua waits to be pushed.
const CONVERTED: &std::ffi::CStr = c"redis_tutor_converted";

/// Runs the command in this function's arguments as the script client and leaves
/// `ok, reply` on the stack (`false, {err=...}` when it fails). Straight on the Lua stack,
/// without mlua's conversions: this is EVALSHA's hot path.
///
/// # Safety
/// `state` is the running Lua state, inside a call from Lua of a function `slot_function`
/// made.
unsafe fn call_raw(state: *mut mlua::ffi::lua_State) {
    use mlua::ffi;
    unsafe {
        let nargs = ffi::lua_gettop(state);
        let outcome = match read_args(state, nargs) {
            Err(message) => Err(message),
            Ok(argv) => script_command(slot_of(state), argv),
        };
        match outcome {
            Err(message) => push_failure(state, message.as_bytes(), false),
            Ok((Value::Error(message), _)) => push_failure(state, &message, true),
            Ok((reply, resp)) => {
                ffi::lua_pushboolean(state, 1);
                push_reply(state, &reply, resp);
            }
        }
    }
}

/// The arguments of redis.call: strings, and numbers as `%.17g`.
///
/// # Safety
/// `state` is the running Lua state with `nargs` arguments on its stack.
unsafe fn read_args(
    state: *mut mlua::ffi::lua_State,
    nargs: i32,
) -> Result<Vec<Bytes>, &'static str> {
    use mlua::ffi;
    if nargs == 0 {
        return Err("ERR Please specify at least one argument for this redis lib call");
    }
    let mut argv = Vec::with_capacity(nargs as usize);
    for i in 1..=nargs {
        unsafe {
            match ffi::lua_type(state, i) {
                ffi::LUA_TSTRING => {
                    let mut len = 0;
                    let data = ffi::lua_tolstring(state, i, &mut len);
                    let bytes = std::slice::from_raw_parts(data.cast::<u8>(), len);
                    argv.push(Bytes::copy_from_slice(bytes));
                }
                ffi::LUA_TNUMBER => {
                    argv.push(Bytes::from(format_double(ffi::lua_tonumber(state, i))));
                }
                _ => return Err("ERR Lua redis lib command arguments must be strings or integers"),
            }
        }
    }
    Ok(argv)
}

/// Pushes `false, {err=message}` (marked as counted when a command's error reply).
///
/// # Safety
/// `state` is the running Lua state.
unsafe fn push_failure(state: *mut mlua::ffi::lua_State, message: &[u8], counted: bool) {
    use mlua::ffi;
    unsafe {
        ffi::lua_pushboolean(state, 0);
        ffi::lua_createtable(state, 0, 2);
        ffi::lua_pushlstring(state, message.as_ptr().cast(), message.len());
        ffi::lua_setfield(state, -2, c"err".as_ptr());
        if counted {
            ffi::lua_pushboolean(state, 1);
            ffi::lua_setfield(state, -2, c"ignore_error_stats_update".as_ptr());
        }
    }
}

/// Pushes a command's reply as the script sees it (redisProtocolToLuaType): integers,
/// bulk strings and nulls directly, the rest through `reply_to_lua`.
///
/// # Safety
/// `state` is the running Lua state, owned by an mlua `Lua`.
unsafe fn push_reply(state: *mut mlua::ffi::lua_State, reply: &Value, resp: Protocol) {
    use mlua::ffi;
    unsafe {
        match reply {
            Value::Integer(n) => ffi::lua_pushnumber(state, *n as f64),
            Value::Bulk(b) => {
                ffi::lua_pushlstring(state, b.as_ptr().cast(), b.len());
            }
            Value::Null | Value::NullArray if resp == Protocol::Resp3 => ffi::lua_pushnil(state),
            Value::Null | Value::NullArray => ffi::lua_pushboolean(state, 0),
            _ => {
                let lua = Lua::get_or_init_from_ptr(state);
                let converted = reply_to_lua(lua, reply, resp).and_then(|value| {
                    lua.set_named_registry_value(CONVERTED.to_str().expect("ASCII"), value)
                });
                match converted {
                    Ok(()) => {
                        ffi::lua_getfield(state, ffi::LUA_REGISTRYINDEX, CONVERTED.as_ptr());
                    }
                    Err(_) => ffi::lua_pushnil(state),
                }
            }
        }
    }
}

/// `redis.call`: the reply, or the error table raised as the script's error.
unsafe extern "C-unwind" fn redis_call_raising(state: *mut mlua::ffi::lua_State) -> i32 {
    unsafe {
        call_raw(state);
        if mlua::ffi::lua_toboolean(state, -2) == 0 {
            mlua::ffi::lua_error(state);
        }
        1
    }
}

/// `redis.pcall`: the reply, or the error table returned.
unsafe extern "C-unwind" fn redis_call_protected(state: *mut mlua::ffi::lua_State) -> i32 {
    unsafe {
        call_raw(state);
        1
    }
}

/// luaPushErrorBuff: `CODE message` keeps its code, a message without a space gets `ERR`.
fn error_with_code(text: &str) -> String {
    match text.split_once(' ') {
        Some(_) => text.trim_end_matches(['\r', '\n']).to_string(),
        None => format!("ERR {}", text.trim_end_matches(['\r', '\n'])),
    }
}

/// `redis.call`/`redis.pcall` underneath: runs a command as the script client; its reply
/// and the protocol the script reads replies in, or the error that kept it from running.
fn script_command(
    slot: &RefCell<Option<Run>>,
    argv: Vec<Bytes>,
) -> Result<(Value, Protocol), &'static str> {
    let (ctx, resp, read_only) = match slot.borrow().as_ref() {
        Some(run) => (run.ctx, run.resp, run.read_only),
        None => return Err("ERR redis.call is only available while a script runs"),
    };
    // SAFETY: see `Run::ctx`.
    let ctx = unsafe { &mut *ctx };
    let Some(mut spec) = command_table().lookup(&argv[0]) else {
        return Err("ERR Unknown Redis command called from script");
    };
    if !spec.subcommands.is_empty()
        && argv.len() >= 2
        && let Some(sub) = spec.subcommand(&argv[1])
    {
        spec = sub;
    }
    if spec.handler.is_none() || !spec.arity_ok(argv.len()) {
        return Err("ERR Wrong number of args calling Redis command from script");
    }
    if spec.has(CommandFlags::NOSCRIPT) {
        return Err("ERR This Redis command is not allowed from script");
    }
    if spec.has(CommandFlags::WRITE) {
        if read_only {
            return Err("ERR Write commands are not allowed from read-only scripts.");
        }
        if let Some(running) = ctx.store.script_running.as_mut() {
            running.wrote = true;
        }
    }
    let (id, now) = (ctx.client_id, ctx.now_us);
    ctx.client_mut().script_protocol = Some(resp);
    let reply = match call(ctx.store, id, now, spec, &argv) {
        Outcome::Reply(reply) => reply,
        // Nothing blocks in a script, and EXEC (which writes its own reply) is refused.
        Outcome::Block(_) | Outcome::Written | Outcome::Postponed => Value::Null,
    };
    Ok((reply, resp))
}

/// redisProtocolToLuaType: a reply as the script sees it.
fn reply_to_lua(lua: &Lua, reply: &Value, resp: Protocol) -> mlua::Result<LuaValue> {
    let resp3 = resp == Protocol::Resp3;
    let single = |key: &str, v: LuaValue| -> mlua::Result<LuaValue> {
        let t = lua.create_table()?;
        t.set(key, v)?;
        Ok(LuaValue::Table(t))
    };
    let text = |b: &[u8]| -> mlua::Result<LuaValue> { Ok(LuaValue::String(lua.create_string(b)?)) };
    Ok(match reply {
        Value::Simple(s) => single("ok", text(s)?)?,
        Value::Error(e) => single("err", text(e)?)?,
        Value::Integer(n) => LuaValue::Number(*n as f64),
        Value::Bulk(b) => text(b)?,
        Value::Null | Value::NullArray if resp3 => LuaValue::Nil,
        Value::Null | Value::NullArray => LuaValue::Boolean(false),
        Value::Array(items) | Value::Push(items) => sequence(lua, items, resp)?,
        Value::Set(items) if resp3 => {
            let set = lua.create_table()?;
            for item in items {
                set.set(reply_to_lua(lua, item, resp)?, true)?;
            }
            single("set", LuaValue::Table(set))?
        }
        Value::Set(items) => sequence(lua, items, resp)?,
        Value::Map(pairs) if resp3 => {
            let map = lua.create_table()?;
            for (k, v) in pairs {
                map.set(reply_to_lua(lua, k, resp)?, reply_to_lua(lua, v, resp)?)?;
            }
            single("map", LuaValue::Table(map))?
        }
        Value::Map(pairs) => {
            let flat: Vec<Value> = pairs
                .iter()
                .flat_map(|(k, v)| [k.clone(), v.clone()])
                .collect();
            sequence(lua, &flat, resp)?
        }
        Value::Double(d) if resp3 => single("double", LuaValue::Number(*d))?,
        Value::Double(d) => text(format_double(*d).as_bytes())?,
        Value::DoubleText(t) if resp3 => single(
            "double",
            LuaValue::Number(
                std::str::from_utf8(t)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0.0),
            ),
        )?,
        Value::DoubleText(t) => text(t)?,
        Value::Boolean(b) if resp3 => LuaValue::Boolean(*b),
        Value::Boolean(b) => LuaValue::Number(f64::from(u8::from(*b))),
        Value::BigNumber(n) if resp3 => single("big_number", text(n)?)?,
        Value::BigNumber(n) => text(n)?,
        Value::Verbatim { format, text: body } if resp3 => {
            let t = lua.create_table()?;
            t.set("format", lua.create_string(format)?)?;
            t.set("string", lua.create_string(body)?)?;
            single("verbatim_string", LuaValue::Table(t))?
        }
        Value::Verbatim { text: body, .. } => text(body)?,
    })
}

fn sequence(lua: &Lua, items: &[Value], resp: Protocol) -> mlua::Result<LuaValue> {
    let t = lua.create_table_with_capacity(items.len(), 0)?;
    for (i, item) in items.iter().enumerate() {
        t.raw_set(i + 1, reply_to_lua(lua, item, resp)?)?;
    }
    Ok(LuaValue::Table(t))
}

/// luaReplyToRedisReply: a script's return value as a reply. `proto` is the protocol the
/// script chose with `redis.setresp` (it decides how booleans convert); nulls and RESP3 types
/// are then encoded for the calling client.
/// C's `(long long)` cast of a double, as Redis converts a script's number: on x86 a value
/// out of range (inf, nan, 1e300) becomes the "integer indefinite", i64::MIN; elsewhere (ARM)
/// the cast saturates and nan gives 0, which is Rust's `as`.
fn c_long_long(n: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if cfg!(any(target_arch = "x86", target_arch = "x86_64")) && !(-LIMIT..LIMIT).contains(&n) {
        i64::MIN
    } else {
        n as i64
    }
}

fn lua_to_reply(value: &LuaValue, proto: Protocol) -> Value {
    lua_to_reply_at(value, proto, 0)
}

fn lua_to_reply_at(value: &LuaValue, proto: Protocol, depth: usize) -> Value {
    match value {
        LuaValue::String(s) => Value::Bulk(Bytes::copy_from_slice(&s.as_bytes())),
        LuaValue::Boolean(true) if proto == Protocol::Resp3 => Value::Boolean(true),
        LuaValue::Boolean(false) if proto == Protocol::Resp3 => Value::Boolean(false),
        LuaValue::Boolean(true) => Value::Integer(1),
        LuaValue::Boolean(false) => Value::Null,
        LuaValue::Number(n) => Value::Integer(c_long_long(*n)),
        LuaValue::Integer(n) => Value::Integer(*n),
        LuaValue::Table(t) if depth < 1000 => table_to_reply(t, proto, depth),
        LuaValue::Table(_) => Value::error("ERR reached lua stack limit"),
        _ => Value::Null,
    }
}

fn table_to_reply(t: &Table, proto: Protocol, depth: usize) -> Value {
    if let Ok(LuaValue::String(err)) = t.raw_get::<LuaValue>("err") {
        return Value::error(one_line(&err.to_string_lossy()));
    }
    if let Ok(LuaValue::String(ok)) = t.raw_get::<LuaValue>("ok") {
        let text = one_line(&ok.to_string_lossy());
        return Value::Simple(Bytes::from(text));
    }
    if let Ok(LuaValue::Number(d)) = t.raw_get::<LuaValue>("double") {
        return Value::Double(d);
    }
    if let Ok(LuaValue::String(n)) = t.raw_get::<LuaValue>("big_number") {
        return Value::BigNumber(Bytes::copy_from_slice(&n.as_bytes()));
    }
    if let Ok(LuaValue::Table(v)) = t.raw_get::<LuaValue>("verbatim_string") {
        let format: String = v.raw_get("format").unwrap_or_default();
        let text: mlua::String = match v.raw_get("string") {
            Ok(s) => s,
            Err(_) => return Value::Null,
        };
        return Value::Verbatim {
            format: Bytes::from(format),
            text: Bytes::copy_from_slice(&text.as_bytes()),
        };
    }
    if let Ok(LuaValue::Table(map)) = t.raw_get::<LuaValue>("map") {
        let pairs = map
            .pairs::<LuaValue, LuaValue>()
            .filter_map(Result::ok)
            .map(|(k, v)| {
                (
                    lua_to_reply_at(&k, proto, depth + 1),
                    lua_to_reply_at(&v, proto, depth + 1),
                )
            })
            .collect();
        return Value::Map(pairs);
    }
    if let Ok(LuaValue::Table(set)) = t.raw_get::<LuaValue>("set") {
        let members = set
            .pairs::<LuaValue, LuaValue>()
            .filter_map(Result::ok)
            .map(|(k, _)| lua_to_reply_at(&k, proto, depth + 1))
            .collect();
        return Value::Set(members);
    }
    let mut items = Vec::new();
    for i in 1.. {
        match t.raw_get::<LuaValue>(i) {
            Ok(LuaValue::Nil) | Err(_) => break,
            Ok(v) => items.push(lua_to_reply_at(&v, proto, depth + 1)),
        }
    }
    Value::Array(items)
}
