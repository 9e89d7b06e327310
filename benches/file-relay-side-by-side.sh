#!/bin/sh
# The file relay of BENCHMARKS.md in one session: a 16 MiB upload to 4 receivers through
# ../shared/tools/null-relay (a raw byte relay: the ceiling; the receivers read the sender's own
# frame as it copies it) and through the built-in server in both designs, each checked byte for
# byte by `chat-harness bench --shape file`. Rounds are interleaved (null-relay, polling,
# threaded, ROUNDS times over), with a fresh relay or server per run, because a run takes
# 30-60 ms and single runs vary by a factor of two. Prints one line per run,
# "label MB/s complete=K", then the medians and each design's share of null-relay.
# Usage: benches/file-relay-side-by-side.sh [ROUNDS]   (from the repository root, after
#   cargo build --release and gcc -O2 -o /tmp/null_relay ../shared/tools/null-relay/null_relay.c)
set -u
ROUNDS=${1:-11}
CH=${CH:-./target/release/chat-harness}
RELAY=${RELAY:-/tmp/null_relay}
SIZE=${SIZE:-16M}
RUNS=$(mktemp)
rate() { sed -n 's/.*"aggregate_mb_per_s":\([0-9.]*\).*"complete":\([0-9]*\).*/\1 complete=\2/p'; }
bench() { "$CH" bench --shape file -n 4 --file-size "$SIZE" --format json "$@" 2>/dev/null | rate; }
. "$(dirname "$0")/steal.sh"
steal_start
date -u +"start %H:%M:%S"; uptime
r=0
while [ "$r" -lt "$ROUNDS" ]; do
  out=$(mktemp); "$RELAY" 0 >"$out" &
  pid=$!
  while ! grep -q listening "$out"; do sleep 0.05; done
  echo "null-relay $(bench --target "$(sed -n 's/.*listening on //p' "$out")" --raw-relay)"
  kill "$pid"; wait "$pid" 2>/dev/null; rm -f "$out"
  echo "polling $(bench --server-mode polling)"
  echo "threaded $(bench --server-mode threaded)"
  r=$((r + 1))
done | tee "$RUNS"
date -u +"end %H:%M:%S"; uptime
steal_report
median() { grep "^$1 " "$RUNS" | awk '{print $2}' | sort -g | awk '{v[NR]=$1} END {if (NR) printf "%.0f", v[int((NR+1)/2)]}'; }
c=$(median null-relay)
echo "medians (aggregate MB/s), and the share of null-relay:"
for label in null-relay polling threaded; do
  m=$(median "$label")
  echo "$label $m ($(awk -v m="$m" -v c="$c" 'BEGIN {printf "%.0f", 100 * m / c}') % of null-relay)"
done
echo "runs with a receiver incomplete: $(grep -vc 'complete=4' "$RUNS")"
rm -f "$RUNS"
