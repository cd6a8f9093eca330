//! The ledger corpus (`tests/ledger-fixtures/`): event sets with the view, the due list and the
//! fold the core gives for them. This test holds the native results to the files; the WASM module
//! is held to the same files in Node (`tests/js/ledger.test.mjs`), so device and server fold alike.
//! After a deliberate change: `PAICHA_BLESS=1 cargo test -p paicha-ledger-wasm`, then
//! read the diff.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::api;
use serde_json::{json, Value};

fn results(case: &Value) -> Value {
    let events = case["events"].to_string();
    let now = case["now"].as_str().unwrap();
    let who = case["viewer"]["who"].as_str().unwrap();
    let code = case["viewer"]["code"].as_str().unwrap();
    let parse = |s: String| serde_json::from_str::<Value>(&s).unwrap();
    json!({
        "view": parse(api::view(&events, who, code, now).unwrap()),
        "due": parse(api::due(&events, now).unwrap()),
        "fold": parse(api::fold(&events).unwrap()),
        "csv": api::csv(&events, who, code, now).unwrap(),
    })
}

#[test]
fn the_corpus_gives_the_recorded_results() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/ledger-fixtures");
    let mut n = 0;
    for f in std::fs::read_dir(&dir).unwrap() {
        let path = f.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        n += 1;
        let mut case: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let got = results(&case);
        if std::env::var_os("PAICHA_BLESS").is_some() {
            case["expected"] = got;
            std::fs::write(&path, serde_json::to_string_pretty(&case).unwrap() + "\n").unwrap();
            continue;
        }
        assert_eq!(got, case["expected"], "{}", path.display());
    }
    assert!(n >= 3, "the corpus is missing");
}

#[test]
fn the_fold_is_the_same_in_any_order() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/ledger-fixtures");
    let case: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("conflicting-rechecks.json")).unwrap(),
    )
    .unwrap();
    let mut events = case["events"].as_array().unwrap().clone();
    let state = |evs: &[Value]| {
        serde_json::from_str::<Value>(&api::fold(&json!(evs).to_string()).unwrap()).unwrap()
            ["state"]
            .clone()
    };
    let first = state(&events);
    events.reverse();
    let copy = events[3].clone();
    events.push(copy);
    assert_eq!(state(&events), first);
}

#[test]
fn misuse_is_an_error_with_a_code_not_a_panic() {
    for (r, code) in [
        (api::fold("{not json"), "invalid_json"),
        (api::fold("{}"), "invalid_json"),
        (
            api::view("[]", "mayor", "520100", "2023-01-01T00:00:00+08:00"),
            "invalid_viewer",
        ),
        (
            api::view("[]", "region", "520100", "yesterday"),
            "invalid_now",
        ),
        (api::due("[]", "2023-01-01"), "invalid_now"),
    ] {
        assert_eq!(r.unwrap_err().code, code);
    }
    let e: Value =
        serde_json::from_str(&api::check_event("{\"id\": \"x\", \"kind\": \"created\"}").unwrap())
            .unwrap();
    assert_eq!(e["code"], "invalid_event");
    assert_eq!(api::check_event(&json!({"id": "5a0c7f4e-2b1d-4e8a-9c3f-000000000003", "entry": "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b",
        "author": "qiye", "device": "phone", "at": "2023-08-30T16:20:00+08:00", "kind": "rectified", "measures": "x"}).to_string()).unwrap(), "null");
}

#[test]
fn entries_open_from_a_report_with_the_policys_deadlines() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(
            root.join("tests/fixtures/ebike-onsite-sales-speed-and-modification.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let report = fixture["report"].to_string();
    let policy = std::fs::read_to_string(root.join("policy.json")).unwrap();
    let findings = fixture["report"]["findings"].as_array().unwrap().len();
    let ids: Vec<String> = (0..3 * findings)
        .map(|i| format!("6f1c2a9e-3b7d-4c1e-9a55-{i:012}"))
        .collect();
    let enterprise = json!({"uscc": "91520102MA6DK4L2XN", "region": "520102"}).to_string();
    let maker = json!({"author": "jiancha", "device": "tablet", "at": "2023-07-20T10:30:00+08:00"})
        .to_string();
    let out = api::open_entries(
        &report,
        &enterprise,
        "electric-bicycle",
        &maker,
        &json!(ids).to_string(),
        &policy,
    )
    .unwrap();
    let events: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(events.len(), 2 * findings);
    // Each rectification deadline equals the report's own `rectify` action for that item.
    for pair in events.chunks(2) {
        let item = pair[0]["item"].as_str().unwrap();
        let due = fixture["report"]["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == "rectify" && a["item"] == item)
            .map(|a| a["due"].clone());
        assert_eq!(Some(pair[1]["deadline"].clone()), due, "{item}");
    }
    // Too few ids: an error, not a panic or an entry without an id.
    let few = api::open_entries(
        &report,
        &enterprise,
        "electric-bicycle",
        &maker,
        "[]",
        &policy,
    );
    assert_eq!(few.unwrap_err().code, "not_enough_ids");
}

#[test]
fn default_deadlines_follow_the_policy() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let policy = std::fs::read_to_string(root.join("policy.json")).unwrap();
    let d: Value = serde_json::from_str(
        &api::default_deadlines(&policy, "major", "2024-01-01T09:00:00+08:00").unwrap(),
    )
    .unwrap();
    // A major on-site danger: the local policy's 5/10 days (Order 18's 60/75 are for spot
    // checks), the latest days an inspector may choose instead, and two-way tracing by day 10
    // (policy.json's trace_days; a general danger is not traced).
    assert_eq!(
        d,
        json!({"deadline": "2024-01-06", "recheck_by": "2024-01-11",
               "max_deadline": "2024-01-31", "max_recheck_by": "2024-02-15",
               "trace_by": "2024-01-11"})
    );
    let g: Value = serde_json::from_str(
        &api::default_deadlines(&policy, "general", "2024-02-25T09:00:00+08:00").unwrap(),
    )
    .unwrap();
    assert_eq!(
        g,
        json!({"deadline": "2024-03-03", "recheck_by": "2024-03-11",
               "max_deadline": "2024-03-26", "max_recheck_by": "2024-04-10"})
    );
    // The county's queue per line, from the same policy's `lines` table.
    let events =
        std::fs::read_to_string(root.join("tests/ledger-fixtures/overdue-and-refused.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .map(|v| v["events"].to_string());
    if let Some(events) = events {
        let all: Value = serde_json::from_str(
            &api::queue(&events, &policy, "all", "2023-12-01T09:00:00+08:00").unwrap(),
        )
        .unwrap();
        let lines: Value = serde_json::from_str(
            &api::queue(
                &events,
                &policy,
                "quality_supervision",
                "2023-12-01T09:00:00+08:00",
            )
            .unwrap(),
        )
        .unwrap();
        assert!(all.as_array().unwrap().len() >= lines.as_array().unwrap().len());
        assert!(lines
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["line"] == "quality_supervision"));
    }
    assert_eq!(
        api::queue("[]", &policy, "finance", "2023-12-01T09:00:00+08:00")
            .unwrap_err()
            .code,
        "invalid_line"
    );
    let f: Value =
        serde_json::from_str(&api::measure_fields("judicial_transfer_review", "50000").unwrap())
            .unwrap();
    assert_eq!(f["criminal"], true);
    assert!(f["required"]
        .as_array()
        .unwrap()
        .contains(&json!("receiver")));
    let m: Value = serde_json::from_str(
        &api::measures_for(&policy, "major", "unlicensed_production").unwrap(),
    )
    .unwrap();
    assert!(m
        .as_array()
        .unwrap()
        .contains(&json!("serious_violation_list")));
    assert_eq!(
        api::default_deadlines(&policy, "huge", "2024-01-01T09:00:00+08:00")
            .unwrap_err()
            .code,
        "invalid_severity"
    );
}
