//! Helpers shared by the integration tests (each test file uses the ones it needs).
#![allow(dead_code)]

use proptest::test_runner::Config;

/// Proptest settings: `PROPTEST_CASES` when set, else `default`; failures are printed, not saved.
pub fn cases(default: u32) -> Config {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    Config {
        cases: n,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Issues as sorted (path, code) pairs, for comparing with what a test expects.
pub fn issue_pairs(issues: &[paicha::Issue]) -> Vec<(String, String)> {
    let mut v: Vec<_> = issues
        .iter()
        .map(|e| (e.path.clone(), e.code.as_str().to_string()))
        .collect();
    v.sort();
    v
}

/// Every issue has a JSON Pointer (or the root) and a message in both languages.
pub fn assert_well_formed(issues: &[paicha::Issue]) {
    for i in issues {
        assert!(
            i.path.is_empty() || i.path.starts_with('/'),
            "not a JSON Pointer: {:?}",
            i.path
        );
        assert!(!i.message.zh.is_empty() && !i.message.en.is_empty());
    }
}

/// One repeat-group instance: an object answering each child with probability 0.7.
pub fn repeat_instance(
    children: Vec<(String, proptest::strategy::BoxedStrategy<serde_json::Value>)>,
) -> proptest::strategy::BoxedStrategy<serde_json::Value> {
    use proptest::prelude::*;
    children
        .into_iter()
        .map(|(k, s)| prop::option::weighted(0.7, s).prop_map(move |v| (k.clone(), v)))
        .collect::<Vec<_>>()
        .prop_map(|kvs| {
            let m: serde_json::Map<String, serde_json::Value> = kvs
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect();
            serde_json::Value::Object(m)
        })
        .boxed()
}

/// The shared fixture corpus (`tests/fixtures/*.json`, in name order): each file's path and case
/// (`submission`, `now`, the expected `report`).
pub fn corpus() -> Vec<(std::path::PathBuf, serde_json::Value)> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the corpus is missing");
    files
        .into_iter()
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p, v)
        })
        .collect()
}
