//! JSON API handlers: units, validation, rules, export, health, version.
//! Each is a few lines over the engine.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SharedState;
use super::error::ApiError;
use super::plan_body::{PlanQuery, PlanUpload, heavy, read_upload};
use hecmap_core::export::{ExportFormat, export_bytes};
use hecmap_core::features::{feature, unit_properties};
use hecmap_core::report::Report;
use hecmap_core::units::{Level, UnitId};
use hecmap_core::validate::Validator;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/version", get(version))
        .route("/api/units/{level}", get(list_units))
        .route("/api/units/{level}/at", get(units_at))
        .route("/api/units/{level}/within", get(units_within))
        .route("/api/units/{level}/{id}", get(get_unit))
        .route("/api/validate", post(validate))
        .route("/api/export", post(export))
        .route("/api/rules", get(rules))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    status: &'static str,
    tracts: usize,
    towns: usize,
}

/// Liveness: the data is loaded.
#[utoipa::path(get, path = "/api/health", tag = "service", responses((status = 200, body = Health)))]
pub async fn health(State(state): State<SharedState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        tracts: state.data.tracts.units.len(),
        towns: state.data.towns.units.len(),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Version {
    name: &'static str,
    version: &'static str,
    report_schema: &'static str,
}

/// The service's version and the report schema it returns.
#[utoipa::path(get, path = "/api/version", tag = "service", responses((status = 200, body = Version)))]
pub async fn version() -> Json<Version> {
    Json(Version {
        name: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        report_schema: hecmap_core::report::SCHEMA,
    })
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
                    unit_properties(&state.data, level, u),
                )
            })
            .collect();
        serde_json::to_value(geojson::FeatureCollection::new(features)).unwrap_or(Value::Null)
    } else {
        Value::Array(
            units
                .map(|u| Value::Object(unit_properties(&state.data, level, u)))
                .collect(),
        )
    }
}

/// Tracts or towns with their attributes (and, on request, polygons).
#[utoipa::path(get, path = "/api/units/{level}", tag = "units",
    params(("level" = super::openapi::LevelParam, Path, description = "tract or town"), ListQuery),
    responses((status = 200, description = "units, or a GeoJSON FeatureCollection with ?geometry=true", body = serde_json::Value),
              (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
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
    params(("level" = super::openapi::LevelParam, Path, description = "tract or town"), ("id" = String, Path, description = "GEOID, town name or FIPS, or the integer unit id")),
    responses((status = 200, description = "a GeoJSON Feature", body = serde_json::Value), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
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
        .ok_or_else(|| ApiError::not_found(format!("no {level} {id:?} in Connecticut")))?;
    let f = feature(
        Some(unit as u64),
        &layer.units.geometry[unit as usize],
        unit_properties(&state.data, level, unit),
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
    params(("level" = super::openapi::LevelParam, Path, description = "tract or town"), PointQuery),
    responses((status = 200, description = "units containing the point", body = serde_json::Value), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
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
    params(("level" = super::openapi::LevelParam, Path, description = "tract or town"), BoxQuery),
    responses((status = 200, description = "units intersecting the box", body = serde_json::Value), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
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

/// Reads and validates a posted plan (see [`heavy`]).
fn validated(
    state: &SharedState,
    query: &PlanQuery,
    upload: PlanUpload,
) -> Result<(hecmap_core::plan::Plan, Report), ApiError> {
    let rules = query.rules(&state.rules)?;
    let (plan, polygons) = read_upload(state, query, upload, &rules)?;
    hecmap_core::limits::checkpoint("validating the plan")?;
    let mut validator = Validator::new(&state.data, rules, plan, polygons)?;
    let report = validator.report();
    Ok((validator.plan().clone(), report))
}

/// Validate a plan: the same report as `hecmap validate --format json`.
#[utoipa::path(post, path = "/api/validate", tag = "plans", params(PlanQuery),
    request_body(content = String, description = "the plan: CSV (text/csv), assignment JSON or GeoJSON (application/json, application/geo+json), a zipped shapefile (application/zip) or a GeoPackage (application/geopackage+sqlite3), raw or as a multipart \"file\" upload",
        content_type = "text/csv"),
    responses((status = 200, description = "the validation report (docs/report.md)", body = serde_json::Value),
              (status = 400, body = super::ErrorBody), (status = 413, body = super::ErrorBody),
              (status = 415, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn validate(
    State(state): State<SharedState>,
    query: Result<Query<PlanQuery>, axum::extract::rejection::QueryRejection>,
    upload: PlanUpload,
) -> Result<Response, ApiError> {
    let Query(query) = query?;
    let shared = state.clone();
    // Serialised on the blocking thread too: a report can be megabytes.
    let json = heavy(&state, "validations", move || {
        let (_, report) = validated(&shared, &query, upload)?;
        serde_json::to_vec(&report)
            .map_err(|e| ApiError::internal(format!("cannot write the report: {e}")))
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// geojson, shp (zipped), gpkg or csv (the assignment).
    #[param(value_type = super::openapi::ExportParam)]
    to: ExportFormat,
}

/// The dissolved HEC boundaries of a posted plan with their totals, or its assignment as CSV.
#[utoipa::path(post, path = "/api/export", tag = "plans", params(ExportQuery, PlanQuery),
    request_body(content = String, description = "the plan, as for /api/validate", content_type = "text/csv"),
    responses((status = 200, description = "the file"), (status = 400, body = super::ErrorBody), (status = 413, body = super::ErrorBody),
              (status = 415, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn export(
    State(state): State<SharedState>,
    to: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
    query: Result<Query<PlanQuery>, axum::extract::rejection::QueryRejection>,
    upload: PlanUpload,
) -> Result<Response, ApiError> {
    let (Query(to), Query(query)) = (to?, query?);
    let shared = state.clone();
    let (bytes, content_type, file_name) = heavy(&state, "exports", move || {
        let (plan, report) = validated(&shared, &query, upload)?;
        hecmap_core::limits::checkpoint("exporting the plan")?;
        Ok(export_bytes(&shared.data, &report, &plan, to.to)?)
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RulesResponse {
    /// The server's effective rules.
    #[schema(value_type = Object)]
    effective: hecmap_core::rules::RulesConfig,
    /// The defaults from the state's framework.
    #[schema(value_type = Object)]
    defaults: hecmap_core::rules::RulesConfig,
    /// The effective rules as documented TOML.
    documented_toml: String,
}

/// The effective rules and their defaults.
#[utoipa::path(get, path = "/api/rules", tag = "plans", responses((status = 200, body = RulesResponse)))]
pub async fn rules(State(state): State<SharedState>) -> Json<RulesResponse> {
    Json(RulesResponse {
        effective: state.rules.clone(),
        defaults: hecmap_core::rules::RulesConfig::default(),
        documented_toml: state.rules.to_documented_toml(),
    })
}
