//! Validation of a plan against the rules, kept up to date as units move.
//!
//! The validator tallies every HEC once, then updates the tallies with
//! `new = old - out + in` when tracts move, and re-runs the per-HEC rules
//! only for the HECs a move touched (their findings depend on nothing
//! else). Plan-wide rules are cheap scans and run on every report.
//!
//! What it tallies is the registry of [`Measure`]s; what it hands the
//! report is typed: the findings and each HEC's [`HecFigures`] (measure
//! values, towns, compactness scores). The report never reads this module.
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
use crate::measures::{Measure, MeasureValue, MeasureValues, Source};
use crate::need::{NeedError, NeedIndex};
use crate::plan::RegionId;
use crate::plan::{Plan, PolygonResolution};
use crate::report::{HecFigures, Report, ReportInput};
use crate::rules::{
    Context, Figures, Finding, PLAN_RULES, REGION_RULES, RuleId, RulesConfig, run_guarded,
};
use crate::tally::MeasureTallies;
use crate::units::UnitId;
use crate::unitset;

/// A plan under validation.
pub struct Validator<'d> {
    data: &'d Dataset,
    rules: RulesConfig,
    need: NeedIndex,
    plan: Plan,
    polygons: Option<PolygonResolution>,
    tallies: MeasureTallies,
    members: Vec<Vec<UnitId>>,
    /// Cached findings per HEC; `None` when the HEC changed since.
    region_findings: Vec<Option<Vec<Finding>>>,
}

/// Every measure of an HEC, with whether it is an estimate.
fn measures_of(ctx: &Context, region: RegionId) -> MeasureValues {
    let members = &ctx.members[region as usize];
    MeasureValues::from_fn(|m: Measure| MeasureValue {
        value: ctx.tallies.value(region, m),
        estimate: ctx.is_estimate(m, members),
    })
}

/// The per-tract values of a measure's [`Source`] (`None`: missing).
fn source_values(data: &Dataset, need: &NeedIndex, source: Source) -> Vec<Option<f64>> {
    let attrs = &data.tracts.attributes;
    match source {
        Source::Attribute(key) => attrs
            .id(key)
            .map(|id| attrs.column(id).to_vec())
            .unwrap_or_else(|| vec![None; attrs.unit_count()]),
        Source::TractArea => data
            .tracts
            .units
            .area_m2
            .iter()
            .copied()
            .map(Some)
            .collect(),
        Source::NeedPercentile => need.percentile.clone(),
        Source::HighNeed => need
            .high_need
            .iter()
            .map(|&h| Some(h as u8 as f64))
            .collect(),
        Source::Derived => vec![None; attrs.unit_count()],
    }
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
        let tallies = MeasureTallies::new(
            |source| source_values(data, &need, source),
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

    pub fn tallies(&self) -> &MeasureTallies {
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
            .filter(|f| matches!(f.rule, RuleId::Enclave | RuleId::CherryPickHighNeed))
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
        let ctx = self.context();
        let hecs = (0..self.plan.regions.len() as RegionId)
            .map(|r| self.figures(&ctx, r))
            .collect();
        Report::build(ReportInput {
            data: self.data,
            plan: &self.plan,
            scope: ctx.scope,
            polygons: self.polygons.as_ref(),
            findings,
            hecs,
        })
    }

    /// Every measure of an HEC, with whether it is an estimate.
    pub fn measures(&self, region: RegionId) -> MeasureValues {
        measures_of(&self.context(), region)
    }

    /// The typed figures of an HEC the report shows (its compactness
    /// scores come from its findings, refreshed first).
    pub fn hec_figures(&mut self, region: RegionId) -> HecFigures {
        self.refresh_regions();
        self.figures(&self.context(), region)
    }

    /// An HEC's figures, its findings being fresh.
    fn figures(&self, ctx: &Context, region: RegionId) -> HecFigures {
        let members = &self.members[region as usize];
        let (whole_towns, partial_towns) =
            unitset::whole_and_partial_towns(&self.data.nesting, members);
        let compactness = self.region_findings[region as usize]
            .iter()
            .flatten()
            .find_map(|f| f.figures.and_then(Figures::compactness));
        HecFigures {
            tracts: members.len(),
            whole_towns,
            partial_towns,
            measures: measures_of(ctx, region),
            density_per_km2: ctx.density(region),
            rural: ctx.is_rural(region),
            compactness,
        }
    }

    /// A context for callers that compute figures of their own.
    pub fn with_context<T>(&self, f: impl FnOnce(&Context) -> T) -> T {
        f(&self.context())
    }
}
