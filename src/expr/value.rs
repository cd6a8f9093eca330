//! Runtime values and the XPath 1.0 conversions between them.
//!
//! Strings and lists are `Arc`-backed so that copying an answer into an expression result, or a
//! literal out of the compiled tree, is a reference-count bump rather than an allocation.

use std::borrow::Cow;
use std::sync::Arc;

/// A value an expression reads or produces.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Unanswered, or not relevant.
    Empty,
    Bool(bool),
    Num(f64),
    Str(Arc<str>),
    /// Days since 1970-01-01.
    Date(i32),
    /// A multiple-choice answer: the selected choice names.
    List(Arc<[Arc<str>]>),
}

/// Days of 0000-01-01 and 9999-12-31: the dates that print as `YYYY-MM-DD` with four year digits.
/// Date arithmetic outside this range yields `Empty` rather than a date nobody can type back in.
pub(crate) const MIN_DAY: i32 = -719_528;
pub(crate) const MAX_DAY: i32 = 2_932_896;

impl Value {
    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    /// A multiple-choice value from its selected choice names.
    pub fn list<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
        Value::List(items.into_iter().map(Arc::from).collect())
    }

    /// XPath `boolean()`.
    pub fn to_bool(&self) -> bool {
        match self {
            Value::Empty => false,
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::Date(_) => true,
            Value::List(l) => !l.is_empty(),
        }
    }

    /// XPath `number()`, extended with dates as day counts.
    pub fn to_num(&self) -> f64 {
        match self {
            Value::Empty | Value::List(_) => f64::NAN,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Num(n) => *n,
            Value::Str(s) => parse_number(s),
            Value::Date(d) => f64::from(*d),
        }
    }

    /// XPath `string()`. Borrows whenever it can, because `=` on strings runs through here.
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            Value::Empty => Cow::Borrowed(""),
            Value::Bool(true) => Cow::Borrowed("true"),
            Value::Bool(false) => Cow::Borrowed("false"),
            Value::Num(n) => format_number(*n),
            Value::Str(s) => Cow::Borrowed(s),
            Value::Date(d) => Cow::Owned(format_date(*d)),
            Value::List(l) => match &**l {
                [] => Cow::Borrowed(""),
                [one] => Cow::Borrowed(one),
                many => Cow::Owned(many.join(" ")),
            },
        }
    }

    /// Whether the value counts as "no answer" (for `coalesce` and required checks).
    #[inline]
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Str(s) => s.is_empty(),
            _ => false,
        }
    }
}

/// XPath number syntax only (`-? (digits ('.' digits?)? | '.' digits)`), so that answers such as
/// `inf`, `1e3` or `2024-01-01` are not numbers, matching what ODK clients accept.
fn parse_number(s: &str) -> f64 {
    let t = s.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let ok = all_digits(int)
        && frac.is_none_or(all_digits)
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    if ok {
        t.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// XPath spelling of numbers: no `.0` on integers, `NaN`/`Infinity`, and no negative zero.
fn format_number(n: f64) -> Cow<'static, str> {
    if n.is_nan() {
        Cow::Borrowed("NaN")
    } else if n == f64::INFINITY {
        Cow::Borrowed("Infinity")
    } else if n == f64::NEG_INFINITY {
        Cow::Borrowed("-Infinity")
    } else if n == 0.0 {
        Cow::Borrowed("0")
    } else {
        // Rust's `Display` for f64 is the shortest round-tripping form and never uses an exponent,
        // which is what XPath requires.
        Cow::Owned(n.to_string())
    }
}

/// Strict `YYYY-MM-DD` (what date widgets store), checked against the calendar, as days since
/// 1970-01-01. Anything else is `None`: a lenient parser would make `'2023-02-29'` silently roll
/// over into March.
pub fn parse_date(s: &str) -> Option<i32> {
    crate::date::parse_date(s).map(crate::date::to_days)
}

/// `YYYY-MM-DD` for days since 1970-01-01; empty for days chrono cannot represent (only
/// reachable by constructing `Value::Date` by hand, since arithmetic stays within years 0-9999).
pub fn format_date(days: i32) -> String {
    crate::date::from_days(days)
        .map(crate::date::date_text)
        .unwrap_or_default()
}

/// A day count as a `Date` value when it is a whole, printable date; `Empty` otherwise.
pub(crate) fn date_from_days(days: f64) -> Value {
    let d = days.round();
    if d.is_finite() && d >= f64::from(MIN_DAY) && d <= f64::from(MAX_DAY) {
        // In range, so the cast is exact.
        Value::Date(d as i32)
    } else {
        Value::Empty
    }
}
