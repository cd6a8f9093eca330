//! How values cross between JS and WASM: as JSON text, written and read by the JS engine's own
//! `JSON` (native code, the fastest way V8 has to walk an object) and by serde_json on this side.
//!
//! `JSON.stringify` turns NaN and Infinity into `null`, which would silently make a typed "NaN"
//! an unanswered item. The replacer below marks them instead (`{"$nonfinite": "NaN"}`), so the
//! core reports a wrong type where the user typed it. It is a module snippet rather than a
//! `Function` built from a string, so it works under a Content Security Policy without
//! `unsafe-eval`. Primitives (most single answers) skip the replacer: JSON.stringify calls it for
//! every value, which took a per-keystroke `set` 0.26 µs instead of 0.10 (Node 20, measured).
//!
//! A live session's delta comes back as one flat JSON array that the snippet spreads into the
//! `Delta` object (`paichaDelta`): V8's JSON.parse builds small objects slowly (a one-item delta
//! as an object 0.86-0.93 µs, the same as an array 0.24 µs, and the object literals around it
//! 0.04), and a delta is answered at every keystroke.

use paicha::session::Delta;
use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const mark = (k, x) => (typeof x === 'number' && !Number.isFinite(x) ? { $nonfinite: String(x) } : x);
export function paichaToJson(v) {
  const t = typeof v;
  if (t === 'string' || t === 'boolean' || v === null || (t === 'number' && Number.isFinite(v))) return JSON.stringify(v);
  const s = JSON.stringify(v, mark); return s === undefined ? null : s;
}
export function paichaDelta(s) {
  const x = JSON.parse(s);
  const items = [];
  for (let i = 5; i < x.length; i += 4) items.push({ key: x[i], relevant: x[i + 1], errors: x[i + 2], findings: x[i + 3] });
  return { items, valid: x[0], level: x[1], errorCount: x[2], findingCount: x[3], actionsChanged: x[4] };
}
export function paichaFromJson(s) { return JSON.parse(s); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = paichaToJson, catch)]
    fn to_json_text(v: &JsValue) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(js_name = paichaFromJson)]
    fn from_json_text(s: &str) -> JsValue;
    #[wasm_bindgen(js_name = paichaDelta)]
    fn delta_from_packed(s: &str) -> JsValue;
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

/// A live session's delta as the plain `Delta` object, by way of its flat array form: `[valid,
/// level, errorCount, findingCount, actionsChanged, (key, relevant, errors, findings)...]`,
/// which `paichaDelta` spreads into the object `to_js` of the delta would give (same keys, same
/// order: tests/js/api.test.mjs compares the two).
pub(crate) fn delta_to_js(d: &Delta) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(&Packed(d)).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(delta_from_packed(&text))
}

struct Packed<'a>(&'a Delta);

impl Serialize for Packed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        let mut seq = s.serialize_seq(Some(5 + 4 * d.items.len()))?;
        seq.serialize_element(&d.valid)?;
        seq.serialize_element(&d.level)?;
        seq.serialize_element(&d.error_count)?;
        seq.serialize_element(&d.finding_count)?;
        seq.serialize_element(&d.actions_changed)?;
        for i in &d.items {
            seq.serialize_element(&i.key)?;
            seq.serialize_element(&i.relevant)?;
            seq.serialize_element(&i.errors)?;
            seq.serialize_element(&i.findings)?;
        }
        seq.end()
    }
}

/// A Rust value as a plain JS object.
pub(crate) fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(v).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(from_json_text(&text))
}
