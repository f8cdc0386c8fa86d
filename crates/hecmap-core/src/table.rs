//! Attribute tables from CSV, as real spreadsheets write them: a UTF-8
//! byte-order mark, quoted or unquoted cells, `NA`, `*` (CMS suppression)
//! and empty cells for missing values.
//!
//! ```
//! use hecmap_core::table::CsvTable;
//! let t = CsvTable::from_reader("\u{feff}geoid,pop\n9003524700,12\n9003524800,NA\n".as_bytes(), "example.csv").unwrap();
//! let pop = t.column("pop").unwrap();
//! assert_eq!(t.number(0, pop).unwrap(), Some(12.0));
//! assert_eq!(t.number(1, pop).unwrap(), None);
//! ```

use std::io::Read;
use std::path::Path;

/// A problem reading a table; every variant names the file, and the row
/// (1-based, counting the header as row 1, as a spreadsheet shows it) and
/// column where there is one.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: row {row}: {reason}")]
    Csv {
        file: String,
        row: u64,
        reason: String,
    },
    #[error("{file}: no column named {column:?} (columns are: {available})")]
    MissingColumn {
        file: String,
        column: String,
        available: String,
    },
    #[error("{file}: row {row}, column {column:?}: {value:?} is not a number")]
    NotANumber {
        file: String,
        row: u64,
        column: String,
        value: String,
    },
    #[error("{file}: the table has no data rows")]
    Empty { file: String },
}

/// A CSV table held as strings, with its origin for messages. Each row is
/// one record (one allocation for all its cells, not one per cell).
#[derive(Debug, Clone)]
pub struct CsvTable {
    pub file: String,
    pub headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

/// Cell spellings that mean "no value".
const MISSING: [&str; 8] = ["", "na", "n/a", "null", "*", "-", "(x)", "nan"];

impl CsvTable {
    /// Reads a CSV file.
    pub fn read(path: &Path) -> Result<Self, TableError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| TableError::Io {
            file: file.clone(),
            source,
        })?;
        Self::from_reader(bytes.as_slice(), &file)
    }

    /// Reads CSV text from any reader; `file` names it in messages.
    pub fn from_reader(mut reader: impl Read, file: &str) -> Result<Self, TableError> {
        let mut text = Vec::new();
        reader
            .read_to_end(&mut text)
            .map_err(|source| TableError::Io {
                file: file.to_string(),
                source,
            })?;
        let body = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text);
        let mut csv = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(body);
        let csv_error = |e: csv::Error| TableError::Csv {
            file: file.to_string(),
            row: e.position().map(|p| p.line()).unwrap_or(0),
            reason: e.to_string(),
        };
        let headers = csv
            .headers()
            .map_err(csv_error)?
            .iter()
            .map(str::to_string)
            .collect();
        let rows = csv
            .records()
            .collect::<Result<Vec<csv::StringRecord>, _>>()
            .map_err(csv_error)?;
        if rows.is_empty() {
            return Err(TableError::Empty {
                file: file.to_string(),
            });
        }
        Ok(Self {
            file: file.to_string(),
            headers,
            rows,
        })
    }

    /// The index of a column, matched without regard to case.
    pub fn column(&self, name: &str) -> Result<usize, TableError> {
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| TableError::MissingColumn {
                file: self.file.clone(),
                column: name.to_string(),
                available: self.headers.join(", "),
            })
    }

    /// The first of several candidate column names that exists.
    pub fn any_column(&self, names: &[&str]) -> Result<usize, TableError> {
        names
            .iter()
            .find_map(|n| self.column(n).ok())
            .ok_or_else(|| TableError::MissingColumn {
                file: self.file.clone(),
                column: names.join(" or "),
                available: self.headers.join(", "),
            })
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no data rows (never, for a table that was read).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The spreadsheet row number of data row `index` (the header is row 1).
    pub fn row_number(index: usize) -> u64 {
        index as u64 + 2
    }

    /// The text of a cell.
    pub fn text(&self, row: usize, column: usize) -> &str {
        self.rows[row].get(column).unwrap_or("")
    }

    /// A numeric cell: `Ok(None)` for a missing value, an error naming the
    /// row and column for text that is not a number. Thousands separators
    /// (`1,234`) are accepted.
    pub fn number(&self, row: usize, column: usize) -> Result<Option<f64>, TableError> {
        let raw = self.text(row, column);
        // Most cells are plain numbers: no copy for them.
        if let Ok(v) = raw.parse::<f64>()
            && v.is_finite()
        {
            return Ok(Some(v));
        }
        if MISSING.iter().any(|m| raw.eq_ignore_ascii_case(m)) {
            return Ok(None);
        }
        let cleaned = raw.replace(',', "");
        match cleaned.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(TableError::NotANumber {
                file: self.file.clone(),
                row: Self::row_number(row),
                column: self.headers[column].clone(),
                value: raw.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> CsvTable {
        CsvTable::from_reader(text.as_bytes(), "t.csv").unwrap()
    }

    #[test]
    fn byte_order_mark_does_not_rename_the_first_column() {
        let t = table("\u{feff}town_name,fips\nAndover,901301080\n");
        assert_eq!(t.column("town_name").unwrap(), 0);
    }

    #[test]
    fn missing_values_are_none_and_text_is_an_error_with_its_place() {
        let t = table("a,b\n1,NA\n2,\n3,*\n4,abc\n5,\"1,234\"\n");
        let b = t.column("B").unwrap();
        assert_eq!(t.number(0, b).unwrap(), None);
        assert_eq!(t.number(1, b).unwrap(), None);
        assert_eq!(t.number(2, b).unwrap(), None);
        let err = t.number(3, b).unwrap_err().to_string();
        assert!(err.contains("t.csv: row 5, column \"b\""), "{err}");
        assert_eq!(t.number(4, b).unwrap(), Some(1234.0));
    }

    #[test]
    fn ragged_rows_and_missing_columns_are_named() {
        let err = CsvTable::from_reader("a,b\n1,2\n3\n".as_bytes(), "r.csv")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("r.csv: row 3"), "{err}");
        let t = table("a,b\n1,2\n");
        let err = t.column("pop").unwrap_err().to_string();
        assert!(
            err.contains("no column named \"pop\"") && err.contains("a, b"),
            "{err}"
        );
    }

    #[test]
    fn empty_table_is_an_error() {
        assert!(matches!(
            CsvTable::from_reader("a,b\n".as_bytes(), "e.csv"),
            Err(TableError::Empty { .. })
        ));
    }
}
