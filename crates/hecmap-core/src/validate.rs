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

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::dataset::Dataset;
use crate::measures::{Measure, MeasureValue, MeasureValues, Source, keys};
use crate::need::{NeedError, NeedIndex};
use crate::plan::{Claims, RegionId};
use crate::plan::{Plan, PolygonResolution};
use crate::profile::{self, ProfileFigure};
use crate::report::{HecFigures, Report, ReportInput};
use crate::rules::{
    Context, Figures, Finding, PLAN_RULES, PlanCheck, REGION_RULES, RuleId, RulesConfig,
    run_guarded,
};
use crate::shape::RegionShapes;
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
    coverage: Coverage,
    shapes: RegionShapes,
    /// Cached findings per HEC; `None` when the HEC changed since.
    region_findings: Vec<Option<Vec<Finding>>>,
    /// Cached findings of the per-town plan rules, by rule index in
    /// [`PLAN_RULES`], then town (towns without findings left out); `None`
    /// before the first run.
    town_findings: Option<Vec<BTreeMap<UnitId, Vec<Finding>>>>,
    /// Towns whose tracts moved since the per-town rules last ran.
    stale_towns: Vec<UnitId>,
    /// Cached needs profiles per HEC, made only for reports (a move that
    /// asks only for findings never pays for them); `None` when stale.
    profiles: Vec<Option<Arc<Vec<ProfileFigure>>>>,
    /// The state's figures of every attribute, made on the first report.
    state_figures: std::sync::OnceLock<Vec<Option<f64>>>,
}

/// How much of the state the plan claims, kept up to date as tracts move
/// (so that a move never rescans the state to know the plan's scope).
#[derive(Debug, Clone, PartialEq)]
struct Coverage {
    /// People per tract (missing as 0).
    people: Vec<f64>,
    total_people: f64,
    /// People in tracts that at least one HEC claims.
    claimed_people: f64,
    /// Tracts no HEC claims.
    unclaimed: usize,
    /// Tracts two HECs or more claim.
    overlapped: usize,
}

impl Coverage {
    fn new(data: &Dataset, claims: &[Claims]) -> Self {
        let attrs = &data.tracts.attributes;
        let people: Vec<f64> = match attrs.id(keys::POPULATION) {
            Some(id) => attrs.column(id).iter().map(|v| v.unwrap_or(0.0)).collect(),
            None => vec![0.0; claims.len()],
        };
        let claimed_people = claims
            .iter()
            .zip(&people)
            .filter(|(c, _)| !c.is_empty())
            .map(|(_, p)| p)
            .sum();
        Self {
            total_people: people.iter().sum(),
            people,
            claimed_people,
            unclaimed: claims.iter().filter(|c| c.is_empty()).count(),
            overlapped: claims.iter().filter(|c| c.len() > 1).count(),
        }
    }

    /// Counts a tract's change from `before` claimants to `after`.
    fn claims_changed(&mut self, tract: UnitId, before: usize, after: usize) {
        let people = self.people[tract as usize];
        match (before > 0, after > 0) {
            (false, true) => self.claimed_people += people,
            (true, false) => self.claimed_people -= people,
            _ => {}
        }
        self.unclaimed = self.unclaimed + usize::from(after == 0) - usize::from(before == 0);
        self.overlapped = self.overlapped + usize::from(after > 1) - usize::from(before > 1);
    }
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

/// Merges sorted `more` into sorted `into` (no repeats between them), in
/// one pass from the back.
fn merge_sorted(into: &mut Vec<UnitId>, more: &[UnitId]) {
    let mut i = into.len();
    let mut j = more.len();
    into.resize(i + j, 0);
    let mut k = into.len();
    while j > 0 {
        k -= 1;
        if i > 0 && into[i - 1] > more[j - 1] {
            i -= 1;
            into[k] = into[i];
        } else {
            j -= 1;
            into[k] = more[j];
        }
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
        let claims = &plan.claims;
        let shapes = RegionShapes::recount(&data.tracts.graph, &members, |t, r| {
            claims[t as usize].binary_search(&r).is_ok()
        });
        Ok(Self {
            region_findings: vec![None; plan.regions.len()],
            profiles: vec![None; plan.regions.len()],
            state_figures: std::sync::OnceLock::new(),
            coverage: Coverage::new(data, &plan.claims),
            shapes,
            town_findings: None,
            stale_towns: Vec::new(),
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
            self.profiles.push(None);
        }
        id
    }

    /// Gives tracts to one HEC (or none), dropping their other claims, and
    /// updates the tallies and the HECs' tract lists incrementally: the
    /// cost is the tracts moved and the HECs they touch, not the state.
    pub fn assign(&mut self, tracts: &[UnitId], region: Option<RegionId>) {
        let mut touched: Vec<RegionId> = region.into_iter().collect();
        let mut added: Vec<UnitId> = Vec::new();
        let graph = &self.data.tracts.graph;
        let claims = &mut self.plan.claims;
        for &t in tracts {
            let old = std::mem::take(&mut claims[t as usize]);
            for &r in &old {
                self.tallies.remove_unit(t, r);
                self.shapes
                    .left(graph, t, r, |u| claims[u as usize].contains(&r));
                touched.push(r);
            }
            if let Some(r) = region {
                self.tallies.add_unit(t, r);
                claims[t as usize].push(r);
                self.shapes
                    .joined(graph, t, r, |u| claims[u as usize].contains(&r));
                if !old.contains(&r) {
                    added.push(t);
                }
            }
            let now = claims[t as usize].len();
            self.coverage.claims_changed(t, old.len(), now);
            self.stale_towns
                .push(self.data.nesting.tract_town[t as usize]);
        }
        touched.sort_unstable();
        touched.dedup();
        added.sort_unstable();
        added.dedup();
        for r in touched {
            let claims = &self.plan.claims;
            let members = &mut self.members[r as usize];
            members.retain(|&t| claims[t as usize].contains(&r));
            if Some(r) == region {
                // Tracts it did not hold before: none is in the list yet.
                merge_sorted(members, &added);
            }
            self.region_findings[r as usize] = None;
            self.profiles[r as usize] = None;
        }
        // Drawn polygons no longer describe a plan that was edited.
        self.polygons = None;
    }

    /// Gives a whole town to one HEC (or none).
    pub fn assign_town(&mut self, town: UnitId, region: Option<RegionId>) {
        let tracts = self.data.nesting.town_tracts[town as usize].clone();
        self.assign(&tracts, region);
    }

    fn context(&self) -> Context<'_> {
        Context {
            data: self.data,
            rules: &self.rules,
            plan: &self.plan,
            scope: self
                .plan
                .scope_given(self.coverage.claimed_people, self.coverage.total_people),
            need: &self.need,
            members: &self.members,
            tallies: &self.tallies,
            people: &self.coverage.people,
            shapes: &self.shapes,
            unclaimed_tracts: self.coverage.unclaimed,
            overlapped_tracts: self.coverage.overlapped,
            enclosed: Default::default(),
            polygons: self.polygons.as_ref(),
        }
    }

    /// Runs the per-HEC rules of the HECs whose findings are stale.
    fn refresh_regions(&mut self) {
        let stale: Vec<RegionId> = (0..self.plan.regions.len() as RegionId)
            .filter(|&r| self.region_findings[r as usize].is_none())
            .collect();
        for r in stale {
            let claims = &self.plan.claims;
            self.shapes.settle(
                r,
                &self.data.tracts.graph,
                self.data.tract_hull_points(),
                &self.members[r as usize],
                |u| claims[u as usize].binary_search(&r).is_ok(),
            );
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

    /// Runs the per-town plan rules for the towns whose tracts moved (for
    /// every town the first time).
    fn refresh_towns(&mut self) {
        let mut stale = std::mem::take(&mut self.stale_towns);
        let cached = self.town_findings.take();
        let ctx = self.context();
        let fresh = match cached {
            None => PLAN_RULES
                .iter()
                .map(|rule| {
                    (0..ctx.data.towns.units.len() as UnitId)
                        .map(|town| (town, rule.run_town(&ctx, town)))
                        .filter(|(_, found)| !found.is_empty())
                        .collect()
                })
                .collect(),
            Some(mut cache) => {
                stale.sort_unstable();
                stale.dedup();
                for (rule, by_town) in PLAN_RULES.iter().zip(cache.iter_mut()) {
                    for &town in &stale {
                        let found = rule.run_town(&ctx, town);
                        if found.is_empty() {
                            by_town.remove(&town);
                        } else {
                            by_town.insert(town, found);
                        }
                    }
                }
                cache
            }
        };
        self.town_findings = Some(fresh);
    }

    /// Every finding: plan rules, then each HEC's, in registry order.
    pub fn findings(&mut self) -> Vec<Finding> {
        self.refresh_regions();
        self.refresh_towns();
        let ctx = self.context();
        let town_findings = self.town_findings.as_ref().expect("refreshed above");
        let mut findings: Vec<Finding> = Vec::new();
        for (rule, by_town) in PLAN_RULES.iter().zip(town_findings) {
            match rule.check {
                PlanCheck::Whole(_) => findings.extend(rule.run(&ctx)),
                PlanCheck::PerTown(_) => findings.extend(by_town.values().flatten().cloned()),
            }
        }
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
        self.refresh_profiles();
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
        self.refresh_profiles();
        self.figures(&self.context(), region)
    }

    /// Makes the needs profiles of the HECs that changed since the last.
    fn refresh_profiles(&mut self) {
        let data = self.data;
        let state = self
            .state_figures
            .get_or_init(|| profile::state_figures(data));
        for (r, cached) in self.profiles.iter_mut().enumerate() {
            if cached.is_none() {
                *cached = Some(Arc::new(profile::profile(data, &self.members[r], state)));
            }
        }
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
            profile: self.profiles[region as usize].clone().unwrap_or_default(),
        }
    }

    /// A context for callers that compute figures of their own.
    pub fn with_context<T>(&self, f: impl FnOnce(&Context) -> T) -> T {
        f(&self.context())
    }
}
