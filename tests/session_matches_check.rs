//! A live `Session` must always agree with a batch `check` of the same answers, and each `set`
//! must report (in its `Delta`) every item whose state changed.
//!
//! Property: open a session on an e-bike submission (both forms, both links, dates on either
//! side of the standard changes), apply a random sequence of `set(key, value)` (valid values,
//! invalid ones, nulls, values that flip relevance, repeat-group arrays), and after every step
//! compare the session's report with `check`, and the item states before and after with the
//! delta. A second property does the same on random runtime templates whose skip logic,
//! constraints and rules read each other in random ways, to exercise the dependency graph.
//!
//! `PROPTEST_CASES` sets the number of cases.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, FixedOffset};
use paicha::session::ItemState;
use paicha::template::{Item, ItemKind, Template};
use paicha::{check, Catalogue, Session};
use proptest::prelude::*;

mod common;
use common::cases;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn now() -> Option<DateTime<FixedOffset>> {
    Some(DateTime::parse_from_rfc3339("2026-06-01T00:00:00+08:00").unwrap())
}

// ---------------------------------------------------------------------------------------------
// Values

fn odd_json() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(json!(true)),
        Just(json!(3)),
        Just(json!("")),
        Just(json!("?")),
        Just(json!([])),
        Just(json!({})),
        Just(json!([1, "a"])),
        Just(json!({"sha256": "no"})),
    ]
    .boxed()
}

fn attachment() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => Just(json!({"sha256": SHA})),
        1 => Just(json!({"sha256": "bad"})),
    ]
    .boxed()
}

/// A value for `item`: mostly of the right type, sometimes not, sometimes null.
fn value_for(t: &Template, item: &Item) -> BoxedStrategy<Value> {
    let right: BoxedStrategy<Value> = match item.kind {
        ItemKind::YesNo => prop::sample::select(vec!["yes", "no", "na", "YES"])
            .prop_map(Value::from)
            .boxed(),
        ItemKind::Number | ItemKind::Integer => {
            let lo = item.min.unwrap_or(-50.0);
            let hi = item.max.unwrap_or(150.0);
            prop_oneof![
                3 => ((lo as i64 - 1)..=(hi as i64 + 1)).prop_map(Value::from),
                1 => (lo..hi).prop_map(Value::from),
                2 => prop::sample::select(vec![lo, hi, 4.0, 6.0, 25.0, 25.5, 30.0, 48.0, 55.0, 60.0, 63.0, 400.0, 401.0])
                    .prop_map(Value::from),
            ]
            .boxed()
        }
        ItemKind::Text => prop::sample::select(vec!["a", "型号", "", "  ", "x"])
            .prop_map(Value::from)
            .boxed(),
        ItemKind::Date => prop::sample::select(vec![
            "2020-01-01",
            "2023-07-20",
            "2025-10-01",
            "2030-01-01",
            "2023-02-29",
        ])
        .prop_map(Value::from)
        .boxed(),
        ItemKind::SingleChoice => {
            let mut c: Vec<String> = item.choices.iter().map(|c| c.to_string()).collect();
            c.push("bogus".into());
            prop::sample::select(c).prop_map(Value::from).boxed()
        }
        ItemKind::MultipleChoice => {
            let mut c: Vec<String> = item.choices.iter().map(|c| c.to_string()).collect();
            c.push("bogus".into());
            prop::sample::subsequence(c.clone(), 0..=c.len())
                .prop_map(|v| json!(v))
                .boxed()
        }
        ItemKind::Photo => prop_oneof![
            2 => prop::collection::vec(attachment(), 0..3).prop_map(Value::Array),
            1 => attachment(),
        ]
        .boxed(),
        ItemKind::Signature => attachment(),
        ItemKind::GeoPoint => prop_oneof![
            3 => (-100.0f64..100.0, -190.0f64..190.0).prop_map(|(lat, lon)| json!({"lat": lat, "lon": lon})),
            1 => Just(json!({"lat": 1})),
        ]
        .boxed(),
        ItemKind::Repeat => {
            let children: Vec<(String, BoxedStrategy<Value>)> = item
                .children
                .iter()
                .filter_map(|&c| t.item(c))
                .map(|c| (c.key.clone(), value_for(t, c)))
                .collect();
            let instance = common::repeat_instance(children);
            prop_oneof![
                6 => prop::collection::vec(instance, 0..4).prop_map(Value::Array),
                1 => Just(json!([1])),
                1 => Just(json!({"not": "an array"})),
            ]
            .boxed()
        }
    };
    prop_oneof![8 => right, 1 => odd_json(), 2 => Just(Value::Null)].boxed()
}

/// Answers to some top-level items of `t` (any scope: out-of-scope ones are fixed errors).
fn answers_for(t: &'static Template) -> BoxedStrategy<Map<String, Value>> {
    let per_item: Vec<BoxedStrategy<Option<(String, Value)>>> = t
        .items
        .iter()
        .filter(|i| i.parent.is_none())
        .map(|i| {
            let k = i.key.clone();
            prop::option::weighted(0.5, value_for(t, i))
                .prop_map(move |v| v.map(|v| (k.clone(), v)))
                .boxed()
        })
        .collect();
    per_item
        .prop_map(|kvs| kvs.into_iter().flatten().collect::<Map<_, _>>())
        .boxed()
}

/// One step: the index of a top-level item and a value for it.
fn steps_for(t: &'static Template, max: usize) -> BoxedStrategy<Vec<(String, Value)>> {
    let per_item: Vec<BoxedStrategy<(String, Value)>> = t
        .items
        .iter()
        .filter(|i| i.parent.is_none())
        .map(|i| {
            let k = i.key.clone();
            value_for(t, i).prop_map(move |v| (k.clone(), v)).boxed()
        })
        .collect();
    let any_step = prop::strategy::Union::new(per_item);
    prop::collection::vec(any_step, 1..max).boxed()
}

// ---------------------------------------------------------------------------------------------
// The property

fn submission(
    t: &Template,
    form: &str,
    link: &str,
    at: &str,
    answers: &Map<String, Value>,
) -> Value {
    json!({
        "id": "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10",
        "product": t.product,
        "form": form,
        "link": link,
        "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "车行", "region": "520102"},
        "inspected_at": at,
        "answers": answers
    })
}

fn states(s: &Session) -> BTreeMap<String, ItemState> {
    s.items().into_iter().map(|i| (i.key.clone(), i)).collect()
}

/// Runs the steps on a session and on `check`, asserting they agree after each.
fn run_steps(
    cat: &Catalogue,
    t: &Template,
    form: &str,
    link: &str,
    at: &str,
    mut answers: Map<String, Value>,
    steps: &[(String, Value)],
) -> Result<(), TestCaseError> {
    let first = submission(t, form, link, at, &answers);
    let mut s = match Session::open(cat, &first, now()) {
        Ok(s) => s,
        Err(r) => return Err(TestCaseError::fail(format!("session not opened: {r:?}"))),
    };
    let opened = s.report();
    prop_assert_eq!(&opened, &check(cat, &first, now()), "after open");
    // The actions a client shows: fetched again only when a delta says they changed.
    let mut shown_actions = opened.actions.clone();
    let mut last_findings = opened.findings.clone();
    for (n, (key, value)) in steps.iter().enumerate() {
        let before = states(&s);
        let applicable = t
            .slot(key)
            .and_then(|sl| t.item(sl))
            .is_some_and(|i| before.contains_key(&i.key));
        let result = s.set(key, value);
        if !applicable {
            // Outside this form or link: refused, nothing changes.
            let e = match result {
                Err(e) => e,
                Ok(d) => {
                    return Err(TestCaseError::fail(format!(
                        "set({key}) accepted an item outside the form or link: {d:?}"
                    )))
                }
            };
            prop_assert_eq!(e.code.as_str(), "not_applicable");
            prop_assert_eq!(states(&s), before);
            continue;
        }
        let delta = match result {
            Ok(d) => d,
            Err(e) => return Err(TestCaseError::fail(format!("set({key}) refused: {e:?}"))),
        };
        answers.insert(key.clone(), value.clone());
        let v = submission(t, form, link, at, &answers);
        let want = check(cat, &v, now());
        let got = s.report();
        prop_assert_eq!(
            &got,
            &want,
            "step {}: set({}, {}) on {} {} at {}",
            n,
            key,
            value,
            form,
            link,
            at
        );
        // The delta's summary is the report's.
        prop_assert_eq!(delta.valid, want.valid);
        prop_assert_eq!(delta.level, want.level);
        prop_assert_eq!(delta.error_count, want.errors.len());
        prop_assert_eq!(delta.finding_count, want.findings.len());
        if want.findings != last_findings {
            prop_assert!(
                delta.actions_changed,
                "step {}: findings changed but the delta does not say the actions changed",
                n
            );
        }
        if delta.actions_changed {
            shown_actions = s.actions();
        }
        prop_assert_eq!(
            &shown_actions,
            &want.actions,
            "step {}: actions shown are stale",
            n
        );
        last_findings = want.findings.clone();
        // Every item whose state changed is in the delta, as it is now.
        let after = states(&s);
        let listed: BTreeMap<&str, &ItemState> =
            delta.items.iter().map(|i| (i.key.as_str(), i)).collect();
        for (k, now_state) in &after {
            if before.get(k) != Some(now_state) {
                prop_assert!(
                    listed.contains_key(k.as_str()),
                    "step {}: set({}, {}) changed {} but the delta lists only {:?}\nbefore: {:?}\nafter: {:?}",
                    n,
                    key,
                    value,
                    k,
                    listed.keys().collect::<Vec<_>>(),
                    before.get(k),
                    now_state
                );
            }
        }
        for (k, st) in &listed {
            prop_assert_eq!(
                after.get(*k),
                Some(*st),
                "delta item {} is not the current state",
                k
            );
        }
    }
    Ok(())
}

fn ebike() -> &'static Template {
    Catalogue::builtin().get("electric-bicycle", None).unwrap()
}

/// Steps on the e-bike checklist, with extra weight on the answers that switch other items on
/// and off (battery chemistry, the CCC certificate, location and photos) and on the samples.
fn ebike_steps() -> BoxedStrategy<Vec<(String, Value)>> {
    let t = ebike();
    let item = |k: &str| t.item(t.slot(k).unwrap()).unwrap();
    let flips = prop_oneof![
        prop::sample::select(vec!["lithium", "lead_acid", "other", "nickel"])
            .prop_map(|c| ("ebike.battery_chemistry".to_string(), json!(c))),
        Just(("ebike.battery_chemistry".to_string(), Value::Null)),
        prop::sample::select(vec![json!("yes"), json!("no"), Value::Null])
            .prop_map(|v| ("ccc.certificate_valid".to_string(), v)),
        value_for(t, item("ebike.samples")).prop_map(|v| ("ebike.samples".to_string(), v)),
        value_for(t, item("onsite.location")).prop_map(|v| ("onsite.location".to_string(), v)),
        value_for(t, item("ebike.onsite_photo"))
            .prop_map(|v| ("ebike.onsite_photo".to_string(), v)),
    ];
    let step = prop_oneof![
        3 => steps_for(t, 2).prop_map(|mut v| v.remove(0)),
        2 => flips,
    ];
    prop::collection::vec(step, 1..25).boxed()
}

proptest! {
    #![proptest_config(cases(1024))]

    #[test]
    fn ebike_session_matches_check(
        form in prop::sample::select(vec!["self_inspection", "onsite_inspection"]),
        link in prop::sample::select(vec!["sales", "production"]),
        at in prop::sample::select(vec![
            "2023-07-20T10:00:00+08:00",
            "2025-08-31T23:00:00+08:00",
            "2025-09-01T10:00:00+08:00",
            "2025-12-01T10:00:00+08:00",
            "not a date",
        ]),
        answers in answers_for(ebike()),
        steps in ebike_steps(),
    ) {
        run_steps(Catalogue::builtin(), ebike(), form, link, at, answers, &steps)?;
    }
}

/// A fixed sequence that flips the battery chemistry back and forth with the dependent items
/// answered, on site, after the CCC date.
#[test]
fn relevance_flips_are_reported() {
    let t = ebike();
    let answers: Map<String, Value> = json!({
        "ebike.battery_chemistry": "lead_acid",
        "ebike.charger_plug_pins": 6,
        "ebike.charger_handshake": "no",
        "ebike.battery_ccc_valid": "no",
        "ebike.battery_max_output_v": 61,
        "ebike.mass_kg": 60
    })
    .as_object()
    .unwrap()
    .clone();
    let steps: Vec<(String, Value)> = [
        json!("lithium"),
        json!("lead_acid"),
        Value::Null,
        json!("other"),
        json!("lithium"),
        json!(5),
    ]
    .into_iter()
    .map(|v| ("ebike.battery_chemistry".to_string(), v))
    .collect();
    run_steps(
        Catalogue::builtin(),
        t,
        "onsite_inspection",
        "sales",
        "2025-12-01T10:00:00+08:00",
        answers,
        &steps,
    )
    .unwrap();
    // And the delta of one flip names the items it switched.
    let v = submission(
        t,
        "onsite_inspection",
        "sales",
        "2025-12-01T10:00:00+08:00",
        &json!({"ebike.battery_chemistry": "lead_acid", "ebike.charger_handshake": "no"})
            .as_object()
            .unwrap()
            .clone(),
    );
    let mut s = Session::open(Catalogue::builtin(), &v, now()).unwrap();
    let d = s.set("ebike.battery_chemistry", &json!("lithium")).unwrap();
    let keys: Vec<&str> = d.items.iter().map(|i| i.key.as_str()).collect();
    for k in ["ebike.charger_handshake", "ebike.battery_ccc_valid"] {
        assert!(keys.contains(&k), "{k} not in {keys:?}");
    }
    let hs = d
        .items
        .iter()
        .find(|i| i.key == "ebike.charger_handshake")
        .unwrap();
    assert!(hs.relevant);
    assert_eq!(hs.findings.len(), 1);
}

#[test]
fn set_refuses_keys_outside_the_checklist() {
    let v = submission(
        ebike(),
        "self_inspection",
        "sales",
        "2023-07-20T10:00:00+08:00",
        &Map::new(),
    );
    let mut s = Session::open(Catalogue::builtin(), &v, now()).unwrap();
    let before = s.report();
    for (key, code) in [
        ("nope", "unknown_item"),
        ("__proto__", "unknown_item"),
        ("ebike.samples.frame_no", "unknown_item"),
        ("ebike.onsite_photo", "not_applicable"),
        ("ebike.samples", "not_applicable"),
    ] {
        let e = s.set(key, &json!("yes")).unwrap_err();
        assert_eq!(e.code.as_str(), code, "{key}");
        assert_eq!(e.path, paicha::issue::pointer("/answers", key));
    }
    assert_eq!(s.report(), before);
}

#[test]
fn open_without_a_checklist_returns_the_report() {
    for v in [
        json!({}),
        json!({"product": "toaster", "form": "self_inspection", "link": "sales"}),
        json!({"product": "electric-bicycle", "form": "self", "link": "sales"}),
        json!(5),
    ] {
        match Session::open(Catalogue::builtin(), &v, now()) {
            Ok(_) => panic!("opened a session on {v}"),
            Err(r) => {
                assert_eq!(*r, check(Catalogue::builtin(), &v, now()));
                assert!(!r.valid);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Random templates: skip logic, constraints and rules that read each other

/// Items of the random template, in order; `g.*` are children of the repeat group `g`.
const TOP: &[(&str, &str)] = &[
    ("t.a", "yes_no"),
    ("t.b", "single_choice"),
    ("t.n", "number"),
    ("t.m", "multiple_choice"),
    ("t.g", "repeat"),
    ("t.c", "yes_no"),
    ("t.d", "date"),
    ("t.e", "integer"),
];
const CHILDREN: &[(&str, &str)] = &[("t.g.x", "number"), ("t.g.y", "yes_no")];

/// A random condition over the other items (no `.`, usable anywhere).
fn condition(readable: Vec<&'static str>, count: bool) -> BoxedStrategy<String> {
    let group = if count {
        "count(${t.g}) > 1"
    } else {
        "string-length('abc') = 3"
    };
    let atom = prop_oneof![
        (
            prop::sample::select(readable.clone()),
            prop::sample::select(vec![
                "= 'yes'", "!= 'no'", "= ''", "!= ''", "> 3", "<= 50", "= 'p'"
            ])
        )
            .prop_map(|(k, c)| format!("${{{k}}} {c}")),
        prop::sample::select(readable.clone()).prop_map(|k| format!("selected(${{{k}}}, 'q')")),
        prop::sample::select(readable).prop_map(|k| format!("coalesce(${{{k}}}, 'z') != 'z'")),
        Just(group.to_string()),
        Just("today() >= date('2024-01-01')".to_string()),
    ];
    prop_oneof![
        3 => atom.clone(),
        1 => (atom.clone(), atom.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
        1 => (atom.clone(), atom).prop_map(|(a, b)| format!("{a} or not({b})")),
    ]
    .boxed()
}

fn item_json(key: &'static str, kind: &'static str, extras: Extras) -> Value {
    let (relevant, required, constraint, rule_when, default_rule) = extras;
    let mut v = json!({"key": key, "section": "s", "type": kind, "label": {"zh": key, "en": key}});
    match kind {
        "single_choice" | "multiple_choice" => {
            v["choices"] = json!([
                {"value": "p", "label": {"zh": "p", "en": "p"}},
                {"value": "q", "label": {"zh": "q", "en": "q"}}
            ]);
        }
        "number" | "integer" => {
            v["min"] = json!(0);
            v["max"] = json!(100);
        }
        _ => {}
    }
    if let Some(r) = relevant {
        v["relevant"] = json!(r);
    }
    if let Some(r) = required {
        v["required"] = if r == "true" { json!(true) } else { json!(r) };
    }
    if let Some(c) = constraint {
        v["constraint"] = json!(c);
    }
    let check = match kind {
        "yes_no" if default_rule => None,
        "yes_no" => Some(". != 'no'".to_string()),
        "number" | "integer" => Some(". <= 50".to_string()),
        "date" => Some(". <= today()".to_string()),
        "single_choice" => Some(". != 'q'".to_string()),
        "multiple_choice" => Some("not(selected(., 'q'))".to_string()),
        _ => None,
    };
    if kind != "repeat" && (check.is_some() || kind == "yes_no") {
        let mut rule =
            json!({"severity": if default_rule { "major" } else { "general" }, "basis": "test"});
        if let Some(c) = check {
            rule["check"] = json!(c);
        }
        if let Some(w) = rule_when {
            rule["when"] = json!(w);
        }
        v["rules"] = json!([rule]);
    }
    v
}

type Extras = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
);

fn extras(readable: Vec<&'static str>, count: bool) -> BoxedStrategy<Extras> {
    (
        prop::option::weighted(0.6, condition(readable.clone(), count)),
        prop::option::weighted(
            0.5,
            prop_oneof![Just("true".to_string()), condition(readable.clone(), count)],
        ),
        prop::option::weighted(0.3, condition(readable.clone(), count)),
        prop::option::weighted(0.4, condition(readable, count)),
        any::<bool>(),
    )
        .boxed()
}

/// A random template: each item's expressions read earlier items only (so there is no cycle),
/// except constraints and rules, which may read any top-level item.
fn random_template() -> BoxedStrategy<String> {
    let tops: Vec<&'static str> = TOP.iter().map(|(k, _)| *k).collect();
    let mut per_item: Vec<BoxedStrategy<Value>> = Vec::new();
    for (i, (key, kind)) in TOP.iter().enumerate() {
        let earlier: Vec<&'static str> = tops[..i.max(1)]
            .iter()
            .copied()
            .filter(|k| *k != *key && *k != "t.g")
            .chain(std::iter::once("t.e"))
            .filter(|k| *k != *key)
            .collect();
        let earlier = if earlier.is_empty() {
            vec!["t.e"]
        } else {
            earlier
        };
        let any_top: Vec<&'static str> = tops.iter().copied().filter(|k| *k != "t.g").collect();
        let (key, kind) = (*key, *kind);
        // count(${t.g}) in a relevance condition only after the group, so there is no cycle.
        let group_index = TOP.iter().position(|(k, _)| *k == "t.g").unwrap();
        let s = (
            extras(earlier, i > group_index),
            condition(any_top.clone(), true),
            condition(any_top, true),
        )
            .prop_map(move |(mut ex, c2, w2)| {
                // Relevance may read only earlier items; the rest may read anything.
                if ex.2.is_some() {
                    ex.2 = Some(c2);
                }
                if ex.3.is_some() {
                    ex.3 = Some(w2);
                }
                item_json(key, kind, ex)
            });
        per_item.push(s.boxed());
    }
    let mut children: Vec<BoxedStrategy<Value>> = Vec::new();
    for (key, kind) in CHILDREN {
        let readable: Vec<&'static str> = vec!["t.a", "t.b", "t.n", "t.g.x"]
            .into_iter()
            .filter(|k| k != key)
            .collect();
        let (key, kind) = (*key, *kind);
        children.push(
            extras(readable, true)
                .prop_map(move |ex| item_json(key, kind, ex))
                .boxed(),
        );
    }
    (per_item, children)
        .prop_map(|(mut items, children)| {
            // t.e is read by everyone's relevance, so it has none itself.
            if let Some(e) = items.iter_mut().find(|i| i["key"] == "t.e") {
                e.as_object_mut().unwrap().remove("relevant");
            }
            if let Some(g) = items.iter_mut().find(|i| i["key"] == "t.g") {
                g["items"] = Value::Array(children);
                g["max_count"] = json!(3);
                g.as_object_mut().unwrap().remove("constraint");
                g.as_object_mut().unwrap().remove("rules");
            }
            json!({
                "format": 1, "product": "random", "version": "1",
                "sections": [{"id": "s", "label": {"zh": "s", "en": "s"}}],
                "items": items
            })
            .to_string()
        })
        .boxed()
}

fn leaked(t: Template) -> &'static Template {
    Box::leak(Box::new(t))
}

proptest! {
    #![proptest_config(cases(1024))]

    #[test]
    fn random_template_session_matches_check(
        src in random_template(),
        seed_answers in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        steps in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 1..20),
        at in prop::sample::select(vec!["2023-07-20T10:00:00+08:00", "2025-01-01T10:00:00+08:00"]),
    ) {
        let mut cat = Catalogue::empty();
        let t = match cat.add_json(&src) {
            Ok(t) => t,
            Err(e) => return Err(TestCaseError::fail(format!("template rejected: {e}\n{src}"))),
        };
        // Values for each top-level key, picked by index (strategies need the template first).
        let t: &'static Template = leaked((*t).clone());
        let tops: Vec<&Item> = t.items.iter().filter(|i| i.parent.is_none()).collect();
        let pools: Vec<Vec<Value>> = tops.iter().map(|i| pool(i.kind)).collect();
        let mut answers = Map::new();
        for ix in &seed_answers {
            let i = ix.index(tops.len());
            answers.insert(tops[i].key.clone(), pools[i][ix.index(pools[i].len())].clone());
        }
        let steps: Vec<(String, Value)> = steps
            .iter()
            .map(|(k, v)| {
                let i = k.index(tops.len());
                (tops[i].key.clone(), pools[i][v.index(pools[i].len())].clone())
            })
            .collect();
        run_steps(&cat, t, "onsite_inspection", "production", at, answers, &steps)?;
    }
}

/// A few values of each kind, right and wrong, for the random template.
fn pool(kind: ItemKind) -> Vec<Value> {
    let mut v = match kind {
        ItemKind::YesNo => vec![json!("yes"), json!("no"), json!("na")],
        ItemKind::SingleChoice => vec![json!("p"), json!("q"), json!("r")],
        ItemKind::MultipleChoice => vec![json!(["p"]), json!(["q"]), json!(["p", "q"]), json!([])],
        ItemKind::Number | ItemKind::Integer => {
            vec![
                json!(0),
                json!(3),
                json!(4),
                json!(50),
                json!(51),
                json!(100),
                json!(101),
                json!(2.5),
            ]
        }
        ItemKind::Date => vec![
            json!("2023-01-01"),
            json!("2030-01-01"),
            json!("2023-02-29"),
        ],
        ItemKind::Repeat => vec![
            json!([]),
            json!([{"t.g.x": 10, "t.g.y": "yes"}]),
            json!([{"t.g.x": 60, "t.g.y": "no"}, {"t.g.x": 4}]),
            json!([{"t.g.y": "no"}, {}, {"t.g.x": "a"}]),
            json!([{"t.g.x": 1}, {"t.g.x": 2}, {"t.g.x": 3}, {"t.g.x": 4}]),
        ],
        _ => vec![json!("x")],
    };
    v.push(Value::Null);
    v.push(json!({"odd": true}));
    v
}

/// Found by the property above (50,000 cases): a repeat child's constraint read a top-level
/// answer through that answer's own constraint, so when a third item made that constraint pass,
/// the batch check changed its verdict and the live session, which the graph did not tell to
/// re-evaluate the group, did not. Constraints read answers as entered, inside groups too.
#[test]
fn a_repeat_constraint_reads_answers_as_entered() {
    let src = json!({
        "format": 1, "product": "random", "version": "1",
        "sections": [{"id": "s", "label": {"zh": "s", "en": "s"}}],
        "items": [
            {"key": "t.n", "type": "number", "section": "s", "label": {"zh": "n", "en": "n"},
             "min": 0, "max": 100, "constraint": "coalesce(${t.e}, 'z') != 'z'"},
            {"key": "t.g", "type": "repeat", "section": "s", "label": {"zh": "g", "en": "g"},
             "max_count": 3, "items": [
                {"key": "t.g.y", "type": "yes_no", "section": "s", "label": {"zh": "y", "en": "y"},
                 "constraint": "coalesce(${t.n}, 'z') != 'z'"}
            ]},
            {"key": "t.e", "type": "integer", "section": "s", "label": {"zh": "e", "en": "e"},
             "min": 0, "max": 100}
        ]
    })
    .to_string();
    let mut cat = Catalogue::empty();
    let t = leaked((*cat.add_json(&src).unwrap()).clone());
    let steps = vec![
        ("t.n".to_string(), json!(0)),
        ("t.g".to_string(), json!([{"t.g.y": "yes"}])),
        ("t.e".to_string(), json!(0)),
    ];
    let at = "2025-01-01T10:00:00+08:00";
    run_steps(
        &cat,
        t,
        "onsite_inspection",
        "production",
        at,
        Map::new(),
        &steps,
    )
    .unwrap();
    // And the verdict itself: t.n is answered as entered, so the child's constraint holds
    // at every step; only t.n's own constraint fails until t.e is answered.
    let all = Map::from_iter(steps);
    let r = check(
        &cat,
        &submission(t, "onsite_inspection", "production", at, &all),
        now(),
    );
    assert!(r.valid, "{:?}", r.errors);
}
