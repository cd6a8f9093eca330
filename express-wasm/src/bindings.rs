//! wasm-bindgen names over `api` (camelCase; JSON text in and out).

use crate::api;
use wasm_bindgen::prelude::*;

/// `{events, received?, numbers?, now}` -> `{as_of, items: [report view], errors: [...]}`.
#[wasm_bindgen(js_name = view)]
pub fn view(input: &str) -> String {
    api::view(input)
}

/// `{deaths, serious_injuries, direct_loss_yuan}` -> `{grade, name, colour}`.
#[wasm_bindgen(js_name = grade)]
pub fn grade(figures: &str) -> String {
    api::grade(figures)
}

/// An event's own problem as `{code, message}` JSON, or `null`.
#[wasm_bindgen(js_name = checkEvent)]
pub fn check_event(event: &str) -> String {
    api::check_event(event)
}

/// The shipped policy (grades, clocks, recipients) as JSON.
#[wasm_bindgen(js_name = policy)]
pub fn policy() -> String {
    paicha::express::policy::DEFAULT_POLICY.to_string()
}

/// Install the GB/T 2260 division list (`pkg/divisions.txt`): region codes in events are then
/// checked against it, as the server checks them. Returns the number of codes; once installed, fixed.
#[wasm_bindgen(js_name = installDivisions)]
pub fn install_divisions(text: &str) -> Result<usize, JsError> {
    paicha::divisions::install_text(text).map_err(|e| JsError::new(&e))
}
