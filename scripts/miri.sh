#!/usr/bin/env bash
# Runs the runtime's unit tests and the integration tests that exercise allocation, handles, refcounts, weak
# handles, byte pools and arenas under Miri, on the nightly pinned in scripts/nightly.sh. Iteration counts
# shrink under cfg(miri); the logic does not. Pass extra flags in MIRIFLAGS, e.g.
# MIRIFLAGS=-Zmiri-tree-borrows. MIRI_PARTS chooses the parts (default all three: "host seeds powerpc");
# scripts/miri-ci.sh runs them in two lanes side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/nightly.sh
install_nightly
parts=" ${MIRI_PARTS:-host seeds powerpc} "
if [ "${MIRI_HOST_ONLY:-0}" = 1 ]; then parts="${parts/ powerpc / }"; fi
part() { case "$parts" in *" $1 "*) printf '\n-- Miri part %s (%ss)\n' "$1" "$SECONDS" ;; *) return 1 ;; esac; }

if part host; then
cargo +"$NIGHTLY" miri test -p pool-runtime --lib
# Every file named here must exist (cargo stops on a missing one): the list is what the README counts.
integration=()
for test in alloc drops errors handles in_place options raw_pool threads zeroize shared shared_threads \
            stress pools_block byte_pool allocator_api arena hygiene forbid_unsafe generated_names memory_cost \
            dma bytes_io wait wait_bytes c_api chain track_callers trace byte_observe failure_counts; do
  integration+=(--test "$test")
done
echo "Miri: ${#integration[@]} integration test files"
cargo +"$NIGHTLY" miri test -p blockpool "${integration[@]}"
fi

# The threaded tests under many schedules: each seed is another interleaving of the threads (finding 1 of
# the soundness review, a lost reference count, needed a few seeds). MIRI_SEEDS overrides the range.
# `threads`, `wait` and `wait_bytes` (about 20 s a seed for `threads`) get half the seeds of the handle and raw-free races.
if part seeds; then
seeds="${MIRI_SEEDS:-0..8}"
MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-many-seeds=${seeds}" \
  cargo +"$NIGHTLY" miri test -p blockpool --test shared_threads --test raw_pool
MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-many-seeds=${MIRI_THREAD_SEEDS:-0..4}" \
  cargo +"$NIGHTLY" miri test -p blockpool --test threads --test wait --test wait_bytes
fi

# A 32-bit big-endian target without 64-bit atomics: the free list's narrow head layout (16-bit index,
# 16-bit tag, separate counters) and every byte-order assumption. MIRI_HOST_ONLY=1 skips it.
if part powerpc; then
cargo +"$NIGHTLY" miri test -p pool-runtime --lib --target powerpc-unknown-linux-gnu
# `wait` and `wait_bytes`: the marks of waiting tasks on the tagged head (docs/safety.md Q1, Q5), about 15 s.
cargo +"$NIGHTLY" miri test -p blockpool --target powerpc-unknown-linux-gnu --test alloc --test threads \
  --test raw_pool --test shared --test stress --test byte_pool --test memory_cost --test c_api \
  --test wait --test wait_bytes
fi
printf -- "-- Miri parts done (%ss)\n" "$SECONDS"
