//! Lua scripting compared byte for byte with real Redis 7.0.15, RESP2 and RESP3: results and
//! their conversions, error texts with the script's name and line, the sandbox, the
//! libraries (cjson, bit) and the errors pcall and xpcall catch from them, SCRIPT
//! LOAD/EXISTS/FLUSH, read-only scripts, BUSY and SCRIPT KILL,
//! and the rate-limiting and locking scripts the course teaches, concurrency included.

mod support;

use std::time::Duration;
use support::differential::{
    ClientPair, Differential, RawConn, args_of, body, check_script, command_calls,
};

#[tokio::test]
async fn results_and_conversions() {
    check_script(
        r#"EVAL "return 1" 0
         EVAL "return 3.99" 0
         EVAL "return -2.5" 0
         EVAL "return 'text'" 0
         EVAL "return true" 0
         EVAL "return false" 0
         EVAL "return nil" 0
         EVAL "return {1, 2, 3.5, 'a', false, true, nil, 5}" 0
         EVAL "return {1, {2, {3, 'deep'}}}" 0
         EVAL "return {}" 0
         EVAL "return {ok='FINE'}" 0
         EVAL "return {err='MYERR custom'}" 0
         EVAL "return {err='bare'}" 0
         EVAL "return redis.status_reply('DONE')" 0
         EVAL "return redis.error_reply('CODE message')" 0
         EVAL "return redis.error_reply('nospace')" 0
         EVAL "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}" 2 k1 k2 a1 a2
         EVAL "return redis.call('set', KEYS[1], ARGV[1])" 1 key value
         EVAL "return redis.call('get', KEYS[1])" 1 key
         EVAL "return redis.call('get', 'missing')" 0
         EVAL "return redis.call('get', 'missing') == false" 0
         EVAL "return redis.call('incrby', 'n', 5)" 0
         EVAL "return redis.call('set', 'f', 1.5)" 0
         EVAL "return redis.call('get', 'f')" 0
         EVAL "return redis.call('set', 'big', 123456789012)" 0
         EVAL "return redis.call('get', 'big')" 0
         EVAL "redis.call('rpush', 'l', 'a', 'b') return redis.call('lrange', 'l', 0, -1)" 0
         EVAL "redis.call('hset', 'h', 'f', 'v') return redis.call('hgetall', 'h')" 0
         EVAL "return redis.call('ping')" 0
         EVAL "return redis.call('ping')['ok']" 0
         EVAL "return redis.pcall('incr', 'key')" 0
         EVAL "return redis.pcall('incr', 'key')['err']" 0
         EVAL "return type(redis.pcall('nosuch'))" 0
         EVAL "return redis.sha1hex('')" 0
         EVAL "return redis.sha1hex('hello')" 0
         EVAL "return redis.REDIS_VERSION" 0
         EVAL "return redis.REDIS_VERSION_NUM" 0
         EVAL "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}" 0
         EVAL "redis.log(redis.LOG_WARNING, 'logged') return 1" 0
         EVAL "return tonumber('10') + 1" 0
         EVAL "return string.format('%d-%s', 7, 'x')" 0
         EVAL "return math.floor(7.9)" 0
         EVAL "return table.concat({'a', 'b'}, ',')" 0"#,
    )
    .await;
}

#[tokio::test]
async fn resp3_conversions_after_setresp() {
    check_script(
        r#"HSET h f v
         SADD s m
         ZADD z 1.5 a
         EVAL "redis.setresp(3) return redis.call('hgetall', 'h')" 0
         EVAL "redis.setresp(3) return redis.call('hgetall', 'h')['map']['f']" 0
         EVAL "redis.setresp(3) return redis.call('smembers', 's')" 0
         EVAL "redis.setresp(3) return redis.call('zscore', 'z', 'a')" 0
         EVAL "redis.setresp(3) return redis.call('zscore', 'z', 'a')['double']" 0
         EVAL "redis.setresp(3) return redis.call('get', 'missing') == nil" 0
         EVAL "redis.setresp(2) return redis.call('hgetall', 'h')" 0
         EVAL "return redis.call('zscore', 'z', 'a')" 0
         EVAL "return {double=3.25}" 0
         EVAL "return {map={a=1}}" 0
         EVAL "return {set={x=true}}" 0
         EVAL "return redis.setresp(4)" 0
         EVAL "return redis.setresp()" 0"#,
    )
    .await;
}

#[tokio::test]
async fn error_texts_name_the_script_and_line() {
    check_script(
        r#"SET str text
         EVAL "return redis.call('nosuch')" 0
         EVAL "return redis.call('get')" 0
         EVAL "return redis.call('set', 'a', 'b', 'c')" 0
         EVAL "return redis.call('incr', 'str')" 0
         EVAL "return redis.call('lpush', 'str', 'x')" 0
         EVAL "return redis.call()" 0
         EVAL "return redis.call('set', 'k', {})" 0
         EVAL "error('boom')" 0
         EVAL "error({err='MY custom'})" 0
         EVAL "local x = 1\nlocal y = 2\nerror('on line three')" 0
         EVAL "local x = 1\n\nreturn redis.call('nosuch')" 0
         EVAL "return 1 +" 0
         EVAL "return )" 0
         EVAL "local t = nil return t.field" 0
         EVAL "return #nil" 0
         EVAL "return 1" x
         EVAL "return 1" 2 onlyone
         EVAL "return 1" -1
         EVALSHA 0000000000000000000000000000000000000000 0
         EVAL
         EVAL "return 1"
         EVAL_RO "return redis.call('set', 'a', 'b')" 0
         EVAL_RO "return redis.call('get', 'str')" 0"#,
    )
    .await;
}

#[tokio::test]
async fn the_sandbox() {
    check_script(
        r#"EVAL "x = 1" 0
         EVAL "return undefined_name" 0
         EVAL "return os" 0
         EVAL "return io" 0
         EVAL "return loadfile" 0
         EVAL "return dofile" 0
         EVAL "return require" 0
         EVAL "redis = nil" 0
         EVAL "local ok, err = pcall(function() y = 2 end) return tostring(ok)" 0
         EVAL "return redis.call('eval', 'return 1', 0)" 0
         EVAL "return redis.call('multi')" 0
         EVAL "return redis.call('script', 'load', 'return 1')" 0
         EVAL "return type(string)" 0
         EVAL "return type(cjson)" 0
         EVAL "return type(bit)" 0
         PING"#,
    )
    .await;
}

/// cmsgpack's bytes and values, as lua-cmsgpack 0.4.0 in Redis makes them (hex-encoded so
/// the comparison shows every byte).
#[tokio::test]
async fn cmsgpack_pack_and_unpack() {
    let hex = "local function hex(s) return (string.gsub(s, '.', function(c) return string.format('%02x', string.byte(c)) end)) end";
    let mut script = String::new();
    for packed in [
        "1, -1, 0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649",
        "1.5, -0.25, 3.14159, 1e300, -1e-300, 1/0, -1/0, 2^63, -2^63, 2^53 + 1",
        "'', 'abc', string.rep('x', 31), string.rep('y', 32), string.rep('z', 255), string.rep('w', 256), string.rep('v', 70000)",
        "true, false, nil, {}",
        "{1, 2, 3}, {a = 1}, {1, nil, 3}, {[1] = 'a', [2] = 'b', [4] = 'd'}, {[0] = 1}, {[1.5] = 1}, {x = {y = {z = {}}}}",
        "{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}",
        "redis.call, {[true] = 1}",
    ] {
        script.push_str(&format!(
            "EVAL \"{hex} return hex(cmsgpack.pack({packed}))\" 0\n"
        ));
    }
    // Nesting past 16 levels packs nil; a table that contains itself stops there.
    script.push_str(&format!(
        "EVAL \"{hex} local t = {{}} t[1] = t return hex(cmsgpack.pack(t))\" 0\n"
    ));
    script.push_str(&format!(
        "EVAL \"{hex} local t = {{}} for i = 1, 20 do t = {{t}} end return hex(cmsgpack.pack(t))\" 0\n"
    ));
    for unpacked in [
        "cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}, {five = 5}))",
        "cmsgpack.unpack(cmsgpack.pack(-1.5, 2^40, -2^40))",
        "cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))",
        "cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)",
        "cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)",
        "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)",
        "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 1)",
        "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0, 0)",
        "cmsgpack.unpack('')",
        "cmsgpack.unpack('\\\\207\\\\255\\\\255\\\\255\\\\255\\\\255\\\\255\\\\255\\\\255')",
        "cmsgpack.unpack('\\\\202\\\\63\\\\192\\\\0\\\\0')",
        "cmsgpack.unpack(12)",
        "cmsgpack.unpack('\\\\145')",
        "cmsgpack.unpack('\\\\193')",
        "cmsgpack.unpack_one('abc', -1)",
        "cmsgpack.unpack_one('abc', 10)",
        "cmsgpack.unpack()",
        "cmsgpack.pack()",
        "cmsgpack.unpack_limit('a')",
    ] {
        script.push_str(&format!("EVAL \"return {{{unpacked}}}\" 0\n"));
    }
    script.push_str("EVAL \"return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}\" 0\n");
    check_script(&script).await;
}

/// struct's pack, unpack and size with byte orders, alignment and every option, and its
/// errors.
#[tokio::test]
async fn struct_pack_unpack_and_size() {
    let hex = "local function hex(s) return (string.gsub(s, '.', function(c) return string.format('%02x', string.byte(c)) end)) end";
    let mut script = String::new();
    for packed in [
        "'>I2', 258",
        "'<I2', 258",
        "'bBhHlLiIT', -1, 255, -2, 65535, -3, 4, -5, 6, 7",
        "'>i3', -2",
        "'<i16', -1",
        "'I1', 300",
        "'fd', 1.5, -2.25",
        "'>fd', 1.5, -2.25",
        "'!4 b i', 1, 2",
        "'! b d', 1, 2",
        "'!2 b h x b', 1, 2, 3",
        "'c3', 'abcdef'",
        "'c0', 'whole'",
        "'s', 'zero'",
        "'> < b', 1",
        "'i', '42'",
    ] {
        script.push_str(&format!(
            "EVAL \"{hex} return hex(struct.pack({packed}))\" 0\n"
        ));
    }
    for unpacked in [
        "struct.unpack('>I2', struct.pack('>I2', 258))",
        "struct.unpack('bBhHlLiI', struct.pack('bBhHlLiI', -1, 255, -2, 65535, -3, 4, -5, 6))",
        "struct.unpack('<i3', struct.pack('<i3', -2))",
        "struct.unpack('fd', struct.pack('fd', 1.5, -2.25))",
        "struct.unpack('!4 b i', struct.pack('!4 b i', 1, 2))",
        "struct.unpack('s c2', 'ab\\\\0cd')",
        "struct.unpack('b c0', struct.pack('b c0', 3, 'xyz'))",
        "struct.unpack('b', 'abc', 2)",
        "struct.unpack('x b', 'abc')",
        "struct.unpack('i', 'ab')",
        "struct.unpack('s', 'ab')",
        "struct.unpack('c0', 'ab')",
        "struct.unpack('b', 'ab', 0)",
        "struct.size('bhi')",
        "struct.size('!8 b d')",
        "struct.size('c10 x')",
        "struct.size('s')",
        "struct.size('c0')",
        "struct.pack('q', 1)",
        "struct.pack('i64', 1)",
        "struct.pack('i99999999999999999999', 1)",
        "struct.pack('!3 b', 1)",
        "struct.pack('c5', 'ab')",
        "struct.pack('i')",
        "struct.pack('i', {})",
        "struct.pack()",
        "struct.unpack('i')",
    ] {
        script.push_str(&format!("EVAL \"return {{{unpacked}}}\" 0\n"));
    }
    check_script(&script).await;
}

/// Library tables and globals are read-only, as in Redis 7.0; what a script tries to change
/// stays as it was for the scripts after it.
#[tokio::test]
async fn read_only_libraries_and_globals() {
    check_script(
        r#"EVAL "cjson.encode = nil" 0
         EVAL "return cjson.encode({1})" 0
         EVAL "string.foo = 1" 0
         EVAL "table.insert = 1" 0
         EVAL "redis.call = nil" 0
         EVAL "bit.band = 1" 0
         EVAL "math.x = 1" 0
         EVAL "coroutine.x = 1" 0
         EVAL "_G.x = 1" 0
         EVAL "KEYS = 1" 1 k
         EVAL "KEYS[1] = 'x' return KEYS[1]" 1 k
         EVAL "setmetatable(_G, nil)" 0
         EVAL "return rawset(_G, 'a', 1)" 0
         EVAL "return rawset(string, 'a', 1)" 0
         EVAL "return rawset(1, 2, 3)" 0
         EVAL "return setmetatable(1)" 0
         EVAL "local t = setmetatable({}, {__metatable = 1}) return setmetatable(t, {})" 0
         EVAL "local t = {} rawset(t, 'a', 1) setmetatable(t, {}) return rawget(t, 'a')" 0
         EVAL "return rawget(string, 'upper') == string.upper" 0
         EVAL "return getmetatable('x').__index == string" 0
         EVAL "return tostring(getmetatable(cjson))" 0
         EVAL "return ('abc'):upper()" 0
         EVAL "local n = 0 for k in pairs(string) do n = n + 1 end return n" 0
         EVAL "return next(cjson) ~= nil" 0
         EVAL "return pairs(1)" 0
         EVAL "return type(getfenv)" 0
         EVAL "return type(print)" 0
         EVAL "local names = {} for k in pairs(_G) do table.insert(names, k) end table.sort(names) return names" 0
         EVAL "local names = {} for k in pairs(cmsgpack) do table.insert(names, k) end table.sort(names) return names" 0
         EVAL "local names = {} for k in pairs(struct) do table.insert(names, k) end table.sort(names) return names" 0
         EVAL "cmsgpack.pack = nil" 0
         EVAL "struct.size = nil" 0
         EVAL "return table.insert" 0"#,
    )
    .await;
}

#[tokio::test]
async fn cjson_and_bit() {
    check_script(
        r#"EVAL "return cjson.encode({a='/x', b=1.123456789012345, c={1, 2}})" 0
         EVAL "return cjson.encode({1, 2, 'three', true, false})" 0
         EVAL "return cjson.encode({})" 0
         EVAL "return cjson.encode('quote\" back\\ slash/ tab\t nl\n')" 0
         EVAL "return cjson.encode(1e100)" 0
         EVAL "return cjson.encode(0.1)" 0
         EVAL "return cjson.encode(-3)" 0
         EVAL "return cjson.encode(12345678901234567)" 0
         EVAL "return cjson.encode({[1]=1, [5]=2})" 0
         EVAL "return cjson.encode({[1]=1, [20]=2})" 0
         EVAL "return cjson.encode(cjson.null)" 0
         EVAL "return cjson.encode({nested={deeper={list={1}}}})" 0
         EVAL "return cjson.encode(function() end)" 0
         EVAL "return cjson.encode(1/0)" 0
         EVAL "local t = cjson.decode('{\"a\":[1,2,{\"b\":null}],\"c\":\"\\u00e9\"}') return {t.a[1], t.a[2], tostring(t.a[3].b == cjson.null), t.c}" 0
         EVAL "return cjson.decode('[1.5, -2e3, true, false]')" 0
         EVAL "return cjson.decode('\"x\"')" 0
         EVAL "return cjson.decode('{bad')" 0
         EVAL "return cjson.decode('[1,')" 0
         EVAL "return cjson.decode('[1] x')" 0
         EVAL "return cjson.decode('')" 0
         EVAL "return {cjson.decode('0x10'), cjson.decode('[0x1F, -0x2, +7, 010, 1e2, .5e1]')}" 0
         EVAL "return {tostring(cjson.decode('inf')), tostring(cjson.decode('-Infinity')), tostring(cjson.decode('[NaN]')[1]), tostring(cjson.decode('nan(abc)'))}" 0
         EVAL "return cjson.decode('[Infinity]')" 0
         EVAL "return {1e300, -1e300, 0/0, 1/0, -1/0, 9223372036854775807, -9223372036854775808, 3.99, -3.99}" 0
         EVAL "return cjson.decode('0x.8p1')" 0
         EVAL "return cjson.decode('1e')" 0
         EVAL "return cjson.decode('-x')" 0
         EVAL "return cjson.decode('[1 +2]')" 0
         EVAL "return cjson.decode('[1 -]')" 0
         EVAL "return cjson.decode('[1 inf]')" 0
         EVAL "return cjson.decode('[1 2]')" 0
         EVAL "return cjson.decode('[1 {]')" 0
         EVAL "return cjson.decode('[1 }')" 0
         EVAL "return cjson.decode('[1 [')" 0
         EVAL "return cjson.decode('{\"a\" ]')" 0
         EVAL "return cjson.decode('[1 \"a\"]')" 0
         EVAL "return cjson.decode('[1 true]')" 0
         EVAL "return cjson.decode('[1 null]')" 0
         EVAL "return cjson.decode('[1 :]')" 0
         EVAL "return cjson.decode('{1:2}')" 0
         EVAL "return cjson.decode('{\"a\":1 \"b\"}')" 0
         EVAL "return cjson.decode('{\"a\",}')" 0
         EVAL "return cjson.decode(',')" 0
         EVAL "return cjson.decode('+')" 0
         EVAL "return cjson.decode('infinit')" 0
         EVAL "return cjson.decode('{\"a\": nan}').a ~= nil" 0
         EVAL "return {bit.band(7, 3), bit.bor(4, 1), bit.bxor(5, 1), bit.bnot(0)}" 0
         EVAL "return {bit.lshift(1, 4), bit.rshift(-1, 28), bit.arshift(-16, 2), bit.tobit(4294967297)}" 0
         EVAL "return {bit.tohex(255), bit.tohex(255, 2), bit.tohex(255, -4), bit.rol(1, 33), bit.ror(1, 1), bit.bswap(1)}" 0
         EVAL "return {bit.band('0x10', 255), bit.bor(' 12 ', 1), bit.tobit('1e3'), bit.tobit('0X7fffffff'), bit.band('  0x1F  ', 7)}" 0
         EVAL "return bit.band('0x', 1)" 0
         EVAL "return bit.band('12abc', 1)" 0
         EVAL "return bit.tobit('inf')" 0
         EVAL "return bit.tobit('nan')" 0"#,
    )
    .await;
}

/// The error values scripts catch: `pcall` and `xpcall` of the libraries' functions give
/// the message as a string (with the script's position only when a script line called
/// the function), `pcall` turns error tables into their `err` string (luaRedisPcall, even
/// called without arguments), and the libraries' argument errors name the function as its
/// caller did (`?` from pcall). Nesting a thousand levels deep is refused as Redis refuses
/// it, without running out of stack.
#[tokio::test]
async fn errors_caught_by_pcall_and_xpcall() {
    check_script(
        r#"EVAL "local ok, e = pcall(cjson.decode, '{bad') return {tostring(ok), type(e), e}" 0
         EVAL "local ok, e = pcall(cjson.encode) return {tostring(ok), type(e), e}" 0
         EVAL "local t = {} return {pcall(cjson.encode, function() end)}" 0
         EVAL "return {pcall(cjson.decode, 5)}" 0
         EVAL "return {pcall(cjson.decode, {})}" 0
         EVAL "local ok, e = pcall(cmsgpack.unpack) return {tostring(ok), type(e), e}" 0
         EVAL "return {pcall(cmsgpack.pack)}" 0
         EVAL "local ok, e = pcall(struct.unpack, 'i', 'x') return {tostring(ok), type(e), e}" 0
         EVAL "local ok, e = pcall(struct.pack, 'z') return {tostring(ok), type(e), e}" 0
         EVAL "return {pcall(struct.unpack, 'i')}" 0
         EVAL "local ok, e = pcall(bit.tohex) return {tostring(ok), type(e), e}" 0
         EVAL "local ok, e = pcall(bit.band, 'x') return {tostring(ok), type(e), e}" 0
         EVAL "return {pcall(bit.tobit, {})}" 0
         EVAL "local ok, e = pcall(function() return cjson.decode('{bad') end) return {tostring(ok), type(e), e}" 0
         EVAL "local ok, e = xpcall(function() return cjson.decode('{bad') end, function(m) return type(m) .. ':' .. m end) return {tostring(ok), e}" 0
         EVAL "return {xpcall(cjson.decode, function(m) return type(m) end)}" 0
         EVAL "return {xpcall(function() return bit.band({}) end, function(m) return m end)}" 0
         EVAL "return {xpcall(function() error('x') end, function(m) error('y') end)}" 0
         EVAL "local ok, e = pcall(cjson.decode, '{bad') error(e)" 0
         EVAL "local ok, e = pcall(cjson.decode, '{bad') return redis.error_reply(e)" 0
         EVAL "return {pcall(function() local ok, e = pcall(bit.tohex) error(e) end)}" 0
         EVAL "local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), type(e), e}" 0
         EVAL "return {pcall(function() return redis.call('nosuch') end)}" 0
         EVAL "return {xpcall(function() return redis.call('nosuch') end, function(m) return m.err end)}" 0
         EVAL "return {pcall(function() error({err='x'}) end)}" 0
         EVAL "return {pcall(function() error({err=5}) end)}" 0
         EVAL "return {pcall(function() error({}) end)}" 0
         EVAL "local ok, e = pcall(error, 'msg', 2) return {tostring(ok), type(e), e}" 0
         EVAL "local ok, e = pcall(error, {1}) return {tostring(ok), type(e)}" 0
         EVAL "return {pcall(error)}" 0
         EVAL "return {pcall()}" 0
         EVAL "local ok, e = pcall(pcall) return {tostring(ok), type(e), e}" 0
         EVAL "return {pcall(pcall, cjson.decode, '{')}" 0
         EVAL "local ok, a, b = pcall(function(...) return ... end, 1, 2) return {tostring(ok), a, b}" 0
         EVAL "return {pcall(cjson.decode, '[1,2]')}" 0
         EVAL "return {xpcall(cjson.decode)}" 0
         EVAL "local ok, e = pcall(redis.sha1hex) return {tostring(ok), type(e), e}" 0
         EVAL "local ok, e = pcall(redis.setresp, 5) return {tostring(ok), type(e), e}" 0
         EVAL "local ok, e = pcall(redis.setresp) return {tostring(ok), type(e), e}" 0
         EVAL "local ok, e = pcall(redis.log) return {tostring(ok), type(e), e}" 0
         EVAL "local ok, e = pcall(redis.log, 99, 'x') return {tostring(ok), type(e), e}" 0
         EVAL "local ok, e = pcall(redis.log, 'x', 'x') return {tostring(ok), type(e), e}" 0
         EVAL "return {xpcall(function() return redis.sha1hex() end, function(m) return type(m) end)}" 0
         EVAL "return redis.sha1hex()" 0
         EVAL "return redis.setresp(7)" 0
         EVAL "return redis.log()" 0
         EVAL "return cjson.encode()" 0
         EVAL "return cjson.decode()" 0
         EVAL "return cjson.decode('a', 'b')" 0
         EVAL "return cjson.decode({})" 0
         EVAL "return cjson.decode(12.5)" 0
         EVAL "return bit.band('x')" 0
         EVAL "local f = bit.band return f(1, {})" 0
         EVAL "return bit.tohex()" 0
         EVAL "return bit.bnot(true)" 0
         EVAL "return bit.lshift(1, 'z')" 0
         EVAL "local t = {} t[1] = t return {pcall(cjson.encode, t)}" 0
         EVAL "local t = {} t[1] = t return cjson.encode(t)" 0
         EVAL "return {pcall(cjson.decode, string.rep('[', 1001))}" 0
         EVAL "return #cjson.encode(cjson.decode(string.rep('{\"a\":', 999) .. '1' .. string.rep('}', 999)))" 0"#,
    )
    .await;
}

#[tokio::test]
async fn script_cache_commands() {
    check_script(
        r#"SCRIPT LOAD "return 'loaded'"
         SCRIPT EXISTS 2bdeec4d6bb9be4836a28e1c54b7a7ab9dc0fda6 0000000000000000000000000000000000000000
         EVALSHA 2bdeec4d6bb9be4836a28e1c54b7a7ab9dc0fda6 0
         EVALSHA 2BDEEC4D6BB9BE4836A28E1C54B7A7AB9DC0FDA6 0
         EVALSHA_RO 2bdeec4d6bb9be4836a28e1c54b7a7ab9dc0fda6 0
         SCRIPT LOAD "return +"
         EVAL "return 'cached by eval'" 0
         SCRIPT EXISTS 9ba3a3d5f9d1b2cc3b6a21e3e0c6e10b1e1e5cc9
         SCRIPT FLUSH
         SCRIPT EXISTS 2bdeec4d6bb9be4836a28e1c54b7a7ab9dc0fda6
         EVALSHA 2bdeec4d6bb9be4836a28e1c54b7a7ab9dc0fda6 0
         SCRIPT FLUSH ASYNC
         SCRIPT FLUSH SYNC
         SCRIPT FLUSH BAD
         SCRIPT KILL
         SCRIPT NOSUCH"#,
    )
    .await;
}

/// Polls with PING until the server answers BUSY (the script passed its time limit).
async fn ping_until_busy(conn: &mut RawConn) -> Vec<u8> {
    for _ in 0..500 {
        let reply = conn.request(&args_of("PING")).await;
        if reply.starts_with(b"-BUSY") {
            return reply;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never busy");
}

/// An endless script: other clients get BUSY past the time limit, SCRIPT KILL stops it, and
/// the server keeps serving. A script that wrote cannot be killed.
#[tokio::test]
async fn busy_and_script_kill() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    d.same("CONFIG SET busy-reply-threshold 100").await;
    let mut other = ClientPair::connect(&d).await;
    d.send(r#"EVAL "while true do end" 0"#).await;
    let real = ping_until_busy(&mut other.real).await;
    let engine = ping_until_busy(&mut other.engine).await;
    assert_eq!(
        String::from_utf8_lossy(&engine),
        String::from_utf8_lossy(&real)
    );
    other.same("GET anything").await;
    // What the command table flags allow-busy runs; the rest is refused, unknown commands
    // and wrong arities first.
    for line in [
        "NOSUCHCOMMAND x",
        "GET",
        "WATCH x",
        "UNWATCH",
        "MULTI",
        "SET a 1",
        "MULTI",
        "DISCARD",
        "MULTI",
        "PING",
        "EXEC",
        "EVAL \"return 1\" 0",
        "SCRIPT FLUSH",
        "CLIENT SETNAME busy",
        "AUTH nopass",
    ] {
        other.same(line).await;
    }
    other.same("SCRIPT KILL").await;
    d.same_pending("the killed script").await;
    other.same("PING").await;
    d.same("PING").await;

    // A script that wrote runs to its end (about 1.5 s here) despite SCRIPT KILL.
    d.send(
        r#"EVAL "redis.call('set', 'w', '1') local t0 = redis.call('time') while true do local t = redis.call('time') if (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 1500000 then break end end return 'done'" 0"#,
    )
    .await;
    ping_until_busy(&mut other.real).await;
    ping_until_busy(&mut other.engine).await;
    other.same("SCRIPT KILL").await;
    d.same_pending("the unkillable script's own end").await;
    other.same("GET w").await;
}

/// The lock, rate-limit and stock scripts of the course give the same answers on both.
#[tokio::test]
async fn course_scripts() {
    let release = r#"if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"#;
    let fixed_window = r#"local n = redis.call('incr', KEYS[1]) if n == 1 then redis.call('expire', KEYS[1], ARGV[1]) end if n > tonumber(ARGV[2]) then return 0 end return 1"#;
    let sliding_log = r#"local now = tonumber(ARGV[1]) redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[2])) if redis.call('zcard', KEYS[1]) < tonumber(ARGV[3]) then redis.call('zadd', KEYS[1], now, ARGV[4]) redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end return 0"#;
    let token_bucket = r#"local rate = tonumber(ARGV[1]) local capacity = tonumber(ARGV[2]) local now = tonumber(ARGV[3]) local b = redis.call('hmget', KEYS[1], 'tokens', 'ts') local tokens = tonumber(b[1]) or capacity local ts = tonumber(b[2]) or now tokens = math.min(capacity, tokens + (now - ts) * rate) local allowed = 0 if tokens >= 1 then tokens = tokens - 1 allowed = 1 end redis.call('hset', KEYS[1], 'tokens', tokens, 'ts', now) return {allowed, tostring(tokens)}"#;
    let decrement = r#"local stock = tonumber(redis.call('get', KEYS[1]) or '0') if stock <= 0 then return -1 end return redis.call('decr', KEYS[1])"#;
    let mut script = String::new();
    script.push_str("SET lock token-1 PX 10000\n");
    script.push_str(&format!("EVAL \"{release}\" 1 lock token-2\n"));
    script.push_str("EXISTS lock\n");
    script.push_str(&format!("EVAL \"{release}\" 1 lock token-1\n"));
    script.push_str("EXISTS lock\n");
    for _ in 0..4 {
        script.push_str(&format!("EVAL \"{fixed_window}\" 1 rl:user 60 3\n"));
    }
    script.push_str("TTL rl:user\n");
    for (i, now) in [1000, 1100, 1200, 1300, 2500].iter().enumerate() {
        script.push_str(&format!(
            "EVAL \"{sliding_log}\" 1 log:user {now} 1000 3 req-{i}\n"
        ));
    }
    script.push_str("ZRANGE log:user 0 -1 WITHSCORES\n");
    for now in [100, 100, 100, 101, 105] {
        script.push_str(&format!("EVAL \"{token_bucket}\" 1 bucket 0.5 2 {now}\n"));
    }
    script.push_str("SET stock 2\n");
    for _ in 0..3 {
        script.push_str(&format!("EVAL \"{decrement}\" 1 stock\n"));
    }
    check_script(&script).await;
}

/// A flash sale: 50 clients race to buy 20 items with a decrement script; exactly 20 win
/// on both servers and the stock ends at zero.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flash_sale_with_fifty_concurrent_clients() {
    let Some(d) = Differential::start().await else {
        return;
    };
    let decrement = r#"local stock = tonumber(redis.call('get', KEYS[1]) or '0') if stock <= 0 then return -1 end return redis.call('decr', KEYS[1])"#;
    for addr in [d.real.addr(), d.engine.addr()] {
        let mut setup = RawConn::connect(addr).await;
        setup.request(&args_of("SET stock 20")).await;
        let buyers: Vec<_> = (0..50)
            .map(|_| {
                let args = vec![
                    b"EVAL".to_vec(),
                    decrement.as_bytes().to_vec(),
                    b"1".to_vec(),
                    b"stock".to_vec(),
                ];
                tokio::spawn(async move {
                    let mut conn = RawConn::connect(addr).await;
                    conn.request(&args).await
                })
            })
            .collect();
        let mut won = 0;
        for buyer in buyers {
            if !buyer.await.unwrap().starts_with(b":-1") {
                won += 1;
            }
        }
        assert_eq!(won, 20, "winners on {addr}");
        assert_eq!(setup.request(&args_of("GET stock")).await, b"$1\r\n0\r\n");
    }
}

/// INFO errorstats and commandstats count scripts, their commands and transactions as Redis
/// does.
#[tokio::test]
async fn stats_count_scripts_and_transactions() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    for line in [
        "CONFIG RESETSTAT",
        "SET str text",
        r#"EVAL "return redis.call('incr', 'str')" 0"#,
        r#"EVAL "return redis.pcall('incr', 'str')" 0"#,
        r#"EVAL "return redis.call('nosuch')" 0"#,
        r#"EVAL "error('boom')" 0"#,
        r#"EVAL "return {err='CUSTOM failure'}" 0"#,
        r#"EVAL "return 1 +" 0"#,
        "EVALSHA 0000000000000000000000000000000000000000 0",
        "MULTI",
        "INCR str",
        "SET ok 1",
        "EXEC",
        "MULTI",
        "NOSUCH",
        "EXEC",
    ] {
        d.same(line).await;
    }
    let (real, engine) = d.both("INFO errorstats").await;
    assert_eq!(body(&engine), body(&real), "INFO errorstats");
    let (real, engine) = d.both("INFO commandstats").await;
    assert_eq!(
        command_calls(&engine),
        command_calls(&real),
        "INFO commandstats"
    );
}
