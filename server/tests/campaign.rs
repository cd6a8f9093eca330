//! The campaign over real HTTP: progress rolled up from what was uploaded (the summary tables
//! follow each submission and ledger event), the scopes of province, prefecture and county
//! supervisors, supervision acts and look-back results idempotent, a reproducible look-back
//! sample, the records behind a figure, and the XLSX schedule table opened and its cells read.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use serde_json::{json, Value};

const P: &str = "/api/v1/campaigns/2023-guizhou";

fn account(addr: &str, admin: &str, username: &str, role: &str, regions: &[&str]) -> String {
    let r = call(
        addr,
        "POST",
        "/api/v1/accounts",
        Some(admin),
        &json!({"username": username, "password": PASSWORD, "role": role,
                "name": username, "regions": regions})
        .to_string(),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    sign_in(addr, username)
}

fn get(addr: &str, token: &str, path: &str) -> (u16, Value) {
    let r = call(addr, "GET", path, Some(token), "");
    let s = r.status;
    (s, if s == 200 { r.json() } else { Value::Null })
}

fn post(addr: &str, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let r = call(addr, "POST", path, Some(token), &body.to_string());
    (r.status, r.json())
}

/// The locality `code` in a progress tree.
fn node<'a>(n: &'a Value, code: &str) -> Option<&'a Value> {
    if n["code"] == code {
        return Some(n);
    }
    n["children"].as_array()?.iter().find_map(|c| node(c, code))
}

struct World {
    srv: Server,
    province: String,
    prefecture: String,
    county: String,
    other_county: String,
    tablet: String,
}

/// Three enterprises inspected on site (two in Nanming 520102, one in Zunyi's Honghuagang
/// 520302), each graded major with three ledger entries; one entry of the first is closed out.
fn world() -> World {
    let srv = start(data_dir(), &[]);
    let admin = sign_in(&srv.addr, "admin");
    let province = account(&srv.addr, &admin, "sheng", "supervisor", &["520000"]);
    let prefecture = account(&srv.addr, &admin, "shi", "supervisor", &["520100"]);
    let county = account(&srv.addr, &admin, "xian", "supervisor", &["520102"]);
    let other_county = account(&srv.addr, &admin, "xian2", "supervisor", &["520302"]);
    let tablet = sign_in(&srv.addr, "jiancha");
    let zunyi = account(&srv.addr, &admin, "zunyi", "inspector", &["520300"]);
    // The register of Nanming: the two enterprises inspected there and one not yet (its CCC
    // certificate expires soon).
    for (uscc, name, extra) in [
        (USCC, "贵阳示例车行", json!({})),
        (
            "91520102MA6DK4L3XP",
            "南明二店",
            json!({"key_flags": ["rural_market"]}),
        ),
        (
            "91520102MA6DK4L4XQ",
            "南明三店",
            json!({"certificates": [{"kind": "ccc", "number": "C1", "valid_until": "2023-09-30"}]}),
        ),
    ] {
        let mut e = json!({"uscc": uscc, "name": name, "region": "520102",
            "products": [{"product": "electric-bicycle", "links": ["sales"]}]});
        e.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let (s, r) = post(&srv.addr, &tablet, "/api/v1/register/entries", &e);
        assert!(s == 200 || s == 201, "{s} {r}");
    }
    let subs = [
        (uuid(1), USCC, "520102", &tablet),
        (uuid(2), "91520102MA6DK4L3XP", "520102", &tablet),
        (uuid(3), "91520302MA6DK4L2X1", "520302", &zunyi),
    ];
    for (id, uscc, region, token) in &subs {
        let (s, r) = post(
            &srv.addr,
            token,
            "/api/v1/submissions",
            &inspection(id, uscc, region),
        );
        assert_eq!(s, 200, "{r}");
        assert_eq!(r["report"]["valid"], true, "{r}");
        assert_eq!(r["report"]["level"], "major", "{r}");
    }
    // Close out the first enterprise's entry: rectified by the enterprise, re-check passed.
    let events = call(
        &srv.addr,
        "GET",
        "/api/v1/events?limit=100",
        Some(&tablet),
        "",
    )
    .json();
    let entry = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "created" && e["enterprise"]["uscc"] == USCC)
        .unwrap()["entry"]
        .as_str()
        .unwrap()
        .to_string();
    let phone = sign_in(&srv.addr, "qiye");
    let ev = |id: usize, author: &str, kind: Value| {
        let mut e = json!({"id": uuid(100 + id), "entry": entry, "author": author, "device": "d",
                           "at": "2023-08-01T10:00:00+08:00"});
        e.as_object_mut()
            .unwrap()
            .extend(kind.as_object().unwrap().clone());
        e
    };
    let (s, r) = post(
        &srv.addr,
        &phone,
        "/api/v1/events",
        &json!([ev(
            1,
            "qiye",
            json!({"kind": "rectified", "measures": "限速器已复原"})
        )]),
    );
    assert_eq!(s, 200, "{r}");
    let (s, r) = post(
        &srv.addr,
        &tablet,
        "/api/v1/events",
        &json!([ev(
            2,
            "jiancha",
            json!({"kind": "rechecked", "round": 1, "passed": true})
        )]),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["results"][0]["status"], "stored", "{r}");
    World {
        srv,
        province,
        prefecture,
        county,
        other_county,
        tablet,
    }
}

#[test]
fn progress_follows_the_uploads_and_each_supervisor_reads_its_subtree() {
    let w = world();
    let a = &w.srv.addr;
    let (s, p) = get(a, &w.province, &format!("{P}/progress?date=2023-08-16"));
    assert_eq!(s, 200);
    assert_eq!(p["root"]["code"], "520000");
    assert_eq!(p["today"], "2023-08-16");
    let kids: Vec<&str> = p["root"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(kids, ["520100", "520300"]);
    let f = &p["root"]["figures"];
    // Three registered (Nanming), two of them inspected on site, none self-inspected; the
    // Zunyi enterprise is inspected but not registered; nine major dangers found, one
    // rectified and closed out, eight open and overdue (the policy's 5 days for a major on-site
    // danger ran out on 07-25).
    assert_eq!(
        (
            f["registered"].as_u64(),
            f["onsite_inspected"].as_u64(),
            f["self_inspected"].as_u64()
        ),
        (Some(3), Some(2), Some(0))
    );
    assert_eq!(
        (f["unregistered"].as_u64(), f["major"].as_u64()),
        (Some(1), Some(9))
    );
    assert_eq!(
        (
            f["rectified"].as_u64(),
            f["closed_out"].as_u64(),
            f["open"].as_u64(),
            f["overdue"].as_u64()
        ),
        (Some(1), Some(1), Some(8), Some(8))
    );
    let nanming = node(&p["root"], "520102").unwrap();
    assert_eq!(nanming["figures"]["open"], 5);
    assert_eq!(nanming["figures"]["unregistered"], 0);
    assert_eq!(nanming["figures"]["registered"], 3);
    // Behind on 08-16: self-inspection 0 % (07-15 and 08-15), on-site 66 % of the 100 % due, and
    // its five open dangers past their deadline.
    let reasons: Vec<&str> = nanming["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"]["en"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "self-inspection coverage 0 % of 50 % due 07-15",
            "self-inspection coverage 0 % of 100 % due 08-15",
            "on-site coverage 66 % of 100 % due 08-15",
            "5 dangers past their deadline"
        ]
    );
    // The ranking of Nanming: factors shown, the enterprise with open dangers and a flag first.
    let (s, rk) = get(a, &w.county, &format!("{P}/ranking?date=2023-08-16"));
    assert_eq!(s, 200);
    assert_eq!(rk["total"], 3);
    assert_eq!(rk["items"][0]["uscc"], "91520102MA6DK4L3XP");
    let codes: Vec<&str> = rk["items"][0]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "product_hazard",
            "key_flag",
            "previous_major",
            "open_entry",
            "overdue_entry",
            "no_self_inspection"
        ]
    );
    // Its three open dangers are also overdue (10 points each).
    assert_eq!(
        rk["items"][0]["score"],
        20 + 8 + 3 * 15 + 3 * 5 + 3 * 10 + 10
    );
    // Traced: the one registered enterprise of Nanming not inspected on site.
    let (_, t) = get(
        a,
        &w.county,
        &format!("{P}/trace?figure=not_onsite_inspected"),
    );
    assert_eq!(t["items"].as_array().unwrap().len(), 1);
    assert_eq!(t["items"][0]["name"], "南明三店");
    assert_eq!(nanming["products"][0]["product"], "electric-bicycle");
    // On 09-19 the open ones are past their deadline: flagged, and the localities are lagging.
    let (_, later) = get(a, &w.province, &format!("{P}/progress?date=2023-09-19"));
    assert_eq!(later["root"]["figures"]["overdue"], 8);
    let lag: Vec<&str> = later["lagging"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    assert_eq!(lag, ["520102", "520302", "520100", "520300", "520000"]);
    // The prefecture sees its own subtree by default and may drill into its counties, not above.
    let (s, p) = get(a, &w.prefecture, &format!("{P}/progress?date=2023-08-16"));
    assert_eq!(s, 200);
    assert_eq!(p["root"]["code"], "520100");
    assert_eq!(p["root"]["figures"]["major"], 6);
    assert_eq!(
        get(a, &w.prefecture, &format!("{P}/progress?region=520102")).0,
        200
    );
    assert_eq!(
        get(a, &w.prefecture, &format!("{P}/progress?region=520000")).0,
        403
    );
    assert_eq!(
        get(a, &w.prefecture, &format!("{P}/progress?region=520302")).0,
        403
    );
    // A county: itself only.
    let (_, p) = get(a, &w.county, &format!("{P}/progress"));
    assert_eq!(p["root"]["code"], "520102");
    assert_eq!(p["root"]["level"], "county");
    assert_eq!(
        get(a, &w.county, &format!("{P}/progress?region=520100")).0,
        403
    );
    assert_eq!(
        get(a, &w.other_county, &format!("{P}/progress?region=520102")).0,
        403
    );
    // Enterprises read no campaign figures; unknown campaigns and parameters are refused.
    let phone = sign_in(a, "qiye");
    assert_eq!(get(a, &phone, &format!("{P}/progress")).0, 403);
    assert_eq!(
        get(a, &w.province, "/api/v1/campaigns/2099-mars/progress").0,
        404
    );
    assert_eq!(
        get(a, &w.province, &format!("{P}/progress?colour=red")).0,
        400
    );
    assert_eq!(
        get(a, &w.province, &format!("{P}/progress?date=2023-02-30")).0,
        400
    );
    // Every figure is traceable: the open dangers of Guiyang are the five entries not closed.
    let (s, t) = get(
        a,
        &w.prefecture,
        &format!("{P}/trace?figure=open&region=520100&date=2023-08-16"),
    );
    assert_eq!(s, 200);
    let items = t["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items
        .iter()
        .all(|i| i["kind"] == "entry" && i["region"] == "520102"));
    let by_second = items
        .iter()
        .filter(|i| i["uscc"] == "91520102MA6DK4L3XP")
        .count();
    assert_eq!(by_second, 3);
    let (_, t) = get(
        a,
        &w.province,
        &format!("{P}/trace?figure=dangers&date=2023-08-16"),
    );
    assert_eq!(t["items"].as_array().unwrap().len(), 9);
    let (_, t) = get(
        a,
        &w.province,
        &format!("{P}/trace?figure=closed_out&date=2023-08-16"),
    );
    assert_eq!(t["items"][0]["uscc"], USCC);
    assert_eq!(
        get(a, &w.province, &format!("{P}/trace?figure=teapots")).0,
        400
    );
}

fn act(id: usize, author: &str, locality: &str, reason: &str) -> Value {
    json!({"id": uuid(500 + id), "campaign": "2023-guizhou", "locality": locality, "kind": "urge",
           "reason": reason, "author": author, "device": "tablet", "at": "2023-08-16T09:00:00+08:00",
           "figures": {"registered": 10, "self_inspected": 4, "onsite_inspected": 1, "unregistered": 0,
                       "general": 0, "major": 0, "rectified": 0, "closed_out": 0, "closed_other": 0,
                       "open": 0, "overdue": 0, "violations": 0, "measures": 0, "measures_done": 0,
                       "spot_unqualified": 0, "spot_disposed": 0, "spot_overdue": 0}})
}

#[test]
fn supervision_acts_and_look_back_are_idempotent_and_scoped() {
    let w = world();
    let a = &w.srv.addr;
    let path = format!("{P}/acts");
    let first = act(
        1,
        "sheng",
        "520102",
        "自查覆盖率 40%，应于 08-15 前达到 100%",
    );
    let (s, r) = post(a, &w.province, &path, &first);
    assert_eq!((s, r["status"].as_str()), (201, Some("stored")), "{r}");
    // A single record's answer is the record's own result, as every route's: its status is the
    // response's, not repeated in the body.
    assert!(r.get("http_status").is_none(), "{r}");
    // The same act again (a retry, keys in another order): a duplicate, nothing new.
    let reordered: Value = serde_json::from_str(&first.to_string()).unwrap();
    let (s, r) = post(a, &w.province, &path, &reordered);
    assert_eq!((s, r["status"].as_str()), (200, Some("duplicate")));
    // Other content under the same id: a conflict, the first kept.
    let (s, _) = post(a, &w.province, &path, &act(1, "sheng", "520102", "改了"));
    assert_eq!(s, 409);
    // Outside one's regions, as someone else, as an inspector, or malformed: refused.
    let (s, r) = post(a, &w.county, &path, &act(2, "xian", "520302", "x"));
    assert_eq!((s, r["code"].as_str()), (403, Some("outside_scope")), "{r}");
    // Every refusal says why in both languages, as the other routes' do.
    assert!(
        r["detail"]["zh"].as_str().is_some_and(|t| !t.is_empty()),
        "{r}"
    );
    assert!(
        r["detail"]["en"].as_str().is_some_and(|t| !t.is_empty()),
        "{r}"
    );
    assert_eq!(
        post(a, &w.county, &path, &act(3, "sheng", "520102", "x")).0,
        403
    );
    assert_eq!(
        post(a, &w.tablet, &path, &act(4, "jiancha", "520102", "x")).0,
        403
    );
    assert_eq!(
        post(a, &w.county, &path, &act(5, "xian", "520102", " ")).0,
        400
    );
    assert_eq!(post(a, &w.county, &path, &json!({"id": "x"})).0, 400);
    // Who reads them: the prefecture and the county addressed, not another county.
    let (_, l) = get(a, &w.prefecture, &path);
    let items = l["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["reason"], "自查覆盖率 40%，应于 08-15 前达到 100%");
    assert_eq!(
        get(a, &w.county, &path).1["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        get(a, &w.other_county, &path).1["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Look-back: the closed-out entry is the one candidate of Guiyang; the same seed draws the
    // same sample.
    let sample = format!("{P}/lookback/sample?region=520100&seed=2023-08-20&size=5");
    let (s, one) = get(a, &w.prefecture, &sample);
    assert_eq!(s, 200);
    assert_eq!(one["candidates"], 1);
    assert_eq!(one, get(a, &w.prefecture, &sample).1);
    let target = one["sample"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(one["sample"][0]["kind"], "entry");
    let result = json!({"id": uuid(900), "campaign": "2023-guizhou", "locality": "520102",
        "seed": "2023-08-20", "kind": "entry", "target": target, "passed": true,
        "author": "shi", "device": "tablet", "at": "2023-08-21T10:00:00+08:00"});
    let lb = format!("{P}/lookback");
    assert_eq!(post(a, &w.prefecture, &lb, &result).0, 201);
    assert_eq!(post(a, &w.prefecture, &lb, &result).0, 200);
    let mut failed = result.clone();
    failed["id"] = json!(uuid(901));
    failed["passed"] = json!(false);
    assert_eq!(
        post(a, &w.prefecture, &lb, &failed).0,
        400,
        "a failed look-back must say why"
    );
    assert_eq!(
        get(a, &w.county, &lb).1["items"].as_array().unwrap().len(),
        1
    );
    // A failed look-back re-opens the entry it re-verified: a `reopened` ledger event (the
    // policy's 5 days for a major danger from the look-back's day), the figures follow.
    let progress = format!("{P}/progress?region=520102&date=2023-08-21");
    let before = get(a, &w.county, &progress).1["root"]["figures"].clone();
    assert_eq!(before["closed_out"], 1);
    failed["note"] = json!("限速器又被拆除");
    let (s, r) = post(a, &w.prefecture, &lb, &failed);
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["reopened"]["status"], "stored", "{r}");
    let event = r["reopened"]["event"].as_str().unwrap().to_string();
    // Sent again: nothing new, on either side.
    let (s, r) = post(a, &w.prefecture, &lb, &failed);
    assert_eq!(
        (s, &r["reopened"]["status"]),
        (200, &json!("duplicate")),
        "{r}"
    );
    let after = get(a, &w.county, &progress).1["root"]["figures"].clone();
    assert_eq!(after["closed_out"], 0);
    assert_eq!(after["open"], before["open"].as_u64().unwrap() + 1);
    let ledger = call(a, "GET", "/api/v1/events?limit=1000", Some(&w.tablet), "").json();
    let reopened: Vec<&Value> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "reopened")
        .collect();
    assert_eq!(reopened.len(), 1);
    assert_eq!(reopened[0]["id"], event.as_str());
    assert_eq!(reopened[0]["entry"], target.as_str());
    assert_eq!(reopened[0]["lookback"], uuid(901).as_str());
    assert_eq!(reopened[0]["deadline"], "2023-08-26");
    assert_eq!(reopened[0]["author"], "shi");
    // No longer closed out: not a look-back candidate.
    assert_eq!(get(a, &w.prefecture, &sample).1["candidates"], 0);
    // An inspector cannot re-open a close-out by a ledger event of its own.
    let mut own = reopened[0].clone();
    own["id"] = json!(uuid(950));
    own["author"] = json!("jiancha");
    let (_, r) = post(a, &w.tablet, "/api/v1/events", &json!([own]));
    assert_eq!(r["results"][0]["code"], "role_forbidden", "{r}");
}

#[test]
fn the_schedule_table_opens_with_its_cells() {
    use calamine::{Data, Reader, Xlsx};
    let w = world();
    let a = &w.srv.addr;
    let r = call(
        a,
        "GET",
        &format!("{P}/summary.xlsx?date=2023-08-16&kind=stage"),
        Some(&w.province),
        "",
    );
    assert_eq!(r.status, 200);
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(r.body.clone())).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "进度表",
            "分产品",
            "分环节",
            "隐患等级状态",
            "措施落实",
            "隐患清零"
        ]
    );
    let sheet = book.worksheet_range("进度表").unwrap();
    let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert!(
        matches!(cell(0, 0), Data::String(s) if s.contains("进度表") && s.contains("截至 2023-08-16"))
    );
    assert_eq!(cell(1, 0), Data::String("行政区划代码".into()));
    assert_eq!(cell(1, 2), Data::String("在册企业数".into()));
    assert_eq!(cell(1, 12), Data::String("未清零隐患".into()));
    // Row 3 is the province's total, then 520100, 520102, 520300, 520302.
    assert_eq!(cell(2, 0), Data::String("520000".into()));
    assert_eq!(cell(2, 2), Data::Float(3.0), "registered");
    assert_eq!(cell(2, 5), Data::Float(2.0), "inspected on site");
    assert_eq!(cell(2, 6), Data::Float(66.0), "on-site %");
    assert_eq!(cell(2, 7), Data::Float(1.0), "unregistered inspected");
    assert_eq!(cell(2, 9), Data::Float(9.0), "major dangers");
    assert_eq!(cell(2, 12), Data::Float(8.0), "open");
    assert_eq!(cell(4, 12), Data::Float(5.0), "open in Nanming");
    let codes: Vec<Data> = (2..7).map(|r| cell(r, 0)).collect();
    assert_eq!(
        codes,
        ["520000", "520100", "520102", "520300", "520302"].map(|c| Data::String(c.into()))
    );
    let products = book.worksheet_range("分产品").unwrap();
    assert_eq!(
        products.get_value((2, 0)),
        Some(&Data::String("电动自行车".into()))
    );
    // The breakdown: by link (the three sales enterprises, two on site; the nine dangers found
    // in sales inspections, eight open), by severity x status, by measure.
    let links = book.worksheet_range("分环节").unwrap();
    let at = |r: u32, c: u32| links.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(at(1, 1), Data::String("在册企业数".into()));
    assert_eq!(at(2, 0), Data::String("生产环节".into()));
    assert_eq!(at(2, 1), Data::Float(0.0));
    assert_eq!(at(3, 0), Data::String("销售环节".into()));
    assert_eq!(
        (3..6).map(|c| at(3, c)).collect::<Vec<_>>(),
        [2.0, 9.0, 8.0].map(Data::Float),
        "on site, dangers, open"
    );
    assert_eq!(at(3, 1), Data::Float(3.0));
    let sev = book.worksheet_range("隐患等级状态").unwrap();
    let at = |r: u32, c: u32| sev.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(at(3, 0), Data::String("重大隐患".into()));
    assert_eq!(
        (1..7).map(|c| at(3, c)).collect::<Vec<_>>(),
        [9.0, 8.0, 0.0, 1.0, 0.0, 8.0].map(Data::Float),
        "total, open, rectified, closed out, closed otherwise, overdue"
    );
    let measures = book.worksheet_range("措施落实").unwrap();
    assert_eq!(
        measures.get_value((1, 4)),
        Some(&Data::String("未落实".into()))
    );
    assert!(measures.height() > 2, "measures listed");
    // The JSON summary has the same figures, and the open dangers over time.
    let (_, s) = get(
        a,
        &w.province,
        &format!("{P}/summary?date=2023-08-16&kind=stage"),
    );
    assert_eq!(s["figures"]["open"], 8);
    assert_eq!(s["due"], "2023-08-15");
    assert_eq!(s["name"], "贵州省");
    assert_eq!(s["localities"][0]["name"], "贵阳市");
    // The breakdown adds up to the figures, and each number is the length of its list.
    let b = &s["breakdown"];
    let f = &s["figures"];
    let sum = |rows: &Value, k: &str| -> u64 {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r[k].as_u64().unwrap())
            .sum()
    };
    assert_eq!(sum(&b["by_severity"], "total"), 9);
    assert_eq!(
        sum(&b["by_severity"], "overdue"),
        f["overdue"].as_u64().unwrap()
    );
    assert_eq!(
        sum(&b["by_measure"], "required"),
        f["measures"].as_u64().unwrap()
    );
    assert_eq!(
        sum(&b["by_measure"], "done"),
        f["measures_done"].as_u64().unwrap()
    );
    let list = |q: &str| {
        get(
            a,
            &w.province,
            &format!("{P}/breakdown/trace?date=2023-08-16&{q}"),
        )
    };
    let (st, open) = list("by=severity&key=major&figure=open");
    assert_eq!(st, 200);
    assert_eq!(open["total"], 8);
    assert!(open["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["severity"] == "major" && i["state"] == "open"));
    // Each danger under the name its entry was recorded with (the submission's, not the
    // register's), also the Zunyi enterprise's, which the register does not hold.
    let items = open["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["uscc"] == "91520302MA6DK4L2X1"));
    assert!(items.iter().all(|i| i["name"] == "示例车行"), "{open}");
    let (_, reg) = list("by=link&key=sales&figure=not_onsite_inspected");
    assert_eq!(reg["total"], 1);
    assert_eq!(reg["items"][0]["uscc"], "91520102MA6DK4L4XQ");
    let m = b["by_measure"][0].clone();
    let (_, nd) = list(&format!(
        "by=measure&key={}&figure=not_done",
        m["action"].as_str().unwrap()
    ));
    assert_eq!(nd["total"], m["not_done"]);
    // A county reads only its own; bad cells are 400.
    let (_, county) = get(
        a,
        &w.county,
        &format!(
            "{P}/breakdown/trace?region=520102&date=2023-08-16&by=severity&key=major&figure=total"
        ),
    );
    assert_eq!(county["total"], 6);
    assert_eq!(
        get(
            a,
            &w.county,
            &format!("{P}/breakdown/trace?region=520302&by=severity&key=major&figure=total")
        )
        .0,
        403
    );
    for bad in [
        "by=colour&key=x&figure=open",
        "by=severity&key=huge&figure=open",
        "by=severity&key=major&figure=lots",
        "by=link&key=sales",
    ] {
        assert_eq!(list(bad).0, 400, "{bad}");
    }
    let series = s["open_over_time"].as_array().unwrap();
    assert_eq!(series.last().unwrap()["date"], "2023-08-16");
    assert_eq!(series.last().unwrap()["open"], 8);
    // Before any danger was found (the first week), nothing was open.
    assert_eq!(series[0]["open"], 0);
    assert_eq!(
        get(a, &w.province, &format!("{P}/summary?kind=monthly")).0,
        400
    );
}

#[test]
fn the_register_views_of_a_county() {
    let w = world();
    let a = &w.srv.addr;
    let path = |q: &str| format!("{P}/register?region=520102&date=2023-08-16{q}");
    let (s, all) = get(a, &w.county, &path(""));
    assert_eq!(s, 200);
    assert_eq!(all["name"], "南明区");
    assert_eq!(
        all["counts"],
        json!({"all": 3, "expiring": 1, "no_self": 3, "no_onsite": 1})
    );
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let by = |uscc: &str| items.iter().find(|i| i["uscc"] == uscc).unwrap().clone();
    // The first enterprise: inspected on site, three entries of which one closed out.
    let first = by(USCC);
    assert_eq!(first["onsite_inspected"], true);
    assert_eq!(first["self_inspected"], false);
    assert_eq!(first["open_entries"], 2);
    assert_eq!(by("91520102MA6DK4L3XP")["open_entries"], 3);
    assert_eq!(
        by("91520102MA6DK4L3XP")["key_flags"],
        json!(["rural_market"])
    );
    assert_eq!(first["products"][0]["product"], "electric-bicycle");
    assert_eq!(first["products"][0]["links"], json!(["sales"]));
    assert_ne!(
        first["products"][0]["name"], "electric-bicycle",
        "the catalogue's name"
    );
    // Not yet inspected on site: the third, whose CCC certificate ends on 09-30.
    let (_, no) = get(a, &w.county, &path("&view=no_onsite"));
    assert_eq!(no["total"], 1);
    assert_eq!(no["items"][0]["uscc"], "91520102MA6DK4L4XQ");
    assert_eq!(no["items"][0]["licences"][0]["state"], "expiring");
    let (_, later) = get(
        a,
        &w.county,
        &format!("{P}/register?region=520102&date=2023-10-01&view=expiring"),
    );
    assert_eq!(later["items"][0]["licences"][0]["state"], "expired");
    // Scopes: the prefecture and province read it, another county and an enterprise do not.
    assert_eq!(get(a, &w.prefecture, &path("")).1["counts"]["all"], 3);
    assert_eq!(get(a, &w.province, &path("")).1["counts"]["all"], 3);
    assert_eq!(get(a, &w.other_county, &path("")).0, 403);
    let phone = sign_in(a, "qiye");
    assert_eq!(get(a, &phone, &path("")).0, 403);
    assert_eq!(get(a, &w.county, &path("&view=everything")).0, 400);
    assert_eq!(get(a, &w.county, &path("&limit=0")).0, 400);
}

/// A danger's link is its submission's, kept in the entry's fact as records arrive (the
/// breakdown reads the facts alone): an entry whose `created` event was sent before the
/// submission it cites (a device whose ledger queue drained first) is counted under no link,
/// and under the submission's once the submission arrives.
#[test]
fn a_dangers_link_follows_its_submission_also_when_its_events_came_first() {
    let srv = start(data_dir(), &[]);
    let a = &srv.addr;
    let admin = sign_in(a, "admin");
    let county = account(a, &admin, "xian", "supervisor", &["520102"]);
    let tablet = sign_in(a, "jiancha");
    let (sub, entry) = (uuid(40), uuid(42));
    let created = json!({"id": uuid(41), "entry": entry, "author": "jiancha", "device": "tablet",
        "at": "2023-07-10T10:00:00+08:00", "kind": "created", "submission": sub,
        "enterprise": {"uscc": USCC, "region": "520102"}, "product": "electric-bicycle",
        "danger": {"text": {"zh": "限速器被拆除", "en": "limiter removed"}, "severity": "general",
            "basis": "GB 17761-2018"}});
    let (s, r) = post(a, &tablet, "/api/v1/events", &json!([created]));
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["results"][0]["status"], "stored", "{r}");
    let dangers = |key: &str| {
        let (s, v) = get(
            a,
            &county,
            &format!("{P}/breakdown/trace?region=520102&date=2023-08-16&by=link&key={key}&figure=dangers"),
        );
        assert_eq!(s, 200);
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["entry"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(dangers("none"), std::slice::from_ref(&entry));
    assert!(dangers("sales").is_empty());
    // The submission arrives (an on-site inspection in sales, with three findings of its own).
    let (s, r) = post(
        a,
        &tablet,
        "/api/v1/submissions",
        &inspection(&sub, USCC, "520102"),
    );
    assert_eq!(s, 200, "{r}");
    assert!(dangers("none").is_empty());
    let sales = dangers("sales");
    assert_eq!(sales.len(), 4, "{sales:?}");
    assert!(sales.contains(&entry));
    // The summary's breakdown says the same.
    let (_, summary) = get(
        a,
        &county,
        &format!("{P}/summary?region=520102&date=2023-08-16&kind=stage"),
    );
    let by_link = summary["breakdown"]["by_link"].as_array().unwrap();
    assert_eq!(
        by_link.len(),
        2,
        "no line of dangers without a link: {summary}"
    );
    assert_eq!(by_link[1]["link"], "sales");
    assert_eq!(by_link[1]["dangers"], 4);
}

/// The facts a device keeps at sync (`.../facts`) count, with the core (natively here, in WASM
/// on the dashboard: tests/browser/dashboard.test.mjs), to exactly the server's progress answer,
/// counted from its summary tables in SQL, for each locality and day; read within scope only.
#[test]
fn the_facts_a_device_keeps_count_to_the_servers_progress() {
    use paicha::campaign::{answer, EntryFact, Inputs, Plan, Registered, SpotFact, SubmissionFact};
    let w = world();
    let a = &w.srv.addr;
    let (s, f) = get(a, &w.province, &format!("{P}/facts?region=520000"));
    assert_eq!(s, 200);
    assert_eq!(f["names"]["520102"], "南明区");
    assert_eq!(f["register"].as_array().unwrap().len(), 3);
    assert_eq!(f["submissions"].as_array().unwrap().len(), 3);
    let plan: Plan = serde_json::from_value(f["plan"].clone()).unwrap();
    let register: Vec<Registered> = serde_json::from_value(f["register"].clone()).unwrap();
    let submissions: Vec<SubmissionFact> =
        serde_json::from_value(f["submissions"].clone()).unwrap();
    let entries: Vec<EntryFact> = serde_json::from_value(f["entries"].clone()).unwrap();
    let spots: Vec<SpotFact> = serde_json::from_value(f["spots"].clone()).unwrap();
    let names = serde_json::from_value(f["names"].clone()).unwrap();
    let inputs = Inputs {
        register: &register,
        submissions: &submissions,
        entries: &entries,
        spots: &spots,
    };
    for region in ["520000", "520100", "520102", "520300"] {
        for date in ["2023-08-14", "2023-08-16", "2023-10-31"] {
            let (s, online) = get(
                a,
                &w.province,
                &format!("{P}/progress?region={region}&date={date}"),
            );
            assert_eq!(s, 200);
            let day = paicha::ledger::date::parse_date(date).unwrap();
            let local = answer::offline(&plan, &inputs, region, day, &names);
            assert_eq!(
                serde_json::to_value(&local).unwrap(),
                online,
                "{region} {date}"
            );
        }
    }
    // A county supervisor reads its county's facts, not the province's nor another county's.
    let (s, c) = get(a, &w.county, &format!("{P}/facts"));
    assert_eq!(s, 200);
    assert_eq!(c["region"], "520102");
    assert_eq!(c["submissions"].as_array().unwrap().len(), 2);
    assert_eq!(
        get(a, &w.county, &format!("{P}/facts?region=520000")).0,
        403
    );
    assert_eq!(
        get(a, &w.other_county, &format!("{P}/facts?region=520102")).0,
        403
    );
}
