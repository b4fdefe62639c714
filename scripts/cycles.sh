#!/usr/bin/env bash
# Instructions per allocation, per free and per alloc + free pair of one pool on Cortex-M0, M3 and M4F,
# counted in QEMU. Builds the three programs of examples/firmware-cortex-m/src/cycles/ (release: opt-level
# "s", fat LTO, one codegen unit) and runs each with one guest instruction per translation block and no
# chaining between blocks (`-singlestep` before QEMU 8.1, `-accel tcg,one-insn-per-tb=on` from 8.1, and
# `-d exec,nochain`): QEMU then logs one line per instruction executed, so counting lines counts
# instructions.
#   cycles-baseline   the same work without a pool: a 64-byte message built on the stack and read back
#   cycles-blockpool  `#[memory_pool(type = Message, count = 4)]` (Cortex-M0: `portable-atomic-critical-section`)
#   cycles-blockpool-nostats  the same pool with `stats = false`
#   cycles-blockpool-wait     the same pool with `wait = 4`, nobody waiting
#   cycles-blockpool-track    the same pool with `track_callers` (its sites read once, so that they are kept)
#   cycles-heapless   `heapless::pool::box_pool!` with 4 blocks (needs LDREX/STREX: not on Cortex-M0)
#
# Each program runs six phases, each between two calls of `cycles_marker` (src/cycles/common.rs); the log is
# cut wherever the marker's first instruction runs (its address from the ELF symbol table, llvm-nm):
#   pairs(1), pairs(1000), pairs(2000)   a pair allocates a message, reads it back and frees it, with alloc
#                                        and free inlined into the loop as in a user's code
#   rounds(1), rounds(250), rounds(500)  a round allocates all 4 blocks, each through the never-inlined
#                                        `cycles_alloc_one`, then frees them through `cycles_free_one`
# The phases of 1 are warm-ups: what a pool does on a block's first use happens there. Every phase runs the
# same instructions apart from its loop's trip count (one never-inlined function calls each, with opaque
# arguments), so what a phase does besides its pairs or rounds (calls, returns, loop set-up) cancels in:
#   per pair   (instructions of pairs(2000) - instructions of pairs(1000)) / 1000
#   per alloc  instructions executed from the first instruction of `cycles_alloc_one` until execution is
#              back in `cycles_rounds` (whatever it calls included), in rounds(500) minus in rounds(250),
#              divided by the 1000 calls that differ; per free the same for `cycles_free_one`
# These are exact counts; a figure that is not a whole number says the phases did not run the same code
# (the script prints a note). The baseline rows give the counts themselves; the pool rows give what the
# pool adds to them, i.e. the pool's count minus the baseline's (the baseline's alloc builds the message in
# its caller's frame, its free does nothing). A call's entry and return are in both and mostly cancel, but
# not exactly (a pool's function saves more registers), so alloc + free need not equal the pair, which is
# the figure to quote: it is what a user's inlined code executes.
#
# Prints the table, and blockpool / heapless per pair, and writes both into docs/cycles.md between the
# `<!-- cycles:begin -->` and `<!-- cycles:end -->` markers (CYCLES_DOC=0 only prints them). Installs the
# Rust targets, llvm-nm (rustup component llvm-tools; else Debian's arm-none-eabi-nm) and QEMU, each when
# missing (scripts/apt.sh: nothing is removed). The log goes through a pipe, never to disk (on Cortex-M0,
# 180 MB for blockpool's program).
#
#   scripts/cycles.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
install_qemu

targets=(thumbv7m-none-eabi thumbv7em-none-eabihf thumbv6m-none-eabi)
# Inside the repository, so that both go to the toolchain pinned by rust-toolchain.toml.
rustup target add "${targets[@]}" >/dev/null 2>&1 || rustup target add "${targets[@]}"
host=$(rustc -vV | sed -n 's/^host: //p')
nm="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-nm"
if [ ! -x "$nm" ] && ! rustup component add llvm-tools >/dev/null 2>&1; then
  # No rustup component to be had: GNU nm from Debian's ARM binutils prints the same symbol table.
  nm=arm-none-eabi-nm
  if ! command -v "$nm" >/dev/null; then
    apt_install binutils-arm-none-eabi
  fi
fi

# One instruction per translation block: QEMU 8.1 renamed `-singlestep` and deprecated the old name.
qemu_version=$(qemu-system-arm --version | sed -n '1s/.*version \([0-9]*\.[0-9]*\).*/\1/p')
if [ "$(printf '%s\n' 8.1 "$qemu_version" | sort -V | head -n 1)" = 8.1 ]; then
  one_insn=(-accel tcg,one-insn-per-tb=on)
else
  one_insn=(-singlestep)
fi
echo "QEMU $qemu_version: ${one_insn[*]} -d exec,nochain"

cd examples/firmware-cortex-m
work=target/cycles
mkdir -p "$work"
counts="$work/counts.txt" # target, program, then the counts of each phase (count_phases)
: >"$counts"

# count_phases ELF < LOG: prints, for each of the six phases, "instructions in-alloc in-free", on one line.
count_phases() {
  python3 -c "$(cat <<'EOF_PY'
import subprocess, sys

nm, elf = sys.argv[1:]
symbols = {}
for line in subprocess.run([nm, '-S', elf], check=True, capture_output=True, text=True).stdout.splitlines():
    fields = line.split()
    if len(fields) == 4 and fields[3].startswith('cycles_'):
        # Thumb functions have bit 0 of their address set; QEMU logs the address of the instruction.
        symbols[fields[3]] = (int(fields[0], 16) & ~1, int(fields[1], 16))
marker = symbols['cycles_marker'][0]
alloc_one = symbols['cycles_alloc_one'][0]
free_one = symbols['cycles_free_one'][0]
rounds_start, rounds_size = symbols['cycles_rounds']
rounds_end = rounds_start + rounds_size

phases, phase, inside, markers = [], None, 0, 0
for line in sys.stdin.buffer:
    # "Trace 0: 0x7f93a8000100 [00800400/00000400/00000110/ff000201] Reset": the PC is the second field.
    if not line.startswith(b'Trace '):
        continue
    pc = int(line.split(b'/', 2)[1], 16)
    if pc == marker:
        markers += 1
        if markers % 2:
            phase = [0, 0, 0]
        else:
            phases.append(phase)
            phase = None
        continue
    if phase is None:
        continue
    phase[0] += 1
    if pc == alloc_one:
        inside = 1
    elif pc == free_one:
        inside = 2
    elif inside and rounds_start <= pc < rounds_end:
        inside = 0
    if inside:
        phase[inside] += 1
if len(phases) != 6 or phase is not None:
    sys.exit(f'{elf}: {markers} executions of cycles_marker, not 12 (six phases)')
print(' '.join(f'{total} {alloc} {free}' for total, alloc, free in phases))
EOF_PY
)" "$nm" "$1"
}

for target in "${targets[@]}"; do
  # The machines of the runners in .cargo/config.toml, without -icount: nothing here depends on time.
  case "$target" in
    thumbv7m-none-eabi) machine=(-cpu cortex-m3 -machine lm3s6965evb) ;;
    thumbv7em-none-eabihf) machine=(-cpu cortex-m4 -machine mps2-an386) ;;
    thumbv6m-none-eabi) machine=(-cpu cortex-m0 -machine microbit) ;;
  esac
  programs=(cycles-baseline cycles-blockpool cycles-blockpool-nostats cycles-blockpool-wait cycles-blockpool-track
    cycles-heapless)
  if [ "$target" = thumbv6m-none-eabi ]; then programs=("${programs[@]:0:5}"); fi
  bins=()
  for program in "${programs[@]}"; do bins+=(--bin "$program"); done
  cargo build --quiet --release --no-default-features --features cycles --target "$target" "${bins[@]}"

  for program in "${programs[@]}"; do
    elf="target/$target/release/$program"
    qemu=(qemu-system-arm "${machine[@]}" "${one_insn[@]}" -d exec,nochain -D /dev/stdout -display none
      -monitor none -serial null -semihosting-config enable=on,target=native -kernel "$elf")
    # The program exits QEMU with failure if an allocation failed or a message read back wrong.
    if ! phases=$(timeout 120 "${qemu[@]}" 2>"$work/qemu.stderr" | count_phases "$elf"); then
      echo "FAILED: $program on $target: QEMU failed or timed out (120 s), or its trace is not six phases:" >&2
      echo "${qemu[*]}" >&2
      cat "$work/qemu.stderr" >&2
      exit 1
    fi
    echo "$target $program $phases" >>"$counts"
  done
done

cd ../..
python3 - "$work" "$(rustc -V | cut -d' ' -f1-2)" "$(qemu-system-arm --version | head -n 1)" <<'EOF_PY'
import os, sys
from fractions import Fraction

work, rustc, qemu = sys.argv[1:]
PAIRS, CALLS = 1000, 250 * 4  # what phases 2 and 5 run more than phases 1 and 4 (src/cycles/common.rs)
CORES = {'thumbv7m-none-eabi': 'Cortex-M3', 'thumbv7em-none-eabihf': 'Cortex-M4F', 'thumbv6m-none-eabi': 'Cortex-M0'}

figures = {}  # (target, program) -> (alloc, free, pair)
for line in open(os.path.join('examples/firmware-cortex-m', work, 'counts.txt')):
    target, program, *counts = line.split()
    p = [tuple(map(int, counts[i:i + 3])) for i in range(0, 18, 3)]
    figures[target, program.removeprefix('cycles-')] = (
        Fraction(p[5][1] - p[4][1], CALLS), Fraction(p[5][2] - p[4][2], CALLS), Fraction(p[2][0] - p[1][0], PAIRS))

def number(value, sign=''):
    text = str(value.numerator) if value.denominator == 1 else f'{float(value):.3f}'
    return sign + text if value >= 0 else text

odd = [f'{t} {p}' for (t, p), values in figures.items() for v in values if v.denominator != 1]
rows, ratios = [], []
for target in dict.fromkeys(t for t, _ in figures):
    base = figures[target, 'baseline']
    rows.append((target, 'baseline', *map(number, base)))
    pair = {}
    for pool in ('blockpool', 'blockpool-nostats', 'blockpool-wait', 'blockpool-track', 'heapless'):
        if (target, pool) not in figures:
            rows.append((target, pool, 'n/a: needs LDREX/STREX', '', ''))
            continue
        added = [f - b for f, b in zip(figures[target, pool], base)]
        pair[pool] = added[2]
        rows.append((target, pool, *(number(a, '+') for a in added)))
    if 'heapless' in pair:
        ratios.append((target, pair['blockpool'], pair['blockpool-nostats'], pair['heapless']))

line = '{:<22} {:<27} {:>9} {:>9} {:>9}'
print(line.format('target', 'pool', 'alloc', 'free', 'pair'))
for row in rows:
    print(line.format(*row) if row[3] else f'{row[0]:<22} {row[1]:<27} {row[2]}')
for target, blockpool, nostats, heapless in ratios:
    print(f'{target}: blockpool / heapless per pair = {number(blockpool)} / {number(heapless)} = '
          f'{float(blockpool / heapless):.2f}x; with stats = false {number(nostats)} = heapless + {number(nostats - heapless)}')
if odd:
    print(f'note: not whole numbers ({", ".join(sorted(set(odd)))}): the phases did not all run the same code')

if os.environ.get('CYCLES_DOC', '1') == '1':
    labels = {'baseline': 'baseline: the message built on the stack',
              'blockpool': 'blockpool `#[memory_pool(type = Message, count = 4)]`',
              'blockpool-nostats': 'blockpool with `stats = false`',
              'blockpool-wait': 'blockpool with `wait = 4`, nobody waiting',
              'blockpool-track': 'blockpool with `track_callers`',
              'heapless': '`heapless::pool` `box_pool!`, 4 blocks'}
    table = ['| core | target | program | alloc | free | alloc + free (pair) |', '|---|---|---|--:|--:|--:|']
    last = None
    for target, program, alloc, free, pair in rows:
        first = target != last
        last = target
        core = CORES[target] if first else ''
        name = f'`{target}`' if first else ''
        label = labels[program]
        if program == 'blockpool' and target == 'thumbv6m-none-eabi':
            label += ' (`portable-atomic-critical-section`)'
        if not free:
            table.append(f'| {core} | {name} | {label} | n/a: it needs LDREX/STREX | | |')
        else:
            table.append(f'| {core} | {name} | {label} | {alloc} | {free} | {pair} |')
    ratio_lines = [f'- {CORES[t]}: blockpool / heapless per pair = {number(b)} / {number(h)} = {float(b / h):.2f}x'
                   for t, b, _, h in ratios]
    begin, end = '<!-- cycles:begin -->', '<!-- cycles:end -->'
    text = open('docs/cycles.md').read()
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    block = '\n'.join([begin, '<!-- Written by scripts/cycles.sh; do not edit by hand. -->',
                       f'Measured with {rustc} and {qemu.removesuffix(")").split(" (")[0]}, in instructions '
                       '(pool rows: added to the baseline):', '', *table, '', *ratio_lines,
                       *([f'- note: not whole numbers ({", ".join(sorted(set(odd)))})'] if odd else []), end])
    open('docs/cycles.md', 'w').write(head + block + tail)
    print('wrote the table into docs/cycles.md')
EOF_PY
