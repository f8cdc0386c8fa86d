//! The Connecticut dataset: tracts and towns with their attributes, nesting,
//! R-trees and adjacency graphs, loaded from the files in a data directory.
//!
//! Everything is built once by [`Dataset::load`]; afterwards the dataset is
//! read-only and shared by the CLI, the rules and the server.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use geo::{BooleanOps, Contains, CoordsIter, MultiPolygon};
use serde::{Deserialize, Serialize};

use crate::attributes::{AttrKind, AttributeDef, Attributes, Basis, Provenance};
use crate::crs::CrsError;
use crate::geoid::{TOWN_DIGITS, TRACT_DIGITS, canonical_code, old_county_name, town_name_key};
use crate::graph::{AdjacencyGraph, GraphOptions};
use crate::index::SpatialIndex;
use crate::join::{JoinReport, JoinSpec, join_columns};
use crate::medicare;
use crate::source::{self, SourceError, VectorLayer};
use crate::table::{CsvTable, TableError};
use crate::units::{Level, UnitId, UnitLayer};

/// Where the data files are and how to build the graph.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DataConfig {
    /// Directory holding the files below (relative names are taken from here).
    pub dir: PathBuf,
    pub tracts: String,
    pub towns: String,
    pub crosswalk: String,
    pub town_regions: String,
    pub population: String,
    pub acs: String,
    pub places: String,
    pub medicare_enrollment: String,
    pub graph: GraphOptions,
    /// Real Medicare beneficiary counts that replace the estimate.
    pub medicare_counts: Option<CountsFile>,
}

/// A user's table of real counts, per tract or per town.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CountsFile {
    pub path: PathBuf,
    pub level: Level,
    /// Key column (GEOID, either vintage, or town name / FIPS); detected when absent.
    pub key_column: Option<String>,
    /// Value column; detected when absent.
    pub value_column: Option<String>,
}

/// The default data directory: `../shared/data/ct` beside the project.
pub fn default_data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ct")
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            dir: default_data_dir(),
            tracts: "tracts_2020_cb500k.geojson".into(),
            towns: "towns_2020_cb500k.geojson".into(),
            crosswalk: "tract_town_crosswalk.csv".into(),
            town_regions: "town_planning_region.csv".into(),
            population: "tract_population_2020.csv".into(),
            acs: "tract_acs5_2019_2023.csv".into(),
            places: "tract_cdc_places_2024.csv".into(),
            medicare_enrollment: "medicare_enrollment_county_2013.csv".into(),
            graph: GraphOptions::default(),
            medicare_counts: None,
        }
    }
}

impl DataConfig {
    /// The default files in another directory.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            ..Self::default()
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// A failure to load the dataset; each names the file and the place in it.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Table(#[from] TableError),
    #[error(transparent)]
    Crs(#[from] CrsError),
    #[error("{file}: {place}: {reason}")]
    Invalid {
        file: String,
        place: String,
        reason: String,
    },
}

fn invalid(file: &Path, place: impl Into<String>, reason: impl Into<String>) -> DatasetError {
    DatasetError::Invalid {
        file: file.display().to_string(),
        place: place.into(),
        reason: reason.into(),
    }
}

/// A tract whose land lies in more than one town.
#[derive(Debug, Clone, Serialize)]
pub struct Straddle {
    pub tract: UnitId,
    /// The town the crosswalk assigns it to (its people are counted there).
    pub assigned_town: UnitId,
    /// Each town holding part of its land, with that part's share of its area.
    pub shares: Vec<(UnitId, f64)>,
}

/// How tracts nest in towns.
#[derive(Debug, Clone)]
pub struct Nesting {
    /// The town of each tract (from the crosswalk).
    pub tract_town: Vec<UnitId>,
    /// The tracts of each town, sorted.
    pub town_tracts: Vec<Vec<UnitId>>,
    /// Tracts whose land straddles towns, found from the polygons.
    pub straddles: Vec<Straddle>,
}

/// Lookup of GEOIDs and names (the edges) to unit ids (the inside).
#[derive(Debug, Clone, Default)]
pub struct UnitLookup {
    tract: HashMap<String, UnitId>,
    town: HashMap<String, UnitId>,
}

impl UnitLookup {
    /// A tract by 11-digit GEOID of either vintage (leading zero optional).
    pub fn tract(&self, raw: &str) -> Option<UnitId> {
        canonical_code(raw, TRACT_DIGITS).and_then(|code| self.tract.get(&code).copied())
    }

    /// A town by name (any case, with or without "town") or by 10-digit FIPS
    /// of either vintage (leading zero optional).
    pub fn town(&self, raw: &str) -> Option<UnitId> {
        canonical_code(raw, TOWN_DIGITS)
            .and_then(|code| self.town.get(&code).copied())
            .or_else(|| self.town.get(&town_name_key(raw)).copied())
    }

    /// A unit of either level.
    pub fn unit(&self, level: Level, raw: &str) -> Option<UnitId> {
        match level {
            Level::Tract => self.tract(raw),
            Level::Town => self.town(raw),
        }
    }
}

/// One level's units with everything computed over them.
#[derive(Debug)]
pub struct Layer {
    pub units: UnitLayer,
    pub attributes: Attributes,
    pub graph: AdjacencyGraph,
    pub index: SpatialIndex,
}

/// Everything hecmap knows about the state.
#[derive(Debug)]
pub struct Dataset {
    pub config: DataConfig,
    pub tracts: Layer,
    pub towns: Layer,
    pub nesting: Nesting,
    pub lookup: UnitLookup,
    /// The planning region of each town.
    pub town_planning_region: Vec<String>,
    /// What each attribute-table join matched and did not.
    pub joins: Vec<JoinReport>,
    /// The statewide factor and inputs behind the Medicare estimate.
    pub medicare: medicare::MedicareMethod,
    outline: OnceLock<MultiPolygon>,
    hulls: OnceLock<Vec<Vec<geo::Coord>>>,
}

/// Steps of a load, for a progress display.
pub trait Progress {
    fn step(&self, message: &str);
}

impl Progress for () {
    fn step(&self, _: &str) {}
}

impl Dataset {
    /// Loads the dataset with no progress display.
    pub fn load(config: &DataConfig) -> Result<Self, DatasetError> {
        Self::load_with_progress(config, &())
    }

    /// Loads every file, joins the tables and builds the indexes and graphs.
    pub fn load_with_progress(
        config: &DataConfig,
        progress: &dyn Progress,
    ) -> Result<Self, DatasetError> {
        progress.step("reading tract and town polygons");
        let tract_path = config.path(&config.tracts);
        let town_path = config.path(&config.towns);
        let (tract_layer, town_layer) = std::thread::scope(|s| {
            let towns = s.spawn(|| source::read_polygons(&town_path));
            let tracts = source::read_polygons(&tract_path);
            (tracts, towns.join().expect("town reader panicked"))
        });
        let (tract_layer, town_layer) = (tract_layer?, town_layer?);

        progress.step("resolving identifiers");
        let crosswalk = Crosswalk::read(&config.path(&config.crosswalk))?;
        let regions = TownRegions::read(&config.path(&config.town_regions))?;
        let towns = build_towns(&town_layer, &regions)?;
        let tracts = build_tracts(&tract_layer, &crosswalk)?;
        let lookup = build_lookup(&tracts, &towns);
        let nesting_table = nest(&tracts, &towns, &crosswalk, &lookup)?;

        progress.step("joining attribute tables");
        let mut joins = Vec::new();
        let mut tract_attrs = Attributes::new(tracts.len());
        join_census_tables(config, &lookup, &mut tract_attrs, &mut joins)?;
        let medicare_method = medicare::MedicareMethod::from_enrollment_file(
            &config.path(&config.medicare_enrollment),
        )?;
        medicare::insert_estimate(&mut tract_attrs, &medicare_method)?;
        if let Some(counts) = &config.medicare_counts {
            joins.push(medicare::insert_counts(
                &mut tract_attrs,
                counts,
                &lookup,
                &nesting_table.town_tracts,
            )?);
        }
        let town_attrs = tract_attrs.aggregate_to(&nesting_table.town_tracts);

        progress.step("indexing and building adjacency graphs");
        let (tract_graph, town_graph) = std::thread::scope(|s| {
            let town_graph =
                s.spawn(|| AdjacencyGraph::build(&towns.geometry, &towns.projected, &config.graph));
            let tract_graph =
                AdjacencyGraph::build(&tracts.geometry, &tracts.projected, &config.graph);
            (
                tract_graph,
                town_graph.join().expect("graph builder panicked"),
            )
        });
        let tract_index = SpatialIndex::new(&tracts.geometry);
        let town_index = SpatialIndex::new(&towns.geometry);
        let straddles = find_straddles(&tracts, &towns, &town_index, &nesting_table.tract_town);

        Ok(Self {
            config: config.clone(),
            tracts: Layer {
                units: tracts,
                attributes: tract_attrs,
                graph: tract_graph,
                index: tract_index,
            },
            towns: Layer {
                units: towns,
                attributes: town_attrs,
                graph: town_graph,
                index: town_index,
            },
            nesting: Nesting {
                straddles,
                ..nesting_table
            },
            lookup,
            town_planning_region: regions.region_per_town_in(&town_layer),
            joins,
            medicare: medicare_method,
            outline: OnceLock::new(),
            hulls: OnceLock::new(),
        })
    }

    /// The layer of a level.
    pub fn layer(&self, level: Level) -> &Layer {
        match level {
            Level::Tract => &self.tracts,
            Level::Town => &self.towns,
        }
    }

    /// The state's land: the union of the towns (EPSG:4326), computed on
    /// first use.
    pub fn state_outline(&self) -> &MultiPolygon {
        self.outline
            .get_or_init(|| geo::unary_union(self.towns.units.geometry.iter()))
    }

    /// The convex-hull vertices of each tract in the equal-area CRS (for
    /// the compactness of regions), computed on first use.
    pub fn tract_hull_points(&self) -> &[Vec<geo::Coord>] {
        self.hulls.get_or_init(|| {
            self.tracts
                .units
                .projected
                .iter()
                .map(crate::compactness::hull_points)
                .collect()
        })
    }

    /// The old county a tract's 2020 GEOID places it in.
    pub fn tract_county(&self, tract: UnitId) -> &'static str {
        old_county_name(&self.tracts.units.geoid[tract as usize]).unwrap_or("unknown")
    }
}

/// The tract crosswalk: 2020 GEOID -> (2022 GEOID, town name), in file order.
struct Crosswalk {
    file: PathBuf,
    rows: HashMap<String, (String, String)>,
}

impl Crosswalk {
    fn read(path: &Path) -> Result<Self, DatasetError> {
        let table = CsvTable::read(path)?;
        let (t20, t22, town) = (
            table.column("tract")?,
            table.column("tract_cog")?,
            table.column("town")?,
        );
        let mut rows = HashMap::new();
        for r in 0..table.rows.len() {
            let place = format!("row {}", CsvTable::row_number(r));
            let code20 = canonical_code(table.text(r, t20), TRACT_DIGITS).ok_or_else(|| {
                invalid(
                    path,
                    &place,
                    format!("{:?} is not a tract GEOID", table.text(r, t20)),
                )
            })?;
            let code22 = canonical_code(table.text(r, t22), TRACT_DIGITS).ok_or_else(|| {
                invalid(
                    path,
                    &place,
                    format!("{:?} is not a tract GEOID", table.text(r, t22)),
                )
            })?;
            if rows
                .insert(code20.clone(), (code22, table.text(r, town).to_string()))
                .is_some()
            {
                return Err(invalid(
                    path,
                    place,
                    format!("tract {code20} appears twice"),
                ));
            }
        }
        Ok(Self {
            file: path.to_path_buf(),
            rows,
        })
    }
}

/// Town FIPS codes of both vintages and planning regions, by town name.
struct TownRegions {
    by_name: HashMap<String, (String, String, String)>,
}

impl TownRegions {
    fn read(path: &Path) -> Result<Self, DatasetError> {
        let table = CsvTable::read(path)?;
        let name = table.column("town_name")?;
        let (f20, f22, region) = (
            table.column("town_fips_2020")?,
            table.column("town_fips_2022")?,
            table.column("ce_name_2022")?,
        );
        let mut by_name = HashMap::new();
        for r in 0..table.rows.len() {
            let place = format!("row {}", CsvTable::row_number(r));
            let code = |c: usize| {
                canonical_code(table.text(r, c), TOWN_DIGITS).ok_or_else(|| {
                    invalid(
                        path,
                        &place,
                        format!("{:?} is not a town FIPS code", table.text(r, c)),
                    )
                })
            };
            by_name.insert(
                town_name_key(table.text(r, name)),
                (code(f20)?, code(f22)?, table.text(r, region).to_string()),
            );
        }
        Ok(Self { by_name })
    }

    fn region_per_town_in(&self, towns: &VectorLayer) -> Vec<String> {
        towns
            .features
            .iter()
            .map(|f| {
                let name =
                    property_text(&f.properties, &["name", "NAME", "town"]).unwrap_or_default();
                self.by_name
                    .get(&town_name_key(&name))
                    .map(|r| r.2.clone())
                    .unwrap_or_default()
            })
            .collect()
    }
}

fn property_text(
    props: &serde_json::Map<String, serde_json::Value>,
    keys: &[&str],
) -> Option<String> {
    keys.iter().find_map(|k| match props.get(*k)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn build_towns(layer: &VectorLayer, regions: &TownRegions) -> Result<UnitLayer, DatasetError> {
    let (mut geoid, mut geoid_2022, mut name, mut geometry) = (vec![], vec![], vec![], vec![]);
    for f in &layer.features {
        let place = format!("feature {}", f.index);
        let town = property_text(&f.properties, &["name", "NAME", "town"])
            .ok_or_else(|| invalid(&layer.path, &place, "no \"name\" property"))?;
        let (f20, f22, _) = regions.by_name.get(&town_name_key(&town)).ok_or_else(|| {
            invalid(
                &layer.path,
                &place,
                format!("town {town:?} is not in the planning-region table"),
            )
        })?;
        if let Some(code) = property_text(&f.properties, &["GEOID", "geoid"])
            && canonical_code(&code, TOWN_DIGITS).as_deref() != Some(f20.as_str())
        {
            return Err(invalid(
                &layer.path,
                place,
                format!("town {town:?} has GEOID {code} but the planning-region table says {f20}"),
            ));
        }
        geoid.push(f20.clone());
        geoid_2022.push(f22.clone());
        name.push(town);
        geometry.push(f.geometry.clone());
    }
    Ok(UnitLayer::new(
        Level::Town,
        geoid,
        geoid_2022,
        name,
        geometry,
    )?)
}

/// "524700" -> "5247", "400101" -> "4001.01": the tract number people use.
fn tract_number(geoid: &str) -> String {
    let code = &geoid[geoid.len().saturating_sub(6)..];
    let (whole, part) = code.split_at(code.len().min(4));
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    if part == "00" {
        whole.to_string()
    } else {
        format!("{whole}.{part}")
    }
}

fn build_tracts(layer: &VectorLayer, crosswalk: &Crosswalk) -> Result<UnitLayer, DatasetError> {
    let (mut geoid, mut geoid_2022, mut name, mut geometry) = (vec![], vec![], vec![], vec![]);
    for f in &layer.features {
        let place = format!("feature {}", f.index);
        let raw = property_text(&f.properties, &["GEOID", "geoid", "name"]).ok_or_else(|| {
            invalid(
                &layer.path,
                &place,
                "no GEOID property (\"GEOID\", \"geoid\" or \"name\")",
            )
        })?;
        let code = canonical_code(&raw, TRACT_DIGITS).ok_or_else(|| {
            invalid(
                &layer.path,
                &place,
                format!("{raw:?} is not an 11-digit tract GEOID"),
            )
        })?;
        let (code22, town) = crosswalk.rows.get(&code).ok_or_else(|| {
            invalid(
                &layer.path,
                &place,
                format!(
                    "tract {code} is not in the crosswalk {}",
                    crosswalk.file.display()
                ),
            )
        })?;
        name.push(format!("Tract {}, {}", tract_number(&code), town));
        geoid.push(code);
        geoid_2022.push(code22.clone());
        geometry.push(f.geometry.clone());
    }
    Ok(UnitLayer::new(
        Level::Tract,
        geoid,
        geoid_2022,
        name,
        geometry,
    )?)
}

fn build_lookup(tracts: &UnitLayer, towns: &UnitLayer) -> UnitLookup {
    let mut lookup = UnitLookup::default();
    for (i, (a, b)) in tracts.geoid.iter().zip(&tracts.geoid_2022).enumerate() {
        lookup.tract.insert(a.clone(), i as UnitId);
        lookup.tract.insert(b.clone(), i as UnitId);
    }
    for i in 0..towns.len() {
        lookup.town.insert(towns.geoid[i].clone(), i as UnitId);
        lookup.town.insert(towns.geoid_2022[i].clone(), i as UnitId);
        lookup
            .town
            .insert(town_name_key(&towns.name[i]), i as UnitId);
    }
    lookup
}

fn nest(
    tracts: &UnitLayer,
    towns: &UnitLayer,
    crosswalk: &Crosswalk,
    lookup: &UnitLookup,
) -> Result<Nesting, DatasetError> {
    let mut tract_town = Vec::with_capacity(tracts.len());
    let mut town_tracts = vec![Vec::new(); towns.len()];
    for (t, code) in tracts.geoid.iter().enumerate() {
        let town_name = &crosswalk.rows[code].1;
        let town = lookup.town(town_name).ok_or_else(|| {
            invalid(
                &crosswalk.file,
                format!("tract {code}"),
                format!("town {town_name:?} is not one of the {} towns", towns.len()),
            )
        })?;
        tract_town.push(town);
        town_tracts[town as usize].push(t as UnitId);
    }
    Ok(Nesting {
        tract_town,
        town_tracts,
        straddles: Vec::new(),
    })
}

/// The least share of a tract's land in another town that makes it straddle.
pub const MIN_STRADDLE_SHARE: f64 = 0.01;

/// Tracts with land in a town other than their crosswalk town. A vertex of
/// the tract strictly inside another town (or of that town strictly inside
/// the tract) flags a candidate; only candidates pay for an overlay, which
/// measures each town's share of the tract's area.
fn find_straddles(
    tracts: &UnitLayer,
    towns: &UnitLayer,
    town_index: &SpatialIndex,
    tract_town: &[UnitId],
) -> Vec<Straddle> {
    let mut straddles = Vec::new();
    for (t, &own_town) in tract_town.iter().enumerate() {
        let tract = &tracts.geometry[t];
        let others: Vec<UnitId> = town_index
            .candidates(tracts.bbox[t])
            .filter(|&c| c != own_town)
            .filter(|&c| {
                let town = &towns.geometry[c as usize];
                tract.coords_iter().any(|p| town.contains(&p))
                    || town.coords_iter().any(|p| tract.contains(&p))
            })
            .collect();
        if others.is_empty() {
            continue;
        }
        let area = tracts.area_m2[t];
        let share = |town: UnitId| {
            use geo::Area;
            tracts.projected[t]
                .intersection(&towns.projected[town as usize])
                .unsigned_area()
                / area
        };
        let mut shares: Vec<(UnitId, f64)> = std::iter::once(own_town)
            .chain(others)
            .map(|town| (town, share(town)))
            // Generalisation (1:500k) leaves slivers along town lines; a
            // tract straddles only where a town holds a real part of it.
            .filter(|(_, s)| *s >= MIN_STRADDLE_SHARE)
            .collect();
        shares.sort_by(|a, b| b.1.total_cmp(&a.1));
        if shares.len() > 1 {
            straddles.push(Straddle {
                tract: t as UnitId,
                assigned_town: own_town,
                shares,
            });
        }
    }
    straddles
}

/// Joins the population, ACS and PLACES tables onto the tracts.
fn join_census_tables(
    config: &DataConfig,
    lookup: &UnitLookup,
    attrs: &mut Attributes,
    joins: &mut Vec<JoinReport>,
) -> Result<(), DatasetError> {
    let count = |key: &str, label: &str, file: &str, column: &str, source: &str| {
        (
            column.to_string(),
            AttributeDef::new(
                key,
                label,
                AttrKind::Count,
                Provenance::counted(file, column, source),
            ),
        )
    };
    let fraction = |key: &str, label: &str, file: &str, column: &str, source: &str| {
        (
            column.to_string(),
            AttributeDef::new(
                key,
                label,
                AttrKind::Fraction {
                    weight: "population".into(),
                },
                Provenance::counted(file, column, source),
            ),
        )
    };
    const CENSUS: &str = "US Census Bureau, 2020 Census, table P1";
    const ACS: &str = "US Census Bureau, ACS 2019-2023 5-year estimates";
    const PLACES: &str = "CDC PLACES 2024 (model-based adult prevalence)";
    let (pop, acs, places) = (&config.population, &config.acs, &config.places);
    let specs = [
        JoinSpec {
            path: config.path(pop),
            level: Level::Tract,
            key_columns: vec!["GEOID".into()],
            columns: vec![count(
                "population",
                "Population (2020)",
                pop,
                "pop20",
                CENSUS,
            )],
        },
        JoinSpec {
            path: config.path(acs),
            level: Level::Tract,
            key_columns: vec!["geoid".into()],
            columns: vec![
                count(
                    "pop_65plus",
                    "Population 65 and over",
                    acs,
                    "pop_65plus",
                    &format!("{ACS}, table B01001"),
                ),
                count(
                    "poverty_universe",
                    "Population for whom poverty is determined",
                    acs,
                    "pov_universe",
                    &format!("{ACS}, table C17002"),
                ),
                count(
                    "below_100pct_fpl",
                    "Below 100% of the poverty line",
                    acs,
                    "below_100pct_fpl",
                    &format!("{ACS}, table C17002"),
                ),
                count(
                    "below_200pct_fpl",
                    "Below 200% of the poverty line",
                    acs,
                    "below_200pct_fpl",
                    &format!("{ACS}, table C17002"),
                ),
                (
                    "median_hh_income".into(),
                    AttributeDef::new(
                        "median_hh_income",
                        "Median household income (USD)",
                        AttrKind::Statistic,
                        Provenance::counted(
                            acs,
                            "median_hh_income",
                            &format!("{ACS}, table B19013"),
                        ),
                    ),
                ),
            ],
        },
        JoinSpec {
            path: config.path(places),
            level: Level::Tract,
            key_columns: vec!["geoid".into()],
            columns: vec![
                fraction(
                    "any_disability",
                    "Adults with any disability",
                    places,
                    "Any disability_2023",
                    PLACES,
                ),
                fraction(
                    "mobility_disability",
                    "Adults with a mobility disability",
                    places,
                    "Mobility disability_2023",
                    PLACES,
                ),
                fraction(
                    "coronary_heart_disease",
                    "Adults with coronary heart disease",
                    places,
                    "Coronary heart disease_2023",
                    PLACES,
                ),
                fraction(
                    "asthma",
                    "Adults with current asthma",
                    places,
                    "Current asthma_2023",
                    PLACES,
                ),
                fraction(
                    "diabetes",
                    "Adults with diabetes",
                    places,
                    "Diabetes_2023",
                    PLACES,
                ),
                fraction(
                    "high_blood_pressure",
                    "Adults with high blood pressure",
                    places,
                    "High blood pressure_2023",
                    PLACES,
                ),
                fraction(
                    "annual_checkup",
                    "Adults with an annual checkup",
                    places,
                    "Annual checkup_2023",
                    PLACES,
                ),
                fraction(
                    "dental_visit",
                    "Adults with a dental visit",
                    places,
                    "Dental visit_2022",
                    PLACES,
                ),
                fraction(
                    "uninsured",
                    "Adults 18-64 without health insurance",
                    places,
                    "Health insurance_2023",
                    PLACES,
                ),
            ],
        },
    ];
    for spec in &specs {
        joins.push(join_columns(spec, lookup, attrs)?);
    }
    // Share of people below 200% FPL: a tract-level rate for the need index.
    let universe = attrs.id("poverty_universe").expect("joined above");
    let below = attrs.id("below_200pct_fpl").expect("joined above");
    let share: Vec<Option<f64>> = (0..attrs.unit_count() as UnitId)
        .map(
            |u| match (attrs.value(below, u), attrs.value(universe, u)) {
                (Some(b), Some(n)) if n > 0.0 => Some(b / n),
                _ => None,
            },
        )
        .collect();
    attrs.insert(
        AttributeDef::new(
            "share_below_200pct_fpl",
            "Share below 200% of the poverty line",
            AttrKind::Fraction {
                weight: "poverty_universe".into(),
            },
            Provenance {
                source: format!("{ACS}, table C17002"),
                file: acs.clone(),
                column: "below_200pct_fpl / pov_universe".into(),
                basis: Basis::Counted,
                method: None,
            },
        ),
        share,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tract_numbers_read_as_people_write_them() {
        assert_eq!(tract_number("09003524700"), "5247");
        assert_eq!(tract_number("09110400101"), "4001.01");
        assert_eq!(tract_number("09001000100"), "1");
    }
}
