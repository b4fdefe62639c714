#!/usr/bin/env bash
# Runs the multi-threaded tests under ThreadSanitizer and AddressSanitizer (the nightly pinned in
# scripts/nightly.sh, std rebuilt with the sanitizer so that its own code is instrumented too).
#
#   scripts/sanitize.sh            # both
#   scripts/sanitize.sh thread     # one of: thread, address
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-gnu
tests=(--test threads --test shared_threads --test stress)
source scripts/nightly.sh
install_nightly

for sanitizer in "${@:-thread address}"; do
  for one in $sanitizer; do
    echo "== ${one} sanitizer"
    export RUSTFLAGS="-Zsanitizer=${one}"
    export RUSTDOCFLAGS="-Zsanitizer=${one}"
    if [ "$one" = thread ]; then export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"; fi
    if [ "$one" = address ]; then export ASAN_OPTIONS="detect_leaks=1 halt_on_error=1"; fi
    cargo +"$NIGHTLY" test -Zbuild-std --target "$target" --target-dir "target/sanitize-${one}" \
      "${tests[@]}" -- --test-threads 2
  done
done
