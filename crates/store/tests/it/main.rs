//! Integration tests of `waspada-store`, one binary with a module per topic.
//!
//! Most tests are `fn(&Harness)` and run on both backends through `both_backends!`: on SQLite in a
//! temporary folder, and on PostgreSQL in a fresh schema when `WASPADA_PG_URL` is set (see
//! `support` for the policy when it is not).

// All of this crate is test code, but clippy's `allow-unwrap-in-tests` (clippy.toml) covers only
// `#[test]` functions and `#[cfg(test)]` modules, not the shared helpers and fixtures here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;
mod fixtures;

mod at_rest;
mod audit_log;
mod export;
mod import;
mod keys;
mod lookups;
mod properties;
mod public;
mod retention;
mod subject_requests;
mod traveller_retention;
mod users;
