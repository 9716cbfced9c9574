//! The `bit` library Redis loads into Lua (LuaBitOp): 32-bit operations on Lua numbers,
//! plus the error helpers the C libraries' `luaL_error` and `luaL_argerror` correspond to.

use mlua::{Lua, MultiValue, Value as LuaValue};

/// An error raised the way a C library's luaL_error raises it: prefixed with the position
/// of the calling script line (`user_script:3: `).
pub fn library_error(lua: &Lua, message: &str) -> mlua::Error {
    let position = lua
        .inspect_stack(1, |debug| {
            let source = debug.source().short_src.map(|s| s.into_owned());
            source.zip(debug.current_line())
        })
        .flatten();
    match position {
        Some((source, line)) => mlua::Error::runtime(format!("{source}:{line}: {message}")),
        None => mlua::Error::runtime(message),
    }
}

/// luaL_argerror: `bad argument #n to 'name' (message)`, the function named as its caller
/// called it (`?` from pcall), prefixed like `library_error`.
pub fn arg_error(lua: &Lua, position: usize, message: &str) -> mlua::Error {
    let name = lua
        .inspect_stack(0, |debug| debug.names().name.map(|n| n.into_owned()))
        .flatten()
        .unwrap_or_else(|| "?".into());
    library_error(
        lua,
        &format!("bad argument #{position} to '{name}' ({message})"),
    )
}

/// lua_typename of an argument (`no value` when it is missing); Lua 5.1 has one number type.
pub fn type_name(value: Option<&LuaValue>) -> &'static str {
    match value {
        None => "no value",
        Some(LuaValue::Integer(_)) => "number",
        Some(v) => v.type_name(),
    }
}

/// LuaBitOp's barg: a number normalized to a signed 32-bit integer.
fn to_bit(lua: &Lua, value: Option<&LuaValue>, position: usize) -> mlua::Result<i32> {
    let n = match value {
        Some(LuaValue::Number(n)) => *n,
        Some(LuaValue::Integer(n)) => *n as f64,
        // Lua's own conversion (strtod, then hexadecimal), as luaL_checknumber's: '0x10' is 16.
        Some(LuaValue::String(s)) => match lua.coerce_number(LuaValue::String(s.clone()))? {
            Some(n) => n,
            None => return Err(not_a_number(lua, position, value)),
        },
        _ => return Err(not_a_number(lua, position, value)),
    };
    // The 2^52 + 2^51 trick LuaBitOp uses: the low 32 bits of the rounded number.
    let rounded = n + 6_755_399_441_055_744.0;
    Ok(rounded.to_bits() as u32 as i32)
}

/// luaL_typerror for a number.
fn not_a_number(lua: &Lua, position: usize, value: Option<&LuaValue>) -> mlua::Error {
    arg_error(
        lua,
        position,
        &format!("number expected, got {}", type_name(value)),
    )
}

/// Registers `bit` as a global.
pub fn open_bit(lua: &Lua) -> mlua::Result<()> {
    let bit = lua.create_table()?;
    type Fold = fn(i32, i32) -> i32;
    let folds: [(&str, Fold); 3] = [
        ("band", |a, b| a & b),
        ("bor", |a, b| a | b),
        ("bxor", |a, b| a ^ b),
    ];
    for (name, op) in folds {
        bit.set(
            name,
            lua.create_function(move |lua, args: MultiValue| {
                let mut acc = to_bit(lua, args.front(), 1)?;
                for (i, arg) in args.iter().enumerate().skip(1) {
                    acc = op(acc, to_bit(lua, Some(arg), i + 1)?);
                }
                Ok(f64::from(acc))
            })?,
        )?;
    }
    type Unary = fn(i32) -> i32;
    let unary: [(&str, Unary); 3] = [
        ("tobit", |a| a),
        ("bnot", |a| !a),
        ("bswap", |a| a.swap_bytes()),
    ];
    for (name, op) in unary {
        bit.set(
            name,
            lua.create_function(move |lua, args: MultiValue| {
                Ok(f64::from(op(to_bit(lua, args.front(), 1)?)))
            })?,
        )?;
    }
    type Shift = fn(i32, u32) -> i32;
    let shifts: [(&str, Shift); 5] = [
        ("lshift", |a, n| ((a as u32) << n) as i32),
        ("rshift", |a, n| ((a as u32) >> n) as i32),
        ("arshift", |a, n| a >> n),
        ("rol", |a, n| (a as u32).rotate_left(n) as i32),
        ("ror", |a, n| (a as u32).rotate_right(n) as i32),
    ];
    for (name, op) in shifts {
        bit.set(
            name,
            lua.create_function(move |lua, args: MultiValue| {
                let a = to_bit(lua, args.front(), 1)?;
                let n = to_bit(lua, args.get(1), 2)? as u32 & 31;
                Ok(f64::from(op(a, n)))
            })?,
        )?;
    }
    bit.set(
        "tohex",
        lua.create_function(|lua, args: MultiValue| {
            let a = to_bit(lua, args.front(), 1)? as u32;
            let n = match args.get(1) {
                None | Some(LuaValue::Nil) => 8,
                Some(v) => to_bit(lua, Some(v), 2)?,
            };
            let (upper, width) = if n < 0 {
                (true, n.unsigned_abs().min(8))
            } else {
                (false, (n as u32).min(8))
            };
            let masked = if width >= 8 {
                a
            } else {
                a & ((1u32 << (4 * width)) - 1)
            };
            let text = if upper {
                format!("{masked:0width$X}", width = width as usize)
            } else {
                format!("{masked:0width$x}", width = width as usize)
            };
            Ok(text)
        })?,
    )?;
    lua.globals().set("bit", bit)
}
