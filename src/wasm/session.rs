//! Live form sessions from JS: one changed answer at a time.

use super::check::parse_now;
use super::{to_js, with_catalogue};
use crate::session::Session;
use wasm_bindgen::prelude::*;

/// A checklist being filled in. Open it with the submission so far (answers may be empty).
#[wasm_bindgen(js_name = FormSession)]
pub struct FormSession {
    inner: Session,
}

#[wasm_bindgen(js_class = FormSession)]
impl FormSession {
    /// Throws (with the report's errors as the message) when no checklist can be chosen:
    /// unknown product, or a missing form or link.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Submission | unknown")] submission: JsValue,
        now: Option<String>,
    ) -> Result<FormSession, JsError> {
        let now = parse_now(now)?;
        let v: serde_json::Value = serde_wasm_bindgen::from_value(submission)
            .map_err(|e| JsError::new(&format!("submission is not JSON-like: {e}")))?;
        with_catalogue(|c| match Session::open(c, &v, now) {
            Ok(inner) => Ok(FormSession { inner }),
            Err(report) => Err(JsError::new(
                &serde_json::to_string(&report.errors).unwrap_or_default(),
            )),
        })
    }

    /// Set (or with null, clear) one answer; returns what changed:
    /// `{items: [{key, relevant, errors, findings}], valid, level, errorCount, findingCount, actions}`.
    /// Throws for a key the checklist does not have or one outside this form and link.
    #[wasm_bindgen(unchecked_return_type = "Delta")]
    pub fn set(
        &mut self,
        key: &str,
        #[wasm_bindgen(unchecked_param_type = "Answer")] value: JsValue,
    ) -> Result<JsValue, JsError> {
        let v: serde_json::Value = serde_wasm_bindgen::from_value(value)
            .map_err(|e| JsError::new(&format!("value is not JSON-like: {e}")))?;
        match self.inner.set(key, &v) {
            Ok(delta) => to_js(&delta),
            Err(issue) => Err(JsError::new(&format!(
                "{}: {}",
                issue.code.as_str(),
                issue.message.en
            ))),
        }
    }

    /// The same as `set`, with the value as JSON text (compared in the benchmark).
    #[wasm_bindgen(js_name = setJson)]
    pub fn set_json(&mut self, key: &str, value: &str) -> Result<String, JsError> {
        let v: serde_json::Value = serde_json::from_str(value)
            .map_err(|e| JsError::new(&format!("value is not JSON: {e}")))?;
        match self.inner.set(key, &v) {
            Ok(delta) => serde_json::to_string(&delta).map_err(|e| JsError::new(&e.to_string())),
            Err(issue) => Err(JsError::new(&format!(
                "{}: {}",
                issue.code.as_str(),
                issue.message.en
            ))),
        }
    }

    /// Every item's state, for the first render.
    #[wasm_bindgen(unchecked_return_type = "ItemState[]")]
    pub fn items(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.items())
    }

    /// The full report, equal to `check` on the same answers.
    #[wasm_bindgen(unchecked_return_type = "Report")]
    pub fn report(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.report())
    }
}
