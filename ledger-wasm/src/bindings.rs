//! wasm-bindgen names over `api` (camelCase; JSON text in and out; a misuse throws an Error whose
//! message is the `{code, message}` JSON).

use crate::api;
use wasm_bindgen::prelude::*;

fn js(r: Result<String, api::Misuse>) -> Result<String, JsError> {
    r.map_err(|m| JsError::new(&serde_json::to_string(&m).unwrap_or_default()))
}

#[wasm_bindgen(js_name = fold)]
pub fn fold(events: &str) -> Result<String, JsError> {
    js(api::fold(events))
}

#[wasm_bindgen(js_name = view)]
pub fn view(events: &str, who: &str, code: &str, now: &str) -> Result<String, JsError> {
    js(api::view(events, who, code, now))
}

#[wasm_bindgen(js_name = csv)]
pub fn csv(events: &str, who: &str, code: &str, now: &str) -> Result<String, JsError> {
    js(api::csv(events, who, code, now))
}

#[wasm_bindgen(js_name = due)]
pub fn due(events: &str, now: &str) -> Result<String, JsError> {
    js(api::due(events, now))
}

#[wasm_bindgen(js_name = checkEvent)]
pub fn check_event(event: &str) -> Result<String, JsError> {
    js(api::check_event(event))
}

#[wasm_bindgen(js_name = openEntries)]
pub fn open_entries(
    report: &str,
    enterprise: &str,
    product: &str,
    maker: &str,
    ids: &str,
    policy: &str,
) -> Result<String, JsError> {
    js(api::open_entries(
        report, enterprise, product, maker, ids, policy,
    ))
}

#[wasm_bindgen(js_name = defaultDeadlines)]
pub fn default_deadlines(policy: &str, severity: &str, at: &str) -> Result<String, JsError> {
    js(api::default_deadlines(policy, severity, at))
}

#[wasm_bindgen(js_name = queue)]
pub fn queue(events: &str, policy: &str, line: &str, now: &str) -> Result<String, JsError> {
    js(api::queue(events, policy, line, now))
}

#[wasm_bindgen(js_name = measureFields)]
pub fn measure_fields(action: &str, sales_amount: &str) -> Result<String, JsError> {
    js(api::measure_fields(action, sales_amount))
}

#[wasm_bindgen(js_name = measuresFor)]
pub fn measures_for(policy: &str, severity: &str, violation: &str) -> Result<String, JsError> {
    js(api::measures_for(policy, severity, violation))
}

/// Install the GB/T 2260 division list (`pkg/divisions.txt`): region codes in events are then
/// checked against it, as the server checks them. Returns the number of codes; once installed, fixed.
#[wasm_bindgen(js_name = installDivisions)]
pub fn install_divisions(text: &str) -> Result<usize, JsError> {
    paicha::divisions::install_text(text).map_err(|e| JsError::new(&e))
}
