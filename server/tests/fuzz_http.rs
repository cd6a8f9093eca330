//! The `http` fuzz target's checks (fuzz/src/http.rs, included by path) in the normal test suite:
//! over every input it ever failed on (fuzz/regressions/http/, added before the fix), over a
//! machine's kept corpus when there is one, and over the seeds scripts/fuzz-seeds.mjs writes when
//! they have been made (target/fuzz-seeds/http), so the checks run on every `cargo test` and a
//! crash found by the fuzzer stays fixed.

#[path = "../../fuzz/src/http.rs"]
mod http;

use std::path::Path;

fn inputs(dir: &Path) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read(e.path()).ok())
        .collect();
    out.sort();
    out
}

/// One test, not two: the harness notes a panic on any thread (a handler's blocking task), so two
/// tests in parallel threads would see each other's.
#[test]
fn saved_failures_stay_fixed_and_refusals_are_problem_documents() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for dir in [
        "fuzz/regressions/http",
        "fuzz/corpus/http",
        "target/fuzz-seeds/http",
    ] {
        for input in inputs(&root.join(dir)) {
            http::http(&input);
        }
    }
    refusals();
}

/// Requests every route refuses, written out: a record and a query of the wrong shape, a path
/// parameter that is no id, a body that is not the content type it claims, a missing token, a
/// method the path does not take. Each must be a 4xx problem document or record result (the
/// checks in http.rs), never a 5xx or a bare text.
fn refusals() {
    let cases: &[&str] = &[
        "POST /api/v1/submissions\nas: jiancha\ncontent-type: application/json\n\n{\"id\": 1}",
        "POST /api/v1/submissions\nas: jiancha\ncontent-type: application/json\n\n[[[[",
        "POST /api/v1/events\nas: jiancha\ncontent-type: application/json\n\n[{\"kind\": \"opened\"}]",
        "GET /api/v1/submissions?limit=-1\nas: jiancha\n\n",
        "GET /api/v1/submissions/..%2F..%2Fetc\nas: jiancha\n\n",
        "GET /api/v1/ledger?region=52%00\nas: jiancha\n\n",
        "GET /api/v1/campaigns/nope/progress?region=999999\nas: dudao\n\n",
        "POST /api/v1/register/import?region=520102\nas: jiancha\ncontent-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\n\nPK\u{3}\u{4}garbage",
        "PUT /api/v1/attachments/xyz\nas: jiancha\n\nbytes",
        "GET /api/v1/me\n\n",
        "GET /api/v1/me\nauthorization: Bearer nonsense\n\n",
        "DELETE /api/v1/queue\nas: jiancha\n\n",
        "PATCH /api/v1/submissions\nas: jiancha\ncontent-type: application/json\n\n{}",
    ];
    for c in cases {
        http::http(c.as_bytes());
    }
}
