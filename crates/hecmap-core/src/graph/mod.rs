//! The adjacency graph of a layer of units, with the length of boundary each
//! pair of neighbours shares and each unit's length of state border, in
//! metres in the equal-area CRS.
//!
//! Perimeters and contiguity of regions come from this graph, not from
//! polygon unions: a region's perimeter is the border length of its units
//! plus the boundary they share with units outside it.
//!
//! Neighbours are found in two passes. First, boundary segments that two
//! units share exactly (the Census cartographic files are topologically
//! clean) are matched by hashing their endpoints. Second, boundary segments
//! that matched nothing are compared with nearby unmatched segments of other
//! units: segments that run along each other within [`GraphOptions::snap_m`]
//! add shared length (files that are not topologically clean), and units
//! whose polygons come within [`GraphOptions::water_gap_m`] across water
//! become [`EdgeKind::Water`] neighbours, so that an island or the far bank
//! of a river is not cut off.
//!
//! ```
//! use geo::{polygon, MultiPolygon};
//! use hecmap_core::graph::{AdjacencyGraph, GraphOptions};
//! // Two unit squares side by side (already in metres).
//! let a = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)]]);
//! let b = MultiPolygon(vec![polygon![(x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0)]]);
//! let g = AdjacencyGraph::build(&[a.clone(), b.clone()], &[a, b], &GraphOptions::default());
//! assert_eq!(g.neighbours(0).len(), 1);
//! assert!((g.shared_length(0, 1) - 1.0).abs() < 1e-9);
//! assert!((g.border_m(0) - 3.0).abs() < 1e-9);
//! ```

use geo::{Coord, Line, MultiPolygon};
use rstar::{AABB, RTree, RTreeObject};
use serde::{Deserialize, Serialize};

use crate::geometry::{Bbox, VertexKey, vertex_key};

mod search;
use crate::units::{FastMap, UnitId};
pub use search::EDGE_MIN_M;

/// How neighbours are found.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GraphOptions {
    /// Units whose land comes within this distance across water are
    /// neighbours (metres). 0 turns water bridges off.
    pub water_gap_m: f64,
    /// Boundary segments closer than this are the same line (metres).
    pub snap_m: f64,
}

impl Default for GraphOptions {
    fn default() -> Self {
        Self {
            water_gap_m: 500.0,
            snap_m: 1.0,
        }
    }
}

/// Whether two neighbours touch on land or face each other across water.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeKind {
    Land,
    Water,
}

/// One neighbour of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Edge {
    pub to: UnitId,
    pub kind: EdgeKind,
    /// Shared boundary length in metres (0 for water neighbours).
    pub shared_m: f64,
    /// Distance across water in metres (0 for land neighbours).
    pub gap_m: f64,
}

/// Compressed adjacency lists (CSR): the neighbours of unit `u` are
/// `edges[offsets[u]..offsets[u + 1]]`, sorted by id.
#[derive(Debug, Clone, Default)]
pub struct AdjacencyGraph {
    offsets: Vec<u32>,
    edges: Vec<Edge>,
    border_m: Vec<f64>,
    perimeter_m: Vec<f64>,
    /// Steps from each unit to the state's edge ([`AdjacencyGraph::hops_to_edge`]).
    hops_to_edge: Vec<u32>,
}

/// Quantised endpoints of a segment in the source CRS ([`vertex_key`]:
/// 1e-7 degrees is about a centimetre, well below any digitising precision).
type SegmentKey = (VertexKey, VertexKey);

/// An unmatched boundary segment in metres, for the second pass.
struct LooseSegment {
    unit: UnitId,
    line: Line,
}

impl RTreeObject for LooseSegment {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(
            [self.line.start.x, self.line.start.y],
            [self.line.end.x, self.line.end.y],
        )
    }
}

#[derive(Default, Clone, Copy)]
struct PairAccumulator {
    shared_m: f64,
    gap_m: f64,
}

impl AdjacencyGraph {
    /// Builds the graph from each unit's polygons in the source CRS
    /// (`source`, used to match shared vertices exactly) and the same
    /// polygons in metres (`metric`, used for every length). Both must have
    /// the same rings and vertices in the same order.
    pub fn build(source: &[MultiPolygon], metric: &[MultiPolygon], options: &GraphOptions) -> Self {
        let n = source.len();
        let mut perimeter_m = vec![0.0; n];
        // Segments in the order first seen (so that sums, and so every
        // length, are the same from run to run), found by their key.
        let capacity = source.iter().map(count_segments).sum();
        let mut index: FastMap<SegmentKey, usize> =
            FastMap::with_capacity_and_hasher(capacity, Default::default());
        let mut segments: Vec<(UnitId, Option<UnitId>, Line)> = Vec::with_capacity(capacity);
        for (unit, (src, met)) in source.iter().zip(metric).enumerate() {
            let unit = unit as UnitId;
            for (a, b) in segment_pairs(src, met) {
                perimeter_m[unit as usize] += line_length(&b);
                let (p, q) = (vertex_key(a.start), vertex_key(a.end));
                let key = if p <= q { (p, q) } else { (q, p) };
                match index.get(&key) {
                    Some(&i) if segments[i].0 != unit => segments[i].1 = Some(unit),
                    Some(_) => {}
                    None => {
                        index.insert(key, segments.len());
                        segments.push((unit, None, b));
                    }
                }
            }
        }

        let mut pairs: FastMap<(UnitId, UnitId), PairAccumulator> = FastMap::default();
        let mut border_m = vec![0.0; n];
        let mut loose = Vec::new();
        for (first, second, line) in segments {
            match second {
                Some(second) => {
                    let key = (first.min(second), first.max(second));
                    pairs.entry(key).or_default().shared_m += line_length(&line);
                }
                None => {
                    border_m[first as usize] += line_length(&line);
                    loose.push(LooseSegment { unit: first, line });
                }
            }
        }
        match_loose_segments(loose, options, &mut pairs, &mut border_m);
        drop_bridges_beside_land(n, &mut pairs);
        Self::from_pairs(n, pairs, border_m, perimeter_m)
    }

    fn from_pairs(
        n: usize,
        pairs: FastMap<(UnitId, UnitId), PairAccumulator>,
        border_m: Vec<f64>,
        perimeter_m: Vec<f64>,
    ) -> Self {
        let mut lists: Vec<Vec<Edge>> = vec![Vec::new(); n];
        for ((a, b), acc) in pairs {
            let kind = if acc.shared_m > 0.0 {
                EdgeKind::Land
            } else {
                EdgeKind::Water
            };
            let gap_m = if kind == EdgeKind::Land {
                0.0
            } else {
                acc.gap_m
            };
            lists[a as usize].push(Edge {
                to: b,
                kind,
                shared_m: acc.shared_m,
                gap_m,
            });
            lists[b as usize].push(Edge {
                to: a,
                kind,
                shared_m: acc.shared_m,
                gap_m,
            });
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut edges = Vec::new();
        offsets.push(0);
        for mut list in lists {
            list.sort_by_key(|e| e.to);
            edges.extend(list);
            offsets.push(edges.len() as u32);
        }
        let mut graph = Self {
            offsets,
            edges,
            border_m,
            perimeter_m,
            hops_to_edge: Vec::new(),
        };
        graph.hops_to_edge = search::hops_to_edge(&graph);
        graph
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.border_m.len()
    }

    pub fn is_empty(&self) -> bool {
        self.border_m.is_empty()
    }

    /// The neighbours of a unit, sorted by id.
    pub fn neighbours(&self, unit: UnitId) -> &[Edge] {
        let u = unit as usize;
        &self.edges[self.offsets[u] as usize..self.offsets[u + 1] as usize]
    }

    /// The boundary length two units share (0 when they do not touch).
    pub fn shared_length(&self, a: UnitId, b: UnitId) -> f64 {
        self.edge(a, b).map(|e| e.shared_m).unwrap_or(0.0)
    }

    /// The edge between two units, if they are neighbours.
    pub fn edge(&self, a: UnitId, b: UnitId) -> Option<&Edge> {
        let list = self.neighbours(a);
        list.binary_search_by_key(&b, |e| e.to)
            .ok()
            .map(|i| &list[i])
    }

    /// Length of a unit's boundary on the edge of the state (coast or state
    /// line), in metres.
    pub fn border_m(&self, unit: UnitId) -> f64 {
        self.border_m[unit as usize]
    }

    /// A unit's whole perimeter in metres.
    pub fn perimeter_m(&self, unit: UnitId) -> f64 {
        self.perimeter_m[unit as usize]
    }

    /// Number of undirected edges.
    pub fn edge_count(&self) -> usize {
        self.edges.len() / 2
    }

    /// Edges of one kind, counted once each.
    pub fn edge_count_of(&self, kind: EdgeKind) -> usize {
        self.edges.iter().filter(|e| e.kind == kind).count() / 2
    }
}

fn count_segments(mp: &MultiPolygon) -> usize {
    mp.0.iter()
        .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
        .sum()
}

/// Each boundary segment of a unit in both CRSs.
fn segment_pairs<'a>(
    source: &'a MultiPolygon,
    metric: &'a MultiPolygon,
) -> impl Iterator<Item = (Line, Line)> + 'a {
    source.0.iter().zip(&metric.0).flat_map(|(sp, mp)| {
        std::iter::once((sp.exterior(), mp.exterior()))
            .chain(sp.interiors().iter().zip(mp.interiors()))
            .flat_map(|(sr, mr)| sr.lines().zip(mr.lines()))
            .filter(|(s, _)| s.start != s.end)
    })
}

fn line_length(l: &Line) -> f64 {
    (l.dx() * l.dx() + l.dy() * l.dy()).sqrt()
}

/// The second pass over segments that matched nothing: shared length for
/// segments that run along each other, and water neighbours for units that
/// come close.
fn match_loose_segments(
    loose: Vec<LooseSegment>,
    options: &GraphOptions,
    pairs: &mut FastMap<(UnitId, UnitId), PairAccumulator>,
    border_m: &mut [f64],
) {
    let reach = options.water_gap_m.max(options.snap_m);
    if reach <= 0.0 || loose.is_empty() {
        return;
    }
    let tree = RTree::bulk_load(loose);
    let mut near: FastMap<(UnitId, UnitId), f64> = FastMap::default();
    for s in tree.iter() {
        let env = s.envelope();
        let search = Bbox::new(env.lower(), env.upper()).buffered(reach);
        for t in tree.locate_in_envelope_intersecting(&search.to_aabb()) {
            if t.unit == s.unit {
                continue;
            }
            let overlap = collinear_overlap(&s.line, &t.line, options.snap_m);
            if overlap > 0.0 && s.unit < t.unit {
                let key = (s.unit, t.unit);
                pairs.entry(key).or_default().shared_m += overlap;
                // Shared, so not border after all (for both units).
                border_m[s.unit as usize] -= overlap;
                border_m[t.unit as usize] -= overlap;
            }
            if s.unit < t.unit {
                let d = segment_distance(&s.line, &t.line);
                if d <= options.water_gap_m {
                    let best = near.entry((s.unit, t.unit)).or_insert(f64::INFINITY);
                    *best = best.min(d);
                }
            }
        }
    }
    for (key, gap) in near {
        let acc = pairs.entry(key).or_default();
        if acc.shared_m == 0.0 {
            acc.gap_m = gap;
        }
    }
    for b in border_m.iter_mut() {
        *b = b.max(0.0);
    }
}

/// Two units near each other across water that share a land neighbour
/// are near because that neighbour is narrow (two coastal tracts either
/// side of a thin one), not because water separates them: no bridge.
fn drop_bridges_beside_land(n: usize, pairs: &mut FastMap<(UnitId, UnitId), PairAccumulator>) {
    let mut land: Vec<Vec<UnitId>> = vec![Vec::new(); n];
    for (&(a, b), acc) in pairs.iter() {
        if acc.shared_m > 0.0 {
            land[a as usize].push(b);
            land[b as usize].push(a);
        }
    }
    for list in &mut land {
        list.sort_unstable();
    }
    pairs.retain(|&(a, b), acc| {
        acc.shared_m > 0.0
            || !land[a as usize]
                .iter()
                .any(|x| land[b as usize].binary_search(x).is_ok())
    });
}

/// Length along `s` that `t` covers when both of `t`'s ends lie within
/// `tolerance` of the line through `s` (0 otherwise).
fn collinear_overlap(s: &Line, t: &Line, tolerance: f64) -> f64 {
    let len = line_length(s);
    if len == 0.0 || tolerance <= 0.0 {
        return 0.0;
    }
    let (ux, uy) = (s.dx() / len, s.dy() / len);
    let offset = |c: Coord| ((c.x - s.start.x) * -uy + (c.y - s.start.y) * ux).abs();
    if offset(t.start) > tolerance || offset(t.end) > tolerance {
        return 0.0;
    }
    let along = |c: Coord| (c.x - s.start.x) * ux + (c.y - s.start.y) * uy;
    let (a, b) = (along(t.start), along(t.end));
    let (lo, hi) = (a.min(b).max(0.0), a.max(b).min(len));
    (hi - lo).max(0.0)
}

fn point_segment_distance(p: Coord, l: &Line) -> f64 {
    let (dx, dy) = (l.dx(), l.dy());
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.x - l.start.x) * dx + (p.y - l.start.y) * dy) / len2).clamp(0.0, 1.0)
    };
    let (cx, cy) = (l.start.x + t * dx, l.start.y + t * dy);
    ((p.x - cx).powi(2) + (p.y - cy).powi(2)).sqrt()
}

fn segment_distance(a: &Line, b: &Line) -> f64 {
    use geo::Intersects;
    if a.intersects(b) {
        return 0.0;
    }
    point_segment_distance(a.start, b)
        .min(point_segment_distance(a.end, b))
        .min(point_segment_distance(b.start, a))
        .min(point_segment_distance(b.end, a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn square(x: f64, y: f64, size: f64) -> MultiPolygon {
        MultiPolygon(vec![polygon![
            (x: x, y: y),
            (x: x + size, y: y),
            (x: x + size, y: y + size),
            (x: x, y: y + size),
        ]])
    }

    fn build(units: &[MultiPolygon], options: GraphOptions) -> AdjacencyGraph {
        AdjacencyGraph::build(units, units, &options)
    }

    #[test]
    fn grid_neighbours_and_lengths() {
        // 3x3 grid of 1 km squares: the centre has 4 rook neighbours, and
        // corners near each other along the edge are not bridged.
        let units: Vec<_> = (0..9)
            .map(|i| square((i % 3) as f64 * 1000.0, (i / 3) as f64 * 1000.0, 1000.0))
            .collect();
        let g = build(&units, GraphOptions::default());
        assert_eq!(g.neighbours(4).len(), 4);
        assert_eq!(g.edge_count(), 12);
        assert_eq!(g.border_m(4), 0.0);
        assert!((g.border_m(0) - 2000.0).abs() < 1e-9);
        assert!((g.perimeter_m(4) - 4000.0).abs() < 1e-9);
        assert!(g.edge(0, 8).is_none());
    }

    #[test]
    fn units_that_do_not_share_vertices_still_share_boundary() {
        // Right square's left side is split at y = 4: no segment matches exactly.
        let a = square(0.0, 0.0, 10.0);
        let b = MultiPolygon(vec![polygon![
            (x: 10.0, y: 0.0), (x: 20.0, y: 0.0), (x: 20.0, y: 10.0),
            (x: 10.0, y: 10.0), (x: 10.0, y: 4.0),
        ]]);
        let g = build(&[a, b], GraphOptions::default());
        assert!((g.shared_length(0, 1) - 10.0).abs() < 1e-9);
        assert_eq!(g.edge(0, 1).unwrap().kind, EdgeKind::Land);
        assert!((g.border_m(0) - 30.0).abs() < 1e-9);
    }

    #[test]
    fn islands_across_narrow_water_are_neighbours() {
        let mainland = square(0.0, 0.0, 1000.0);
        let island = square(1300.0, 0.0, 100.0);
        let far_island = square(5000.0, 0.0, 100.0);
        let units = [mainland, island, far_island];
        let g = build(&units, GraphOptions::default());
        let e = g.edge(0, 1).expect("bridged");
        assert_eq!(e.kind, EdgeKind::Water);
        assert!((e.gap_m - 300.0).abs() < 1e-9);
        assert!(g.edge(0, 2).is_none());
        let off = build(
            &units,
            GraphOptions {
                water_gap_m: 0.0,
                ..GraphOptions::default()
            },
        );
        assert!(off.edge(0, 1).is_none());
    }

    #[test]
    fn components_follow_membership() {
        let units: Vec<_> = (0..4)
            .map(|i| square(i as f64 * 1000.0, 0.0, 1000.0))
            .collect();
        let g = build(&units, GraphOptions::default());
        let member = |u: UnitId| u != 1;
        let pieces = g.components(0..4, member, false);
        assert_eq!(pieces, vec![vec![2, 3], vec![0]]);
    }
}
