//! A corpus of bad inputs: each goes through `check_json` (or `check`) and must come back as the
//! expected structured error (exact `code` and JSON Pointer `path`), never as a panic, and never as
//! a hazard finding.
//!
//! Most cases start from a clean, complete submission (valid, no findings) and change one thing;
//! the assertion is then on the errors the change *added*, so the test says precisely what each bad
//! entry produces without depending on unrelated `required` errors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, FixedOffset};
use paicha::{check, check_json, Catalogue, Level, Report, Reports};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const UUID: &str = "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10";
const SHA_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SHA_B: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn cat() -> &'static Catalogue {
    Catalogue::builtin()
}

fn now() -> Option<DateTime<FixedOffset>> {
    Some(DateTime::parse_from_rfc3339("2023-07-21T09:00:00+08:00").unwrap())
}

/// Answers common to both forms (self inspection, sales link): complete and compliant in 2023.
fn self_sales_answers() -> serde_json::Map<String, Value> {
    let v = json!({
        "licence.business_licence_valid": "yes",
        "ccc.certificate_valid": "yes",
        "ccc.model_matches_certificate": "yes",
        "ccc.mark_on_product": "yes",
        "selfcheck.risk_list": "yes",
        "selfcheck.daily_weekly_monthly": "yes",
        "selfcheck.safety_officer": "yes",
        "sales.purchase_inspection": "yes",
        "sales.purchase_sales_ledger": "yes",
        "ebike.model": "TDR-0815",
        "ebike.production_date": "2023-03-01",
        "ebike.battery_chemistry": "lead_acid",
        "ebike.max_speed_kmh": 25,
        "ebike.mass_kg": 52.5,
        "ebike.battery_voltage_v": 48,
        "ebike.motor_power_w": 350,
        "ebike.pedals_present": "yes",
        "ebike.speed_limiter_intact": "yes",
        "ebike.battery_max_output_v": 54,
        "ebike.battery_gap_mm": 10,
        "ebike.charger_plug_pins": 4,
        "ebike.components_checked": ["vehicle", "battery"],
        "ebike.certificate_matches_vehicle": "yes",
        "ebike.modification_found": "no"
    });
    v.as_object().unwrap().clone()
}

fn envelope(form: &str, link: &str, answers: serde_json::Map<String, Value>) -> Value {
    json!({
        "id": UUID,
        "product": "electric-bicycle",
        "form": form,
        "link": link,
        "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "贵阳示例车行", "region": "520102"},
        "inspected_at": "2023-07-20T10:00:00+08:00",
        "answers": answers
    })
}

/// A clean self-inspection of a seller.
fn base_self() -> Value {
    envelope("self_inspection", "sales", self_sales_answers())
}

/// A clean on-site inspection of a seller (with the on-site-only items).
fn base_onsite() -> Value {
    let mut a = self_sales_answers();
    let extra = json!({
        "ebike.onsite_photo": [{"sha256": SHA_A, "name": "front.jpg"}],
        "ebike.location": {"lat": 26.57, "lon": 106.71, "accuracy": 8},
        "ebike.inspector_signature": {"sha256": SHA_B},
        "ebike.enterprise_signature": {"sha256": SHA_A},
        "ebike.samples": [
            {"ebike.samples.frame_no": "LX0001", "ebike.samples.speed_kmh": 24,
             "ebike.samples.photo": [{"sha256": SHA_B, "size": 1000, "type": "image/jpeg"}]}
        ]
    });
    for (k, v) in extra.as_object().unwrap() {
        a.insert(k.clone(), v.clone());
    }
    envelope("onsite_inspection", "sales", a)
}

fn one(r: Result<Reports, paicha::Issue>) -> Report {
    match r {
        Ok(Reports::One(r)) => r,
        other => panic!("expected one report, got {other:?}"),
    }
}

/// The report's errors as sorted (path, code) pairs.
fn pairs(r: &Report) -> Vec<(String, String)> {
    let mut v: Vec<_> = r
        .errors
        .iter()
        .map(|e| (e.path.clone(), e.code.as_str().to_string()))
        .collect();
    v.sort();
    v
}

/// Errors of `r` that are not in `base` (as a multiset of (path, code)).
fn added(base: &Report, r: &Report) -> Vec<(String, String)> {
    let mut old = pairs(base);
    let mut out = Vec::new();
    for p in pairs(r) {
        if let Some(i) = old.iter().position(|o| *o == p) {
            old.remove(i);
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn expect(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect();
    v.sort();
    v
}

/// Invariants every report must keep.
fn sane(r: &Report) {
    assert_eq!(r.valid, r.errors.is_empty(), "valid disagrees with errors: {r:?}");
    let max = r.findings.iter().map(|f| f.severity).max();
    let want = match max {
        None => Level::None,
        Some(paicha::policy::Severity::General) => Level::General,
        Some(paicha::policy::Severity::Major) => Level::Major,
    };
    assert_eq!(r.level, want);
    for e in &r.errors {
        assert!(
            e.path.is_empty() || e.path.starts_with('/'),
            "not a JSON Pointer: {:?}",
            e.path
        );
        assert!(!e.message.zh.is_empty() && !e.message.en.is_empty());
    }
}

/// Check `v` through both entry points (the value, and its JSON text) and return the report.
fn run(v: &Value) -> Report {
    let direct = check(cat(), v, now());
    let text = serde_json::to_string(v).unwrap();
    let via_text = one(check_json(cat(), &text, now()));
    assert_eq!(direct, via_text, "check and check_json disagree");
    sane(&direct);
    direct
}

/// `v` with `f` applied to it.
fn with(mut v: Value, f: impl FnOnce(&mut Value)) -> Value {
    f(&mut v);
    v
}

fn set_answer(v: Value, key: &str, answer: Value) -> Value {
    with(v, |v| {
        v["answers"][key] = answer;
    })
}

/// Asserts that changing the base submission as `f` does adds exactly the `want` errors and no
/// finding, and makes the report invalid.
fn case(base: &Value, f: impl FnOnce(&mut Value), want: &[(&str, &str)]) {
    let b = run(base);
    let v = with(base.clone(), f);
    let r = run(&v);
    assert_eq!(added(&b, &r), expect(want), "input: {v}\nreport errors: {:?}", pairs(&r));
    assert!(!r.valid);
    assert!(
        r.findings.len() <= b.findings.len(),
        "a bad entry created a finding: {:?}",
        r.findings
    );
}

/// A bad answer to `key`: compared with the same submission without that answer, the only new
/// error is `want`, at `/answers/<key>` unless a longer path is given, and no finding appears.
fn bad_answer(base: &Value, key: &str, answer: Value, want: &[(&str, &str)]) {
    let without = with(base.clone(), |v| {
        v["answers"].as_object_mut().unwrap().remove(key);
    });
    let b = run(&without);
    let v = set_answer(base.clone(), key, answer);
    let r = run(&v);
    assert_eq!(
        added(&b, &r),
        expect(want),
        "answer {key} = {}\nerrors: {:?}",
        v["answers"][key],
        pairs(&r)
    );
    assert!(!r.valid);
    // A bad entry is treated as unanswered: the findings equal those without the answer.
    assert_eq!(r.findings, b.findings, "a bad entry changed the findings");
    assert_eq!(r.level, b.level);
}

fn p(key: &str) -> String {
    format!("/answers/{key}")
}

// ---------------------------------------------------------------------------------------------
// Baselines

#[test]
fn baselines_are_clean() {
    for b in [base_self(), base_onsite()] {
        let r = run(&b);
        assert!(r.valid, "{:?}", pairs(&r));
        assert!(r.errors.is_empty());
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        assert_eq!(r.level, Level::None);
        assert_eq!(r.id, UUID);
    }
}

// ---------------------------------------------------------------------------------------------
// Not JSON at all

fn invalid_json(text: &str) {
    match check_json(cat(), text, now()) {
        Err(e) => {
            assert_eq!(e.code.as_str(), "invalid_json", "{text:?}");
            assert_eq!(e.path, "");
            assert!(e.message.en.contains("line"), "{}", e.message.en);
        }
        Ok(r) => panic!("{text:?} gave a report: {r:?}"),
    }
}

#[test]
fn not_json() {
    for t in [
        "",
        "   ",
        "hello",
        "{",
        "[",
        "{\"id\": ",
        "{\"id\": \"6f1c2a9e-3b7d",
        "{'id': 'x'}",
        "{\"a\": 1,}",
        "[1, 2",
        "{\"answers\": {\"ebike.max_speed_kmh\": 25}",
        "\u{feff}{}",
        "{\"id\": \"x\"} trailing",
        "nul",
        "\"unterminated",
        "{\"a\": \"\\u12\"}",
        "{\"a\": \"\\ud800\"}",
    ] {
        invalid_json(t);
    }
}

#[test]
fn truncated_submission_text_is_invalid_json() {
    let text = serde_json::to_string(&base_onsite()).unwrap();
    // Every proper prefix of an object is incomplete JSON.
    let mut cut = 1;
    while cut < text.len() {
        if text.is_char_boundary(cut) {
            invalid_json(&text[..cut]);
        }
        cut += 37;
    }
}

#[test]
fn nan_and_infinity_are_not_json() {
    for lit in ["NaN", "Infinity", "-Infinity", "nan", "inf", "+1", "01", "1.", ".5", "0x10"] {
        let text = format!(
            "{{\"id\": \"{UUID}\", \"answers\": {{\"ebike.max_speed_kmh\": {lit}}}}}"
        );
        invalid_json(&text);
    }
}

#[test]
fn numbers_beyond_f64_are_rejected_somewhere() {
    // serde_json refuses 1e400 (out of range); whatever the layer, it must not become a value.
    let text = serde_json::to_string(&base_self())
        .unwrap()
        .replace("\"ebike.max_speed_kmh\":25", "\"ebike.max_speed_kmh\":1e400");
    assert!(text.contains("1e400"));
    match check_json(cat(), &text, now()) {
        Err(e) => assert_eq!(e.code.as_str(), "invalid_json"),
        Ok(r) => {
            let r = match r {
                Reports::One(r) => r,
                Reports::Many(_) => panic!(),
            };
            assert!(!r.valid);
            assert!(r.findings.is_empty());
        }
    }
}

#[test]
fn json_that_is_not_an_object() {
    for text in ["5", "-0.5", "\"a string\"", "null", "true", "false", "\"\""] {
        let r = one(check_json(cat(), text, now()));
        sane(&r);
        assert_eq!(pairs(&r), expect(&[("", "wrong_type")]), "{text}");
        assert!(r.findings.is_empty());
        assert_eq!(r.level, Level::None);
        assert!(r.actions.is_empty());
        assert_eq!(r.id, "");
    }
}

#[test]
fn arrays_give_one_report_per_element() {
    let text = format!("[5, null, {}, []]", serde_json::to_string(&base_self()).unwrap());
    match check_json(cat(), &text, now()).unwrap() {
        Reports::Many(rs) => {
            assert_eq!(rs.len(), 4);
            assert_eq!(pairs(&rs[0]), expect(&[("", "wrong_type")]));
            assert_eq!(pairs(&rs[1]), expect(&[("", "wrong_type")]));
            assert!(rs[2].valid);
            assert_eq!(pairs(&rs[3]), expect(&[("", "wrong_type")]));
        }
        Reports::One(r) => panic!("{r:?}"),
    }
    match check_json(cat(), "[]", now()).unwrap() {
        Reports::Many(rs) => assert!(rs.is_empty()),
        Reports::One(r) => panic!("{r:?}"),
    }
}

