//! Assignment plans: tables mapping units to HEC names, like a
//! block-assignment file. Units are tracts (11-digit GEOID of either
//! vintage) or towns (name in any case, or 10-digit FIPS of either vintage);
//! one plan may mix them, and a tract row then overrides the row of its town.
//! A unit listed under two HECs is an overlap for the rules to report, not a
//! parse error.
//!
//! CSV: a unit column (`geoid`, `tract`, `town`, `unit`, `name`, `fips`...)
//! and an HEC column (`hec`, `district`, `region`, `assignment`...); a
//! two-column table without such headers is read as unit, HEC. Optional
//! columns: `waiver_reason`, `waive`, `waiver_status` (per HEC) and
//! `split_reason` (per town).
//!
//! JSON: `{"name": ..., "hecs": [{"name": "A", "units": [...], "waiver":
//! {...}}], "assignment": {"unit": "HEC"}, "split_reasons": {"town": "why"}}`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Plan, PlanError, PlanScope, Waiver};
use crate::dataset::Dataset;
use crate::table::CsvTable;
use crate::units::{Level, UnitId};

/// Accumulates claims by tract and by town, then applies tract rows over
/// town rows.
struct PlanBuilder<'a> {
    data: &'a Dataset,
    source: String,
    plan: Plan,
    town_claims: Vec<Vec<u32>>,
    tract_claims: Vec<Option<Vec<u32>>>,
    levels_seen: [bool; 2],
}

/// Why `key` names no unit, with the nearest town or tracts when the
/// key looks like a misspelling of one: `"Hartfrod" is not a Connecticut
/// town; did you mean Hartford?`.
pub fn unknown_unit(data: &Dataset, key: &str) -> String {
    if let Some(name) = data.did_you_mean(Level::Town, key) {
        return format!("{key:?} is not a Connecticut town; did you mean {name}?");
    }
    if let Some(geoids) = data.did_you_mean(Level::Tract, key) {
        return format!("{key:?} is not a Connecticut tract GEOID; did you mean {geoids}?");
    }
    format!(
        "{key:?} is neither a Connecticut tract GEOID (2020 or 2022 codes) nor a town name or FIPS code"
    )
}

impl<'a> PlanBuilder<'a> {
    fn new(data: &'a Dataset, source: &str, name: &str) -> Self {
        Self {
            data,
            source: source.to_string(),
            plan: Plan::empty(name, source, Level::Tract, data.tracts.units.len()),
            town_claims: vec![Vec::new(); data.towns.units.len()],
            tract_claims: vec![None; data.tracts.units.len()],
            levels_seen: [false; 2],
        }
    }

    /// Resolves a unit key at either level: tracts first (their GEOIDs are
    /// longer than any town code), then towns.
    fn resolve(&self, place: &str, key: &str) -> Result<(Level, UnitId), PlanError> {
        let lookup = &self.data.lookup;
        if let Some(t) = lookup.tract(key) {
            return Ok((Level::Tract, t));
        }
        if let Some(t) = lookup.town(key) {
            return Ok((Level::Town, t));
        }
        let reason = if key.trim().is_empty() {
            "the unit is empty".to_string()
        } else {
            unknown_unit(self.data, key)
        };
        Err(PlanError::invalid(&self.source, place, reason))
    }

    fn add(
        &mut self,
        place: &str,
        key: &str,
        hec: &str,
    ) -> Result<Option<(Level, UnitId)>, PlanError> {
        let (level, unit) = self.resolve(place, key)?;
        let hec = hec.trim();
        self.levels_seen[(level == Level::Town) as usize] = true;
        if hec.is_empty() {
            // Listed without an HEC: deliberately unassigned.
            if level == Level::Tract {
                self.tract_claims[unit as usize].get_or_insert_with(Vec::new);
            }
            return Ok(Some((level, unit)));
        }
        let region = self.plan.region_named(hec);
        let claims = match level {
            Level::Tract => self.tract_claims[unit as usize].get_or_insert_with(Vec::new),
            Level::Town => &mut self.town_claims[unit as usize],
        };
        if !claims.contains(&region) {
            claims.push(region);
        }
        Ok(Some((level, unit)))
    }

    fn set_waiver(&mut self, place: &str, hec: &str, waiver: Waiver) -> Result<(), PlanError> {
        let region = self.plan.region_named(hec.trim());
        let slot = &mut self.plan.regions[region as usize].waiver;
        match slot {
            Some(existing) if *existing != waiver => Err(PlanError::invalid(
                &self.source,
                place,
                format!("HEC {hec:?} has two different waiver requests"),
            )),
            _ => {
                *slot = Some(waiver);
                Ok(())
            }
        }
    }

    fn set_split_reason(
        &mut self,
        place: &str,
        town_key: &str,
        reason: &str,
    ) -> Result<(), PlanError> {
        let town = match self.resolve(place, town_key)? {
            (Level::Town, t) => t,
            (Level::Tract, t) => self.data.nesting.tract_town[t as usize],
        };
        self.plan
            .split_reasons
            .insert(town, reason.trim().to_string());
        Ok(())
    }

    fn finish(mut self) -> Result<Plan, PlanError> {
        if self.plan.regions.is_empty() {
            return Err(PlanError::invalid(
                &self.source,
                "plan",
                "no unit is assigned to any HEC",
            ));
        }
        for (town, regions) in self.town_claims.iter().enumerate() {
            for &t in &self.data.nesting.town_tracts[town] {
                if self.tract_claims[t as usize].is_none() {
                    for &r in regions {
                        self.plan.claim(t, r);
                    }
                }
            }
        }
        for (t, claims) in self.tract_claims.iter().enumerate() {
            for &r in claims.iter().flatten() {
                self.plan.claim(t as UnitId, r);
            }
        }
        self.plan.level = match self.levels_seen {
            [false, true] => Level::Town,
            _ => Level::Tract,
        };
        Ok(self.plan)
    }
}

const UNIT_COLUMNS: [&str; 12] = [
    "geoid",
    "geoid20",
    "geoid22",
    "tract",
    "town",
    "town_name",
    "unit",
    "unit_id",
    "name",
    "fips",
    "id",
    "geo_id",
];
const HEC_COLUMNS: [&str; 7] = [
    "hec",
    "hec_name",
    "district",
    "region",
    "assignment",
    "zone",
    "plan",
];

/// Parses a CSV assignment table.
pub fn parse_csv_plan(data: &Dataset, bytes: &[u8], source: &str) -> Result<Plan, PlanError> {
    let table = CsvTable::from_reader(bytes, source)?;
    let two_columns = table.headers.len() == 2;
    let unit_col = match table.any_column(&UNIT_COLUMNS) {
        Ok(c) => c,
        Err(_) if two_columns => 0,
        Err(e) => return Err(e.into()),
    };
    let hec_col = match table.any_column(&HEC_COLUMNS) {
        Ok(c) => c,
        Err(_) if two_columns => 1 - unit_col,
        Err(e) => return Err(e.into()),
    };
    let optional = |name: &str| table.column(name).ok();
    let (reason_col, waive_col, status_col, split_col) = (
        optional("waiver_reason"),
        optional("waive"),
        optional("waiver_status"),
        optional("split_reason"),
    );
    let name = std::path::Path::new(source)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| source.to_string());
    let mut builder = PlanBuilder::new(data, source, &name);
    let cell = |r: usize, c: Option<usize>| c.map(|c| table.text(r, c)).unwrap_or("");
    for r in 0..table.len() {
        let place = format!("row {}", CsvTable::row_number(r));
        let (key, hec) = (table.text(r, unit_col), table.text(r, hec_col));
        builder.add(&place, key, hec)?;
        let reason = cell(r, reason_col);
        if !reason.trim().is_empty() {
            let waiver = Waiver::from_fields(
                source,
                &place,
                reason,
                cell(r, waive_col),
                cell(r, status_col),
            )?;
            builder.set_waiver(&place, hec, waiver)?;
        }
        let split = cell(r, split_col);
        if !split.trim().is_empty() {
            builder.set_split_reason(&place, key, split)?;
        }
    }
    builder.finish()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonHec {
    name: String,
    #[serde(default)]
    units: Vec<String>,
    #[serde(default)]
    waiver: Option<Waiver>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonPlan {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    scope: PlanScope,
    #[serde(default)]
    hecs: Vec<JsonHec>,
    #[serde(default)]
    assignment: BTreeMap<String, String>,
    #[serde(default)]
    split_reasons: BTreeMap<String, String>,
}

/// Parses a JSON assignment plan (see the module docs for its shape).
pub fn parse_json_plan(data: &Dataset, text: &str, source: &str) -> Result<Plan, PlanError> {
    let json: JsonPlan = serde_json::from_str(text).map_err(|e| {
        PlanError::invalid(
            source,
            format!("line {}, column {}", e.line(), e.column()),
            e.to_string(),
        )
    })?;
    let mut builder = PlanBuilder::new(data, source, json.name.as_deref().unwrap_or("plan"));
    builder.plan.scope = json.scope;
    for (i, hec) in json.hecs.iter().enumerate() {
        if hec.name.trim().is_empty() {
            return Err(PlanError::invalid(
                source,
                format!("hecs[{i}]"),
                "the HEC has no name",
            ));
        }
        builder.plan.region_named(hec.name.trim());
        for (j, unit) in hec.units.iter().enumerate() {
            builder.add(&format!("hecs[{i}].units[{j}]"), unit, &hec.name)?;
        }
        if let Some(waiver) = &hec.waiver {
            builder.set_waiver(&format!("hecs[{i}].waiver"), &hec.name, waiver.clone())?;
        }
    }
    for (unit, hec) in &json.assignment {
        builder.add(&format!("assignment[{unit:?}]"), unit, hec)?;
    }
    for (town, reason) in &json.split_reasons {
        builder.set_split_reason(&format!("split_reasons[{town:?}]"), town, reason)?;
    }
    builder.finish()
}
