//! The shared corpus (`tests/express-fixtures/`): the native core gives each case's expected grade,
//! clock states and deadlines, and recipients; `tests/js/express.test.mjs` holds the built WASM
//! module to the same. `PAICHA_WRITE_EXPRESS_FIXTURES=1` fills in a new case's `expected` (then
//! read it: the notes say what it must be).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::{json, Value};

fn project(view: &Value) -> Value {
    let reports = Value::Array(
        view["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                json!({
                    "grade": x["report"]["grade"], "status": x["report"]["status"],
                    "overdue": x["overdue"], "late": x["late"],
                    "clocks": x["clocks"].as_array().unwrap().iter()
                        .map(|k| json!([k["kind"], k["state"], k["due"]])).collect::<Vec<_>>(),
                    "recipients": x["recipients"].as_array().unwrap().iter()
                        .map(|r| r["level"].clone()).collect::<Vec<_>>(),
                })
            })
            .collect(),
    );
    let errors: Vec<Value> = view["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].clone())
        .collect();
    json!({"reports": reports, "errors": errors})
}

#[test]
fn the_corpus_gives_its_expected_views() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/express-fixtures");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let mut case: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let view: Value =
            serde_json::from_str(&crate::api::view(&case["input"].to_string())).unwrap();
        let got = project(&view);
        if case["expected"].is_null() && std::env::var_os("PAICHA_WRITE_EXPRESS_FIXTURES").is_some()
        {
            case["expected"] = got.clone();
            std::fs::write(&path, serde_json::to_string_pretty(&case).unwrap() + "\n").unwrap();
        }
        assert_eq!(got, case["expected"], "{}", path.display());
        n += 1;
    }
    assert!(n >= 3);
}
