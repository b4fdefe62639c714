#!/usr/bin/env bash
# Checks the minimum supported Rust version: builds the three library crates (blockpool, pool-runtime,
# pool-macros) with the toolchain named by `rust-version` in the workspace's Cargo.toml, the one place it
# is written, installing that toolchain and its targets first. Only the libraries are built: the tests,
# examples and benchmarks (and their dev-dependencies) follow the pinned stable toolchain of
# rust-toolchain.toml, which `cargo +VERSION` overrides here.
#
# Builds, each with every feature that applies to the target:
#   - the host (x86-64: the `wide` free-list head), all features;
#   - thumbv7em-none-eabihf (Cortex-M4F: the LL/SC head), all features, and the `#![no_std]` consumer of
#     tests/no-std;
#   - thumbv6m-none-eabi (Cortex-M0: the critical-section head) with portable-atomic-critical-section;
#   - riscv32imac-unknown-none-elf (the tagged head).
# Its own target directory (target/msrv) keeps the stable toolchain's artifacts untouched.
#
#   scripts/msrv.sh
#   MSRV=1.86 scripts/msrv.sh   # another version, e.g. to try a raise
set -euo pipefail
cd "$(dirname "$0")/.."

msrv="${MSRV:-$(sed -n 's/^rust-version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)}"
if [ -z "$msrv" ]; then
  echo "FAILED: no rust-version in Cargo.toml" >&2
  exit 1
fi
targets=(thumbv7em-none-eabihf thumbv6m-none-eabi riscv32imac-unknown-none-elf)

# `rustup toolchain install 1.85` installs the newest 1.85.x; the targets' standard libraries with it.
if ! rustup run "$msrv" rustc -V >/dev/null 2>&1; then
  rustup toolchain install "$msrv" --profile minimal
fi
rustup target add --toolchain "$msrv" "${targets[@]}" >/dev/null 2>&1 \
  || rustup target add --toolchain "$msrv" "${targets[@]}"
echo "rust-version = \"$msrv\": $(rustup run "$msrv" rustc -V)"

build() {
  echo "+ cargo +$msrv build $*"
  cargo "+$msrv" build --quiet --locked --target-dir target/msrv "$@"
}

build -p blockpool -p pool-runtime -p pool-macros --all-features
build -p blockpool -p pool-runtime --target thumbv7em-none-eabihf --all-features
build --manifest-path tests/no-std/Cargo.toml --target thumbv7em-none-eabihf
build -p blockpool -p pool-runtime --target thumbv6m-none-eabi --features portable-atomic-critical-section
build -p blockpool -p pool-runtime --target riscv32imac-unknown-none-elf
echo "the library crates build with Rust $msrv"
