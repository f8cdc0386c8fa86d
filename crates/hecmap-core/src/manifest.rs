//! The dataset described as data: a manifest (TOML) names the files of a
//! state's dataset, their key columns, which value columns become which
//! attributes (with labels, kinds and the publication each comes from),
//! the attributes derived from others, and the inputs of the Medicare
//! estimate. The loader ([`crate::dataset::Dataset::load`]) reads files
//! only as the manifest says.
//!
//! Connecticut's manifest is `data/connecticut.toml` at the top of the
//! project, built into the library ([`CONNECTICUT`]) so that the program
//! works from any directory; another manifest can be given by path
//! ([`crate::dataset::DataConfig::manifest`]). `data/README.md` documents
//! every field.
//!
//! Every problem with a manifest is a [`ManifestError`] naming the file,
//! the key and what is wrong:
//!
//! ```
//! use hecmap_core::manifest::{Manifest, CONNECTICUT};
//! let ok = Manifest::from_toml(CONNECTICUT, "connecticut.toml").unwrap();
//! assert_eq!(ok.state, "Connecticut");
//! let broken = CONNECTICUT.replace("weight = \"population\"", "weight = \"people\"");
//! let err = Manifest::from_toml(&broken, "mine.toml").unwrap_err().to_string();
//! assert!(err.starts_with("mine.toml: tables[2].columns[0].weight:"), "{err}");
//! ```

use std::collections::HashMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::attributes::{AttrKind, AttributeDef, Attributes, Basis, Provenance};
use crate::error::ManifestError;
use crate::join::JoinSpec;
use crate::medicare::{EstimateInputs, MEDICARE};
use crate::units::{Level, UnitId};

/// The text of Connecticut's manifest, `data/connecticut.toml`.
pub const CONNECTICUT: &str = include_str!("../../../data/connecticut.toml");

/// How the built-in manifest is named in messages.
pub const CONNECTICUT_NAME: &str = "data/connecticut.toml (built in)";

/// A dataset manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// The file it was read from (or [`CONNECTICUT_NAME`]), for messages.
    #[serde(skip)]
    pub file: String,
    /// The state, as statements name it ("Connecticut").
    pub state: String,
    pub tracts: TractLayer,
    pub towns: TownLayer,
    pub crosswalk: Crosswalk,
    pub town_regions: TownRegions,
    /// Attribute tables joined onto the tracts, in order.
    pub tables: Vec<Table>,
    /// Attributes computed from others, after the tables.
    pub derived: Vec<Ratio>,
    /// The inputs of the Medicare estimate, the last attribute.
    pub medicare: EstimateInputs,
}

/// The tract polygons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TractLayer {
    pub file: String,
    /// Properties that may hold a tract's GEOID; the first present is used.
    pub geoid_properties: Vec<String>,
}

/// The town polygons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownLayer {
    pub file: String,
    /// Properties that may hold a town's name; the first present is used.
    pub name_properties: Vec<String>,
    /// Properties that may hold a town's GEOID, checked against the
    /// town-region table when present.
    #[serde(default)]
    pub geoid_properties: Vec<String>,
}

/// The tract-to-town table: which town each tract is counted in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crosswalk {
    pub file: String,
    /// Columns: the tract's GEOID of the polygons' vintage, its other GEOID,
    /// and the town's name.
    pub tract: String,
    pub tract_2022: String,
    pub town: String,
}

/// The town table: both FIPS vintages and the planning region, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownRegions {
    pub file: String,
    pub town: String,
    pub fips_2020: String,
    pub fips_2022: String,
    pub region: String,
}

/// How an attribute combines over units (see [`AttrKind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Count,
    Fraction,
    Statistic,
}

/// An attribute table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub file: String,
    /// The level its keys name (only tract tables are joined).
    pub level: Level,
    /// Candidate key columns; the first present is used.
    pub key_columns: Vec<String>,
    /// The publication of columns that do not name their own.
    pub source: Option<String>,
    /// How the publisher made the values when they are modelled, not
    /// counted (CDC PLACES): its columns are then estimates, and say so.
    pub method: Option<String>,
    pub columns: Vec<Column>,
}

/// The part of a table before its columns (read separately, so that a
/// problem in a column is named by its index).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableHead {
    file: String,
    #[serde(default = "tract_level")]
    level: Level,
    key_columns: Vec<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    method: Option<String>,
}

fn tract_level() -> Level {
    Level::Tract
}

/// A value column of a table and the attribute it becomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The column in the file.
    pub column: String,
    /// The attribute key (used in files, the API and rules).
    pub key: String,
    pub label: String,
    pub kind: Kind,
    /// For a fraction: the count attribute it is weighted by.
    #[serde(default)]
    pub weight: Option<String>,
    /// The publication; the table's `source` when absent.
    #[serde(default)]
    pub source: Option<String>,
}

/// An attribute computed as the ratio of two others, per tract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ratio {
    pub key: String,
    pub label: String,
    pub numerator: String,
    pub denominator: String,
    pub kind: Kind,
    #[serde(default)]
    pub weight: Option<String>,
    pub source: String,
}

const TOP_KEYS: [&str; 8] = [
    "state",
    "tracts",
    "towns",
    "crosswalk",
    "town_regions",
    "tables",
    "derived",
    "medicare",
];

impl Manifest {
    /// Connecticut's manifest, built in.
    pub fn connecticut() -> Self {
        Self::from_toml(CONNECTICUT, CONNECTICUT_NAME).expect("the built-in manifest is valid")
    }

    /// Reads a manifest file.
    pub fn read(path: &Path) -> Result<Self, ManifestError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ManifestError::new(&file, "(file)", format!("cannot read: {e}")))?;
        Self::from_toml(&text, &file)
    }

    /// Parses and checks a manifest; `file` names it in messages.
    pub fn from_toml(text: &str, file: &str) -> Result<Self, ManifestError> {
        let mut doc: toml::Table = toml::from_str(text).map_err(|e| {
            let key = match e.span() {
                Some(span) => line_and_column(text, span.start),
                None => "(syntax)".to_string(),
            };
            ManifestError::new(file, key, e.message().trim().to_string())
        })?;
        if let Some(unknown) = doc.keys().find(|k| !TOP_KEYS.contains(&k.as_str())) {
            return Err(ManifestError::new(
                file,
                unknown.as_str(),
                format!("unknown key (expected one of: {})", TOP_KEYS.join(", ")),
            ));
        }
        let mut take = |key: &str| {
            doc.remove(key)
                .ok_or_else(|| ManifestError::new(file, key, "missing"))
        };
        let state: String = typed(take("state")?, file, "state")?;
        let tracts = typed(take("tracts")?, file, "tracts")?;
        let towns = typed(take("towns")?, file, "towns")?;
        let crosswalk = typed(take("crosswalk")?, file, "crosswalk")?;
        let town_regions = typed(take("town_regions")?, file, "town_regions")?;
        let medicare = typed(take("medicare")?, file, "medicare")?;
        let tables = match take("tables") {
            Ok(value) => tables(value, file)?,
            Err(_) => Vec::new(),
        };
        let derived = match take("derived") {
            Ok(value) => array(value, file, "derived")?
                .into_iter()
                .enumerate()
                .map(|(i, v)| typed(v, file, &format!("derived[{i}]")))
                .collect::<Result<_, _>>()?,
            Err(_) => Vec::new(),
        };
        let manifest = Self {
            file: file.to_string(),
            state,
            tracts,
            towns,
            crosswalk,
            town_regions,
            tables,
            derived,
            medicare,
        };
        manifest.check()?;
        Ok(manifest)
    }

    fn error(&self, key: impl Into<String>, problem: impl Into<String>) -> ManifestError {
        ManifestError::new(&self.file, key, problem)
    }

    /// Checks what the types cannot: names given, attribute keys unique,
    /// weights and inputs that name count attributes defined before them.
    fn check(&self) -> Result<(), ManifestError> {
        let named = |key: String, value: &str| {
            if value.trim().is_empty() {
                Err(self.error(key, "must not be empty"))
            } else {
                Ok(())
            }
        };
        named("state".into(), &self.state)?;
        named("tracts.file".into(), &self.tracts.file)?;
        named("towns.file".into(), &self.towns.file)?;
        named("crosswalk.file".into(), &self.crosswalk.file)?;
        named("town_regions.file".into(), &self.town_regions.file)?;
        named("medicare.file".into(), &self.medicare.file)?;
        if self.tracts.geoid_properties.is_empty() {
            return Err(self.error("tracts.geoid_properties", "names no property"));
        }
        if self.towns.name_properties.is_empty() {
            return Err(self.error("towns.name_properties", "names no property"));
        }
        // Attribute key -> (where it was defined, its kind).
        let mut defined: HashMap<String, (String, Kind)> = HashMap::new();
        let define =
            |defined: &mut HashMap<String, (String, Kind)>, key: &str, at: String, kind: Kind| {
                named(format!("{at}.key"), key)?;
                if key == MEDICARE {
                    return Err(self.error(
                    format!("{at}.key"),
                    format!(
                        "{MEDICARE:?} is the Medicare estimate's key; name this attribute otherwise"
                    ),
                ));
                }
                if let Some((first, _)) = defined.get(key) {
                    return Err(self.error(
                        format!("{at}.key"),
                        format!("attribute {key:?} is already defined at {first}"),
                    ));
                }
                defined.insert(key.to_string(), (at, kind));
                Ok(())
            };
        let mut weights = Vec::new();
        for (i, table) in self.tables.iter().enumerate() {
            let at = format!("tables[{i}]");
            named(format!("{at}.file"), &table.file)?;
            if table.level != Level::Tract {
                return Err(self.error(
                    format!("{at}.level"),
                    "only tract tables are joined (town figures are sums of their tracts)",
                ));
            }
            if table.key_columns.is_empty() {
                return Err(self.error(format!("{at}.key_columns"), "names no column"));
            }
            if table.columns.is_empty() {
                return Err(self.error(format!("{at}.columns"), "names no column"));
            }
            for (j, c) in table.columns.iter().enumerate() {
                let at = format!("{at}.columns[{j}]");
                named(format!("{at}.column"), &c.column)?;
                if c.source.is_none() && table.source.is_none() {
                    return Err(self.error(
                        format!("{at}.source"),
                        "missing (and the table gives no source)",
                    ));
                }
                define(&mut defined, &c.key, at.clone(), c.kind)?;
                weights.push((at, c.kind, c.weight.as_deref()));
            }
        }
        for (i, r) in self.derived.iter().enumerate() {
            let at = format!("derived[{i}]");
            for (field, input) in [("numerator", &r.numerator), ("denominator", &r.denominator)] {
                if !defined.contains_key(input.as_str()) {
                    return Err(self.error(
                        format!("{at}.{field}"),
                        format!("{input:?} is not an attribute defined before it"),
                    ));
                }
            }
            define(&mut defined, &r.key, at.clone(), r.kind)?;
            weights.push((at, r.kind, r.weight.as_deref()));
        }
        for (at, kind, weight) in weights {
            match (kind, weight) {
                (Kind::Fraction, None) => {
                    return Err(self.error(
                        format!("{at}.weight"),
                        "missing: a fraction needs the count attribute it is weighted by",
                    ));
                }
                (Kind::Fraction, Some(w)) => match defined.get(w) {
                    Some((_, Kind::Count)) => {}
                    Some((_, _)) => {
                        return Err(self.error(
                            format!("{at}.weight"),
                            format!("{w:?} is not a count attribute"),
                        ));
                    }
                    None => {
                        return Err(self.error(
                            format!("{at}.weight"),
                            format!("{w:?} is not an attribute of this manifest"),
                        ));
                    }
                },
                (_, Some(_)) => {
                    return Err(self.error(format!("{at}.weight"), "only a fraction has a weight"));
                }
                (_, None) => {}
            }
        }
        match defined.get(self.medicare.base.as_str()) {
            Some((_, Kind::Count)) => Ok(()),
            Some(_) => Err(self.error(
                "medicare.base",
                format!("{:?} is not a count attribute", self.medicare.base),
            )),
            None => Err(self.error(
                "medicare.base",
                format!(
                    "{:?} is not an attribute of this manifest",
                    self.medicare.base
                ),
            )),
        }
    }

    /// The joins of the attribute tables, with files in `dir`.
    pub fn join_specs(&self, dir: &Path) -> Vec<JoinSpec> {
        self.tables
            .iter()
            .map(|table| JoinSpec {
                path: dir.join(&table.file),
                level: table.level,
                key_columns: table.key_columns.clone(),
                columns: table
                    .columns
                    .iter()
                    .map(|c| {
                        let source = c.source.as_ref().or(table.source.as_ref());
                        let published = Provenance::counted(
                            &table.file,
                            &c.column,
                            source.map_or("", String::as_str),
                        );
                        let provenance = match &table.method {
                            Some(method) => Provenance {
                                basis: Basis::Estimated,
                                method: Some(method.clone()),
                                ..published
                            },
                            None => published,
                        };
                        let def = AttributeDef::new(
                            &c.key,
                            &c.label,
                            attr_kind(c.kind, c.weight.as_deref()),
                            provenance,
                        );
                        (c.column.clone(), def)
                    })
                    .collect(),
            })
            .collect()
    }
}

impl Ratio {
    /// Inserts the ratio into the attributes (missing where either input is
    /// missing or the denominator is not positive). Its provenance names the
    /// inputs' file and columns.
    pub fn insert_into(&self, attrs: &mut Attributes) -> Result<(), String> {
        let num = attrs
            .id(&self.numerator)
            .ok_or_else(|| format!("{}: no attribute {:?}", self.key, self.numerator))?;
        let den = attrs
            .id(&self.denominator)
            .ok_or_else(|| format!("{}: no attribute {:?}", self.key, self.denominator))?;
        let values: Vec<Option<f64>> = (0..attrs.unit_count() as UnitId)
            .map(|u| match (attrs.value(num, u), attrs.value(den, u)) {
                (Some(n), Some(d)) if d > 0.0 => Some(n / d),
                _ => None,
            })
            .collect();
        let (pn, pd) = (&attrs.def(num).provenance, &attrs.def(den).provenance);
        let file = if pn.file == pd.file {
            pn.file.clone()
        } else {
            format!("{}; {}", pn.file, pd.file)
        };
        let provenance = Provenance {
            column: format!("{} / {}", pn.column, pd.column),
            file,
            ..Provenance::counted("", "", &self.source)
        };
        attrs.insert(
            AttributeDef::new(
                &self.key,
                &self.label,
                attr_kind(self.kind, self.weight.as_deref()),
                provenance,
            ),
            values,
        );
        Ok(())
    }
}

fn attr_kind(kind: Kind, weight: Option<&str>) -> AttrKind {
    match kind {
        Kind::Count => AttrKind::Count,
        Kind::Fraction => AttrKind::Fraction {
            weight: weight.unwrap_or_default().to_string(),
        },
        Kind::Statistic => AttrKind::Statistic,
    }
}

/// A TOML value as a typed section, with errors naming the key.
fn typed<T: DeserializeOwned>(
    value: toml::Value,
    file: &str,
    key: &str,
) -> Result<T, ManifestError> {
    value
        .try_into()
        .map_err(|e: toml::de::Error| ManifestError::new(file, key, e.message().trim().to_string()))
}

fn array(value: toml::Value, file: &str, key: &str) -> Result<Vec<toml::Value>, ManifestError> {
    match value {
        toml::Value::Array(items) => Ok(items),
        other => Err(ManifestError::new(
            file,
            key,
            format!(
                "expected an array of tables ([[{key}]]), found a {}",
                other.type_str()
            ),
        )),
    }
}

/// The `[[tables]]`, each column read on its own so that a problem is named
/// by its place (`tables[1].columns[4].kind`).
fn tables(value: toml::Value, file: &str) -> Result<Vec<Table>, ManifestError> {
    let mut out = Vec::new();
    for (i, item) in array(value, file, "tables")?.into_iter().enumerate() {
        let at = format!("tables[{i}]");
        let toml::Value::Table(mut fields) = item else {
            return Err(ManifestError::new(file, at, "expected a table"));
        };
        let columns = match fields.remove("columns") {
            Some(value) => array(value, file, &format!("{at}.columns"))?
                .into_iter()
                .enumerate()
                .map(|(j, v)| typed::<Column>(v, file, &format!("{at}.columns[{j}]")))
                .collect::<Result<Vec<_>, _>>()?,
            None => return Err(ManifestError::new(file, format!("{at}.columns"), "missing")),
        };
        let head: TableHead = typed(toml::Value::Table(fields), file, &at)?;
        out.push(Table {
            file: head.file,
            level: head.level,
            key_columns: head.key_columns,
            source: head.source,
            method: head.method,
            columns,
        });
    }
    Ok(out)
}

/// "line 3, column 7" of a byte offset.
fn line_and_column(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |p| p + 1) + 1;
    format!("line {line}, column {column}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        Manifest::from_toml(text, "m.toml").unwrap_err().to_string()
    }

    #[test]
    fn the_built_in_manifest_describes_connecticut() {
        let m = Manifest::connecticut();
        assert_eq!(m.state, "Connecticut");
        assert_eq!(m.tracts.file, "tracts_2020_cb500k.geojson");
        assert_eq!(m.tables.len(), 3);
        let keys: Vec<&str> = m
            .tables
            .iter()
            .flat_map(|t| t.columns.iter().map(|c| c.key.as_str()))
            .chain(m.derived.iter().map(|d| d.key.as_str()))
            .collect();
        assert_eq!(keys.len(), 16, "{keys:?}");
        assert_eq!(keys[0], "population");
        assert_eq!(keys[15], "share_below_200pct_fpl");
        assert_eq!(m.medicare.base, "pop_65plus");
        let specs = m.join_specs(Path::new("/d"));
        assert_eq!(specs[0].path, Path::new("/d/tract_population_2020.csv"));
        assert_eq!(specs[0].columns[0].0, "pop20");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = error_of("state = \"X\"\n[tracts\nfile = 1\n");
        assert!(err.starts_with("m.toml: line 2, column"), "{err}");
    }

    #[test]
    fn unknown_and_missing_keys_are_named() {
        let err = error_of(&CONNECTICUT.replace("[crosswalk]", "[crosswalks]"));
        assert!(err.starts_with("m.toml: crosswalks: unknown key"), "{err}");
        let err = error_of(&CONNECTICUT.replace("tract_2022 = \"tract_cog\"", ""));
        assert!(
            err.starts_with("m.toml: crosswalk: missing field `tract_2022`"),
            "{err}"
        );
        let err = error_of(&CONNECTICUT.replacen("kind = \"count\"", "kind = \"sum\"", 1));
        assert!(
            err.starts_with("m.toml: tables[0].columns[0]: unknown variant `sum`"),
            "{err}"
        );
        let err = error_of(&CONNECTICUT.replacen("key_columns", "key_column", 1));
        assert!(
            err.starts_with("m.toml: tables[0]: unknown field `key_column`"),
            "{err}"
        );
    }

    #[test]
    fn attribute_definitions_are_checked() {
        let err =
            error_of(&CONNECTICUT.replacen("key = \"pop_65plus\"", "key = \"population\"", 1));
        assert!(
            err.contains("tables[1].columns[0].key: attribute \"population\" is already defined at tables[0].columns[0]"),
            "{err}"
        );
        let err = error_of(&CONNECTICUT.replace("base = \"pop_65plus\"", "base = \"asthma\""));
        assert!(
            err.contains("medicare.base: \"asthma\" is not a count attribute"),
            "{err}"
        );
        let err = error_of(&CONNECTICUT.replace(
            "denominator = \"poverty_universe\"",
            "denominator = \"universe\"",
        ));
        assert!(
            err.contains("derived[0].denominator: \"universe\""),
            "{err}"
        );
        let err = error_of(&CONNECTICUT.replacen("key = \"population\"", "key = \"medicare\"", 1));
        assert!(err.contains("tables[0].columns[0].key"), "{err}");
        let err = error_of(&CONNECTICUT.replacen("level = \"tract\"", "level = \"town\"", 1));
        assert!(err.contains("tables[0].level: only tract tables"), "{err}");
    }
}
