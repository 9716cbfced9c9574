#!/usr/bin/env bash
# redis-benchmark against `redis-tutor serve` and a real redis-server in the same run, and the
# engine/Redis throughput ratio for each test, unpipelined (-P 1) and pipelined (-P 16).
#
# Usage: benches/engine-vs-redis.sh [requests]   (needs redis-server and redis-benchmark)
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-100000}
tests=set,get,incr,lpush,lpop,sadd,hset,zadd,lrange_100

cargo build --release --quiet
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
engine_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
redis_pid=$!
./target/release/redis-tutor serve --port "$engine_port" >/dev/null &
engine_pid=$!
trap 'kill $redis_pid $engine_pid 2>/dev/null || true' EXIT
for port in "$redis_port" "$engine_port"; do
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
done

# Requests per second of one test against one server at one pipeline depth.
rps() {
    redis-benchmark -p "$1" -t "$2" -n "$requests" -P "$3" -q --csv 2>/dev/null | tail -n 1 | tr -d '"' | cut -d, -f2
}

printf '%-12s %4s %14s %14s %7s\n' test P redis-rps engine-rps ratio
for pipeline in 1 16; do
    # Alternate the two servers test by test, so that machine noise hits both alike.
    for test in ${tests//,/ }; do
        redis=$(rps "$redis_port" "$test" "$pipeline")
        engine=$(rps "$engine_port" "$test" "$pipeline")
        awk -v t="$test" -v p="$pipeline" -v r="$redis" -v e="$engine" \
            'BEGIN { printf "%-12s %4s %14.0f %14.0f %7.2f\n", t, p, r, e, e / r }'
    done
done
