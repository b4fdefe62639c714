#!/usr/bin/env bash
# What pools cost on a Cortex-M: flash (.text + .rodata) and RAM (.data + .bss) of tiny programs in
# examples/firmware-cortex-m/src/size/, built in release (opt-level "s", fat LTO, one codegen unit), each with
# 1, 2, 4 and 8 pools (features pools-2, pools-4, pools-8), every pool used once (allocate a 64-byte
# message, read it, free it):
#   size-baseline           the same messages built on the stack, read back, exit
#   size-blockpool          `#[memory_pool(type = Message, count = 4)]` per pool
#   size-blockpool-nostats  the same with `stats = false`
#   size-blockpool-track    the same with `track_callers`, each pool's holders counted once after its use (a
#                           program that never reads the sites has their stores removed: the option is then free)
#   size-blockpool-wait     the same with `wait = 4` (nobody waits: the cost of being able to)
#   size-heapless           `heapless::pool::box_pool!` with 4 blocks per pool (needs LDREX/STREX: not on M0)
# The difference to the baseline with as many messages is what the pools cost. Each program also runs in
# QEMU, so what is measured is known to allocate and free. Needs llvm-size (rustup component llvm-tools;
# else Debian's arm-none-eabi-size) and QEMU, each installed here when missing (scripts/apt.sh: nothing is
# removed).
#
# Prints the table and writes it into README.md, between the `<!-- code-size:begin -->` and
# `<!-- code-size:end -->` markers (CODE_SIZE_README=0 only prints it). The README's numbers are therefore the
# last run's; review the diff before committing it.
#
#   scripts/code-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
install_qemu

targets=(thumbv7m-none-eabi thumbv7em-none-eabihf thumbv6m-none-eabi)
# Inside the repository, so that both go to the toolchain pinned by rust-toolchain.toml.
rustup target add "${targets[@]}" >/dev/null 2>&1 || rustup target add "${targets[@]}"
host=$(rustc -vV | sed -n 's/^host: //p')
size_tool="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-size"
if [ ! -x "$size_tool" ] && ! rustup component add llvm-tools >/dev/null 2>&1; then
  # No rustup component to be had: GNU size from Debian's ARM binutils prints the same table.
  size_tool=arm-none-eabi-size
  if ! command -v "$size_tool" >/dev/null; then
    apt_install binutils-arm-none-eabi
  fi
fi

cd examples/firmware-cortex-m

# Prints "flash ram" of an ELF file, from its section sizes.
measure() {
  "$size_tool" -A "$1" | awk '
    $1 == ".text" || $1 == ".rodata" { flash += $2 }
    $1 == ".data" || $1 == ".bss" { ram += $2 }
    END { print flash + 0, ram + 0 }'
}

counts=(1 2 4 8)
features() { # pool count -> cargo features
  if [ "$1" = 1 ]; then echo code-size; else echo "code-size,pools-$1"; fi
}
label() { # program, target -> what the README calls it
  case "$1" in
    size-blockpool)
      if [ "$2" = thumbv6m-none-eabi ]; then
        echo "blockpool (\`portable-atomic-critical-section\`)"
      else
        echo "blockpool"
      fi
      ;;
    size-blockpool-nostats) echo "blockpool, \`stats = false\`" ;;
    size-blockpool-track) echo "blockpool, \`track_callers\` (holders read once)" ;;
    size-blockpool-wait) echo "blockpool, \`wait = 4\`" ;;
    size-heapless) echo "\`heapless::pool\` \`box_pool!\`" ;;
  esac
}

table="$(mktemp)"
results="$(mktemp)" # target program pools flash ram
trap 'rm -f "$table" "$results"' EXIT
for target in "${targets[@]}"; do
  programs=(size-baseline size-blockpool size-blockpool-nostats size-blockpool-track size-blockpool-wait size-heapless)
  if [ "$target" = thumbv6m-none-eabi ]; then programs=("${programs[@]:0:5}"); fi
  bins=()
  for program in "${programs[@]}"; do bins+=(--bin "$program"); done
  for pools in "${counts[@]}"; do
    cargo build --quiet --release --no-default-features --features "$(features "$pools")" --target "$target" "${bins[@]}"
    for program in "${programs[@]}"; do
      if ! timeout 60 cargo run --quiet --release --no-default-features --features "$(features "$pools")" --target "$target" \
        --bin "$program" >/dev/null 2>&1; then
        echo "FAILED: $program with $pools pools did not exit with success on $target" >&2
        exit 1
      fi
      read -r flash ram < <(measure "target/$target/release/$program")
      if [ "$flash" -eq 0 ]; then
        echo "FAILED: no .text in target/$target/release/$program ($size_tool)" >&2
        exit 1
      fi
      echo "$target $program $pools $flash $ram" >>"$results"
    done
  done
done

# One row per target and program: flash over the baseline for 1, 2, 4 and 8 pools, what each pool after
# the first adds on average, and RAM over the baseline for one pool.
python3 - "$results" "$table" <<'EOF_PY'
import sys
results, table = sys.argv[1:]
data = {}
for line in open(results):
    target, program, pools, flash, ram = line.split()
    data[target, program, int(pools)] = (int(flash), int(ram))
print(f"{'target':<22} {'program':<24} {'1 pool':>7} {'2':>7} {'4':>7} {'8':>7} {'further':>8} {'RAM/pool':>8}")
rows = []
for target in dict.fromkeys(t for t, _, _ in data):
    for program in dict.fromkeys(p for t, p, _ in data if t == target and p != 'size-baseline'):
        extra = {n: data[target, program, n][0] - data[target, 'size-baseline', n][0] for n in (1, 2, 4, 8)}
        ram = data[target, program, 1][1] - data[target, 'size-baseline', 1][1]
        further = (extra[8] - extra[1]) / 7
        print(f"{target:<22} {program.removeprefix('size-'):<24} {extra[1]:>+7} {extra[2]:>+7} {extra[4]:>+7} "
              f"{extra[8]:>+7} {further:>+8.0f} {ram:>+8}")
        rows.append((target, program, extra, further, ram))
with open(table, 'w') as out:
    last = None
    for target, program, extra, further, ram in rows:
        out.write(f"| {'`' + target + '`' if target != last else ''} | {program} | "
                  + ' | '.join(f'+{extra[n]}' for n in (1, 2, 4, 8)) + f' | +{further:.0f} | +{ram} |\n')
        last = target
EOF_PY
sed -i "s/| size-blockpool-nostats |/| LABEL_NOSTATS |/; s/| size-blockpool-track |/| LABEL_TRACK |/; s/| size-blockpool-wait |/| LABEL_WAIT |/; s/| size-blockpool |/| LABEL_BLOCKPOOL |/; s/| size-heapless |/| LABEL_HEAPLESS |/" "$table"
while IFS= read -r line; do
  case "$line" in
    '| `thumbv6m-none-eabi`'*) target=thumbv6m-none-eabi ;;
    '| `'*) target=other ;;
  esac
  line=${line/LABEL_BLOCKPOOL/$(label size-blockpool "$target")}
  line=${line/LABEL_NOSTATS/$(label size-blockpool-nostats "$target")}
  line=${line/LABEL_TRACK/$(label size-blockpool-track "$target")}
  line=${line/LABEL_WAIT/$(label size-blockpool-wait "$target")}
  line=${line/LABEL_HEAPLESS/$(label size-heapless "$target")}
  printf '%s\n' "$line"
done <"$table" >"$table.labelled"
mv "$table.labelled" "$table"
if [ "$(grep -c '' "$table")" -eq 0 ]; then
  echo "FAILED: no rows measured" >&2
  exit 1
fi

if [ "${CODE_SIZE_README:-1}" = 1 ]; then
  cd ../..
  python3 - "$table" "$(rustc -V | cut -d' ' -f1-2)" <<'EOF_PY'
import sys
table, rustc = open(sys.argv[1]).read(), sys.argv[2]
begin, end = '<!-- code-size:begin -->', '<!-- code-size:end -->'
text = open('README.md').read()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
block = (f'{begin}\n<!-- Written by scripts/code-size.sh; do not edit by hand. -->\n'
         f'Measured with {rustc}, in bytes:\n\n'
         'Flash over a program that builds the same messages on the stack, for 1, 2, 4 and 8 pools (each '
         'used once); "further" is what each pool after the first adds on average; RAM for one pool of 4 '
         'blocks of a 64-byte message:\n\n'
         '| target | program | 1 pool | 2 pools | 4 pools | 8 pools | further | RAM |\n|---|---|--:|--:|--:|--:|--:|--:|\n'
         f'{table}{end}')
open('README.md', 'w').write(head + block + tail)
print('wrote the code-size table into README.md')
EOF_PY
fi
