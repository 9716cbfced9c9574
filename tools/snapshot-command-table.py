#!/usr/bin/env python3
"""Snapshots a real Redis's command table for the engine.

Writes the raw RESP3 replies of `COMMAND INFO` and `COMMAND DOCS` (all commands) to
src/engine/command_table.resp. The engine parses this at start-up, so its arity rules,
COMMAND INFO/DOCS replies and the console's argument hints match Redis exactly.

Usage: redis-server --port 6390 & tools/snapshot-command-table.py 6390
"""
import socket
import sys


def read_value(f):
    line = f.readline()
    kind, rest = line[:1], line[1:-2]
    if kind in b"$=!":
        n = int(rest)
        return line if n < 0 else line + f.read(n + 2)
    if kind in b"*~>":
        n = int(rest)
        return line + b"".join(read_value(f) for _ in range(max(n, 0)))
    if kind in b"%|":
        return line + b"".join(read_value(f) for _ in range(2 * int(rest)))
    return line


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6379
    sock = socket.create_connection(("127.0.0.1", port))
    f = sock.makefile("rb")
    out = b""
    for cmd in (["HELLO", "3"], ["INFO", "server"], ["COMMAND", "INFO"], ["COMMAND", "DOCS"]):
        req = b"*%d\r\n" % len(cmd) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in cmd)
        sock.sendall(req)
        reply = read_value(f)
        if cmd[0] == "INFO":
            version = [l for l in reply.split(b"\r\n") if l.startswith(b"redis_version:")][0]
            print(version.decode(), file=sys.stderr)
        elif cmd[0] == "COMMAND":
            out += reply
    path = "src/engine/command_table.resp"
    with open(path, "wb") as w:
        w.write(out)
    print(f"wrote {path}: {len(out)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
