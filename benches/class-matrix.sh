#!/bin/sh
# Issue 31's "class in minutes": a made-up class of lab-style submissions (30 servers and 30
# clients from tests/python/make_class.py, interop pairs sampled 3 per client), run once at the
# matrix's default -j and once one scenario at a time (-j 1), and their cells compared.
# The generator gives every server the switches that make its races go one way on every run
# (RACY=1 passes --racy: races left to the scheduler, and cells on `sometimes` races differ).
# The -j 1 run takes close to two hours in one process (every expected failure waits out its
# step timeout); SHARDS=N (N > 1) runs it as N processes side by side, each `-j 1` over its
# part of the cells (`--shard K/N`), merged with `matrix merge`: at most N scenarios at once.
# Usage: benches/class-matrix.sh OUT_DIR [SHARDS]   (from the repository root, after
#   cargo build --release); prints both wall times and the cells that differ.
set -eu
OUT=$1
SHARDS=${2:-1}
CH=${CH:-./target/release/chat-harness}
mkdir -p "$OUT"
python3 tests/python/make_class.py "$OUT" --servers 30 --clients 30 --seed 1 --interop-pairs 3 ${RACY:+--racy}
grep -q '^interop_pairs = 3' "$OUT/class.toml"
start=$(date +%s.%N)
"$CH" matrix "$OUT/class.toml" --out "$OUT/default" > "$OUT/default.log" 2>&1 || true
end=$(date +%s.%N)
echo "default -j: $(echo "$end - $start" | bc) s wall" | tee "$OUT/times.txt"
start=$(date +%s.%N)
if [ "$SHARDS" -le 1 ]; then
  "$CH" matrix "$OUT/class.toml" -j 1 --out "$OUT/j1" > "$OUT/j1.log" 2>&1 || true
  end=$(date +%s.%N)
  echo "-j 1: $(echo "$end - $start" | bc) s wall" | tee -a "$OUT/times.txt"
else
  k=1
  while [ "$k" -le "$SHARDS" ]; do
    "$CH" matrix "$OUT/class.toml" -j 1 --shard "$k/$SHARDS" --out "$OUT/j1-shard-$k" > "$OUT/j1-shard-$k.log" 2>&1 &
    k=$((k + 1))
  done
  wait
  end=$(date +%s.%N)
  echo "-j 1 in $SHARDS shards side by side: $(echo "$end - $start" | bc) s wall" | tee -a "$OUT/times.txt"
  "$CH" matrix merge "$OUT"/j1-shard-*/matrix.json --out "$OUT/j1" > "$OUT/merge.log" 2>&1 || true
fi
python3 benches/compare-cells.py "$OUT/j1/matrix.json" "$OUT/default/matrix.json" | tee "$OUT/compare.txt"
