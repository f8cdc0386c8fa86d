//! Joining CSV attribute tables onto units by key, with a report of what
//! matched: rows whose key names no unit, keys that appear twice, and units
//! that no row covers.

use std::path::PathBuf;

use serde::Serialize;

use crate::attributes::{AttributeDef, Attributes};
use crate::error::DatasetError;
use crate::lookup::UnitLookup;
use crate::table::CsvTable;
use crate::units::Level;

/// What to join: a file, the level its keys name, candidate key columns
/// (the first present is used), and (CSV column, attribute) pairs.
#[derive(Debug, Clone)]
pub struct JoinSpec {
    pub path: PathBuf,
    pub level: Level,
    pub key_columns: Vec<String>,
    pub columns: Vec<(String, AttributeDef)>,
}

/// A row of a table, by its spreadsheet row number and key.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RowRef {
    pub row: u64,
    pub key: String,
}

/// What a join matched.
#[derive(Debug, Clone, Serialize)]
pub struct JoinReport {
    pub file: String,
    pub key_column: String,
    pub rows: usize,
    pub matched: usize,
    /// Rows whose key names no unit (water-only tracts, typos, other states).
    pub unmatched: Vec<RowRef>,
    /// Rows whose key was already seen (the first row wins).
    pub duplicates: Vec<RowRef>,
    /// Units no row covered (their values are missing).
    pub units_without_row: usize,
}

/// Finds the key column of a table: the first of the candidates present.
pub fn key_column(table: &CsvTable, candidates: &[String]) -> Result<usize, DatasetError> {
    let names: Vec<&str> = candidates.iter().map(String::as_str).collect();
    Ok(table.any_column(&names)?)
}

/// Reads the spec's table and inserts its columns into `attrs` (whose units
/// are the spec's level).
pub fn join_columns(
    spec: &JoinSpec,
    lookup: &UnitLookup,
    attrs: &mut Attributes,
) -> Result<JoinReport, DatasetError> {
    let table = CsvTable::read(&spec.path)?;
    join_table(&table, spec, lookup, attrs)
}

/// As [`join_columns`], for a table already read.
pub fn join_table(
    table: &CsvTable,
    spec: &JoinSpec,
    lookup: &UnitLookup,
    attrs: &mut Attributes,
) -> Result<JoinReport, DatasetError> {
    let key = key_column(table, &spec.key_columns)?;
    let columns = spec
        .columns
        .iter()
        .map(|(name, _)| table.column(name))
        .collect::<Result<Vec<_>, _>>()?;
    let units = attrs.unit_count();
    let mut values = vec![vec![None; units]; columns.len()];
    let mut seen = vec![false; units];
    let mut report = JoinReport {
        file: table.file.clone(),
        key_column: table.headers[key].clone(),
        rows: table.len(),
        matched: 0,
        unmatched: Vec::new(),
        duplicates: Vec::new(),
        units_without_row: 0,
    };
    for r in 0..table.len() {
        let raw = table.text(r, key);
        let row = || RowRef {
            row: CsvTable::row_number(r),
            key: raw.to_string(),
        };
        let Some(unit) = lookup.unit(spec.level, raw) else {
            report.unmatched.push(row());
            continue;
        };
        if std::mem::replace(&mut seen[unit as usize], true) {
            report.duplicates.push(row());
            continue;
        }
        report.matched += 1;
        for (out, &c) in values.iter_mut().zip(&columns) {
            out[unit as usize] = table.number(r, c)?;
        }
    }
    report.units_without_row = seen.iter().filter(|s| !**s).count();
    for ((_, def), column) in spec.columns.iter().zip(values) {
        attrs.insert(def.clone(), column);
    }
    Ok(report)
}
