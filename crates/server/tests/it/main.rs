//! Integration tests of the HTTP API, built as one binary with one module per topic (style guide,
//! rule 20). Every test drives `waspada_server::app` with `oneshot` requests, with no socket,
//! against a fresh SQLite store in a temporary folder (see `common`).
//!
//! `common::TestApp::send` fails the test on any 5xx, so every request in every module also checks
//! that the server never answers bad input with an internal error.

// `clippy.toml` allows `unwrap`/`expect` in `#[test]` functions and `#[cfg(test)]` modules, but
// not in the helper modules of an integration-test binary, which are test code all the same.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod bad_input;
mod checks;
mod common;
mod data;
mod lookups;
mod matrix;
mod mrz;
mod openapi;
mod privacy;
mod pseudonyms;
mod public;
mod purpose;
mod web;
mod web_matrix;
