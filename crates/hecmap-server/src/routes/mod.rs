//! The HTTP routes, one file per tag of the OpenAPI description:
//! `service` (health, version), `units`, `plans` (validation, export,
//! rules; the posted plan is read by `plan_body`), `tiles`, and
//! `negotiation/` (proposals, rulings, accounts: one file per group).
//! `params` holds the documentation-only types of path and query
//! parameters. The OpenAPI description (`crate::openapi`) lists these
//! handlers; nothing here knows of it.

pub(crate) mod negotiation;
pub(crate) mod params;
mod plan_body;
pub(crate) mod plans;
pub(crate) mod service;
pub(crate) mod tiles;
pub(crate) mod units;

use axum::Router;

use crate::state::SharedState;

/// Every route of the API and the tiles.
pub fn all() -> Router<SharedState> {
    Router::new()
        .merge(service::routes())
        .merge(units::routes())
        .merge(plans::routes())
        .merge(tiles::routes())
        .merge(negotiation::routes())
}
