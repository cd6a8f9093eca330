//! Document numbers over real HTTP: 50 requests at once for 50 records get 50 distinct,
//! consecutive numbers of one series; asking again for a record gives its number back; records
//! of another bureau are numbered in their own series; enterprises issue none; a self-inspection
//! makes no inspection record; a record outside the inspector's regions is not found.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use serde_json::{json, Value};

fn issue(addr: &str, token: &str, kind: &str, record: &str) -> (u16, Value) {
    let r = call(
        addr,
        "POST",
        "/api/v1/documents",
        Some(token),
        &json!({"kind": kind, "record": record}).to_string(),
    );
    let status = r.status;
    (status, r.json())
}

#[test]
fn fifty_concurrent_requests_get_fifty_consecutive_numbers() {
    let srv = start(data_dir(), &[]);
    let tablet = sign_in(&srv.addr, "jiancha");
    let subs: Vec<Value> = (0..50).map(|n| onsite(&uuid(n), 31.0)).collect();
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&tablet),
        &json!(subs).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let handles: Vec<_> = (0..50)
        .map(|n| {
            let addr = srv.addr.clone();
            let token = tablet.clone();
            std::thread::spawn(move || issue(&addr, &token, "inspection_record", &uuid(n)))
        })
        .collect();
    let mut seqs: Vec<i64> = Vec::new();
    let mut numbers = std::collections::HashSet::new();
    for h in handles {
        let (status, doc) = h.join().unwrap();
        assert_eq!(status, 201, "{doc}");
        assert_eq!(doc["series"], "520102/inspection_record");
        seqs.push(doc["sequence"].as_i64().unwrap());
        numbers.insert(doc["number"].as_str().unwrap().to_string());
    }
    seqs.sort();
    assert_eq!(seqs, (1..=50).collect::<Vec<i64>>());
    assert_eq!(numbers.len(), 50);
    // Asking again gives the same number, not a new one.
    let (status, again) = issue(&srv.addr, &tablet, "inspection_record", &uuid(7));
    assert_eq!(status, 200);
    let year = again["year"].as_i64().unwrap();
    let listed = call(
        &srv.addr,
        "GET",
        &format!("/api/v1/documents?record={}", uuid(7)),
        Some(&tablet),
        "",
    )
    .json();
    assert_eq!(listed["items"][0]["number"], again["number"]);
    assert!(again["number"]
        .as_str()
        .unwrap()
        .starts_with(&format!("520102市监检〔{year}〕第")));
    // The record's hash is carried for the printout.
    let stored = call(
        &srv.addr,
        "GET",
        &format!("/api/v1/submissions/{}", uuid(7)),
        Some(&tablet),
        "",
    )
    .json();
    assert_eq!(again["record_sha256"], stored["sha256"]);
    // Another kind of document is a series of its own; the next inspection record is 51.
    let (status, order) = issue(&srv.addr, &tablet, "rectification_order", &uuid(7));
    assert_eq!(status, 201);
    assert_eq!(order["sequence"], 1);
    let sub = onsite_of(&uuid(60), 31.0, USCC, "520103");
    call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&tablet),
        &sub.to_string(),
    );
    let (_, other_bureau) = issue(&srv.addr, &tablet, "inspection_record", &uuid(60));
    assert_eq!(other_bureau["sequence"], 1, "{other_bureau}");
    assert_eq!(other_bureau["series"], "520103/inspection_record");
}

#[test]
fn documents_are_the_supervisors_and_fit_their_records() {
    let srv = start(data_dir(), &[]);
    let tablet = sign_in(&srv.addr, "jiancha");
    let qiye = sign_in(&srv.addr, "qiye");
    let admin = sign_in(&srv.addr, "admin");
    call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&tablet),
        &json!([
            onsite(&uuid(1), 31.0),
            onsite_of(&uuid(2), 31.0, USCC, "530102")
        ])
        .to_string(),
    );
    let (status, _) = issue(&srv.addr, &qiye, "inspection_record", &uuid(1));
    assert_eq!(status, 403);
    let (status, e) = issue(&srv.addr, &tablet, "recheck_opinion", &uuid(1));
    assert_eq!(
        (status, e["code"].as_str()),
        (400, Some("record_does_not_fit"))
    );
    let (status, e) = issue(&srv.addr, &tablet, "licence", &uuid(1));
    assert_eq!(
        (status, e["code"].as_str()),
        (400, Some("invalid_document_kind"))
    );
    let (status, _) = issue(&srv.addr, &tablet, "inspection_record", &uuid(99));
    assert_eq!(status, 404);
    // An enterprise's self-inspection is its own record: no inspection record (现场检查笔录) is
    // made of it, though a rectification order may be.
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&qiye),
        &submission(&uuid(3), 31.0).to_string(),
    );
    assert_eq!(r.json()["status"], "stored", "{}", r.text());
    let (status, e) = issue(&srv.addr, &tablet, "inspection_record", &uuid(3));
    assert_eq!(
        (status, e["code"].as_str()),
        (400, Some("record_does_not_fit"))
    );
    let (status, _) = issue(&srv.addr, &tablet, "rectification_order", &uuid(3));
    assert_eq!(status, 201);
    // Yunnan's record (stored by the admin) is not the Guiyang inspector's to number or see.
    call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&admin),
        &json!([onsite_of(&uuid(2), 31.0, USCC, "530102")]).to_string(),
    );
    let (status, _) = issue(&srv.addr, &tablet, "inspection_record", &uuid(2));
    assert_eq!(status, 404);
    let (status, _) = issue(&srv.addr, &admin, "inspection_record", &uuid(2));
    assert_eq!(status, 201);
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/documents",
        Some(&tablet),
        "{\"kind\": 1}",
    );
    assert_eq!(r.status, 400);
}
