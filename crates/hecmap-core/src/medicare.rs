//! Medicare beneficiaries per tract: no public source publishes them, so
//! hecmap estimates them, says so wherever it shows them, and lets real
//! counts (per tract or per town) replace the estimate.
//!
//! The default estimate is each tract's population 65 and over (ACS) times
//! a statewide factor, the ratio of all Medicare beneficiaries to those who
//! qualify by age in the CMS enrollment file (2013: 608,512 / 526,964 =
//! 1.155), which adds the beneficiaries under 65 who qualify by disability.

use std::path::Path;

use serde::Serialize;

use crate::attributes::{AttrKind, AttributeDef, Attributes, Basis, Provenance};
use crate::dataset::{CountsFile, DatasetError, UnitLookup};
use crate::join::{JoinReport, JoinSpec, join_table};
use crate::table::CsvTable;
use crate::units::{Level, UnitId};

/// The attribute key of the Medicare figure.
pub const MEDICARE: &str = "medicare";
const LABEL: &str = "Medicare beneficiaries";

/// The inputs and factor of the statewide estimate.
#[derive(Debug, Clone, Serialize)]
pub struct MedicareMethod {
    pub file: String,
    pub year: String,
    pub total_beneficiaries: f64,
    pub aged_beneficiaries: f64,
    /// total / aged.
    pub factor: f64,
}

impl MedicareMethod {
    /// Reads the state row of the CMS Medicare Monthly Enrollment file.
    pub fn from_enrollment_file(path: &Path) -> Result<Self, DatasetError> {
        let table = CsvTable::read(path)?;
        let level = table.column("BENE_GEO_LVL")?;
        let (total, aged, year) = (
            table.column("TOT_BENES")?,
            table.column("AGED_TOT_BENES")?,
            table.column("YEAR")?,
        );
        let invalid = |row: String, reason: &str| DatasetError::Invalid {
            file: path.display().to_string(),
            place: row,
            reason: reason.to_string(),
        };
        let r = (0..table.rows.len())
            .find(|&r| table.text(r, level).eq_ignore_ascii_case("state"))
            .ok_or_else(|| invalid("BENE_GEO_LVL".into(), "no row with BENE_GEO_LVL = State"))?;
        let place = format!("row {}", CsvTable::row_number(r));
        let total_beneficiaries = table
            .number(r, total)?
            .ok_or_else(|| invalid(place.clone(), "TOT_BENES is suppressed or empty"))?;
        let aged_beneficiaries = table
            .number(r, aged)?
            .filter(|v| *v > 0.0)
            .ok_or_else(|| invalid(place, "AGED_TOT_BENES is suppressed, empty or zero"))?;
        Ok(Self {
            // The file's name, not where this server keeps it: the method
            // travels into reports, exports and answers to anyone.
            file: file_name(path),
            year: table.text(r, year).to_string(),
            total_beneficiaries,
            aged_beneficiaries,
            factor: total_beneficiaries / aged_beneficiaries,
        })
    }

    /// A sentence saying how the estimate is made, with its inputs.
    pub fn describe(&self) -> String {
        format!(
            "estimate: population 65 and over (ACS 2019-2023) x {:.4}, the ratio of all Medicare \
             beneficiaries ({:.0}) to those entitled by age ({:.0}) in Connecticut, CMS Medicare \
             Monthly Enrollment {} ({})",
            self.factor, self.total_beneficiaries, self.aged_beneficiaries, self.year, self.file
        )
    }
}

/// Inserts the estimated Medicare column (tract level).
pub fn insert_estimate(
    attrs: &mut Attributes,
    method: &MedicareMethod,
) -> Result<(), DatasetError> {
    let pop65 = attrs
        .id("pop_65plus")
        .ok_or_else(|| DatasetError::Invalid {
            file: method.file.clone(),
            place: "Medicare estimate".into(),
            reason: "needs the pop_65plus column, which no table provided".into(),
        })?;
    let values = attrs
        .column(pop65)
        .iter()
        .map(|v| v.map(|p| p * method.factor))
        .collect();
    let def65 = attrs.def(pop65).provenance.clone();
    attrs.insert(
        AttributeDef::new(
            MEDICARE,
            LABEL,
            AttrKind::Count,
            Provenance {
                source: format!(
                    "hecmap estimate from {} and CMS Medicare enrollment {}",
                    def65.source, method.year
                ),
                file: format!("{}; {}", def65.file, method.file),
                column: format!("{} x TOT_BENES / AGED_TOT_BENES", def65.column),
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
/// by their population 65 and over (exact for whole towns). Units the table
/// does not cover keep the estimate, and the provenance says how many.
pub fn insert_counts(
    attrs: &mut Attributes,
    counts: &CountsFile,
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
            let pop65 = attrs.id("pop_65plus").map(|id| attrs.column(id).to_vec());
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
