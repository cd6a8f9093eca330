//! The follow-up to the end over real HTTP: work lines and their queues, measures done with their
//! particulars (idempotent like every event), a case record, deadlines within the policy's
//! bounds, self-found dangers the enterprise closes itself, and a county's queue that empties
//! when the work is done.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use serde_json::{json, Value};

const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

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

fn queue(addr: &str, token: &str, q: &str) -> Value {
    let r = call(addr, "GET", &format!("/api/v1/queue{q}"), Some(token), "");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn tasks(q: &Value) -> Vec<String> {
    q["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}:{}",
                t["task"].as_str().unwrap(),
                t["action"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn each_line_works_its_queue_until_the_countys_list_is_empty() {
    // Days around today (China time): the server compares deadlines with its own clock.
    let day = |n: i64| {
        let cst = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        (chrono::Utc::now().with_timezone(&cst) - chrono::Duration::days(10)
            + chrono::Duration::days(n))
        .format("%Y-%m-%d")
        .to_string()
    };
    let srv = start(data_dir(), &[]);
    let admin = sign_in(&srv.addr, "admin");
    for (name, line) in [
        ("xinyong", "credit"),
        ("zhifa", "law_enforcement"),
        ("lingdao", "leadership"),
    ] {
        let r = call(&srv.addr, "POST", "/api/v1/accounts", Some(&admin),
            &json!({"username": name, "password": PASSWORD, "role": "inspector", "regions": ["520102"]}).to_string());
        assert_eq!(r.status, 201, "{}", r.text());
        let r = call(
            &srv.addr,
            "PUT",
            &format!("/api/v1/accounts/{name}/line"),
            Some(&admin),
            &json!({"line": line}).to_string(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let r = call(
        &srv.addr,
        "PUT",
        "/api/v1/accounts/xinyong/line",
        Some(&admin),
        "{\"line\": \"finance\"}",
    );
    assert_eq!(r.status, 400);
    let r = call(
        &srv.addr,
        "PUT",
        "/api/v1/accounts/nobody/line",
        Some(&admin),
        "{\"line\": \"credit\"}",
    );
    assert_eq!(r.status, 404);
    let tablet = sign_in(&srv.addr, "jiancha");
    let credit = sign_in(&srv.addr, "xinyong");
    let law = sign_in(&srv.addr, "zhifa");
    let leader = sign_in(&srv.addr, "lingdao");
    let qiye = sign_in(&srv.addr, "qiye");
    let r = call(
        &srv.addr,
        "PUT",
        "/api/v1/accounts/xinyong/line",
        Some(&tablet),
        "{\"line\": \"credit\"}",
    );
    assert_eq!(r.status, 403);
    // An unlicensed producer found on site: stop, list, publicise, transfer review.
    let created = ev(
        1,
        1,
        "jiancha",
        &format!("{}T09:00:00+08:00", day(0)),
        json!({
        "kind": "created", "enterprise": {"uscc": USCC, "region": "520102"}, "product": "cement",
        "danger": {"text": {"zh": "无证生产", "en": "No licence"}, "severity": "major",
                   "violation": "unlicensed_production", "basis": "工业产品生产许可证管理条例 第 5 条"},
        "actions": ["stop_production_sale", "serious_violation_list", "credit_publicity", "judicial_transfer_review"]}),
    );
    // The inspector's deadline must stay within the policy's bounds (major: 30 days at most).
    let too_late = ev(
        2,
        1,
        "jiancha",
        &format!("{}T09:10:00+08:00", day(0)),
        json!({"kind": "rectification_ordered", "deadline": day(60)}),
    );
    let r = post(&srv.addr, &tablet, &[created, too_late]);
    assert_eq!(statuses(&r), ["stored", "rejected"]);
    assert_eq!(r[1]["code"], "deadline_out_of_bounds");
    let order = ev(
        3,
        1,
        "jiancha",
        &format!("{}T09:10:00+08:00", day(0)),
        json!({"kind": "rectification_ordered", "deadline": day(20), "recheck_by": day(25)}),
    );
    assert_eq!(statuses(&post(&srv.addr, &tablet, &[order])), ["stored"]);
    // Each line sees its own.
    let q = queue(&srv.addr, &credit, "");
    assert_eq!(q["line"], "credit");
    assert_eq!(
        tasks(&q),
        ["act:serious_violation_list", "act:credit_publicity"]
    );
    assert_eq!(
        tasks(&queue(&srv.addr, &law, "")),
        ["act:judicial_transfer_review"]
    );
    assert_eq!(
        tasks(&queue(&srv.addr, &tablet, "")),
        ["act:stop_production_sale"]
    );
    assert!(tasks(&queue(&srv.addr, &leader, "")).is_empty());
    assert_eq!(tasks(&queue(&srv.addr, &tablet, "?line=all")).len(), 4);
    let r = call(&srv.addr, "GET", "/api/v1/queue", Some(&qiye), "");
    assert_eq!(r.status, 403);
    let r = call(&srv.addr, "GET", "/api/v1/queue?line=x", Some(&tablet), "");
    assert_eq!(r.status, 400);
    // The work, each by its line; a measure without its particulars is refused.
    let bare = ev(
        10,
        1,
        "xinyong",
        &format!("{}T09:00:00+08:00", day(1)),
        json!({"kind": "action_taken", "action": "credit_publicity"}),
    );
    let r = post(&srv.addr, &credit, &[bare]);
    assert_eq!(statuses(&r), ["rejected"]);
    assert_eq!(r[0]["error"]["code"], "missing_field");
    let listed = ev(
        11,
        1,
        "xinyong",
        &format!("{}T09:00:00+08:00", day(1)),
        json!({
        "kind": "action_taken", "action": "serious_violation_list",
        "decision_number": "筑市监信〔2026〕第3号", "document_date": day(1)}),
    );
    let declined = ev(
        12,
        1,
        "xinyong",
        &format!("{}T09:05:00+08:00", day(1)),
        json!({
        "kind": "action_declined", "action": "credit_publicity", "reason": "列入名单即公示，不另行公示"}),
    );
    assert_eq!(
        statuses(&post(
            &srv.addr,
            &credit,
            &[listed.clone(), declined.clone()]
        )),
        ["stored", "stored"]
    );
    // Sent again (a retry from the outbox): duplicates, nothing new.
    assert_eq!(
        statuses(&post(&srv.addr, &credit, &[listed, declined])),
        ["duplicate", "duplicate"]
    );
    let case = ev(
        20,
        1,
        "zhifa",
        &format!("{}T09:00:00+08:00", day(2)),
        json!({
        "kind": "case_filed", "case_number": "筑市监立〔2026〕第8号", "filed_on": day(2)}),
    );
    let transfer = ev(
        21,
        1,
        "zhifa",
        &format!("{}T09:00:00+08:00", day(3)),
        json!({
        "kind": "action_taken", "action": "judicial_transfer_review", "case_number": "筑市监立〔2026〕第8号",
        "document_number": "筑市监移〔2026〕第1号", "document_date": day(3),
        "receiver": "贵阳市公安局南明分局", "goods_value": "38000", "sales_amount": "52000"}),
    );
    assert_eq!(
        statuses(&post(&srv.addr, &law, &[case.clone(), transfer])),
        ["stored", "stored"]
    );
    assert_eq!(statuses(&post(&srv.addr, &law, &[case])), ["duplicate"]);
    let stop = ev(
        30,
        1,
        "jiancha",
        &format!("{}T09:20:00+08:00", day(0)),
        json!({
        "kind": "action_taken", "action": "stop_production_sale",
        "document_number": "筑市监责停〔2026〕第2号", "document_date": day(0)}),
    );
    let rectified = ev(
        31,
        1,
        "qiye",
        &format!("{}T09:00:00+08:00", day(4)),
        json!({"kind": "rectified", "measures": "已取得生产许可证", "evidence": [{"sha256": SHA}]}),
    );
    assert_eq!(statuses(&post(&srv.addr, &tablet, &[stop])), ["stored"]);
    assert_eq!(statuses(&post(&srv.addr, &qiye, &[rectified])), ["stored"]);
    let passed = ev(
        32,
        1,
        "jiancha",
        &format!("{}T09:00:00+08:00", day(5)),
        json!({"kind": "rechecked", "round": 1, "passed": true}),
    );
    assert_eq!(statuses(&post(&srv.addr, &tablet, &[passed])), ["stored"]);
    // Nothing is left for any line.
    assert!(tasks(&queue(&srv.addr, &tablet, "?line=all")).is_empty());
    let view = call(&srv.addr, "GET", "/api/v1/ledger", Some(&tablet), "").json();
    let entry = &view["rows"][0]["entry"];
    assert_eq!(entry["status"], "closed");
    assert_eq!(entry["cases"][0]["case_number"], "筑市监立〔2026〕第8号");
    assert_eq!(entry["actions_taken"].as_array().unwrap().len(), 3);
}

#[test]
fn self_found_dangers_are_the_enterprises_own_and_major_ones_reach_the_county() {
    let srv = start(data_dir(), &[]);
    let phone = sign_in(&srv.addr, "qiye");
    let tablet = sign_in(&srv.addr, "jiancha");
    let mut sub = submission("6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a11", 31.0);
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
    // The county sees it at once, to review: no order, no measures queued.
    let q = queue(&srv.addr, &tablet, "?line=all&region=520102");
    assert_eq!(tasks(&q), ["review:"]);
    let entry = q["items"][0]["entry"].as_str().unwrap().to_string();
    // The enterprise may not order itself, nor record a danger that is not self-found.
    let own = |n: usize, kind: Value| {
        let mut e = ev(n, 0, "qiye", "2023-07-21T09:00:00+08:00", kind);
        e["entry"] = json!(entry);
        e
    };
    let r = post(
        &srv.addr,
        &phone,
        &[own(
            1,
            json!({"kind": "rectification_ordered", "deadline": "2023-07-25"}),
        )],
    );
    assert_eq!(r[0]["code"], "role_forbidden");
    let by_hand = ev(
        2,
        5,
        "qiye",
        "2023-07-21T09:00:00+08:00",
        json!({
        "kind": "created", "enterprise": {"uscc": USCC, "region": "520102"}, "product": "electric-bicycle",
        "danger": {"text": {"zh": "标识缺失", "en": "No mark"}, "severity": "general", "basis": "GB 17761-2018 7"}}),
    );
    assert_eq!(
        post(&srv.addr, &phone, std::slice::from_ref(&by_hand))[0]["code"],
        "role_forbidden"
    );
    let mut self_found = by_hand;
    self_found["self_found"] = json!(true);
    assert_eq!(
        statuses(&post(&srv.addr, &phone, &[self_found])),
        ["stored"]
    );
    // The enterprise closes its own with evidence (自查自改).
    let fixed = own(
        3,
        json!({"kind": "rectified", "measures": "已恢复限速器", "evidence": [{"sha256": SHA}]}),
    );
    assert_eq!(statuses(&post(&srv.addr, &phone, &[fixed])), ["stored"]);
    let mine = call(&srv.addr, "GET", "/api/v1/ledger", Some(&phone), "").json();
    let rows = mine["rows"].as_array().unwrap();
    assert!(
        rows.iter().all(|r| r["entry"]["id"] != entry.as_str()),
        "closed: no longer open"
    );
    // The county confirms the major one: it is the bureau's from now on.
    let mut confirm = ev(
        4,
        0,
        "jiancha",
        "2023-07-21T10:00:00+08:00",
        json!({"kind": "confirmed"}),
    );
    confirm["entry"] = json!(entry);
    assert_eq!(statuses(&post(&srv.addr, &tablet, &[confirm])), ["stored"]);
    let left = tasks(&queue(&srv.addr, &tablet, "?line=all&region=520102"));
    assert!(!left.contains(&"review:".to_string()), "{left:?}");
}
