#!/usr/bin/env python3
"""Times GerryChain 1.0's flip on the moves that benches/moves.rs times for
hecmap (scripts/compare_gerrychain.sh runs both, interleaved).

    compare_gerrychain.py DIR [--flips N] [--repeats K]

DIR holds graph.json and moves.json from `cargo bench --bench moves -- inputs
DIR`. One timed move is `p.flip(flips)` followed by `p["population"]` (a
Tally), `p["cut_edges"]` and `gerrychain.constraints.contiguous(p)`: the
updaters are lazy, so reading them is what makes them compute (GerryChain 1.0
source, partition.py `__getitem__`); `flip` itself eagerly copies the
assignment and computes the node and cut-edge flows. Each updater patches its
parent's cached value, and `contiguous` checks only the parts the flip
touched. As in `MarkovChain`, the parent of the previous state is dropped
after each move (untimed) so the lineage is not kept alive.

Not timed, as on hecmap's side: building the graph and the initial partition
and evaluating it, and the `check` figures. Protocol: (a) Waterbury away and
home N times, alternating; (b) the 100 random moves in sequence, K times, each
from the initial partition (which flips leave unchanged: a child copies its
parent's assignment). Prints one JSON object, the shape of hecmap's:
{"tool": "gerrychain", "waterbury_ms": [...], "random_ms": [...], "check": {...}}.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import networkx as nx
from gerrychain import Graph, Partition
from gerrychain.constraints import contiguous
from gerrychain.constraints.contiguity import contiguous_components
from gerrychain.updaters import Tally, cut_edges


def timed_move(p, flips):
    """One move: the flip, then every figure read (which computes it)."""
    start = time.perf_counter_ns()
    q = p.flip(flips)
    q["population"]
    q["cut_edges"]
    connected = contiguous(q)
    elapsed = time.perf_counter_ns() - start
    p.parent = None  # as MarkovChain does: no lineage kept
    return q, connected, elapsed / 1e6


def check(p, nxg, internal):
    """GerryChain's figures (population, cut edges, pieces per part), each
    asserted against a recount on the original networkx graph with the
    partition mapped back to the original node ids."""
    original = {i: n for n, i in internal.items()}
    region = {original[i]: part for i, part in p.assignment.items()}
    population = {part: int(v) for part, v in p["population"].items()}
    pieces = {part: len(cs) for part, cs in contiguous_components(p).items()}
    cut = len(p["cut_edges"])
    parts = {}
    for n, part in region.items():
        parts.setdefault(part, []).append(n)
    assert population == {
        part: sum(nxg.nodes[n]["population"] for n in ns) for part, ns in parts.items()
    }, "population"
    assert cut == sum(1 for a, b in nxg.edges if region[a] != region[b]), "cut edges"
    assert pieces == {
        part: nx.number_connected_components(nxg.subgraph(ns)) for part, ns in parts.items()
    }, "pieces"
    return {"population": population, "cut_edges": cut, "pieces": pieces}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--flips", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    graph_json = json.loads((args.dir / "graph.json").read_text())
    moves = json.loads((args.dir / "moves.json").read_text())

    nxg = nx.Graph()
    nxg.add_nodes_from(
        (i, {"geoid": n["geoid"], "population": n["population"], "region": n["region"]})
        for i, n in enumerate(graph_json["nodes"])
    )
    nxg.add_edges_from(map(tuple, graph_json["edges"]))
    assert nxg.number_of_edges() == len(graph_json["edges"]), "an edge twice"
    p0 = Partition(
        Graph.from_networkx(nxg),
        assignment="region",
        updaters={"population": Tally("population", alias="population"), "cut_edges": cut_edges},
    )
    # The partition runs on a rustworkx copy whose node ids may differ from
    # ours: flips must name the internal ids.
    internal = p0.graph.get_nx_to_rx_node_id_map()
    assert sorted(internal) == list(range(len(graph_json["nodes"])))
    for n, i in internal.items():
        assert p0.graph.node_data(i)["geoid"] == graph_json["nodes"][n]["geoid"], n
    p0["population"], p0["cut_edges"], contiguous(p0)  # the initial state, untimed

    # (a) Waterbury, 28 tracts between two planning regions.
    wb = moves["waterbury"]
    assert len(wb["tracts"]) == 28
    home, away = wb["home"], wb["away"]
    assert all(p0.assignment[internal[t]] == home for t in wb["tracts"])
    to_away = {internal[t]: away for t in wb["tracts"]}
    to_home = {internal[t]: home for t in wb["tracts"]}
    p, waterbury_ms, waterbury_check = p0, [], None
    for i in range(args.flips):
        p, connected, ms = timed_move(p, to_home if i % 2 else to_away)
        waterbury_ms.append(ms)
        if i == 0:
            waterbury_check = check(p, nxg, internal)
            touched = {home, away}
            # contiguous() looks only at the two parts the flip touched.
            assert connected == all(waterbury_check["pieces"][r] == 1 for r in touched)
            assert not connected, "Northwest Hills should be in pieces"

    # (b) The random walk, each repeat from the initial partition.
    walk = [(internal[m["tract"]], m["to"]) for m in moves["random"]]
    assert len(walk) == 100
    random_ms, random_check = [], None
    for _ in range(args.repeats):
        p = p0
        for node, to in walk:
            assert p.assignment[node] != to, f"node {node} already in {to}"
            p, _, ms = timed_move(p, {node: to})
            random_ms.append(ms)
        random_check = check(p, nxg, internal)

    json.dump(
        {
            "tool": "gerrychain",
            "waterbury_ms": waterbury_ms,
            "random_ms": random_ms,
            "check": {"waterbury_away": waterbury_check, "random_walk": random_check},
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
