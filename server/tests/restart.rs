//! The database restarted under load (always PostgreSQL; a cluster of this test binary's own,
//! so no other test sees it go): two server nodes on one database, a device uploading to each;
//! the PostgreSQL server is restarted in the middle. While it is down the nodes answer 503 (or
//! the connection fails) and the devices send the same record again; afterwards every record
//! is stored exactly once, every acknowledged one among them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use serde_json::json;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

#[test]
fn every_record_is_stored_once_when_the_database_restarts_under_load() {
    let db = pg::fresh_database();
    let a = start_on(&db, &[]);
    let b = start_on(&db, &[]);
    let t = sign_in(&a.addr, "qiye");
    let per_device = 300;
    let acked = Mutex::new(Vec::new());
    let (retries, after) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let restarted = AtomicBool::new(false);
    std::thread::scope(|s| {
        for (dev, addr) in [(0, &a.addr), (1, &b.addr)] {
            let (acked, retries, after, restarted, t) = (&acked, &retries, &after, &restarted, &t);
            s.spawn(move || {
                let mut i = 0;
                while i < per_device {
                    let id = uuid(dev * 100_000 + i);
                    let r = call(
                        addr,
                        "POST",
                        "/api/v1/submissions",
                        Some(t),
                        &json!([submission(&id, 30.0)]).to_string(),
                    );
                    if r.status != 200 {
                        // The database is away: the same record again, a moment later.
                        assert!(
                            r.status == 503 || r.status == 0,
                            "{} {}",
                            r.status,
                            r.text()
                        );
                        retries.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        continue;
                    }
                    // A retry of a record whose first try committed is a duplicate.
                    let status = r.json()["results"][0]["status"].clone();
                    assert!(status == "stored" || status == "duplicate", "{status}");
                    acked.lock().unwrap().push(id);
                    if restarted.load(Ordering::SeqCst) {
                        after.fetch_add(1, Ordering::SeqCst);
                    }
                    i += 1;
                }
            });
        }
        // Restart once a third of the records are in, while both devices go on.
        while acked.lock().unwrap().len() < per_device * 2 / 3 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        pg::restart();
        restarted.store(true, Ordering::SeqCst);
    });
    eprintln!(
        "database restarted under load: {} retries, {} records acknowledged after the restart",
        retries.load(Ordering::SeqCst),
        after.load(Ordering::SeqCst)
    );
    assert!(
        after.load(Ordering::SeqCst) > 0,
        "the uploads ended before the restart (raise the count)"
    );
    let acked = acked.into_inner().unwrap();
    assert_eq!(acked.len(), 2 * per_device);
    // Every record stored once, as one node answers after the restart.
    let reader = sign_in(&b.addr, "jiancha");
    let ids = stored_ids(&b.addr, &reader);
    let stored: HashSet<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(stored.len(), ids.len(), "a record stored twice");
    let acked: HashSet<&str> = acked.iter().map(String::as_str).collect();
    assert_eq!(stored, acked);
}
