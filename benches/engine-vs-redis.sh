#!/usr/bin/env bash
# redis-benchmark against `redis-tutor serve` and a real redis-server in the same run, and the
# engine/Redis ratios for each test, unpipelined (-P 1) and pipelined (-P 16): the standard
# tests, two scripts (a small EVALSHA and a lock release) and PUBLISH with ten subscribers
# attached. Two ratios: throughput (requests per second, best of the rounds) and CPU (the
# server process's CPU time per request, least of the rounds: Redis's over the engine's, so
# above 1 means the engine spends less). On a shared machine throughput swings with the
# load; CPU per request is the steadier measure.
#
# Usage: benches/engine-vs-redis.sh [requests]   (needs redis-server, redis-cli and
# redis-benchmark). benches/engine-vs-redis.txt holds a run's output.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-100000}
rounds=${ROUNDS:-2}
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

# CPU time (nanoseconds, all its threads) a process has used so far: the scheduler's count,
# where /proc/PID/stat's clock ticks (10 ms) would leave -P 16 values a 0.05 us resolution.
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%.0f\n", s }'; }

# One redis-benchmark run against the server on port $1 (process $2) at pipeline depth $3,
# of the standard test or custom command in the remaining arguments: prints
# "<requests per second> <CPU microseconds per request>".
measure() {
    local port=$1 pid=$2 pipeline=$3
    shift 3
    local args=(-t "$1")
    [ $# -gt 1 ] && args=(-r 100000 "$@")
    local before after rps
    before=$(cpu_ns "$pid")
    rps=$(redis-benchmark -p "$port" -n "$requests" -P "$pipeline" -q --csv "${args[@]}" 2>/dev/null | tail -n 1 | tr -d '"' | cut -d, -f2)
    after=$(cpu_ns "$pid")
    awk -v r="$rps" -v t=$((after - before)) -v n="$requests" \
        'BEGIN { printf "%s %.3f\n", r, t / 1e3 / n }'
}

# One table row: both servers measured alternately, best throughput and least CPU of the
# rounds.
row() {
    local name=$1 pipeline=$2
    shift 2
    local r_rps=0 e_rps=0 r_cpu=1e9 e_cpu=1e9 rps cpu
    for _ in $(seq "$rounds"); do
        read -r rps cpu < <(measure "$redis_port" "${pids[0]}" "$pipeline" "$@")
        r_rps=$(awk -v a="$r_rps" -v b="$rps" 'BEGIN { print (b > a) ? b : a }')
        r_cpu=$(awk -v a="$r_cpu" -v b="$cpu" 'BEGIN { print (b < a) ? b : a }')
        read -r rps cpu < <(measure "$engine_port" "${pids[1]}" "$pipeline" "$@")
        e_rps=$(awk -v a="$e_rps" -v b="$rps" 'BEGIN { print (b > a) ? b : a }')
        e_cpu=$(awk -v a="$e_cpu" -v b="$cpu" 'BEGIN { print (b < a) ? b : a }')
    done
    awk -v t="$name" -v p="$pipeline" -v rr="$r_rps" -v er="$e_rps" -v rc="$r_cpu" -v ec="$e_cpu" \
        'BEGIN { printf "%-14s %3s %10.0f %10.0f %6.2f %8.3f %8.3f %6.2f\n", t, p, rr, er, er / rr, rc, ec, (ec > 0) ? rc / ec : 0 }'
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

printf '%-14s %3s %10s %10s %6s %8s %8s %6s\n' test P redis-rps engine-rps ratio \
    redis-us engine-us cpu
for pipeline in 1 16; do
    for test in ${tests//,/ }; do
        row "$test" "$pipeline" "$test"
    done
    row evalsha "$pipeline" EVALSHA "$small_sha" 1 key:__rand_int__
    row lock_release "$pipeline" EVALSHA "$lock_sha" 1 lock:__rand_int__ token
    row publish_10subs "$pipeline" PUBLISH chan msg
done
