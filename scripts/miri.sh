#!/usr/bin/env bash
# Runs the runtime's unit tests and the integration tests that exercise allocation, handles, refcounts, weak
# handles, byte pools and arenas under Miri (nightly). Iteration counts shrink under cfg(miri); the logic
# does not. Pass extra flags in MIRIFLAGS, e.g. MIRIFLAGS=-Zmiri-tree-borrows.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup component add miri rust-src --toolchain nightly >/dev/null 2>&1 || true

export PROPTEST_CASES="${PROPTEST_CASES:-16}"
cargo +nightly miri test -p pool-runtime --lib
integration=()
for test in smoke alloc drops errors handles in_place options raw_pool threads zeroize shared shared_threads \
            stress model pools_block byte_pool allocator_api arena hygiene; do
  if [ -f "tests/$test.rs" ]; then integration+=(--test "$test"); fi
done
cargo +nightly miri test -p blockpool "${integration[@]}"
