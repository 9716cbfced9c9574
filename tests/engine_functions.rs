//! Redis 7.0 functions compared byte for byte with real Redis 7.0.15, RESP2 and RESP3:
//! FUNCTION LOAD with its metadata and registration errors, FCALL and FCALL_RO with flags,
//! error texts naming the function and line, FUNCTION LIST/DELETE/FLUSH/STATS, and a busy
//! function stopped by FUNCTION KILL (which SCRIPT KILL may not stop).

mod support;

use std::time::Duration;
use support::differential::{ClientPair, Differential, RawConn, args_of, check_script};

/// Loading a library: what the first line must say, what its code may do while it loads,
/// and every way `redis.register_function` refuses its arguments.
#[tokio::test]
async fn function_load_and_its_errors() {
    check_script(
        r##"FUNCTION LOAD "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return {keys[1], args[1]} end)"
         FUNCTION LOAD "#!lua name=mylib\nredis.register_function('x', function() end)"
         FUNCTION LOAD "#!lua name=other\nredis.register_function('F1', function() end)"
         FUNCTION LOAD "return 1"
         FUNCTION LOAD "#!lua name=nonewline"
         FUNCTION LOAD "#!lua\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!lua name=a foo=b\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!js name=a\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!lua name=a-b\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!lua name=a name=b\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!lua name=\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!LUA  name=upper\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!lua name=b\nlocal x = "
         FUNCTION LOAD "#!lua name=b\nerror('x')"
         FUNCTION LOAD "#!lua name=b\nreturn 1"
         FUNCTION LOAD "#!lua name=b\nredis.call('ping')"
         FUNCTION LOAD "#!lua name=b\nlocal t = string"
         FUNCTION LOAD "#!lua name=b\nx = 1"
         FUNCTION LOAD "#!lua name=b\nredis.x = 1"
         FUNCTION LOAD "#!lua name=b\nredis.log(redis.LOG_WARNING, redis.REDIS_VERSION .. redis.REDIS_VERSION_NUM)"
         FUNCTION LOAD "#!lua name=b\nredis.register_function('a-b', function() end)"
         FUNCTION LOAD "#!lua name=b\nredis.register_function('x', function() end) redis.register_function('x', function() end)"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x', callback=function() end, flags={'bad'}}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x', callback=function() end, flags='no-writes'}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x', callback=function() end, flags={1}}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function('x')"
         FUNCTION LOAD "#!lua name=b\nredis.register_function()"
         FUNCTION LOAD "#!lua name=b\nredis.register_function('x', function() end, 3)"
         FUNCTION LOAD "#!lua name=b\nredis.register_function('x', 1)"
         FUNCTION LOAD "#!lua name=b\nredis.register_function({}, function() end)"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x'}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{callback=function() end}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x', callback=function() end, other=1}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{[1]=2}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{[true]=2}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name={}, callback=function() end}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x', callback=1}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x', callback=function() end, description={}}"
         FUNCTION LOAD "#!lua name=num\nredis.register_function(1, function() return 'one' end)"
         FUNCTION LOAD "#!lua name=b\nwhile true do end"
         FUNCTION LOAD BAD "#!lua name=b\nredis.register_function('x', function() end)"
         FUNCTION LOAD REPLACE
         FUNCTION LOAD REPLACE REPLACE "#!lua name=mylib\nredis.register_function('f2', function() return 2 end)"
         FCALL f1 0
         FCALL f2 0
         FCALL 1 0
         FUNCTION STATS"##,
    )
    .await;
}

/// FCALL and FCALL_RO: keys and arguments as parameters, names in any case, flags, and
/// errors naming the function and its line.
#[tokio::test]
async fn fcall_and_flags() {
    check_script(
        r##"FUNCTION LOAD "#!lua name=mylib\nredis.register_function('echo', function(keys, args) return {keys[1], keys[2], args[1], #keys, #args} end)\nredis.register_function{function_name='ro', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end, flags={'no-writes'}, description='tries to write'}\nredis.register_function{function_name='reader', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}}\nredis.register_function('writer', function(keys, args) return redis.call('set', keys[1], args[1]) end)\nredis.register_function('boom', function() error('bad') end)\nredis.register_function('boom2', function() return redis.call('nosuch') end)\nredis.register_function('keys', function() return KEYS end)\nredis.register_function('table', function() return {1, 'two', {3}} end)\nredis.register_function('pcalled', function() return redis.pcall('incr', 'str') end)"
         SET str abc
         FCALL echo 2 k1 k2 a1
         FCALL ECHO 0
         FCALL echo 0 a b c
         FCALL ro 1 k v
         FCALL_RO ro 1 k v
         FCALL writer 1 k v
         FCALL_RO writer 1 k v
         FCALL reader 1 k
         FCALL_RO reader 1 k
         FCALL boom 0
         FCALL boom2 0
         FCALL keys 0
         FCALL table 0
         FCALL pcalled 0
         FCALL nosuch 0
         FCALL nosuch x
         FCALL echo x
         FCALL echo 5 a
         FCALL echo -1
         MULTI
         FCALL writer 1 k in-multi
         FCALL reader 1 k
         EXEC
         EVAL "return redis.call('fcall', 'echo', 0)" 0"##,
    )
    .await;
}

/// FUNCTION LIST (one function per library: Redis lists a library's functions in hash
/// order), DELETE, FLUSH and STATS.
#[tokio::test]
async fn list_delete_flush_stats_and_help() {
    check_script(
        r##"FUNCTION LIST
         FUNCTION STATS
         FUNCTION LOAD "#!lua name=Lib\nredis.register_function('Fn', function(keys, args) return 1 end)"
         FUNCTION LOAD "#!lua name=lib2\nredis.register_function{function_name='described', callback=function() return 1 end, flags={'allow-oom', 'no-writes'}, description='hello'}"
         FUNCTION LOAD "#!lua name=zlib\nredis.register_function{function_name='z', callback=function() return 1 end}"
         FUNCTION LIST LIBRARYNAME lib
         FUNCTION LIST LIBRARYNAME Lib
         FUNCTION LIST LIBRARYNAME lib2 WITHCODE
         FUNCTION LIST WITHCODE LIBRARYNAME z*
         FUNCTION LIST LIBRARYNAME
         FUNCTION LIST LIBRARYNAME a LIBRARYNAME b
         FUNCTION LIST WITHCODE WITHCODE
         FUNCTION LIST foo
         FUNCTION STATS
         FUNCTION DELETE LIB
         FUNCTION DELETE Lib
         FCALL fn 0
         FUNCTION STATS
         FUNCTION FLUSH BAD
         FUNCTION FLUSH SYNC EXTRA
         FUNCTION FLUSH ASYNC
         FUNCTION LIST
         FUNCTION STATS
         FUNCTION KILL
         FUNCTION HELP
         FUNCTION HELP extra
         FUNCTION FLUSH"##,
    )
    .await;
}

/// Polls with PING until the server answers BUSY (the function passed its time limit).
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

/// A function past the time limit: other clients get the function's BUSY text, SCRIPT KILL
/// may not stop it, FUNCTION KILL does; a busy EVAL script is not FUNCTION KILL's.
#[tokio::test]
async fn busy_function_and_function_kill() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    d.run(
        r##"CONFIG SET busy-reply-threshold 100
         FUNCTION LOAD "#!lua name=slow\nredis.register_function('forever', function() while true do end end)""##,
    )
    .await;
    let mut other = ClientPair::connect(&d).await;
    d.send("FCALL forever 0").await;
    let real = ping_until_busy(&mut other.real).await;
    let engine = ping_until_busy(&mut other.engine).await;
    assert_eq!(
        String::from_utf8_lossy(&engine),
        String::from_utf8_lossy(&real)
    );
    other.same("SCRIPT KILL").await;
    other
        .same("FUNCTION LOAD \"#!lua name=x\\nredis.register_function('x', function() end)\"")
        .await;
    other.same("FUNCTION KILL").await;
    d.same_pending("the killed function").await;
    other.same("PING").await;

    d.send("EVAL \"while true do end\" 0").await;
    ping_until_busy(&mut other.real).await;
    ping_until_busy(&mut other.engine).await;
    other.same("FUNCTION KILL").await;
    other.same("FUNCTION STATS").await;
    other.same("SCRIPT KILL").await;
    d.same_pending("the killed script").await;
    d.same("FUNCTION STATS").await;
}
