//! The OpenAPI 3 description (`/api/openapi.json`) and its interactive
//! page (`/api/docs`).

use axum::Router;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use super::SharedState;
use super::{api, negotiation_routes as neg, tile_routes};

#[derive(OpenApi)]
#[openapi(
    info(title = "hecmap", description = "Validate Connecticut's Health Enhancement Community plans against the state's rules; vector tiles of tracts and towns."),
    paths(
        api::health, api::version, api::list_units, api::get_unit, api::units_at, api::units_within,
        api::validate, api::export, api::rules, tile_routes::tilejson, tile_routes::tile,
        neg::login, neg::logout, neg::me, neg::create_token, neg::change_password,
        neg::list_organizations, neg::create_organization, neg::list_users, neg::create_user, neg::set_active,
        neg::get_proposal, neg::save_version, neg::get_version, neg::submit_version, neg::version_report,
        neg::proposal_diff, neg::version_comments, neg::comment_version, neg::dispute_comments, neg::comment_dispute,
        neg::state_view, neg::state_versions, neg::state_version, neg::state_diff,
        neg::list_rulings, neg::make_ruling, neg::audit
    ),
    components(schemas(super::ErrorBody, super::error::ErrorDetail, api::Health, api::Version, api::RulesResponse,
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
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(neg::SESSION_COOKIE))),
        );
    }
}

pub fn routes() -> Router<SharedState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
}

/// Unit levels, for the API description.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum LevelParam {
    Tract,
    Town,
}

/// Plan forms, for the API description.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum PlanFormatParam {
    Csv,
    Json,
    Shp,
    Gpkg,
}

/// Plan scopes, for the API description.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ScopeParam {
    Auto,
    Statewide,
    Partial,
}

/// Export forms, for the API description.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ExportParam {
    Geojson,
    Shp,
    Gpkg,
    Csv,
}

/// Tile layers, for the API description.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum TileLayerParam {
    Tracts,
    Towns,
    TownLabels,
}
