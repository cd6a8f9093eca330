//! The module's functions in plain Rust: JSON text in, JSON text out. Bad input is an answer
//! (`{"error": ...}`), never a panic: a page must keep working with whatever it has stored.

use chrono::DateTime;
use paicha::express::{self, ExpressEvent, ExpressPolicy, Figures};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct ViewInput<'a> {
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
    /// Event id -> when the server stored it (from a pull, or an upload's answer).
    #[serde(default)]
    received: BTreeMap<String, String>,
    /// Report id -> the number the server gave it.
    #[serde(default)]
    numbers: BTreeMap<String, String>,
    now: String,
}

fn error(code: &str, detail: &str) -> String {
    serde_json::json!({"error": {"code": code, "detail": detail}}).to_string()
}

/// Every report the events make, with its clocks and recipients at `now`, overdue first; and the
/// errors of events that did not fit (shown, never dropped).
pub fn view(input: &str) -> String {
    let i: ViewInput<'_> = match serde_json::from_str(input) {
        Ok(i) => i,
        Err(e) => return error("invalid_input", &e.to_string()),
    };
    let Ok(now) = DateTime::parse_from_rfc3339(&i.now) else {
        return error("invalid_datetime", "now");
    };
    let mut errors = Vec::new();
    let events: Vec<ExpressEvent> = i
        .events
        .iter()
        .filter_map(|raw| match ExpressEvent::from_json(raw.get()) {
            Ok(e) => Some(e),
            Err(e) => {
                errors.push(e);
                None
            }
        })
        .collect();
    let policy = ExpressPolicy::shipped();
    let state = express::fold(&events, &i.received, &policy);
    errors.extend(state.log.iter().filter_map(|l| l.error.clone()));
    let views = express::views(&state, &policy, now, &|id| i.numbers.get(id).cloned());
    serde_json::json!({"as_of": now.to_rfc3339(), "items": views, "errors": errors}).to_string()
}

/// The grade the figures call for, with its name and colour.
pub fn grade(figures: &str) -> String {
    let f: Figures = match serde_json::from_str(figures) {
        Ok(f) => f,
        Err(e) => return error("invalid_input", &e.to_string()),
    };
    let policy = ExpressPolicy::shipped();
    let g = policy.grade(&f);
    match policy.rule(g) {
        Some(r) => serde_json::json!({"grade": g, "name": r.name, "colour": r.colour}).to_string(),
        None => serde_json::json!({"grade": g}).to_string(),
    }
}

/// The event's own problem, or `null`.
pub fn check_event(event: &str) -> String {
    match ExpressEvent::from_json(event).and_then(|e| e.validate().map(|_| ())) {
        Ok(()) => "null".into(),
        Err(e) => serde_json::to_string(&e).unwrap_or_else(|_| "null".into()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::{json, Value};

    fn initial(learned_at: &str) -> Value {
        json!({
            "id": "7a1c2a9e-3b7d-4c1e-9a55-0d2f6b8e0001", "report": "7a1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a00",
            "author": "jiancha", "device": "tablet", "at": learned_at, "kind": "reported",
            "occurred_at": learned_at, "learned_at": learned_at, "place": "p", "region": "520102",
            "product": "electric-bicycle", "enterprise": {"name": "贵阳示例车行"},
            "deaths": 3, "serious_injuries": 0, "direct_loss_yuan": 0,
            "reporter": {"name": "王", "contact": "1"}
        })
    }

    #[test]
    fn a_report_made_offline_runs_its_clock_until_delivered() {
        let input = json!({"events": [initial("2026-12-01T23:30:00+08:00"), {"id": "bad"}],
            "now": "2026-12-02T00:31:00+08:00"});
        let v: Value = serde_json::from_str(&view(&input.to_string())).unwrap();
        let item = &v["items"][0];
        assert_eq!(item["report"]["grade"], "III");
        assert_eq!(item["overdue"], true);
        assert_eq!(item["clocks"][0]["state"], "overdue");
        assert_eq!(item["clocks"][0]["seconds_left"], -60);
        assert_eq!(v["errors"][0]["code"], "invalid_event");
        // Delivered (and numbered) within the hour: met.
        let input = json!({"events": [initial("2026-12-01T23:30:00+08:00")],
            "received": {"7a1c2a9e-3b7d-4c1e-9a55-0d2f6b8e0001": "2026-12-01T16:10:00Z"},
            "numbers": {"7a1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a00": "N1"},
            "now": "2026-12-02T00:31:00+08:00"});
        let v: Value = serde_json::from_str(&view(&input.to_string())).unwrap();
        assert_eq!(v["items"][0]["clocks"][0]["state"], "met");
        assert_eq!(v["items"][0]["number"], "N1");
    }

    #[test]
    fn grades_and_checks_answer_bad_input_with_errors() {
        let g: Value = serde_json::from_str(&grade(
            r#"{"deaths":0,"serious_injuries":10,"direct_loss_yuan":0}"#,
        ))
        .unwrap();
        assert_eq!(
            (g["grade"].as_str(), g["name"]["zh"].as_str()),
            (Some("III"), Some("较大"))
        );
        assert!(grade("{").contains("invalid_input"));
        assert!(view("[]").contains("invalid_input"));
        assert_eq!(
            check_event(&initial("2026-12-01T23:30:00+08:00").to_string()),
            "null"
        );
        assert!(check_event("{}").contains("invalid_event"));
    }
}
