//! A failed look-back (回头看) re-opens the entry it re-verified: on the ledger's side the
//! `reopened` event (a closed-out entry back to `ordered` in a new round, with the close-out it
//! undid kept; anything else refused and unchanged; the same state in any order), on the
//! campaign's side the event a failed look-back makes (its deadlines or the policy's, nothing for a
//! passed one or a spot check) and what progress then counts (open again, no longer a look-back
//! candidate).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use paicha::campaign::{candidates, EntryFact, EntryState, LookbackResult, TargetKind};
use paicha::ledger::*;
use paicha::policy::Severity;
use paicha::Catalogue;
use serde_json::{json, Value};

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// An event of entry 100 from its JSON shape (as a device posts it).
fn ev(id: u64, at: &str, act: Value) -> Event {
    let mut v = json!({"id": uuid(id), "entry": uuid(100), "author": "a", "device": "d", "at": at});
    v.as_object_mut()
        .unwrap()
        .extend(act.as_object().unwrap().clone());
    Event::from_value(&v).unwrap()
}

fn created(self_found: bool) -> Event {
    ev(
        1,
        "2023-07-20T10:00:00+08:00",
        json!({"kind": "created", "enterprise": {"uscc": "91520102MA6DK4L2XN", "region": "520102"},
               "product": "electric-bicycle", "self_found": self_found,
               "danger": {"text": {"zh": "超速", "en": "Too fast"}, "severity": "major",
                          "basis": "GB 17761-2018 4.1"}}),
    )
}

/// Created, ordered, rectified, re-check passed: closed out on 08-10.
fn closed_out() -> Vec<Event> {
    vec![
        created(false),
        ev(
            2,
            "2023-07-20T10:05:00+08:00",
            json!({"kind": "rectification_ordered", "deadline": "2023-07-25"}),
        ),
        ev(
            3,
            "2023-07-24T09:00:00+08:00",
            json!({"kind": "rectified", "measures": "限速器已恢复"}),
        ),
        ev(
            4,
            "2023-08-10T09:00:00+08:00",
            json!({"kind": "rechecked", "round": 1, "passed": true}),
        ),
    ]
}

fn reopen(id: u64, at: &str, deadline: &str) -> Event {
    ev(
        id,
        at,
        json!({"kind": "reopened", "lookback": uuid(900), "reason": "限速器又被拆除",
               "deadline": deadline, "recheck_by": "2023-09-05"}),
    )
}

fn codes(s: &LedgerState) -> Vec<(String, &'static str)> {
    s.errors()
        .map(|e| (e.event.clone(), e.code.as_str()))
        .collect()
}

#[test]
fn a_reopened_entry_runs_a_new_round_and_keeps_what_it_undid() {
    let mut evs = closed_out();
    evs.push(reopen(5, "2023-08-21T10:00:00+08:00", "2023-08-26"));
    let s = fold(&evs);
    assert_eq!(codes(&s), []);
    let e = s.entry(&uuid(100)).unwrap();
    assert_eq!(e.status, Status::Ordered);
    assert!(e.is_open());
    assert_eq!(e.round, 2);
    assert!(e.closed.is_none());
    assert_eq!(e.deadline.unwrap().date.to_string(), "2023-08-26");
    assert_eq!(e.recheck_by.unwrap().date.to_string(), "2023-09-05");
    assert_eq!(e.reopenings.len(), 1);
    let r = &e.reopenings[0];
    assert_eq!(
        (r.round, r.lookback.as_str(), r.reason.as_str()),
        (2, uuid(900).as_str(), "限速器又被拆除")
    );
    assert_eq!(r.closed.event, uuid(4), "the close-out it undid");
    // The progress fact: open again, its deadline running, not a look-back candidate any more.
    let fact = EntryFact::of(e);
    assert_eq!(fact.state, EntryState::Open);
    assert_eq!(fact.due.as_deref(), Some("2023-08-26"));
    assert_eq!(fact.closed_on, None);
    assert!(candidates(&[fact], &[], "520102").is_empty());
    // The new round closes out as any other: rectified, re-check of round 2 passed.
    evs.push(ev(
        6,
        "2023-08-25T09:00:00+08:00",
        json!({"kind": "rectified", "measures": "更换控制器"}),
    ));
    evs.push(ev(
        7,
        "2023-09-01T09:00:00+08:00",
        json!({"kind": "rechecked", "round": 2, "passed": true}),
    ));
    let s = fold(&evs);
    assert_eq!(codes(&s), []);
    let e = s.entry(&uuid(100)).unwrap();
    assert_eq!(e.status, Status::Closed);
    assert_eq!(e.reopenings.len(), 1);
    assert_eq!(EntryFact::of(e).state, EntryState::ClosedOut);
    // The same set in any order and with copies: the same state.
    let mut rev = evs.clone();
    rev.reverse();
    rev.extend(evs.iter().take(3).cloned());
    assert_eq!(fold(&rev), s);
}

#[test]
fn only_a_close_out_can_be_reopened() {
    // Still open: refused, nothing changes.
    let open = vec![
        created(false),
        ev(
            2,
            "2023-07-20T10:05:00+08:00",
            json!({"kind": "rectification_ordered", "deadline": "2023-07-25"}),
        ),
    ];
    let before = fold(&open);
    let mut evs = open.clone();
    evs.push(reopen(5, "2023-08-21T10:00:00+08:00", "2023-08-26"));
    let s = fold(&evs);
    assert_eq!(codes(&s), [(uuid(5), "invalid_transition")]);
    assert_eq!(s.entry(&uuid(100)), before.entry(&uuid(100)));
    // Closed for another reason (withdrawn): never declared removed, so not re-opened.
    let mut evs = open;
    evs.push(ev(
        3,
        "2023-07-21T10:00:00+08:00",
        json!({"kind": "closed", "reason": "withdrawn"}),
    ));
    evs.push(reopen(5, "2023-08-21T10:00:00+08:00", "2023-08-26"));
    let s = fold(&evs);
    assert_eq!(codes(&s), [(uuid(5), "invalid_transition")]);
    assert_eq!(s.entry(&uuid(100)).unwrap().status, Status::Closed);
    // A second look-back of the same close-out finds the entry open already.
    let mut evs = closed_out();
    evs.push(reopen(5, "2023-08-21T10:00:00+08:00", "2023-08-26"));
    evs.push(reopen(6, "2023-08-22T10:00:00+08:00", "2023-08-27"));
    assert_eq!(codes(&fold(&evs)), [(uuid(6), "invalid_transition")]);
}

#[test]
fn a_reopened_self_found_danger_becomes_the_bureaus() {
    let evs = vec![
        created(true),
        ev(
            3,
            "2023-07-24T09:00:00+08:00",
            json!({"kind": "rectified", "measures": "已更换",
            "evidence": [{"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]}),
        ),
        reopen(5, "2023-08-21T10:00:00+08:00", "2023-08-26"),
        // Taken over: the bureau may order it again.
        ev(
            6,
            "2023-08-22T10:00:00+08:00",
            json!({"kind": "rectification_ordered", "deadline": "2023-08-25"}),
        ),
    ];
    let s = fold(&evs);
    assert_eq!(codes(&s), []);
    let e = s.entry(&uuid(100)).unwrap();
    assert!(!e.self_managed());
    assert_eq!(e.confirmed.as_ref().unwrap().event, uuid(5));
    assert_eq!(e.deadline.unwrap().date.to_string(), "2023-08-25");
}

#[test]
fn bad_reopen_events_are_errors() {
    let code = |act: Value| {
        ev(5, "2023-08-21T10:00:00+08:00", act)
            .validate()
            .err()
            .map(|e| e.code)
    };
    let base =
        json!({"kind": "reopened", "lookback": uuid(900), "reason": "x", "deadline": "2023-08-26"});
    assert_eq!(code(base.clone()), None);
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    assert_eq!(
        code(with("lookback", json!("x"))),
        Some(LedgerCode::InvalidId)
    );
    assert_eq!(code(with("reason", json!(" "))), Some(LedgerCode::Blank));
    assert_eq!(
        code(with("deadline", json!("2023-08-20"))),
        Some(LedgerCode::InvalidDeadline)
    );
    assert_eq!(
        code(with("deadline", json!("2023-02-30"))),
        Some(LedgerCode::InvalidDate)
    );
    // A deadline past the policy's bounds (30 days for a major danger) is refused as orders are.
    let policy = Catalogue::builtin().policy();
    let late = ev(
        5,
        "2023-08-21T10:00:00+08:00",
        with("deadline", json!("2023-09-21")),
    );
    assert!(check_deadlines(policy, Severity::Major, &late).is_err());
    let ok = ev(
        5,
        "2023-08-21T10:00:00+08:00",
        with("deadline", json!("2023-09-20")),
    );
    assert!(check_deadlines(policy, Severity::Major, &ok).is_ok());
}

fn lookback(passed: bool, kind: &str, extra: Value) -> LookbackResult {
    let mut v = json!({"id": uuid(900), "campaign": "2023-guizhou", "locality": "520102",
        "seed": "2023-08-20", "kind": kind, "target": uuid(100), "passed": passed,
        "author": "shi", "device": "tablet", "at": "2023-08-21T10:00:00+08:00"});
    if !passed {
        v["note"] = json!("限速器又被拆除");
    }
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    serde_json::from_value(v).unwrap()
}

#[test]
fn a_failed_look_back_makes_the_reopening_event() {
    let policy = Catalogue::builtin().policy();
    // The policy's days for a major danger from the look-back's day: 5 to rectify, 10 to re-check.
    let r = lookback(false, "entry", json!({}));
    assert!(r.validate().is_ok());
    let e = r.reopening(&uuid(901), policy, Severity::Major).unwrap();
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        json!({"id": uuid(901), "entry": uuid(100), "author": "shi", "device": "tablet",
               "at": "2023-08-21T10:00:00+08:00", "kind": "reopened", "lookback": uuid(900),
               "reason": "限速器又被拆除", "deadline": "2023-08-26", "recheck_by": "2023-08-31"})
    );
    // General: 7 and 15 days.
    let g = r.reopening(&uuid(901), policy, Severity::General).unwrap();
    assert!(matches!(&g.act, Act::Reopened { deadline, recheck_by, .. }
        if deadline == "2023-08-28" && recheck_by.as_deref() == Some("2023-09-05")));
    // The supervisor's own day; the re-check day then only if given.
    let own = lookback(false, "entry", json!({"deadline": "2023-08-24"}));
    assert!(own.validate().is_ok());
    let o = own.reopening(&uuid(901), policy, Severity::Major).unwrap();
    assert!(
        matches!(&o.act, Act::Reopened { deadline, recheck_by: None, .. } if deadline == "2023-08-24")
    );
    // Folded onto the closed-out entry, it re-opens it.
    let mut evs = closed_out();
    evs.push(e);
    assert_eq!(
        fold(&evs).entry(&uuid(100)).unwrap().status,
        Status::Ordered
    );
    // Nothing to re-open: a passed look-back, a spot check's.
    assert!(lookback(true, "entry", json!({}))
        .reopening(&uuid(901), policy, Severity::Major)
        .is_none());
    let spot = lookback(false, "spot_check", json!({}));
    assert_eq!(spot.kind, TargetKind::SpotCheck);
    assert!(spot
        .reopening(&uuid(901), policy, Severity::Major)
        .is_none());
    // Days before the look-back or not days: refused with the field named.
    let bad = lookback(false, "entry", json!({"deadline": "2023-08-20"}));
    assert_eq!(bad.validate().err().map(|e| e.field), Some("deadline"));
    let bad = lookback(false, "entry", json!({"recheck_by": "soon"}));
    assert_eq!(bad.validate().err().map(|e| e.field), Some("recheck_by"));
}
