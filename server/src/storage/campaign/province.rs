//! The province-sized data set of the campaign's benchmark (50,000 registered enterprises in 88
//! counties, 200,000 submissions, 400,000 ledger events in 100,000 entries), made the same way for
//! every backend, and the reads it times (prints figures; not a timed test). Each backend's
//! benchmark feeds it through its own hooks (`sqlite/campaign_tests.rs`,
//! `postgres/campaign_tests.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::storage::{region_prefix, Query, Scope, Storage};
use chrono::NaiveDate;
use paicha::campaign::breakdown::{records, Records};
use paicha::campaign::{tree, Plan, Registered, RegisteredProduct, SubmissionFact};
use paicha::ledger::{self, Lines};
use paicha::{Form, Link};
use std::collections::HashMap;
use std::time::Instant;

/// A generated submission: stored as a row of the submissions' table (an empty body and report:
/// the breakdown reads the row's columns only) and passed to the backend's hook.
pub struct Sub<'a> {
    pub id: &'a str,
    pub uscc: &'a str,
    pub product: &'a str,
    pub onsite: bool,
    pub link: Link,
    pub day: &'a str,
    pub region: &'a str,
}

impl Sub<'_> {
    pub fn form(&self) -> &'static str {
        if self.onsite {
            "onsite_inspection"
        } else {
            "self_inspection"
        }
    }

    pub fn inspected_at(&self) -> String {
        format!("{}T09:00:00+08:00", self.day)
    }
}

/// Where the generated records go (a backend's hooks).
pub trait Sink {
    fn register(&mut self, r: &Registered);
    /// A valid submission, stored with its row (so its link is there to read) and its fact.
    fn submission(&mut self, s: &Sub<'_>);
    /// A ledger entry's events (JSON bodies, in order), filed for an enterprise and region.
    fn entry(&mut self, entry: &str, uscc: &str, region: &str, bodies: &[String]);
}

/// Make the data set into `sink`; (events, entries) made.
pub fn generate(plan: &Plan, sink: &mut dyn Sink) -> (usize, usize) {
    // Guizhou's 88 county-level divisions of the GB/T 2260 list (the ledger refuses a code not
    // in it); enterprises spread over them.
    let list = paicha::divisions::current().unwrap();
    let counties: Vec<String> = (1..=99)
        .flat_map(|p| (1..=99).map(move |c| format!("52{p:02}{c:02}")))
        .filter(|c| list.contains(c))
        .collect();
    assert_eq!(counties.len(), 88);
    let mut entries = 0usize;
    let mut events = 0usize;
    for i in 0..50_000usize {
        let region = &counties[i % counties.len()];
        let uscc = paicha::ids::with_check_character(&format!("91{region}MA{i:07}")).unwrap();
        let products: Vec<RegisteredProduct> = (0..1 + i % 2)
            .map(|k| RegisteredProduct {
                product: plan.products[(i + k * 7) % plan.products.len()].clone(),
                links: vec![Link::Sales],
            })
            .collect();
        let r = Registered {
            uscc: uscc.clone(),
            name: format!("企业{i}"),
            region: region.clone(),
            address: None,
            legal_representative: None,
            contact: None,
            scale: None,
            products: products.clone(),
            certificates: vec![],
            key_flags: vec![],
        };
        sink.register(&r);
        // 4 submissions per enterprise (200,000): self and on-site for some products, in the
        // link the enterprise is registered in.
        let sub_id = |s: usize| format!("00000000-0000-4000-a000-{:012}", i * 4 + s);
        for s in 0..4usize {
            let p = &products[s % products.len()].product;
            let onsite = s >= 2 && i % 3 == 0;
            let day = format!("2023-07-{:02}", 1 + (i + s) % 28);
            sink.submission(&Sub {
                id: &sub_id(s),
                uscc: &uscc,
                product: p,
                onsite,
                link: Link::Sales,
                day: &day,
                region,
            });
        }
        // 8 ledger events per enterprise (400,000): two entries of four events each, the first
        // found in the enterprise's first submission (its link is the danger's), the second
        // recorded by hand.
        for k in 0..2usize {
            let cited = if k == 0 {
                format!(r#","submission":"{}""#, sub_id(0))
            } else {
                String::new()
            };
            let entry = format!("00000000-0000-4000-8000-{:012}", i * 2 + k);
            let ev = |n: usize, kind: &str, extra: &str| {
                format!(
                    r#"{{"id":"00000000-0000-4000-9000-{:012}","entry":"{entry}","author":"a","device":"d","at":"2023-07-{:02}T10:00:00+08:00","kind":"{kind}"{extra}}}"#,
                    (i * 2 + k) * 4 + n,
                    10 + n
                )
            };
            let created = ev(
                0,
                "created",
                &format!(
                    r#"{cited},"enterprise":{{"uscc":"{uscc}","region":"{region}"}},"product":"{}","danger":{{"text":{{"zh":"x","en":"x"}},"severity":"{}","basis":"b"}}"#,
                    products[0].product,
                    if k == 0 { "general" } else { "major" }
                ),
            );
            let mut bodies = vec![
                created,
                ev(1, "rectification_ordered", r#","deadline":"2023-08-20""#),
            ];
            if (i + k) % 2 == 0 {
                bodies.push(ev(2, "rectified", r#","measures":"m""#));
                bodies.push(ev(3, "rechecked", r#","round":1,"passed":true"#));
            } else {
                bodies.push(ev(2, "escalated", r#","reason":"overdue""#));
                bodies.push(ev(3, "action_taken", r#","action":"credit_publicity""#));
            }
            events += bodies.len();
            sink.entry(&entry, &uscc, region, &bodies);

            entries += 1;
        }
    }
    (events, entries)
}

fn peak_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

/// Time the province tree, a county drill-down, the province's annual XLSX and its breakdown
/// (medians of 5).
pub fn measure(plan: &Plan, store: &dyn Storage) {
    let plan = plan.clone();
    let today = "2023-08-25";
    let day = chrono::NaiveDate::from_ymd_opt(2023, 8, 25).unwrap();
    let time = |what: &str, f: &mut dyn FnMut()| {
        let mut v = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            f();
            v.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        v.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{what}: median {:.1} ms (min {:.1}, max {:.1})",
            v[2], v[0], v[4]
        );
    };
    time("province progress tree (SQL leaves + roll-up)", &mut || {
        let l = store.campaign_leaves(&plan, "52", today).unwrap();
        let n = tree(&plan, "520000", &l, day);
        assert_eq!(n.figures.registered, 50_000);
        assert_eq!(n.figures.found(), 100_000);
    });
    time("county drill-down (progress + ranking)", &mut || {
        let l = store.campaign_leaves(&plan, "520102", today).unwrap();
        let _ = tree(&plan, "520102", &l, day);
        let f = store.local_facts("520102").unwrap();
        let r = paicha::campaign::rank(
            &plan,
            &f.register,
            &f.submissions,
            &f.entries,
            &f.spots,
            "520102",
            day,
        );
        assert!(!r.is_empty());
    });
    time("province annual summary XLSX", &mut || {
        let l = store.campaign_leaves(&plan, "52", today).unwrap();
        let root = tree(&plan, "520000", &l, day);
        let days: Vec<String> = (0..13)
            .map(|w| format!("2023-{:02}-{:02}", 6 + w / 4, 1 + (w % 4) * 7))
            .collect();
        let series = store.open_over_time(&plan, "52", &days).unwrap();
        let bytes = crate::api::campaign_summary::workbook_of(
            &plan,
            root,
            days.into_iter().zip(series).collect(),
            day,
        )
        .unwrap();
        assert!(bytes.len() > 1000);
    });
    // The breakdown's part of the summary, as the API makes it (`api::campaign_breakdown::of`):
    // the province's facts tagged, then counted; and, to compare in the same run, as it was
    // made before the facts kept the links (every submission paged through for them).
    let check = |r: &paicha::campaign::breakdown::Records| {
        let b = paicha::campaign::breakdown::count(r);
        assert_eq!(b.by_severity.iter().map(|s| s.total).sum::<u32>(), 100_000);
        // Half the dangers were found in a sales submission, half recorded by hand.
        assert_eq!(b.by_link[1].dangers, 50_000);
        assert_eq!(b.by_link[2].dangers, 50_000);
        assert_eq!(b.by_link[1].registered, 50_000);
        b
    };
    let mut before = None;
    time(
        "province breakdown before (facts, and every submission paged for links)",
        &mut || before = Some(check(&paged(store, &plan, day))),
    );
    let mut after = None;
    time(
        "province breakdown (the facts alone, as the API makes it now)",
        &mut || {
            let r = crate::api::campaign_breakdown::of(store, &plan, "520000", day).unwrap();
            after = Some(check(&r));
        },
    );
    assert_eq!(before, after, "the same breakdown both ways");
    ledger_views(store, &time);
    println!("peak memory (VmHWM): {} MB", peak_mb());
}

/// The ledger view (first page of 50) of a county and of the province as the API answers it now,
/// from the kept entries (`api::ledger_view::page`), and, to compare in the same run, as it was
/// answered before they were kept: every event of the region paged through and folded per
/// request; the county's line queue from the kept entries.
fn ledger_views(store: &dyn Storage, time: &dyn Fn(&str, &mut dyn FnMut())) {
    let now = chrono::DateTime::parse_from_rfc3339("2023-08-25T12:00:00+08:00").unwrap();
    for (name, region, entries) in [("county", "520102", 1_000), ("province", "520000", 100_000)] {
        let scope = Scope::Regions(vec![region_prefix(region)]);
        let mut kept = serde_json::Value::Null;
        time(
            &format!("{name} ledger view, first 50 rows, from the kept entries"),
            &mut || {
                let p =
                    crate::api::ledger_view::page(store, &scope, false, 0, Some(50), now).unwrap();
                assert!(p.total >= entries, "{} rows", p.total);
                let rows: Vec<ledger::Row<'_>> =
                    p.entries.iter().map(|e| ledger::Row::of(e, now)).collect();
                kept = serde_json::to_value(rows).unwrap();
            },
        );
        let mut folded = serde_json::Value::Null;
        time(
            &format!("{name} ledger view before (every event of the region folded)"),
            &mut || {
                let state = ledger::fold(&region_events(store, &scope));
                let v = ledger::view(&state, ledger::Viewer::Region(region), now);
                folded = serde_json::to_value(&v.rows[..v.rows.len().min(50)]).unwrap();
            },
        );
        assert_eq!(kept, folded, "the same {name} page both ways");
    }
    let mut queued = (0, 0);
    time("county line queue from the kept entries", &mut || {
        let state = crate::api::ledger_view::queue_state(store, "520102").unwrap();
        let q = ledger::queue_in(&state, &Lines::builtin(), None, "520102", now);
        queued = (state.entries.len(), q.len());
    });
    println!(
        "  (the queue read {} entries with tasks, {} items)",
        queued.0, queued.1
    );
}

/// Every event of `scope`, paged 1,000 at a time as the views read them before the kept entries.
fn region_events(store: &dyn Storage, scope: &Scope) -> Vec<ledger::Event> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store.events(scope, after, 1000).unwrap();
        after = page.last().map(|(s, _)| *s);
        let full = page.len() == 1000;
        out.extend(
            page.iter()
                .filter_map(|(_, b)| ledger::Event::from_json(b).ok()),
        );
        if !full {
            return out;
        }
    }
}

/// The province's breakdown records as `api::campaign_breakdown::of` made them until the facts
/// kept the links: the facts read, then every submission of the province paged through the
/// submissions' store (1,000 a page) for the links of the inspections and of the dangers.
/// Kept here only to be measured against the facts alone.
fn paged(store: &dyn Storage, plan: &Plan, day: NaiveDate) -> Records {
    let mut facts = store.local_facts("52").unwrap();
    let scope = Scope::Regions(vec!["52".into()]);
    let mut subs = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .query(
                &Query {
                    uscc: None,
                    region: Some("52".into()),
                    product: None,
                    form: None,
                    link: None,
                    level: None,
                    valid: None,
                    from: None,
                    to: None,
                    after,
                    limit: 1000,
                },
                &scope,
            )
            .unwrap();
        after = page.last().map(|s| s.seq);
        let full = page.len() == 1000;
        subs.extend(page.into_iter().filter_map(|s| {
            Some(SubmissionFact {
                form: Form::parse(&s.form)?,
                link: Link::parse(&s.link)?,
                date: s.inspected_at.get(..10)?.to_string(),
                id: s.id,
                uscc: s.uscc,
                region: s.region,
                name: s.enterprise_name,
                product: s.product,
                valid: s.valid,
            })
        }));
        if !full {
            break;
        }
    }
    let link_of: HashMap<&str, Link> = subs.iter().map(|s| (s.id.as_str(), s.link)).collect();
    for f in &mut facts.entries {
        f.link = f
            .submission
            .as_deref()
            .and_then(|s| link_of.get(s).copied());
    }
    records(plan, &facts.register, &subs, &facts.entries, "520000", day)
}
