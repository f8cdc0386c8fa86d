#!/usr/bin/env bash
# Re-measures the README's "Measured" table in one run, in its order: the
# criterion benches (short runs: 1 s warm-up, 3 s measurement, medians),
# the loader's peak memory, the growth series on synthetic states (1k to 1M
# tracts, through the bench and the command line), the GeoPandas and
# GerryChain comparisons and the load test.
# The web map's figures come from scripts/test-web.sh (it prints them).
#
#   benches/measured.sh [OUT_DIR]      # default: target/measured
#
# Quiet the machine first: the figures are only as good as its load.
set -euo pipefail
cd "$(dirname "$0")/.."
export HECMAP_DATA="${HECMAP_DATA:-$(pwd)/../shared/data/ct}"
out="${1:-target/measured}"
mkdir -p "$out"

cargo bench --locked --no-run 2>&1 | tail -1
for bench in engine validate polygons tiles server scale; do
  echo "== cargo bench --bench $bench"
  cargo bench --locked --bench "$bench" -- --warm-up-time 1 --measurement-time 3 2>&1 |
    grep -E '^[a-z].*|time:' | tee "$out/$bench.txt"
done

cargo build --release --locked 2>&1 | tail -1
echo "== hecmap summary: wall time and peak memory"
/usr/bin/time -v target/release/hecmap summary 2>&1 >/dev/null |
  grep -E 'Elapsed|Maximum resident' | tee "$out/summary.txt"

echo "== hecmap validate on the synthetic states: wall time and peak memory"
for dir in target/scale/*/; do
  /usr/bin/time -f "$(basename "$dir") tracts: %e s, %M KB" \
    target/release/hecmap --data "$dir" validate "$dir/plan.csv" 2>&1 >/dev/null | tail -1
done | sort -n | tee "$out/scale-cli.txt"

echo "== scripts/compare_gerrychain.sh"
scripts/compare_gerrychain.sh 2>&1 | tail -8 | tee "$out/gerrychain.txt"

echo "== scripts/compare_geopandas.sh"
scripts/compare_geopandas.sh 2>&1 | tail -15 | tee "$out/geopandas.txt"

echo "== benches/load-test.sh"
benches/load-test.sh 2>&1 | tail -15 | tee "$out/load-test.txt"
