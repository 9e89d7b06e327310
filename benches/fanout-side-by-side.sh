#!/bin/sh
# Redis pub/sub, the polling server and the threaded server measured by
# ../shared/tools/fanout-bench in one session, rounds interleaved (Redis, polling, threaded for
# N = 10 and 100, ROUNDS times over): 64-byte payloads, pipelined, window 1000, a fresh chat
# server per run. Prints one line per run: "label N delivered_msgs_per_s all_delivered=.. server_cpu_s=..".
# With BASE=/path/to/another/chat-harness, that build's two modes run in each round too
# (labelled polling-base and threaded-base), for a before/after in the same session.
# Usage: benches/fanout-side-by-side.sh [ROUNDS]   (from the repository root, after
#   cargo build --release and
#   cargo build --release --manifest-path ../shared/tools/fanout-bench/Cargo.toml --target-dir /tmp/fanout-target)
set -u
ROUNDS=${1:-3}
FB=${FB:-/tmp/fanout-target/release/fanout-bench}
CH=${CH:-./target/release/chat-harness}
REDIS_PORT=${REDIS_PORT:-6390}
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no >/dev/null &
REDIS_PID=$!
sleep 0.5
messages() { if [ "$1" = 10 ]; then echo 100000; else echo 20000; fi; }
rate() { sed -n 's/.*"all_delivered":\([a-z]*\).*"delivered_msgs_per_s":\([0-9.e+]*\).*"server_cpu_s":\([0-9.a-z]*\).*/\2 all_delivered=\1 server_cpu_s=\3/p'; }
chat() {
  bin=$1 label=$2 mode=$3 n=$4
  dir=$(mktemp -d); : >"$dir/out"
  RUST_LOG=warn "$bin" serve --mode "$mode" --listen 127.0.0.1:0 --files-dir "$dir" --max-clients 200 >"$dir/out" &
  pid=$!
  while ! grep -q listening "$dir/out"; do sleep 0.05; done
  addr=$(sed -n 's/listening on //p' "$dir/out")
  echo "$label $n $("$FB" --proto chat --addr "$addr" --subscribers "$n" --messages "$(messages "$n")" \
    --size 64 --mode pipelined --window 1000 --timeout-s 60 --server-pid "$pid" | rate)"
  kill "$pid"; wait "$pid" 2>/dev/null
  rm -rf "$dir"
}
RUNS=$(mktemp)
date -u +"start %H:%M:%S"; uptime
r=0
while [ "$r" -lt "$ROUNDS" ]; do
  for n in 10 100; do
    echo "redis $n $("$FB" --proto redis --addr 127.0.0.1:"$REDIS_PORT" --subscribers "$n" --messages "$(messages "$n")" \
      --size 64 --mode pipelined --window 1000 --timeout-s 60 --server-pid "$REDIS_PID" | rate)"
    chat "$CH" polling polling "$n"
    chat "$CH" threaded threaded "$n"
    if [ -n "${BASE:-}" ]; then
      chat "$BASE" polling-base polling "$n"
      chat "$BASE" threaded-base threaded "$n"
    fi
  done
  r=$((r + 1))
done 2>&1 | tee "$RUNS"
date -u +"end %H:%M:%S"; uptime
echo "medians (M delivered messages/s):"
for label in redis polling threaded polling-base threaded-base; do
  for n in 10 100; do
    grep "^$label $n " "$RUNS" | awk '{print $3}' | sort -g |
      awk -v l="$label" -v n="$n" '{v[NR]=$1} END {if (NR) printf "%s N=%s %.2f (%d runs)\n", l, n, v[int((NR+1)/2)]/1e6, NR}'
  done
done
rm -f "$RUNS"
kill "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
