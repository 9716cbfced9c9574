//! The `struct` library Redis loads into Lua (Roberto Ierusalimschy's struct.c, deps/lua/
//! src/lua_struct.c): `pack`, `unpack` and `size` of binary records described by a format
//! string, on a 64-bit little-endian machine (short 2, int 4, long and size_t 8 bytes,
//! alignment up to 8), with its error texts.

use super::lua_bit::{arg_error, library_error, type_name};
use mlua::{Lua, MultiValue, Value as LuaValue};

/// MAXINTSIZE: the largest integer size `i`/`I` accept.
const MAX_INT_SIZE: usize = 32;

/// MAXALIGN: what `!` without a number aligns to.
const MAX_ALIGN: usize = 8;

/// Registers `struct` as a global.
pub fn open_struct(lua: &Lua) -> mlua::Result<()> {
    let library = lua.create_table()?;
    library.set("pack", lua.create_function(pack)?)?;
    library.set("unpack", lua.create_function(unpack)?)?;
    library.set("size", lua.create_function(size)?)?;
    lua.globals().set("struct", library)
}

/// The byte order and alignment in force (Header).
struct Header {
    little: bool,
    align: usize,
}

impl Default for Header {
    fn default() -> Header {
        Header {
            little: true,
            align: 1,
        }
    }
}

/// A format string being read.
struct Format<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Format<'_> {
    fn next(&mut self) -> Option<u8> {
        let b = self.bytes.get(self.at).copied()?;
        self.at += 1;
        Some(b)
    }

    /// getnum: the number that follows, or `default`.
    fn number(&mut self, lua: &Lua, default: usize) -> mlua::Result<usize> {
        if !self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            return Ok(default);
        }
        let mut a: i32 = 0;
        while let Some(&d) = self.bytes.get(self.at).filter(|d| d.is_ascii_digit()) {
            let digit = i32::from(d - b'0');
            if a > i32::MAX / 10 || a * 10 > i32::MAX - digit {
                return Err(library_error(lua, "integral size overflow"));
            }
            a = a * 10 + digit;
            self.at += 1;
        }
        Ok(a as usize)
    }

    /// optsize: how many bytes option `opt` takes (0 for the control options).
    fn size_of(&mut self, lua: &Lua, opt: u8) -> mlua::Result<usize> {
        Ok(match opt {
            b'B' | b'b' | b'x' => 1,
            b'H' | b'h' => 2,
            b'L' | b'l' | b'T' | b'd' => 8,
            b'f' => 4,
            b'c' => self.number(lua, 1)?,
            b'i' | b'I' => {
                let size = self.number(lua, 4)?;
                if size > MAX_INT_SIZE {
                    return Err(library_error(
                        lua,
                        &format!("integral size {size} is larger than limit of {MAX_INT_SIZE}"),
                    ));
                }
                size
            }
            _ => 0,
        })
    }

    /// controloptions: byte order, alignment and spaces; anything else is invalid.
    fn control(&mut self, lua: &Lua, opt: u8, header: &mut Header) -> mlua::Result<()> {
        match opt {
            b' ' => {}
            b'>' => header.little = false,
            b'<' => header.little = true,
            b'!' => {
                let align = self.number(lua, MAX_ALIGN)?;
                if !align.is_power_of_two() {
                    return Err(library_error(
                        lua,
                        &format!("alignment {align} is not a power of 2"),
                    ));
                }
                header.align = align;
            }
            _ => {
                return Err(arg_error(
                    lua,
                    1,
                    &format!("invalid format option '{}'", opt as char),
                ));
            }
        }
        Ok(())
    }
}

/// gettoalign: padding before an item of `size` bytes at offset `len`.
fn to_align(len: usize, header: &Header, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(header.align);
    (size - (len & (size - 1))) & (size - 1)
}

fn is_integer_option(opt: u8) -> bool {
    matches!(
        opt,
        b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I'
    )
}

/// luaL_checkstring of argument `position` (1-based), numbers converted.
fn check_bytes(lua: &Lua, args: &MultiValue, position: usize) -> mlua::Result<Vec<u8>> {
    let value = args.get(position - 1);
    match value.map(|v| lua.coerce_string(v.clone())) {
        Some(Ok(Some(s))) => Ok(s.as_bytes().to_vec()),
        _ => Err(arg_error(
            lua,
            position,
            &format!("string expected, got {}", type_name(value)),
        )),
    }
}

/// luaL_checknumber of argument `position`, numeric strings converted.
fn check_number(lua: &Lua, args: &MultiValue, position: usize) -> mlua::Result<f64> {
    let value = args.get(position - 1);
    match value.map(|v| lua.coerce_number(v.clone())) {
        Some(Ok(Some(n))) => Ok(n),
        _ => Err(arg_error(
            lua,
            position,
            &format!("number expected, got {}", type_name(value)),
        )),
    }
}

/// b_pack.
fn pack(lua: &Lua, mut args: MultiValue) -> mlua::Result<mlua::String> {
    let format = check_bytes(lua, &args, 1)?;
    // b_pack pushes a nil after its arguments: the first missing one is "got nil".
    args.push_back(LuaValue::Nil);
    let mut fmt = Format {
        bytes: &format,
        at: 0,
    };
    let mut header = Header::default();
    let mut arg = 2;
    let mut out: Vec<u8> = Vec::new();
    while let Some(opt) = fmt.next() {
        let mut size = fmt.size_of(lua, opt)?;
        let padding = to_align(out.len(), &header, opt, size);
        out.resize(out.len() + padding, 0);
        match opt {
            _ if is_integer_option(opt) => {
                let n = check_number(lua, &args, arg)?;
                arg += 1;
                let mut value = if n < 0.0 { n as i64 as u64 } else { n as u64 };
                let mut bytes = vec![0u8; size];
                for byte in bytes.iter_mut() {
                    *byte = (value & 0xff) as u8;
                    value >>= 8;
                }
                if !header.little {
                    bytes.reverse();
                }
                out.extend_from_slice(&bytes);
            }
            b'x' => out.push(0),
            b'f' => {
                let f = check_number(lua, &args, arg)? as f32;
                arg += 1;
                out.extend_from_slice(&if header.little {
                    f.to_le_bytes()
                } else {
                    f.to_be_bytes()
                });
            }
            b'd' => {
                let d = check_number(lua, &args, arg)?;
                arg += 1;
                out.extend_from_slice(&if header.little {
                    d.to_le_bytes()
                } else {
                    d.to_be_bytes()
                });
            }
            b'c' | b's' => {
                let s = check_bytes(lua, &args, arg)?;
                arg += 1;
                if size == 0 {
                    size = s.len();
                }
                if s.len() < size {
                    // luaL_argcheck names the argument after the string, as struct.c does.
                    return Err(arg_error(lua, arg, "string too short"));
                }
                out.extend_from_slice(&s[..size]);
                if opt == b's' {
                    out.push(0);
                }
            }
            _ => fmt.control(lua, opt, &mut header)?,
        }
    }
    lua.create_string(&out)
}

/// b_unpack: the values, then the position after them.
fn unpack(lua: &Lua, args: MultiValue) -> mlua::Result<MultiValue> {
    let format = check_bytes(lua, &args, 1)?;
    let data = check_bytes(lua, &args, 2)?;
    let start = match args.get(2) {
        None | Some(LuaValue::Nil) => 1,
        Some(_) => check_number(lua, &args, 3)? as i64,
    };
    if start <= 0 {
        return Err(arg_error(lua, 3, "offset must be 1 or greater"));
    }
    let mut pos = (start - 1) as usize;
    let mut fmt = Format {
        bytes: &format,
        at: 0,
    };
    let mut header = Header::default();
    let mut values: Vec<LuaValue> = Vec::new();
    let too_short = |lua: &Lua| arg_error(lua, 2, "data string too short");
    while let Some(opt) = fmt.next() {
        let mut size = fmt.size_of(lua, opt)?;
        pos += to_align(pos, &header, opt, size);
        if size > data.len() || pos > data.len() - size {
            return Err(too_short(lua));
        }
        match opt {
            _ if is_integer_option(opt) => {
                let mut bytes = data[pos..pos + size].to_vec();
                if !header.little {
                    bytes.reverse();
                }
                let mut l: u64 = 0;
                for &b in bytes.iter().rev() {
                    l = l.wrapping_shl(8) | u64::from(b);
                }
                let n = if opt.is_ascii_lowercase() {
                    let mask = (!0u64).wrapping_shl((size * 8).wrapping_sub(1) as u32);
                    if l & mask != 0 {
                        l |= mask;
                    }
                    l as i64 as f64
                } else {
                    l as f64
                };
                values.push(LuaValue::Number(n));
            }
            b'x' => {}
            b'f' => {
                let raw: [u8; 4] = data[pos..pos + 4].try_into().expect("4 bytes");
                let f = if header.little {
                    f32::from_le_bytes(raw)
                } else {
                    f32::from_be_bytes(raw)
                };
                values.push(LuaValue::Number(f64::from(f)));
            }
            b'd' => {
                let raw: [u8; 8] = data[pos..pos + 8].try_into().expect("8 bytes");
                let d = if header.little {
                    f64::from_le_bytes(raw)
                } else {
                    f64::from_be_bytes(raw)
                };
                values.push(LuaValue::Number(d));
            }
            b'c' => {
                if size == 0 {
                    let previous = values
                        .last()
                        .and_then(|v| lua.coerce_number(v.clone()).ok().flatten());
                    let Some(n) = previous else {
                        return Err(library_error(lua, "format 'c0' needs a previous size"));
                    };
                    values.pop();
                    size = n as usize;
                    if size > data.len() || pos > data.len() - size {
                        return Err(too_short(lua));
                    }
                }
                values.push(LuaValue::String(lua.create_string(&data[pos..pos + size])?));
            }
            b's' => {
                let Some(end) = data[pos..].iter().position(|&b| b == 0) else {
                    return Err(library_error(lua, "unfinished string in data"));
                };
                values.push(LuaValue::String(lua.create_string(&data[pos..pos + end])?));
                size = end + 1;
            }
            _ => fmt.control(lua, opt, &mut header)?,
        }
        pos += size;
    }
    values.push(LuaValue::Number((pos + 1) as f64));
    Ok(MultiValue::from_iter(values))
}

/// b_size: the bytes a format takes; `s` and `c0` have no fixed size.
fn size(lua: &Lua, args: MultiValue) -> mlua::Result<i64> {
    let format = check_bytes(lua, &args, 1)?;
    let mut fmt = Format {
        bytes: &format,
        at: 0,
    };
    let mut header = Header::default();
    let mut pos = 0;
    while let Some(opt) = fmt.next() {
        let size = fmt.size_of(lua, opt)?;
        pos += to_align(pos, &header, opt, size);
        if opt == b's' {
            return Err(arg_error(lua, 1, "option 's' has no fixed size"));
        }
        if opt == b'c' && size == 0 {
            return Err(arg_error(lua, 1, "option 'c0' has no fixed size"));
        }
        if !opt.is_ascii_alphanumeric() {
            fmt.control(lua, opt, &mut header)?;
        }
        pos += size;
    }
    Ok(pos as i64)
}
