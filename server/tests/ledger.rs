//! The rectification ledger through the server, end to end over real HTTP: an on-site inspection
//! finds a major danger, the inspector's tablet opens ledger entries, the enterprise's phone
//! reports the rectification with a photo, the tablet re-checks, and both devices, pulling the
//! events, fold the same closed-out ledger as the server. And who may make which event.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use paicha::ledger::{fold, Event, Status};
use serde_json::{json, Value};

const ENTRY: &str = "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b";

fn ev(n: usize, author: &str, device: &str, at: &str, kind: Value) -> Value {
    let mut e = json!({"id": format!("5a0c7f4e-2b1d-4e8a-9c3f-{n:012}"), "entry": ENTRY,
                       "author": author, "device": device, "at": at});
    for (k, v) in kind.as_object().unwrap() {
        e[k] = v.clone();
    }
    e
}

fn created(author: &str, uscc: &str, region: &str) -> Value {
    ev(
        1,
        author,
        "tablet",
        "2023-07-20T10:30:00+08:00",
        json!({
            "kind": "created",
            "submission": "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10",
            "item": "ebike.max_speed_kmh",
            "enterprise": {"uscc": uscc, "region": region, "name": "贵阳示例车行"},
            "product": "electric-bicycle",
            "danger": {"text": {"zh": "最高车速超过 25 km/h", "en": "Top speed above 25 km/h"},
                       "severity": "major", "basis": "GB 17761-2018 6.1.1"}
        }),
    )
}

fn post_events(addr: &str, token: &str, events: &[Value]) -> Vec<Value> {
    let r = call(
        addr,
        "POST",
        "/api/v1/events",
        Some(token),
        &json!(events).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["results"].as_array().unwrap().clone()
}

fn statuses(results: &[Value]) -> Vec<String> {
    results
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_string())
        .collect()
}

fn pull(addr: &str, token: &str) -> Vec<Event> {
    let r = call(addr, "GET", "/api/v1/events?limit=1000", Some(token), "").json();
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| Event::from_value(v).unwrap())
        .collect()
}

#[test]
fn a_major_danger_is_closed_out_with_phone_and_tablet_converging() {
    let srv = start(data_dir(), &[]);
    let tablet = sign_in(&srv.addr, "jiancha");
    let phone = sign_in(&srv.addr, "qiye");
    // The on-site inspection: graded major by the server.
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&tablet),
        &onsite("6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10", 30.0).to_string(),
    )
    .json();
    assert_eq!(r["report"]["level"], "major");
    // The server opened the ledger entry from the finding, with the policy's deadlines
    // (a major on-site danger: rectify within 5 days, re-check within 10: the bureau's local
    // choice, not Order 18's 60/75), ids derived from the submission's id.
    let made = pull(&srv.addr, &tablet);
    let kinds: Vec<&str> = made.iter().map(|e| e.act.kind()).collect();
    assert_eq!(kinds, ["created", "rectification_ordered"]);
    assert!(made
        .iter()
        .all(|e| e.author == "jiancha" && e.device == "server"));
    let entry = made[0].entry.clone();
    let view = call(&srv.addr, "GET", "/api/v1/ledger", Some(&tablet), "").json();
    assert_eq!(view["rows"][0]["deadline"]["date"], "2023-07-25");
    // A retry of the submission opens nothing new.
    let again = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&tablet),
        &onsite("6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10", 30.0).to_string(),
    )
    .json();
    assert_eq!(again["status"], "duplicate");
    assert_eq!(pull(&srv.addr, &tablet).len(), 2);
    let on = |mut e: Value| {
        e["entry"] = json!(entry);
        e
    };
    // The phone pulls the ledger, rectifies, and sends its photo and the event.
    assert_eq!(pull(&srv.addr, &phone).len(), 2);
    let photo = b"\xFF\xD8\xFF photo of the restored speed limiter";
    let sha = sha_hex(photo);
    let up = request(
        &srv.addr,
        "PUT",
        &format!("/api/v1/attachments/{sha}"),
        &[bearer(&phone), format!("Upload-Length: {}", photo.len())],
        photo,
    );
    assert_eq!(up.status, 201);
    let rectified = on(ev(
        3,
        "qiye",
        "phone",
        "2023-08-30T16:20:00+08:00",
        json!({
        "kind": "rectified", "measures": "限速器已恢复出厂设置，改装车辆已召回",
        "evidence": [{"sha256": sha, "media_type": "image/jpeg"}]}),
    ));
    assert_eq!(
        statuses(&post_events(&srv.addr, &phone, &[rectified])),
        ["stored"]
    );
    // The enterprise cannot pass its own re-check, nor sign as the inspector.
    let self_check = on(ev(
        9,
        "qiye",
        "phone",
        "2023-08-31T09:00:00+08:00",
        json!({"kind": "rechecked", "round": 1, "passed": true}),
    ));
    let r = post_events(&srv.addr, &phone, std::slice::from_ref(&self_check));
    assert_eq!(
        (r[0]["status"].clone(), r[0]["code"].clone()),
        (json!("forbidden"), json!("role_forbidden"))
    );
    let mut spoofed = self_check;
    spoofed["author"] = json!("jiancha");
    let r = post_events(&srv.addr, &phone, &[spoofed]);
    assert_eq!(r[0]["code"], "author_mismatch");
    // The tablet, having pulled the rectification, re-checks on site: passed, closed out.
    assert_eq!(pull(&srv.addr, &tablet).len(), 3);
    let recheck = on(ev(
        4,
        "jiancha",
        "tablet",
        "2023-09-05T11:00:00+08:00",
        json!({"kind": "rechecked", "round": 1, "passed": true}),
    ));
    assert_eq!(
        statuses(&post_events(&srv.addr, &tablet, &[recheck])),
        ["stored"]
    );
    // The server's view, the inspector's region ledger: closed out.
    let view = call(&srv.addr, "GET", "/api/v1/ledger", Some(&tablet), "").json();
    assert_eq!(view["region"], "520100");
    assert_eq!(view["rows"][0]["entry"]["status"], "closed");
    assert_eq!(
        view["rows"][0]["entry"]["rectifications"][0]["evidence"][0]["sha256"],
        sha.as_str()
    );
    // The enterprise's open items: none left.
    let mine = call(&srv.addr, "GET", "/api/v1/ledger", Some(&phone), "").json();
    assert_eq!(mine["rows"], json!([]));
    // Both devices pull everything and fold the same state, whatever the order.
    let a = pull(&srv.addr, &phone);
    let mut b = pull(&srv.addr, &tablet);
    b.reverse();
    let (sa, sb) = (fold(&a), fold(&b));
    assert_eq!(sa, sb);
    assert_eq!(sa.entry(&entry).unwrap().status, Status::Closed);
    // The evidence photo is the enterprise's upload; the inspector of the region may see it
    // because a ledger event it may see cites it; another enterprise may not.
    let photo_path = format!("/api/v1/attachments/{sha}");
    let seen = call(&srv.addr, "GET", &photo_path, Some(&tablet), "");
    assert_eq!((seen.status, seen.body.as_slice()), (200, &photo[..]));
    assert!(seen
        .headers
        .to_ascii_lowercase()
        .contains("content-type: image/jpeg"));
    let csv = call(
        &srv.addr,
        "GET",
        "/api/v1/ledger?format=csv",
        Some(&tablet),
        "",
    );
    assert!(csv.body.starts_with(b"\xEF\xBB\xBF"));
    assert!(csv.text().contains(&entry));
}

#[test]
fn ledger_events_are_checked_and_scoped() {
    let srv = start(data_dir(), &[]);
    let admin = sign_in(&srv.addr, "admin");
    let other_uscc = "91110108551385082Q";
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/accounts",
        Some(&admin),
        &json!({
        "username": "other", "password": PASSWORD, "role": "enterprise", "uscc": other_uscc})
        .to_string(),
    );
    assert_eq!(r.status, 201);
    let tablet = sign_in(&srv.addr, "jiancha");
    let other = sign_in(&srv.addr, "other");
    let qiye = sign_in(&srv.addr, "qiye");
    // An inspector cannot open entries outside the assigned regions.
    let r = post_events(
        &srv.addr,
        &tablet,
        &[created("jiancha", other_uscc, "110108")],
    );
    assert_eq!(r[0]["code"], "outside_scope");
    // Another enterprise cannot act on qiye's entry, nor see its events.
    assert_eq!(
        statuses(&post_events(
            &srv.addr,
            &tablet,
            &[created("jiancha", USCC, "520102")]
        )),
        ["stored"]
    );
    let r = post_events(
        &srv.addr,
        &other,
        &[ev(
            5,
            "other",
            "phone",
            "2023-08-01T09:00:00+08:00",
            json!({"kind": "rectified", "measures": "x"}),
        )],
    );
    assert_eq!(r[0]["code"], "outside_scope");
    assert!(pull(&srv.addr, &other).is_empty());
    assert_eq!(pull(&srv.addr, &qiye).len(), 1);
    // Acts on an entry the server does not know, and malformed events, are refused and kept.
    let mut orphan = ev(
        6,
        "jiancha",
        "tablet",
        "2023-08-01T09:00:00+08:00",
        json!({"kind": "refused"}),
    );
    orphan["entry"] = json!("0b9e8d7c-6a5f-4e3d-8c2b-000000000000");
    let r = post_events(
        &srv.addr,
        &tablet,
        &[orphan, json!({"id": "x", "kind": "flying"}), json!(7)],
    );
    assert_eq!(statuses(&r), ["rejected", "rejected", "rejected"]);
    assert_eq!(r[0]["code"], "unknown_entry");
    assert_eq!(r[1]["code"], "invalid_event");
    // Same id, other content: a conflict, both kept.
    let mut changed = created("jiancha", USCC, "520102");
    changed["product"] = json!("cement");
    assert_eq!(
        statuses(&post_events(&srv.addr, &tablet, &[changed])),
        ["conflict"]
    );
    // An admin must name the region; an inspector may not look outside the assignment.
    assert_eq!(
        call(&srv.addr, "GET", "/api/v1/ledger", Some(&admin), "").status,
        400
    );
    assert_eq!(
        call(
            &srv.addr,
            "GET",
            "/api/v1/ledger?region=520000",
            Some(&admin),
            ""
        )
        .status,
        200
    );
    assert_eq!(
        call(
            &srv.addr,
            "GET",
            "/api/v1/ledger?region=110000",
            Some(&tablet),
            ""
        )
        .status,
        403
    );
    assert_eq!(
        call(&srv.addr, "GET", "/api/v1/events", None, "").status,
        401
    );
}

fn spot(n: usize, date: &str, failed: &[&str]) -> Value {
    json!({"id": format!("7c1d2e3f-4a5b-4c6d-8e9f-{n:012}"),
           "enterprise": {"uscc": USCC, "region": "520102", "name": "贵阳示例车行"},
           "product": "electric-bicycle", "batch": format!("B{n}"), "level": "provincial",
           "date": date, "result": if failed.is_empty() { "qualified" } else { "unqualified" },
           "failed_items": failed})
}

#[test]
fn spot_checks_set_order_18_going_and_two_failures_call_for_a_key_inspection() {
    let srv = start(data_dir(), &[]);
    let tablet = sign_in(&srv.addr, "jiancha");
    let phone = sign_in(&srv.addr, "qiye");
    // Dates relative to today, so the two-year window holds whenever the test runs.
    let day = |days_ago: i64| {
        (chrono::Utc::now() - chrono::Duration::days(days_ago))
            .format("%Y-%m-%d")
            .to_string()
    };
    let first = spot(1, &day(400), &["ebike.max_speed_kmh"]);
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/spot-checks",
        Some(&tablet),
        &first.to_string(),
    )
    .json();
    assert_eq!(r["results"][0]["status"], "stored", "{r}");
    let kinds: Vec<&str> = r["results"][0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "stop_production_sale",
            "correct",
            "recheck",
            "trace_upstream",
            "trace_downstream"
        ]
    );
    // One failure: no key inspection yet.
    let due = call(
        &srv.addr,
        "GET",
        "/api/v1/key-inspections",
        Some(&tablet),
        "",
    )
    .json();
    assert_eq!(due["items"], json!([]));
    // The re-check is recorded on the same record: a new version, the old one kept.
    let mut rechecked = first.clone();
    rechecked["recheck"] = json!({"date": day(340), "passed": true});
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/spot-checks",
        Some(&tablet),
        &rechecked.to_string(),
    )
    .json();
    assert_eq!(r["results"][0]["status"], "updated");
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/spot-checks",
        Some(&tablet),
        &rechecked.to_string(),
    )
    .json();
    assert_eq!(r["results"][0]["status"], "duplicate");
    let versions = common::db::Db::open(&srv.dir).int("SELECT count(*) FROM spot_check_versions");
    assert_eq!(versions, 2);
    // A second failure within two years (and a pass, which does not count): key inspection due,
    // aimed at the items that failed.
    let batch = json!([
        spot(
            2,
            &day(30),
            &["ebike.battery_voltage_v", "ccc.certificate_valid"]
        ),
        spot(3, &day(10), &[])
    ]);
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/spot-checks",
        Some(&tablet),
        &batch.to_string(),
    )
    .json();
    assert_eq!(
        statuses(r["results"].as_array().unwrap()),
        ["stored", "stored"]
    );
    let due = call(
        &srv.addr,
        "GET",
        "/api/v1/key-inspections",
        Some(&tablet),
        "",
    )
    .json();
    assert_eq!(due["items"].as_array().unwrap().len(), 1, "{due}");
    assert_eq!(due["items"][0]["enterprise"]["uscc"], USCC);
    let items: Vec<&str> = due["items"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert!(
        items.contains(&"ebike.max_speed_kmh") && items.contains(&"ccc.certificate_valid"),
        "{items:?}"
    );
    // The enterprise reads its own records and tasks, but neither records results nor sees the
    // supervisors' key-inspection list.
    let mine = call(&srv.addr, "GET", "/api/v1/spot-checks", Some(&phone), "").json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 3);
    assert_eq!(
        call(
            &srv.addr,
            "POST",
            "/api/v1/spot-checks",
            Some(&phone),
            &first.to_string()
        )
        .status,
        403
    );
    assert_eq!(
        call(
            &srv.addr,
            "GET",
            "/api/v1/key-inspections",
            Some(&phone),
            ""
        )
        .status,
        403
    );
    // Outside the inspector's regions, and malformed records.
    let mut beijing = spot(4, &day(5), &["x"]);
    beijing["enterprise"] = json!({"uscc": "91110108551385082Q", "region": "110108"});
    let mut bad_date = spot(5, "2023-02-30", &["x"]);
    bad_date["batch"] = json!("B5");
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/spot-checks",
        Some(&tablet),
        &json!([beijing, bad_date, {"id": 1}]).to_string(),
    )
    .json();
    assert_eq!(
        statuses(r["results"].as_array().unwrap()),
        ["forbidden", "rejected", "rejected"]
    );
}

#[test]
fn a_second_creation_cannot_take_over_an_entry_however_it_is_dated() {
    let srv = start(data_dir(), &[]);
    let admin = sign_in(&srv.addr, "admin");
    let other_uscc = "91110108551385082Q";
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/accounts",
        Some(&admin),
        &json!({
        "username": "qiyeb", "password": PASSWORD, "role": "enterprise", "uscc": other_uscc})
        .to_string(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let tablet = sign_in(&srv.addr, "jiancha");
    let qiye = sign_in(&srv.addr, "qiye");
    let qiyeb = sign_in(&srv.addr, "qiyeb");
    let opened = [
        created("jiancha", USCC, "520102"),
        ev(
            2,
            "jiancha",
            "tablet",
            "2023-07-20T10:31:00+08:00",
            json!({"kind": "rectification_ordered", "deadline": "2023-08-18"}),
        ),
    ];
    assert_eq!(
        statuses(&post_events(&srv.addr, &tablet, &opened)),
        ["stored", "stored"]
    );
    // The enterprise tries to replace the regulator's major danger with a minor one, backdated.
    let mut downgrade = created("qiye", USCC, "520102");
    downgrade["id"] = json!("5a0c7f4e-2b1d-4e8a-9c3f-000000000077");
    downgrade["at"] = json!("2020-01-01T00:00:00+08:00");
    downgrade["danger"]["severity"] = json!("general");
    downgrade["self_found"] = json!(true); // what an enterprise may create
    let r = post_events(&srv.addr, &qiye, &[downgrade]);
    assert_eq!(
        (r[0]["http_status"].clone(), r[0]["code"].clone()),
        (json!(409), json!("entry_exists"))
    );
    // Another enterprise tries to claim the entry and act on it in one batch.
    let mut claim = created("qiyeb", other_uscc, "110108");
    claim["id"] = json!("5a0c7f4e-2b1d-4e8a-9c3f-000000000078");
    claim["at"] = json!("2020-01-01T00:00:00+08:00");
    claim["self_found"] = json!(true);
    let act = ev(
        79,
        "qiyeb",
        "phone",
        "2023-08-01T09:00:00+08:00",
        json!({"kind": "rectified", "measures": "x"}),
    );
    let r = post_events(&srv.addr, &qiyeb, &[claim, act]);
    assert_eq!(r[0]["code"], "entry_exists");
    assert_eq!(r[1]["code"], "outside_scope");
    // The regulator's entry stands as made.
    let view = call(&srv.addr, "GET", "/api/v1/ledger", Some(&tablet), "").json();
    assert_eq!(view["rows"].as_array().unwrap().len(), 1);
    assert_eq!(
        view["rows"][0]["entry"]["created"]["danger"]["severity"],
        "major"
    );
    assert_eq!(view["rows"][0]["entry"]["status"], "ordered");
    // A retry of the original creation is still just a duplicate.
    assert_eq!(
        statuses(&post_events(&srv.addr, &tablet, &opened[..1])),
        ["duplicate"]
    );
}

#[test]
fn an_inspector_cannot_overwrite_or_move_another_regions_spot_check() {
    let srv = start(data_dir(), &[]);
    let admin = sign_in(&srv.addr, "admin");
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/accounts",
        Some(&admin),
        &json!({
        "username": "zunyi", "password": PASSWORD, "role": "inspector", "regions": ["520300"]})
        .to_string(),
    );
    assert_eq!(r.status, 201);
    let guiyang = sign_in(&srv.addr, "jiancha");
    let zunyi = sign_in(&srv.addr, "zunyi");
    let record = spot(1, "2025-06-01", &["ebike.max_speed_kmh"]);
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/spot-checks",
        Some(&guiyang),
        &record.to_string(),
    )
    .json();
    assert_eq!(r["results"][0]["status"], "stored");
    let mut moved = record.clone();
    moved["enterprise"]["region"] = json!("520302");
    moved["result"] = json!("qualified");
    moved["failed_items"] = json!([]);
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/spot-checks",
        Some(&zunyi),
        &moved.to_string(),
    )
    .json();
    assert_eq!(r["results"][0]["status"], "forbidden");
    // Nor may the owner's own inspector move it to another region.
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/spot-checks",
        Some(&guiyang),
        &json!(moved).to_string(),
    )
    .json();
    assert_eq!(r["results"][0]["status"], "forbidden");
    let mine = call(&srv.addr, "GET", "/api/v1/spot-checks", Some(&guiyang), "").json();
    assert_eq!(mine["items"][0]["record"]["result"], "unqualified");
    // Shown with who uploaded it (the refused attempts changed nothing).
    assert_eq!(mine["items"][0]["uploaded_by"], "jiancha");
}

#[test]
fn an_enterprises_own_findings_open_its_ledger_entries_too() {
    let srv = start(data_dir(), &[]);
    let phone = sign_in(&srv.addr, "qiye");
    let mut sub = submission("6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a11", 30.0);
    sub["form"] = json!("self_inspection");
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&phone),
        &sub.to_string(),
    )
    .json();
    assert_eq!(r["report"]["level"], "major", "{r}");
    let mine = call(&srv.addr, "GET", "/api/v1/ledger", Some(&phone), "").json();
    assert_eq!(mine["rows"].as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine["rows"][0]["entry"]["opened"]["author"], "qiye");
    // Self-found (自查自改): the enterprise's own to remove, no order from anyone.
    assert_eq!(mine["rows"][0]["entry"]["status"], "found");
    assert_eq!(mine["rows"][0]["entry"]["created"]["self_found"], true);
    // A clean record opens nothing.
    let clean = submission("6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a12", 20.0);
    call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&phone),
        &clean.to_string(),
    );
    assert_eq!(pull(&srv.addr, &phone).len(), 1);
}

#[test]
fn submissions_and_ledger_events_share_one_id_space() {
    let srv = start(data_dir(), &[]);
    let tablet = sign_in(&srv.addr, "jiancha");
    // A compliant on-site inspection (it opens no entry).
    let sub = "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10";
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&tablet),
        &onsite(sub, 20.0).to_string(),
    );
    assert!(r.status < 300, "{}", r.text());
    // An event sent under the submission's id is refused: nothing stored.
    let mut taken = created("jiancha", USCC, "520102");
    taken["id"] = json!(sub);
    let res = post_events(&srv.addr, &tablet, &[taken]);
    assert_eq!(res[0]["status"], "conflict", "{}", res[0]);
    assert_eq!(res[0]["code"], "id_in_use");
    assert_eq!(res[0]["http_status"], 409);
    assert!(pull(&srv.addr, &tablet).is_empty());
    // The reverse: an event stored, then a submission under its id, alone and in a batch.
    let event = created("jiancha", USCC, "520102");
    let id = event["id"].as_str().unwrap().to_string();
    assert_eq!(
        statuses(&post_events(&srv.addr, &tablet, &[event])),
        ["stored"]
    );
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&tablet),
        &onsite(&id, 30.0).to_string(),
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.json()["code"], "id_in_use");
    let batch = json!([onsite(&id, 30.0), onsite(&uuid(77), 20.0)]);
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&tablet),
        &batch.to_string(),
    );
    let results = r.json()["results"].as_array().unwrap().clone();
    assert_eq!(statuses(&results), ["conflict", "stored"], "{results:?}");
    assert_eq!(results[0]["code"], "id_in_use");
    // What is stored: the first submission and the batch's other one; the one event.
    let mut ids = stored_ids(&srv.addr, &tablet);
    ids.sort();
    assert_eq!(ids, [uuid(77), sub.to_string()]);
    assert_eq!(pull(&srv.addr, &tablet).len(), 1);
}
