//! The OpenAPI 3 description (`/api/openapi.json`) and its interactive
//! page (`/api/docs`): it lists the handlers of `routes/` (which do not
//! know of it) with their schemas.

use axum::Router;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{ErrorBody, ErrorDetail};
use crate::routes::negotiation::{accounts, audit, auth, comments, extract, proposals, statewide};
use crate::routes::params::{ExportParam, LevelParam, PlanFormatParam, ScopeParam, TileLayerParam};
use crate::routes::{plans, service, tiles, units};
use crate::state::SharedState;

#[derive(OpenApi)]
#[openapi(
    info(title = "hecmap", description = "Validate Connecticut's Health Enhancement Community plans against the state's rules; vector tiles of tracts and towns."),
    paths(
        service::health, service::version, units::list_units, units::get_unit, units::units_at, units::units_within,
        plans::validate, plans::export, plans::suggest, plans::rules, tiles::tilejson, tiles::tile,
        auth::login, auth::logout, auth::me, auth::session, auth::create_token, auth::change_password,
        accounts::list_organizations, accounts::create_organization, accounts::list_users, accounts::create_user, accounts::set_active,
        proposals::get_proposal, proposals::save_version, proposals::get_version, proposals::submit_version, proposals::version_report,
        proposals::proposal_diff, comments::version_comments, comments::comment_version, comments::dispute_comments, comments::comment_dispute,
        statewide::state_view, statewide::state_versions, statewide::state_version, statewide::state_diff,
        statewide::list_rulings, statewide::make_ruling, audit::audit
    ),
    components(schemas(ErrorBody, ErrorDetail, service::Health, service::Version, plans::RulesResponse,
        LevelParam, PlanFormatParam, ScopeParam, ExportParam, TileLayerParam)),
    modifiers(&SecuritySchemes, &BodyRefusals),
    tags((name = "units"), (name = "plans"), (name = "tiles"), (name = "service"),
        (name = "negotiation", description = "Proposals, the statewide picture, staff rulings, comments and the audit log; sign in first (POST /api/auth/login)."))
)]
pub struct ApiDoc;

/// Every operation that takes a body may refuse it as too large (413) or
/// in the wrong form (415): documented once here instead of on each route.
struct BodyRefusals;

impl utoipa::Modify for BodyRefusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let refusal = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for operation in [&mut item.post, &mut item.put, &mut item.patch]
                .into_iter()
                .flatten()
            {
                if operation.request_body.is_none() {
                    continue;
                }
                let responses = &mut operation.responses.responses;
                for (status, description) in [
                    (
                        "413",
                        "the body is over this route's size limit, which the message names",
                    ),
                    (
                        "415",
                        "the body is not in a form this route takes (application/json for JSON routes)",
                    ),
                ] {
                    responses
                        .entry(status.to_string())
                        .or_insert_with(|| refusal(description).into());
                }
            }
        }
    }
}

/// How the negotiation's routes are signed in to: a bearer token, or the
/// browser's session cookie.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(extract::SESSION_COOKIE))),
        );
    }
}

pub fn routes() -> Router<SharedState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
}
