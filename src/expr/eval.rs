//! Evaluation of compiled nodes: XPath 1.0 comparison and arithmetic rules, extended with dates.
//!
//! This is the per-keystroke hot path. Constants are borrowed rather than cloned (`eval_cow`),
//! conditions are computed as plain `bool`s without building `Value::Bool` in between
//! (`eval_bool`), and string comparisons borrow both sides, so the common expressions
//! (`. <= 25`, `${x} = 'yes' and selected(${y}, 'a')`) allocate nothing.

use std::borrow::Cow;

use super::ast::Node;
use super::func;
use super::value::{date_from_days, parse_date};
use super::{Env, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl Node {
    pub(super) fn eval(&self, env: &dyn Env) -> Value {
        match self {
            Node::Const(v) => v.clone(),
            Node::Var(slot) => env.var(*slot),
            Node::Dot => env.dot(),
            Node::Today => env.today().map_or(Value::Empty, Value::Date),
            Node::Count(slot) => Value::Num(env.count(*slot) as f64),
            Node::Neg(a) => Value::Num(-a.eval_cow(env).to_num()),
            Node::Not(_) | Node::And(_) | Node::Or(_) | Node::Cmp(..) => {
                Value::Bool(self.eval_bool(env))
            }
            Node::Arith(op, pair) => {
                let [a, b] = &**pair;
                arith(*op, &a.eval_cow(env), &b.eval_cow(env))
            }
            Node::If(parts) => {
                let [cond, then, other] = &**parts;
                if cond.eval_bool(env) {
                    then.eval(env)
                } else {
                    other.eval(env)
                }
            }
            Node::Call(f, args) => func::call(*f, args, env),
            Node::Lookup(id, keys) => lookup(*id, keys, env),
        }
    }

    /// `to_bool` of `eval`, without materialising intermediate booleans.
    pub(super) fn eval_bool(&self, env: &dyn Env) -> bool {
        match self {
            Node::Const(v) => v.to_bool(),
            Node::Not(a) => !a.eval_bool(env),
            Node::And(items) => items.iter().all(|n| n.eval_bool(env)),
            Node::Or(items) => items.iter().any(|n| n.eval_bool(env)),
            Node::Cmp(op, pair) => {
                let [a, b] = &**pair;
                compare(*op, &a.eval_cow(env), &b.eval_cow(env))
            }
            Node::If(parts) => {
                let [cond, then, other] = &**parts;
                if cond.eval_bool(env) {
                    then.eval_bool(env)
                } else {
                    other.eval_bool(env)
                }
            }
            _ => self.eval(env).to_bool(),
        }
    }

    /// Like `eval`, but borrows constants instead of cloning them (which for strings would be an
    /// atomic reference-count round trip).
    pub(super) fn eval_cow(&self, env: &dyn Env) -> Cow<'_, Value> {
        match self {
            Node::Const(v) => Cow::Borrowed(v),
            _ => Cow::Owned(self.eval(env)),
        }
    }
}

/// Keys are evaluated into a stack array: lookups run per keystroke too, and tables are keyed by
/// one or two columns in practice. More keys than that fall back to a `Vec`.
fn lookup(id: u32, keys: &[Node], env: &dyn Env) -> Value {
    const INLINE: usize = 4;
    if keys.len() <= INLINE {
        let mut values: [Value; INLINE] = [Value::Empty, Value::Empty, Value::Empty, Value::Empty];
        for (slot, key) in values.iter_mut().zip(keys) {
            *slot = key.eval(env);
        }
        env.lookup(id, values.get(..keys.len()).unwrap_or_default())
    } else {
        let values: Vec<Value> = keys.iter().map(|k| k.eval(env)).collect();
        env.lookup(id, &values)
    }
}

fn compare(op: Cmp, a: &Value, b: &Value) -> bool {
    match op {
        Cmp::Eq => equals(a, b),
        // XPath defines `!=` on single values as the negation of `=`, NaN included.
        Cmp::Ne => !equals(a, b),
        Cmp::Lt | Cmp::Le | Cmp::Gt | Cmp::Ge => {
            let (x, y) = if matches!(a, Value::Date(_)) || matches!(b, Value::Date(_)) {
                match (as_days(a), as_days(b)) {
                    (Some(x), Some(y)) => (x, y),
                    _ => return false,
                }
            } else {
                (a.to_num(), b.to_num())
            };
            // IEEE comparisons are already false whenever a side is NaN.
            match op {
                Cmp::Lt => x < y,
                Cmp::Le => x <= y,
                Cmp::Gt => x > y,
                _ => x >= y,
            }
        }
    }
}

/// XPath `=` with the type priority boolean > date > number > string.
fn equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Bool(x), other) | (other, Value::Bool(x)) => *x == other.to_bool(),
        (Value::Date(d), other) | (other, Value::Date(d)) => {
            as_days(other).is_some_and(|o| o == f64::from(*d))
        }
        (Value::Num(x), other) | (other, Value::Num(x)) => *x == other.to_num(),
        (Value::List(x), Value::List(y)) => x == y,
        // A multiple-choice answer equals a string when one of its choices does (XPath node-set
        // semantics); with nothing selected it is unanswered, so it equals ''.
        (Value::List(items), other) | (other, Value::List(items)) => {
            let text = other.to_text();
            if items.is_empty() {
                text.is_empty()
            } else {
                items.iter().any(|i| **i == *text)
            }
        }
        _ => a.to_text() == b.to_text(),
    }
}

/// A value on the date axis: dates, `YYYY-MM-DD` strings and numbers (as days).
fn as_days(v: &Value) -> Option<f64> {
    match v {
        Value::Num(n) if !n.is_nan() => Some(*n),
        _ => date_of(v).map(f64::from),
    }
}

fn date_of(v: &Value) -> Option<i32> {
    match v {
        Value::Date(d) => Some(*d),
        Value::Str(s) => parse_date(s.trim()),
        _ => None,
    }
}

fn arith(op: Arith, a: &Value, b: &Value) -> Value {
    match (op, a, b) {
        (Arith::Add, Value::Date(d), other) | (Arith::Add, other, Value::Date(d))
            if !matches!(other, Value::Date(_)) =>
        {
            date_from_days(f64::from(*d) + other.to_num())
        }
        // Date minus date (or a date string, since that is clearly what is meant) is a number
        // of days; date minus anything else is a date.
        (Arith::Sub, Value::Date(x), other) => match date_of(other) {
            Some(y) => Value::Num(f64::from(*x) - f64::from(y)),
            None => date_from_days(f64::from(*x) - other.to_num()),
        },
        (Arith::Sub, Value::Str(s), Value::Date(y)) => {
            let x = parse_date(s.trim()).map_or_else(|| a.to_num(), f64::from);
            Value::Num(x - f64::from(*y))
        }
        _ => {
            let (x, y) = (a.to_num(), b.to_num());
            Value::Num(match op {
                Arith::Add => x + y,
                Arith::Sub => x - y,
                Arith::Mul => x * y,
                Arith::Div => x / y,
                // Rust's `%` on f64 is the truncated remainder XPath's `mod` specifies.
                Arith::Mod => x % y,
            })
        }
    }
}
