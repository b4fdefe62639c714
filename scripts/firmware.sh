#!/usr/bin/env bash
# Builds the firmware in examples/firmware-cortex-m for each Cortex-M core, runs it in QEMU and compares
# what it prints with examples/firmware-cortex-m/expected/<target>.run. Fails if a run does not exit with
# success (the firmware exits with failure on any panic or failed check), times out, or prints anything
# else. Installs the Rust targets, and QEMU when `qemu-system-arm` is missing (Debian/Ubuntu apt-get, never
# removing a package already installed: scripts/apt.sh).
#
#   scripts/firmware.sh                      # every core
#   scripts/firmware.sh thumbv6m-none-eabi   # one or more targets
#   BLESS=1 scripts/firmware.sh              # rewrite the expected files (then review their diff)
set -euo pipefail
cd "$(dirname "$0")/.."

# Target -> QEMU machine is set by the runners in examples/firmware-cortex-m/.cargo/config.toml.
all_targets=(thumbv7m-none-eabi thumbv6m-none-eabi thumbv7em-none-eabihf)
targets=("${@:-${all_targets[@]}}")
final_line="every block is back and the counts add up"

source scripts/apt.sh
install_qemu
qemu-system-arm --version | head -n 1
# Inside the repository, so that the targets go to the toolchain pinned by rust-toolchain.toml.
rustup target add "${all_targets[@]}" >/dev/null

cd examples/firmware-cortex-m
mkdir -p target/runs
passed=0
failed=0
for target in "${targets[@]}"; do
  echo "== $target"
  cargo build --release --target "$target" --bin firmware
  out="target/runs/$target.run"
  err="target/runs/$target.stderr"
  expected="expected/$target.run"
  status=0
  timeout 120 cargo run --release --target "$target" --bin firmware >"$out" 2>"$err" || status=$?

  problem=""
  if [ "$status" -eq 124 ]; then
    problem="timed out after 120 s"
  elif [ "$status" -ne 0 ]; then
    problem="exited with status $status"
  elif [ "$(tail -n 1 "$out")" != "$final_line" ]; then
    problem="its last line is not \"$final_line\""
  fi

  if [ -z "$problem" ] && [ "${BLESS:-0}" = 1 ]; then
    cp "$out" "$expected"
    echo "wrote $expected"
  elif [ -z "$problem" ] && ! diff -u "$expected" "$out"; then
    problem="its output differs from $expected (above; BLESS=1 rewrites it)"
  fi

  if [ -n "$problem" ]; then
    echo "FAILED: $target $problem"
    echo "-- output"
    cat "$out"
    echo "-- stderr"
    cat "$err"
    failed=$((failed + 1))
  else
    echo "ok: $(grep -c '' "$out") lines as expected, ending \"$final_line\""
    passed=$((passed + 1))
  fi
done

echo
echo "firmware: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
