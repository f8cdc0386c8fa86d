//! Planar geometry shared by the engine and the vector tiles, written once:
//!
//! - [`Bbox`]: closed axis-aligned boxes (grow, union, intersect, contain,
//!   and conversions to `geo::Rect` and `rstar::AABB`);
//! - [`clip_ring`] and [`clip_multipolygon`]: Sutherland–Hodgman clipping
//!   of rings to a box, with crossing points that do not depend on the
//!   direction an edge is walked;
//! - [`vertex_key`]: the quantised position that matches vertices shared by
//!   neighbouring units (adjacency graph, tile topology).
//!
//! Points are anything implementing [`Vertex`]: `[f64; 2]` (the tiles' own
//! mercator and tile-unit points) and `geo::Coord` (the engine's polygons).
//!
//! ```
//! use hecmap_core::geometry::{Bbox, clip_ring};
//! let tile = Bbox::new([0.0, 0.0], [10.0, 10.0]);
//! let triangle = [[-5.0, 5.0], [5.0, -5.0], [5.0, 5.0]];
//! let clipped = clip_ring(&triangle, &tile);
//! assert!(clipped.iter().all(|&p| tile.contains_point(p)));
//! assert_eq!(Bbox::of_points(clipped), Bbox::new([0.0, 0.0], [5.0, 5.0]));
//! ```

mod bbox;
mod clip;
mod quantise;

pub use bbox::Bbox;
pub use clip::{clip_multipolygon, clip_ring, clip_ring_into};
pub use quantise::{VERTEX_STEPS_PER_DEGREE, VertexKey, vertex_key};

/// A planar point with `f64` coordinates, read and made by axis
/// (0 is x, 1 is y).
pub trait Vertex: Copy {
    /// The coordinate along `axis` (0: x, 1: y).
    fn get(&self, axis: usize) -> f64;
    /// The point with these coordinates.
    fn from_xy(x: f64, y: f64) -> Self;
    /// `[x, y]`.
    #[inline]
    fn xy(&self) -> [f64; 2] {
        [self.get(0), self.get(1)]
    }
}

impl Vertex for [f64; 2] {
    #[inline]
    fn get(&self, axis: usize) -> f64 {
        self[axis]
    }
    #[inline]
    fn from_xy(x: f64, y: f64) -> Self {
        [x, y]
    }
}

impl Vertex for geo::Coord {
    #[inline]
    fn get(&self, axis: usize) -> f64 {
        if axis == 0 { self.x } else { self.y }
    }
    #[inline]
    fn from_xy(x: f64, y: f64) -> Self {
        geo::Coord { x, y }
    }
}

/// A `side` x `side` grid of 1 km squares in metres, unit `side * row +
/// column` from the south-west: the small state of the engine's unit tests.
#[cfg(test)]
pub(crate) fn square_grid(side: usize) -> Vec<geo::MultiPolygon> {
    use geo::polygon;
    (0..side * side)
        .map(|i| {
            let (x, y) = ((i % side) as f64 * 1000.0, (i / side) as f64 * 1000.0);
            geo::MultiPolygon(vec![polygon![
                (x: x, y: y), (x: x + 1000.0, y: y),
                (x: x + 1000.0, y: y + 1000.0), (x: x, y: y + 1000.0),
            ]])
        })
        .collect()
}
