#!/usr/bin/env bash
# Generates include/blockpool.h from pool-runtime/src/c_api/c_api.rs with cbindgen (installed at the pinned
# version if missing). `scripts/c-header.sh --check` writes to a temporary file and fails if the committed
# header differs (CI); without it, the header is rewritten.
set -euo pipefail
cd "$(dirname "$0")/.."

CBINDGEN_VERSION=0.29.2
if ! cbindgen --version 2>/dev/null | grep -qx "cbindgen $CBINDGEN_VERSION"; then
  # A debug build: 36 s instead of 2 minutes on 2 cores, and fast enough for one file.
  echo "== installing cbindgen $CBINDGEN_VERSION (a debug build, about 40 s, once)"
  cargo install cbindgen --version "=$CBINDGEN_VERSION" --locked --debug
fi

out=include/blockpool.h
if [ "${1:-}" = --check ]; then
  out=$(mktemp)
  trap 'rm -f "$out"' EXIT
fi
cbindgen --quiet --config include/cbindgen.toml --output "$out" pool-runtime/src/c_api/c_api.rs
if [ "${1:-}" = --check ]; then
  if ! diff -u include/blockpool.h "$out"; then
    echo "FAILED: include/blockpool.h differs from what pool-runtime/src/c_api/c_api.rs gives:" \
      "run scripts/c-header.sh and commit the header" >&2
    exit 1
  fi
  echo "include/blockpool.h is up to date"
fi
