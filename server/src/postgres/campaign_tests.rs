//! The campaign store on a real PostgreSQL (the test cluster of `server/tests/common/pg.rs`):
//! the counters equal the core's `leaves` on the fixture county, fed one record at a time as in
//! the SQLite test; and two nodes changing the same enterprises at the same moment count both
//! changes (the per-part lock), where reading the part before the other commit would lose one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
use super::*;
use paicha::campaign::{leaves as core_leaves, RegisteredProduct, SubmissionFact};

#[path = "../../tests/common/pg.rs"]
#[allow(dead_code, clippy::panic)]
mod pg;

fn fresh() -> Postgres {
    Postgres::connect(&pg::fresh_database(), 4).unwrap()
}

#[test]
fn counters_equal_the_core_on_postgres() {
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
    let db = fresh();
    let plan: Plan = serde_json::from_str(paicha::campaign::plan::BUILTIN[0].1).unwrap();
    // The counters made current (and empty) first, so what follows is counted by the hooks.
    assert!(db
        .campaign_leaves(&plan, "52", "2023-08-16")
        .unwrap()
        .is_empty());
    db.write(|tx| {
        let (early, late) = subs.split_at(subs.len() / 2);
        let done = |tx: &mut Tx<'_>, s: &SubmissionFact| {
            if s.valid {
                let onsite = s.form == Form::OnsiteInspection;
                put_done(tx, &s.uscc, &s.product, onsite, s.link, &s.date, &s.region).unwrap();
            }
        };
        early.iter().rev().for_each(|s| done(tx, s));
        for r in &register {
            let mut moved = r.clone();
            moved.region = "520103".into();
            put_register(tx, &moved)?;
            put_register(tx, r)?;
        }
        late.iter().rev().for_each(|s| done(tx, s));
        for e in &events {
            tx.execute(
                "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
                 VALUES ($1, $2, $3, '', $4, '', '', '', '')",
                &[&e.id, &e.entry, &e.act.kind(), &serde_json::to_string(e).unwrap()],
            )?;
            on_entry(tx, &e.entry)?;
        }
        // In the feed, as every path storing events does.
        let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        crate::postgres::feed::publish(tx, &ids)?;
        for s in spots.iter().chain(&spots) {
            on_spot_check(tx, &serde_json::to_string(s).unwrap())?;
        }
        Ok(())
    })
    .unwrap();
    assert!(is_kept(&plan));
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
    for today in ["2023-08-16", "2023-09-20"] {
        let day = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap();
        let want = core_leaves(&plan, &inputs, day);
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
    let days: Vec<String> = ["2023-06-30", "2023-07-20", "2023-08-16", "2023-10-31"]
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        db.open_over_time(&plan, "52", &days).unwrap(),
        db.open_over_time(&other, "52", &days).unwrap()
    );
    // Counters thrown away: counted again from the facts on the next read, the same.
    db.write(|tx| {
        tx.batch_execute("DELETE FROM campaign_kept; UPDATE campaign_counts SET major = 99")?;
        Ok(())
    })
    .unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2023, 8, 16).unwrap();
    assert_eq!(
        db.campaign_leaves(&plan, "52", "2023-08-16").unwrap(),
        core_leaves(&plan, &inputs, day)
    );
}

/// A database of the version before migration 2 kept entry facts without the enterprise's name,
/// the submission and the measures' states: connected again, each is made again from its events
/// (once), and the counters stay as they were.
#[test]
fn facts_of_an_older_version_are_made_again_on_connecting() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/campaign-fixtures/county.json"
    ))
    .unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut events = raw["events"].as_array().unwrap().clone();
    let named = events.iter_mut().find(|e| e["kind"] == "created").unwrap();
    named["enterprise"]["name"] = "记录的企业名称".into();
    let named_entry = named["entry"].as_str().unwrap().to_string();
    let events: Vec<Event> = serde_json::from_value(events.into()).unwrap();
    let url = pg::fresh_database();
    let plan: Plan = serde_json::from_str(paicha::campaign::plan::BUILTIN[0].1).unwrap();
    let leaves_before = {
        let db = Postgres::connect(&url, 2).unwrap();
        db.write(|tx| {
            for e in &events {
                tx.execute(
                    "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
                     VALUES ($1, $2, $3, '', $4, '', '', '', '')",
                    &[&e.id, &e.entry, &e.act.kind(), &serde_json::to_string(e).unwrap()],
                )?;
                on_entry(tx, &e.entry)?;
            }
            // The bodies as the version before wrote them.
            tx.batch_execute(
                "UPDATE campaign_entries
                 SET body = (body::jsonb - 'name' - 'submission' - 'measure_states')::text;
                 UPDATE paicha_schema SET version = 1",
            )?;
            Ok(())
        })
        .unwrap();
        let old = db.local_facts("52").unwrap().entries;
        assert!(!old.is_empty());
        assert!(old
            .iter()
            .all(|f| f.measure_states.is_empty() && f.name.is_none()));
        db.campaign_leaves(&plan, "52", "2023-08-16").unwrap()
    };
    let want: std::collections::BTreeMap<String, EntryFact> = fold(&events)
        .entries
        .iter()
        .map(|e| (e.id.clone(), EntryFact::of(e)))
        .collect();
    assert!(want.values().any(|f| !f.measure_states.is_empty()));
    let db = Postgres::connect(&url, 2).unwrap();
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
    let version: i32 = db
        .read(|c| {
            Ok(c.query_one("SELECT version FROM paicha_schema", &[])?
                .get(0))
        })
        .unwrap();
    assert_eq!(
        version,
        crate::postgres::MIGRATIONS.last().map_or(0, |m| m.0)
    );
}

/// A database of the version before migration 3 kept no links: its done facts had no link
/// column and its entry facts neither their submission's link nor a column for it. Connected
/// again, the done facts are made again from the submissions with their links, every entry
/// fact gets its submission's, the counters stay as they were, and the breakdown by link (which
/// reads the facts alone) puts the danger under its submission's link.
#[test]
fn a_database_before_migration_3_gets_the_links_into_its_facts() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/campaign-fixtures/county.json"
    ))
    .unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut events = raw["events"].as_array().unwrap().clone();
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
    let url = pg::fresh_database();
    let plan: Plan = serde_json::from_str(paicha::campaign::plan::BUILTIN[0].1).unwrap();
    let leaves_before = {
        let db = Postgres::connect(&url, 2).unwrap();
        // The counters made current (and empty) first, so what follows is counted by the hooks.
        assert!(db
            .campaign_leaves(&plan, "52", "2023-08-16")
            .unwrap()
            .is_empty());
        db.write(|tx| {
            tx.execute(
                "INSERT INTO submissions (id, sha256, body, report, valid, level, errors, findings,
                    uscc, enterprise_name, region, product, form, link, inspected_at,
                    inspected_date, received_at, author)
                 VALUES ($1, '', '{}', '{}', TRUE, 'major', 0, 1, $2, '', $3, $4,
                    'onsite_inspection', 'production', '2023-07-10T10:00:00+08:00', '2023-07-10',
                    '', '')",
                &[&sub, &uscc, &region, &product],
            )?;
            put_done(tx, &uscc, &product, true, Link::Production, "2023-07-10", &region)?;
            for e in &events {
                tx.execute(
                    "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
                     VALUES ($1, $2, $3, '', $4, '', '', '', '')",
                    &[&e.id, &e.entry, &e.act.kind(), &serde_json::to_string(e).unwrap()],
                )?;
                on_entry(tx, &e.entry)?;
            }
            // The tables and bodies as the version before had them.
            tx.batch_execute(&format!(
                "ALTER TABLE campaign_done DROP CONSTRAINT campaign_done_pkey;
                 DELETE FROM campaign_done;
                 ALTER TABLE campaign_done DROP COLUMN link;
                 INSERT INTO campaign_done VALUES ('{uscc}', '{product}', TRUE, '2023-07-10', '{region}');
                 ALTER TABLE campaign_done ADD PRIMARY KEY (uscc, product, onsite, day, region);
                 DROP INDEX campaign_entries_submission;
                 ALTER TABLE campaign_entries DROP COLUMN submission;
                 UPDATE campaign_entries SET body = (body::jsonb - 'link')::text;
                 UPDATE paicha_schema SET version = 2"
            ))?;
            Ok(())
        })
        .unwrap();
        db.campaign_leaves(&plan, "52", "2023-08-16").unwrap()
    };
    let db = Postgres::connect(&url, 2).unwrap();
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
    let day = chrono::NaiveDate::from_ymd_opt(2023, 8, 16).unwrap();
    let b = paicha::campaign::breakdown::count(
        &crate::api::campaign_breakdown::of(&db, &plan, "520000", day).unwrap(),
    );
    assert_eq!(b.by_link[0].link, Some(Link::Production));
    assert_eq!(b.by_link[0].dangers, 1);
    assert_eq!(b.by_link[1].dangers, 0);
}

#[test]
fn two_nodes_changing_one_enterprise_at_once_count_both_changes() {
    let url = pg::fresh_database();
    let (a, b) = (
        Postgres::connect(&url, 2).unwrap(),
        Postgres::connect(&url, 2).unwrap(),
    );
    let plan = &kept_plans()[0];
    let (p, q) = (plan.products[0].clone(), plan.products[1].clone());
    assert!(a
        .campaign_leaves(plan, "52", &plan.period.from)
        .unwrap()
        .is_empty());
    let usccs: Vec<String> = (0..20)
        .map(|i| paicha::ids::with_check_character(&format!("91520102MA{i:07}")).unwrap())
        .collect();
    a.write(|tx| {
        for u in &usccs {
            put_register(
                tx,
                &Registered {
                    uscc: u.clone(),
                    name: u.clone(),
                    region: "520102".into(),
                    address: None,
                    legal_representative: None,
                    contact: None,
                    scale: None,
                    products: [&p, &q]
                        .iter()
                        .map(|p| RegisteredProduct {
                            product: (*p).clone(),
                            links: vec![Link::Sales],
                        })
                        .collect(),
                    certificates: vec![],
                    key_flags: vec![],
                },
            )?;
        }
        Ok(())
    })
    .unwrap();
    // Node a self-inspects product p of every enterprise, node b product q, at the same time,
    // each in transactions that hold the enterprise a while: an enterprise is self-inspected
    // (all its products) only when both are counted on top of each other.
    let day = plan.period.from.clone();
    let start = std::sync::Barrier::new(2);
    std::thread::scope(|s| {
        for (node, product) in [(&a, &p), (&b, &q)] {
            let (usccs, day, start) = (&usccs, &day, &start);
            s.spawn(move || {
                for u in usccs {
                    // Both nodes at the same enterprise at the same moment.
                    start.wait();
                    node.write(|tx| {
                        put_done(tx, u, product, false, Link::Sales, day, "520102")?;
                        tx.batch_execute("SELECT pg_sleep(0.02)")?;
                        Ok(())
                    })
                    .unwrap();
                }
            });
        }
    });
    let leaves = a.campaign_leaves(plan, "520102", &day).unwrap();
    assert_eq!(leaves.len(), 1);
    assert_eq!(leaves[0].total.registered, 20);
    assert_eq!(leaves[0].total.self_inspected, 20, "{:?}", leaves[0].total);
    for f in &leaves[0].products {
        assert_eq!(f.figures.self_inspected, 20);
    }
}

mod bench {
    //! The province benchmark on PostgreSQL (the data set and the reads:
    //! `storage/campaign/province.rs`). The facts go in by bulk inserts and the counters are
    //! made by the recount (`keep_current`, what a new plan version gets): the same tables the
    //! hooks keep, made in seconds rather than in 3 million round trips. Run: `cargo test
    //! --release -p paicha-server --lib campaign_province_benchmark_postgres --
    //! --ignored --nocapture`.
    use super::*;
    use crate::storage::province::{generate, measure, Sink, Sub};
    use crate::storage::EntryRow;
    use std::time::Instant;

    #[derive(Default)]
    struct Bulk {
        register: Vec<Registered>,
        /// id, uscc, region, product, form, link, inspected_at, inspected_date.
        submissions: Vec<[String; 8]>,
        links: std::collections::HashMap<String, Link>,
        entries: Vec<EntryFact>,
        /// id, entry, kind, body, uscc, region of every event.
        events: Vec<[String; 6]>,
        /// The ledger views' kept row of every entry.
        rows: Vec<EntryRow>,
    }

    impl Sink for Bulk {
        fn register(&mut self, r: &Registered) {
            self.register.push(r.clone());
        }
        fn submission(&mut self, s: &Sub<'_>) {
            self.links.insert(s.id.into(), s.link);
            self.submissions.push([
                s.id.into(),
                s.uscc.into(),
                s.region.into(),
                s.product.into(),
                s.form().into(),
                s.link.as_str().into(),
                s.inspected_at(),
                s.day.into(),
            ]);
        }
        fn entry(&mut self, entry: &str, uscc: &str, region: &str, bodies: &[String]) {
            let events: Vec<Event> = bodies
                .iter()
                .map(|b| Event::from_json(b).unwrap())
                .collect();
            for (e, b) in events.iter().zip(bodies) {
                self.events.push([
                    e.id.clone(),
                    e.entry.clone(),
                    e.act.kind().into(),
                    b.clone(),
                    uscc.into(),
                    region.into(),
                ]);
            }
            let state = fold(&events);
            self.rows.extend(EntryRow::of(&state, entry));
            // With its submission's link, as the hooks keep it.
            let mut f = EntryFact::of(state.entry(entry).unwrap());
            f.link = f.submission.as_ref().map(|s| self.links[s]);
            self.entries.push(f);
        }
    }

    #[test]
    #[ignore]
    fn campaign_province_benchmark_postgres() {
        let plan: Plan = serde_json::from_str(paicha::campaign::plan::BUILTIN[0].1).unwrap();
        let db = fresh();
        let t0 = Instant::now();
        let mut bulk = Bulk::default();
        let (events, entries) = generate(&plan, &mut bulk);
        db.write(|tx| {
            for chunk in bulk.register.chunks(5000) {
                let mut cols: [Vec<String>; 3] = Default::default();
                let mut ents: [Vec<String>; 4] = Default::default();
                for r in chunk {
                    for p in &r.products {
                        cols[0].push(r.uscc.clone());
                        cols[1].push(p.product.clone());
                        cols[2].push(r.region.clone());
                    }
                    ents[0].push(r.uscc.clone());
                    ents[1].push(r.region.clone());
                    ents[2].push(r.name.clone());
                    ents[3].push(serde_json::to_string(r).unwrap());
                }
                tx.execute(
                    "INSERT INTO campaign_register SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
                     ON CONFLICT DO NOTHING",
                    &[&cols[0], &cols[1], &cols[2]],
                )?;
                tx.execute(
                    "INSERT INTO campaign_enterprises SELECT * FROM
                     unnest($1::text[], $2::text[], $3::text[], $4::text[])",
                    &[&ents[0], &ents[1], &ents[2], &ents[3]],
                )?;
            }
            for chunk in bulk.submissions.chunks(20000) {
                let col = |k: usize| chunk.iter().map(|r| r[k].clone()).collect::<Vec<String>>();
                tx.execute(
                    "INSERT INTO submissions (id, sha256, body, report, valid, level, errors,
                        findings, uscc, enterprise_name, region, product, form, link, inspected_at,
                        inspected_date, received_at, author)
                     SELECT id, '', '{}', '{}', TRUE, 'none', 0, 0, uscc, '', region, product,
                        form, link, at, day, at, 'bench'
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                        $6::text[], $7::text[], $8::text[])
                        AS t (id, uscc, region, product, form, link, at, day)",
                    &[&col(0), &col(1), &col(2), &col(3), &col(4), &col(5), &col(6), &col(7)],
                )?;
                // Their valid inspections' facts, as `on_submissions` makes them.
                tx.execute(
                    "INSERT INTO campaign_done (uscc, product, onsite, link, day, region)
                     SELECT uscc, product, form = 'onsite_inspection', link, day, region
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                        $6::text[]) AS t (uscc, region, product, form, link, day)
                     ON CONFLICT DO NOTHING",
                    &[&col(1), &col(2), &col(3), &col(4), &col(5), &col(7)],
                )?;
            }
            for chunk in bulk.entries.chunks(10000) {
                let bodies: Vec<String> =
                    chunk.iter().map(|f| serde_json::to_string(f).unwrap()).collect();
                tx.execute(
                    "INSERT INTO campaign_entries (entry, uscc, region, product, severity, violation,
                        found, state, due, closed_on, measures, measures_done, body, submission)
                     SELECT b->>'entry', b->>'uscc', b->>'region', b->>'product', b->>'severity',
                        b ? 'violation', b->>'found',
                        b->>'state',
                        b->>'due', b->>'closed_on', (b->>'measures')::bigint,
                        (b->>'measures_done')::bigint, b::text, b->>'submission'
                     FROM (SELECT x::jsonb AS b FROM unnest($1::text[]) AS x) s",
                    &[&bodies],
                )?;
            }
            for chunk in bulk.events.chunks(20000) {
                let col = |k: usize| chunk.iter().map(|r| r[k].clone()).collect::<Vec<String>>();
                tx.execute(
                    "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at,
                        author)
                     SELECT id, entry, kind, '', body, uscc, region, '', ''
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                        $6::text[]) AS t (id, entry, kind, body, uscc, region)",
                    &[&col(0), &col(1), &col(2), &col(3), &col(4), &col(5)],
                )?;
            }
            // Their places in the feed (`feed.rs`), in the order stored, as `publish` gives them.
            tx.execute(
                "INSERT INTO event_feed (pos, event, uscc, region)
                 SELECT nextval('events_pos'), seq, uscc, region FROM events ORDER BY seq",
                &[],
            )?;
            for chunk in bulk.rows.chunks(5000) {
                crate::postgres::ledger_rows::keep_all(tx, chunk, false)?;
            }
            tx.execute("DELETE FROM campaign_kept", &[])?;
            Ok(())
        })
        .unwrap();
        let loaded = t0.elapsed().as_secs_f64();
        db.write(|tx| campaign_counts::keep_current(tx)).unwrap();
        println!(
            "PostgreSQL: 50,000 enterprises, 200,000 submissions, {events} events ({entries} entries): facts loaded in {loaded:.1} s, counted in {:.1} s",
            t0.elapsed().as_secs_f64() - loaded
        );
        db.write(|tx| {
            tx.batch_execute("ANALYZE")?;
            Ok(())
        })
        .unwrap();
        measure(&plan, &db);
    }
}
