//! The compact report (`paicha::compact`) against the full one: over the shared corpus
//! (`tests/fixtures`) and over variants of it with every yes/no answer flipped (many findings,
//! per-item and submission-wide actions), the compact report expanded from the template equals
//! `check` and a live session's report, directly and after a round trip through its JSON. `tests/js/compact.test.mjs` does the
//! same through the WASM build, with the bench forms too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use paicha::{check, check_compact, Catalogue, Compact, Json, Session};
use serde_json::Value;

fn cases() -> Vec<(String, Value, Option<String>)> {
    let mut out = Vec::new();
    for (p, case) in common::corpus() {
        let now = case.get("now").and_then(Value::as_str).map(str::to_string);
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let sub = case["submission"].clone();
        let mut flipped = sub.clone();
        if let Some(a) = flipped.get_mut("answers").and_then(Value::as_object_mut) {
            for v in a.values_mut() {
                flip(v);
            }
        }
        out.push((name.clone(), sub, now.clone()));
        out.push((format!("{name} (flipped)"), flipped, now));
    }
    out
}

/// "yes" <-> "no", also inside repeat groups.
fn flip(v: &mut Value) {
    match v {
        Value::String(s) if s == "yes" => *s = "no".into(),
        Value::String(s) if s == "no" => *s = "yes".into(),
        Value::Array(a) => a.iter_mut().for_each(flip),
        Value::Object(o) => o.values_mut().for_each(flip),
        _ => {}
    }
}

fn now_of(s: &Option<String>) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    s.as_deref()
        .map(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap())
}

fn compact_of(sub: &Value, now: &Option<String>) -> Compact {
    let text = sub.to_string();
    let v: Json<'_> = serde_json::from_str(&text).unwrap();
    check_compact(Catalogue::builtin(), &v, now_of(now))
}

#[test]
fn expanded_compact_reports_equal_full_reports() {
    let cat = Catalogue::builtin();
    let (mut findings, mut wide, mut instances, mut sessions) = (0, 0, 0, 0);
    for (name, sub, now) in cases() {
        let full = check(cat, &sub, now_of(&now));
        let c = compact_of(&sub, &now);
        assert_eq!(c.expand(cat).as_ref(), Some(&full), "{name}");
        // `check` is itself the compact report spelled out; a live session reaches its report
        // by the other road (findings first, then the actions of them): the two must agree.
        let text = sub.to_string();
        let v: Json<'_> = serde_json::from_str(&text).unwrap();
        if let Ok(s) = Session::open_json(cat, &v, now_of(&now)) {
            assert_eq!(s.report(), full, "{name}: session");
            sessions += 1;
        }
        // Through its JSON and back: what a page or a server sends on.
        let text = c.to_json();
        let v: Json<'_> = serde_json::from_str(&text).unwrap();
        let back = Compact::from_json(&v).unwrap_or_else(|| panic!("{name}: unreadable {text}"));
        assert_eq!(back, c, "{name}");
        findings += full.findings.len();
        wide += full.actions.iter().filter(|a| !a.items.is_empty()).count();
        instances += full
            .findings
            .iter()
            .filter(|f| f.instance.is_some())
            .count();
    }
    // The cases exercise what the compact form encodes differently (not only empty reports).
    assert!(findings > 50, "{findings} findings");
    assert!(wide > 10, "{wide} submission-wide actions");
    assert!(instances > 0, "no finding inside a repeat group");
    assert!(sessions > 20, "{sessions} sessions");
}

#[test]
fn compact_json_names_items_by_slot_and_carries_no_texts() {
    let (_, sub, now) = cases()
        .into_iter()
        .find(|(n, _, _)| n.starts_with("ebike-general-findings"))
        .unwrap();
    let c = compact_of(&sub, &now);
    let full = check(Catalogue::builtin(), &sub, now_of(&now));
    assert!(!full.findings.is_empty());
    let v: Value = serde_json::from_str(&c.to_json()).unwrap();
    let t = c.template(Catalogue::builtin()).unwrap();
    for (f, cf) in full.findings.iter().zip(v["findings"].as_array().unwrap()) {
        let slot = cf[0].as_u64().unwrap() as u32;
        assert_eq!(t.item(slot).unwrap().key, f.item);
        assert_eq!(cf[1].as_u64().unwrap() as usize, f.rule);
    }
    let text = c.to_json();
    for f in &full.findings {
        assert!(
            !text.contains(&f.message.en),
            "a finding's text travelled: {text}"
        );
    }
    assert!(text.len() * 3 < serde_json::to_string(&full).unwrap().len());
    assert_eq!(v["level"], serde_json::to_value(full.level).unwrap());
    assert_eq!(v["product"], sub["product"]);
}

#[test]
fn a_compact_report_of_another_template_does_not_expand() {
    let (_, sub, now) = cases()
        .into_iter()
        .find(|(n, _, _)| n.starts_with("ebike-general-findings"))
        .unwrap();
    let mut c = compact_of(&sub, &now);
    assert!(c.expand(Catalogue::builtin()).is_some());
    c.findings[0].slot = 1_000_000;
    assert_eq!(c.expand(Catalogue::builtin()), None);
    let mut c = compact_of(&sub, &now);
    c.dates.clear();
    assert_eq!(c.expand(Catalogue::builtin()), None);
    // Not of the shape at all.
    let v: Json<'_> = serde_json::from_str(r#"{"id":"x","findings":[["a"]]}"#).unwrap();
    assert_eq!(Compact::from_json(&v), None);
}
