#!/usr/bin/env bash
# Builds the firmware for each core, runs it in QEMU and compares what it prints with
# expected/<target>.run in the firmware's folder: examples/firmware-cortex-m for the Cortex-M targets,
# examples/firmware-riscv for the RISC-V ones, and the embassy application of examples/firmware-embassy
# (Cortex-M3 only), and the mixed C and Rust firmware (`mixed-c`: the Cortex-M folder's bin `mixed-c`, whose
# C driver allocates from Rust pools through the C API; Cortex-M3 only, needs arm-none-eabi-gcc). Fails if a run does not exit with success (the firmware exits with failure on any panic
# or failed check), times out, or prints anything else. Installs the Rust targets, and QEMU when
# `qemu-system-arm` or `qemu-system-riscv32` is missing (Debian/Ubuntu apt-get, never removing a package
# already installed: scripts/apt.sh).
#
#   scripts/firmware.sh                      # every core, then the embassy firmware
#   scripts/firmware.sh thumbv6m-none-eabi   # one or more targets
#   scripts/firmware.sh embassy              # the embassy firmware (can be mixed with targets)
#   scripts/firmware.sh mixed-c              # the mixed C and Rust firmware
#   scripts/firmware.sh defmt-trace          # the trace hook that logs with defmt (Cortex-M3): its output is
#                                            # defmt frames, decoded and compared when `defmt-print` is on the
#                                            # PATH (cargo install defmt-print), else only its exit status and
#                                            # that it logged are checked (the program checks its own counts)
#   BLESS=1 scripts/firmware.sh              # rewrite the expected files (then review their diff)
set -euo pipefail
cd "$(dirname "$0")/.."

# Target -> QEMU machine is set by the runners in each folder's .cargo/config.toml.
cortex_m_targets=(thumbv7m-none-eabi thumbv6m-none-eabi thumbv7em-none-eabihf)
riscv_targets=(riscv32imac-unknown-none-elf riscv32imc-unknown-none-elf)
# The embassy firmware: its folder and its one target.
embassy_folder=examples/firmware-embassy
embassy_target=thumbv7m-none-eabi
all_runs=("${cortex_m_targets[@]}" mixed-c defmt-trace "${riscv_targets[@]}" embassy)
final_line="every block is back and the counts add up"

# The firmware's folder for a run: a target (its core's firmware) or `embassy`.
folder() {
  case "$1" in
    embassy) echo "$embassy_folder" ;;
    thumb* | mixed-c | defmt-trace) echo examples/firmware-cortex-m ;;
    riscv*) echo examples/firmware-riscv ;;
    *) echo "no firmware for $1 (give a target, 'embassy' or 'mixed-c')" >&2; return 1 ;;
  esac
}

# The target a run builds for.
target_of() {
  case "$1" in
    embassy) echo "$embassy_target" ;;
    mixed-c | defmt-trace) echo thumbv7m-none-eabi ;;
    *) echo "$1" ;;
  esac
}

# The cargo arguments that pick a run's program, and the prefix of its output files.
bin_args() {
  case "$1" in
    mixed-c) echo "--features mixed-c --bin mixed-c" ;;
    defmt-trace) echo "--features defmt-trace --bin defmt-trace" ;;
    *) echo "--bin firmware" ;;
  esac
}
file_prefix() {
  case "$1" in
    mixed-c) echo "mixed-c." ;;
    defmt-trace) echo "defmt-trace." ;;
    *) echo "" ;;
  esac
}

runs=("${@:-${all_runs[@]}}")
source scripts/apt.sh
targets=()
for run in "${runs[@]}"; do
  folder "$run" >/dev/null
  targets+=("$(target_of "$run")")
done
if [[ " ${targets[*]}" == *" thumb"* ]]; then
  install_qemu
  qemu-system-arm --version | head -n 1
fi
if [[ " ${runs[*]} " == *" mixed-c "* ]]; then
  install_arm_gcc # the mixed-c firmware's C driver
fi
if [[ " ${targets[*]}" == *" riscv"* ]]; then
  install_qemu qemu-system-misc qemu-system-riscv32
  qemu-system-riscv32 --version | head -n 1
fi
# Inside the repository, so that the targets go to the toolchain pinned by rust-toolchain.toml.
rustup target add "${targets[@]}" >/dev/null

root=$PWD
passed=0
failed=0
for run in "${runs[@]}"; do
  target=$(target_of "$run")
  if [ "$run" = "$target" ]; then echo "== $target"; else echo "== $run ($target)"; fi
  cd "$root/$(folder "$run")"
  mkdir -p target/runs
  read -r -a program <<<"$(bin_args "$run")"
  cargo build --release --target "$target" "${program[@]}"
  prefix=$(file_prefix "$run")
  out="target/runs/$prefix$target.run"
  err="target/runs/$prefix$target.stderr"
  expected="expected/$prefix$target.run"
  status=0
  timeout 120 cargo run --release --target "$target" "${program[@]}" >"$out" 2>"$err" || status=$?
  last_line=$final_line
  if [ "$run" = defmt-trace ] && [ "$status" -eq 0 ]; then
    # defmt frames: decoded against the program's ELF when the host decoder is installed.
    frames="target/runs/$prefix$target.frames"
    mv "$out" "$frames"
    last_line="allocs, frees, failures: [3, 3, 1]"
    if command -v defmt-print >/dev/null; then
      defmt-print -e "target/$target/release/defmt-trace" <"$frames" >"$out"
    else
      echo "defmt-print is not installed: checked the exit status and that $(wc -c <"$frames") bytes of defmt frames came out, not their text"
      [ -s "$frames" ] || status=1
      cp "$expected" "$out"
    fi
  fi

  problem=""
  if [ "$status" -eq 124 ]; then
    problem="timed out after 120 s"
  elif [ "$status" -ne 0 ]; then
    problem="exited with status $status"
  elif [ "$(tail -n 1 "$out")" != "$last_line" ]; then
    problem="its last line is not \"$last_line\""
  fi

  if [ -z "$problem" ] && [ "${BLESS:-0}" = 1 ]; then
    cp "$out" "$expected"
    echo "wrote $expected"
  elif [ -z "$problem" ] && ! diff -u "$expected" "$out"; then
    problem="its output differs from $expected (above; BLESS=1 rewrites it)"
  fi

  if [ -n "$problem" ]; then
    echo "FAILED: $run $problem"
    echo "-- output"
    cat "$out"
    echo "-- stderr"
    cat "$err"
    failed=$((failed + 1))
  else
    echo "ok: $(grep -c '' "$out") lines as expected, ending \"$last_line\""
    passed=$((passed + 1))
  fi
done

echo
echo "firmware: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
