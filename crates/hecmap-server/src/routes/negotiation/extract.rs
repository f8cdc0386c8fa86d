//! How a negotiation request is read: the signed-in account (a bearer
//! token, else the session cookie) and the store it is in, and JSON bodies
//! within each route's size bound.

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::MethodRouter;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::SharedState;
use hecmap_negotiation::{Actor, Store};

/// The browser session's cookie.
pub const SESSION_COOKIE: &str = "hecmap_session";

/// The largest body of sign-in, password and token requests.
pub const AUTH_BODY_LIMIT: usize = 16 * 1024;
/// The largest body of other negotiation writes (accounts, comments, rulings).
pub const SMALL_BODY_LIMIT: usize = 256 * 1024;
/// The largest body of a proposal version (its plan is at most 1 MiB as stored).
pub const PROPOSAL_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// A route whose bodies are bounded to `limit` bytes (413 beyond).
pub(super) fn limited(route: MethodRouter<SharedState>, limit: usize) -> MethodRouter<SharedState> {
    route.layer(DefaultBodyLimit::max(limit))
}

pub(super) fn store(state: &SharedState) -> Result<&Store, ApiError> {
    state.store.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_store",
            "this server runs without the negotiation's storage",
        )
    })
}

/// The secret presented: a bearer token, else the session cookie.
pub(super) fn secret(headers: &HeaderMap) -> Option<String> {
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = auth.trim().split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string())
            .filter(|t| !t.is_empty());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The signed-in account of a request (and the store it is in): 503
/// without a store, 401 without valid credentials.
pub struct SignedIn(pub Store, pub Actor);

impl axum::extract::FromRequestParts<SharedState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &SharedState,
    ) -> Result<Self, ApiError> {
        let (store, actor) = signed_in(state, &parts.headers).await?;
        Ok(Self(store.clone(), actor))
    }
}

async fn signed_in<'s>(
    state: &'s SharedState,
    headers: &HeaderMap,
) -> Result<(&'s Store, Actor), ApiError> {
    let store = store(state)?;
    let secret = secret(headers).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in: POST /api/auth/login, then send the session cookie or an Authorization: Bearer token",
        )
    })?;
    let actor = store.authenticate(&secret).await?;
    Ok((store, actor))
}

/// True for `application/json` (with parameters, like a charset).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// A JSON body: `Content-Type: application/json` (else 415), at most
/// `limit` bytes (the route's [`limited`] bound; else 413).
pub(super) fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<T, ApiError> {
    if !is_json(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON, with Content-Type: application/json",
        ));
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the request body is too large: this route takes at most {limit} bytes"),
            )
        } else {
            e.into()
        }
    })?;
    serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "bad_body",
            format!("the request body is not the expected JSON: {e}"),
        )
    })
}
