//! The fuzz targets' checks (fuzz/src/cases.rs, included by path) in the normal test suite: over
//! every input a target ever failed on (fuzz/regressions/<target>/, added before the fix), over a
//! machine's kept corpus when there is one, and over deterministic pseudo-random bytes, so the checks
//! themselves are exercised on every `cargo test` and cannot rot while nobody runs the fuzzer.

#[path = "../fuzz/src/cases.rs"]
mod cases;

use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("check_json", cases::check_json),
    ("session", cases::session),
    ("template", cases::template),
    ("expr", cases::expr),
    ("ledger_fold", cases::ledger_fold),
    ("ledger_event", cases::ledger_event),
    ("register_import", cases::register_import),
    ("bodies", cases::bodies),
];

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

#[test]
fn saved_failures_stay_fixed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (name, target) in TARGETS {
        for kind in ["regressions", "corpus"] {
            for input in inputs(&root.join(kind).join(name)) {
                target(&input);
            }
        }
    }
}

/// xorshift64*: a fixed stream, so a failure here is reproducible from its index.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

#[test]
fn checks_hold_on_pseudo_random_inputs() {
    for (name, target) in TARGETS {
        for i in 0..40u64 {
            let input = bytes(i + 1, 64 + (i as usize * 97) % 1500);
            eprintln!("{name} #{i}");
            target(&input);
        }
    }
}
