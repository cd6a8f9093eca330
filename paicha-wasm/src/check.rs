//! Checking whole submissions from JS.

use crate::boundary::{js_text, json_to_js, parse, to_js};
use crate::catalogue::with_catalogue;
use chrono::{DateTime, FixedOffset};
use paicha::catalogue::Catalogue;
use paicha::compact::check_compact as compact_of;
use paicha::report::{check_json, check_value};
use paicha::Json;
use wasm_bindgen::prelude::*;

/// "Now" comes from the caller (the core reads no clock): an RFC 3339 string, or none.
pub(crate) fn parse_now(now: Option<String>) -> Result<Option<DateTime<FixedOffset>>, JsError> {
    match now {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(&s)
            .map(Some)
            .map_err(|_| JsError::new("now must be an RFC 3339 date-time")),
    }
}

/// Check a submission given as a JS object; returns the report as a plain object.
#[wasm_bindgen(unchecked_return_type = "Report")]
pub fn check(
    #[wasm_bindgen(unchecked_param_type = "Submission | unknown")] submission: JsValue,
    now: Option<String>,
) -> Result<JsValue, JsError> {
    checked(&submission, now, |c, v, now| to_js(&check_value(c, v, now)))
}

/// A submission from JS parsed and given to `f` with the catalogue: the one way in of `check`
/// and `checkCompact` (misuse throws, whatever `f` makes of the submission).
fn checked(
    submission: &JsValue,
    now: Option<String>,
    f: impl FnOnce(&Catalogue, &Json<'_>, Option<DateTime<FixedOffset>>) -> Result<JsValue, JsError>,
) -> Result<JsValue, JsError> {
    let now = parse_now(now)?;
    let text = js_text(submission, "submission")?;
    let v = parse(&text, "submission")?;
    with_catalogue(|c| f(c, &v, now))
}

/// Check submissions given as JSON text (one, or an array); returns the report(s) as JSON text.
/// Throws only when the text is not JSON.
#[wasm_bindgen(js_name = checkJson)]
pub fn check_json_text(text: &str, now: Option<String>) -> Result<String, JsError> {
    let now = parse_now(now)?;
    with_catalogue(|c| match check_json(c, text, now) {
        Ok(r) => serde_json::to_string(&r).map_err(|e| JsError::new(&e.to_string())),
        Err(issue) => Err(JsError::new(&format!(
            "{}: {}",
            issue.code.as_str(),
            issue.message.en
        ))),
    })
}

/// Check a submission, giving the compact report (`CompactReport`): the same verdict as `check`,
/// with findings and actions naming items by template slot instead of carrying the template's
/// texts (see `paicha::compact`). `expandReport` of `www/js/compact.js` turns it into the full report.
#[wasm_bindgen(js_name = checkCompact, unchecked_return_type = "CompactReport")]
pub fn check_compact(
    #[wasm_bindgen(unchecked_param_type = "Submission | unknown")] submission: JsValue,
    now: Option<String>,
) -> Result<JsValue, JsError> {
    checked(&submission, now, |c, v, now| {
        Ok(json_to_js(&compact_of(c, v, now).to_json()))
    })
}

/// The findings in full (`Finding[]`) of a compact report's `[slot, rule, instance]` triples,
/// flattened (`instance` + 1, 0 for none), from the catalogue's template: what
/// `www/js/compact.js` expands a compact report with (it adds `applied`). Throws for a triple
/// that is not of the template.
#[wasm_bindgen(js_name = findingsOf, unchecked_return_type = "Finding[]")]
pub fn findings_of(
    product: &str,
    version: Option<String>,
    hits: &[u32],
) -> Result<JsValue, JsError> {
    with_catalogue(|c| {
        let t = c
            .get(product, version.as_deref())
            .ok_or_else(|| JsError::new("no such template in the catalogue"))?;
        let mut out = Vec::with_capacity(hits.len() / 3);
        for h in hits.chunks_exact(3) {
            let &[slot, rule, instance] = h else { continue };
            let hit = paicha::report::Hit {
                slot,
                rule,
                instance: instance.checked_sub(1),
                applied: None,
            };
            out.push(
                hit.finding(t)
                    .ok_or_else(|| JsError::new("a finding that is not of the template"))?,
            );
        }
        to_js(&out)
    })
}
