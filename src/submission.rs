//! The submission envelope: `{id, product, form, link, enterprise: {uscc, name, region},
//! inspected_at, answers, template_version?, meta?}`. Parsed from untyped JSON so that every shape
//! problem becomes a structured issue with its JSON Pointer rather than a serde message.

use crate::ids::{check_region, check_uscc, is_uuid, RegionError, UsccError};
use crate::issue::{pointer, Code, Issue};
use crate::template::{Form, Link};
use crate::Json;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_json_borrow::ObjectAsVec;

/// A submission as typed Rust data, for native callers that build one (the server, tests).
/// `check` takes JSON, so this is a convenience: serialize it with `serde_json::to_value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub id: String,
    pub product: String,
    pub form: Form,
    pub link: Link,
    pub enterprise: Enterprise,
    pub inspected_at: String,
    pub answers: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enterprise {
    pub uscc: String,
    pub name: String,
    pub region: String,
}

/// Longest enterprise name accepted, in characters.
const MAX_NAME: usize = 200;

/// The envelope's fields, as far as they could be read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Header {
    pub id: String,
    pub product: Option<String>,
    pub form: Option<Form>,
    pub link: Option<Link>,
    pub inspected_at: Option<DateTime<FixedOffset>>,
    pub template_version: Option<String>,
}

impl Header {
    /// The inspection date in the offset the inspector gave.
    pub fn day(&self) -> Option<NaiveDate> {
        self.inspected_at.map(|d| d.date_naive())
    }
}

/// The value of `key`; of a repeated key, the last, as `JSON.parse` and serde_json read it (borrowed
/// JSON keeps every copy), so the browser and the server read the same submission.
pub(crate) fn last<'a, 'j>(obj: &'a ObjectAsVec<'j>, key: &str) -> Option<&'a Json<'j>> {
    obj.iter().filter(|(k, _)| *k == key).last().map(|(_, v)| v)
}

/// Keys as serde_json's `Value` holds them: each once, sorted. Borrowed JSON keeps every copy in
/// input order, while the server reads a `Value` (a sorted map, last copy wins); issues about keys
/// are reported in this order so that the text route (browser, CLI) and the value route (server)
/// give the same report, repeated keys included (found by fuzzing: fuzz/regressions/check_json).
pub(crate) fn distinct_keys<'k>(keys: impl Iterator<Item = &'k str>) -> Vec<&'k str> {
    let mut k: Vec<&str> = keys.collect();
    k.sort_unstable();
    k.dedup();
    k
}

fn string_field<'a>(
    obj: &'a ObjectAsVec<'_>,
    base: &str,
    name: &str,
    errs: &mut Vec<Issue>,
) -> Option<&'a str> {
    let path = pointer(base, name);
    match last(obj, name) {
        None | Some(Json::Null) => {
            errs.push(Issue::new(path, Code::MissingField));
            None
        }
        Some(Json::Str(s)) => Some(s),
        Some(_) => {
            errs.push(Issue::detail(
                path,
                Code::WrongType,
                "应为字符串",
                "expected a string",
            ));
            None
        }
    }
}

const FIELDS: [&str; 9] = [
    "id",
    "product",
    "form",
    "link",
    "enterprise",
    "inspected_at",
    "answers",
    "template_version",
    "meta",
];

/// Read the envelope; returns the header and the answers object if there is one.
/// `now`: when given, an `inspected_at` more than a day after it is an error (a wrong clock).
pub(crate) fn parse_header<'a>(
    v: &'a Json<'_>,
    now: Option<DateTime<FixedOffset>>,
    errs: &mut Vec<Issue>,
) -> (Header, Option<&'a ObjectAsVec<'a>>) {
    let mut h = Header::default();
    let Some(obj) = v.as_object() else {
        errs.push(Issue::detail(
            "",
            Code::WrongType,
            "提交须为 JSON 对象",
            "a submission must be a JSON object",
        ));
        return (h, None);
    };
    for k in distinct_keys(obj.keys().filter(|k| !FIELDS.contains(k))) {
        errs.push(Issue::new(pointer("", k), Code::UnknownField));
    }
    if let Some(id) = string_field(obj, "", "id", errs) {
        h.id = id.to_string();
        if !is_uuid(id) {
            errs.push(Issue::new("/id", Code::InvalidId));
        }
    }
    h.product = string_field(obj, "", "product", errs).map(str::to_string);
    if let Some(f) = string_field(obj, "", "form", errs) {
        h.form = Form::parse(f);
        if h.form.is_none() {
            errs.push(Issue::new("/form", Code::InvalidForm));
        }
    }
    if let Some(l) = string_field(obj, "", "link", errs) {
        h.link = Link::parse(l);
        if h.link.is_none() {
            errs.push(Issue::new("/link", Code::InvalidLink));
        }
    }
    if let Some(t) = string_field(obj, "", "inspected_at", errs) {
        match DateTime::parse_from_rfc3339(t) {
            // Years outside this range are typing or clock errors, and would put deadlines past
            // what YYYY-MM-DD can write.
            Ok(d) if !(1990..=2200).contains(&chrono::Datelike::year(&d)) => {
                errs.push(Issue::detail(
                    "/inspected_at",
                    Code::InvalidDatetime,
                    "年份须在 1990 至 2200 之间",
                    "the year must be between 1990 and 2200",
                ));
            }
            Ok(d) => {
                let ahead = now.and_then(|n| n.checked_add_signed(chrono::Duration::days(1)));
                if ahead.is_some_and(|limit| d > limit) {
                    // A wrong clock gives no inspection day: rules that depend on the day (standard
                    // versions, `today()`) are not judged on it, and no deadlines are counted from it.
                    errs.push(Issue::new("/inspected_at", Code::FutureDatetime));
                } else {
                    h.inspected_at = Some(d);
                }
            }
            Err(_) => errs.push(Issue::new("/inspected_at", Code::InvalidDatetime)),
        }
    }
    match last(obj, "template_version") {
        None | Some(Json::Null) => {}
        Some(Json::Str(s)) => h.template_version = Some(s.to_string()),
        Some(_) => errs.push(Issue::new("/template_version", Code::WrongType)),
    }
    enterprise(last(obj, "enterprise"), errs);
    let answers = match last(obj, "answers") {
        None | Some(Json::Null) => {
            errs.push(Issue::new("/answers", Code::MissingField));
            None
        }
        Some(Json::Object(m)) => Some(m),
        Some(_) => {
            errs.push(Issue::detail(
                "/answers",
                Code::WrongType,
                "应为对象",
                "expected an object",
            ));
            None
        }
    };
    (h, answers)
}

fn enterprise(v: Option<&Json<'_>>, errs: &mut Vec<Issue>) {
    let obj = match v {
        None | Some(Json::Null) => {
            errs.push(Issue::new("/enterprise", Code::MissingField));
            return;
        }
        Some(Json::Object(o)) => o,
        Some(_) => {
            errs.push(Issue::detail(
                "/enterprise",
                Code::WrongType,
                "应为对象",
                "expected an object",
            ));
            return;
        }
    };
    let unknown = obj
        .keys()
        .filter(|k| !matches!(*k, "uscc" | "name" | "region"));
    for k in distinct_keys(unknown) {
        errs.push(Issue::new(pointer("/enterprise", k), Code::UnknownField));
    }
    if let Some(u) = string_field(obj, "/enterprise", "uscc", errs) {
        match check_uscc(u) {
            Ok(()) => {}
            Err(UsccError::CheckCharacter { expected }) => errs.push(Issue::detail(
                "/enterprise/uscc",
                Code::UsccCheck,
                &format!("末位应为 {expected}"),
                &format!("the last character should be {expected}"),
            )),
            Err(UsccError::Region) => errs.push(Issue::detail(
                "/enterprise/uscc",
                Code::InvalidUscc,
                "第 3-8 位不是有效的行政区划代码",
                "positions 3-8 are not a valid division code",
            )),
            Err(UsccError::Format) => errs.push(Issue::new("/enterprise/uscc", Code::InvalidUscc)),
        }
    }
    if let Some(n) = string_field(obj, "/enterprise", "name", errs) {
        if n.trim().is_empty() {
            errs.push(Issue::new("/enterprise/name", Code::Blank));
        } else if n.chars().count() > MAX_NAME {
            errs.push(Issue::new("/enterprise/name", Code::TooLong));
        }
    }
    if let Some(r) = string_field(obj, "/enterprise", "region", errs) {
        match check_region(r) {
            Ok(()) => {}
            Err(RegionError::Unknown) => errs.push(Issue::detail(
                "/enterprise/region",
                Code::InvalidRegion,
                "不是现行 GB/T 2260 行政区划代码",
                "not a division code of the GB/T 2260 list in use",
            )),
            Err(_) => errs.push(Issue::new("/enterprise/region", Code::InvalidRegion)),
        }
    }
}

/// Borrow a `serde_json::Value` as `Json` without copying strings. (The crate's own `From` checks
/// every object key against the ones before it, which is quadratic in the number of answers.)
/// Nesting deeper than serde_json's own parser allows (128) becomes a marker object that no item
/// accepts, so a Value built in code cannot overflow the stack here.
pub fn borrow_json(v: &Value) -> Json<'_> {
    borrow_json_at(v, 0)
}

fn borrow_json_at(v: &Value, depth: usize) -> Json<'_> {
    if depth > 128 {
        let too_deep: Vec<(&str, Json<'_>)> = vec![("$too_deep", Json::Bool(true))];
        return Json::Object(too_deep.into());
    }
    let borrow_json = |v| borrow_json_at(v, depth + 1);
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(Json::Null, Json::from),
        Value::String(s) => Json::Str(std::borrow::Cow::Borrowed(s)),
        Value::Array(a) => Json::Array(a.iter().map(borrow_json).collect()),
        Value::Object(o) => Json::Object(
            o.iter()
                .map(|(k, v)| (k.as_str(), borrow_json(v)))
                .collect::<Vec<_>>()
                .into(),
        ),
    }
}
