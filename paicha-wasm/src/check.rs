//! Checking whole submissions from JS.

use crate::boundary::{js_text, parse, to_js};
use crate::catalogue::with_catalogue;
use chrono::{DateTime, FixedOffset};
use paicha::report::{check_json, check_value};
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
    let now = parse_now(now)?;
    let text = js_text(&submission, "submission")?;
    let v = parse(&text, "submission")?;
    with_catalogue(|c| to_js(&check_value(c, &v, now)))
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
