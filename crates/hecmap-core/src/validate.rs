//! Validation of a plan against the rules, kept up to date as units move.
//!
//! The validator tallies every HEC once, then updates the tallies with
//! `new = old - out + in` when tracts move, and re-runs the per-HEC rules
//! only for the HECs a move touched (their findings depend on nothing
//! else). Plan-wide rules are cheap scans and run on every report.
//!
//! ```no_run
//! use hecmap_core::{dataset::{Dataset, DataConfig}, plan, rules::RulesConfig, validate::Validator};
//! let data = Dataset::load(&DataConfig::default()).unwrap();
//! let plan = plan::parse_csv_plan(&data, b"town,hec\nHartford,A\nUnion,B\n", "inline.csv").unwrap();
//! let mut v = Validator::new(&data, RulesConfig::default(), plan, None).unwrap();
//! let report = v.report();
//! assert!(!report.passes);
//! ```

use crate::dataset::Dataset;
use crate::need::{NeedError, NeedIndex};
use crate::plan::{Plan, PolygonResolution};
use crate::report::Report;
use crate::rules::{
    COLUMN_COUNT, Column, Context, Finding, PLAN_RULES, REGION_RULES, RulesConfig, run_guarded,
};
use crate::tally::{RegionId, Tallies};
use crate::units::UnitId;

/// A plan under validation.
pub struct Validator<'d> {
    data: &'d Dataset,
    rules: RulesConfig,
    need: NeedIndex,
    plan: Plan,
    polygons: Option<PolygonResolution>,
    tallies: Tallies,
    members: Vec<Vec<UnitId>>,
    /// Cached findings per HEC; `None` when the HEC changed since.
    region_findings: Vec<Option<Vec<Finding>>>,
}

/// The per-tract values the validator tallies, in [`Column`] order.
fn tally_columns(data: &Dataset, need: &NeedIndex) -> Vec<Vec<f64>> {
    let attrs = &data.tracts.attributes;
    let dense = |key: &str| {
        attrs
            .id(key)
            .map(|id| attrs.dense(id))
            .unwrap_or_else(|| vec![0.0; attrs.unit_count()])
    };
    let population = dense("population");
    let ranked: Vec<f64> = need
        .percentile
        .iter()
        .zip(&population)
        .map(|(p, pop)| if p.is_some() { *pop } else { 0.0 })
        .collect();
    let need_pop = need
        .percentile
        .iter()
        .zip(&population)
        .map(|(p, pop)| p.unwrap_or(0.0) * pop)
        .collect();
    let columns = vec![
        population,
        dense(crate::medicare::MEDICARE),
        dense("pop_65plus"),
        dense("poverty_universe"),
        dense("below_200pct_fpl"),
        data.tracts.units.area_m2.clone(),
        need_pop,
        ranked,
        need.high_need.iter().map(|&h| h as u8 as f64).collect(),
    ];
    debug_assert_eq!(columns.len(), COLUMN_COUNT);
    debug_assert_eq!(Column::HighNeedTracts as usize, COLUMN_COUNT - 1);
    columns
}

impl<'d> Validator<'d> {
    /// Tallies a plan and prepares its validation.
    pub fn new(
        data: &'d Dataset,
        rules: RulesConfig,
        plan: Plan,
        polygons: Option<PolygonResolution>,
    ) -> Result<Self, NeedError> {
        let need = NeedIndex::compute(&data.tracts.attributes, &rules.need)?;
        let members = plan.members();
        let memberships = members
            .iter()
            .enumerate()
            .flat_map(|(r, ts)| ts.iter().map(move |&t| (t, r as RegionId)));
        let tallies = Tallies::recount_memberships(
            tally_columns(data, &need),
            memberships,
            plan.regions.len(),
        );
        Ok(Self {
            region_findings: vec![None; plan.regions.len()],
            data,
            rules,
            need,
            plan,
            polygons,
            tallies,
            members,
        })
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn data(&self) -> &'d Dataset {
        self.data
    }

    pub fn rules(&self) -> &RulesConfig {
        &self.rules
    }

    pub fn need(&self) -> &NeedIndex {
        &self.need
    }

    pub fn tallies(&self) -> &Tallies {
        &self.tallies
    }

    pub fn polygons(&self) -> Option<&PolygonResolution> {
        self.polygons.as_ref()
    }

    /// The tracts of each HEC.
    pub fn members(&self) -> &[Vec<UnitId>] {
        &self.members
    }

    /// Adds an HEC (or finds it by name).
    pub fn region_named(&mut self, name: &str) -> RegionId {
        let id = self.plan.region_named(name);
        while self.members.len() < self.plan.regions.len() {
            self.members.push(Vec::new());
            self.region_findings.push(None);
        }
        id
    }

    /// Gives tracts to one HEC (or none), dropping their other claims, and
    /// updates the tallies incrementally.
    pub fn assign(&mut self, tracts: &[UnitId], region: Option<RegionId>) {
        let mut touched: Vec<RegionId> = region.into_iter().collect();
        for &t in tracts {
            let old = std::mem::take(&mut self.plan.claims[t as usize]);
            for &r in &old {
                self.tallies.remove_unit(t, r);
                touched.push(r);
            }
            if let Some(r) = region {
                self.tallies.add_unit(t, r);
                self.plan.claims[t as usize].push(r);
            }
        }
        touched.sort_unstable();
        touched.dedup();
        for r in touched {
            self.refresh_members(r);
            self.region_findings[r as usize] = None;
        }
        // Drawn polygons no longer describe a plan that was edited.
        self.polygons = None;
    }

    /// Gives a whole town to one HEC (or none).
    pub fn assign_town(&mut self, town: UnitId, region: Option<RegionId>) {
        let tracts = self.data.nesting.town_tracts[town as usize].clone();
        self.assign(&tracts, region);
    }

    fn refresh_members(&mut self, region: RegionId) {
        let claims = &self.plan.claims;
        self.members[region as usize] = (0..claims.len() as UnitId)
            .filter(|&t| claims[t as usize].binary_search(&region).is_ok())
            .collect();
    }

    fn context(&self) -> Context<'_> {
        Context {
            data: self.data,
            rules: &self.rules,
            plan: &self.plan,
            scope: self.plan.effective_scope(self.data),
            need: &self.need,
            members: &self.members,
            tallies: &self.tallies,
            polygons: self.polygons.as_ref(),
        }
    }

    /// Runs the per-HEC rules of the HECs whose findings are stale.
    fn refresh_regions(&mut self) {
        let stale: Vec<RegionId> = (0..self.plan.regions.len() as RegionId)
            .filter(|&r| self.region_findings[r as usize].is_none())
            .collect();
        for r in stale {
            let findings = {
                let ctx = self.context();
                REGION_RULES
                    .iter()
                    .flat_map(|rule| run_guarded(rule.key, Some(r), || (rule.check)(&ctx, r)))
                    .collect()
            };
            self.region_findings[r as usize] = Some(findings);
        }
    }

    /// Every finding: plan rules, then each HEC's, in registry order.
    pub fn findings(&mut self) -> Vec<Finding> {
        self.refresh_regions();
        let ctx = self.context();
        let mut findings: Vec<Finding> = PLAN_RULES
            .iter()
            .flat_map(|rule| run_guarded(rule.key, None, || (rule.check)(&ctx)))
            .collect();
        for cached in self.region_findings.iter().flatten() {
            findings.extend(cached.iter().cloned());
        }
        // Which other HECs hold the tracts an HEC's finding names can change
        // without the HEC changing, so it is filled in here, not cached.
        for f in findings
            .iter_mut()
            .filter(|f| matches!(f.rule, "enclave" | "cherry_pick.high_need"))
        {
            let mut others: Vec<RegionId> = f
                .tracts
                .iter()
                .flat_map(|&t| self.plan.claims[t as usize].iter().copied())
                .filter(|r| Some(*r) != f.region)
                .collect();
            others.sort_unstable();
            others.dedup();
            f.others = others;
        }
        findings
    }

    /// The full report (the same for the CLI, the API and the UI).
    pub fn report(&mut self) -> Report {
        let findings = self.findings();
        Report::build(self, findings)
    }

    /// A context for callers that compute figures of their own (reports).
    pub fn with_context<T>(&self, f: impl FnOnce(&Context) -> T) -> T {
        f(&self.context())
    }
}
