//! The canonical form of an uploaded record, whose SHA-256 decides `duplicate` or `conflict`:
//! JSON with object keys sorted (serde_json's map) and no spaces; every number written as the
//! IEEE double it denotes, an integral value below 2^53 in magnitude as an integer (`1.0`, `1e0`
//! and `1` are one number, written `1`; what `JSON.stringify` writes on a device) and any other
//! in the shortest form that reads back to the same double; ids (UUIDs) in lower case.
//! A number that no double holds exactly enough to read back the same (`12345678901234567890123`,
//! `0.1000000000000000055511151231257827`) is refused (`inexact_number`), never stored rounded.
//! (docs/openapi.yaml, "Canonical form".)

use serde_json::{Number, Value};

/// 2^53: integers below it in magnitude are exact in a double.
const EXACT: f64 = 9_007_199_254_740_992.0;

/// Rewrite numbers into their canonical form, in place.
pub fn numbers(v: &mut Value) {
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                if f.fract() == 0.0 && f.abs() < EXACT {
                    // Exact: `f` is integral and below 2^53, so the cast loses nothing.
                    #[allow(clippy::cast_possible_truncation)]
                    let i = f as i64;
                    *n = Number::from(i);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(numbers),
        Value::Object(o) => o.values_mut().for_each(numbers),
        _ => {}
    }
}

/// Lower-case a UUID-shaped string (ids compare case-insensitively: one canonical case).
pub fn id(s: &str) -> String {
    if paicha::ids::is_uuid(s) {
        s.to_ascii_lowercase()
    } else {
        s.to_string()
    }
}

/// Lower-case every UUID-shaped string in a record (its id, its entry, the events it names).
pub fn ids(v: &mut Value) {
    match v {
        Value::String(s) if paicha::ids::is_uuid(s) => s.make_ascii_lowercase(),
        Value::Array(a) => a.iter_mut().for_each(ids),
        Value::Object(o) => o.values_mut().for_each(ids),
        _ => {}
    }
}

/// The digits of a decimal number without sign, leading or trailing zeros, and the power of ten
/// of its first digit: `0.0120` and `1.2e-2` both give ("12", -2).
fn decimal(token: &str) -> (String, i64) {
    let t = token.trim_start_matches('-');
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (
            t.get(..i).unwrap_or_default(),
            t.get(i + 1..)
                .unwrap_or_default()
                .trim_start_matches('+')
                .parse::<i64>()
                .unwrap_or(0),
        ),
        None => (t, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = format!("{int}{frac}");
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0').to_string();
    let int_len = i64::try_from(int.len()).unwrap_or(0);
    let lead = i64::try_from(lead).unwrap_or(0);
    (digits, exp + int_len - lead - 1)
}

/// Does the JSON number `token` read back the same through a double?
fn exact(token: &str) -> bool {
    let Ok(f) = token.parse::<f64>() else {
        return false;
    };
    if !f.is_finite() {
        return false;
    }
    let (d, e) = decimal(token);
    if d.is_empty() {
        return f == 0.0;
    }
    // `{:e}` is Rust's shortest representation that reads back to the same double.
    decimal(&format!("{f:e}")) == (d, e)
}

/// The first number in JSON text that a double cannot hold (strings are skipped).
pub fn inexact_number(text: &[u8]) -> Option<String> {
    let mut i = 0;
    let mut in_string = false;
    while let Some(&b) = text.get(i) {
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            let start = i;
            while text
                .get(i)
                .is_some_and(|c| matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            {
                i += 1;
            }
            let token = String::from_utf8_lossy(text.get(start..i).unwrap_or_default());
            if !exact(&token) {
                return Some(token.into_owned());
            }
            continue;
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        let mut v: Value = serde_json::from_str(s).unwrap_or_default();
        numbers(&mut v);
        v.to_string()
    }

    #[test]
    fn one_number_one_form() {
        assert_eq!(canon("[1, 1.0, 1e0, 10E-1, -0.0, 100]"), "[1,1,1,1,0,100]");
        // As JSON.stringify writes them (1e+300).
        assert_eq!(canon("[0.5, 1.25e3, 1e300]"), "[0.5,1250,1e+300]");
        assert_eq!(canon("9007199254740991.0"), "9007199254740991");
        assert_eq!(
            canon("{\"b\": 2.0, \"a\": [3.50]}"),
            "{\"a\":[3.5],\"b\":2}"
        );
    }

    #[test]
    fn numbers_no_double_holds_are_found() {
        assert_eq!(
            inexact_number(b"{\"a\": 12345678901234567890123}"),
            Some("12345678901234567890123".into())
        );
        assert_eq!(
            inexact_number(b"[0.1000000000000000055511151231257827]").as_deref(),
            Some("0.1000000000000000055511151231257827")
        );
        assert_eq!(
            inexact_number(b"[9007199254740993]").as_deref(),
            Some("9007199254740993")
        );
        assert_eq!(inexact_number(b"[1e999]").as_deref(), Some("1e999"));
        // Exact ones, and digits inside strings, are fine.
        for ok in [
            &b"[1, 1.0, -2.5e-3, 0.30000000000000004, 0, -0, 9007199254740992, 1e21]"[..],
            b"{\"t\": \"12345678901234567890123\", \"q\": \"\\\"9\"}",
        ] {
            assert_eq!(inexact_number(ok), None, "{}", String::from_utf8_lossy(ok));
        }
    }

    #[test]
    fn ids_have_one_case() {
        let mut v =
            serde_json::json!({"id": "6F1C2A9E-3B7D-4C1E-9A55-0D2F6B8E4A10", "note": "ABC"});
        ids(&mut v);
        assert_eq!(
            v.get("id").and_then(Value::as_str),
            Some("6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10")
        );
        assert_eq!(v.get("note").and_then(Value::as_str), Some("ABC"));
        assert_eq!(
            id("6F1C2A9E-3B7D-4C1E-9A55-0D2F6B8E4A10"),
            "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10"
        );
    }
}
