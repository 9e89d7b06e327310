#!/bin/bash -eu
# Builds every cargo-fuzz target of fuzz/ as it is (ClusterFuzzLite / OSS-Fuzz: $SRC, $OUT and
# the sanitizer flags come from the base-builder-rust image) and ships each target's committed
# corpus as its seed corpus.
cd "$SRC/chat-harness/fuzz"
cargo fuzz build --release --debug-assertions
for target in $(cargo fuzz list); do
  cp "target/x86_64-unknown-linux-gnu/release/$target" "$OUT/"
  if [ -d "corpus/$target" ]; then
    (cd "corpus/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
  fi
done
