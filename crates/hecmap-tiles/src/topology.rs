//! The shared-boundary topology of a layer, built once: every ring is cut
//! into arcs at nodes, each arc is stored once (in a canonical direction)
//! with a Douglas-Peucker importance per vertex, and rings refer to arcs.
//!
//! A *node* is a vertex whose number of distinct neighbouring vertices
//! (over every boundary segment of the layer) is not two: where three or
//! more units meet, where a shared boundary meets the state border, or
//! where a boundary touches itself. Between two nodes every vertex has
//! exactly two neighbours, so every ring passing through it follows the
//! same path: the arc. A ring without any node (an island, or the hole
//! around an island) is a single closed arc.
//!
//! The importance of a vertex is the largest Douglas-Peucker tolerance
//! (mercator metres) at which it is still kept: the simplification of an
//! arc at tolerance `eps` is exactly its vertices with importance `> eps`.
//! Because the split points of Douglas-Peucker do not depend on the
//! tolerance, one pass over each arc gives its simplification at every
//! zoom. Arc endpoints are always kept, and so is one interior vertex of
//! each arc (two for closed arcs), so simplification alone never collapses
//! a ring to a line.

use std::collections::HashMap;

use geo::MultiPolygon;
use hecmap_core::geometry::{Bbox, VertexKey, vertex_key};

use super::mercator::project;

/// One arc used by a ring, possibly walked backwards.
#[derive(Debug, Clone, Copy)]
pub struct ArcRef {
    pub arc: u32,
    pub reversed: bool,
}

#[derive(Debug, Clone)]
pub struct Ring {
    pub arcs: Vec<ArcRef>,
    /// In mercator metres.
    pub bbox: Bbox,
}

/// A polygon: the exterior ring first, then its holes.
#[derive(Debug, Clone)]
pub struct Polygon {
    pub rings: Vec<Ring>,
}

#[derive(Debug, Clone)]
pub struct Shape {
    pub polygons: Vec<Polygon>,
    /// In mercator metres.
    pub bbox: Bbox,
}

/// Arcs of a layer and the shapes of its units.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    /// Vertices of every arc in mercator metres, arc after arc.
    coords: Vec<[f64; 2]>,
    /// Douglas-Peucker importance of each vertex of `coords`.
    importance: Vec<f64>,
    /// `coords[offsets[a]..offsets[a + 1]]` is arc `a`.
    offsets: Vec<u32>,
    /// One shape per unit, in unit order.
    pub shapes: Vec<Shape>,
}

impl Topology {
    /// Builds the topology of a layer from its EPSG:4326 polygons.
    pub fn build(geometry: &[MultiPolygon]) -> Self {
        // 1. Vertex ids by quantised position (as the adjacency graph
        // matches shared vertices); rings as vertex-id cycles.
        let mut ids: HashMap<VertexKey, u32> = HashMap::new();
        let mut vertices: Vec<[f64; 2]> = Vec::new();
        // unit -> polygon -> ring -> vertex ids (not closed)
        let mut rings: Vec<Vec<Vec<Vec<u32>>>> = Vec::with_capacity(geometry.len());
        for mp in geometry {
            let mut polygons = Vec::new();
            for polygon in &mp.0 {
                let mut out = Vec::new();
                for (i, ring) in std::iter::once(polygon.exterior())
                    .chain(polygon.interiors())
                    .enumerate()
                {
                    let mut cycle: Vec<u32> = Vec::with_capacity(ring.0.len());
                    for &c in &ring.0 {
                        let next = ids.len() as u32;
                        let id = *ids.entry(vertex_key(c)).or_insert_with(|| {
                            vertices.push(project(c.x, c.y));
                            next
                        });
                        if cycle.last() != Some(&id) {
                            cycle.push(id);
                        }
                    }
                    while cycle.len() > 1 && cycle.first() == cycle.last() {
                        cycle.pop();
                    }
                    if cycle.len() >= 3 {
                        out.push(cycle);
                    } else if i == 0 {
                        // A degenerate exterior: drop the polygon.
                        break;
                    }
                }
                if !out.is_empty() {
                    polygons.push(out);
                }
            }
            rings.push(polygons);
        }

        // 2. Degree of each vertex: its distinct neighbours over all segments.
        let mut edges: Vec<(u32, u32)> = Vec::new();
        for cycle in rings.iter().flatten().flatten() {
            for i in 0..cycle.len() {
                let (a, b) = (cycle[i], cycle[(i + 1) % cycle.len()]);
                edges.push((a.min(b), a.max(b)));
            }
        }
        edges.sort_unstable();
        edges.dedup();
        let mut degree = vec![0u32; vertices.len()];
        for &(a, b) in &edges {
            degree[a as usize] += 1;
            degree[b as usize] += 1;
        }
        let is_node = |v: u32| degree[v as usize] != 2;

        // 3. Cut rings into arcs, storing each arc once.
        let mut topo = Topology {
            offsets: vec![0],
            ..Self::default()
        };
        let mut arc_ids: HashMap<(u32, u32), u32> = HashMap::new();
        let mut seq: Vec<u32> = Vec::new();
        for polygons in &rings {
            let mut shape = Shape {
                polygons: Vec::new(),
                bbox: Bbox::EMPTY,
            };
            for polygon in polygons {
                let mut out = Polygon { rings: Vec::new() };
                for cycle in polygon {
                    let bbox = Bbox::of_points(cycle.iter().map(|&v| vertices[v as usize]));
                    let mut arcs = Vec::new();
                    match cycle.iter().position(|&v| is_node(v)) {
                        None => {
                            // A closed arc: start at the least vertex, walk
                            // towards its lesser neighbour.
                            let n = cycle.len();
                            let m = (0..n).min_by_key(|&i| cycle[i]).expect("non-empty");
                            let forward = cycle[(m + 1) % n] < cycle[(m + n - 1) % n];
                            seq.clear();
                            for k in 0..=n {
                                seq.push(if forward {
                                    cycle[(m + k) % n]
                                } else {
                                    cycle[(m + n - k % n) % n]
                                });
                            }
                            let arc = topo.arc_for(&seq, &vertices, &mut arc_ids);
                            arcs.push(ArcRef {
                                arc,
                                reversed: !forward,
                            });
                        }
                        Some(start) => {
                            let n = cycle.len();
                            seq.clear();
                            seq.push(cycle[start]);
                            for k in 1..=n {
                                let v = cycle[(start + k) % n];
                                seq.push(v);
                                if is_node(v) {
                                    arcs.push(topo.canonical_arc(&seq, &vertices, &mut arc_ids));
                                    seq.clear();
                                    seq.push(v);
                                }
                            }
                        }
                    }
                    out.rings.push(Ring { arcs, bbox });
                }
                shape.bbox = shape.bbox.union(&out.rings[0].bbox);
                shape.polygons.push(out);
            }
            topo.shapes.push(shape);
        }
        topo
    }

    /// Finds or stores the arc walked by `seq` (node to node) and says in
    /// which direction the ring walks it.
    fn canonical_arc(
        &mut self,
        seq: &[u32],
        vertices: &[[f64; 2]],
        arc_ids: &mut HashMap<(u32, u32), u32>,
    ) -> ArcRef {
        let n = seq.len();
        let forward = (seq[0], seq[1]) <= (seq[n - 1], seq[n - 2]);
        if forward {
            let arc = self.arc_for(seq, vertices, arc_ids);
            ArcRef {
                arc,
                reversed: false,
            }
        } else {
            let rev: Vec<u32> = seq.iter().rev().copied().collect();
            let arc = self.arc_for(&rev, vertices, arc_ids);
            ArcRef {
                arc,
                reversed: true,
            }
        }
    }

    /// The id of the arc with the canonical vertex sequence `seq`, stored on
    /// first sight. An arc is identified by its first directed segment.
    fn arc_for(
        &mut self,
        seq: &[u32],
        vertices: &[[f64; 2]],
        arc_ids: &mut HashMap<(u32, u32), u32>,
    ) -> u32 {
        let next = arc_ids.len() as u32;
        *arc_ids.entry((seq[0], seq[1])).or_insert_with(|| {
            let start = self.coords.len();
            self.coords
                .extend(seq.iter().map(|&v| vertices[v as usize]));
            self.importance.extend(importance(&self.coords[start..]));
            self.offsets.push(self.coords.len() as u32);
            next
        })
    }

    /// Number of distinct arcs.
    pub fn arc_count(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of stored arc vertices.
    pub fn vertex_count(&self) -> usize {
        self.coords.len()
    }

    /// Appends the vertices of a ring simplified at tolerance `eps` (mercator
    /// metres), passed through `map`, without repeating the first at the end.
    #[inline]
    pub fn ring_points(
        &self,
        ring: &Ring,
        eps: f64,
        mut map: impl FnMut([f64; 2]) -> [f64; 2],
        out: &mut Vec<[f64; 2]>,
    ) {
        for r in &ring.arcs {
            let (s, e) = (
                self.offsets[r.arc as usize] as usize,
                self.offsets[r.arc as usize + 1] as usize,
            );
            let (pts, imp) = (&self.coords[s..e], &self.importance[s..e]);
            // Each arc contributes all but its last vertex (the next arc's first).
            if r.reversed {
                for i in (1..pts.len()).rev() {
                    if imp[i] > eps {
                        out.push(map(pts[i]));
                    }
                }
            } else {
                for i in 0..pts.len() - 1 {
                    if imp[i] > eps {
                        out.push(map(pts[i]));
                    }
                }
            }
        }
    }
}

/// Distance from `p` to the segment `a`-`b` (to `a` when they coincide).
#[inline]
fn segment_distance(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    };
    let (qx, qy) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
    (qx * qx + qy * qy).sqrt()
}

/// The vertex strictly between `i` and `j` farthest from the segment
/// `pts[i]`-`pts[j]`, with its distance.
fn farthest(pts: &[[f64; 2]], i: usize, j: usize) -> Option<(usize, f64)> {
    (i + 1..j)
        .map(|k| (k, segment_distance(pts[k], pts[i], pts[j])))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Douglas-Peucker importance of each vertex of an arc: the vertex is kept
/// at tolerance `eps` iff its importance is `> eps`. Endpoints are infinite;
/// so is the first split vertex (and, for a closed arc, the first split of
/// its larger half too), so no arc shrinks to its chord.
pub fn importance(pts: &[[f64; 2]]) -> Vec<f64> {
    let n = pts.len();
    let mut imp = vec![0.0; n];
    imp[0] = f64::INFINITY;
    imp[n - 1] = f64::INFINITY;
    if n <= 2 {
        return imp;
    }
    let mut stack: Vec<(usize, usize, f64)> = Vec::new();
    if pts[0] == pts[n - 1] {
        // Closed: split at the vertex farthest from the start, then keep the
        // best split of the half that deviates more.
        let (k, _) = farthest(pts, 0, n - 1).expect("n > 2");
        imp[k] = f64::INFINITY;
        let a = farthest(pts, 0, k);
        let b = farthest(pts, k, n - 1);
        let forced = match (a, b) {
            (Some(a), Some(b)) => Some(if a.1 >= b.1 { a.0 } else { b.0 }),
            (Some(a), None) => Some(a.0),
            (None, Some(b)) => Some(b.0),
            (None, None) => None,
        };
        for (i, j) in [(0, k), (k, n - 1)] {
            if let Some((m, d)) = farthest(pts, i, j) {
                imp[m] = if Some(m) == forced { f64::INFINITY } else { d };
                stack.push((i, m, imp[m]));
                stack.push((m, j, imp[m]));
            }
        }
    } else {
        let (k, _) = farthest(pts, 0, n - 1).expect("n > 2");
        imp[k] = f64::INFINITY;
        stack.push((0, k, f64::INFINITY));
        stack.push((k, n - 1, f64::INFINITY));
    }
    while let Some((i, j, parent)) = stack.pop() {
        if let Some((k, d)) = farthest(pts, i, j) {
            imp[k] = d.min(parent);
            stack.push((i, k, imp[k]));
            stack.push((k, j, imp[k]));
        }
    }
    imp
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    /// Plain recursive Douglas-Peucker keeping both ends and the first split.
    fn dp(pts: &[[f64; 2]], eps: f64) -> Vec<usize> {
        fn rec(pts: &[[f64; 2]], i: usize, j: usize, eps: f64, keep: &mut Vec<usize>) {
            if let Some((k, d)) = farthest(pts, i, j)
                && d > eps
            {
                rec(pts, i, k, eps, keep);
                keep.push(k);
                rec(pts, k, j, eps, keep);
            }
        }
        let n = pts.len();
        let (k, _) = farthest(pts, 0, n - 1).unwrap();
        let mut keep = vec![0];
        rec(pts, 0, k, eps, &mut keep);
        keep.push(k);
        rec(pts, k, n - 1, eps, &mut keep);
        keep.push(n - 1);
        keep
    }

    #[test]
    fn importance_reproduces_douglas_peucker_at_every_tolerance() {
        let pts: Vec<[f64; 2]> = (0..60)
            .map(|i| {
                let x = i as f64;
                [x, (x * 0.7).sin() * 5.0 + (x * 0.13).cos() * 11.0]
            })
            .collect();
        let imp = importance(&pts);
        for eps in [0.01, 0.1, 0.5, 1.0, 2.0, 4.0, 8.0, 30.0] {
            let got: Vec<usize> = (0..pts.len()).filter(|&i| imp[i] > eps).collect();
            assert_eq!(got, dp(&pts, eps), "eps {eps}");
        }
    }

    #[test]
    fn neighbours_share_one_arc_walked_both_ways() {
        // Two squares side by side share the edge x = 1 (with a midpoint).
        let a = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 0.5), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)
        ]]);
        let b = MultiPolygon(vec![polygon![
            (x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.5)
        ]]);
        let t = Topology::build(&[a, b]);
        // Nodes at (1,0) and (1,1): arcs are the shared edge and two borders.
        assert_eq!(t.arc_count(), 3);
        let ra = &t.shapes[0].polygons[0].rings[0].arcs;
        let rb = &t.shapes[1].polygons[0].rings[0].arcs;
        let shared: Vec<_> = ra
            .iter()
            .filter_map(|x| rb.iter().find(|y| y.arc == x.arc).map(|y| (x, y)))
            .collect();
        assert_eq!(shared.len(), 1);
        assert_ne!(shared[0].0.reversed, shared[0].1.reversed);
        let mut pa = Vec::new();
        t.ring_points(&t.shapes[0].polygons[0].rings[0], 0.0, |p| p, &mut pa);
        assert_eq!(pa.len(), 5);
    }
}
