//! Express reports for devices: the core's fold, grade, clocks and recipients (`paicha::express`)
//! behind a JSON-text interface, compiled to a WASM module of its own. An inspector at the scene
//! with no network makes the report, sees its grade and its running clock from the same code the
//! server runs, so the device and the bureau above can never disagree on a deadline.
//!
//! Why WASM and not a JS mirror: the grade thresholds and the clocks are policy data read by the
//! core; a mirror would be a second implementation to keep in step. `api` is plain Rust (tested
//! natively, and through the built module in `tests/js/express.test.mjs`); `bindings` is the thin
//! wasm-bindgen layer.

pub mod api;

#[cfg(target_arch = "wasm32")]
mod bindings;

#[cfg(test)]
mod corpus_tests;
