//! The checker's WebAssembly bindings: a thin layer over the core (`paicha`), compiled only for
//! `wasm32` (natively this crate is empty). JS names are camelCase; arguments and results are plain
//! objects (or JSON text, for the `*Json` twins); exceptions are thrown only for misuse.
//!
//! Objects cross the boundary as JSON text made and read by the JS engine's own JSON (see
//! `boundary.rs`): measured against serde-wasm-bindgen, which walks objects property by property,
//! it was faster for whole submissions (1.2x on 500 items) and keeps 16 KB of code out of the module.
//!
//! A new WASM module (another crate of the same shape) is built by one line in scripts/build-wasm
//! and given a size budget in scripts/size.mjs.

#[cfg(target_arch = "wasm32")]
mod boundary;
#[cfg(target_arch = "wasm32")]
mod catalogue;
#[cfg(target_arch = "wasm32")]
mod check;
#[cfg(target_arch = "wasm32")]
mod session;
#[cfg(target_arch = "wasm32")]
mod types;
