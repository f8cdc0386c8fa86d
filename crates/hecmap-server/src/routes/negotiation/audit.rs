//! The audit log.

use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use serde::Deserialize;

use super::extract::SignedIn;
use crate::error::{ApiError, ErrorBody};
use hecmap_negotiation::AuditEntry;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Most entries (default 100, at most 1000).
    limit: Option<i64>,
    /// Entries older than this id (paging).
    before: Option<i64>,
}

/// The audit log, newest first (staff, analysts, administrators): never
/// the entries about an organization's drafts; sign-ins (with client
/// addresses) for administrators only.
#[utoipa::path(get, path = "/api/audit", tag = "negotiation", params(AuditQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [AuditEntry]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn audit(
    SignedIn(store, actor): SignedIn,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let Query(q) = query?;
    Ok(Json(
        store
            .audit(&actor, q.limit.unwrap_or(100), q.before)
            .await?,
    ))
}
