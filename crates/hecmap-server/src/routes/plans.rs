//! Plan routes: validate a posted plan, export it, and the rules it is
//! checked against. Reading the posted plan is `plan_body.rs`.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::plan_body::{PlanQuery, PlanUpload, heavy, read_upload};
use crate::error::{ApiError, ErrorBody};
use crate::state::SharedState;
use hecmap_core::export::{ExportFormat, export_bytes};
use hecmap_core::repair::SuggestOptions;
use hecmap_core::report::Report;
use hecmap_core::validate::Validator;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/api/validate", post(validate))
        .route("/api/export", post(export))
        .route("/api/suggest", post(suggest))
        .route("/api/rules", get(rules))
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
              (status = 400, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
pub struct SuggestQuery {
    /// Only this HEC (by name).
    hec: Option<String>,
    /// The most towns one option moves (1 to 4; 3 by default).
    max_towns: Option<usize>,
}

/// Ways to pass: for each rule an HEC of a posted plan fails, the smallest
/// sets of whole neighbouring towns whose move makes it pass, each checked
/// by the validator, as `hecmap suggest --format json`.
#[utoipa::path(post, path = "/api/suggest", tag = "plans", params(SuggestQuery, PlanQuery),
    request_body(content = String, description = "the plan, as for /api/validate", content_type = "text/csv"),
    responses((status = 200, description = "{\"repairs\": [...]}: per failing rule of an HEC, ranked options with the towns moved and every affected HEC's totals and verdict after", body = serde_json::Value),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn suggest(
    State(state): State<SharedState>,
    which: Result<Query<SuggestQuery>, axum::extract::rejection::QueryRejection>,
    query: Result<Query<PlanQuery>, axum::extract::rejection::QueryRejection>,
    upload: PlanUpload,
) -> Result<Response, ApiError> {
    let (Query(which), Query(query)) = (which?, query?);
    let max_towns = which.max_towns.unwrap_or(3);
    if !(1..=4).contains(&max_towns) {
        return Err(ApiError::bad_request(
            "bad_max_towns",
            format!("max_towns {max_towns}: between 1 and 4"),
        ));
    }
    let shared = state.clone();
    let json = heavy(&state, "suggestions", move || {
        let rules = query.rules(&shared.rules)?;
        let (plan, polygons) = read_upload(&shared, &query, upload, &rules)?;
        let only = match &which.hec {
            Some(name) => Some(
                plan.region_id(name)
                    .ok_or_else(|| ApiError::not_found(format!("the plan has no HEC {name:?}")))?,
            ),
            None => None,
        };
        let mut validator = Validator::new(&shared.data, rules, plan, polygons)?;
        let options = SuggestOptions {
            max_towns,
            ..SuggestOptions::default()
        };
        let repairs = hecmap_core::repair::suggest(&mut validator, only, &options)?;
        serde_json::to_vec(&serde_json::json!({ "repairs": repairs }))
            .map_err(|e| ApiError::internal(format!("cannot write the suggestions: {e}")))
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// geojson, shp (zipped), gpkg or csv (the assignment).
    #[param(value_type = super::params::ExportParam)]
    to: ExportFormat,
}

/// The dissolved HEC boundaries of a posted plan with their totals, or its assignment as CSV.
#[utoipa::path(post, path = "/api/export", tag = "plans", params(ExportQuery, PlanQuery),
    request_body(content = String, description = "the plan, as for /api/validate", content_type = "text/csv"),
    responses((status = 200, description = "the file"), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
