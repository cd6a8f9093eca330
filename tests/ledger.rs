//! The rectification ledger (`paicha::ledger`): the closed loop, conflicts, deadlines across month
//! ends and leap years, the spot-check rules and the two-year window at its edges, the views, an
//! end-to-end run from a fixture submission over two devices, and property tests that the state is a
//! function of the set of events (any order, any copies) and that no event is lost.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, FixedOffset, NaiveDate};
use paicha::ledger::spot::{SpotCheck, SpotLevel, SpotRecheck, SpotResult, SpotTaskKind};
use paicha::ledger::*;
use paicha::policy::{ActionKind, Severity, Violation};
use paicha::{check, Catalogue, Level, Policy, Text};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

mod common;
use common::cases;

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const USCC: &str = "91520102MA6DK4L2XN";
const OTHER_USCC: &str = "91350100M000100Y43";

fn enterprise(uscc: &str, region: &str) -> Enterprise {
    Enterprise {
        uscc: uscc.into(),
        region: region.into(),
        name: Some("贵阳示例车行".into()),
    }
}

fn created(severity: Severity, uscc: &str, region: &str) -> Act {
    Act::Created(Box::new(Created {
        submission: None,
        item: Some("ebike.max_speed_kmh".into()),
        instance: None,
        enterprise: enterprise(uscc, region),
        product: "electric-bicycle".into(),
        danger: Danger {
            text: Text::new(
                "最高设计车速超过 25 km/h",
                "Maximum design speed above 25 km/h",
            ),
            severity,
            violation: Some(Violation::Substandard),
            basis: "GB 17761-2018 4.1".into(),
            escalate: false,
        },
        actions: vec![ActionKind::StopProductionSale, ActionKind::CreditPublicity],
        trace_by: None,
        responsible: Some("李四".into()),
        photos: vec![],
        self_found: false,
        spot_check: None,
    }))
}

/// A measure done with every particular its kind needs.
fn taken(action: ActionKind) -> Act {
    let mut t = Taken::new(action);
    t.document_number = Some("筑市监〔2023〕第1号".into());
    t.document_date = Some("2023-09-19".into());
    t.to = Some("南明区人民政府".into());
    t.decision_number = Some("筑市监信〔2023〕第1号".into());
    t.receiver = Some("南明分局".into());
    t.goods_value = Some("12000".into());
    t.sales_amount = Some("60000".into());
    t.certificate = Some("CCC 2021011101234567".into());
    Act::ActionTaken(Box::new(t))
}

/// An event by `who` on `device`.
fn ev(id: u64, entry: u64, device: &str, at: &str, act: Act) -> Event {
    Event {
        id: uuid(id),
        entry: uuid(entry),
        author: if device == "phone" {
            "enterprise"
        } else {
            "inspector"
        }
        .into(),
        device: device.into(),
        at: at.into(),
        follows: None,
        act,
    }
}

fn order(deadline: &str) -> Act {
    Act::RectificationOrdered {
        deadline: deadline.into(),
        recheck_by: None,
        note: None,
    }
}

fn rectified(m: &str) -> Act {
    Act::Rectified {
        measures: m.into(),
        evidence: vec![Attachment {
            sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            name: None,
            media_type: Some("image/jpeg".into()),
            size: None,
        }],
    }
}

fn recheck(round: u32, passed: bool, deadline: Option<&str>) -> Act {
    Act::Rechecked {
        round,
        passed,
        deadline: deadline.map(String::from),
        recheck_by: None,
        note: None,
        evidence: vec![],
    }
}

fn codes(s: &LedgerState) -> Vec<(String, &'static str)> {
    s.errors()
        .map(|e| (e.event.clone(), e.code.as_str()))
        .collect()
}

/// A major danger of entry 1, ordered on 2023-07-20 (+08:00) with a 2023-09-18 deadline.
fn opened() -> Vec<Event> {
    vec![
        ev(
            1,
            100,
            "tablet",
            "2023-07-20T10:00:00+08:00",
            created(Severity::Major, USCC, "520102"),
        ),
        ev(
            2,
            100,
            "tablet",
            "2023-07-20T10:05:00+08:00",
            order("2023-09-18"),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// The loop

#[test]
fn failed_recheck_orders_again_then_closes() {
    let mut evs = opened();
    evs.push(ev(
        3,
        100,
        "phone",
        "2023-08-01T09:00:00+08:00",
        rectified("限速器已恢复"),
    ));
    evs.push(ev(
        4,
        100,
        "tablet",
        "2023-08-10T09:00:00+08:00",
        recheck(1, false, Some("2023-09-09")),
    ));
    let s = fold(&evs);
    let e = s.entry(&uuid(100)).unwrap();
    assert_eq!(e.status, Status::Ordered);
    assert_eq!(e.round, 2);
    assert_eq!(e.deadline.unwrap().date, d("2023-09-09"));
    evs.push(ev(
        5,
        100,
        "phone",
        "2023-09-01T09:00:00+08:00",
        rectified("整车召回，重新检验"),
    ));
    evs.push(ev(
        6,
        100,
        "tablet",
        "2023-09-05T09:00:00+08:00",
        recheck(2, true, None),
    ));
    let s = fold(&evs);
    let e = s.entry(&uuid(100)).unwrap();
    assert_eq!(e.status, Status::Closed);
    assert!(e.closed.as_ref().unwrap().reason.is_none());
    assert_eq!(e.rectifications.len(), 2);
    assert_eq!(
        e.rechecks
            .iter()
            .map(|r| (r.round, r.passed))
            .collect::<Vec<_>>(),
        [(1, false), (2, true)]
    );
    assert_eq!(codes(&s), []);
    assert!(s.log.iter().all(|l| l.outcome == Outcome::Applied));
}

#[test]
fn invalid_transitions_are_errors_and_change_nothing() {
    let base = opened();
    let cases: Vec<(Vec<Event>, Event, &str)> = vec![
        // Re-check before rectification.
        (
            vec![],
            ev(
                10,
                100,
                "tablet",
                "2023-08-01T09:00:00+08:00",
                recheck(1, true, None),
            ),
            "invalid_transition",
        ),
        // Re-check of a round that is not the current one.
        (
            vec![ev(
                3,
                100,
                "phone",
                "2023-08-01T09:00:00+08:00",
                rectified("m"),
            )],
            ev(
                10,
                100,
                "tablet",
                "2023-08-02T09:00:00+08:00",
                recheck(2, true, None),
            ),
            "stale_round",
        ),
        // Rectified after closing.
        (
            vec![
                ev(3, 100, "phone", "2023-08-01T09:00:00+08:00", rectified("m")),
                ev(
                    4,
                    100,
                    "tablet",
                    "2023-08-02T09:00:00+08:00",
                    recheck(1, true, None),
                ),
            ],
            ev(
                10,
                100,
                "phone",
                "2023-08-03T09:00:00+08:00",
                rectified("again"),
            ),
            "invalid_transition",
        ),
        // Ordered again after rectification (a re-check is due, not a new order).
        (
            vec![ev(
                3,
                100,
                "phone",
                "2023-08-01T09:00:00+08:00",
                rectified("m"),
            )],
            ev(
                10,
                100,
                "tablet",
                "2023-08-02T09:00:00+08:00",
                order("2023-09-30"),
            ),
            "invalid_transition",
        ),
        // Refused after rectification.
        (
            vec![ev(
                3,
                100,
                "phone",
                "2023-08-01T09:00:00+08:00",
                rectified("m"),
            )],
            ev(
                10,
                100,
                "phone",
                "2023-08-02T09:00:00+08:00",
                Act::Refused { note: None },
            ),
            "invalid_transition",
        ),
        // Closing twice.
        (
            vec![ev(
                3,
                100,
                "tablet",
                "2023-08-01T09:00:00+08:00",
                Act::Closed {
                    reason: CloseReason::Withdrawn,
                    note: None,
                },
            )],
            ev(
                10,
                100,
                "tablet",
                "2023-08-02T09:00:00+08:00",
                Act::Closed {
                    reason: CloseReason::Ceased,
                    note: None,
                },
            ),
            "invalid_transition",
        ),
        // An act on an entry nobody created.
        (
            vec![],
            ev(
                10,
                999,
                "phone",
                "2023-08-01T09:00:00+08:00",
                rectified("m"),
            ),
            "unknown_entry",
        ),
        // Creating an entry twice.
        (
            vec![],
            ev(
                10,
                100,
                "tablet",
                "2023-08-01T09:00:00+08:00",
                created(Severity::General, USCC, "520102"),
            ),
            "entry_exists",
        ),
        // Failed re-check without a new deadline (checked on the event itself).
        (
            vec![ev(
                3,
                100,
                "phone",
                "2023-08-01T09:00:00+08:00",
                rectified("m"),
            )],
            ev(
                10,
                100,
                "tablet",
                "2023-08-02T09:00:00+08:00",
                recheck(1, false, None),
            ),
            "deadline_required",
        ),
        // A deadline before the day it was set.
        (
            vec![],
            ev(
                10,
                100,
                "tablet",
                "2023-08-02T09:00:00+08:00",
                order("2023-08-01"),
            ),
            "invalid_deadline",
        ),
        // A resolution of nothing.
        (
            vec![],
            ev(
                10,
                100,
                "tablet",
                "2023-08-02T09:00:00+08:00",
                Act::Resolved {
                    chosen: uuid(2),
                    note: None,
                },
            ),
            "nothing_to_resolve",
        ),
    ];
    for (before, bad, code) in cases {
        let mut evs = base.clone();
        evs.extend(before);
        let good = fold(&evs);
        evs.push(bad.clone());
        let s = fold(&evs);
        assert_eq!(codes(&s), [(bad.id.clone(), code)], "{bad:?}");
        let err = s.errors().next().unwrap();
        assert!(!err.message.zh.is_empty() && !err.message.en.is_empty());
        assert_eq!(s.outcome(&bad.id), Some(Outcome::Rejected));
        assert_eq!(
            s.entries, good.entries,
            "a rejected {code} changed the state"
        );
    }
}

#[test]
fn malformed_events_are_errors_not_panics() {
    let v = json!({"id": uuid(1), "entry": uuid(2), "author": "a", "device": "d",
                   "at": "2023-07-20T10:00:00+08:00", "kind": "rectified"});
    let e = Event::from_value(&v).unwrap_err();
    assert_eq!(e.code, LedgerCode::InvalidEvent);
    assert_eq!(e.event, uuid(1));
    let e = Event::from_value(&json!([1, 2])).unwrap_err();
    assert_eq!((e.code, e.event.as_str()), (LedgerCode::InvalidEvent, ""));
    // A created event with a wrong credit code.
    let bad = ev(
        1,
        100,
        "tablet",
        "2023-07-20T10:00:00+08:00",
        created(Severity::Major, "91520102MA6DK4L2XA", "520102"),
    );
    assert_eq!(codes(&fold(&[bad])), [(uuid(1), "invalid_enterprise")]);
}

#[test]
fn refusal_and_overdue_escalate_and_major_ones_go_to_government() {
    let evs = opened();
    let s = fold(&evs);
    let now = t("2023-09-18T23:59:59+08:00");
    assert!(overdue(&s, now).is_empty());
    let tasks = follow_up(&s, now);
    assert_eq!(
        tasks,
        [
            Task::Act {
                entry: uuid(100),
                action: ActionKind::StopProductionSale
            },
            Task::Act {
                entry: uuid(100),
                action: ActionKind::CreditPublicity
            },
        ]
    );
    // One second later it is the 19th in Beijing: a day late, escalate and report to government.
    let now = t("2023-09-18T16:00:00Z");
    let o = overdue(&s, now);
    assert_eq!(o.len(), 1);
    assert_eq!((o[0].due, o[0].days_late), (Due::Rectify, 1));
    let tasks = follow_up(&s, now);
    assert!(tasks.contains(&Task::Escalate {
        entry: uuid(100),
        reason: EscalationReason::Overdue
    }));
    assert!(tasks.contains(&Task::Act {
        entry: uuid(100),
        action: ActionKind::ReportToGovernment
    }));
    // Once escalated and reported, those tasks are done.
    let mut evs2 = evs.clone();
    evs2.push(ev(
        7,
        100,
        "tablet",
        "2023-09-19T09:00:00+08:00",
        Act::Escalated {
            reason: EscalationReason::Overdue,
            to: Some("区政府".into()),
            note: None,
        },
    ));
    evs2.push(ev(
        8,
        100,
        "tablet",
        "2023-09-19T09:10:00+08:00",
        taken(ActionKind::ReportToGovernment),
    ));
    let tasks = follow_up(&fold(&evs2), now);
    assert!(!tasks.iter().any(|t| matches!(t, Task::Escalate { .. })));
    assert!(!tasks.contains(&Task::Act {
        entry: uuid(100),
        action: ActionKind::ReportToGovernment
    }));
    // A refusal escalates at once, deadline or not.
    let mut evs3 = evs.clone();
    evs3.push(ev(
        9,
        100,
        "phone",
        "2023-07-21T09:00:00+08:00",
        Act::Refused {
            note: Some("不同意".into()),
        },
    ));
    let s3 = fold(&evs3);
    assert_eq!(s3.entry(&uuid(100)).unwrap().status, Status::Refused);
    let tasks = follow_up(&s3, t("2023-07-22T09:00:00+08:00"));
    assert!(tasks.contains(&Task::Escalate {
        entry: uuid(100),
        reason: EscalationReason::Refused
    }));
    assert!(tasks.contains(&Task::Act {
        entry: uuid(100),
        action: ActionKind::ReportToGovernment
    }));
    // A general danger overdue is escalated but not reported to the government.
    let general = vec![
        ev(
            1,
            100,
            "tablet",
            "2023-07-20T10:00:00+08:00",
            created(Severity::General, USCC, "520102"),
        ),
        ev(
            2,
            100,
            "tablet",
            "2023-07-20T10:05:00+08:00",
            order("2023-07-27"),
        ),
    ];
    let tasks = follow_up(&fold(&general), t("2023-07-28T08:00:00+08:00"));
    assert!(tasks.contains(&Task::Escalate {
        entry: uuid(100),
        reason: EscalationReason::Overdue
    }));
    assert!(!tasks.contains(&Task::Act {
        entry: uuid(100),
        action: ActionKind::ReportToGovernment
    }));
    // A found entry with no order asks for one.
    let tasks = follow_up(&fold(&general[..1]), t("2023-07-20T12:00:00+08:00"));
    assert!(tasks.contains(&Task::Order { entry: uuid(100) }));
}

#[test]
fn recheck_deadline_is_the_bureaus() {
    let mut evs = vec![
        ev(
            1,
            100,
            "tablet",
            "2024-01-01T09:00:00+08:00",
            created(Severity::Major, USCC, "520102"),
        ),
        ev(
            2,
            100,
            "tablet",
            "2024-01-01T09:05:00+08:00",
            default_order(
                &Policy::default(),
                Severity::Major,
                t("2024-01-01T09:05:00+08:00"),
            ),
        ),
        ev(3, 100, "phone", "2024-01-03T09:00:00+08:00", rectified("m")),
    ];
    let s = fold(&evs);
    let e = s.entry(&uuid(100)).unwrap();
    assert_eq!(e.recheck_by.unwrap().date, d("2024-01-11"));
    let o = overdue(&s, t("2024-01-12T00:00:00+08:00"));
    assert_eq!((o[0].due, o[0].days_late), (Due::Recheck, 1));
    evs.push(ev(
        4,
        100,
        "tablet",
        "2024-01-12T09:00:00+08:00",
        recheck(1, true, None),
    ));
    assert!(overdue(&fold(&evs), t("2024-01-13T00:00:00+08:00")).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Conflicts

#[test]
fn two_tablets_disagree_then_an_inspector_decides() {
    let mut evs = opened();
    evs.push(ev(
        3,
        100,
        "phone",
        "2023-08-01T09:00:00+08:00",
        rectified("m"),
    ));
    let pass = ev(
        4,
        100,
        "tablet-a",
        "2023-08-10T09:00:00+08:00",
        recheck(1, true, None),
    );
    let fail = ev(
        5,
        100,
        "tablet-b",
        "2023-08-10T09:30:00+08:00",
        recheck(1, false, Some("2023-09-09")),
    );
    evs.push(pass.clone());
    evs.push(fail.clone());
    let s = fold(&evs);
    let e = s.entry(&uuid(100)).unwrap();
    assert_eq!(e.status, Status::Rectified, "the loop waits for a decision");
    assert_eq!(
        e.conflict.as_ref().unwrap().candidates,
        [pass.id.clone(), fail.id.clone()]
    );
    assert_eq!(s.outcome(&pass.id), Some(Outcome::Pending));
    assert_eq!(s.outcome(&fail.id), Some(Outcome::Pending));
    assert_eq!(s.conflicts().count(), 1);
    assert!(
        follow_up(&s, t("2023-08-11T09:00:00+08:00")).contains(&Task::Decide {
            entry: uuid(100),
            candidates: vec![pass.id.clone(), fail.id.clone()]
        })
    );
    // The decision picks the failure: round 2; the pass is kept, overruled.
    let mut decided = evs.clone();
    decided.push(ev(
        6,
        100,
        "tablet-a",
        "2023-08-12T09:00:00+08:00",
        Act::Resolved {
            chosen: fail.id.clone(),
            note: Some("复核现场照片".into()),
        },
    ));
    let s = fold(&decided);
    let e = s.entry(&uuid(100)).unwrap();
    assert_eq!(
        (e.status, e.round, e.conflict.is_none()),
        (Status::Ordered, 2, true)
    );
    assert_eq!(s.outcome(&pass.id), Some(Outcome::Overruled));
    assert_eq!(s.outcome(&fail.id), Some(Outcome::Applied));
    // A later decision overrides: the pass stands and the entry is closed out.
    decided.push(ev(
        7,
        100,
        "tablet-b",
        "2023-08-13T09:00:00+08:00",
        Act::Resolved {
            chosen: pass.id.clone(),
            note: None,
        },
    ));
    let s = fold(&decided);
    assert_eq!(s.entry(&uuid(100)).unwrap().status, Status::Closed);
    assert_eq!(s.outcome(&fail.id), Some(Outcome::Overruled));
}

#[test]
fn agreeing_rechecks_are_not_a_conflict() {
    let mut evs = opened();
    evs.push(ev(
        3,
        100,
        "phone",
        "2023-08-01T09:00:00+08:00",
        rectified("m"),
    ));
    evs.push(ev(
        4,
        100,
        "tablet-a",
        "2023-08-10T09:00:00+08:00",
        recheck(1, true, None),
    ));
    evs.push(ev(
        5,
        100,
        "tablet-b",
        "2023-08-10T09:30:00+08:00",
        recheck(1, true, None),
    ));
    let s = fold(&evs);
    assert_eq!(s.entry(&uuid(100)).unwrap().status, Status::Closed);
    assert_eq!(s.outcome(&uuid(5)), Some(Outcome::Concurring));
    assert_eq!(codes(&s), []);
}

#[test]
fn a_reused_id_keeps_every_version_whatever_the_order() {
    let mut evs = opened();
    let a = ev(
        3,
        100,
        "phone",
        "2023-08-01T09:00:00+08:00",
        rectified("version a"),
    );
    let b = ev(
        3,
        100,
        "phone",
        "2023-08-01T09:00:00+08:00",
        rectified("version b"),
    );
    evs.push(a.clone());
    evs.push(b.clone());
    let s = fold(&evs);
    evs.swap(2, 3);
    assert_eq!(fold(&evs), s);
    assert_eq!(s.id_conflicts.len(), 1);
    let c = &s.id_conflicts[0];
    assert_eq!(c.error.code, LedgerCode::IdConflict);
    assert!(c.versions.contains(&a) && c.versions.contains(&b));
    assert_eq!(
        s.entry(&uuid(100)).unwrap().rectifications[0].measures,
        "version a"
    );
}

#[test]
fn a_creation_stamped_late_by_a_wrong_clock_still_comes_first() {
    let evs = vec![
        ev(
            2,
            100,
            "tablet",
            "2023-07-20T09:00:00+08:00",
            order("2023-09-18"),
        ),
        ev(
            1,
            100,
            "phone",
            "2023-07-20T10:00:00+08:00",
            created(Severity::Major, USCC, "520102"),
        ),
    ];
    let s = fold(&evs);
    assert_eq!(codes(&s), []);
    assert_eq!(s.entry(&uuid(100)).unwrap().status, Status::Ordered);
}

// ---------------------------------------------------------------------------------------------
// Dates

#[test]
fn default_deadlines_cross_month_ends_and_leap_years() {
    let p = Policy::default();
    let deadlines = |sev, at: &str| match default_order(&p, sev, t(at)) {
        Act::RectificationOrdered {
            deadline,
            recheck_by,
            ..
        } => (deadline, recheck_by.unwrap()),
        other => panic!("{other:?}"),
    };
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    // Major on-site dangers: the local policy's 5 and 10 days (not Order 18's 60/75).
    assert_eq!(
        deadlines(Severity::Major, "2023-07-20T10:00:00+08:00"),
        s("2023-07-25", "2023-07-30")
    );
    // Through February of a leap year and of a common year.
    assert_eq!(
        deadlines(Severity::Major, "2024-02-25T09:00:00+08:00"),
        s("2024-03-01", "2024-03-06")
    );
    assert_eq!(
        deadlines(Severity::Major, "2023-02-25T09:00:00+08:00"),
        s("2023-03-02", "2023-03-07")
    );
    assert_eq!(
        deadlines(Severity::General, "2024-02-22T09:00:00+08:00"),
        s("2024-02-29", "2024-03-08")
    );
    assert_eq!(
        deadlines(Severity::General, "2023-02-22T09:00:00+08:00"),
        s("2023-03-01", "2023-03-09")
    );
    // Across the year end; the day is taken in the event's own offset: the same instant is still
    // 31 December in New York and already 1 January in Beijing.
    assert_eq!(
        deadlines(Severity::General, "2023-12-31T23:30:00-05:00"),
        s("2024-01-07", "2024-01-15")
    );
    assert_eq!(
        deadlines(Severity::General, "2024-01-01T12:30:00+08:00"),
        s("2024-01-08", "2024-01-16")
    );
    assert_eq!(
        deadlines(Severity::General, "2024-01-31T09:00:00+08:00"),
        s("2024-02-07", "2024-02-15")
    );
}

#[test]
fn overdue_counts_days_in_the_deadlines_offset() {
    let evs = vec![
        ev(
            1,
            100,
            "tablet",
            "2024-02-01T09:00:00+08:00",
            created(Severity::General, USCC, "520102"),
        ),
        ev(
            2,
            100,
            "tablet",
            "2024-02-01T09:05:00+08:00",
            order("2024-02-29"),
        ),
    ];
    let s = fold(&evs);
    let late = |now: &str| overdue(&s, t(now)).first().map_or(0, |o| o.days_late);
    assert_eq!(late("2024-02-29T23:59:59+08:00"), 0);
    assert_eq!(late("2024-02-29T15:59:59Z"), 0);
    assert_eq!(late("2024-02-29T16:00:00Z"), 1);
    assert_eq!(late("2024-03-01T00:00:00+08:00"), 1);
    assert_eq!(late("2024-03-31T12:00:00+08:00"), 31);
    // A device in another offset asks: the deadline stays Beijing's day.
    assert_eq!(late("2024-02-29T11:00:00-05:00"), 1);
}

// ---------------------------------------------------------------------------------------------
// Spot checks

fn spot(id: u64, uscc: &str, date: &str, result: SpotResult, items: &[&str]) -> SpotCheck {
    SpotCheck {
        id: uuid(id),
        enterprise: enterprise(uscc, "520102"),
        product: "electric-bicycle".into(),
        batch: format!("B{id}"),
        level: Some(SpotLevel::Provincial),
        date: date.into(),
        result,
        failed_items: items.iter().map(|s| s.to_string()).collect(),
        ordered_on: None,
        recheck: None,
        announced_on: None,
        second_recheck: None,
    }
}

#[test]
fn an_unqualified_result_sets_order_18_going() {
    let q = spot(1, USCC, "2023-05-01", SpotResult::Qualified, &[]);
    assert!(spot_tasks(&q).unwrap().is_empty());
    let mut s = spot(
        2,
        USCC,
        "2023-12-20",
        SpotResult::Unqualified,
        &["ebike.max_speed_kmh"],
    );
    s.ordered_on = Some("2023-12-31".into());
    let kinds = |s: &SpotCheck| {
        spot_tasks(s)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, t.not_before, t.due, t.done))
            .collect::<Vec<_>>()
    };
    let o = |x: &str| Some(x.to_string());
    assert_eq!(
        kinds(&s),
        [
            (
                SpotTaskKind::StopProductionSale,
                None,
                o("2023-12-31"),
                false
            ),
            (SpotTaskKind::Correct, None, o("2024-02-29"), false),
            (SpotTaskKind::Recheck, None, o("2024-03-15"), false),
            // The policy's spot_trace_days (30, a local choice) after the order.
            (SpotTaskKind::TraceUpstream, None, o("2024-01-30"), false),
            (SpotTaskKind::TraceDownstream, None, o("2024-01-30"), false),
        ]
    );
    s.recheck = Some(SpotRecheck {
        date: "2024-03-10".into(),
        passed: false,
    });
    assert_eq!(
        kinds(&s).last().unwrap().0,
        SpotTaskKind::PublicAnnouncement
    );
    s.announced_on = Some("2024-04-01".into());
    let k = kinds(&s);
    assert!(k.contains(&(SpotTaskKind::PublicAnnouncement, None, None, true)));
    assert_eq!(
        k.last().unwrap(),
        &(
            SpotTaskKind::SecondRecheck,
            o("2024-05-31"),
            o("2024-06-30"),
            false
        )
    );
    s.second_recheck = Some(SpotRecheck {
        date: "2024-06-15".into(),
        passed: false,
    });
    assert_eq!(
        kinds(&s).last().unwrap().0,
        SpotTaskKind::SuspendAndReorganise
    );
    // A passed re-check asks for no announcement.
    s.recheck = Some(SpotRecheck {
        date: "2024-03-10".into(),
        passed: true,
    });
    s.announced_on = None;
    s.second_recheck = None;
    assert!(!kinds(&s)
        .iter()
        .any(|k| k.0 == SpotTaskKind::PublicAnnouncement));
    s.date = "2024-02-30".into();
    assert_eq!(spot_tasks(&s).unwrap_err().code, LedgerCode::InvalidDate);
}

fn due(spots: &[SpotCheck], today: &str) -> Vec<String> {
    key_inspections(spots, d(today))
        .into_iter()
        .map(|k| k.enterprise.uscc)
        .collect()
}

#[test]
fn two_failures_within_two_years_at_the_edges() {
    let u = SpotResult::Unqualified;
    let pair = |a: &str, b: &str| vec![spot(1, USCC, a, u, &["a"]), spot(2, USCC, b, u, &["b"])];
    // Exactly two years apart: the first still counts on its anniversary, not the day after.
    let p = pair("2023-03-01", "2025-03-01");
    assert_eq!(due(&p, "2025-03-01"), [USCC]);
    assert!(due(&p, "2025-03-02").is_empty());
    // A day inside and a day outside.
    assert_eq!(due(&pair("2023-03-01", "2025-02-28"), "2025-02-28"), [USCC]);
    assert!(due(&pair("2023-03-01", "2025-03-02"), "2025-03-02").is_empty());
    // From a leap day: the period ends on 28 February of the common year.
    let p = pair("2024-02-29", "2026-02-28");
    assert_eq!(due(&p, "2026-02-28"), [USCC]);
    assert!(due(&p, "2026-03-01").is_empty());
    assert!(due(&pair("2024-02-29", "2026-03-01"), "2026-03-01").is_empty());
    // Into a leap day: 2022-02-28 counts through 2024-02-28, not the 29th.
    let p = pair("2022-02-28", "2024-02-28");
    assert_eq!(due(&p, "2024-02-28"), [USCC]);
    assert!(due(&p, "2024-02-29").is_empty());
    // Not yet: a result after "today" does not count.
    assert!(due(&pair("2023-03-01", "2023-06-01"), "2023-05-31").is_empty());
    // The same record twice is one failure; other enterprises and qualified results do not count.
    let s1 = spot(1, USCC, "2023-03-01", u, &["a"]);
    assert!(due(&[s1.clone(), s1.clone()], "2023-04-01").is_empty());
    assert!(due(
        &[s1.clone(), spot(2, OTHER_USCC, "2023-03-02", u, &[])],
        "2023-04-01"
    )
    .is_empty());
    assert!(due(
        &[
            s1.clone(),
            spot(2, USCC, "2023-03-02", SpotResult::Qualified, &[])
        ],
        "2023-04-01"
    )
    .is_empty());
}

#[test]
fn a_key_inspection_targets_what_failed_before() {
    let u = SpotResult::Unqualified;
    let mut s3 = spot(
        3,
        USCC,
        "2024-01-10",
        u,
        &["ebike.max_speed_kmh", "ebike.mass_kg"],
    );
    s3.product = "electric-bicycle-charger".into();
    s3.level = Some(SpotLevel::National);
    let spots = [
        spot(1, USCC, "2023-06-01", u, &["ebike.max_speed_kmh"]),
        s3,
        spot(2, OTHER_USCC, "2023-06-01", u, &["x"]),
        spot(4, OTHER_USCC, "2020-06-01", u, &["y"]),
    ];
    let k = key_inspections(&spots, d("2024-05-01"));
    assert_eq!(k.len(), 1);
    assert_eq!(k[0].spot_checks, [uuid(1), uuid(3)]);
    assert_eq!(k[0].items, ["ebike.mass_kg", "ebike.max_speed_kmh"]);
    assert_eq!(
        k[0].products,
        ["electric-bicycle", "electric-bicycle-charger"]
    );
    assert_eq!(k[0].until, "2025-06-02");
    assert_eq!(k[0].latest, "2024-01-10");
}

/// A key inspection is done when the newest on-site inspection that follows the results passes:
/// valid, no targeted item found again, no major finding (issue 13 item 6).
#[test]
fn a_key_inspection_is_done_when_the_follow_up_inspection_passes() {
    let u = SpotResult::Unqualified;
    let spots = [
        spot(1, USCC, "2023-06-01", u, &["ebike.max_speed_kmh"]),
        spot(2, USCC, "2023-12-20", u, &["ebike.mass_kg"]),
    ];
    let k = key_inspections(&spots, d("2024-05-01")).remove(0);
    let at = |id, date: &'static str, valid, findings: Vec<(&'static str, bool)>| Inspected {
        id,
        product: "electric-bicycle",
        date,
        at: NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp(),
        valid,
        findings,
    };
    assert_eq!(key_follow_up(&k, &[]).state, KeyState::Due);
    // Before the newest result, or of another product: not a follow-up.
    let mut other = at("c", "2024-01-05", true, vec![]);
    other.product = "cement";
    let early = at("b", "2023-12-19", true, vec![]);
    assert_eq!(
        key_follow_up(&k, &[early.clone(), other]).state,
        KeyState::Due
    );
    // A targeted item found again: failed, still due, with the reason.
    let again = at(
        "d",
        "2024-01-10",
        true,
        vec![("ebike.mass_kg", false), ("x.other", false)],
    );
    let f = key_follow_up(&k, &[early.clone(), again.clone()]);
    assert_eq!(f.state, KeyState::Failed);
    assert_eq!(f.failed_items, ["ebike.mass_kg"]);
    assert_eq!(f.submission.as_deref(), Some("d"));
    // A general finding elsewhere does not fail it; a major one does; an incomplete record does.
    let ok = at("e", "2024-02-01", true, vec![("x.other", false)]);
    let f = key_follow_up(&k, &[again.clone(), ok.clone()]);
    assert_eq!(
        (f.state, f.date.as_deref()),
        (KeyState::Passed, Some("2024-02-01"))
    );
    let major = at("e", "2024-02-01", true, vec![("x.other", true)]);
    assert_eq!(key_follow_up(&k, &[major]).failed_items, ["x.other"]);
    let incomplete = at("e", "2024-02-01", false, vec![]);
    let f = key_follow_up(&k, &[incomplete]);
    assert!(f.state == KeyState::Failed && f.incomplete);
    // The newest decides, whatever the order: a pass after a failure is done, a failure after a
    // pass is due again.
    let later_fail = at(
        "f",
        "2024-03-01",
        true,
        vec![("ebike.max_speed_kmh", false)],
    );
    for list in [
        vec![ok.clone(), later_fail.clone()],
        vec![later_fail.clone(), ok.clone()],
    ] {
        assert_eq!(key_follow_up(&k, &list).state, KeyState::Failed);
    }
    // Two on one day: the later one decides, not the larger id.
    let mut morning = at("z", "2024-04-01", true, vec![("ebike.mass_kg", false)]);
    morning.at -= 3600;
    let afternoon = at("a", "2024-04-01", true, vec![]);
    for list in [
        vec![morning.clone(), afternoon.clone()],
        vec![afternoon.clone(), morning.clone()],
    ] {
        assert_eq!(key_follow_up(&k, &list).state, KeyState::Passed);
    }
    // The rule's answer is the same as the JSON the server sends.
    let v = serde_json::to_value(key_follow_up(&k, &[ok])).unwrap();
    assert_eq!(
        v,
        json!({"state": "passed", "submission": "e", "date": "2024-02-01"})
    );
}

// ---------------------------------------------------------------------------------------------
// Views

#[test]
fn views_sort_overdue_first_and_export_csv() {
    let mut evs = vec![];
    // 100: overdue by 10 days; 101: due in 5 days; 102: closed; 103: found, no deadline;
    // 104: another enterprise in another city; 105: overdue by 2 days.
    let at = "2024-03-01T09:00:00+08:00";
    for (n, uscc, region) in [
        (100, USCC, "520102"),
        (101, USCC, "520103"),
        (102, USCC, "520102"),
        (103, USCC, "520102"),
        (104, OTHER_USCC, "520201"),
        (105, OTHER_USCC, "520102"),
    ] {
        evs.push(ev(
            n,
            n,
            "tablet",
            at,
            created(Severity::General, uscc, region),
        ));
    }
    evs.push(ev(200, 100, "tablet", at, order("2024-03-05")));
    evs.push(ev(201, 101, "tablet", at, order("2024-03-20")));
    evs.push(ev(
        202,
        102,
        "tablet",
        at,
        Act::Closed {
            reason: CloseReason::Withdrawn,
            note: None,
        },
    ));
    evs.push(ev(204, 104, "tablet", at, order("2024-03-05")));
    evs.push(ev(205, 105, "tablet", at, order("2024-03-13")));
    let s = fold(&evs);
    let now = t("2024-03-15T10:00:00+08:00");
    let ids = |rows: &[Row<'_>]| rows.iter().map(|r| r.entry.id.clone()).collect::<Vec<_>>();
    let region = region_ledger(&s, "520100", now);
    assert_eq!(
        ids(&region),
        [uuid(100), uuid(105), uuid(101), uuid(103), uuid(102)]
    );
    assert_eq!(region[0].days_late(), 10);
    assert_eq!(ids(&region_ledger(&s, "520000", now)).len(), 6);
    assert_eq!(ids(&region_ledger(&s, "520102", now)).len(), 4);
    let mine = enterprise_open(&s, USCC, now);
    assert_eq!(ids(&mine), [uuid(100), uuid(101), uuid(103)]);
    assert_eq!(mine[1].days_left, Some(5));

    let csv = to_csv(&region);
    assert!(csv.starts_with("\u{feff}条目编号 entry,"));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        lines.len(),
        1 + 5 + 1,
        "header, five rows, and the empty end"
    );
    assert_eq!(lines.last(), Some(&""));
    assert!(lines[1].starts_with(&format!("{},{USCC},贵阳示例车行,520102,electric-bicycle,ebike.max_speed_kmh,最高设计车速超过 25 km/h,general,substandard,GB 17761-2018 4.1,ordered,1,rectify,2024-03-05,10,,李四,", uuid(100))));
    assert!(lines[5].contains(",closed,"));
}

#[test]
fn csv_quotes_what_people_type() {
    let mut c = created(Severity::General, USCC, "520102");
    if let Act::Created(c) = &mut c {
        c.enterprise.name = Some("某某\"电动车\",有限公司".into());
        c.responsible = Some("=cmd|' /C calc'!A0".into());
        c.danger.text.zh = "第一行\n第二行".into();
    }
    let s = fold(&[ev(1, 100, "tablet", "2024-03-01T09:00:00+08:00", c)]);
    let csv = to_csv(&region_ledger(&s, "520102", t("2024-03-01T10:00:00+08:00")));
    assert!(csv.contains(",\"某某\"\"电动车\"\",有限公司\","));
    assert!(csv.contains(",\"第一行\n第二行\","));
    assert!(csv.contains(",'=cmd|' /C calc'!A0,"));
}

// ---------------------------------------------------------------------------------------------
// End to end: a fixture's major dangers through the ledger over two devices

#[test]
fn end_to_end_phone_and_tablet_converge_and_close_out() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ebike-onsite-sales-speed-and-modification.json"
    );
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let sub = &case["submission"];
    assert_eq!(sub["form"], "onsite_inspection");
    let report = check(Catalogue::builtin(), sub, None);
    assert_eq!(report.level, Level::Major);
    assert!(report.valid);
    let ent: Enterprise = serde_json::from_value(sub["enterprise"].clone()).unwrap();
    let product = sub["product"].as_str().unwrap();
    let inspected_at = sub["inspected_at"].as_str().unwrap();

    // The tablet opens the entries at the inspection, with the policy's deadlines.
    let mut next = 0x1000u64;
    let mut new_id = || {
        next += 1;
        uuid(next)
    };
    let tablet_at_inspection = Maker {
        author: "inspector-wang",
        device: "tablet",
        at: inspected_at,
    };
    let opened = open_entries(
        &report,
        &ent,
        product,
        &Policy::default(),
        &tablet_at_inspection,
        &mut new_id,
    )
    .unwrap();
    assert_eq!(opened.len(), 2 * report.findings.len());
    let s0 = fold(&opened);
    assert_eq!(s0.entries.len(), report.findings.len());
    for e in &s0.entries {
        assert_eq!(e.status, Status::Ordered);
        assert_eq!(e.created.submission.as_deref(), Some(report.id.as_str()));
        assert_eq!(e.created.danger.severity, Severity::Major);
        // The same deadlines as the report's actions.
        let rectify = report
            .actions
            .iter()
            .find(|a| a.kind == ActionKind::Rectify && a.item == e.created.item)
            .unwrap();
        assert_eq!(e.deadline.map(|d| d.date.to_string()), rectify.due);
        assert!(e.created.actions.contains(&ActionKind::StopProductionSale));
        assert!(e.created.actions.contains(&ActionKind::CreditPublicity));
    }
    let modification = s0
        .entries
        .iter()
        .find(|e| e.created.item.as_deref() == Some("ebike.modification_found"))
        .unwrap();
    assert_eq!(
        modification.created.danger.violation,
        Some(Violation::IllegalModification)
    );

    // The enterprise's phone, synced once, then offline: rectifies every entry with evidence.
    let phone = Maker {
        author: "ent-91520102MA6DK4L2XN",
        device: "phone",
        at: "2023-08-30T16:20:00+08:00",
    };
    let mut phone_events: Vec<Event> = s0
        .entries
        .iter()
        .map(|e| {
            phone.event(
                new_id(),
                e.id.clone(),
                rectified("限速器已恢复，改装部件已拆除"),
            )
        })
        .collect();
    // The inspector's tablet: the opening events, then (after receiving the phone's events in one
    // sync, then offline again) the re-checks, all passed.
    let tablet = Maker {
        author: "inspector-wang",
        device: "tablet",
        at: "2023-09-25T10:00:00+08:00",
    };
    let mut tablet_events = opened.clone();
    tablet_events.extend(
        s0.entries
            .iter()
            .map(|e| tablet.event(new_id(), e.id.clone(), recheck(1, true, None))),
    );
    // The phone also still holds the opening events it synced.
    phone_events.extend(opened.iter().cloned());

    let mut a = tablet_events.clone();
    a.extend(phone_events.iter().cloned());
    let mut b = phone_events.clone();
    b.extend(tablet_events.iter().cloned());
    b.reverse();
    let sa = fold(&a);
    let sb = fold(&b);
    assert_eq!(sa, sb, "the two merge orders converge");
    assert_eq!(
        serde_json::to_string(&sa).unwrap(),
        serde_json::to_string(&sb).unwrap()
    );
    assert_eq!(codes(&sa), []);
    for e in &sa.entries {
        assert_eq!(e.status, Status::Closed, "{}", e.id);
        assert_eq!(e.rectifications[0].step.device, "phone");
        assert_eq!(e.rechecks[0].step.device, "tablet");
        assert_eq!(e.rectifications[0].evidence.len(), 1);
    }
    let now = t("2023-09-26T09:00:00+08:00");
    assert!(overdue(&sa, now).is_empty());
    assert!(enterprise_open(&sa, &ent.uscc, now).is_empty());
    // Closed out, the danger's stop order is no longer a task; credit publicity still is.
    let tasks = follow_up(&sa, now);
    assert!(!tasks.iter().any(|t| matches!(
        t,
        Task::Act {
            action: ActionKind::StopProductionSale,
            ..
        }
    )));
    assert_eq!(
        tasks
            .iter()
            .filter(|t| matches!(
                t,
                Task::Act {
                    action: ActionKind::CreditPublicity,
                    ..
                }
            ))
            .count(),
        report.findings.len()
    );

    // The state's JSON: event kinds and outcomes in snake_case.
    let v = serde_json::to_value(&sa).unwrap();
    assert_eq!(v["entries"][0]["status"], "closed");
    assert_eq!(v["log"][0]["outcome"], "applied");
    let e0 = serde_json::to_value(&a[1]).unwrap();
    assert_eq!(e0["kind"], "rectification_ordered");
    assert_eq!(Event::from_value(&e0).unwrap(), a[1]);
}

// ---------------------------------------------------------------------------------------------
// Properties: a function of the set; nothing lost

/// Random events over small domains, so that they meet: three entries, a few times, rounds and
/// deadlines, and ids drawn from a small range so that some ids are reused with other content.
fn event_strategy() -> impl Strategy<Value = Event> {
    let act = prop_oneof![
        3 => (any::<bool>()).prop_map(|major| created(if major { Severity::Major } else { Severity::General }, USCC, "520102")),
        3 => prop::sample::select(vec!["2024-02-29", "2024-03-31", "2024-01-01"]).prop_map(order),
        3 => prop::sample::select(vec!["m1", "m2"]).prop_map(rectified),
        4 => (1u32..3, any::<bool>(), prop::sample::select(vec!["2024-04-30", "2024-05-31"]))
            .prop_map(|(r, p, dl)| recheck(r, p, if p { None } else { Some(dl) })),
        1 => Just(Act::Refused { note: None }),
        1 => Just(Act::Escalated { reason: EscalationReason::Overdue, to: None, note: None }),
        1 => Just(taken(ActionKind::CreditPublicity)),
        1 => Just(Act::Closed { reason: CloseReason::Withdrawn, note: None }),
        2 => prop_oneof![0u64..40, 10_003u64..10_006, 10_103u64..10_106].prop_map(|n| Act::Resolved { chosen: uuid(n), note: None }),
    ];
    let at = prop::sample::select(vec![
        "2024-01-01T08:00:00+08:00",
        "2024-01-01T00:00:00Z",
        "2024-01-02T09:00:00+08:00",
        "2024-01-03T09:00:00-05:00",
        "2024-01-05T09:00:00+08:00",
        "not a time",
    ]);
    let device = prop::sample::select(vec!["phone", "tablet-a", "tablet-b"]);
    (
        prop_oneof![3 => 0u64..40, 1 => 10_000u64..10_100],
        100u64..103,
        device,
        at,
        act,
    )
        .prop_map(|(id, entry, dev, at, act)| ev(id, entry, dev, at, act))
}

/// One entry's life with the acts that race: created, ordered, rectified, one to three re-checks of
/// round 1 from several tablets (agreeing or not), perhaps a decision, a second round, at random
/// times (so acts also arrive before what they need) and with some offsets other than +08:00.
fn lifecycle(entry: u64) -> impl Strategy<Value = Vec<Event>> {
    let minutes = prop::collection::vec(0i64..4000, 9);
    let verdicts = prop::collection::vec(any::<bool>(), 3);
    (
        any::<bool>(),
        1usize..4,
        verdicts,
        minutes,
        prop::option::of(0usize..3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(move |(major, n, verdicts, minutes, decide, second, utc)| {
            let base = t("2024-01-01T00:00:00+08:00");
            let at = |i: usize| {
                let x = base + chrono::Duration::minutes(minutes[i]);
                if utc && i % 2 == 1 {
                    x.with_timezone(&FixedOffset::east_opt(0).unwrap())
                        .to_rfc3339()
                } else {
                    x.to_rfc3339()
                }
            };
            let sev = if major {
                Severity::Major
            } else {
                Severity::General
            };
            let id = |k: u64| entry * 100 + k;
            let mut v = vec![
                ev(
                    id(0),
                    entry,
                    "tablet-a",
                    &at(0),
                    created(sev, USCC, "520102"),
                ),
                ev(id(1), entry, "tablet-a", &at(1), order("2024-03-31")),
                ev(id(2), entry, "phone", &at(2), rectified("m1")),
            ];
            for k in 0..n {
                let dev = ["tablet-a", "tablet-b", "tablet-c"][k];
                let p = verdicts[k];
                v.push(ev(
                    id(3 + k as u64),
                    entry,
                    dev,
                    &at(3 + k),
                    recheck(1, p, if p { None } else { Some("2024-04-30") }),
                ));
            }
            if let Some(c) = decide {
                let chosen = uuid(id(3 + (c % n) as u64));
                v.push(ev(
                    id(6),
                    entry,
                    "tablet-a",
                    &at(6),
                    Act::Resolved { chosen, note: None },
                ));
            }
            if second {
                v.push(ev(id(7), entry, "phone", &at(7), rectified("m2")));
                v.push(ev(id(8), entry, "tablet-b", &at(8), recheck(2, true, None)));
            }
            v
        })
}

/// Two lives, some random events, a shuffled copy with duplicates.
fn scenario() -> impl Strategy<Value = (Vec<Event>, Vec<Event>)> {
    (
        lifecycle(100),
        lifecycle(101),
        prop::collection::vec(event_strategy(), 0..12),
    )
        .prop_map(|(a, b, c)| [a, b, c].concat())
        .prop_flat_map(|evs| {
            let n = evs.len();
            let copies = prop::collection::vec(0..n.max(1), 0..10);
            (Just(evs.clone()), Just(evs).prop_shuffle(), copies).prop_map(
                |(orig, mut shuffled, copies)| {
                    for i in copies {
                        if let Some(e) = orig.get(i) {
                            shuffled.push(e.clone());
                        }
                    }
                    (orig, shuffled)
                },
            )
        })
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn any_order_and_copies_give_the_same_state((orig, mixed) in scenario()) {
        let a = fold(&orig);
        let b = fold(&mixed);
        prop_assert_eq!(&a, &b);
        let mut rev = mixed.clone();
        rev.reverse();
        prop_assert_eq!(&a, &fold(&rev));
    }

    #[test]
    fn no_event_is_lost((orig, mixed) in scenario()) {
        let s = fold(&mixed);
        let ids: BTreeSet<&str> = orig.iter().map(|e| e.id.as_str()).collect();
        // Every distinct id has exactly one line in the log.
        prop_assert_eq!(s.log.len(), ids.len());
        let logged: BTreeSet<&str> = s.log.iter().map(|l| l.event.as_str()).collect();
        prop_assert_eq!(&logged, &ids);
        // Every version of a reused id is kept.
        for e in &orig {
            let versions = orig.iter().filter(|x| x.id == e.id && *x != e).count();
            if versions > 0 {
                let c = s.id_conflicts.iter().find(|c| c.id == e.id);
                prop_assert!(c.is_some_and(|c| c.versions.contains(e)));
            }
        }
        // Applied events are on their entry; rejected ones carry an error; pending ones are
        // candidates of an open conflict.
        for l in &s.log {
            match l.outcome {
                Outcome::Applied => {
                    let e = s.entry(&l.entry);
                    prop_assert!(e.is_some_and(|e| e.events.contains(&l.event)));
                }
                Outcome::Rejected => prop_assert!(l.error.is_some()),
                Outcome::Pending => {
                    let e = s.entry(&l.entry).and_then(|e| e.conflict.as_ref());
                    prop_assert!(e.is_some_and(|c| c.candidates.contains(&l.event)));
                }
                Outcome::Concurring | Outcome::Overruled => prop_assert!(l.error.is_none()),
            }
        }
        // Entries list only applied events.
        for e in &s.entries {
            for id in &e.events {
                prop_assert_eq!(s.outcome(id), Some(Outcome::Applied));
            }
        }
        // The views never fail on any state.
        let now = t("2024-03-01T12:00:00+08:00");
        let _ = follow_up(&s, now);
        let _ = overdue(&s, now);
        let _ = to_csv(&region_ledger(&s, "520000", now));
    }
}

proptest! {
    #![proptest_config(cases(256))]

    /// What the server keeps per entry (`ledger_entries`): each entry folded from its own events
    /// alone is the entry of the whole fold (nothing in the fold crosses entries, once each id has
    /// one content, as stored ids do), its rejected acts are the whole fold's for it, and the
    /// entry written as JSON reads back the same.
    #[test]
    fn an_entry_folded_alone_is_the_entry_of_the_whole_and_reads_back((orig, _) in scenario()) {
        let one: Vec<Event> = orig
            .iter()
            .filter(|e| orig.iter().all(|x| x.id != e.id || x == *e))
            .cloned()
            .collect();
        let all = fold(&one);
        for e in &all.entries {
            let own: Vec<Event> = one.iter().filter(|x| x.entry == e.id).cloned().collect();
            let alone = fold(&own);
            prop_assert_eq!(alone.entry(&e.id), Some(e));
            prop_assert_eq!(
                alone.errors().count(),
                all.errors().filter(|x| x.entry == e.id).count()
            );
            let back: Entry = serde_json::from_str(&serde_json::to_string(e).unwrap()).unwrap();
            prop_assert_eq!(&back, e);
        }
    }
}

#[test]
fn a_decision_among_three_leaves_the_agreeing_one_concurring() {
    let mut evs = opened();
    evs.push(ev(
        3,
        100,
        "phone",
        "2023-08-01T09:00:00+08:00",
        rectified("m"),
    ));
    evs.push(ev(
        4,
        100,
        "tablet-a",
        "2023-08-10T09:00:00+08:00",
        recheck(1, true, None),
    ));
    evs.push(ev(
        5,
        100,
        "tablet-b",
        "2023-08-10T09:30:00+08:00",
        recheck(1, false, Some("2023-09-09")),
    ));
    evs.push(ev(
        6,
        100,
        "tablet-c",
        "2023-08-10T10:00:00+08:00",
        recheck(1, true, None),
    ));
    evs.push(ev(
        7,
        100,
        "tablet-a",
        "2023-08-12T09:00:00+08:00",
        Act::Resolved {
            chosen: uuid(6),
            note: None,
        },
    ));
    let s = fold(&evs);
    let e = s.entry(&uuid(100)).unwrap();
    assert_eq!(e.status, Status::Closed);
    assert_eq!(e.rechecks.len(), 1);
    assert_eq!(e.rechecks[0].step.event, uuid(6));
    let outcomes: Vec<_> = [4, 5, 6, 7]
        .iter()
        .map(|n| s.outcome(&uuid(*n)).unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Concurring,
            Outcome::Overruled,
            Outcome::Applied,
            Outcome::Applied
        ]
    );
}

/// The example event in docs/ledger.md is a valid event.
#[test]
fn the_documented_example_is_valid() {
    let doc = include_str!("../docs/ledger.md");
    let start = doc.find("```json\n").unwrap() + "```json\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let v: Value = serde_json::from_str(&doc[start..end]).unwrap();
    let e = Event::from_value(&v).unwrap();
    assert!(e.validate().is_ok());
    assert_eq!(e.act.kind(), "rectified");
    assert_eq!(serde_json::to_value(&e).unwrap(), v);
}

#[test]
fn spot_records_are_checked_and_regions_see_their_key_inspections() {
    let u = SpotResult::Unqualified;
    let mut s = spot(1, USCC, "2024-01-10", u, &["a"]);
    assert_eq!(s.validate(), Ok(()));
    s.batch = " ".into();
    assert_eq!(s.validate().unwrap_err().code, LedgerCode::Blank);
    s.batch = "B1".into();
    s.enterprise.uscc = "91520102MA6DK4L2XA".into();
    assert_eq!(
        s.validate().unwrap_err().code,
        LedgerCode::InvalidEnterprise
    );
    s.enterprise.uscc = USCC.into();
    s.announced_on = Some("2024-13-01".into());
    assert_eq!(s.validate().unwrap_err().code, LedgerCode::InvalidDate);

    let mut far = [
        spot(3, OTHER_USCC, "2024-01-10", u, &[]),
        spot(4, OTHER_USCC, "2024-02-10", u, &[]),
    ];
    for x in &mut far {
        x.enterprise.region = "510104".into();
    }
    let mut spots = vec![
        spot(1, USCC, "2024-01-10", u, &["a"]),
        spot(2, USCC, "2024-03-01", u, &["b"]),
    ];
    spots.extend(far);
    let today = d("2024-04-01");
    let uscc = |ks: Vec<spot::KeyInspection>| {
        ks.into_iter()
            .map(|k| k.enterprise.uscc)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        uscc(region_key_inspections(&spots, "520000", today)),
        [USCC]
    );
    assert_eq!(
        uscc(region_key_inspections(&spots, "510100", today)),
        [OTHER_USCC]
    );
    assert_eq!(
        uscc(region_key_inspections(&spots, "520201", today)),
        Vec::<String>::new()
    );
}

#[test]
fn closing_during_a_conflict_keeps_it_and_a_later_decision_still_counts() {
    let mut evs = opened();
    evs.push(ev(
        3,
        100,
        "phone",
        "2023-08-01T09:00:00+08:00",
        rectified("m"),
    ));
    evs.push(ev(
        4,
        100,
        "tablet-a",
        "2023-08-10T09:00:00+08:00",
        recheck(1, true, None),
    ));
    evs.push(ev(
        5,
        100,
        "tablet-a",
        "2023-08-10T10:00:00+08:00",
        Act::Closed {
            reason: CloseReason::Ceased,
            note: None,
        },
    ));
    evs.push(ev(
        6,
        100,
        "tablet-b",
        "2023-08-11T09:30:00+08:00",
        recheck(1, false, Some("2023-09-09")),
    ));
    let s = fold(&evs);
    let e = s.entry(&uuid(100)).unwrap();
    assert_eq!(e.status, Status::Closed);
    assert_eq!(e.conflict.as_ref().unwrap().candidates, [uuid(4), uuid(6)]);
    assert_eq!(
        (s.outcome(&uuid(4)), s.outcome(&uuid(6))),
        (Some(Outcome::Pending), Some(Outcome::Pending))
    );
    // No decision task once closed.
    assert!(!follow_up(&s, t("2023-08-12T09:00:00+08:00"))
        .iter()
        .any(|t| matches!(t, Task::Decide { .. })));
    // Deciding for the pass: the entry is closed out by it, and the administrative closing, now
    // after a closed entry, is rejected.
    evs.push(ev(
        7,
        100,
        "tablet-a",
        "2023-08-12T09:00:00+08:00",
        Act::Resolved {
            chosen: uuid(4),
            note: None,
        },
    ));
    let s = fold(&evs);
    let e = s.entry(&uuid(100)).unwrap();
    assert!(e.closed.as_ref().unwrap().reason.is_none());
    assert_eq!(codes(&s), [(uuid(5), "invalid_transition")]);
}
