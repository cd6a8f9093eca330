//! Several server nodes on one PostgreSQL database (always PostgreSQL, whatever backend the other
//! test files run on): a token made on one node is valid on the other; the same records sent to
//! two nodes at the same moment are stored once, with their ledger entries once; a device pulling
//! the ledger feed while both nodes write never skips an event; `kill -9` of one node during
//! uploads loses no acknowledged record and the other node keeps serving; a database of the
//! earlier schema (the feed paged by `seq`) is migrated with its devices' cursors still valid.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Barrier, Mutex};

fn upload(addr: &str, token: &str, batch: &Value) -> Resp {
    call(
        addr,
        "POST",
        "/api/v1/submissions",
        Some(token),
        &batch.to_string(),
    )
}

/// Every event the account may see, pulled page by page from `cursor` on; the new cursor.
fn pull(addr: &str, token: &str, cursor: &mut String, into: &mut Vec<Value>) {
    loop {
        let r = call(
            addr,
            "GET",
            &format!("/api/v1/events?after={cursor}&limit=50"),
            Some(token),
            "",
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let page = r.json();
        into.extend(page["items"].as_array().unwrap().iter().cloned());
        *cursor = page["cursor"].as_str().unwrap().to_string();
        if page["next"].is_null() {
            return;
        }
    }
}

#[test]
fn the_same_records_sent_to_two_nodes_at_once_are_stored_once() {
    let db = pg::fresh_database();
    let a = start_on(&db, &[]);
    let b = start_on(&db, &[]);
    let ta = sign_in(&a.addr, "qiye");
    let tb = sign_in(&b.addr, "qiye");
    // Tokens are rows of the database: valid on every node.
    assert_eq!(
        call(&b.addr, "GET", "/api/v1/me", Some(&ta), "").status,
        200
    );
    let reader = sign_in(&a.addr, "jiancha");
    let rounds = 20;
    let per_batch = 5;
    let statuses: Mutex<HashMap<String, Vec<String>>> = Mutex::new(HashMap::new());
    let done = std::sync::atomic::AtomicBool::new(false);
    let mut pulled = Vec::new();
    let mut cursor = "0".to_string();
    let start = Barrier::new(2);
    std::thread::scope(|s| {
        let handles: Vec<_> = [(&a.addr, &ta), (&b.addr, &tb)]
            .into_iter()
            .enumerate()
            .map(|(node, (addr, token))| {
                let (statuses, start) = (&statuses, &start);
                s.spawn(move || {
                    for round in 0..rounds {
                        // A major danger (30 km/h over the limit): each record opens entries.
                        let batch: Vec<Value> = (0..per_batch)
                            .map(|k| submission(&uuid(round * per_batch + k), 30.0))
                            .collect();
                        start.wait(); // both nodes receive the batch at the same moment
                        let r = upload(addr, token, &json!(batch));
                        assert_eq!(r.status, 200, "{}", r.text());
                        for res in r.json()["results"].as_array().unwrap() {
                            statuses
                                .lock()
                                .unwrap()
                                .entry(res["id"].as_str().unwrap().to_string())
                                .or_default()
                                .push(res["status"].as_str().unwrap().to_string());
                        }
                        // Then records of this node's own, racing the other node's.
                        for k in 0..per_batch {
                            let id = uuid(10_000 * (node + 1) + round * per_batch + k);
                            let r = upload(addr, token, &json!([submission(&id, 30.0)]));
                            assert_eq!(r.status, 200, "{}", r.text());
                        }
                    }
                })
            })
            .collect();
        // A device pulls the ledger feed from node A while both nodes write.
        let (done, reader, addr) = (&done, &reader, &a.addr);
        let pulling = s.spawn(move || {
            let mut got = Vec::new();
            let mut cursor = "0".to_string();
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                pull(addr, reader, &mut cursor, &mut got);
            }
            (got, cursor)
        });
        for h in handles {
            h.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        let (got, c) = pulling.join().unwrap();
        pulled = got;
        cursor = c;
    });
    // Each record: stored by one node, a duplicate on the other.
    let statuses = statuses.into_inner().unwrap();
    assert_eq!(statuses.len(), rounds * per_batch);
    for (id, mut s) in statuses {
        s.sort();
        assert_eq!(s, ["duplicate", "stored"], "{id}");
    }
    assert_eq!(stored_ids(&b.addr, &tb).len(), 3 * rounds * per_batch);
    // The entries the records opened exist once, one `created` each.
    let mut all = Vec::new();
    pull(&b.addr, &reader, &mut "0".to_string(), &mut all);
    assert!(!all.is_empty());
    let ids: HashSet<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), all.len(), "an event stored twice");
    let mut created: HashMap<&str, usize> = HashMap::new();
    for e in all.iter().filter(|e| e["kind"] == "created") {
        *created.entry(e["entry"].as_str().unwrap()).or_default() += 1;
    }
    assert!(created.values().all(|n| *n == 1), "{created:?}");
    assert_eq!(
        all.len() % (3 * rounds * per_batch),
        0,
        "{} events",
        all.len()
    );
    // The feed pulled while the nodes wrote, finished from its cursor, skipped nothing and
    // repeated nothing. (Paged by `seq` with no lock, it skips events: a transaction that took
    // a lower `seq` commits after a higher one was read. Seen failing 3 runs out of 3.)
    pull(&a.addr, &reader, &mut cursor, &mut pulled);
    let pulled_ids: Vec<&str> = pulled.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let unique: HashSet<&str> = pulled_ids.iter().copied().collect();
    assert_eq!(unique.len(), pulled_ids.len(), "an event pulled twice");
    assert_eq!(unique, ids, "the feed skipped events");
}

#[test]
fn acknowledged_records_survive_kill_9_of_one_node_and_the_other_keeps_serving() {
    let db = pg::fresh_database();
    let mut a = start_on(&db, &[]);
    let b = start_on(&db, &[]);
    let t = sign_in(&a.addr, "qiye");
    let acked = Mutex::new(Vec::new());
    let after_kill = std::sync::atomic::AtomicUsize::new(0);
    let killed = std::sync::atomic::AtomicBool::new(false);
    let (addr_a, addr_b) = (a.addr.clone(), b.addr.clone());
    std::thread::scope(|s| {
        // A device on each node uploads as fast as it can; node A is killed under its device,
        // which then sends the record it was sending, and the rest, to node B.
        for (dev, first) in [(0, &addr_a), (1, &addr_b)] {
            let (acked, t, killed, after_kill, addr_b) =
                (&acked, &t, &killed, &after_kill, &addr_b);
            s.spawn(move || {
                let mut addr = first.clone();
                let mut i = 0;
                while i < 400 {
                    let id = uuid(dev * 100_000 + i);
                    let r = upload(&addr, t, &submission(&id, 30.0));
                    if r.status == 0 && addr != *addr_b {
                        addr = addr_b.clone(); // node A is gone: fail over, same record again
                        continue;
                    }
                    assert_eq!(r.status, 200, "{}", r.text());
                    acked.lock().unwrap().push(id);
                    if killed.load(std::sync::atomic::Ordering::SeqCst) {
                        after_kill.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    i += 1;
                }
            });
        }
        std::thread::sleep(std::time::Duration::from_millis(1500));
        a.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
        a.child.wait().unwrap();
        killed.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let acked = acked.into_inner().unwrap();
    assert_eq!(
        acked.len(),
        800,
        "every record acknowledged, by one node or the other"
    );
    assert!(
        after_kill.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "node B served nothing after node A was killed (the uploads ended first: raise the count)"
    );
    let t = sign_in(&b.addr, "jiancha");
    let ids = stored_ids(&b.addr, &t);
    let stored: HashSet<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(stored.len(), ids.len(), "a record stored twice");
    for id in &acked {
        assert!(
            stored.contains(id.as_str()),
            "{id} was acknowledged and lost"
        );
    }
    assert_eq!(stored.len(), 800);
}

#[test]
fn an_attachment_uploaded_to_one_node_is_served_by_the_other() {
    let db = pg::fresh_database();
    let a = start_on(&db, &[]);
    let b = start_on(&db, &[]);
    let t = sign_in(&a.addr, "qiye");
    let photo: Vec<u8> = (0..200_000u32).map(|i| (i * 13 % 251) as u8).collect();
    let sha = sha_hex(&photo);
    let path = format!("/api/v1/attachments/{sha}");
    let put = request(
        &a.addr,
        "PUT",
        &path,
        &[bearer(&t), format!("Upload-Length: {}", photo.len())],
        &photo,
    );
    assert_eq!(put.status, 201, "{}", put.text());
    // Node B has no file of it: the bytes come from the database.
    let back = call(&b.addr, "GET", &path, Some(&t), "");
    assert_eq!((back.status, back.body == photo), (200, true));
    let status = call(&b.addr, "GET", &format!("{path}/status"), Some(&t), "").json();
    assert_eq!(status["complete"], true);
    // Another account that uploaded nothing and cites nothing sees nothing, on either node.
    let other = sign_in(&b.addr, "jiancha");
    assert_eq!(call(&b.addr, "GET", &path, Some(&other), "").status, 404);
}

#[test]
fn a_database_of_the_earlier_schema_keeps_its_feed_and_the_devices_cursors() {
    let db = pg::fresh_database();
    let qiye_upload = |addr: &str, from: usize| {
        let t = sign_in(addr, "qiye");
        for i in from..from + 3 {
            let r = upload(addr, &t, &json!([submission(&uuid(50_000 + i), 30.0)]));
            assert_eq!(r.status, 200, "{}", r.text());
        }
    };
    let mut c = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    for from in [0, 3] {
        let a = start_on(&db, &[]);
        qiye_upload(&a.addr, from);
        drop(a); // stopped
                 // A gap in `seq`, as rolled-back inserts leave.
        c.batch_execute(
            "SELECT nextval(pg_get_serial_sequence('events', 'seq')) FROM generate_series(1, 100)",
        )
        .unwrap();
    }
    // The database as the earlier version left it: no `pos`, the feed paged by `seq`, the scope
    // indexes on `seq`, at schema version 0 (and none of the feed's table of migration 6).
    c.batch_execute(
        "DROP TABLE event_feed;
         ALTER TABLE events DROP COLUMN pos; DROP SEQUENCE events_pos;
         CREATE INDEX events_uscc ON events (uscc, seq);
         CREATE INDEX events_region ON events (region, seq);
         UPDATE paicha_schema SET version = 0;",
    )
    .unwrap();
    let seqs: Vec<i64> = c
        .query("SELECT seq FROM events ORDER BY seq", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let ids: Vec<String> = c
        .query("SELECT id FROM events ORDER BY seq", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(seqs.len() >= 6 && seqs[seqs.len() - 1] > 100, "{seqs:?}");
    // A device of the earlier version had pulled up to the fifth event: its cursor is a `seq`.
    let mut cursor = seqs[4].to_string();
    let a = start_on(&db, &[]); // migrates
    let b = start_on(&db, &[]);
    qiye_upload(&b.addr, 6);
    qiye_upload(&a.addr, 9);
    let reader = sign_in(&a.addr, "jiancha");
    let mut all = Vec::new();
    pull(&a.addr, &reader, &mut "0".to_string(), &mut all);
    let all: Vec<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(
        all.len(),
        2 * ids.len(),
        "the events of 12 records, 6 before and 6 after"
    );
    assert_eq!(
        all[..ids.len()],
        ids,
        "the earlier events first, in their order"
    );
    let mut rest = Vec::new();
    pull(&a.addr, &reader, &mut cursor, &mut rest);
    let rest: Vec<&str> = rest.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(rest, all[5..], "the device goes on from its cursor");
}

/// A valid on-site inspection of `uscc` (Nanming) on `day`, graded major.
fn inspection_on(id: &str, uscc: &str, day: &str) -> Value {
    let mut s = inspection(id, uscc, "520102");
    s["inspected_at"] = json!(format!("{day}T10:00:00+08:00"));
    s
}

#[test]
fn batches_of_the_same_enterprises_in_opposite_orders_never_deadlock() {
    // Each record a new inspection fact of its enterprise (a day of its own, in the campaign's
    // period), so each batch locks the enterprises it counts. Locked in record order, the two
    // batches each held one and waited for the other: PostgreSQL broke the deadlock by failing
    // one (503, and the device retried). Locked in key order, one waits and both are stored.
    let db = pg::fresh_database();
    let a = start_on(&db, &[]);
    let b = start_on(&db, &[]);
    let ta = sign_in(&a.addr, "jiancha");
    let tb = sign_in(&b.addr, "jiancha");
    // Sixteen enterprises: each batch locks them one after another, so the two batches'
    // locking overlaps (with three, one batch had often locked all its own before the other's
    // first: the record-order code passed 40 rounds).
    let usccs: Vec<String> = (0..16)
        .map(|k| paicha::ids::with_check_character(&format!("91520102MA6DK{k:04}")).unwrap())
        .collect();
    let rounds = 40;
    let start = Barrier::new(2);
    let failed = Mutex::new(Vec::new());
    let day = |n: usize| {
        (chrono::NaiveDate::from_ymd_opt(2023, 6, 1).unwrap() + chrono::Days::new(n as u64))
            .to_string()
    };
    std::thread::scope(|s| {
        for (side, (addr, token)) in [(&a.addr, &ta), (&b.addr, &tb)].into_iter().enumerate() {
            let (start, usccs, day, failed) = (&start, &usccs, &day, &failed);
            s.spawn(move || {
                for round in 0..rounds {
                    let mut order: Vec<&str> = usccs.iter().map(String::as_str).collect();
                    if side == 1 {
                        order.reverse();
                    }
                    let batch: Vec<Value> = order
                        .iter()
                        .enumerate()
                        .map(|(k, u)| {
                            let id = uuid(20_000 + (round * 2 + side) * 100 + k);
                            inspection_on(&id, u, &day(round * 2 + side))
                        })
                        .collect();
                    start.wait(); // both nodes receive their batch at the same moment
                    let r = upload(addr, token, &json!(batch));
                    // Noted, not asserted here: a panic would leave the other side at the
                    // barrier for ever.
                    let stored = r.status == 200
                        && r.json()["results"]
                            .as_array()
                            .is_some_and(|rs| rs.iter().all(|x| x["status"] == "stored"));
                    if !stored {
                        failed.lock().unwrap().push(format!(
                            "round {round}: {} {}",
                            r.status,
                            r.text()
                        ));
                    }
                }
            });
        }
    });
    let failed = failed.into_inner().unwrap();
    assert!(
        failed.is_empty(),
        "{} batches failed: {failed:?}",
        failed.len()
    );
    let ids = stored_ids(&a.addr, &ta);
    assert_eq!(ids.len(), rounds * 2 * usccs.len());
    // Each enterprise's inspections counted: one fact a day, 2 x rounds days each.
    let mut c = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    let facts: i64 = c
        .query_one("SELECT count(*) FROM campaign_done", &[])
        .unwrap()
        .get(0);
    assert_eq!(facts as usize, usccs.len() * 2 * rounds);
}

/// The `n`th id the server derives for what a submission opens (its first entry, that entry's
/// `created`, ...) (`derived_uuid` of
/// `<id>/ledger/<n>`: version 8, RFC 9562).
fn derived(id: &str, n: usize) -> String {
    let h = sha_hex(format!("{id}/ledger/{n}").as_bytes());
    let mut b: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x: String = b.iter().map(|v| format!("{v:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

#[test]
fn a_batch_whose_opened_event_is_taken_is_stored_the_careful_way() {
    // A batch stores its new entries' events last, assuming them new; when one is there already
    // (here: a device stored an event of the very id the server derives), the batch is rolled
    // back and stored again the careful way: the records are stored, the taken id is not
    // overwritten, the other entries open, nothing is answered 503.
    let db = pg::fresh_database();
    let a = start_on(&db, &[]);
    let t = sign_in(&a.addr, "jiancha");
    let first = uuid(30_000);
    // Its first entry's id is the first derived, that entry's `created` the second.
    let taken = derived(&first, 2);
    let squat = json!({"id": taken, "entry": "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b",
        "author": "jiancha", "device": "tablet", "at": "2023-07-20T10:30:00+08:00",
        "kind": "created", "submission": first, "item": "ebike.max_speed_kmh",
        "enterprise": {"uscc": USCC, "region": "520102", "name": "贵阳示例车行"},
        "product": "electric-bicycle",
        "danger": {"text": {"zh": "最高车速超过 25 km/h", "en": "Top speed above 25 km/h"},
                   "severity": "major", "basis": "GB 17761-2018 6.1.1"}});
    let r = call(
        &a.addr,
        "POST",
        "/api/v1/events",
        Some(&t),
        &json!([squat]).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let batch = json!([
        inspection_on(&first, USCC, "2023-07-20"),
        inspection_on(&uuid(30_001), "91520102MA6DK4L3XP", "2023-07-20")
    ]);
    let r = upload(&a.addr, &t, &batch);
    assert_eq!(r.status, 200, "{}", r.text());
    for res in r.json()["results"].as_array().unwrap() {
        assert_eq!(res["status"], "stored", "{res}");
    }
    let mut all = Vec::new();
    pull(&a.addr, &t, &mut "0".to_string(), &mut all);
    let squatted: Vec<&Value> = all.iter().filter(|e| e["id"] == taken.as_str()).collect();
    assert_eq!(squatted.len(), 1);
    assert_eq!(squatted[0]["entry"], "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b");
    // The second record's entries opened as usual (events of its derived ids).
    let second = derived(&uuid(30_001), 2);
    assert!(all.iter().any(|e| e["id"] == second.as_str()), "{all:?}");
    // The first record's first entry did not open: its `created` could not be stored under the
    // taken id, so no act of it was stored either (an act needs its entry's `created`).
    let entry = derived(&first, 1);
    assert!(!all.iter().any(|e| e["entry"] == entry.as_str()), "{all:?}");
}
