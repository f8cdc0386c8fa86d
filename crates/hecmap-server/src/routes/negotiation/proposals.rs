//! Proposals and their versions: saving, submitting, a version's report,
//! the difference between two versions.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::extract::{PROPOSAL_BODY_LIMIT, SignedIn, json_body};
use crate::error::{ApiError, ErrorBody};
use crate::state::SharedState;
use hecmap_core::report::Report;
use hecmap_negotiation::{Diff, NewVersion, Proposal, Version, compose};

/// An organization's proposal: the versions you may see (drafts only for
/// its own editors) and its head: for its editors the latest version, for
/// everyone else the latest submitted one (drafts, even how many, stay
/// with the organization).
#[utoipa::path(get, path = "/api/organizations/{id}/proposal", tag = "negotiation",
    params(("id" = i64, Path, description = "the organization's id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Proposal), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn get_proposal(
    SignedIn(store, actor): SignedIn,
    path: Result<Path<i64>, PathRejection>,
) -> Result<Json<Proposal>, ApiError> {
    let Path(id) = path?;
    Ok(Json(store.proposal(&actor, id).await?))
}

/// Save a new version of an organization's proposal (its HEC editors), as
/// a draft or submitted. 409 when `base_version` is no longer the latest.
#[utoipa::path(post, path = "/api/organizations/{id}/proposal/versions", tag = "negotiation", request_body = NewVersion,
    params(("id" = i64, Path, description = "the organization's id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Version), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn save_version(
    State(state): State<SharedState>,
    SignedIn(store, actor): SignedIn,
    path: Result<Path<i64>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Version>), ApiError> {
    let Path(id) = path?;
    let req: NewVersion = json_body(&headers, body, PROPOSAL_BODY_LIMIT)?;
    let version = store.save_version(&actor, &state.data, id, req).await?;
    Ok((StatusCode::CREATED, Json(version)))
}

/// One version of a proposal, with its plan.
#[utoipa::path(get, path = "/api/organizations/{id}/proposal/versions/{version}", tag = "negotiation",
    params(("id" = i64, Path, description = "the organization's id"), ("version" = i64, Path, description = "the version number")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Version), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn get_version(
    SignedIn(store, actor): SignedIn,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Json<Version>, ApiError> {
    let Path((id, version)) = path?;
    Ok(Json(store.version(&actor, id, version).await?))
}

/// Submit the latest version (a draft) of a proposal (its HEC editors).
#[utoipa::path(post, path = "/api/organizations/{id}/proposal/versions/{version}/submit", tag = "negotiation",
    params(("id" = i64, Path, description = "the organization's id"), ("version" = i64, Path, description = "the version number")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Version), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn submit_version(
    SignedIn(store, actor): SignedIn,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Json<Version>, ApiError> {
    let Path((id, version)) = path?;
    Ok(Json(store.submit(&actor, id, version).await?))
}

/// A proposal version validated on its own (partial scope: no gaps or HEC count).
#[utoipa::path(get, path = "/api/organizations/{id}/proposal/versions/{version}/report", tag = "negotiation",
    params(("id" = i64, Path, description = "the organization's id"), ("version" = i64, Path, description = "the version number")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "the validation report (docs/report.md)", body = serde_json::Value), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn version_report(
    State(state): State<SharedState>,
    SignedIn(store, actor): SignedIn,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Json<Report>, ApiError> {
    let Path((id, version)) = path?;
    let v = store.version(&actor, id, version).await?;
    let text = serde_json::to_string(&v.plan.unwrap_or_default())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let state2 = state.clone();
    let report = tokio::task::spawn_blocking(move || {
        let (_, plan) = compose::proposal_hec(
            &state2.data,
            &text,
            &format!("organization {id} version {version}"),
        )?;
        compose::validate(&state2.data, &state2.rules, plan)
    })
    .await
    .map_err(|e| ApiError::internal(format!("validation failed: {e}")))??;
    Ok(Json(report))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The earlier version (0: nothing).
    pub(super) from: i64,
    /// The later version.
    pub(super) to: i64,
}

/// The difference between two versions of a proposal: units added and
/// removed, totals before and after.
#[utoipa::path(get, path = "/api/organizations/{id}/proposal/diff", tag = "negotiation",
    params(("id" = i64, Path, description = "the organization's id"), DiffQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Diff), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn proposal_diff(
    State(state): State<SharedState>,
    SignedIn(store, actor): SignedIn,
    path: Result<Path<i64>, PathRejection>,
    query: Result<Query<DiffQuery>, QueryRejection>,
) -> Result<Json<Diff>, ApiError> {
    let (Path(id), Query(q)) = (path?, query?);
    Ok(Json(
        store
            .proposal_diff(&actor, &state.data, id, q.from, q.to)
            .await?,
    ))
}
