#!/usr/bin/env bash
# The fuzzers' long runs, in release mode (CI runs a short seeded pass of each in `cargo test`).
#
#   tools/fuzz.sh commands [EXECS]     command sequences in-process (default 10,000,000)
#   tools/fuzz.sh wire [CONNS]         hostile connections to an in-process engine (default 2,000,000)
#   tools/fuzz.sh wire-serve [CONNS]   the same against `redis-tutor serve`, watching its RSS
#   tools/fuzz.sh wire-redis [CONNS]   the same against a real redis-server, for comparison
#
# FUZZ_SEED, FUZZ_SECONDS (stop earlier), FUZZ_HEAP_CAP_MB and FUZZ_SHOW are passed on (see
# tests/fuzz_commands.rs and tests/fuzz_wire.rs). Each run ends with one summary line:
# executions, crashes or failures, and the peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-}
count=${2:-}
case "$what" in
    commands)
        FUZZ_EXECS=${count:-10000000} exec cargo test --release --test fuzz_commands \
            long_command_fuzz -- --ignored --nocapture
        ;;
    wire)
        FUZZ_CONNS=${count:-2000000} exec cargo test --release --test fuzz_wire \
            long_wire_fuzz -- --ignored --nocapture
        ;;
    wire-serve | wire-redis)
        port=$((20000 + RANDOM % 20000))
        if [ "$what" = wire-serve ]; then
            cargo build --release --bin redis-tutor
            target/release/redis-tutor serve --port "$port" >/dev/null &
        else
            redis-server --port "$port" --save '' --appendonly no >/dev/null &
        fi
        server=$!
        trap 'kill $server 2>/dev/null || true' EXIT
        sleep 1
        FUZZ_ADDR=127.0.0.1:$port FUZZ_PID=$server FUZZ_CONNS=${count:-200000} \
            cargo test --release --test fuzz_wire long_wire_fuzz -- --ignored --nocapture
        ;;
    *)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
