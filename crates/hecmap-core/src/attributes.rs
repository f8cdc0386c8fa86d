//! Attribute columns per unit, each with the provenance that lets every
//! figure hecmap shows be traced to its source (and say when it is an
//! estimate).
//!
//! ```
//! use hecmap_core::attributes::{Attributes, AttributeDef, AttrKind, Provenance};
//! let mut attrs = Attributes::new(3);
//! let pop = attrs.insert(
//!     AttributeDef::new("population", "Population", AttrKind::Count, Provenance::counted("census.csv", "pop20", "2020 Census")),
//!     vec![Some(10.0), Some(5.0), None],
//! );
//! let total = attrs.aggregate(pop, [0, 1, 2]);
//! assert_eq!(total.value, Some(15.0));
//! assert_eq!(total.missing, 1);
//! ```

use serde::Serialize;

use crate::units::UnitId;

/// Dense index of an attribute column.
pub type AttrId = usize;

/// How a column's values combine over a set of units.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AttrKind {
    /// A count of people: regions sum it.
    Count,
    /// A fraction of people (0.09 = 9%): regions take the mean weighted by
    /// the count column `weight`.
    Fraction { weight: String },
    /// A median or other statistic that does not combine over units.
    Statistic,
}

/// How trustworthy a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Counted or published for each unit.
    Counted,
    /// Counted per town and apportioned to the town's tracts: exact for whole
    /// towns, an estimate for a part of a town.
    CountedPerTown,
    /// Modelled: an estimate, whatever the level.
    Estimated,
}

/// Where a column comes from and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// The publication, e.g. "2020 Census, table P1".
    pub source: String,
    /// The file it was read from.
    pub file: String,
    /// The column (or columns) of that file.
    pub column: String,
    pub basis: Basis,
    /// How an estimate was made, with its inputs; `None` for counted values.
    pub method: Option<String>,
}

impl Provenance {
    /// A value read as published.
    pub fn counted(file: &str, column: &str, source: &str) -> Self {
        Self {
            source: source.to_string(),
            file: file.to_string(),
            column: column.to_string(),
            basis: Basis::Counted,
            method: None,
        }
    }

    /// True when the figure is an estimate (at the tract level).
    pub fn is_estimate(&self) -> bool {
        self.basis != Basis::Counted
    }
}

/// One column's definition.
#[derive(Debug, Clone, Serialize)]
pub struct AttributeDef {
    /// Stable key used in files, the API and rules (`population`, `medicare`).
    pub key: String,
    /// A label for people.
    pub label: String,
    #[serde(flatten)]
    pub kind: AttrKind,
    pub provenance: Provenance,
}

impl AttributeDef {
    pub fn new(key: &str, label: &str, kind: AttrKind, provenance: Provenance) -> Self {
        Self {
            key: key.to_string(),
            label: label.to_string(),
            kind,
            provenance,
        }
    }
}

/// A combined value over several units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Aggregate {
    /// `None` when no unit had a value (or the column does not combine).
    pub value: Option<f64>,
    /// Units that had no value.
    pub missing: usize,
}

/// Columns of values, one value per unit of a layer.
#[derive(Debug, Clone, Default)]
pub struct Attributes {
    units: usize,
    defs: Vec<AttributeDef>,
    values: Vec<Vec<Option<f64>>>,
}

impl Attributes {
    /// An empty set of columns for `units` units.
    pub fn new(units: usize) -> Self {
        Self {
            units,
            ..Self::default()
        }
    }

    /// Adds a column, or replaces the one with the same key; returns its id.
    ///
    /// # Panics
    /// When `values` does not have one entry per unit (a programming error).
    pub fn insert(&mut self, def: AttributeDef, values: Vec<Option<f64>>) -> AttrId {
        assert_eq!(
            values.len(),
            self.units,
            "column {} has the wrong length",
            def.key
        );
        match self.id(&def.key) {
            Some(id) => {
                self.defs[id] = def;
                self.values[id] = values;
                id
            }
            None => {
                self.defs.push(def);
                self.values.push(values);
                self.defs.len() - 1
            }
        }
    }

    pub fn id(&self, key: &str) -> Option<AttrId> {
        self.defs.iter().position(|d| d.key == key)
    }

    pub fn defs(&self) -> &[AttributeDef] {
        &self.defs
    }

    pub fn def(&self, id: AttrId) -> &AttributeDef {
        &self.defs[id]
    }

    pub fn column(&self, id: AttrId) -> &[Option<f64>] {
        &self.values[id]
    }

    pub fn value(&self, id: AttrId, unit: UnitId) -> Option<f64> {
        self.values[id][unit as usize]
    }

    pub fn unit_count(&self) -> usize {
        self.units
    }

    /// The column as plain numbers with missing values as zero, the form
    /// tallies add up.
    pub fn dense(&self, id: AttrId) -> Vec<f64> {
        self.values[id].iter().map(|v| v.unwrap_or(0.0)).collect()
    }

    /// Combines a column over a set of units as its [`AttrKind`] says.
    pub fn aggregate(&self, id: AttrId, units: impl IntoIterator<Item = UnitId>) -> Aggregate {
        let column = &self.values[id];
        match &self.defs[id].kind {
            AttrKind::Count => {
                let (mut sum, mut missing, mut seen) = (0.0, 0, 0);
                for u in units {
                    match column[u as usize] {
                        Some(v) => {
                            sum += v;
                            seen += 1;
                        }
                        None => missing += 1,
                    }
                }
                Aggregate {
                    value: (seen > 0).then_some(sum),
                    missing,
                }
            }
            AttrKind::Fraction { weight } => {
                let weights = self.id(weight).map(|w| &self.values[w]);
                let (mut num, mut den, mut missing) = (0.0, 0.0, 0);
                for u in units {
                    let w = weights.and_then(|w| w[u as usize]).unwrap_or(0.0);
                    match column[u as usize] {
                        Some(v) => {
                            num += v * w;
                            den += w;
                        }
                        None => missing += (w > 0.0) as usize,
                    }
                }
                Aggregate {
                    value: (den > 0.0).then(|| num / den),
                    missing,
                }
            }
            AttrKind::Statistic => {
                let units: Vec<UnitId> = units.into_iter().collect();
                // A statistic is meaningful for a single unit only.
                let value = match units.as_slice() {
                    [one] => column[*one as usize],
                    _ => None,
                };
                Aggregate {
                    value,
                    missing: units
                        .iter()
                        .filter(|u| column[**u as usize].is_none())
                        .count(),
                }
            }
        }
    }

    /// The columns combined over groups of units: the attributes of a
    /// coarser layer (towns from tracts). Statistics are left empty (with
    /// a note in their provenance) because they do not combine.
    pub fn aggregate_to(&self, groups: &[Vec<UnitId>]) -> Attributes {
        let mut out = Attributes::new(groups.len());
        for (id, def) in self.defs.iter().enumerate() {
            let values = groups
                .iter()
                .map(|g| self.aggregate(id, g.iter().copied()).value)
                .collect();
            let mut def = def.clone();
            if def.provenance.basis == Basis::CountedPerTown {
                // Summed back over whole towns, apportioned counts are exact again.
                def.provenance.basis = Basis::Counted;
            }
            if def.kind == AttrKind::Statistic {
                def.provenance.method = Some("not available for combined units".to_string());
            }
            out.insert(def, values);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Attributes {
        let mut a = Attributes::new(3);
        let p = Provenance::counted("f.csv", "c", "test");
        a.insert(
            AttributeDef::new("pop", "Population", AttrKind::Count, p.clone()),
            vec![Some(100.0), Some(300.0), Some(0.0)],
        );
        a.insert(
            AttributeDef::new(
                "poor",
                "Share poor",
                AttrKind::Fraction {
                    weight: "pop".into(),
                },
                p.clone(),
            ),
            vec![Some(0.5), Some(0.1), None],
        );
        a.insert(
            AttributeDef::new("income", "Median income", AttrKind::Statistic, p),
            vec![Some(1.0), Some(2.0), Some(3.0)],
        );
        a
    }

    #[test]
    fn fractions_are_weighted_by_their_count() {
        let a = sample();
        let poor = a.id("poor").unwrap();
        let agg = a.aggregate(poor, [0, 1, 2]);
        assert!((agg.value.unwrap() - (50.0 + 30.0) / 400.0).abs() < 1e-12);
        // The unit without a value has no people, so nothing is missing.
        assert_eq!(agg.missing, 0);
    }

    #[test]
    fn statistics_do_not_combine() {
        let a = sample();
        let income = a.id("income").unwrap();
        assert_eq!(a.aggregate(income, [1]).value, Some(2.0));
        assert_eq!(a.aggregate(income, [0, 1]).value, None);
    }

    #[test]
    fn insert_replaces_by_key_and_groups_aggregate() {
        let mut a = sample();
        let pop = a.id("pop").unwrap();
        let replaced = a.insert(
            AttributeDef::new(
                "pop",
                "Population",
                AttrKind::Count,
                Provenance::counted("g.csv", "c", "other"),
            ),
            vec![Some(1.0), Some(2.0), Some(3.0)],
        );
        assert_eq!(pop, replaced);
        let towns = a.aggregate_to(&[vec![0, 1], vec![2]]);
        assert_eq!(towns.column(pop), &[Some(3.0), Some(3.0)]);
        assert_eq!(towns.def(pop).provenance.file, "g.csv");
    }
}
