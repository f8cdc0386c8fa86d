//! The negotiation's HTTP layer: sign-in (session cookie or bearer token)
//! and thin handlers over [`hecmap_negotiation`], which checks every
//! permission itself. Every write is committed before the answer is sent.
//!
//! Bodies are JSON sent as `Content-Type: application/json` (415
//! otherwise), each route with its own size bound (413 beyond it): 16 KiB
//! for sign-in and tokens, 256 KiB for other writes, 2 MiB for a proposal
//! version. Sign-in answers 429 (too many failures) and 503 (password
//! checking busy) with `Retry-After`.
//!
//! One file per group of routes (`auth`, `accounts`, `proposals`,
//! `comments`, `statewide`, `audit`); how a request is read (the signed-in
//! account, bounded JSON bodies) is `extract`.

pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod comments;
pub(crate) mod extract;
pub(crate) mod proposals;
pub(crate) mod statewide;

use axum::Router;
use axum::routing::{get, post};

use crate::state::SharedState;
use accounts::{create_organization, create_user, list_organizations, list_users, set_active};
use audit::audit;
use auth::{change_password, create_token, login, logout, me, session};
use comments::{comment_dispute, comment_version, dispute_comments, version_comments};
use extract::{AUTH_BODY_LIMIT, PROPOSAL_BODY_LIMIT, SMALL_BODY_LIMIT, limited};
use proposals::{
    get_proposal, get_version, proposal_diff, save_version, submit_version, version_report,
};
use statewide::{list_rulings, make_ruling, state_diff, state_version, state_versions, state_view};

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/api/auth/login", limited(post(login), AUTH_BODY_LIMIT))
        .route("/api/auth/logout", limited(post(logout), AUTH_BODY_LIMIT))
        .route("/api/auth/me", get(me))
        .route("/api/auth/session", get(session))
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
