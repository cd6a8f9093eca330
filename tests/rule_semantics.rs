//! One rule semantics (docs/templates.md, "One rule semantics"): an entry the form rejects, by
//! `min`/`max` or by its `constraint`, is reported once and never judged, neither by its item's
//! rules nor by a rule of another item that reads it. The same range written both ways gives the
//! same report, in a batch check and in a live session after every change.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::DateTime;
use paicha::{check, Catalogue, Report, Session};
use serde_json::{json, Value};

/// Two items with the range 0-100 (one as min/max, one as a constraint) and the same rule (at most
/// 50), each read by another item's rule; and a constraint that reads another answer.
fn template() -> Value {
    let rule = json!([{"check": ". <= 50", "severity": "general", "basis": "test"}]);
    json!({
        "format": 1, "product": "semantics", "version": "1",
        "name": {"zh": "规则", "en": "Rules"},
        "forms": ["self_inspection", "onsite_inspection"], "links": ["production", "sales"],
        "sections": [{"id": "s", "label": {"zh": "s", "en": "s"}}],
        "items": [
            {"key": "t.by_range", "section": "s", "type": "number", "min": 0, "max": 100,
             "label": {"zh": "a", "en": "a"}, "rules": rule},
            {"key": "t.by_constraint", "section": "s", "type": "number", "constraint": ". >= 0 and . <= 100",
             "label": {"zh": "b", "en": "b"}, "rules": rule},
            {"key": "t.reads_range", "section": "s", "type": "yes_no", "label": {"zh": "c", "en": "c"},
             "rules": [{"when": "${t.by_range} > 50", "severity": "major", "basis": "test"}]},
            {"key": "t.reads_constraint", "section": "s", "type": "yes_no", "label": {"zh": "d", "en": "d"},
             "rules": [{"when": "${t.by_constraint} > 50", "severity": "major", "basis": "test"}]},
            {"key": "t.limit", "section": "s", "type": "number", "label": {"zh": "e", "en": "e"}},
            {"key": "t.under_limit", "section": "s", "type": "number", "constraint": ". <= ${t.limit}",
             "label": {"zh": "f", "en": "f"}, "rules": [{"check": ". <= 10", "severity": "general", "basis": "test"}]},
            {"key": "t.reads_under_limit", "section": "s", "type": "yes_no", "label": {"zh": "g", "en": "g"},
             "rules": [{"check": "${t.under_limit} <= 10 or . = 'yes'", "severity": "general", "basis": "test"}]}
        ]
    })
}

fn catalogue() -> Catalogue {
    let mut cat = Catalogue::builtin().clone();
    cat.add_json(&template().to_string()).unwrap();
    cat
}

fn submission(answers: Value) -> Value {
    json!({
        "id": "00000000-0000-4000-8000-00000000abcd", "product": "semantics",
        "form": "onsite_inspection", "link": "production",
        "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "x", "region": "520102"},
        "inspected_at": "2024-03-01T09:30:00+08:00", "answers": answers
    })
}

fn now() -> Option<DateTime<chrono::FixedOffset>> {
    Some(DateTime::parse_from_rfc3339("2024-03-02T12:00:00+08:00").unwrap())
}

/// (item, code) of each error and the items with findings.
fn summary(r: &Report) -> (Vec<(String, String)>, Vec<String>) {
    let errors = r
        .errors
        .iter()
        .map(|e| (e.path.clone(), e.code.as_str().to_string()))
        .collect();
    let findings = r.findings.iter().map(|f| f.item.clone()).collect();
    (errors, findings)
}

#[test]
fn min_max_and_constraint_reject_alike_and_nothing_judges_the_rejected_entry() {
    let cat = catalogue();
    let r = check(
        &cat,
        &submission(json!({
            "t.by_range": 150, "t.by_constraint": 150, "t.reads_range": "no", "t.reads_constraint": "no"
        })),
        now(),
    );
    let (errors, findings) = summary(&r);
    assert_eq!(
        errors,
        vec![
            (
                "/answers/t.by_range".to_string(),
                "out_of_range".to_string()
            ),
            (
                "/answers/t.by_constraint".to_string(),
                "constraint".to_string()
            ),
        ]
    );
    // Neither the items' own rule (<= 50) nor the rules reading them judge a rejected 150.
    assert_eq!(findings, Vec::<String>::new(), "{:?}", r.findings);

    // Accepted entries over the rule's limit are judged the same way on both paths.
    let r = check(
        &cat,
        &submission(json!({
            "t.by_range": 70, "t.by_constraint": 70, "t.reads_range": "no", "t.reads_constraint": "no"
        })),
        now(),
    );
    assert_eq!(
        summary(&r),
        (
            vec![],
            vec![
                "t.by_range".to_string(),
                "t.by_constraint".to_string(),
                "t.reads_range".to_string(),
                "t.reads_constraint".to_string(),
            ]
        )
    );
}

#[test]
fn a_constraint_reading_another_answer_decides_what_is_judged_in_a_session_too() {
    let cat = catalogue();
    let mut s = Session::open(&cat, &submission(json!({})), now()).unwrap();
    let steps: [(&str, Value); 6] = [
        ("t.limit", json!(30)),
        ("t.under_limit", json!(20)), // accepted (<= 30), over 10: a finding, and one on the reader
        ("t.reads_under_limit", json!("no")),
        ("t.limit", json!(15)),   // now rejected: both findings go
        ("t.limit", json!(25)),   // accepted again: both come back
        ("t.limit", Value::Null), // a limit unanswered: `. <= ''` is false, so rejected
    ];
    let mut answers = serde_json::Map::new();
    let mut seen = Vec::new();
    for (key, value) in steps {
        s.set(key, &value).unwrap();
        if value.is_null() {
            answers.remove(key);
        } else {
            answers.insert(key.to_string(), value);
        }
        let batch = check(&cat, &submission(Value::Object(answers.clone())), now());
        let live = s.report();
        assert_eq!(
            serde_json::to_value(&live).unwrap(),
            serde_json::to_value(&batch).unwrap(),
            "after {key}"
        );
        seen.push(summary(&batch).1);
    }
    let both = vec![
        "t.under_limit".to_string(),
        "t.reads_under_limit".to_string(),
    ];
    assert_eq!(seen[2], both);
    assert_eq!(seen[3], Vec::<String>::new());
    assert_eq!(seen[4], both);
}
