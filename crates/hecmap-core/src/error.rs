//! The errors of loading a dataset: each names the file and the place in it
//! (a row, a feature, a manifest key), so that whoever prepared the data
//! knows what to fix.

use crate::crs::CrsError;
use crate::source::SourceError;
use crate::table::TableError;

/// A failure to load the dataset; each names the file and the place in it.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Table(#[from] TableError),
    #[error(transparent)]
    Crs(#[from] CrsError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{file}: {place}: {reason}")]
    Invalid {
        file: String,
        place: String,
        reason: String,
    },
}

impl DatasetError {
    /// A problem at a place in a file.
    pub fn invalid(
        file: impl std::fmt::Display,
        place: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            file: file.to_string(),
            place: place.into(),
            reason: reason.into(),
        }
    }
}

/// A problem with a dataset manifest: the manifest file, the key (a dotted
/// path such as `tables[1].columns[2].weight`, or a line and column for
/// text that is not TOML) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {key}: {problem}")]
pub struct ManifestError {
    pub file: String,
    pub key: String,
    pub problem: String,
}

impl ManifestError {
    pub fn new(file: &str, key: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            key: key.into(),
            problem: problem.into(),
        }
    }
}
