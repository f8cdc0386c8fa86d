//! Budgets for work done on input from outside: how big an upload may be
//! once unpacked, how many features, vertices and HECs a plan may have, and
//! how long reading and checking it may take.
//!
//! Sizes are checked where the input is read ([`InputLimits`]). Time is a
//! [`Deadline`] installed for the current thread with [`with_deadline`] and
//! checked by [`checkpoint`] inside the engine's long loops, so the work
//! itself stops when its time is up, not just the answer.
//!
//! ```
//! use std::time::Duration;
//! use hecmap_core::limits::{Deadline, LimitError, checkpoint, with_deadline};
//!
//! let spent = with_deadline(Deadline::after(Duration::ZERO), || checkpoint("resolving polygons"));
//! assert!(matches!(spent, Err(LimitError::OutOfTime { .. })));
//! // Outside a budget, checkpoints never fail.
//! assert!(checkpoint("anything").is_ok());
//! ```

use std::cell::Cell;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Caps on what one upload or plan may hold. Settings (`hecmap serve
/// --max-...`); the defaults fit Connecticut's plans many times over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InputLimits {
    /// Bytes an archive (a zipped shapefile) may unpack to, in all.
    pub max_unpacked_bytes: u64,
    /// Features in a polygon layer.
    pub max_features: usize,
    /// Vertices in all the features of a polygon layer.
    pub max_vertices: usize,
    /// HECs (regions) in one plan.
    pub max_hecs: usize,
    /// Seconds reading and checking one upload may take.
    pub max_seconds: u64,
    /// Memory (address space) of the separate process that reads binary
    /// formats (shapefile, GeoPackage), in bytes.
    pub reader_memory_bytes: u64,
}

impl Default for InputLimits {
    fn default() -> Self {
        Self {
            max_unpacked_bytes: 100 * 1024 * 1024,
            max_features: 5_000,
            max_vertices: 2_000_000,
            max_hecs: 40,
            max_seconds: 20,
            reader_memory_bytes: 2 * 1024 * 1024 * 1024,
        }
    }
}

impl InputLimits {
    /// No caps at all: for the command line reading the user's own files.
    pub fn unlimited() -> Self {
        Self {
            max_unpacked_bytes: u64::MAX,
            max_features: usize::MAX,
            max_vertices: usize::MAX,
            max_hecs: usize::MAX,
            max_seconds: u64::MAX,
            reader_memory_bytes: u64::MAX,
        }
    }

    /// Refuses `found` above `limit`, naming what and the setting.
    pub fn check(
        what: &'static str,
        found: u64,
        limit: u64,
        setting: &'static str,
    ) -> Result<(), LimitError> {
        if found > limit {
            Err(LimitError::TooLarge {
                what,
                found,
                limit,
                setting,
            })
        } else {
            Ok(())
        }
    }
}

/// Why work on an input was stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// The input holds more than a cap allows.
    #[error("{what}: {found} is over the limit of {limit} (setting {setting})")]
    TooLarge {
        what: &'static str,
        found: u64,
        limit: u64,
        setting: &'static str,
    },
    /// The work ran past its deadline and was stopped.
    #[error("stopped while {what}: the work took longer than its budget of {seconds} s")]
    OutOfTime { what: String, seconds: u64 },
}

/// When the current work must stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    at: Instant,
    budget: Duration,
}

impl Deadline {
    /// A deadline `budget` from now.
    pub fn after(budget: Duration) -> Self {
        // Far-off budgets (u64::MAX seconds) saturate instead of overflowing.
        let budget = budget.min(Duration::from_secs(100 * 365 * 86_400));
        Self {
            at: Instant::now() + budget,
            budget,
        }
    }

    /// True once the deadline has passed.
    pub fn passed(&self) -> bool {
        Instant::now() >= self.at
    }

    /// Time left (zero once passed).
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// The error for work stopped while doing `what`.
    pub fn exceeded(&self, what: &str) -> LimitError {
        LimitError::OutOfTime {
            what: what.to_string(),
            seconds: self.budget.as_secs().max(1),
        }
    }
}

thread_local! {
    static CURRENT: Cell<Option<Deadline>> = const { Cell::new(None) };
}

/// Runs `work` with `deadline` installed for this thread; [`checkpoint`]
/// calls inside it fail once the deadline passes.
pub fn with_deadline<T>(deadline: Deadline, work: impl FnOnce() -> T) -> T {
    struct Restore(Option<Deadline>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.replace(Some(deadline))));
    work()
}

/// The deadline installed for this thread, if any.
pub fn current_deadline() -> Option<Deadline> {
    CURRENT.with(Cell::get)
}

/// Fails when the thread's deadline has passed; `what` names the work for
/// the message ("resolving polygons to tracts"). Cheap: call it in loops.
pub fn checkpoint(what: &str) -> Result<(), LimitError> {
    match current_deadline() {
        Some(deadline) if deadline.passed() => Err(deadline.exceeded(what)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_applies_only_inside_its_scope_and_nests() {
        let outer = Deadline::after(Duration::from_secs(3600));
        with_deadline(outer, || {
            assert!(checkpoint("outer").is_ok());
            let inner = with_deadline(Deadline::after(Duration::ZERO), || checkpoint("inner"));
            assert_eq!(
                inner,
                Err(LimitError::OutOfTime {
                    what: "inner".into(),
                    seconds: 1
                })
            );
            // The outer deadline is back after the inner scope.
            assert_eq!(current_deadline(), Some(outer));
        });
        assert_eq!(current_deadline(), None);
    }

    #[test]
    fn caps_name_the_setting() {
        let err = InputLimits::check("vertices", 11, 10, "--max-vertices").unwrap_err();
        assert_eq!(
            err.to_string(),
            "vertices: 11 is over the limit of 10 (setting --max-vertices)"
        );
        assert!(InputLimits::check("vertices", 10, 10, "--max-vertices").is_ok());
    }
}
