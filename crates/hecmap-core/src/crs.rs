//! Coordinate reference systems: every coordinate in hecmap is in one of three.
//!
//! - [`WGS84`] (EPSG:4326, longitude/latitude): what comes in and goes out.
//! - [`EQUAL_AREA`] (EPSG:5070, NAD83 / CONUS Albers, metres): areas,
//!   perimeters, shared-boundary lengths and distances.
//! - EPSG:3857 (web mercator) for tiles, computed in the tile code.
//!
//! ```
//! use hecmap_core::crs::{Reprojector, WGS84, EQUAL_AREA};
//! let to_albers = Reprojector::new(WGS84, EQUAL_AREA).unwrap();
//! let hartford = to_albers.coord(geo::coord! { x: -72.6851, y: 41.7637 }).unwrap();
//! assert!((hartford.x - 1_905_267.40).abs() < 0.5);
//! assert!((hartford.y - 2_319_368.74).abs() < 0.5);
//! ```

use geo::{Coord, CoordsIter, MapCoordsInPlace, MultiPolygon};
use proj::Proj;

/// Longitude/latitude on WGS 84: the CRS of everything that enters or leaves hecmap.
pub const WGS84: &str = "EPSG:4326";
/// NAD83 / CONUS Albers equal-area (metres): the CRS of every area and length.
pub const EQUAL_AREA: &str = "EPSG:5070";

/// A failure to understand or apply a coordinate reference system.
#[derive(Debug, thiserror::Error)]
pub enum CrsError {
    #[error("unknown or unsupported coordinate reference system {crs:?}: {reason}")]
    Unknown { crs: String, reason: String },
    #[error("cannot transform coordinate ({x}, {y}) from {from} to {to}: {reason}")]
    Transform {
        x: f64,
        y: f64,
        from: String,
        to: String,
        reason: String,
    },
}

/// A transformation between two CRSs, with axis order normalised to x = east
/// (longitude), y = north (latitude) whatever the authority says.
pub struct Reprojector {
    proj: Option<Proj>,
    from: String,
    to: String,
}

impl Reprojector {
    /// Builds a transformation. `from` and `to` are anything PROJ accepts:
    /// `EPSG:nnnn`, an OGC URN, a PROJ string or WKT.
    pub fn new(from: &str, to: &str) -> Result<Self, CrsError> {
        let (from, to) = (normalise_crs_name(from), normalise_crs_name(to));
        // The identity needs no PROJ object (and saves a proj.db lookup).
        let proj = if from == to {
            None
        } else {
            Some(
                Proj::new_known_crs(&from, &to, None).map_err(|e| CrsError::Unknown {
                    crs: format!("{from} -> {to}"),
                    reason: e.to_string(),
                })?,
            )
        };
        Ok(Self { proj, from, to })
    }

    /// Transforms one coordinate.
    pub fn coord(&self, c: Coord) -> Result<Coord, CrsError> {
        let Some(proj) = &self.proj else {
            return Ok(c);
        };
        let (x, y) = proj.convert((c.x, c.y)).map_err(|e| self.error(c, e))?;
        if !x.is_finite() || !y.is_finite() {
            return Err(self.error(c, "result is not finite"));
        }
        Ok(Coord { x, y })
    }

    /// Transforms every coordinate of a multipolygon in place, in one call
    /// to PROJ (a call per coordinate costs more than the arithmetic). On
    /// failure, the error names the first coordinate that cannot be
    /// transformed, and the geometry is left as it was.
    pub fn multipolygon(&self, geometry: &mut MultiPolygon) -> Result<(), CrsError> {
        let Some(proj) = &self.proj else {
            return Ok(());
        };
        let mut coords: Vec<Coord> = geometry.coords_iter().collect();
        let converted = proj.convert_array(&mut coords).is_ok()
            && coords.iter().all(|c| c.x.is_finite() && c.y.is_finite());
        if !converted {
            // One by one, to say which coordinate failed.
            let first = geometry
                .coords_iter()
                .next()
                .unwrap_or(Coord { x: 0.0, y: 0.0 });
            return geometry
                .clone()
                .try_map_coords_in_place(|c| self.coord(c))
                .and(Err(self.error(
                    first,
                    "PROJ refused the unit's coordinates together",
                )));
        }
        // Back in the order read: each polygon's exterior, then its holes.
        let mut next = coords.into_iter();
        let mut write = |ring: &mut geo::LineString| {
            for c in &mut ring.0 {
                *c = next.next().expect("as many as read");
            }
        };
        for polygon in &mut geometry.0 {
            polygon.exterior_mut(&mut write);
            polygon.interiors_mut(|rings| rings.iter_mut().for_each(&mut write));
        }
        Ok(())
    }

    fn error(&self, c: Coord, reason: impl ToString) -> CrsError {
        CrsError::Transform {
            x: c.x,
            y: c.y,
            from: self.from.clone(),
            to: self.to.clone(),
            reason: reason.to_string(),
        }
    }
}

/// Turns the spellings files use for a CRS into one PROJ understands, so that
/// `urn:ogc:def:crs:OGC:1.3:CRS84` and `EPSG:4326` compare equal.
pub fn normalise_crs_name(crs: &str) -> String {
    let trimmed = crs.trim();
    let lower = trimmed.to_ascii_lowercase();
    if lower.ends_with("crs84") || lower == "wgs84" {
        return WGS84.to_string();
    }
    if let Some(code) = lower
        .strip_prefix("urn:ogc:def:crs:epsg:")
        .map(|rest| {
            rest.trim_start_matches(':')
                .rsplit(':')
                .next()
                .unwrap_or("")
        })
        .filter(|code| !code.is_empty())
    {
        return format!("EPSG:{code}");
    }
    if let Some(code) = lower.strip_prefix("epsg:") {
        return format!("EPSG:{code}");
    }
    trimmed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crs_spellings_normalise() {
        assert_eq!(
            normalise_crs_name("urn:ogc:def:crs:EPSG::4269"),
            "EPSG:4269"
        );
        assert_eq!(normalise_crs_name("urn:ogc:def:crs:OGC:1.3:CRS84"), WGS84);
        assert_eq!(normalise_crs_name("epsg:2234"), "EPSG:2234");
    }

    #[test]
    fn hartford_in_state_plane_matches_postgis() {
        let to_state_plane = Reprojector::new(WGS84, "EPSG:2234").unwrap();
        let c = to_state_plane
            .coord(Coord {
                x: -72.6851,
                y: 41.7637,
            })
            .unwrap();
        assert!((c.x - 1_017_706.05).abs() < 0.5, "{c:?}");
        assert!((c.y - 839_003.61).abs() < 0.5, "{c:?}");
    }

    #[test]
    fn unknown_crs_is_named_in_the_error() {
        let err = Reprojector::new("EPSG:999999", WGS84).err().unwrap();
        assert!(err.to_string().contains("EPSG:999999"), "{err}");
    }
}
