#!/usr/bin/env bash
# check-lesson-blocks.sh: run the ```redis blocks of a lesson chapter, in order, against a Redis server.
#
# Usage: tools/check-lesson-blocks.sh [--show] [--compare] CHAPTER.md PORT
#
#   CHAPTER.md  a markdown lesson (e.g. chapters/01-redis-fundamentals.md)
#   PORT        the port of a running redis-server on 127.0.0.1; use a scratch server
#               with an empty database, because the blocks write keys
#   --show      print every command with the reply redis-cli printed for it
#   --compare   compare the replies of each block with the ```text block that directly
#               follows it (only blank lines in between) and print any difference
#
# All blocks run over ONE redis-cli connection (so SELECT carries over, exactly as in a learner's
# console). Every reply that is an error is printed as "block B, line L: COMMAND" followed by the
# error. The exit status is 1 when any command failed (or, with --compare, any block differed).
# Between MULTI and EXEC/DISCARD no per-command markers are sent (they would be queued), so the
# replies of a transaction are attributed to its MULTI line. The whole run is limited to
# LESSON_TIMEOUT seconds (default 120), in case a block blocks forever (BLPOP 0, SUBSCRIBE).
set -euo pipefail

show=0
compare=0
while [[ $# -gt 0 && $1 == --* ]]; do
    case "$1" in
        --show) show=1 ;;
        --compare) compare=1 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done
if [[ $# -ne 2 ]]; then
    sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
chapter=$1
port=$2
[[ -r $chapter ]] || { echo "cannot read $chapter" >&2; exit 2; }
command -v redis-cli >/dev/null || { echo "redis-cli not found" >&2; exit 2; }
redis-cli -p "$port" PING >/dev/null 2>&1 || { echo "no Redis answering on port $port" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Extract the blocks. commands.tsv: block<TAB>line-in-block<TAB>command;
# expected/B.txt: the ```text block that directly follows ```redis block B, if any.
mkdir -p "$work/expected"
awk -v dir="$work" '
    BEGIN { state = "prose"; block = 0; follows = -1 }
    state == "prose" && /^```redis[[:space:]]*$/ { state = "redis"; block++; line = 0; next }
    state == "prose" && /^```text[[:space:]]*$/ && follows == block && block > 0 {
        state = "text"; out = dir "/expected/" block ".txt"; printf "" > out; next
    }
    state == "prose" && /^```/ { state = "other"; follows = -1; next }
    state == "prose" && !/^[[:space:]]*$/ { follows = -1; next }
    state == "redis" && /^```[[:space:]]*$/ { state = "prose"; follows = block; next }
    state == "redis" {
        if ($0 ~ /^[[:space:]]*$/) next
        line++
        printf "%d\t%d\t%s\n", block, line, $0 > (dir "/commands.tsv")
        next
    }
    state == "text" && /^```[[:space:]]*$/ { state = "prose"; follows = -1; close(out); next }
    state == "text" { print > out; next }
    state == "other" && /^```[[:space:]]*$/ { state = "prose"; next }
' "$chapter"

if [[ ! -s $work/commands.tsv ]]; then
    echo "no \`\`\`redis blocks in $chapter"
    exit 0
fi

# Interleave a marker before every command, then send everything over one connection.
# ECHO's reply is printed as a quoted string, which no real reply in a lesson looks like.
marker='@@lesson-block'
in_transaction=0
while IFS=$'\t' read -r block line cmd; do
    if [[ $in_transaction -eq 0 ]]; then
        printf 'ECHO "%s %s %s"\n' "$marker" "$block" "$line"
    fi
    printf '%s\n' "$cmd"
    case "$(awk '{print toupper($1)}' <<<"$cmd")" in
        MULTI) in_transaction=1 ;;
        EXEC | DISCARD) in_transaction=0 ;;
    esac
done <"$work/commands.tsv" >"$work/script.txt"
runner=()
command -v timeout >/dev/null && runner=(timeout "${LESSON_TIMEOUT:-120}")
if ! "${runner[@]}" redis-cli -p "$port" --no-raw <"$work/script.txt" >"$work/replies.txt" 2>&1; then
    [[ ${#runner[@]} -gt 0 ]] && echo "note: redis-cli ended early (time limit or lost connection)"
fi

# Split the replies per command: replies/B.L holds the reply of line L in block B.
mkdir -p "$work/replies"
awk -v dir="$work/replies" -v marker="\"$marker " '
    index($0, marker) == 1 {
        split(substr($0, length(marker) + 1), id, /[ "]/)
        if (out != "") close(out)
        out = dir "/" id[1] "." id[2]
        printf "" > out
        next
    }
    out != "" { print > out }
' "$work/replies.txt"

failures=0
current_block=0
while IFS=$'\t' read -r block line cmd; do
    reply_file="$work/replies/$block.$line"
    if [[ -f $reply_file ]]; then
        reply=$(cat "$reply_file")
    elif grep -q "^$block\." <(ls "$work/replies") && [[ $line -gt 1 ]]; then
        reply="(part of the transaction above)"
    else
        reply="(no reply: the connection ended)"
    fi
    if [[ $show -eq 1 ]]; then
        if [[ $block != "$current_block" ]]; then
            printf '\n== block %s ==\n' "$block"
            current_block=$block
        fi
        printf '> %s\n%s\n' "$cmd" "$reply"
    fi
    if grep -Eq '^[[:space:]0-9)~#]*\(error\) |^\(no reply' <<<"$reply"; then
        printf 'block %s, line %s: %s\n%s\n' "$block" "$line" "$cmd" "$reply"
        failures=$((failures + 1))
    fi
done <"$work/commands.tsv"

differences=0
if [[ $compare -eq 1 ]]; then
    blocks=$(cut -f1 "$work/commands.tsv" | sort -n | uniq)
    for block in $blocks; do
        expected="$work/expected/$block.txt"
        [[ -f $expected ]] || continue
        actual="$work/actual-$block.txt"
        : >"$actual"
        for reply_file in $(ls "$work/replies" | grep "^$block\." | sort -t. -k2 -n); do
            cat "$work/replies/$reply_file" >>"$actual"
        done
        if ! diff -q "$expected" "$actual" >/dev/null; then
            printf '\n-- block %s differs (< lesson, > server) --\n' "$block"
            diff "$expected" "$actual" || true
            differences=$((differences + 1))
        fi
    done
fi

total=$(wc -l <"$work/commands.tsv")
nblocks=$(cut -f1 "$work/commands.tsv" | sort -u | wc -l)
echo
echo "$nblocks blocks, $total commands, $failures error replies"
[[ $compare -eq 1 ]] && echo "$differences blocks differ from the text block that follows them"
if [[ $failures -gt 0 || $differences -gt 0 ]]; then
    exit 1
fi
exit 0
