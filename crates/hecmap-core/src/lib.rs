//! hecmap-core, the engine of hecmap: draws and validates the boundaries of
//! Connecticut's Health Enhancement Communities (HECs).
//!
//! It has no web, database, async or command-line code: its manifest names
//! none of those crates (`clap` derives only behind the `clap` feature), and
//! `tests/architecture.rs` in the workspace holds it so. Data flows one way
//! through its modules: import ([`source`], [`join`], [`manifest`],
//! [`medicare`]) -> units ([`dataset`], [`index`], [`graph`]) -> plan
//! ([`plan`], [`unitset`]) -> tallies ([`measures`], [`tally`], [`shape`]) -> rules
//! ([`rules`], [`need`]) -> report ([`validate`], [`report`], [`export`]).
//!
//! Inside, units
//! are dense integer ids ([`units::UnitId`]); GEOID strings live only at the
//! edges ([`geoid`], [`lookup::UnitLookup`]). Coordinates are EPSG:4326 in
//! and out, EPSG:5070 (equal-area) for areas and lengths ([`crs`]).

pub mod attributes;
pub mod compactness;
pub mod crs;
pub mod dataset;
pub mod error;
pub mod export;
pub mod features;
pub mod geoid;
pub mod geometry;
pub mod graph;
pub mod index;
pub mod join;
pub mod limits;
pub mod lookup;
pub mod manifest;
pub mod measures;
pub mod medicare;
pub mod need;
pub mod plan;
pub mod profile;
pub mod repair;
pub mod report;
pub mod rules;
pub mod shape;
pub mod source;
pub mod summary;
pub mod synthetic;
pub mod table;
pub mod tally;
pub mod units;
pub mod unitset;
pub mod validate;
