//! The statewide picture, the versions of the state's draft plan and
//! their differences, and staff rulings.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};

use super::extract::{SMALL_BODY_LIMIT, SignedIn, json_body};
use super::proposals::DiffQuery;
use crate::error::{ApiError, ErrorBody};
use crate::state::SharedState;
use hecmap_negotiation::{Diff, NewRuling, Ruling, StateVersion, StateView};

/// The statewide picture: the latest submitted version of every proposal
/// composed into one plan with the rulings applied, validated with the
/// full rules; disputes (with the people at stake) and gaps.
#[utoipa::path(get, path = "/api/state", tag = "negotiation",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = StateView), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn state_view(
    State(state): State<SharedState>,
    SignedIn(store, actor): SignedIn,
) -> Result<Json<StateView>, ApiError> {
    Ok(Json(
        store.state_view(&actor, &state.data, &state.rules).await?,
    ))
}

/// The versions of the state's draft plan, newest first.
#[utoipa::path(get, path = "/api/state/versions", tag = "negotiation",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [StateVersion]), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn state_versions(
    SignedIn(store, actor): SignedIn,
) -> Result<Json<Vec<StateVersion>>, ApiError> {
    Ok(Json(store.state_versions(&actor).await?))
}

/// One version of the state's draft plan, with its plan.
#[utoipa::path(get, path = "/api/state/versions/{version}", tag = "negotiation",
    params(("version" = i64, Path, description = "the version number")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = StateVersion), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn state_version(
    SignedIn(store, actor): SignedIn,
    path: Result<Path<i64>, PathRejection>,
) -> Result<Json<StateVersion>, ApiError> {
    let Path(version) = path?;
    Ok(Json(store.state_version(&actor, version).await?))
}

/// The difference between two versions of the state's draft plan.
#[utoipa::path(get, path = "/api/state/diff", tag = "negotiation", params(DiffQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Diff), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn state_diff(
    State(state): State<SharedState>,
    SignedIn(store, actor): SignedIn,
    query: Result<Query<DiffQuery>, QueryRejection>,
) -> Result<Json<Diff>, ApiError> {
    let Query(q) = query?;
    Ok(Json(
        store.state_diff(&actor, &state.data, q.from, q.to).await?,
    ))
}

/// The rulings you may see (an HEC editor: those concerning its organization).
#[utoipa::path(get, path = "/api/rulings", tag = "negotiation",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [Ruling]), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn list_rulings(SignedIn(store, actor): SignedIn) -> Result<Json<Vec<Ruling>>, ApiError> {
    Ok(Json(store.rulings(&actor).await?))
}

/// Rule (state staff): assign units to an organization's HEC, or approve or
/// refuse a waiver, with a reason. Writes the next state plan version; 409
/// when `base_state_version` is no longer the latest.
#[utoipa::path(post, path = "/api/rulings", tag = "negotiation", request_body = NewRuling,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Ruling), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn make_ruling(
    State(state): State<SharedState>,
    SignedIn(store, actor): SignedIn,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Ruling>), ApiError> {
    let req: NewRuling = json_body(&headers, body, SMALL_BODY_LIMIT)?;
    Ok((
        StatusCode::CREATED,
        Json(store.rule(&actor, &state.data, req).await?),
    ))
}
