//! The rectification ledger for devices: the core's fold and views (`paicha::ledger`) behind a
//! JSON-text interface, compiled to a WASM module of its own. A tablet or phone folds the events it
//! pulled from the server plus its own unsent ones, offline, with the same code the server runs,
//! so a device's ledger and the server's can never disagree.
//!
//! `api` is plain Rust (tested natively); `bindings` is the thin wasm-bindgen layer over it.

pub mod api;

#[cfg(target_arch = "wasm32")]
mod bindings;

// The corpus test lives in the crate (not tests/): a cdylib-only crate has no rlib for
// integration tests to link, and cdylib-only is what lets cargo run LTO on the module.
#[cfg(test)]
mod corpus_tests;
