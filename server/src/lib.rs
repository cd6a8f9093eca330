//! The paicha sync server as a library: the binary (`main.rs`) starts it; the HTTP fuzz target
//! (`fuzz/src/http.rs`) drives the same router in process, without a network, so the axum
//! extractors and every handler's reading of a request are fuzzed as deployed.

// Handlers return axum's Response as their error (the idiom axum is built for); boxing it would
// only add allocations on error paths. (The rest of the lint table is the workspace's.)
#![allow(clippy::result_large_err)]

pub mod api;
pub mod app;
pub mod argon;
pub mod auth;
pub mod canonical;
pub mod config;
pub mod documents;
pub mod followup;
pub mod guard;
pub mod numbering;
pub mod postgres;
pub mod problem;
pub mod serve;
pub mod sqlite;
pub mod storage;
