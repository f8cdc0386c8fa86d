//! An R-tree over a layer's units for point and box queries in EPSG:4326.
//!
//! ```
//! use geo::{polygon, MultiPolygon, Rect, coord};
//! use hecmap_core::index::SpatialIndex;
//! let squares: Vec<MultiPolygon> = (0..3)
//!     .map(|i| MultiPolygon(vec![polygon![(x: i as f64, y: 0.0), (x: i as f64 + 1.0, y: 0.0), (x: i as f64 + 1.0, y: 1.0), (x: i as f64, y: 1.0)]]))
//!     .collect();
//! let index = SpatialIndex::new(&squares);
//! assert_eq!(index.units_at(&squares, coord! { x: 1.5, y: 0.5 }), vec![1]);
//! assert_eq!(index.units_in_box(&squares, Rect::new((0.2, 0.2), (1.2, 0.4))), vec![0, 1]);
//! ```

use geo::{Contains, Coord, Intersects, MultiPolygon, Rect};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use crate::geometry::Bbox;
use crate::units::UnitId;

type Entry = GeomWithData<Rectangle<[f64; 2]>, UnitId>;

/// Bounding boxes of units in an R-tree, refined by exact polygon tests.
#[derive(Debug, Clone)]
pub struct SpatialIndex {
    tree: RTree<Entry>,
}

impl SpatialIndex {
    /// Indexes polygons; unit ids are their positions in `geometry`.
    pub fn new(geometry: &[MultiPolygon]) -> Self {
        let entries = geometry
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let b = Bbox::of(g);
                (!b.is_empty()).then(|| Entry::new(Rectangle::from(b.to_aabb()), i as UnitId))
            })
            .collect();
        Self {
            tree: RTree::bulk_load(entries),
        }
    }

    /// Units whose bounding boxes intersect a box (candidates only).
    pub fn candidates(&self, bbox: Rect) -> impl Iterator<Item = UnitId> + '_ {
        self.tree
            .locate_in_envelope_intersecting(&Bbox::from(bbox).to_aabb())
            .map(|e| e.data)
    }

    /// Units whose polygons contain a point (normally one; two on a shared
    /// boundary is excluded by `Contains`, so a point on a boundary finds
    /// none and a caller may retry with `units_in_box`).
    pub fn units_at(&self, geometry: &[MultiPolygon], point: Coord) -> Vec<UnitId> {
        let mut found: Vec<UnitId> = self
            .tree
            .locate_all_at_point(&[point.x, point.y])
            .map(|e| e.data)
            .filter(|&u| geometry[u as usize].contains(&point))
            .collect();
        found.sort_unstable();
        found
    }

    /// Units whose polygons intersect a box, sorted by id.
    pub fn units_in_box(&self, geometry: &[MultiPolygon], bbox: Rect) -> Vec<UnitId> {
        let poly = bbox.to_polygon();
        let mut found: Vec<UnitId> = self
            .candidates(bbox)
            .filter(|&u| geometry[u as usize].intersects(&poly))
            .collect();
        found.sort_unstable();
        found
    }

    pub fn size(&self) -> usize {
        self.tree.size()
    }
}
