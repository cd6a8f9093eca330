//! Express reports, morning reports and typical cases over real HTTP: the county reports, the
//! levels above see it at once and a neighbouring county does not; the server numbers a report
//! once, uniquely under concurrency; a follow-up after the handling ended is refused; the clocks
//! stop on delivery; a morning report is drafted, sent and seen above; a typical case drawn from
//! a closed record is approved by a supervisor and published with only the approved fields.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use serde_json::{json, Value};

fn id(report: usize, n: usize) -> String {
    format!("7a1c2a9e-3b7d-4c1e-9a55-{:06}{n:06}", report)
}

fn report_id(report: usize) -> String {
    id(report, 999_999)
}

fn initial(report: usize, author: &str, region: &str, learned_at: &str) -> Value {
    json!({
        "id": id(report, 1), "report": report_id(report), "author": author, "device": "tablet",
        "at": learned_at, "kind": "reported", "occurred_at": learned_at, "learned_at": learned_at,
        "place": "云岩区某小区地下车库", "region": region, "product": "electric-bicycle",
        "enterprise": {"uscc": USCC, "name": "贵阳示例车行", "from_register": true},
        "deaths": 0, "serious_injuries": 3, "direct_loss_yuan": 500000,
        "cause": "电池热失控（初步判断）", "measures": "封存同批次车辆",
        "reporter": {"name": "王检查", "contact": "0851-12345678"}
    })
}

fn act(report: usize, n: usize, author: &str, at: &str, kind: Value) -> Value {
    let mut v = json!({"id": id(report, n), "report": report_id(report), "author": author,
        "device": "phone", "at": at});
    v.as_object_mut()
        .unwrap()
        .extend(kind.as_object().unwrap().clone());
    v
}

fn post(addr: &str, token: &str, events: &[Value]) -> Vec<Value> {
    let r = call(
        addr,
        "POST",
        "/api/v1/express/events",
        Some(token),
        &json!(events).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["results"].as_array().unwrap().clone()
}

fn inspector(addr: &str, admin: &str, name: &str, region: &str) -> String {
    let r = call(
        addr,
        "POST",
        "/api/v1/accounts",
        Some(admin),
        &json!({
        "username": name, "password": PASSWORD, "role": "inspector", "regions": [region]})
        .to_string(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    sign_in(addr, name)
}

fn pulled(addr: &str, token: &str) -> Vec<Value> {
    let r = call(addr, "GET", "/api/v1/express/events", Some(token), "");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["items"].as_array().unwrap().clone()
}

fn ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes))
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

#[test]
fn reports_are_numbered_once_scoped_upward_and_closed_for_follow_ups() {
    let srv = start(data_dir(), &[]);
    let a = &srv.addr;
    let admin = sign_in(a, "admin");
    let county = inspector(a, &admin, "yunyan", "520102");
    let neighbour = inspector(a, &admin, "nanming", "520103");
    let province = inspector(a, &admin, "guizhou", "520000");
    let city = sign_in(a, "jiancha"); // 520100
    let qiye = sign_in(a, "qiye");
    let year = chrono::Utc::now().format("%Y").to_string();

    let first = initial(1, "yunyan", "520102", &ago(10));
    let r = post(a, &county, std::slice::from_ref(&first));
    assert_eq!(r[0]["status"], "stored", "{r:?}");
    let number = format!("520102质量安全快报〔{year}〕第1号");
    assert_eq!(r[0]["number"], number.as_str());
    // A retry is a duplicate with the same number; other content under the id is a conflict.
    let r = post(a, &county, std::slice::from_ref(&first));
    assert_eq!(
        (r[0]["status"].as_str(), r[0]["number"].as_str()),
        (Some("duplicate"), Some(number.as_str()))
    );
    let mut changed = first.clone();
    changed["deaths"] = json!(1);
    assert_eq!(post(a, &county, &[changed])[0]["code"], "changed_content");
    // A second initial report for the same report is refused.
    let mut second = initial(1, "yunyan", "520102", &ago(9));
    second["id"] = json!(id(1, 2));
    assert_eq!(post(a, &county, &[second])[0]["code"], "report_exists");

    // The levels above see it at once, with the server's receipt and number; a neighbour and an
    // enterprise do not.
    for token in [&city, &province, &admin] {
        let items = pulled(a, token);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["number"], number.as_str());
        assert!(items[0]["received_at"].as_str().is_some());
        assert_eq!(items[0]["event"]["id"], id(1, 1));
    }
    assert!(pulled(a, &neighbour).is_empty());
    assert!(pulled(a, &qiye).is_empty());
    let r = post(a, &qiye, &[initial(2, "qiye", "520102", &ago(5))]);
    assert_eq!(r[0]["code"], "role_forbidden");
    let r = post(a, &neighbour, &[initial(3, "nanming", "520102", &ago(5))]);
    assert_eq!(r[0]["code"], "outside_scope");
    let r = post(
        a,
        &neighbour,
        &[act(
            1,
            3,
            "nanming",
            &ago(1),
            json!({"kind": "followed_up", "text": "x"}),
        )],
    );
    assert_eq!(r[0]["code"], "outside_scope");
    let r = post(
        a,
        &county,
        &[act(
            1,
            3,
            "jiancha",
            &ago(1),
            json!({"kind": "followed_up", "text": "x"}),
        )],
    );
    assert_eq!(r[0]["code"], "author_mismatch");
    let r = post(
        a,
        &county,
        &[act(
            9,
            3,
            "yunyan",
            &ago(1),
            json!({"kind": "followed_up", "text": "x"}),
        )],
    );
    assert_eq!(r[0]["code"], "unknown_report");
    let r = post(a, &county, &[json!({"id": "x", "kind": "reported"})]);
    assert_eq!(r[0]["status"], "rejected");

    // A photo from the scene: seen by the levels above (who may see the report), not sideways.
    let photo = b"\xFF\xD8\xFF photo of the burnt charging point";
    let sha = sha_hex(photo);
    let up = request(
        a,
        "PUT",
        &format!("/api/v1/attachments/{sha}"),
        &[bearer(&county), format!("Upload-Length: {}", photo.len())],
        photo,
    );
    assert_eq!(up.status, 201);
    let r = post(
        a,
        &county,
        &[act(
            1,
            8,
            "yunyan",
            &ago(9),
            json!({"kind": "followed_up", "text": "现场照片",
        "photos": [{"sha256": sha, "media_type": "image/jpeg"}]}),
        )],
    );
    assert_eq!(r[0]["status"], "stored", "{r:?}");
    let get = |tok: &str| {
        request(
            a,
            "GET",
            &format!("/api/v1/attachments/{sha}"),
            &[bearer(tok)],
            b"",
        )
        .status
    };
    assert_eq!(
        (get(&city), get(&province), get(&neighbour), get(&qiye)),
        (200, 200, 404, 404)
    );

    // The city follows up (it is above the county), the county closes; a follow-up dated after
    // the end is refused, a summary is taken.
    let r = post(
        a,
        &city,
        &[act(
            1,
            4,
            "jiancha",
            &ago(8),
            json!({"kind": "followed_up", "text": "伤者已送医", "serious_injuries": 12}),
        )],
    );
    assert_eq!(r[0]["status"], "stored", "{r:?}");
    let r = post(
        a,
        &county,
        &[
            act(
                1,
                5,
                "yunyan",
                &ago(6),
                json!({"kind": "closed", "ended_at": ago(6)}),
            ),
            act(
                1,
                6,
                "yunyan",
                &ago(5),
                json!({"kind": "followed_up", "text": "too late"}),
            ),
            act(
                1,
                7,
                "yunyan",
                &ago(4),
                json!({"kind": "summarised", "text": "原因：电池热失控；已召回同批次"}),
            ),
        ],
    );
    assert_eq!(r[0]["status"], "stored");
    assert_eq!(r[1]["code"], "report_closed");
    assert_eq!(r[2]["status"], "stored");

    // The server's view: grade III from 12 serious injuries, the clocks met (delivered within the
    // hour), the summary in; recipients up to the province.
    let r = call(a, "GET", "/api/v1/express/reports", Some(&province), "");
    let v = r.json();
    let item = &v["items"][0];
    assert_eq!(item["number"], number.as_str());
    assert_eq!(item["report"]["grade"], "III");
    assert_eq!(item["report"]["status"], "summarised");
    let states: Vec<(&str, &str)> = item["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["kind"].as_str().unwrap(), c["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        vec![
            ("first_report", "met"),
            ("to_province", "met"),
            ("summary", "met")
        ]
    );
    let levels: Vec<&str> = item["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, vec!["county", "city", "province"]);
    let r = call(
        a,
        "GET",
        "/api/v1/express/reports?region=520103",
        Some(&city),
        "",
    );
    assert_eq!(r.json()["items"].as_array().map(Vec::len), Some(0));
    let r = call(
        a,
        "GET",
        "/api/v1/express/reports?region=520000",
        Some(&county),
        "",
    );
    assert_eq!(r.status, 403);

    // Delivered two hours after the bureau learned: the first report is late, visible above.
    let r = post(a, &county, &[initial(4, "yunyan", "520102", &ago(125))]);
    assert_eq!(
        r[0]["number"],
        format!("520102质量安全快报〔{year}〕第2号").as_str()
    );
    let v = call(a, "GET", "/api/v1/express/reports", Some(&city), "").json();
    let late = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["report"]["id"] == report_id(4))
        .unwrap()
        .clone();
    assert_eq!(late["late"], true);
    assert_eq!(late["clocks"][0]["state"], "late");
}

#[test]
fn report_numbers_are_unique_under_concurrency() {
    let srv = start(data_dir(), &[]);
    let a = srv.addr.clone();
    let admin = sign_in(&a, "admin");
    let county = inspector(&a, &admin, "yunyan", "520102");
    let when = ago(3);
    // 24 reports at once from 8 threads, and each sent twice (a retry racing its original).
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let (a, county, when) = (a.clone(), county.clone(), when.clone());
            std::thread::spawn(move || {
                let mut numbers = Vec::new();
                for k in 0..3 {
                    let n = 100 + t * 3 + k;
                    let e = initial(n, "yunyan", "520102", &when);
                    let r = post(&a, &county, &[e.clone(), e]);
                    assert_eq!(r[0]["number"], r[1]["number"]);
                    numbers.push((n, r[0]["number"].as_str().unwrap().to_string()));
                }
                numbers
            })
        })
        .collect();
    let mut all: Vec<(usize, String)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let mut seqs: Vec<u32> = all
        .iter()
        .map(|(_, n)| {
            n.rsplit('第')
                .next()
                .unwrap()
                .trim_end_matches('号')
                .parse()
                .unwrap()
        })
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=24).collect::<Vec<u32>>());
    // Retried once more, sequentially: the same numbers.
    all.sort();
    for (n, number) in all.iter().take(3) {
        let r = post(&a, &county, &[initial(*n, "yunyan", "520102", &when)]);
        assert_eq!(r[0]["number"], number.as_str());
    }
    // Another county counts on its own.
    let other = inspector(&a, &admin, "nanming", "520103");
    let r = post(&a, &other, &[initial(200, "nanming", "520103", &when)]);
    assert!(r[0]["number"].as_str().unwrap().ends_with("第1号"));
}

fn ledger_event(n: usize, author: &str, at: &str, kind: Value) -> Value {
    let mut v = json!({"id": format!("8b1c2a9e-3b7d-4c1e-9a55-{n:012}"), "entry": "8b1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a99",
        "author": author, "device": "tablet", "at": at});
    v.as_object_mut()
        .unwrap()
        .extend(kind.as_object().unwrap().clone());
    v
}

#[test]
fn morning_reports_and_typical_cases() {
    let srv = start(data_dir(), &[]);
    let a = &srv.addr;
    let admin = sign_in(a, "admin");
    let county = inspector(a, &admin, "yunyan", "520102");
    let city = sign_in(a, "jiancha");
    // Everything on one day in +08:00: shortly after midnight there, "90 minutes ago" is
    // yesterday (the test failed between 16:00 and 17:30 UTC), so the offsets shrink to fit.
    let since_midnight = {
        use chrono::Timelike;
        let t = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
        i64::from(t.hour() * 60 + t.minute())
    };
    if since_midnight < 3 {
        std::thread::sleep(std::time::Duration::from_secs(180));
    }
    let (found, closed_at, learned) = {
        let room = since_midnight.max(3) - 1;
        (90.min(room), 89.min(room - 1), 30.min(room - 2))
    };
    let today = ago(found)[..10].to_string();
    // An express report (open) and a ledger entry found and closed today in the county.
    post(a, &county, &[initial(1, "yunyan", "520102", &ago(learned))]);
    let entry = "8b1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a99";
    let created = ledger_event(
        1,
        "yunyan",
        &ago(found),
        json!({"kind": "created",
        "enterprise": {"uscc": USCC, "region": "520102", "name": "贵阳示例车行"}, "product": "electric-bicycle",
        "danger": {"text": {"zh": "无合格证销售", "en": "Sold without certificate"}, "severity": "major", "basis": "产品质量法第二十七条"}}),
    );
    let closed = ledger_event(
        2,
        "yunyan",
        &ago(closed_at),
        json!({"kind": "closed", "reason": "ceased"}),
    );
    let r = call(
        a,
        "POST",
        "/api/v1/events",
        Some(&county),
        &json!([created, closed]).to_string(),
    );
    assert_eq!(r.json()["results"][1]["status"], "stored", "{}", r.text());

    // The county drafts its morning report; the city does not see the draft.
    let r = call(
        a,
        "POST",
        "/api/v1/morning-reports",
        Some(&county),
        &json!({"day": today}).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let m = r.json();
    assert_eq!(m["status"], "draft");
    assert_eq!(m["figures"]["express"]["new"], 1);
    assert_eq!(m["figures"]["express"]["open"], 1);
    // Learned 30 minutes ago, delivered at once: in time.
    assert_eq!(m["figures"]["express"]["overdue"], 0);
    assert_eq!(m["figures"]["ledger"]["new_dangers"], 1);
    assert_eq!(m["figures"]["ledger"]["new_major"], 1);
    assert_eq!(m["figures"]["ledger"]["cleared"], 1);
    let mid = m["id"].as_str().unwrap().to_string();
    assert_eq!(
        call(a, "GET", "/api/v1/morning-reports", Some(&city), "").json()["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    assert_eq!(
        call(
            a,
            "GET",
            &format!("/api/v1/morning-reports/{mid}"),
            Some(&city),
            ""
        )
        .status,
        404
    );
    // Only the locality makes and sends its own.
    let r = call(
        a,
        "POST",
        "/api/v1/morning-reports",
        Some(&city),
        &json!({"region": "520102"}).to_string(),
    );
    assert_eq!(r.status, 403);
    let r = call(
        a,
        "POST",
        &format!("/api/v1/morning-reports/{mid}/send"),
        Some(&county),
        &json!({"note": "已核对"}).to_string(),
    );
    assert_eq!(r.json()["status"], "sent", "{}", r.text());
    let seen = call(a, "GET", "/api/v1/morning-reports", Some(&city), "").json();
    assert_eq!(seen["items"][0]["note"], "已核对");
    assert_eq!(seen["items"][0]["figures"]["ledger"]["cleared"], 1);
    // A sent report is not regenerated over.
    let r = call(
        a,
        "POST",
        "/api/v1/morning-reports",
        Some(&county),
        &json!({"day": today}).to_string(),
    );
    assert_eq!(r.json()["status"], "sent");

    // Typical cases: only from a closed record; approved by a supervisor above, not the proposer.
    let case = |n: usize, source: &str, source_id: &str| {
        json!({
        "id": format!("9c1c2a9e-3b7d-4c1e-9a55-{n:012}"), "source": source, "source_id": source_id,
        "title": "销售无合格证电动自行车案", "facts": "当事人销售无合格证的电动自行车12辆。",
        "violation": "销售不符合保障人身、财产安全的国家标准的产品", "basis": "《产品质量法》第四十九条",
        "penalty": "没收违法销售的产品，罚款人民币5万元", "enterprise_name": "贵阳示例车行", "region": "520102"})
    };
    let r = call(
        a,
        "POST",
        "/api/v1/typical-cases",
        Some(&county),
        &case(2, "express_report", &report_id(1)).to_string(),
    );
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (409, Some("source_not_closed"))
    );
    let r = call(
        a,
        "POST",
        "/api/v1/typical-cases",
        Some(&county),
        &case(1, "ledger_entry", entry).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let cid = r.json()["id"].as_str().unwrap().to_string();
    let r = call(
        a,
        "POST",
        "/api/v1/typical-cases",
        Some(&county),
        &case(1, "ledger_entry", entry).to_string(),
    );
    assert_eq!(r.json()["result"], "duplicate");
    let r = call(
        a,
        "POST",
        "/api/v1/typical-cases",
        Some(&sign_in(a, "qiye")),
        &case(3, "ledger_entry", entry).to_string(),
    );
    assert_eq!(r.status, 403);
    let decide = |token: &str, body: Value| {
        call(
            a,
            "POST",
            &format!("/api/v1/typical-cases/{cid}/decision"),
            Some(token),
            &body.to_string(),
        )
    };
    assert_eq!(
        decide(&county, json!({"approve": true})).json()["code"],
        "not_supervisor"
    );
    // Nothing is public before approval.
    assert_eq!(
        call(a, "GET", "/api/v1/public/typical-cases", None, "").json()["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let r = decide(&city, json!({"approve": true, "show_name": false}));
    assert_eq!(r.json()["status"], "approved", "{}", r.text());
    assert_eq!(decide(&city, json!({"approve": false})).status, 409);

    // The public list: no sign-in, only the approved fields, the name masked as chosen.
    let r = call(a, "GET", "/api/v1/public/typical-cases", None, "");
    assert_eq!(r.status, 200);
    let text = r.text();
    let item = &r.json()["items"][0];
    let mut keys: Vec<&str> = item
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec![
            "basis",
            "enterprise",
            "facts",
            "id",
            "penalty",
            "published_on",
            "region",
            "title",
            "violation"
        ]
    );
    assert_eq!(item["enterprise"], "贵阳某车行");
    for secret in ["贵阳示例车行", USCC, "yunyan", "jiancha", entry] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into the public list"
        );
    }
    let x = call(
        a,
        "GET",
        "/api/v1/public/typical-cases?format=xlsx",
        None,
        "",
    );
    assert_eq!(x.status, 200);
    assert!(x.headers.contains("spreadsheetml"));
    assert!(x.body.starts_with(b"PK"));
}
