//! Medicare beneficiaries per tract: no public source publishes them, so
//! hecmap estimates them, says so wherever it shows them, and lets real
//! counts (per tract or per town) replace the estimate.
//!
//! The default estimate is each tract's population 65 and over (ACS) times
//! a statewide factor, the ratio of all Medicare beneficiaries to those who
//! qualify by age in the CMS enrollment file (2013: 608,512 / 526,964 =
//! 1.155), which adds the beneficiaries under 65 who qualify by disability.
//! The inputs (which attribute, which file and columns) come from the
//! dataset manifest's `[medicare]` section ([`EstimateInputs`]).
//!
//! This module is the one place the wording about the figure lives: the
//! qualifier [`CAVEAT`], the flag [`ESTIMATE_FLAG`] and
//! [`estimate_notice`], the method ([`MedicareMethod::describe`]) and an
//! HEC's [`statement`]. The rules' documentation, reports, exports and the
//! command line take their words from here.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::attributes::{AttrKind, AttributeDef, Attributes, Basis, Provenance};
use crate::error::DatasetError;
use crate::join::{JoinReport, JoinSpec, join_table};
use crate::lookup::UnitLookup;
use crate::table::CsvTable;
use crate::units::{Level, UnitId};

/// The attribute key of the Medicare figure.
pub const MEDICARE: &str = crate::measures::keys::MEDICARE;
/// What the figure counts, as people read it.
pub const LABEL: &str = "Medicare beneficiaries";

// The wording of what hecmap's Medicare figure is lives here and only here:
// the rules' documentation, the summary, reports, exports and the command
// line all take it from this module (a macro as well as a constant, so that
// constant texts can embed it with `concat!`).
macro_rules! caveat {
    () => {
        "an estimate unless real counts are loaded"
    };
}
pub(crate) use caveat;

/// The qualifier every description of the Medicare figure carries: no public
/// source counts beneficiaries per tract, so the figure is an estimate
/// unless a user loads real counts.
pub const CAVEAT: &str = caveat!();

/// The flag put beside a figure that is an estimate, in tables and on screen.
pub const ESTIMATE_FLAG: &str = "ESTIMATE";

/// The notice under figures that include the estimate: "Medicare
/// beneficiaries are an ESTIMATE".
pub fn estimate_notice() -> String {
    format!("{LABEL} are an {ESTIMATE_FLAG}")
}

/// How the statement of the estimate's method starts.
const ESTIMATE_PREFIX: &str = "estimate: ";

/// A user's table of real counts, per tract or per town.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CountsFile {
    pub path: PathBuf,
    pub level: Level,
    /// Key column (GEOID, either vintage, or town name / FIPS); detected when absent.
    pub key_column: Option<String>,
    /// Value column; detected when absent.
    pub value_column: Option<String>,
}

/// The inputs of the estimate, as a dataset manifest names them: each
/// tract's `base` attribute times a statewide factor, the ratio of all
/// beneficiaries (`total_column`) to those entitled by age (`aged_column`)
/// in the state row of an enrollment file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EstimateInputs {
    /// The count attribute the factor multiplies (people 65 and over).
    pub base: String,
    /// That attribute as the statement names it.
    pub base_description: String,
    /// The enrollment file (relative to the data directory).
    pub file: String,
    /// The publisher, as the provenance names it.
    pub source: String,
    /// The publication, as the statement names it.
    pub publication: String,
    /// The column giving each row's geographic level, and the value of the state's row.
    pub level_column: String,
    pub state_level: String,
    pub year_column: String,
    pub total_column: String,
    pub aged_column: String,
}

/// The inputs and factor of the statewide estimate.
#[derive(Debug, Clone, Serialize)]
pub struct MedicareMethod {
    /// The state the factor is measured in, as the statement names it.
    pub state: String,
    pub file: String,
    pub year: String,
    pub total_beneficiaries: f64,
    pub aged_beneficiaries: f64,
    /// total / aged.
    pub factor: f64,
    pub inputs: EstimateInputs,
}

impl MedicareMethod {
    /// Reads the state row of a CMS Medicare Monthly Enrollment file.
    pub fn from_enrollment_file(
        path: &Path,
        state: &str,
        inputs: &EstimateInputs,
    ) -> Result<Self, DatasetError> {
        let table = CsvTable::read(path)?;
        let level = table.column(&inputs.level_column)?;
        let (total, aged, year) = (
            table.column(&inputs.total_column)?,
            table.column(&inputs.aged_column)?,
            table.column(&inputs.year_column)?,
        );
        let invalid = |row: String, reason: String| DatasetError::Invalid {
            file: path.display().to_string(),
            place: row,
            reason,
        };
        let r = (0..table.len())
            .find(|&r| {
                table
                    .text(r, level)
                    .eq_ignore_ascii_case(&inputs.state_level)
            })
            .ok_or_else(|| {
                invalid(
                    inputs.level_column.clone(),
                    format!(
                        "no row with {} = {}",
                        inputs.level_column, inputs.state_level
                    ),
                )
            })?;
        let place = format!("row {}", CsvTable::row_number(r));
        let total_beneficiaries = table.number(r, total)?.ok_or_else(|| {
            invalid(
                place.clone(),
                format!("{} is suppressed or empty", inputs.total_column),
            )
        })?;
        let aged_beneficiaries = table.number(r, aged)?.filter(|v| *v > 0.0).ok_or_else(|| {
            invalid(
                place,
                format!("{} is suppressed, empty or zero", inputs.aged_column),
            )
        })?;
        Ok(Self::from_figures(
            state,
            inputs,
            // The file's name, not where this server keeps it: the method
            // travels into reports, exports and answers to anyone.
            &file_name(path),
            table.text(r, year),
            total_beneficiaries,
            aged_beneficiaries,
        ))
    }

    /// The method from figures already known (a synthetic dataset's).
    pub fn from_figures(
        state: &str,
        inputs: &EstimateInputs,
        file: &str,
        year: &str,
        total_beneficiaries: f64,
        aged_beneficiaries: f64,
    ) -> Self {
        Self {
            state: state.to_string(),
            file: file.to_string(),
            year: year.to_string(),
            total_beneficiaries,
            aged_beneficiaries,
            factor: total_beneficiaries / aged_beneficiaries,
            inputs: inputs.clone(),
        }
    }

    /// The statement of how the estimate is made, with its inputs: the
    /// method every estimated Medicare figure carries.
    pub fn describe(&self) -> String {
        format!(
            "{ESTIMATE_PREFIX}{} x {:.4}, the ratio of all {} ({:.0}) to those entitled by age ({:.0}) \
             in {}, {} {} ({})",
            self.inputs.base_description,
            self.factor,
            LABEL,
            self.total_beneficiaries,
            self.aged_beneficiaries,
            self.state,
            self.inputs.publication,
            self.year,
            self.file
        )
    }
}

/// Inserts the estimated Medicare column (tract level).
pub fn insert_estimate(
    attrs: &mut Attributes,
    method: &MedicareMethod,
) -> Result<(), DatasetError> {
    let base_key = &method.inputs.base;
    let base = attrs.id(base_key).ok_or_else(|| DatasetError::Invalid {
        file: method.file.clone(),
        place: "Medicare estimate".into(),
        reason: format!("needs the {base_key} column, which no table provided"),
    })?;
    let values = attrs
        .column(base)
        .iter()
        .map(|v| v.map(|p| p * method.factor))
        .collect();
    let of_base = attrs.def(base).provenance.clone();
    attrs.insert(
        AttributeDef::new(
            MEDICARE,
            LABEL,
            AttrKind::Count,
            Provenance {
                source: format!(
                    "hecmap estimate from {} and {} {}",
                    of_base.source, method.inputs.source, method.year
                ),
                file: format!("{}; {}", of_base.file, method.file),
                column: format!(
                    "{} x {} / {}",
                    of_base.column, method.inputs.total_column, method.inputs.aged_column
                ),
                basis: Basis::Estimated,
                method: Some(method.describe()),
            },
        ),
        values,
    );
    Ok(())
}

const VALUE_COLUMNS: [&str; 6] = [
    "medicare",
    "beneficiaries",
    "medicare_beneficiaries",
    "TOT_BENES",
    "count",
    "value",
];
const TRACT_KEYS: [&str; 5] = ["GEOID", "geoid", "tract", "tract_cog", "GEO_ID"];
const TOWN_KEYS: [&str; 7] = [
    "town",
    "town_name",
    "name",
    "GEOID",
    "geoid",
    "town_fips_2020",
    "town_fips_2022",
];

/// Replaces the estimate with a user's real counts. Per-tract counts are
/// used as they are; per-town counts are apportioned to each town's tracts
/// by the estimate's base, their population 65 and over (exact for whole
/// towns). Units the table
/// does not cover keep the estimate, and the provenance says how many.
pub fn insert_counts(
    attrs: &mut Attributes,
    counts: &CountsFile,
    method: &MedicareMethod,
    lookup: &UnitLookup,
    town_tracts: &[Vec<UnitId>],
) -> Result<JoinReport, DatasetError> {
    let table = CsvTable::read(&counts.path)?;
    let value_column = match &counts.value_column {
        Some(c) => table.headers[table.column(c)?].clone(),
        None => table.headers[table.any_column(&VALUE_COLUMNS)?].clone(),
    };
    let key_columns = match (&counts.key_column, counts.level) {
        (Some(k), _) => vec![k.clone()],
        (None, Level::Tract) => TRACT_KEYS.iter().map(|s| s.to_string()).collect(),
        (None, Level::Town) => TOWN_KEYS.iter().map(|s| s.to_string()).collect(),
    };
    let file = file_name(&counts.path);
    let def = |basis, method: Option<String>| {
        AttributeDef::new(
            MEDICARE,
            LABEL,
            AttrKind::Count,
            Provenance {
                source: format!("user-supplied counts ({file})"),
                file: file.clone(),
                column: value_column.clone(),
                basis,
                method,
            },
        )
    };
    let estimate_id = attrs.id(MEDICARE).expect("estimate inserted first");
    let estimate = attrs.column(estimate_id).to_vec();
    let mut scratch = Attributes::new(match counts.level {
        Level::Tract => attrs.unit_count(),
        Level::Town => town_tracts.len(),
    });
    let spec = JoinSpec {
        path: counts.path.clone(),
        level: counts.level,
        key_columns,
        columns: vec![(value_column.clone(), def(Basis::Counted, None))],
    };
    let report = join_table(&table, &spec, lookup, &mut scratch)?;
    let given = scratch.column(0);
    let (values, covered): (Vec<Option<f64>>, usize) = match counts.level {
        Level::Tract => {
            let values: Vec<_> = given.iter().zip(&estimate).map(|(g, e)| g.or(*e)).collect();
            (values, given.iter().filter(|g| g.is_some()).count())
        }
        Level::Town => {
            let pop65 = attrs
                .id(&method.inputs.base)
                .map(|id| attrs.column(id).to_vec());
            let mut values = estimate.clone();
            let mut covered = 0;
            for (town, tracts) in town_tracts.iter().enumerate() {
                let Some(count) = given[town] else { continue };
                let weight = |t: UnitId| pop65.as_ref().and_then(|p| p[t as usize]).unwrap_or(0.0);
                let total: f64 = tracts.iter().map(|&t| weight(t)).sum();
                for &t in tracts {
                    let share = if total > 0.0 {
                        weight(t) / total
                    } else {
                        1.0 / tracts.len() as f64
                    };
                    values[t as usize] = Some(count * share);
                    covered += 1;
                }
            }
            (values, covered)
        }
    };
    let uncovered = attrs.unit_count() - covered;
    let (basis, method) = match (counts.level, uncovered) {
        (Level::Tract, 0) => (Basis::Counted, None),
        (Level::Town, 0) => (
            Basis::CountedPerTown,
            Some("town counts apportioned to tracts by population 65 and over: exact for whole towns".into()),
        ),
        (_, n) => (
            Basis::Estimated,
            Some(format!(
                "real counts for {covered} tracts; the other {n} keep the statewide estimate"
            )),
        ),
    };
    attrs.insert(def(basis, method), values);
    Ok(report)
}

/// A file's name without its directory: what a figure's provenance shows.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// How the Medicare figure of a set of tracts (an HEC) is made, from the
/// Medicare column's provenance (`None` when there is no such column): the
/// estimate's method, the source of real counts, or both when counts cover
/// only some tracts. `estimate` says whether this set's figure is an
/// estimate (apportioned town counts are exact for whole towns only).
pub fn statement(
    provenance: Option<&Provenance>,
    method: &MedicareMethod,
    estimate: bool,
) -> String {
    let describe = method.describe();
    let Some(provenance) = provenance else {
        return describe;
    };
    match (provenance.basis, provenance.method.as_deref()) {
        // Pure estimate: its method is `describe()`.
        (Basis::Estimated, Some(m)) if m == describe => describe,
        // Real counts for some tracts, the estimate for the others.
        (Basis::Estimated, Some(m)) => format!("{m} ({}); {describe}", provenance.source),
        (Basis::Estimated, None) => describe,
        (Basis::CountedPerTown, m) => {
            let how = m.unwrap_or("town counts apportioned to tracts");
            if estimate {
                format!(
                    "{ESTIMATE_PREFIX}{how}; this HEC splits a town ({})",
                    provenance.source
                )
            } else {
                format!("{} ({how})", provenance.source)
            }
        }
        (Basis::Counted, _) => provenance.source.clone(),
    }
}
