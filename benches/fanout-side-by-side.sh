#!/bin/sh
# The fan-out table of BENCHMARKS.md in one session: ../shared/tools/null-relay (the machine's
# ceiling), Redis pub/sub, NATS, and the polling and threaded servers, all measured by
# ../shared/tools/fanout-bench with 64-byte payloads, pipelined, window 1000, rounds
# interleaved (every server for N = 1, 10 and 100, ROUNDS times over), a fresh chat server and
# relay per run. Prints one line per run, "label N delivered_msgs_per_s all_delivered=..
# server_cpu_s=..", then the medians and each server's share of null-relay.
# With BASE=/path/to/another/chat-harness, that build's two modes run in each round too
# (labelled polling-base and threaded-base), for a before/after in the same session; with
# COMPARE="label=/path/to/build ...", each of those builds too (labelled polling-LABEL and
# threaded-LABEL), for a ladder of changes. NS="10 100" limits the receiver counts;
# SKIP="redis nats" leaves servers out (also "null-relay", "polling", "threaded").
# Bytes on the wire are equal: null-relay copies the sender's frame as it is, while a chat
# server puts `<HH:MM> [u0] ` (13 bytes) in front of every relayed line, so null-relay is given
# 64 + 13 = 77-byte payloads and both deliver 80-byte frames (WIRE_EQUAL=0: 64 bytes for all,
# as before). NS defaults to 1 10 100 1000.
# Equal bytes are not equal work for the load generator: it scans each frame for its marker,
# which a chat server's prefix puts 13 bytes further in. benches/prefix_relay.c is null-relay
# with that prefix: the same bytes as the chat servers, at the same places, and no chat logic.
# Its share of null-relay is what the generator's extra scanning costs; the servers' share of
# prefix-relay is what their own work costs (SKIP="prefix-relay" leaves it out).
# Usage: benches/fanout-side-by-side.sh [ROUNDS]   (from the repository root, after
#   cargo build --release,
#   cargo build --release --manifest-path ../shared/tools/fanout-bench/Cargo.toml --target-dir /tmp/fanout-target and
#   gcc -O2 -o /tmp/null_relay ../shared/tools/null-relay/null_relay.c and
#   gcc -O2 -o /tmp/prefix_relay benches/prefix_relay.c)
set -u
ROUNDS=${1:-3}
FB=${FB:-/tmp/fanout-target/release/fanout-bench}
CH=${CH:-./target/release/chat-harness}
RELAY=${RELAY:-/tmp/null_relay}
PREFIX_RELAY=${PREFIX_RELAY:-/tmp/prefix_relay}
NS=${NS:-1 10 100 1000}
WIRE_EQUAL=${WIRE_EQUAL:-1}
# The chat servers' prefix on every relayed line: `<HH:MM> ` (8), `[u0]` (4), a space.
PREFIX=13
# 1000 receivers, each a socket at the generator and one at the server.
ulimit -n 8192 2>/dev/null || true
SKIP=${SKIP:-}
REDIS_PORT=${REDIS_PORT:-6390}
NATS_PORT=${NATS_PORT:-4232}
skipped() { case " $SKIP " in *" $1 "*) return 0 ;; esac; return 1; }
skipped redis || { redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no >/dev/null & REDIS_PID=$!; }
skipped nats || { nats-server -a 127.0.0.1 -p "$NATS_PORT" >/dev/null 2>&1 & NATS_PID=$!; }
sleep 0.5
# About 10 M deliveries per run at N >= 10 and 3 M at N = 1: half a second or more each, where
# the 300 000 messages once sent to one receiver took 0.06 s and moved by a third between runs.
messages() { case "$1" in 1) echo 3000000 ;; 10) echo 1000000 ;; 100) echo 100000 ;; *) echo 10000 ;; esac; }
rate() { sed -n 's/.*"all_delivered":\([a-z]*\).*"delivered_msgs_per_s":\([0-9.e+]*\).*"server_cpu_s":\([0-9.a-z]*\).*/\2 all_delivered=\1 server_cpu_s=\3/p'; }
bench() { # proto addr n server_pid [size]
  "$FB" --proto "$1" --addr "$2" --subscribers "$3" --messages "$(messages "$3")" \
    --size "${5:-64}" --mode pipelined --window 1000 --timeout-s 120 --server-pid "$4" | rate
}
spawned() { # label n size command...: runs a server that prints "listening on ADDR", measures it, stops it
  label=$1 n=$2 size=$3; shift 3
  out=$(mktemp); "$@" >"$out" 2>/dev/null &
  pid=$!
  while ! grep -q listening "$out"; do sleep 0.05; done
  addr=$(sed -n 's/.*listening on //p' "$out" | head -1)
  echo "$label $n $(bench chat "$addr" "$n" "$pid" "$size")"
  kill "$pid"; wait "$pid" 2>/dev/null
  rm -f "$out"
}
chat() { # binary label mode n
  dir=$(mktemp -d)
  RUST_LOG=warn spawned "$2" "$4" 64 "$1" serve --mode "$3" --listen 127.0.0.1:0 --files-dir "$dir" --max-clients 1100
  rm -rf "$dir"
}
RUNS=$(mktemp)
. "$(dirname "$0")/steal.sh"
steal_start
date -u +"start %H:%M:%S"; uptime
r=0
while [ "$r" -lt "$ROUNDS" ]; do
  for n in $NS; do
    relay_size=64; [ "$WIRE_EQUAL" = 1 ] && relay_size=$((64 + PREFIX))
    skipped null-relay || spawned null-relay "$n" "$relay_size" "$RELAY" 0
    skipped prefix-relay || spawned prefix-relay "$n" 64 "$PREFIX_RELAY" 0
    skipped redis || echo "redis $n $(bench redis 127.0.0.1:"$REDIS_PORT" "$n" "$REDIS_PID")"
    skipped nats || echo "nats $n $(bench nats 127.0.0.1:"$NATS_PORT" "$n" "$NATS_PID")"
    skipped polling || chat "$CH" polling polling "$n"
    skipped threaded || chat "$CH" threaded threaded "$n"
    for entry in ${BASE:+base=$BASE} ${COMPARE:-}; do
      skipped polling || chat "${entry#*=}" "polling-${entry%%=*}" polling "$n"
      skipped threaded || chat "${entry#*=}" "threaded-${entry%%=*}" threaded "$n"
    done
  done
  r=$((r + 1))
done 2>&1 | tee "$RUNS"
date -u +"end %H:%M:%S"; uptime
steal_report
median() { grep "^$1 $2 " "$RUNS" | awk '{print $3}' | sort -g | awk '{v[NR]=$1} END {if (NR) printf "%.2f", v[int((NR+1)/2)]/1e6}'; }
echo "medians (M delivered messages/s), and the share of null-relay and of prefix-relay:"
LABELS="null-relay prefix-relay redis nats polling threaded"
for entry in ${BASE:+base=$BASE} ${COMPARE:-}; do LABELS="$LABELS polling-${entry%%=*} threaded-${entry%%=*}"; done
for label in $LABELS; do
  for n in $NS; do
    m=$(median "$label" "$n"); [ -n "$m" ] || continue
    c=$(median null-relay "$n")
    p=$(median prefix-relay "$n")
    share=
    [ -z "$c" ] || share=$(awk -v m="$m" -v c="$c" 'BEGIN {printf " (%.0f %% of null-relay", 100 * m / c}')
    [ -z "$p" ] || [ -z "$c" ] || share="$share,$(awk -v m="$m" -v p="$p" 'BEGIN {printf " %.0f %% of prefix-relay", 100 * m / p}')"
    [ -z "$share" ] || share="$share)"
    echo "$label N=$n $m$share"
  done
done
grep -c 'all_delivered=false' "$RUNS" | sed 's/^/runs that lost or reordered messages: /'
rm -f "$RUNS"
[ -z "${REDIS_PID:-}" ] || { kill "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null; }
[ -z "${NATS_PID:-}" ] || { kill "$NATS_PID"; wait "$NATS_PID" 2>/dev/null; }
