//! The ledger view, its CSV and the line queue answered from the kept entries (`ledger_entries`)
//! are the answers of the core's fold over the same events, as the server gave them when it
//! folded every event of the region per request: on a randomised event set (several regions and
//! enterprises, every kind of act, acts refused by the fold, conflicts, assist requests), from
//! several accounts and regions, paged; again after the table is dropped and the database set
//! back to the version before it (the migration fills it from the events); and with two nodes
//! on one PostgreSQL writing events of the same entries at once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use paicha::ledger::{self, Event, Lines};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

const USCC: &str = "91520102MA6DK4L2XN";
const OTHER: &str = "91350100M000100Y43";
const COUNTIES: [&str; 3] = ["520102", "520103", "520111"];

/// A small deterministic generator (xorshift), so a failure can be replayed by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn day(&mut self, from: u32, span: u32) -> String {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
            + chrono::Duration::days(i64::from(from + (self.next() % u64::from(span)) as u32));
        d.format("%Y-%m-%d").to_string()
    }
    fn at(&mut self) -> String {
        let h = self.below(24);
        let zone = if self.below(4) == 0 { "Z" } else { "+08:00" };
        format!("{}T{h:02}:{:02}:00{zone}", self.day(0, 60), self.below(60))
    }
}

fn entry_id(e: usize) -> String {
    format!("0b9e8d7c-6a5f-4e3d-8c2b-{e:012}")
}

fn event(id: usize, entry: usize, at: &str, act: Value) -> Value {
    let mut v = json!({"id": format!("5a0c7f4e-2b1d-4e8a-9c3f-{id:012}"), "entry": entry_id(entry),
                       "author": "dudao", "device": "tablet", "at": at});
    for (k, x) in act.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

/// Entries `first..first + n`, each created and then given random acts: (the created events,
/// the acts).
fn random_events(rng: &mut Rng, first: usize, n: usize) -> (Vec<Value>, Vec<Value>) {
    let mut created = Vec::new();
    let mut acts = Vec::new();
    let mut id = first * 100;
    for e in first..first + n {
        let region = COUNTIES[rng.below(3)];
        let uscc = if region == "520102" && rng.below(2) == 0 {
            USCC
        } else {
            OTHER
        };
        let severity = ["major", "general"][rng.below(2)];
        let found = rng.day(0, 20);
        id += 1;
        created.push(event(
            id,
            e,
            &format!("{found}T09:00:00+08:00"),
            json!({
            "kind": "created",
            "enterprise": {"uscc": uscc, "region": region, "name": "贵阳示例车行"},
            "product": "electric-bicycle",
            "danger": {"text": {"zh": format!("隐患 {e}"), "en": format!("Danger {e}")},
                       "severity": severity, "basis": "GB 17761-2018 6.1.1"},
            "actions": ["stop_production_sale", "two_way_tracing"], "trace_by": rng.day(20, 30)}),
        ));
        let mut ids = Vec::new();
        for _ in 0..rng.below(8) {
            id += 1;
            let deadline = rng.day(25, 70);
            let act = match rng.below(11) {
                0 | 1 => json!({"kind": "rectification_ordered", "deadline": deadline}),
                2 | 3 => json!({"kind": "rectified", "measures": "已整改"}),
                4 | 5 => {
                    let passed = rng.below(2) == 0;
                    let mut r =
                        json!({"kind": "rechecked", "round": 1 + rng.below(2), "passed": passed});
                    if !passed {
                        r["deadline"] = json!(deadline);
                    }
                    r
                }
                6 => json!({"kind": "refused"}),
                7 => json!({"kind": "escalated", "reason": "overdue"}),
                8 => json!({"kind": "closed", "reason": "withdrawn"}),
                9 => json!({"kind": "action_taken", "action": "two_way_tracing",
                            "supplier": "某某电动车有限公司", "buyers": "三家门店", "quantity": "12 辆",
                            "batches": "2026-10", "assist_region": COUNTIES[rng.below(3)]}),
                _ => match ids.get(rng.below(ids.len().max(1))) {
                    Some(chosen) => json!({"kind": "resolved", "chosen": chosen}),
                    None => json!({"kind": "confirmed"}),
                },
            };
            let ev = event(id, e, &rng.at(), act);
            ids.push(ev["id"].clone());
            acts.push(ev);
        }
    }
    (created, acts)
}

fn post(addr: &str, token: &str, events: &[Value]) {
    for chunk in events.chunks(7) {
        let r = call(
            addr,
            "POST",
            "/api/v1/events",
            Some(token),
            &json!(chunk).to_string(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
    }
}

fn shuffle(rng: &mut Rng, v: &mut [Value]) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i + 1));
    }
}

/// Every event the account may see.
fn pull(addr: &str, token: &str) -> Vec<Event> {
    let mut out = Vec::new();
    let mut after = "0".to_string();
    loop {
        let path = format!("/api/v1/events?after={after}&limit=1000");
        let r = call(addr, "GET", &path, Some(token), "").json();
        out.extend(
            r["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| Event::from_value(v).unwrap()),
        );
        after = r["cursor"].as_str().unwrap().to_string();
        if r["next"].is_null() {
            return out;
        }
    }
}

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Utc::now().fixed_offset()
}

/// The server's answers for `token` (`region` for a supervisor, none for an enterprise) are the
/// core's over the events it folded before: the region's (or the enterprise's) own.
fn check_view(addr: &str, token: &str, region: Option<&str>) {
    let all = pull(addr, token);
    let state = ledger::fold(&all);
    // The entries of the region, and only their events, as the fold of a region read them.
    let events: Vec<Event> = match region {
        Some(r) => {
            let inside: BTreeSet<&str> = state
                .entries
                .iter()
                .filter(|e| ledger::in_region(&e.created.enterprise.region, r))
                .map(|e| e.id.as_str())
                .collect();
            all.iter()
                .filter(|e| inside.contains(e.entry.as_str()))
                .cloned()
                .collect()
        }
        None => all.clone(),
    };
    let folded = ledger::fold(&events);
    let q = region.map(|r| format!("region={r}&")).unwrap_or_default();
    let got = call(
        addr,
        "GET",
        &format!("/api/v1/ledger?{q}limit=1000"),
        Some(token),
        "",
    )
    .json();
    let at = now();
    let who = match region {
        Some(r) => ledger::Viewer::Region(r),
        None => ledger::Viewer::Enterprise(USCC),
    };
    let view = ledger::view(&folded, who, at);
    let mut want = serde_json::to_value(&view).unwrap();
    want["total"] = json!(view.rows.len());
    want["next"] = Value::Null;
    assert_eq!(got, want, "{region:?}");
    assert!(!view.rows.is_empty(), "{region:?}: a view with rows");
    // A page from the middle is those rows.
    let page = call(
        addr,
        "GET",
        &format!("/api/v1/ledger?{q}limit=5&offset=3"),
        Some(token),
        "",
    )
    .json();
    let rows = want["rows"].as_array().unwrap();
    let middle: Vec<Value> = rows.iter().skip(3).take(5).cloned().collect();
    assert_eq!(page["rows"], json!(middle));
    assert_eq!(page["total"], want["total"]);
    // The CSV: every row.
    let csv = call(
        addr,
        "GET",
        &format!("/api/v1/ledger?{q}format=csv"),
        Some(token),
        "",
    );
    assert_eq!(csv.text(), ledger::to_csv(&view.rows));
    // The line queue of the region (every line, and one), from the whole fold: it keeps the
    // region's own tasks and the assist requests other regions made to it.
    if let Some(r) = region {
        for line in ["all", "law_enforcement"] {
            let got = call(
                addr,
                "GET",
                &format!("/api/v1/queue?line={line}&region={r}"),
                Some(token),
                "",
            )
            .json();
            let l = ledger::Line::parse(line);
            let want = ledger::queue_in(&state, &Lines::builtin(), l, r, now());
            assert_eq!(
                got["items"],
                serde_json::to_value(&want).unwrap(),
                "{r} {line}"
            );
        }
    }
}

fn check_all(addr: &str) -> (Value, Value) {
    let dudao = sign_in(addr, "dudao");
    for r in ["520000", "520102", "520103"] {
        check_view(addr, &dudao, Some(r));
    }
    check_view(addr, &sign_in(addr, "qiye"), None);
    let view = call(
        addr,
        "GET",
        "/api/v1/ledger?region=520000&limit=1000",
        Some(&dudao),
        "",
    )
    .json();
    let queue = call(
        addr,
        "GET",
        "/api/v1/queue?line=all&region=520103",
        Some(&dudao),
        "",
    )
    .json();
    (view, queue)
}

#[test]
fn the_kept_entries_answer_as_the_fold_of_every_event_and_after_the_migration() {
    let dir = data_dir();
    let srv = start(dir.clone(), &[]);
    let dudao = sign_in(&srv.addr, "dudao");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (created, mut acts) = random_events(&mut rng, 1, 40);
    post(&srv.addr, &dudao, &created);
    shuffle(&mut rng, &mut acts);
    post(&srv.addr, &dudao, &acts);
    let state = ledger::fold(&pull(&srv.addr, &dudao));
    // The set exercises what the rows keep: refused acts, conflicts, overdue and closed entries.
    assert!(state.errors().count() > 5, "acts the fold refuses");
    assert!(
        state.entries.iter().any(|e| e.conflict.is_some()),
        "a conflict"
    );
    assert!(state
        .entries
        .iter()
        .any(|e| e.status == ledger::Status::Closed));
    let before = check_all(&srv.addr);
    drop(srv);
    // The database as the version before left it: no kept entries.
    let mut db = db::Db::open(&dir);
    let older: &[&str] = if pg::enabled() {
        &[
            "DROP TABLE ledger_entries",
            "UPDATE paicha_schema SET version = 6",
        ]
    } else {
        &["DROP TABLE ledger_entries", "PRAGMA user_version = 6"]
    };
    for sql in older {
        db.execute(sql).unwrap();
    }
    drop(db);
    let srv = start(dir.clone(), &[]);
    let mut db = db::Db::open(&dir);
    assert_eq!(
        db.int("SELECT count(*) FROM ledger_entries"),
        i64::try_from(state.entries.len()).unwrap()
    );
    drop(db);
    assert_eq!(check_all(&srv.addr), before);
}

#[test]
fn two_nodes_writing_events_of_the_same_entries_at_once_keep_each_entry_whole() {
    // Always PostgreSQL (several nodes, one database), as `nodes.rs`.
    let db = pg::fresh_database();
    let a = start_on(&db, &[]);
    let b = start_on(&db, &[]);
    let ta = sign_in(&a.addr, "dudao");
    let tb = sign_in(&b.addr, "dudao");
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (created, acts) = random_events(&mut rng, 500, 12);
    post(&a.addr, &ta, &created);
    // Each entry's acts split between the nodes, sent at the same time, one event per request.
    let left: Vec<&Value> = acts.iter().step_by(2).collect();
    let right: Vec<&Value> = acts.iter().skip(1).step_by(2).collect();
    // The random acts include some the server refuses outright (a deadline out of bounds): each
    // answer is either stored or such a refusal, and the pulled events are exactly the stored ones.
    let stored = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for (addr, token, part) in [(&a.addr, &ta, left), (&b.addr, &tb, right)] {
            let stored = &stored;
            s.spawn(move || {
                for e in part {
                    loop {
                        let r = call(
                            addr,
                            "POST",
                            "/api/v1/events",
                            Some(token),
                            &json!([e]).to_string(),
                        );
                        // A transaction the database aborted (a deadlock between the nodes) is
                        // answered 503 and sent again, as a device does.
                        if r.status == 503 {
                            continue;
                        }
                        assert_eq!(r.status, 200, "{}", r.text());
                        let answer = &r.json()["results"][0];
                        if answer["status"] == "stored" {
                            stored.fetch_add(1, Ordering::Relaxed);
                        } else {
                            assert_eq!(answer["http_status"], 400, "{answer}");
                        }
                        break;
                    }
                }
            });
        }
    });
    let stored = stored.into_inner();
    assert!(
        stored > acts.len() / 2,
        "{stored} of {} acts stored",
        acts.len()
    );
    let events = pull(&a.addr, &ta);
    assert_eq!(events.len(), created.len() + stored);
    for node in [&a.addr, &b.addr] {
        let token = sign_in(node, "dudao");
        let got = call(
            node,
            "GET",
            "/api/v1/ledger?region=520000&limit=1000",
            Some(&token),
            "",
        )
        .json();
        let state = ledger::fold(&events);
        let view = ledger::view(&state, ledger::Viewer::Region("520000"), now());
        assert_eq!(got["rows"], serde_json::to_value(&view.rows).unwrap());
        assert_eq!(got["rejected"], json!(view.rejected));
    }
}
