#!/usr/bin/env bash
# Speed of hecmap's incremental re-validation against GerryChain 1.0's flip,
# on the same tract graph and the same moves, in one run:
#
#   scripts/compare_gerrychain.sh [--rounds R] [--flips N] [--repeats K]
#
# benches/moves.rs writes the graph (tracts, land and water edges) and the
# moves (Waterbury's 28 tracts between two planning regions; 100 random
# boundary moves) to target/gerrychain-compare, then R rounds (default 5)
# alternate hecmap and GerryChain, each timing every move: Waterbury away and
# home N times (default 200), the random walk K times (default 5). See the
# doc comments of benches/moves.rs and scripts/compare_gerrychain.py for
# what one timed move is on each side. Prints median and p90 per move and
# the ratio gerrychain/hecmap; writes target/gerrychain-compare/summary.json.
# GerryChain runs in its own venv, target/gerrychain-venv (made once).
# Data: $HECMAP_DATA, or ../shared/data/ct beside the repository.
# Exits non-zero when the two tools' figures (population, cut edges and
# pieces of each region, after Waterbury's move and after the walk) disagree.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${HECMAP_DATA:-$repo/../shared/data/ct}
export HECMAP_DATA=$(cd "$data" && pwd)

rounds=5 flips=200 repeats=5
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) rounds=$2 ;;
        --flips) flips=$2 ;;
        --repeats) repeats=$2 ;;
        *) echo "usage: $0 [--rounds R] [--flips N] [--repeats K]" >&2; exit 2 ;;
    esac
    shift 2
done

cd "$repo"
venv=target/gerrychain-venv
if ! "$venv/bin/python" -c 'import importlib.metadata as m; assert m.version("gerrychain") == "1.0.0"' 2>/dev/null; then
    echo "making $venv with gerrychain 1.0.0..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check gerrychain==1.0.0
fi
py=$venv/bin/python

# Build once and run the binary itself, so that every round times the same
# build even while someone else rebuilds (cargo waits on its lock by itself).
bench=$(cargo bench --bench moves --no-run --message-format=json \
    | "$py" -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "moves" and m.get("executable"):
        print(m["executable"])')

out=target/gerrychain-compare
mkdir -p "$out"
"$bench" inputs "$out"
rm -f "$out"/hecmap-*.json "$out"/gerrychain-*.json
for i in $(seq 1 "$rounds"); do
    echo "round $i/$rounds: hecmap, gerrychain" >&2
    "$bench" time "$out" --flips "$flips" --repeats "$repeats" >"$out/hecmap-$i.json"
    "$py" scripts/compare_gerrychain.py "$out" --flips "$flips" --repeats "$repeats" \
        >"$out/gerrychain-$i.json"
done

"$py" - "$out" "$rounds" <<'EOF'
import json, math, statistics, sys
from pathlib import Path

out, rounds = Path(sys.argv[1]), int(sys.argv[2])
runs = {tool: [json.loads((out / f"{tool}-{i}.json").read_text()) for i in range(1, rounds + 1)]
        for tool in ("hecmap", "gerrychain")}

def p90(xs):
    xs = sorted(xs)
    return xs[math.ceil(0.9 * len(xs)) - 1]

summary = {"rounds": rounds, "tools": {}, "ratio_gerrychain_over_hecmap": {}}
for tool, rs in runs.items():
    summary["tools"][tool] = {}
    for kind in ("waterbury", "random"):
        ms = [x for r in rs for x in r[f"{kind}_ms"]]
        summary["tools"][tool][kind] = {
            "moves": len(ms), "median_ms": statistics.median(ms), "p90_ms": p90(ms),
            "round_medians_ms": [statistics.median(r[f"{kind}_ms"]) for r in rs]}
for kind in ("waterbury", "random"):
    h, g = (summary["tools"][t][kind]["median_ms"] for t in ("hecmap", "gerrychain"))
    summary["ratio_gerrychain_over_hecmap"][kind] = g / h

# Every run of both tools must report the same figures.
reference = runs["hecmap"][0]["check"]
disagree = [f"{tool} round {i + 1}" for tool, rs in runs.items()
            for i, r in enumerate(rs) if r["check"] != reference]
summary["checks_agree"] = not disagree
summary["check"] = reference
(out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")

print(f"{'per move, ms':<22}{'hecmap':>18}{'gerrychain':>18}{'gerrychain/hecmap':>20}")
print(f"{'':<22}{'median':>9}{'p90':>9}{'median':>9}{'p90':>9}{'(medians)':>20}")
for kind, label in (("waterbury", "Waterbury (28 tracts)"), ("random", "random (1 tract)")):
    h, g = summary["tools"]["hecmap"][kind], summary["tools"]["gerrychain"][kind]
    print(f"{label:<22}{h['median_ms']:>9.3f}{h['p90_ms']:>9.3f}{g['median_ms']:>9.3f}"
          f"{g['p90_ms']:>9.3f}{summary['ratio_gerrychain_over_hecmap'][kind]:>19.2f}x")
moves = {k: summary["tools"]["hecmap"][k]["moves"] for k in ("waterbury", "random")}
print(f"{rounds} rounds; timed moves per tool: Waterbury {moves['waterbury']}, "
      f"random {moves['random']}; summary: {out / 'summary.json'}")
if disagree:
    print("checks DISAGREE (population, cut edges, pieces): " + ", ".join(disagree), file=sys.stderr)
    sys.exit(1)
print("checks agree: population, cut edges and pieces of every region, both states")
EOF
