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
