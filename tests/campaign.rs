//! The campaign (`paicha::campaign`): progress and roll-up on the fixture county
//! (tests/campaign-fixtures/county.json: 250 register entries, their submissions, ledger events and
//! spot checks, with the figures expected from the rules the generator made them by), every figure
//! of every locality and product asserted; milestone flags the day before, on and after each
//! milestone; the risk ranking's factors; and a property test that progress does not depend on
//! the order records arrived in.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, FixedOffset, NaiveDate};
use paicha::campaign::*;
use paicha::ledger::{fold, Event, SpotCheck};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;

fn plan() -> Plan {
    let (_, text) = paicha::campaign::plan::BUILTIN[0];
    serde_json::from_str(text).unwrap()
}

struct Fixture {
    raw: Value,
    register: Vec<Registered>,
    submissions: Vec<SubmissionFact>,
    events: Vec<Event>,
    spots: Vec<SpotCheck>,
    now: DateTime<FixedOffset>,
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/campaign-fixtures/county.json"
    ))
    .unwrap();
    let raw: Value = serde_json::from_str(&text).unwrap();
    let get = |k: &str| raw[k].clone();
    Fixture {
        register: serde_json::from_value(get("register")).unwrap(),
        submissions: serde_json::from_value(get("submissions")).unwrap(),
        events: serde_json::from_value(get("events")).unwrap(),
        spots: serde_json::from_value(get("spot_checks")).unwrap(),
        now: DateTime::parse_from_rfc3339(raw["now"].as_str().unwrap()).unwrap(),
        raw,
    }
}

fn run(
    f: &Fixture,
    register: &[Registered],
    subs: &[SubmissionFact],
    events: &[Event],
    spots: &[SpotCheck],
) -> Progress {
    let state = fold(events);
    assert_eq!(state.errors().count(), 0, "the fixture's events all apply");
    let entries: Vec<EntryFact> = state.entries.iter().map(EntryFact::of).collect();
    let spots: Vec<SpotFact> = spots.iter().map(SpotFact::of).collect();
    let inputs = Inputs {
        register,
        submissions: subs,
        entries: &entries,
        spots: &spots,
    };
    progress(&plan(), &inputs, "520000", f.now)
}

fn nodes(n: &Node, out: &mut BTreeMap<String, Node>) {
    out.insert(n.code.clone(), n.clone());
    for c in &n.children {
        nodes(c, out);
    }
}

#[test]
fn every_figure_of_the_fixture_county() {
    let f = fixture();
    let p = run(&f, &f.register, &f.submissions, &f.events, &f.spots);
    assert_eq!(p.today, "2023-08-16");
    let mut all = BTreeMap::new();
    nodes(&p.root, &mut all);
    let expected = f.raw["expected"].as_object().unwrap();
    assert_eq!(
        all.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "the localities of the tree"
    );
    for (code, want) in expected {
        let node = &all[code];
        let total: Figures = serde_json::from_value(want["total"].clone()).unwrap();
        assert_eq!(node.figures, total, "{code} total");
        let want_products: BTreeMap<String, Figures> =
            serde_json::from_value(want["products"].clone()).unwrap();
        let got: BTreeMap<String, Figures> = node
            .products
            .iter()
            .map(|p| (p.product.clone(), p.figures))
            .collect();
        assert_eq!(got, want_products, "{code} per product");
    }
    // The hierarchy: 52 -> 5201, 5202 -> counties.
    assert_eq!(p.root.level, Level::Province);
    let kids: Vec<&str> = p.root.children.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(kids, ["520100", "520200"]);
    let county = &all["520102"];
    assert_eq!(county.level, Level::County);
    // The county's flags on 08-16: self-inspection 69 % and on-site 25 % of the 100 % due 08-15,
    // dangers past their deadline, a spot check past its re-check deadline.
    let reasons: Vec<(FlagCode, String)> = county
        .flags
        .iter()
        .map(|f| (f.code, f.reason.en.clone()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                FlagCode::Behind,
                "self-inspection coverage 69 % of 100 % due 08-15".to_string()
            ),
            (
                FlagCode::Behind,
                "on-site coverage 25 % of 100 % due 08-15".to_string()
            ),
            (
                FlagCode::OverdueDangers,
                "10 dangers past their deadline".to_string()
            ),
            (
                FlagCode::SpotOverdue,
                "1 unqualified spot checks past their re-check deadline".to_string()
            ),
        ]
    );
    assert_eq!(
        county.flags[0].reason.zh,
        "企业自查覆盖率 69%，应于 08-15 前达到 100%"
    );
    let lag = lagging(&p.root);
    assert_eq!(lag.first().map(|l| l.level), Some(Level::County));
    assert_eq!(
        lag.len(),
        all.len(),
        "every locality of the fixture is behind on 08-16"
    );
}

fn figures(registered: u32, self_inspected: u32, onsite: u32, open: u32) -> Figures {
    Figures {
        registered,
        self_inspected,
        onsite_inspected: onsite,
        open,
        ..Figures::default()
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn codes(p: &Plan, f: &Figures, d: &str) -> Vec<(FlagCode, String)> {
    flags(p, f, day(d))
        .into_iter()
        .map(|f| (f.code, f.milestone.unwrap_or_default()))
        .collect()
}

#[test]
fn milestone_flags_before_on_and_after() {
    let p = plan();
    let s = |c: FlagCode, m: &str| (c, m.to_string());
    // 40 of 100 self-inspected, 10 on site, 3 dangers open.
    let f = figures(100, 40, 10, 3);
    // 07-15 (50 %): due soon from 07-08 (warn_days 7), not on 07-07; on the day still due soon;
    // behind from the day after.
    assert_eq!(codes(&p, &f, "2023-07-07"), []);
    assert_eq!(
        codes(&p, &f, "2023-07-08"),
        [s(FlagCode::DueSoon, "self_inspection_0715")]
    );
    assert_eq!(
        codes(&p, &f, "2023-07-14"),
        [s(FlagCode::DueSoon, "self_inspection_0715")]
    );
    assert_eq!(
        codes(&p, &f, "2023-07-15"),
        [s(FlagCode::DueSoon, "self_inspection_0715")]
    );
    assert_eq!(
        codes(&p, &f, "2023-07-16"),
        [s(FlagCode::Behind, "self_inspection_0715")]
    );
    // 08-15 (100 % self, 100 % on site): the day before and on the day due soon, after behind.
    let due_0815 = [
        s(FlagCode::DueSoon, "self_inspection_0815"),
        s(FlagCode::DueSoon, "onsite_0815"),
    ];
    let mut before = vec![s(FlagCode::Behind, "self_inspection_0715")];
    before.extend(due_0815.iter().cloned());
    assert_eq!(codes(&p, &f, "2023-08-14"), before);
    assert_eq!(codes(&p, &f, "2023-08-15"), before);
    assert_eq!(
        codes(&p, &f, "2023-08-16"),
        [
            s(FlagCode::Behind, "self_inspection_0715"),
            s(FlagCode::Behind, "self_inspection_0815"),
            s(FlagCode::Behind, "onsite_0815"),
        ]
    );
    // Exactly met is met: 50 of 100 by 07-15, and 100 % by 08-15.
    assert_eq!(codes(&p, &figures(100, 50, 100, 0), "2023-07-16"), []);
    assert_eq!(codes(&p, &figures(100, 100, 100, 0), "2023-08-16"), []);
    // 41.9 % is shown as 41 %, not rounded up to a coverage not reached.
    let fl = flags(&p, &figures(1000, 419, 1000, 0), day("2023-08-16"));
    assert_eq!(
        fl[1].reason.en,
        "self-inspection coverage 41 % of 100 % due 08-15"
    );
    // Clearance (10-31): open dangers due soon from 10-24, behind from 11-01; none open, no flag.
    let done = figures(100, 100, 100, 3);
    assert_eq!(codes(&p, &done, "2023-10-23"), []);
    assert_eq!(
        codes(&p, &done, "2023-10-30"),
        [s(FlagCode::DueSoon, "clearance")]
    );
    assert_eq!(
        codes(&p, &done, "2023-10-31"),
        [s(FlagCode::DueSoon, "clearance")]
    );
    assert_eq!(
        codes(&p, &done, "2023-11-01"),
        [s(FlagCode::Behind, "clearance")]
    );
    assert_eq!(codes(&p, &figures(100, 100, 100, 0), "2023-11-01"), []);
    // An empty register is never behind on coverage.
    assert_eq!(codes(&p, &figures(0, 0, 0, 0), "2023-09-01"), []);
}

#[test]
fn risk_ranking_shows_its_factors() {
    let f = fixture();
    let p = plan();
    let state = fold(&f.events);
    let entries: Vec<EntryFact> = state.entries.iter().map(EntryFact::of).collect();
    let spots: Vec<SpotFact> = f.spots.iter().map(SpotFact::of).collect();
    let today = p.today(f.now);
    let ranked = rank(
        &p,
        &f.register,
        &f.submissions,
        &entries,
        &spots,
        "520102",
        today,
    );
    assert_eq!(ranked.len(), 200);
    // Scores are the sum of the factors shown, highest first.
    for r in &ranked {
        assert_eq!(r.score, r.factors.iter().map(|f| f.points).sum::<u32>());
        for x in &r.factors {
            assert_eq!(x.points, x.count * x.weight);
        }
    }
    assert!(ranked
        .windows(2)
        .all(|w| w[0].score >= w[1].score || w[0].key_inspection));
    // Enterprise 0 (e-bike, hazard 2; rural-market flag; a general danger withdrawn and a major
    // one past its deadline; an unqualified spot check; no self-inspection; a CCC certificate
    // expiring 09-01, within the plan's 90 days).
    let e0 = ranked.iter().find(|r| r.name == "企业520102-0").unwrap();
    let got: Vec<(FactorCode, u32)> = e0.factors.iter().map(|f| (f.code, f.count)).collect();
    assert_eq!(
        got,
        [
            (FactorCode::ProductHazard, 2),
            (FactorCode::KeyFlag, 1),
            (FactorCode::PreviousMajor, 1),
            (FactorCode::FailedSpotCheck, 1),
            (FactorCode::OpenEntry, 1),
            (FactorCode::OverdueEntry, 1),
            (FactorCode::NoSelfInspection, 1),
            (FactorCode::LicenceExpiring, 1),
        ]
    );
    assert_eq!(e0.score, 20 + 8 + 15 + 12 + 5 + 10 + 10 + 6);
}

#[test]
fn a_second_failure_puts_an_enterprise_on_top() {
    let f = fixture();
    let p = plan();
    let mut spots: Vec<SpotFact> = f.spots.iter().map(SpotFact::of).collect();
    let last = f
        .register
        .iter()
        .rev()
        .find(|r| r.region == "520102")
        .unwrap();
    for n in 0..2 {
        spots.push(SpotFact {
            id: format!("00000000-0000-4000-8000-ffff0000000{n}"),
            uscc: last.uscc.clone(),
            region: last.region.clone(),
            product: last.products[0].product.clone(),
            date: "2023-03-01".into(),
            unqualified: true,
            disposed: true,
            due: None,
        });
    }
    let ranked = rank(
        &p,
        &f.register,
        &f.submissions,
        &[],
        &spots,
        "520102",
        p.today(f.now),
    );
    assert_eq!(ranked[0].uscc, last.uscc);
    assert!(ranked[0].key_inspection);
}

fn shuffled<T: Clone>(v: &[T], seed: u64) -> Vec<T> {
    // A Fisher-Yates shuffle driven by the proptest seed, copies included.
    let mut out = v.to_vec();
    let mut s = seed | 1;
    for i in (1..out.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        out.swap(i, (s % (i as u64 + 1)) as usize);
    }
    if let Some(x) = v.get((seed % 7) as usize) {
        out.push(x.clone());
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn progress_does_not_depend_on_arrival_order(seed in any::<u64>()) {
        let f = fixture();
        let base = run(&f, &f.register, &f.submissions, &f.events, &f.spots);
        let other = run(
            &f,
            &shuffled(&f.register, seed),
            &shuffled(&f.submissions, seed.rotate_left(7)),
            &shuffled(&f.events, seed.rotate_left(13)),
            &shuffled(&f.spots, seed.rotate_left(21)),
        );
        prop_assert_eq!(base, other);
    }
}

/// The golden answer the dashboard's WASM module is held to (tests/js/campaign.test.mjs): the
/// facts of the fixture county as the server's facts endpoint sends them (the entries folded
/// from the events, the spot checks' facts, the localities' names) and the progress answer the
/// server would give, counted natively, on the day before the 08-15 milestones and after them.
/// The Node test runs the module over the same facts and asserts the same answers, so the two
/// sides cannot drift: a change of the core's figures fails here until the file is written
/// again (`PAICHA_WRITE_GOLDEN=1 cargo test -p paicha --test campaign golden`), and then there
/// until the module is rebuilt.
#[test]
fn the_golden_answers_the_wasm_module_is_held_to() {
    let f = fixture();
    let state = fold(&f.events);
    let entries: Vec<EntryFact> = state.entries.iter().map(EntryFact::of).collect();
    let spots: Vec<SpotFact> = f.spots.iter().map(SpotFact::of).collect();
    let inputs = Inputs {
        register: &f.register,
        submissions: &f.submissions,
        entries: &entries,
        spots: &spots,
    };
    let p = plan();
    let regions = f.register.iter().map(|r| r.region.as_str());
    let names = paicha::campaign::answer::names_of(regions.chain(["520000"]));
    let answers: BTreeMap<String, Answer> = ["2023-08-14", "2023-08-16"]
        .iter()
        .map(|d| {
            let today = day(d);
            let leaves = leaves(&p, &inputs, today);
            (d.to_string(), Answer::of(&p, "520000", &leaves, today))
        })
        .collect();
    // Natively the tree names itself; the module is given the names and must say the same.
    assert_eq!(answers["2023-08-16"].root.name.as_deref(), Some("贵州省"));
    let golden = serde_json::json!({
        "root": "520000", "names": names, "entries": entries, "spots": spots, "answers": answers,
    });
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/campaign-fixtures/county-progress.json"
    );
    let text = serde_json::to_string_pretty(&golden).unwrap() + "\n";
    if std::env::var_os("PAICHA_WRITE_GOLDEN").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    let kept = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        kept == text,
        "{path} differs from the native answers: write it again (PAICHA_WRITE_GOLDEN=1)"
    );
}
