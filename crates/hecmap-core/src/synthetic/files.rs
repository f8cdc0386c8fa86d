//! A synthetic state written as files, in the layout and columns of the
//! Connecticut data, so that the real loader and the built-in manifest read
//! it as they read the real files: for measuring how load and validation
//! grow with the number of units (1,000 to 1,000,000 tracts).
//!
//! The state is a square of `side` x `side` square tracts (0.01 degrees,
//! about 1 km), grouped into towns of 4 x 4 tracts, the towns into ten
//! planning regions of town columns. Figures vary from tract to tract (a
//! fixed hash of the tract's number), so that need ranks, thresholds and
//! compactness have something to find.
//!
//! ```no_run
//! use hecmap_core::synthetic::files::StateGrid;
//! let grid = StateGrid::new(100); // 10,000 tracts, 625 towns
//! grid.write(std::path::Path::new("target/scale/10000")).unwrap();
//! // then: hecmap --data target/scale/10000 validate target/scale/10000/plan.csv
//! ```

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::CELL_DEG;

/// Tracts per town side.
const TOWN_SIDE: usize = 4;
/// Planning regions (and HECs of the example plan), at most.
const REGIONS: usize = 10;
const ORIGIN: (f64, f64) = (-80.0, 38.0);

/// A synthetic state of `side` x `side` tracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateGrid {
    pub side: usize,
}

/// A number in [0, 1) that looks random but is fixed for `i` and `salt`.
fn unit_hash(i: usize, salt: u64) -> f64 {
    let mut x = (i as u64)
        .wrapping_add(salt)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

impl StateGrid {
    /// A square state of `side` x `side` tracts; `side` a multiple of 4
    /// from 32 (eight regions of one town column each) to 1,000.
    pub fn new(side: usize) -> Self {
        assert!(
            side.is_multiple_of(TOWN_SIDE) && (32..=1000).contains(&side),
            "side must be a multiple of {TOWN_SIDE} from 32 to 1000"
        );
        Self { side }
    }

    /// Planning regions: ten, or one per town column when fewer.
    pub fn region_count(&self) -> usize {
        self.towns_across().min(REGIONS)
    }

    /// The grid closest to `tracts` tracts (side rounded to a multiple of 4).
    pub fn with_about(tracts: usize) -> Self {
        let side = ((tracts as f64).sqrt() / TOWN_SIDE as f64).round() as usize * TOWN_SIDE;
        Self::new(side.clamp(32, 1000))
    }

    pub fn tract_count(&self) -> usize {
        self.side * self.side
    }

    fn towns_across(&self) -> usize {
        self.side / TOWN_SIDE
    }

    pub fn town_count(&self) -> usize {
        self.towns_across() * self.towns_across()
    }

    fn town_of(&self, tract: usize) -> usize {
        let (x, y) = (tract % self.side, tract / self.side);
        (y / TOWN_SIDE) * self.towns_across() + x / TOWN_SIDE
    }

    fn region_of_town(&self, town: usize) -> usize {
        (town % self.towns_across()) * self.region_count() / self.towns_across()
    }

    fn tract_geoid(tract: usize, county: &str) -> String {
        format!("09{county}{tract:06}")
    }

    fn town_name(town: usize) -> String {
        format!("Town {town:06}")
    }

    fn town_geoid(town: usize, county: &str) -> String {
        format!("09{county}{town:05}")
    }

    fn square(&self, x0: usize, y0: usize, size: usize) -> String {
        let (a, b) = (
            ORIGIN.0 + x0 as f64 * CELL_DEG,
            ORIGIN.1 + y0 as f64 * CELL_DEG,
        );
        let (c, d) = (a + size as f64 * CELL_DEG, b + size as f64 * CELL_DEG);
        format!(
            r#"{{"type":"Polygon","coordinates":[[[{a:.6},{b:.6}],[{c:.6},{b:.6}],[{c:.6},{d:.6}],[{a:.6},{d:.6}],[{a:.6},{b:.6}]]]}}"#
        )
    }

    /// Writes every file the built-in manifest names into `dir`, and an
    /// example plan, `plan.csv` (each town in its planning region's HEC).
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let file = |name: &str| -> io::Result<BufWriter<File>> {
            Ok(BufWriter::with_capacity(
                1 << 20,
                File::create(dir.join(name))?,
            ))
        };
        assert!(self.tract_count() <= 1_000_000 && self.town_count() < 100_000);

        let mut tracts = file("tracts_2020_cb500k.geojson")?;
        write!(tracts, r#"{{"type":"FeatureCollection","features":["#)?;
        for t in 0..self.tract_count() {
            let sep = if t == 0 { "" } else { ",\n" };
            let geometry = self.square(t % self.side, t / self.side, 1);
            let name = Self::tract_geoid(t, "001");
            write!(
                tracts,
                r#"{sep}{{"type":"Feature","properties":{{"name":"{name}"}},"geometry":{geometry}}}"#
            )?;
        }
        writeln!(tracts, "]}}")?;
        tracts.flush()?;

        let mut towns = file("towns_2020_cb500k.geojson")?;
        write!(towns, r#"{{"type":"FeatureCollection","features":["#)?;
        for town in 0..self.town_count() {
            let sep = if town == 0 { "" } else { ",\n" };
            let (col, row) = (town % self.towns_across(), town / self.towns_across());
            let geometry = self.square(col * TOWN_SIDE, row * TOWN_SIDE, TOWN_SIDE);
            let (name, geoid) = (Self::town_name(town), Self::town_geoid(town, "001"));
            write!(
                towns,
                r#"{sep}{{"type":"Feature","properties":{{"name":"{name}","GEOID":"{geoid}"}},"geometry":{geometry}}}"#
            )?;
        }
        writeln!(towns, "]}}")?;
        towns.flush()?;

        let mut crosswalk = file("tract_town_crosswalk.csv")?;
        writeln!(crosswalk, "tract,tract_cog,town")?;
        let mut population = file("tract_population_2020.csv")?;
        writeln!(population, "GEOID,NAME,pop20")?;
        let mut acs = file("tract_acs5_2019_2023.csv")?;
        writeln!(
            acs,
            "geoid,pop_65plus,pov_universe,below_100pct_fpl,below_200pct_fpl,median_hh_income"
        )?;
        let mut places = file("tract_cdc_places_2024.csv")?;
        let measures = [
            "Any disability_2023",
            "Mobility disability_2023",
            "Coronary heart disease_2023",
            "Current asthma_2023",
            "Diabetes_2023",
            "High blood pressure_2023",
            "Annual checkup_2023",
            "Dental visit_2022",
            "Health insurance_2023",
        ];
        writeln!(places, "geoid,{}", measures.join(","))?;
        for t in 0..self.tract_count() {
            let (g20, g22) = (Self::tract_geoid(t, "001"), Self::tract_geoid(t, "110"));
            writeln!(
                crosswalk,
                "{g20},{g22},{}",
                Self::town_name(self.town_of(t))
            )?;
            let people = (500.0 + 5500.0 * unit_hash(t, 1)).round();
            writeln!(population, "{g20},Synthetic tract {t},{people}")?;
            let aged = (people * (0.08 + 0.2 * unit_hash(t, 2))).round();
            let poor = unit_hash(t, 3);
            let below_200 = (people * (0.05 + 0.5 * poor)).round();
            let below_100 = (below_200 * 0.45).round();
            let income = (30_000.0 + 120_000.0 * (1.0 - poor)).round();
            writeln!(
                acs,
                "{g22},{aged},{people},{below_100},{below_200},{income}"
            )?;
            let rates: Vec<String> = (0..measures.len())
                .map(|m| {
                    format!(
                        "{:.3}",
                        0.05 + 0.1 * poor + 0.1 * unit_hash(t, 10 + m as u64)
                    )
                })
                .collect();
            writeln!(places, "{g22},{}", rates.join(","))?;
        }
        for mut f in [crosswalk, population, acs, places] {
            f.flush()?;
        }

        let mut regions = file("town_planning_region.csv")?;
        writeln!(
            regions,
            "town_name,town_fips_2020,town_fips_2022,ce_name_2022,ce_fips_2022"
        )?;
        let mut plan = file("plan.csv")?;
        writeln!(plan, "town,hec")?;
        for town in 0..self.town_count() {
            let region = self.region_of_town(town);
            let name = Self::town_name(town);
            writeln!(
                regions,
                "{name},{},{},Region {region},{}",
                Self::town_geoid(town, "001"),
                Self::town_geoid(town, "110"),
                9110 + region
            )?;
            writeln!(plan, "{name},Region {region}")?;
        }
        regions.flush()?;
        plan.flush()?;

        let mut medicare = file("medicare_enrollment_county_2013.csv")?;
        writeln!(medicare, "YEAR,MONTH,BENE_GEO_LVL,TOT_BENES,AGED_TOT_BENES")?;
        writeln!(medicare, "2013,Year,State,608512,526964")?;
        medicare.flush()
    }
}
