//! `pcall` and `xpcall` for scripts. Redis 7.0 replaces `pcall` (luaRedisPcall) so that
//! a raised error table (`redis.call`'s) comes back as its `err` string. Both also undo
//! mlua's wrapping: mlua raises the errors of functions implemented in Rust (cjson,
//! cmsgpack, struct, bit, the `redis` helpers) as a userdata, where Redis's C libraries
//! raise a string and its helpers an error table. These two calls are where a script can
//! first see an error value, so they hand over what Redis would have raised:
//! `pcall(cjson.decode, '{')` returns `false` and a string, and an xpcall handler
//! receives the string.
//!
//! Both are C functions, as Redis's are, so the function they call sees a C caller: an
//! error's position prefix and a bad argument's function name (`?`) stay as in Redis.

use super::lua::{error_text, helper_error_message};
use mlua::{Lua, Value as LuaValue, ffi};

/// The registry key of the Rust function that turns a wrapped Rust error into the value
/// Redis raises (and leaves any other value as it is).
const AS_RAISED: &std::ffi::CStr = c"redis_tutor_as_raised";

/// Replaces the global `pcall` and `xpcall` (call before the globals are made read-only).
pub fn open_protected_calls(lua: &Lua) -> mlua::Result<()> {
    let as_raised = lua.create_function(|lua, error: LuaValue| {
        Ok(match error {
            LuaValue::Error(e) => match helper_error_message(&e) {
                Some(message) => {
                    let table = lua.create_table()?;
                    table.raw_set("err", format!("ERR {message}"))?;
                    LuaValue::Table(table)
                }
                None => LuaValue::String(lua.create_string(error_text(&e))?),
            },
            other => other,
        })
    })?;
    lua.set_named_registry_value(AS_RAISED.to_str().expect("ASCII"), as_raised)?;
    let globals = lua.globals();
    // SAFETY: both only use the Lua C API on the stack they are given.
    unsafe {
        globals.raw_set("pcall", lua.create_c_function(pcall)?)?;
        globals.raw_set("xpcall", lua.create_c_function(xpcall)?)?;
    }
    Ok(())
}

/// Replaces the error value on top of the stack by what Redis would have raised when it
/// is a wrapped Rust error.
///
/// # Safety
/// `state` is a Lua state inside a call from Lua, with a value on top.
unsafe fn as_raised(state: *mut ffi::lua_State) {
    unsafe {
        if ffi::lua_type(state, -1) != ffi::LUA_TUSERDATA {
            return;
        }
        ffi::lua_getfield(state, ffi::LUA_REGISTRYINDEX, AS_RAISED.as_ptr());
        ffi::lua_insert(state, -2);
        ffi::lua_call(state, 1, 1);
    }
}

/// luaRedisPcall: `true, ...` (the results), or `false` and the error value, an error
/// table replaced by its `err` string. Without arguments it calls its own `true` (as
/// Redis's does, through the stack slot above it) and answers that error.
///
/// # Safety
/// Called by Lua.
unsafe extern "C-unwind" fn pcall(state: *mut ffi::lua_State) -> i32 {
    unsafe {
        let argc = ffi::lua_gettop(state);
        ffi::lua_pushboolean(state, 1); // the result's place
        ffi::lua_insert(state, 1);
        let status = if argc == 0 {
            ffi::lua_pushvalue(state, 1);
            ffi::lua_pcall(state, 0, ffi::LUA_MULTRET, 0)
        } else {
            ffi::lua_pcall(state, argc - 1, ffi::LUA_MULTRET, 0)
        };
        if status != 0 {
            ffi::lua_remove(state, 1);
            as_raised(state);
            if ffi::lua_istable(state, -1) != 0 {
                ffi::lua_getfield(state, -1, c"err".as_ptr());
                if ffi::lua_isstring(state, -1) != 0 {
                    ffi::lua_replace(state, -2);
                } else {
                    ffi::lua_pop(state, 1);
                }
            }
            ffi::lua_pushboolean(state, 0);
            ffi::lua_insert(state, 1);
        }
        ffi::lua_gettop(state)
    }
}

/// luaB_xpcall: calls the function without arguments, with the handler (given the error
/// as Redis would have raised it) as the message handler.
///
/// # Safety
/// Called by Lua.
unsafe extern "C-unwind" fn xpcall(state: *mut ffi::lua_State) -> i32 {
    unsafe {
        ffi::luaL_checkany(state, 2);
        ffi::lua_settop(state, 2);
        // The script's handler becomes the upvalue of the handler that converts first.
        ffi::lua_pushcclosure(state, handle_as_message, 1);
        ffi::lua_insert(state, 1);
        let status = ffi::lua_pcall(state, 0, ffi::LUA_MULTRET, 1);
        ffi::lua_pushboolean(state, i32::from(status == 0));
        ffi::lua_replace(state, 1);
        ffi::lua_gettop(state)
    }
}

/// xpcall's message handler: the script's handler (upvalue 1), given the error value as
/// Redis would have raised it.
///
/// # Safety
/// Called by Lua as a message handler, with the error value on the stack.
unsafe extern "C-unwind" fn handle_as_message(state: *mut ffi::lua_State) -> i32 {
    unsafe {
        as_raised(state);
        ffi::lua_pushvalue(state, ffi::lua_upvalueindex(1));
        ffi::lua_insert(state, -2);
        ffi::lua_call(state, 1, 1);
        1
    }
}
