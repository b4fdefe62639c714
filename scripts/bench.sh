#!/usr/bin/env bash
# Reproduces docs/benchmarks.md and docs/benchmarks.svg: the criterion benchmarks (benches/pools.rs, HTML
# report in target/criterion/report/index.html), the single-operation latency tool
# (benches/examples/latency.rs)
# and the instruction-count proof (scripts/o1-proof.sh), then writes the results into the doc.
#
# Takes a few minutes. Run it on a quiet machine: other processes show up as noise (the doc reports
# criterion's spread and the load average before and after). Extra arguments go to criterion, e.g.
# `scripts/bench.sh --measurement-time 10`.
#
#   scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/bench

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cargo bench -p blockpool-bench --bench pools -- "$@" 2>&1 | tee target/bench/criterion.txt
cargo run --quiet --release -p blockpool-bench --example latency | tee target/bench/latency.md
bash scripts/o1-proof.sh | tee target/bench/o1.md
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "date:         $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc:        $(nproc)"
  lscpu | grep -E '^(Architecture|Model name|CPU\(s\)|Thread\(s\) per core|Core\(s\) per socket|Hypervisor vendor|L1d cache|L2 cache|L3 cache|CPU max MHz|BogoMIPS)'
  echo "rustc:        $(rustc -V)"
  echo "glibc:        $(ldd --version | head -1)"
  echo "load average: ${load_before} before, ${load_after} after (1, 5, 15 minutes)"
} >target/bench/machine.txt

python3 scripts/bench_report.py
