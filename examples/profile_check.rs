//! Repeats one check many times, for profilers (valgrind --tool=callgrind): no timing of its own.
//! Usage: cargo run --release --example profile_check -- TEMPLATE SUBMISSION [N] [compact]
//! With `compact`: what `checkCompact` runs (parse into the borrowed tree, check, compact JSON).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut cat = paicha::Catalogue::builtin().clone();
    cat.add_json(&std::fs::read_to_string(&args[1]).unwrap())
        .unwrap();
    let text = std::fs::read_to_string(&args[2]).unwrap();
    let n: usize = args.get(3).map_or(200, |s| s.parse().unwrap());
    let mut findings = 0;
    if args.get(4).is_some_and(|a| a == "compact") {
        for _ in 0..n {
            let v: paicha::Json = serde_json::from_str(&text).unwrap();
            findings += paicha::check_compact(&cat, &v, None).to_json().len();
        }
        println!("{findings}");
        return;
    }
    for _ in 0..n {
        if let Ok(paicha::Reports::One(r)) = paicha::check_json(&cat, &text, None) {
            findings += r.findings.len();
        }
    }
    println!("{findings}");
}
