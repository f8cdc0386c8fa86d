//! The OpenAPI 3 description (`/api/openapi.json`) and its interactive
//! page (`/api/docs`).

use axum::Router;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use super::SharedState;
use super::{api, tile_routes};

#[derive(OpenApi)]
#[openapi(
    info(title = "hecmap", description = "Validate Connecticut's Health Enhancement Community plans against the state's rules; vector tiles of tracts and towns."),
    paths(
        api::health, api::version, api::list_units, api::get_unit, api::units_at, api::units_within,
        api::validate, api::export, api::rules, tile_routes::tilejson, tile_routes::tile
    ),
    components(schemas(super::ErrorBody, super::error::ErrorDetail, api::Health, api::Version, api::RulesResponse)),
    tags((name = "units"), (name = "plans"), (name = "tiles"), (name = "service"))
)]
pub struct ApiDoc;

pub fn routes() -> Router<SharedState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
}
