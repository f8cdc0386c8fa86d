//! Geographic units (census tracts and towns): their identifiers, names and
//! polygons in the two coordinate systems hecmap computes in.

use geo::{Area, BoundingRect, MultiPolygon, Rect};
use serde::{Deserialize, Serialize};

use crate::crs::{CrsError, EQUAL_AREA, Reprojector, WGS84};

/// Dense integer id of a unit within its layer: an index into every
/// per-unit vector. GEOIDs are only used at the edges.
/// A hash map for the loader's big tables (GEOIDs, boundary segments):
/// foldhash, several times faster than the standard SipHash on short
/// keys, seeded per process so that crafted keys cannot be aimed at it.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

pub type UnitId = u32;

/// The two layers of units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Tract,
    Town,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Tract => "tract",
            Level::Town => "town",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A layer of units: parallel vectors indexed by [`UnitId`].
#[derive(Debug, Clone)]
pub struct UnitLayer {
    pub level: Level,
    /// Canonical GEOID (2020 vintage: tracts 11 digits, towns 10 digits).
    pub geoid: Vec<String>,
    /// The same unit's 2022+ GEOID (planning-region county codes).
    pub geoid_2022: Vec<String>,
    /// A name for people ("Hartford", "Tract 5247, Hartford").
    pub name: Vec<String>,
    /// Polygons in EPSG:4326.
    pub geometry: Vec<MultiPolygon>,
    /// The same polygons in the equal-area CRS (EPSG:5070, metres).
    pub projected: Vec<MultiPolygon>,
    /// Land area in square metres (from `projected`).
    pub area_m2: Vec<f64>,
    /// Bounding boxes in EPSG:4326.
    pub bbox: Vec<Rect>,
}

impl UnitLayer {
    /// Builds a layer, projecting the polygons once.
    pub fn new(
        level: Level,
        geoid: Vec<String>,
        geoid_2022: Vec<String>,
        name: Vec<String>,
        geometry: Vec<MultiPolygon>,
    ) -> Result<Self, CrsError> {
        let to_equal_area = Reprojector::new(WGS84, EQUAL_AREA)?;
        let projected = geometry
            .iter()
            .map(|g| {
                let mut p = g.clone();
                to_equal_area.multipolygon(&mut p).map(|_| p)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let area_m2 = projected.iter().map(|p| p.unsigned_area()).collect();
        let bbox = geometry
            .iter()
            .map(|g| {
                g.bounding_rect()
                    .unwrap_or_else(|| Rect::new((0.0, 0.0), (0.0, 0.0)))
            })
            .collect();
        Ok(Self {
            level,
            geoid,
            geoid_2022,
            name,
            geometry,
            projected,
            area_m2,
            bbox,
        })
    }

    pub fn len(&self) -> usize {
        self.geoid.len()
    }

    pub fn is_empty(&self) -> bool {
        self.geoid.is_empty()
    }

    /// All unit ids of the layer.
    pub fn ids(&self) -> impl Iterator<Item = UnitId> + '_ {
        0..self.len() as UnitId
    }
}
