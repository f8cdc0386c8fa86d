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
    components(schemas(super::ErrorBody, super::error::ErrorDetail, api::Health, api::Version, api::RulesResponse,
        LevelParam, PlanFormatParam, ScopeParam, ExportParam, TileLayerParam)),
    tags((name = "units"), (name = "plans"), (name = "tiles"), (name = "service"))
)]
pub struct ApiDoc;

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
