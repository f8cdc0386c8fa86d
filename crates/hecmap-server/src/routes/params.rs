//! Documentation-only types: the values a path or query parameter takes,
//! for the OpenAPI description (the handlers parse the text themselves).

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
