//! Anything GDAL/OGR opens: GeoPackage, zipped shapefiles (`/vsizip/`), KML...

use std::path::{Path, PathBuf};

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{
    FieldValue, Geometry, LayerAccess, OGRwkbGeometryType as Wkb, geometry_type_flatten,
};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo::Coord;
use serde_json::{Map, Value};

use super::{
    DeclaredCrs, FeatureIssue, RawPolygons, SourceError, VectorFeature, VectorLayer,
    build_multipolygon, extension, finish, number,
};
use crate::crs::normalise_crs_name;

pub(super) fn read(path: &Path) -> Result<VectorLayer, SourceError> {
    let shown = path.display().to_string();
    if let Err(source) = std::fs::metadata(path) {
        return Err(SourceError::Io {
            path: shown.clone(),
            source,
        });
    }
    let dataset = if extension(path).as_deref() == Some("zip") {
        open_zip(path)
    } else {
        open(path, &drivers_for(path))
    }
    .map_err(|reason| SourceError::Gdal {
        path: shown.clone(),
        reason,
    })?;
    read_dataset(path, &dataset)
}

/// Reads a GeoPackage with GDAL's GPKG driver and no other, refusing one
/// whose feature tables include a view: a view runs SQL the file's author
/// wrote (a recursive query can run for ever), where a table only holds
/// rows.
pub(super) fn read_geopackage(path: &Path) -> Result<VectorLayer, SourceError> {
    let shown = path.display().to_string();
    let gdal_error = |reason: String| SourceError::Gdal {
        path: shown.clone(),
        reason,
    };
    let dataset = open(path, &["GPKG"]).map_err(|reason| {
        gdal_error(if reason.starts_with("it is not") {
            "it is not a GeoPackage".into()
        } else {
            reason
        })
    })?;
    let views = feature_views(&dataset);
    if !views.is_empty() {
        return Err(gdal_error(format!(
            "its feature table {} is a view; hecmap reads GeoPackage features only from plain tables",
            views.join(", ")
        )));
    }
    read_dataset(path, &dataset)
}

/// The GeoPackage's feature tables that are SQL views.
fn feature_views(dataset: &Dataset) -> Vec<String> {
    const SQL: &str = "SELECT m.name FROM sqlite_master m JOIN gpkg_contents c \
        ON lower(m.name) = lower(c.table_name) WHERE m.type = 'view'";
    let Ok(Some(mut result)) = dataset.execute_sql(SQL, None, gdal::vector::sql::Dialect::DEFAULT)
    else {
        return Vec::new();
    };
    result
        .features()
        .filter_map(|f| f.field_as_string(0).ok().flatten())
        .collect()
}

/// The GDAL drivers that may open a file, from its extension: only the
/// one the format names, never VRT or a network driver.
fn drivers_for(path: &Path) -> Vec<&'static str> {
    match extension(path).as_deref() {
        Some("gpkg") => vec!["GPKG"],
        Some("kml") => vec!["KML", "LIBKML"],
        Some("fgb") => vec!["FlatGeobuf"],
        Some("gml") => vec!["GML"],
        Some("sqlite") => vec!["SQLite"],
        Some("shp") => vec!["ESRI Shapefile"],
        Some("geojson" | "json") => vec!["GeoJSON"],
        _ => vec![],
    }
}

fn read_dataset(path: &Path, dataset: &Dataset) -> Result<VectorLayer, SourceError> {
    let shown = path.display().to_string();
    let gdal_error = |reason: String| SourceError::Gdal {
        path: shown.clone(),
        reason,
    };

    // The first layer with polygon geometry, else the first layer.
    let count = dataset.layer_count();
    if count == 0 {
        return Err(gdal_error("it has no vector layers".into()));
    }
    let index = (0..count)
        .find(|&i| {
            dataset
                .layer(i)
                .is_ok_and(|layer| polygonal(layer.defn().geometry_type()))
        })
        .unwrap_or(0);
    let mut layer = dataset
        .layer(index)
        .map_err(|e| gdal_error(format!("cannot open layer {index}: {e}")))?;

    let crs = match layer.spatial_ref() {
        None => DeclaredCrs::None {
            missing: "its layer has no spatial reference; for a shapefile, no .prj file",
        },
        Some(srs) => crs_of(&srs).map_err(gdal_error)?,
    };
    let field_names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();

    let mut features = Vec::new();
    for (index, feature) in layer.features().enumerate() {
        let geometry = feature
            .geometry()
            .ok_or(FeatureIssue::Missing)
            .and_then(|g| {
                let mut raw = RawPolygons::new();
                polygons(g, &mut raw)?;
                build_multipolygon(raw)
            })
            .map_err(|issue| issue.into_error(&shown, index))?;
        let mut properties = Map::new();
        for (i, name) in field_names.iter().enumerate() {
            let text = || feature.field_as_string(i).ok().flatten();
            let value = match feature.field(i) {
                Ok(value) => value.map_or(Value::Null, |v| field_value(v, text)),
                // Types the gdal crate does not map (binary...): GDAL's text form.
                Err(gdal::errors::GdalError::UnhandledFieldType { .. }) => feature
                    .field_as_string(i)
                    .ok()
                    .flatten()
                    .map_or(Value::Null, Value::String),
                Err(e) => {
                    return Err(SourceError::Property {
                        path: shown,
                        feature: index,
                        property: name.clone(),
                        reason: e.to_string(),
                    });
                }
            };
            properties.insert(name.clone(), value);
        }
        features.push(VectorFeature {
            index,
            properties,
            geometry,
        });
    }
    finish(path, crs, features)
}

fn open(path: &Path, drivers: &[&str]) -> Result<Dataset, String> {
    if drivers.is_empty() {
        return Err(format!(
            "hecmap does not read {:?} files: use GeoJSON, a shapefile (or a zip of one), a GeoPackage, KML, FlatGeobuf or GML",
            extension(path).unwrap_or_default()
        ));
    }
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
        allowed_drivers: Some(drivers),
        ..Default::default()
    };
    Dataset::open_ex(path, options).map_err(|e| {
        let detail = e.to_string();
        let friendly = format!("it is not a {} file", drivers[0]);
        // GDAL sets no message when no driver claims the file.
        if detail.ends_with("Error msg: ''") {
            friendly
        } else {
            format!("{friendly} ({detail})")
        }
    })
}

/// A zip through `/vsizip/`: the archive as a directory of shapefiles, else
/// the first vector file found anywhere inside it, each opened only by the
/// driver its extension names.
fn open_zip(path: &Path) -> Result<Dataset, String> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let vsi = PathBuf::from(format!("/vsizip/{}", absolute.display()));
    if let Ok(dataset) = open(&vsi, &["ESRI Shapefile"]).and_then(|d| {
        if d.layer_count() > 0 {
            Ok(d)
        } else {
            Err(String::new())
        }
    }) {
        return Ok(dataset);
    }
    let mut entries =
        gdal::vsi::read_dir(&vsi, true).map_err(|e| format!("cannot list the zip archive: {e}"))?;
    entries.sort();
    let wanted = ["shp", "gpkg", "geojson", "json", "kml", "fgb", "gml"];
    let entry = wanted
        .iter()
        .find_map(|ext| {
            entries
                .iter()
                .find(|e| extension(e).as_deref() == Some(*ext))
        })
        .ok_or_else(|| {
            "the zip archive holds no shapefile (.shp) or other vector file".to_string()
        })?;
    let inner = vsi.join(entry);
    open(&inner, &drivers_for(&inner))
}

fn polygonal(geometry_type: Wkb::Type) -> bool {
    matches!(
        geometry_type_flatten(geometry_type),
        Wkb::wkbPolygon | Wkb::wkbMultiPolygon | Wkb::wkbCurvePolygon | Wkb::wkbMultiSurface
    )
}

/// "AUTH:CODE" when the spatial reference has one, else its WKT.
fn crs_of(srs: &SpatialRef) -> Result<DeclaredCrs, String> {
    if let Ok(name) = srs.authority() {
        let name = normalise_crs_name(&name);
        return Ok(DeclaredCrs::Declared {
            label: name.clone(),
            definition: name,
        });
    }
    let wkt = srs
        .to_wkt()
        .map_err(|e| format!("cannot export the layer's spatial reference as WKT: {e}"))?;
    Ok(DeclaredCrs::Declared {
        label: wkt.clone(),
        definition: wkt,
    })
}

/// Appends the polygons of an OGR geometry to `out`, or says why it has none.
fn polygons(geometry: &Geometry, out: &mut RawPolygons) -> Result<(), FeatureIssue> {
    match geometry_type_flatten(geometry.geometry_type()) {
        Wkb::wkbPolygon => {
            let rings = (0..geometry.geometry_count())
                .map(|i| {
                    let ring = geometry.get_geometry(i);
                    let mut points = Vec::with_capacity(ring.point_count());
                    ring.get_points(&mut points);
                    points.into_iter().map(|(x, y, _)| Coord { x, y }).collect()
                })
                .collect();
            out.push(rings);
        }
        Wkb::wkbMultiPolygon => {
            for i in 0..geometry.geometry_count() {
                polygons(&geometry.get_geometry(i), out)?;
            }
        }
        Wkb::wkbGeometryCollection => {
            for i in 0..geometry.geometry_count() {
                let member = geometry.get_geometry(i);
                if !matches!(
                    geometry_type_flatten(member.geometry_type()),
                    Wkb::wkbPolygon | Wkb::wkbMultiPolygon
                ) {
                    return Err(FeatureIssue::NotPolygon(format!(
                        "GeometryCollection containing a {}",
                        type_name(&member)
                    )));
                }
                polygons(&member, out)?;
            }
        }
        Wkb::wkbCurvePolygon | Wkb::wkbMultiSurface => {
            return Err(FeatureIssue::NotPolygon(format!(
                "{} (curved geometry; convert it to straight-edged polygons first)",
                geometry.geometry_name()
            )));
        }
        _ => return Err(FeatureIssue::NotPolygon(type_name(geometry))),
    }
    Ok(())
}

/// The GeoJSON spelling of a geometry type ("Point", not OGR's "POINT"), so
/// that messages read the same whatever the format.
fn type_name(geometry: &Geometry) -> String {
    let name = match geometry_type_flatten(geometry.geometry_type()) {
        Wkb::wkbPoint => "Point",
        Wkb::wkbLineString => "LineString",
        Wkb::wkbPolygon => "Polygon",
        Wkb::wkbMultiPoint => "MultiPoint",
        Wkb::wkbMultiLineString => "MultiLineString",
        Wkb::wkbMultiPolygon => "MultiPolygon",
        Wkb::wkbGeometryCollection => "GeometryCollection",
        _ => return geometry.geometry_name(),
    };
    name.to_string()
}

/// A field as JSON. Dates and times come from GDAL's text form
/// ("2024/05/01 12:00:00+00"), rewritten as ISO 8601 ("2024-05-01T12:00:00+00").
fn field_value(value: FieldValue, text: impl FnOnce() -> Option<String>) -> Value {
    match value {
        FieldValue::IntegerValue(n) => Value::from(n),
        FieldValue::Integer64Value(n) => Value::from(n),
        FieldValue::RealValue(n) => number(n),
        FieldValue::StringValue(s) => {
            let trimmed = s.trim();
            if trimmed.is_empty() {
                Value::Null
            } else {
                Value::String(trimmed.to_string())
            }
        }
        FieldValue::IntegerListValue(v) => v.into_iter().map(Value::from).collect(),
        FieldValue::Integer64ListValue(v) => v.into_iter().map(Value::from).collect(),
        FieldValue::RealListValue(v) => v.into_iter().map(number).collect(),
        FieldValue::StringListValue(v) => v.into_iter().map(Value::String).collect(),
        FieldValue::DateValue(_) | FieldValue::DateTimeValue(_) => {
            text().map_or(Value::Null, |t| Value::String(iso_date_time(&t)))
        }
    }
}

/// "2024/05/01 12:00:00+00" → "2024-05-01T12:00:00+00".
fn iso_date_time(text: &str) -> String {
    let (date, time) = text.split_once(' ').unwrap_or((text, ""));
    let date = date.replace('/', "-");
    if time.is_empty() {
        date
    } else {
        format!("{date}T{time}")
    }
}
