//! The function library: names and arities (checked at compile time) and the pure functions'
//! evaluation. Functions that read the environment or control evaluation order (`if`, `not`,
//! `today`, `count`, `lookup`) have their own tree nodes instead; see `ast::Node`.

use std::sync::Arc;

use super::ast::Node;
use super::value::{date_from_days, parse_date};
use super::{Env, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Func {
    Not,
    If,
    Selected,
    CountSelected,
    StringLength,
    Coalesce,
    Min,
    Max,
    Abs,
    Round,
    Number,
    Int,
    String,
    Boolean,
    True,
    False,
    Today,
    Date,
    Concat,
    Contains,
    StartsWith,
    Count,
    Lookup,
    Pulldata,
}

/// Marks a function taking any number of arguments from its minimum up.
const MANY: usize = usize::MAX;

/// Name, function, fewest and most arguments.
const FUNCS: &[(&str, Func, usize, usize)] = &[
    ("not", Func::Not, 1, 1),
    ("if", Func::If, 3, 3),
    ("selected", Func::Selected, 2, 2),
    ("count-selected", Func::CountSelected, 1, 1),
    ("string-length", Func::StringLength, 1, 1),
    ("coalesce", Func::Coalesce, 2, 2),
    ("min", Func::Min, 1, MANY),
    ("max", Func::Max, 1, MANY),
    ("abs", Func::Abs, 1, 1),
    ("round", Func::Round, 1, 2),
    ("number", Func::Number, 1, 1),
    ("int", Func::Int, 1, 1),
    ("string", Func::String, 1, 1),
    ("boolean", Func::Boolean, 1, 1),
    ("true", Func::True, 0, 0),
    ("false", Func::False, 0, 0),
    ("today", Func::Today, 0, 0),
    ("date", Func::Date, 1, 1),
    ("concat", Func::Concat, 1, MANY),
    ("contains", Func::Contains, 2, 2),
    ("starts-with", Func::StartsWith, 2, 2),
    ("count", Func::Count, 1, 1),
    // table, column, then (key column, key value) pairs; the pairing is checked in `ast`.
    ("lookup", Func::Lookup, 4, MANY),
    ("pulldata", Func::Pulldata, 4, 4),
];

/// The function called `name`, with its fewest and most arguments (`usize::MAX`: no limit).
pub(super) fn find(name: &str) -> Option<(Func, usize, usize)> {
    FUNCS
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|&(_, f, min, max)| (f, min, max))
}

/// "takes 2 arguments" / "takes 1 or 2 arguments" / "takes at least 1 argument", for arity errors.
pub(super) fn arity_text(min: usize, max: usize) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if max == MANY {
        format!("takes at least {min} argument{}", plural(min))
    } else if min == max {
        format!("takes {min} argument{}", plural(min))
    } else {
        format!("takes {min} to {max} arguments")
    }
}

/// Evaluates a pure function. `args` has the arity checked at compile time; a mismatch (which
/// cannot happen through `compile`) yields `Empty` rather than a panic.
pub(super) fn call(func: Func, args: &[Node], env: &dyn Env) -> Value {
    match (func, args) {
        (Func::Selected, [list, choice]) => {
            let choice = choice.eval_cow(env);
            Value::Bool(is_selected(&list.eval_cow(env), &choice.to_text()))
        }
        (Func::CountSelected, [x]) => Value::Num(count_selected(&x.eval_cow(env)) as f64),
        (Func::StringLength, [x]) => Value::Num(x.eval_cow(env).to_text().chars().count() as f64),
        (Func::Coalesce, [a, b]) => {
            // The fallback is only evaluated when needed, like the branches of `if`.
            let first = a.eval(env);
            if first.is_empty() {
                b.eval(env)
            } else {
                first
            }
        }
        (Func::Min, _) => Value::Num(extreme(args, env, f64::min)),
        (Func::Max, _) => Value::Num(extreme(args, env, f64::max)),
        (Func::Abs, [x]) => Value::Num(x.eval_cow(env).to_num().abs()),
        (Func::Round, [x]) => Value::Num(x.eval_cow(env).to_num().round()),
        (Func::Round, [x, digits]) => Value::Num(round_to(
            x.eval_cow(env).to_num(),
            digits.eval_cow(env).to_num(),
        )),
        (Func::Number, [x]) => Value::Num(x.eval_cow(env).to_num()),
        (Func::Int, [x]) => Value::Num(x.eval_cow(env).to_num().trunc()),
        (Func::String, [x]) => Value::Str(Arc::from(x.eval_cow(env).to_text())),
        (Func::Boolean, [x]) => Value::Bool(x.eval_cow(env).to_bool()),
        (Func::Date, [x]) => to_date(x.eval(env)),
        (Func::Concat, _) => {
            let mut out = String::new();
            for a in args {
                out.push_str(&a.eval_cow(env).to_text());
            }
            Value::Str(Arc::from(out))
        }
        (Func::Contains, [a, b]) => {
            let (a, b) = (a.eval_cow(env), b.eval_cow(env));
            Value::Bool(a.to_text().contains(&*b.to_text()))
        }
        (Func::StartsWith, [a, b]) => {
            let (a, b) = (a.eval_cow(env), b.eval_cow(env));
            Value::Bool(a.to_text().starts_with(&*b.to_text()))
        }
        // `not`, `if`, `true`, `false`, `today`, `count` and `lookup` never get here: they are
        // compiled to their own nodes or to constants.
        _ => Value::Empty,
    }
}

/// `selected()`: a list holds the choice, or a space-separated string (how ODK stores multiple
/// choices) has it as one of its tokens.
fn is_selected(list: &Value, choice: &str) -> bool {
    match list {
        Value::Empty => false,
        Value::List(items) => items.iter().any(|i| &**i == choice),
        other => other
            .to_text()
            .split_ascii_whitespace()
            .any(|t| t == choice),
    }
}

fn count_selected(list: &Value) -> usize {
    match list {
        Value::Empty => 0,
        Value::List(items) => items.len(),
        other => other.to_text().split_ascii_whitespace().count(),
    }
}

/// `min`/`max`: unanswered arguments are skipped (so `max(${a}, ${b})` works while `${b}` is still
/// blank), but any other non-number poisons the result to NaN as in ODK. All unanswered: NaN.
fn extreme(args: &[Node], env: &dyn Env, pick: fn(f64, f64) -> f64) -> f64 {
    let mut acc: Option<f64> = None;
    for a in args {
        let v = a.eval_cow(env);
        if matches!(*v, Value::Empty) {
            continue;
        }
        let n = v.to_num();
        if n.is_nan() {
            return f64::NAN;
        }
        acc = Some(acc.map_or(n, |m| pick(m, n)));
    }
    acc.unwrap_or(f64::NAN)
}

/// `round(x, digits)`, half away from zero like `round(x)`. Digits are truncated and clamped to
/// what an f64 can express, so `round(x, 1e9)` is `x` rather than `inf / inf`.
fn round_to(x: f64, digits: f64) -> f64 {
    if !x.is_finite() || digits.is_nan() {
        return f64::NAN;
    }
    let d = digits.trunc().clamp(-308.0, 308.0);
    // Multiply by an exact power of ten for positive digits and divide for negative ones:
    // `10^-2` is not exact in binary, `10^2` is.
    let scale = 10f64.powi(d.abs() as i32);
    let r = if d >= 0.0 {
        (x * scale).round() / scale
    } else {
        (x / scale).round() * scale
    };
    // Past f64 precision rounding changes nothing, but the scaling can overflow; keep `x` then.
    if r.is_finite() {
        r
    } else {
        x
    }
}

/// `date(x)`: strings are parsed strictly, numbers are days since 1970-01-01.
fn to_date(v: Value) -> Value {
    match v {
        Value::Date(_) => v,
        Value::Str(s) => parse_date(s.trim()).map_or(Value::Empty, Value::Date),
        // Out-of-range or non-finite day counts become Empty there.
        Value::Num(n) => date_from_days(n.floor()),
        _ => Value::Empty,
    }
}
