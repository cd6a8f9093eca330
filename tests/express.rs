//! Express reports in the core: grades from the figures (raised, never lowered), the clocks across
//! midnight and time zones, follow-ups refused after closure, recipients per grade, the morning
//! report's figures, and a fold that does not depend on the order or copies of its events.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, FixedOffset, NaiveDate};
use paicha::express::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const REP: &str = "7a1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a00";

fn id(n: u32) -> String {
    format!("7a1c2a9e-3b7d-4c1e-9a55-0d2f6b8e{n:04x}")
}

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn ev(v: Value) -> ExpressEvent {
    match ExpressEvent::from_value(&v) {
        Ok(e) => e,
        Err(e) => panic!("{e:?}"),
    }
}

fn initial(learned_at: &str, deaths: u32, extra: Value) -> ExpressEvent {
    let mut v = json!({
        "id": id(1), "report": REP, "author": "jiancha", "device": "tablet", "at": learned_at,
        "kind": "reported", "occurred_at": learned_at, "learned_at": learned_at,
        "place": "云岩区某小区", "region": "520102", "product": "electric-bicycle",
        "enterprise": {"name": "贵阳示例车行"},
        "deaths": deaths, "serious_injuries": 0, "direct_loss_yuan": 0,
        "reporter": {"name": "王检查", "contact": "0851-12345678"}
    });
    if let (Some(o), Some(x)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(x.clone());
    }
    ev(v)
}

fn act(n: u32, at: &str, kind: Value) -> ExpressEvent {
    let mut v =
        json!({"id": id(n), "report": REP, "author": "jiancha", "device": "phone", "at": at});
    if let (Some(o), Some(x)) = (v.as_object_mut(), kind.as_object()) {
        o.extend(x.clone());
    }
    ev(v)
}

fn state(events: &[ExpressEvent], received: &[(u32, &str)]) -> ExpressState {
    let received: BTreeMap<String, String> = received
        .iter()
        .map(|(n, t)| (id(*n), t.to_string()))
        .collect();
    fold(events, &received, &ExpressPolicy::shipped())
}

fn clock(s: &ExpressState, kind: ClockKind, now: &str) -> Option<Clock> {
    let r = s.report(REP)?;
    clocks(r, &ExpressPolicy::shipped(), t(now))
        .into_iter()
        .find(|c| c.kind == kind)
}

#[test]
fn the_first_report_clock_crosses_midnight_in_the_reports_offset() {
    // Learned at 23:30 in Beijing: due at 00:30 the next day there (16:30 UTC).
    let s = state(&[initial("2026-12-01T23:30:00+08:00", 0, json!({}))], &[]);
    let c = clock(&s, ClockKind::FirstReport, "2026-12-02T00:29:59+08:00");
    assert_eq!(
        c.as_ref().map(|c| c.due.as_str()),
        Some("2026-12-02T00:30:00+08:00")
    );
    assert_eq!(c.as_ref().map(|c| c.state), Some(ClockState::Running));
    assert_eq!(c.and_then(|c| c.seconds_left), Some(1));
    // The same instants given in UTC and in another zone.
    let at = |now| clock(&s, ClockKind::FirstReport, now).map(|c| c.state);
    assert_eq!(at("2026-12-01T16:30:00Z"), Some(ClockState::Running));
    assert_eq!(at("2026-12-01T16:30:01Z"), Some(ClockState::Overdue));
    assert_eq!(at("2026-12-02T01:30:01+09:00"), Some(ClockState::Overdue));
    assert_eq!(at("2026-12-01T08:30:00-08:00"), Some(ClockState::Running));
    // No province clock for grade IV.
    assert!(clock(&s, ClockKind::ToProvince, "2026-12-02T00:00:00+08:00").is_none());
}

#[test]
fn clocks_stop_when_the_server_has_the_report() {
    let e = initial("2026-12-01T23:30:00+08:00", 3, json!({}));
    // Received exactly on the hour (in UTC): met; a second later: late, by one second.
    let met = state(std::slice::from_ref(&e), &[(1, "2026-12-01T16:30:00Z")]);
    let c = clock(&met, ClockKind::FirstReport, "2026-12-03T00:00:00+08:00");
    assert_eq!(c.as_ref().map(|c| c.state), Some(ClockState::Met));
    assert_eq!(
        c.and_then(|c| c.done_at),
        Some("2026-12-01T16:30:00Z".into())
    );
    let late = state(
        std::slice::from_ref(&e),
        &[(1, "2026-12-02T00:30:01+08:00")],
    );
    let c = clock(&late, ClockKind::FirstReport, "2026-12-03T00:00:00+08:00");
    assert_eq!(c.as_ref().map(|c| c.state), Some(ClockState::Late));
    assert_eq!(c.and_then(|c| c.seconds_left), Some(-1));
    // Grade III (3 deaths): the province's 2 h clock, met by the same delivery.
    let p = clock(&late, ClockKind::ToProvince, "2026-12-03T00:00:00+08:00");
    assert_eq!(
        p.as_ref().map(|c| c.due.as_str()),
        Some("2026-12-02T01:30:00+08:00")
    );
    assert_eq!(p.map(|c| c.state), Some(ClockState::Met));
}

#[test]
fn the_summary_is_due_on_the_tenth_day_in_the_offset_of_the_end() {
    let events = vec![
        initial("2026-12-01T10:00:00+08:00", 0, json!({})),
        // Ended at 23:50 on 1 December in Beijing (15:50 UTC): day 10 is 11 December there.
        act(
            2,
            "2026-12-01T23:55:00+08:00",
            json!({"kind": "closed", "ended_at": "2026-12-01T15:50:00Z"}),
        ),
    ];
    let s = state(&events, &[]);
    // ended_at was given in UTC: the offset of the end decides the day, here UTC's 1 December.
    let c = clock(&s, ClockKind::Summary, "2026-12-11T23:59:59Z");
    assert_eq!(
        c.as_ref().and_then(|c| c.due_date.as_deref()),
        Some("2026-12-11")
    );
    assert_eq!(c.as_ref().map(|c| c.state), Some(ClockState::Running));
    assert_eq!(
        clock(&s, ClockKind::Summary, "2026-12-12T00:00:00Z").map(|c| c.state),
        Some(ClockState::Overdue)
    );
    let mut with_summary = events.clone();
    with_summary.push(act(
        3,
        "2026-12-11T20:00:00+08:00",
        json!({"kind": "summarised", "text": "总结"}),
    ));
    let s = state(&with_summary, &[(3, "2026-12-11T23:00:00Z")]);
    assert_eq!(
        clock(&s, ClockKind::Summary, "2026-12-20T00:00:00Z").map(|c| c.state),
        Some(ClockState::Met)
    );
    let s = state(&with_summary, &[(3, "2026-12-12T00:00:00Z")]);
    assert_eq!(
        clock(&s, ClockKind::Summary, "2026-12-20T00:00:00Z").map(|c| (c.state, c.days_left)),
        Some((ClockState::Late, Some(-1)))
    );
}

#[test]
fn follow_ups_after_closure_are_refused_and_summaries_need_it() {
    let events = vec![
        initial("2026-12-01T10:00:00+08:00", 0, json!({})),
        act(
            2,
            "2026-12-01T10:40:00+08:00",
            json!({"kind": "summarised", "text": "too early"}),
        ),
        act(
            3,
            "2026-12-01T11:00:00+08:00",
            json!({"kind": "followed_up", "text": "伤者送医", "serious_injuries": 2}),
        ),
        act(
            4,
            "2026-12-01T12:00:00+08:00",
            json!({"kind": "closed", "ended_at": "2026-12-01T12:00:00+08:00"}),
        ),
        act(
            5,
            "2026-12-01T12:00:01+08:00",
            json!({"kind": "followed_up", "text": "late news"}),
        ),
        act(
            6,
            "2026-12-01T13:00:00+08:00",
            json!({"kind": "closed", "ended_at": "2026-12-01T13:00:00+08:00"}),
        ),
    ];
    let s = state(&events, &[]);
    let code = |n| {
        s.outcome(&id(n))
            .and_then(|l| l.error.as_ref())
            .map(|e| e.code)
    };
    assert_eq!(code(2), Some(ExpressCode::NotClosed));
    assert_eq!(code(3), None);
    assert_eq!(code(5), Some(ExpressCode::ReportClosed));
    assert_eq!(code(6), Some(ExpressCode::ReportClosed));
    let r = s.report(REP);
    assert_eq!(r.map(|r| r.status), Some(Status::Closed));
    assert_eq!(r.map(|r| r.follow_ups.len()), Some(1));
    assert_eq!(r.map(|r| r.figures.serious_injuries), Some(2));
    // A follow-up for a report nobody made.
    let orphan = state(&events[2..3], &[]);
    assert_eq!(
        orphan
            .log
            .first()
            .and_then(|l| l.error.as_ref())
            .map(|e| e.code),
        Some(ExpressCode::UnknownReport)
    );
}

#[test]
fn the_reporter_raises_the_grade_but_never_lowers_it() {
    let g = |events: &[ExpressEvent]| {
        state(events, &[])
            .report(REP)
            .map(|r| (r.computed_grade, r.grade))
    };
    assert_eq!(
        g(&[initial(
            "2026-12-01T10:00:00+08:00",
            0,
            json!({"grade": "III"})
        )]),
        Some((Grade::IV, Grade::III))
    );
    // 10 deaths is II; a declared IV is lighter and changes nothing.
    assert_eq!(
        g(&[initial(
            "2026-12-01T10:00:00+08:00",
            10,
            json!({"grade": "IV"})
        )]),
        Some((Grade::II, Grade::II))
    );
    // Figures rise in a follow-up; a later lighter declaration does not undo an earlier raise.
    let events = [
        initial("2026-12-01T10:00:00+08:00", 1, json!({"grade": "II"})),
        act(
            2,
            "2026-12-01T11:00:00+08:00",
            json!({"kind": "followed_up", "text": "x", "deaths": 30, "grade": "III"}),
        ),
    ];
    assert_eq!(g(&events), Some((Grade::I, Grade::I)));
    assert_eq!(g(&events[..1]), Some((Grade::IV, Grade::II)));
    let events = [
        initial("2026-12-01T10:00:00+08:00", 1, json!({"grade": "II"})),
        act(
            2,
            "2026-12-01T11:00:00+08:00",
            json!({"kind": "followed_up", "text": "x", "grade": "IV"}),
        ),
    ];
    assert_eq!(g(&events), Some((Grade::IV, Grade::II)));
}

#[test]
fn recipients_go_up_as_far_as_the_grade_calls_for() {
    let levels = |deaths, region: &str| {
        let s = state(
            &[initial(
                "2026-12-01T10:00:00+08:00",
                deaths,
                json!({"region": region}),
            )],
            &[],
        );
        s.report(REP)
            .map(|r| recipients(r, &ExpressPolicy::shipped()))
            .unwrap_or_default()
            .into_iter()
            .map(|r| (r.level, r.region))
            .collect::<Vec<_>>()
    };
    let city = (Level::City, Some("520100".to_string()));
    let province = (Level::Province, Some("520000".to_string()));
    assert_eq!(
        levels(0, "520102"),
        vec![(Level::County, None), city.clone()]
    );
    assert_eq!(
        levels(3, "520102"),
        vec![(Level::County, None), city.clone(), province.clone()]
    );
    assert_eq!(
        levels(10, "520102"),
        vec![
            (Level::County, None),
            city,
            province.clone(),
            (Level::National, None)
        ]
    );
    // A prefecture's grade IV report still goes one level up.
    assert_eq!(levels(0, "520100"), vec![(Level::City, None), province]);
    assert_eq!(level_of("520000"), Level::Province);
}

#[test]
fn the_fold_ignores_order_and_copies() {
    let events = vec![
        initial("2026-12-01T10:00:00+08:00", 0, json!({})),
        act(
            2,
            "2026-12-01T11:00:00+08:00",
            json!({"kind": "followed_up", "text": "a", "deaths": 3}),
        ),
        act(
            3,
            "2026-12-01T12:00:00+08:00",
            json!({"kind": "closed", "ended_at": "2026-12-01T12:00:00+08:00"}),
        ),
        act(
            4,
            "2026-12-02T09:00:00+08:00",
            json!({"kind": "summarised", "text": "s"}),
        ),
    ];
    let a = state(&events, &[(1, "2026-12-01T02:10:00Z")]);
    let mut shuffled: Vec<ExpressEvent> = events.iter().rev().cloned().collect();
    shuffled.extend(events.iter().cloned());
    let b = state(&shuffled, &[(1, "2026-12-01T02:10:00Z")]);
    assert_eq!(a.reports, b.reports);
    assert_eq!(
        a.reports.first().map(|r| (r.status, r.grade)),
        Some((Status::Summarised, Grade::III))
    );
    // One id, two contents: kept as a conflict, one version applied.
    let mut other = events.clone();
    other.push(act(
        2,
        "2026-12-01T11:00:00+08:00",
        json!({"kind": "followed_up", "text": "b"}),
    ));
    let c = state(&other, &[]);
    assert_eq!(c.id_conflicts.len(), 1);
}

#[test]
fn the_morning_report_counts_the_day_in_its_offset() {
    use paicha::ledger;
    let p = ExpressPolicy::shipped();
    let late_night = initial("2026-12-01T23:30:00+08:00", 0, json!({}));
    let mut other = initial("2026-12-01T08:00:00+08:00", 3, json!({"region": "520103"}));
    other.id = id(9);
    other.report = "7a1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4aff".into();
    let mut elsewhere = initial("2026-12-01T09:00:00+08:00", 0, json!({"region": "520201"}));
    elsewhere.id = id(10);
    elsewhere.report = "7a1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4afe".into();
    let s = fold(&[late_night, other, elsewhere], &BTreeMap::new(), &p);
    let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let bj = FixedOffset::east_opt(8 * 3600).unwrap();
    let led = ledger::LedgerState::default();
    let m = morning(
        "520100",
        day,
        bj,
        t("2026-12-02T08:00:00+08:00"),
        &s,
        &led,
        &p,
    );
    assert_eq!(
        (m.express.new, m.express.open, m.express.overdue),
        (2, 2, 2)
    );
    assert_eq!(m.express.by_grade.get("III"), Some(&1));
    // Gravest first.
    assert_eq!(m.express.items.first().map(|i| i.grade), Some(Grade::III));
    // Counted in UTC, 23:30 in Beijing is 15:30 UTC on the same day; in +09:00 it is the 2nd.
    let tokyo = FixedOffset::east_opt(9 * 3600).unwrap();
    let m = morning(
        "520100",
        day,
        tokyo,
        t("2026-12-02T08:00:00+08:00"),
        &s,
        &led,
        &p,
    );
    assert_eq!(m.express.new, 1);
    let county = morning(
        "520102",
        day,
        bj,
        t("2026-12-01T23:40:00+08:00"),
        &s,
        &led,
        &p,
    );
    assert_eq!((county.express.new, county.express.overdue), (1, 0));
}
