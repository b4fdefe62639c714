#!/usr/bin/env bash
# O(1) by instruction count: runs benches/examples/o1_probe.rs under callgrind at pool fill levels 0 %, 50 % and 99 %
# and reports the instructions of one allocation and one free for every pool in the probe (blockpool with
# 1024 and 65535 blocks, heapless `box_pool!`, atomic-pool, the system allocator, and the plain free list and
# Treiber stack baselines of benches/common/). The probe calls each operation through an `#[inline(never)]`
# function; the count of one operation is that function's inclusive count divided by its number of calls,
# both read from callgrind's call records.
#
# Fails if blockpool's counts differ between fill levels or between the two pool sizes, or if a pool without
# options no longer has the count pinned below (the "same code when the option is off" check).
# Writes the table to stdout and the numbers to target/o1/instructions.json (read by scripts/bench_report.py).
#
#   scripts/o1-proof.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh

if ! command -v valgrind >/dev/null; then
  echo "== installing valgrind (Debian/Ubuntu apt-get)" >&2
  apt_install valgrind >/dev/null
fi

out=target/o1
# Release code with debug info, in a target directory of its own so the normal release build is untouched.
CARGO_PROFILE_RELEASE_DEBUG=true cargo build --quiet --release -p blockpool-bench --example o1_probe --target-dir "$out"

levels=(0 50 99)
for level in "${levels[@]}"; do
  valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$level" \
    "$out/release/examples/o1_probe" "$level" >/dev/null 2>"$out/valgrind.$level.log"
done

python3 - "$out" "${levels[@]}" <<'EOF'
import collections, json, re, sys

out, levels = sys.argv[1], sys.argv[2:]

def per_call(path):
    """Inclusive instructions per call of every function that is called, from callgrind's call records."""
    names, calls, cost = {}, collections.Counter(), collections.Counter()
    callee, want_cost = None, False
    for line in open(path):
        if want_cost:  # the line after `calls=`: position, then the inclusive cost of those calls
            cost[callee] += int(line.split()[1])
            want_cost = False
            continue
        m = re.match(r'^(c?fn)=\((\d+)\)(?: (.*))?$', line.rstrip('\n'))
        if m:
            if m.group(3) is not None:
                names[m.group(2)] = m.group(3)
            if m.group(1) == 'cfn':
                callee = names[m.group(2)]
            continue
        m = re.match(r'^calls=(\d+)', line)
        if m:
            calls[callee] += int(m.group(1))
            want_cost = True
    return {name.split('::', 1)[1]: cost[name] / calls[name]
            for name in calls if name.startswith('o1_probe::') and calls[name]}

rows = [  # (label, alloc function, free function)
    ('blockpool, 1024 blocks', 'blockpool_alloc_1024', 'blockpool_free_1024'),
    ('blockpool, 65535 blocks', 'blockpool_alloc_65535', 'blockpool_free_65535'),
    ('blockpool `wait = 4`, nobody waiting, 1024', 'wait_alloc_1024', 'wait_free_1024'),
    ('blockpool `stats = false`, 1024', 'nostats_alloc_1024', 'nostats_free_1024'),
    ('blockpool `track_callers`, 1024', 'track_alloc_1024', 'track_free_1024'),
    ('blockpool `trace` (a hook that counts), 1024', 'trace_alloc_1024', 'trace_free_1024'),
    ('blockpool byte pool, one class of 1024', 'bytes_alloc_1024', 'bytes_free_1024'),
    ('blockpool byte pool `wait = 4`, nobody waiting', 'wait_bytes_alloc_1024', 'wait_bytes_free_1024'),
    ('blockpool byte pool `track_callers`', 'track_bytes_alloc_1024', 'track_bytes_free_1024'),
    ('blockpool byte pool `trace` (a hook that counts)', 'trace_bytes_alloc_1024', 'trace_bytes_free_1024'),
    ('chain of two 1024-block pools, served by the first', 'chain_alloc_1024', 'chain_free_1024'),
    ('chain, the first member full: served by the second', 'chain_second_alloc_1024', 'chain_second_free_1024'),
    ('Treiber baseline, 1024', 'treiber_alloc_1024', 'treiber_free_1024'),
    ('Treiber baseline, 65535', 'treiber_alloc_65535', 'treiber_free_65535'),
    ('plain free list, 1024', 'plain_alloc_1024', 'plain_free_1024'),
    ('plain free list, 65535', 'plain_alloc_65535', 'plain_free_65535'),
    ('heapless box_pool, 1024', 'heapless_alloc_1024', 'heapless_free_1024'),
    ('heapless box_pool, 65535', 'heapless_alloc_65535', 'heapless_free_65535'),
    ('atomic-pool, 1024', 'atomic_pool_alloc_1024', 'atomic_pool_free_1024'),
    ('atomic-pool, 65535', 'atomic_pool_alloc_65535', 'atomic_pool_free_65535'),
    ('system Box::new (glibc)', 'system_alloc', 'system_free'),
]
counts = {level: per_call(f'{out}/callgrind.{level}') for level in levels}
fmt = lambda x: f'{x:.0f}' if abs(x - round(x)) < 0.005 else f'{x:.2f}'

head = ' | '.join(f'alloc at {l} %' for l in levels) + ' | ' + ' | '.join(f'free at {l} %' for l in levels)
print(f'| pool | {head} | alloc + free at {levels[-1]} % |')
print('|---|' + '--:|' * (2 * len(levels) + 1))
table = {}
for label, alloc, free in rows:
    a = [counts[l][alloc] for l in levels]
    f = [counts[l][free] for l in levels]
    table[label] = {'alloc': dict(zip(levels, a)), 'free': dict(zip(levels, f))}
    print(f'| {label} | ' + ' | '.join(map(fmt, a + f)) + f' | {fmt(a[-1] + f[-1])} |')

bp = [counts[l][fn] for l in levels for fn in
      ('blockpool_alloc_1024', 'blockpool_free_1024', 'blockpool_alloc_65535', 'blockpool_free_65535')]
pair = counts[levels[0]]['blockpool_alloc_1024'] + counts[levels[0]]['blockpool_free_1024']
treiber = counts[levels[0]]['treiber_alloc_1024'] + counts[levels[0]]['treiber_free_1024']
system = counts[levels[0]]['system_alloc'] + counts[levels[0]]['system_free']
heapless = counts[levels[0]]['heapless_alloc_1024'] + counts[levels[0]]['heapless_free_1024']
constant = all(abs(counts[l][a] - counts[levels[0]][a]) < 1e-9
               for l in levels for a in ('blockpool_alloc_1024', 'blockpool_free_1024'))
sizes = all(abs(counts[l][f'blockpool_{op}_1024'] - counts[l][f'blockpool_{op}_65535']) < 1e-9
            for l in levels for op in ('alloc', 'free'))
print()
print(f'blockpool alloc + free: {fmt(pair)} instructions = {pair / treiber:.2f}x the Treiber baseline '
      f'({fmt(treiber)}), {pair / heapless:.2f}x heapless ({fmt(heapless)}), '
      f'{pair / system:.2f}x the system allocator ({fmt(system)})')
print(f'same count at every fill level: {"yes" if constant else "NO"}; '
      f'same for 1024 and 65535 blocks: {"yes" if sizes else "NO"}')
# Pools without options must keep the code they had before each option existed (issues 14 and 15: "the
# same instruction counts"): their counts are pinned here, for the toolchain of rust-toolchain.toml. A
# change that moves one of them must say why (and update this table and docs/benchmarks.md).
pinned = {
    'blockpool, 1024 blocks': (31, 18),
    'blockpool `stats = false`, 1024': (30, 17),
    'blockpool byte pool, one class of 1024': (208.33, 88),
}
moved = [f'{label}: {fmt(table[label]["alloc"][levels[0]])} + {fmt(table[label]["free"][levels[0]])}, '
         f'pinned {a} + {f}'
         for label, (a, f) in pinned.items()
         if abs(table[label]['alloc'][levels[0]] - a) > 0.005 or abs(table[label]['free'][levels[0]] - f) > 0.005]
for line in moved:
    print(f'CHANGED: {line}')
if not moved:
    print('pools without options: the pinned counts (' +
          ', '.join(f'{a} + {f}' for a, f in pinned.values()) + ')')
json.dump({'levels': levels, 'rows': table, 'pair': pair, 'treiber_pair': treiber,
           'heapless_pair': heapless, 'system_pair': system, 'constant': constant, 'sizes': sizes},
          open(f'{out}/instructions.json', 'w'), indent=1)
sys.exit(0 if constant and sizes and not moved else 1)
EOF
