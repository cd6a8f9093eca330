//! Property-based fuzzing: whatever comes in, the core does not panic and its reports keep their
//! invariants.
//!
//! The number of cases comes from `PROPTEST_CASES` when it is set; the defaults keep this file
//! under about 30 s in a debug build. Failures are not persisted to files: a failing case is
//! printed (shrunk), and should be turned into a named test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use paicha::expr::{self, Env, Resolver, Value as EVal};
use paicha::policy::{ActionKind, Severity};
use paicha::template::{Item, ItemKind, Template};
use paicha::{check, check_json, Catalogue, Level, Report, Reports};
use proptest::prelude::*;

mod common;
use common::cases;
use serde_json::{json, Map, Value};
use std::sync::Arc;

fn cat() -> &'static Catalogue {
    Catalogue::builtin()
}

fn ebike() -> &'static Template {
    cat().get("electric-bicycle", None).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Report invariants

const CONVERSION_CODES: &[&str] = &[
    "wrong_type",
    "invalid_choice",
    "invalid_date",
    "not_integer",
    "out_of_range",
    "too_long",
    "too_many",
    "invalid_attachment",
    "invalid_geo",
];

/// Everything a report must satisfy for the submission `v` it was made from.
fn invariants(v: &Value, r: &Report, now: Option<DateTime<FixedOffset>>) {
    invariants_in(cat(), v, r, now);
}

fn invariants_in(cat: &Catalogue, v: &Value, r: &Report, now: Option<DateTime<FixedOffset>>) {
    // valid says whether there are errors.
    assert_eq!(r.valid, r.errors.is_empty());
    // level is the worst finding.
    let want = match r.findings.iter().map(|f| f.severity).max() {
        None => Level::None,
        Some(Severity::General) => Level::General,
        Some(Severity::Major) => Level::Major,
    };
    assert_eq!(r.level, want, "{:?}", r.findings);
    // Error paths are JSON Pointers starting with `/`; only a submission that is not an object
    // at all is reported at the root (the empty pointer).
    for e in &r.errors {
        if e.path.is_empty() {
            assert!(!v.is_object(), "root error for an object: {e:?}");
            assert_eq!(e.code.as_str(), "wrong_type");
        } else {
            assert!(e.path.starts_with('/'), "{e:?}");
        }
        assert!(!e.message.zh.is_empty() && !e.message.en.is_empty());
        // An error about an entry points at that entry.
        if e.path.starts_with("/answers/") && CONVERSION_CODES.contains(&e.code.as_str()) {
            assert!(v.pointer(&e.path).is_some(), "dangling path {e:?}");
        }
        if e.code.as_str() == "unknown_item" || e.code.as_str() == "unknown_field" {
            assert!(v.pointer(&e.path).is_some(), "dangling path {e:?}");
        }
    }
    if !v.is_object() {
        assert!(r.findings.is_empty());
    }
    let product = v.get("product").and_then(Value::as_str);
    let template = product.and_then(|p| cat.get(p, None));
    for f in &r.findings {
        // Findings name template items and point at answers that exist.
        let t = template.expect("a finding without a template");
        assert!(t.slot(&f.item).is_some(), "unknown item {}", f.item);
        assert!(
            v.pointer(&f.path).is_some(),
            "dangling finding path {}",
            f.path
        );
        assert!(!f.basis.is_empty());
        // A rejected entry never produces a finding.
        assert!(
            !r.errors
                .iter()
                .any(|e| e.path == f.path && CONVERSION_CODES.contains(&e.code.as_str())),
            "finding on a rejected entry: {f:?}"
        );
    }
    // Deadlines are counted from the inspection day, never before it.
    let day = v
        .get("inspected_at")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        // Years outside 1990..=2200 are rejected as implausible: no inspection day then.
        .filter(|d| (1990..=2200).contains(&chrono::Datelike::year(d)))
        // Nor is there one when the time is in the future (a wrong clock): nothing is judged on it.
        .filter(|_| {
            !r.errors
                .iter()
                .any(|e| e.code.as_str() == "future_datetime")
        })
        .map(|d| d.date_naive());
    for a in &r.actions {
        match (&a.due, day) {
            (Some(due), Some(day)) => {
                let due = parse_due(due);
                assert!(due >= day, "{a:?} due before the inspection day {day}");
                if a.kind == ActionKind::StopProductionSale {
                    assert_eq!(due, day);
                }
            }
            (Some(due), None) => panic!("a deadline {due} without an inspection day"),
            (None, Some(_)) => assert!(
                !matches!(
                    a.kind,
                    ActionKind::Rectify | ActionKind::Recheck | ActionKind::StopProductionSale
                ),
                "{a:?} has no deadline"
            ),
            (None, None) => {}
        }
    }
    // Every item with a finding gets rectify and recheck actions; nothing else does.
    let mut with_findings: Vec<&str> = r.findings.iter().map(|f| f.item.as_str()).collect();
    with_findings.sort_unstable();
    with_findings.dedup();
    for kind in [ActionKind::Rectify, ActionKind::Recheck] {
        let mut items: Vec<&str> = r
            .actions
            .iter()
            .filter(|a| a.kind == kind)
            .map(|a| a.item.as_deref().unwrap())
            .collect();
        items.sort_unstable();
        assert_eq!(items, with_findings, "{kind:?}");
    }
    if r.findings.is_empty() {
        assert!(r.actions.is_empty());
    }
    let _ = now;
}

/// Nesting depth of arrays and objects.
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// `YYYY-MM-DD`, also with a year past 9999 (see the ignored test for why that can appear).
fn parse_due(s: &str) -> NaiveDate {
    let mut parts = s.splitn(3, '-');
    let mut next = || parts.next().and_then(|p| p.parse::<u32>().ok());
    let (y, m, d) = (next(), next(), next());
    y.zip(m)
        .zip(d)
        .and_then(|((y, m), d)| NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d))
        .unwrap_or_else(|| panic!("bad due date {s}"))
}

/// `check` on the value, and `check_json` on its text, must agree; returns the report.
fn check_both(v: &Value, now: Option<DateTime<FixedOffset>>) -> Report {
    let r = check(cat(), v, now);
    invariants(v, &r, now);
    let text = serde_json::to_string(v).unwrap();
    match check_json(cat(), &text, now) {
        Ok(Reports::One(r2)) => assert_eq!(r, r2),
        Ok(Reports::Many(rs)) => {
            let a = v.as_array().expect("many reports for a non-array");
            assert_eq!(rs.len(), a.len());
        }
        // serde_json's parser stops at 128 levels of nesting.
        Err(e) if depth(v) > 127 => assert_eq!(e.code.as_str(), "invalid_json"),
        Err(e) => panic!("serialized JSON rejected: {e:?}"),
    }
    // Deterministic.
    assert_eq!(r, check(cat(), v, now));
    r
}

// ---------------------------------------------------------------------------------------------
// Arbitrary JSON

fn keyish() -> impl Strategy<Value = String> {
    let keys: Vec<String> = ebike().items.iter().map(|i| i.key.clone()).collect();
    prop_oneof![
        4 => prop::sample::select(keys),
        2 => "[a-z_.]{0,12}",
        1 => any::<String>(),
        1 => prop::sample::select(vec![
            "__proto__", "constructor", "", "a/b~c", "~1", "\u{0}", "𝒳𝒴", "id", "answers",
            "sha256", "lat", "lon", "ebike.samples.frame_no", "名称", "\u{202e}rtl",
        ])
        .prop_map(String::from),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // NaN and infinities become null in serde_json.
        any::<f64>().prop_map(Value::from),
        (-200i32..20_000).prop_map(Value::from),
        prop::sample::select(vec![
            0.0, -0.0, 1e308, -1e308, 5e-324, 25.0, 25.000_001, 120.0, 4.5, 0.1, 63.0, 55.5,
        ])
        .prop_map(Value::from),
    ]
}

fn stringish() -> impl Strategy<Value = String> {
    prop_oneof![
        keyish(),
        prop::sample::select(vec![
            "yes",
            "no",
            "na",
            "lithium",
            "lead_acid",
            "other",
            "2023-02-29",
            "2024-02-29",
            "2025-09-01",
            "9999-12-31",
            "0000-01-01",
            "25",
            " ",
            "NaN",
            "Infinity",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ])
        .prop_map(String::from),
        "\\PC{0,20}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        stringish().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keyish(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A value wrapped in up to 300 arrays or objects.
fn deep() -> impl Strategy<Value = Value> {
    (json(), 0usize..300, any::<bool>(), keyish()).prop_map(|(mut v, n, arrays, key)| {
        for _ in 0..n {
            v = if arrays {
                Value::Array(vec![v])
            } else {
                let mut m = Map::new();
                m.insert(key.clone(), v);
                Value::Object(m)
            };
        }
        v
    })
}

fn now_strategy() -> impl Strategy<Value = Option<DateTime<FixedOffset>>> {
    prop_oneof![
        Just(None),
        Just(Some(
            DateTime::parse_from_rfc3339("2023-07-21T09:00:00+08:00").unwrap()
        )),
        Just(Some(
            DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap()
        )),
    ]
}

fn inspected_at() -> impl Strategy<Value = Value> {
    // Days from 2018-06-01 to 2027-01-01: both e-bike standards, the CCC date, year ends.
    let base = NaiveDate::from_ymd_opt(2018, 6, 1).unwrap();
    prop_oneof![
        8 => (0i64..3137, 0u32..24, prop::sample::select(vec!["+08:00", "Z", "-12:00", "+14:00", "+05:45"]))
            .prop_map(move |(d, h, off)| {
                let day = base + Duration::days(d);
                Value::String(format!("{day}T{h:02}:30:00{off}"))
            }),
        1 => prop::sample::select(vec![
            "2023-02-29T10:00:00+08:00", "2023-07-20T10:00:00", "2023-07-20", "",
            "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00", "+10000-01-01T00:00:00Z",
        ]).prop_map(|s| Value::String(s.into())),
        1 => json(),
    ]
}

/// Either the good value or anything; sometimes absent.
fn field(good: BoxedStrategy<Value>) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        6 => good.prop_map(Some),
        1 => json().prop_map(Some),
        1 => Just(None),
    ]
}

fn good_enterprise() -> BoxedStrategy<Value> {
    (
        prop::sample::select(vec![
            "91520102MA6DK4L2XN",
            "91350100M000100Y43",
            "91520102MA6DK4L2XA",
            "bad",
        ]),
        prop::sample::select(vec!["贵阳示例车行", "", "x"]),
        prop::sample::select(vec!["520102", "110000", "990000"]),
    )
        .prop_map(|(u, n, r)| json!({"uscc": u, "name": n, "region": r}))
        .boxed()
}

fn envelope(answers: BoxedStrategy<Value>) -> impl Strategy<Value = Value> {
    (
        field(
            prop::sample::select(vec!["6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10", "not-a-uuid"])
                .prop_map(Value::from)
                .boxed(),
        ),
        field(
            prop::sample::select(vec![
                "electric-bicycle",
                "electric-bicycle",
                "cement",
                "toaster",
            ])
            .prop_map(Value::from)
            .boxed(),
        ),
        field(
            prop::sample::select(vec!["self_inspection", "onsite_inspection", "audit"])
                .prop_map(Value::from)
                .boxed(),
        ),
        field(
            prop::sample::select(vec!["production", "sales", "retail"])
                .prop_map(Value::from)
                .boxed(),
        ),
        field(good_enterprise()),
        field(inspected_at().boxed()),
        field(answers),
        prop::option::weighted(0.1, (keyish(), json())),
    )
        .prop_map(|(id, product, form, link, ent, at, answers, extra)| {
            let mut m = Map::new();
            for (k, v) in [
                ("id", id),
                ("product", product),
                ("form", form),
                ("link", link),
                ("enterprise", ent),
                ("inspected_at", at),
                ("answers", answers),
            ] {
                if let Some(v) = v {
                    m.insert(k.to_string(), v);
                }
            }
            if let Some((k, v)) = extra {
                m.insert(k, v);
            }
            Value::Object(m)
        })
}

// ---------------------------------------------------------------------------------------------
// Typed answers for the e-bike template

fn attachment() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => Just(json!({"sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})),
        2 => Just(json!({"sha256": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "name": "a.jpg", "size": 10})),
        1 => Just(json!({"sha256": "xyz"})),
        1 => Just(json!({"sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "url": "x"})),
        1 => json(),
    ]
    .boxed()
}

/// A plausible answer for `item` (mostly right type, sometimes wrong, sometimes off range).
fn answer_for(t: &Template, item: &Item) -> BoxedStrategy<Value> {
    let wrong = json();
    let right: BoxedStrategy<Value> = match item.kind {
        ItemKind::YesNo => prop::sample::select(vec!["yes", "no", "na", "no", "Yes"])
            .prop_map(Value::from)
            .boxed(),
        ItemKind::Number | ItemKind::Integer => {
            let lo = item.min.unwrap_or(-1000.0);
            let hi = item.max.unwrap_or(1000.0);
            let span = (hi - lo).max(1.0);
            prop_oneof![
                4 => ((lo as i64 - 2)..=(hi as i64 + 2)).prop_map(Value::from),
                2 => ((lo - span * 0.1)..(hi + span * 0.1)).prop_map(Value::from),
                1 => prop::sample::select(vec![lo, hi, 25.0, 25.5, 48.0, 55.0, 63.0, 400.0, 4.0, 6.0, 5.5, 30.0, 60.0])
                    .prop_map(Value::from),
            ]
            .boxed()
        }
        ItemKind::Text => prop_oneof![
            4 => "\\PC{0,12}".prop_map(Value::from),
            1 => Just(Value::from(" ")),
            1 => Just(Value::from("x".repeat(item.max_length + 1))),
        ]
        .boxed(),
        ItemKind::Date => prop_oneof![
            4 => (2000i32..2030, 1u32..13, 1u32..32)
                .prop_map(|(y, m, d)| Value::from(format!("{y:04}-{m:02}-{d:02}"))),
            1 => Just(Value::from("2023-02-29")),
        ]
        .boxed(),
        ItemKind::SingleChoice => {
            let mut c: Vec<String> = item.choices.iter().map(|c| c.to_string()).collect();
            c.push("bogus".into());
            prop::sample::select(c).prop_map(Value::from).boxed()
        }
        ItemKind::MultipleChoice => {
            let mut c: Vec<String> = item.choices.iter().map(|c| c.to_string()).collect();
            c.push("bogus".into());
            c.push(item.choices[0].to_string());
            prop::sample::subsequence(c.clone(), 0..=c.len())
                .prop_map(|v| json!(v))
                .boxed()
        }
        ItemKind::Photo => prop_oneof![
            3 => prop::collection::vec(attachment(), 0..4).prop_map(Value::Array),
            1 => attachment(),
            1 => Just(Value::Array(vec![json!({"sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}); item.max_count + 1])),
        ]
        .boxed(),
        ItemKind::Signature => attachment(),
        ItemKind::GeoPoint => prop_oneof![
            4 => (-95.0f64..95.0, -185.0f64..185.0, prop::option::of(-5.0f64..100.0))
                .prop_map(|(lat, lon, acc)| match acc {
                    Some(a) => json!({"lat": lat, "lon": lon, "accuracy": a}),
                    None => json!({"lat": lat, "lon": lon}),
                }),
            1 => Just(json!({"lat": 1, "lon": 2, "speed": 3})),
        ]
        .boxed(),
        ItemKind::Repeat => {
            let children: Vec<(String, BoxedStrategy<Value>)> = item
                .children
                .iter()
                .filter_map(|&c| t.item(c))
                .map(|c| (c.key.clone(), answer_for(t, c)))
                .collect();
            let instance = common::repeat_instance(children);
            prop_oneof![
                8 => prop::collection::vec(instance, 0..4).prop_map(Value::Array),
                1 => prop::collection::vec(json(), 0..3).prop_map(Value::Array),
            ]
            .boxed()
        }
    };
    prop_oneof![8 => right, 1 => wrong, 1 => Just(Value::Null)].boxed()
}

/// Answers for the e-bike template: each top-level item answered or not; now and then an odd
/// key or a child key at the top level.
fn ebike_answers() -> BoxedStrategy<Value> {
    let t = ebike();
    let per_item: Vec<BoxedStrategy<Option<(String, Value)>>> = t
        .items
        .iter()
        .filter(|i| i.parent.is_none())
        .map(|i| {
            let k = i.key.clone();
            prop::option::weighted(0.75, answer_for(t, i))
                .prop_map(move |v| v.map(|v| (k.clone(), v)))
                .boxed()
        })
        .collect();
    (per_item, prop::option::weighted(0.1, (keyish(), json())))
        .prop_map(|(kvs, extra)| {
            let mut m = Map::new();
            for (k, v) in kvs.into_iter().flatten() {
                m.insert(k, v);
            }
            if let Some((k, v)) = extra {
                m.insert(k, v);
            }
            Value::Object(m)
        })
        .boxed()
}

/// A well-formed e-bike envelope (valid header, varied form, link and date) with typed answers.
fn ebike_submission() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["self_inspection", "onsite_inspection"]),
        prop::sample::select(vec!["production", "sales"]),
        inspected_at(),
        ebike_answers(),
    )
        .prop_map(|(form, link, at, answers)| {
            json!({
                "id": "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10",
                "product": "electric-bicycle",
                "form": form,
                "link": link,
                "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "车行", "region": "520102"},
                "inspected_at": at,
                "answers": answers
            })
        })
}

// ---------------------------------------------------------------------------------------------
// Expressions

/// Slots: a=0, b=1, n=2, d=3, g=4 (a group), 名=5.
const VARS: &[&str] = &["a", "b", "n", "d", "g", "名"];

struct Names {
    dot: bool,
}

impl Resolver for Names {
    fn var(&self, name: &str) -> Option<u32> {
        VARS.iter().position(|v| *v == name).map(|i| i as u32)
    }
    fn table(&self, table: &str, column: &str, key_columns: &[&str]) -> Option<u32> {
        match (table, column, key_columns) {
            ("speeds", "max", ["type"]) => Some(0),
            ("speeds", "max", ["type", "class"]) => Some(1),
            _ => None,
        }
    }
    fn dot_allowed(&self) -> bool {
        self.dot
    }
}

#[derive(Debug, Clone)]
struct FuzzEnv {
    vars: Vec<EVal>,
    dot: EVal,
    today: Option<i32>,
    count: usize,
    table: Vec<(EVal, EVal)>,
}

impl Env for FuzzEnv {
    fn var(&self, slot: u32) -> EVal {
        self.vars.get(slot as usize).cloned().unwrap_or(EVal::Empty)
    }
    fn dot(&self) -> EVal {
        self.dot.clone()
    }
    fn today(&self) -> Option<i32> {
        self.today
    }
    fn lookup(&self, _id: u32, keys: &[EVal]) -> EVal {
        let k = keys.first().map(|k| k.to_text().into_owned());
        self.table
            .iter()
            .find(|(key, _)| Some(key.to_text().into_owned()) == k)
            .map_or(EVal::Empty, |(_, v)| v.clone())
    }
    fn count(&self, _slot: u32) -> usize {
        self.count
    }
}

fn eval_value() -> impl Strategy<Value = EVal> {
    prop_oneof![
        Just(EVal::Empty),
        any::<bool>().prop_map(EVal::Bool),
        any::<f64>().prop_map(EVal::Num),
        (-100.0f64..100.0).prop_map(EVal::Num),
        prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            1e308,
            5e-324,
            2_932_896.0,
            -719_528.0,
        ])
        .prop_map(EVal::Num),
        stringish().prop_map(|s| EVal::str(&s)),
        any::<i32>().prop_map(EVal::Date),
        (-800_000i32..3_000_000).prop_map(EVal::Date),
        prop::collection::vec(prop::sample::select(vec!["a", "b", "lithium", ""]), 0..4)
            .prop_map(EVal::list),
    ]
}

fn env_strategy() -> impl Strategy<Value = FuzzEnv> {
    (
        prop::collection::vec(eval_value(), VARS.len()),
        eval_value(),
        prop::option::of(prop_oneof![any::<i32>(), 15_000i32..25_000]),
        0usize..1000,
        prop::collection::vec((eval_value(), eval_value()), 0..4),
    )
        .prop_map(|(vars, dot, today, count, table)| FuzzEnv {
            vars,
            dot,
            today,
            count,
            table,
        })
}

const TOKENS: &[&str] = &[
    "${a}",
    "${b}",
    "${n}",
    "${d}",
    "${g}",
    "${名}",
    "${nope}",
    "${",
    "}",
    "$",
    ".",
    "(",
    ")",
    ",",
    "+",
    "-",
    "*",
    "div",
    "mod",
    "=",
    "==",
    "!=",
    "!",
    "<",
    "<=",
    ">",
    ">=",
    "and",
    "or",
    "AND",
    "not",
    "if",
    "selected",
    "count-selected",
    "string-length",
    "coalesce",
    "min",
    "max",
    "abs",
    "round",
    "number",
    "int",
    "string",
    "boolean",
    "true()",
    "false()",
    "today()",
    "date",
    "concat",
    "contains",
    "starts-with",
    "count",
    "lookup",
    "pulldata",
    "'speeds'",
    "'max'",
    "'type'",
    "'class'",
    "'2024-02-29'",
    "'2023-02-29'",
    "1",
    "0",
    "-1",
    "3.5",
    ".5",
    "5.",
    "99999999999999999999999",
    "1e3",
    "'x'",
    "\"y\"",
    "'",
    "\"",
    "&",
    "|",
    "#",
    "é",
    "名",
    " ",
    "\t",
    "\u{0}",
];

fn token_soup() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::sample::select(TOKENS), 0..40),
        prop::sample::select(vec![" ", "", "  "]),
    )
        .prop_map(|(toks, sep)| toks.join(sep))
}

/// Well-formed expressions of random shape, so that most compile and get evaluated.
fn grammar() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        prop::sample::select(vec![
            "${a}",
            "${b}",
            "${n}",
            "${d}",
            "${名}",
            ".",
            "today()",
            "true()",
            "false()",
            "1",
            "0",
            "25",
            "-3.5",
            "'x'",
            "'lithium'",
            "'2024-02-29'",
            "''",
            "count(${g})",
            "date('2025-09-01')",
        ])
        .prop_map(String::from),
        (-1e6f64..1e6).prop_map(|n| format!("{}", n.abs())),
    ];
    grammar_over(leaf.boxed(), "'speeds', 'max', 'type'", "'class'")
}

/// Expressions built from `leaf`; `lookup` and `pulldata` use the table, column and key
/// column(s) given.
fn grammar_over(
    leaf: BoxedStrategy<String>,
    table: &'static str,
    second_key: &'static str,
) -> impl Strategy<Value = String> {
    leaf.prop_recursive(8, 64, 4, move |inner| {
        let two = (inner.clone(), inner.clone());
        prop_oneof![
            (
                two.clone(),
                prop::sample::select(vec![
                    "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod", "and", "or"
                ])
            )
                .prop_map(|((a, b), op)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.clone().prop_map(|a| format!("-{a}")),
            (
                inner.clone(),
                prop::sample::select(vec![
                    "not",
                    "count-selected",
                    "string-length",
                    "abs",
                    "round",
                    "number",
                    "int",
                    "string",
                    "boolean",
                    "date",
                    "min",
                    "max",
                    "concat",
                ])
            )
                .prop_map(|(a, f)| format!("{f}({a})")),
            (
                two.clone(),
                prop::sample::select(vec![
                    "selected",
                    "coalesce",
                    "round",
                    "contains",
                    "starts-with",
                    "min",
                    "max",
                    "concat",
                ])
            )
                .prop_map(|((a, b), f)| format!("{f}({a}, {b})")),
            (inner.clone(), two.clone()).prop_map(|(c, (a, b))| format!("if({c}, {a}, {b})")),
            inner
                .clone()
                .prop_map(move |k| format!("lookup({table}, {k})")),
            two.prop_map(move |(k, c)| {
                format!("pulldata({table}, {k}) + lookup({table}, {k}, {second_key}, {c})")
            }),
        ]
    })
}

fn expr_source() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => grammar(),
        3 => token_soup(),
        1 => any::<String>(),
        1 => "[-+*()<>=!.,'\"${}a-z0-9 ]{0,60}",
    ]
}

/// Debug text of a value, so that NaN equals NaN when comparing results.
fn shown(v: &EVal) -> String {
    format!("{v:?}")
}

fn compile_and_eval(src: &str, dot: bool, env: &FuzzEnv) {
    match expr::compile(src, &Names { dot }) {
        Ok(e) => {
            assert!(src.len() <= expr::MAX_EXPR_LEN);
            assert_eq!(e.source(), src);
            let refs = e.refs();
            assert!(
                refs.windows(2).all(|w| w[0] < w[1]),
                "refs not sorted: {refs:?}"
            );
            assert!(refs.iter().all(|&r| (r as usize) < VARS.len()));
            if !dot {
                assert!(!e.uses_dot());
            }
            let v = e.eval(env);
            let b = e.eval_bool(env);
            assert_eq!(
                b,
                v.to_bool(),
                "eval_bool disagrees with eval for {src}: {v:?}"
            );
            // Pure: the same inputs give the same value.
            assert_eq!(shown(&v), shown(&e.eval(env)));
            // Text conversions of any result do not panic.
            let _ = v.to_text();
            let _ = v.to_num();
        }
        Err(err) => {
            assert!(err.pos <= src.len(), "{err:?} past the end of {src:?}");
            assert!(
                src.is_char_boundary(err.pos),
                "{err:?} inside a character of {src:?}"
            );
            assert!(
                [
                    "syntax",
                    "too_long",
                    "too_deep",
                    "unknown_function",
                    "arity",
                    "unknown_reference",
                    "unknown_table",
                    "dot_not_allowed",
                ]
                .contains(&err.code),
                "{err:?}"
            );
            assert!(!err.message.is_empty());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Deadlines must be `YYYY-MM-DD` (the contract). An inspection in year 9999 (a wrong clock) is
/// rejected as implausible; the latest plausible one still gives four-digit deadlines.
#[test]
fn deadlines_are_always_yyyy_mm_dd() {
    let at = |t: &str| {
        json!({
            "id": "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10", "product": "electric-bicycle",
            "form": "self_inspection", "link": "production",
            "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "车行", "region": "520102"},
            "inspected_at": t,
            "answers": {"ebike.max_speed_kmh": 30}
        })
    };
    let r = check(cat(), &at("9999-12-31T23:59:59+14:00"), None);
    assert!(r
        .errors
        .iter()
        .any(|e| e.path == "/inspected_at" && e.code.as_str() == "invalid_datetime"));
    let r = check(cat(), &at("2200-12-31T23:59:59+14:00"), None);
    assert!(!r.actions.is_empty());
    for a in &r.actions {
        if let Some(due) = &a.due {
            assert!(
                NaiveDate::parse_from_str(due, "%Y-%m-%d").is_ok() && due.len() == 10,
                "{a:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(cases(1024))]

    /// Any JSON value as a submission.
    #[test]
    fn arbitrary_json_values(v in json(), now in now_strategy()) {
        check_both(&v, now);
    }

    /// Arbitrary and deeply nested values in every envelope position.
    #[test]
    fn arbitrary_envelopes(v in envelope(prop_oneof![json(), deep(), ebike_answers()].boxed()), now in now_strategy()) {
        check_both(&v, now);
    }
}

proptest! {
    #![proptest_config(cases(2048))]

    /// Any string as JSON text: either a report or an `invalid_json`/`too_large` error.
    #[test]
    fn arbitrary_strings_to_check_json(s in prop_oneof![any::<String>(), "[\\[\\]{}\":,0-9a-z \\\\]{0,80}"]) {
        match check_json(cat(), &s, None) {
            Ok(Reports::One(r)) => {
                let v: Value = serde_json::from_str(&s).unwrap();
                invariants(&v, &r, None);
            }
            Ok(Reports::Many(rs)) => {
                let v: Value = serde_json::from_str(&s).unwrap();
                for (x, r) in v.as_array().unwrap().iter().zip(&rs) {
                    invariants(x, r, None);
                }
            }
            Err(e) => prop_assert!(["invalid_json", "too_large"].contains(&e.code.as_str())),
        }
    }

    /// A valid submission's text with random edits.
    #[test]
    fn mutated_submission_text(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(vec!['"', '{', '}', '[', ']', ',', ':', '0', '9', '-', 'e', '.', '\\', 'n', ' ', '名', '\u{0}'])), 1..6)
    ) {
        let base = json!({
            "id": "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10", "product": "electric-bicycle",
            "form": "onsite_inspection", "link": "sales",
            "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "车行", "region": "520102"},
            "inspected_at": "2025-10-01T10:00:00+08:00",
            "answers": {"ebike.max_speed_kmh": 30, "ebike.battery_chemistry": "lithium",
                        "ebike.samples": [{"ebike.samples.frame_no": "A", "ebike.samples.speed_kmh": 26}],
                        "onsite.location": {"lat": 1.5, "lon": 2.5}, "ebike.production_date": "2025-01-31"}
        });
        let mut chars: Vec<char> = serde_json::to_string(&base).unwrap().chars().collect();
        for (at, op, c) in edits {
            let i = at.index(chars.len().max(1));
            match op {
                0 if !chars.is_empty() => { chars.remove(i); }
                1 => chars.insert(i.min(chars.len()), c),
                _ if !chars.is_empty() => chars[i] = c,
                _ => {}
            }
        }
        let s: String = chars.into_iter().collect();
        match check_json(cat(), &s, None) {
            Ok(Reports::One(r)) => {
                let v: Value = serde_json::from_str(&s).unwrap();
                invariants(&v, &r, None);
            }
            Ok(Reports::Many(_)) => {}
            Err(e) => prop_assert_eq!(e.code.as_str(), "invalid_json"),
        }
    }
}

proptest! {
    #![proptest_config(cases(6144))]

    /// Any source to `expr::compile`, then evaluation against random values.
    #[test]
    fn expressions_compile_and_evaluate(src in expr_source(), dot in any::<bool>(), env in env_strategy()) {
        compile_and_eval(&src, dot, &env);
    }
}

proptest! {
    #![proptest_config(cases(1536))]

    /// Typed (mostly right, sometimes wrong) answers for the e-bike checklist.
    #[test]
    fn ebike_answer_maps(v in ebike_submission(), now in now_strategy()) {
        let r = check_both(&v, now);
        // Through a session too (the session property test goes step by step).
        let s = paicha::Session::open(cat(), &v, now);
        match s {
            Ok(s) => prop_assert_eq!(s.report(), r),
            Err(report) => prop_assert_eq!(*report, r),
        }
    }

    /// An array of submissions gives one report per element, each as if checked alone.
    #[test]
    fn arrays_of_submissions(vs in prop::collection::vec(prop_oneof![ebike_submission().boxed(), json().boxed()], 0..4)) {
        let text = serde_json::to_string(&vs).unwrap();
        match check_json(cat(), &text, None).unwrap() {
            Reports::Many(rs) => {
                prop_assert_eq!(rs.len(), vs.len());
                for (v, r) in vs.iter().zip(rs) {
                    prop_assert_eq!(check(cat(), v, None), r);
                }
            }
            Reports::One(r) => prop_assert!(false, "one report for an array: {:?}", r),
        }
    }
}

/// The template itself can be shared between threads (WASM is single-threaded, the server is
/// not): check from several threads at once gives the same reports.
#[test]
fn checks_from_several_threads_agree() {
    let v = json!({
        "id": "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10", "product": "electric-bicycle",
        "form": "self_inspection", "link": "sales",
        "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "车行", "region": "520102"},
        "inspected_at": "2023-07-20T10:00:00+08:00",
        "answers": {"ebike.max_speed_kmh": 30, "ebike.mass_kg": "x"}
    });
    let v = Arc::new(v);
    let want = check(cat(), &v, None);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let v = Arc::clone(&v);
            std::thread::spawn(move || check(Catalogue::builtin(), &v, None))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), want);
    }
}

// ---------------------------------------------------------------------------------------------
// Constant folding: an expression over literals must evaluate as the same expression over items
// holding those values (folding happens at compile time, variables are read at run time).

const LITERALS: &[&str] = &[
    "1",
    "0",
    "25",
    "-3.5",
    "0.1",
    "'x'",
    "''",
    "'3'",
    "' 7 '",
    "'lithium'",
    "'a b'",
    "'2024-02-29'",
    "'2023-02-29'",
    "true()",
    "false()",
    "date('2025-09-01')",
    "date(-1)",
    "1 div 0",
    "0 div 0",
];

/// Resolves `${cK}` to slot K.
struct Consts;

impl Resolver for Consts {
    fn var(&self, name: &str) -> Option<u32> {
        name.strip_prefix('c')?.parse().ok()
    }
    fn table(&self, _: &str, _: &str, _: &[&str]) -> Option<u32> {
        None
    }
}

fn const_env() -> FuzzEnv {
    let empty = FuzzEnv {
        vars: Vec::new(),
        dot: EVal::Empty,
        today: None,
        count: 0,
        table: Vec::new(),
    };
    let vars = LITERALS
        .iter()
        .map(|l| expr::compile(l, &Consts).unwrap().eval(&empty))
        .collect();
    FuzzEnv { vars, ..empty }
}

/// The same random expression twice: over literals, and over `${cK}` holding them.
fn literal_and_var_forms() -> impl Strategy<Value = (String, String)> {
    let leaf = (0..LITERALS.len()).prop_map(|i| (LITERALS[i].to_string(), format!("${{c{i}}}")));
    leaf.prop_recursive(6, 48, 3, |inner| {
        let two = (inner.clone(), inner.clone());
        prop_oneof![
            (
                two.clone(),
                prop::sample::select(vec![
                    "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod", "and", "or"
                ])
            )
                .prop_map(|(((a1, a2), (b1, b2)), op)| (
                    format!("({a1}) {op} ({b1})"),
                    format!("({a2}) {op} ({b2})")
                )),
            inner
                .clone()
                .prop_map(|(a1, a2)| (format!("-({a1})"), format!("-({a2})"))),
            (
                inner.clone(),
                prop::sample::select(vec![
                    "not",
                    "count-selected",
                    "string-length",
                    "abs",
                    "round",
                    "number",
                    "int",
                    "string",
                    "boolean",
                    "date",
                    "min",
                    "max",
                    "concat",
                ])
            )
                .prop_map(|((a1, a2), f)| (format!("{f}({a1})"), format!("{f}({a2})"))),
            (
                two.clone(),
                prop::sample::select(vec![
                    "selected",
                    "coalesce",
                    "round",
                    "contains",
                    "starts-with",
                    "min",
                    "max",
                    "concat",
                ])
            )
                .prop_map(|(((a1, a2), (b1, b2)), f)| (
                    format!("{f}({a1}, {b1})"),
                    format!("{f}({a2}, {b2})")
                )),
            (inner.clone(), two).prop_map(|((c1, c2), ((a1, a2), (b1, b2)))| (
                format!("if({c1}, {a1}, {b1})"),
                format!("if({c2}, {a2}, {b2})")
            )),
        ]
    })
}

proptest! {
    #![proptest_config(cases(3072))]

    #[test]
    fn constant_folding_matches_evaluation((lit, var) in literal_and_var_forms()) {
        let env = const_env();
        match (expr::compile(&lit, &Consts), expr::compile(&var, &Consts)) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(shown(&a.eval(&env)), shown(&b.eval(&env)), "{} vs {}", lit, var);
                prop_assert_eq!(a.eval_bool(&env), b.eval_bool(&env), "{} vs {}", lit, var);
            }
            // Only the depth limit can tell them apart (literals like `-3.5` add a level).
            (Err(e), _) | (_, Err(e)) => prop_assert_eq!(e.code, "too_deep", "{} / {}", lit, var),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Random templates: loading never panics; a template that loads checks anything without panic.

const TEMPLATE_KEYS: &[&str] = &["k.a", "k.b", "k.n", "k.g", "k.g.x", "k.g.y", "k.d", "k.m"];

const KINDS: &[&str] = &[
    "yes_no",
    "number",
    "integer",
    "text",
    "date",
    "single_choice",
    "multiple_choice",
    "photo",
    "signature",
    "geo_point",
    "repeat",
];

/// Expressions reading the given keys (plus a few constants and, rarely, something broken).
fn template_expr(keys: &[&str], dot: bool, dirty: bool) -> BoxedStrategy<String> {
    let mut refs: Vec<String> = keys.iter().map(|k| format!("${{{k}}}")).collect();
    refs.extend(["today()", "1", "'p'", "''", "25"].map(String::from));
    if dot {
        refs.push(".".into());
    }
    let leaf = prop::sample::select(refs).boxed();
    let bad = u32::from(dirty);
    prop_oneof![
        30 => grammar_over(leaf, "'lim', 'max', 'kind'", "'other'").boxed(),
        bad => token_soup().boxed(),
        bad => prop::sample::select(vec!["${nope} = 1", "${k.g.x} > 1", ". = 1", "frob(1)"]).prop_map(String::from).boxed(),
    ]
    .boxed()
}

/// A random item. Its relevance reads only `earlier` items (so cycles are rare), the rest of its
/// expressions read `all`. Now and then something is wrong with it.
fn random_item(
    key: &'static str,
    earlier: &[&str],
    all: &[&str],
    kinds: &'static [&'static str],
    dirty: bool,
) -> BoxedStrategy<Value> {
    let expr = template_expr(all, true, dirty);
    let bad = if dirty { 0.1 } else { 0.001 };
    (
        prop::sample::select(kinds),
        prop::option::weighted(0.5, template_expr(earlier, true, dirty)),
        prop::option::weighted(
            0.3,
            prop_oneof![Just(json!(true)), expr.clone().prop_map(Value::from)],
        ),
        prop::option::weighted(0.3, expr.clone()),
        prop::option::weighted(
            0.7,
            (
                prop::option::weighted(1.0 - bad, expr.clone()),
                prop::option::weighted(0.2, expr),
                prop_oneof![
                    10 => prop::sample::select(vec![None, Some("S1"), Some("S2")]),
                    u32::from(dirty) => Just(Some("nope")),
                ],
                prop::option::weighted(1.0 - bad, Just("art. 1")),
                prop::sample::select(vec!["general", "major"]),
            ),
        ),
        prop::option::weighted(
            0.2,
            (
                -10.0f64..10.0,
                if dirty {
                    -10.0f64..100.0
                } else {
                    10.0f64..100.0
                },
            ),
        ),
        prop_oneof![
            10 => prop::sample::select(vec!["s", "t"]),
            u32::from(dirty) => Just("nope"),
        ],
        prop::bool::weighted(bad / 2.0),
    )
        .prop_map(
            move |(kind, relevant, required, constraint, rule, range, section, flip)| {
                let mut v = json!({"key": key, "section": section, "type": kind,
                                   "label": {"zh": key, "en": key}});
                if kind.ends_with("choice") != flip {
                    v["choices"] = json!([{"value": "p", "label": {"zh": "p", "en": "p"}},
                                          {"value": "q", "label": {"zh": "q", "en": "q"}}]);
                }
                if let Some(r) = relevant {
                    v["relevant"] = json!(r);
                }
                if let Some(r) = required {
                    v["required"] = r;
                }
                if let Some(c) = constraint {
                    v["constraint"] = json!(c);
                }
                if let Some((check, when, standard, basis, severity)) = rule {
                    let mut r = json!({"severity": severity});
                    if let Some(c) = check {
                        r["check"] = json!(c);
                    }
                    if let Some(w) = when {
                        r["when"] = json!(w);
                    }
                    if let Some(s) = standard {
                        r["standard"] = json!(s);
                    }
                    if let Some(b) = basis {
                        r["basis"] = json!(b);
                    }
                    v["rules"] = json!([r]);
                }
                if let Some((lo, hi)) = range {
                    v["min"] = json!(lo);
                    v["max"] = json!(hi);
                }
                v
            },
        )
        .boxed()
}

fn random_template() -> impl Strategy<Value = String> {
    prop_oneof![random_template_of(false), random_template_of(true)]
}

/// A random template; `dirty` ones have a problem or two now and then.
fn random_template_of(dirty: bool) -> impl Strategy<Value = String> {
    let order = ["k.a", "k.b", "k.n", "k.g", "k.d", "k.m"];
    // Non-group kinds for the others; k.g is made a group (or not) below.
    let kinds: &'static [&'static str] = &KINDS[..10];
    let tops: Vec<BoxedStrategy<Value>> = order
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let earlier: Vec<&str> = order[..i].iter().copied().filter(|k| *k != "k.g").collect();
            let all: Vec<&str> = order.iter().copied().filter(|k| *k != "k.g").collect();
            random_item(k, &earlier, &all, kinds, dirty)
        })
        .collect();
    let child_reads = ["k.a", "k.b", "k.n", "k.d", "k.m"];
    let children: Vec<BoxedStrategy<Value>> = vec![
        random_item(
            "k.g.x",
            &child_reads,
            &["k.a", "k.n", "k.g.y"],
            kinds,
            dirty,
        ),
        random_item("k.g.y", &["k.a", "k.g.x"], &["k.b", "k.g.x"], kinds, dirty),
    ];
    (tops, children, prop::bool::weighted(0.7)).prop_map(|(mut items, children, group)| {
        if group {
            let g = items[3].as_object_mut().unwrap();
            g.insert("type".into(), json!("repeat"));
            for f in ["choices", "constraint", "rules", "required", "relevant", "min", "max"] {
                g.remove(f);
            }
            g.insert("relevant".into(), json!("${k.a} != 'no'"));
            g.insert("items".into(), Value::Array(children));
        }
        json!({
            "format": 1, "product": "fuzzed", "version": "1",
            "standards": [{"id": "S1", "from": "2020-01-01"}, {"id": "S2", "until": "2024-12-31"}],
            "tables": {"lim": {"columns": ["kind", "max", "other"], "rows": [["p", 5, "x"], ["q", 50, "y"], [1, 2, 3]]}},
            "sections": [{"id": "s", "label": {"zh": "s", "en": "s"}}, {"id": "t", "label": {"zh": "t", "en": "t"}}],
            "items": items
        })
        .to_string()
    })
}

/// Some answers for any of the fuzzed template's keys.
fn fuzzed_answers() -> impl Strategy<Value = Value> {
    let pool = prop_oneof![
        prop::sample::select(vec![
            json!("yes"),
            json!("no"),
            json!("p"),
            json!("q"),
            json!(["p", "q"]),
            json!(3),
            json!(60),
            json!(2.5),
            json!("2023-01-01"),
            json!("2030-01-01"),
            json!({"sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}),
            json!({"lat": 1, "lon": 2}),
            json!([{"k.g.x": 3, "k.g.y": "no"}, {"k.g.x": "p"}]),
            json!([{}]),
            Value::Null,
        ]),
        json(),
    ];
    prop::collection::btree_map(prop::sample::select(TEMPLATE_KEYS), pool, 0..8)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

const TEMPLATE_CODES: &[&str] = &[
    "template_json",
    "template_format",
    "missing_field",
    "invalid_key",
    "duplicate_key",
    "unknown_section",
    "unknown_standard",
    "unknown_include",
    "bad_table",
    "bad_item",
    "expression",
    "cycle",
    "invalid_date",
    "too_large",
];

proptest! {
    #![proptest_config(cases(1024))]

    #[test]
    fn random_templates_load_or_fail_cleanly(
        src in random_template(),
        answers in prop::collection::vec(fuzzed_answers(), 1..4),
        form in prop::sample::select(vec!["self_inspection", "onsite_inspection"]),
        at in prop::sample::select(vec!["2023-07-20T10:00:00+08:00", "2025-01-01T10:00:00Z", "x"]),
    ) {
        let mut cat = Catalogue::builtin().clone();
        match cat.add_json(&src) {
            Err(e) => {
                prop_assert!(!e.issues.is_empty());
                for i in &e.issues {
                    prop_assert!(i.path.is_empty() || i.path.starts_with('/'), "{:?}", i);
                    prop_assert!(TEMPLATE_CODES.contains(&i.code.as_str()), "{:?}", i);
                }
                prop_assert!(cat.get("fuzzed", None).is_none());
            }
            Ok(_) => {
                for a in answers {
                    let v = json!({
                        "id": "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10", "product": "fuzzed",
                        "form": form, "link": "sales",
                        "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "x", "region": "520102"},
                        "inspected_at": at, "answers": a
                    });
                    let r = check(&cat, &v, None);
                    invariants_in(&cat, &v, &r, None);
                    if let Ok(s) = paicha::Session::open(&cat, &v, None) {
                        prop_assert_eq!(s.report(), r);
                    }
                }
            }
        }
    }

    /// Arbitrary text as a template.
    #[test]
    fn arbitrary_template_text(s in prop_oneof![any::<String>(), "[\\[\\]{}\":,0-9a-z_ ]{0,80}"]) {
        let mut cat = Catalogue::empty();
        if let Err(e) = cat.add_json(&s) {
            prop_assert!(!e.issues.is_empty());
        }
    }
}
