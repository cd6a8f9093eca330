//! The measurable checks of the catalogue, each tested on both sides of its limit
//! (`tests/limits/<product>.json`). `tests/js/limits.test.mjs` runs the same files through WASM.
//!
//! A case gives answers (valid entries: an entry error on them fails the case) and expects either a
//! finding on an item (with severity, violation and a substring of the basis when given) or none.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use paicha::{check, Catalogue};
use serde_json::{json, Value};
use std::path::PathBuf;

fn files() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/limits");
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_name().unwrap().to_string_lossy().to_string(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The submission a case describes (defaults from its file).
pub fn submission(file: &Value, case: &Value, n: usize) -> Value {
    let d = &file["defaults"];
    let pick = |k: &str| case.get(k).or_else(|| d.get(k)).cloned().unwrap();
    json!({
        "id": format!("00000000-0000-4000-8000-{n:012}"),
        "product": file["product"],
        "form": pick("form"),
        "link": pick("link"),
        "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "示例企业", "region": "520102"},
        "inspected_at": pick("inspected_at"),
        "answers": case["answers"],
    })
}

#[test]
fn every_limit_on_both_sides() {
    let cat = Catalogue::builtin();
    let mut failures = Vec::new();
    let mut total = 0;
    for (name, file) in files() {
        for (n, case) in file["cases"].as_array().unwrap().iter().enumerate() {
            total += 1;
            let r = serde_json::to_value(check(cat, &submission(&file, case, n), None)).unwrap();
            let why = case["why"].as_str().unwrap_or("");
            let fail = |m: String| format!("{name} #{n} ({why}): {m}");
            for key in case["answers"].as_object().unwrap().keys() {
                let path = format!("/answers/{key}");
                if let Some(e) = r["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["path"].as_str().unwrap().starts_with(&path))
                {
                    failures.push(fail(format!("entry error {e}")));
                }
            }
            let findings = r["findings"].as_array().unwrap();
            if let Some(want) = case.get("finding") {
                let item = want["item"].as_str().unwrap();
                let found = findings.iter().find(|f| f["item"] == item);
                match found {
                    None => {
                        failures.push(fail(format!("no finding on {item}; findings {findings:?}")))
                    }
                    Some(f) => {
                        for k in ["severity", "violation"] {
                            if let Some(w) = want.get(k) {
                                if f.get(k) != Some(w) {
                                    failures
                                        .push(fail(format!("{k} is {:?}, expected {w}", f.get(k))));
                                }
                            }
                        }
                        if let Some(b) = want.get("basis").and_then(Value::as_str) {
                            if !f["basis"].as_str().unwrap().contains(b) {
                                failures.push(fail(format!("basis {} lacks {b}", f["basis"])));
                            }
                        }
                    }
                }
            }
            if let Some(item) = case.get("no_finding").and_then(Value::as_str) {
                if findings.iter().any(|f| f["item"] == item) {
                    failures.push(fail(format!("unexpected finding on {item}")));
                }
            }
        }
    }
    assert!(total > 0, "no limit cases");
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The market-access contract for every product: a `no` for `licence.production_licence_valid` in the
/// production link is unlicensed production; a `no` for `ccc.certificate_valid` is an uncertified
/// product (both major). Judged on a date when every regime in the catalogue applies.
#[test]
fn market_access_keys_grade_alike_in_every_product() {
    let cat = Catalogue::builtin();
    let mut checked = 0;
    for t in cat.current() {
        for (key, violation) in [
            ("licence.production_licence_valid", "unlicensed_production"),
            ("ccc.certificate_valid", "uncertified_product"),
        ] {
            if t.slot(key).is_none() {
                continue;
            }
            checked += 1;
            let file = json!({"product": t.product, "defaults": {
                "form": "onsite_inspection", "link": "production",
                "inspected_at": "2025-12-01T10:00:00+08:00"}});
            let case = json!({"answers": {key: "no"}});
            let r = check(cat, &submission(&file, &case, 0), None);
            let f = r.findings.iter().find(|f| f.item == key);
            let f = f.unwrap_or_else(|| panic!("{}: no finding for {key} = no", t.product));
            assert_eq!(f.severity, paicha::policy::Severity::Major, "{}", t.product);
            assert_eq!(
                serde_json::to_value(f.violation).unwrap(),
                json!(violation),
                "{}",
                t.product
            );
        }
    }
    assert!(
        checked >= 20,
        "only {checked} products carry the market-access keys"
    );
}
