//! An unqualified spot-check result opens one ledger entry, over real HTTP (issue 13 item 5): the
//! entry is in quality supervision's queue with Order 18's days and in the campaign's open
//! dangers; uploading or importing the same result again stores nothing; a passed re-check
//! recorded on the spot-check record closes it and the open figure drops; a failed one keeps it
//! open with the announcement due; the entry's own loop acts are refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use rust_xlsxwriter::Workbook;
use serde_json::{json, Value};

const USCC: &str = "91520102MA6DK4L2XN";
const SPOT: &str = "7c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
const PROGRESS: &str = "/api/v1/campaigns/2023-guizhou/progress?date=2023-08-16";

fn record() -> Value {
    json!({"id": SPOT, "enterprise": {"uscc": USCC, "region": "520102", "name": "贵阳示例车行"},
           "product": "electric-bicycle", "batch": "2023-05", "level": "provincial",
           "date": "2023-07-01", "result": "unqualified", "failed_items": ["最高设计车速"]})
}

fn upload(addr: &str, token: &str, v: &Value) -> Value {
    let r = call(
        addr,
        "POST",
        "/api/v1/spot-checks",
        Some(token),
        &json!([v]).to_string(),
    );
    assert!(r.status < 300, "{}", r.text());
    r.json()["results"][0].clone()
}

fn events(addr: &str, token: &str) -> Vec<Value> {
    let r = call(addr, "GET", "/api/v1/events?limit=1000", Some(token), "");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["items"].as_array().unwrap().clone()
}

fn queue(addr: &str, token: &str) -> Vec<Value> {
    let r = call(addr, "GET", "/api/v1/queue?line=all", Some(token), "");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["items"].as_array().unwrap().clone()
}

/// The county's figures on 2023-08-16.
fn figures(addr: &str, token: &str) -> Value {
    let r = call(addr, "GET", PROGRESS, Some(token), "");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["root"]["figures"].clone()
}

/// The spot checks' ledger entries, by spot-check id.
fn entries(addr: &str, token: &str) -> Vec<(String, String)> {
    let r = call(addr, "GET", "/api/v1/spot-checks", Some(token), "");
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| {
            Some((
                i["record"]["id"].as_str()?.to_string(),
                i["entry"].as_str()?.to_string(),
            ))
        })
        .collect()
}

fn ledger_row(addr: &str, token: &str, entry: &str) -> Value {
    let r = call(addr, "GET", "/api/v1/ledger?region=520102", Some(token), "");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["entry"]["id"] == entry)
        .map(|row| row["entry"].clone())
        .unwrap_or_else(|| panic!("no row of {entry}: {}", r.text()))
}

/// Import the list (all rows or none: these are good).
fn import(addr: &str, token: &str) {
    let r = request(
        addr,
        "POST",
        "/api/v1/spot-checks/import",
        &[bearer(token)],
        &list(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

/// A provincial list with one unqualified row.
fn list() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        [
            "受检单位",
            "统一社会信用代码",
            "行政区划代码",
            "产品名称",
            "生产日期/批号",
            "检验结论",
            "主要不合格项目",
            "报告编号",
            "签发日期",
        ],
        [
            "南明二店",
            "91520102MA6DK4L3XP",
            "520102",
            "电动自行车",
            "2023-04",
            "不合格",
            "整车质量",
            "GZ2023-101",
            "2023-07-05",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn an_unqualified_result_is_a_ledger_entry_until_its_recheck_passes() {
    let s = start(data_dir(), &[]);
    let a = &s.addr;
    let t = sign_in(a, "jiancha");
    let before = figures(a, &t);
    assert_eq!(before["open"], 0);

    // Uploaded from the ledger page's spot box.
    assert_eq!(upload(a, &t, &record())["status"], "stored");
    let entry = entries(a, &t)
        .into_iter()
        .find(|(id, _)| id == SPOT)
        .unwrap()
        .1;
    let mine: Vec<Value> = events(a, &t)
        .into_iter()
        .filter(|e| e["entry"] == entry)
        .collect();
    let kinds: Vec<&str> = mine.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "spot_followed"], "{mine:?}");
    assert_eq!(mine[0]["spot_check"], SPOT);
    assert_eq!(mine[0]["danger"]["severity"], "major");
    assert_eq!(mine[0]["danger"]["violation"], "substandard");

    // In quality supervision's queue: the re-check by day 75, the stop at once, tracing by 30.
    let q: Vec<Value> = queue(a, &t)
        .into_iter()
        .filter(|x| x["entry"] == entry)
        .collect();
    let has = |task: &str, key: &str, val: &str, due: &str| {
        q.iter().any(|x| {
            x["task"] == task
                && x[key] == val
                && x["due"] == due
                && x["line"] == "quality_supervision"
        })
    };
    assert!(has("spot", "step", "recheck", "2023-09-14"), "{q:?}");
    assert!(
        has("act", "action", "stop_production_sale", "2023-07-01"),
        "{q:?}"
    );
    assert!(
        has("act", "action", "two_way_tracing", "2023-07-31"),
        "{q:?}"
    );
    assert!(!q.iter().any(|x| x["task"] == "order"), "{q:?}");

    // In the campaign's figures: a major danger, open (and a spot failure).
    let f = figures(a, &t);
    assert_eq!(
        (f["open"].as_u64(), f["major"].as_u64()),
        (Some(1), Some(1)),
        "{f}"
    );
    assert_eq!(f["spot_unqualified"], 1);
    let row = ledger_row(a, &t, &entry);
    assert_eq!(row["status"], "ordered", "{row}");

    // The same record again: nothing new in the ledger.
    let n = events(a, &t).len();
    assert_eq!(upload(a, &t, &record())["status"], "duplicate");
    assert_eq!(events(a, &t).len(), n);

    // Imported from a list: a second entry; the same list again stores nothing.
    import(a, &t);
    let imported = entries(a, &t)
        .into_iter()
        .find(|(id, _)| id != SPOT)
        .unwrap()
        .1;
    let n = events(a, &t).len();
    assert_eq!(
        events(a, &t)
            .iter()
            .filter(|e| e["entry"] == imported)
            .count(),
        2
    );
    import(a, &t);
    assert_eq!(events(a, &t).len(), n, "a re-import stores nothing");
    assert_eq!(figures(a, &t)["open"], 2);

    // The entry's own loop is the record's: an order or a re-check made on it is refused, and
    // so is a device's spot_followed.
    let act = |id: usize, kind: Value| {
        let mut v = json!({"id": uuid(id), "entry": entry, "author": "jiancha", "device": "tablet",
                           "at": "2023-07-10T09:00:00+08:00"});
        v.as_object_mut()
            .unwrap()
            .extend(kind.as_object().unwrap().clone());
        let r = call(
            a,
            "POST",
            "/api/v1/events",
            Some(&t),
            &json!([v]).to_string(),
        );
        r.json()["results"][0].clone()
    };
    let r = act(
        900,
        json!({"kind": "rechecked", "round": 1, "passed": true}),
    );
    assert_eq!(r["code"], "spot_check_loop", "{r}");
    let r = act(
        901,
        json!({"kind": "spot_followed", "result": "unqualified", "date": "2023-07-01",
                            "recheck": {"date": "2023-07-09", "passed": true}}),
    );
    assert_eq!(r["code"], "server_made", "{r}");
    assert_eq!(figures(a, &t)["open"], 2);

    // A passed re-check recorded on the record closes the entry: the open figure drops.
    let mut passed = record();
    passed["recheck"] = json!({"date": "2023-08-10", "passed": true});
    assert_eq!(upload(a, &t, &passed)["status"], "updated");
    let f = figures(a, &t);
    assert_eq!(
        (f["open"].as_u64(), f["closed_out"].as_u64()),
        (Some(1), Some(1)),
        "{f}"
    );
    assert_eq!(ledger_row(a, &t, &entry)["status"], "closed");
    assert!(!queue(a, &t)
        .iter()
        .any(|x| x["entry"] == entry && x["task"] == "spot"));

    // A failed re-check of the imported one: still open, the announcement to make.
    let mut items = call(a, "GET", "/api/v1/spot-checks", Some(&t), "").json()["items"]
        .as_array()
        .unwrap()
        .clone();
    items.retain(|i| i["record"]["id"] != SPOT);
    let mut failed = items[0]["record"].clone();
    failed["recheck"] = json!({"date": "2023-08-12", "passed": false});
    assert_eq!(upload(a, &t, &failed)["status"], "updated");
    assert_eq!(figures(a, &t)["open"], 1);
    assert!(queue(a, &t)
        .iter()
        .any(|x| x["entry"] == imported && x["step"] == "public_announcement"));
    // Re-imported after it: the list brings the result only, the failed re-check stays.
    let n = events(a, &t).len();
    import(a, &t);
    assert_eq!(events(a, &t).len(), n);
}
