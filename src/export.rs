//! Work in progress (stub; the helper writing this module replaces it).
#![allow(unused)]
use crate::dataset::Dataset;
use crate::plan::Plan;
use crate::report::Report;
use std::path::Path;
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Geojson,
    Shp,
    Gpkg,
    Csv,
}
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("not yet")]
    NotYet,
}
pub fn export_plan(
    data: &Dataset,
    report: &Report,
    plan: &Plan,
    format: ExportFormat,
    out: &Path,
) -> Result<(), ExportError> {
    Err(ExportError::NotYet)
}
