#!/usr/bin/env bash
# Long fuzzing of every importer (tests/fuzz_importers.rs) in release mode:
# a million cases or more in all, in chunks, each chunk one importer with a
# fresh random seed (printed, so a failure can be replayed with
# HECMAP_FUZZ_SEED=<seed>). Not part of CI: a million cases take about an
# hour on one core.
#
#   scripts/fuzz-importers.sh [TOTAL_CASES]     # default 1000000
#
# Settings (environment):
#   HECMAP_FUZZ_JOBS    chunks run at once (default 1; each uses one core)
#   HECMAP_FUZZ_CHUNK   cases per chunk for the text formats (default 25000;
#                       the binary formats, which start a process per case,
#                       take a tenth of it)
#   HECMAP_FUZZ_NICE    niceness of the fuzzing processes (default 10)
#   HECMAP_FUZZ_SECONDS start no chunk after this many seconds (default: no
#                       limit; the count reached is then below the total)
#   HECMAP_FUZZ_FAILURES  where failing inputs are written (default
#                       target/fuzz-failures)
#   HECMAP_DATA         the Connecticut data (default ../shared/data/ct)
#
# Prints a line per chunk, then the cases run, the time, the rate and every
# failure (with its log); exits 1 if any chunk failed.
set -euo pipefail
cd "$(dirname "$0")/.."
total=${1:-1000000}
jobs=${HECMAP_FUZZ_JOBS:-1}
chunk=${HECMAP_FUZZ_CHUNK:-25000}
niceness=${HECMAP_FUZZ_NICE:-10}
seconds=${HECMAP_FUZZ_SECONDS:-0}
export HECMAP_DATA=${HECMAP_DATA:-../shared/data/ct}
export HECMAP_FUZZ_FAILURES=${HECMAP_FUZZ_FAILURES:-$PWD/target/fuzz-failures}
export RUST_BACKTRACE=${RUST_BACKTRACE:-0}

# The test binary, built once (later edits to the sources do not change a
# run under way).
exe=$(cargo test --release --locked --test fuzz_importers --no-run --message-format=json |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "fuzz_importers" and m.get("executable"):
        print(m["executable"])')
[[ -x "$exe" ]] || { echo "no fuzz_importers test binary" >&2; exit 1; }

# Importer, its test and its share of the total, in thousandths: the text
# formats are cheap, the binary ones start a reading process per case.
# (Release rates on one core, roughly: CSV 1,700 cases/s, JSON plans 4,000,
# GeoJSON 500, GeoJSON plans 150, shapefiles and GeoPackages 10.)
importers=(
  "CSV csv_plans_survive_mutation 350"
  "JSON_PLAN json_plans_survive_mutation 350"
  "GEOJSON geojson_survives_mutation 200"
  "GEOJSON_PLAN geojson_plans_survive_mutation 80"
  "SHP zipped_shapefiles_survive_mutation 10"
  "GPKG geopackages_survive_mutation 10"
)

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
chunks=()
for entry in "${importers[@]}"; do
  read -r name test share <<<"$entry"
  cases=$((total * share / 1000))
  size=$chunk
  [[ $name == SHP || $name == GPKG ]] && size=$((chunk / 10))
  ((size > 0)) || size=1
  i=0
  while ((cases > 0)); do
    n=$((cases < size ? cases : size))
    chunks+=("$i $name $test $n")
    cases=$((cases - n))
    i=$((i + 1))
  done
done

# The test's summary line of a chunk's log.
summary() { grep -a -m1 -o 'fuzz [a-z_]*: [0-9]* cases.*' "$1" || echo "$2: (no summary)"; }

run_chunk() {
  local i=$1 name=$2 test=$3 n=$4
  local log="$logs/$name-$i.log"
  if env "HECMAP_FUZZ_CASES_$name=$n" HECMAP_FUZZ_SEED=random \
    nice -n "$niceness" "$exe" --exact "$test" --nocapture --test-threads 1 >"$log" 2>&1; then
    echo "ok     $(summary "$log" "$name")"
  else
    touch "$log.failed"
    echo "FAILED $(summary "$log" "$name")"
    cp "$log" "$HECMAP_FUZZ_FAILURES/$name-$i-$$.log" 2>/dev/null || true
  fi
}

mkdir -p "$HECMAP_FUZZ_FAILURES"
echo "fuzzing ${#chunks[@]} chunks, $total cases, $jobs at a time, with $exe"
start=$(date +%s)
# Round-robin over the importers, so a run cut short covers them all.
mapfile -t chunks < <(printf '%s\n' "${chunks[@]}" | sort -n -s -k1,1)
for c in "${chunks[@]}"; do
  if ((seconds > 0 && $(date +%s) - start >= seconds)); then
    echo "time is up (HECMAP_FUZZ_SECONDS=$seconds): no more chunks"
    break
  fi
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  # shellcheck disable=SC2086
  run_chunk $c &
done
wait
elapsed=$(($(date +%s) - start))

ran=0
failed=0
shopt -s nullglob
for log in "$logs"/*.log; do
  n=$(summary "$log" "" | sed -n 's/^fuzz [a-z_]*: \([0-9]*\) cases.*/\1/p')
  ran=$((ran + ${n:-0}))
  if [[ -e "$log.failed" ]]; then
    failed=$((failed + 1))
    echo "--- failure: $(basename "$log" .log)"
    grep -a -A6 "failed (seed\|panicked at" "$log" | head -40
  fi
done
rate=$(python3 -c "print(f'{$ran / max($elapsed, 1):.0f}')")
echo "cases run: $ran in ${elapsed} s ($rate cases/s); chunks failed: $failed"
[[ $failed -eq 0 ]]
