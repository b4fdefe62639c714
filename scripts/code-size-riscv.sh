#!/usr/bin/env bash
# What one pool costs on a RISC-V core: flash (.text + .rodata) and RAM (.data + .bss) of three tiny programs
# in examples/firmware-riscv/src/size/, built in release (opt-level "s", fat LTO, one codegen unit):
#   size-baseline   a 64-byte message built on the stack, read back, exit
#   size-blockpool  the same message allocated in a `#[memory_pool(count = 4)]` pool, read, freed
#   size-heapless   the same with `heapless::pool::box_pool!` and 4 blocks; its 64-bit compare-and-swap,
#                   which no RV32 core has, comes from portable-atomic: a critical section on riscv32imc,
#                   interrupts disabled around it on riscv32imac (see the firmware's Cargo.toml)
# for riscv32imac (A extension: blockpool's free list is lock-free) and riscv32imc (no atomics: blockpool
# with `portable-atomic-critical-section`). The difference to the baseline is the pool's cost. Each program
# also runs in QEMU (`virt`), so what is measured is known to allocate and free. Needs llvm-size (rustup
# component llvm-tools; else Debian's riscv64-unknown-elf-size) and qemu-system-riscv32, each installed here
# when missing (scripts/apt.sh: nothing is removed).
#
# Prints the table and writes it into README.md, between the `<!-- code-size-riscv:begin -->` and
# `<!-- code-size-riscv:end -->` markers (CODE_SIZE_README=0 only prints it). The README's numbers are
# therefore the last run's; review the diff before committing it.
#
#   scripts/code-size-riscv.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
install_qemu qemu-system-misc qemu-system-riscv32

targets=(riscv32imac-unknown-none-elf riscv32imc-unknown-none-elf)
# Inside the repository, so that both go to the toolchain pinned by rust-toolchain.toml.
rustup target add "${targets[@]}" >/dev/null 2>&1 || rustup target add "${targets[@]}"
host=$(rustc -vV | sed -n 's/^host: //p')
size_tool="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-size"
if [ ! -x "$size_tool" ] && ! rustup component add llvm-tools >/dev/null 2>&1; then
  # No rustup component to be had: GNU size from Debian's RISC-V binutils prints the same table.
  size_tool=riscv64-unknown-elf-size
  if ! command -v "$size_tool" >/dev/null; then
    apt_install binutils-riscv64-unknown-elf
  fi
fi

cd examples/firmware-riscv

# Prints "flash ram" of an ELF file, from its section sizes (riscv-rt's link.x puts .srodata into .rodata,
# .sdata into .data and .sbss into .bss).
measure() {
  "$size_tool" -A "$1" | awk '
    $1 == ".text" || $1 == ".rodata" { flash += $2 }
    $1 == ".data" || $1 == ".bss" { ram += $2 }
    END { print flash + 0, ram + 0 }'
}

row() {
  printf '%-30s %-15s %7s %7s %7s %7s\n' "$@"
}

# The same rows as a Markdown table, for the README.
table="$(mktemp)"
trap 'rm -f "$table"' EXIT
md() {
  printf '| %s | %s | %s | %s | %s | %s |\n' "$@" >>"$table"
}
label() { # program, target -> what the README calls it
  case "$1" in
    size-baseline) echo "baseline: the message on the stack" ;;
    size-blockpool)
      if [ "$2" = riscv32imc-unknown-none-elf ]; then
        echo "blockpool \`#[memory_pool(count = 4)]\` (\`portable-atomic-critical-section\`)"
      else
        echo "blockpool \`#[memory_pool(count = 4)]\`"
      fi
      ;;
    size-heapless)
      if [ "$2" = riscv32imc-unknown-none-elf ]; then
        echo "\`heapless::pool\` \`box_pool!\` + 4 blocks (its 64-bit CAS a critical section: portable-atomic \`critical-section\`)"
      else
        echo "\`heapless::pool\` \`box_pool!\` + 4 blocks (its 64-bit CAS with interrupts off: portable-atomic \`unsafe-assume-single-core\`)"
      fi
      ;;
  esac
}

programs=(size-baseline size-blockpool size-heapless)
bins=()
for program in "${programs[@]}"; do bins+=(--bin "$program"); done

row target program flash "+flash" RAM "+RAM"
for target in "${targets[@]}"; do
  cargo build --quiet --release --features code-size --target "$target" "${bins[@]}"

  base_flash=0
  base_ram=0
  for program in "${programs[@]}"; do
    if ! timeout 60 cargo run --quiet --release --features code-size --target "$target" \
      --bin "$program" >/dev/null 2>&1; then
      echo "FAILED: $program did not exit with success on $target" >&2
      exit 1
    fi
    read -r flash ram < <(measure "target/$target/release/$program")
    if [ "$flash" -eq 0 ]; then
      echo "FAILED: no .text in target/$target/release/$program ($size_tool)" >&2
      exit 1
    fi
    if [ "$program" = size-baseline ]; then
      base_flash=$flash
      base_ram=$ram
      row "$target" baseline "$flash" - "$ram" -
      md "\`$target\`" "$(label "$program" "$target")" "$flash" "" "$ram" ""
    else
      row "$target" "${program#size-}" "$flash" "+$((flash - base_flash))" "$ram" "+$((ram - base_ram))"
      md "" "$(label "$program" "$target")" "$flash" "+$((flash - base_flash))" "$ram" "+$((ram - base_ram))"
    fi
  done
done

if [ "${CODE_SIZE_README:-1}" = 1 ]; then
  cd ../..
  python3 - "$table" "$(rustc -V | cut -d' ' -f1-2)" <<'EOF_PY'
import sys
table, rustc = open(sys.argv[1]).read(), sys.argv[2]
begin, end = '<!-- code-size-riscv:begin -->', '<!-- code-size-riscv:end -->'
text = open('README.md').read()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
block = (f'{begin}\n<!-- Written by scripts/code-size-riscv.sh; do not edit by hand. -->\n'
         f'RISC-V, measured with {rustc}, in bytes:\n\n'
         '| target | program | flash | + flash | RAM | + RAM |\n|---|---|--:|--:|--:|--:|\n'
         f'{table}{end}')
open('README.md', 'w').write(head + block + tail)
print('wrote the RISC-V code-size table into README.md')
EOF_PY
fi
