//! Synthetic square grids of units, for benchmarks and tests that need
//! many units of a known shape (never a stand-in for the real data).
//!
//! ```
//! let grid = hecmap_core::synthetic::grid_polygons(3, 2);
//! assert_eq!(grid.len(), 6);
//! ```
//!
//! [`files::StateGrid`] writes a synthetic state of up to a million tracts
//! as files the real loader reads, for measuring growth.
//!
//! [`TownGrid`] builds a whole [`Dataset`] without files: a grid of towns,
//! each a square of tracts, with chosen figures per tract, so that a test
//! can place a high-need tract, a rural town or a hole exactly where it
//! wants them and check what the rules find.
//!
//! ```
//! use hecmap_core::synthetic::TownGrid;
//! let mut grid = TownGrid::new(3, 3, 2);
//! let hot = grid.tract_at(3, 3);
//! grid.set_high_need(hot);
//! let data = grid.build().unwrap();
//! assert_eq!((data.towns.units.len(), data.tracts.units.len()), (9, 36));
//! assert_eq!(data.towns.units.name[grid.town_at(1, 1) as usize], "B2");
//! assert_eq!(data.nesting.tract_town[hot as usize], grid.town_at(1, 1));
//! assert_eq!(data.lookup.tract(&grid.tract_geoid(hot)), Some(hot));
//! ```

pub mod files;

use geo::{MultiPolygon, polygon};

use crate::attributes::{AttrKind, AttributeDef, Attributes, Provenance};
use crate::dataset::{DataConfig, Dataset, DatasetParts};
use crate::error::DatasetError;
use crate::graph::GraphOptions;
use crate::manifest::{Kind, Ratio};
use crate::medicare::{self, EstimateInputs, MedicareMethod};
use crate::need::NeedConfig;
use crate::rules::RulesConfig;
use crate::units::{Level, UnitId, UnitLayer};

/// Side of a grid cell in degrees (about 1 km at Connecticut's latitude).
pub const CELL_DEG: f64 = 0.01;
const ORIGIN: (f64, f64) = (-73.5, 41.0);

/// `cols` x `rows` square units in EPSG:4326, row by row from the south-west.
pub fn grid_polygons(cols: usize, rows: usize) -> Vec<MultiPolygon> {
    let mut units = Vec::with_capacity(cols * rows);
    for r in 0..rows {
        for c in 0..cols {
            let (x, y) = (
                ORIGIN.0 + c as f64 * CELL_DEG,
                ORIGIN.1 + r as f64 * CELL_DEG,
            );
            units.push(MultiPolygon(vec![polygon![
                (x: x, y: y),
                (x: x + CELL_DEG, y: y),
                (x: x + CELL_DEG, y: y + CELL_DEG),
                (x: x, y: y + CELL_DEG),
            ]]));
        }
    }
    units
}

/// The same grid as GeoJSON text with a `GEOID` and a `population`
/// property, as a file to load would hold it.
pub fn grid_geojson(cols: usize, rows: usize) -> String {
    let features: Vec<geojson::Feature> = grid_polygons(cols, rows)
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut props = geojson::JsonObject::new();
            props.insert("GEOID".into(), format!("{i:011}").into());
            props.insert("population".into(), ((i * 7919) % 5000).into());
            crate::features::feature(Some(i as u64), g, props)
        })
        .collect();
    crate::features::collection_json(features)
}

/// What a synthetic tract's figures are read from, in provenance.
pub const SYNTHETIC_FILE: &str = "synthetic grid";
const SYNTHETIC_SOURCE: &str = "hecmap synthetic test grid";

/// The figures of one synthetic tract.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TractFigures {
    pub population: f64,
    pub pop_65plus: f64,
    /// People for whom poverty is determined.
    pub poverty_universe: f64,
    pub below_200pct_fpl: f64,
    /// PLACES-like adult prevalences (fractions).
    pub diabetes: f64,
    pub any_disability: f64,
}

impl TractFigures {
    /// An ordinary tract: 1,000 people, 200 of them 65 and over, 20% below
    /// 200% of the poverty line, 10% with diabetes, 25% with a disability.
    pub const ORDINARY: Self = Self {
        population: 1000.0,
        pop_65plus: 200.0,
        poverty_universe: 1000.0,
        below_200pct_fpl: 200.0,
        diabetes: 0.10,
        any_disability: 0.25,
    };

    /// A rural tract: 50 people (about 54 per km² on the default grid),
    /// 10 of them 65 and over. Too few people to be ranked for need.
    pub const RURAL: Self = Self {
        population: 50.0,
        pop_65plus: 10.0,
        poverty_universe: 50.0,
        below_200pct_fpl: 10.0,
        diabetes: 0.10,
        any_disability: 0.25,
    };
}

impl Default for TractFigures {
    fn default() -> Self {
        Self::ORDINARY
    }
}

/// A grid of square towns, each `tracts_per_side` x `tracts_per_side`
/// tracts, near Connecticut (so the equal-area projection is the real one).
///
/// Tracts are numbered row by row from the south-west corner of the whole
/// tract grid ([`TownGrid::tract_at`]); towns likewise over the town grid
/// ([`TownGrid::town_at`]). Towns are named like spreadsheet cells: column
/// letter west to east, row number south to north ("A1" is the south-west
/// town, "C3" the north-east one of a 3 x 3 grid).
#[derive(Debug, Clone)]
pub struct TownGrid {
    pub towns_across: usize,
    pub towns_down: usize,
    pub tracts_per_side: usize,
    /// Side of a tract in degrees (0.01 is about 0.84 km east-west by
    /// 1.11 km north-south).
    pub cell_deg: f64,
    /// Each tract's figures, by tract id.
    pub figures: Vec<TractFigures>,
    /// The Medicare estimate's factor: each tract's Medicare figure is its
    /// population 65 and over times this.
    pub medicare_factor: f64,
    pub graph: GraphOptions,
    high_need: Vec<UnitId>,
}

impl TownGrid {
    /// `towns_across` x `towns_down` towns of `tracts_per_side`² ordinary tracts.
    pub fn new(towns_across: usize, towns_down: usize, tracts_per_side: usize) -> Self {
        assert!(
            towns_across > 0 && towns_down > 0 && tracts_per_side > 0,
            "a grid needs at least one town of one tract"
        );
        assert!(
            towns_across <= 26 && towns_across * towns_down < 99 && tracts_per_side < 10,
            "town names and tract codes have room for 26 columns, 98 towns and 9 x 9 tracts"
        );
        let tracts = towns_across * towns_down * tracts_per_side * tracts_per_side;
        Self {
            towns_across,
            towns_down,
            tracts_per_side,
            cell_deg: CELL_DEG,
            figures: vec![TractFigures::ORDINARY; tracts],
            medicare_factor: 1.25,
            graph: GraphOptions::default(),
            high_need: Vec::new(),
        }
    }

    /// Tracts east-west.
    pub fn width(&self) -> usize {
        self.towns_across * self.tracts_per_side
    }

    /// Tracts north-south.
    pub fn height(&self) -> usize {
        self.towns_down * self.tracts_per_side
    }

    pub fn tract_count(&self) -> usize {
        self.width() * self.height()
    }

    pub fn town_count(&self) -> usize {
        self.towns_across * self.towns_down
    }

    /// The tract in column `x` (from the west) and row `y` (from the south)
    /// of the tract grid.
    pub fn tract_at(&self, x: usize, y: usize) -> UnitId {
        assert!(
            x < self.width() && y < self.height(),
            "tract ({x}, {y}) is off the grid"
        );
        (y * self.width() + x) as UnitId
    }

    /// A tract's column and row.
    pub fn tract_xy(&self, tract: UnitId) -> (usize, usize) {
        let t = tract as usize;
        (t % self.width(), t / self.width())
    }

    /// The town in column `col` (from the west) and row `row` (from the
    /// south) of the town grid.
    pub fn town_at(&self, col: usize, row: usize) -> UnitId {
        assert!(
            col < self.towns_across && row < self.towns_down,
            "town ({col}, {row}) is off the grid"
        );
        (row * self.towns_across + col) as UnitId
    }

    /// The town a tract lies in.
    pub fn town_of(&self, tract: UnitId) -> UnitId {
        let (x, y) = self.tract_xy(tract);
        self.town_at(x / self.tracts_per_side, y / self.tracts_per_side)
    }

    /// The tracts of a town, sorted.
    pub fn tracts_of(&self, town: UnitId) -> Vec<UnitId> {
        (0..self.tract_count() as UnitId)
            .filter(|&t| self.town_of(t) == town)
            .collect()
    }

    /// A town's name: "A1" for the south-west town.
    pub fn town_name(&self, town: UnitId) -> String {
        let (col, row) = (
            town as usize % self.towns_across,
            town as usize / self.towns_across,
        );
        format!("{}{}", (b'A' + col as u8) as char, row + 1)
    }

    /// A tract's number within the state: its town's number times 100 plus
    /// its place in the town (101 is the south-west tract of A1).
    fn tract_number(&self, tract: UnitId) -> usize {
        let (x, y) = self.tract_xy(tract);
        let k = self.tracts_per_side;
        let within = (y % k) * k + x % k;
        (self.town_of(tract) as usize + 1) * 100 + within + 1
    }

    /// A tract's 11-digit GEOID (2020 vintage, county 001).
    pub fn tract_geoid(&self, tract: UnitId) -> String {
        format!("09001{:04}00", self.tract_number(tract))
    }

    /// A town's 10-digit GEOID (2020 vintage, county 001).
    pub fn town_geoid(&self, town: UnitId) -> String {
        format!("09001{:05}", town + 1)
    }

    /// The figures of a tract, to change.
    pub fn figures_mut(&mut self, tract: UnitId) -> &mut TractFigures {
        &mut self.figures[tract as usize]
    }

    /// Gives every tract of a town the same figures.
    pub fn set_town(&mut self, town: UnitId, figures: TractFigures) {
        for t in self.tracts_of(town) {
            self.figures[t as usize] = figures;
        }
    }

    /// Makes a town rural ([`TractFigures::RURAL`] in each of its tracts).
    pub fn set_rural(&mut self, town: UnitId) {
        self.set_town(town, TractFigures::RURAL);
    }

    /// Makes a tract high need: 60% below 200% of the poverty line, 20%
    /// with diabetes, 45% with a disability, far above every ordinary
    /// tract. [`TownGrid::need_config`] then ranks exactly the tracts so
    /// marked as high need.
    pub fn set_high_need(&mut self, tract: UnitId) {
        let f = &mut self.figures[tract as usize];
        f.below_200pct_fpl = 0.6 * f.poverty_universe;
        f.diabetes = 0.20;
        f.any_disability = 0.45;
        if !self.high_need.contains(&tract) {
            self.high_need.push(tract);
        }
    }

    /// The tracts marked with [`TownGrid::set_high_need`].
    pub fn high_need(&self) -> &[UnitId] {
        &self.high_need
    }

    /// The default need index with its cut-off set so that exactly the
    /// marked tracts are high need: their percentile ranks are the top
    /// ones, and the cut-off is the lowest of them. With no tract marked,
    /// no tract is ranked (the least population to be ranked is infinite),
    /// so none is high need.
    ///
    /// # Panics
    /// When a marked tract has too few people to be ranked.
    pub fn need_config(&self) -> NeedConfig {
        let mut config = NeedConfig::default();
        let ranked = self
            .figures
            .iter()
            .filter(|f| f.population >= config.min_population)
            .count();
        for &t in &self.high_need {
            assert!(
                self.figures[t as usize].population >= config.min_population,
                "high-need tract {t} has too few people to be ranked"
            );
        }
        let marked = self.high_need.len();
        if marked == 0 {
            config.min_population = f64::INFINITY;
        } else {
            // The same arithmetic as the need index's percentile ranks.
            let denominator = (ranked.max(2) - 1) as f64;
            config.high_need_percentile = 100.0 * (ranked - marked) as f64 / denominator;
        }
        config
    }

    /// The default rules with [`TownGrid::need_config`]: set the
    /// thresholds and the number of HECs to the grid's scale.
    pub fn rules(&self) -> RulesConfig {
        RulesConfig {
            need: self.need_config(),
            ..RulesConfig::default()
        }
    }

    /// The inputs of the grid's Medicare estimate.
    pub fn medicare_inputs() -> EstimateInputs {
        EstimateInputs {
            base: "pop_65plus".into(),
            base_description: "population 65 and over (synthetic)".into(),
            file: SYNTHETIC_FILE.into(),
            source: "synthetic enrollment".into(),
            publication: "synthetic enrollment".into(),
            level_column: "BENE_GEO_LVL".into(),
            state_level: "State".into(),
            year_column: "YEAR".into(),
            total_column: "TOT_BENES".into(),
            aged_column: "AGED_TOT_BENES".into(),
        }
    }

    fn corner(&self, i: usize, j: usize) -> (f64, f64) {
        (
            ORIGIN.0 + i as f64 * self.cell_deg,
            ORIGIN.1 + j as f64 * self.cell_deg,
        )
    }

    /// A rectangle of the tract grid, from corner (x0, y0) to (x1, y1).
    fn rectangle(&self, (x0, y0): (usize, usize), (x1, y1): (usize, usize)) -> MultiPolygon {
        let (a, b) = (self.corner(x0, y0), self.corner(x1, y1));
        MultiPolygon(vec![polygon![
            (x: a.0, y: a.1),
            (x: b.0, y: a.1),
            (x: b.0, y: b.1),
            (x: a.0, y: b.1),
        ]])
    }

    /// The tract attributes: the figures, the share below 200% of the
    /// poverty line, and the Medicare estimate.
    fn attributes(&self, method: &MedicareMethod) -> Attributes {
        let mut attrs = Attributes::new(self.tract_count());
        let fraction_of = |weight: &str| AttrKind::Fraction {
            weight: weight.into(),
        };
        type Pick = fn(&TractFigures) -> f64;
        let columns: [(&str, &str, AttrKind, Pick); 6] = [
            ("population", "Population", AttrKind::Count, |f| {
                f.population
            }),
            (
                "pop_65plus",
                "Population 65 and over",
                AttrKind::Count,
                |f| f.pop_65plus,
            ),
            (
                "poverty_universe",
                "Population for whom poverty is determined",
                AttrKind::Count,
                |f| f.poverty_universe,
            ),
            (
                "below_200pct_fpl",
                "Below 200% of the poverty line",
                AttrKind::Count,
                |f| f.below_200pct_fpl,
            ),
            (
                "diabetes",
                "Adults with diabetes",
                fraction_of("population"),
                |f| f.diabetes,
            ),
            (
                "any_disability",
                "Adults with any disability",
                fraction_of("population"),
                |f| f.any_disability,
            ),
        ];
        for (key, label, kind, pick) in columns {
            attrs.insert(
                AttributeDef::new(
                    key,
                    label,
                    kind,
                    Provenance::counted(SYNTHETIC_FILE, key, SYNTHETIC_SOURCE),
                ),
                self.figures.iter().map(|f| Some(pick(f))).collect(),
            );
        }
        Ratio {
            key: "share_below_200pct_fpl".into(),
            label: "Share below 200% of the poverty line".into(),
            numerator: "below_200pct_fpl".into(),
            denominator: "poverty_universe".into(),
            kind: Kind::Fraction,
            weight: Some("poverty_universe".into()),
            source: SYNTHETIC_SOURCE.into(),
        }
        .insert_into(&mut attrs)
        .expect("both inputs are inserted above");
        medicare::insert_estimate(&mut attrs, method).expect("pop_65plus is inserted above");
        attrs
    }

    /// The dataset: units, nesting, attributes with provenance, indexes and
    /// graphs, built by [`Dataset::from_parts`] as for the real data.
    pub fn build(&self) -> Result<Dataset, DatasetError> {
        Dataset::from_parts(self.parts()?)
    }

    /// The parts [`TownGrid::build`] builds the dataset from.
    pub fn parts(&self) -> Result<DatasetParts, DatasetError> {
        let k = self.tracts_per_side;
        let tract_ids = 0..self.tract_count() as UnitId;
        let tract_geometry = tract_ids
            .clone()
            .map(|t| {
                let (x, y) = self.tract_xy(t);
                self.rectangle((x, y), (x + 1, y + 1))
            })
            .collect();
        let tract_geoids: Vec<String> = tract_ids.clone().map(|t| self.tract_geoid(t)).collect();
        let tracts = UnitLayer::new(
            Level::Tract,
            tract_geoids.clone(),
            // The 2022+ vintage: planning region 110 for county 001.
            tract_geoids
                .iter()
                .map(|g| g.replacen("09001", "09110", 1))
                .collect(),
            tract_ids
                .clone()
                .map(|t| {
                    format!(
                        "Tract {}, {}",
                        self.tract_number(t),
                        self.town_name(self.town_of(t))
                    )
                })
                .collect(),
            tract_geometry,
        )?;
        let town_ids = 0..self.town_count() as UnitId;
        let towns = UnitLayer::new(
            Level::Town,
            town_ids.clone().map(|t| self.town_geoid(t)).collect(),
            town_ids
                .clone()
                .map(|t| self.town_geoid(t).replacen("09001", "09110", 1))
                .collect(),
            town_ids.clone().map(|t| self.town_name(t)).collect(),
            town_ids
                .clone()
                .map(|t| {
                    let (col, row) = (
                        t as usize % self.towns_across,
                        t as usize / self.towns_across,
                    );
                    self.rectangle((col * k, row * k), ((col + 1) * k, (row + 1) * k))
                })
                .collect(),
        )?;
        let aged = 1000.0;
        let method = MedicareMethod::from_figures(
            "the synthetic grid",
            &Self::medicare_inputs(),
            SYNTHETIC_FILE,
            "2013",
            aged * self.medicare_factor,
            aged,
        );
        Ok(DatasetParts {
            config: DataConfig {
                dir: SYNTHETIC_FILE.into(),
                manifest: None,
                graph: self.graph,
                medicare_counts: None,
            },
            tract_town: tract_ids.map(|t| self.town_of(t)).collect(),
            town_planning_region: vec!["Synthetic Planning Region".into(); self.town_count()],
            attributes: self.attributes(&method),
            tracts,
            towns,
            joins: Vec::new(),
            medicare: method,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::EdgeKind;

    #[test]
    fn the_grid_is_nested_measured_and_connected_like_real_data() {
        let mut grid = TownGrid::new(3, 3, 2);
        grid.figures_mut(0).population = 1234.0;
        let data = grid.build().unwrap();
        assert_eq!(data.tracts.units.len(), 36);
        assert_eq!(data.towns.units.len(), 9);
        // Row-major ids from the south-west; towns named like cells.
        assert_eq!(grid.tract_at(5, 0), 5);
        assert_eq!(grid.tract_at(0, 1), 6);
        assert_eq!(grid.town_name(grid.town_at(2, 0)), "C1");
        assert_eq!(data.towns.units.name[8], "C3");
        assert_eq!(data.tracts.units.name[0], "Tract 101, A1");
        assert_eq!(
            data.tracts.units.name[grid.tract_at(5, 5) as usize],
            "Tract 904, C3"
        );
        // Every town holds its 2 x 2 tracts.
        for town in 0..9 {
            assert_eq!(
                data.nesting.town_tracts[town as usize],
                grid.tracts_of(town)
            );
            assert_eq!(grid.tracts_of(town).len(), 4);
        }
        assert!(data.nesting.straddles.is_empty());
        // Both vintages and names resolve.
        assert_eq!(data.lookup.tract("09001010100"), Some(0));
        assert_eq!(data.lookup.tract("9110010100"), Some(0));
        assert_eq!(data.lookup.town("b2"), Some(4));
        assert_eq!(data.lookup.town("0900100005"), Some(4));
        // Land neighbours only: 2 x 6 x 5 shared edges, no water bridges.
        let g = &data.tracts.graph;
        assert_eq!(g.edge_count_of(EdgeKind::Land), 60);
        assert_eq!(g.edge_count_of(EdgeKind::Water), 0);
        assert_eq!(g.neighbours(grid.tract_at(2, 2)).len(), 4);
        assert_eq!(g.neighbours(grid.tract_at(0, 0)).len(), 2);
        assert!(g.border_m(grid.tract_at(2, 2)) < 1e-6);
        assert!(g.border_m(grid.tract_at(0, 2)) > 1000.0);
        assert_eq!(data.towns.graph.edge_count_of(EdgeKind::Land), 12);
        // Towns hold the sums of their tracts; provenance says synthetic.
        let pop = data.towns.attributes.id("population").unwrap();
        assert_eq!(data.towns.attributes.value(pop, 0), Some(4234.0));
        assert_eq!(data.towns.attributes.value(pop, 1), Some(4000.0));
        let medicare = data.tracts.attributes.id("medicare").unwrap();
        assert_eq!(data.tracts.attributes.value(medicare, 1), Some(250.0));
        assert!(
            data.tracts
                .attributes
                .def(medicare)
                .provenance
                .is_estimate()
        );
        assert_eq!(
            data.tracts.attributes.def(pop).provenance.file,
            SYNTHETIC_FILE
        );
        // A tract is about 0.93 km2.
        let km2 = data.tracts.units.area_m2[0] / 1e6;
        assert!((0.85..1.0).contains(&km2), "{km2}");
    }

    #[test]
    fn parts_that_do_not_fit_together_are_refused() {
        let grid = TownGrid::new(2, 1, 2);
        let mut parts = grid.parts().unwrap();
        parts.tract_town.pop();
        let err = Dataset::from_parts(parts).unwrap_err().to_string();
        assert!(err.contains("8 tracts, 7 tract towns"), "{err}");
        let mut parts = grid.parts().unwrap();
        parts.tract_town[3] = 2;
        let err = Dataset::from_parts(parts).unwrap_err().to_string();
        assert!(
            err.contains("tract 3 is in town 2, one of only 2 towns"),
            "{err}"
        );
        let mut parts = grid.parts().unwrap();
        parts.town_planning_region.pop();
        assert!(Dataset::from_parts(parts).is_err());
        assert!(Dataset::from_parts(grid.parts().unwrap()).is_ok());
    }

    #[test]
    fn need_config_ranks_exactly_the_marked_tracts_high() {
        let mut grid = TownGrid::new(3, 3, 2);
        let data = grid.build().unwrap();
        let none =
            crate::need::NeedIndex::compute(&data.tracts.attributes, &grid.need_config()).unwrap();
        assert!(none.high_need.iter().all(|h| !h));
        grid.set_rural(grid.town_at(0, 0));
        grid.set_high_need(grid.tract_at(3, 3));
        grid.set_high_need(grid.tract_at(5, 0));
        let data = grid.build().unwrap();
        let need =
            crate::need::NeedIndex::compute(&data.tracts.attributes, &grid.need_config()).unwrap();
        let high: Vec<UnitId> = (0..36).filter(|&t| need.high_need[t as usize]).collect();
        assert_eq!(high, vec![grid.tract_at(5, 0), grid.tract_at(3, 3)]);
    }
}
