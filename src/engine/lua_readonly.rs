//! Redis 7.0's read-only tables (its Lua patch, `lua_enablereadonlytable`), emulated without
//! patching Lua: each library table (string, cjson, redis ...) is replaced by an empty proxy
//! that reads through to it and refuses writes, `_G` is the sandbox, and the functions that
//! go around metamethods (rawset, rawget, setmetatable, getmetatable, next, pairs) see
//! through the proxies or refuse to write, with Redis's error texts. Without this a script
//! could change a library for every script after it.

use super::lua_bit::{arg_error, library_error, type_name};
use mlua::{Function, Lua, MultiValue, Table, Value as LuaValue};
use std::collections::HashMap;
use std::ffi::c_void;
use std::rc::Rc;

/// The protected tables by address, with the table each stands for: a proxy's library, the
/// sandbox's real globals.
type Protected = Rc<HashMap<*const c_void, Table>>;

const READONLY: &str = "Attempt to modify a readonly table";

/// luaL_checktype(L, n, LUA_TTABLE).
fn check_table(lua: &Lua, args: &MultiValue, position: usize) -> mlua::Result<Table> {
    match args.get(position - 1) {
        Some(LuaValue::Table(t)) => Ok(t.clone()),
        other => Err(arg_error(
            lua,
            position,
            &format!("table expected, got {}", type_name(other)),
        )),
    }
}

/// luaL_checkany.
fn check_any(lua: &Lua, args: &MultiValue, position: usize) -> mlua::Result<LuaValue> {
    args.get(position - 1)
        .cloned()
        .ok_or_else(|| arg_error(lua, position, "value expected"))
}

/// Makes the library tables of `lua`'s globals read-only and `env` the `_G` scripts see.
pub fn protect(lua: &Lua, env: &Table) -> mlua::Result<()> {
    let globals = lua.globals();
    let refuse: Function = lua
        .load(r#"return function() error("Attempt to modify a readonly table", 2) end"#)
        .set_name("=readonly")
        .call(())?;
    let mut protected = HashMap::new();
    protected.insert(env.to_pointer(), globals.clone());
    let mut libraries = Vec::new();
    for pair in globals.pairs::<String, LuaValue>() {
        if let (name, LuaValue::Table(t)) = pair?
            && t != globals
            && name != "KEYS"
            && name != "ARGV"
        {
            libraries.push((name, t));
        }
    }
    for (name, library) in libraries {
        let proxy = lua.create_table()?;
        let meta = lua.create_table()?;
        meta.raw_set("__index", &library)?;
        meta.raw_set("__newindex", &refuse)?;
        proxy.set_metatable(Some(meta))?;
        if name == "string" {
            // Strings' methods come from the string library too, as `string` does.
            let strings: Table = lua.load("return getmetatable('')").call(())?;
            strings.raw_set("__index", &proxy)?;
        }
        globals.raw_set(name, &proxy)?;
        protected.insert(proxy.to_pointer(), library);
    }
    globals.raw_set("_G", env)?;
    let protected: Protected = Rc::new(protected);
    // The table behind a protected one, else the table itself.
    let behind = |protected: &Protected, t: Table| match protected.get(&t.to_pointer()) {
        Some(behind) => behind.clone(),
        None => t,
    };

    let p = protected.clone();
    let rawset = lua.create_function(move |lua, args: MultiValue| {
        let t = check_table(lua, &args, 1)?;
        let key = check_any(lua, &args, 2)?;
        let value = check_any(lua, &args, 3)?;
        if p.contains_key(&t.to_pointer()) {
            return Err(mlua::Error::runtime(READONLY));
        }
        t.raw_set(key, value)?;
        Ok(t)
    })?;
    let p = protected.clone();
    let rawget = lua.create_function(move |lua, args: MultiValue| {
        let t = check_table(lua, &args, 1)?;
        let key = check_any(lua, &args, 2)?;
        behind(&p, t).raw_get::<LuaValue>(key)
    })?;
    let next: Function = globals.raw_get("next")?;
    let p = protected.clone();
    let original_next = next.clone();
    let next_through = lua.create_function(move |lua, args: MultiValue| {
        let t = check_table(lua, &args, 1)?;
        let key = args.get(1).cloned().unwrap_or(LuaValue::Nil);
        original_next.call::<MultiValue>((behind(&p, t), key))
    })?;
    let p = protected.clone();
    let pairs = lua.create_function(move |lua, args: MultiValue| {
        let t = check_table(lua, &args, 1)?;
        Ok((next.clone(), behind(&p, t), LuaValue::Nil))
    })?;
    let p = protected.clone();
    let setmetatable = lua.create_function(move |lua, args: MultiValue| {
        let t = check_table(lua, &args, 1)?;
        let meta = match args.get(1) {
            Some(LuaValue::Nil) => None,
            Some(LuaValue::Table(m)) => Some(m.clone()),
            _ => return Err(arg_error(lua, 2, "nil or table expected")),
        };
        if t.metatable().is_some_and(|m| {
            !m.raw_get::<LuaValue>("__metatable")
                .is_ok_and(|v| v.is_nil())
        }) {
            return Err(library_error(lua, "cannot change a protected metatable"));
        }
        if p.contains_key(&t.to_pointer()) {
            return Err(mlua::Error::runtime(READONLY));
        }
        t.set_metatable(meta)?;
        Ok(t)
    })?;
    let original_getmetatable: Function = globals.raw_get("getmetatable")?;
    let p = protected;
    let env_address = env.to_pointer();
    let getmetatable = lua.create_function(move |lua, args: MultiValue| {
        let value = check_any(lua, &args, 1)?;
        // A library has no metatable of its own; `_G` has the sandbox's.
        if let LuaValue::Table(t) = &value
            && t.to_pointer() != env_address
            && p.contains_key(&t.to_pointer())
        {
            return Ok(LuaValue::Nil);
        }
        original_getmetatable.call::<LuaValue>(value)
    })?;
    globals.raw_set("rawset", rawset)?;
    globals.raw_set("rawget", rawget)?;
    globals.raw_set("next", next_through)?;
    globals.raw_set("pairs", pairs)?;
    globals.raw_set("setmetatable", setmetatable)?;
    globals.raw_set("getmetatable", getmetatable)?;
    Ok(())
}
