//! Redis 7.0 functions (functions.c, function_lua.c): libraries that FUNCTION LOAD reads
//! from code starting `#!lua name=<library>`, whose loading registers functions with
//! `redis.register_function` (name, callback, flags, description). While a library loads,
//! its code sees only the loading API (`redis.register_function`, `redis.log`, the log
//! levels and versions) and has half a second; its functions later run with the scripts'
//! globals but without KEYS and ARGV, which FCALL passes as their two parameters.

use super::lua::compile;
use super::lua_bit::library_error;
use crate::glob::glob_match_nocase;
use crate::resp::Value;
use crate::resp::split_args;
use bytes::Bytes;
use mlua::{Function, Lua, MultiValue, Table, Value as LuaValue};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// The script flags a function may declare, in the order FUNCTION LIST shows them.
pub const FLAG_NAMES: [&str; 5] = [
    "no-writes",
    "allow-oom",
    "allow-stale",
    "no-cluster",
    "allow-cross-slot-keys",
];

/// The bit of `no-writes` in `FunctionInfo::flags`.
pub const NO_WRITES: u8 = 1;

/// LOAD_TIMEOUT_MS: how long a library's code may run while it loads.
const LOAD_TIMEOUT: Duration = Duration::from_millis(500);

/// One registered function.
#[derive(Debug)]
pub struct FunctionInfo {
    pub name: String,
    pub description: Option<Bytes>,
    /// Bits of `FLAG_NAMES`.
    pub flags: u8,
    callback: Function,
}

/// A loaded library.
#[derive(Debug)]
pub struct Library {
    pub code: Bytes,
    /// Its functions by name.
    pub functions: BTreeMap<String, FunctionInfo>,
}

/// A set of libraries and the index of their functions (functionsLibCtx): the server's,
/// or the ones a FUNCTION RESTORE payload holds until they join the server's.
#[derive(Debug, Default)]
pub struct Libraries {
    /// Libraries by name (case-sensitive).
    by_name: BTreeMap<String, Library>,
    /// The library of each function, by lower-cased function name (FCALL ignores case).
    owners: HashMap<String, String>,
}

/// The functions engine: the libraries, and the Lua environment their code runs in.
pub struct Functions {
    /// The environment of library code: reads go to the loading API while a library
    /// loads, else to the scripts' globals (without KEYS and ARGV); writes fail.
    env: Table,
    env_meta: Table,
    load_api: Table,
    run_index: Function,
    /// What `redis.register_function` registered during the current load.
    registered: Rc<RefCell<Vec<FunctionInfo>>>,
    /// When the loading library's time is up (read by the interpreter's hook).
    pub load_deadline: Rc<Cell<Option<Instant>>>,
    /// `function(f, keys, args) return function() return f(keys, args) end end`.
    binder: Function,
    /// The server's libraries.
    pub libraries: Libraries,
}

impl std::fmt::Debug for Functions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Functions")
            .field("libraries", &self.libraries.len())
            .finish()
    }
}

/// functionsVerifyName: letters, digits and underscores, at least one.
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

/// lua_isstring: a string, or a number (converted as Lua prints it).
fn string_of(lua: &Lua, value: &LuaValue) -> Option<Bytes> {
    match value {
        LuaValue::String(_) | LuaValue::Integer(_) | LuaValue::Number(_) => lua
            .coerce_string(value.clone())
            .ok()
            .flatten()
            .map(|s| Bytes::copy_from_slice(&s.as_bytes())),
        _ => None,
    }
}

/// luaRegisterFunctionReadFlags.
fn read_flags(lua: &Lua, value: &LuaValue) -> mlua::Result<u8> {
    let LuaValue::Table(t) = value else {
        return Err(mlua::Error::runtime(
            "flags argument to redis.register_function must be a table representing function flags",
        ));
    };
    let mut flags = 0;
    for pair in t.clone().pairs::<LuaValue, LuaValue>() {
        let (_, flag) = pair?;
        let known = string_of(lua, &flag)
            .and_then(|name| FLAG_NAMES.iter().position(|f| f.as_bytes() == &name[..]));
        match known {
            Some(bit) => flags |= 1 << bit,
            None => return Err(mlua::Error::runtime("unknown flag given")),
        }
    }
    Ok(flags)
}

/// redis.register_function(name, callback) or redis.register_function{function_name=...,
/// callback=..., flags=..., description=...}.
fn register(
    lua: &Lua,
    args: MultiValue,
    registered: &RefCell<Vec<FunctionInfo>>,
) -> mlua::Result<()> {
    let (name, callback, flags, description) = match args.len() {
        1 => {
            let Some(LuaValue::Table(named)) = args.front() else {
                return Err(mlua::Error::runtime(
                    "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).",
                ));
            };
            let (mut name, mut callback, mut flags, mut description) = (None, None, 0, None);
            for pair in named.clone().pairs::<LuaValue, LuaValue>() {
                let (key, value) = pair?;
                let Some(key) = string_of(lua, &key) else {
                    return Err(mlua::Error::runtime(
                        "named argument key given to redis.register_function is not a string",
                    ));
                };
                match &key[..] {
                    b"function_name" => {
                        name = Some(string_of(lua, &value).ok_or_else(|| {
                            mlua::Error::runtime(
                                "function_name argument given to redis.register_function must be a string",
                            )
                        })?);
                    }
                    b"description" => {
                        description = Some(string_of(lua, &value).ok_or_else(|| {
                            mlua::Error::runtime(
                                "description argument given to redis.register_function must be a string",
                            )
                        })?);
                    }
                    b"callback" => match value {
                        LuaValue::Function(f) => callback = Some(f),
                        _ => {
                            return Err(mlua::Error::runtime(
                                "callback argument given to redis.register_function must be a function",
                            ));
                        }
                    },
                    b"flags" => flags = read_flags(lua, &value)?,
                    _ => {
                        return Err(mlua::Error::runtime(
                            "unknown argument given to redis.register_function",
                        ));
                    }
                }
            }
            let Some(name) = name else {
                return Err(mlua::Error::runtime(
                    "redis.register_function must get a function name argument",
                ));
            };
            let Some(callback) = callback else {
                return Err(mlua::Error::runtime(
                    "redis.register_function must get a callback argument",
                ));
            };
            (name, callback, flags, description)
        }
        2 => {
            let Some(name) = string_of(lua, &args[0]) else {
                return Err(mlua::Error::runtime(
                    "first argument to redis.register_function must be a string",
                ));
            };
            let LuaValue::Function(callback) = &args[1] else {
                return Err(mlua::Error::runtime(
                    "second argument to redis.register_function must be a function",
                ));
            };
            (name, callback.clone(), 0, None)
        }
        _ => {
            return Err(mlua::Error::runtime(
                "wrong number of arguments to redis.register_function",
            ));
        }
    };
    // functionLibCreateFunction (7.0 names functions "Library names" in this error).
    if !valid_name(&name) {
        return Err(mlua::Error::runtime(
            "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ));
    }
    let name = String::from_utf8_lossy(&name).into_owned();
    let mut registered = registered.borrow_mut();
    if registered.iter().any(|f| f.name == name) {
        return Err(mlua::Error::runtime(
            "Function already exists in the library",
        ));
    }
    registered.push(FunctionInfo {
        name,
        description,
        flags,
        callback,
    });
    Ok(())
}

/// A read-only view of `inner` whose missing fields raise the missing-global error.
fn read_only_view(lua: &Lua, inner: &Table, missing: &Function) -> mlua::Result<Table> {
    let refuse: Function = lua
        .load(r#"return function() error("Attempt to modify a readonly table", 2) end"#)
        .set_name("=readonly")
        .call(())?;
    let inner_meta = lua.create_table()?;
    inner_meta.raw_set("__index", missing)?;
    inner.set_metatable(Some(inner_meta))?;
    let view = lua.create_table()?;
    let meta = lua.create_table()?;
    meta.raw_set("__index", inner)?;
    meta.raw_set("__newindex", refuse)?;
    view.set_metatable(Some(meta))?;
    Ok(view)
}

/// The first line of a library's code (functionExtractLibMetaData): the engine and the
/// library name, and the code after the shebang (from its newline, so lines keep their
/// numbers). The line is split as sdssplitargs splits (quotes allowed), and ends at its
/// newline unless a NUL byte comes first (Redis reads it as a C string).
fn metadata(code: &[u8]) -> Result<(String, String, &[u8]), Value> {
    if !code.starts_with(b"#!") {
        return Err(Value::error("ERR Missing library metadata"));
    }
    let invalid = || Value::error("ERR Invalid library metadata");
    let newline = code
        .iter()
        .position(|&c| c == b'\n' || c == 0)
        .filter(|&at| code[at] == b'\n')
        .ok_or_else(invalid)?;
    let parts = split_args(&code[..newline])
        .filter(|parts| !parts.is_empty())
        .ok_or_else(invalid)?;
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let engine = text(parts[0].get(2..).unwrap_or_default());
    let mut name = None;
    for part in &parts[1..] {
        if part.len() >= 5 && part[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err(Value::error(
                    "ERR Invalid metadata value, name argument was given multiple times",
                ));
            }
            name = Some(text(&part[5..]));
        } else {
            return Err(Value::error(format!(
                "ERR Invalid metadata value given: {}",
                text(part)
            )));
        }
    }
    let Some(name) = name else {
        return Err(Value::error("ERR Library name was not given"));
    };
    Ok((engine, name, &code[newline..]))
}

impl Functions {
    /// The functions engine of the interpreter `lua`, whose globals are already set up
    /// (libraries open, sandbox in place).
    pub fn new(lua: &Lua) -> mlua::Result<Functions> {
        let globals = lua.globals();
        let missing: Function = globals
            .metatable()
            .ok_or_else(|| mlua::Error::runtime("the sandbox is set up first"))?
            .raw_get("__index")?;
        let registered: Rc<RefCell<Vec<FunctionInfo>>> = Rc::default();
        let redis: Table = globals.get("redis")?;
        let load_redis = lua.create_table()?;
        let into = registered.clone();
        load_redis.raw_set(
            "register_function",
            lua.create_function(move |lua, args| register(lua, args, &into))?,
        )?;
        for field in [
            "log",
            "LOG_DEBUG",
            "LOG_VERBOSE",
            "LOG_NOTICE",
            "LOG_WARNING",
            "REDIS_VERSION",
            "REDIS_VERSION_NUM",
        ] {
            load_redis.raw_set(field, redis.get::<LuaValue>(field)?)?;
        }
        let load_api = lua.create_table()?;
        load_api.raw_set("redis", read_only_view(lua, &load_redis, &missing)?)?;
        let top_meta = lua.create_table()?;
        top_meta.raw_set("__index", &missing)?;
        load_api.set_metatable(Some(top_meta))?;
        // Functions see the scripts' globals, but not EVAL's KEYS and ARGV.
        let run_index = lua.create_function(move |lua, (_, key): (LuaValue, LuaValue)| {
            let name = key.to_string().unwrap_or_default();
            let found = match name.as_str() {
                "KEYS" | "ARGV" => LuaValue::Nil,
                _ => globals.raw_get(key)?,
            };
            if found.is_nil() {
                return Err(library_error(
                    lua,
                    &format!("Script attempted to access nonexistent global variable '{name}'"),
                ));
            }
            Ok(found)
        })?;
        let env = lua.create_table()?;
        let env_meta = lua.create_table()?;
        env_meta.raw_set("__index", &run_index)?;
        env_meta.raw_set(
            "__newindex",
            lua.load(r#"return function() error("Attempt to modify a readonly table", 2) end"#)
                .set_name("=readonly")
                .call::<Function>(())?,
        )?;
        env.set_metatable(Some(env_meta.clone()))?;
        let binder = lua
            .load("return function(f, keys, args) return function() return f(keys, args) end end")
            .set_name("=fcall")
            .call(())?;
        Ok(Functions {
            env,
            env_meta,
            load_api,
            run_index,
            registered,
            load_deadline: Rc::default(),
            binder,
            libraries: Libraries::default(),
        })
    }

    /// functionsCreateWithLibraryCtx without the linking: reads, compiles and runs a
    /// library's code, checked against the libraries it is to join (`into`): its name
    /// must be new unless `replace`, its functions' names must be free.
    pub fn compile(
        &self,
        lua: &Lua,
        xpcall: &Function,
        handler: &Function,
        code: &Bytes,
        into: &Libraries,
        replace: bool,
    ) -> Result<(String, Library), Value> {
        let (engine, name, body) = metadata(code)?;
        if !engine.eq_ignore_ascii_case("lua") {
            return Err(Value::error(format!("ERR Engine '{engine}' not found")));
        }
        if !valid_name(name.as_bytes()) {
            return Err(Value::error(
                "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
            ));
        }
        if !replace && into.by_name.contains_key(&name) {
            return Err(Value::error(format!("ERR Library '{name}' already exists")));
        }
        let chunk = compile(
            lua,
            body,
            "@user_function",
            self.env.clone(),
            "ERR Error compiling function",
        )?;
        self.registered.borrow_mut().clear();
        let ran = self
            .env_meta
            .raw_set("__index", &self.load_api)
            .and_then(|()| {
                self.load_deadline.set(Some(Instant::now() + LOAD_TIMEOUT));
                let outcome = xpcall.call::<MultiValue>((chunk, handler.clone()));
                self.load_deadline.set(None);
                outcome
            });
        self.env_meta
            .raw_set("__index", &self.run_index)
            .map_err(|e| Value::error(format!("ERR {e}")))?;
        let registered = std::mem::take(&mut *self.registered.borrow_mut());
        let values = ran.map_err(|e| Value::error(format!("ERR {e}")))?;
        let mut values = values.into_iter();
        if !matches!(values.next(), Some(LuaValue::Boolean(true))) {
            let message = match values.next() {
                Some(LuaValue::Table(t)) => t.get::<String>("err").unwrap_or_default(),
                _ => String::new(),
            };
            return Err(Value::error(format!(
                "ERR Error registering functions: {}",
                message.replace(['\r', '\n'], " ")
            )));
        }
        if registered.is_empty() {
            return Err(Value::error("ERR No functions registered"));
        }
        for function in &registered {
            if let Some(owner) = into.owner(&function.name)
                && *owner != name
            {
                return Err(function_exists(&function.name));
            }
        }
        let functions = registered
            .into_iter()
            .map(|f| (f.name.clone(), f))
            .collect();
        Ok((
            name,
            Library {
                code: code.clone(),
                functions,
            },
        ))
    }

    /// The callback of the function FCALL names.
    pub fn callback(&self, name: &[u8]) -> Option<Function> {
        self.libraries.find(name).map(|f| f.callback.clone())
    }

    /// A function of no arguments that calls `callback(keys, args)`.
    pub fn bind(&self, callback: &Function, keys: Table, args: Table) -> mlua::Result<Function> {
        self.binder.call((callback, keys, args))
    }
}

/// The error of a function name already taken (by another library).
fn function_exists(name: &str) -> Value {
    Value::error(format!("ERR Function {name} already exists"))
}

impl Libraries {
    /// The number of libraries.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// The libraries, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Library> {
        self.by_name.values()
    }

    /// The name of the library holding the function `name` (any case).
    fn owner(&self, name: &str) -> Option<&String> {
        self.owners.get(&name.to_ascii_lowercase())
    }

    /// Links a compiled library, in place of the one of the same name if any.
    pub fn insert(&mut self, name: String, library: Library) {
        self.delete(&name);
        for function in library.functions.keys() {
            self.owners
                .insert(function.to_ascii_lowercase(), name.clone());
        }
        self.by_name.insert(name, library);
    }

    /// libraryJoin (FUNCTION RESTORE APPEND or REPLACE): adds `restored`, all or nothing.
    /// A library already here is an error, or is replaced when `replace`; a function name
    /// taken by a library that stays is an error.
    pub fn join(&mut self, restored: Libraries, replace: bool) -> Result<(), Value> {
        for name in restored.by_name.keys() {
            if !replace && self.by_name.contains_key(name) {
                return Err(Value::error(format!("ERR Library {name} already exists")));
            }
        }
        for library in restored.by_name.values() {
            for function in library.functions.keys() {
                if let Some(owner) = self.owner(function)
                    && !restored.by_name.contains_key(owner)
                {
                    return Err(function_exists(function));
                }
            }
        }
        for (name, library) in restored.by_name {
            self.insert(name, library);
        }
        Ok(())
    }

    /// FUNCTION DELETE: false when there is no such library.
    pub fn delete(&mut self, name: &str) -> bool {
        let Some(library) = self.by_name.remove(name) else {
            return false;
        };
        for function in library.functions.keys() {
            self.owners.remove(&function.to_ascii_lowercase());
        }
        true
    }

    /// FUNCTION FLUSH.
    pub fn flush(&mut self) {
        self.by_name.clear();
        self.owners.clear();
    }

    /// The function FCALL names (any case).
    pub fn find(&self, name: &[u8]) -> Option<&FunctionInfo> {
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        let library = self.by_name.get(self.owners.get(&name)?)?;
        library
            .functions
            .values()
            .find(|f| f.name.to_ascii_lowercase() == name)
    }

    /// The number of functions in all libraries.
    pub fn function_count(&self) -> usize {
        self.owners.len()
    }

    /// FUNCTION LIST's reply: the libraries whose name matches `pattern` (any case).
    pub fn list(&self, pattern: Option<&[u8]>, with_code: bool) -> Value {
        let bulk = |s: &str| Value::Bulk(Bytes::copy_from_slice(s.as_bytes()));
        let mut libraries = Vec::new();
        for (name, library) in &self.by_name {
            if pattern.is_some_and(|p| !glob_match_nocase(p, name.as_bytes())) {
                continue;
            }
            let functions = library
                .functions
                .values()
                .map(|f| {
                    let flags = FLAG_NAMES
                        .iter()
                        .enumerate()
                        .filter(|(bit, _)| f.flags & (1 << bit) != 0)
                        .map(|(_, flag)| Value::simple(flag))
                        .collect();
                    Value::Map(vec![
                        (bulk("name"), bulk(&f.name)),
                        (
                            bulk("description"),
                            f.description.clone().map_or(Value::Null, Value::Bulk),
                        ),
                        (bulk("flags"), Value::Set(flags)),
                    ])
                })
                .collect();
            let mut fields = vec![
                (bulk("library_name"), bulk(name)),
                (bulk("engine"), bulk("LUA")),
                (bulk("functions"), Value::Array(functions)),
            ];
            if with_code {
                fields.push((bulk("library_code"), Value::Bulk(library.code.clone())));
            }
            libraries.push(Value::Map(fields));
        }
        Value::Array(libraries)
    }
}

/// The hook's check while a library loads: past its half second, the load fails.
pub fn check_load_time(deadline: &Cell<Option<Instant>>) -> mlua::Result<()> {
    match deadline.get() {
        Some(at) if Instant::now() >= at => {
            deadline.set(None);
            Err(mlua::Error::runtime("FUNCTION LOAD timeout"))
        }
        _ => Ok(()),
    }
}
