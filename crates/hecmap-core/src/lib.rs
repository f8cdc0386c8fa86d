//! hecmap: draw and validate the boundaries of Connecticut's Health
//! Enhancement Communities (HECs).
//!
//! The engine (this library) never depends on the web layer. Inside, units
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
pub mod report;
pub mod rules;
pub mod source;
pub mod summary;
pub mod synthetic;
pub mod table;
pub mod tally;
pub mod units;
pub mod unitset;
pub mod validate;
