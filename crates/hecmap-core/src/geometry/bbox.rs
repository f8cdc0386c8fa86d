//! Closed axis-aligned boxes: the one set of box helpers of the engine and
//! the tiles.

use geo::{BoundingRect, Rect};
use rstar::AABB;

use super::Vertex;

/// A closed axis-aligned box: the points `p` with `min <= p <= max` on both
/// axes, so boxes that only touch intersect.
///
/// [`Bbox::EMPTY`] (inverted and infinite) contains and intersects nothing
/// and is the identity of [`Bbox::union`] and [`Bbox::expand`], so a box
/// can be grown from nothing.
///
/// ```
/// use hecmap_core::geometry::Bbox;
/// let mut b = Bbox::EMPTY;
/// b.expand([2.0, 1.0]);
/// b.expand([0.0, 3.0]);
/// assert_eq!(b, Bbox::new([0.0, 1.0], [2.0, 3.0]));
/// let c = Bbox::new([2.0, 0.0], [5.0, 5.0]);
/// assert!(b.intersects(&c)); // they share the side x = 2
/// assert_eq!(b.intersection(&c), Some(Bbox::new([2.0, 1.0], [2.0, 3.0])));
/// assert_eq!(b.union(&c), Bbox::new([0.0, 0.0], [5.0, 5.0]));
/// assert!(b.union(&c).contains(&b));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub min: [f64; 2],
    pub max: [f64; 2],
}

impl Bbox {
    /// The empty box.
    pub const EMPTY: Bbox = Bbox {
        min: [f64::INFINITY, f64::INFINITY],
        max: [f64::NEG_INFINITY, f64::NEG_INFINITY],
    };

    /// The box with two opposite corners `a` and `b` (in any order).
    #[inline]
    pub fn new(a: [f64; 2], b: [f64; 2]) -> Self {
        Self {
            min: [a[0].min(b[0]), a[1].min(b[1])],
            max: [a[0].max(b[0]), a[1].max(b[1])],
        }
    }

    /// The smallest box holding the points ([`Bbox::EMPTY`] for none).
    pub fn of_points<P: Vertex>(points: impl IntoIterator<Item = P>) -> Self {
        let mut b = Self::EMPTY;
        for p in points {
            b.expand(p);
        }
        b
    }

    /// The bounding box of a `geo` geometry ([`Bbox::EMPTY`] when it has
    /// no coordinates).
    ///
    /// ```
    /// use geo::{line_string, LineString};
    /// use hecmap_core::geometry::Bbox;
    /// let l = line_string![(x: 1.0, y: 4.0), (x: 3.0, y: 2.0)];
    /// assert_eq!(Bbox::of(&l), Bbox::new([1.0, 2.0], [3.0, 4.0]));
    /// assert!(Bbox::of(&LineString::<f64>::new(vec![])).is_empty());
    /// ```
    pub fn of<G: BoundingRect<f64>>(geometry: &G) -> Self {
        geometry
            .bounding_rect()
            .into()
            .map_or(Self::EMPTY, Self::from)
    }

    /// Whether the box holds no point.
    #[inline]
    pub fn is_empty(&self) -> bool {
        !(self.min[0] <= self.max[0] && self.min[1] <= self.max[1])
    }

    /// Grows the box to hold a point.
    #[inline]
    pub fn expand<P: Vertex>(&mut self, p: P) {
        let (x, y) = (p.get(0), p.get(1));
        self.min[0] = self.min[0].min(x);
        self.min[1] = self.min[1].min(y);
        self.max[0] = self.max[0].max(x);
        self.max[1] = self.max[1].max(y);
    }

    /// The smallest box holding both.
    #[inline]
    #[must_use]
    pub fn union(&self, other: &Bbox) -> Bbox {
        Bbox {
            min: [self.min[0].min(other.min[0]), self.min[1].min(other.min[1])],
            max: [self.max[0].max(other.max[0]), self.max[1].max(other.max[1])],
        }
    }

    /// The box grown by `margin` on every side.
    #[inline]
    #[must_use]
    pub fn buffered(&self, margin: f64) -> Bbox {
        Bbox {
            min: [self.min[0] - margin, self.min[1] - margin],
            max: [self.max[0] + margin, self.max[1] + margin],
        }
    }

    /// Whether the boxes share a point (touching counts).
    #[inline]
    pub fn intersects(&self, other: &Bbox) -> bool {
        self.min[0] <= other.max[0]
            && self.max[0] >= other.min[0]
            && self.min[1] <= other.max[1]
            && self.max[1] >= other.min[1]
    }

    /// The common part, when the boxes intersect.
    #[inline]
    pub fn intersection(&self, other: &Bbox) -> Option<Bbox> {
        self.intersects(other).then(|| Bbox {
            min: [self.min[0].max(other.min[0]), self.min[1].max(other.min[1])],
            max: [self.max[0].min(other.max[0]), self.max[1].min(other.max[1])],
        })
    }

    /// Whether a point is in the box (its sides included).
    #[inline]
    pub fn contains_point<P: Vertex>(&self, p: P) -> bool {
        let (x, y) = (p.get(0), p.get(1));
        x >= self.min[0] && x <= self.max[0] && y >= self.min[1] && y <= self.max[1]
    }

    /// Whether `other` lies within this box (sides may touch). Every box
    /// contains [`Bbox::EMPTY`].
    #[inline]
    pub fn contains(&self, other: &Bbox) -> bool {
        other.min[0] >= self.min[0]
            && other.max[0] <= self.max[0]
            && other.min[1] >= self.min[1]
            && other.max[1] <= self.max[1]
    }

    /// Whether the segment `a`-`b` has a point in the box (Liang–Barsky).
    ///
    /// ```
    /// use hecmap_core::geometry::Bbox;
    /// let b = Bbox::new([0.0, 0.0], [1.0, 1.0]);
    /// assert!(b.intersects_segment([-1.0, 0.5], [2.0, 0.5]));
    /// assert!(!b.intersects_segment([1.5, 0.0], [3.0, 1.0]));
    /// ```
    pub fn intersects_segment(&self, a: [f64; 2], b: [f64; 2]) -> bool {
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        for (p, q) in [
            (-dx, a[0] - self.min[0]),
            (dx, self.max[0] - a[0]),
            (-dy, a[1] - self.min[1]),
            (dy, self.max[1] - a[1]),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return false;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    if t > t1 {
                        return false;
                    }
                    t0 = t0.max(t);
                } else {
                    if t < t0 {
                        return false;
                    }
                    t1 = t1.min(t);
                }
            }
        }
        true
    }

    /// `[min_x, min_y, max_x, max_y]`.
    #[inline]
    pub fn to_array(&self) -> [f64; 4] {
        [self.min[0], self.min[1], self.max[0], self.max[1]]
    }

    /// The box as an R-tree envelope.
    #[inline]
    pub fn to_aabb(&self) -> AABB<[f64; 2]> {
        AABB::from_corners(self.min, self.max)
    }

    /// The box as a `geo::Rect` (None when empty).
    pub fn to_rect(&self) -> Option<Rect> {
        (!self.is_empty()).then(|| Rect::new(self.min, self.max))
    }
}

impl From<Rect> for Bbox {
    #[inline]
    fn from(r: Rect) -> Self {
        Self {
            min: [r.min().x, r.min().y],
            max: [r.max().x, r.max().y],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Coord, LineString, MultiPolygon, polygon};

    fn b(x0: f64, y0: f64, x1: f64, y1: f64) -> Bbox {
        Bbox::new([x0, y0], [x1, y1])
    }

    #[test]
    fn corners_in_any_order() {
        assert_eq!(Bbox::new([3.0, 1.0], [1.0, 4.0]), b(1.0, 1.0, 3.0, 4.0));
        assert_eq!(b(1.0, 1.0, 3.0, 4.0).to_array(), [1.0, 1.0, 3.0, 4.0]);
        assert_eq!(b(1.0, 1.0, 3.0, 4.0).buffered(0.5), b(0.5, 0.5, 3.5, 4.5));
    }

    #[test]
    fn the_empty_box_is_the_identity_of_union_and_meets_nothing() {
        let e = Bbox::EMPTY;
        let a = b(0.0, 0.0, 1.0, 1.0);
        assert!(e.is_empty() && !a.is_empty());
        assert_eq!(e.union(&a), a);
        assert_eq!(a.union(&e), a);
        assert!(!e.intersects(&a) && !a.intersects(&e) && !e.intersects(&e));
        assert_eq!(a.intersection(&e), None);
        assert!(!e.contains_point([0.0, 0.0]));
        assert!(a.contains(&e));
        assert_eq!(e.to_rect(), None);
        assert_eq!(Bbox::of_points(Vec::<[f64; 2]>::new()), e);
        assert!(Bbox::of(&MultiPolygon::<f64>(vec![])).is_empty());
    }

    #[test]
    fn a_point_box_is_not_empty() {
        let p = Bbox::of_points([[2.0, 3.0]]);
        assert!(!p.is_empty());
        assert!(p.contains_point([2.0, 3.0]));
        assert!(p.intersects(&b(2.0, 0.0, 5.0, 3.0)));
        assert!(b(0.0, 0.0, 2.0, 3.0).contains(&p));
    }

    #[test]
    fn touching_boxes_intersect_in_their_common_side_or_corner() {
        let a = b(0.0, 0.0, 1.0, 1.0);
        assert_eq!(
            a.intersection(&b(1.0, 1.0, 2.0, 2.0)),
            Some(b(1.0, 1.0, 1.0, 1.0))
        );
        assert_eq!(
            a.intersection(&b(1.0, -1.0, 2.0, 0.5)),
            Some(b(1.0, 0.0, 1.0, 0.5))
        );
        assert!(!a.intersects(&b(1.0 + 1e-12, 0.0, 2.0, 1.0)));
        assert!(!a.intersects(&b(0.0, -2.0, 1.0, -1e-12)));
        // Containing, crossing, apart.
        assert_eq!(
            a.intersection(&b(-1.0, -1.0, 2.0, 2.0)),
            Some(a),
            "a box inside another"
        );
        assert_eq!(
            a.intersection(&b(0.5, -1.0, 0.6, 2.0)),
            Some(b(0.5, 0.0, 0.6, 1.0)),
            "a cross"
        );
        assert_eq!(a.intersection(&b(3.0, 3.0, 4.0, 4.0)), None);
    }

    #[test]
    fn containment_includes_the_sides() {
        let a = b(0.0, 0.0, 10.0, 10.0);
        assert!(a.contains(&a));
        assert!(a.contains(&b(0.0, 2.0, 10.0, 3.0)));
        assert!(!a.contains(&b(-0.1, 2.0, 3.0, 3.0)));
        assert!(a.contains_point(Coord { x: 10.0, y: 0.0 }));
        assert!(!a.contains_point(Coord { x: 10.0, y: 10.1 }));
        assert!(!a.contains_point([f64::NAN, 1.0]));
    }

    #[test]
    fn boxes_of_geometries_and_conversions() {
        let p = polygon![(x: 1.0, y: 2.0), (x: 4.0, y: 2.0), (x: 1.0, y: 6.0)];
        let bb = Bbox::of(&p);
        assert_eq!(bb, b(1.0, 2.0, 4.0, 6.0));
        assert_eq!(Bbox::of_points(p.exterior().0.iter().copied()), bb);
        assert_eq!(Bbox::from(bb.to_rect().unwrap()), bb);
        let env = bb.to_aabb();
        assert_eq!((env.lower(), env.upper()), ([1.0, 2.0], [4.0, 6.0]));
        assert!(Bbox::of(&LineString::<f64>::new(vec![])).is_empty());
    }

    #[test]
    fn segments_touching_a_box() {
        let r = b(0.0, 0.0, 1.0, 1.0);
        assert!(r.intersects_segment([-1.0, 0.5], [2.0, 0.5]));
        assert!(r.intersects_segment([1.0, 1.0], [2.0, 2.0]));
        assert!(!r.intersects_segment([1.5, 0.0], [3.0, 1.0]));
        assert!(!r.intersects_segment([-1.0, 0.5], [0.5, 2.0]));
        // Wholly inside, and a degenerate segment (a point) inside and out.
        assert!(r.intersects_segment([0.2, 0.2], [0.3, 0.4]));
        assert!(r.intersects_segment([0.5, 0.5], [0.5, 0.5]));
        assert!(!r.intersects_segment([1.5, 0.5], [1.5, 0.5]));
        // Along a side.
        assert!(r.intersects_segment([-1.0, 1.0], [3.0, 1.0]));
    }
}
