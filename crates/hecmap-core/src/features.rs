//! Writing features out as GeoJSON (EPSG:4326, RFC 7946), shared by the
//! unit listings, the plan exports and the upload reader. Knows nothing of
//! the dataset: a unit's properties come from [`crate::dataset::Dataset::unit_properties`].

use geo::MultiPolygon;
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, feature::Id};

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
