//! wasm-bindgen names over `api` (JSON text in and out).

use crate::api;
use wasm_bindgen::prelude::*;

/// `(plan, {names?, register, submissions, entries, spots}, root, at)` -> the progress answer
/// `{campaign, version, today, root, lagging}` (or `{error}`); `at`: a day or an RFC 3339 time.
#[wasm_bindgen(js_name = progress)]
pub fn progress(plan: &str, facts: &str, root: &str, at: &str) -> String {
    api::progress(plan, facts, root, at)
}
