//! A statewide summary of the loaded dataset: unit counts, totals with
//! their sources, county totals, graph statistics and join reports.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::attributes::Provenance;
use crate::dataset::Dataset;
use crate::graph::EdgeKind;
use crate::join::JoinReport;
use crate::units::{Level, UnitId};

/// A state total of one attribute, with where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Total {
    pub key: String,
    pub label: String,
    pub value: Option<f64>,
    pub estimate: bool,
    pub units_missing: usize,
    pub provenance: Provenance,
}

/// Graph statistics of one layer.
#[derive(Debug, Clone, Serialize)]
pub struct GraphSummary {
    pub units: usize,
    pub land_edges: usize,
    pub water_edges: usize,
    /// Connected pieces with water bridges / on land alone.
    pub components: usize,
    pub components_land_only: usize,
}

/// A tract whose land straddles towns, by name.
#[derive(Debug, Clone, Serialize)]
pub struct StraddleSummary {
    pub tract: String,
    pub assigned_town: String,
    pub population: Option<f64>,
    /// Town name and share of the tract's land area.
    pub shares: Vec<(String, f64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub data_dir: String,
    pub tracts: usize,
    pub towns: usize,
    pub land_area_km2: f64,
    pub totals: Vec<Total>,
    /// 2020 population per old county, from the tracts' 2020 GEOIDs.
    pub county_population: BTreeMap<String, f64>,
    pub graphs: BTreeMap<String, GraphSummary>,
    pub straddling_tracts: Vec<StraddleSummary>,
    pub populated_tracts_without_town: usize,
    pub water_gap_m: f64,
    pub joins: Vec<JoinReport>,
}

impl Summary {
    pub fn of(data: &Dataset) -> Self {
        let attrs = &data.tracts.attributes;
        let all = || 0..data.tracts.units.len() as UnitId;
        let totals = attrs
            .defs()
            .iter()
            .enumerate()
            .map(|(id, def)| {
                let agg = attrs.aggregate(id, all());
                Total {
                    key: def.key.clone(),
                    label: def.label.clone(),
                    value: agg.value,
                    estimate: def.provenance.is_estimate(),
                    units_missing: agg.missing,
                    provenance: def.provenance.clone(),
                }
            })
            .collect();
        let population = attrs.id(crate::measures::keys::POPULATION);
        let mut county_population = BTreeMap::new();
        for t in all() {
            let pop = population.and_then(|p| attrs.value(p, t)).unwrap_or(0.0);
            *county_population
                .entry(data.tract_county(t).to_string())
                .or_insert(0.0) += pop;
        }
        let graphs = [Level::Tract, Level::Town]
            .into_iter()
            .map(|level| {
                let layer = data.layer(level);
                let n = layer.units.len() as UnitId;
                let g = &layer.graph;
                (
                    level.to_string(),
                    GraphSummary {
                        units: g.len(),
                        land_edges: g.edge_count_of(EdgeKind::Land),
                        water_edges: g.edge_count_of(EdgeKind::Water),
                        components: g.components(0..n, |_| true, false).len(),
                        components_land_only: g.components(0..n, |_| true, true).len(),
                    },
                )
            })
            .collect();
        let town_name = |t: UnitId| data.towns.units.name[t as usize].clone();
        let straddling_tracts = data
            .nesting
            .straddles
            .iter()
            .map(|s| StraddleSummary {
                tract: data.tracts.units.geoid[s.tract as usize].clone(),
                assigned_town: town_name(s.assigned_town),
                population: population.and_then(|p| attrs.value(p, s.tract)),
                shares: s
                    .shares
                    .iter()
                    .map(|(t, share)| (town_name(*t), *share))
                    .collect(),
            })
            .collect();
        let populated_tracts_without_town = all()
            .filter(|&t| population.and_then(|p| attrs.value(p, t)).unwrap_or(0.0) > 0.0)
            .filter(|&t| {
                !data.nesting.town_tracts[data.nesting.tract_town[t as usize] as usize].contains(&t)
            })
            .count();
        Self {
            data_dir: data.config.dir.display().to_string(),
            tracts: data.tracts.units.len(),
            towns: data.towns.units.len(),
            land_area_km2: data.towns.units.area_m2.iter().sum::<f64>() / 1e6,
            totals,
            county_population,
            graphs,
            straddling_tracts,
            populated_tracts_without_town,
            water_gap_m: data.config.graph.water_gap_m,
            joins: data.joins.clone(),
        }
    }
}
