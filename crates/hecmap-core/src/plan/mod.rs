//! Plans: an assignment of tracts to HECs (regions) with dense integer ids,
//! plus what the HECs say about themselves (waiver requests, reasons for
//! splitting towns).
//!
//! Plans arrive as assignment tables (CSV or JSON, tracts or towns, like a
//! block-assignment file) or as drawn polygons (GeoJSON, shapefile,
//! GeoPackage) resolved to tracts by area share ([`polygons`]). Inside, a
//! plan is always tract-level: a town assignment is expanded to the town's
//! tracts through the crosswalk.

pub mod assignment;
pub mod polygons;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::units::{Level, UnitId};

pub use assignment::{parse_csv_plan, parse_json_plan};
pub use polygons::{PolygonOptions, PolygonResolution, resolve_polygons};

/// Dense integer id of a region (an HEC) within a plan.
pub type RegionId = u32;

/// What a waiver request waives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Waivable {
    /// The population and Medicare floors.
    Thresholds,
    /// The requirement to be in one piece.
    Contiguity,
}

/// Where a waiver request stands with the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaiverStatus {
    /// Asked for, not yet ruled on: the rules it covers are pending (the
    /// HEC does not pass) until staff approve it.
    #[default]
    Requested,
    Approved,
    Refused,
}

/// A rural HEC's request to waive the thresholds and/or contiguity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waiver {
    /// Why: required, in the HEC's words.
    #[serde(default)]
    pub reason: String,
    /// What is waived (both when not said).
    #[serde(default = "all_waivables")]
    pub waive: Vec<Waivable>,
    #[serde(default)]
    pub status: WaiverStatus,
}

fn all_waivables() -> Vec<Waivable> {
    vec![Waivable::Thresholds, Waivable::Contiguity]
}

impl Waiver {
    /// A requested waiver of everything, with a reason.
    pub fn requested(reason: &str) -> Self {
        Self {
            reason: reason.to_string(),
            waive: all_waivables(),
            status: WaiverStatus::Requested,
        }
    }

    pub fn covers(&self, what: Waivable) -> bool {
        self.waive.contains(&what)
    }
}

impl Waiver {
    /// A waiver request from the text fields plans carry (`waiver_reason`,
    /// `waive`: "thresholds" and/or "contiguity", `waiver_status`), with
    /// errors naming the source and place.
    pub fn from_fields(
        source: &str,
        place: &str,
        reason: &str,
        waive: &str,
        status: &str,
    ) -> Result<Self, PlanError> {
        let invalid = |what: String| PlanError::invalid(source, place, what);
        let mut waiver = Waiver::requested(reason.trim());
        if !waive.trim().is_empty() {
            let mut what = Vec::new();
            for w in waive.split([',', ';', '|', ' ']).filter(|w| !w.is_empty()) {
                let item = match w.trim().to_ascii_lowercase().as_str() {
                    "thresholds" | "threshold" | "population" => Waivable::Thresholds,
                    "contiguity" | "contiguous" | "noncontiguous" => Waivable::Contiguity,
                    other => {
                        return Err(invalid(format!(
                            "waive {other:?}: expected \"thresholds\" and/or \"contiguity\""
                        )));
                    }
                };
                if !what.contains(&item) {
                    what.push(item);
                }
            }
            waiver.waive = what;
        }
        waiver.status = match status.trim().to_ascii_lowercase().as_str() {
            "" | "requested" => WaiverStatus::Requested,
            "approved" => WaiverStatus::Approved,
            "refused" => WaiverStatus::Refused,
            other => {
                return Err(invalid(format!(
                    "waiver_status {other:?}: expected requested, approved or refused"
                )));
            }
        };
        Ok(waiver)
    }
}

/// An HEC of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Waiver>,
}

/// Whether a plan means to cover the whole state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum PlanScope {
    /// Decide from the plan: statewide when it has two or more HECs
    /// claiming at least half of the state's people.
    #[default]
    Auto,
    /// The whole state: gaps and the number of HECs are checked.
    Statewide,
    /// One or a few proposals: gaps and the number of HECs are not checked.
    Partial,
}

/// A plan over the dataset's tracts.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub name: String,
    /// Where it came from (file or request) and in what form.
    pub source: String,
    /// The level it was written at (tract, town or, for polygons, tract).
    pub level: Level,
    pub scope: PlanScope,
    pub regions: Vec<RegionInfo>,
    /// For each tract, the HECs claiming it, sorted. Most tracts have one;
    /// none is a gap; two or more is an overlap.
    pub claims: Vec<Claims>,
    /// Town (id) -> why the plan splits it.
    pub split_reasons: BTreeMap<UnitId, String>,
}

/// The HECs claiming one tract, sorted: held inline up to two (so that
/// asking whether an HEC holds a tract reads one place in memory, and a
/// million tracts need no allocation each).
pub type Claims = smallvec::SmallVec<[RegionId; 2]>;

/// A problem with the plan's input; names the source and the row/feature.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{source_name}: {place}: {reason}")]
    Invalid {
        source_name: String,
        place: String,
        reason: String,
    },
    #[error(transparent)]
    Table(#[from] crate::table::TableError),
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error("{source_name}: {reason}")]
    Unreadable { source_name: String, reason: String },
    /// A cap or the time budget of [`crate::limits`] stopped the work.
    #[error("{source_name}: {limit}")]
    Limit {
        source_name: String,
        limit: crate::limits::LimitError,
    },
}

impl PlanError {
    pub fn invalid(source: &str, place: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            source_name: source.to_string(),
            place: place.into(),
            reason: reason.into(),
        }
    }
}

impl Plan {
    /// An empty plan over `tracts` tracts.
    pub fn empty(name: &str, source: &str, level: Level, tracts: usize) -> Self {
        Self {
            name: name.to_string(),
            source: source.to_string(),
            level,
            scope: PlanScope::Auto,
            regions: Vec::new(),
            claims: vec![Claims::new(); tracts],
            split_reasons: BTreeMap::new(),
        }
    }

    /// The id of the HEC with this name, adding it if new.
    pub fn region_named(&mut self, name: &str) -> RegionId {
        if let Some(i) = self.regions.iter().position(|r| r.name == name) {
            return i as RegionId;
        }
        self.regions.push(RegionInfo {
            name: name.to_string(),
            waiver: None,
        });
        (self.regions.len() - 1) as RegionId
    }

    pub fn region_id(&self, name: &str) -> Option<RegionId> {
        self.regions
            .iter()
            .position(|r| r.name == name)
            .map(|i| i as RegionId)
    }

    /// Adds a claim of a tract by an HEC (no-op if already claimed by it).
    pub fn claim(&mut self, tract: UnitId, region: RegionId) {
        let claims = &mut self.claims[tract as usize];
        if let Err(pos) = claims.binary_search(&region) {
            claims.insert(pos, region);
        }
    }

    /// Gives tracts to one HEC (or to none), dropping other claims: what a
    /// person painting on the map does.
    pub fn assign(&mut self, tracts: &[UnitId], region: Option<RegionId>) {
        for &t in tracts {
            let claims = &mut self.claims[t as usize];
            claims.clear();
            claims.extend(region);
        }
    }

    /// The tracts of each HEC, sorted.
    pub fn members(&self) -> Vec<Vec<UnitId>> {
        let mut members = vec![Vec::new(); self.regions.len()];
        for (t, claims) in self.claims.iter().enumerate() {
            for &r in claims {
                members[r as usize].push(t as UnitId);
            }
        }
        members
    }

    /// The effective scope: [`PlanScope::Auto`] resolved against the data.
    pub fn effective_scope(&self, data: &Dataset) -> PlanScope {
        if self.scope != PlanScope::Auto {
            return self.scope;
        }
        let pop = data.tracts.attributes.id(crate::measures::keys::POPULATION);
        let value = |t: usize| {
            pop.and_then(|p| data.tracts.attributes.value(p, t as UnitId))
                .unwrap_or(0.0)
        };
        let total: f64 = (0..self.claims.len()).map(value).sum();
        let claimed: f64 = (0..self.claims.len())
            .filter(|&t| !self.claims[t].is_empty())
            .map(value)
            .sum();
        self.scope_given(claimed, total)
    }

    /// The effective scope when `claimed` of the state's `total` people
    /// are in some HEC: statewide when two HECs or more claim at least half.
    pub fn scope_given(&self, claimed: f64, total: f64) -> PlanScope {
        if self.scope != PlanScope::Auto {
            self.scope
        } else if self.regions.len() >= 2 && claimed * 2.0 >= total {
            PlanScope::Statewide
        } else {
            PlanScope::Partial
        }
    }

    /// The plan as a unit assignment table: (tract GEOID, HEC name) rows.
    pub fn assignment_rows<'a>(
        &'a self,
        data: &'a Dataset,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.claims.iter().enumerate().flat_map(move |(t, claims)| {
            claims.iter().map(move |&r| {
                (
                    data.tracts.units.geoid[t].as_str(),
                    self.regions[r as usize].name.as_str(),
                )
            })
        })
    }
}

/// The forms a plan file can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum PlanFormat {
    /// An assignment table.
    Csv,
    /// An assignment plan in JSON, or a GeoJSON FeatureCollection of polygons.
    Json,
    /// Polygons in a shapefile (.shp, or a .zip holding one).
    Shp,
    /// Polygons in a GeoPackage or any other format GDAL reads.
    Gpkg,
}

impl PlanFormat {
    /// The format a file name suggests.
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" | "txt" => Self::Csv,
            "json" | "geojson" => Self::Json,
            "shp" | "zip" => Self::Shp,
            "gpkg" | "fgb" | "kml" | "gml" | "sqlite" => Self::Gpkg,
            _ => return None,
        })
    }
}

/// A plan read from input, with the polygon resolution when it was drawn.
pub type LoadedPlan = (Plan, Option<PolygonResolution>);

/// True when JSON text is GeoJSON (a FeatureCollection or Feature) rather
/// than an assignment plan.
fn is_geojson(text: &str) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "type")]
        kind: Option<String>,
    }
    serde_json::from_str::<Probe>(text)
        .ok()
        .and_then(|p| p.kind)
        .is_some_and(|k| k == "FeatureCollection" || k == "Feature")
}

/// Reads a plan from bytes in any text form (CSV, assignment JSON, GeoJSON),
/// with no caps: the caller's own input.
pub fn read_plan_text(
    data: &Dataset,
    bytes: &[u8],
    format: PlanFormat,
    source: &str,
    options: &PolygonOptions,
) -> Result<LoadedPlan, PlanError> {
    match format {
        PlanFormat::Csv | PlanFormat::Json => read_plan_upload(
            data,
            bytes,
            format,
            source,
            options,
            &crate::limits::InputLimits::unlimited(),
            &crate::source::ForeignReader::InProcess,
        ),
        PlanFormat::Shp | PlanFormat::Gpkg => Err(PlanError::Unreadable {
            source_name: source.to_string(),
            reason: "shapefiles and GeoPackages are read from files, not text".into(),
        }),
    }
}

/// Reads a plan file in any supported form, chosen by its extension unless
/// `format` says otherwise.
pub fn read_plan(
    data: &Dataset,
    path: &std::path::Path,
    format: Option<PlanFormat>,
    options: &PolygonOptions,
) -> Result<LoadedPlan, PlanError> {
    let source = path.display().to_string();
    let format = format.or_else(|| PlanFormat::from_path(path)).ok_or_else(|| PlanError::Unreadable {
        source_name: source.clone(),
        reason: "unknown plan format: use .csv, .json, .geojson, .shp, .zip or .gpkg, or say --plan-format".into(),
    })?;
    match format {
        PlanFormat::Csv | PlanFormat::Json => {
            let bytes = std::fs::read(path).map_err(|e| PlanError::Unreadable {
                source_name: source.clone(),
                reason: e.to_string(),
            })?;
            read_plan_text(data, &bytes, format, &source, options)
        }
        PlanFormat::Shp | PlanFormat::Gpkg => {
            let layer = crate::source::read_polygons(path)?;
            let (plan, resolution) = resolve_polygons(data, &layer, options)?;
            Ok((plan, Some(resolution)))
        }
    }
}

/// Reads a plan uploaded by someone else, under `limits`: text forms in
/// this process, binary forms (a zipped shapefile, a GeoPackage) through
/// `reader` (see [`crate::source::ForeignReader`]), then resolves polygons
/// to tracts. Every cap refused is a [`PlanError::Limit`] naming it (or a
/// [`crate::source::SourceError::Limit`] inside [`PlanError::Source`]).
pub fn read_plan_upload(
    data: &Dataset,
    bytes: &[u8],
    format: PlanFormat,
    source: &str,
    options: &PolygonOptions,
    limits: &crate::limits::InputLimits,
    reader: &crate::source::ForeignReader,
) -> Result<LoadedPlan, PlanError> {
    use crate::source::upload::{ForeignFormat, check_layer, read_foreign};
    let layer = match format {
        PlanFormat::Csv => {
            let plan = parse_csv_plan(data, bytes, source)?;
            check_hecs(source, plan.regions.len(), limits)?;
            return Ok((plan, None));
        }
        PlanFormat::Json => {
            let text = std::str::from_utf8(bytes).map_err(|e| PlanError::Unreadable {
                source_name: source.to_string(),
                reason: format!("not UTF-8 text ({e})"),
            })?;
            if !is_geojson(text) {
                let plan = parse_json_plan(data, text, source)?;
                check_hecs(source, plan.regions.len(), limits)?;
                return Ok((plan, None));
            }
            let layer = crate::source::read_geojson_str(text, source)?;
            check_layer(&layer, limits)?;
            layer
        }
        PlanFormat::Shp => read_foreign(bytes, ForeignFormat::Zip, source, limits, reader)?,
        PlanFormat::Gpkg => read_foreign(bytes, ForeignFormat::GeoPackage, source, limits, reader)?,
    };
    // Counting HECs is cheap; resolving them costs per pair of HECs.
    check_hecs(source, polygons::hec_count(&layer, options), limits)?;
    let (plan, resolution) = resolve_polygons(data, &layer, options)?;
    Ok((plan, Some(resolution)))
}

fn check_hecs(
    source: &str,
    hecs: usize,
    limits: &crate::limits::InputLimits,
) -> Result<(), PlanError> {
    crate::limits::InputLimits::check(
        "HECs in the plan",
        hecs as u64,
        limits.max_hecs as u64,
        "--max-hecs",
    )
    .map_err(|limit| PlanError::Limit {
        source_name: source.to_string(),
        limit,
    })
}

impl From<crate::limits::LimitError> for PlanError {
    fn from(limit: crate::limits::LimitError) -> Self {
        PlanError::Limit {
            source_name: "the plan".into(),
            limit,
        }
    }
}

impl PlanError {
    /// The cap or budget that stopped the work, if that is the error.
    pub fn limit(&self) -> Option<&crate::limits::LimitError> {
        match self {
            PlanError::Limit { limit, .. }
            | PlanError::Source(crate::source::SourceError::Limit { limit, .. }) => Some(limit),
            _ => None,
        }
    }
}
