//! Writing features out as GeoJSON (EPSG:4326, RFC 7946), shared by the
//! unit listings and the plan exports.

use geo::MultiPolygon;
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, feature::Id};
use serde_json::json;

use crate::dataset::Dataset;
use crate::units::{Level, UnitId};

/// A GeoJSON feature with an integer id, polygons and properties.
pub fn feature(id: Option<u64>, geometry: &MultiPolygon, properties: JsonObject) -> Feature {
    Feature {
        bbox: None,
        geometry: Some(Geometry::new(GeometryValue::from(geometry))),
        id: id.map(|i| Id::Number(i.into())),
        properties: Some(properties),
        foreign_members: None,
    }
}

/// A feature collection as GeoJSON text.
pub fn collection_json(features: Vec<Feature>) -> String {
    FeatureCollection::new(features).to_string()
}

/// A unit's identity and attributes, in a stable order: `id`, `geoid`,
/// `geoid_2022`, `name`, its town (tracts) or planning region (towns),
/// `area_km2`, then every attribute, with `{key}_basis` after each estimate.
pub fn unit_properties(data: &Dataset, level: Level, unit: UnitId) -> JsonObject {
    let layer = data.layer(level);
    let u = unit as usize;
    let mut record = JsonObject::new();
    record.insert("id".into(), json!(unit));
    record.insert("level".into(), json!(level));
    record.insert("geoid".into(), json!(layer.units.geoid[u]));
    record.insert("geoid_2022".into(), json!(layer.units.geoid_2022[u]));
    record.insert("name".into(), json!(layer.units.name[u]));
    match level {
        Level::Tract => {
            let town = data.nesting.tract_town[u];
            record.insert("town".into(), json!(data.towns.units.name[town as usize]));
        }
        Level::Town => {
            record.insert(
                "planning_region".into(),
                json!(data.town_planning_region[u]),
            );
        }
    }
    record.insert("area_km2".into(), json!(layer.units.area_m2[u] / 1e6));
    for (id, def) in layer.attributes.defs().iter().enumerate() {
        record.insert(def.key.clone(), json!(layer.attributes.value(id, unit)));
        if def.provenance.is_estimate() {
            record.insert(format!("{}_basis", def.key), json!(def.provenance.basis));
        }
    }
    record
}
