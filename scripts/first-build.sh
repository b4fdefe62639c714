#!/usr/bin/env bash
# The first hour of a new user, measured: runs the README's two commands, `cargo run --example quickstart`
# and `cargo test --workspace`, each from an empty target directory (as on a fresh clone), and prints how
# many crates each compiled and how long it took. Fails if the first command compiles MAX_CRATES (default
# 25) crates or more: the benchmark and comparison crates belong to blockpool-bench (benches/), not to
# blockpool's dev-dependencies. The times are printed, never checked (they depend on the machine and its
# load). Crates already downloaded to ~/.cargo are not downloaded again, so the times leave out the network.
#
#   scripts/first-build.sh                 # both commands
#   scripts/first-build.sh quickstart      # only the first
set -euo pipefail
cd "$(dirname "$0")/.."

max_crates="${MAX_CRATES:-25}"
which="${1:-all}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure NAME COMMAND...: runs the command with an empty target directory of its own; sets `crates` and
# `seconds`.
measure() {
  local name=$1
  shift
  local start end status=0
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$work/$name" "$@" >"$work/$name.out" 2>"$work/$name.err" || status=$?
  end=$(date +%s.%N)
  if [ "$status" -ne 0 ]; then
    echo "FAILED: $* exited with status $status" >&2
    tail -n 40 "$work/$name.err" >&2
    exit 1
  fi
  # One `Compiling <crate> <version>` line per crate (a build script and its library count once).
  crates=$(sed -n 's/^ *Compiling \([^ ]*\) \(v[^ ]*\).*/\1 \2/p' "$work/$name.err" | sort -u | wc -l)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  rm -rf "${work:?}/$name"
}

echo "rustc $(rustc -V | cut -d' ' -f2), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

measure quickstart cargo run --color never --example quickstart
echo "cargo run --example quickstart: $crates crates compiled in $seconds s (empty target directory)"
if [ "$crates" -ge "$max_crates" ]; then
  echo "FAILED: the first command compiles $crates crates, the limit is fewer than $max_crates" >&2
  exit 1
fi

if [ "$which" = quickstart ]; then exit 0; fi
measure test cargo test --color never --workspace
echo "cargo test --workspace: $crates crates compiled, $seconds s with the tests run (empty target directory)"
