//! The outline of each region, kept up to date as units move: its
//! perimeter and its convex hull, the two figures compactness needs
//! besides the area (a tally).
//!
//! Both come from the adjacency graph and each unit's own hull, never from
//! polygon unions:
//!
//! - a region's perimeter is its units' state border plus the boundary
//!   they share with units outside it. When a unit joins, the perimeter
//!   gains the unit's border and what it shares with outsiders, and loses
//!   what it shares with members (which was perimeter until then): `new =
//!   old + change`, the reverse when it leaves;
//! - a region's hull is the hull of its units' hull points. When units
//!   join, the new hull is the hull of the old hull's vertices and their
//!   points. When a unit leaves, the hull is unchanged unless one of its
//!   vertices came from that unit; only then is it computed again, from
//!   the units on the region's boundary (an inner unit's points are inside
//!   the region, so inside the hull).
//!
//! The property test in this module holds both equal to a recount after
//! any sequence of moves.
//!
//! ```
//! use hecmap_core::compactness::{convex_hull, ring_area};
//! use hecmap_core::shape::{RegionShapes, perimeter_of};
//! use hecmap_core::synthetic::TownGrid;
//! // Four tracts in a 2 x 2 town, all in region 0; then one leaves.
//! let data = TownGrid::new(1, 1, 2).build().unwrap();
//! let graph = &data.tracts.graph;
//! let hulls = data.tract_hull_points();
//! let mut claims: Vec<Option<u32>> = vec![Some(0); 4];
//! let members = vec![vec![0, 1, 2, 3]];
//! let mut shapes = RegionShapes::recount(graph, &members, |t, r| claims[t as usize] == Some(r));
//! claims[3] = None;
//! shapes.left(graph, 3, 0, |t| claims[t as usize] == Some(0));
//! let recount = perimeter_of(graph, &[0, 1, 2], |t| claims[t as usize] == Some(0));
//! assert!((shapes.perimeter(0) - recount).abs() < 1e-6);
//! // The L left has the hull of its three tracts' points.
//! shapes.settle(0, graph, hulls, &[0, 1, 2], |t| claims[t as usize] == Some(0));
//! let ring: Vec<_> = shapes.hull(0).unwrap().iter().map(|p| p.0).collect();
//! let mut points: Vec<_> = [0, 1, 2].iter().flat_map(|&t| hulls[t].iter().map(|&p| (p, ()))).collect();
//! let full: Vec<_> = convex_hull(&mut points).iter().map(|p| p.0).collect();
//! assert_eq!(ring_area(&ring), ring_area(&full));
//! ```

use geo::Coord;

use crate::compactness::convex_hull;
use crate::graph::AdjacencyGraph;
use crate::plan::RegionId;
use crate::units::UnitId;

/// The outline figures of every region.
#[derive(Debug, Clone, Default)]
pub struct RegionShapes {
    shapes: Vec<Shape>,
}

#[derive(Debug, Clone, Default)]
struct Shape {
    perimeter_m: f64,
    /// Hull vertices with the unit each came from; `None` until computed,
    /// and again when a unit holding a vertex leaves.
    hull: Option<Vec<(Coord, UnitId)>>,
    /// Units that joined since the hull was computed.
    joined: Vec<UnitId>,
}

/// How much a region's perimeter grows when `unit` joins it (and shrinks
/// when it leaves): the unit's border and what it shares with outsiders,
/// less what it shares with members. `is_member` is asked of neighbours
/// only.
fn perimeter_change(
    graph: &AdjacencyGraph,
    unit: UnitId,
    is_member: impl Fn(UnitId) -> bool,
) -> f64 {
    graph.border_m(unit)
        + graph
            .neighbours(unit)
            .iter()
            .map(|e| {
                if is_member(e.to) {
                    -e.shared_m
                } else {
                    e.shared_m
                }
            })
            .sum::<f64>()
}

/// A region's perimeter counted from scratch: its units' state border
/// plus the boundary they share with units outside it.
pub fn perimeter_of(
    graph: &AdjacencyGraph,
    members: &[UnitId],
    is_member: impl Fn(UnitId) -> bool,
) -> f64 {
    members
        .iter()
        .map(|&t| {
            graph.border_m(t)
                + graph
                    .neighbours(t)
                    .iter()
                    .filter(|e| !is_member(e.to))
                    .map(|e| e.shared_m)
                    .sum::<f64>()
        })
        .sum()
}

/// A region's hull computed from scratch, from the hull points of its
/// units on its boundary (those with a border or a neighbour outside).
pub fn hull_of(
    graph: &AdjacencyGraph,
    hull_points: &[Vec<Coord>],
    members: &[UnitId],
    is_member: impl Fn(UnitId) -> bool,
) -> Vec<(Coord, UnitId)> {
    let on_boundary =
        |t: UnitId| graph.border_m(t) > 0.0 || graph.neighbours(t).iter().any(|e| !is_member(e.to));
    let mut points: Vec<(Coord, UnitId)> = members
        .iter()
        .filter(|&&t| on_boundary(t))
        .flat_map(|&t| hull_points[t as usize].iter().map(move |&p| (p, t)))
        .collect();
    convex_hull(&mut points)
}

impl RegionShapes {
    /// Perimeters counted from scratch; hulls computed when first settled.
    /// `is_member(unit, region)`.
    pub fn recount(
        graph: &AdjacencyGraph,
        members: &[Vec<UnitId>],
        is_member: impl Fn(UnitId, RegionId) -> bool,
    ) -> Self {
        let shapes = members
            .iter()
            .enumerate()
            .map(|(r, units)| Shape {
                perimeter_m: perimeter_of(graph, units, |t| is_member(t, r as RegionId)),
                ..Shape::default()
            })
            .collect();
        Self { shapes }
    }

    fn shape_mut(&mut self, region: RegionId) -> &mut Shape {
        let r = region as usize;
        if self.shapes.len() <= r {
            self.shapes.resize_with(r + 1, Shape::default);
        }
        &mut self.shapes[r]
    }

    /// Records that `unit` joined `region`; `is_member` answers for the
    /// unit's neighbours as they are now.
    pub fn joined(
        &mut self,
        graph: &AdjacencyGraph,
        unit: UnitId,
        region: RegionId,
        is_member: impl Fn(UnitId) -> bool,
    ) {
        let change = perimeter_change(graph, unit, is_member);
        let shape = self.shape_mut(region);
        shape.perimeter_m += change;
        if shape.hull.is_some() {
            shape.joined.push(unit);
        }
    }

    /// Records that `unit` left `region`; `is_member` answers for the
    /// unit's neighbours as they are now.
    pub fn left(
        &mut self,
        graph: &AdjacencyGraph,
        unit: UnitId,
        region: RegionId,
        is_member: impl Fn(UnitId) -> bool,
    ) {
        let change = perimeter_change(graph, unit, is_member);
        let shape = self.shape_mut(region);
        shape.perimeter_m -= change;
        shape.joined.retain(|&u| u != unit);
        if shape
            .hull
            .as_ref()
            .is_some_and(|hull| hull.iter().any(|&(_, u)| u == unit))
        {
            shape.hull = None;
            shape.joined.clear();
        }
    }

    /// Brings a region's hull up to date with its members (sorted).
    pub fn settle(
        &mut self,
        region: RegionId,
        graph: &AdjacencyGraph,
        hull_points: &[Vec<Coord>],
        members: &[UnitId],
        is_member: impl Fn(UnitId) -> bool,
    ) {
        let shape = self.shape_mut(region);
        match shape.hull.take() {
            None => shape.hull = Some(hull_of(graph, hull_points, members, is_member)),
            Some(mut hull) => {
                hull.extend(
                    shape
                        .joined
                        .iter()
                        .flat_map(|&t| hull_points[t as usize].iter().map(move |&p| (p, t))),
                );
                shape.hull = Some(if shape.joined.is_empty() {
                    hull
                } else {
                    convex_hull(&mut hull)
                });
            }
        }
        shape.joined.clear();
    }

    /// A region's perimeter in metres (0 for a region never seen).
    pub fn perimeter(&self, region: RegionId) -> f64 {
        self.shapes
            .get(region as usize)
            .map_or(0.0, |s| s.perimeter_m)
    }

    /// A settled region's hull vertices with the unit each came from;
    /// `None` when units left or joined it since it was last settled.
    pub fn hull(&self, region: RegionId) -> Option<&[(Coord, UnitId)]> {
        let shape = self.shapes.get(region as usize)?;
        match &shape.hull {
            Some(hull) if shape.joined.is_empty() => Some(hull),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compactness::{hull_points, ring_area};
    use crate::geometry::square_grid;
    use crate::graph::GraphOptions;
    use proptest::prelude::*;

    const SIDE: u32 = 8;

    /// An 8 x 8 grid of 1 km squares, unit `8 * row + column`, with each
    /// square's hull points.
    fn grid() -> (AdjacencyGraph, Vec<Vec<Coord>>) {
        let squares = square_grid(SIDE as usize);
        let graph = AdjacencyGraph::build(&squares, &squares, &GraphOptions::default());
        (graph, squares.iter().map(hull_points).collect())
    }

    /// The hull's area and its vertex set, for comparing two hulls.
    fn summary(hull: &[(Coord, UnitId)]) -> (f64, Vec<(u64, u64)>) {
        let ring: Vec<Coord> = hull.iter().map(|p| p.0).collect();
        let mut vertices: Vec<(u64, u64)> = ring
            .iter()
            .map(|c| (c.x.to_bits(), c.y.to_bits()))
            .collect();
        vertices.sort_unstable();
        (ring_area(&ring), vertices)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any sequence of moves (tracts to one of three regions or to none,
        /// settling now and then) leaves perimeters and hulls equal to a
        /// recount.
        #[test]
        fn incremental_shapes_equal_a_recount(
            moves in prop::collection::vec((0u32..64, 0u32..4, any::<bool>()), 1..60)
        ) {
            let (graph, hulls) = grid();
            let (graph, hulls) = (&graph, &hulls);
            let n = (SIDE * SIDE) as usize;
            // Start with the west half in region 0, the east in region 1.
            let mut claims: Vec<Option<RegionId>> =
                (0..n as UnitId).map(|t| Some(u32::from(t % SIDE >= SIDE / 2))).collect();
            let members_of = |claims: &[Option<RegionId>], r: RegionId| -> Vec<UnitId> {
                (0..n as UnitId).filter(|&t| claims[t as usize] == Some(r)).collect()
            };
            let mut shapes = RegionShapes::recount(
                graph,
                &[members_of(&claims, 0), members_of(&claims, 1), vec![]],
                |t, r| claims[t as usize] == Some(r),
            );
            for (tract, to, settle) in moves {
                let to = (to < 3).then_some(to);
                if let Some(from) = claims[tract as usize].take() {
                    shapes.left(graph, tract, from, |u| claims[u as usize] == Some(from));
                }
                claims[tract as usize] = to;
                if let Some(to) = to {
                    shapes.joined(graph, tract, to, |u| claims[u as usize] == Some(to));
                }
                if settle {
                    for r in 0..3 {
                        shapes.settle(r, graph, hulls, &members_of(&claims, r), |u| claims[u as usize] == Some(r));
                    }
                }
            }
            for r in 0..3 {
                let members = members_of(&claims, r);
                let is_member = |u: UnitId| claims[u as usize] == Some(r);
                shapes.settle(r, graph, hulls, &members, is_member);
                let recount = perimeter_of(graph, &members, is_member);
                prop_assert!((shapes.perimeter(r) - recount).abs() <= 1e-9 * recount.max(1.0),
                    "region {}: perimeter {} != {}", r, shapes.perimeter(r), recount);
                let (area, vertices) = summary(shapes.hull(r).unwrap());
                // Every member's points, not only the boundary's.
                let mut all: Vec<(Coord, UnitId)> = members.iter()
                    .flat_map(|&t| hulls[t as usize].iter().map(move |&p| (p, t))).collect();
                let (full_area, full_vertices) = summary(&convex_hull(&mut all));
                prop_assert!((area - full_area).abs() <= 1e-9 * full_area.max(1.0));
                prop_assert_eq!(vertices, full_vertices);
            }
        }
    }
}
