//! The campaign store's tests (the counters equal the core) and the province benchmark.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
use super::*;

mod tests {
    //! The counters equal the core's `leaves` on the fixture county, with the records put through
    //! the hooks one at a time in a shuffled order (each ledger event, a register entry moved
    //! away and back, a spot check stored twice), at the fixture's day and a later one, from
    //! every level; and a plan not of the build (no counters) gives the same through the core.
    use super::*;
    use paicha::campaign::{leaves as core_leaves, SubmissionFact};

    #[test]
    fn counters_equal_the_core() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/campaign-fixtures/county.json"
        ))
        .unwrap();
        let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
        let register: Vec<Registered> = serde_json::from_value(raw["register"].clone()).unwrap();
        let subs: Vec<SubmissionFact> = serde_json::from_value(raw["submissions"].clone()).unwrap();
        let events: Vec<Event> = serde_json::from_value(raw["events"].clone()).unwrap();
        let spots: Vec<SpotCheck> = serde_json::from_value(raw["spot_checks"].clone()).unwrap();
        let dir = std::env::temp_dir().join(format!("paicha-campaign-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Sqlite::open(&dir.join("t.db")).unwrap();
        {
            let mut conn = db.conn().unwrap();
            let tx = conn.transaction().unwrap();
            // Half the submissions before the register, half after; in reverse order.
            let (early, late) = subs.split_at(subs.len() / 2);
            let done = |s: &SubmissionFact| {
                if s.valid {
                    let onsite = s.form == Form::OnsiteInspection;
                    put_done(&tx, &s.uscc, &s.product, onsite, &s.date, &s.region).unwrap();
                }
            };
            early.iter().rev().for_each(done);
            for r in &register {
                // Filed first under another county, then moved to its own.
                let mut moved = r.clone();
                moved.region = "520103".into();
                put_register(&tx, &moved).unwrap();
                put_register(&tx, r).unwrap();
            }
            late.iter().rev().for_each(done);
            for e in &events {
                tx.execute(
                    "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
                     VALUES (?1, ?2, ?3, '', ?4, '', '', '', '')",
                    params![e.id, e.entry, e.act.kind(), serde_json::to_string(e).unwrap()],
                )
                .unwrap();
                on_entry(&tx, &e.entry).unwrap();
            }
            for s in spots.iter().chain(&spots) {
                on_spot_check(&tx, &serde_json::to_string(s).unwrap()).unwrap();
            }
            tx.commit().unwrap();
        }
        let plan: Plan = serde_json::from_str(paicha::campaign::plan::BUILTIN[0].1).unwrap();
        assert!(
            is_kept(&plan),
            "the fixture's plan is counted by the counters"
        );
        let state = fold(&events);
        let facts: Vec<EntryFact> = state.entries.iter().map(EntryFact::of).collect();
        let spot_facts: Vec<SpotFact> = spots.iter().map(SpotFact::of).collect();
        let inputs = Inputs {
            register: &register,
            submissions: &subs,
            entries: &facts,
            spots: &spot_facts,
        };
        let mut other = plan.clone();
        other.version += 1;
        assert!(!is_kept(&other));
        for today in ["2023-08-16", "2023-09-20"] {
            let day = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap();
            let want = core_leaves(&plan, &inputs, day);
            assert!(want
                .iter()
                .any(|l| l.total.overdue > 0 || l.total.spot_overdue > 0));
            assert_eq!(
                db.campaign_leaves(&plan, "52", today).unwrap(),
                want,
                "{today}"
            );
            assert_eq!(
                db.campaign_leaves(&other, "52", today).unwrap(),
                want,
                "{today}"
            );
            let county: Vec<Leaf> = want
                .iter()
                .filter(|l| l.region == "520102")
                .cloned()
                .collect();
            assert_eq!(db.campaign_leaves(&plan, "520102", today).unwrap(), county);
        }
        // Open at the end of each day: found so far minus closed so far, of the counted entries.
        let days: Vec<String> = ["2023-06-30", "2023-07-20", "2023-08-16", "2023-10-31"]
            .iter()
            .map(|d| d.to_string())
            .collect();
        let counted: Vec<&EntryFact> = facts
            .iter()
            .filter(|e| plan.in_scope(&e.product) && e.found >= plan.period.from)
            .collect();
        let want: Vec<u32> = days
            .iter()
            .map(|d| {
                let found = counted.iter().filter(|e| &e.found <= d).count();
                let closed = counted
                    .iter()
                    .filter(|e| e.closed_on.as_ref().is_some_and(|c| c <= d))
                    .count();
                u32::try_from(found - closed).unwrap()
            })
            .collect();
        assert!(want.iter().any(|n| *n > 0));
        assert_eq!(db.open_over_time(&plan, "52", &days).unwrap(), want);
        assert_eq!(db.open_over_time(&other, "52", &days).unwrap(), want);
        drop(db);
        // Opened again with the counters forgotten: counted again from the facts, the same.
        {
            let db = Sqlite::open(&dir.join("t.db")).unwrap();
            db.conn()
                .unwrap()
                .execute_batch("DELETE FROM campaign_kept; UPDATE campaign_counts SET major = 99;")
                .unwrap();
        }
        let db = Sqlite::open(&dir.join("t.db")).unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2023, 8, 16).unwrap();
        assert_eq!(
            db.campaign_leaves(&plan, "52", "2023-08-16").unwrap(),
            core_leaves(&plan, &inputs, day)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

mod bench {
    //! The province benchmark (prints figures; not a timed test): 50,000 registered enterprises in
    //! 88 counties, 200,000 submissions, 400,000 ledger events, through the same hooks the
    //! ingest calls. Run: `cargo test --release -p paicha-server --bin paicha-server
    //! campaign_province_benchmark -- --ignored --nocapture`.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use paicha::campaign::{tree, RegisteredProduct};
    use rusqlite::params;
    use std::time::Instant;

    fn peak_mb() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .unwrap_or(0)
            / 1024
    }

    #[test]
    #[ignore]
    fn campaign_province_benchmark() {
        let plan: Plan = serde_json::from_str(paicha::campaign::plan::BUILTIN[0].1).unwrap();
        let dir =
            std::env::temp_dir().join(format!("paicha-campaign-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Sqlite::open(&dir.join("bench.db")).unwrap();
        // 9 prefectures x ~10 counties; enterprises spread over them.
        let counties: Vec<String> = (1..=9)
            .flat_map(|p| (1..=10).map(move |c| format!("52{p:02}{c:02}")))
            .take(88)
            .collect();
        let t0 = Instant::now();
        {
            let mut conn = db.conn().unwrap();
            let tx = conn.transaction().unwrap();
            let mut entries = 0usize;
            let mut events = 0usize;
            for i in 0..50_000usize {
                let region = &counties[i % counties.len()];
                let uscc =
                    paicha::ids::with_check_character(&format!("91{region}MA{i:07}")).unwrap();
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
                put_register(&tx, &r).unwrap();
                // 4 submissions per enterprise (200,000): self and on-site for some products.
                for s in 0..4usize {
                    let p = &products[s % products.len()].product;
                    let onsite = s >= 2 && i % 3 == 0;
                    let day = format!("2023-07-{:02}", 1 + (i + s) % 28);
                    put_done(&tx, &uscc, p, onsite, &day, region).unwrap();
                }
                // 8 ledger events per enterprise (400,000): two entries of four events each.
                for k in 0..2usize {
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
                            r#","enterprise":{{"uscc":"{uscc}","region":"{region}"}},"product":"{}","danger":{{"text":{{"zh":"x","en":"x"}},"severity":"{}","basis":"b"}}"#,
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
                    for b in &bodies {
                        let e = Event::from_json(b).unwrap();
                        tx.prepare_cached(
                            "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
                             VALUES (?1, ?2, ?3, '', ?4, ?5, ?6, '', '')",
                        )
                        .unwrap()
                        .execute(params![e.id, e.entry, e.act.kind(), b, uscc, region])
                        .unwrap();
                        events += 1;
                    }
                    on_entry(&tx, &entry).unwrap();
                    entries += 1;
                }
            }
            tx.commit().unwrap();
            println!("generated 50,000 enterprises, 200,000 submissions, {events} events ({entries} entries) in {:.1} s", t0.elapsed().as_secs_f64());
        }
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
            let l = db.campaign_leaves(&plan, "52", today).unwrap();
            let n = tree(&plan, "520000", &l, day);
            assert_eq!(n.figures.registered, 50_000);
            assert_eq!(n.figures.found(), 100_000);
        });
        time("county drill-down (progress + ranking)", &mut || {
            let l = db.campaign_leaves(&plan, "520101", today).unwrap();
            let _ = tree(&plan, "520101", &l, day);
            let f = db.local_facts("520101").unwrap();
            let r = paicha::campaign::rank(
                &plan,
                &f.register,
                &f.submissions,
                &f.entries,
                &f.spots,
                "520101",
                day,
            );
            assert!(!r.is_empty());
        });
        time("province annual summary XLSX", &mut || {
            let l = db.campaign_leaves(&plan, "52", today).unwrap();
            let root = tree(&plan, "520000", &l, day);
            let days: Vec<String> = (0..13)
                .map(|w| format!("2023-{:02}-{:02}", 6 + w / 4, 1 + (w % 4) * 7))
                .collect();
            let series = db.open_over_time(&plan, "52", &days).unwrap();
            let bytes = crate::api::campaign_summary::workbook_of(
                &plan,
                root,
                days.into_iter().zip(series).collect(),
                day,
            )
            .unwrap();
            assert!(bytes.len() > 1000);
        });
        println!("peak memory (VmHWM): {} MB", peak_mb());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
