//! Unit routes: tracts and towns with their attributes, by id, at a point
//! or within a box. Each is a few lines over the engine.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, ErrorBody};
use crate::state::SharedState;
use hecmap_core::features::feature;
use hecmap_core::units::{Level, UnitId};

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/api/units/{level}", get(list_units))
        .route("/api/units/{level}/at", get(units_at))
        .route("/api/units/{level}/within", get(units_within))
        .route("/api/units/{level}/{id}", get(get_unit))
}

fn parse_level(level: &str) -> Result<Level, ApiError> {
    match level {
        "tract" | "tracts" => Ok(Level::Tract),
        "town" | "towns" => Ok(Level::Town),
        other => Err(ApiError::not_found(format!(
            "no unit level {other:?}: use tract or town"
        ))),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Include polygons (as a GeoJSON FeatureCollection).
    #[serde(default)]
    geometry: bool,
    /// First unit to return.
    #[serde(default)]
    offset: usize,
    /// Most units to return (default and maximum 1000).
    limit: Option<usize>,
}

fn unit_list(
    state: &SharedState,
    level: Level,
    units: impl Iterator<Item = UnitId>,
    geometry: bool,
) -> Value {
    let layer = state.data.layer(level);
    if geometry {
        let features: Vec<_> = units
            .map(|u| {
                feature(
                    Some(u as u64),
                    &layer.units.geometry[u as usize],
                    state.data.unit_properties(level, u),
                )
            })
            .collect();
        serde_json::to_value(geojson::FeatureCollection::new(features)).unwrap_or(Value::Null)
    } else {
        Value::Array(
            units
                .map(|u| Value::Object(state.data.unit_properties(level, u)))
                .collect(),
        )
    }
}

/// Tracts or towns with their attributes (and, on request, polygons).
#[utoipa::path(get, path = "/api/units/{level}", tag = "units",
    params(("level" = super::params::LevelParam, Path, description = "tract or town"), ListQuery),
    responses((status = 200, description = "units, or a GeoJSON FeatureCollection with ?geometry=true", body = serde_json::Value),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_units(
    State(state): State<SharedState>,
    Path(level): Path<String>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let level = parse_level(&level)?;
    let Query(q) = query?;
    let n = state.data.layer(level).units.len();
    let limit = q.limit.unwrap_or(1000).min(1000);
    let units = (q.offset.min(n)..(q.offset.saturating_add(limit)).min(n)).map(|u| u as UnitId);
    Ok(Json(unit_list(&state, level, units, q.geometry)))
}

/// One unit by GEOID (either vintage), town name or FIPS, or integer id.
#[utoipa::path(get, path = "/api/units/{level}/{id}", tag = "units",
    params(("level" = super::params::LevelParam, Path, description = "tract or town"), ("id" = String, Path, description = "GEOID, town name or FIPS, or the integer unit id")),
    responses((status = 200, description = "a GeoJSON Feature", body = serde_json::Value), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_unit(
    State(state): State<SharedState>,
    Path((level, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let level = parse_level(&level)?;
    let layer = state.data.layer(level);
    let unit = state
        .data
        .lookup
        .unit(level, &id)
        .or_else(|| {
            // A short number is an integer id; GEOIDs and FIPS are longer.
            id.parse::<UnitId>()
                .ok()
                .filter(|&u| id.len() <= 4 && (u as usize) < layer.units.len())
        })
        .ok_or_else(|| {
            let hint = state
                .data
                .did_you_mean(level, &id)
                .map(|m| format!("; did you mean {m}?"))
                .unwrap_or_default();
            ApiError::not_found(format!("no {level} {id:?} in Connecticut{hint}"))
        })?;
    let f = feature(
        Some(unit as u64),
        &layer.units.geometry[unit as usize],
        state.data.unit_properties(level, unit),
    );
    Ok(Json(serde_json::to_value(f).unwrap_or(Value::Null)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PointQuery {
    /// Longitude (EPSG:4326).
    lon: f64,
    /// Latitude (EPSG:4326).
    lat: f64,
}

fn check_lon_lat(lon: f64, lat: f64) -> Result<(), ApiError> {
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(ApiError::bad_request(
            "bad_coordinates",
            format!("({lon}, {lat}) is not a longitude/latitude in EPSG:4326"),
        ));
    }
    Ok(())
}

/// The units at a longitude/latitude (R-tree).
#[utoipa::path(get, path = "/api/units/{level}/at", tag = "units",
    params(("level" = super::params::LevelParam, Path, description = "tract or town"), PointQuery),
    responses((status = 200, description = "units containing the point", body = serde_json::Value), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn units_at(
    State(state): State<SharedState>,
    Path(level): Path<String>,
    query: Result<Query<PointQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let level = parse_level(&level)?;
    let Query(q) = query?;
    check_lon_lat(q.lon, q.lat)?;
    let layer = state.data.layer(level);
    let found = layer
        .index
        .units_at(&layer.units.geometry, geo::coord! { x: q.lon, y: q.lat });
    Ok(Json(unit_list(&state, level, found.into_iter(), false)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoxQuery {
    /// min lon, min lat, max lon, max lat (EPSG:4326).
    bbox: String,
    /// Include polygons (as a GeoJSON FeatureCollection).
    #[serde(default)]
    geometry: bool,
}

/// The units intersecting a box (R-tree, then exact polygons).
#[utoipa::path(get, path = "/api/units/{level}/within", tag = "units",
    params(("level" = super::params::LevelParam, Path, description = "tract or town"), BoxQuery),
    responses((status = 200, description = "units intersecting the box", body = serde_json::Value), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn units_within(
    State(state): State<SharedState>,
    Path(level): Path<String>,
    query: Result<Query<BoxQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let level = parse_level(&level)?;
    let Query(q) = query?;
    let parts: Vec<f64> = q
        .bbox
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    let [x0, y0, x1, y1] = parts[..] else {
        return Err(ApiError::bad_request(
            "bad_bbox",
            format!(
                "bbox {:?} is not four numbers min_lon,min_lat,max_lon,max_lat",
                q.bbox
            ),
        ));
    };
    check_lon_lat(x0, y0)?;
    check_lon_lat(x1, y1)?;
    if x0 > x1 || y0 > y1 {
        return Err(ApiError::bad_request(
            "bad_bbox",
            "bbox minimum is above its maximum",
        ));
    }
    let layer = state.data.layer(level);
    let found = layer
        .index
        .units_in_box(&layer.units.geometry, geo::Rect::new((x0, y0), (x1, y1)));
    Ok(Json(unit_list(
        &state,
        level,
        found.into_iter(),
        q.geometry,
    )))
}
