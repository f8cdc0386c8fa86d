//! Reading polygon files that came from someone else: an upload to the
//! server, or a file handed to the command line by its path.
//!
//! A foreign file never chooses how it is read. Its declared format picks
//! exactly one reader, and no reader can be steered to another file, a
//! URL or a driver the format did not name (GDAL's VRT, WFS, HTTP... are
//! never reachable from here):
//!
//! - a zipped shapefile is unpacked by the `zip` crate, under a cap on the
//!   unpacked size, to fixed names in a private directory, and read by the
//!   `shapefile` crate; a zip that holds a GeoJSON or a GeoPackage instead
//!   is read as that;
//! - a GeoPackage is opened by GDAL's GPKG driver alone, and refused when
//!   a feature table is a view (SQL a file author wrote, which can run for
//!   ever);
//! - the caps on features and vertices of [`InputLimits`] apply to all.
//!
//! Binary formats run native parsers (GDAL, SQLite) over crafted bytes,
//! so the server reads them with [`ForeignReader::Child`]: a separate
//! process (`hecmap read-upload`) with limits on CPU, memory and wall
//! time, no network where the kernel allows it, killed if the server dies.
//! It hands back GeoJSON, which this process parses under its own caps.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Map, Value};

use super::{ForeignReader, SourceError, VectorLayer, json, ogr, rings, shp};
use crate::limits::{Deadline, InputLimits, LimitError};

/// The binary forms an upload can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForeignFormat {
    /// A zip archive holding a shapefile (or a GeoJSON or GeoPackage).
    Zip,
    /// A GeoPackage.
    GeoPackage,
}

impl ForeignFormat {
    /// The name `hecmap read-upload --format` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            ForeignFormat::Zip => "zip",
            ForeignFormat::GeoPackage => "gpkg",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "zip" | "shp" => Some(ForeignFormat::Zip),
            "gpkg" => Some(ForeignFormat::GeoPackage),
            _ => None,
        }
    }
}

/// Exit code of `hecmap read-upload` when the file is refused (its
/// stderr then holds the [`ChildError`] as JSON).
pub const CHILD_REFUSED: i32 = 2;

/// What the reading process says when it refuses a file.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ChildError {
    /// The message for a person, naming the upload (not a server path).
    pub message: String,
    /// A cap that was exceeded, if that is why.
    pub limit: Option<(String, u64, u64, String)>,
}

/// Reads an uploaded file in a binary format as polygons in EPSG:4326.
/// `origin` stands in for the file name in every message.
pub fn read_foreign(
    bytes: &[u8],
    format: ForeignFormat,
    origin: &str,
    limits: &InputLimits,
    reader: &ForeignReader,
) -> Result<VectorLayer, SourceError> {
    let layer = match reader {
        ForeignReader::InProcess => read_here(bytes, format, origin, limits)?,
        ForeignReader::Child { exe } => read_in_child(exe, bytes, format, origin, limits)?,
    };
    check_layer(&layer, limits)?;
    Ok(layer)
}

/// Refuses a layer with more features or vertices than the caps allow.
pub fn check_layer(layer: &VectorLayer, limits: &InputLimits) -> Result<(), SourceError> {
    let path = layer.path.display().to_string();
    let limit = |limit| SourceError::Limit {
        path: path.clone(),
        limit,
    };
    InputLimits::check(
        "features in the layer",
        layer.features.len() as u64,
        limits.max_features as u64,
        "--max-features",
    )
    .map_err(limit)?;
    let vertices: usize = layer
        .features
        .iter()
        .flat_map(|f| f.geometry.0.iter().flat_map(rings))
        .map(|ring| ring.0.len())
        .sum();
    InputLimits::check(
        "vertices in the layer",
        vertices as u64,
        limits.max_vertices as u64,
        "--max-vertices",
    )
    .map_err(limit)
}

/// Reads the upload in this process (the child's own work, and the
/// command line's).
pub fn read_here(
    bytes: &[u8],
    format: ForeignFormat,
    origin: &str,
    limits: &InputLimits,
) -> Result<VectorLayer, SourceError> {
    let scratch = tempfile::Builder::new()
        .prefix("hecmap-upload-")
        .tempdir()
        .map_err(|source| SourceError::Io {
            path: origin.to_string(),
            source,
        })?;
    let layer = match format {
        ForeignFormat::GeoPackage => {
            let file = scratch.path().join("upload.gpkg");
            write_file(&file, bytes, origin)?;
            ogr::read_geopackage(&file)
        }
        ForeignFormat::Zip => match unpack(bytes, origin, scratch.path(), limits)? {
            Unpacked::Shapefile(shp) => shp::read(&shp),
            Unpacked::GeoPackage(file) => ogr::read_geopackage(&file),
            Unpacked::GeoJson(text) => json::read(&text, Path::new(origin)),
        },
    };
    // Messages name the upload, never the private directory it was kept in.
    let mut layer = layer.map_err(|e| e.renamed(&scratch.path().display().to_string(), origin))?;
    layer.path = PathBuf::from(origin);
    Ok(layer)
}

fn write_file(path: &Path, bytes: &[u8], origin: &str) -> Result<(), SourceError> {
    std::fs::write(path, bytes).map_err(|source| SourceError::Io {
        path: origin.to_string(),
        source,
    })
}

/// What a zip held, unpacked to fixed names.
enum Unpacked {
    Shapefile(PathBuf),
    GeoPackage(PathBuf),
    GeoJson(Vec<u8>),
}

/// Unpacks the first shapefile of a zip (its `.shp`, `.shx`, `.dbf`,
/// `.prj`, `.cpg`), else its first GeoPackage or GeoJSON, to `dir`, never
/// writing more than `limits.max_unpacked_bytes` in all. Entry names are
/// only matched, never used as paths.
fn unpack(
    bytes: &[u8],
    origin: &str,
    dir: &Path,
    limits: &InputLimits,
) -> Result<Unpacked, SourceError> {
    let parse = |reason: String| SourceError::Parse {
        path: origin.to_string(),
        reason,
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| parse(format!("not a zip archive: {e}")))?;
    let mut names: Vec<(usize, String)> = (0..archive.len())
        .filter_map(|i| {
            let entry = archive.by_index_raw(i).ok()?;
            let name = entry.name().ok()?.to_string();
            (!entry.is_dir()).then_some((i, name))
        })
        .collect();
    names.sort_by(|a, b| a.1.cmp(&b.1));
    let ext = |name: &str| super::extension(Path::new(name));
    let stem = |name: &str| name.rsplit_once('.').map_or(name, |(s, _)| s).to_string();

    let mut budget = limits.max_unpacked_bytes;
    let mut take = |archive: &mut zip::ZipArchive<_>, index: usize, name: &str| {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| parse(format!("cannot read {name:?} in the archive: {e}")))?;
        let mut out = Vec::new();
        // Read one byte past the budget to tell "exactly at" from "over".
        let read = (&mut entry)
            .take(budget.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| parse(format!("cannot unpack {name:?}: {e}")))?;
        if read as u64 > budget {
            return Err(SourceError::Limit {
                path: origin.to_string(),
                limit: LimitError::TooLarge {
                    what: "bytes unpacked from the zip archive",
                    found: limits.max_unpacked_bytes.saturating_add(1),
                    limit: limits.max_unpacked_bytes,
                    setting: "--max-unpacked-bytes",
                },
            });
        }
        budget -= read as u64;
        Ok(out)
    };

    if let Some((_, shp_name)) = names.iter().find(|(_, n)| ext(n).as_deref() == Some("shp")) {
        let wanted = stem(shp_name);
        for (index, name) in &names {
            if !stem(name).eq_ignore_ascii_case(&wanted) {
                continue;
            }
            let Some(e) =
                ext(name).filter(|e| ["shp", "shx", "dbf", "prj", "cpg"].contains(&e.as_str()))
            else {
                continue;
            };
            let content = take(&mut archive, *index, name)?;
            write_file(&dir.join(format!("upload.{e}")), &content, origin)?;
        }
        return Ok(Unpacked::Shapefile(dir.join("upload.shp")));
    }
    for (index, name) in &names {
        match ext(name).as_deref() {
            Some("gpkg") => {
                let content = take(&mut archive, *index, name)?;
                let file = dir.join("upload.gpkg");
                write_file(&file, &content, origin)?;
                return Ok(Unpacked::GeoPackage(file));
            }
            Some("geojson" | "json") => {
                return Ok(Unpacked::GeoJson(take(&mut archive, *index, name)?));
            }
            _ => {}
        }
    }
    let found: Vec<&str> = names.iter().take(10).map(|(_, n)| n.as_str()).collect();
    Err(parse(format!(
        "the zip archive holds no shapefile (.shp), GeoPackage (.gpkg) or GeoJSON (.geojson); it holds {}",
        if found.is_empty() {
            "nothing".to_string()
        } else {
            found.join(", ")
        }
    )))
}

/// Reads the upload in `exe read-upload`, a child process with limits.
fn read_in_child(
    exe: &Path,
    bytes: &[u8],
    format: ForeignFormat,
    origin: &str,
    limits: &InputLimits,
) -> Result<VectorLayer, SourceError> {
    let deadline = crate::limits::current_deadline()
        .unwrap_or_else(|| Deadline::after(Duration::from_secs(limits.max_seconds)));
    let refuse = |reason: String| SourceError::Parse {
        path: origin.to_string(),
        reason,
    };
    let mut command = Command::new(exe);
    command
        .arg("read-upload")
        .args(["--format", format.as_str()])
        .args(["--origin", origin])
        .args([
            "--max-unpacked-bytes",
            &limits.max_unpacked_bytes.to_string(),
        ])
        .args(["--max-features", &limits.max_features.to_string()])
        .args(["--max-vertices", &limits.max_vertices.to_string()])
        .args([
            "--cpu-seconds",
            &deadline.remaining().as_secs().saturating_add(1).to_string(),
        ])
        .args(["--memory-bytes", &limits.reader_memory_bytes.to_string()])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("TMPDIR", std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Ok(dir) = std::env::var("PROJ_DATA") {
        command.env("PROJ_DATA", dir);
    }
    let mut child = command
        .spawn()
        .map_err(|e| refuse(format!("cannot start the file reader: {e}")))?;

    // Feed stdin and drain both pipes on threads, so no pipe fills up.
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = bytes.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    // GeoJSON of the largest layer the caps allow (about 40 bytes a vertex).
    let max_output = (limits.max_vertices as u64)
        .saturating_mul(48)
        .saturating_add(1 << 20);
    let stdout = drain(child.stdout.take().expect("piped stdout"), max_output);
    let stderr = drain(child.stderr.take().expect("piped stderr"), 64 * 1024);

    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if deadline.passed() => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(refuse(format!("the file reader failed: {e}"))),
        }
    };
    let _ = feeder.join();
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    let Some(status) = status else {
        return Err(SourceError::Limit {
            path: origin.to_string(),
            limit: deadline.exceeded("reading the file"),
        });
    };
    if status.success() {
        if out.len() as u64 >= max_output {
            return Err(refuse("the file reader's output is over its limit".into()));
        }
        let mut layer = json::read(&out, Path::new(origin))?;
        layer.source_crs = source_crs_member(&out).unwrap_or(layer.source_crs);
        return Ok(layer);
    }
    // GDAL and PROJ may log lines of their own before the refusal, which
    // is always the last line.
    let last_line = err
        .split(|b| *b == b'\n')
        .rev()
        .find(|line| !line.iter().all(u8::is_ascii_whitespace))
        .unwrap_or_default();
    if status.code() == Some(CHILD_REFUSED)
        && let Ok(refusal) = serde_json::from_slice::<ChildError>(last_line)
    {
        return Err(match refusal.limit {
            Some((what, found, limit, setting)) => SourceError::Limit {
                path: origin.to_string(),
                limit: LimitError::TooLarge {
                    what: static_label(&what),
                    found,
                    limit,
                    setting: static_label(&setting),
                },
            },
            None => SourceError::Foreign {
                path: origin.to_string(),
                message: refusal.message,
            },
        });
    }
    // Killed by a limit (CPU: SIGXCPU/SIGKILL; memory: an allocation
    // failure aborts) or crashed on the file.
    use std::os::unix::process::ExitStatusExt;
    let why = match status.signal() {
        Some(libc::SIGXCPU) | Some(libc::SIGKILL) => {
            return Err(SourceError::Limit {
                path: origin.to_string(),
                limit: deadline.exceeded("reading the file"),
            });
        }
        Some(libc::SIGABRT) | Some(libc::SIGSEGV) | Some(libc::SIGBUS) => format!(
            "reading it needed more than the reader's {} MB of memory, or the file is corrupt",
            limits.reader_memory_bytes / (1024 * 1024)
        ),
        _ => "the file reader stopped on it".to_string(),
    };
    tracing::warn!(origin, ?status, stderr = %String::from_utf8_lossy(&err), "upload reader failed");
    Err(refuse(why))
}

/// The labels of the caps are a handful of fixed strings; map the child's
/// copy back to them (arbitrary text from the child becomes "a limit").
fn static_label(text: &str) -> &'static str {
    const KNOWN: [&str; 6] = [
        "features in the layer",
        "vertices in the layer",
        "bytes unpacked from the zip archive",
        "--max-features",
        "--max-vertices",
        "--max-unpacked-bytes",
    ];
    KNOWN.into_iter().find(|k| *k == text).unwrap_or("a limit")
}

fn drain<R: Read + Send + 'static>(pipe: R, limit: u64) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut pipe = pipe;
        let _ = (&mut pipe).take(limit).read_to_end(&mut out);
        // Keep draining (and dropping) so the child never blocks on a full pipe.
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
        out
    })
}

/// The `hecmap_source_crs` member the child writes.
fn source_crs_member(geojson: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Probe {
        hecmap_source_crs: Option<String>,
    }
    serde_json::from_slice::<Probe>(geojson)
        .ok()?
        .hecmap_source_crs
}

/// Confines this process, the reader, before it touches the upload: CPU
/// seconds, address space, no core dumps, killed when the server dies,
/// and (where the kernel lets us) a network namespace of its own, with no
/// interfaces.
///
/// The reader does this to itself rather than the server doing it between
/// fork and exec: the server's other threads use PROJ, whose fork handler
/// (before PROJ 9.5, OSGeo/PROJ#4231) takes a lock that a forked child can
/// then wait on for ever. Without a pre-exec hook the standard library
/// starts the child with posix_spawn, which runs no fork handlers.
fn confine_self(cpu_seconds: u64, memory: u64) {
    let set = |resource, limit: u64| {
        let rl = libc::rlimit {
            rlim_cur: limit as libc::rlim_t,
            rlim_max: limit as libc::rlim_t,
        };
        // SAFETY: setrlimit reads the struct it is given.
        unsafe { libc::setrlimit(resource, &rl) }
    };
    set(libc::RLIMIT_CPU, cpu_seconds);
    if memory != u64::MAX {
        set(libc::RLIMIT_AS, memory);
    }
    set(libc::RLIMIT_CORE, 0);
    // SAFETY: plain system calls with constant arguments.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        // The server may have died before the line above: then our parent
        // is init (or a subreaper), and nobody wants the answer.
        if libc::getppid() == 1 {
            libc::_exit(1);
        }
        if libc::unshare(libc::CLONE_NEWNET) != 0 {
            libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET);
        }
    }
}

/// How the server confines the reader: CPU seconds and address space.
#[derive(Debug, Clone, Copy)]
pub struct ReaderConfinement {
    pub cpu_seconds: u64,
    pub memory_bytes: u64,
}

/// The child's side: reads the upload from stdin and writes the layer as
/// GeoJSON to stdout, or a [`ChildError`] to stderr with exit code
/// [`CHILD_REFUSED`].
pub fn child_main(
    format: ForeignFormat,
    origin: &str,
    limits: &InputLimits,
    confinement: ReaderConfinement,
) -> i32 {
    confine_self(confinement.cpu_seconds, confinement.memory_bytes);
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        return refuse_in_child(format!("{origin}: cannot read the upload: {e}"), None);
    }
    match read_here(&bytes, format, origin, limits).and_then(|layer| {
        check_layer(&layer, limits)?;
        Ok(layer)
    }) {
        Ok(layer) => {
            let text = layer_geojson(&layer);
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .is_err()
            {
                return 1;
            }
            0
        }
        Err(SourceError::Limit {
            limit:
                LimitError::TooLarge {
                    what,
                    found,
                    limit,
                    setting,
                },
            ..
        }) => refuse_in_child(
            format!("{what}: {found} is over the limit of {limit}"),
            Some((what.to_string(), found, limit, setting.to_string())),
        ),
        Err(e) => refuse_in_child(e.to_string(), None),
    }
}

fn refuse_in_child(message: String, limit: Option<(String, u64, u64, String)>) -> i32 {
    let text = serde_json::to_string(&ChildError { message, limit }).unwrap_or_default();
    // On a line of its own, after anything GDAL or PROJ logged.
    eprint!("\n{text}\n");
    CHILD_REFUSED
}

/// The layer as GeoJSON, with the CRS it was declared in as a foreign member.
fn layer_geojson(layer: &VectorLayer) -> String {
    let features = layer
        .features
        .iter()
        .map(|f| crate::features::feature(None, &f.geometry, f.properties.clone()))
        .collect();
    let mut members = Map::new();
    members.insert(
        "hecmap_source_crs".into(),
        Value::String(layer.source_crs.clone()),
    );
    geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: Some(members),
    }
    .to_string()
}
