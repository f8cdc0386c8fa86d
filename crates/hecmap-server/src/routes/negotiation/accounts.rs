//! Organizations and accounts (administrators create them).

use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

use super::extract::{SMALL_BODY_LIMIT, SignedIn, json_body};
use crate::error::{ApiError, ErrorBody};
use hecmap_negotiation::{NewUser, Organization, User};

/// Every organization (prospective HEC).
#[utoipa::path(get, path = "/api/organizations", tag = "negotiation",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [Organization]), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn list_organizations(
    SignedIn(store, actor): SignedIn,
) -> Result<Json<Vec<Organization>>, ApiError> {
    Ok(Json(store.organizations(&actor).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    /// The HEC's name in plans.
    name: String,
}

/// Create an organization (administrators).
#[utoipa::path(post, path = "/api/organizations", tag = "negotiation", request_body = NewOrganization,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Organization), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create_organization(
    SignedIn(store, actor): SignedIn,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Organization>), ApiError> {
    let req: NewOrganization = json_body(&headers, body, SMALL_BODY_LIMIT)?;
    Ok((
        StatusCode::CREATED,
        Json(store.create_organization(&actor, &req.name).await?),
    ))
}

/// Every account (administrators).
#[utoipa::path(get, path = "/api/users", tag = "negotiation",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [User]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn list_users(SignedIn(store, actor): SignedIn) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(store.users(&actor).await?))
}

/// Create an account (administrators).
#[utoipa::path(post, path = "/api/users", tag = "negotiation", request_body = NewUser,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = User), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create_user(
    SignedIn(store, actor): SignedIn,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let req: NewUser = json_body(&headers, body, SMALL_BODY_LIMIT)?;
    Ok((
        StatusCode::CREATED,
        Json(
            store
                .create_user(&actor, req)
                .await
                .map_err(ApiError::from)?,
        ),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveRequest {
    active: bool,
}

/// Enable or disable an account (administrators).
#[utoipa::path(post, path = "/api/users/{id}/active", tag = "negotiation", request_body = ActiveRequest,
    params(("id" = i64, Path, description = "the account's id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 204, description = "done"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn set_active(
    SignedIn(store, actor): SignedIn,
    path: Result<Path<i64>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = path?;
    let req: ActiveRequest = json_body(&headers, body, SMALL_BODY_LIMIT)?;
    store.set_active(&actor, id, req.active).await?;
    Ok(StatusCode::NO_CONTENT)
}
