//! Quantised vertex positions: the key under which two polygons' vertices
//! count as the same point.
//!
//! The Census files share vertices exactly between neighbouring units, so
//! the adjacency graph ([`crate::graph`]) matches boundary segments, and the
//! vector tiles match arc vertices, by their endpoints rounded to
//! 1/[`VERTEX_STEPS_PER_DEGREE`] of a degree (1e-7°, about a centimetre,
//! well below any digitising precision).

use geo::Coord;

/// Quantisation steps per degree of longitude or latitude (1e-7° each).
pub const VERTEX_STEPS_PER_DEGREE: f64 = 1e7;

/// A quantised position: whole steps of longitude and latitude.
pub type VertexKey = (i64, i64);

/// The quantised position of a longitude/latitude vertex (EPSG:4326),
/// rounded to the nearest step.
///
/// ```
/// use geo::coord;
/// use hecmap_core::geometry::vertex_key;
/// let a = vertex_key(coord! { x: -72.685_100_01, y: 41.763_7 });
/// let b = vertex_key(coord! { x: -72.685_099_99, y: 41.763_700_004 });
/// assert_eq!(a, b);
/// assert_eq!(a, (-726_851_000, 417_637_000));
/// ```
#[inline]
pub fn vertex_key(c: Coord) -> VertexKey {
    (
        (c.x * VERTEX_STEPS_PER_DEGREE).round() as i64,
        (c.y * VERTEX_STEPS_PER_DEGREE).round() as i64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_to_the_nearest_step() {
        let k = |x: f64, y: f64| vertex_key(Coord { x, y });
        assert_eq!(k(0.0, -0.0), (0, 0));
        // To the nearest step, on both sides of zero.
        assert_eq!(k(0.6e-7, -0.6e-7), (1, -1));
        assert_eq!(k(0.4e-7, -0.4e-7), (0, 0));
        // Points a step apart are different; a tenth of a step apart the same.
        assert_ne!(k(-72.0, 41.0), k(-72.0 + 1e-7, 41.0));
        assert_eq!(k(-72.0, 41.0), k(-72.0 + 1e-8, 41.0 - 1e-8));
        // The whole globe fits.
        assert_eq!(k(-180.0, 90.0), (-1_800_000_000, 900_000_000));
    }
}
