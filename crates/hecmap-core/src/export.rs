//! Exporting a plan: its HECs dissolved into one boundary each, with the
//! totals of the validation report, or its unit assignment as a table.
//!
//! Formats ([`ExportFormat`]):
//!
//! - **GeoJSON** (RFC 7946, EPSG:4326 implicit): one feature per HEC, in
//!   region id order, with the feature id set to the region id.
//! - **GeoPackage**: the same features in one layer (named after the plan),
//!   SRS EPSG:4326.
//! - **Shapefile**: the same features as `.shp`, `.shx`, `.dbf`, `.prj`
//!   (EPSG:4326 as ESRI WKT) and `.cpg` (`UTF-8`). A `.zip` target, and
//!   [`export_bytes`], give the five files zipped.
//! - **CSV**: the unit assignment, `tract,tract_2022,town,hec`, one row per
//!   (tract, claiming HEC) in tract order, and a row with an empty `hec` for
//!   each unassigned tract. It reads back with
//!   [`parse_csv_plan`](crate::plan::parse_csv_plan) to the same claims.
//!
//! The properties of each HEC feature, with their shapefile (DBF) names,
//! which must be at most 10 characters:
//!
//! | property | DBF field | type | what |
//! |---|---|---|---|
//! | `hec` | `hec` | text | the HEC's name |
//! | `population` | `population` | number | 2020 census population |
//! | `medicare` | `medicare` | number | Medicare beneficiaries |
//! | `medicare_is_estimate` | `medi_est` | boolean | whether `medicare` is an estimate |
//! | `medicare_method` | `medi_meth` | text | how `medicare` is made (the estimate's method and inputs, or the counts' source) |
//! | `pop_65plus` | `pop_65plus` | number | population 65 and over (ACS) |
//! | `tracts` | `tracts` | integer | tracts in the HEC |
//! | `towns` | `towns` | text | towns wholly in the HEC, comma-joined |
//! | `partial_towns` | `part_towns` | text | towns partly in the HEC, comma-joined |
//! | `area_km2` | `area_km2` | number | land area |
//! | `density_per_km2` | `dens_km2` | number | people per km² of land |
//! | `need_percentile` | `need_pctl` | number or null | population-weighted mean need percentile |
//! | `passes` | `passes` | boolean | no error or unknown finding is about the HEC |
//!
//! Booleans are JSON booleans in GeoJSON and integers 0/1 in the GeoPackage
//! and the shapefile. A DBF text field holds at most 254 bytes: longer
//! values (a long town list, the Medicare method) are cut there in the
//! shapefile and end in `...`; the GeoJSON and the GeoPackage carry them
//! whole. An HEC with no tracts is a feature with a null geometry.
//!
//! Writes are atomic: everything is written to a temporary file or
//! directory beside the target and then renamed, so a failed export leaves
//! nothing half-written. (A shapefile's files are renamed one by one; if one
//! rename fails, those already moved are removed.)

use std::io::Write as _;
use std::path::{Path, PathBuf};

use gdal::DriverManager;
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{
    Feature, FieldDefn, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal,
};
use geo::MultiPolygon;
use geo::orient::{Direction, Orient};
use geojson::JsonObject;
use serde_json::Value;

use crate::dataset::Dataset;
use crate::features::{collection_json, feature};
use crate::measures::{Measure, keys};
use crate::plan::Plan;
use crate::report::{HecReport, Report};

/// What [`export_plan`] and [`export_bytes`] write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// The dissolved HECs as GeoJSON (RFC 7946).
    Geojson,
    /// The dissolved HECs as an ESRI shapefile (a `.zip` target zips its files).
    Shp,
    /// The dissolved HECs as a GeoPackage.
    Gpkg,
    /// The unit assignment as CSV.
    Csv,
}

impl ExportFormat {
    /// The usual file extension (`zip` for an in-memory shapefile).
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Geojson => "geojson",
            ExportFormat::Shp => "shp",
            ExportFormat::Gpkg => "gpkg",
            ExportFormat::Csv => "csv",
        }
    }

    /// The MIME type of [`export_bytes`]' output.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Geojson => "application/geo+json",
            ExportFormat::Shp => "application/zip",
            ExportFormat::Gpkg => "application/geopackage+sqlite3",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    /// The format a file name suggests (`.geojson`/`.json`, `.shp`/`.zip`,
    /// `.gpkg`, `.csv`), if any.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "geojson" | "json" => ExportFormat::Geojson,
            "shp" | "zip" => ExportFormat::Shp,
            "gpkg" => ExportFormat::Gpkg,
            "csv" => ExportFormat::Csv,
            _ => return None,
        })
    }
}

impl std::fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ExportFormat::Geojson => "geojson",
            ExportFormat::Shp => "shp",
            ExportFormat::Gpkg => "gpkg",
            ExportFormat::Csv => "csv",
        })
    }
}

/// Why an export failed. Every variant names the output (the target path,
/// or for [`export_bytes`] the file name it would have) and what failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file-system operation failed.
    #[error("cannot export to {path}: {action}: {source}")]
    Io {
        path: String,
        action: String,
        #[source]
        source: std::io::Error,
    },
    /// GDAL failed to create the GeoPackage or shapefile.
    #[error("cannot export to {path}: {action}: {reason}")]
    Gdal {
        path: String,
        action: String,
        reason: String,
    },
    /// The report is not the report of this plan.
    #[error("cannot export to {path}: {reason}")]
    Mismatch { path: String, reason: String },
    /// Zipping the shapefile failed.
    #[error("cannot export to {path}: zipping the shapefile: {reason}")]
    Zip { path: String, reason: String },
    /// Writing the CSV table failed.
    #[error("cannot export to {path}: writing CSV: {reason}")]
    Csv { path: String, reason: String },
}

/// Each HEC's tracts dissolved into one MultiPolygon (EPSG:4326), in region
/// id order (empty HECs give an empty MultiPolygon). A tract claimed by two
/// HECs is in both. Exterior rings are counter-clockwise, holes clockwise
/// (the RFC 7946 right-hand rule).
pub fn dissolve(data: &Dataset, plan: &Plan) -> Vec<MultiPolygon<f64>> {
    let members = plan.members();
    let geometry = &data.tracts.units.geometry;
    let union = |tracts: &[crate::units::UnitId]| -> MultiPolygon<f64> {
        if tracts.is_empty() {
            return MultiPolygon::new(Vec::new());
        }
        geo::unary_union(tracts.iter().map(|&t| &geometry[t as usize])).orient(Direction::Default)
    };
    // The cb tract polygons share exact vertices, so each union is clean
    // and quick (a few milliseconds for the state): no need for threads.
    members.iter().map(|m| union(m)).collect()
}

/// Writes the export to `out`: the dissolved HECs with their totals
/// (GeoJSON, GeoPackage, shapefile) or the unit assignment (CSV). See the
/// [module documentation](self) for the fields.
///
/// For [`ExportFormat::Shp`], `out` names the `.shp` (the other files take
/// its stem: `out.with_extension("dbf")`...), or a `.zip` to write the
/// zipped shapefile. Existing files are replaced. Nothing is left behind
/// when the export fails.
pub fn export_plan(
    data: &Dataset,
    report: &Report,
    plan: &Plan,
    format: ExportFormat,
    out: &Path,
) -> Result<(), ExportError> {
    let shown = out.display().to_string();
    match format {
        ExportFormat::Geojson => {
            let text = geojson_text(data, report, plan, &shown)?;
            write_atomic(out, text.as_bytes())
        }
        ExportFormat::Csv => {
            let text = csv_text(data, plan, &shown)?;
            write_atomic(out, text.as_bytes())
        }
        ExportFormat::Shp if has_extension(out, "zip") => {
            let stem = file_stem(out)?;
            let bytes = shapefile_zip(data, report, plan, &stem, &shown)?;
            write_atomic(out, &bytes)
        }
        ExportFormat::Gpkg | ExportFormat::Shp => {
            let stem = file_stem(out)?;
            let scratch = temp_dir_beside(out)?;
            let files = write_ogr(data, report, plan, format, scratch.path(), &stem, &shown)?;
            move_into_place(&files, out, &shown)
        }
    }
}

/// The same export in memory, for HTTP responses: (bytes, content type,
/// file name). A shapefile is a zip of its `.shp`, `.shx`, `.dbf`, `.prj`
/// and `.cpg`. The file name is the plan's name made file-safe, with the
/// format's extension (`.zip` for a shapefile).
pub fn export_bytes(
    data: &Dataset,
    report: &Report,
    plan: &Plan,
    format: ExportFormat,
) -> Result<(Vec<u8>, &'static str, String), ExportError> {
    let stem = slug(&plan.name);
    let name = match format {
        ExportFormat::Shp => format!("{stem}.zip"),
        _ => format!("{stem}.{}", format.extension()),
    };
    let bytes = match format {
        ExportFormat::Geojson => geojson_text(data, report, plan, &name)?.into_bytes(),
        ExportFormat::Csv => csv_text(data, plan, &name)?.into_bytes(),
        ExportFormat::Shp => shapefile_zip(data, report, plan, &stem, &name)?,
        ExportFormat::Gpkg => {
            let scratch = tempfile::Builder::new()
                .prefix("hecmap-export-")
                .tempdir()
                .map_err(|e| io_error(&name, "creating a temporary directory", e))?;
            let files = write_ogr(data, report, plan, format, scratch.path(), &stem, &name)?;
            std::fs::read(&files[0]).map_err(|e| io_error(&name, "reading the GeoPackage", e))?
        }
    };
    Ok((bytes, format.content_type(), name))
}

// ---------------------------------------------------------------------------
// The HEC features.

/// One exported field: its GeoJSON / GeoPackage name, its DBF name and type.
struct Field {
    name: &'static str,
    dbf: &'static str,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Real,
    Integer,
    Boolean,
}

const FIELDS: [Field; 13] = [
    field("hec", "hec", Kind::Text),
    field("population", "population", Kind::Real),
    field("medicare", "medicare", Kind::Real),
    field("medicare_is_estimate", "medi_est", Kind::Boolean),
    field("medicare_method", "medi_meth", Kind::Text),
    field("pop_65plus", "pop_65plus", Kind::Real),
    field("tracts", "tracts", Kind::Integer),
    field("towns", "towns", Kind::Text),
    field("partial_towns", "part_towns", Kind::Text),
    field("area_km2", "area_km2", Kind::Real),
    field("density_per_km2", "dens_km2", Kind::Real),
    field("need_percentile", "need_pctl", Kind::Real),
    field("passes", "passes", Kind::Boolean),
];

const fn field(name: &'static str, dbf: &'static str, kind: Kind) -> Field {
    Field { name, dbf, kind }
}

/// The widest DBF text field.
const DBF_TEXT_BYTES: usize = 254;

/// The properties of one HEC, in [`FIELDS`] order. Figures are rounded
/// to what they can say: whole people and beneficiaries (Medicare is an
/// estimate to begin with), hundredths of a km2, tenths of a person per
/// km2 and of a percentile.
fn properties(data: &Dataset, hec: &HecReport) -> Vec<Value> {
    vec![
        Value::from(hec.name.as_str()),
        number(hec.population.round()),
        number(hec.medicare.value.round()),
        Value::Bool(hec.medicare.estimate),
        Value::from(medicare_method(data, hec.medicare.estimate)),
        number(hec.pop_65plus.round()),
        Value::from(hec.tracts as u64),
        Value::from(hec.towns.join(", ")),
        Value::from(hec.partial_towns.join(", ")),
        number(rounded(hec.area_km2, 2)),
        number(rounded(hec.density_per_km2, 1)),
        hec.need_percentile
            .map_or(Value::Null, |n| number(rounded(n, 1))),
        Value::Bool(hec.passes),
    ]
}

/// A number as JSON: integral values as integers (population 957419, not
/// 957419.0), non-finite values as null.
fn number(v: f64) -> Value {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
        Value::from(v as i64)
    } else {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

/// `v` to `digits` decimals.
fn rounded(v: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (v * scale).round() / scale
}

/// How an HEC's Medicare figure is made, from the dataset's provenance.
fn medicare_method(data: &Dataset, estimate: bool) -> String {
    let attrs = &data.tracts.attributes;
    let key = Measure::Medicare.attribute().unwrap_or(keys::MEDICARE);
    let provenance = attrs.id(key).map(|id| &attrs.def(id).provenance);
    crate::medicare::statement(provenance, &data.medicare, estimate)
}

/// Checks that the report is this plan's and pairs each HEC with its totals.
fn hec_reports<'r>(
    report: &'r Report,
    plan: &Plan,
    shown: &str,
) -> Result<&'r [HecReport], ExportError> {
    let mismatch = |reason: String| ExportError::Mismatch {
        path: shown.to_string(),
        reason,
    };
    if report.hecs.len() != plan.regions.len() {
        return Err(mismatch(format!(
            "the report has {} HECs but the plan has {}; validate the plan again",
            report.hecs.len(),
            plan.regions.len()
        )));
    }
    for (hec, region) in report.hecs.iter().zip(&plan.regions) {
        if hec.name != region.name {
            return Err(mismatch(format!(
                "the report's HEC {:?} is the plan's {:?}; validate the plan again",
                hec.name, region.name
            )));
        }
    }
    Ok(&report.hecs)
}

fn geojson_text(
    data: &Dataset,
    report: &Report,
    plan: &Plan,
    shown: &str,
) -> Result<String, ExportError> {
    let hecs = hec_reports(report, plan, shown)?;
    let features = dissolve(data, plan)
        .iter()
        .zip(hecs)
        .enumerate()
        .map(|(r, (geometry, hec))| {
            let props: JsonObject = FIELDS
                .iter()
                .map(|f| f.name.to_string())
                .zip(properties(data, hec))
                .collect();
            let mut f = feature(Some(r as u64), geometry, props);
            if geometry.0.is_empty() {
                f.geometry = None;
            }
            f
        })
        .collect();
    Ok(collection_json(features))
}

// ---------------------------------------------------------------------------
// GeoPackage and shapefile through GDAL.

/// Writes the HEC layer into `dir` as `<stem>.gpkg` or `<stem>.shp` and its
/// sidecars; returns the files written, the main one first.
fn write_ogr(
    data: &Dataset,
    report: &Report,
    plan: &Plan,
    format: ExportFormat,
    dir: &Path,
    stem: &str,
    shown: &str,
) -> Result<Vec<PathBuf>, ExportError> {
    let hecs = hec_reports(report, plan, shown)?;
    let shapefile = format == ExportFormat::Shp;
    let (driver_name, ext) = if shapefile {
        ("ESRI Shapefile", "shp")
    } else {
        ("GPKG", "gpkg")
    };
    let gdal_error = |action: &str, e: gdal::errors::GdalError| ExportError::Gdal {
        path: shown.to_string(),
        action: action.to_string(),
        reason: e.to_string(),
    };
    let main = dir.join(format!("{stem}.{ext}"));
    {
        let driver = DriverManager::get_driver_by_name(driver_name)
            .map_err(|e| gdal_error(&format!("finding the GDAL {driver_name} driver"), e))?;
        let mut dataset = driver
            .create_vector_only(&main)
            .map_err(|e| gdal_error(&format!("creating the {driver_name} dataset"), e))?;
        let mut srs =
            SpatialRef::from_epsg(4326).map_err(|e| gdal_error("building EPSG:4326", e))?;
        srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let identifier = format!("IDENTIFIER={}", plan.name);
        let description = format!(
            "DESCRIPTION=HECs of plan {} (hecmap {})",
            plan.name,
            env!("CARGO_PKG_VERSION")
        );
        let options: Vec<&str> = if shapefile {
            vec!["ENCODING=UTF-8"]
        } else {
            vec![identifier.as_str(), description.as_str()]
        };
        let layer = dataset
            .create_layer(LayerOptions {
                name: stem,
                srs: Some(&srs),
                ty: OGRwkbGeometryType::wkbMultiPolygon,
                options: Some(&options),
            })
            .map_err(|e| gdal_error("creating the layer", e))?;
        for f in &FIELDS {
            let name = if shapefile { f.dbf } else { f.name };
            let (ty, width, precision) = match f.kind {
                Kind::Text => (
                    OGRFieldType::OFTString,
                    if shapefile { DBF_TEXT_BYTES as i32 } else { 0 },
                    0,
                ),
                Kind::Real => (OGRFieldType::OFTReal, 0, 0),
                Kind::Integer => (OGRFieldType::OFTInteger, if shapefile { 9 } else { 0 }, 0),
                Kind::Boolean => (OGRFieldType::OFTInteger, 1, 0),
            };
            let defn = FieldDefn::new(name, ty)
                .map_err(|e| gdal_error(&format!("defining field {name}"), e))?;
            if width > 0 {
                defn.set_width(width);
                defn.set_precision(precision);
            }
            defn.add_to_layer(&layer)
                .map_err(|e| gdal_error(&format!("adding field {name}"), e))?;
        }
        let dissolved = dissolve(data, plan);
        for (geometry, hec) in dissolved.iter().zip(hecs) {
            let place = |what: &str| format!("{what} of HEC {:?}", hec.name);
            let mut feature = Feature::new(layer.defn())
                .map_err(|e| gdal_error(&place("creating feature"), e))?;
            for (i, (f, value)) in FIELDS.iter().zip(properties(data, hec)).enumerate() {
                let set = match value {
                    Value::Null => feature.set_field_null(i),
                    Value::Bool(b) => feature.set_field_integer(i, b as i32),
                    Value::Number(n) if f.kind == Kind::Integer => {
                        feature.set_field_integer(i, n.as_i64().unwrap_or(0) as i32)
                    }
                    Value::Number(n) => feature.set_field_double(i, n.as_f64().unwrap_or(0.0)),
                    Value::String(s) if shapefile => {
                        feature.set_field_string(i, &truncate(&s, DBF_TEXT_BYTES))
                    }
                    Value::String(s) => feature.set_field_string(i, &s),
                    other => feature.set_field_string(i, &other.to_string()),
                };
                set.map_err(|e| gdal_error(&place(&format!("setting {}", f.name)), e))?;
            }
            if !geometry.0.is_empty() {
                let g = geometry
                    .to_gdal()
                    .map_err(|e| gdal_error(&place("converting the polygons"), e))?;
                feature
                    .set_geometry(g)
                    .map_err(|e| gdal_error(&place("setting the polygons"), e))?;
            }
            feature
                .create(&layer)
                .map_err(|e| gdal_error(&place("writing feature"), e))?;
        }
        // Closing flushes the files.
        dataset
            .close()
            .map_err(|e| gdal_error(&format!("closing the {driver_name} dataset"), e))?;
    }
    let mut files = vec![main];
    if shapefile {
        let cpg = dir.join(format!("{stem}.cpg"));
        if !cpg.exists() {
            std::fs::write(&cpg, "UTF-8").map_err(|e| io_error(shown, "writing the .cpg", e))?;
        }
        for sidecar in ["shx", "dbf", "prj", "cpg"] {
            let path = dir.join(format!("{stem}.{sidecar}"));
            if !path.exists() {
                return Err(ExportError::Gdal {
                    path: shown.to_string(),
                    action: "writing the shapefile".into(),
                    reason: format!("GDAL wrote no .{sidecar} file"),
                });
            }
            files.push(path);
        }
    }
    Ok(files)
}

/// Cuts text to at most `max` bytes at a character boundary, ending in
/// "..." when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max - 3;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

/// The shapefile's files zipped (deflate), named `<stem>.shp`...
fn shapefile_zip(
    data: &Dataset,
    report: &Report,
    plan: &Plan,
    stem: &str,
    shown: &str,
) -> Result<Vec<u8>, ExportError> {
    let scratch = tempfile::Builder::new()
        .prefix("hecmap-export-")
        .tempdir()
        .map_err(|e| io_error(shown, "creating a temporary directory", e))?;
    let files = write_ogr(
        data,
        report,
        plan,
        ExportFormat::Shp,
        scratch.path(),
        stem,
        shown,
    )?;
    let zip_error = |e: &dyn std::fmt::Display| ExportError::Zip {
        path: shown.to_string(),
        reason: e.to_string(),
    };
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for file in &files {
        let bytes = std::fs::read(file).map_err(|e| io_error(shown, "reading the shapefile", e))?;
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        zip.start_file(name, options).map_err(|e| zip_error(&e))?;
        zip.write_all(&bytes).map_err(|e| zip_error(&e))?;
    }
    Ok(zip.finish().map_err(|e| zip_error(&e))?.into_inner())
}

// ---------------------------------------------------------------------------
// The assignment table.

fn csv_text(data: &Dataset, plan: &Plan, shown: &str) -> Result<String, ExportError> {
    let csv_error = |e: csv::Error| ExportError::Csv {
        path: shown.to_string(),
        reason: e.to_string(),
    };
    let units = &data.tracts.units;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["tract", "tract_2022", "town", "hec"])
        .map_err(csv_error)?;
    for (t, claims) in plan.claims.iter().enumerate() {
        let town = data
            .nesting
            .tract_town
            .get(t)
            .map_or("", |&town| data.towns.units.name[town as usize].as_str());
        let unit = [units.geoid[t].as_str(), units.geoid_2022[t].as_str(), town];
        let hecs = claims
            .iter()
            .map(|&r| plan.regions[r as usize].name.as_str());
        // An unassigned tract is listed with an empty HEC.
        let hecs: Vec<&str> = if claims.is_empty() {
            vec![""]
        } else {
            hecs.collect()
        };
        for hec in hecs {
            writer
                .write_record(unit.iter().copied().chain([hec]))
                .map_err(csv_error)?;
        }
    }
    let bytes = writer.into_inner().map_err(|e| ExportError::Csv {
        path: shown.to_string(),
        reason: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| ExportError::Csv {
        path: shown.to_string(),
        reason: e.to_string(),
    })
}

// ---------------------------------------------------------------------------
// Files.

fn io_error(shown: &str, action: &str, source: std::io::Error) -> ExportError {
    ExportError::Io {
        path: shown.to_string(),
        action: action.to_string(),
        source,
    }
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// The directory a target lives in ("." for a bare file name).
fn parent_dir(out: &Path) -> &Path {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn file_stem(out: &Path) -> Result<String, ExportError> {
    out.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            io_error(
                &out.display().to_string(),
                "finding the file name",
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "the path has no file name",
                ),
            )
        })
}

/// A hidden temporary directory beside `out`, removed when dropped.
fn temp_dir_beside(out: &Path) -> Result<tempfile::TempDir, ExportError> {
    let dir = parent_dir(out);
    let name = out.file_name().unwrap_or_default().to_string_lossy();
    tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempdir_in(dir)
        .map_err(|e| {
            io_error(
                &out.display().to_string(),
                &format!("creating a temporary directory in {}", dir.display()),
                e,
            )
        })
}

/// Writes `bytes` to a temporary file beside `out`, then renames it.
fn write_atomic(out: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let shown = out.display().to_string();
    let dir = parent_dir(out);
    let name = out.file_name().unwrap_or_default().to_string_lossy();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| {
            io_error(
                &shown,
                &format!("creating a temporary file in {}", dir.display()),
                e,
            )
        })?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| io_error(&shown, "writing the temporary file", e))?;
    tmp.persist(out)
        .map_err(|e| io_error(&shown, "renaming the temporary file into place", e.error))?;
    Ok(())
}

/// Renames the files built in a temporary directory to `out`'s stem with
/// their extensions; on failure removes those already moved.
fn move_into_place(files: &[PathBuf], out: &Path, shown: &str) -> Result<(), ExportError> {
    let mut moved: Vec<PathBuf> = Vec::new();
    for file in files {
        let ext = file.extension().unwrap_or_default();
        let target = out.with_extension(ext);
        if let Err(e) = std::fs::rename(file, &target) {
            for done in &moved {
                let _ = std::fs::remove_file(done);
            }
            let action = format!("renaming into place as {}", target.display());
            return Err(io_error(shown, &action, e));
        }
        moved.push(target);
    }
    Ok(())
}

/// A plan name made safe as a file name: letters, digits, `-`, `_` and `.`
/// kept, runs of anything else become `_`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    // File systems refuse names over 255 bytes; keep well inside that.
    let out: String = out
        .trim_matches(['_', '.'])
        .chars()
        .take(MAX_SLUG_CHARS)
        .collect();
    let out = out.trim_matches(['_', '.']).to_string();
    if out.is_empty() { "plan".into() } else { out }
}

/// The longest file stem an export gets from a plan's name.
const MAX_SLUG_CHARS: usize = 80;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbf_names_fit() {
        for f in &FIELDS {
            assert!(f.dbf.len() <= 10, "{} is too long for a DBF", f.dbf);
        }
        let mut names: Vec<_> = FIELDS.iter().map(|f| f.dbf).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FIELDS.len());
    }

    #[test]
    fn truncates_at_char_boundary() {
        assert_eq!(truncate("abc", 10), "abc");
        assert_eq!(truncate("abcdefghij", 6), "abc...");
        let cut = truncate("ééééé", 8);
        assert!(cut.len() <= 8 && cut.ends_with("..."), "{cut}");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Old counties (2020)"), "Old_counties_2020");
        assert_eq!(slug("  "), "plan");
        assert_eq!(slug("a/b\\c"), "a_b_c");
        assert_eq!(slug(&"x".repeat(10_000)).len(), MAX_SLUG_CHARS);
    }

    #[test]
    fn numbers() {
        assert_eq!(number(957419.0).to_string(), "957419");
        assert_eq!(number(1.5).to_string(), "1.5");
        assert_eq!(number(f64::NAN), Value::Null);
    }
}
