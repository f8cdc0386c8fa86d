//! A state's dataset: tracts and towns with their attributes, nesting,
//! R-trees and adjacency graphs, loaded from the files in a data directory
//! as a manifest ([`crate::manifest`]) describes them, or built from parts
//! ([`Dataset::from_parts`], e.g. a synthetic grid for tests).
//!
//! Everything is built once, by [`Dataset::load`] or [`Dataset::from_parts`];
//! afterwards the dataset is read-only and shared by the CLI, the rules and
//! the server.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use geo::{BooleanOps, Contains, CoordsIter, MultiPolygon};
use serde::{Deserialize, Serialize};

use crate::attributes::Attributes;
use crate::geoid::{TOWN_DIGITS, TRACT_DIGITS, canonical_code, old_county_name, town_name_key};
use crate::graph::{AdjacencyGraph, GraphOptions};
use crate::index::SpatialIndex;
use crate::join::{JoinReport, join_table};
use crate::manifest::{self, Manifest};
use crate::medicare;
use crate::source::{self, VectorLayer};
use crate::table::CsvTable;
use crate::units::{FastMap, Level, UnitId, UnitLayer};

use crate::error::{DatasetError, ManifestError};
use crate::lookup::UnitLookup;
use crate::medicare::CountsFile;

/// Where the data files are, which manifest describes them, and how to
/// build the graph.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DataConfig {
    /// Directory holding the files the manifest names (relative names are
    /// taken from here).
    pub dir: PathBuf,
    /// The manifest describing the files; `None` is the built-in
    /// Connecticut manifest (`data/connecticut.toml`).
    pub manifest: Option<PathBuf>,
    pub graph: GraphOptions,
    /// Real Medicare beneficiary counts that replace the estimate.
    pub medicare_counts: Option<CountsFile>,
}

/// The default data directory: `../shared/data/ct` beside the project.
pub fn default_data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ct")
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            dir: default_data_dir(),
            manifest: None,
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

    /// The manifest this configuration names (the built-in one by default).
    pub fn read_manifest(&self) -> Result<Manifest, ManifestError> {
        match &self.manifest {
            Some(path) => Manifest::read(path),
            None => Ok(Manifest::connecticut()),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn invalid(file: &Path, place: impl Into<String>, reason: impl Into<String>) -> DatasetError {
    DatasetError::invalid(file.display(), place, reason)
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

/// What a dataset is made of, before the indexes, graphs and town figures
/// are computed from it: what [`Dataset::load`] reads from files, or what a
/// test builds by hand (see [`crate::synthetic::TownGrid`]).
#[derive(Debug, Clone)]
pub struct DatasetParts {
    /// Where the parts came from and how to build the graphs.
    pub config: DataConfig,
    pub tracts: UnitLayer,
    pub towns: UnitLayer,
    /// The town each tract is counted in.
    pub tract_town: Vec<UnitId>,
    /// The planning region of each town.
    pub town_planning_region: Vec<String>,
    /// The tracts' attributes; the towns' are combined from them.
    pub attributes: Attributes,
    pub joins: Vec<JoinReport>,
    pub medicare: medicare::MedicareMethod,
}

impl Dataset {
    /// Loads the dataset with no progress display.
    pub fn load(config: &DataConfig) -> Result<Self, DatasetError> {
        Self::load_with_progress(config, &())
    }

    /// Reads every file the manifest names, joins the tables and builds the
    /// indexes and graphs.
    pub fn load_with_progress(
        config: &DataConfig,
        progress: &dyn Progress,
    ) -> Result<Self, DatasetError> {
        let manifest = config.read_manifest()?;
        progress.step("reading tract and town polygons");
        let tract_path = config.path(&manifest.tracts.file);
        let town_path = config.path(&manifest.towns.file);
        let crosswalk_path = config.path(&manifest.crosswalk.file);
        let regions_path = config.path(&manifest.town_regions.file);
        let join_specs = manifest.join_specs(&config.dir);
        // Three readers at once: tract polygons, town polygons, and every
        // table (problems are reported below in the order of the steps).
        let (tract_layer, town_layer, tables) = std::thread::scope(|s| {
            let towns = s.spawn(|| source::read_polygons(&town_path));
            let tables = s.spawn(|| {
                let mut paths = vec![crosswalk_path.as_path(), regions_path.as_path()];
                paths.extend(join_specs.iter().map(|spec| spec.path.as_path()));
                paths.into_iter().map(CsvTable::read).collect::<Vec<_>>()
            });
            let tracts = source::read_polygons(&tract_path);
            (
                tracts,
                towns.join().expect("town reader panicked"),
                tables.join().expect("table reader panicked"),
            )
        });
        let (tract_layer, town_layer) = (tract_layer?, town_layer?);
        let mut tables = tables.into_iter();
        let mut next_table = || tables.next().expect("one per path");

        progress.step("resolving identifiers");
        let crosswalk = Crosswalk::read(&crosswalk_path, &next_table()?, &manifest.crosswalk)?;
        let regions = TownRegions::read(&regions_path, &next_table()?, &manifest.town_regions)?;
        let towns = build_towns(&town_layer, &regions, &manifest.towns)?;
        let tracts = build_tracts(tract_layer, &crosswalk, &manifest.tracts)?;
        let lookup = UnitLookup::of_layers(&tracts, &towns);
        let tract_town = nest(&tracts, &towns, &crosswalk, &lookup)?;

        progress.step("joining attribute tables");
        let mut joins = Vec::new();
        let mut attributes = Attributes::new(tracts.len());
        for spec in &join_specs {
            joins.push(join_table(&next_table()?, spec, &lookup, &mut attributes)?);
        }
        for (i, ratio) in manifest.derived.iter().enumerate() {
            ratio.insert_into(&mut attributes).map_err(|reason| {
                DatasetError::Manifest(ManifestError::new(
                    &manifest.file,
                    format!("derived[{i}]"),
                    reason,
                ))
            })?;
        }
        let medicare_method = medicare::MedicareMethod::from_enrollment_file(
            &config.path(&manifest.medicare.file),
            &manifest.state,
            &manifest.medicare,
        )?;
        medicare::insert_estimate(&mut attributes, &medicare_method)?;
        if let Some(counts) = &config.medicare_counts {
            joins.push(medicare::insert_counts(
                &mut attributes,
                counts,
                &medicare_method,
                &lookup,
                &town_tracts_of(&tract_town, towns.len()),
            )?);
        }
        Self::assemble(
            DatasetParts {
                config: config.clone(),
                town_planning_region: regions.region_per_town_in(&town_layer, &manifest.towns),
                tracts,
                towns,
                tract_town,
                attributes,
                joins,
                medicare: medicare_method,
            },
            lookup,
            progress,
        )
    }

    /// A dataset from its parts, with the lookup, nesting, town figures,
    /// indexes and graphs built exactly as for loaded data.
    pub fn from_parts(parts: DatasetParts) -> Result<Self, DatasetError> {
        Self::from_parts_with_progress(parts, &())
    }

    /// As [`Dataset::from_parts`], reporting its steps.
    pub fn from_parts_with_progress(
        parts: DatasetParts,
        progress: &dyn Progress,
    ) -> Result<Self, DatasetError> {
        let lookup = UnitLookup::of_layers(&parts.tracts, &parts.towns);
        Self::assemble(parts, lookup, progress)
    }

    /// The dataset from its parts and the lookup of their layers (built
    /// once: loading needs it before the parts are whole).
    fn assemble(
        parts: DatasetParts,
        lookup: UnitLookup,
        progress: &dyn Progress,
    ) -> Result<Self, DatasetError> {
        let DatasetParts {
            config,
            tracts,
            towns,
            tract_town,
            town_planning_region,
            attributes: tract_attrs,
            joins,
            medicare,
        } = parts;
        let wrong = |what: String| DatasetError::invalid("dataset parts", "sizes", what);
        if tract_town.len() != tracts.len() || tract_attrs.unit_count() != tracts.len() {
            return Err(wrong(format!(
                "{} tracts, {} tract towns and {} tract attribute rows",
                tracts.len(),
                tract_town.len(),
                tract_attrs.unit_count()
            )));
        }
        if town_planning_region.len() != towns.len() {
            return Err(wrong(format!(
                "{} towns and {} planning regions",
                towns.len(),
                town_planning_region.len()
            )));
        }
        if let Some(t) = tract_town.iter().position(|&t| t as usize >= towns.len()) {
            return Err(wrong(format!(
                "tract {t} is in town {}, one of only {} towns",
                tract_town[t],
                towns.len()
            )));
        }
        let town_tracts = town_tracts_of(&tract_town, towns.len());
        let town_attrs = tract_attrs.aggregate_to(&town_tracts);

        progress.step("indexing and building adjacency graphs");
        // The tract graph on one core; the rest (smaller) on the other.
        let (tract_graph, (town_graph, tract_index, town_index)) = std::thread::scope(|s| {
            let rest = s.spawn(|| {
                (
                    AdjacencyGraph::build(&towns.geometry, &towns.projected, &config.graph),
                    SpatialIndex::new(&tracts.geometry),
                    SpatialIndex::new(&towns.geometry),
                )
            });
            let tract_graph =
                AdjacencyGraph::build(&tracts.geometry, &tracts.projected, &config.graph);
            (tract_graph, rest.join().expect("index builder panicked"))
        });
        let straddles = find_straddles(&tracts, &towns, &town_index, &tract_town);

        Ok(Self {
            config,
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
                tract_town,
                town_tracts,
                straddles,
            },
            lookup,
            town_planning_region,
            joins,
            medicare,
            outline: OnceLock::new(),
            hulls: OnceLock::new(),
        })
    }

    /// A unit's identity and attributes, in a stable order: `id`, `geoid`,
    /// `geoid_2022`, `name`, its town (tracts) or planning region (towns),
    /// `area_km2`, then every attribute, with `{key}_basis` after each estimate.
    pub fn unit_properties(&self, level: Level, unit: UnitId) -> geojson::JsonObject {
        use serde_json::json;
        let data = self;
        let layer = data.layer(level);
        let u = unit as usize;
        let mut record = geojson::JsonObject::new();
        record.insert("id".into(), json!(unit));
        record.insert("level".into(), json!(level));
        record.insert("geoid".into(), json!(layer.units.geoid[u]));
        record.insert("geoid_2022".into(), json!(layer.units.geoid_2022[u]));
        record.insert("name".into(), json!(layer.units.name[u]));
        match level {
            Level::Tract => {
                let town = data.nesting.tract_town[u];
                record.insert("town".into(), json!(data.towns.units.name[town as usize]));
            }
            Level::Town => {
                record.insert(
                    "planning_region".into(),
                    json!(data.town_planning_region[u]),
                );
            }
        }
        record.insert("area_km2".into(), json!(layer.units.area_m2[u] / 1e6));
        for (id, def) in layer.attributes.defs().iter().enumerate() {
            record.insert(def.key.clone(), json!(layer.attributes.value(id, unit)));
            if def.provenance.is_estimate() {
                record.insert(format!("{}_basis", def.key), json!(def.provenance.basis));
            }
        }
        record
    }

    /// What a misspelt `key` probably meant at `level`, for a "did you
    /// mean" in messages: a town's name, or up to three tract GEOIDs one
    /// digit off, with their names ("09003524700 (Tract 5247, Hartford)").
    pub fn did_you_mean(&self, level: Level, key: &str) -> Option<String> {
        match level {
            Level::Town => self
                .lookup
                .suggest_town(key)
                .map(|t| self.towns.units.name[t as usize].clone()),
            Level::Tract => {
                let units = &self.tracts.units;
                let options: Vec<String> = self
                    .lookup
                    .suggest_tracts(key)
                    .iter()
                    .map(|&t| format!("{} ({})", units.geoid[t as usize], units.name[t as usize]))
                    .collect();
                (!options.is_empty()).then(|| options.join(" or "))
            }
        }
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
    rows: FastMap<String, (String, String)>,
}

impl Crosswalk {
    fn read(
        path: &Path,
        table: &CsvTable,
        spec: &manifest::Crosswalk,
    ) -> Result<Self, DatasetError> {
        let (t20, t22, town) = (
            table.column(&spec.tract)?,
            table.column(&spec.tract_2022)?,
            table.column(&spec.town)?,
        );
        let mut rows = FastMap::with_capacity_and_hasher(table.len(), Default::default());
        for r in 0..table.len() {
            let place = || format!("row {}", CsvTable::row_number(r));
            let code20 = canonical_code(table.text(r, t20), TRACT_DIGITS).ok_or_else(|| {
                invalid(
                    path,
                    place(),
                    format!("{:?} is not a tract GEOID", table.text(r, t20)),
                )
            })?;
            let code22 = canonical_code(table.text(r, t22), TRACT_DIGITS).ok_or_else(|| {
                invalid(
                    path,
                    place(),
                    format!("{:?} is not a tract GEOID", table.text(r, t22)),
                )
            })?;
            if rows
                .insert(code20.clone(), (code22, table.text(r, town).to_string()))
                .is_some()
            {
                return Err(invalid(
                    path,
                    place(),
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
    by_name: FastMap<String, (String, String, String)>,
}

impl TownRegions {
    fn read(
        path: &Path,
        table: &CsvTable,
        spec: &manifest::TownRegions,
    ) -> Result<Self, DatasetError> {
        let name = table.column(&spec.town)?;
        let (f20, f22, region) = (
            table.column(&spec.fips_2020)?,
            table.column(&spec.fips_2022)?,
            table.column(&spec.region)?,
        );
        let mut by_name = FastMap::default();
        for r in 0..table.len() {
            let code = |c: usize| {
                canonical_code(table.text(r, c), TOWN_DIGITS).ok_or_else(|| {
                    invalid(
                        path,
                        format!("row {}", CsvTable::row_number(r)),
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

    fn region_per_town_in(&self, towns: &VectorLayer, spec: &manifest::TownLayer) -> Vec<String> {
        towns
            .features
            .iter()
            .map(|f| {
                let name = property_text(&f.properties, &spec.name_properties).unwrap_or_default();
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
    keys: &[String],
) -> Option<String> {
    keys.iter().find_map(|k| match props.get(k)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn build_towns(
    layer: &VectorLayer,
    regions: &TownRegions,
    spec: &manifest::TownLayer,
) -> Result<UnitLayer, DatasetError> {
    let (mut geoid, mut geoid_2022, mut name, mut geometry) = (vec![], vec![], vec![], vec![]);
    for f in &layer.features {
        let place = format!("feature {}", f.index);
        let town = property_text(&f.properties, &spec.name_properties).ok_or_else(|| {
            invalid(
                &layer.path,
                &place,
                format!("no {:?} property", spec.name_properties[0]),
            )
        })?;
        let (f20, f22, _) = regions.by_name.get(&town_name_key(&town)).ok_or_else(|| {
            invalid(
                &layer.path,
                &place,
                format!("town {town:?} is not in the planning-region table"),
            )
        })?;
        if let Some(code) = property_text(&f.properties, &spec.geoid_properties)
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

fn build_tracts(
    layer: VectorLayer,
    crosswalk: &Crosswalk,
    spec: &manifest::TractLayer,
) -> Result<UnitLayer, DatasetError> {
    let n = layer.features.len();
    let (mut geoid, mut geoid_2022, mut name, mut geometry) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for f in layer.features {
        let place = || format!("feature {}", f.index);
        let raw = property_text(&f.properties, &spec.geoid_properties).ok_or_else(|| {
            invalid(
                &layer.path,
                place(),
                format!("no GEOID property ({})", either_of(&spec.geoid_properties)),
            )
        })?;
        let code = canonical_code(&raw, TRACT_DIGITS).ok_or_else(|| {
            invalid(
                &layer.path,
                place(),
                format!("{raw:?} is not an 11-digit tract GEOID"),
            )
        })?;
        let (code22, town) = crosswalk.rows.get(&code).ok_or_else(|| {
            invalid(
                &layer.path,
                place(),
                format!(
                    "tract {code} is not in the crosswalk {}",
                    crosswalk.file.display()
                ),
            )
        })?;
        name.push(format!("Tract {}, {}", tract_number(&code), town));
        geoid.push(code);
        geoid_2022.push(code22.clone());
        geometry.push(f.geometry);
    }
    Ok(UnitLayer::new(
        Level::Tract,
        geoid,
        geoid_2022,
        name,
        geometry,
    )?)
}

/// The town of each tract, from the crosswalk.
fn nest(
    tracts: &UnitLayer,
    towns: &UnitLayer,
    crosswalk: &Crosswalk,
    lookup: &UnitLookup,
) -> Result<Vec<UnitId>, DatasetError> {
    tracts
        .geoid
        .iter()
        .map(|code| {
            let town_name = &crosswalk.rows[code].1;
            lookup.town(town_name).ok_or_else(|| {
                invalid(
                    &crosswalk.file,
                    format!("tract {code}"),
                    format!("town {town_name:?} is not one of the {} towns", towns.len()),
                )
            })
        })
        .collect()
}

/// The tracts of each town, sorted.
fn town_tracts_of(tract_town: &[UnitId], towns: usize) -> Vec<Vec<UnitId>> {
    let mut town_tracts = vec![Vec::new(); towns];
    for (t, &town) in tract_town.iter().enumerate() {
        town_tracts[town as usize].push(t as UnitId);
    }
    town_tracts
}

/// `"a", "b" or "c"`.
fn either_of(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
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
