//! What a signed-in client may not do with its records, over real HTTP: file another role's form,
//! date a ledger act into the future, send text or records too large for every view to carry,
//! leave unbounded unfinished uploads or malformed records behind, make a second record of one
//! id by changing its case or a number's spelling. And what it is told: who uploaded a record,
//! a ledger view in pages, an audit log that a sign-in name cannot forge lines in.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use serde_json::{json, Value};

fn post(addr: &str, token: &str, path: &str, body: &Value) -> Resp {
    call(addr, "POST", path, Some(token), &body.to_string())
}

#[test]
fn each_role_files_its_own_forms_and_the_uploader_is_shown() {
    let srv = start(data_dir(), &[]);
    let (qiye, jiancha, admin) = (
        sign_in(&srv.addr, "qiye"),
        sign_in(&srv.addr, "jiancha"),
        sign_in(&srv.addr, "admin"),
    );
    let subs = "/api/v1/submissions";
    // An enterprise may not file an on-site (inspector's) inspection about itself...
    let r = post(&srv.addr, &qiye, subs, &onsite(&uuid(1), 30.0));
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (403, json!("role_forbidden")),
        "{}",
        r.text()
    );
    // ...nor an inspector an enterprise's self-inspection; an administrator may enter either.
    let r = post(&srv.addr, &jiancha, subs, &submission(&uuid(2), 30.0));
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (403, json!("role_forbidden"))
    );
    assert_eq!(
        post(&srv.addr, &qiye, subs, &submission(&uuid(3), 30.0)).status,
        200
    );
    assert_eq!(
        post(&srv.addr, &jiancha, subs, &onsite(&uuid(4), 30.0)).status,
        200
    );
    assert_eq!(
        post(&srv.addr, &admin, subs, &onsite(&uuid(5), 30.0)).status,
        200
    );
    let one = call(
        &srv.addr,
        "GET",
        &format!("{subs}/{}", uuid(4)),
        Some(&admin),
        "",
    )
    .json();
    assert_eq!(one["uploaded_by"], "jiancha");
    let list = call(&srv.addr, "GET", subs, Some(&admin), "").json();
    let by: Vec<(String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["uploaded_by"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        by,
        [
            (uuid(5), "admin".into()),
            (uuid(4), "jiancha".into()),
            (uuid(3), "qiye".into())
        ]
    );
    let csv = call(
        &srv.addr,
        "GET",
        &format!("{subs}?format=csv"),
        Some(&admin),
        "",
    )
    .text();
    assert!(
        csv.lines().next().unwrap().ends_with(",uploaded_by"),
        "{csv}"
    );
    assert!(csv.lines().nth(1).unwrap().ends_with(",admin"), "{csv}");
    // Refused records are not stored: nothing under those ids.
    for n in [1, 2] {
        assert_eq!(
            call(
                &srv.addr,
                "GET",
                &format!("{subs}/{}", uuid(n)),
                Some(&admin),
                ""
            )
            .status,
            404
        );
    }
}

#[test]
fn one_record_whatever_the_case_of_its_id_or_the_spelling_of_its_numbers() {
    let srv = start(data_dir(), &[]);
    let t = sign_in(&srv.addr, "qiye");
    let subs = "/api/v1/submissions";
    let id = "6F1C2A9E-3B7D-4C1E-9A55-0D2F6B8E4A10";
    let r = post(&srv.addr, &t, subs, &submission(id, 30.5));
    assert_eq!(r.json()["id"], id.to_ascii_lowercase());
    // The lower-cased id is the same record, and 30.50 is the same number.
    let same = call(
        &srv.addr,
        "POST",
        subs,
        Some(&t),
        &submission(&id.to_ascii_lowercase(), 30.5)
            .to_string()
            .replace("30.5", "30.50"),
    );
    assert_eq!(same.json()["status"], "duplicate", "{}", same.text());
    // 1 and 1.0 and 1e0 are one number.
    let a = submission(&uuid(7), 31.0).to_string();
    assert!(a.contains("31.0"));
    assert_eq!(
        call(&srv.addr, "POST", subs, Some(&t), &a).json()["status"],
        "stored"
    );
    for spelling in ["31", "3.1e1", "31.000"] {
        let b = a.replace("31.0", spelling);
        assert_eq!(
            call(&srv.addr, "POST", subs, Some(&t), &b).json()["status"],
            "duplicate",
            "{spelling}"
        );
    }
    // Read by either case.
    let got = call(&srv.addr, "GET", &format!("{subs}/{id}"), Some(&t), "");
    assert_eq!(got.status, 200);
    assert_eq!(
        got.json()["submission"]["answers"]["ebike.max_speed_kmh"],
        json!(30.5)
    );
    // A number no double holds exactly is refused, not stored rounded.
    let long = a.replace("31.0", "12345678901234567890123");
    let r = call(&srv.addr, "POST", subs, Some(&t), &long);
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (400, json!("inexact_number")),
        "{}",
        r.text()
    );
    assert!(r.json()["detail"]["en"]
        .as_str()
        .unwrap()
        .contains("12345678901234567890123"));
}

fn ev(n: usize, entry: &str, author: &str, at: &str, kind: Value) -> Value {
    let mut e =
        json!({"id": uuid(900 + n), "entry": entry, "author": author, "device": "t", "at": at});
    e.as_object_mut()
        .unwrap()
        .extend(kind.as_object().unwrap().clone());
    e
}

fn created(n: usize, entry: &str, text: &str) -> Value {
    ev(
        n,
        entry,
        "jiancha",
        "2026-01-05T09:00:00+08:00",
        json!({"kind": "created",
        "enterprise": {"uscc": USCC, "region": "520102", "name": "贵阳示例车行"},
        "product": "electric-bicycle",
        "danger": {"text": {"zh": text, "en": "x"}, "severity": "general", "basis": "GB 17761-2018 6.1.1"}}),
    )
}

#[test]
fn ledger_events_are_bounded_in_time_and_size() {
    let srv = start(data_dir(), &[]);
    let t = sign_in(&srv.addr, "jiancha");
    let events = "/api/v1/events";
    let entry = uuid(100);
    let results = |r: Resp| -> Vec<(String, String)> {
        r.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["status"].as_str().unwrap().to_string(),
                    x["code"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let r = post(
        &srv.addr,
        &t,
        events,
        &json!([created(1, &entry, "电池堆放过高")]),
    );
    assert_eq!(results(r), [("stored".into(), String::new())]);
    // An act dated in 2099 (a device clock that would put it after every later act) is refused;
    // one a few minutes ahead of the server (a clock slightly fast) is not.
    let soon = (chrono::Utc::now() + chrono::Duration::minutes(3)).to_rfc3339();
    // A deadline within the policy's bounds from today (the bounds are checked too).
    let deadline = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    let order = |n, at: &str, deadline: &str| {
        ev(
            n,
            &entry,
            "jiancha",
            at,
            json!({"kind": "rectification_ordered", "deadline": deadline}),
        )
    };
    let r = post(
        &srv.addr,
        &t,
        events,
        &json!([
            order(2, "2099-01-01T00:00:00+08:00", "2099-01-04"),
            order(3, &soon, &deadline)
        ]),
    );
    assert_eq!(
        results(r),
        [
            ("rejected".into(), "event_in_future".into()),
            ("stored".into(), String::new())
        ]
    );
    // Text longer than 2000 characters, and records over 64 KiB, are refused and not kept.
    let r = post(
        &srv.addr,
        &t,
        events,
        &json!([
            created(4, &uuid(101), &"长".repeat(2001)),
            created(5, &uuid(102), &"长".repeat(2000))
        ]),
    );
    assert_eq!(
        results(r),
        [
            ("rejected".into(), "text_too_long".into()),
            ("stored".into(), String::new())
        ]
    );
    let mut big = created(6, &uuid(103), "x");
    big["padding"] = json!(vec!["0123456789"; 7000]);
    let r = post(&srv.addr, &t, events, &json!([big]));
    assert_eq!(results(r), [("rejected".into(), "record_too_large".into())]);
    // The ledger view comes in pages.
    for n in 0..3 {
        post(
            &srv.addr,
            &t,
            events,
            &json!([created(10 + n, &uuid(110 + n), "另一处隐患")]),
        );
    }
    let page1 = call(&srv.addr, "GET", "/api/v1/ledger?limit=2", Some(&t), "").json();
    assert_eq!(
        (
            page1["rows"].as_array().unwrap().len(),
            page1["total"].clone(),
            page1["next"].clone()
        ),
        (2, json!(5), json!("2"))
    );
    let page3 = call(
        &srv.addr,
        "GET",
        "/api/v1/ledger?limit=2&offset=4",
        Some(&t),
        "",
    )
    .json();
    assert_eq!(
        (
            page3["rows"].as_array().unwrap().len(),
            page3["next"].clone()
        ),
        (1, Value::Null)
    );
    assert_eq!(
        call(&srv.addr, "GET", "/api/v1/ledger?limit=5000", Some(&t), "").status,
        400
    );
}

#[test]
fn an_account_cannot_pile_up_unfinished_uploads_or_malformed_records() {
    let srv = start(
        data_dir(),
        &["--quota-unfinished", "1000", "--quota-rejected", "3000"],
    );
    let t = sign_in(&srv.addr, "qiye");
    let put = |sha: &str, length: usize, part: &[u8]| {
        request(
            &srv.addr,
            "PUT",
            &format!("/api/v1/attachments/{sha}"),
            &[bearer(&t), format!("Upload-Length: {length}")],
            part,
        )
    };
    let (a, b) = (vec![1u8; 800], vec![2u8; 300]);
    let (sha_a, sha_b) = (sha_hex(&a), sha_hex(&b));
    assert_eq!(put(&sha_a, 800, &a[..10]).status, 202);
    // 800 unfinished + 300 more would pass the account's 1000 bytes.
    let r = put(&sha_b, 300, &b);
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (429, json!("quota_exceeded")),
        "{}",
        r.text()
    );
    // Finishing the first frees its share.
    let r = request(
        &srv.addr,
        "PUT",
        &format!("/api/v1/attachments/{sha_a}"),
        &[
            bearer(&t),
            "Upload-Length: 800".into(),
            "Upload-Offset: 10".into(),
        ],
        &a[10..],
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(put(&sha_b, 300, &b).status, 201);
    // Records without a usable id are kept for review, up to 3000 bytes per account.
    let junk = json!({"no": "id", "pad": "x".repeat(400)});
    let statuses: Vec<(u64, String)> = (0..8)
        .map(|_| {
            let r = post(&srv.addr, &t, "/api/v1/submissions", &json!([junk]));
            let x = &r.json()["results"][0];
            (
                x["http_status"].as_u64().unwrap(),
                x["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(statuses.first().unwrap(), &(400, "invalid_id".to_string()));
    assert_eq!(
        statuses.last().unwrap(),
        &(429, "quota_exceeded".to_string()),
        "{statuses:?}"
    );
    let kept = statuses.iter().filter(|(s, _)| *s == 400).count();
    assert!((1..8).contains(&kept), "{statuses:?}");
}

#[test]
fn the_audit_log_keeps_what_a_client_sent_without_letting_it_forge_lines() {
    let srv = start(data_dir(), &[]);
    let forged = "x\nok auth.sign_in admin\u{202e}";
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/auth/token",
        None,
        &json!({"username": forged, "password": "whatever"}).to_string(),
    );
    assert_eq!(r.status, 401);
    let admin = sign_in(&srv.addr, "admin");
    let log = call(&srv.addr, "GET", "/api/v1/audit", Some(&admin), "").json();
    let line = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "auth.sign_in" && e["outcome"] == "bad_credentials")
        .unwrap()
        .clone();
    assert_eq!(line["actor"], "x\\u{a}ok auth.sign_in admin\\u{202e}");
    assert!(!line["actor"].as_str().unwrap().contains('\n'));
}
