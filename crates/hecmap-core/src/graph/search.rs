//! Searches over the adjacency graph whose cost is what they visit, never
//! the size of the graph: connected pieces of a set of units, and the
//! pieces a region wholly surrounds.
//!
//! A search marks the units it has seen in [`Marks`], a per-thread array
//! that is cleared by moving to a new stamp (O(1)), not by zeroing it. So
//! checking the contiguity of a 100-tract HEC costs the same on a layer of
//! 879 tracts as on one of a million.
//!
//! ```
//! use geo::{polygon, MultiPolygon};
//! use hecmap_core::graph::{AdjacencyGraph, GraphOptions};
//! // A row of four 1 km squares: every one of them is on the state's edge,
//! // so leaving out the second one splits the row but encloses nothing.
//! let squares: Vec<MultiPolygon> = (0..4)
//!     .map(|i| {
//!         let x = i as f64 * 1000.0;
//!         MultiPolygon(vec![polygon![(x: x, y: 0.0), (x: x + 1000.0, y: 0.0), (x: x + 1000.0, y: 1000.0), (x: x, y: 1000.0)]])
//!     })
//!     .collect();
//! let g = AdjacencyGraph::build(&squares, &squares, &GraphOptions::default());
//! assert_eq!(g.components(0..4, |u| u != 1, false), vec![vec![2, 3], vec![0]]);
//! assert!(g.enclosed_pieces([1, 2], |u| u == 1 || u == 2).is_empty());
//! ```

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{AdjacencyGraph, EdgeKind};
use crate::units::UnitId;

/// Less state border than this (metres) is a digitizing artefact, not the
/// state's edge: a unit with less is inland.
pub const EDGE_MIN_M: f64 = 1.0;

/// What a search knows of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Unseen = 0,
    Seen = 1,
    /// Seen, and in a piece that reaches the state's edge.
    Open = 2,
}

/// Marks of one search per unit: a cell holds the search's stamp and the
/// mark, so that a new search starts with every unit unseen at no cost.
#[derive(Debug, Default)]
struct Marks {
    stamp: u32,
    cells: Vec<u32>,
}

/// Stamps use the bits above the two of the mark.
const STAMP_SHIFT: u32 = 2;
const LAST_STAMP: u32 = u32::MAX >> STAMP_SHIFT;

impl Marks {
    /// Starts a new search over `n` units.
    fn reset(&mut self, n: usize) {
        if self.cells.len() < n {
            self.cells.resize(n, 0);
        }
        if self.stamp == LAST_STAMP {
            self.cells.iter_mut().for_each(|c| *c = 0);
            self.stamp = 0;
        }
        self.stamp += 1;
    }

    fn get(&self, unit: UnitId) -> Mark {
        let cell = self.cells[unit as usize];
        if cell >> STAMP_SHIFT != self.stamp {
            return Mark::Unseen;
        }
        match cell & 0b11 {
            1 => Mark::Seen,
            2 => Mark::Open,
            _ => Mark::Unseen,
        }
    }

    fn set(&mut self, unit: UnitId, mark: Mark) {
        self.cells[unit as usize] = (self.stamp << STAMP_SHIFT) | mark as u32;
    }
}

thread_local! {
    static MARKS: RefCell<Marks> = RefCell::new(Marks::default());
}

/// Runs `f` with marks reset for `n` units: this thread's reused array, or
/// a fresh one when a search is already running (a membership test that
/// searches the graph itself).
fn with_marks<T>(n: usize, f: impl FnOnce(&mut Marks) -> T) -> T {
    MARKS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut marks) => {
            marks.reset(n);
            f(&mut marks)
        }
        Err(_) => {
            let mut marks = Marks::default();
            marks.reset(n);
            f(&mut marks)
        }
    })
}

/// Largest first, then by lowest id: the order findings list pieces in.
fn sort_pieces(pieces: &mut [Vec<UnitId>]) {
    pieces.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
}

impl AdjacencyGraph {
    /// True when a unit lies on the state's edge (coast or state line).
    pub fn on_edge(&self, unit: UnitId) -> bool {
        self.border_m[unit as usize] >= EDGE_MIN_M
    }

    /// The fewest steps (any edge) from a unit to one on the state's edge;
    /// `u32::MAX` when none can be reached.
    pub fn hops_to_edge(&self, unit: UnitId) -> u32 {
        self.hops_to_edge[unit as usize]
    }

    /// The connected pieces of a set of units (given as a membership test),
    /// each sorted by id, largest first. Water edges connect unless
    /// `land_only`. Costs what the pieces reached from `units` hold.
    pub fn components(
        &self,
        units: impl IntoIterator<Item = UnitId>,
        member: impl Fn(UnitId) -> bool,
        land_only: bool,
    ) -> Vec<Vec<UnitId>> {
        with_marks(self.len(), |marks| {
            let mut pieces = Vec::new();
            let mut stack = Vec::new();
            for start in units {
                if marks.get(start) != Mark::Unseen || !member(start) {
                    continue;
                }
                let mut piece = Vec::new();
                marks.set(start, Mark::Seen);
                stack.push(start);
                while let Some(u) = stack.pop() {
                    piece.push(u);
                    for e in self.neighbours(u) {
                        if land_only && e.kind == EdgeKind::Water {
                            continue;
                        }
                        if marks.get(e.to) == Mark::Unseen && member(e.to) {
                            marks.set(e.to, Mark::Seen);
                            stack.push(e.to);
                        }
                    }
                }
                piece.sort_unstable();
                pieces.push(piece);
            }
            sort_pieces(&mut pieces);
            pieces
        })
    }

    /// The connected pieces of a set of units (a membership test), reached
    /// from `starts`, that do not reach the state's edge: the land a
    /// region wholly surrounds, when `member` is "outside the region".
    /// Water edges connect. Each piece sorted by id, largest first.
    ///
    /// A piece that reaches the edge is given up as soon as it does: the
    /// search goes towards the edge first (fewest [`hops_to_edge`]), and
    /// any later search that meets a unit of a given-up piece stops too.
    /// So a region's enclaves cost about the length of its boundary, not
    /// the size of the land around it.
    ///
    /// [`hops_to_edge`]: AdjacencyGraph::hops_to_edge
    pub fn enclosed_pieces(
        &self,
        starts: impl IntoIterator<Item = UnitId>,
        member: impl Fn(UnitId) -> bool,
    ) -> Vec<Vec<UnitId>> {
        with_marks(self.len(), |marks| {
            let mut pieces = Vec::new();
            let mut frontier = BinaryHeap::new();
            for start in starts {
                if marks.get(start) != Mark::Unseen || !member(start) {
                    continue;
                }
                let mut piece = Vec::new();
                frontier.clear();
                marks.set(start, Mark::Seen);
                frontier.push(Reverse((self.hops_to_edge(start), start)));
                let mut open = false;
                'search: while let Some(Reverse((_, u))) = frontier.pop() {
                    piece.push(u);
                    if self.on_edge(u) {
                        open = true;
                        break;
                    }
                    for e in self.neighbours(u) {
                        match marks.get(e.to) {
                            Mark::Open => {
                                open = true;
                                break 'search;
                            }
                            Mark::Unseen if member(e.to) => {
                                marks.set(e.to, Mark::Seen);
                                frontier.push(Reverse((self.hops_to_edge(e.to), e.to)));
                            }
                            _ => {}
                        }
                    }
                }
                if open {
                    // Everything this search touched is in an open piece.
                    for u in piece.drain(..) {
                        marks.set(u, Mark::Open);
                    }
                    for Reverse((_, u)) in frontier.drain() {
                        marks.set(u, Mark::Open);
                    }
                } else {
                    piece.sort_unstable();
                    pieces.push(piece);
                }
            }
            sort_pieces(&mut pieces);
            pieces
        })
    }
}

/// Steps from each unit to the nearest one on the edge (multi-source
/// breadth-first search over every edge).
pub(super) fn hops_to_edge(graph: &AdjacencyGraph) -> Vec<u32> {
    let n = graph.len();
    let mut hops = vec![u32::MAX; n];
    let mut queue = std::collections::VecDeque::new();
    for u in 0..n as UnitId {
        if graph.on_edge(u) {
            hops[u as usize] = 0;
            queue.push_back(u);
        }
    }
    while let Some(u) = queue.pop_front() {
        let next = hops[u as usize] + 1;
        for e in graph.neighbours(u) {
            if hops[e.to as usize] == u32::MAX {
                hops[e.to as usize] = next;
                queue.push_back(e.to);
            }
        }
    }
    hops
}

#[cfg(test)]
mod tests {
    use super::super::GraphOptions;
    use super::*;
    use crate::geometry::square_grid;

    /// A `side` x `side` grid of 1 km squares, unit `side * row + column`.
    fn grid(side: usize) -> AdjacencyGraph {
        let squares = square_grid(side);
        AdjacencyGraph::build(&squares, &squares, &GraphOptions::default())
    }

    #[test]
    fn hops_count_steps_to_the_edge() {
        let g = grid(5);
        assert_eq!(g.hops_to_edge(0), 0);
        assert_eq!(g.hops_to_edge(6), 1);
        assert_eq!(g.hops_to_edge(12), 2);
        assert!(g.on_edge(4) && !g.on_edge(12));
    }

    #[test]
    fn enclosed_pieces_are_those_that_never_reach_the_edge() {
        let g = grid(5);
        // The region is a ring around the centre 3 x 3 block but one; the
        // centre (12) and its left neighbour (11) are outside it, and so
        // is everything on the grid's edge.
        let ring = [6, 7, 8, 13, 16, 17, 18];
        let outside = |u: UnitId| !ring.contains(&u);
        let starts: Vec<UnitId> = (0..25).filter(|&u| outside(u)).collect();
        // 11 touches 10 (on the edge): the centre is not enclosed.
        assert!(g.enclosed_pieces(starts.clone(), outside).is_empty());
        // Close the ring: 11 joins the region; 12 alone is surrounded.
        let closed = |u: UnitId| !ring.contains(&u) && u != 11;
        assert_eq!(g.enclosed_pieces(starts, closed), vec![vec![12]]);
    }

    #[test]
    fn marks_do_not_leak_between_searches_or_into_nested_ones() {
        let g = grid(4);
        for _ in 0..3 {
            assert_eq!(g.components(0..16, |_| true, false).len(), 1);
        }
        // A membership test that itself searches the graph.
        let nested = g.components(
            0..16,
            |u| g.components([u], |_| true, false).len() == 1,
            false,
        );
        assert_eq!(nested, vec![(0..16).collect::<Vec<_>>()]);
        let mut marks = Marks {
            stamp: LAST_STAMP,
            cells: vec![LAST_STAMP << STAMP_SHIFT | 1; 4],
        };
        marks.reset(4);
        assert_eq!(marks.get(0), Mark::Unseen);
    }
}
