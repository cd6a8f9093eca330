//! The ledger's follow-up to the end: self-found entries (自查自改), measures completed with what
//! each act needs or declined with a reason, case records, deadlines within the policy's bounds,
//! work lines and their queues, and the rule that SAMR Order 18's 60/75 days are for spot checks
//! only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, FixedOffset};
use paicha::ledger::*;
use paicha::policy::{ActionKind, Severity, Violation};
use paicha::{Policy, Text};
use proptest::prelude::*;
use serde_json::{json, Value};

mod common;

const USCC: &str = "91520102MA6DK4L2XN";
const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// Event `n` of entry `entry` made at `at`, with the kind's fields.
fn ev(n: u64, entry: u64, at: &str, kind: Value) -> Event {
    let mut v = json!({"id": uuid(n), "entry": uuid(entry), "author": "wang", "device": "tablet", "at": at});
    for (k, x) in kind.as_object().unwrap() {
        v[k] = x.clone();
    }
    Event::from_value(&v).unwrap_or_else(|e| panic!("{e:?}"))
}

fn created(entry: u64, severity: &str, violation: Option<&str>, self_found: bool) -> Event {
    let actions: Vec<ActionKind> = measures_for(
        &Policy::default(),
        if severity == "major" {
            Severity::Major
        } else {
            Severity::General
        },
        violation.map(|v| serde_json::from_value::<Violation>(json!(v)).unwrap()),
        false,
    );
    let mut danger = json!({"text": {"zh": "无证生产", "en": "No licence"}, "severity": severity,
                            "basis": "工业产品生产许可证管理条例 第 5 条"});
    if let Some(v) = violation {
        danger["violation"] = json!(v);
    }
    let mut k = json!({"kind": "created", "enterprise": {"uscc": USCC, "region": "520102"},
                       "product": "cement", "danger": danger, "actions": actions});
    if self_found {
        k["self_found"] = json!(true);
    }
    ev(entry * 100, entry, "2026-03-02T09:00:00+08:00", k)
}

fn codes(s: &LedgerState) -> Vec<&'static str> {
    s.errors().map(|e| e.code.as_str()).collect()
}

fn tasks_of(s: &LedgerState, now: &str) -> Vec<Task> {
    follow_up(s, t(now))
}

#[test]
fn a_self_found_danger_is_the_enterprises_to_remove_and_close_with_evidence() {
    let mut evs = vec![created(1, "general", Some("substandard"), true)];
    let s = fold(&evs);
    // Nothing for the bureau: no order, no measures, not even credit publicity.
    assert!(tasks_of(&s, "2026-04-01T09:00:00+08:00").is_empty());
    // An inspector cannot order it before taking it over.
    evs.push(ev(
        101,
        1,
        "2026-03-02T10:00:00+08:00",
        json!({"kind": "rectification_ordered", "deadline": "2026-03-09"}),
    ));
    // Without evidence the enterprise cannot close it.
    evs.push(ev(
        102,
        1,
        "2026-03-03T10:00:00+08:00",
        json!({"kind": "rectified", "measures": "已更换"}),
    ));
    let s = fold(&evs);
    assert_eq!(codes(&s), vec!["invalid_transition", "evidence_required"]);
    assert_eq!(s.entry(&uuid(1)).unwrap().status, Status::Found);
    evs.push(ev(
        103,
        1,
        "2026-03-03T11:00:00+08:00",
        json!({"kind": "rectified", "measures": "已更换", "evidence": [{"sha256": SHA}]}),
    ));
    let s = fold(&evs);
    let e = s.entry(&uuid(1)).unwrap();
    assert_eq!(e.status, Status::Closed);
    assert!(e.closed.as_ref().unwrap().reason.is_none());
    assert!(tasks_of(&s, "2026-04-01T09:00:00+08:00").is_empty());
}

#[test]
fn a_major_self_found_danger_goes_to_the_county_and_measures_wait_for_confirmation() {
    let mut evs = vec![created(2, "major", Some("unlicensed_production"), true)];
    let s = fold(&evs);
    let now = "2026-03-02T12:00:00+08:00";
    assert_eq!(
        tasks_of(&s, now),
        vec![Task::Review { entry: uuid(2) }],
        "reported to the county at once, no listing or transfer queued"
    );
    evs.push(ev(
        201,
        2,
        "2026-03-02T11:00:00+08:00",
        json!({"kind": "confirmed", "note": "现场核实属实"}),
    ));
    let s = fold(&evs);
    let tasks = tasks_of(&s, now);
    assert!(tasks.contains(&Task::Order { entry: uuid(2) }));
    for a in [
        ActionKind::SeriousViolationList,
        ActionKind::JudicialTransferReview,
        ActionKind::StopProductionSale,
    ] {
        assert!(tasks.contains(&Task::Act {
            entry: uuid(2),
            action: a
        }));
    }
    // Confirming twice, or an entry that was not self-found, is not allowed.
    evs.push(ev(
        202,
        2,
        "2026-03-02T11:30:00+08:00",
        json!({"kind": "confirmed"}),
    ));
    evs.push(created(3, "general", None, false));
    evs.push(ev(
        301,
        3,
        "2026-03-02T11:30:00+08:00",
        json!({"kind": "confirmed"}),
    ));
    assert_eq!(
        codes(&fold(&evs)),
        vec!["invalid_transition", "invalid_transition"]
    );
}

#[test]
fn entries_from_a_self_inspection_are_self_found_and_never_ordered() {
    let report = paicha::check(
        paicha::Catalogue::builtin(),
        &json!({
            "id": uuid(9), "product": "electric-bicycle", "form": "self_inspection", "link": "sales",
            "enterprise": {"uscc": USCC, "region": "520102"},
            "inspected_at": "2026-03-02T10:00:00+08:00",
            "answers": {"ebike.max_speed_kmh": 31}
        }),
        Some(t("2026-03-03T10:00:00+08:00")),
    );
    assert!(!report.findings.is_empty());
    let maker = Maker {
        author: "qiye",
        device: "phone",
        at: "2026-03-02T10:00:00+08:00",
    };
    let mut n = 1000;
    let mut new_id = || {
        n += 1;
        uuid(n)
    };
    let enterprise = Enterprise {
        uscc: USCC.into(),
        region: "520102".into(),
        name: None,
    };
    let evs = open_self_found(
        &report,
        &enterprise,
        "electric-bicycle",
        &Policy::default(),
        &maker,
        &mut new_id,
    )
    .unwrap();
    assert_eq!(evs.len(), report.findings.len());
    assert!(evs
        .iter()
        .all(|e| matches!(&e.act, Act::Created(c) if c.self_found)));
}

#[test]
fn a_measure_is_done_with_what_its_act_needs() {
    let base = vec![created(4, "major", Some("counterfeit"), false)];
    let with = |kind: Value| {
        let mut evs = base.clone();
        evs.push(ev(401, 4, "2026-03-05T09:00:00+08:00", kind));
        codes(&fold(&evs))
    };
    let ok: Vec<&str> = vec![];
    assert_eq!(
        with(json!({"kind": "action_taken", "action": "report_to_government"})),
        vec!["missing_field"]
    );
    assert_eq!(
        with(
            json!({"kind": "action_taken", "action": "report_to_government",
                    "to": "南明区人民政府", "document_date": "2026-03-05"})
        ),
        ok
    );
    assert_eq!(
        with(
            json!({"kind": "action_taken", "action": "serious_violation_list",
                    "document_date": "2026-03-05"})
        ),
        vec!["missing_field"]
    );
    assert_eq!(
        with(json!({"kind": "action_taken", "action": "credit_publicity",
                    "decision_number": "筑市监信〔2026〕第3号", "document_date": "2026-03-05"})),
        ok
    );
    let transfer = json!({"kind": "action_taken", "action": "judicial_transfer_review",
        "document_number": "筑市监移〔2026〕第1号", "document_date": "2026-03-05",
        "receiver": "贵阳市公安局南明分局", "goods_value": "38000", "sales_amount": "52000.50"});
    assert_eq!(with(transfer.clone()), ok);
    let mut bad = transfer.clone();
    bad["sales_amount"] = json!("五万");
    assert_eq!(with(bad), vec!["invalid_amount"]);
    assert!(reaches_criminal_threshold("52000.50"));
    assert!(!reaches_criminal_threshold("49999.99"));
    assert_eq!(
        with(
            json!({"kind": "action_taken", "action": "revoke_certificate",
                    "document_number": "X1", "document_date": "2026-03-05"})
        ),
        vec!["missing_field"]
    );
    assert_eq!(
        with(
            json!({"kind": "action_taken", "action": "stop_production_sale",
                    "document_number": "X1", "document_date": "2026-02-30"})
        ),
        vec!["invalid_date"]
    );
    assert_eq!(
        with(json!({"kind": "action_declined", "action": "credit_publicity", "reason": " "})),
        vec!["blank"]
    );
    // A case number must be of a case filed on the entry.
    let mut cited = transfer;
    cited["case_number"] = json!("筑市监立〔2026〕第8号");
    assert_eq!(with(cited.clone()), vec!["unknown_case"]);
    let mut evs = base.clone();
    evs.push(ev(
        402,
        4,
        "2026-03-04T09:00:00+08:00",
        json!({"kind": "case_filed", "case_number": "筑市监立〔2026〕第8号", "filed_on": "2026-03-04"}),
    ));
    evs.push(ev(403, 4, "2026-03-05T09:00:00+08:00", cited));
    evs.push(ev(
        404,
        4,
        "2026-04-20T09:00:00+08:00",
        json!({"kind": "case_filed", "case_number": "筑市监立〔2026〕第8号", "filed_on": "2026-03-04",
               "penalty_decision": "筑市监罚〔2026〕第21号", "fine": "114000"}),
    ));
    let s = fold(&evs);
    assert!(codes(&s).is_empty(), "{:?}", codes(&s));
    let e = s.entry(&uuid(4)).unwrap();
    assert_eq!(e.cases.len(), 1);
    assert_eq!(e.cases[0].fine.as_deref(), Some("114000"));
    assert_eq!(
        e.actions_taken[0].taken.receiver.as_deref(),
        Some("贵阳市公安局南明分局")
    );
    let mut bad_fine = base;
    bad_fine.push(ev(
        405,
        4,
        "2026-03-04T09:00:00+08:00",
        json!({"kind": "case_filed", "case_number": "A", "filed_on": "2026-03-04", "fine": "-5"}),
    ));
    assert_eq!(codes(&fold(&bad_fine)), vec!["invalid_amount"]);
}

/// Every measure an entry can call for, done or declined, and the loop closed: nothing is left.
#[test]
fn the_to_do_list_empties_when_the_work_is_done() {
    let mut evs = vec![created(5, "major", Some("forged_certificate"), false)];
    let now = "2026-03-20T09:00:00+08:00";
    let tasks = tasks_of(&fold(&evs), now);
    assert!(tasks.len() >= 5, "{tasks:?}");
    let p = |a: ActionKind| serde_json::to_value(a).unwrap();
    let mut n = 500;
    let mut next = || {
        n += 1;
        n
    };
    let at = "2026-03-03T09:00:00+08:00";
    evs.push(ev(
        next(),
        5,
        at,
        json!({"kind": "rectification_ordered", "deadline": "2026-03-08", "recheck_by": "2026-03-13"}),
    ));
    for t in tasks_of(&fold(&evs), now) {
        let Task::Act { action, .. } = t else {
            continue;
        };
        let kind = if action == ActionKind::CreditPublicity {
            json!({"kind": "action_declined", "action": p(action), "reason": "已纳入严重违法失信名单并公示"})
        } else {
            json!({"kind": "action_taken", "action": p(action), "document_number": "N1",
                   "document_date": "2026-03-03", "to": "区政府", "decision_number": "D1",
                   "receiver": "公安分局", "goods_value": "1000", "sales_amount": "2000",
                   "certificate": "CCC 2021", "supplier": "某某零部件厂", "buyers": "三家门店",
                   "quantity": "120 辆", "batches": "2026-02"})
        };
        evs.push(ev(next(), 5, at, kind));
    }
    evs.push(ev(
        next(),
        5,
        "2026-03-07T09:00:00+08:00",
        json!({"kind": "rectified", "measures": "停产整改完毕"}),
    ));
    evs.push(ev(
        next(),
        5,
        "2026-03-10T09:00:00+08:00",
        json!({"kind": "rechecked", "round": 1, "passed": true}),
    ));
    let s = fold(&evs);
    assert!(codes(&s).is_empty(), "{:?}", codes(&s));
    assert_eq!(tasks_of(&s, now), vec![]);
    assert!(queue(&s, &Lines::builtin(), None, t(now)).is_empty());
}

#[test]
fn deadlines_are_chosen_within_the_policys_bounds() {
    let p = Policy::default();
    let at = t("2026-03-02T09:00:00+08:00");
    let (from, max_rectify, max_recheck) = deadline_bounds(&p, Severity::Major, at);
    assert_eq!(
        (from.as_str(), max_rectify.as_str(), max_recheck.as_str()),
        ("2026-03-02", "2026-04-01", "2026-04-16")
    );
    let order = |deadline: &str, recheck: &str| {
        ev(
            601,
            6,
            "2026-03-02T09:00:00+08:00",
            json!({"kind": "rectification_ordered", "deadline": deadline, "recheck_by": recheck}),
        )
    };
    assert!(check_deadlines(&p, Severity::Major, &order("2026-04-01", "2026-04-16")).is_ok());
    let e = check_deadlines(&p, Severity::Major, &order("2026-04-02", "2026-04-16")).unwrap_err();
    assert_eq!(e.code.as_str(), "deadline_out_of_bounds");
    assert!(check_deadlines(&p, Severity::General, &order("2026-03-09", "2026-04-17")).is_err());
    let failed = ev(
        602,
        6,
        "2026-03-02T09:00:00+08:00",
        json!({"kind": "rechecked", "round": 1, "passed": false, "deadline": "2026-05-01"}),
    );
    assert!(check_deadlines(&p, Severity::General, &failed).is_err());
}

#[test]
fn each_line_sees_its_own_queue_overdue_first() {
    let mut evs = vec![
        created(7, "major", Some("unlicensed_production"), false),
        created(8, "general", Some("uncertified_product"), false),
    ];
    evs.push(ev(
        701,
        7,
        "2026-03-02T09:30:00+08:00",
        json!({"kind": "rectification_ordered", "deadline": "2026-03-07"}),
    ));
    evs.push(ev(
        702,
        7,
        "2026-03-02T09:40:00+08:00",
        json!({"kind": "refused"}),
    ));
    let s = fold(&evs);
    let lines = Lines::builtin();
    let now = t("2026-03-10T09:00:00+08:00");
    let q = |l| queue(&s, &lines, Some(l), now);
    let credit = q(Line::Credit);
    assert!(credit.iter().all(|x| matches!(
        x.task,
        Task::Act {
            action: ActionKind::SeriousViolationList | ActionKind::CreditPublicity,
            ..
        }
    )));
    assert_eq!(credit.len(), 3, "{credit:?}");
    let law = q(Line::LawEnforcement);
    assert_eq!(law.len(), 1);
    assert_eq!(law[0].uscc, USCC);
    let leaders = q(Line::Leadership);
    assert_eq!(
        leaders.iter().map(|x| &x.task).collect::<Vec<_>>(),
        vec![&Task::Act {
            entry: uuid(7),
            action: ActionKind::ReportToGovernment
        }]
    );
    // Quality supervision: the stop orders (due the day found, so 8 days late) before the
    // undated tasks; the escalation of the refusal is due by the order's deadline.
    let quality = q(Line::QualitySupervision);
    assert!(quality.len() >= 3, "{quality:?}");
    assert!(quality.windows(2).all(|w| w[0].days_late >= w[1].days_late));
    assert_eq!(quality[0].days_late, 8);
    assert!(q(Line::Standards).is_empty());
    // The table is data: another bureau gives credit publicity to its enforcement line.
    let mut custom: Value = serde_json::from_str(include_str!("../policy.json")).unwrap();
    custom["lines"]["credit_publicity"] = json!("law_enforcement");
    let custom_lines = Lines::from_policy_json(&custom.to_string()).unwrap();
    assert_eq!(
        queue(&s, &custom_lines, Some(Line::Credit), now).len(),
        1,
        "only the serious-violation list left"
    );
    custom["lines"]["credit_publicity"] = json!("finance");
    assert!(Lines::from_policy_json(&custom.to_string()).is_err());
    // The checker reads the same policy file with the lines in it.
    assert!(Policy::from_json(include_str!("../policy.json")).is_ok());
}

fn severity() -> impl Strategy<Value = Severity> {
    prop_oneof![Just(Severity::General), Just(Severity::Major)]
}

fn violation() -> impl Strategy<Value = Option<Violation>> {
    prop::option::of(prop::sample::select(vec![
        Violation::UnlicensedProduction,
        Violation::OutOfScopeProduction,
        Violation::UncertifiedProduct,
        Violation::ForgedCertificate,
        Violation::Counterfeit,
        Violation::Adulteration,
        Violation::Substandard,
        Violation::UninspectedRelease,
        Violation::IllegalModification,
    ]))
}

proptest! {
    #![proptest_config(common::cases(64))]
    /// Order 18's 60/75 days are for spot-check failures: an on-site finding of any severity and
    /// violation gets the bureau's deadline, a major one no later than a general one would.
    #[test]
    fn order_18_days_apply_to_spot_checks_only(
        findings in prop::collection::vec((severity(), violation(), any::<bool>()), 1..6),
        day in 0i64..2000,
    ) {
        let p = Policy::default();
        let at = t("2023-01-01T09:00:00+08:00") + chrono::Duration::days(day);
        let report = paicha::Report {
            id: uuid(1),
            valid: true,
            errors: vec![],
            findings: findings.iter().enumerate().map(|(i, (s, v, esc))| paicha::report::Finding {
                item: format!("item.{i}"),
                severity: *s,
                violation: *v,
                basis: "GB 1".into(),
                path: String::new(),
                message: Text::new("x", "x"),
                escalate: *esc,
                rule: 0,
                instance: None,
                department: None,
                applied: None,
            }).collect(),
            level: paicha::Level::General,
            actions: vec![],
            template_version: None,
        };
        let at_text = at.to_rfc3339();
        let maker = Maker { author: "a", device: "d", at: &at_text };
        let mut n = 0;
        let mut new_id = || { n += 1; uuid(n) };
        let evs = open_entries(&report, &Enterprise { uscc: USCC.into(), region: "520102".into(), name: None },
            "cement", &p, &maker, &mut new_id).unwrap();
        let general = default_deadlines(&p, Severity::General, at);
        let order18 = paicha::policy::add_days(at.date_naive(), 60);
        for e in &evs {
            if let Act::RectificationOrdered { deadline, recheck_by, .. } = &e.act {
                prop_assert!(deadline.as_str() <= general.0.as_str());
                prop_assert!(recheck_by.as_deref().unwrap() <= general.1.as_str());
                prop_assert!(deadline.as_str() < paicha::ledger::date::date_text(order18).as_str());
            }
        }
        // And a spot-check failure on the same day still gets Order 18's 60 and 75 days.
        let spot = SpotCheck {
            id: uuid(77),
            enterprise: Enterprise { uscc: USCC.into(), region: "520102".into(), name: None },
            product: "cement".into(),
            batch: "B1".into(),
            level: None,
            date: at.date_naive().to_string(),
            result: SpotResult::Unqualified,
            failed_items: vec![],
            ordered_on: Some(at.date_naive().to_string()),
            recheck: None,
            announced_on: None,
            second_recheck: None,
        };
        let tasks = spot_tasks(&spot).unwrap();
        let due: Vec<String> = tasks.iter().filter_map(|t| t.due.clone()).collect();
        prop_assert!(due.contains(&paicha::ledger::date::date_text(order18)));
        prop_assert!(due.contains(&paicha::ledger::date::date_text(paicha::policy::add_days(at.date_naive(), 75))));
    }
}
