//! Compactness scores of a region, in the equal-area CRS.
//!
//! - Polsby-Popper: 4πA / P², with the perimeter from the adjacency graph.
//! - Reock: A / area of the smallest circle enclosing the region.
//! - Convex hull ratio: A / area of the region's convex hull.
//!
//! All are 1 for a disc and fall towards 0 for sprawling shapes.
//!
//! ```
//! use hecmap_core::compactness::{polsby_popper, min_enclosing_circle};
//! use geo::coord;
//! // A square of side 1: 4π / 16.
//! assert!((polsby_popper(1.0, 4.0) - std::f64::consts::PI / 4.0).abs() < 1e-12);
//! let (_, r) = min_enclosing_circle(&[coord!{x: 0.0, y: 0.0}, coord!{x: 2.0, y: 0.0}, coord!{x: 1.0, y: 0.5}]);
//! assert!((r - 1.0).abs() < 1e-12);
//! ```

use std::f64::consts::PI;

use geo::{ConvexHull, Coord, MultiPolygon};
use serde::{Deserialize, Serialize};

/// The three scores of a region.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Compactness {
    pub polsby_popper: f64,
    pub reock: f64,
    pub convex_hull: f64,
}

pub fn polsby_popper(area: f64, perimeter: f64) -> f64 {
    if perimeter > 0.0 {
        4.0 * PI * area / (perimeter * perimeter)
    } else {
        0.0
    }
}

/// The vertices of a polygon's convex hull: all a region's hull and
/// enclosing circle need from each of its units.
pub fn hull_points(geometry: &MultiPolygon) -> Vec<Coord> {
    geometry.convex_hull().exterior().0.clone()
}

/// Scores from a region's area, perimeter and its units' hull points.
pub fn compactness(area: f64, perimeter: f64, points: Vec<Coord>) -> Compactness {
    let mut tagged: Vec<(Coord, ())> = points.into_iter().map(|p| (p, ())).collect();
    let hull: Vec<Coord> = convex_hull(&mut tagged)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    scores(area, perimeter, &hull)
}

/// Scores from a region's area, perimeter and the vertices of its convex
/// hull (in order round it).
pub fn scores(area: f64, perimeter: f64, hull: &[Coord]) -> Compactness {
    let hull_area = ring_area(hull);
    let (_, radius) = min_enclosing_circle(hull);
    let circle = PI * radius * radius;
    Compactness {
        polsby_popper: polsby_popper(area, perimeter),
        reock: if circle > 0.0 { area / circle } else { 0.0 },
        convex_hull: if hull_area > 0.0 {
            area / hull_area
        } else {
            0.0
        },
    }
}

/// The area inside a ring of points in order (shoelace, unsigned).
pub fn ring_area(ring: &[Coord]) -> f64 {
    let Some(&origin) = ring.first() else {
        return 0.0;
    };
    // About the first point, so that large coordinates do not cancel.
    let twice: f64 = ring
        .windows(2)
        .chain(std::iter::once([*ring.last().unwrap(), origin].as_slice()))
        .map(|w| {
            let (a, b) = (w[0] - origin, w[1] - origin);
            a.x * b.y - b.x * a.y
        })
        .sum();
    twice.abs() / 2.0
}

fn cross(o: Coord, a: Coord, b: Coord) -> f64 {
    (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
}

/// The convex hull of tagged points (Andrew's monotone chain after
/// [`hull_candidates`]): its vertices anticlockwise from the lowest-x
/// point, without repeats or collinear points, each with its tag (the
/// unit it came from), so that a region's hull can be updated when units
/// leave it. The slice is reordered.
///
/// ```
/// use geo::coord;
/// use hecmap_core::compactness::convex_hull;
/// let mut points = vec![
///     (coord! { x: 0.0, y: 0.0 }, 'a'), (coord! { x: 2.0, y: 0.0 }, 'b'),
///     (coord! { x: 1.0, y: 1.0 }, 'c'), (coord! { x: 2.0, y: 2.0 }, 'd'),
///     (coord! { x: 0.0, y: 2.0 }, 'e'),
/// ];
/// let tags: Vec<char> = convex_hull(&mut points).iter().map(|p| p.1).collect();
/// assert_eq!(tags, ['a', 'b', 'd', 'e']);
/// ```
pub fn convex_hull<T: Copy>(points: &mut Vec<(Coord, T)>) -> Vec<(Coord, T)> {
    hull_candidates(points);
    points.sort_unstable_by(|a, b| a.0.x.total_cmp(&b.0.x).then(a.0.y.total_cmp(&b.0.y)));
    points.dedup_by(|a, b| a.0 == b.0);
    if points.len() < 3 {
        return points.clone();
    }
    // The lower chain left to right, the upper one right to left; each
    // ends where the other begins.
    let chain = |points: &mut dyn Iterator<Item = &(Coord, T)>| {
        let mut chain: Vec<(Coord, T)> = Vec::new();
        for &p in points {
            while chain.len() >= 2
                && cross(chain[chain.len() - 2].0, chain[chain.len() - 1].0, p.0) <= 0.0
            {
                chain.pop();
            }
            chain.push(p);
        }
        chain.pop();
        chain
    };
    let mut hull = chain(&mut points.iter());
    hull.extend(chain(&mut points.iter().rev()));
    hull
}

/// Drops the points that cannot be vertices of the hull: those strictly
/// inside the octagon of the extreme points in eight directions (Akl and
/// Toussaint's filter). A region's hull points are mostly inside it, so
/// the exact hull that follows sorts a tenth of them. A point within a
/// millimetre of the octagon's edge is kept, so rounding never drops a
/// vertex.
pub fn hull_candidates<T>(points: &mut Vec<(Coord, T)>) {
    if points.len() < 16 {
        return;
    }
    // Extremes along x, x + y, y, y - x and their opposites: in this
    // order they go round the octagon anticlockwise.
    const DIRECTIONS: [(f64, f64); 8] = [
        (1.0, 0.0),
        (1.0, 1.0),
        (0.0, 1.0),
        (-1.0, 1.0),
        (-1.0, 0.0),
        (-1.0, -1.0),
        (0.0, -1.0),
        (1.0, -1.0),
    ];
    let mut octagon = [points[0].0; 8];
    let mut best = [f64::NEG_INFINITY; 8];
    for (p, _) in points.iter() {
        for (i, (dx, dy)) in DIRECTIONS.iter().enumerate() {
            let along = p.x * dx + p.y * dy;
            if along > best[i] {
                best[i] = along;
                octagon[i] = *p;
            }
        }
    }
    // Each edge as a unit normal pointing inwards and its offset.
    let edges: Vec<(f64, f64, f64)> = (0..8)
        .filter_map(|i| {
            let (a, b) = (octagon[i], octagon[(i + 1) % 8]);
            let (ex, ey) = (b.x - a.x, b.y - a.y);
            let length = (ex * ex + ey * ey).sqrt();
            (length > 0.0).then(|| {
                let (nx, ny) = (-ey / length, ex / length);
                (nx, ny, nx * a.x + ny * a.y)
            })
        })
        .collect();
    if edges.len() < 3 {
        return;
    }
    points.retain(|(p, _)| {
        edges
            .iter()
            .any(|&(nx, ny, offset)| nx * p.x + ny * p.y - offset <= 1e-3)
    });
}

fn dist(a: Coord, b: Coord) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

fn circle_two(a: Coord, b: Coord) -> (Coord, f64) {
    let c = Coord {
        x: (a.x + b.x) / 2.0,
        y: (a.y + b.y) / 2.0,
    };
    (c, dist(a, b) / 2.0)
}

fn circle_three(a: Coord, b: Coord, c: Coord) -> (Coord, f64) {
    let d = 2.0 * (a.x * (b.y - c.y) + b.x * (c.y - a.y) + c.x * (a.y - b.y));
    if d.abs() < 1e-12 {
        // Collinear: the widest pair.
        let mut best = circle_two(a, b);
        for candidate in [circle_two(a, c), circle_two(b, c)] {
            if candidate.1 > best.1 {
                best = candidate;
            }
        }
        return best;
    }
    let sq = |p: Coord| p.x * p.x + p.y * p.y;
    let ux = (sq(a) * (b.y - c.y) + sq(b) * (c.y - a.y) + sq(c) * (a.y - b.y)) / d;
    let uy = (sq(a) * (c.x - b.x) + sq(b) * (a.x - c.x) + sq(c) * (b.x - a.x)) / d;
    let centre = Coord { x: ux, y: uy };
    (centre, dist(centre, a))
}

/// The smallest circle enclosing the points (Welzl's algorithm, iterative
/// form), as centre and radius.
pub fn min_enclosing_circle(points: &[Coord]) -> (Coord, f64) {
    let inside = |c: &(Coord, f64), p: Coord| dist(c.0, p) <= c.1 * (1.0 + 1e-12) + 1e-9;
    let Some(&first) = points.first() else {
        return (Coord { x: 0.0, y: 0.0 }, 0.0);
    };
    let mut circle = (first, 0.0);
    for i in 1..points.len() {
        if inside(&circle, points[i]) {
            continue;
        }
        circle = (points[i], 0.0);
        for j in 0..i {
            if inside(&circle, points[j]) {
                continue;
            }
            circle = circle_two(points[i], points[j]);
            for k in 0..j {
                if !inside(&circle, points[k]) {
                    circle = circle_three(points[i], points[j], points[k]);
                }
            }
        }
    }
    circle
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn a_square_scores_as_expected() {
        let square = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0)],
        ]);
        let c = compactness(4.0, 8.0, hull_points(&square));
        assert!((c.polsby_popper - PI / 4.0).abs() < 1e-12);
        assert!((c.convex_hull - 1.0).abs() < 1e-12);
        // Enclosing circle radius is the half-diagonal, sqrt(2).
        assert!((c.reock - 4.0 / (PI * 2.0)).abs() < 1e-9);
    }

    #[test]
    fn an_l_shape_is_less_compact_than_its_hull() {
        let l = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 3.0, y: 0.0), (x: 3.0, y: 1.0),
            (x: 1.0, y: 1.0), (x: 1.0, y: 3.0), (x: 0.0, y: 3.0),
        ]]);
        let c = compactness(5.0, 12.0, hull_points(&l));
        assert!(c.convex_hull < 0.8 && c.convex_hull > 0.6, "{c:?}");
    }
}
