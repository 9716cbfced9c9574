//! The `cmsgpack` library Redis loads into Lua (lua-cmsgpack 0.4.0, deps/lua/src/
//! lua_cmsgpack.c): MessagePack with its byte output (floats when exact in single
//! precision, tables as arrays only when their keys are exactly 1..n, nesting cut at 16),
//! `pack` of several values as a stream, and `unpack`, `unpack_one`, `unpack_limit`.

use super::lua_bit::{arg_error, library_error, type_name};
use mlua::{Lua, MultiValue, Table, Value as LuaValue};

/// LUACMSGPACK_MAX_NESTING: a table this deep is packed as nil (cycles end there).
const MAX_NESTING: usize = 16;

/// How deep `unpack` follows nested arrays and maps. The C library recurses without a
/// limit (a deep enough input overflows Redis's stack); the engine refuses it as bad data.
const MAX_DECODE_DEPTH: usize = 1000;

/// Registers `cmsgpack` as a global.
pub fn open_cmsgpack(lua: &Lua) -> mlua::Result<()> {
    let cmsgpack = lua.create_table()?;
    cmsgpack.set("pack", lua.create_function(pack)?)?;
    cmsgpack.set(
        "unpack",
        lua.create_function(|lua, args: MultiValue| unpack_full(lua, &args, 0, 0))?,
    )?;
    cmsgpack.set(
        "unpack_one",
        lua.create_function(|lua, args: MultiValue| {
            let offset = opt_integer(lua, &args, 2)?;
            unpack_full(lua, &args, 1, offset)
        })?,
    )?;
    cmsgpack.set(
        "unpack_limit",
        lua.create_function(|lua, args: MultiValue| {
            let limit = match args.get(1) {
                Some(v) => integer(lua, v, 2)?,
                None => return Err(arg_error(lua, 2, "number expected, got no value")),
            };
            let offset = opt_integer(lua, &args, 3)?;
            unpack_full(lua, &args, limit, offset)
        })?,
    )?;
    cmsgpack.set("_NAME", "cmsgpack")?;
    cmsgpack.set("_VERSION", "lua-cmsgpack 0.4.0")?;
    cmsgpack.set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo")?;
    cmsgpack.set("_DESCRIPTION", "MessagePack C implementation for Lua")?;
    lua.globals().set("cmsgpack", cmsgpack)
}

/// luaL_checkinteger on a present argument.
fn integer(lua: &Lua, value: &LuaValue, position: usize) -> mlua::Result<i64> {
    match lua.coerce_number(value.clone())? {
        Some(n) => Ok(n as i64),
        None => Err(arg_error(
            lua,
            position,
            &format!("number expected, got {}", type_name(Some(value))),
        )),
    }
}

/// luaL_optinteger with default 0.
fn opt_integer(lua: &Lua, args: &MultiValue, position: usize) -> mlua::Result<i64> {
    match args.get(position - 1) {
        None | Some(LuaValue::Nil) => Ok(0),
        Some(v) => integer(lua, v, position),
    }
}

/// mp_pack: every argument packed, one after the other.
fn pack(lua: &Lua, args: MultiValue) -> mlua::Result<mlua::String> {
    if args.is_empty() {
        return Err(arg_error(lua, 0, "MessagePack pack needs input."));
    }
    let mut out = Vec::new();
    for value in &args {
        encode(value, 0, &mut out)?;
    }
    lua.create_string(&out)
}

fn encode(value: &LuaValue, level: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    match value {
        LuaValue::String(s) => encode_bytes(&s.as_bytes(), out),
        LuaValue::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        LuaValue::Integer(n) => encode_number(*n as f64, out),
        LuaValue::Number(n) => encode_number(*n, out),
        LuaValue::Table(t) if level < MAX_NESTING => encode_table(t, level, out)?,
        _ => out.push(0xc0),
    }
    Ok(())
}

fn encode_bytes(s: &[u8], out: &mut Vec<u8>) {
    let len = s.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(s);
}

/// mp_encode_lua_number: an integer when the double holds one exactly (IS_INT64_EQUIVALENT),
/// else a float when single precision holds it exactly, else a double.
fn encode_number(n: f64, out: &mut Vec<u8>) {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if n.trunc() == n && (-TWO_63..TWO_63).contains(&n) {
        encode_int(n as i64, out);
    } else if n == f64::from(n as f32) {
        out.push(0xca);
        out.extend_from_slice(&(n as f32).to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encode_int(n: i64, out: &mut Vec<u8>) {
    if n >= 0 {
        if n <= 127 {
            out.push(n as u8);
        } else if n <= 0xff {
            out.extend_from_slice(&[0xcc, n as u8]);
        } else if n <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as i8 as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// The header of an array (`base` 0x90, 16-bit 0xdc) or a map (0x80, 0xde) of `n` items.
fn encode_length(n: usize, base: u8, long: u8, out: &mut Vec<u8>) {
    if n <= 15 {
        out.push(base | n as u8);
    } else if n <= 65535 {
        out.push(long);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(long + 1);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// table_is_an_array: every key a positive number that fits an int, and as many keys as
/// the largest one.
fn is_array(t: &Table) -> mlua::Result<bool> {
    let (mut count, mut max) = (0i64, 0i64);
    for pair in t.clone().pairs::<LuaValue, LuaValue>() {
        let n = match pair?.0 {
            LuaValue::Integer(n) => n as f64,
            LuaValue::Number(n) => n,
            _ => return Ok(false),
        };
        if n <= 0.0 || n.trunc() != n || n > f64::from(i32::MAX) {
            return Ok(false);
        }
        max = max.max(n as i64);
        count += 1;
    }
    Ok(max == count)
}

fn encode_table(t: &Table, level: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    if is_array(t)? {
        let len = t.len()? as usize;
        encode_length(len, 0x90, 0xdc, out);
        for j in 1..=len {
            encode(&t.get::<LuaValue>(j)?, level + 1, out)?;
        }
    } else {
        let pairs: Vec<(LuaValue, LuaValue)> = t
            .clone()
            .pairs::<LuaValue, LuaValue>()
            .collect::<mlua::Result<_>>()?;
        encode_length(pairs.len(), 0x80, 0xde, out);
        for (key, value) in &pairs {
            encode(key, level + 1, out)?;
            encode(value, level + 1, out)?;
        }
    }
    Ok(())
}

/// Why decoding stopped (MP_CUR_ERROR_EOF, MP_CUR_ERROR_BADFMT).
enum DecodeError {
    Missing,
    BadFormat,
    Lua(mlua::Error),
}

impl From<mlua::Error> for DecodeError {
    fn from(e: mlua::Error) -> Self {
        DecodeError::Lua(e)
    }
}

/// A cursor over the bytes being unpacked.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    /// The next `n` bytes, consumed.
    fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        if self.left() < n {
            return Err(DecodeError::Missing);
        }
        let slice = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(slice)
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn string(&mut self, lua: &Lua, len: usize) -> Result<LuaValue, DecodeError> {
        let bytes = self.take(len)?;
        Ok(LuaValue::String(lua.create_string(bytes)?))
    }

    /// mp_decode_to_lua_type.
    fn value(&mut self, lua: &Lua, depth: usize) -> Result<LuaValue, DecodeError> {
        if depth > MAX_DECODE_DEPTH {
            return Err(DecodeError::BadFormat);
        }
        let first = self.be::<1>()?[0];
        let number = |n: f64| Ok(LuaValue::Number(n));
        match first {
            0xcc => number(f64::from(self.be::<1>()?[0])),
            0xd0 => number(f64::from(self.be::<1>()?[0] as i8)),
            0xcd => number(f64::from(u16::from_be_bytes(self.be()?))),
            0xd1 => number(f64::from(i16::from_be_bytes(self.be()?))),
            0xce => number(f64::from(u32::from_be_bytes(self.be()?))),
            0xd2 => number(f64::from(i32::from_be_bytes(self.be()?))),
            // lua_pushunsigned is lua_pushinteger on 64-bit: past i64 it wraps.
            0xcf => number(u64::from_be_bytes(self.be()?) as i64 as f64),
            0xd3 => number(i64::from_be_bytes(self.be()?) as f64),
            0xc0 => Ok(LuaValue::Nil),
            0xc3 => Ok(LuaValue::Boolean(true)),
            0xc2 => Ok(LuaValue::Boolean(false)),
            0xca => number(f64::from(f32::from_be_bytes(self.be()?))),
            0xcb => number(f64::from_be_bytes(self.be()?)),
            0xd9 => {
                let len = self.be::<1>()?[0] as usize;
                self.string(lua, len)
            }
            0xda => {
                let len = u16::from_be_bytes(self.be()?) as usize;
                self.string(lua, len)
            }
            0xdb => {
                let len = u32::from_be_bytes(self.be()?) as usize;
                self.string(lua, len)
            }
            0xdc => {
                let len = u16::from_be_bytes(self.be()?) as usize;
                self.array(lua, len, depth)
            }
            0xdd => {
                let len = u32::from_be_bytes(self.be()?) as usize;
                self.array(lua, len, depth)
            }
            0xde => {
                let len = u16::from_be_bytes(self.be()?) as usize;
                self.map(lua, len, depth)
            }
            0xdf => {
                let len = u32::from_be_bytes(self.be()?) as usize;
                self.map(lua, len, depth)
            }
            b if b & 0x80 == 0 => number(f64::from(b)),
            b if b & 0xe0 == 0xe0 => number(f64::from(b as i8)),
            b if b & 0xe0 == 0xa0 => self.string(lua, usize::from(b & 0x1f)),
            b if b & 0xf0 == 0x90 => self.array(lua, usize::from(b & 0xf), depth),
            b if b & 0xf0 == 0x80 => self.map(lua, usize::from(b & 0xf), depth),
            _ => Err(DecodeError::BadFormat),
        }
    }

    fn array(&mut self, lua: &Lua, len: usize, depth: usize) -> Result<LuaValue, DecodeError> {
        let t = lua.create_table()?;
        for index in 1..=len {
            let value = self.value(lua, depth + 1)?;
            t.raw_set(index, value)?;
        }
        Ok(LuaValue::Table(t))
    }

    fn map(&mut self, lua: &Lua, len: usize, depth: usize) -> Result<LuaValue, DecodeError> {
        let t = lua.create_table()?;
        for _ in 0..len {
            let key = self.value(lua, depth + 1)?;
            let value = self.value(lua, depth + 1)?;
            t.set(key, value)?;
        }
        Ok(LuaValue::Table(t))
    }
}

/// mp_unpack_full: up to `limit` values from `offset` (all of them when both are 0);
/// with a limit, the offset to go on from comes first (-1 at the end).
fn unpack_full(lua: &Lua, args: &MultiValue, limit: i64, offset: i64) -> mlua::Result<MultiValue> {
    let bytes = match args.front().map(|v| lua.coerce_string(v.clone())) {
        Some(Ok(Some(s))) => s.as_bytes().to_vec(),
        other => {
            let got = match other {
                None => "no value",
                _ => type_name(args.front()),
            };
            return Err(arg_error(lua, 1, &format!("string expected, got {got}")));
        }
    };
    let len = bytes.len();
    if offset < 0 || limit < 0 {
        return Err(library_error(
            lua,
            &format!(
                "Invalid request to unpack with offset of {} and limit of {}.",
                offset as i32, len as i32
            ),
        ));
    }
    if offset as usize > len {
        return Err(library_error(
            lua,
            &format!(
                "Start offset {} greater than input length {}.",
                offset as i32, len as i32
            ),
        ));
    }
    let decode_all = limit == 0 && offset == 0;
    let limit = if decode_all {
        i64::from(i32::MAX)
    } else {
        limit
    };
    let mut cursor = Cursor {
        bytes: &bytes,
        at: offset as usize,
    };
    let mut values = Vec::new();
    while cursor.left() > 0 && (values.len() as i64) < limit {
        match cursor.value(lua, 0) {
            Ok(value) => values.push(value),
            Err(DecodeError::Missing) => {
                return Err(library_error(lua, "Missing bytes in input."));
            }
            Err(DecodeError::BadFormat) => {
                return Err(library_error(lua, "Bad data format in input."));
            }
            Err(DecodeError::Lua(e)) => return Err(e),
        }
    }
    if !decode_all {
        let next = if cursor.left() == 0 {
            -1
        } else {
            cursor.at as i64
        };
        values.insert(0, LuaValue::Number(next as f64));
    }
    Ok(MultiValue::from_iter(values))
}
