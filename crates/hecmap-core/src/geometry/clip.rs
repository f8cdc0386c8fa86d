//! Sutherland–Hodgman clipping of rings to a box: the one clipper of the
//! engine (drawn polygons against tract boxes) and of the vector tiles
//! (rings against the buffered tile square).
//!
//! The two uses differed only in how a crossing point was computed; they
//! now share the stricter rule of the tiles: the crossing of an edge with a
//! side of the box is computed from the edge's endpoints in a canonical
//! (lexicographic) order, so two neighbours that walk a shared edge in
//! opposite directions get bit-identical crossing points and the clipped
//! shared boundary stays identical on both sides. Points are generic
//! ([`Vertex`]) so the tiles clip `[f64; 2]` in tile units and the engine
//! `geo::Coord` in metres without conversion.
//!
//! Rings keep their orientation. A ring that leaves the box along one side
//! and comes back along another gets edges along the box's sides; a ring
//! that crosses a corner region gets the corner. Rings wholly outside clip to
//! nothing.

use geo::{LineString, MultiPolygon, Polygon};

use super::{Bbox, Vertex};

/// Clips a closed ring, given **without** its closing point, to a box,
/// writing the clipped ring (also without a closing point, and with the
/// orientation of the input) to `out`, which is cleared first. `scratch` is
/// a reusable buffer. The result is empty when the ring misses the box, and
/// may have fewer than three points, or repeated points and zero-width
/// spikes along the box's sides, which callers drop or ignore (boolean
/// operations with the even-odd rule, rounding to a grid).
///
/// ```
/// use hecmap_core::geometry::{Bbox, clip_ring_into};
/// let square = [[-10.0, -10.0], [20.0, -10.0], [20.0, 20.0], [-10.0, 20.0]];
/// let (mut out, mut scratch) = (Vec::new(), Vec::new());
/// clip_ring_into(&square, &Bbox::new([0.0, 0.0], [10.0, 10.0]), &mut out, &mut scratch);
/// assert_eq!(out, [[0.0, 10.0], [0.0, 0.0], [10.0, 0.0], [10.0, 10.0]]);
/// ```
pub fn clip_ring_into<P: Vertex>(ring: &[P], bbox: &Bbox, out: &mut Vec<P>, scratch: &mut Vec<P>) {
    out.clear();
    out.extend_from_slice(ring);
    for (axis, bound, keep_above) in [
        (0, bbox.min[0], true),
        (0, bbox.max[0], false),
        (1, bbox.min[1], true),
        (1, bbox.max[1], false),
    ] {
        if out.is_empty() {
            return;
        }
        std::mem::swap(out, scratch);
        out.clear();
        let inside = |p: &P| {
            if keep_above {
                p.get(axis) >= bound
            } else {
                p.get(axis) <= bound
            }
        };
        let mut prev = scratch[scratch.len() - 1];
        let mut prev_in = inside(&prev);
        for &cur in scratch.iter() {
            let cur_in = inside(&cur);
            if cur_in {
                if !prev_in {
                    out.push(crossing(prev, cur, axis, bound));
                }
                out.push(cur);
            } else if prev_in {
                out.push(crossing(prev, cur, axis, bound));
            }
            prev = cur;
            prev_in = cur_in;
        }
    }
}

/// Clips a closed ring (with or without its closing point) to a box and
/// returns it closed, or empty when fewer than three points are left. A
/// ring wholly inside the box is returned as it is.
///
/// ```
/// use geo::{Area, Coord, LineString, Polygon};
/// use hecmap_core::geometry::{Bbox, clip_ring};
/// let c = |x, y| Coord { x, y };
/// let square = [c(0.0, 0.0), c(10.0, 0.0), c(10.0, 10.0), c(0.0, 10.0), c(0.0, 0.0)];
/// let clipped = clip_ring(&square, &Bbox::new([5.0, -1.0], [20.0, 4.0]));
/// assert_eq!(clipped.first(), clipped.last());
/// let area = Polygon::new(LineString::new(clipped), vec![]).unsigned_area();
/// assert_eq!(area, 20.0);
/// ```
pub fn clip_ring<P: Vertex + PartialEq>(ring: &[P], bbox: &Bbox) -> Vec<P> {
    if ring.iter().all(|&p| bbox.contains_point(p)) {
        return ring.to_vec();
    }
    let open = match ring {
        [first, .., last] if first == last => &ring[..ring.len() - 1],
        _ => ring,
    };
    let mut out = Vec::with_capacity(open.len() + 8);
    let mut scratch = Vec::with_capacity(open.len() + 8);
    clip_ring_into(open, bbox, &mut out, &mut scratch);
    if out.len() < 3 {
        return Vec::new();
    }
    out.push(out[0]);
    out
}

/// Clips every ring of a multipolygon to a box. Rings whose bounding box
/// (from `ring_bboxes`, per polygon then ring with the exterior first, when
/// given) misses the box are dropped; a polygon whose exterior is dropped
/// or clipped away is dropped whole. The rings of the result may have
/// degenerate edges along the box, which boolean operations (even-odd
/// rule) ignore.
///
/// ```
/// use geo::{Area, polygon, MultiPolygon};
/// use hecmap_core::geometry::{Bbox, clip_multipolygon};
/// let mut p = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
/// p.interiors_push(vec![(2.0, 2.0), (4.0, 2.0), (4.0, 4.0), (2.0, 4.0), (2.0, 2.0)]);
/// let clipped = clip_multipolygon(&MultiPolygon(vec![p]), None, &Bbox::new([1.0, 1.0], [5.0, 5.0]));
/// assert_eq!(clipped.unsigned_area(), 16.0 - 4.0);
/// ```
pub fn clip_multipolygon(
    geometry: &MultiPolygon,
    ring_bboxes: Option<&[Vec<Bbox>]>,
    bbox: &Bbox,
) -> MultiPolygon {
    let mut out = Vec::new();
    for (p, polygon) in geometry.0.iter().enumerate() {
        let mut clipped = std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .enumerate()
            .map(|(r, ring)| {
                let ring_bbox = match ring_bboxes {
                    Some(b) => b[p][r],
                    None => Bbox::of(ring),
                };
                if ring_bbox.intersects(bbox) {
                    clip_ring(&ring.0, bbox)
                } else {
                    Vec::new()
                }
            });
        let exterior = clipped.next().unwrap_or_default();
        if exterior.len() < 4 {
            continue;
        }
        let holes = clipped
            .filter(|h| h.len() >= 4)
            .map(LineString::new)
            .collect();
        out.push(Polygon::new(LineString::new(exterior), holes));
    }
    MultiPolygon(out)
}

/// Where the segment `a`-`b` crosses the line `p[axis] == value`, computed
/// the same way whichever end comes first.
#[inline]
fn crossing<P: Vertex>(a: P, b: P, axis: usize, value: f64) -> P {
    let (p, q) = if (a.get(0), a.get(1)) <= (b.get(0), b.get(1)) {
        (a, b)
    } else {
        (b, a)
    };
    let other = 1 - axis;
    let t = (value - p.get(axis)) / (q.get(axis) - p.get(axis));
    let along = p.get(other) + t * (q.get(other) - p.get(other));
    if axis == 0 {
        P::from_xy(value, along)
    } else {
        P::from_xy(along, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Coord, polygon};

    fn unit_box() -> Bbox {
        Bbox::new([0.0, 0.0], [10.0, 10.0])
    }

    fn clip(ring: &[[f64; 2]], bbox: &Bbox) -> Vec<[f64; 2]> {
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        clip_ring_into(ring, bbox, &mut out, &mut scratch);
        out
    }

    /// Twice the signed area (shoelace) of an open ring.
    fn area2(r: &[[f64; 2]]) -> f64 {
        (0..r.len())
            .map(|i| {
                let (a, b) = (r[i], r[(i + 1) % r.len()]);
                a[0] * b[1] - b[0] * a[1]
            })
            .sum()
    }

    #[test]
    fn a_ring_inside_is_kept_as_it_is() {
        let ring = [[1.0, 1.0], [9.0, 1.0], [5.0, 9.0]];
        assert_eq!(clip(&ring, &unit_box()), ring);
        // On the sides counts as inside.
        let on_sides = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]];
        assert_eq!(clip(&on_sides, &unit_box()), on_sides);
        let closed: Vec<Coord> = [[1.0, 1.0], [9.0, 1.0], [5.0, 9.0], [1.0, 1.0]]
            .iter()
            .map(|&[x, y]| Coord { x, y })
            .collect();
        assert_eq!(clip_ring(&closed, &unit_box()), closed);
    }

    #[test]
    fn a_ring_outside_clips_to_nothing() {
        assert!(clip(&[[20.0, 20.0], [30.0, 20.0], [30.0, 30.0]], &unit_box()).is_empty());
        assert!(clip(&[[-5.0, 2.0], [-1.0, 2.0], [-3.0, 8.0]], &unit_box()).is_empty());
        assert!(clip(&[], &unit_box()).is_empty());
        assert!(clip_ring::<[f64; 2]>(&[], &unit_box()).is_empty());
        // Its box overlaps the box but the ring does not: a triangle
        // beyond the corner.
        assert!(clip(&[[9.0, 12.0], [12.0, 12.0], [12.0, 9.0]], &unit_box()).is_empty());
    }

    #[test]
    fn a_ring_around_the_box_becomes_the_box() {
        let square = [[-10.0, -10.0], [20.0, -10.0], [20.0, 20.0], [-10.0, 20.0]];
        let out = clip(&square, &unit_box());
        assert_eq!(out.len(), 4);
        assert_eq!(Bbox::of_points(out.iter().copied()), unit_box());
        assert_eq!(area2(&out), 200.0);
    }

    #[test]
    fn crossing_a_corner_keeps_the_corner_and_the_orientation() {
        // A square over the top-right corner, counter-clockwise and then
        // clockwise: a 5 x 5 piece, same orientation as the input.
        let ccw = [[5.0, 5.0], [15.0, 5.0], [15.0, 15.0], [5.0, 15.0]];
        let out = clip(&ccw, &unit_box());
        assert!(out.contains(&[10.0, 10.0]), "{out:?}");
        assert_eq!(area2(&out), 50.0);
        let cw: Vec<[f64; 2]> = ccw.iter().rev().copied().collect();
        let out = clip(&cw, &unit_box());
        assert!(out.contains(&[10.0, 10.0]), "{out:?}");
        assert_eq!(area2(&out), -50.0);
        // A diagonal band across the corner leaves the triangle (9, 10),
        // (10, 9), (10, 10); one just beyond it leaves nothing.
        let band = [[8.0, 11.0], [11.0, 8.0], [12.0, 9.0], [9.0, 12.0]];
        let out = clip(&band, &unit_box());
        assert!(out.iter().all(|&p| unit_box().contains_point(p)));
        assert!(out.contains(&[10.0, 10.0]), "{out:?}");
        assert!((area2(&out) - 1.0).abs() < 1e-12, "{out:?}");
        let beyond = [[8.0, 13.0], [13.0, 8.0], [14.0, 9.0], [9.0, 14.0]];
        assert!(clip(&beyond, &unit_box()).is_empty());
    }

    #[test]
    fn degenerate_rings() {
        // A line and a point, inside and across.
        assert_eq!(clip(&[[1.0, 1.0], [2.0, 2.0]], &unit_box()).len(), 2);
        assert_eq!(clip(&[[3.0, 3.0]], &unit_box()), [[3.0, 3.0]]);
        assert!(clip(&[[13.0, 3.0]], &unit_box()).is_empty());
        // A two-point ring across the box: there and back along the chord.
        let out = clip(&[[-5.0, 5.0], [15.0, 5.0]], &unit_box());
        assert_eq!(out, [[10.0, 5.0], [0.0, 5.0], [0.0, 5.0], [10.0, 5.0]]);
        assert_eq!(area2(&out), 0.0);
        // Closed rings: outside gives nothing, a spike a zero-area ring.
        let c = |x, y| Coord { x, y };
        let outside = [c(12.0, 5.0), c(15.0, 5.0), c(15.0, 6.0), c(12.0, 5.0)];
        assert!(clip_ring(&outside, &unit_box()).is_empty());
        let spike = clip_ring(&[c(-5.0, 5.0), c(15.0, 5.0), c(-5.0, 5.0)], &unit_box());
        assert_eq!(spike.first(), spike.last());
        assert!(spike.iter().all(|p| p.y == 5.0));
        // A zero-area box (a segment) keeps only a degenerate ring.
        let line = Bbox::new([5.0, 0.0], [5.0, 10.0]);
        let out = clip(&[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]], &line);
        assert!(out.iter().all(|p| p[0] == 5.0));
        assert_eq!(area2(&out), 0.0);
    }

    #[test]
    fn shared_edges_cross_the_sides_at_identical_points() {
        // Two triangles sharing the edge (-3.3, 1.7)-(7.1, 13.9), walked in
        // opposite directions, cross the top side at the same point.
        let a = [[-3.3, 1.7], [7.1, 13.9], [-5.0, 13.0]];
        let b = [[7.1, 13.9], [-3.3, 1.7], [9.0, 2.0]];
        let on_top = |v: Vec<[f64; 2]>| {
            v.into_iter()
                .filter(|p| p[1] == 10.0 && p[0] > 0.0 && p[0] < 10.0)
                .collect::<Vec<_>>()
        };
        let shared = on_top(clip(&a, &unit_box()));
        assert_eq!(shared.len(), 1);
        assert!(on_top(clip(&b, &unit_box())).contains(&shared[0]));
    }

    #[test]
    fn multipolygons_clip_ring_by_ring() {
        let mut p =
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
        p.interiors_push(vec![
            (2.0, 2.0),
            (8.0, 2.0),
            (8.0, 8.0),
            (2.0, 8.0),
            (2.0, 2.0),
        ]);
        let far = polygon![(x: 20.0, y: 0.0), (x: 30.0, y: 0.0), (x: 30.0, y: 10.0)];
        let mp = MultiPolygon(vec![p, far]);
        let bbox = Bbox::new([1.0, 1.0], [5.0, 5.0]);
        let clipped = clip_multipolygon(&mp, None, &bbox);
        assert_eq!(clipped.0.len(), 1, "the far polygon is dropped");
        assert_eq!(clipped.0[0].interiors().len(), 1);
        assert!((clipped.unsigned_area() - (16.0 - 9.0)).abs() < 1e-9);
        // Ring boxes given: the same result.
        let boxes: Vec<Vec<Bbox>> =
            mp.0.iter()
                .map(|p| {
                    std::iter::once(p.exterior())
                        .chain(p.interiors())
                        .map(Bbox::of)
                        .collect()
                })
                .collect();
        assert_eq!(clip_multipolygon(&mp, Some(&boxes), &bbox), clipped);
        // A box inside the hole: nothing is left.
        let in_hole = Bbox::new([3.0, 3.0], [4.0, 4.0]);
        let clipped = clip_multipolygon(&mp, Some(&boxes), &in_hole);
        assert_eq!(clipped.unsigned_area(), 0.0);
        // A box missing everything.
        assert!(
            clip_multipolygon(&mp, None, &Bbox::new([40.0, 40.0], [41.0, 41.0]))
                .0
                .is_empty()
        );
    }
}
