//! Key on-site inspections over real HTTP (issue 13 item 6): two failed spot checks put the
//! enterprise on the list, due; an on-site inspection that finds a targeted item again leaves it
//! due (failed, with the item); a complete one with the assistance measures recorded and no
//! targeted or major finding marks it passed; an older inspection or another product's is not a
//! follow-up.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use serde_json::{json, Value};

fn day(days_ago: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(days_ago))
        .format("%Y-%m-%d")
        .to_string()
}

fn spot(n: usize, date: &str, failed: &[&str]) -> Value {
    json!({"id": format!("7c1d2e3f-4a5b-4c6d-8e9f-{n:012}"),
           "enterprise": {"uscc": USCC, "region": "520102", "name": "贵阳示例车行"},
           "product": "electric-bicycle", "batch": format!("B{n}"), "level": "provincial",
           "date": date, "result": "unqualified", "failed_items": failed})
}

/// The clean on-site fixture (complete, no finding) on `date`, as a key inspection with help given.
fn clean_onsite(id: &str, date: &str) -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/ebike-onsite-sales-clean.json"
    ))
    .unwrap();
    let case: Value = serde_json::from_str(&text).unwrap();
    let mut s = case["submission"].clone();
    s["id"] = json!(id);
    s["inspected_at"] = json!(format!("{date}T10:00:00+08:00"));
    // A vehicle of the current standard (GB 17761-2024), so selling it today is no finding.
    s["answers"]["ebike.production_date"] = json!(day(60));
    s["answers"]["onsite.key_inspection"] = json!("yes");
    s["answers"]["onsite.assistance"] = json!(["technical_guidance", "standards_explained"]);
    s
}

fn follow_up(srv: &Server, token: &str) -> Value {
    let due = call(&srv.addr, "GET", "/api/v1/key-inspections", Some(token), "").json();
    assert_eq!(due["items"].as_array().unwrap().len(), 1, "{due}");
    due["items"][0].clone()
}

fn upload(srv: &Server, token: &str, sub: &Value) -> Value {
    call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(token),
        &sub.to_string(),
    )
    .json()
}

#[test]
fn a_key_inspection_is_done_when_the_follow_up_inspection_passes() {
    let srv = start(data_dir(), &[]);
    let tablet = sign_in(&srv.addr, "jiancha");
    let spots = json!([
        spot(1, &day(300), &["ebike.max_speed_kmh"]),
        spot(2, &day(30), &["ebike.mass_kg"])
    ]);
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/spot-checks",
        Some(&tablet),
        &spots.to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let k = follow_up(&srv, &tablet);
    assert_eq!(k["latest"], day(30));
    assert_eq!(k["follow_up"], json!({"state": "due"}));

    // Before the newest failure: not a follow-up.
    let early = clean_onsite(&uuid(1), &day(40));
    assert_eq!(upload(&srv, &tablet, &early)["status"], "stored");
    assert_eq!(follow_up(&srv, &tablet)["follow_up"]["state"], "due");

    // The speed found too high again (a targeted item): failed, still due.
    let mut again = clean_onsite(&uuid(2), &day(20));
    again["answers"]["ebike.max_speed_kmh"] = json!(31);
    let r = upload(&srv, &tablet, &again);
    assert_eq!(
        r["report"]["findings"][0]["item"], "ebike.max_speed_kmh",
        "{r}"
    );
    let f = follow_up(&srv, &tablet)["follow_up"].clone();
    assert_eq!(f["state"], "failed", "{f}");
    assert_eq!(f["submission"], uuid(2));
    assert_eq!(f["failed_items"], json!(["ebike.max_speed_kmh"]));

    // Complete, nothing found, help recorded: passed, done.
    let ok = clean_onsite(&uuid(3), &day(5));
    let r = upload(&srv, &tablet, &ok);
    assert_eq!(r["report"]["valid"], true, "{r}");
    let f = follow_up(&srv, &tablet)["follow_up"].clone();
    assert_eq!(
        f,
        json!({"state": "passed", "submission": uuid(3), "date": day(5)})
    );

    // A key inspection without its assistance measures is not complete.
    let mut bare = clean_onsite(&uuid(4), &day(1));
    bare["answers"]
        .as_object_mut()
        .unwrap()
        .remove("onsite.assistance");
    let r = upload(&srv, &tablet, &bare);
    assert_eq!(r["report"]["valid"], false);
    assert!(r["report"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["path"] == "/answers/onsite.assistance" && e["code"] == "required"));
    let f = follow_up(&srv, &tablet)["follow_up"].clone();
    assert_eq!(
        (f["state"].as_str(), f["incomplete"].as_bool()),
        (Some("failed"), Some(true))
    );
}
