#!/usr/bin/env bash
# CI's Miri runs, Stacked Borrows and Tree Borrows, in two lanes side by side: Miri interprets on one core,
# and CI machines have two. Each lane has its own target directory (cargo would otherwise serialise them on
# its lock) and log; both logs are printed when both lanes are done, and the script fails if either failed.
#   lane 1: Stacked Borrows, the host tests and the powerpc (32-bit, big-endian) pass
#   lane 2: Stacked Borrows, the threaded tests under many seeds; then Tree Borrows, host, fewer seeds
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/nightly.sh
install_nightly
cargo +"$NIGHTLY" miri setup >/dev/null # the sysroot, built once before the lanes share it

mkdir -p target/miri-ci
lane1() {
  CARGO_TARGET_DIR=target/miri-lane1 MIRI_PARTS="host powerpc" bash scripts/miri.sh
}
lane2() {
  CARGO_TARGET_DIR=target/miri-lane2 MIRI_PARTS="seeds" bash scripts/miri.sh &&
    CARGO_TARGET_DIR=target/miri-lane2 MIRIFLAGS="-Zmiri-tree-borrows" MIRI_HOST_ONLY=1 MIRI_SEEDS=0..2 \
      MIRI_THREAD_SEEDS=0..1 bash scripts/miri.sh
}
lane1 >target/miri-ci/lane1.log 2>&1 &
pid1=$!
lane2 >target/miri-ci/lane2.log 2>&1 &
pid2=$!
wait "$pid1"
rc1=$?
wait "$pid2"
rc2=$?
for lane in 1 2; do
  printf '\n---- Miri lane %s ----\n' "$lane"
  cat "target/miri-ci/lane$lane.log"
done
printf '\nMiri lanes: lane 1 exit %s, lane 2 exit %s, %ss in all\n' "$rc1" "$rc2" "$SECONDS"
[ "$rc1" = 0 ] && [ "$rc2" = 0 ]
