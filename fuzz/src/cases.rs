//! What each fuzz target checks, as a function of the input bytes. Not only "no panic": each target
//! asserts the invariants the rest of the system relies on (a report serialises and reads back,
//! the text and value routes agree, a live session agrees with a batch check, the ledger fold does
//! not depend on order or copies and loses no event, an N-byte input cannot make the engine hold
//! more than a fixed multiple of N bytes).
//!
//! Compiled twice: into the fuzz binaries (`cfg(fuzzing)`, with a counting allocator) and, by path,
//! into the normal test suite (tests/fuzz_regressions.rs), which runs every saved crash.

use arbitrary::{Result as Arb, Unstructured};
use chrono::{DateTime, FixedOffset};
use paicha::expr::{self, Env, Resolver, Value as EVal};
use paicha::ledger::{fold, Event};
use paicha::template::{Form, ItemKind, Link, Template};
use paicha::{Catalogue, Reports, Session};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// The engine may hold at most this many bytes per input byte, plus a fixed allowance (the
/// compiled template of a product, buffers). Linear in the input: nothing grows without bound.
const BYTES_PER_INPUT_BYTE: usize = 2048;
const FIXED_ALLOWANCE: usize = 8 << 20;

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-12-01T12:00:00+08:00").unwrap_or_default()
}

/// Run `f` and, in the fuzz binaries, assert that what it allocated stayed within the bound.
fn bounded<R>(input_len: usize, f: impl FnOnce() -> R) -> R {
    #[cfg(fuzzing)]
    {
        let base = crate::counting::reset_peak();
        let r = f();
        let used = crate::counting::peak().saturating_sub(base);
        let limit = input_len
            .saturating_mul(BYTES_PER_INPUT_BYTE)
            .saturating_add(FIXED_ALLOWANCE);
        assert!(
            used <= limit,
            "{used} bytes held for a {input_len}-byte input (limit {limit})"
        );
        r
    }
    #[cfg(not(fuzzing))]
    {
        let _ = (input_len, BYTES_PER_INPUT_BYTE, FIXED_ALLOWANCE);
        f()
    }
}

/// The public contract of a report (`../shared/contract`): the fields portals read.
fn assert_contract(r: &Value) {
    for k in ["id", "valid", "errors", "findings", "level", "actions"] {
        assert!(r.get(k).is_some(), "report without {k}: {r}");
    }
    let len = |k: &str| r.get(k).and_then(Value::as_array).map_or(0, Vec::len);
    assert_eq!(
        r.get("valid"),
        Some(&json!(len("errors") == 0)),
        "valid disagrees with errors: {r}"
    );
    assert_eq!(
        r.get("level") == Some(&json!("none")),
        len("findings") == 0,
        "level disagrees with findings: {r}"
    );
}

/// libFuzzer's panic hook aborts on every panic, also one that is caught. calamine's panic on a
/// crafted workbook is caught and answered by `paicha_sheet::read` (see there; the saved input in
/// fuzz/regressions/register_import/ keeps it tested): let panics raised inside calamine unwind
/// to that catch, and every other panic abort as before, so the fuzzer goes on past a known one.
#[cfg(fuzzing)]
fn known_third_party_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let fuzzer = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_calamine = info
                .location()
                .is_some_and(|l| l.file().contains("/calamine-"));
            if !in_calamine {
                fuzzer(info);
            }
        }));
    });
}

/// A submission as JSON text: checked by text and by value, the same; every report keeps the
/// contract and reads back; a session opened on it reports the same as the batch check.
pub fn check_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let cat = Catalogue::builtin();
    let now = Some(now());
    let out = bounded(data.len(), || paicha::check_json(cat, text, now));
    let parsed = serde_json::from_str::<Value>(text);
    let reports = match out {
        Err(issue) => {
            assert!(
                parsed.is_err() || text.len() > paicha::report::MAX_INPUT,
                "check_json refused JSON: {issue:?}"
            );
            return;
        }
        Ok(r) => r,
    };
    let shown = serde_json::to_string(&reports);
    assert!(shown.is_ok(), "report does not serialise: {shown:?}");
    let back = shown
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(&s).ok());
    match &back {
        Some(Value::Array(a)) => a.iter().for_each(assert_contract),
        Some(r) => assert_contract(r),
        None => assert!(back.is_some(), "report does not read back"),
    }
    // The text route (borrowed JSON) and the value route give the same reports.
    assert!(
        parsed.is_ok(),
        "check_json accepted text serde_json refuses"
    );
    let Ok(v) = parsed else { return };
    match (&reports, &v) {
        (Reports::One(r), _) => {
            assert_eq!(
                *r,
                paicha::check(cat, &v, now),
                "text and value routes differ"
            );
            if let Ok(s) = Session::open(cat, &v, now) {
                assert_eq!(s.report(), *r, "session differs from check");
            }
        }
        (Reports::Many(rs), Value::Array(a)) => {
            assert_eq!(rs.len(), a.len());
            for (r, s) in rs.iter().zip(a) {
                assert_eq!(
                    *r,
                    paicha::check(cat, s, now),
                    "text and value routes differ"
                );
            }
        }
        (Reports::Many(_), _) => assert!(v.is_array(), "many reports for one submission"),
    }
}

/// Numbers near the limits the catalogue uses, so comparisons get both sides.
const NUMBERS: &[f64] = &[
    0.0, -0.0, 1.0, -1.0, 0.5, 4.0, 5.0, 6.0, 10.0, 25.0, 25.1, 48.0, 55.0, 60.0, 63.0, 75.0, 90.0,
    100.0, 400.0, 1.25, 1.56, 3.5, 0.06, 1e9, -1e9, 1e308,
];

fn number(u: &mut Unstructured<'_>, min: Option<f64>, max: Option<f64>) -> Arb<Value> {
    let edges = [min, max].into_iter().flatten();
    let picks: Vec<f64> = NUMBERS
        .iter()
        .copied()
        .chain(edges.flat_map(|e| [e, e - 0.01, e + 0.01, e - 1.0, e + 1.0]))
        .collect();
    Ok(match u.int_in_range(0..=3)? {
        0 => json!(u.arbitrary::<f64>()?),
        1 => json!(u.arbitrary::<i32>()?),
        _ => json!(*u.choose(&picks)?),
    })
}

fn text(u: &mut Unstructured<'_>) -> Arb<String> {
    let pool = ["", " ", "是", "合格", "=1+1", "a\u{0}b", "\u{202e}x", "x"];
    Ok(match u.int_in_range(0..=2)? {
        0 => u.arbitrary::<String>()?,
        1 => (*u.choose(&pool)?).to_string(),
        _ => "长".repeat(u.int_in_range(0..=3000)?),
    })
}

fn date(u: &mut Unstructured<'_>) -> Arb<Value> {
    let pool = [
        "2023-07-20",
        "2024-02-29",
        "2023-02-29",
        "2025-08-31",
        "2025-09-01",
        "2025-11-30",
        "2025-12-01",
        "2099-01-01",
        "1900-01-01",
        "2024-13-01",
        "20240101",
    ];
    Ok(json!(*u.choose(&pool)?))
}

fn attachment(u: &mut Unstructured<'_>) -> Arb<Value> {
    let hex = "0123456789abcdef";
    let mut h = String::new();
    for _ in 0..64 {
        let i = u.int_in_range(0..=15)?;
        h.push_str(hex.get(i..=i).unwrap_or("0"));
    }
    if u.arbitrary::<bool>()? {
        h = h.to_uppercase();
    }
    Ok(json!({"sha256": h, "name": "p.jpg", "type": "image/jpeg", "size": 1000}))
}

/// An answer for `item`: mostly of its type (so rules are reached), sometimes anything.
fn answer(u: &mut Unstructured<'_>, t: &Template, slot: u32, depth: u8) -> Arb<Value> {
    let Some(item) = t.item(slot) else {
        return Ok(Value::Null);
    };
    if u.int_in_range(0..=15)? == 0 {
        return Ok(match u.int_in_range(0..=3)? {
            0 => Value::Null,
            1 => json!(text(u)?),
            2 => json!([1, "x", null]),
            _ => json!({"x": 1}),
        });
    }
    Ok(match item.kind {
        ItemKind::YesNo => json!(*u.choose(&["yes", "no", "na", "YES", ""])?),
        ItemKind::Number | ItemKind::Integer => number(u, item.min, item.max)?,
        ItemKind::Text => json!(text(u)?),
        ItemKind::Date => date(u)?,
        ItemKind::SingleChoice => match u.choose(&item.choices) {
            Ok(c) if u.arbitrary::<bool>()? => json!(&**c),
            _ => json!(text(u)?),
        },
        ItemKind::MultipleChoice => {
            let mut picked = Vec::new();
            for c in &item.choices {
                if u.arbitrary::<bool>()? {
                    picked.push(json!(&**c));
                }
            }
            if u.int_in_range(0..=7)? == 0 {
                picked.push(picked.first().cloned().unwrap_or(json!("?")));
            }
            Value::Array(picked)
        }
        ItemKind::Photo => {
            let n = u.int_in_range(0..=3)?;
            let mut v = Vec::new();
            for _ in 0..n {
                v.push(attachment(u)?);
            }
            if n == 1 && u.arbitrary::<bool>()? {
                v.pop().unwrap_or(Value::Null)
            } else {
                Value::Array(v)
            }
        }
        ItemKind::Signature => attachment(u)?,
        ItemKind::GeoPoint => json!({
            "lat": number(u, Some(-90.0), Some(90.0))?,
            "lon": number(u, Some(-180.0), Some(180.0))?,
            "accuracy": number(u, Some(0.0), None)?,
        }),
        ItemKind::Repeat if depth == 0 => {
            let mut instances = Vec::new();
            for _ in 0..u.int_in_range(0..=4)? {
                let mut o = Map::new();
                for &c in &item.children {
                    if u.arbitrary::<bool>()? {
                        if let Some(child) = t.item(c) {
                            o.insert(child.key.clone(), answer(u, t, c, depth + 1)?);
                        }
                    }
                }
                instances.push(Value::Object(o));
            }
            Value::Array(instances)
        }
        ItemKind::Repeat => Value::Null,
    })
}

fn submission(
    t: &Template,
    form: Form,
    link: Link,
    at: &str,
    answers: &Map<String, Value>,
) -> Value {
    json!({
        "id": "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10",
        "product": t.product,
        "form": form,
        "link": link,
        "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "贵阳示例车行", "region": "520102"},
        "inspected_at": at,
        "answers": answers,
    })
}

/// A live session fed a stream of changes: after each one its report equals a batch check of the
/// answers so far.
pub fn session(data: &[u8]) {
    let _ = session_inner(&mut Unstructured::new(data));
}

fn session_inner(u: &mut Unstructured<'_>) -> Arb<()> {
    let cat = Catalogue::builtin();
    let templates = cat.current();
    let t = *u.choose(&templates)?;
    let form = *u.choose(&[Form::SelfInspection, Form::OnsiteInspection])?;
    let link = *u.choose(&[Link::Production, Link::Sales])?;
    if !t.offers(form, link) {
        return Ok(());
    }
    let at = *u.choose(&[
        "2023-07-20T10:00:00+08:00",
        "2024-06-01T00:00:00+08:00",
        "2025-08-31T23:59:59+08:00",
        "2025-09-01T00:00:00+08:00",
        "2025-12-01T09:00:00+08:00",
        "2026-11-30T16:00:00-05:00",
    ])?;
    let now = Some(now());
    let mut answers = Map::new();
    let Ok(mut s) = Session::open(cat, &submission(t, form, link, at, &answers), now) else {
        return Ok(());
    };
    let slots: Vec<u32> = (0..t.items.len() as u32)
        .filter(|&s| {
            t.item(s)
                .is_some_and(|i| i.parent.is_none() && i.scope.contains(form, link))
        })
        .collect();
    for _ in 0..u.int_in_range(1..=48)? {
        let slot = *u.choose(&slots)?;
        let Some(item) = t.item(slot) else { continue };
        let v = answer(u, t, slot, 0)?;
        let key = item.key.clone();
        let r = bounded(u.len() + 4096, || s.set(&key, &v));
        assert!(
            r.is_ok(),
            "set refused an item of the checklist: {key}: {r:?}"
        );
        if v.is_null() {
            answers.remove(&key);
        } else {
            answers.insert(key, v);
        }
        let batch = paicha::check(cat, &submission(t, form, link, at, &answers), now);
        assert_eq!(s.report(), batch, "session differs from check");
    }
    // Keys the checklist does not have are misuse: an error, never a panic or a change.
    let before = s.report();
    assert!(s.set("no.such.item", &json!(1)).is_err());
    assert_eq!(s.report(), before);
    Ok(())
}

/// Shared fragments, so templates that include them compile.
fn fragments() -> &'static Catalogue {
    static CAT: OnceLock<Catalogue> = OnceLock::new();
    CAT.get_or_init(|| {
        let mut c = Catalogue::empty();
        for f in [
            include_str!("../../catalogue/common/qualifications.json"),
            include_str!("../../catalogue/common/production.json"),
            include_str!("../../catalogue/common/onsite.json"),
            include_str!("../../catalogue/common/onsite-close.json"),
        ] {
            let r = c.add_fragment_json(f);
            assert!(r.is_ok(), "built-in fragment: {r:?}");
        }
        c
    })
}

/// A template from anywhere (an author, another bureau): loading reports problems as data; a
/// template that loads can be checked and opened in every form and link it offers.
pub fn template(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut cat = fragments().clone();
    let loaded = bounded(data.len(), || cat.add_json(text));
    let t = match loaded {
        Ok(t) => t,
        Err(e) => {
            assert!(!e.issues.is_empty(), "a template error without issues");
            return;
        }
    };
    let now = Some(now());
    for form in [Form::SelfInspection, Form::OnsiteInspection] {
        for link in [Link::Production, Link::Sales] {
            if !t.offers(form, link) {
                continue;
            }
            let answers = Map::new();
            let sub = submission(&t, form, link, "2025-09-01T10:00:00+08:00", &answers);
            let r = bounded(data.len(), || paicha::check(&cat, &sub, now));
            assert!(serde_json::to_value(&r).is_ok());
            if let Ok(s) = Session::open(&cat, &sub, now) {
                assert_eq!(s.report(), r, "session differs from check");
                assert_eq!(s.items().len(), s.items().len());
            }
        }
    }
}

/// Slots a..e; `g` a repeat group; one table.
const VARS: &[&str] = &["a", "b", "n", "d", "g"];

struct Names {
    dot: bool,
}

impl Resolver for Names {
    fn var(&self, name: &str) -> Option<u32> {
        VARS.iter().position(|v| *v == name).map(|i| i as u32)
    }
    fn table(&self, table: &str, column: &str, keys: &[&str]) -> Option<u32> {
        (table == "speeds" && column == "max" && keys == ["type"]).then_some(0)
    }
    fn dot_allowed(&self) -> bool {
        self.dot
    }
}

struct Fixed {
    vars: Vec<EVal>,
    dot: EVal,
}

impl Env for Fixed {
    fn var(&self, slot: u32) -> EVal {
        self.vars.get(slot as usize).cloned().unwrap_or(EVal::Empty)
    }
    fn dot(&self) -> EVal {
        self.dot.clone()
    }
    fn today(&self) -> Option<i32> {
        Some(20_000)
    }
    fn lookup(&self, _id: u32, keys: &[EVal]) -> EVal {
        match keys.first().map(|k| k.to_text().into_owned()).as_deref() {
            Some("lithium") => EVal::Num(55.0),
            Some("lead_acid") => EVal::Num(63.0),
            _ => EVal::Empty,
        }
    }
    fn count(&self, _slot: u32) -> usize {
        3
    }
}

/// Values of every kind, including the awkward ones.
fn envs() -> Vec<Fixed> {
    let all = [
        EVal::Empty,
        EVal::Bool(true),
        EVal::Num(f64::NAN),
        EVal::Num(-0.0),
        EVal::Num(1e308),
        EVal::str("lithium"),
        EVal::str(""),
        EVal::Date(19_000),
        EVal::list(["a", "b"]),
    ];
    let mut out = Vec::new();
    for (i, v) in all.iter().enumerate() {
        let w = all.get((i + 3) % all.len()).cloned().unwrap_or(EVal::Empty);
        out.push(Fixed {
            vars: vec![
                v.clone(),
                w.clone(),
                EVal::Num(25.0),
                EVal::Date(19_500),
                EVal::Empty,
            ],
            dot: w,
        });
    }
    out
}

/// An expression: compiled or refused with a position inside the text; evaluation is pure and
/// `eval_bool` agrees with `eval`.
pub fn expr(data: &[u8]) {
    let Some((&flag, rest)) = data.split_first() else {
        return;
    };
    let Ok(src) = std::str::from_utf8(rest) else {
        return;
    };
    let dot = flag & 1 == 1;
    match bounded(data.len(), || expr::compile(src, &Names { dot })) {
        Ok(e) => {
            assert!(src.len() <= expr::MAX_EXPR_LEN);
            assert_eq!(e.source(), src);
            assert!(e.refs().windows(2).all(|w| w.first() < w.get(1)));
            if !dot {
                assert!(!e.uses_dot());
            }
            for env in envs() {
                let v = e.eval(&env);
                assert_eq!(
                    e.eval_bool(&env),
                    v.to_bool(),
                    "eval_bool disagrees for {src}"
                );
                let again = e.eval(&env);
                assert_eq!(format!("{v:?}"), format!("{again:?}"), "impure: {src}");
                let _ = (v.to_text(), v.to_num());
            }
        }
        Err(err) => {
            assert!(err.pos <= src.len(), "{err:?} past the end of {src:?}");
            assert!(src.is_char_boundary(err.pos), "{err:?} inside a character");
        }
    }
}

const IDS: &[&str] = &[
    "00000000-0000-4000-8000-000000000001",
    "00000000-0000-4000-8000-000000000002",
    "00000000-0000-4000-8000-000000000003",
    "00000000-0000-4000-8000-000000000004",
    "00000000-0000-4000-8000-000000000005",
    "00000000-0000-4000-8000-000000000006",
    "00000000-0000-4000-8000-000000000007",
    "00000000-0000-4000-8000-000000000008",
];
const ENTRIES: &[&str] = &[
    "00000000-0000-4000-8000-0000000000e1",
    "00000000-0000-4000-8000-0000000000e2",
];
const TIMES: &[&str] = &[
    "2024-01-31T23:30:00+08:00",
    "2024-01-31T15:30:00Z",
    "2024-02-01T08:00:00+08:00",
    "2024-02-01T08:00:00.001+08:00",
    "2024-03-01T08:00:00-05:00",
    "2024-04-30T08:00:00+08:00",
];
const DAYS: &[&str] = &[
    "2024-01-30",
    "2024-02-07",
    "2024-02-29",
    "2024-03-31",
    "2024-13-01",
];

fn event(u: &mut Unstructured<'_>) -> Arb<Value> {
    let mut e = json!({
        "id": *u.choose(IDS)?,
        "entry": *u.choose(ENTRIES)?,
        "author": *u.choose(&["wang", "qiye", "li"])?,
        "device": *u.choose(&["tablet", "phone"])?,
        "at": *u.choose(TIMES)?,
    });
    let day = |u: &mut Unstructured<'_>| -> Arb<Value> { Ok(json!(*u.choose(DAYS)?)) };
    let act = match u.int_in_range(0..=8)? {
        0 => json!({"kind": "created", "product": "electric-bicycle",
            "enterprise": {"uscc": "91520102MA6DK4L2XN", "region": "520102"},
            "danger": {"text": {"zh": "超速", "en": "Too fast"},
                "severity": *u.choose(&["general", "major"])?, "basis": "GB 17761-2018 4.1"}}),
        1 => json!({"kind": "rectification_ordered", "deadline": day(u)?}),
        2 => json!({"kind": "rectified", "measures": *u.choose(&["换限速器", " "])?}),
        3 => {
            let passed = u.arbitrary::<bool>()?;
            let mut r =
                json!({"kind": "rechecked", "round": u.int_in_range(0..=3)?, "passed": passed});
            if !passed || u.arbitrary::<bool>()? {
                if let Some(o) = r.as_object_mut() {
                    o.insert("deadline".into(), day(u)?);
                }
            }
            r
        }
        4 => json!({"kind": "refused"}),
        5 => json!({"kind": "escalated", "reason": *u.choose(&["refused", "overdue", "other"])?}),
        6 => {
            json!({"kind": "action_taken", "action": *u.choose(&["credit_publicity", "serious_violation_list"])?})
        }
        7 => json!({"kind": "closed", "reason": *u.choose(&["withdrawn", "ceased"])?}),
        _ => json!({"kind": "resolved", "chosen": *u.choose(IDS)?}),
    };
    if let (Some(o), Some(a)) = (e.as_object_mut(), act.as_object()) {
        o.extend(a.clone());
    }
    Ok(e)
}

/// A set of ledger events from several devices: the fold of the set equals the fold of any
/// shuffle with copies, and every distinct id ends in the log once (nothing lost).
pub fn ledger_fold(data: &[u8]) {
    let _ = ledger_inner(&mut Unstructured::new(data));
}

fn ledger_inner(u: &mut Unstructured<'_>) -> Arb<()> {
    let mut events = Vec::new();
    for _ in 0..u.int_in_range(1..=20)? {
        if let Ok(e) = Event::from_value(&event(u)?) {
            events.push(e);
        }
    }
    let state = fold(&events);
    let mut ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut logged: Vec<&str> = state.log.iter().map(|l| l.event.as_str()).collect();
    logged.sort_unstable();
    assert_eq!(
        logged, ids,
        "an event is missing from the log, or logged twice"
    );
    // Another device's view: the same set, shuffled, with copies.
    let mut other = events.clone();
    for _ in 0..u.int_in_range(0..=8)? {
        if let Ok(e) = u.choose(&events) {
            other.push(e.clone());
        }
    }
    for i in (1..other.len()).rev() {
        let j = u.int_in_range(0..=i)?;
        other.swap(i, j);
    }
    assert_eq!(fold(&other), state, "the fold depends on order or copies");
    assert!(serde_json::to_string(&state).is_ok());
    Ok(())
}

/// One event as a device sends it: read strictly, checked, and written back to the same event.
pub fn ledger_event(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(e) = bounded(data.len(), || Event::from_json(text)) else {
        return;
    };
    let _ = e.validate();
    let back = serde_json::to_string(&e).ok();
    let again = back.as_deref().map(Event::from_json);
    assert!(
        matches!(&again, Some(Ok(x)) if *x == e),
        "an event does not read back: {back:?}"
    );
}

/// A spreadsheet a bureau uploads to import its register (`POST /api/v1/register/import`), read
/// as the server reads it (`paicha_sheet::read`: a workbook's first sheet, or CSV in UTF-8 or
/// GB18030) and checked by the core (`campaign::import::read_sheet`). Besides "no panic": every
/// problem names a row of the sheet; a file that imports cleanly, exported again as the server
/// exports it (`to_rows` under `header_row`, as XLSX), imports to the same entries: importing what
/// was exported changes nothing (through XLSX when the input is a workbook). The core's part is bounded like every target; the workbook reader
/// is not (a zip inflates by design: the server caps the cells it reads, `paicha_sheet::MAX_CELLS`).
pub fn register_import(data: &[u8]) {
    use paicha::campaign::import::{header_row, read_sheet, to_rows};
    #[cfg(fuzzing)]
    known_third_party_panics();
    let Ok(rows) = paicha_sheet::read(data) else {
        return;
    };
    let cells: usize = rows
        .iter()
        .map(|r| r.iter().map(String::len).sum::<usize>())
        .sum();
    let cat = Catalogue::builtin();
    let got = bounded(cells + rows.len(), || read_sheet(&rows, cat));
    let last = rows.len().max(1);
    for i in &got.issues {
        assert!(
            (1..=last).contains(&i.row),
            "an issue at row {} of {last}: {i:?}",
            i.row
        );
    }
    if !got.issues.is_empty() || got.entries.is_empty() {
        return;
    }
    let entries: Vec<_> = got.entries.iter().map(|(_, e)| e.clone()).collect();
    let mut sheet = vec![header_row()];
    sheet.extend(to_rows(&entries, cat));
    // Rows as the export writes them; when the input was a workbook, also through an XLSX file
    // (writing and reading a zip is most of the time of a run, so CSV inputs skip it).
    let rows_again = if data.starts_with(b"PK") {
        let file = paicha_sheet::write_xlsx(&[paicha_sheet::SheetOut {
            name: "企业名录",
            header: sheet.first().cloned().unwrap_or_default(),
            rows: sheet.get(1..).unwrap_or_default().to_vec(),
            widths: Vec::new(),
        }]);
        let Ok(file) = file else {
            return;
        };
        paicha_sheet::read(&file).ok()
    } else {
        Some(sheet)
    };
    let back = rows_again.map(|r| read_sheet(&r, cat));
    let again: Option<Vec<_>> = back
        .as_ref()
        .filter(|b| b.issues.is_empty())
        .map(|b| b.entries.iter().map(|(_, e)| e.clone()).collect());
    assert_eq!(
        again.as_ref(),
        Some(&entries),
        "an exported register does not import back: {:?}",
        back.map(|b| b.issues)
    );
}

/// A request body of the routes whose records the core reads (`POST /api/v1/spot-checks`,
/// `/express/events`, `/register`, `/campaigns/{id}/records`, and a campaign plan): the first
/// byte picks the route, the rest is the body's text. Read as the handler reads it, checked, and
/// a record that reads back from its own JSON reads back to the same record (what the server
/// stores is what it read).
pub fn bodies(data: &[u8]) {
    use paicha::campaign::{validate, LookbackResult, Plan, Registered, SupervisionAct};
    use paicha::express::event::ExpressEvent;
    use paicha::ledger::spot::SpotCheck;
    let Some((&route, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    fn round_trip<T>(v: &T)
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let json = serde_json::to_string(v);
        let back = json.as_deref().ok().map(serde_json::from_str::<T>);
        assert!(
            matches!(&back, Some(Ok(x)) if x == v),
            "a record does not read back from its JSON: {json:?} -> {back:?}"
        );
    }
    let n = rest.len();
    match route % 5 {
        0 => {
            if let Ok(s) = bounded(n, || serde_json::from_str::<SpotCheck>(text)) {
                let _ = s.validate();
                round_trip(&s);
            }
        }
        1 => {
            if let Ok(e) = bounded(n, || ExpressEvent::from_json(text)) {
                let _ = e.validate();
                let json = serde_json::to_string(&e).ok();
                let back = json.as_deref().map(ExpressEvent::from_json);
                assert!(
                    matches!(&back, Some(Ok(x)) if *x == e),
                    "an express event does not read back: {json:?}"
                );
            }
        }
        2 => {
            if let Ok(r) = bounded(n, || serde_json::from_str::<Registered>(text)) {
                let r = validate::canonical(r);
                let issues = bounded(n, || validate::validate(&r, Catalogue::builtin()));
                round_trip(&r);
                // Canonical twice is canonical once: a stored entry compared with a re-import.
                assert_eq!(
                    validate::canonical(r.clone()),
                    r,
                    "canonical is not idempotent"
                );
                let _ = issues;
            }
        }
        3 => {
            if let Ok(a) = bounded(n, || serde_json::from_str::<SupervisionAct>(text)) {
                let _ = a.validate();
                round_trip(&a);
            }
            if let Ok(l) = bounded(n, || serde_json::from_str::<LookbackResult>(text)) {
                let _ = l.validate();
                round_trip(&l);
            }
        }
        _ => {
            let products: Vec<&str> = Catalogue::builtin()
                .current()
                .into_iter()
                .map(|t| t.product.as_str())
                .collect();
            if let Ok(p) = bounded(n, || Plan::from_json(text, &products)) {
                let json = serde_json::to_string(&p).ok();
                let back = json.as_deref().map(|j| Plan::from_json(j, &products));
                assert!(
                    matches!(&back, Some(Ok(x)) if *x == p),
                    "a plan does not read back: {json:?}"
                );
            }
        }
    }
}
