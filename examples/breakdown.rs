//! The summary breakdown's core cost at province scale: 50,000 registered enterprises, 200,000
//! submission facts and 100,000 entry facts (from 400,000 ledger events: created, ordered,
//! rectified, and a passed re-check for a third of them, folded once as the server's summary
//! tables do as events arrive) tagged (`campaign::breakdown::records`) and counted; then one
//! cell's list. Before the entry facts carried the submission and the measures' states, the
//! server folded the events per request: the fold is timed too, for that comparison. What the
//! server adds (reading the facts and submissions from the database) is not in these figures
//! (the server's province benchmark reads the facts: `storage/campaign/province.rs`). Prints
//! figures only.
//!
//!   cargo run --release --example breakdown
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use paicha::campaign::breakdown::{count, records, trace, Cell};
use paicha::campaign::{EntryFact, Plan, Registered, SubmissionFact};
use paicha::ledger::{fold, Event};
use serde_json::json;
use std::time::Instant;

const COUNTIES: [&str; 8] = [
    "520102", "520103", "520111", "520201", "520302", "520402", "522301", "522601",
];

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn main() {
    let (_, text) = paicha::campaign::plan::BUILTIN[0];
    let plan: Plan = serde_json::from_str(text).unwrap();
    let t = Instant::now();
    let uscc = |i: usize| {
        let c = COUNTIES[i % COUNTIES.len()];
        (
            paicha::ids::with_check_character(&format!("91{c}MA{i:07}")).unwrap(),
            c,
        )
    };
    let register: Vec<Registered> = (0..50_000)
        .map(|i| {
            let (u, c) = uscc(i);
            serde_json::from_value(json!({"uscc": u, "name": format!("企业{i}"), "region": c,
                "products": [{"product": "electric-bicycle", "links": if i % 3 == 0 { json!(["production", "sales"]) } else { json!(["sales"]) }}]}))
            .unwrap()
        })
        .collect();
    let submissions: Vec<SubmissionFact> = (0..200_000)
        .map(|i| {
            let (u, c) = uscc(i % 50_000);
            serde_json::from_value(json!({"id": uuid(i as u64), "uscc": u, "region": c,
                "product": "electric-bicycle", "form": if i % 2 == 0 { "self_inspection" } else { "onsite_inspection" },
                "link": if i % 5 == 0 { "production" } else { "sales" }, "date": "2023-07-20", "valid": true}))
            .unwrap()
        })
        .collect();
    let mut events: Vec<Event> = Vec::with_capacity(400_000);
    for e in 0..100_000u64 {
        let (u, c) = uscc((e as usize * 7) % 50_000);
        let entry = uuid(1_000_000 + e);
        let mk = |k: u64, at: &str, act: serde_json::Value| {
            let mut v = json!({"id": uuid(2_000_000 + e * 4 + k), "entry": entry, "author": "a", "device": "d", "at": at});
            v.as_object_mut()
                .unwrap()
                .extend(act.as_object().unwrap().clone());
            Event::from_value(&v).unwrap()
        };
        events.push(mk(0, "2023-07-20T10:00:00+08:00", json!({"kind": "created", "submission": uuid(e * 2 + 1),
            "enterprise": {"uscc": u, "region": c, "name": format!("车行{e}")}, "product": "electric-bicycle",
            "danger": {"text": {"zh": "超速", "en": "fast"}, "severity": if e % 4 == 0 { "major" } else { "general" }, "basis": "GB 17761"},
            "actions": if e % 4 == 0 { json!(["stop_production_sale", "credit_publicity"]) } else { json!([]) }})));
        events.push(mk(
            1,
            "2023-07-20T10:05:00+08:00",
            json!({"kind": "rectification_ordered", "deadline": "2023-07-27"}),
        ));
        events.push(mk(
            2,
            "2023-07-25T10:00:00+08:00",
            json!({"kind": "rectified", "measures": "已整改"}),
        ));
        if e % 3 == 0 {
            events.push(mk(
                3,
                "2023-07-28T10:00:00+08:00",
                json!({"kind": "rechecked", "round": 1, "passed": true}),
            ));
        } else {
            events.push(mk(
                3,
                "2023-07-26T10:00:00+08:00",
                json!({"kind": "escalated", "reason": "other"}),
            ));
        }
    }
    println!(
        "breakdown: {} enterprises, {} submission facts, {} events generated in {:.1} s",
        register.len(),
        submissions.len(),
        events.len(),
        t.elapsed().as_secs_f64()
    );
    let today = chrono::NaiveDate::from_ymd_opt(2023, 8, 16).unwrap();
    for _ in 0..3 {
        // The server keeps each entry's fact in its summary tables (made as its events arrive,
        // one entry at a time); the fold here is what that costs, once, not per request. Before,
        // the breakdown folded the locality's events per request: fold and facts + tag.
        let t = Instant::now();
        let entries: Vec<EntryFact> = fold(&events).entries.iter().map(EntryFact::of).collect();
        let folded = t.elapsed();
        let t = Instant::now();
        let r = records(&plan, &register, &submissions, &entries, "520000", today);
        let tagged = t.elapsed();
        let t = Instant::now();
        let b = count(&r);
        let counted = t.elapsed();
        let t = Instant::now();
        let list = trace(
            &r,
            &Cell::Severity(paicha::policy::Severity::Major, "total".into()),
        )
        .unwrap();
        let traced = t.elapsed();
        println!(
            "  fold and facts (once; per request before) {:.2} s; per request: tag {:.2} s (before: {:.2} s with the fold), count {:.3} s, one cell's list {:.3} s ({} major, {} links lines, {} measures)",
            folded.as_secs_f64(),
            tagged.as_secs_f64(),
            (folded + tagged).as_secs_f64(),
            counted.as_secs_f64(),
            traced.as_secs_f64(),
            list.len(),
            b.by_link.len(),
            b.by_measure.len()
        );
    }
}
