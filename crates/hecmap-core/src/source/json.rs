//! GeoJSON, deserialised with serde straight into `geo` coordinates (no
//! intermediate `serde_json::Value` or `geojson::Geometry`), which keeps a
//! 1 MB file to a couple of milliseconds.

use std::fmt;
use std::path::Path;

use geo::Coord;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{
    DeclaredCrs, FeatureIssue, RawPolygons, SourceError, VectorFeature, VectorLayer,
    build_multipolygon, finish,
};
use crate::crs::normalise_crs_name;

/// Reads GeoJSON bytes; `path` is the file name or origin, for messages.
pub(super) fn read(bytes: &[u8], path: &Path) -> Result<VectorLayer, SourceError> {
    let shown = || path.display().to_string();
    let parse_error = |reason: String| SourceError::Parse {
        path: shown(),
        reason,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Serde would read an array as a struct, field by field, and complain
    // about the wrong thing.
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        None => return Err(parse_error("it is empty".into())),
        Some(_) => {
            return Err(parse_error(
                "not GeoJSON: it must be a JSON object ({\"type\": ...})".into(),
            ));
        }
    }
    let document: Document = serde_json::from_slice(bytes)
        .map_err(|e| parse_error(format!("not valid GeoJSON: {e}")))?;

    let crs = match document.crs {
        None | Some(Value::Null) => DeclaredCrs::None {
            missing: "no \"crs\" member, which RFC 7946 says means EPSG:4326",
        },
        Some(crs) => {
            let name = crs_name(&crs).map_err(parse_error)?;
            DeclaredCrs::Declared {
                label: name.clone(),
                definition: name,
            }
        }
    };

    let raw_features = match document.kind.as_deref() {
        Some("FeatureCollection") => document
            .features
            .ok_or_else(|| parse_error("a FeatureCollection needs a \"features\" array".into()))?,
        Some("Feature") => vec![Feature {
            kind: None,
            geometry: document.geometry,
            properties: document.properties,
        }],
        Some(kind) if GEOMETRY_TYPES.contains(&kind) => vec![Feature {
            kind: None,
            geometry: Some(Geometry {
                kind: kind.to_string(),
                coordinates: document.coordinates,
                geometries: document.geometries,
            }),
            properties: None,
        }],
        Some(kind) => {
            return Err(parse_error(format!(
                "\"type\" is {kind:?}; expected \"FeatureCollection\", \"Feature\" or a geometry type"
            )));
        }
        None => {
            return Err(parse_error(
                "the top-level object has no \"type\" member; is this GeoJSON?".into(),
            ));
        }
    };

    let mut features = Vec::with_capacity(raw_features.len());
    for (index, feature) in raw_features.into_iter().enumerate() {
        if let Some(kind) = feature.kind.as_deref().filter(|k| *k != "Feature") {
            return Err(parse_error(format!(
                "feature {index} has \"type\": {kind:?}; expected \"Feature\""
            )));
        }
        let geometry = feature
            .geometry
            .ok_or(FeatureIssue::Missing)
            .and_then(|geometry| {
                let mut raw = RawPolygons::new();
                polygons(geometry, &mut raw)?;
                build_multipolygon(raw)
            })
            .map_err(|issue| issue.into_error(&shown(), index))?;
        features.push(VectorFeature {
            index,
            properties: feature.properties.unwrap_or_default(),
            geometry,
        });
    }
    finish(path, crs, features)
}

const GEOMETRY_TYPES: [&str; 7] = [
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
];

/// The CRS named by a (2008-spec) `crs` member: `{"type": "name",
/// "properties": {"name": "urn:ogc:def:crs:EPSG::4269"}}`, or the older
/// `{"type": "EPSG", "properties": {"code": 4269}}`.
fn crs_name(crs: &Value) -> Result<String, String> {
    let kind = crs.get("type").and_then(Value::as_str);
    let properties = crs.get("properties");
    let unsupported = || {
        format!(
            "unsupported \"crs\" member {crs}; expected \
             {{\"type\": \"name\", \"properties\": {{\"name\": \"EPSG:nnnn\"}}}}"
        )
    };
    match kind {
        Some("name") => properties
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
            .map(normalise_crs_name)
            .ok_or_else(unsupported),
        Some("EPSG" | "epsg") => match properties.and_then(|p| p.get("code")) {
            Some(Value::Number(code)) => Ok(format!("EPSG:{code}")),
            Some(Value::String(code)) => Ok(format!("EPSG:{}", code.trim())),
            _ => Err(unsupported()),
        },
        _ => Err(unsupported()),
    }
}

/// Appends the polygons of a geometry to `out`, or says why it has none.
fn polygons(geometry: Geometry, out: &mut RawPolygons) -> Result<(), FeatureIssue> {
    let Geometry {
        kind,
        coordinates,
        geometries,
    } = geometry;
    let wrong_shape = |expected: &str| {
        FeatureIssue::Bad(format!(
            "its {kind} \"coordinates\" are not {expected} of [x, y] positions"
        ))
    };
    match kind.as_str() {
        "Polygon" => match coordinates {
            Some(Coordinates::Rings(rings)) => out.push(rings),
            Some(Coordinates::Line(empty)) if empty.is_empty() => {}
            Some(_) => return Err(wrong_shape("an array of rings (arrays)")),
            None => {
                return Err(FeatureIssue::Bad(
                    "its Polygon has no \"coordinates\"".into(),
                ));
            }
        },
        "MultiPolygon" => match coordinates {
            Some(Coordinates::Polygons(polygons)) => out.extend(polygons),
            Some(Coordinates::Line(empty)) if empty.is_empty() => {}
            Some(_) => return Err(wrong_shape("an array of polygons (arrays of rings)")),
            None => {
                return Err(FeatureIssue::Bad(
                    "its MultiPolygon has no \"coordinates\"".into(),
                ));
            }
        },
        "GeometryCollection" => {
            let members = geometries.ok_or_else(|| {
                FeatureIssue::Bad("its GeometryCollection has no \"geometries\"".into())
            })?;
            for member in members {
                if member.kind != "Polygon" && member.kind != "MultiPolygon" {
                    return Err(FeatureIssue::NotPolygon(format!(
                        "GeometryCollection containing a {}",
                        member.kind
                    )));
                }
                polygons(member, out)?;
            }
        }
        _ => return Err(FeatureIssue::NotPolygon(kind)),
    }
    Ok(())
}

/// The members of any GeoJSON object we care about; unknown members are skipped.
#[derive(Deserialize)]
struct Document {
    #[serde(rename = "type")]
    kind: Option<String>,
    features: Option<Vec<Feature>>,
    crs: Option<Value>,
    // A top-level Feature:
    geometry: Option<Geometry>,
    properties: Option<Map<String, Value>>,
    // A top-level geometry:
    coordinates: Option<Coordinates>,
    geometries: Option<Vec<Geometry>>,
}

#[derive(Deserialize)]
struct Feature {
    #[serde(rename = "type")]
    kind: Option<String>,
    geometry: Option<Geometry>,
    properties: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: String,
    coordinates: Option<Coordinates>,
    geometries: Option<Vec<Geometry>>,
}

/// GeoJSON `coordinates` of any depth. An empty array is an empty `Line`.
enum Coordinates {
    Position(Coord),
    Line(Vec<Coord>),
    Rings(Vec<Vec<Coord>>),
    Polygons(RawPolygons),
}

impl<'de> Deserialize<'de> for Coordinates {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(CoordinatesVisitor)
    }
}

struct CoordinatesVisitor;

impl<'de> Visitor<'de> for CoordinatesVisitor {
    type Value = Coordinates;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of coordinates")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coordinates, A::Error> {
        // The first element decides the depth; the rest are read at that depth.
        Ok(match seq.next_element::<Element>()? {
            None => Coordinates::Line(Vec::new()),
            Some(Element::Number(x)) => {
                let y: f64 = seq.next_element()?.ok_or_else(|| {
                    de::Error::custom("a position needs at least two numbers, [x, y]")
                })?;
                // Ignore z and m.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Coordinates::Position(Coord { x, y })
            }
            Some(Element::Nested(Coordinates::Position(first))) => {
                let mut line = vec![first];
                line.reserve(seq.size_hint().unwrap_or(0));
                while let Some(Position(c)) = seq.next_element()? {
                    line.push(c);
                }
                Coordinates::Line(line)
            }
            Some(Element::Nested(Coordinates::Line(first))) => {
                let mut rings = vec![first];
                while let Some(Line(line)) = seq.next_element()? {
                    rings.push(line);
                }
                Coordinates::Rings(rings)
            }
            Some(Element::Nested(Coordinates::Rings(first))) => {
                let mut polygons = vec![first];
                while let Some(Rings(rings)) = seq.next_element()? {
                    polygons.push(rings);
                }
                Coordinates::Polygons(polygons)
            }
            Some(Element::Nested(Coordinates::Polygons(_))) => {
                return Err(de::Error::custom(
                    "coordinates nested too deeply for any GeoJSON geometry",
                ));
            }
        })
    }
}

/// The first element of a coordinates array: a number or a nested array.
enum Element {
    Number(f64),
    Nested(Coordinates),
}

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ElementVisitor;
        impl<'de> Visitor<'de> for ElementVisitor {
            type Value = Element;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or an array of coordinates")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Element, E> {
                Ok(Element::Number(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Element, E> {
                Ok(Element::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Element, E> {
                Ok(Element::Number(v as f64))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Element, A::Error> {
                CoordinatesVisitor.visit_seq(seq).map(Element::Nested)
            }
        }
        deserializer.deserialize_any(ElementVisitor)
    }
}

/// One `[x, y, ...]` position.
struct Position(Coord);

impl<'de> Deserialize<'de> for Position {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PositionVisitor;
        impl<'de> Visitor<'de> for PositionVisitor {
            type Value = Position;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a position [x, y]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Position, A::Error> {
                let too_short =
                    || de::Error::custom("a position needs at least two numbers, [x, y]");
                let x: f64 = seq.next_element()?.ok_or_else(too_short)?;
                let y: f64 = seq.next_element()?.ok_or_else(too_short)?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Position(Coord { x, y }))
            }
        }
        deserializer.deserialize_seq(PositionVisitor)
    }
}

/// An array of positions.
struct Line(Vec<Coord>);

impl<'de> Deserialize<'de> for Line {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LineVisitor;
        impl<'de> Visitor<'de> for LineVisitor {
            type Value = Line;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of positions")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Line, A::Error> {
                let mut line = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(Position(c)) = seq.next_element()? {
                    line.push(c);
                }
                Ok(Line(line))
            }
        }
        deserializer.deserialize_seq(LineVisitor)
    }
}

/// An array of rings.
struct Rings(Vec<Vec<Coord>>);

impl<'de> Deserialize<'de> for Rings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Line>::deserialize(deserializer)
            .map(|rings| Rings(rings.into_iter().map(|Line(l)| l).collect()))
    }
}
