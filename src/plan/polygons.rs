//! Work in progress (types only; the helper writing this module replaces it).
#![allow(unused)]
use super::{Plan, PlanError};
use crate::dataset::Dataset;
use crate::source::VectorLayer;
use crate::tally::RegionId;
use crate::units::UnitId;
use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolygonOptions {
    pub name_field: Option<String>,
    pub majority_share: f64,
    pub partial_min_share: f64,
    pub sliver_area_m2: f64,
    pub sliver_width_m: f64,
}
impl Default for PolygonOptions {
    fn default() -> Self {
        Self {
            name_field: None,
            majority_share: 0.5,
            partial_min_share: 0.01,
            sliver_area_m2: 250_000.0,
            sliver_width_m: 150.0,
        }
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PieceKind {
    Overlap,
    Gap,
}
#[derive(Debug, Clone, Serialize)]
pub struct PartialTract {
    pub tract: UnitId,
    pub region: RegionId,
    pub share: f64,
    pub assigned: bool,
}
#[derive(Debug, Clone, Serialize)]
pub struct Piece {
    pub kind: PieceKind,
    pub regions: Vec<RegionId>,
    pub area_m2: f64,
    pub width_m: f64,
    pub sliver: bool,
    pub tracts: Vec<UnitId>,
    pub people: f64,
    pub bbox: [f64; 4],
    #[serde(skip)]
    pub geometry: geo::MultiPolygon<f64>,
}
#[derive(Debug, Clone, Default, Serialize)]
pub struct PolygonResolution {
    pub options: PolygonOptions,
    pub partial: Vec<PartialTract>,
    pub pieces: Vec<Piece>,
    pub outside_state_m2: Vec<f64>,
}
pub fn resolve_polygons(
    _data: &Dataset,
    _layer: &VectorLayer,
    _options: &PolygonOptions,
) -> Result<(Plan, PolygonResolution), PlanError> {
    todo!()
}
