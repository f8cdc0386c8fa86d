//! Signing in and out, who is signed in, bearer tokens and password
//! changes. Sign-in answers 429 (too many failures) and 503 (password
//! checking busy) with `Retry-After`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::extract::{AUTH_BODY_LIMIT, SESSION_COOKIE, SignedIn, json_body, secret, store};
use crate::client::ClientAddr;
use crate::error::{ApiError, ErrorBody};
use crate::state::SharedState;
use hecmap_negotiation::{Actor, Credential, CredentialKind};

fn session_cookie(state: &SharedState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("hecmap_session=; Max-Age=0"))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    username: String,
    password: String,
    /// `session` (default): an HttpOnly cookie for the browser; `token`: a
    /// bearer token in the answer, for API clients.
    #[serde(default)]
    kind: Option<CredentialKind>,
    /// What a token is for (shown nowhere but the database; at most 200
    /// characters).
    #[serde(default)]
    label: Option<String>,
    /// The credential's lifetime in days: a token's by default and at most
    /// 90 days (the server's setting); a session lasts 12 hours, and
    /// asking for longer is refused (422).
    #[serde(default)]
    expires_in_days: Option<i64>,
}

/// A lifetime asked in days, in seconds.
fn days(field: &str, days: Option<i64>) -> Result<Option<i64>, ApiError> {
    days.map(|d| {
        d.checked_mul(86_400).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("{field} is far too large"),
            )
        })
    })
    .transpose()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    actor: Actor,
    kind: CredentialKind,
    /// The bearer token (tokens only: a session's secret stays in its HttpOnly cookie).
    token: Option<String>,
    /// Unix seconds (always set: every credential expires).
    expires_at: Option<i64>,
}

/// Sign in with a username and password: a session cookie, or a bearer token.
#[utoipa::path(post, path = "/api/auth/login", tag = "negotiation", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse, description = "signed in; a session comes as a Set-Cookie header"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "a field over its bound (a username over 64 bytes, a password over 1024, a lifetime over the maximum)"),
        (status = 429, body = ErrorBody, description = "too many failed sign-ins from this address or for this account; see Retry-After"),
        (status = 503, body = ErrorBody, description = "no storage, or password checking busy; see Retry-After")))]
pub async fn login(
    State(state): State<SharedState>,
    client: ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let store = store(&state)?;
    let req: LoginRequest = json_body(&headers, body, AUTH_BODY_LIMIT)?;
    let kind = req.kind.unwrap_or(CredentialKind::Session);
    let ttl = days("expires_in_days", req.expires_in_days)?;
    let login = store
        .login(
            &req.username,
            &req.password,
            kind,
            req.label.as_deref().unwrap_or("api"),
            ttl,
            client.0,
        )
        .await
        .map_err(ApiError::from)?;
    let response = LoginResponse {
        actor: login.actor,
        kind,
        token: (kind == CredentialKind::Token).then(|| login.credential.token.clone()),
        expires_at: login.credential.expires_at,
    };
    let mut out = Json(response).into_response();
    if kind == CredentialKind::Session {
        let max_age = login
            .credential
            .expires_at
            .map(|e| e - hecmap_negotiation::auth::unix_seconds())
            .unwrap_or(hecmap_negotiation::auth::SESSION_SECONDS);
        out.headers_mut().insert(
            header::SET_COOKIE,
            session_cookie(&state, &login.credential.token, max_age),
        );
    }
    Ok(out)
}

/// End this session, or revoke this bearer token.
#[utoipa::path(post, path = "/api/auth/logout", tag = "negotiation",
    security(("bearer" = []), ("session" = [])),
    responses((status = 204, description = "signed out; the cookie is cleared"), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn logout(
    State(state): State<SharedState>,
    SignedIn(store, _actor): SignedIn,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(secret) = secret(&headers) {
        store.logout(&secret).await?;
    }
    let mut out = StatusCode::NO_CONTENT.into_response();
    out.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(out)
}

/// Whether this request is signed in, always answered with 200 so that a
/// page can ask on every load without an error in its console.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Session {
    /// False on a server without the negotiation's storage: no sign-in.
    pub sign_in: bool,
    /// The signed-in account, or null (no credentials, or expired ones).
    pub actor: Option<Actor>,
}

/// Who is signed in, if anyone (200 either way; `/api/auth/me` answers 401).
#[utoipa::path(get, path = "/api/auth/session", tag = "negotiation",
    responses((status = 200, body = Session), (status = 500, body = ErrorBody)))]
pub async fn session(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Json<Session>, ApiError> {
    let Some(store) = state.store.as_ref() else {
        return Ok(Json(Session {
            sign_in: false,
            actor: None,
        }));
    };
    let actor = match secret(&headers) {
        None => None,
        Some(secret) => match store.authenticate(&secret).await {
            Ok(actor) => Some(actor),
            Err(hecmap_negotiation::NegotiationError::Unauthenticated(_)) => None,
            Err(e) => return Err(e.into()),
        },
    };
    Ok(Json(Session {
        sign_in: true,
        actor,
    }))
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/auth/me", tag = "negotiation",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Actor), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn me(SignedIn(_store, actor): SignedIn) -> Json<Actor> {
    Json(actor)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What the token is for (at most 200 characters).
    label: String,
    /// Lifetime in days (by default and at most 90, the server's setting;
    /// longer is refused with 422).
    #[serde(default)]
    expires_in_days: Option<i64>,
}

/// Issue a bearer token to the signed-in account (shown once).
#[utoipa::path(post, path = "/api/auth/tokens", tag = "negotiation", request_body = TokenRequest,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Credential), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create_token(
    SignedIn(store, actor): SignedIn,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Credential>), ApiError> {
    let req: TokenRequest = json_body(&headers, body, AUTH_BODY_LIMIT)?;
    let user = actor.user_id.unwrap_or_default();
    let ttl = days("expires_in_days", req.expires_in_days)?;
    let credential = store.create_token(&actor, user, &req.label, ttl).await?;
    Ok((StatusCode::CREATED, Json(credential)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    current_password: String,
    /// At least 10 characters, at most 1024 bytes.
    new_password: String,
}

/// Change your password (ends all your sessions and tokens). The current
/// password is throttled as sign-ins are.
#[utoipa::path(post, path = "/api/auth/password", tag = "negotiation", request_body = PasswordRequest,
    security(("bearer" = []), ("session" = [])),
    responses((status = 204, description = "changed; sign in again"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "too many wrong passwords; see Retry-After"),
        (status = 503, body = ErrorBody, description = "no storage, or password checking busy; see Retry-After")))]
pub async fn change_password(
    SignedIn(store, actor): SignedIn,
    client: ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let req: PasswordRequest = json_body(&headers, body, AUTH_BODY_LIMIT)?;
    store
        .change_password(&actor, &req.current_password, &req.new_password, client.0)
        .await
        .map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}
