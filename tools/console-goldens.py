#!/usr/bin/env python3
"""Regenerates tests/golden/console/: what real redis-cli prints for each reply shape.

Starts a throwaway redis-server on a free loopback port and, for every case below, runs
`redis-cli --no-raw` and `redis-cli --raw` (with -3 for RESP3 cases) through a recording TCP
proxy, so the golden files hold exactly the bytes redis-cli received and exactly what it
printed. Each case writes:

    NAME.cmd        the command as a redis-cli input line
    NAME.tty.resp   the reply bytes redis-cli received in --no-raw mode (after HELLO for RESP3)
    NAME.tty.txt    redis-cli --no-raw output (stdout and stderr)
    NAME.raw.resp   the same for --raw mode
    NAME.raw.txt
    help/TOPIC.txt  what `redis-cli help TOPIC` prints, colours removed
    help-groups/GROUP.txt  what `redis-cli help @GROUP` prints, colours removed
    hints.tsv       the hint interactive redis-cli shows for each of HINT_LINES: the input,
                    then a tab and the hint when there is one

DEBUG PROTOCOL bignum and attrib are left out: redis-cli 7.0 cannot print them ("Unknown reply
type: 13", "Protocol error"); push messages are left out because non-interactive redis-cli does
not print them. Cases whose name starts with `resp3-` run with `redis-cli -3`. Before each run the database is
flushed and the case's setup commands are sent over a plain socket (they may hold any bytes).

Usage: tools/console-goldens.py [output-dir]   (default: tests/golden/console)
"""

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (name, setup commands (lists of bytes/str), command (list of str))
CASES = [
    ("status-ok", [], ["SET", "k", "v"]),
    ("status-pong", [], ["PING"]),
    ("bulk-simple", [["SET", "k", "hello"]], ["GET", "k"]),
    ("bulk-empty", [["SET", "k", ""]], ["GET", "k"]),
    ("bulk-quotes-backslash", [["SET", "k", 'he said "hi" \\ back']], ["GET", "k"]),
    ("bulk-escapes", [["SET", "k", b"a\nb\rc\td\x07e\x08f"]], ["GET", "k"]),
    ("bulk-utf8", [["SET", "k", "你好, café"]], ["GET", "k"]),
    ("bulk-binary", [["SET", "k", bytes(range(0, 32)) + b"\x7f\x80\xfe\xff ~"]], ["GET", "k"]),
    ("bulk-multiline-echo", [], ["ECHO", "line one\nline two"]),
    ("nil", [], ["GET", "missing"]),
    ("nil-array", [], ["BLPOP", "nolist", "0.01"]),
    ("integer", [], ["INCR", "counter"]),
    ("integer-negative", [["SET", "n", "5"]], ["DECRBY", "n", "12"]),
    ("integer-zero", [], ["EXISTS", "missing"]),
    ("error-not-integer", [["SET", "k", "abc"]], ["INCR", "k"]),
    ("error-wrongtype", [["LPUSH", "l", "a"]], ["GET", "l"]),
    ("error-unknown-command", [], ["FOOBAR", "x", "y"]),
    ("error-arity", [], ["GET"]),
    ("empty-array", [], ["LRANGE", "nolist", "0", "-1"]),
    ("array-simple", [["RPUSH", "l", "a", "b", "c"]], ["LRANGE", "l", "0", "-1"]),
    (
        "array-twelve",
        [["RPUSH", "l"] + [f"item{i}" for i in range(1, 13)]],
        ["LRANGE", "l", "0", "-1"],
    ),
    (
        "array-hundred-and-five",
        [["RPUSH", "l"] + [str(i) for i in range(105)]],
        ["LRANGE", "l", "0", "-1"],
    ),
    ("array-mixed-nil", [["SET", "a", "1"], ["SET", "c", "3"]], ["MGET", "a", "b", "c"]),
    ("nested-command-info", [], ["COMMAND", "INFO", "get"]),
    ("nested-command-info-two", [], ["COMMAND", "INFO", "set", "lpush"]),
    (
        "nested-xrange",
        [["XADD", "s", "1-1", "f", "v", "g", "w"], ["XADD", "s", "2-1", "name", "redis"]],
        ["XRANGE", "s", "-", "+"],
    ),
    ("nested-scan", [["SET", "k1", "1"], ["SET", "k2", "2"]], ["SCAN", "0"]),
    ("nested-scan-empty", [], ["SCAN", "0"]),
    (
        "zrange-withscores",
        [["ZADD", "z", "1", "a", "2.5", "b", "10", "c"]],
        ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
    ),
    ("zscore-resp2", [["ZADD", "z", "1.5", "a"]], ["ZSCORE", "z", "a"]),
    ("hgetall-resp2", [["HSET", "h", "f1", "v1", "f2", "v2"]], ["HGETALL", "h"]),
    ("config-get-resp2", [], ["CONFIG", "GET", "maxmemory-policy"]),
    ("eval-nested", [], ["EVAL", "return {1, {2, {'x', 'y'}}, 'z'}", "0"]),
    ("eval-nested-error", [], ["EVAL", "return {1, redis.error_reply('MYERR inner')}", "0"]),
    ("eval-error", [], ["EVAL", "return redis.error_reply('MYERR top level')", "0"]),
    ("eval-status", [], ["EVAL", "return redis.status_reply('FINE')", "0"]),
    ("eval-true-resp2", [], ["EVAL", "return true", "0"]),
    ("eval-false-resp2", [], ["EVAL", "return false", "0"]),
    ("eval-deep-twelve", [], ["EVAL", "return {1,2,3,4,5,6,7,8,9,10,{'a',{'b','c'},'d'},12}", "0"]),
    ("info-keyspace", [["SET", "k", "v"]], ["INFO", "keyspace"]),
    ("client-info", [], ["CLIENT", "INFO"]),
    ("memory-doctor", [], ["MEMORY", "DOCTOR"]),
    ("latency-doctor", [], ["LATENCY", "DOCTOR"]),
    ("object-encoding", [["SET", "k", "12345"]], ["OBJECT", "ENCODING", "k"]),
    ("type-status", [["SADD", "s", "m"]], ["TYPE", "s"]),
    ("smembers-resp2", [["SADD", "s", "one"]], ["SMEMBERS", "s"]),
    ("resp3-hgetall", [["HSET", "h", "f1", "v1", "f2", "v2"]], ["HGETALL", "h"]),
    ("resp3-hgetall-empty", [], ["HGETALL", "missing"]),
    ("resp3-config-get", [], ["CONFIG", "GET", "maxmemory*"]),
    ("resp3-hello", [], ["HELLO", "3"]),
    ("resp3-smembers", [["SADD", "s", "one"]], ["SMEMBERS", "s"]),
    ("resp3-smembers-empty", [], ["SMEMBERS", "missing"]),
    ("resp3-zscore", [["ZADD", "z", "1.5", "a"]], ["ZSCORE", "z", "a"]),
    ("resp3-zscore-inf", [["ZADD", "z", "inf", "a"]], ["ZSCORE", "z", "a"]),
    ("resp3-zincrby", [["ZADD", "z", "1", "a"]], ["ZINCRBY", "z", "0.1", "a"]),
    (
        "resp3-zrange-withscores",
        [["ZADD", "z", "1", "a", "2.5", "b"]],
        ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
    ),
    ("resp3-eval-true", [], ["EVAL", "return true", "0"]),
    ("resp3-eval-false", [], ["EVAL", "return false", "0"]),
    ("resp3-eval-double", [], ["EVAL", "return {double=3.14}", "0"]),
    ("resp3-lua-map-one-line-array", [], ["EVAL", "return {map={k={1}}}", "0"]),
    ("resp3-lua-map-array", [], ["EVAL", "return {map={k={1,2}}}", "0"]),
    ("resp3-lua-map-set", [], ["EVAL", "return {map={k={set={x=true,y=true}}}}", "0"]),
    ("resp3-lua-map-map", [], ["EVAL", "return {map={k={map={a=1}}}}", "0"]),
    ("resp3-lua-map-nested-one-line", [], ["EVAL", "return {map={k={{1}}}}", "0"]),
    ("resp3-lua-map-empty-value", [], ["EVAL", "return {map={k={}}}", "0"]),
    ("resp3-lua-empty-map", [], ["EVAL", "return {map={}}", "0"]),
    ("resp3-lua-empty-set", [], ["EVAL", "return {set={}}", "0"]),
    ("resp3-nil", [], ["GET", "missing"]),
    ("resp3-error", [["SET", "k", "abc"]], ["INCR", "k"]),
    ("resp3-verbatim", [], ["DEBUG", "PROTOCOL", "verbatim"]),
    ("resp3-debug-true", [], ["DEBUG", "PROTOCOL", "true"]),
    ("resp3-debug-false", [], ["DEBUG", "PROTOCOL", "false"]),
    ("resp3-debug-map", [], ["DEBUG", "PROTOCOL", "map"]),
    ("resp3-debug-set", [], ["DEBUG", "PROTOCOL", "set"]),
    ("resp3-debug-double", [], ["DEBUG", "PROTOCOL", "double"]),
    ("resp3-command-docs", [], ["COMMAND", "DOCS", "get"]),
    ("resp3-command-docs-set", [], ["COMMAND", "DOCS", "set"]),
    (
        "resp3-xinfo-stream",
        [["XADD", "s", "1-1", "f", "v"], ["XADD", "s", "2-1", "g", "w"]],
        ["XINFO", "STREAM", "s"],
    ),
    (
        "resp3-xread",
        [["XADD", "s", "1-1", "f", "v"]],
        ["XREAD", "COUNT", "5", "STREAMS", "s", "0"],
    ),
    ("resp3-client-trackinginfo", [], ["CLIENT", "TRACKINGINFO"]),
    ("resp3-memory-doctor", [], ["MEMORY", "DOCTOR"]),
    ("resp3-info-keyspace", [["SET", "k", "v"]], ["INFO", "keyspace"]),
    (
        "resp3-hrandfield-withvalues",
        [["HSET", "h", "f1", "v1"]],
        ["HRANDFIELD", "h", "1", "WITHVALUES"],
    ),
    ("resp3-bulk-escapes", [["SET", "k", b"tab\there \"q\" \xe2\x82\xac"]], ["GET", "k"]),
]


# `redis-cli help ...` topics; saved (colours stripped) as help/<topic>.txt.
HELP_TOPICS = ["ping", "echo", "select", "quit", "set", "getex", "zadd", "xadd", "migrate",
               "client", "config set", "acl setuser", "georadius", "sort", "bitfield"]

# `redis-cli help @GROUP` for every group; saved as help-groups/GROUP.txt.
HELP_GROUPS = ["bitmap", "cluster", "connection", "generic", "geo", "hash", "hyperloglog",
               "list", "pubsub", "scripting", "sentinel", "server", "set", "sorted-set",
               "stream", "string", "transactions"]


# Partial input lines whose grey hint is captured from interactive redis-cli (in a pty) into
# hints.tsv.
HINT_LINES = ["set", "set ", "set k", "set k ", "set k v", "set k v ", "set k v nx ",
              "set k v nx get ex 10 ", "client", "client ", "client list", "client list ",
              "zadd z ", "zadd z 1 m ", "get \"x", "hello 3 ", "ping", "ping ", "echo", "echo a",
              "echo a ", "select", "help set", "3 set ", "SeT ", "xadd s * f v ", "georadius ",
              "config set ", "nosuchcommand "]


def capture_hints(port, lines):
    """Types each line into an interactive redis-cli and reads the hint it draws."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:
        # A real window size, so linenoise does not probe the terminal width.
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
        os.execvp("redis-cli", ["redis-cli", "-p", str(port)])
    received = bytearray()

    def drain(seconds):
        end = time.time() + seconds
        while time.time() < end:
            ready, _, _ = select.select([fd], [], [], 0.02)
            if ready:
                chunk = os.read(fd, 65536)
                received.extend(chunk)
                if b"\x1b[6n" in chunk:  # linenoise asks where the cursor is
                    os.write(fd, b"\x1b[1;1R")

    drain(1.0)
    hints = {}
    for line in lines:
        received.clear()
        for ch in line:
            os.write(fd, ch.encode())
            drain(0.03)
        drain(0.3)
        last_refresh = received.decode(errors="replace").split("\r\x1b[0K")[-1]
        found = re.search("\x1b\\[0;90;49m(.*?)\x1b\\[0m", last_refresh)
        hints[line] = found.group(1) if found else None
        os.write(fd, b"\x15")  # Ctrl-U: clear the line
        drain(0.2)
    os.write(fd, b"\x04")  # Ctrl-D on an empty line: quit
    os.waitpid(pid, 0)
    # One line per input: the input, then a tab and the hint when redis-cli shows one.
    return "".join(
        f"{line}\n" if hint is None else f"{line}\t{hint}\n" for line, hint in hints.items()
    )


def as_bytes(arg):
    return arg if isinstance(arg, bytes) else arg.encode()


def encode_command(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = as_bytes(a)
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def parse_one(buf, pos):
    """Returns the end position of the RESP value starting at pos, or None if incomplete."""
    if pos >= len(buf):
        return None
    kind = buf[pos : pos + 1]
    eol = buf.find(b"\r\n", pos)
    if eol < 0:
        return None
    head = buf[pos + 1 : eol]
    pos = eol + 2
    if kind in b"+-:_#,(":
        return pos
    if kind in b"$=!":
        n = int(head)
        if n < 0:
            return pos
        if len(buf) < pos + n + 2:
            return None
        return pos + n + 2
    if kind in b"*~>%|":
        n = int(head)
        if n < 0:
            return pos
        if kind in b"%|":
            n *= 2
        for _ in range(n):
            pos = parse_one(buf, pos)
            if pos is None:
                return None
        if kind == b"|":
            return parse_one(buf, pos)
        return pos
    raise ValueError(f"bad RESP type {kind!r}")


def split_values(buf):
    values, pos = [], 0
    while pos < len(buf):
        end = parse_one(buf, pos)
        if end is None:
            raise ValueError("incomplete reply captured")
        values.append(buf[pos:end])
        pos = end
    return values


def free_port():
    while True:
        port = random.randint(20000, 60000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


class RecordingProxy:
    """Forwards one client connection at a time to redis, recording server-to-client bytes."""

    def __init__(self, redis_port):
        self.redis_port = redis_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]

    def serve_once(self, recorded):
        client, _ = self.listener.accept()
        server = socket.create_connection(("127.0.0.1", self.redis_port))

        def pump(src, dst, sink):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    if sink is not None:
                        sink.append(data)
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

        up = threading.Thread(target=pump, args=(client, server, None))
        down = threading.Thread(target=pump, args=(server, client, recorded))
        up.start()
        down.start()
        up.join()
        down.join()
        client.close()
        server.close()


def send_setup(port, commands):
    with socket.create_connection(("127.0.0.1", port)) as s:
        for cmd in [["FLUSHALL"]] + commands:
            s.sendall(encode_command(cmd))
            buf = b""
            while parse_one(buf, 0) is None:
                buf += s.recv(65536)


def run_case(redis_port, proxy, name, setup, command, mode):
    send_setup(redis_port, setup)
    recorded = []
    thread = threading.Thread(target=proxy.serve_once, args=(recorded,))
    thread.start()
    argv = ["redis-cli", "-p", str(proxy.port), "--no-raw" if mode == "tty" else "--raw"]
    if name.startswith("resp3-"):
        argv.append("-3")
    result = subprocess.run(
        argv + command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False
    )
    thread.join()
    values = split_values(b"".join(recorded))
    if name.startswith("resp3-"):
        values = values[1:]  # the reply to redis-cli's own HELLO 3
    return b"".join(values), result.stdout


def cli_quote(arg):
    if arg and all(c.isalnum() or c in "-_.*+:@|" for c in arg):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests/golden/console")
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
         "--enable-debug-command", "yes", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        proxy = RecordingProxy(port)
        for name, setup, command in CASES:
            with open(os.path.join(out_dir, name + ".cmd"), "w") as f:
                f.write(" ".join(cli_quote(a) for a in command) + "\n")
            for mode in ("tty", "raw"):
                reply, printed = run_case(port, proxy, name, setup, command, mode)
                with open(os.path.join(out_dir, f"{name}.{mode}.resp"), "wb") as f:
                    f.write(reply)
                with open(os.path.join(out_dir, f"{name}.{mode}.txt"), "wb") as f:
                    f.write(printed)
        for sub_dir, topics in (("help", HELP_TOPICS), ("help-groups", HELP_GROUPS)):
            os.makedirs(os.path.join(out_dir, sub_dir))
            for topic in topics:
                words = topic.split() if sub_dir == "help" else ["@" + topic]
                printed = subprocess.run(
                    ["redis-cli", "-p", str(port), "help"] + words,
                    stdout=subprocess.PIPE, check=True,
                ).stdout.decode()
                printed = re.sub("\x1b\\[[0-9;]*m", "", printed).replace("\r\n", "\n")
                name = topic.replace(" ", "-") + ".txt"
                with open(os.path.join(out_dir, sub_dir, name), "w") as f:
                    f.write(printed)
        with open(os.path.join(out_dir, "hints.tsv"), "w") as f:
            f.write(capture_hints(port, HINT_LINES))
        print(f"{len(CASES)} cases, {len(HELP_TOPICS)} help topics and {len(HELP_GROUPS)} groups "
              f"written to {out_dir}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
