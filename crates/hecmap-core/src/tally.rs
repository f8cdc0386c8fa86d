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

use crate::units::UnitId;

/// Dense integer id of a region (an HEC) within a plan.
pub type RegionId = u32;

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
