//! Acts in causal order (`follows`): an act that names the event it was made on is applied after
//! it whatever the device clocks say (issue 15: an enterprise's `rectified` dated in 2099 made the
//! inspector's later failed re-check disappear), the order stays a function of the set, and a
//! `follows` that is malformed, of another entry or part of a forged cycle cannot break the fold.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use paicha::ledger::*;
use serde_json::{json, Value};

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// An event of `entry` from its JSON shape (as a device posts it), following `follows` if given.
fn ev(id: u64, entry: u64, at: &str, follows: Option<u64>, act: Value) -> Event {
    let mut v =
        json!({"id": uuid(id), "entry": uuid(entry), "author": "a", "device": "d", "at": at});
    let o = v.as_object_mut().unwrap();
    if let Some(f) = follows {
        o.insert("follows".into(), json!(uuid(f)));
    }
    o.extend(act.as_object().unwrap().clone());
    Event::from_value(&v).unwrap()
}

fn created(entry: u64) -> Event {
    ev(
        entry * 10,
        entry,
        "2023-07-20T10:00:00+08:00",
        None,
        json!({"kind": "created", "enterprise": {"uscc": "91520102MA6DK4L2XN", "region": "520102"},
               "product": "electric-bicycle", "self_found": false,
               "danger": {"text": {"zh": "超速", "en": "Too fast"}, "severity": "major",
                          "basis": "GB 17761-2018 4.1"}}),
    )
}

/// Ordered, then a rectification dated in 2099 by the enterprise's device, then the inspector's
/// failed re-check of it two days after the deadline; `causal` says whether the acts name what
/// they were made on.
fn gamed_clock(causal: bool) -> Vec<Event> {
    let f = |n| causal.then_some(n);
    vec![
        created(1),
        ev(
            11,
            1,
            "2023-07-20T10:05:00+08:00",
            f(10),
            json!({"kind": "rectification_ordered", "deadline": "2023-07-25"}),
        ),
        ev(
            12,
            1,
            "2099-01-01T09:00:00+08:00",
            f(11),
            json!({"kind": "rectified", "measures": "已整改"}),
        ),
        ev(
            13,
            1,
            "2023-07-27T09:00:00+08:00",
            f(12),
            json!({"kind": "rechecked", "round": 1, "passed": false, "deadline": "2023-08-05", "note": "限速器仍被拆除"}),
        ),
    ]
}

fn errors(s: &LedgerState) -> Vec<(String, &'static str)> {
    s.errors()
        .map(|e| (e.event.clone(), e.code.as_str()))
        .collect()
}

#[test]
fn a_clock_in_2099_cannot_move_a_rectification_past_the_recheck_made_on_it() {
    // By the clocks alone the re-check comes before the rectification it re-checked: refused, and
    // the entry waits for a re-check that was already made (the defect the probe found).
    let by_clock = fold(&gamed_clock(false));
    let e = by_clock.entry(&uuid(1)).unwrap();
    assert!(e.rechecks.is_empty(), "{:?}", e.rechecks);
    assert_eq!(errors(&by_clock).len(), 1);
    assert_eq!(errors(&by_clock)[0].0, uuid(13));
    // Named causes: the re-check comes after the rectification, and counts.
    let causal = fold(&gamed_clock(true));
    assert_eq!(errors(&causal), []);
    let e = causal.entry(&uuid(1)).unwrap();
    assert_eq!(e.rechecks.len(), 1);
    assert!(!e.rechecks[0].passed);
    assert_ne!(e.status, Status::Closed);
    assert_eq!(e.events, [uuid(10), uuid(11), uuid(12), uuid(13)]);
}

#[test]
fn the_causal_order_is_the_same_for_every_arrival_order_and_every_copy() {
    let mut evs = gamed_clock(true);
    // A second entry, interleaved, whose acts follow nothing: ordered by the clock as before.
    evs.push(created(2));
    evs.push(ev(
        21,
        2,
        "2023-07-20T11:00:00+08:00",
        None,
        json!({"kind": "rectification_ordered", "deadline": "2023-07-30"}),
    ));
    let want = fold(&evs);
    // Every rotation and its reverse, and the whole set twice.
    for k in 0..evs.len() {
        let mut r = evs.clone();
        r.rotate_left(k);
        assert_eq!(fold(&r), want, "rotation {k}");
        r.reverse();
        assert_eq!(fold(&r), want, "reversed rotation {k}");
    }
    let twice: Vec<Event> = evs.iter().chain(evs.iter()).cloned().collect();
    assert_eq!(fold(&twice), want);
}

#[test]
fn a_follows_of_another_entry_an_unknown_event_or_a_forged_cycle_leaves_the_clock_to_order() {
    // The re-check names an event of another entry, and the rectification an event no one has:
    // both ignored, so the clock orders them (as without `follows`).
    let mut evs = gamed_clock(false);
    evs.push(created(2));
    evs[2] = ev(
        12,
        1,
        "2099-01-01T09:00:00+08:00",
        Some(999),
        json!({"kind": "rectified", "measures": "已整改"}),
    );
    evs[3] = ev(
        13,
        1,
        "2023-07-27T09:00:00+08:00",
        Some(20),
        json!({"kind": "rechecked", "round": 1, "passed": false, "deadline": "2023-08-05"}),
    );
    let s = fold(&evs);
    assert_eq!(
        s.entry(&uuid(1)).unwrap().events,
        [uuid(10), uuid(11), uuid(12)]
    );
    // A forged cycle (each names the other): folded once, the same in any order, no panic.
    let cycle = vec![
        created(1),
        ev(
            11,
            1,
            "2023-07-20T10:05:00+08:00",
            Some(12),
            json!({"kind": "rectification_ordered", "deadline": "2023-07-25"}),
        ),
        ev(
            12,
            1,
            "2023-07-21T09:00:00+08:00",
            Some(11),
            json!({"kind": "rectified", "measures": "已整改"}),
        ),
    ];
    let a = fold(&cycle);
    let mut r = cycle.clone();
    r.reverse();
    assert_eq!(fold(&r), a);
    assert_eq!(
        a.entry(&uuid(1)).unwrap().events,
        [uuid(10), uuid(11), uuid(12)]
    );
}

#[test]
fn a_follows_that_is_no_event_id_is_refused_with_the_field_named() {
    for bad in [json!("not-a-uuid"), json!(uuid(13))] {
        let v = json!({"id": uuid(13), "entry": uuid(1), "author": "a", "device": "d",
                       "at": "2023-07-27T09:00:00+08:00", "follows": bad,
                       "kind": "rechecked", "round": 1, "passed": true});
        let e = Event::from_value(&v).unwrap();
        let err = e.validate().unwrap_err();
        assert_eq!(err.code.as_str(), "invalid_id", "{bad}");
        assert!(err.message.en.contains("follows"), "{:?}", err.message);
    }
}
