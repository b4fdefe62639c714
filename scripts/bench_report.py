#!/usr/bin/env python3
"""Writes the measured part of docs/benchmarks.md and the chart docs/benchmarks.svg from one run of
scripts/bench.sh: criterion's estimates (target/criterion/*/*/new/), the latency tool's table
(target/bench/latency.md), the instruction counts (target/o1/instructions.json, target/bench/o1.md) and the
machine description (target/bench/machine.txt). Standard library only.

The measured part is everything between the `<!-- results:begin -->` and `<!-- results:end -->` markers;
the text around them is written by hand and left alone.
"""
import glob
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, 'docs', 'benchmarks.md')
SVG = os.path.join(ROOT, 'docs', 'benchmarks.svg')
BEGIN, END = '<!-- results:begin -->', '<!-- results:end -->'

# (group, title, what one element is, contenders in display order)
GROUPS = [
    ('alloc_free', 'Allocate, write and free one 64-byte item, one thread', 'pair',
     ['blockpool', 'treiber', 'plain-free-list', 'heapless', 'atomic-pool', 'slab', 'system']),
    ('fill_free', 'Fill all 1024 blocks, then free them all', 'block',
     ['blockpool', 'treiber', 'plain-free-list', 'heapless', 'atomic-pool', 'slab', 'system']),
    ('shared', 'Shared handle: allocate, clone, drop both', 'round',
     ['blockpool', 'heapless', 'system']),
    ('bytes', 'Byte buffers of mixed sizes (24 to 1000 bytes), zeroed, freed', 'buffer',
     ['blockpool', 'system']),
    ('arena', 'Arena scope with 100 allocations of 16 bytes', 'allocation',
     ['blockpool', 'bumpalo']),
    ('two_threads', 'Two threads allocating and freeing on one pool at once', 'pair, per thread',
     ['blockpool', 'treiber', 'heapless', 'atomic-pool', 'system']),
]

NAMES = {
    'blockpool': 'blockpool',
    'treiber': 'Treiber baseline (lock-free, side-table links)',
    'plain-free-list': 'plain free list (no atomics)',
    'heapless': 'heapless 0.9 pool',
    'atomic-pool': 'atomic-pool 2',
    'slab': 'slab 0.4 (no atomics, `&mut`)',
    'system': 'system allocator (glibc)',
    'bumpalo': 'bumpalo 3',
}
DETAIL = {
    ('shared', 'blockpool'): 'blockpool `PoolRc`',
    ('shared', 'heapless'): 'heapless 0.9 `arc_pool!`',
    ('shared', 'system'): '`std::sync::Arc`',
    ('bytes', 'blockpool'): 'blockpool `alloc_bytes`',
    ('bytes', 'system'): '`Box<[u8]>` (glibc)',
    ('arena', 'blockpool'): 'blockpool arena `scope`',
    ('arena', 'bumpalo'): 'bumpalo 3 (`reset` per round)',
}


def load_criterion():
    """{(group, name): (median ns per element, relative median absolute deviation)}"""
    results = {}
    for bench in glob.glob(os.path.join(ROOT, 'target', 'criterion', '*', '*', 'new', 'benchmark.json')):
        meta = json.load(open(bench))
        name = meta.get('function_id') or meta.get('value_str')
        estimates = json.load(open(os.path.join(os.path.dirname(bench), 'estimates.json')))
        elements = (meta.get('throughput') or {}).get('Elements', 1)
        median = estimates['median']['point_estimate']
        mad = estimates['median_abs_dev']['point_estimate']
        results[(meta['group_id'], name)] = (median / elements, mad / median)
    return results


def fmt_ns(ns):
    if ns >= 100:
        return f'{ns:.0f}'
    if ns >= 10:
        return f'{ns:.1f}'
    return f'{ns:.2f}'


def tables(crit):
    out = []
    for group, title, element, names in GROUPS:
        base = crit.get((group, 'blockpool'))
        if base is None:
            continue
        out.append(f'### {title}\n')
        out.append(f'| | ns per {element} (median) | vs blockpool | noise (MAD / median) |')
        out.append('|---|--:|--:|--:|')
        for name in names:
            if (group, name) not in crit:
                continue
            ns, noise = crit[(group, name)]
            label = DETAIL.get((group, name), NAMES[name])
            ratio = '1' if name == 'blockpool' else f'{ns / base[0]:.2f}x'
            bold = '**' if name == 'blockpool' else ''
            out.append(f'| {bold}{label}{bold} | {bold}{fmt_ns(ns)}{bold} | {ratio} | {noise * 100:.1f} % |')
        out.append('')
    return '\n'.join(out)


def targets(crit, ins):
    def t(group, name):
        return crit[(group, name)][0]

    bp, tr, hl, sy = (t('alloc_free', n) for n in ('blockpool', 'treiber', 'heapless', 'system'))
    pair, tr_i, hl_i, sy_i = ins['pair'], ins['treiber_pair'], ins['heapless_pair'], ins['system_pair']
    fill_bp, fill_ap = t('fill_free', 'blockpool'), t('fill_free', 'atomic-pool')
    yes = lambda ok: 'met' if ok else '**not met**'
    rows = [
        ('`PoolBox` alloc + free at most 1.3x the Treiber baseline, time',
         f'{fmt_ns(bp)} ns vs {fmt_ns(tr)} ns = {bp / tr:.2f}x', yes(bp <= 1.3 * tr)),
        ('... and in instructions', f'{pair:.0f} vs {tr_i:.0f} = {pair / tr_i:.2f}x', yes(pair <= 1.3 * tr_i)),
        ('below heapless `box_pool!`, time', f'{fmt_ns(bp)} ns vs {fmt_ns(hl)} ns = {bp / hl:.2f}x', yes(bp < hl)),
        ('... and in instructions', f'{pair:.0f} vs {hl_i:.0f} = {pair / hl_i:.2f}x', yes(pair < hl_i)),
        ('below half of `Box::new`, time', f'{fmt_ns(bp)} ns vs {fmt_ns(sy)} ns = {bp / sy:.2f}x',
         yes(bp < 0.5 * sy)),
        ('... and in instructions', f'{pair:.0f} vs {sy_i:.0f} = {pair / sy_i:.2f}x', yes(pair < 0.5 * sy_i)),
        ('below atomic-pool per block when filling then freeing',
         f'{fmt_ns(fill_bp)} ns vs {fmt_ns(fill_ap)} ns per block = {fill_bp / fill_ap:.2f}x', yes(fill_bp < fill_ap)),
        ('equal instruction counts at every fill level and pool size',
         'equal' if ins['constant'] and ins['sizes'] else 'not equal', yes(ins['constant'] and ins['sizes'])),
        ('per-block metadata at most 4 bytes', '4 bytes (16-bit link + 16-bit state; a compile-time assertion '
         'in `free_list.rs`)', 'met'),
    ]
    out = ['| target | measured | |', '|---|---|---|']
    out += [f'| {a} | {b} | {c} |' for a, b, c in rows]
    return '\n'.join(out)


def chart(crit, ins):
    """One panel per group, a horizontal bar per contender, each panel on its own linear scale; then the
    instruction counts at 99 % fill."""
    width, left, bar, gap, pad = 760, 330, 16, 4, 36
    panels, y = [], 10
    level = ins['levels'][-1]
    counted = {name: row['alloc'][level] + row['free'][level] for name, row in ins['rows'].items()}
    instructions = ('instructions', f'Instructions per alloc + free, pool of 1024 at {level} % full (callgrind)',
                    'pair', ['blockpool', 'treiber', 'plain-free-list', 'heapless', 'atomic-pool', 'system'])
    by_name = {'blockpool': 'blockpool, 1024 blocks', 'treiber': 'Treiber baseline, 1024',
               'plain-free-list': 'plain free list, 1024', 'heapless': 'heapless box_pool, 1024',
               'atomic-pool': 'atomic-pool, 1024', 'system': 'system Box::new (glibc)'}
    crit = dict(crit)
    for name, row in by_name.items():
        if row in counted:
            crit[('instructions', name)] = (counted[row], 0)
    for group, title, element, names in GROUPS + [instructions]:
        rows = [(n, crit[(group, n)][0]) for n in names if (group, n) in crit]
        if not rows:
            continue
        top = max(ns for _, ns in rows)
        scale = (width - left - 80) / top
        heading = title if group == 'instructions' else f'{title} (ns per {element})'
        value = (lambda v: f'{v:.0f}') if group == 'instructions' else fmt_ns
        parts = [f'<text x="10" y="{y + 14}" class="title">{esc(heading)}</text>']
        y += 24
        for name, ns in rows:
            label = DETAIL.get((group, name), NAMES[name]).replace('`', '')
            colour = '#d9480f' if name == 'blockpool' else ('#868e96' if name in ('treiber', 'plain-free-list')
                                                             else '#1c7ed6')
            parts.append(f'<text x="{left - 8}" y="{y + bar - 4}" text-anchor="end">{esc(label)}</text>')
            parts.append(f'<rect x="{left}" y="{y}" width="{max(ns * scale, 1):.1f}" height="{bar}" '
                         f'fill="{colour}"/>')
            parts.append(f'<text x="{left + ns * scale + 6:.1f}" y="{y + bar - 4}">{value(ns)}</text>')
            y += bar + gap
        y += pad - gap
        panels.append('\n'.join(parts))
    legend = (f'<text x="10" y="{y}" class="note">orange: blockpool; grey: baselines written in the '
              f'benchmark; blue: other crates and the system allocator.</text>\n'
              f'<text x="10" y="{y + 15}" class="note">Shorter is better. Each panel has its own scale. '
              f'Data: docs/benchmarks.md.</text>')
    y += 15
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 14}" '
            f'viewBox="0 0 {width} {y + 14}" font-family="sans-serif" font-size="12">\n'
            '<style>.title { font-weight: bold; font-size: 13px } .note { fill: #495057; font-size: 11px }'
            '</style>\n<rect width="100%" height="100%" fill="white"/>\n'
            + '\n'.join(panels) + '\n' + legend + '\n</svg>\n')


def esc(text):
    return text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def read(path, default=''):
    path = os.path.join(ROOT, path)
    return open(path).read().strip() if os.path.exists(path) else default


def main():
    crit = load_criterion()
    ins = json.load(open(os.path.join(ROOT, 'target', 'o1', 'instructions.json')))
    noise = sorted(v[1] for v in crit.values())
    machine = read('target/bench/machine.txt')
    results = '\n'.join([
        BEGIN,
        '<!-- Written by scripts/bench_report.py from the run of scripts/bench.sh; do not edit by hand. -->',
        '',
        '## The machine of this run',
        '',
        '```text',
        machine,
        '```',
        '',
        f'Criterion\'s spread across all {len(noise)} benchmarks (median absolute deviation over median): '
        f'median {noise[len(noise) // 2] * 100:.1f} %, largest {noise[-1] * 100:.1f} %.',
        '',
        '## Targets',
        '',
        targets(crit, ins),
        '',
        '## Time (criterion, medians)',
        '',
        '![Benchmark chart](benchmarks.svg)',
        '',
        tables(crit),
        '## Latency of single operations (`benches/examples/latency.rs`)',
        '',
        read('target/bench/latency.md', '(not run)'),
        '',
        '## Instructions per operation (`scripts/o1-proof.sh`, callgrind)',
        '',
        read('target/bench/o1.md', '(not run)'),
        '',
        END,
    ])
    doc = open(DOC).read()
    start, end = doc.index(BEGIN), doc.index(END) + len(END)
    open(DOC, 'w').write(doc[:start] + results + doc[end:])
    open(SVG, 'w').write(chart(crit, ins))
    print(f'wrote {os.path.relpath(DOC, ROOT)} and {os.path.relpath(SVG, ROOT)}')


if __name__ == '__main__':
    sys.exit(main())
