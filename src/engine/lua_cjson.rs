//! The `cjson` library Redis loads into Lua, with lua-cjson 2.1's output: `/` escaped as
//! `\/`, numbers with 14 significant digits, empty tables as objects, sparse arrays refused,
//! and its error texts.

use super::lua_bit::{arg_error, library_error, type_name};
use crate::resp::format_g;
use mlua::{LightUserData, Lua, MultiValue, Table, Value as LuaValue};

/// lua-cjson's encode_max_depth and decode_max_depth.
const MAX_DEPTH: usize = 1000;

/// Registers `cjson` (encode, decode, null) as a global.
pub fn open_cjson(lua: &Lua) -> mlua::Result<()> {
    let cjson = lua.create_table()?;
    cjson.set(
        "encode",
        lua.create_function(|lua, args: MultiValue| {
            if args.len() != 1 {
                return Err(arg_error(lua, 1, "expected 1 argument"));
            }
            let mut out = Vec::new();
            encode(lua, &args[0], 0, &mut out)?;
            lua.create_string(&out)
        })?,
    )?;
    cjson.set(
        "decode",
        lua.create_function(|lua, args: MultiValue| {
            let text = match args.iter().collect::<Vec<_>>().as_slice() {
                [LuaValue::String(s)] => s.as_bytes().to_vec(),
                // luaL_checklstring: a number is read as its text.
                [number @ (LuaValue::Integer(_) | LuaValue::Number(_))] => lua
                    .coerce_string((*number).clone())?
                    .map(|s| s.as_bytes().to_vec())
                    .unwrap_or_default(),
                [other] => {
                    return Err(arg_error(
                        lua,
                        1,
                        &format!("string expected, got {}", type_name(Some(other))),
                    ));
                }
                _ => return Err(arg_error(lua, 1, "expected 1 argument")),
            };
            let mut parser = Parser {
                text: &text,
                at: 0,
                lua,
            };
            let value = parser.value(0)?;
            parser.skip_whitespace();
            if parser.at < text.len() {
                return Err(parser.unexpected("the end"));
            }
            Ok(value)
        })?,
    )?;
    cjson.set("null", LightUserData(std::ptr::null_mut()))?;
    lua.globals().set("cjson", cjson)
}

fn encode(lua: &Lua, value: &LuaValue, depth: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    match value {
        LuaValue::Nil => out.extend_from_slice(b"null"),
        LuaValue::LightUserData(p) if p.0.is_null() => out.extend_from_slice(b"null"),
        LuaValue::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        LuaValue::Integer(n) => encode_number(lua, *n as f64, out)?,
        LuaValue::Number(n) => encode_number(lua, *n, out)?,
        LuaValue::String(s) => encode_string(&s.as_bytes(), out),
        LuaValue::Table(t) => {
            if depth + 1 > MAX_DEPTH {
                return Err(library_error(
                    lua,
                    &format!("Cannot serialise, excessive nesting ({})", depth + 1),
                ));
            }
            encode_table(lua, t, depth + 1, out)?;
        }
        other => {
            return Err(library_error(
                lua,
                &format!("Cannot serialise {}: type not supported", other.type_name()),
            ));
        }
    }
    Ok(())
}

fn encode_number(lua: &Lua, n: f64, out: &mut Vec<u8>) -> mlua::Result<()> {
    if !n.is_finite() {
        return Err(library_error(
            lua,
            "Cannot serialise number: must not be NaN or Inf",
        ));
    }
    out.extend_from_slice(format_g(n, 14).as_bytes());
    Ok(())
}

fn encode_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0..=0x1f | 0x7f => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

/// lua_array_length: Some(n) when every key is a positive integer (n the largest), None for
/// an object; a too sparse array is an error.
fn array_length(lua: &Lua, t: &Table) -> mlua::Result<Option<usize>> {
    let (mut max, mut items) = (0usize, 0usize);
    for pair in t.pairs::<LuaValue, LuaValue>() {
        let (key, _) = pair?;
        let index = match key {
            LuaValue::Number(n) if n >= 1.0 && n.fract() == 0.0 => n as usize,
            LuaValue::Integer(n) if n >= 1 => n as usize,
            _ => return Ok(None),
        };
        max = max.max(index);
        items += 1;
    }
    if max > items * 2 && max > 10 {
        return Err(library_error(
            lua,
            "Cannot serialise table: excessively sparse array",
        ));
    }
    Ok(Some(max))
}

fn encode_table(lua: &Lua, t: &Table, depth: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    match array_length(lua, t)? {
        Some(len) if len > 0 => {
            out.push(b'[');
            for i in 1..=len {
                if i > 1 {
                    out.push(b',');
                }
                encode(lua, &t.raw_get::<LuaValue>(i)?, depth, out)?;
            }
            out.push(b']');
        }
        _ => {
            out.push(b'{');
            let mut first = true;
            for pair in t.pairs::<LuaValue, LuaValue>() {
                let (key, value) = pair?;
                if !first {
                    out.push(b',');
                }
                first = false;
                match &key {
                    LuaValue::String(s) => encode_string(&s.as_bytes(), out),
                    LuaValue::Number(n) => {
                        out.push(b'"');
                        encode_number(lua, *n, out)?;
                        out.push(b'"');
                    }
                    LuaValue::Integer(n) => {
                        out.push(b'"');
                        encode_number(lua, *n as f64, out)?;
                        out.push(b'"');
                    }
                    other => {
                        return Err(library_error(
                            lua,
                            &format!(
                                "Cannot serialise {}: table key must be a number or string",
                                other.type_name()
                            ),
                        ));
                    }
                }
                out.push(b':');
                encode(lua, &value, depth, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// A JSON parser reporting errors as lua-cjson does: `Expected <what> but found <token> at
/// character <n>`.
struct Parser<'a> {
    text: &'a [u8],
    at: usize,
    lua: &'a Lua,
}

impl Parser<'_> {
    fn skip_whitespace(&mut self) {
        while self
            .text
            .get(self.at)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.at += 1;
        }
    }

    /// The name lua-cjson gives the token at the current position in its errors: its token
    /// type's name, or for a token it could not read, why.
    fn token_name(&self) -> &'static str {
        match self.text.get(self.at) {
            None => "T_END",
            Some(b'{') => "T_OBJ_BEGIN",
            Some(b'}') => "T_OBJ_END",
            Some(b'[') => "T_ARR_BEGIN",
            Some(b']') => "T_ARR_END",
            Some(b',') => "T_COMMA",
            Some(b':') => "T_COLON",
            Some(b'"') => "T_STRING",
            Some(b't' | b'f') if self.literal_at(b"true") || self.literal_at(b"false") => {
                "T_BOOLEAN"
            }
            Some(b'n') if self.literal_at(b"null") => "T_NULL",
            _ if self.at_number() => match strtod_length(&self.text[self.at..]) {
                0 => "invalid number",
                _ => "T_NUMBER",
            },
            _ => "invalid token",
        }
    }

    /// Whether the token here is read as a number: JSON's (a minus or a digit), or, with
    /// lua-cjson's decode_invalid_numbers (on in Redis), one that JSON forbids but strtod
    /// reads: a leading `+`, `inf` or `nan` in any case (json_is_invalid_number).
    fn at_number(&self) -> bool {
        let rest = &self.text[self.at..];
        let unsigned = rest.strip_prefix(b"-").unwrap_or(rest);
        matches!(rest.first(), Some(b'-' | b'+' | b'0'..=b'9'))
            || [b"inf", b"nan"].iter().any(|word| {
                unsigned
                    .get(..3)
                    .is_some_and(|w| w.eq_ignore_ascii_case(*word))
            })
    }

    fn literal_at(&self, word: &[u8]) -> bool {
        self.text[self.at..].starts_with(word)
    }

    fn unexpected(&self, expected: &str) -> mlua::Error {
        let found = self.token_name();
        library_error(
            self.lua,
            &format!(
                "Expected {expected} but found {found} at character {}",
                self.at + 1
            ),
        )
    }

    fn value(&mut self, depth: usize) -> mlua::Result<LuaValue> {
        self.skip_whitespace();
        match self.text.get(self.at) {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(LuaValue::String(self.lua.create_string(self.string()?)?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ if self.literal_at(b"true") => {
                self.at += 4;
                Ok(LuaValue::Boolean(true))
            }
            _ if self.literal_at(b"false") => {
                self.at += 5;
                Ok(LuaValue::Boolean(false))
            }
            _ if self.literal_at(b"null") => {
                self.at += 4;
                Ok(LuaValue::LightUserData(LightUserData(std::ptr::null_mut())))
            }
            _ if self.at_number() => self.number(),
            _ => Err(self.unexpected("value")),
        }
    }

    fn nested(&self, depth: usize) -> mlua::Result<()> {
        if depth > MAX_DEPTH {
            return Err(library_error(
                self.lua,
                &format!(
                    "Found too many nested data structures ({depth}) at character {}",
                    self.at + 1
                ),
            ));
        }
        Ok(())
    }

    fn object(&mut self, depth: usize) -> mlua::Result<LuaValue> {
        self.nested(depth)?;
        self.at += 1;
        let table = self.lua.create_table()?;
        self.skip_whitespace();
        if self.text.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Ok(LuaValue::Table(table));
        }
        loop {
            self.skip_whitespace();
            if self.text.get(self.at) != Some(&b'"') {
                return Err(self.unexpected("object key string"));
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.text.get(self.at) != Some(&b':') {
                return Err(self.unexpected("colon"));
            }
            self.at += 1;
            let value = self.value(depth)?;
            table.raw_set(self.lua.create_string(&key)?, value)?;
            self.skip_whitespace();
            match self.text.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(LuaValue::Table(table));
                }
                _ => return Err(self.unexpected("comma or object end")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> mlua::Result<LuaValue> {
        self.nested(depth)?;
        self.at += 1;
        let table = self.lua.create_table()?;
        self.skip_whitespace();
        if self.text.get(self.at) == Some(&b']') {
            self.at += 1;
            return Ok(LuaValue::Table(table));
        }
        for i in 1.. {
            let value = self.value(depth)?;
            table.raw_set(i, value)?;
            self.skip_whitespace();
            match self.text.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    break;
                }
                _ => return Err(self.unexpected("comma or array end")),
            }
        }
        Ok(LuaValue::Table(table))
    }

    /// A number as lua-cjson reads it: with strtod, through Lua's own conversion (which is
    /// strtod), so hexadecimal, `inf` and `nan` read as in Redis.
    fn number(&mut self) -> mlua::Result<LuaValue> {
        let length = strtod_length(&self.text[self.at..]);
        let number = match length {
            0 => None,
            _ => self.lua.coerce_number(LuaValue::String(
                self.lua
                    .create_string(&self.text[self.at..self.at + length])?,
            ))?,
        };
        match number {
            Some(n) => {
                self.at += length;
                Ok(LuaValue::Number(n))
            }
            None => Err(self.unexpected("value")),
        }
    }

    fn string(&mut self) -> mlua::Result<Vec<u8>> {
        let start = self.at;
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.text.get(self.at) else {
                self.at = start;
                return Err(self.invalid_string());
            };
            self.at += 1;
            match c {
                b'"' => return Ok(out),
                b'\\' => {
                    let Some(&escape) = self.text.get(self.at) else {
                        self.at = start;
                        return Err(self.invalid_string());
                    };
                    self.at += 1;
                    match escape {
                        b'"' | b'\\' | b'/' => out.push(escape),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let Some(ch) = self.unicode_escape() else {
                                self.at = start;
                                return Err(self.invalid_string());
                            };
                            let mut buf = [0; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => {
                            self.at = start;
                            return Err(self.invalid_string());
                        }
                    }
                }
                _ => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        let n = u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()?;
        self.at += 4;
        Some(n)
    }

    fn unicode_escape(&mut self) -> Option<char> {
        let high = self.hex4()?;
        if (0xD800..0xDC00).contains(&high) {
            if !self.literal_at(b"\\u") {
                return None;
            }
            self.at += 2;
            let low = self.hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                return None;
            }
            return char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00));
        }
        char::from_u32(high)
    }

    fn invalid_string(&self) -> mlua::Error {
        library_error(
            self.lua,
            &format!(
                "Expected value but found invalid string at character {}",
                self.at + 1
            ),
        )
    }
}

/// How many bytes of `text` C's strtod reads as a number (0: none): an optional sign, then
/// `inf`/`infinity` or `nan`/`nan(chars)` in any case, a hexadecimal number (`0x1f`, `0x1.8p3`)
/// or a decimal one (`12`, `.5`, `1e-3`); an exponent counts only with its digits.
fn strtod_length(text: &[u8]) -> usize {
    let digits = |from: usize, hex: bool| {
        text[from..]
            .iter()
            .take_while(|c| {
                if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                }
            })
            .count()
    };
    let word = |from: usize, word: &[u8]| {
        text.get(from..from + word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
    };
    let mut at = usize::from(matches!(text.first(), Some(b'+' | b'-')));
    if word(at, b"infinity") {
        return at + 8;
    }
    if word(at, b"inf") {
        return at + 3;
    }
    if word(at, b"nan") {
        at += 3;
        if text.get(at) == Some(&b'(') {
            let inside = text[at + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
            if text.get(at + 1 + inside) == Some(&b')') {
                at += inside + 2;
            }
        }
        return at;
    }
    let hex = text.get(at) == Some(&b'0') && matches!(text.get(at + 1), Some(b'x' | b'X')) && {
        let after = at + 2;
        digits(after, true) > 0 || (text.get(after) == Some(&b'.') && digits(after + 1, true) > 0)
    };
    if hex {
        at += 2;
    }
    let whole = digits(at, hex);
    at += whole;
    let mut fraction = 0;
    if text.get(at) == Some(&b'.') {
        fraction = digits(at + 1, hex);
        if whole + fraction > 0 {
            at += 1 + fraction;
        }
    }
    if whole + fraction == 0 {
        return 0;
    }
    let exponent = if hex { [b'p', b'P'] } else { [b'e', b'E'] };
    if text.get(at).is_some_and(|c| exponent.contains(c)) {
        let sign = usize::from(matches!(text.get(at + 1), Some(b'+' | b'-')));
        let exponent_digits = digits(at + 1 + sign, false);
        if exponent_digits > 0 {
            at += 1 + sign + exponent_digits;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::strtod_length;

    #[test]
    fn strtod_length_reads_what_c_reads() {
        for (text, length) in [
            ("12,", 2),
            ("-1.5e3]", 6),
            ("1e", 1),
            ("1e+", 1),
            (".5", 2),
            ("5.", 2),
            (".", 0),
            ("-", 0),
            ("+7", 2),
            ("0x1F ", 4),
            ("0x", 1),
            ("0x.8p1", 6),
            ("0x1p", 3),
            ("Infinity", 8),
            ("-inf]", 4),
            ("infinit", 3),
            ("NaN", 3),
            ("nan(abc_1)x", 10),
            ("nan(abc", 3),
            ("x", 0),
        ] {
            assert_eq!(strtod_length(text.as_bytes()), length, "{text}");
        }
    }
}
