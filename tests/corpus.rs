//! The shared fixture corpus (`tests/fixtures/*.json`): each holds a submission and the full
//! report expected for it. The same files are run here natively and through the CLI, and by
//! `tests/js/corpus.test.mjs` through the WASM build in Node: all three must give exactly these
//! reports. `PAICHA_BLESS=1 cargo test --test corpus` rewrites the expected reports (review the diff).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use paicha::{check, Catalogue};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn now_of(case: &Value) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    case.get("now")
        .and_then(Value::as_str)
        .map(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap())
}

#[test]
fn native_reports_match_the_corpus() {
    let bless = std::env::var_os("PAICHA_BLESS").is_some();
    let mut failures = Vec::new();
    for (path, mut case) in common::corpus() {
        let report = check(Catalogue::builtin(), &case["submission"], now_of(&case));
        let got = serde_json::to_value(&report).unwrap();
        if bless {
            case["report"] = got;
            let text = serde_json::to_string_pretty(&case).unwrap();
            std::fs::write(&path, text + "\n").unwrap();
        } else if case.get("report") != Some(&got) {
            failures.push(format!(
                "{}:\n expected {}\n got      {}",
                path.display(),
                case.get("report").map(Value::to_string).unwrap_or_default(),
                got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn cli_reports_match_the_corpus() {
    if std::env::var_os("PAICHA_BLESS").is_some() {
        return; // the files are being rewritten by the native test
    }
    for (path, case) in common::corpus() {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_paicha"));
        cmd.arg("check");
        if let Some(now) = case.get("now").and_then(Value::as_str) {
            cmd.args(["--now", now]);
        } else {
            // No `now` in the case: any present time gives the same report for these dates.
            cmd.args(["--now", "2026-11-25T12:00:00+08:00"]);
        }
        let mut child = cmd
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let input = case["submission"].to_string();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", path.display());
        let got: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            Some(&got),
            case.get("report"),
            "CLI disagrees on {}",
            path.display()
        );
    }
}

#[test]
fn cli_takes_an_array_and_returns_an_array() {
    let subs: Vec<Value> = common::corpus()
        .into_iter()
        .map(|(_, c)| c["submission"].clone())
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_paicha"))
        .args(["check", "--now", "2026-11-25T12:00:00+08:00", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(Value::Array(subs.clone()).to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let got: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got.len(), subs.len());
    for (r, s) in got.iter().zip(&subs) {
        assert_eq!(r["id"], s["id"]);
    }
}

#[test]
fn cli_exit_codes() {
    let run = |args: &[&str], input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_paicha"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The CLI may exit before reading (a missing file): a closed pipe is fine here.
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, err) = run(&["check", "-"], "{not json");
    assert_eq!(code, Some(2));
    assert!(err.contains("invalid_json"), "{err}");
    assert_eq!(run(&["check", "/no/such/file"], "").0, Some(2));
    assert_eq!(run(&["frobnicate"], "").0, Some(2));
    assert_eq!(run(&["check", "--now", "yesterday", "-"], "{}").0, Some(2));
    // A report that finds everything wrong is still a report: exit 0.
    assert_eq!(run(&["check", "-"], "{}").0, Some(0));
    let (code, _) = run(&["catalogue"], "");
    assert_eq!(code, Some(0));
}

#[test]
fn repeated_keys_are_read_as_json_parse_reads_them() {
    let cat = Catalogue::builtin();
    let text = r#"{"id": "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10", "product": "nope", "product": "electric-bicycle",
        "form": "onsite_inspection", "link": "sales",
        "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "", "name": "b", "region": "520102"},
        "inspected_at": "2023-07-20T10:00:00+08:00",
        "answers": {"ebike.max_speed_kmh": 20, "ebike.max_speed_kmh": 30}}"#;
    let Ok(paicha::Reports::One(via_text)) = paicha::check_json(cat, text, None) else {
        panic!("one report expected");
    };
    let via_value = check(cat, &serde_json::from_str::<Value>(text).unwrap(), None);
    assert_eq!(via_text, via_value);
    assert!(via_text
        .findings
        .iter()
        .any(|f| f.item == "ebike.max_speed_kmh"));
    assert!(!via_text
        .errors
        .iter()
        .any(|e| e.path == "/product" || e.path == "/enterprise/name"));
}
