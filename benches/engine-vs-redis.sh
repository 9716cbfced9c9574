#!/usr/bin/env bash
# redis-benchmark against `redis-tutor serve` and a real redis-server in the same run, and the
# engine/Redis throughput ratio for each test, unpipelined (-P 1) and pipelined (-P 16): the
# standard tests, two scripts (a small EVALSHA and a lock release) and PUBLISH with ten
# subscribers attached.
#
# Usage: benches/engine-vs-redis.sh [requests]   (needs redis-server, redis-cli and
# redis-benchmark). benches/engine-vs-redis.txt holds a run's output.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-100000}
tests=set,get,incr,lpush,lpop,sadd,hset,zadd,lrange_100
small_script="return redis.call('incr', KEYS[1])"
lock_release="if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

cargo build --release --quiet
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
engine_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
pids=($!)
./target/release/redis-tutor serve --port "$engine_port" >/dev/null &
pids+=($!)
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for port in "$redis_port" "$engine_port"; do
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
done

# Requests per second of one standard test against one server at one pipeline depth.
rps() {
    redis-benchmark -p "$1" -t "$2" -n "$requests" -P "$3" -q --csv 2>/dev/null | tail -n 1 | tr -d '"' | cut -d, -f2
}

# Requests per second of one custom command (the rest of the arguments) against one server.
rps_command() {
    local port=$1 pipeline=$2
    shift 2
    redis-benchmark -p "$port" -n "$requests" -P "$pipeline" -r 100000 -q --csv "$@" 2>/dev/null | tail -n 1 | tr -d '"' | cut -d, -f2
}

row() {
    awk -v t="$1" -v p="$2" -v r="$3" -v e="$4" \
        'BEGIN { printf "%-14s %4s %14.0f %14.0f %7.2f\n", t, p, r, e, e / r }'
}

small_sha=$(redis-cli -p "$redis_port" script load "$small_script")
lock_sha=$(redis-cli -p "$redis_port" script load "$lock_release")
redis-cli -p "$engine_port" script load "$small_script" >/dev/null
redis-cli -p "$engine_port" script load "$lock_release" >/dev/null
for port in "$redis_port" "$engine_port"; do
    for _ in $(seq 10); do
        redis-cli -p "$port" subscribe chan >/dev/null &
        pids+=($!)
    done
done
sleep 0.5

printf '%-14s %4s %14s %14s %7s\n' test P redis-rps engine-rps ratio
for pipeline in 1 16; do
    # Alternate the two servers test by test, so that machine noise hits both alike.
    for test in ${tests//,/ }; do
        row "$test" "$pipeline" "$(rps "$redis_port" "$test" "$pipeline")" "$(rps "$engine_port" "$test" "$pipeline")"
    done
    row evalsha "$pipeline" \
        "$(rps_command "$redis_port" "$pipeline" EVALSHA "$small_sha" 1 key:__rand_int__)" \
        "$(rps_command "$engine_port" "$pipeline" EVALSHA "$small_sha" 1 key:__rand_int__)"
    row lock_release "$pipeline" \
        "$(rps_command "$redis_port" "$pipeline" EVALSHA "$lock_sha" 1 lock:__rand_int__ token)" \
        "$(rps_command "$engine_port" "$pipeline" EVALSHA "$lock_sha" 1 lock:__rand_int__ token)"
    row publish_10subs "$pipeline" \
        "$(rps_command "$redis_port" "$pipeline" PUBLISH chan msg)" \
        "$(rps_command "$engine_port" "$pipeline" PUBLISH chan msg)"
done
