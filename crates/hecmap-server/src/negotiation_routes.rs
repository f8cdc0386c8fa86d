//! The negotiation's HTTP layer: sign-in (session cookie or bearer token)
//! and thin handlers over [`hecmap_negotiation`], which checks every
//! permission itself. Every write is committed before the answer is sent.
//!
//! Bodies are JSON sent as `Content-Type: application/json` (415
//! otherwise), each route with its own size bound (413 beyond it): 16 KiB
//! for sign-in and tokens, 256 KiB for other writes, 2 MiB for a proposal
//! version. Sign-in answers 429 (too many failures) and 503 (password
//! checking busy) with `Retry-After`.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::SharedState;
use super::client::ClientAddr;
use super::error::ApiError;
use hecmap_core::report::Report;
use hecmap_negotiation::{
    Actor, AuditEntry, Comment, CommentTarget, Credential, CredentialKind, Diff, NewRuling,
    NewUser, NewVersion, Organization, Proposal, Ruling, StateVersion, StateView, Store, User,
    Version, compose,
};

/// The browser session's cookie.
pub const SESSION_COOKIE: &str = "hecmap_session";

/// The largest body of sign-in, password and token requests.
pub const AUTH_BODY_LIMIT: usize = 16 * 1024;
/// The largest body of other negotiation writes (accounts, comments, rulings).
pub const SMALL_BODY_LIMIT: usize = 256 * 1024;
/// The largest body of a proposal version (its plan is at most 1 MiB as stored).
pub const PROPOSAL_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// A route whose bodies are bounded to `limit` bytes (413 beyond).
fn limited(route: MethodRouter<SharedState>, limit: usize) -> MethodRouter<SharedState> {
    route.layer(DefaultBodyLimit::max(limit))
}

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/api/auth/login", limited(post(login), AUTH_BODY_LIMIT))
        .route("/api/auth/logout", limited(post(logout), AUTH_BODY_LIMIT))
        .route("/api/auth/me", get(me))
        .route(
            "/api/auth/tokens",
            limited(post(create_token), AUTH_BODY_LIMIT),
        )
        .route(
            "/api/auth/password",
            limited(post(change_password), AUTH_BODY_LIMIT),
        )
        .route(
            "/api/organizations",
            limited(
                get(list_organizations).post(create_organization),
                SMALL_BODY_LIMIT,
            ),
        )
        .route(
            "/api/users",
            limited(get(list_users).post(create_user), SMALL_BODY_LIMIT),
        )
        .route(
            "/api/users/{id}/active",
            limited(post(set_active), SMALL_BODY_LIMIT),
        )
        .route("/api/organizations/{id}/proposal", get(get_proposal))
        .route(
            "/api/organizations/{id}/proposal/versions",
            limited(post(save_version), PROPOSAL_BODY_LIMIT),
        )
        .route(
            "/api/organizations/{id}/proposal/versions/{version}",
            get(get_version),
        )
        .route(
            "/api/organizations/{id}/proposal/versions/{version}/submit",
            limited(post(submit_version), SMALL_BODY_LIMIT),
        )
        .route(
            "/api/organizations/{id}/proposal/versions/{version}/report",
            get(version_report),
        )
        .route(
            "/api/organizations/{id}/proposal/versions/{version}/comments",
            limited(
                get(version_comments).post(comment_version),
                SMALL_BODY_LIMIT,
            ),
        )
        .route("/api/organizations/{id}/proposal/diff", get(proposal_diff))
        .route("/api/state", get(state_view))
        .route("/api/state/versions", get(state_versions))
        .route("/api/state/versions/{version}", get(state_version))
        .route("/api/state/diff", get(state_diff))
        .route(
            "/api/rulings",
            limited(get(list_rulings).post(make_ruling), SMALL_BODY_LIMIT),
        )
        .route(
            "/api/disputes/{key}/comments",
            limited(
                get(dispute_comments).post(comment_dispute),
                SMALL_BODY_LIMIT,
            ),
        )
        .route("/api/audit", get(audit))
}

fn store(state: &SharedState) -> Result<&Store, ApiError> {
    state.store.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_store",
            "this server runs without the negotiation's storage",
        )
    })
}

/// The secret presented: a bearer token, else the session cookie.
fn secret(headers: &HeaderMap) -> Option<String> {
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

/// The signed-in actor, or 401.
/// The signed-in account of a request (and the store it is in): 503
/// without a store, 401 without valid credentials.
pub struct SignedIn(Store, Actor);

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
fn json_body<T: DeserializeOwned>(
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
        (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody), (status = 413, body = super::ErrorBody), (status = 415, body = super::ErrorBody),
        (status = 422, body = super::ErrorBody, description = "a field over its bound (a username over 64 bytes, a password over 1024, a lifetime over the maximum)"),
        (status = 429, body = super::ErrorBody, description = "too many failed sign-ins from this address or for this account; see Retry-After"),
        (status = 503, body = super::ErrorBody, description = "no storage, or password checking busy; see Retry-After")))]
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
    responses((status = 204, description = "signed out; the cookie is cleared"), (status = 401, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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

/// Who is signed in.
#[utoipa::path(get, path = "/api/auth/me", tag = "negotiation",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Actor), (status = 401, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 201, body = Credential), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 413, body = super::ErrorBody), (status = 415, body = super::ErrorBody), (status = 422, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 204, description = "changed; sign in again"), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 413, body = super::ErrorBody), (status = 415, body = super::ErrorBody), (status = 422, body = super::ErrorBody),
        (status = 429, body = super::ErrorBody, description = "too many wrong passwords; see Retry-After"),
        (status = 503, body = super::ErrorBody, description = "no storage, or password checking busy; see Retry-After")))]
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

/// Every organization (prospective HEC).
#[utoipa::path(get, path = "/api/organizations", tag = "negotiation",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [Organization]), (status = 401, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 201, body = Organization), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 200, body = [User]), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
pub async fn list_users(SignedIn(store, actor): SignedIn) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(store.users(&actor).await?))
}

/// Create an account (administrators).
#[utoipa::path(post, path = "/api/users", tag = "negotiation", request_body = NewUser,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = User), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 204, description = "done"), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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

/// An organization's proposal: the versions you may see (drafts only for
/// its own editors) and its head: for its editors the latest version, for
/// everyone else the latest submitted one (drafts, even how many, stay
/// with the organization).
#[utoipa::path(get, path = "/api/organizations/{id}/proposal", tag = "negotiation",
    params(("id" = i64, Path, description = "the organization's id")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Proposal), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 201, body = Version), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody),
        (status = 422, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 200, body = Version), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 200, body = Version), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 200, description = "the validation report (docs/report.md)", body = serde_json::Value), (status = 400, body = super::ErrorBody),
        (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    from: i64,
    /// The later version.
    to: i64,
}

/// The difference between two versions of a proposal: units added and
/// removed, totals before and after.
#[utoipa::path(get, path = "/api/organizations/{id}/proposal/diff", tag = "negotiation",
    params(("id" = i64, Path, description = "the organization's id"), DiffQuery),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Diff), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 200, body = [Comment]), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 201, body = Comment), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 200, body = [Comment]), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 201, body = Comment), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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

/// The statewide picture: the latest submitted version of every proposal
/// composed into one plan with the rulings applied, validated with the
/// full rules; disputes (with the people at stake) and gaps.
#[utoipa::path(get, path = "/api/state", tag = "negotiation",
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = StateView), (status = 401, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 200, body = [StateVersion]), (status = 401, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
pub async fn state_versions(
    SignedIn(store, actor): SignedIn,
) -> Result<Json<Vec<StateVersion>>, ApiError> {
    Ok(Json(store.state_versions(&actor).await?))
}

/// One version of the state's draft plan, with its plan.
#[utoipa::path(get, path = "/api/state/versions/{version}", tag = "negotiation",
    params(("version" = i64, Path, description = "the version number")),
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = StateVersion), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 200, body = Diff), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 404, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 200, body = [Ruling]), (status = 401, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
pub async fn list_rulings(SignedIn(store, actor): SignedIn) -> Result<Json<Vec<Ruling>>, ApiError> {
    Ok(Json(store.rulings(&actor).await?))
}

/// Rule (state staff): assign units to an organization's HEC, or approve or
/// refuse a waiver, with a reason. Writes the next state plan version; 409
/// when `base_state_version` is no longer the latest.
#[utoipa::path(post, path = "/api/rulings", tag = "negotiation", request_body = NewRuling,
    security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Ruling), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
    responses((status = 200, body = [AuditEntry]), (status = 400, body = super::ErrorBody), (status = 401, body = super::ErrorBody),
        (status = 403, body = super::ErrorBody), (status = 503, body = super::ErrorBody)))]
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
