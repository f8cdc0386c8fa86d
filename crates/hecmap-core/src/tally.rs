//! Totals of attributes per region, kept up to date as units move:
//! `new = old - out + in`, never a recount (see the property test that
//! proves the two equal).
//!
//! ```
//! use hecmap_core::tally::Tallies;
//! // Two attributes (population, 65+) over four units.
//! let columns = vec![vec![10.0, 20.0, 30.0, 40.0], vec![1.0, 2.0, 3.0, 4.0]];
//! let assignment = [Some(0), Some(0), Some(1), None];
//! let mut t = Tallies::recount(columns, &assignment, 2);
//! assert_eq!(t.total(0, 0), 30.0);
//! t.move_unit(1, Some(0), Some(1));
//! assert_eq!(t.total(0, 0), 10.0);
//! assert_eq!(t.total(1, 0), 50.0);
//! assert_eq!(t.unit_count(1), 2);
//! ```
//!
//! [`MeasureTallies`] lays out the columns of every registered
//! [`Measure`] and answers by typed key: totals of sums and counts, means
//! weighted by another measure, ratios of two sums.

use crate::measures::{Aggregation, Measure, Source};
use crate::units::UnitId;

use crate::plan::RegionId;

/// Sums any attribute over any set of units.
pub fn sum_over(values: &[f64], units: impl IntoIterator<Item = UnitId>) -> f64 {
    units.into_iter().map(|u| values[u as usize]).sum()
}

/// Per-region totals of a fixed list of attribute columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Tallies {
    /// Values per column, then per unit (missing values as 0).
    columns: Vec<Vec<f64>>,
    /// Totals per region, then per column.
    totals: Vec<Vec<f64>>,
    /// Units per region.
    counts: Vec<u32>,
}

impl Tallies {
    /// Totals from scratch for a plan that puts each unit in at most one region.
    pub fn recount(
        columns: Vec<Vec<f64>>,
        assignment: &[Option<RegionId>],
        regions: usize,
    ) -> Self {
        let memberships = assignment
            .iter()
            .enumerate()
            .filter_map(|(u, r)| r.map(|r| (u as UnitId, r)));
        Self::recount_memberships(columns, memberships, regions)
    }

    /// Totals from scratch from (unit, region) memberships: a unit claimed by
    /// two regions counts in both.
    pub fn recount_memberships(
        columns: Vec<Vec<f64>>,
        memberships: impl IntoIterator<Item = (UnitId, RegionId)>,
        regions: usize,
    ) -> Self {
        let mut tallies = Self {
            totals: vec![vec![0.0; columns.len()]; regions],
            counts: vec![0; regions],
            columns,
        };
        for (unit, region) in memberships {
            tallies.add_unit(unit, region);
        }
        tallies
    }

    /// Adds a unit's values to a region.
    pub fn add_unit(&mut self, unit: UnitId, region: RegionId) {
        self.ensure_region(region);
        let totals = &mut self.totals[region as usize];
        for (total, column) in totals.iter_mut().zip(&self.columns) {
            *total += column[unit as usize];
        }
        self.counts[region as usize] += 1;
    }

    /// Takes a unit's values out of a region.
    pub fn remove_unit(&mut self, unit: UnitId, region: RegionId) {
        let totals = &mut self.totals[region as usize];
        for (total, column) in totals.iter_mut().zip(&self.columns) {
            *total -= column[unit as usize];
        }
        self.counts[region as usize] -= 1;
    }

    /// Moves a unit between regions (`None`: unassigned).
    pub fn move_unit(&mut self, unit: UnitId, from: Option<RegionId>, to: Option<RegionId>) {
        if from == to {
            return;
        }
        if let Some(from) = from {
            self.remove_unit(unit, from);
        }
        if let Some(to) = to {
            self.add_unit(unit, to);
        }
    }

    fn ensure_region(&mut self, region: RegionId) {
        let needed = region as usize + 1;
        if self.totals.len() < needed {
            self.totals.resize(needed, vec![0.0; self.columns.len()]);
            self.counts.resize(needed, 0);
        }
    }

    /// A region's total of one column.
    pub fn total(&self, region: RegionId, column: usize) -> f64 {
        self.totals
            .get(region as usize)
            .map(|t| t[column])
            .unwrap_or(0.0)
    }

    /// A region's totals of every column.
    pub fn totals(&self, region: RegionId) -> &[f64] {
        &self.totals[region as usize]
    }

    /// Units in a region.
    pub fn unit_count(&self, region: RegionId) -> u32 {
        self.counts.get(region as usize).copied().unwrap_or(0)
    }

    /// Number of regions tallied.
    pub fn region_count(&self) -> usize {
        self.totals.len()
    }
}

/// Where a measure's figures are among the tally columns.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    /// One summed column.
    Sum(usize),
    /// Value × weight and weight.
    Mean { numerator: usize, weight: usize },
    /// Two summed columns.
    Ratio {
        numerator: usize,
        denominator: usize,
    },
}

/// Per-region tallies of every registered [`Measure`], kept up to date as
/// units move, asked for by typed key.
///
/// ```
/// use hecmap_core::measures::{Measure, Source};
/// use hecmap_core::tally::MeasureTallies;
/// // Three tracts: populations 100, 300, 50; the third is unranked.
/// let values = |source: Source| match source {
///     Source::Attribute("population") => vec![Some(100.0), Some(300.0), Some(50.0)],
///     Source::NeedPercentile => vec![Some(10.0), Some(90.0), None],
///     _ => vec![None; 3],
/// };
/// let t = MeasureTallies::new(values, [(0, 0), (1, 0), (2, 0)], 1);
/// assert_eq!(t.total(0, Measure::Population), 450.0);
/// // (10 × 100 + 90 × 300) / 400: the unranked tract is left out.
/// assert_eq!(t.value(0, Measure::NeedPercentile), Some(70.0));
/// assert_eq!(t.value(0, Measure::ShareBelow200PctFpl), None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureTallies {
    tallies: Tallies,
    /// Per measure, in [`Measure::ALL`] order.
    slots: Vec<Slot>,
}

impl MeasureTallies {
    /// Lays out and tallies the columns of every measure. `values` gives
    /// the per-unit values of a [`Source`] (`None`: missing); it is not
    /// asked for [`Source::Derived`].
    pub fn new(
        values: impl Fn(Source) -> Vec<Option<f64>>,
        memberships: impl IntoIterator<Item = (UnitId, RegionId)>,
        regions: usize,
    ) -> Self {
        let mut columns: Vec<Vec<f64>> = Vec::new();
        let mut push = |column: Vec<f64>| {
            columns.push(column);
            columns.len() - 1
        };
        let dense = |source: Source| -> Vec<f64> {
            values(source).iter().map(|v| v.unwrap_or(0.0)).collect()
        };
        let mut slots: Vec<Option<Slot>> = vec![None; Measure::ALL.len()];
        for &m in Measure::ALL {
            let def = m.def();
            let slot = match def.aggregation {
                Aggregation::Sum | Aggregation::Estimate => Slot::Sum(push(dense(def.source))),
                Aggregation::Count => Slot::Sum(push(
                    values(def.source)
                        .iter()
                        .map(|v| v.is_some_and(|v| v != 0.0) as u8 as f64)
                        .collect(),
                )),
                Aggregation::WeightedMean { weight } => {
                    let value = values(def.source);
                    let weight = values(weight.def().source);
                    let numerator = value
                        .iter()
                        .zip(&weight)
                        .map(|(v, w)| v.unwrap_or(0.0) * w.unwrap_or(0.0))
                        .collect();
                    let weight = value
                        .iter()
                        .zip(&weight)
                        .map(|(v, w)| if v.is_some() { w.unwrap_or(0.0) } else { 0.0 })
                        .collect();
                    Slot::Mean {
                        numerator: push(numerator),
                        weight: push(weight),
                    }
                }
                // Resolved below, once every summed column is laid out.
                Aggregation::Ratio { .. } => continue,
            };
            slots[m.index()] = Some(slot);
        }
        let summed = |m: Measure, slots: &[Option<Slot>]| match slots[m.index()] {
            Some(Slot::Sum(column)) => column,
            _ => panic!("{m} is not a summed measure"),
        };
        for &m in Measure::ALL {
            if let Aggregation::Ratio {
                numerator,
                denominator,
            } = m.def().aggregation
            {
                slots[m.index()] = Some(Slot::Ratio {
                    numerator: summed(numerator, &slots),
                    denominator: summed(denominator, &slots),
                });
            }
        }
        Self {
            tallies: Tallies::recount_memberships(columns, memberships, regions),
            slots: slots
                .into_iter()
                .map(|s| s.expect("every measure has a slot"))
                .collect(),
        }
    }

    /// A region's value of a measure: the total of a sum or count, the
    /// mean or ratio (`None` when its weight or denominator is 0).
    pub fn value(&self, region: RegionId, measure: Measure) -> Option<f64> {
        let total = |column| self.tallies.total(region, column);
        match self.slots[measure.index()] {
            Slot::Sum(column) => Some(total(column)),
            Slot::Mean { numerator, weight } => {
                let w = total(weight);
                (w > 0.0).then(|| total(numerator) / w)
            }
            Slot::Ratio {
                numerator,
                denominator,
            } => {
                let d = total(denominator);
                (d > 0.0).then(|| total(numerator) / d)
            }
        }
    }

    /// A region's total of a summed measure (of a mean or ratio, its value
    /// or 0).
    pub fn total(&self, region: RegionId, measure: Measure) -> f64 {
        self.value(region, measure).unwrap_or(0.0)
    }

    /// Adds a unit's values to a region.
    pub fn add_unit(&mut self, unit: UnitId, region: RegionId) {
        self.tallies.add_unit(unit, region);
    }

    /// Takes a unit's values out of a region.
    pub fn remove_unit(&mut self, unit: UnitId, region: RegionId) {
        self.tallies.remove_unit(unit, region);
    }

    /// Moves a unit between regions (`None`: unassigned).
    pub fn move_unit(&mut self, unit: UnitId, from: Option<RegionId>, to: Option<RegionId>) {
        self.tallies.move_unit(unit, from, to);
    }

    /// Units in a region.
    pub fn unit_count(&self, region: RegionId) -> u32 {
        self.tallies.unit_count(region)
    }

    /// The raw columns and totals.
    pub fn tallies(&self) -> &Tallies {
        &self.tallies
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn moves_strategy(
        units: usize,
        regions: u32,
    ) -> impl Strategy<Value = Vec<(usize, Option<RegionId>)>> {
        prop::collection::vec((0..units, prop::option::weighted(0.9, 0..regions)), 0..200)
    }

    proptest! {
        /// Integer counts (people): incremental totals equal a recount exactly.
        #[test]
        fn incremental_equals_recount_for_counts(
            values in prop::collection::vec(0u32..10_000, 1..60),
            regions in 1u32..6,
            seed_moves in moves_strategy(60, 6),
        ) {
            let n = values.len();
            let column: Vec<f64> = values.iter().map(|&v| v as f64).collect();
            let mut assignment: Vec<Option<RegionId>> = (0..n).map(|u| Some(u as u32 % regions)).collect();
            let mut tallies = Tallies::recount(vec![column.clone()], &assignment, regions as usize);
            for (unit, to) in seed_moves {
                let unit = unit % n;
                let to = to.map(|r| r % regions);
                tallies.move_unit(unit as UnitId, assignment[unit], to);
                assignment[unit] = to;
            }
            let fresh = Tallies::recount(vec![column], &assignment, regions as usize);
            for r in 0..regions {
                prop_assert_eq!(tallies.total(r, 0), fresh.total(r, 0));
                prop_assert_eq!(tallies.unit_count(r), fresh.unit_count(r));
            }
        }

        /// Fractional values (estimates): equal to a recount within rounding.
        #[test]
        fn incremental_equals_recount_for_estimates(
            values in prop::collection::vec(0.0f64..5_000.0, 1..60),
            seed_moves in moves_strategy(60, 4),
        ) {
            let n = values.len();
            let mut assignment: Vec<Option<RegionId>> = vec![Some(0); n];
            let mut tallies = Tallies::recount(vec![values.clone()], &assignment, 4);
            for (unit, to) in seed_moves {
                let unit = unit % n;
                tallies.move_unit(unit as UnitId, assignment[unit], to);
                assignment[unit] = to;
            }
            let fresh = Tallies::recount(vec![values.clone()], &assignment, 4);
            let scale: f64 = values.iter().sum::<f64>().max(1.0);
            for r in 0..4 {
                prop_assert!((tallies.total(r, 0) - fresh.total(r, 0)).abs() <= 1e-9 * scale);
            }
        }
    }

    /// The distinct sources the registry reads, and whether each weighs a
    /// mean or divides a ratio (those get whole values, as counts of
    /// people do, so that "nothing to weigh" is exact).
    fn registry_sources() -> Vec<(Source, bool)> {
        let mut sources: Vec<(Source, bool)> = Vec::new();
        let mut note = |source: Source, weighs: bool| {
            if source == Source::Derived {
                return;
            }
            match sources.iter_mut().find(|(s, _)| *s == source) {
                Some(entry) => entry.1 |= weighs,
                None => sources.push((source, weighs)),
            }
        };
        for &m in Measure::ALL {
            let def = m.def();
            note(def.source, false);
            match def.aggregation {
                Aggregation::WeightedMean { weight } => note(weight.def().source, true),
                Aggregation::Ratio {
                    numerator,
                    denominator,
                } => {
                    note(numerator.def().source, false);
                    note(denominator.def().source, true);
                }
                _ => {}
            }
        }
        sources
    }

    /// Assignment-style edits: a unit given to one region (dropping its
    /// other claims) or to none, or claimed by one more region.
    fn edits_strategy(
        units: usize,
        regions: u32,
    ) -> impl Strategy<Value = Vec<(usize, Option<RegionId>, bool)>> {
        prop::collection::vec(
            (
                0..units,
                prop::option::weighted(0.9, 0..regions),
                prop::bool::weighted(0.1),
            ),
            0..200,
        )
    }

    /// Applies edits both incrementally and to the claims, then checks
    /// every registered measure of every region against a full recount.
    fn check_every_measure(
        values: &dyn Fn(Source) -> Vec<Option<f64>>,
        n: usize,
        regions: u32,
        edits: Vec<(usize, Option<RegionId>, bool)>,
        close: &dyn Fn(Measure, Option<f64>, Option<f64>) -> bool,
    ) -> Result<(), TestCaseError> {
        let mut claims: Vec<Vec<RegionId>> = (0..n).map(|u| vec![u as u32 % regions]).collect();
        let memberships = |claims: &[Vec<RegionId>]| -> Vec<(UnitId, RegionId)> {
            claims
                .iter()
                .enumerate()
                .flat_map(|(u, rs)| rs.iter().map(move |&r| (u as UnitId, r)))
                .collect()
        };
        let mut tallies = MeasureTallies::new(values, memberships(&claims), regions as usize);
        for (unit, to, also) in edits {
            let unit = unit % n;
            let to = to.map(|r| r % regions);
            if also {
                if let Some(r) = to.filter(|r| !claims[unit].contains(r)) {
                    tallies.add_unit(unit as UnitId, r);
                    claims[unit].push(r);
                }
                continue;
            }
            for r in std::mem::take(&mut claims[unit]) {
                tallies.remove_unit(unit as UnitId, r);
            }
            if let Some(r) = to {
                tallies.add_unit(unit as UnitId, r);
                claims[unit].push(r);
            }
        }
        let fresh = MeasureTallies::new(values, memberships(&claims), regions as usize);
        for r in 0..regions {
            prop_assert_eq!(tallies.unit_count(r), fresh.unit_count(r));
            for &m in Measure::ALL {
                let (a, b) = (tallies.value(r, m), fresh.value(r, m));
                prop_assert!(close(m, a, b), "{m} of region {r}: {a:?} != {b:?}");
            }
        }
        Ok(())
    }

    proptest! {
        /// Every registered measure, whole values (people, flags): the
        /// incremental tallies equal a recount exactly, including units
        /// claimed twice.
        #[test]
        fn every_measure_incremental_equals_recount(
            cells in prop::collection::vec(
                prop::collection::vec(prop::option::weighted(0.85, 0u32..10_000), registry_sources().len()),
                1..50,
            ),
            regions in 1u32..6,
            edits in edits_strategy(50, 6),
        ) {
            let sources = registry_sources();
            let n = cells.len();
            let values = |source: Source| -> Vec<Option<f64>> {
                let i = sources.iter().position(|(s, _)| *s == source).expect("a registry source");
                cells.iter().map(|row| row[i].map(f64::from)).collect()
            };
            check_every_measure(&values, n, regions, edits, &|_, a, b| a == b)?;
        }

        /// Every registered measure, fractional values (estimates,
        /// percentiles, areas) over whole weights: equal within rounding.
        #[test]
        fn every_measure_incremental_equals_recount_within_rounding(
            cells in prop::collection::vec(
                prop::collection::vec(prop::option::weighted(0.85, 0.0f64..5_000.0), registry_sources().len()),
                1..50,
            ),
            regions in 1u32..6,
            edits in edits_strategy(50, 6),
        ) {
            let sources = registry_sources();
            let n = cells.len();
            let values = |source: Source| -> Vec<Option<f64>> {
                let (i, weighs) = sources
                    .iter()
                    .enumerate()
                    .find(|(_, (s, _))| *s == source)
                    .map(|(i, (_, weighs))| (i, *weighs))
                    .expect("a registry source");
                cells
                    .iter()
                    .map(|row| row[i].map(|v| if weighs { v.round() } else { v }))
                    .collect()
            };
            // Sums of up to 50 values below 5,000 (or products with them).
            let scale = 50.0 * 5_000.0 * 5_000.0;
            let close = |_: Measure, a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => (a - b).abs() <= 1e-12 * scale,
                (a, b) => a == b,
            };
            check_every_measure(&values, n, regions, edits, &close)?;
        }
    }

    #[test]
    fn a_unit_claimed_twice_counts_in_both_regions() {
        let t = Tallies::recount_memberships(vec![vec![5.0, 7.0]], [(0, 0), (0, 1), (1, 1)], 2);
        assert_eq!(t.total(0, 0), 5.0);
        assert_eq!(t.total(1, 0), 12.0);
    }

    #[test]
    fn sum_over_any_set() {
        assert_eq!(sum_over(&[1.0, 2.0, 4.0], [0, 2]), 5.0);
    }
}
