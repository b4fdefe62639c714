#!/usr/bin/env bash
# Checks that the three published crates package and would publish: `cargo package` then `cargo publish
# --dry-run` for pool-runtime, pool-macros and blockpool together. Cargo orders them by their dependencies
# and, as they are not on crates.io yet, resolves the facade's `=x.y.z` dependencies on the other two through
# a temporary local registry holding the freshly packaged crates. Each packaged crate is then compiled on
# its own (the verify step), so a file the build needs but the manifest's `include` leaves out fails here.
# Prints what each .crate holds and its size. Nothing is uploaded; crate ownership on crates.io is not checked.
#
#   scripts/package.sh                  # needs a clean work tree for the three crates, as publishing does
#   scripts/package.sh --allow-dirty    # with uncommitted changes, while working on them
set -euo pipefail
cd "$(dirname "$0")/.."

crates=(pool-runtime pool-macros blockpool)
packages=()
for crate in "${crates[@]}"; do packages+=(-p "$crate"); done
version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1) # [workspace.package]
out="${CARGO_TARGET_DIR:-target}/package"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() {
  echo "+ cargo $*"
  if ! cargo "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "FAILED: cargo $*" >&2
    exit 1
  fi
  # Warnings (a missing metadata field, a file the include list leaves out) fail the check too; not the
  # dry run's own, nor a retried download.
  if grep '^warning' "$log" | grep -qv 'aborting upload due to dry run\|spurious network error'; then
    cat "$log" >&2
    echo "FAILED: cargo $* printed warnings" >&2
    exit 1
  fi
}

# Cargo verifies the facade against the other two through a temporary local registry, and keeps what it
# unpacks from it under $CARGO_HOME/registry/src/-<hash of the registry's path>/. A later run from the same
# checkout path finds a crate of the same version there and reuses it, stale: remove our crates' copies.
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
for crate in "${crates[@]}"; do
  rm -rf "$cargo_home"/registry/src/-*/"$crate-$version"
done

run package "${packages[@]}" "$@"
for crate in "${crates[@]}"; do
  file="$out/$crate-$version.crate"
  files=$(tar -tzf "$file" | wc -l)
  bytes=$(stat -c %s "$file")
  unpacked=$(tar -xzOf "$file" | wc -c)
  printf '%-24s %4d files, %4d KiB unpacked, %4d KiB compressed\n' "$(basename "$file")" "$files" \
    $((unpacked / 1024)) $((bytes / 1024))
done

# The dry run checks what `cargo package` does not: the manifest as crates.io would receive it.
run publish --dry-run "${packages[@]}" "$@"
echo "the three crates package and pass cargo publish --dry-run"
