#!/usr/bin/env python3
"""Side-by-side speed comparison of `hecmap validate` with GeoPandas.

Both tools check the same plan (a CSV `geoid,hec` of 2020 tract GEOIDs; 2022
planning-region GEOIDs are translated through the crosswalk) on the same
Connecticut data, and the script checks that they give the same answers
before it prints how long each took.

The four checks, as GeoPandas does them
---------------------------------------
* gap: tracts in no HEC (count and 2020 population), and geometrically the
  state outline (union of all tracts) minus the union of the HEC dissolves,
  parts above 1 m2 in EPSG:5070 (NAD83 / CONUS Albers, the metres hecmap
  measures in).
* overlap: tracts listed under two or more HECs, and geometrically the
  pairwise intersections of the dissolved HECs (found through the spatial
  index) with an area above 1 m2 in EPSG:5070.
* thresholds: population >= 150,000 and estimated Medicare beneficiaries
  >= 20,000 per HEC, by `groupby`. The Medicare estimate is hecmap's: each
  tract's ACS 2019-2023 population 65 and over (keyed by 2022 GEOID, mapped
  to the 2020 tract through tract_town_crosswalk.csv) times the 2013 CMS
  statewide ratio of all beneficiaries to aged ones (608,512 / 526,964).
* contiguity, the dissolve approach: each HEC is dissolved in EPSG:5070 and
  its polygon parts are counted twice, after a 0.5 m buffer (parts touching
  on land, as hecmap's 1 m snap) and after a buffer of half the water gap
  (parts within --water-gap-m of each other, default 500 m, as hecmap's
  water bridges to islands and across rivers). Parts that one tract spans
  count as one piece (six tracts have islands of their own; a tract is one
  unit for hecmap, so its islands never break contiguity). The second count
  is the verdict compared with hecmap's `contiguity` findings. It is close
  to, not the same as, hecmap's adjacency graph: a buffer also bridges two
  parts separated by a strip of another HEC's land narrower than the water
  gap, which hecmap does not. A queen-style adjacency (sjoin on `touches`)
  was not used: it needs an extra pass for islands and river banks.

What is timed
-------------
* GeoPandas load + join: reading the tracts GeoJSON (pyogrio), population,
  ACS and crosswalk CSVs, joining them, projecting to EPSG:5070 and the
  plan-independent state outline (hecmap too builds its plan-independent
  structures, such as its adjacency graph, when it loads).
* GeoPandas checks: reading and joining the plan plus the four checks, so
  that it covers what hecmap's `--timing-runs` figure covers ("read plan +
  validate every rule; data loaded once"). hecmap's figure includes rules
  beyond these four (town splits, enclaves, need, compactness...).
* end to end: hecmap is the wall-clock of a whole `hecmap validate` process
  (start, load, one validation, JSON out); GeoPandas is load + checks in
  this process, and, on a separate line, the same plus starting Python and
  importing geopandas (measured in a fresh `python3 -c import ...`).

hecmap runs as `hecmap --data DATA --water-gap-m G validate PLAN --format
json --scope statewide` (statewide, because GeoPandas always checks gaps),
once with `--timing-runs N` for its checks-only median (from the standard
error line `timing: validate median X ms over N runs ...`) and its report,
then N times without it for the end-to-end wall-clock. Its exit code 1 (the
plan breaks a rule) is an answer, not a failure.

Every figure is the median of --runs runs (default 5). Data is loaded anew
for every GeoPandas run; hecmap is started anew for every end-to-end run.

The answers must agree, or the script exits 1: the set of HECs failing the
population floor, every HEC's population, and the tracts in gaps and in
overlaps (count and population). The Medicare floor and contiguity are
compared and printed too, but only as information.

Reproduce (from the repository root)::

    scripts/compare_geopandas.sh                # the 8 old counties as HECs
    scripts/compare_geopandas.sh my_plan.csv --runs 9 --out cmp.json

or, with a release build and the Python packages already there::

    python3 scripts/compare_geopandas.py --plan PLAN.csv \\
        --data ../shared/data/ct --hecmap target/release/hecmap

Needs geopandas, shapely, pyogrio and pandas
(`python3 -m pip install geopandas shapely pyogrio pandas`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

POPULATION_MIN = 150_000
MEDICARE_MIN = 20_000
AREA_TOLERANCE_M2 = 1.0
LAND_SNAP_M = 1.0
EQUAL_AREA = "EPSG:5070"
IMPORTS = "import geopandas, shapely, pyogrio, pandas"


# --------------------------------------------------------------------------
# GeoPandas side
# --------------------------------------------------------------------------


@dataclass
class Data:
    """The loaded, joined data: one row per tract polygon."""

    tracts: gpd.GeoDataFrame  # geoid (2020), population, medicare; EPSG:5070
    state: shapely.Geometry  # union of every tract: the state's land
    geoid_2022_to_2020: dict[str, str]
    medicare_factor: float


def read_str_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    """Reads a CSV keeping the GEOID columns as zero-padded strings."""
    frame = pd.read_csv(path, dtype={c: str for c in columns}, encoding="utf-8-sig")
    for c in columns:
        frame[c] = frame[c].str.strip()
    return frame


def load(data_dir: Path) -> Data:
    """Loads tracts, population, the ACS 65+ and the crosswalk, and joins them."""
    tracts = gpd.read_file(data_dir / "tracts_2020_cb500k.geojson", engine="pyogrio")
    tracts = tracts.rename(columns={"name": "geoid"})
    tracts["geoid"] = tracts["geoid"].astype(str).str.zfill(11)

    pop = read_str_csv(data_dir / "tract_population_2020.csv", ["GEOID"])
    pop = pop.assign(GEOID=pop["GEOID"].str.zfill(11))[["GEOID", "pop20"]]

    xwalk = read_str_csv(data_dir / "tract_town_crosswalk.csv", ["tract", "tract_cog"])
    acs = read_str_csv(data_dir / "tract_acs5_2019_2023.csv", ["geoid"])
    acs["pop_65plus"] = pd.to_numeric(acs["pop_65plus"], errors="coerce")

    cms = pd.read_csv(data_dir / "medicare_enrollment_county_2013.csv", dtype=str)
    state_row = cms[cms["BENE_GEO_LVL"] == "State"].iloc[0]
    factor = float(state_row["TOT_BENES"]) / float(state_row["AGED_TOT_BENES"])

    old65 = xwalk.merge(
        acs[["geoid", "pop_65plus"]], left_on="tract_cog", right_on="geoid", how="left"
    )
    tracts = (
        tracts.merge(pop, left_on="geoid", right_on="GEOID", how="left")
        .merge(old65[["tract", "pop_65plus"]], left_on="geoid", right_on="tract", how="left")
        .drop(columns=["GEOID", "tract"])
    )
    tracts["population"] = tracts["pop20"].fillna(0.0).astype(float)
    tracts["medicare"] = tracts["pop_65plus"].fillna(0.0) * factor
    tracts = tracts[["geoid", "population", "medicare", "geometry"]].to_crs(EQUAL_AREA)
    return Data(
        tracts=tracts,
        state=shapely.union_all(tracts.geometry.values),
        geoid_2022_to_2020=dict(zip(xwalk["tract_cog"], xwalk["tract"])),
        medicare_factor=factor,
    )


def read_plan(path: Path, data: Data) -> pd.DataFrame:
    """The plan as distinct (geoid, hec) rows; rows with no HEC are dropped."""
    plan = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    plan.columns = [c.strip().lower() for c in plan.columns]
    if not {"geoid", "hec"} <= set(plan.columns):
        raise SystemExit(f"{path}: expected columns geoid,hec, found {list(plan.columns)}")
    plan = plan[["geoid", "hec"]].apply(lambda s: s.str.strip())
    plan["geoid"] = plan["geoid"].map(lambda g: data.geoid_2022_to_2020.get(g, g))
    unknown = sorted(set(plan["geoid"]) - set(data.tracts["geoid"]))
    if unknown:
        raise SystemExit(f"{path}: {len(unknown)} unknown tract GEOIDs, e.g. {unknown[:3]}")
    return plan[plan["hec"] != ""].drop_duplicates()


def count_pieces(hecs: gpd.GeoSeries, assigned: gpd.GeoDataFrame, buffer_m: float) -> list[int]:
    """Pieces of each HEC: the polygon parts of its buffered dissolve, where
    parts that one tract spans (a tract with islands) count as one piece,
    since a tract is one unit for hecmap too."""
    counts = []
    for hec, geom in zip(hecs.index, hecs.buffer(buffer_m).values):
        parts = shapely.get_parts(geom)
        if len(parts) < 2:
            counts.append(len(parts))
            continue
        members = assigned.geometry.values[(assigned["hec"] == hec).to_numpy()]
        part_idx, tract_idx = shapely.STRtree(members).query(parts, predicate="intersects")
        counts.append(count_components(len(parts), part_idx, tract_idx))
    return counts


def count_components(n: int, nodes, groups) -> int:
    """Connected components of n nodes, where nodes sharing a group are joined."""
    root = list(range(n))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    first: dict[int, int] = {}
    for node, group in zip(nodes, groups):
        if group in first:
            root[find(node)] = find(first[group])
        else:
            first[group] = node
    return len({find(i) for i in range(n)})


def checks(data: Data, plan_path: Path, water_gap_m: float) -> dict:
    """Reads the plan and runs the four checks; returns the answers."""
    plan = read_plan(plan_path, data)
    tracts = data.tracts
    assigned = tracts.merge(plan, on="geoid", how="inner")

    # Gap: tracts in no HEC, and the state's land outside every dissolve.
    in_no_hec = tracts[~tracts["geoid"].isin(plan["geoid"])]
    hecs = assigned[["hec", "geometry"]].dissolve(by="hec")
    outside = shapely.difference(data.state, shapely.union_all(hecs.geometry.values))
    gap_parts = [g for g in shapely.get_parts(outside) if g.area > AREA_TOLERANCE_M2]

    # Overlap: tracts under 2+ HECs, and pairwise intersections of dissolves.
    claims = plan.groupby("geoid")["hec"].nunique()
    multi = tracts[tracts["geoid"].isin(claims[claims > 1].index)]
    left, right = hecs.sindex.query(hecs.geometry.values, predicate="intersects")
    pairs = [(i, j) for i, j in zip(left, right) if i < j]
    overlap_areas = (
        shapely.area(
            shapely.intersection(
                hecs.geometry.values[[i for i, _ in pairs]],
                hecs.geometry.values[[j for _, j in pairs]],
            )
        )
        if pairs
        else []
    )
    overlap_pairs = [
        (hecs.index[i], hecs.index[j], float(a))
        for (i, j), a in zip(pairs, overlap_areas)
        if a > AREA_TOLERANCE_M2
    ]

    # Thresholds.
    totals = assigned.groupby("hec")[["population", "medicare"]].sum()

    # Contiguity: parts of each dissolve on land and with water bridges.
    land_parts = count_pieces(hecs.geometry, assigned, LAND_SNAP_M / 2)
    bridged_parts = count_pieces(hecs.geometry, assigned, water_gap_m / 2)

    return {
        "gap": {
            "tracts": sorted(in_no_hec["geoid"]),
            "population": float(in_no_hec["population"].sum()),
            "area_m2": float(sum(g.area for g in gap_parts)),
            "parts": len(gap_parts),
        },
        "overlap": {
            "tracts": sorted(multi["geoid"]),
            "population": float(multi["population"].sum()),
            "pairs": [{"hecs": [a, b], "area_m2": area} for a, b, area in overlap_pairs],
        },
        "hecs": {
            name: {
                "population": float(row.population),
                "medicare": float(row.medicare),
                "land_parts": int(land),
                "parts": int(bridged),
            }
            for (name, row), land, bridged in zip(
                totals.reindex(hecs.index).iterrows(), land_parts, bridged_parts
            )
        },
        "fail_population": sorted(totals.index[totals["population"] < POPULATION_MIN]),
        "fail_medicare": sorted(totals.index[totals["medicare"] < MEDICARE_MIN]),
        "not_contiguous": sorted(
            name for name, parts in zip(hecs.index, bridged_parts) if parts > 1
        ),
    }


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1e3


def time_geopandas(data_dir: Path, plan: Path, runs: int, water_gap_m: float):
    load_ms, checks_ms, total_ms = [], [], []
    answers = None
    for _ in range(runs):
        t0 = time.perf_counter()
        data = load(data_dir)
        t1 = time.perf_counter()
        answers = checks(data, plan, water_gap_m)
        t2 = time.perf_counter()
        load_ms.append((t1 - t0) * 1e3)
        checks_ms.append((t2 - t1) * 1e3)
        total_ms.append((t2 - t0) * 1e3)
    import_ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", IMPORTS], check=True)
        import_ms.append(ms_since(t0))
    med = statistics.median
    times = {
        "load_ms": med(load_ms),
        "checks_ms": med(checks_ms),
        "end_to_end_ms": med(total_ms),
        "python_start_import_ms": med(import_ms),
        "medicare_factor": data.medicare_factor,
    }
    times["end_to_end_with_start_ms"] = times["end_to_end_ms"] + times["python_start_import_ms"]
    population_of = dict(zip(data.tracts["geoid"], data.tracts["population"]))
    return answers, times, population_of


# --------------------------------------------------------------------------
# hecmap side
# --------------------------------------------------------------------------

TIMING = re.compile(r"timing: validate median ([0-9.]+) ms over (\d+) runs")


def run_hecmap(hecmap: str, data_dir: Path, plan: Path, water_gap_m: float, extra: list[str]):
    cmd = [
        hecmap,
        "--data",
        str(data_dir),
        "--water-gap-m",
        str(water_gap_m),
        "validate",
        str(plan),
        "--format",
        "json",
        "--scope",
        "statewide",
        *extra,
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    wall = ms_since(t0)
    # Exit 1 means the plan breaks a rule, which is an answer, not a failure.
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr}")
    return proc, wall


def time_hecmap(hecmap: str, data_dir: Path, plan: Path, runs: int, water_gap_m: float):
    proc, _ = run_hecmap(hecmap, data_dir, plan, water_gap_m, ["--timing-runs", str(runs)])
    match = TIMING.search(proc.stderr)
    if not match:
        raise SystemExit(f"no timing line in hecmap's standard error:\n{proc.stderr}")
    report = json.loads(proc.stdout)
    walls = [run_hecmap(hecmap, data_dir, plan, water_gap_m, [])[1] for _ in range(runs)]
    times = {
        "checks_ms": float(match.group(1)),
        "timing_runs": int(match.group(2)),
        "end_to_end_ms": statistics.median(walls),
    }
    return report, times


def hecmap_answers(report: dict) -> dict:
    """The same answers as `checks`, read from hecmap's JSON report."""
    findings = report["findings"]

    def of(rule: str) -> list[dict]:
        return [f for f in findings if f["rule"] == rule]

    def tracts(rule: str) -> list[str]:
        return sorted({t for f in of(rule) for t in f["tracts"]})

    population = {h["name"]: float(h["population"]) for h in report["hecs"]}
    gap, overlap = tracts("coverage.gap"), tracts("coverage.overlap")
    return {
        "gap": {"tracts": gap, "findings": len(of("coverage.gap"))},
        "overlap": {"tracts": overlap, "findings": len(of("coverage.overlap"))},
        "hecs": {
            h["name"]: {"population": population[h["name"]], "medicare": h["medicare"]["value"]}
            for h in report["hecs"]
        },
        "fail_population": sorted({f["hec"] for f in of("threshold.population") if f["hec"]}),
        "fail_medicare": sorted({f["hec"] for f in of("threshold.medicare") if f["hec"]}),
        "not_contiguous": sorted({f["hec"] for f in of("contiguity") if f["hec"]}),
    }


# --------------------------------------------------------------------------
# Comparison and output
# --------------------------------------------------------------------------


def compare(gp: dict, hm: dict, population_of: dict[str, float]) -> list[dict]:
    """One row per compared answer: what, each tool's value, agree, strict."""
    rows = []

    def add(what, a, b, strict=True):
        rows.append({"what": what, "geopandas": a, "hecmap": b, "agree": a == b, "strict": strict})

    add("HECs failing the population floor", gp["fail_population"], hm["fail_population"])
    add(
        "population per HEC",
        {k: round(v["population"]) for k, v in sorted(gp["hecs"].items())},
        {k: round(v["population"]) for k, v in sorted(hm["hecs"].items())},
    )
    for kind in ("gap", "overlap"):
        hm_pop = sum(population_of.get(t, 0.0) for t in hm[kind]["tracts"])
        add(
            f"tracts in {kind}s (count, population)",
            [len(gp[kind]["tracts"]), round(gp[kind]["population"])],
            [len(hm[kind]["tracts"]), round(hm_pop)],
        )
    add(
        "HECs failing the Medicare floor (estimate)",
        gp["fail_medicare"],
        hm["fail_medicare"],
        strict=False,
    )
    add("HECs not contiguous", gp["not_contiguous"], hm["not_contiguous"], strict=False)
    return rows


def fmt_ms(v: float) -> str:
    return f"{v:,.1f} ms" if v < 10_000 else f"{v / 1e3:,.2f} s"


def print_answers(gp: dict, hm: dict, water_gap_m: float) -> None:
    names = sorted(set(gp["hecs"]) | set(hm["hecs"]))
    w = max([len(n) for n in names] + [3]) + 2
    print(
        f"\n{'HEC':<{w}}{'population':>12}{'hecmap':>12}{'Medicare*':>11}"
        f"{'hecmap':>11}{'parts':>7}{'land':>6}  GeoPandas verdict"
    )
    for n in names:
        g, h = gp["hecs"].get(n, {}), hm["hecs"].get(n, {})
        fails = [
            label
            for label, key in (
                ("population", "fail_population"),
                ("Medicare", "fail_medicare"),
                ("contiguity", "not_contiguous"),
            )
            if n in gp[key]
        ]
        print(
            f"{n:<{w}}{g.get('population', 0):>12,.0f}{h.get('population', 0):>12,.0f}"
            f"{g.get('medicare', 0):>11,.0f}{h.get('medicare', 0):>11,.0f}"
            f"{g.get('parts', 0):>7}{g.get('land_parts', 0):>6}  "
            + ("FAILS " + ", ".join(fails) if fails else "ok")
        )
    print(
        f"* Medicare beneficiaries are an ESTIMATE (ACS 65+ x CMS 2013 ratio). "
        f"parts: polygon parts within {water_gap_m:g} m; land: parts after a 0.5 m buffer."
    )
    print(
        f"GeoPandas: {len(gp['gap']['tracts'])} tracts in no HEC "
        f"({gp['gap']['population']:,.0f} people), {gp['gap']['parts']} gap parts "
        f"({gp['gap']['area_m2'] / 1e6:,.3f} km2); {len(gp['overlap']['tracts'])} tracts "
        f"under 2+ HECs ({gp['overlap']['population']:,.0f} people), "
        f"{len(gp['overlap']['pairs'])} overlapping HEC pairs."
    )
    print(
        f"hecmap:    {hm['gap']['findings']} coverage.gap and "
        f"{hm['overlap']['findings']} coverage.overlap findings."
    )


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def print_table(gp_t: dict, hm_t: dict, runs: int) -> dict:
    rows = [
        ("checks_only", "checks only", gp_t["checks_ms"], hm_t["checks_ms"]),
        ("end_to_end", "end to end", gp_t["end_to_end_ms"], hm_t["end_to_end_ms"]),
        (
            "end_to_end_with_python_start",
            "end to end + Python start",
            gp_t["end_to_end_with_start_ms"],
            hm_t["end_to_end_ms"],
        ),
    ]
    print(
        f"\nTimes, median of {runs} runs{'':8}{'GeoPandas':>12}{'hecmap':>12}"
        f"{'GeoPandas/hecmap':>18}"
    )
    for _, label, g, h in rows:
        print(f"  {label:<32}{fmt_ms(g):>12}{fmt_ms(h):>12}{ratio(g, h):>17.1f}x")
    print(f"  {'(GeoPandas load + join)':<32}{fmt_ms(gp_t['load_ms']):>12}")
    print(f"  {'(Python start + imports)':<32}{fmt_ms(gp_t['python_start_import_ms']):>12}")
    print(
        "checks only: GeoPandas reads the plan and runs the 4 checks; hecmap reads the plan\n"
        "  and runs every rule (data loaded once). end to end: hecmap is a whole process;\n"
        "  GeoPandas is load + checks in one Python process, imports done."
    )
    return {key: ratio(g, h) for key, _, g, h in rows}


def versions(hecmap: str) -> dict:
    out = subprocess.run([hecmap, "--version"], check=False, capture_output=True, text=True)
    hm = out.stdout.split()
    return {
        "python": sys.version.split()[0],
        "geopandas": gpd.__version__,
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
        "pyogrio": pyogrio.__version__,
        "pandas": pd.__version__,
        "hecmap": hm[-1] if hm else "unknown",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plan", type=Path, required=True, help="plan CSV: geoid,hec")
    ap.add_argument("--data", type=Path, required=True, help="the Connecticut data directory")
    ap.add_argument("--hecmap", default="target/release/hecmap", help="the hecmap binary")
    ap.add_argument("--runs", type=int, default=5, help="runs per timing (median)")
    ap.add_argument(
        "--water-gap-m",
        type=float,
        default=500.0,
        help="parts this close across water are contiguous (both tools)",
    )
    ap.add_argument("--out", type=Path, help="also write the results here as JSON")
    args = ap.parse_args(argv)
    runs = max(1, args.runs)

    load_avg = os.getloadavg()[0]
    print(
        f"plan {args.plan}, data {args.data}, {runs} runs, "
        f"{os.cpu_count()} CPUs, load average {load_avg:.2f} (busy machines time noisily)"
    )
    gp, gp_t, population_of = time_geopandas(args.data, args.plan, runs, args.water_gap_m)
    report, hm_t = time_hecmap(args.hecmap, args.data, args.plan, runs, args.water_gap_m)
    hm = hecmap_answers(report)

    print_answers(gp, hm, args.water_gap_m)
    rows = compare(gp, hm, population_of)
    print("\nAnswers compared:")
    for r in rows:
        if r["agree"]:
            value = r["geopandas"]
            shown = "agree" + ("" if isinstance(value, dict) else f" {value}")
        else:
            verdict = "DISAGREE" if r["strict"] else "differ (information only)"
            shown = f"{verdict}: GeoPandas {r['geopandas']}, hecmap {r['hecmap']}"
        print(f"  {r['what']:<44}{shown}")

    ratios = print_table(gp_t, hm_t, runs)
    vers = versions(args.hecmap)
    print("versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()))

    ok = all(r["agree"] for r in rows if r["strict"])
    if args.out:
        result = {
            "plan": str(args.plan),
            "data": str(args.data),
            "runs": runs,
            "water_gap_m": args.water_gap_m,
            "versions": vers,
            "cpus": os.cpu_count(),
            "load_average_at_start": load_avg,
            "geopandas": gp_t,
            "hecmap": hm_t,
            "ratios_geopandas_over_hecmap": ratios,
            "answers": {"geopandas": gp, "hecmap": hm},
            "comparison": rows,
            "agree": ok,
        }
        args.out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.out}")
    if not ok:
        print("The two tools DISAGREE (see above).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
