//! How values cross between JS and WASM: as JSON text, written and read by the JS engine's own
//! `JSON` (native code, the fastest way V8 has to walk an object) and by serde_json on this side.
//!
//! `JSON.stringify` turns NaN and Infinity into `null`, which would silently make a typed "NaN"
//! an unanswered item. The replacer below marks them instead (`{"$nonfinite": "NaN"}`), so the
//! core reports a wrong type where the user typed it. It is a module snippet rather than a
//! `Function` built from a string, so it works under a Content Security Policy without
//! `unsafe-eval`.

use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const mark = (k, x) => (typeof x === 'number' && !Number.isFinite(x) ? { $nonfinite: String(x) } : x);
export function paichaToJson(v) { const s = JSON.stringify(v, mark); return s === undefined ? null : s; }
export function paichaFromJson(s) { return JSON.parse(s); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = paichaToJson, catch)]
    fn to_json_text(v: &JsValue) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(js_name = paichaFromJson)]
    fn from_json_text(s: &str) -> JsValue;
}

/// A JS value as JSON text. Err (a misuse) for what JSON cannot hold: functions, `undefined`,
/// BigInt, cycles.
pub(crate) fn js_text(v: &JsValue, what: &str) -> Result<String, JsError> {
    to_json_text(v)
        .ok()
        .flatten()
        .ok_or_else(|| JsError::new(&format!("{what} is not JSON-like")))
}

/// JSON text read into borrowed JSON.
pub(crate) fn parse<'a>(text: &'a str, what: &str) -> Result<paicha::Json<'a>, JsError> {
    serde_json::from_str(text).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

/// JSON text (made on this side) as a plain JS object.
pub(crate) fn json_to_js(text: &str) -> JsValue {
    from_json_text(text)
}

/// A Rust value as a plain JS object.
pub(crate) fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(v).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(from_json_text(&text))
}
