//! Two-way tracing (双向追溯) of a major on-site finding with its due day from the policy, its data
//! (supplier, buyers, quantity, batches), an assist request (协查) to another county's bureau that
//! lands in that county's queue until it records the result, and the spot checks' tracing days.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, FixedOffset};
use paicha::ledger::*;
use paicha::policy::{ActionKind, Severity};
use paicha::{Policy, Text};
use serde_json::{json, Value};

const USCC: &str = "91520102MA6DK4L2XN";
const AT: &str = "2026-03-02T09:00:00+08:00";

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn ev(n: u64, entry: u64, at: &str, kind: Value) -> Event {
    let mut v = json!({"id": uuid(n), "entry": uuid(entry), "author": "wang", "device": "tablet", "at": at});
    for (k, x) in kind.as_object().unwrap() {
        v[k] = x.clone();
    }
    Event::from_value(&v).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The events of a report with one finding of `severity`, opened as the server does.
fn opened(severity: Severity) -> Vec<Event> {
    let report = paicha::Report {
        id: uuid(1),
        valid: true,
        errors: vec![],
        findings: vec![paicha::report::Finding {
            item: "ebike.max_speed_kmh".into(),
            severity,
            violation: None,
            basis: "GB 17761-2024 6.1.1".into(),
            path: String::new(),
            message: Text::new("最高车速超标", "Top speed over the limit"),
            escalate: false,
            rule: 0,
            instance: None,
            department: None,
            applied: None,
        }],
        level: paicha::Level::General,
        actions: vec![],
        template_version: None,
    };
    let maker = Maker {
        author: "wang",
        device: "tablet",
        at: AT,
    };
    let mut n = 0;
    let mut new_id = || {
        n += 1;
        uuid(n)
    };
    let ent = Enterprise {
        uscc: USCC.into(),
        region: "520102".into(),
        name: Some("某某车行".into()),
    };
    open_entries(
        &report,
        &ent,
        "ebike",
        &Policy::default(),
        &maker,
        &mut new_id,
    )
    .unwrap()
}

fn tracing(n: u64, entry: u64, extra: Value) -> Event {
    let mut k = json!({"kind": "action_taken", "action": "two_way_tracing",
        "supplier": "某某电动车有限公司", "supplier_uscc": "91520102MA6DK4L2XN",
        "buyers": "云岩区三家门店", "quantity": "120 辆", "batches": "2026-01, 2026-02"});
    for (key, x) in extra.as_object().unwrap() {
        k[key] = x.clone();
    }
    ev(n, entry, "2026-03-04T10:00:00+08:00", k)
}

fn codes(s: &LedgerState) -> Vec<&'static str> {
    s.errors().map(|e| e.code.as_str()).collect()
}

#[test]
fn a_major_finding_is_traced_both_ways_by_the_policys_day() {
    let p = Policy::default();
    assert!(measures_for(&p, Severity::Major, None, false).contains(&ActionKind::TwoWayTracing));
    assert!(!measures_for(&p, Severity::General, None, false).contains(&ActionKind::TwoWayTracing));
    let evs = opened(Severity::Major);
    let Act::Created(c) = &evs[0].act else {
        panic!()
    };
    // 10 days (policy.json's trace_days, a local choice) from the inspection day.
    assert_eq!(c.trace_by.as_deref(), Some("2026-03-12"));
    assert_eq!(
        trace_by(&p, Severity::Major, &c.actions, t(AT)).as_deref(),
        Some("2026-03-12")
    );
    let s = fold(&evs);
    let entry = evs[0].entry.clone();
    let q = queue(
        &s,
        &Lines::builtin(),
        Some(Line::QualitySupervision),
        t("2026-03-14T09:00:00+08:00"),
    );
    let row = q
        .iter()
        .find(|r| {
            r.task
                == Task::Act {
                    entry: entry.clone(),
                    action: ActionKind::TwoWayTracing,
                }
        })
        .expect("tracing in quality supervision's queue");
    assert_eq!(row.due.as_deref(), Some("2026-03-12"));
    assert_eq!(row.days_late, 2);
    // A general finding is not traced unless someone records it.
    let Act::Created(g) = &opened(Severity::General)[0].act else {
        panic!()
    };
    assert!(g.trace_by.is_none() && !g.actions.contains(&ActionKind::TwoWayTracing));
    // The report lists it with its due day too.
    let f = paicha::report::Finding {
        item: "x".into(),
        severity: Severity::Major,
        violation: None,
        basis: "GB 1".into(),
        path: String::new(),
        message: Text::new("x", "x"),
        escalate: false,
        rule: 0,
        instance: None,
        department: None,
        applied: None,
    };
    let acts = paicha::report::actions(&[&f], t(AT).date_naive().into(), &p);
    let tr = acts
        .iter()
        .find(|a| a.kind == ActionKind::TwoWayTracing)
        .unwrap();
    assert_eq!(tr.due.as_deref(), Some("2026-03-12"));
}

#[test]
fn tracing_needs_its_data_and_checks_codes() {
    let evs = opened(Severity::Major);
    let e = 1; // the entry's uuid(1)
    assert_eq!(evs[0].entry, uuid(e));
    let bad = |extra: Value| {
        let mut all = evs.clone();
        all.push(tracing(900, e, extra));
        codes(&fold(&all))
    };
    assert_eq!(bad(json!({"buyers": null})), vec!["missing_field"]);
    assert_eq!(bad(json!({"batches": " "})), vec!["missing_field"]);
    assert_eq!(
        bad(json!({"supplier_uscc": "91520102MA6DK4L2XM"})),
        vec!["invalid_enterprise"]
    );
    // The entry's own county, a city, a province, a code not in the list, not a code.
    for r in ["520102", "520100", "520000", "520199", "52010"] {
        assert_eq!(
            bad(json!({"assist_region": r})),
            vec!["invalid_assist_region"],
            "{r}"
        );
    }
    // Only a tracing asks for assistance.
    let mut all = evs.clone();
    all.push(ev(
        901,
        e,
        "2026-03-04T10:00:00+08:00",
        json!({"kind": "action_taken", "action": "stop_production_sale", "document_number": "N1",
               "document_date": "2026-03-02", "assist_region": "520103"}),
    ));
    assert_eq!(codes(&fold(&all)), vec!["invalid_assist_region"]);
    // Without the USCC and the assist request, fine; the task is done.
    assert!(bad(json!({"supplier_uscc": null})).is_empty());
    let mut all = evs.clone();
    all.push(tracing(902, e, json!({})));
    let s = fold(&all);
    assert!(!follow_up(&s, t("2026-03-20T09:00:00+08:00"))
        .iter()
        .any(|t| matches!(
            t,
            Task::Act {
                action: ActionKind::TwoWayTracing,
                ..
            }
        )));
    assert!(required_fields(ActionKind::TwoWayTracing).contains(&"batches"));
    assert_eq!(
        optional_fields(ActionKind::TwoWayTracing),
        &["supplier_uscc", "assist_region"]
    );
}

#[test]
fn an_assist_request_is_the_other_countys_until_it_records_the_result() {
    let mut evs = opened(Severity::Major);
    let e = 1;
    evs.push(tracing(
        900,
        e,
        json!({"assist_region": "520103", "note": "请协查下游门店库存"}),
    ));
    let now = t("2026-03-05T09:00:00+08:00");
    let s = fold(&evs);
    assert!(codes(&s).is_empty(), "{:?}", codes(&s));
    let assist = Task::Assist {
        entry: uuid(e),
        assist_region: "520103".into(),
        tracing: uuid(900),
    };
    assert!(follow_up(&s, now).contains(&assist));
    let q = queue(&s, &Lines::builtin(), Some(Line::QualitySupervision), now);
    let row = q.iter().find(|r| r.task == assist).unwrap();
    // The row carries the entry's danger, product, enterprise and what was asked.
    assert_eq!(row.danger, "最高车速超标");
    assert_eq!(row.product, "ebike");
    assert_eq!(row.uscc, USCC);
    let asked = row.asked.as_ref().unwrap();
    assert_eq!(asked.buyers.as_deref(), Some("云岩区三家门店"));
    assert_eq!(asked.batches.as_deref(), Some("2026-01, 2026-02"));
    let v = serde_json::to_value(row).unwrap();
    assert_eq!(v["task"], "assist");
    assert_eq!(v["region"], "520102");
    assert_eq!(v["assist_region"], "520103");
    assert_eq!(v["asked"]["quantity"], "120 辆");
    // The asked county's queue has the assist task and nothing else of the entry; the entry's
    // own county does not have the assist task; a third county sees nothing.
    let qs = |r: &str| queue_in(&s, &Lines::builtin(), None, r, now);
    assert_eq!(
        qs("520103").into_iter().map(|q| q.task).collect::<Vec<_>>(),
        vec![assist.clone()]
    );
    assert!(qs("520102").iter().all(|q| q.task != assist) && !qs("520102").is_empty());
    assert!(qs("520111").is_empty());
    assert_eq!(
        qs("520100").len(),
        qs("520102").len() + 1,
        "the city sees both"
    );
    // A result from a region not asked, and one without a result, are refused.
    let result = |n: u64, region: &str, result: Option<&str>| {
        let mut k = json!({"kind": "action_taken", "action": "assist", "assist_region": region});
        if let Some(r) = result {
            k["result"] = json!(r);
        }
        ev(n, e, "2026-03-06T15:00:00+08:00", k)
    };
    let mut wrong = evs.clone();
    wrong.push(result(910, "520111", Some("已查")));
    wrong.push(result(911, "520103", None));
    assert_eq!(
        codes(&fold(&wrong)),
        vec!["missing_field", "invalid_assist_region"]
    );
    evs.push(result(912, "520103", Some("三家门店库存 40 辆已封存")));
    let s = fold(&evs);
    assert!(codes(&s).is_empty());
    assert!(!follow_up(&s, now)
        .iter()
        .any(|t| matches!(t, Task::Assist { .. })));
    let en = s.entry(&uuid(e)).unwrap();
    assert_eq!(
        en.assist_result("520103").unwrap().taken.result.as_deref(),
        Some("三家门店库存 40 辆已封存")
    );
}

#[test]
fn spot_checks_trace_by_the_policys_days() {
    let s = SpotCheck {
        id: uuid(77),
        enterprise: Enterprise {
            uscc: USCC.into(),
            region: "520102".into(),
            name: None,
        },
        product: "cement".into(),
        batch: "B1".into(),
        level: None,
        date: "2026-01-05".into(),
        result: SpotResult::Unqualified,
        failed_items: vec![],
        ordered_on: Some("2026-01-10".into()),
        recheck: None,
        announced_on: None,
        second_recheck: None,
    };
    let due = |tasks: Vec<paicha::ledger::SpotTask>| {
        tasks
            .into_iter()
            .filter(|t| {
                matches!(
                    t.kind,
                    paicha::ledger::spot::SpotTaskKind::TraceUpstream
                        | paicha::ledger::spot::SpotTaskKind::TraceDownstream
                )
            })
            .map(|t| t.due.unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(Policy::default().spot_trace_days, 30);
    assert_eq!(due(spot_tasks(&s).unwrap()), ["2026-02-09", "2026-02-09"]);
    assert_eq!(
        due(spot_tasks_with(&s, 15).unwrap()),
        ["2026-01-25", "2026-01-25"]
    );
}
