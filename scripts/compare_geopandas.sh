#!/usr/bin/env bash
# Speed comparison of `hecmap validate` with GeoPandas on the same plan and
# data; see the docstring of compare_geopandas.py for what is compared.
#
#   scripts/compare_geopandas.sh [PLAN.csv] [compare_geopandas.py options...]
#
# Without PLAN.csv (or with "" or "-" in its place) the plan is the 8 old
# counties as HECs, written to a temporary directory. Options after the plan
# go to compare_geopandas.py, e.g. `--runs 9 --out cmp.json`.
# Data: $HECMAP_DATA, or ../shared/data/ct beside the repository.
# Exits non-zero when the two tools' answers disagree.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${HECMAP_DATA:-$repo/../shared/data/ct}
data=$(cd "$data" && pwd)

if ! python3 -c 'import geopandas, shapely, pyogrio, pandas' 2>/dev/null; then
    echo "installing geopandas, shapely, pyogrio and pandas..." >&2
    python3 -m pip install --quiet geopandas shapely pyogrio pandas
fi

# Waits by itself (cargo's file lock) while someone else builds.
(cd "$repo" && cargo build --release)

plan=${1:-}
[ $# -gt 0 ] && shift
if [ -z "$plan" ] || [ "$plan" = "-" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    plan=$tmp/counties.csv
    # Every tract's 2020 GEOID, its HEC the old county (GEOID digits 3-5).
    python3 - "$data/tract_town_crosswalk.csv" "$plan" <<'EOF'
import csv, sys
counties = {"001": "Fairfield", "003": "Hartford", "005": "Litchfield", "007": "Middlesex",
            "009": "New Haven", "011": "New London", "013": "Tolland", "015": "Windham"}
with open(sys.argv[1], newline="", encoding="utf-8-sig") as src, \
        open(sys.argv[2], "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(["geoid", "hec"])
    for row in csv.DictReader(src):
        geoid = row["tract"].strip().zfill(11)
        w.writerow([geoid, counties[geoid[2:5]]])
EOF
    echo "plan: the 8 old counties as HECs ($(($(wc -l <"$plan") - 1)) tracts)" >&2
else
    plan=$(cd "$(dirname "$plan")" && pwd)/$(basename "$plan")
fi

cd "$repo"
python3 scripts/compare_geopandas.py --plan "$plan" --data "$data" \
    --hecmap target/release/hecmap "$@"
