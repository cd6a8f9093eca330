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
                    put_done(&tx, &s.uscc, &s.product, onsite, s.link, &s.date, &s.region).unwrap();
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

    /// A database of version 3 kept entry facts without the enterprise's name, the submission
    /// and the measures' states: opened by this version, each is made again from its events
    /// (once), and the counters stay as they were.
    #[test]
    fn facts_of_an_older_version_are_made_again_on_opening() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/campaign-fixtures/county.json"
        ))
        .unwrap();
        let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut events = raw["events"].as_array().unwrap().clone();
        // One entry recorded with the enterprise's name.
        let named = events.iter_mut().find(|e| e["kind"] == "created").unwrap();
        named["enterprise"]["name"] = "记录的企业名称".into();
        let named_entry = named["entry"].as_str().unwrap().to_string();
        let events: Vec<Event> = serde_json::from_value(events.into()).unwrap();
        let dir = std::env::temp_dir().join(format!("paicha-refold-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        let plan: Plan = serde_json::from_str(paicha::campaign::plan::BUILTIN[0].1).unwrap();
        let leaves_before;
        {
            let db = Sqlite::open(&path).unwrap();
            let mut conn = db.conn().unwrap();
            let tx = conn.transaction().unwrap();
            for e in &events {
                tx.execute(
                    "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
                     VALUES (?1, ?2, ?3, '', ?4, '', '', '', '')",
                    params![e.id, e.entry, e.act.kind(), serde_json::to_string(e).unwrap()],
                )
                .unwrap();
                on_entry(&tx, &e.entry).unwrap();
            }
            // The bodies as version 3 wrote them.
            let rows: Vec<(String, String)> = tx
                .prepare("SELECT entry, body FROM campaign_entries")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            for (entry, body) in rows {
                let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
                let o = v.as_object_mut().unwrap();
                for k in ["name", "submission", "measure_states"] {
                    o.remove(k);
                }
                tx.execute(
                    "UPDATE campaign_entries SET body = ?1 WHERE entry = ?2",
                    params![v.to_string(), entry],
                )
                .unwrap();
            }
            tx.pragma_update(None, "user_version", 3).unwrap();
            tx.commit().unwrap();
            drop(conn);
            let old = db.local_facts("52").unwrap().entries;
            assert!(old
                .iter()
                .all(|f| f.measure_states.is_empty() && f.name.is_none()));
            leaves_before = db.campaign_leaves(&plan, "52", "2023-08-16").unwrap();
        }
        let want: std::collections::BTreeMap<String, EntryFact> = fold(&events)
            .entries
            .iter()
            .map(|e| (e.id.clone(), EntryFact::of(e)))
            .collect();
        assert!(want.values().any(|f| !f.measure_states.is_empty()));
        let db = Sqlite::open(&path).unwrap();
        let version: i64 = db
            .conn()
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, crate::sqlite::VERSION);
        let got: std::collections::BTreeMap<String, EntryFact> = db
            .local_facts("52")
            .unwrap()
            .entries
            .into_iter()
            .map(|f| (f.entry.clone(), f))
            .collect();
        assert_eq!(got, want);
        assert_eq!(got[&named_entry].name.as_deref(), Some("记录的企业名称"));
        assert_eq!(
            db.campaign_leaves(&plan, "52", "2023-08-16").unwrap(),
            leaves_before,
            "the counters are unchanged"
        );
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A database of version 4 kept no links: its done facts had no link column and its entry
    /// facts neither their submission's link nor a column for it. Opened by this version, the
    /// done facts are made again from the submissions with their links, every entry fact gets
    /// its submission's, the counters stay as they were, and the breakdown by link (which reads
    /// the facts alone) puts the danger under its submission's link.
    #[test]
    fn a_database_of_version_4_gets_the_links_into_its_facts() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/campaign-fixtures/county.json"
        ))
        .unwrap();
        let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut events = raw["events"].as_array().unwrap().clone();
        // One entry found in an on-site inspection in the production link.
        let sub = "5d1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a01";
        let created = events.iter_mut().find(|e| e["kind"] == "created").unwrap();
        created["submission"] = sub.into();
        let (entry, uscc, region, product) = (
            created["entry"].as_str().unwrap().to_string(),
            created["enterprise"]["uscc"].as_str().unwrap().to_string(),
            created["enterprise"]["region"]
                .as_str()
                .unwrap()
                .to_string(),
            created["product"].as_str().unwrap().to_string(),
        );
        let events: Vec<Event> = serde_json::from_value(events.into()).unwrap();
        let dir = std::env::temp_dir().join(format!("paicha-links-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        let plan: Plan = serde_json::from_str(paicha::campaign::plan::BUILTIN[0].1).unwrap();
        let leaves_before;
        {
            let db = Sqlite::open(&path).unwrap();
            let mut conn = db.conn().unwrap();
            let tx = conn.transaction().unwrap();
            tx.execute(
                "INSERT INTO submissions (id, sha256, body, report, valid, level, errors, findings,
                    uscc, enterprise_name, region, product, form, link, inspected_at,
                    inspected_date, received_at, author)
                 VALUES (?1, '', '{}', '{}', 1, 'major', 0, 1, ?2, '', ?3, ?4,
                    'onsite_inspection', 'production', '2023-07-10T10:00:00+08:00', '2023-07-10',
                    '', '')",
                params![sub, uscc, region, product],
            )
            .unwrap();
            put_done(
                &tx,
                &uscc,
                &product,
                true,
                Link::Production,
                "2023-07-10",
                &region,
            )
            .unwrap();
            for e in &events {
                tx.execute(
                    "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
                     VALUES (?1, ?2, ?3, '', ?4, '', '', '', '')",
                    params![e.id, e.entry, e.act.kind(), serde_json::to_string(e).unwrap()],
                )
                .unwrap();
                on_entry(&tx, &e.entry).unwrap();
            }
            // The tables and bodies as version 4 had them: done facts without a link, entry
            // facts without the submission's link or column.
            tx.execute_batch(&format!(
                "DROP TABLE campaign_done;
                 CREATE TABLE campaign_done (uscc TEXT NOT NULL, product TEXT NOT NULL,
                    onsite INTEGER NOT NULL, day TEXT NOT NULL, region TEXT NOT NULL,
                    PRIMARY KEY (uscc, product, onsite, day, region));
                 CREATE INDEX campaign_done_region ON campaign_done (region);
                 INSERT INTO campaign_done VALUES ('{uscc}', '{product}', 1, '2023-07-10', '{region}');
                 DROP INDEX campaign_entries_submission;
                 ALTER TABLE campaign_entries DROP COLUMN submission;
                 UPDATE campaign_entries SET body = json_remove(body, '$.link');"
            ))
            .unwrap();
            tx.pragma_update(None, "user_version", 4).unwrap();
            tx.commit().unwrap();
            drop(conn);
            leaves_before = db.campaign_leaves(&plan, "52", "2023-08-16").unwrap();
        }
        let db = Sqlite::open(&path).unwrap();
        let facts = db.local_facts("52").unwrap();
        let done: Vec<(String, bool, Link)> = facts
            .submissions
            .iter()
            .map(|s| (s.uscc.clone(), s.form == Form::OnsiteInspection, s.link))
            .collect();
        assert_eq!(done, [(uscc.clone(), true, Link::Production)]);
        for f in &facts.entries {
            let want = (f.entry == entry).then_some(Link::Production);
            assert_eq!(f.link, want, "{}", f.entry);
        }
        assert_eq!(
            db.campaign_leaves(&plan, "52", "2023-08-16").unwrap(),
            leaves_before,
            "the counters are unchanged"
        );
        // The breakdown reads the link from the facts: no submission is paged through.
        let day = chrono::NaiveDate::from_ymd_opt(2023, 8, 16).unwrap();
        let b = paicha::campaign::breakdown::count(
            &crate::api::campaign_breakdown::of(&db, &plan, "520000", day).unwrap(),
        );
        assert_eq!(b.by_link[0].link, Some(Link::Production));
        assert_eq!(b.by_link[0].dangers, 1);
        assert_eq!(b.by_link[1].dangers, 0);
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

mod bench {
    //! The province benchmark on SQLite (the data set and the reads: `storage/campaign/province.rs`),
    //! through the same hooks the ingest calls. Run: `cargo test --release -p paicha-server --bin
    //! paicha-server campaign_province_benchmark -- --ignored --nocapture`.
    use super::*;
    use crate::storage::province::{generate, measure, Sink, Sub};
    use rusqlite::params;
    use std::time::Instant;

    struct Hooks<'a>(&'a Connection);

    impl Sink for Hooks<'_> {
        fn register(&mut self, r: &Registered) {
            put_register(self.0, r).unwrap();
        }
        fn submission(&mut self, s: &Sub<'_>) {
            self.0
                .prepare_cached(
                    "INSERT INTO submissions (id, sha256, body, report, valid, level, errors,
                        findings, uscc, enterprise_name, region, product, form, link, inspected_at,
                        inspected_date, received_at, author)
                     VALUES (?1, '', '{}', '{}', 1, 'none', 0, 0, ?2, '', ?3, ?4, ?5, ?6, ?7, ?8,
                        ?7, 'bench')",
                )
                .unwrap()
                .execute(params![
                    s.id,
                    s.uscc,
                    s.region,
                    s.product,
                    s.form(),
                    s.link.as_str(),
                    s.inspected_at(),
                    s.day
                ])
                .unwrap();
            put_done(self.0, s.uscc, s.product, s.onsite, s.link, s.day, s.region).unwrap();
        }
        fn entry(&mut self, entry: &str, uscc: &str, region: &str, bodies: &[String]) {
            for b in bodies {
                let e = Event::from_json(b).unwrap();
                self.0
                    .prepare_cached(
                        "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
                         VALUES (?1, ?2, ?3, '', ?4, ?5, ?6, '', '')",
                    )
                    .unwrap()
                    .execute(params![e.id, e.entry, e.act.kind(), b, uscc, region])
                    .unwrap();
            }
            on_entry(self.0, entry).unwrap();
        }
    }

    #[test]
    #[ignore]
    fn campaign_province_benchmark() {
        let plan: Plan = serde_json::from_str(paicha::campaign::plan::BUILTIN[0].1).unwrap();
        let dir =
            std::env::temp_dir().join(format!("paicha-campaign-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Sqlite::open(&dir.join("bench.db")).unwrap();
        let t0 = Instant::now();
        {
            let mut conn = db.conn().unwrap();
            let tx = conn.transaction().unwrap();
            let (events, entries) = generate(&plan, &mut Hooks(&tx));
            tx.commit().unwrap();
            println!("SQLite: generated 50,000 enterprises, 200,000 submissions, {events} events ({entries} entries) in {:.1} s", t0.elapsed().as_secs_f64());
        }
        measure(&plan, &db);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
