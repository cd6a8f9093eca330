//! Two-way tracing and an assist request (协查) over real HTTP: a county's inspector records the
//! tracing of a major danger asking another county to assist; the asked county's quality
//! supervision line sees an assist task with the entry's danger, product, enterprise and what was
//! asked, and records the result on that entry, without any other access to the first county's
//! ledger; a third county sees nothing. Both backends (`PAICHA_TEST_BACKEND=postgres`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use serde_json::{json, Value};

fn ev(n: usize, entry: usize, author: &str, at: &str, kind: Value) -> Value {
    let mut e = json!({"id": format!("5a0c7f4e-2b1d-4e8a-9c3f-{n:012}"),
                       "entry": format!("0b9e8d7c-6a5f-4e3d-8c2b-{entry:012}"),
                       "author": author, "device": "tablet", "at": at});
    for (k, v) in kind.as_object().unwrap() {
        e[k] = v.clone();
    }
    e
}

fn post(addr: &str, token: &str, events: &[Value]) -> Vec<Value> {
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

fn statuses(r: &[Value]) -> Vec<String> {
    r.iter()
        .map(|x| x["status"].as_str().unwrap().to_string())
        .collect()
}

fn get(addr: &str, token: &str, path: &str) -> Value {
    let r = call(addr, "GET", path, Some(token), "");
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    r.json()
}

fn created(n: usize, entry: usize, at: &str, text: &str) -> Value {
    ev(
        n,
        entry,
        "nanming",
        at,
        json!({"kind": "created", "enterprise": {"uscc": USCC, "region": "520102", "name": "贵阳示例车行"},
               "product": "ebike",
               "danger": {"text": {"zh": text, "en": text}, "severity": "major",
                          "basis": "GB 17761-2024 6.1.1"},
               "actions": ["stop_production_sale", "two_way_tracing"], "trace_by": &at[..10]}),
    )
}

#[test]
fn an_assist_request_reaches_the_asked_county_and_nothing_else_does() {
    let today = {
        let cst = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        chrono::Utc::now().with_timezone(&cst) - chrono::Duration::hours(2)
    };
    let at = |m: i64| (today + chrono::Duration::minutes(m)).to_rfc3339();
    let srv = start(data_dir(), &[]);
    let admin = sign_in(&srv.addr, "admin");
    for (name, region) in [
        ("nanming", "520102"),
        ("yunyan", "520103"),
        ("huaxi", "520111"),
    ] {
        let r = call(&srv.addr, "POST", "/api/v1/accounts", Some(&admin),
            &json!({"username": name, "password": PASSWORD, "role": "inspector", "regions": [region]}).to_string());
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let nanming = sign_in(&srv.addr, "nanming");
    let yunyan = sign_in(&srv.addr, "yunyan");
    let huaxi = sign_in(&srv.addr, "huaxi");

    // Two entries of 南明区; the second asks nobody.
    let r = post(
        &srv.addr,
        &nanming,
        &[
            created(1, 1, &at(0), "最高车速超标"),
            created(2, 2, &at(1), "另一条隐患"),
        ],
    );
    assert_eq!(statuses(&r), ["stored", "stored"]);
    let tracing = |n: usize, region: &str| {
        ev(
            n,
            1,
            "nanming",
            &at(10),
            json!({"kind": "action_taken", "action": "two_way_tracing",
                   "supplier": "某某电动车有限公司", "buyers": "云岩区三家门店",
                   "quantity": "120 辆", "batches": "2026-01", "assist_region": region}),
        )
    };
    // The entry's own county is no assist request, nor is a city.
    let r = post(
        &srv.addr,
        &nanming,
        &[tracing(10, "520102"), tracing(11, "520100")],
    );
    assert_eq!(statuses(&r), ["stored", "rejected"]);
    // (The first is stored as sent, but the fold rejects it: the ledger keeps every event.)
    assert_eq!(r[1]["error"]["code"], "invalid_assist_region");
    let r = post(&srv.addr, &nanming, &[tracing(12, "520103")]);
    assert_eq!(statuses(&r), ["stored"]);

    // 云岩区's queue: the assist task, with the entry's danger, product, enterprise and the data.
    let q = get(&srv.addr, &yunyan, "/api/v1/queue");
    let items = q["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{q}");
    let t = &items[0];
    assert_eq!(t["task"], "assist");
    assert_eq!(t["line"], "quality_supervision");
    assert_eq!(t["assist_region"], "520103");
    assert_eq!(t["region"], "520102");
    assert_eq!(t["danger"], "最高车速超标");
    assert_eq!(t["product"], "ebike");
    assert_eq!(t["uscc"], USCC);
    assert_eq!(t["enterprise_name"], "贵阳示例车行");
    assert_eq!(t["asked"]["buyers"], "云岩区三家门店");
    assert_eq!(t["asked"]["quantity"], "120 辆");
    // 南明区's own queue does not have it; 花溪区 sees nothing at all.
    let own = get(&srv.addr, &nanming, "/api/v1/queue?line=all");
    assert!(own["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["task"] != "assist"));
    assert_eq!(
        get(&srv.addr, &huaxi, "/api/v1/queue?line=all")["items"],
        json!([])
    );
    // No other access: 云岩区 pulls no event of 南明区 and its ledger view is empty; nor may it
    // ask for 南明区's queue.
    assert_eq!(
        get(&srv.addr, &yunyan, "/api/v1/events")["items"],
        json!([])
    );
    assert_eq!(get(&srv.addr, &yunyan, "/api/v1/ledger")["total"], json!(0));
    let r = call(
        &srv.addr,
        "GET",
        "/api/v1/queue?region=520102",
        Some(&yunyan),
        "",
    );
    assert_eq!(r.status, 403);

    let assist = |n: usize, entry: usize, author: &str, region: &str, result: &str| {
        ev(
            n,
            entry,
            author,
            &at(30),
            json!({"kind": "action_taken", "action": "assist", "assist_region": region, "result": result}),
        )
    };
    // 云岩区 may not act otherwise on the entry, nor on the other entry, nor answer for another
    // region; 南明区 may not answer for 云岩区; 花溪区, not asked, may not answer.
    let other_acts = [
        ev(
            20,
            1,
            "yunyan",
            &at(30),
            json!({"kind": "closed", "reason": "withdrawn"}),
        ),
        assist(21, 2, "yunyan", "520103", "已查"),
    ];
    let r = post(&srv.addr, &yunyan, &other_acts);
    assert_eq!(statuses(&r), ["forbidden", "forbidden"]);
    let r = post(
        &srv.addr,
        &yunyan,
        &[assist(22, 1, "yunyan", "520111", "已查")],
    );
    assert_eq!(statuses(&r), ["forbidden"]);
    let r = post(
        &srv.addr,
        &nanming,
        &[assist(23, 1, "nanming", "520103", "代填")],
    );
    assert_eq!(statuses(&r), ["forbidden"]);
    let r = post(
        &srv.addr,
        &huaxi,
        &[assist(24, 1, "huaxi", "520111", "已查")],
    );
    assert_eq!(statuses(&r), ["forbidden"]);

    // 云岩区 records the result; sent twice, it is stored once.
    let result = assist(25, 1, "yunyan", "520103", "三家门店库存 40 辆已封存");
    assert_eq!(
        statuses(&post(&srv.addr, &yunyan, std::slice::from_ref(&result))),
        ["stored"]
    );
    assert_eq!(
        statuses(&post(&srv.addr, &yunyan, &[result])),
        ["duplicate"]
    );
    assert_eq!(get(&srv.addr, &yunyan, "/api/v1/queue")["items"], json!([]));
    // Still nothing of 南明区 to pull for 云岩区.
    assert_eq!(
        get(&srv.addr, &yunyan, "/api/v1/events")["items"],
        json!([])
    );
    // 南明区 sees the result on its entry.
    let evs = get(&srv.addr, &nanming, "/api/v1/events");
    let got = evs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "assist")
        .unwrap();
    assert_eq!(got["result"], "三家门店库存 40 辆已封存");
    assert_eq!(got["author"], "yunyan");
    let view = get(&srv.addr, &nanming, "/api/v1/ledger");
    assert!(
        view.to_string().contains("三家门店库存 40 辆已封存"),
        "{view}"
    );
}

#[test]
fn assist_requests_stored_before_their_index_are_found_after_the_migration() {
    // The asked county finds the entries that asked it in an index table kept at ingest (not by
    // scanning the text of every event); a database of the version before it gets the table
    // and its rows from the events stored (SQLite `migrate_v5`, PostgreSQL migration 4).
    let at = {
        let cst = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        let t = chrono::Utc::now().with_timezone(&cst) - chrono::Duration::hours(2);
        move |m: i64| (t + chrono::Duration::minutes(m)).to_rfc3339()
    };
    let dir = data_dir();
    let srv = start(dir.clone(), &[]);
    let admin = sign_in(&srv.addr, "admin");
    for (name, region) in [("nanming", "520102"), ("yunyan", "520103")] {
        let r = call(&srv.addr, "POST", "/api/v1/accounts", Some(&admin),
            &json!({"username": name, "password": PASSWORD, "role": "inspector", "regions": [region]}).to_string());
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let nanming = sign_in(&srv.addr, "nanming");
    let tracing = ev(
        12,
        1,
        "nanming",
        &at(10),
        json!({"kind": "action_taken", "action": "two_way_tracing",
               "supplier": "某某电动车有限公司", "buyers": "云岩区三家门店",
               "quantity": "120 辆", "batches": "2026-01", "assist_region": "520103"}),
    );
    let r = post(
        &srv.addr,
        &nanming,
        &[created(1, 1, &at(0), "最高车速超标"), tracing],
    );
    assert_eq!(statuses(&r), ["stored", "stored"]);
    let tasks = |addr: &str| {
        let yunyan = sign_in(addr, "yunyan");
        get(addr, &yunyan, "/api/v1/queue")["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["task"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(tasks(&srv.addr), ["assist"]);
    drop(srv);
    // The database as the version before left it: no index table, no trigger.
    let mut db = db::Db::open(&dir);
    let older: &[&str] = if pg::enabled() {
        &[
            "DROP TRIGGER events_assists ON events",
            "DROP FUNCTION paicha_index_assist()",
            "DROP TABLE assists",
            "UPDATE paicha_schema SET version = 3",
        ]
    } else {
        &[
            "DROP TRIGGER events_assists",
            "DROP TABLE assists",
            "PRAGMA user_version = 5",
        ]
    };
    for sql in older {
        db.execute(sql).unwrap();
    }
    drop(db);
    let srv = start(dir, &[]);
    assert_eq!(tasks(&srv.addr), ["assist"]);
}
