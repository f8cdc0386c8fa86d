//! The measures hecmap tallies per HEC, by name.
//!
//! Each [`Measure`] is one entry of a registry ([`Measure::def`]): a stable
//! key, a label and unit for people, where its per-tract values come from
//! ([`Source`]) and how they combine over an HEC ([`Aggregation`]). The
//! validator builds its tally columns from this registry (see
//! `tally::MeasureTallies`), and rules and the report ask for a measure by
//! its typed key (`ctx.total(region, Measure::Population)`), never by a
//! column's position.
//!
//! Adding a measure (say, dual-eligible beneficiaries) is one variant here,
//! its entry in [`Measure::def`] and [`Measure::ALL`], and its attribute in
//! the data; the tallies, their incremental updates and the property test
//! that checks them pick it up from the registry.
//!
//! This module is a leaf: it depends on nothing else in the crate, so the
//! attribute keys below can be used everywhere.
//!
//! ```
//! use hecmap_core::measures::{Aggregation, Measure, Source, keys};
//! let need = Measure::NeedPercentile.def();
//! assert_eq!(need.key, "need_percentile");
//! assert_eq!(need.aggregation, Aggregation::WeightedMean { weight: Measure::Population });
//! assert_eq!(Measure::Population.def().source, Source::Attribute(keys::POPULATION));
//! assert_eq!(Measure::from_key("medicare"), Some(Measure::Medicare));
//! ```

use serde::Serialize;

/// The tract attribute keys the engine reads by name. Every lookup of
/// these attributes uses these constants; the data files name their
/// columns elsewhere.
pub mod keys {
    /// 2020 Census population.
    pub const POPULATION: &str = "population";
    /// Population 65 and over (ACS).
    pub const POP_65PLUS: &str = "pop_65plus";
    /// People whose poverty status is determined (ACS), the universe of
    /// [`BELOW_200PCT_FPL`].
    pub const POVERTY_UNIVERSE: &str = "poverty_universe";
    /// People below 200% of the federal poverty line (ACS).
    pub const BELOW_200PCT_FPL: &str = "below_200pct_fpl";
    /// [`BELOW_200PCT_FPL`] over [`POVERTY_UNIVERSE`], per tract.
    pub const SHARE_BELOW_200PCT_FPL: &str = "share_below_200pct_fpl";
    /// Medicare beneficiaries (an estimate unless real counts are loaded).
    pub const MEDICARE: &str = "medicare";
}

/// A tallied measure: the typed key rules and reports ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    Population,
    Medicare,
    Pop65Plus,
    PovertyUniverse,
    Below200PctFpl,
    /// Below 200% of poverty over the poverty universe, for the HEC.
    ShareBelow200PctFpl,
    AreaM2,
    /// The population-weighted mean need percentile of ranked tracts.
    NeedPercentile,
    HighNeedTracts,
}

/// Where a measure's per-tract values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "key", rename_all = "snake_case")]
pub enum Source {
    /// A tract attribute, by key (a tract without a value counts as 0 in
    /// sums and is left out of means).
    Attribute(&'static str),
    /// Each tract's land area in m² (EPSG:5070).
    TractArea,
    /// The need index's percentile (unranked tracts have none).
    NeedPercentile,
    /// The need index's high-need flag (1 for a high-need tract).
    HighNeed,
    /// Computed from other measures (see the [`Aggregation`]).
    Derived,
}

/// How a measure combines over the tracts of an HEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Aggregation {
    /// The sum of the tracts' values.
    Sum,
    /// A sum that may be an estimate: its attribute's provenance says
    /// whether (modelled values always; counts per town apportioned to
    /// tracts when the HEC splits a town) and with what method.
    Estimate,
    /// The number of tracts whose value is set and not 0 (a flag).
    Count,
    /// The mean of the tracts' values weighted by another (summed)
    /// measure, over the tracts that have a value: tallied as value ×
    /// weight and weight.
    WeightedMean { weight: Measure },
    /// One summed measure over another, for the whole HEC.
    Ratio {
        numerator: Measure,
        denominator: Measure,
    },
}

impl Aggregation {
    /// True for the aggregations tallied as one summed column.
    pub fn is_summed(self) -> bool {
        matches!(
            self,
            Aggregation::Sum | Aggregation::Estimate | Aggregation::Count
        )
    }
}

/// One entry of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MeasureDef {
    /// Stable key (`population`, `need_percentile`).
    pub key: &'static str,
    /// A label for people.
    pub label: &'static str,
    /// The unit of the measure's values (`people`, `m2`).
    pub unit: &'static str,
    pub source: Source,
    pub aggregation: Aggregation,
}

impl Measure {
    /// Every measure, in registry order.
    pub const ALL: &'static [Measure] = &[
        Measure::Population,
        Measure::Medicare,
        Measure::Pop65Plus,
        Measure::PovertyUniverse,
        Measure::Below200PctFpl,
        Measure::ShareBelow200PctFpl,
        Measure::AreaM2,
        Measure::NeedPercentile,
        Measure::HighNeedTracts,
    ];

    /// The registry entry of a measure.
    pub const fn def(self) -> MeasureDef {
        use Aggregation::*;
        const fn def(
            key: &'static str,
            label: &'static str,
            unit: &'static str,
            source: Source,
            aggregation: Aggregation,
        ) -> MeasureDef {
            MeasureDef {
                key,
                label,
                unit,
                source,
                aggregation,
            }
        }
        match self {
            Measure::Population => def(
                keys::POPULATION,
                "Population, 2020 Census",
                "people",
                Source::Attribute(keys::POPULATION),
                Sum,
            ),
            Measure::Medicare => def(
                keys::MEDICARE,
                "Medicare beneficiaries",
                "beneficiaries",
                Source::Attribute(keys::MEDICARE),
                Estimate,
            ),
            Measure::Pop65Plus => def(
                keys::POP_65PLUS,
                "Population 65 and over (ACS)",
                "people",
                Source::Attribute(keys::POP_65PLUS),
                Sum,
            ),
            Measure::PovertyUniverse => def(
                keys::POVERTY_UNIVERSE,
                "People whose poverty status is determined (ACS)",
                "people",
                Source::Attribute(keys::POVERTY_UNIVERSE),
                Sum,
            ),
            Measure::Below200PctFpl => def(
                keys::BELOW_200PCT_FPL,
                "People below 200% of the poverty line (ACS)",
                "people",
                Source::Attribute(keys::BELOW_200PCT_FPL),
                Sum,
            ),
            Measure::ShareBelow200PctFpl => def(
                keys::SHARE_BELOW_200PCT_FPL,
                "Share below 200% of the poverty line",
                "fraction",
                Source::Derived,
                Ratio {
                    numerator: Measure::Below200PctFpl,
                    denominator: Measure::PovertyUniverse,
                },
            ),
            Measure::AreaM2 => def("area_m2", "Land area", "m2", Source::TractArea, Sum),
            Measure::NeedPercentile => def(
                "need_percentile",
                "Need percentile (population-weighted mean)",
                "need percentile",
                Source::NeedPercentile,
                WeightedMean {
                    weight: Measure::Population,
                },
            ),
            Measure::HighNeedTracts => def(
                "high_need_tracts",
                "High-need tracts",
                "tracts",
                Source::HighNeed,
                Count,
            ),
        }
    }

    /// The measure's stable key.
    pub const fn key(self) -> &'static str {
        self.def().key
    }

    /// The measure with this key.
    pub fn from_key(key: &str) -> Option<Measure> {
        Measure::ALL.iter().copied().find(|m| m.key() == key)
    }

    /// The tract attribute the measure reads, if it reads one.
    pub const fn attribute(self) -> Option<&'static str> {
        match self.def().source {
            Source::Attribute(key) => Some(key),
            _ => None,
        }
    }

    /// Dense index of the measure (its position in [`Measure::ALL`]).
    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

impl Serialize for Measure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

/// The value of one measure for one HEC.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeasureValue {
    /// `None` for a mean or ratio with nothing to weigh.
    pub value: Option<f64>,
    /// True when the value is an estimate.
    pub estimate: bool,
}

/// The value of every measure for one HEC, by typed key.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureValues {
    values: Vec<MeasureValue>,
}

impl MeasureValues {
    /// Values from a function of each measure.
    pub fn from_fn(mut value: impl FnMut(Measure) -> MeasureValue) -> Self {
        Self {
            values: Measure::ALL.iter().map(|&m| value(m)).collect(),
        }
    }

    pub fn get(&self, measure: Measure) -> MeasureValue {
        self.values[measure.index()]
    }

    /// The value, `None` for a mean with nothing to weigh.
    pub fn value(&self, measure: Measure) -> Option<f64> {
        self.get(measure).value
    }

    /// The value, 0 when there is none.
    pub fn total(&self, measure: Measure) -> f64 {
        self.value(measure).unwrap_or(0.0)
    }

    pub fn estimate(&self, measure: Measure) -> bool {
        self.get(measure).estimate
    }

    /// (measure, value) pairs in registry order.
    pub fn iter(&self) -> impl Iterator<Item = (Measure, MeasureValue)> + '_ {
        Measure::ALL
            .iter()
            .copied()
            .zip(self.values.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_measure_once_in_index_order() {
        for (i, &m) in Measure::ALL.iter().enumerate() {
            assert_eq!(m.index(), i, "{m} is out of place in Measure::ALL");
            // A new variant fails to compile here until it is listed.
            match m {
                Measure::Population
                | Measure::Medicare
                | Measure::Pop65Plus
                | Measure::PovertyUniverse
                | Measure::Below200PctFpl
                | Measure::ShareBelow200PctFpl
                | Measure::AreaM2
                | Measure::NeedPercentile
                | Measure::HighNeedTracts => {}
            }
        }
        assert_eq!(
            Measure::ALL.len(),
            Measure::HighNeedTracts.index() + 1,
            "the last variant closes Measure::ALL"
        );
        let mut keys: Vec<&str> = Measure::ALL.iter().map(|m| m.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), Measure::ALL.len(), "keys are unique");
        for &m in Measure::ALL {
            assert_eq!(Measure::from_key(m.key()), Some(m));
        }
    }

    #[test]
    fn means_and_ratios_refer_to_summed_measures() {
        for &m in Measure::ALL {
            let d = m.def();
            match d.aggregation {
                Aggregation::WeightedMean { weight } => {
                    assert!(weight.def().aggregation.is_summed(), "{m}");
                    assert_ne!(d.source, Source::Derived, "{m}");
                }
                Aggregation::Ratio {
                    numerator,
                    denominator,
                } => {
                    assert!(numerator.def().aggregation.is_summed(), "{m}");
                    assert!(denominator.def().aggregation.is_summed(), "{m}");
                }
                _ => assert_ne!(d.source, Source::Derived, "{m} needs a source"),
            }
        }
    }

    #[test]
    fn serializes_as_its_key() {
        assert_eq!(
            serde_json::to_string(&Measure::Pop65Plus).unwrap(),
            "\"pop_65plus\""
        );
        assert_eq!(Measure::Medicare.attribute(), Some(keys::MEDICARE));
        assert_eq!(Measure::AreaM2.attribute(), None);
    }
}
