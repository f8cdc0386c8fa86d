//! Shared helpers of the negotiation's tests (`negotiation_store`,
//! `negotiation_api`, `negotiation_crash`, `negotiation_cli`), one module
//! per set: `db` (a fresh database per test on SQLite and PostgreSQL, and
//! `on_both_backends!`), `fixtures` (data, accounts, plans), `api` (the
//! HTTP API in process), `process` (the `hecmap` binary as a process).
//!
//! Each test file includes it as `mod negotiation` (`#[path]`): not every
//! file uses every helper.
#![allow(dead_code)]

pub mod api;
pub mod db;
pub mod fixtures;
pub mod process;
