//! Native benchmark: prints figures, asserts no times.
//!
//!     node bench/gen.mjs                                  # writes bench/data/
//!     cargo run --release --example bench [-- DATA_DIR [check|set]]
//!
//! DATA_DIR defaults to bench/data; `check` or `set` runs only that part (for profiling).
//!
//! Loads the generated templates (bench-60, bench-500) into the built-in catalogue and measures,
//! median and p99 µs per call after a warm-up:
//!   - `check` of the 60- and 500-item submissions from a parsed `serde_json::Value`, from JSON text
//!     (`check_json`), and text to text (`check_json` + serializing the report);
//!   - the parts: parsing the text (into the borrowed `paicha::Json` that `check_json` uses),
//!     serializing the report; and parsing into `serde_json::Value`, for scale;
//!   - `Session::set` on the 500-item form, one answer at a time, cycling through the generated
//!     changes (and with the delta serialized to JSON, as the WASM `setJson` does).

use paicha::{check, check_json, Catalogue, Session};
use serde_json::Value;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SIZES: [usize; 2] = [60, 500];
/// The generated submissions are inspected on 2025-10-15 (+08:00); `now` is the next morning.
const NOW: &str = "2025-10-16T09:00:00+08:00";

struct Stats {
    median: f64,
    p99: f64,
    n: usize,
}

fn stats(mut ns: Vec<u64>) -> Stats {
    ns.sort_unstable();
    let at = |q: f64| {
        let i = ((ns.len().saturating_sub(1)) as f64 * q) as usize;
        ns.get(i).copied().unwrap_or(0) as f64 / 1000.0
    };
    Stats {
        median: at(0.5),
        p99: at(0.99),
        n: ns.len(),
    }
}

/// Time `f(i)` once per sample after `warmup` calls: at least `iters` samples and at least `min`
/// of sampling (capped at `max_iters`).
fn measure(
    warmup: usize,
    iters: usize,
    min: Duration,
    max_iters: usize,
    mut f: impl FnMut(usize),
) -> Stats {
    for i in 0..warmup {
        f(i);
    }
    let mut samples = Vec::with_capacity(iters);
    let start = Instant::now();
    let mut i = 0;
    loop {
        let t0 = Instant::now();
        f(i);
        samples.push(t0.elapsed().as_nanos() as u64);
        i += 1;
        if samples.len() >= max_iters || (samples.len() >= iters && start.elapsed() >= min) {
            break;
        }
    }
    stats(samples)
}

fn fmt(x: f64) -> String {
    if x >= 1000.0 {
        format!("{x:.0}")
    } else if x >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn cell(s: &Stats) -> String {
    format!("{} / {}", fmt(s.median), fmt(s.p99))
}

fn read(dir: &Path, n: usize, what: &str) -> String {
    let p = dir.join(format!("bench-{n}.{what}.json"));
    match std::fs::read_to_string(&p) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "cannot read {}: {e}\nrun `node bench/gen.mjs` first (or pass the data directory)",
                p.display()
            );
            std::process::exit(2);
        }
    }
}

fn parse(s: &str, what: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| {
        eprintln!("{what}: {e}");
        std::process::exit(2);
    })
}

struct Set {
    text: String,
    value: Value,
    changes: Vec<(String, Value, String)>,
    load_ms: f64,
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("bench/data"), PathBuf::from);
    let only = std::env::args().nth(2);
    let run = |part: &str| only.as_deref().is_none_or(|o| o == part);
    let now = chrono::DateTime::parse_from_rfc3339(NOW).ok();

    let t0 = Instant::now();
    let mut cat = Catalogue::builtin().clone();
    let builtin_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let mut sets: BTreeMap<usize, Set> = BTreeMap::new();
    for n in SIZES {
        let template = read(&dir, n, "template");
        let t0 = Instant::now();
        if let Err(e) = cat.add_json(&template) {
            eprintln!("bench-{n} template:\n{e}");
            std::process::exit(2);
        }
        let load_ms = t0.elapsed().as_secs_f64() * 1000.0;
        let text = read(&dir, n, "submission");
        let value = parse(&text, "submission");
        let changes = match parse(&read(&dir, n, "changes"), "changes") {
            Value::Array(a) => a
                .into_iter()
                .filter_map(|c| {
                    Some((
                        c.get("key")?.as_str()?.to_string(),
                        c.get("value")?.clone(),
                        c.get("kind")?
                            .as_str()?
                            .trim_end_matches(" (undo)")
                            .to_string(),
                    ))
                })
                .collect(),
            _ => Vec::new(),
        };
        sets.insert(
            n,
            Set {
                text,
                value,
                changes,
                load_ms,
            },
        );
    }

    println!(
        "paicha native (release), {} on {}; built-in catalogue compiled in {builtin_ms:.1} ms",
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    for (n, s) in &sets {
        let r = check(&cat, &s.value, now);
        if !r.valid {
            eprintln!("bench-{n}: the submission has entry errors: {:?}", r.errors);
            std::process::exit(1);
        }
        let report_json = serde_json::to_string(&r).unwrap_or_default();
        println!(
            "bench-{n}: template compiled in {:.2} ms; {} answers, {} findings, level {:?}, {} actions, report {} B JSON",
            s.load_ms,
            s.value
                .get("answers")
                .and_then(Value::as_object)
                .map_or(0, |a| a.len()),
            r.findings.len(),
            r.level,
            r.actions.len(),
            report_json.len()
        );
    }

    if run("check") {
        whole(&cat, &sets, now);
    }
    if run("set") {
        keystrokes(&cat, &sets, now);
    }
}

/// Whole submissions.
fn whole(
    cat: &Catalogue,
    sets: &BTreeMap<usize, Set>,
    now: Option<chrono::DateTime<chrono::FixedOffset>>,
) {
    let mut rows: Vec<(&str, Vec<Stats>)> = vec![
        ("check(&serde_json::Value)", Vec::new()),
        ("check_json(text)", Vec::new()),
        ("check_json(text) + report to JSON", Vec::new()),
        ("  of which parse text (borrowed Json)", Vec::new()),
        ("  of which report to JSON", Vec::new()),
        ("(parse text to serde_json::Value)", Vec::new()),
    ];
    for s in sets.values() {
        let (warm, iters, min) = (200, 2000, Duration::from_millis(800));
        let max = 1_000_000;
        let report = check(cat, &s.value, now);
        let r = [
            measure(warm, iters, min, max, |_| {
                black_box(check(cat, black_box(&s.value), now));
            }),
            measure(warm, iters, min, max, |_| {
                black_box(check_json(cat, black_box(&s.text), now).ok());
            }),
            measure(warm, iters, min, max, |_| {
                let r = check_json(cat, black_box(&s.text), now).ok();
                black_box(r.and_then(|r| serde_json::to_string(&r).ok()));
            }),
            measure(warm, iters, min, max, |_| {
                black_box(serde_json::from_str::<paicha::Json<'_>>(black_box(&s.text)).ok());
            }),
            measure(warm, iters, min, max, |_| {
                black_box(serde_json::to_string(black_box(&report)).ok());
            }),
            measure(warm, iters, min, max, |_| {
                black_box(serde_json::from_str::<Value>(black_box(&s.text)).ok());
            }),
        ];
        for (row, st) in rows.iter_mut().zip(r) {
            row.1.push(st);
        }
    }
    println!();
    println!("Full check + grade, per submission: median / p99 µs");
    print!("{:<40}", "");
    for n in SIZES {
        print!("{:<22}", format!("{n} items"));
    }
    println!();
    for (label, st) in &rows {
        print!("{label:<40}");
        for s in st {
            print!("{:<22}", cell(s));
        }
        println!();
    }
}

/// Per keystroke on the 500-item form.
fn keystrokes(
    cat: &Catalogue,
    sets: &BTreeMap<usize, Set>,
    now: Option<chrono::DateTime<chrono::FixedOffset>>,
) {
    let Some(big) = sets.get(&500) else { return };
    let changes = &big.changes;
    if changes.is_empty() {
        eprintln!("no changes for bench-500");
        std::process::exit(2);
    }
    let open = || match Session::open(cat, &big.value, now) {
        Ok(s) => s,
        Err(r) => {
            eprintln!("cannot open a session: {:?}", r.errors);
            std::process::exit(1);
        }
    };
    let cycles = 50;
    let mut session = open();
    let mut by_kind: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    let mut all = Vec::with_capacity(changes.len() * cycles);
    let mut items = 0usize;
    for cycle in 0..=cycles {
        for (key, value, kind) in changes {
            let t0 = Instant::now();
            let d = session.set(key, value);
            let dt = t0.elapsed().as_nanos() as u64;
            let d = black_box(d);
            if cycle == 0 {
                // warm-up cycle; also checks that every change is accepted
                if let Err(e) = &d {
                    eprintln!("set {key}: {e:?}");
                    std::process::exit(1);
                }
                items += d.as_ref().map_or(0, |d| d.items.len());
                continue;
            }
            all.push(dt);
            by_kind.entry(kind.as_str()).or_default().push(dt);
        }
    }
    let same = session.report() == check(cat, &big.value, now);
    let set = stats(all);
    let mut session = open();
    let set_json = measure(
        changes.len(),
        changes.len() * cycles,
        Duration::ZERO,
        changes.len() * cycles,
        |i| {
            if let Some((key, value, _)) = changes.get(i % changes.len()) {
                let d = session.set(key, value).ok();
                black_box(d.and_then(|d| serde_json::to_string(&d).ok()));
            }
        },
    );
    let reopen = measure(20, 200, Duration::from_millis(500), 100_000, |_| {
        black_box(Session::open(cat, &big.value, now).ok());
    });
    println!();
    println!(
        "Per keystroke on bench-500: {} changes x {cycles} cycles ({} samples), {:.2} items per delta; \
         report after the cycles equals check(): {same}",
        changes.len(),
        set.n,
        items as f64 / changes.len() as f64
    );
    println!("{:<40}median / p99 µs", "");
    println!("{:<40}{}", "Session::set(key, &value)", cell(&set));
    println!("{:<40}{}", "Session::set + delta to JSON", cell(&set_json));
    println!("{:<40}{}", "(Session::open, for scale)", cell(&reopen));
    let kinds: Vec<String> = by_kind
        .into_iter()
        .map(|(k, v)| format!("{k} {}", fmt(stats(v).median)))
        .collect();
    println!("  set() median by kind of change: {}", kinds.join(", "));
}
