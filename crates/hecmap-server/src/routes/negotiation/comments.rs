//! Comments on a proposal version or on a dispute.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::extract::{SMALL_BODY_LIMIT, SignedIn, json_body};
use crate::error::{ApiError, ErrorBody};
use crate::state::SharedState;
use hecmap_negotiation::{Comment, CommentTarget};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// At most 10,000 characters.
    body: String,
}

/// The comments on a proposal version.
#[utoipa::path(get, path = "/api/organizations/{id}/proposal/versions/{version}/comments", tag = "negotiation",
    params(("id" = i64, Path, description = "the organization's id"), ("version" = i64, Path, description = "the version number")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [Comment]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn version_comments(
    SignedIn(store, actor): SignedIn,
    path: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Json<Vec<Comment>>, ApiError> {
    let Path((organization_id, version)) = path?;
    let target = CommentTarget::Version {
        organization_id,
        version,
    };
    Ok(Json(store.comments(&actor, &target).await?))
}

/// Comment on a proposal version (state staff and the organization's editors).
#[utoipa::path(post, path = "/api/organizations/{id}/proposal/versions/{version}/comments", tag = "negotiation", request_body = NewComment,
    params(("id" = i64, Path, description = "the organization's id"), ("version" = i64, Path, description = "the version number")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Comment), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn comment_version(
    State(state): State<SharedState>,
    SignedIn(store, actor): SignedIn,
    path: Result<Path<(i64, i64)>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    let Path((organization_id, version)) = path?;
    let req: NewComment = json_body(&headers, body, SMALL_BODY_LIMIT)?;
    let target = CommentTarget::Version {
        organization_id,
        version,
    };
    Ok((
        StatusCode::CREATED,
        Json(
            store
                .comment(&actor, &state.data, &target, &req.body)
                .await?,
        ),
    ))
}

/// The comments on a dispute.
#[utoipa::path(get, path = "/api/disputes/{key}/comments", tag = "negotiation",
    params(("key" = String, Path, description = "the claimants' organization ids joined by '+', e.g. 3+5")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [Comment]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn dispute_comments(
    SignedIn(store, actor): SignedIn,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<Comment>>, ApiError> {
    let Path(key) = path?;
    let target = CommentTarget::dispute(&key)?;
    Ok(Json(store.comments(&actor, &target).await?))
}

/// Comment on a dispute (state staff and the claimants' editors) that
/// exists now: 404 when no unit is claimed by exactly these organizations
/// in their latest submitted versions.
#[utoipa::path(post, path = "/api/disputes/{key}/comments", tag = "negotiation", request_body = NewComment,
    params(("key" = String, Path, description = "the claimants' organization ids joined by '+', e.g. 3+5")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Comment), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn comment_dispute(
    State(state): State<SharedState>,
    SignedIn(store, actor): SignedIn,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    let Path(key) = path?;
    let req: NewComment = json_body(&headers, body, SMALL_BODY_LIMIT)?;
    let target = CommentTarget::dispute(&key)?;
    Ok((
        StatusCode::CREATED,
        Json(
            store
                .comment(&actor, &state.data, &target, &req.body)
                .await?,
        ),
    ))
}
