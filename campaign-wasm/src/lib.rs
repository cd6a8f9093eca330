//! Campaign progress for devices: the core's count, roll-up and behind-schedule flags
//! (`paicha::campaign`) over the facts the dashboard kept at its last sync, compiled to a WASM
//! module of its own. Offline, a supervisor's dashboard counts progress for today (or any day),
//! so a milestone that passed since the sync is flagged as missed, with the server's own rules.
//!
//! Why WASM and not a JS mirror: coverage, 清零 and the flags are the core's rules over the plan
//! (data); a mirror would be a second implementation to keep in step. `api` is plain Rust (tested
//! natively, and through the built module in `tests/js/campaign.test.mjs` over the fixture county
//! the native test counts); `bindings` is the thin wasm-bindgen layer.

pub mod api;

#[cfg(target_arch = "wasm32")]
mod bindings;
