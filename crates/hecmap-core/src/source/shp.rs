//! ESRI shapefiles, read with the `shapefile` crate (shapes) and `dbase`
//! (attributes); the CRS comes from the `.prj` sidecar.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{Coord, LineString, Polygon};
use serde_json::{Map, Value};
use shapefile::dbase::{self, FieldValue};
use shapefile::{PolygonRing, Shape, ShapeReader};

use super::{
    DeclaredCrs, FeatureIssue, RawPolygons, SourceError, VectorFeature, VectorLayer,
    build_multipolygon, finish, number,
};

pub(super) fn read(path: &Path) -> Result<VectorLayer, SourceError> {
    let shown = path.display().to_string();
    let io_error = |file: &Path| {
        let file = file.display().to_string();
        move |source| SourceError::Io { path: file, source }
    };
    let parse_error = |file: &Path, what: &str, e: &dyn std::fmt::Display| SourceError::Parse {
        path: file.display().to_string(),
        reason: format!("{what}: {e}"),
    };

    // Shapes.
    let shp = File::open(path).map_err(io_error(path))?;
    let shp = BufReader::new(shp);
    let mut shapes = match sidecar(path, "shx") {
        Some(shx) => {
            let shx = File::open(&shx).map_err(io_error(&shx))?;
            ShapeReader::with_shx(shp, BufReader::new(shx))
        }
        None => ShapeReader::new(shp),
    }
    .map_err(|e| parse_error(path, "not a valid shapefile", &e))?;

    // Attributes.
    let dbf = sidecar(path, "dbf").ok_or_else(|| SourceError::Parse {
        path: shown.clone(),
        reason: format!(
            "there is no {} next to it; a shapefile keeps its attributes there",
            path.with_extension("dbf").display()
        ),
    })?;
    let dbf_file = File::open(&dbf).map_err(io_error(&dbf))?;
    let mut records = dbase::Reader::new(BufReader::new(dbf_file))
        .map_err(|e| parse_error(&dbf, "not a valid dBase file", &e))?;
    let field_names: Vec<String> = records
        .fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();

    // CRS.
    let crs = match sidecar(path, "prj") {
        None => DeclaredCrs::None {
            missing: "no .prj file next to the .shp",
        },
        Some(prj) => {
            let wkt = std::fs::read_to_string(&prj).map_err(io_error(&prj))?;
            let wkt = wkt.trim().trim_start_matches('\u{feff}').to_string();
            if wkt.is_empty() {
                DeclaredCrs::None {
                    missing: "its .prj file is empty",
                }
            } else {
                DeclaredCrs::Declared {
                    label: identify(&wkt, path),
                    definition: wkt,
                }
            }
        }
    };

    let mut features = Vec::new();
    let mut record_iter = records.iter_records();
    for (index, shape) in shapes.iter_shapes().enumerate() {
        let shape = shape.map_err(|e| SourceError::Parse {
            path: shown.clone(),
            reason: format!("shape {index} is unreadable: {e}"),
        })?;
        let record = record_iter
            .next()
            .ok_or_else(|| SourceError::Parse {
                path: dbf.display().to_string(),
                reason: format!(
                    "it has fewer records ({index}) than {} has shapes",
                    path.display()
                ),
            })?
            .map_err(|e| parse_error(&dbf, &format!("record {index} is unreadable"), &e))?;
        let geometry = shape_polygons(shape)
            .and_then(build_multipolygon)
            .map_err(|issue| issue.into_error(&shown, index))?;
        features.push(VectorFeature {
            index,
            properties: properties(record, &field_names),
            geometry,
        });
    }
    finish(path, crs, features)
}

/// The sidecar `name.ext` (or `name.EXT`) of a `.shp`, if it exists.
fn sidecar(shp: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|ext| shp.with_extension(ext))
        .find(|p| p.is_file())
}

/// A short name for the CRS of a `.prj`: "EPSG:2234" when the WKT carries an
/// authority code, or GDAL's shapefile driver recognises it (ESRI WKT has no
/// codes), else the WKT itself on one line.
fn identify(wkt: &str, shp: &Path) -> String {
    let from_wkt = gdal::spatial_ref::SpatialRef::from_wkt(wkt)
        .ok()
        .and_then(|srs| srs.authority().ok());
    let from_driver = || {
        let dataset = gdal::Dataset::open(shp).ok()?;
        let layer = dataset.layer(0).ok()?;
        gdal::vector::LayerAccess::spatial_ref(&layer)?
            .authority()
            .ok()
    };
    from_wkt
        .or_else(from_driver)
        .map(|name| crate::crs::normalise_crs_name(&name))
        .unwrap_or_else(|| wkt.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The rings of a polygon shape, grouped into polygons.
fn shape_polygons(shape: Shape) -> Result<RawPolygons, FeatureIssue> {
    fn rings<P>(
        polygon: shapefile::record::polygon::GenericPolygon<P>,
        xy: impl Fn(&P) -> Coord,
    ) -> Vec<(bool, Vec<Coord>)> {
        polygon
            .into_inner()
            .into_iter()
            .map(|ring| {
                let outer = matches!(ring, PolygonRing::Outer(_));
                (outer, ring.into_inner().iter().map(&xy).collect())
            })
            .collect()
    }
    let rings = match shape {
        Shape::Polygon(p) => rings(p, |p| Coord { x: p.x, y: p.y }),
        Shape::PolygonM(p) => rings(p, |p| Coord { x: p.x, y: p.y }),
        Shape::PolygonZ(p) => rings(p, |p| Coord { x: p.x, y: p.y }),
        Shape::NullShape => return Err(FeatureIssue::Missing),
        other => return Err(FeatureIssue::NotPolygon(other.shapetype().to_string())),
    };
    Ok(group_rings(rings))
}

/// Shapefiles list rings flat, outer ones clockwise and holes anticlockwise,
/// in any order. Each hole goes to the outer ring that contains it; a hole
/// inside no outer ring becomes a polygon of its own (as GDAL does).
fn group_rings(rings: Vec<(bool, Vec<Coord>)>) -> RawPolygons {
    let mut polygons: RawPolygons = Vec::new();
    let mut holes = Vec::new();
    for (outer, ring) in rings {
        if outer {
            polygons.push(vec![ring]);
        } else {
            holes.push(ring);
        }
    }
    if holes.is_empty() {
        return polygons;
    }
    let shells: Vec<Polygon> = if polygons.len() > 1 {
        polygons
            .iter()
            .map(|p| Polygon::new(LineString::new(p[0].clone()), vec![]))
            .collect()
    } else {
        Vec::new()
    };
    for hole in holes {
        let owner = if polygons.len() == 1 {
            Some(0)
        } else {
            shells.iter().position(|shell| {
                let mut inside = false;
                for c in &hole {
                    match shell.coordinate_position(c) {
                        CoordPos::Outside => return false,
                        CoordPos::Inside => inside = true,
                        CoordPos::OnBoundary => {}
                    }
                }
                inside
            })
        };
        match owner {
            Some(i) => polygons[i].push(hole),
            None => polygons.push(vec![hole]),
        }
    }
    polygons
}

/// A dBase record as JSON, in the table's field order: character fields
/// trimmed (blank → null), numbers as numbers, dates as "YYYY-MM-DD".
fn properties(record: dbase::Record, field_names: &[String]) -> Map<String, Value> {
    let mut values: std::collections::HashMap<String, FieldValue> = record.into();
    field_names
        .iter()
        .map(|name| {
            let value = values.remove(name).map_or(Value::Null, field_value);
            (name.clone(), value)
        })
        .collect()
}

fn field_value(value: FieldValue) -> Value {
    let date = |d: dbase::Date| format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
    let text = |s: String| {
        let trimmed = s.trim();
        if trimmed.is_empty() {
            Value::Null
        } else {
            Value::String(trimmed.to_string())
        }
    };
    match value {
        FieldValue::Character(s) => s.map_or(Value::Null, text),
        FieldValue::Memo(s) => text(s),
        FieldValue::Numeric(n) => n.map_or(Value::Null, number),
        // Via the shortest decimal form, so 0.1f32 reads as 0.1, not 0.100000001.
        FieldValue::Float(n) => n.map_or(Value::Null, |n| {
            number(n.to_string().parse().unwrap_or(f64::NAN))
        }),
        FieldValue::Integer(n) => Value::from(n),
        FieldValue::Currency(n) | FieldValue::Double(n) => number(n),
        FieldValue::Logical(b) => b.map_or(Value::Null, Value::Bool),
        FieldValue::Date(d) => d.map_or(Value::Null, |d| Value::String(date(d))),
        FieldValue::DateTime(dt) => {
            let (d, t) = (dt.date(), dt.time());
            Value::String(format!(
                "{}T{:02}:{:02}:{:02}",
                date(d),
                t.hours(),
                t.minutes(),
                t.seconds()
            ))
        }
    }
}
