//! Live form sessions from JS: one changed answer at a time.

use crate::boundary::{delta_to_js, js_text, parse, to_js};
use crate::catalogue::with_catalogue;
use crate::check::parse_now;
use paicha::session::Session;
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
        let text = js_text(&submission, "submission")?;
        let v = parse(&text, "submission")?;
        with_catalogue(|c| match Session::open_json(c, &v, now) {
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
        let text = js_text(&value, "value")?;
        let v = parse(&text, "value")?;
        match self.inner.set_json(key, &v) {
            Ok(delta) => delta_to_js(&delta),
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
        let v = parse(value, "value")?;
        match self.inner.set_json(key, &v) {
            Ok(delta) => serde_json::to_string(&delta).map_err(|e| JsError::new(&e.to_string())),
            Err(issue) => Err(JsError::new(&format!(
                "{}: {}",
                issue.code.as_str(),
                issue.message.en
            ))),
        }
    }

    /// All actions now required (after a delta with `actionsChanged`).
    #[wasm_bindgen(unchecked_return_type = "Action[]")]
    pub fn actions(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.actions())
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
