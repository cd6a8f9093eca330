//! An unqualified spot-check result's ledger entry (`ledger::spot_entry`): opened once, its loop
//! the spot-check record's (re-check, announcement, second re-check mirrored by `spot_followed`),
//! closed by a passed re-check, open with the announcement and the second re-check after a failed
//! one, in the quality-supervision queue with Order 18's days, counted among the open dangers
//! until closed. Orders and re-checks made on the entry itself are refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, FixedOffset};
use paicha::campaign::{EntryFact, EntryState};
use paicha::ledger::spot::SpotRecheck;
use paicha::ledger::*;
use paicha::policy::{ActionKind, Severity, Violation};
use paicha::Policy;
use proptest::prelude::*;
use serde_json::json;

const USCC: &str = "91520102MA6DK4L2XN";
const SPOT: &str = "5b1e0c55-9f0a-4d4e-8a3b-2f6c7d8e9a01";
const ENTRY: &str = "00000000-0000-4000-8000-0000000000e1";

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn spot(result: SpotResult) -> SpotCheck {
    serde_json::from_value(json!({
        "id": SPOT, "enterprise": {"uscc": USCC, "region": "520102", "name": "某某电缆厂"},
        "product": "wire_cable", "batch": "20230601", "level": "provincial",
        "date": "2023-07-01", "result": result, "failed_items": ["导体电阻", "绝缘厚度"]
    }))
    .unwrap()
}

fn recheck(date: &str, passed: bool) -> Option<SpotRecheck> {
    Some(SpotRecheck {
        date: date.into(),
        passed,
    })
}

/// The entry's events as a server makes them: `created` once, then one `spot_followed` per
/// version of the record (numbered `n`, at hour `n` of 2023-12-01).
struct Mirror {
    events: Vec<Event>,
    n: u64,
}

impl Mirror {
    fn open(s: &SpotCheck) -> Mirror {
        let c = open_spot_entry(s, &Policy::default(), "wang", ENTRY.into(), uuid(1)).unwrap();
        let mut m = Mirror {
            events: vec![c],
            n: 1,
        };
        m.follow(s);
        m
    }

    fn follow(&mut self, s: &SpotCheck) {
        self.n += 1;
        self.events.push(Event {
            id: uuid(self.n),
            entry: ENTRY.into(),
            author: "wang".into(),
            device: "server".into(),
            at: format!("2023-07-02T{:02}:00:00+08:00", self.n % 24),
            follows: None,
            act: Act::SpotFollowed(Box::new(SpotFollow::of(s))),
        });
    }

    fn state(&self) -> LedgerState {
        fold(&self.events)
    }
}

fn entry(st: &LedgerState) -> &Entry {
    st.entry(ENTRY).unwrap()
}

fn steps(st: &LedgerState, now: &str) -> Vec<(String, Option<String>)> {
    queue(st, &Lines::builtin(), None, t(now))
        .into_iter()
        .map(|q| {
            let name = match &q.task {
                Task::Spot { step, .. } => serde_json::to_value(step)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string(),
                Task::Act { action, .. } => format!(
                    "act:{}",
                    serde_json::to_value(action).unwrap().as_str().unwrap()
                ),
                other => serde_json::to_value(other).unwrap()["task"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            };
            (name, q.due)
        })
        .collect()
}

#[test]
fn a_qualified_result_opens_nothing() {
    assert!(open_spot_entry(
        &spot(SpotResult::Qualified),
        &Policy::default(),
        "wang",
        ENTRY.into(),
        uuid(1)
    )
    .is_none());
}

#[test]
fn an_unqualified_result_opens_a_major_substandard_entry_with_order_18_days() {
    let m = Mirror::open(&spot(SpotResult::Unqualified));
    let st = m.state();
    assert!(
        st.log.iter().all(|l| l.outcome == Outcome::Applied),
        "{:?}",
        st.log
    );
    let e = entry(&st);
    assert_eq!(e.created.spot_check.as_deref(), Some(SPOT));
    assert_eq!(e.created.danger.severity, Severity::Major);
    assert_eq!(e.created.danger.violation, Some(Violation::Substandard));
    assert!(e.created.danger.text.zh.contains("导体电阻"));
    for a in [
        ActionKind::StopProductionSale,
        ActionKind::TwoWayTracing,
        ActionKind::CreditPublicity,
    ] {
        assert!(e.created.actions.contains(&a), "{a:?}");
    }
    // Tracing: the policy's spot_trace_days (30) after the order, not the on-site 10.
    assert_eq!(e.created.trace_by.as_deref(), Some("2023-07-31"));
    assert_eq!(e.status, Status::Ordered);
    assert_eq!(e.round, 1);
    // Order 18 arts. 46-47: correct within 60 days, re-check within 75.
    assert_eq!(date::date_text(e.deadline.unwrap().date), "2023-08-30");
    assert_eq!(date::date_text(e.recheck_by.unwrap().date), "2023-09-14");
    let q = steps(&st, "2023-07-05T09:00:00+08:00");
    assert!(
        q.contains(&("recheck".into(), Some("2023-09-14".into()))),
        "{q:?}"
    );
    assert!(
        q.contains(&("act:stop_production_sale".into(), Some("2023-07-01".into()))),
        "{q:?}"
    );
    assert!(
        q.contains(&("act:two_way_tracing".into(), Some("2023-07-31".into()))),
        "{q:?}"
    );
    assert!(
        !q.iter().any(|(k, _)| k == "order"),
        "no order to give: {q:?}"
    );
    // Every one of them is quality supervision's, apart from the publicity (credit).
    let lines = Lines::builtin();
    for x in queue(&st, &lines, None, t("2023-07-05T09:00:00+08:00")) {
        let want = if matches!(
            x.task,
            Task::Act {
                action: ActionKind::CreditPublicity,
                ..
            }
        ) {
            Line::Credit
        } else {
            Line::QualitySupervision
        };
        assert_eq!(x.line, want, "{:?}", x.task);
    }
    let f = EntryFact::of(e);
    assert!(f.is_open());
    assert_eq!(f.found, "2023-07-01");
    assert_eq!(f.due.as_deref(), Some("2023-08-30"));
    // Late: past 60 days without a re-check, escalation is due and the entry is overdue.
    assert_eq!(overdue(&st, t("2023-09-01T09:00:00+08:00")).len(), 1);
}

#[test]
fn a_passed_recheck_closes_the_entry() {
    let mut s = spot(SpotResult::Unqualified);
    let mut m = Mirror::open(&s);
    s.recheck = recheck("2023-09-10", true);
    m.follow(&s);
    let st = m.state();
    let e = entry(&st);
    assert_eq!(e.status, Status::Closed);
    assert!(
        e.closed.as_ref().unwrap().reason.is_none(),
        "closed out (销号)"
    );
    assert_eq!(e.rechecks.len(), 1);
    assert!(e.rechecks[0].passed);
    let f = EntryFact::of(e);
    assert_eq!(f.state, EntryState::ClosedOut);
    assert_eq!(f.closed_on.as_deref(), Some("2023-09-10"));
    let q = steps(&st, "2023-09-11T09:00:00+08:00");
    assert!(
        !q.iter().any(|(k, _)| k.starts_with("recheck")
            || k == "public_announcement"
            || k == "act:stop_production_sale"),
        "{q:?}"
    );
}

#[test]
fn a_failed_recheck_keeps_it_open_with_the_announcement_then_the_second_recheck() {
    let mut s = spot(SpotResult::Unqualified);
    let mut m = Mirror::open(&s);
    s.recheck = recheck("2023-09-10", false);
    m.follow(&s);
    let st = m.state();
    let e = entry(&st);
    assert!(e.is_open());
    assert_eq!(e.round, 2);
    assert_eq!(e.deadline, None, "no day count for the announcement");
    let q = steps(&st, "2023-09-11T09:00:00+08:00");
    assert!(q.contains(&("public_announcement".into(), None)), "{q:?}");
    assert!(!q.iter().any(|(k, _)| k == "recheck"), "{q:?}");

    s.announced_on = Some("2023-09-20".into());
    m.follow(&s);
    let st = m.state();
    let e = entry(&st);
    assert!(e.is_open());
    // Art. 48: the second re-check between announcement + 60 and + 90 days.
    assert_eq!(date::date_text(e.recheck_by.unwrap().date), "2023-12-19");
    let q = queue(&st, &Lines::builtin(), None, t("2023-09-21T09:00:00+08:00"));
    let second = q
        .iter()
        .find(|x| {
            matches!(
                x.task,
                Task::Spot {
                    step: spot::SpotTaskKind::SecondRecheck,
                    ..
                }
            )
        })
        .unwrap();
    assert_eq!(second.due.as_deref(), Some("2023-12-19"));
    let v = serde_json::to_value(second).unwrap();
    assert_eq!(v["not_before"], "2023-11-19");
    assert!(EntryFact::of(e).is_open());

    // A failed second re-check: suspension (the case line's) until a case is filed.
    s.second_recheck = recheck("2023-12-01", false);
    m.follow(&s);
    let st = m.state();
    assert!(entry(&st).is_open());
    let q = queue(
        &st,
        &Lines::builtin(),
        Some(Line::LawEnforcement),
        t("2023-12-02T09:00:00+08:00"),
    );
    assert!(
        q.iter().any(|x| matches!(
            x.task,
            Task::Spot {
                step: spot::SpotTaskKind::SuspendAndReorganise,
                ..
            }
        )),
        "{q:?}"
    );

    // Done once law enforcement files the case (责令停业整顿 is decided in one).
    let mut with_case = m.events.clone();
    with_case.push(
        Event::from_value(
            &json!({"id": uuid(70), "entry": ENTRY, "author": "zhao", "device": "pc",
            "at": "2023-12-03T09:00:00+08:00", "kind": "case_filed",
            "case_number": "筑市监立〔2023〕第9号", "filed_on": "2023-12-03"}),
        )
        .unwrap(),
    );
    let q = queue(
        &fold(&with_case),
        &Lines::builtin(),
        Some(Line::LawEnforcement),
        t("2023-12-04T09:00:00+08:00"),
    );
    assert!(q.is_empty(), "{q:?}");

    // Passed the second time instead (a corrected record): closed out.
    s.second_recheck = recheck("2023-12-01", true);
    m.follow(&s);
    let st = m.state();
    assert_eq!(EntryFact::of(entry(&st)).state, EntryState::ClosedOut);
}

#[test]
fn the_entry_follows_the_latest_version_only() {
    let mut s = spot(SpotResult::Unqualified);
    let mut m = Mirror::open(&s);
    s.recheck = recheck("2023-09-10", true);
    m.follow(&s);
    // The re-check is corrected (it failed): the entry re-opens, as the record says.
    s.recheck = recheck("2023-09-10", false);
    m.follow(&s);
    let st = m.state();
    assert!(entry(&st).is_open());
    assert_eq!(entry(&st).round, 2);
    // A corrected result (qualified after all): withdrawn, not closed out.
    s.result = SpotResult::Qualified;
    m.follow(&s);
    let st = m.state();
    assert_eq!(EntryFact::of(entry(&st)).state, EntryState::Closed);
    // In any order of arrival, the same state.
    let mut rev = m.events.clone();
    rev.reverse();
    assert_eq!(fold(&rev).entries, st.entries);
}

#[test]
fn orders_and_rechecks_on_the_entry_itself_are_refused() {
    let mut m = Mirror::open(&spot(SpotResult::Unqualified));
    let act = |n: u64, kind: serde_json::Value| {
        let mut v = json!({"id": uuid(n), "entry": ENTRY, "author": "li", "device": "tablet", "at": "2023-07-10T09:00:00+08:00"});
        for (k, x) in kind.as_object().unwrap() {
            v[k] = x.clone();
        }
        Event::from_value(&v).unwrap()
    };
    m.events.push(act(
        50,
        json!({"kind": "rectification_ordered", "deadline": "2023-07-20"}),
    ));
    m.events.push(act(
        51,
        json!({"kind": "rectified", "measures": "更换导体材料"}),
    ));
    m.events.push(act(
        52,
        json!({"kind": "rechecked", "round": 1, "passed": true}),
    ));
    let st = m.state();
    let outcome = |n: u64| st.log.iter().find(|l| l.event == uuid(n)).unwrap().clone();
    assert_eq!(outcome(50).error.unwrap().code, LedgerCode::SpotCheckLoop);
    // The enterprise may report its correction (it does not decide the loop).
    assert_eq!(outcome(51).outcome, Outcome::Applied);
    assert_eq!(outcome(52).error.unwrap().code, LedgerCode::SpotCheckLoop);
    let e = entry(&st);
    assert_eq!(e.status, Status::Rectified);
    assert_eq!(date::date_text(e.deadline.unwrap().date), "2023-08-30");
    // Without the entry its `created` opens, a `spot_followed` opens nothing.
    let mut other = m.events.clone();
    other.retain(|e| !matches!(e.act, Act::Created(_)));
    assert!(fold(&other).entries.is_empty());
}

#[test]
fn an_assist_request_is_due_the_policys_assist_days_after_the_tracing() {
    let lines = Lines::builtin();
    assert_eq!(lines.assist_days, 15);
    assert_eq!(Policy::default().assist_days, 15);
    let mut m = Mirror::open(&spot(SpotResult::Unqualified));
    m.events.push(
        Event::from_value(
            &json!({"id": uuid(60), "entry": ENTRY, "author": "li", "device": "tablet",
            "at": "2023-07-10T09:00:00+08:00", "kind": "action_taken", "action": "two_way_tracing",
            "supplier": "某铜材厂", "buyers": "某工地", "quantity": "200 卷", "batches": "20230601",
            "assist_region": "520103"}),
        )
        .unwrap(),
    );
    let st = m.state();
    let q = queue_in(
        &st,
        &lines,
        Some(Line::QualitySupervision),
        "520103",
        t("2023-07-26T09:00:00+08:00"),
    );
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(q[0].due.as_deref(), Some("2023-07-25"));
    assert_eq!(q[0].days_late, 1, "overdue the day after");
}

proptest! {
    /// For any record history, the entry is open exactly while the record's spot task list still
    /// has a re-check to pass (SpotFact's `disposed` says the same), and it never has an order
    /// task: one loop, the record's.
    #[test]
    fn the_entry_agrees_with_the_record(first in proptest::option::of(any::<bool>()),
                                        announced in any::<bool>(),
                                        second in proptest::option::of(any::<bool>()),
                                        order_gap in 0u32..10) {
        let mut s = spot(SpotResult::Unqualified);
        s.ordered_on = Some(date::date_text(paicha::policy::add_days(date::parse_date("2023-07-01").unwrap(), order_gap)));
        let mut m = Mirror::open(&s);
        if let Some(p) = first {
            s.recheck = recheck("2023-09-10", p);
            m.follow(&s);
            if !p && announced {
                s.announced_on = Some("2023-09-20".into());
                m.follow(&s);
                if let Some(p2) = second {
                    s.second_recheck = recheck("2023-12-01", p2);
                    m.follow(&s);
                }
            }
        }
        let st = m.state();
        let e = entry(&st);
        let fact = paicha::campaign::SpotFact::of(&s);
        prop_assert_eq!(e.is_open(), !fact.disposed);
        prop_assert_eq!(EntryFact::of(e).is_open(), !fact.disposed);
        let tasks = follow_up(&st, t("2023-12-05T09:00:00+08:00"));
        let ordered = tasks.iter().any(|t| matches!(t, Task::Order { .. }));
        prop_assert!(!ordered);
        // The re-check task is there exactly while the record has none.
        let recheck_task = tasks.iter().any(|t| matches!(t, Task::Spot { step: spot::SpotTaskKind::Recheck, .. }));
        prop_assert_eq!(recheck_task, s.recheck.is_none());
    }
}
