#!/usr/bin/env bash
# The C API from C: checks that include/blockpool.h is what cbindgen makes of the code, compiles it
# warning-free as C99 and C++11, builds the Rust static library of tests/c-api/ (pools declared with
# `c_name`), links the C test program tests/c-api/test.c against it and runs it, then again with
# AddressSanitizer and UBSan on the C side.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/c-header.sh --check

# gcc is on every CI machine; g++ (the header as C++) may not be.
if ! command -v g++ >/dev/null; then
  source scripts/apt.sh
  apt_install g++
fi

out=target/c-api
mkdir -p "$out"
warn=(-Wall -Wextra -pedantic -Werror)

echo "== the header alone, as C99, C11 and C++11"
printf '#include "blockpool.h"\nint main(void) { return bp_status_str(BP_OK) == 0; }\n' >"$out/header.c"
gcc -std=c99 "${warn[@]}" -Iinclude -c "$out/header.c" -o "$out/header-c99.o"
gcc -std=c11 "${warn[@]}" -Iinclude -c "$out/header.c" -o "$out/header-c11.o"
g++ -std=c++11 "${warn[@]}" -Iinclude -x c++ -c "$out/header.c" -o "$out/header-cxx.o"

echo "== the Rust static library (tests/c-api): fmt, clippy, build (its own workspace: the root's do not reach it)"
cargo fmt --manifest-path tests/c-api/Cargo.toml --check
cargo clippy --manifest-path tests/c-api/Cargo.toml --target-dir "$out/rust" -- -D warnings
cargo build --release --manifest-path tests/c-api/Cargo.toml --target-dir "$out/rust"
lib="$out/rust/release/libblockpool_c_api_test.a"
libs=(-lpthread -ldl -lm)

echo "== the C test program"
gcc -std=c11 "${warn[@]}" -O1 -g -Iinclude tests/c-api/test.c "$lib" "${libs[@]}" -o "$out/test"
"$out/test"

echo "== the C test program with AddressSanitizer and UBSan"
gcc -std=c11 "${warn[@]}" -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  -fno-omit-frame-pointer -Iinclude tests/c-api/test.c "$lib" "${libs[@]}" -o "$out/test-asan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$out/test-asan"
