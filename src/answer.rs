//! Turning one JSON answer into an expression value, checking its type and plausibility.
//! Errors are collected, and an answer with an error is treated as unanswered downstream, so one
//! bad entry never produces a spurious finding.

use crate::expr::{parse_date, Value};
use crate::ids::is_sha256;
use crate::issue::{Code, Issue, Loc};
use crate::template::{Item, ItemKind};
use crate::Json;
use std::sync::Arc;

/// The three yes/no answers, made once: they are most of a checklist's answers.
fn yes_no(i: usize) -> Value {
    static VALUES: std::sync::OnceLock<[Value; 3]> = std::sync::OnceLock::new();
    let v = VALUES.get_or_init(|| [Value::str("yes"), Value::str("no"), Value::str("na")]);
    v.get(i).cloned().unwrap_or(Value::Empty)
}

fn wrong_type(path: &Loc<'_>, want_zh: &str, want_en: &str) -> Issue {
    Issue::detail(
        path,
        Code::WrongType,
        &format!("应为{want_zh}"),
        &format!("expected {want_en}"),
    )
}

/// An attachment reference: `{"sha256": "<64 hex>", "name"?, "type"?, "size"?}`.
fn attachment(v: &Json<'_>, path: &Loc<'_>, errs: &mut Vec<Issue>) -> Option<Arc<str>> {
    let ok = v.as_object().and_then(|o| {
        let known = o
            .keys()
            .all(|k| matches!(k, "sha256" | "name" | "type" | "size"));
        let sha = crate::submission::last(o, "sha256")?.as_str()?;
        (known && is_sha256(sha)).then(|| Arc::from(sha))
    });
    if ok.is_none() {
        errs.push(Issue::new(path, Code::InvalidAttachment));
    }
    ok
}

fn number(item: &Item, n: f64, path: &Loc<'_>, errs: &mut Vec<Issue>) -> Value {
    if item.kind == ItemKind::Integer && n.fract() != 0.0 {
        errs.push(Issue::new(path, Code::NotInteger));
        return Value::Empty;
    }
    let below = item.min.is_some_and(|lo| n < lo);
    let above = item.max.is_some_and(|hi| n > hi);
    if below || above {
        let range = format!(
            "{} .. {}",
            item.min.map_or("-∞".to_string(), |v| v.to_string()),
            item.max.map_or("∞".to_string(), |v| v.to_string())
        );
        errs.push(Issue::detail(path, Code::OutOfRange, &range, &range));
        return Value::Empty;
    }
    Value::Num(n)
}

fn geo(v: &Json<'_>, path: &Loc<'_>, errs: &mut Vec<Issue>) -> Value {
    let parsed = v.as_object().and_then(|o| {
        let known = o
            .keys()
            .all(|k| matches!(k, "lat" | "lon" | "alt" | "accuracy"));
        let lat = crate::submission::last(o, "lat")?.as_f64()?;
        let lon = crate::submission::last(o, "lon")?.as_f64()?;
        let alt = crate::submission::last(o, "alt").map_or(Some(0.0), Json::as_f64)?;
        let acc = crate::submission::last(o, "accuracy").map_or(Some(0.0), Json::as_f64)?;
        let in_range =
            (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) && acc >= 0.0;
        // ODK's text form of a geopoint: "lat lon alt accuracy".
        (known && in_range).then(|| Value::str(&format!("{lat} {lon} {alt} {acc}")))
    });
    parsed.unwrap_or_else(|| {
        errs.push(Issue::new(path, Code::InvalidGeo));
        Value::Empty
    })
}

/// Convert the answer `v` of a non-group item. `null` means unanswered.
pub(crate) fn convert(item: &Item, v: &Json<'_>, path: &Loc<'_>, errs: &mut Vec<Issue>) -> Value {
    if v.is_null() {
        return Value::Empty;
    }
    match item.kind {
        ItemKind::YesNo => match v.as_str() {
            Some("yes") => yes_no(0),
            Some("no") => yes_no(1),
            Some("na") => yes_no(2),
            Some(_) => {
                errs.push(Issue::detail(
                    path,
                    Code::InvalidChoice,
                    "yes / no / na",
                    "yes / no / na",
                ));
                Value::Empty
            }
            None => {
                errs.push(wrong_type(
                    path,
                    "\"yes\"、\"no\" 或 \"na\"",
                    "\"yes\", \"no\" or \"na\"",
                ));
                Value::Empty
            }
        },
        ItemKind::Number | ItemKind::Integer => match v.as_f64() {
            Some(n) if n.is_finite() => number(item, n, path, errs),
            _ => {
                errs.push(wrong_type(path, "数字", "a number"));
                Value::Empty
            }
        },
        ItemKind::Text => match v.as_str() {
            Some(s) if s.chars().count() > item.max_length => {
                let n = item.max_length.to_string();
                errs.push(Issue::detail(
                    path,
                    Code::TooLong,
                    &format!("最多 {n} 字"),
                    &format!("at most {n} characters"),
                ));
                Value::Empty
            }
            Some(s) if s.trim().is_empty() => Value::Empty,
            Some(s) => Value::str(s),
            None => {
                errs.push(wrong_type(path, "文字", "text"));
                Value::Empty
            }
        },
        ItemKind::Date => match v.as_str() {
            Some(s) => match parse_date(s) {
                Some(d) => Value::Date(d),
                None => {
                    errs.push(Issue::new(path, Code::InvalidDate));
                    Value::Empty
                }
            },
            None => {
                errs.push(wrong_type(path, "日期字符串", "a date string"));
                Value::Empty
            }
        },
        ItemKind::SingleChoice => match v.as_str() {
            Some(s) => match item.choices.iter().find(|c| &***c == s) {
                Some(c) => Value::Str(Arc::clone(c)),
                None => {
                    let all = item.choices.join(", ");
                    errs.push(Issue::detail(path, Code::InvalidChoice, &all, &all));
                    Value::Empty
                }
            },
            None => {
                errs.push(wrong_type(path, "选项字符串", "a choice as a string"));
                Value::Empty
            }
        },
        ItemKind::MultipleChoice => multiple(item, v, path, errs),
        ItemKind::Photo => match v {
            Json::Array(a) if a.is_empty() => Value::Empty,
            Json::Array(a) if a.len() > item.max_count => {
                errs.push(Issue::new(path, Code::TooMany));
                Value::Empty
            }
            Json::Array(a) => {
                // One bad reference rejects the whole answer: it then counts as unanswered.
                let before = errs.len();
                let mut first = None;
                for (i, x) in a.iter().enumerate() {
                    let got = attachment(x, &Loc::Elem(path, i), errs);
                    first = first.or(got);
                }
                if errs.len() > before {
                    Value::Empty
                } else {
                    first.map_or(Value::Empty, Value::Str)
                }
            }
            _ => attachment(v, path, errs).map_or(Value::Empty, Value::Str),
        },
        ItemKind::Signature => attachment(v, path, errs).map_or(Value::Empty, Value::Str),
        ItemKind::GeoPoint => geo(v, path, errs),
        // Groups are converted instance by instance by the caller.
        ItemKind::Repeat => Value::Empty,
    }
}

fn multiple(item: &Item, v: &Json<'_>, path: &Loc<'_>, errs: &mut Vec<Issue>) -> Value {
    let Some(a) = v.as_array() else {
        errs.push(wrong_type(path, "选项字符串数组", "an array of choices"));
        return Value::Empty;
    };
    if a.len() > item.choices.len().max(1) {
        errs.push(Issue::new(path, Code::TooMany));
        return Value::Empty;
    }
    let mut out: Vec<Arc<str>> = Vec::with_capacity(a.len());
    for (i, x) in a.iter().enumerate() {
        match x.as_str() {
            Some(s) if item.choices.iter().any(|c| &**c == s) => {
                if out.iter().any(|o| &**o == s) {
                    errs.push(Issue::detail(
                        &Loc::Elem(path, i),
                        Code::InvalidChoice,
                        "重复的选项",
                        "repeated choice",
                    ));
                    return Value::Empty;
                }
                if let Some(c) = item.choices.iter().find(|c| &***c == s) {
                    out.push(Arc::clone(c));
                }
            }
            Some(_) => {
                let all = item.choices.join(", ");
                errs.push(Issue::detail(
                    &Loc::Elem(path, i),
                    Code::InvalidChoice,
                    &all,
                    &all,
                ));
                return Value::Empty;
            }
            None => {
                errs.push(wrong_type(
                    &Loc::Elem(path, i),
                    "选项字符串",
                    "a choice as a string",
                ));
                return Value::Empty;
            }
        }
    }
    if out.is_empty() {
        Value::Empty
    } else {
        Value::List(Arc::from(out))
    }
}
