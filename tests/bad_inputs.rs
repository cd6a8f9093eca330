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

mod common;
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
        "ebike.components_checked": ["vehicle", "battery", "charger"],
        "ebike.certificate_matches_vehicle": "yes",
        "ebike.modification_found": "no",
        "marking.complete": "yes",
        "marking.no_false_marks": "yes",
        "storage.conditions_meet_requirements": "yes",
        "trace.batch_traceable": "yes",
        "trace.defect_handling": "yes"
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
        "onsite.location": {"lat": 26.57, "lon": 106.71, "accuracy": 8},
        "onsite.inspector1_signature": {"sha256": SHA_B},
        "onsite.enterprise_signature": {"sha256": SHA_A},
        "onsite.inspector2_signature": {"sha256": SHA_A},
        "onsite.inspector1_name": "王明", "onsite.inspector1_certificate": "52010021001",
        "onsite.inspector2_name": "李华", "onsite.inspector2_certificate": "52010021002",
        "onsite.representative_name": "张强", "onsite.place": "贵阳市南明区示例路 1 号",
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
    common::issue_pairs(&r.errors)
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
    assert_eq!(
        r.valid,
        r.errors.is_empty(),
        "valid disagrees with errors: {r:?}"
    );
    let max = r.findings.iter().map(|f| f.severity).max();
    let want = match max {
        None => Level::None,
        Some(paicha::policy::Severity::General) => Level::General,
        Some(paicha::policy::Severity::Major) => Level::Major,
    };
    assert_eq!(r.level, want);
    common::assert_well_formed(&r.errors);
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
    assert_eq!(
        added(&b, &r),
        expect(want),
        "input: {v}\nreport errors: {:?}",
        pairs(&r)
    );
    assert!(!r.valid);
    assert!(
        r.findings.len() <= b.findings.len(),
        "a bad entry created a finding: {:?}",
        r.findings
    );
}

/// A bad answer to `key`: compared with the same submission without that answer, the only new
/// errors are `want`, and the findings are those without the answer.
fn bad_answer(base: &Value, key: &str, answer: Value, want: &[(&str, &str)]) {
    let without = with(base.clone(), |v| {
        v["answers"].as_object_mut().unwrap().remove(key);
    });
    let b = run(&without);
    let v = set_answer(base.clone(), key, answer);
    let r = run(&v);
    let new = added(&b, &r);
    assert_eq!(
        new,
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
    for lit in [
        "NaN",
        "Infinity",
        "-Infinity",
        "nan",
        "inf",
        "+1",
        "01",
        "1.",
        ".5",
        "0x10",
    ] {
        let text =
            format!("{{\"id\": \"{UUID}\", \"answers\": {{\"ebike.max_speed_kmh\": {lit}}}}}");
        invalid_json(&text);
    }
}

#[test]
fn numbers_beyond_f64_are_invalid_json() {
    // serde_json refuses 1e400 (out of range) rather than reading it as infinity.
    for lit in ["1e400", "-1e400", "1e309"] {
        let text = serde_json::to_string(&base_self()).unwrap().replace(
            "\"ebike.max_speed_kmh\":25",
            &format!("\"ebike.max_speed_kmh\":{lit}"),
        );
        assert!(text.contains(lit));
        invalid_json(&text);
    }
    // Tiny numbers underflow to zero and are fine.
    let text = serde_json::to_string(&base_self()).unwrap().replace(
        "\"ebike.max_speed_kmh\":25",
        "\"ebike.max_speed_kmh\":1e-400",
    );
    assert!(one(check_json(cat(), &text, now())).valid);
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
    let text = format!(
        "[5, null, {}, []]",
        serde_json::to_string(&base_self()).unwrap()
    );
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

#[test]
fn empty_object_lists_every_missing_field() {
    let r = run(&json!({}));
    assert_eq!(
        pairs(&r),
        expect(&[
            ("/id", "missing_field"),
            ("/product", "missing_field"),
            ("/form", "missing_field"),
            ("/link", "missing_field"),
            ("/inspected_at", "missing_field"),
            ("/enterprise", "missing_field"),
            ("/answers", "missing_field"),
        ])
    );
    assert!(r.findings.is_empty());
}

// ---------------------------------------------------------------------------------------------
// The envelope

#[test]
fn wrong_types_for_each_envelope_field() {
    let base = base_self();
    let cases: &[(&str, Value, &str)] = &[
        ("/id", json!(5), "wrong_type"),
        ("/id", json!(["x"]), "wrong_type"),
        ("/id", json!(null), "missing_field"),
        ("/product", json!(1), "wrong_type"),
        (
            "/product",
            json!({"name": "electric-bicycle"}),
            "wrong_type",
        ),
        ("/product", json!(null), "missing_field"),
        ("/form", json!(true), "wrong_type"),
        ("/form", json!(["self_inspection"]), "wrong_type"),
        ("/link", json!({}), "wrong_type"),
        ("/link", json!(2), "wrong_type"),
        ("/enterprise", json!("贵阳示例车行"), "wrong_type"),
        ("/enterprise", json!([]), "wrong_type"),
        ("/enterprise", json!(null), "missing_field"),
        ("/inspected_at", json!(1_689_818_400), "wrong_type"),
        ("/inspected_at", json!({"date": "2023-07-20"}), "wrong_type"),
        ("/answers", json!([]), "wrong_type"),
        ("/answers", json!("yes"), "wrong_type"),
        ("/answers", json!(null), "missing_field"),
        ("/template_version", json!(2025.1), "wrong_type"),
        ("/template_version", json!(["2025.1"]), "wrong_type"),
    ];
    for (path, value, code) in cases {
        let field = &path[1..];
        let v = with(base.clone(), |v| v[field] = value.clone());
        let r = run(&v);
        // The field's own error must be there...
        assert!(
            pairs(&r).contains(&(path.to_string(), code.to_string())),
            "{path} = {value}: {:?}",
            pairs(&r)
        );
        // ...and nothing else at the envelope level.
        let envelope_errors: Vec<_> = pairs(&r)
            .into_iter()
            .filter(|(p, _)| !p.starts_with("/answers/"))
            .collect();
        assert_eq!(envelope_errors, expect(&[(path, code)]), "{path} = {value}");
        assert!(r.findings.is_empty() || *path == "/answers" || *path == "/id");
    }
}

#[test]
fn wrong_types_inside_the_enterprise() {
    let base = base_self();
    for (field, value, code) in [
        ("uscc", json!(915_201_020), "wrong_type"),
        ("uscc", json!(null), "missing_field"),
        ("name", json!(["贵阳示例车行"]), "wrong_type"),
        ("name", json!(null), "missing_field"),
        ("name", json!(""), "blank"),
        ("name", json!(" \t\n　"), "blank"),
        ("region", json!(520_102), "wrong_type"),
        ("region", json!(null), "missing_field"),
    ] {
        let path = format!("/enterprise/{field}");
        case(
            &base,
            |v| v["enterprise"][field] = value.clone(),
            &[(&path, code)],
        );
    }
    // An absent field is the same as null.
    case(
        &base,
        |v| {
            v["enterprise"].as_object_mut().unwrap().remove("region");
        },
        &[("/enterprise/region", "missing_field")],
    );
    case(
        &base,
        |v| v["enterprise"]["extra"] = json!(1),
        &[("/enterprise/extra", "unknown_field")],
    );
    case(
        &base,
        |v| v["enterprise"] = json!({}),
        &[
            ("/enterprise/uscc", "missing_field"),
            ("/enterprise/name", "missing_field"),
            ("/enterprise/region", "missing_field"),
        ],
    );
}

#[test]
fn ids_that_are_not_uuids() {
    let base = base_self();
    for id in [
        "",
        "abc",
        "6f1c2a9e3b7d4c1e9a550d2f6b8e4a10",
        "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a1g",
        "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a100",
        "{6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10}",
        " 6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10",
        "6f1c2a9e_3b7d_4c1e_9a55_0d2f6b8e4a10",
        "６f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a1",
    ] {
        let b = run(&base);
        let v = with(base.clone(), |v| v["id"] = json!(id));
        let r = run(&v);
        assert_eq!(added(&b, &r), expect(&[("/id", "invalid_id")]), "{id:?}");
        // The id is echoed back as given, so the client can match the report.
        assert_eq!(r.id, id);
    }
}

#[test]
fn unknown_top_level_fields() {
    let base = base_self();
    for key in [
        "extra",
        "Answers",
        "ID",
        "__proto__",
        "constructor",
        "prototype",
        "",
        "a/b",
        "~",
    ] {
        let ptr = paicha::issue::pointer("", key);
        case(&base, |v| v[key] = json!(1), &[(&ptr, "unknown_field")]);
    }
    // Pointer escaping of the key.
    let v = with(base_self(), |v| v["a/b~c"] = json!(null));
    let r = run(&v);
    assert_eq!(pairs(&r), expect(&[("/a~1b~0c", "unknown_field")]));
    // `meta` is allowed and anything goes in it.
    let v = with(base_self(), |v| {
        v["meta"] = json!({"device": "x", "n": [1, 2]})
    });
    assert!(run(&v).valid);
}

#[test]
fn unknown_product_form_link_and_version() {
    let base = base_self();
    for product in [
        "",
        "Electric-Bicycle",
        "electric-bicycle ",
        "ebike",
        "__proto__",
    ] {
        case(
            &base,
            |v| v["product"] = json!(product),
            &[("/product", "unknown_product")],
        );
    }
    for form in ["", "self", "SELF_INSPECTION", "onsite", "sales"] {
        case(
            &base,
            |v| v["form"] = json!(form),
            &[("/form", "invalid_form")],
        );
    }
    for link in ["", "retail", "Production", "production,sales"] {
        case(
            &base,
            |v| v["link"] = json!(link),
            &[("/link", "invalid_link")],
        );
    }
    case(
        &base,
        |v| v["template_version"] = json!("1999.1"),
        &[("/template_version", "unknown_version")],
    );
    // The current version by name is fine.
    let v = with(base.clone(), |v| v["template_version"] = json!("2025.1"));
    assert!(run(&v).valid);
}

#[test]
fn unknown_product_evaluates_no_answers() {
    let v = with(base_self(), |v| {
        v["product"] = json!("toaster");
        v["answers"]["ebike.max_speed_kmh"] = json!(99);
        v["answers"]["nonsense"] = json!(1);
    });
    let r = run(&v);
    assert_eq!(pairs(&r), expect(&[("/product", "unknown_product")]));
    assert!(r.findings.is_empty());
}

#[test]
fn bad_datetimes() {
    // Without the production date, whose constraint reads `today()` (see the ignored test
    // below for what happens with it).
    let base = with(base_self(), |v| {
        v["answers"]
            .as_object_mut()
            .unwrap()
            .remove("ebike.production_date");
    });
    for t in [
        "2023-02-30T10:00:00+08:00",
        "2023-02-29T10:00:00+08:00",
        "2023-07-20T10:00:00",
        "2023-07-20T24:00:01+08:00",
        "2023-07-20T10:60:00+08:00",
        "2023-07-20",
        "10:00:00+08:00",
        "2023-07-20T10:00:00+25:00",
        "20230720T100000Z",
        "",
        "yesterday",
        "2023-13-01T10:00:00+08:00",
        "2023-07-20 10:00:00 +0800",
    ] {
        case(
            &base,
            |v| v["inspected_at"] = json!(t),
            &[("/inspected_at", "invalid_datetime")],
        );
    }
    // These are fine: other offsets, UTC, fractions, leap day of a leap year.
    for t in [
        "2023-07-20T02:00:00Z",
        "2023-07-20T02:00:00.123456Z",
        "2023-07-19T21:00:00-05:00",
        "2020-02-29T10:00:00+08:00",
    ] {
        let v = with(base.clone(), |v| v["inspected_at"] = json!(t));
        let r = run(&v);
        assert!(
            !pairs(&r).iter().any(|(p, _)| p == "/inspected_at"),
            "{t}: {:?}",
            pairs(&r)
        );
    }
}

/// With no usable inspection date, `today()` is unknown, and a constraint such as
/// `. <= today()` fails: the correct production date gets an error whose message ("cannot be
/// after the inspection date") is false. An expression that cannot be judged should not reject
/// the entry (rules in the same situation are skipped).
#[test]
fn invalid_inspected_at_does_not_reject_answers_that_read_today() {
    let base = base_self();
    for t in [
        json!("2023-02-30T10:00:00+08:00"),
        json!("2023-07-20"),
        json!(null),
    ] {
        let b = run(&base);
        let v = with(base.clone(), |v| v["inspected_at"] = t.clone());
        let r = run(&v);
        let code = if t.is_null() {
            "missing_field"
        } else {
            "invalid_datetime"
        };
        assert_eq!(added(&b, &r), expect(&[("/inspected_at", code)]), "{t}");
    }
}

#[test]
fn future_inspection_times() {
    let base = base_self();
    // `now` is 2023-07-21T09:00+08:00; more than a day after it is a wrong clock.
    for t in [
        "2023-07-22T09:00:01+08:00",
        "2023-07-23T00:00:00+08:00",
        "2099-01-01T00:00:00Z",
    ] {
        case(
            &base,
            |v| v["inspected_at"] = json!(t),
            &[("/inspected_at", "future_datetime")],
        );
    }
    // Years no inspection can have are typing or clock errors (and would give deadlines that
    // YYYY-MM-DD cannot write).
    for t in ["9999-12-31T23:59:59+08:00", "1970-01-01T00:00:00Z"] {
        case(
            &base,
            |v| v["inspected_at"] = json!(t),
            &[("/inspected_at", "invalid_datetime")],
        );
    }
    // Within the day of grace, or in the past: no error.
    for t in [
        "2023-07-22T09:00:00+08:00",
        "2023-07-21T20:00:00+08:00",
        "2000-01-01T00:00:00Z",
    ] {
        let v = with(base.clone(), |v| v["inspected_at"] = json!(t));
        let r = run(&v);
        assert!(
            !pairs(&r).iter().any(|(p, _)| p == "/inspected_at"),
            "{t}: {:?}",
            pairs(&r)
        );
    }
    // Without `now`, nothing is in the future.
    let v = with(base, |v| v["inspected_at"] = json!("2099-01-01T00:00:00Z"));
    let r = check(cat(), &v, None);
    assert!(!pairs(&r).iter().any(|(p, _)| p == "/inspected_at"));
    // The same instant in a different offset is the same instant.
    let v = with(base_self(), |v| {
        v["inspected_at"] = json!("2023-07-22T08:00:00+07:00")
    });
    assert!(!pairs(&run(&v)).iter().any(|(p, _)| p == "/inspected_at"));
}

#[test]
fn uscc_check_characters() {
    let base = base_self();
    // Valid: 91520102MA6DK4L2XN. Every other last character fails the check.
    for last in "0123456789ABCDEFGHJKLMPQRTUWXY".chars() {
        let u = format!("91520102MA6DK4L2X{last}");
        case(
            &base,
            |v| v["enterprise"]["uscc"] = json!(u),
            &[("/enterprise/uscc", "uscc_check")],
        );
    }
    // Changing a body character also breaks the check.
    case(
        &base,
        |v| v["enterprise"]["uscc"] = json!("91520102MA6DK4L3XN"),
        &[("/enterprise/uscc", "uscc_check")],
    );
    // The message says which character was expected.
    let v = with(base, |v| {
        v["enterprise"]["uscc"] = json!("91520102MA6DK4L2XA")
    });
    let r = run(&v);
    assert!(
        r.errors[0].message.en.contains('N'),
        "{:?}",
        r.errors[0].message
    );
}

#[test]
fn malformed_usccs() {
    let base = base_self();
    for u in [
        "",
        "91520102MA6DK4L2X",
        "91520102MA6DK4L2XNN",
        "91520102ma6dk4l2xn",
        "91520102MA6DK4L2XI",
        "91520102MA6DK4L2XO",
        "91520102MA6DK4L2XS",
        "91520102MA6DK4L2XV",
        "91520102MA6DK4L2XZ",
        "91520102MA6DK4L2X ",
        " 91520102MA6DK4L2XN",
        "9152010２MA6DK4L2XN",
        "九1520102MA6DK4L2X",
        "91990102MA6DK4L2XN",
        "91000000MA6DK4L2XN",
        "91520102MA6DK4L2X\u{0}",
    ] {
        case(
            &base,
            |v| v["enterprise"]["uscc"] = json!(u),
            &[("/enterprise/uscc", "invalid_uscc")],
        );
    }
}

#[test]
fn bad_region_codes() {
    let base = base_self();
    for r in [
        "",
        "52010",
        "5201020",
        "52010a",
        "990102",
        "000000",
        "５２０１０２",
        " 52010",
        "52-102",
        "-52010",
        "+52010",
    ] {
        case(
            &base,
            |v| v["enterprise"]["region"] = json!(r),
            &[("/enterprise/region", "invalid_region")],
        );
    }
}

#[test]
fn enterprise_name_limits() {
    let base = base_self();
    let ok = "企".repeat(200);
    let v = with(base.clone(), |v| v["enterprise"]["name"] = json!(ok));
    assert!(run(&v).valid);
    let long = "企".repeat(201);
    case(
        &base,
        |v| v["enterprise"]["name"] = json!(long),
        &[("/enterprise/name", "too_long")],
    );
}

/// 10 MB strings: rejected as too long, quickly, through the JSON text as well.
#[test]
fn ten_megabyte_strings() {
    let huge = "长".repeat(10 * 1024 * 1024 / 3);
    assert!(huge.len() >= 10 * 1024 * 1024 - 3);
    let started = Instant::now();

    let base = base_self();
    let b = run(&base);
    let v = with(base.clone(), |v| v["enterprise"]["name"] = json!(huge));
    let r = run(&v);
    assert_eq!(added(&b, &r), expect(&[("/enterprise/name", "too_long")]));

    for key in ["ebike.remarks", "ebike.model"] {
        bad_answer(&base, key, json!(huge), &[(&p(key), "too_long")]);
    }
    // ASCII too, and an item with the default limit (2000) by one character.
    let ascii = "x".repeat(10 * 1024 * 1024);
    bad_answer(
        &base,
        "ebike.remarks",
        json!(ascii),
        &[(&p("ebike.remarks"), "too_long")],
    );
    bad_answer(
        &base,
        "ebike.remarks",
        json!("y".repeat(2001)),
        &[(&p("ebike.remarks"), "too_long")],
    );
    let v = set_answer(base.clone(), "ebike.remarks", json!("y".repeat(2000)));
    assert!(run(&v).valid);
    // A model at its limit of 100 characters is fine; 101 is not.
    let v = set_answer(base.clone(), "ebike.model", json!("型".repeat(100)));
    assert!(run(&v).valid);
    bad_answer(
        &base,
        "ebike.model",
        json!("型".repeat(101)),
        &[(&p("ebike.model"), "too_long")],
    );
    // A 10 MB key.
    let key = "k".repeat(10 * 1024 * 1024);
    let v = set_answer(base.clone(), &key, json!("yes"));
    let r = run(&v);
    assert_eq!(
        added(&b, &r),
        vec![(format!("/answers/{key}"), "unknown_item".to_string())]
    );

    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(20),
        "10 MB inputs took {took:?} (debug build)"
    );
}

#[test]
fn input_over_the_size_limit() {
    let text = format!("\"{}\"", "x".repeat(paicha::report::MAX_INPUT));
    match check_json(cat(), &text, now()) {
        Err(e) => {
            assert_eq!(e.code.as_str(), "too_large");
            assert_eq!(e.path, "");
        }
        Ok(r) => panic!("{:?}", r),
    }
}

/// Runs `f` on a thread with a small stack: a stack overflow there aborts the test process.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    on_stack(256, f)
}

fn on_stack<T: Send + 'static>(kib: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(kib * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// 100,000-deep nesting stops at serde's recursion limit, on a 512 KiB stack.
#[test]
fn deep_nesting_is_invalid_json_not_a_stack_overflow() {
    on_stack(512, deep_nesting);
}

fn deep_nesting() {
    let n = 100_000;
    let arrays = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let objects = format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
    let mixed = "[{\"a\":".repeat(n / 2);
    let unclosed = "[".repeat(n);
    let inside_answers = format!(
        "{{\"id\":\"{UUID}\",\"answers\":{{\"ebike.remarks\":{}\"x\"{}}}}}",
        "[".repeat(n),
        "]".repeat(n)
    );
    for text in [arrays, objects, mixed, unclosed, inside_answers] {
        match check_json(cat(), &text, now()) {
            Err(e) => assert_eq!(e.code.as_str(), "invalid_json"),
            Ok(_) => panic!("100,000-deep nesting was accepted"),
        }
    }
}

/// Frees a deeply nested value without recursion (serde_json's drop recurses).
fn flat_drop(v: Value) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => stack.extend(o.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// Values built in code are not limited by the JSON parser: `check` itself must not recurse
/// into answers. It does since commit d0036a9: `submission::borrow_json` converts the whole
/// `serde_json::Value` recursively, without a depth limit, so a 20,000-deep answer (or `meta`)
/// overflows the stack and aborts the process.
#[test]
fn deep_values_given_to_check_do_not_overflow() {
    // (Built and dropped outside the small stack.)
    let deep = || {
        // Built by hand: `json!` would serialize `d` again, recursively.
        let mut d = Value::from("x");
        for i in 0..20_000 {
            d = if i % 2 == 0 {
                Value::Array(vec![d])
            } else {
                let mut m = serde_json::Map::new();
                m.insert("ebike.samples.frame_no".into(), d);
                Value::Object(m)
            };
        }
        d
    };
    let mut v = base_onsite();
    for key in [
        "ebike.remarks",
        "ebike.samples",
        "onsite.location",
        "ebike.onsite_photo",
        "nope",
    ] {
        v["answers"][key] = deep();
    }
    v["meta"] = deep();
    v["enterprise"]["name"] = deep();
    let shared = std::sync::Arc::new(v);
    let inner = std::sync::Arc::clone(&shared);
    let r = on_small_stack(move || {
        let r = check(cat(), &inner, now());
        drop(inner);
        r
    });
    sane(&r);
    assert!(!r.valid);
    let codes = pairs(&r);
    assert!(codes.contains(&("/answers/nope".into(), "unknown_item".into())));
    assert!(codes.contains(&("/enterprise/name".into(), "wrong_type".into())));
    assert!(codes.contains(&("/answers/onsite.location".into(), "invalid_geo".into())));
    let v = std::sync::Arc::try_unwrap(shared).unwrap();
    flat_drop(v);
}

// ---------------------------------------------------------------------------------------------
// Answers

#[test]
fn prototype_keys_are_unknown_items() {
    let base = base_self();
    for key in [
        "__proto__",
        "constructor",
        "prototype",
        "toString",
        "hasOwnProperty",
        "",
        " ",
        "a/b",
        "ebike",
        "ebike.",
        "EBIKE.MODEL",
        "ebike.model ",
    ] {
        let ptr = paicha::issue::pointer("/answers", key);
        case(
            &base,
            |v| v["answers"][key] = json!("yes"),
            &[(&ptr, "unknown_item")],
        );
    }
    // In JSON text, too (where a JS client would have the trouble).
    let text = serde_json::to_string(&base_self()).unwrap().replacen(
        "\"answers\":{",
        "\"answers\":{\"__proto__\":{\"polluted\":true},\"constructor\":{\"prototype\":{}},",
        1,
    );
    let r = one(check_json(cat(), &text, now()));
    assert_eq!(
        pairs(&r),
        expect(&[
            ("/answers/__proto__", "unknown_item"),
            ("/answers/constructor", "unknown_item")
        ])
    );
    let text = serde_json::to_string(&base_self()).unwrap().replacen(
        "{",
        "{\"__proto__\":{\"valid\":true},",
        1,
    );
    let r = one(check_json(cat(), &text, now()));
    assert_eq!(pairs(&r), expect(&[("/__proto__", "unknown_field")]));
}

#[test]
fn repeat_children_are_not_top_level_answers() {
    case(
        &base_onsite(),
        |v| v["answers"]["ebike.samples.frame_no"] = json!("LX1"),
        &[("/answers/ebike.samples.frame_no", "unknown_item")],
    );
}

#[test]
fn invalid_dates() {
    let base = base_self();
    let key = "ebike.production_date";
    for d in [
        "2023-02-29",
        "2023-02-30",
        "2023-04-31",
        "2023-13-01",
        "2023-00-10",
        "2023-01-00",
        "2023-1-5",
        "23-01-05",
        "2023/01/05",
        "2023-01-05T00:00:00",
        " 2023-01-05",
        "2023-01-05 ",
        "２０２３-01-05",
        "",
        "today",
    ] {
        bad_answer(&base, key, json!(d), &[(&p(key), "invalid_date")]);
    }
    bad_answer(&base, key, json!(20230105), &[(&p(key), "wrong_type")]);
    bad_answer(
        &base,
        key,
        json!(["2023-01-05"]),
        &[(&p(key), "wrong_type")],
    );
    bad_answer(&base, key, json!(true), &[(&p(key), "wrong_type")]);
    // A leap day of a leap year is a date.
    let v = set_answer(base.clone(), key, json!("2020-02-29"));
    assert!(run(&v).valid);
    // A real date after the inspection fails the item's constraint, with its own message.
    let v = set_answer(base, key, json!("2023-07-21"));
    let r = run(&v);
    assert_eq!(pairs(&r), expect(&[(&p(key), "constraint")]));
    assert_eq!(
        r.errors[0].message.en,
        "The production date cannot be after the inspection date"
    );
}

#[test]
fn numbers_and_bools_for_choices() {
    let base = base_self();
    let key = "ebike.battery_chemistry";
    for a in [
        json!(1),
        json!(0),
        json!(true),
        json!({"value": "lithium"}),
        json!(["lithium"]),
    ] {
        bad_answer(&base, key, a, &[(&p(key), "wrong_type")]);
    }
    for a in [
        "nickel",
        "",
        "Lithium",
        "lithium ",
        "铅酸",
        "lead_acid,lithium",
    ] {
        bad_answer(&base, key, json!(a), &[(&p(key), "invalid_choice")]);
    }
    // Multiple choice: not an array, a wrong element, a repeated element, too many.
    let key = "ebike.components_checked";
    bad_answer(&base, key, json!("vehicle"), &[(&p(key), "wrong_type")]);
    bad_answer(
        &base,
        key,
        json!({"vehicle": true}),
        &[(&p(key), "wrong_type")],
    );
    bad_answer(
        &base,
        key,
        json!(["vehicle", "wheels"]),
        &[(&format!("{}/1", p(key)), "invalid_choice")],
    );
    bad_answer(
        &base,
        key,
        json!(["vehicle", 2]),
        &[(&format!("{}/1", p(key)), "wrong_type")],
    );
    bad_answer(
        &base,
        key,
        json!(["battery", "battery"]),
        &[(&format!("{}/1", p(key)), "invalid_choice")],
    );
    bad_answer(
        &base,
        key,
        json!(["vehicle", "battery", "charger", "vehicle"]),
        &[(&p(key), "too_many")],
    );
    // An empty selection is unanswered, so the constraint is not judged.
    let v = set_answer(base, key, json!([]));
    assert!(run(&v).valid);
}

#[test]
fn yes_no_items_with_other_strings() {
    let base = base_self();
    let key = "ebike.pedals_present";
    for a in [
        "Yes", "YES", "y", "n", "true", "false", "是", "否", "N/A", "", " yes", "yes ",
    ] {
        bad_answer(&base, key, json!(a), &[(&p(key), "invalid_choice")]);
    }
    for a in [
        json!(true),
        json!(false),
        json!(1),
        json!(0),
        json!(["yes"]),
        json!({"yes": 1}),
    ] {
        bad_answer(&base, key, a, &[(&p(key), "wrong_type")]);
    }
    // "na" is a valid answer and is not a finding.
    let v = set_answer(base, key, json!("na"));
    let r = run(&v);
    assert!(r.valid);
    assert!(r.findings.is_empty());
}

#[test]
fn integers_with_fractions() {
    let base = base_self();
    let key = "ebike.charger_plug_pins";
    for a in [json!(4.5), json!(3.999), json!(0.1), json!(-0.5)] {
        bad_answer(&base, key, a, &[(&p(key), "not_integer")]);
    }
    for a in [json!("4"), json!(true), json!([4])] {
        bad_answer(&base, key, a, &[(&p(key), "wrong_type")]);
    }
    // 4.0 is a whole number (JSON has one number type).
    let v = set_answer(base, key, json!(4.0));
    assert!(run(&v).valid);
}

#[test]
fn numbers_outside_min_max() {
    let base = base_self();
    for (key, values) in [
        (
            "ebike.max_speed_kmh",
            vec![json!(-0.001), json!(120.5), json!(1e300), json!(-1e300)],
        ),
        ("ebike.mass_kg", vec![json!(0), json!(0.99), json!(300.01)]),
        ("ebike.battery_voltage_v", vec![json!(0), json!(201)]),
        ("ebike.motor_power_w", vec![json!(10001), json!(-5)]),
        ("ebike.charger_plug_pins", vec![json!(21), json!(-1)]),
        ("ebike.battery_gap_mm", vec![json!(500.5)]),
    ] {
        for a in values {
            bad_answer(&base, key, a, &[(&p(key), "out_of_range")]);
        }
    }
    // The bounds themselves are in range (120 km/h is plausible, and a finding, not an error).
    let v = set_answer(base.clone(), "ebike.max_speed_kmh", json!(120));
    let r = run(&v);
    assert!(r.valid);
    assert_eq!(r.findings.len(), 1);
    let v = set_answer(base.clone(), "ebike.max_speed_kmh", json!(0));
    assert!(run(&v).valid);
    // Strings that look like numbers are not numbers.
    for a in ["25", "fast", "", "NaN", "Infinity"] {
        bad_answer(
            &base,
            "ebike.max_speed_kmh",
            json!(a),
            &[(&p("ebike.max_speed_kmh"), "wrong_type")],
        );
    }
}

#[test]
fn answers_outside_the_form_or_link() {
    // On-site-only items in a self inspection.
    let base = base_self();
    for (key, a) in [
        ("ebike.onsite_photo", json!([{"sha256": SHA_A}])),
        ("onsite.location", json!({"lat": 1, "lon": 2})),
        ("onsite.inspector1_signature", json!({"sha256": SHA_A})),
        ("onsite.enterprise_signature", json!({"sha256": SHA_A})),
        ("ebike.samples", json!([])),
        // Even a wrong-typed answer: the item is not part of the form at all.
        ("onsite.location", json!("here")),
    ] {
        case(
            &base,
            |v| v["answers"][key] = a.clone(),
            &[(&p(key), "not_applicable")],
        );
    }
    // Sales-only items in a production inspection.
    let mut answers = self_sales_answers();
    answers.remove("ebike.certificate_matches_vehicle");
    answers.remove("sales.purchase_inspection");
    answers.remove("sales.purchase_sales_ledger");
    for key in [
        "equipment.calibration_in_date",
        "equipment.required_present",
        "factory.every_batch_inspected",
        "factory.inspection_records",
        "materials.incoming_inspection_records",
        "materials.supplier_qualification_checked",
        "process.key_control_points",
        "process.no_adulteration",
    ] {
        answers.insert(key.to_string(), json!("yes"));
    }
    let prod = envelope("self_inspection", "production", answers);
    let r = run(&prod);
    assert!(r.valid, "{:?}", pairs(&r));
    for key in [
        "ebike.certificate_matches_vehicle",
        "sales.purchase_inspection",
        "sales.purchase_sales_ledger",
    ] {
        case(
            &prod,
            |v| v["answers"][key] = json!("no"),
            &[(&p(key), "not_applicable")],
        );
    }
    // Fragment items the e-bike template excludes do not exist at all.
    case(
        &prod,
        |v| v["answers"]["licence.production_licence_valid"] = json!("no"),
        &[("/answers/licence.production_licence_valid", "unknown_item")],
    );
}

#[test]
fn repeat_groups_with_wrong_shapes() {
    let base = base_onsite();
    let key = "ebike.samples";
    let path = p(key);
    for a in [
        json!({}),
        json!("LX0001"),
        json!(3),
        json!(true),
        json!({"0": {}}),
    ] {
        bad_answer(&base, key, a, &[(&path, "wrong_type")]);
    }
    bad_answer(
        &base,
        key,
        json!([1]),
        // The instance exists but answers nothing, so its required child is missing too.
        &[
            (&format!("{path}/0"), "wrong_type"),
            (&format!("{path}/0/ebike.samples.frame_no"), "required"),
        ],
    );
    bad_answer(
        &base,
        key,
        json!([{"ebike.samples.frame_no": "A"}, "B", null, [{}]]),
        &[
            (&format!("{path}/1"), "wrong_type"),
            (&format!("{path}/1/ebike.samples.frame_no"), "required"),
            (&format!("{path}/2"), "wrong_type"),
            (&format!("{path}/2/ebike.samples.frame_no"), "required"),
            (&format!("{path}/3"), "wrong_type"),
            (&format!("{path}/3/ebike.samples.frame_no"), "required"),
        ],
    );
    // Unknown keys inside an instance, including a top-level key and the group's own key.
    bad_answer(
        &base,
        key,
        json!([{"ebike.samples.frame_no": "A", "nope": 1, "ebike.model": "x", "ebike.samples": []}]),
        &[
            (&format!("{path}/0/nope"), "unknown_item"),
            (&format!("{path}/0/ebike.model"), "unknown_item"),
            (&format!("{path}/0/ebike.samples"), "unknown_item"),
        ],
    );
    // Bad child answers: typed, ranged, missing required child, bad photo.
    bad_answer(
        &base,
        key,
        json!([{"ebike.samples.frame_no": "A", "ebike.samples.speed_kmh": "fast"}]),
        &[(&format!("{path}/0/ebike.samples.speed_kmh"), "wrong_type")],
    );
    bad_answer(
        &base,
        key,
        json!([{"ebike.samples.frame_no": "A", "ebike.samples.speed_kmh": 999}]),
        &[(&format!("{path}/0/ebike.samples.speed_kmh"), "out_of_range")],
    );
    bad_answer(
        &base,
        key,
        json!([{"ebike.samples.speed_kmh": 20}]),
        &[(&format!("{path}/0/ebike.samples.frame_no"), "required")],
    );
    bad_answer(
        &base,
        key,
        json!([{"ebike.samples.frame_no": "A", "ebike.samples.photo": {"sha256": "nope"}}]),
        &[(
            &format!("{path}/0/ebike.samples.photo"),
            "invalid_attachment",
        )],
    );
    // More instances than max_count (50).
    let many: Vec<Value> = (0..51)
        .map(|i| json!({"ebike.samples.frame_no": format!("F{i}")}))
        .collect();
    bad_answer(&base, key, json!(many), &[(&path, "too_many")]);
    let fifty: Vec<Value> = (0..50)
        .map(|i| json!({"ebike.samples.frame_no": format!("F{i}")}))
        .collect();
    let v = set_answer(base.clone(), key, json!(fifty));
    assert!(run(&v).valid);
    // A finding inside a good instance stays; the bad instance adds none.
    let v = set_answer(
        base,
        key,
        json!([{"ebike.samples.frame_no": "A", "ebike.samples.speed_kmh": 30},
               {"ebike.samples.frame_no": "B", "ebike.samples.speed_kmh": "30"}]),
    );
    let r = run(&v);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].instance, Some(0));
    assert_eq!(
        r.findings[0].path,
        format!("{path}/0/ebike.samples.speed_kmh")
    );
    assert_eq!(
        pairs(&r),
        expect(&[(&format!("{path}/1/ebike.samples.speed_kmh"), "wrong_type")])
    );
}

#[test]
fn bad_attachment_references() {
    let base = base_onsite();
    let key = "onsite.inspector1_signature";
    for a in [
        json!("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        json!({}),
        json!({"sha256": ""}),
        json!({"sha256": "abc"}),
        json!({"sha256": format!("{SHA_B}0")}),
        json!({"sha256": SHA_B.replace('a', "g")}),
        json!({"sha256": 12345}),
        json!({"sha256": SHA_B, "url": "http://example.com/x.png"}),
        json!({"SHA256": SHA_B}),
        json!([{"sha256": SHA_B}]),
        json!(true),
        json!(7),
    ] {
        bad_answer(&base, key, a, &[(&p(key), "invalid_attachment")]);
    }
    let key = "ebike.onsite_photo";
    bad_answer(
        &base,
        key,
        json!({"sha256": "x"}),
        &[(&p(key), "invalid_attachment")],
    );
    bad_answer(
        &base,
        key,
        json!("photo.jpg"),
        &[(&p(key), "invalid_attachment")],
    );
    bad_answer(
        &base,
        key,
        json!([{"sha256": SHA_A}, {"name": "b.jpg"}, "c.jpg"]),
        &[
            (&format!("{}/1", p(key)), "invalid_attachment"),
            (&format!("{}/2", p(key)), "invalid_attachment"),
        ],
    );
    let many: Vec<Value> = (0..21).map(|_| json!({"sha256": SHA_A})).collect();
    bad_answer(&base, key, json!(many), &[(&p(key), "too_many")]);
    // Upper-case hex is refused, as the server and the pages refuse it (paicha::ids::is_sha256):
    // accepted here, the photo would never be attached to the stored record.
    bad_answer(
        &base,
        "onsite.inspector1_signature",
        json!({"sha256": SHA_B.to_uppercase()}),
        &[(&p("onsite.inspector1_signature"), "invalid_attachment")],
    );
    let v = set_answer(
        base,
        "onsite.inspector1_signature",
        json!({"sha256": SHA_B}),
    );
    assert!(run(&v).valid);
}

#[test]
fn bad_geo_points() {
    let base = base_onsite();
    let key = "onsite.location";
    for a in [
        json!({"lat": 90.0001, "lon": 0}),
        json!({"lat": -91, "lon": 0}),
        json!({"lat": 0, "lon": 180.5}),
        json!({"lat": 0, "lon": -181}),
        json!({"lat": 1e308, "lon": 1e308}),
        json!({"lat": "26.5", "lon": 106.7}),
        json!({"lat": 26.5}),
        json!({"lon": 106.7}),
        json!({}),
        json!({"lat": 26.5, "lon": 106.7, "accuracy": -1}),
        json!({"lat": 26.5, "lon": 106.7, "accuracy": "5"}),
        json!({"lat": 26.5, "lon": 106.7, "alt": null}),
        json!({"lat": 26.5, "lon": 106.7, "speed": 3}),
        json!({"latitude": 26.5, "longitude": 106.7}),
        json!([26.5, 106.7]),
        json!("26.5 106.7"),
        json!(26.5),
        json!(true),
    ] {
        bad_answer(&base, key, a, &[(&p(key), "invalid_geo")]);
    }
    for ok in [
        json!({"lat": 90, "lon": 180}),
        json!({"lat": -90, "lon": -180, "alt": -400.5, "accuracy": 0}),
    ] {
        let v = set_answer(base.clone(), key, ok);
        assert!(run(&v).valid);
    }
}

#[test]
fn null_is_unanswered() {
    // A null answer is the same as no answer, for every item.
    let base = base_onsite();
    let keys: Vec<String> = base["answers"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    for key in keys {
        let removed = with(base.clone(), |v| {
            v["answers"].as_object_mut().unwrap().remove(&key);
        });
        let nulled = set_answer(base.clone(), &key, Value::Null);
        assert_eq!(run(&removed), run(&nulled), "{key}");
    }
}

#[test]
fn irrelevant_answers_are_ignored_even_when_bad() {
    // The charger handshake is asked only for lithium batteries; the base is lead-acid.
    let base = base_self();
    let v = set_answer(base.clone(), "ebike.charger_handshake", json!("maybe"));
    let r = run(&v);
    assert!(r.valid, "{:?}", pairs(&r));
    let v = set_answer(base, "ebike.charger_handshake", json!("no"));
    assert!(run(&v).findings.is_empty());
}

#[test]
fn many_bad_entries_at_once_are_all_reported() {
    let v = json!({
        "id": "nope",
        "product": "electric-bicycle",
        "form": "onsite_inspection",
        "link": "sales",
        "enterprise": {"uscc": "91520102MA6DK4L2XA", "name": "", "region": "990000", "fax": 1},
        "inspected_at": "2030-01-01T00:00:00+08:00",
        "extra": true,
        "answers": {
            "ebike.max_speed_kmh": "30",
            "ebike.mass_kg": 500,
            "ebike.charger_plug_pins": 1.5,
            "ebike.battery_chemistry": "lead_acid",
            "ebike.pedals_present": "ja",
            "ebike.production_date": "2023-02-29",
            "onsite.location": {"lat": 100, "lon": 0},
            "ebike.onsite_photo": {"sha256": "x"},
            "__proto__": "yes"
        }
    });
    let r = run(&v);
    let got = pairs(&r);
    for want in [
        ("/id", "invalid_id"),
        ("/extra", "unknown_field"),
        ("/enterprise/uscc", "uscc_check"),
        ("/enterprise/name", "blank"),
        ("/enterprise/region", "invalid_region"),
        ("/enterprise/fax", "unknown_field"),
        ("/inspected_at", "future_datetime"),
        ("/answers/ebike.max_speed_kmh", "wrong_type"),
        ("/answers/ebike.mass_kg", "out_of_range"),
        ("/answers/ebike.charger_plug_pins", "not_integer"),
        ("/answers/ebike.pedals_present", "invalid_choice"),
        ("/answers/ebike.production_date", "invalid_date"),
        ("/answers/onsite.location", "invalid_geo"),
        ("/answers/ebike.onsite_photo", "invalid_attachment"),
        ("/answers/__proto__", "unknown_item"),
    ] {
        assert!(
            got.contains(&(want.0.to_string(), want.1.to_string())),
            "missing {want:?} in {got:?}"
        );
    }
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(r.level, Level::None);
    assert!(r.actions.is_empty());
}

#[test]
fn findings_still_come_with_errors_elsewhere() {
    // Findings are computed for every answered item even when the submission is incomplete.
    let v = with(base_self(), |v| {
        v["answers"]["ebike.max_speed_kmh"] = json!(32);
        v["answers"]["ebike.mass_kg"] = json!("heavy");
        v["enterprise"]["region"] = json!("1");
    });
    let r = run(&v);
    assert!(!r.valid);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].item, "ebike.max_speed_kmh");
    assert_eq!(r.level, Level::Major);
}

#[test]
fn text_items_with_other_types() {
    let base = base_self();
    let key = "ebike.model";
    for a in [
        json!(123),
        json!(true),
        json!(["TDR"]),
        json!({"zh": "型号"}),
    ] {
        bad_answer(&base, key, a, &[(&p(key), "wrong_type")]);
    }
    // Blank text is no answer: the required item is then missing, nothing else.
    for blank in ["", "   ", "\t\n", "\u{3000}"] {
        let v = set_answer(base.clone(), key, json!(blank));
        assert_eq!(
            pairs(&run(&v)),
            expect(&[(&p(key), "required")]),
            "{blank:?}"
        );
    }
}

#[test]
fn duplicate_keys_in_json_text_take_the_last_value() {
    // As in JavaScript's JSON.parse, so the browser and the server read the same thing.
    let text = serde_json::to_string(&base_self()).unwrap().replacen(
        "\"ebike.max_speed_kmh\":25",
        "\"ebike.max_speed_kmh\":99,\"ebike.max_speed_kmh\":25",
        1,
    );
    let r = one(check_json(cat(), &text, now()));
    assert!(r.valid);
    assert!(r.findings.is_empty());
}

/// docs/codes.md: "An answer with an entry error counts as unanswered afterwards: it never
/// produces a finding, and it is not reported a second time as `required`."
#[test]
fn a_rejected_answer_is_not_also_reported_as_required() {
    let base = base_onsite();
    for (key, bad, code) in [
        ("ebike.max_speed_kmh", json!("fast"), "wrong_type"),
        ("ebike.max_speed_kmh", json!(500), "out_of_range"),
        ("ebike.battery_chemistry", json!("nickel"), "invalid_choice"),
        ("ebike.pedals_present", json!("Yes"), "invalid_choice"),
        ("ebike.model", json!("x".repeat(101)), "too_long"),
        (
            "onsite.inspector1_signature",
            json!({"sha256": "x"}),
            "invalid_attachment",
        ),
        (
            "ebike.onsite_photo",
            json!([{"sha256": "x"}]),
            "invalid_attachment",
        ),
    ] {
        let v = set_answer(base.clone(), key, bad);
        let r = run(&v);
        let at_path: Vec<_> = pairs(&r)
            .into_iter()
            .filter(|(path, _)| path == &p(key) || path.starts_with(&format!("{}/", p(key))))
            .map(|(_, c)| c)
            .collect();
        assert_eq!(at_path, vec![code.to_string()], "{key}");
    }
}

/// The same inside a repeat group: a rejected child answer is reported as what it is and also as
/// `required` (the top-level case was fixed; `state::evaluate` still calls `check_one` for the
/// children of each instance whatever their conversion errors).
#[test]
fn a_rejected_child_answer_is_not_also_reported_as_required() {
    let base = base_onsite();
    let v = set_answer(
        base.clone(),
        "ebike.samples",
        json!([{"ebike.samples.frame_no": "x".repeat(41)}]),
    );
    let r = run(&v);
    assert_eq!(
        pairs(&r),
        expect(&[(
            "/answers/ebike.samples/0/ebike.samples.frame_no",
            "too_long"
        )])
    );
    bad_answer(
        &base,
        "ebike.samples",
        json!([{"ebike.samples.frame_no": "A"}, {"ebike.samples.frame_no": ["B"]}]),
        &[(
            "/answers/ebike.samples/1/ebike.samples.frame_no",
            "wrong_type",
        )],
    );
}

/// `now` is the caller's; the extreme one chrono can represent must not make `check` panic
/// (`now + 1 day` overflows in `parse_header`).
#[test]
fn extreme_now_does_not_panic() {
    let max = DateTime::<chrono::Utc>::MAX_UTC.fixed_offset();
    let r = std::panic::catch_unwind(|| check(cat(), &base_self(), Some(max)));
    let r = r.expect("check panicked");
    assert!(r.valid, "{:?}", pairs(&r));
}

#[test]
fn earliest_now_makes_every_inspection_future() {
    let min = DateTime::<chrono::Utc>::MIN_UTC.fixed_offset();
    let r = check(cat(), &base_self(), Some(min));
    assert_eq!(pairs(&r), expect(&[("/inspected_at", "future_datetime")]));
}

/// Duplicate keys in the JSON text: `check_json` must read them as `JSON.parse` (and
/// `serde_json::Value`, so `check`) do, the last one winning, in the envelope as in the answers.
/// Since commit d0036a9 (borrowed JSON, whose objects keep every duplicate and `get` returns the
/// first), `check_json` takes the *first* value of a duplicated envelope or enterprise field:
/// the browser and the server can then disagree on what was submitted.
#[test]
fn duplicate_envelope_keys_take_the_last_value() {
    let text = serde_json::to_string(&base_self()).unwrap();
    let mut wrong = Vec::new();
    for (from, to) in [
        (
            "\"form\":\"self_inspection\"",
            "\"form\":\"audit\",\"form\":\"self_inspection\"",
        ),
        (
            "\"inspected_at\":\"2023-07-20T10:00:00+08:00\"",
            "\"inspected_at\":\"x\",\"inspected_at\":\"2023-07-20T10:00:00+08:00\"",
        ),
        (
            "\"region\":\"520102\"",
            "\"region\":\"9\",\"region\":\"520102\"",
        ),
        (
            "\"ebike.model\":\"TDR-0815\"",
            "\"ebike.model\":5,\"ebike.model\":\"TDR-0815\"",
        ),
        (
            "\"ebike.max_speed_kmh\":25",
            "\"ebike.max_speed_kmh\":99,\"ebike.max_speed_kmh\":25",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let dup = text.replacen(from, to, 1);
        let via_text = one(check_json(cat(), &dup, now()));
        let via_value = check(cat(), &serde_json::from_str::<Value>(&dup).unwrap(), now());
        if via_text != via_value || !via_text.valid {
            wrong.push(format!(
                "{to}: check_json {:?}, check {:?}",
                pairs(&via_text),
                pairs(&via_value)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A photo array with one bad reference among good ones is an entry error, so it should count as
/// unanswered downstream (docs/codes.md). It keeps the first good reference as its value instead,
/// which other expressions then read: here `ebike.remarks` becomes required
/// (`${onsite.location} = '' and ${ebike.onsite_photo} != ''`).
#[test]
fn a_partly_invalid_photo_array_counts_as_unanswered() {
    let base = with(base_onsite(), |v| {
        v["answers"]
            .as_object_mut()
            .unwrap()
            .remove("onsite.location");
    });
    bad_answer(
        &base,
        "ebike.onsite_photo",
        json!([{"sha256": SHA_A}, {"sha256": "x"}]),
        &[("/answers/ebike.onsite_photo/1", "invalid_attachment")],
    );
}
