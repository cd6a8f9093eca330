//! The module's function in plain Rust: JSON text in, JSON text out. Bad input is an answer
//! (`{"error": ...}`), never a panic: a page must keep working with whatever it has stored.

use chrono::DateTime;
use paicha::campaign::answer::offline;
use paicha::campaign::{EntryFact, Inputs, Plan, Registered, SpotFact, SubmissionFact};
use paicha::ledger::date::parse_date;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The facts as `GET /api/v1/campaigns/{id}/facts` answers them (its other fields are ignored).
#[derive(Deserialize)]
struct Facts {
    #[serde(default)]
    names: BTreeMap<String, String>,
    register: Vec<Registered>,
    submissions: Vec<SubmissionFact>,
    entries: Vec<EntryFact>,
    spots: Vec<SpotFact>,
}

fn error(code: &str, detail: &str) -> String {
    serde_json::json!({"error": {"code": code, "detail": detail}}).to_string()
}

/// Progress of `plan` from `root` down at `at`, counted from `facts`: the answer the server's
/// progress endpoint gives for the same facts and day. `at` is a day (`YYYY-MM-DD`, the
/// endpoint's `date`) or a time (RFC 3339: the device's clock, whose day in the plan's offset is
/// the day, as the server takes its own).
pub fn progress(plan: &str, facts: &str, root: &str, at: &str) -> String {
    // The plan comes from the server, which checked it against the catalogue (`Plan::from_json`):
    // read as it was sent.
    let plan: Plan = match serde_json::from_str(plan) {
        Ok(p) => p,
        Err(e) => return error("invalid_plan", &e.to_string()),
    };
    let f: Facts = match serde_json::from_str(facts) {
        Ok(f) => f,
        Err(e) => return error("invalid_facts", &e.to_string()),
    };
    let day = match parse_date(at) {
        Some(d) => d,
        None => match DateTime::parse_from_rfc3339(at) {
            Ok(t) => plan.today(t),
            Err(_) => return error("invalid_date", at),
        },
    };
    if paicha::ids::check_region(root).is_err() {
        return error("invalid_region", root);
    }
    let inputs = Inputs {
        register: &f.register,
        submissions: &f.submissions,
        entries: &f.entries,
        spots: &f.spots,
    };
    let answer = offline(&plan, &inputs, root, day, &f.names);
    serde_json::to_string(&answer).unwrap_or_else(|e| error("internal", &e.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::Value;

    const PLAN: &str = paicha::campaign::plan::BUILTIN[0].1;
    const EMPTY: &str = r#"{"register": [], "submissions": [], "entries": [], "spots": []}"#;

    #[test]
    fn bad_input_is_an_answer() {
        let v = |s: String| serde_json::from_str::<Value>(&s).unwrap()["error"]["code"].clone();
        assert_eq!(
            v(progress("{", EMPTY, "520000", "2023-08-16")),
            "invalid_plan"
        );
        assert_eq!(
            v(progress(PLAN, "[]", "520000", "2023-08-16")),
            "invalid_facts"
        );
        assert_eq!(v(progress(PLAN, EMPTY, "520000", "08-16")), "invalid_date");
        assert_eq!(
            v(progress(PLAN, EMPTY, "52x", "2023-08-16")),
            "invalid_region"
        );
    }

    #[test]
    fn no_facts_no_figures() {
        let a: Value =
            serde_json::from_str(&progress(PLAN, EMPTY, "520102", "2023-08-16")).unwrap();
        assert_eq!(a["today"], "2023-08-16");
        assert_eq!(a["root"]["level"], "county");
        assert_eq!(a["root"]["figures"]["registered"], 0);
        assert_eq!(a["lagging"], Value::Array(vec![]));
        // A time is read in the plan's offset (+08:00): 16:30 UTC on the 15th is the 16th.
        let a: Value =
            serde_json::from_str(&progress(PLAN, EMPTY, "520102", "2023-08-15T16:30:00Z")).unwrap();
        assert_eq!(a["today"], "2023-08-16");
    }
}
