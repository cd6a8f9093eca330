#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::cell::Cell;

use super::value::{format_date, parse_date, MAX_DAY, MIN_DAY};
use super::*;

mod errors;

/// Item keys of the test template; a key's slot is its index.
const KEYS: &[&str] = &[
    "a",
    "b",
    "x",
    "n",
    "d",
    "multi",
    "s",
    "ebike.max_speed_kmh",
    "group",
    "type",
    "class",
    "t",
    "名称",
];

fn slot(key: &str) -> usize {
    KEYS.iter().position(|k| *k == key).unwrap()
}

struct TestResolver {
    dot: bool,
}

impl Resolver for TestResolver {
    fn var(&self, name: &str) -> Option<u32> {
        KEYS.iter().position(|k| *k == name).map(|i| i as u32)
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

struct TestEnv {
    vars: Vec<Value>,
    dot: Value,
    today: Option<i32>,
    groups: usize,
    /// How many lookups ran, to show which branches were evaluated.
    lookups: Cell<usize>,
}

impl TestEnv {
    fn new() -> Self {
        TestEnv {
            vars: vec![Value::Empty; KEYS.len()],
            dot: Value::Empty,
            today: None,
            groups: 0,
            lookups: Cell::new(0),
        }
    }
    fn set(mut self, key: &str, v: Value) -> Self {
        self.vars[slot(key)] = v;
        self
    }
}

impl Env for TestEnv {
    fn var(&self, slot: u32) -> Value {
        self.vars
            .get(slot as usize)
            .cloned()
            .unwrap_or(Value::Empty)
    }
    fn dot(&self) -> Value {
        self.dot.clone()
    }
    fn today(&self) -> Option<i32> {
        self.today
    }
    fn lookup(&self, id: u32, keys: &[Value]) -> Value {
        self.lookups.set(self.lookups.get() + 1);
        let keys: Vec<_> = keys.iter().map(|k| k.to_text().into_owned()).collect();
        match (id, keys.as_slice()) {
            (0, [t]) if t == "ebike" => Value::Num(25.0),
            (1, [t, c]) if t == "ebike" && c == "A" => Value::Num(20.0),
            _ => Value::Empty,
        }
    }
    fn count(&self, _: u32) -> usize {
        self.groups
    }
}

fn compile_ok(src: &str) -> Expr {
    compile(src, &TestResolver { dot: true }).unwrap_or_else(|e| panic!("{src}: {e:?}"))
}

fn eval_in(src: &str, env: &TestEnv) -> Value {
    compile_ok(src).eval(env)
}

fn eval(src: &str) -> Value {
    eval_in(src, &TestEnv::new())
}

fn check_all(env: &TestEnv, truths: &[&str], falsehoods: &[&str]) {
    for src in truths {
        assert!(compile_ok(src).eval_bool(env), "expected true: {src}");
    }
    for src in falsehoods {
        assert!(!compile_ok(src).eval_bool(env), "expected false: {src}");
    }
}

fn error(src: &str) -> (&'static str, usize) {
    let e = compile(src, &TestResolver { dot: true }).unwrap_err();
    assert!(!e.message.is_empty());
    (e.code, e.pos)
}

fn day(s: &str) -> i32 {
    parse_date(s).unwrap()
}

#[test]
fn precedence_and_associativity() {
    check_all(
        &TestEnv::new(),
        &[
            "1 + 2 * 3 = 7",
            "(1 + 2) * 3 = 9",
            "not(1 = 2) and 3 > 2",
            "1 = 1 or 1 = 2 and 1 = 2",
            "1 < 2 = true()",
            "10 - 4 - 3 = 3",
            "16 div 4 div 2 = 2",
            "-2 * 3 = -6",
            "- - 2 = 2",
            "2 + -1 = 1",
            " \t1+2*3\n=7 ",
            ".5 + 0.5 = 1",
            "3 mod-1 = 0",
        ],
        &["(1 = 1 or 1 = 2) and 1 = 2", "1 + 2 * 3 = 9", "not(1 = 1)"],
    );
}

#[test]
fn div_and_mod() {
    check_all(
        &TestEnv::new(),
        &[
            "7 div 2 = 3.5",
            "7 mod 3 = 1",
            "-7 mod 3 = -1",
            "7.5 mod 2 = 1.5",
            "number('x') != number('x')",
        ],
        &["7 div 2 = 3", "7 mod 3 = 2", "0 div 0 = 0 div 0"],
    );
    assert_eq!(eval("1 div 0"), Value::Num(f64::INFINITY));
    assert!(eval("0 div 0").to_num().is_nan());
    assert!(eval("5 mod 0").to_num().is_nan());
}

#[test]
fn strings_numbers_and_booleans_compare() {
    check_all(
        &TestEnv::new(),
        &[
            "'a' = \"a\"",
            "\"it's\" = concat('it', \"'s\")",
            "'10' = 10",
            "' 10 ' = 10",
            "'10' > 9",
            "'b' != 'a'",
            "true() = 'x'",
            "false() = 0",
            "1 = true()",
            "string(2.50) = '2.5'",
        ],
        &[
            "'abc' = 0",
            "'abc' < 1",
            "'b' > 'a'",
            "'2024-01-01' = 2024",
            "true() = ''",
        ],
    );
}

#[test]
fn empty_answers() {
    let empty = TestEnv::new();
    check_all(
        &empty,
        &[
            "${x} = ''",
            "not(${x})",
            "${x} != 5",
            "string-length(${x}) = 0",
        ],
        &[
            "${x} != ''",
            "${x} > 5",
            "${x} < 5",
            "${x} = 0",
            "${x} >= ${x}",
        ],
    );
    let answered = TestEnv::new().set("x", Value::Num(7.0));
    check_all(
        &answered,
        &["${x} != ''", "${x} > 5", "${x} = 7"],
        &["${x} = ''", "${x} < 5"],
    );
}

#[test]
fn date_comparisons() {
    let env = TestEnv::new().set("d", Value::Date(day("2024-03-01")));
    let days = day("2024-03-01");
    let eq_days = format!("${{d}} = {days}");
    check_all(
        &env,
        &[
            "${d} > '2024-02-28'",
            "${d} = '2024-03-01'",
            "${d} != 'garbage'",
            "${d} >= date('2024-03-01')",
            "${d} != ''",
            &eq_days,
        ],
        &[
            "${d} = 'garbage'",
            "${d} < date('2024-01-01')",
            "${d} > 'garbage'",
            "${d} = ''",
        ],
    );
}

#[test]
fn selected_and_count_selected() {
    let list = TestEnv::new().set("multi", Value::list(["a", "b"]));
    check_all(
        &list,
        &[
            "selected(${multi}, 'a')",
            "count-selected(${multi}) = 2",
            "${multi} = 'b'",
            "${multi} != 'c'",
            "string(${multi}) = 'a b'",
        ],
        &["selected(${multi}, 'c')", "${multi} = 'c'", "${multi} = ''"],
    );
    let text = TestEnv::new().set("multi", Value::str("a  b c"));
    check_all(
        &text,
        &["selected(${multi}, 'c')", "count-selected(${multi}) = 3"],
        &["selected(${multi}, 'a b')"],
    );
    let none = TestEnv::new().set("multi", Value::list([]));
    check_all(
        &none,
        &["${multi} = ''", "count-selected(${multi}) = 0"],
        &["selected(${multi}, 'a')"],
    );
    check_all(
        &TestEnv::new(),
        &["count-selected(${multi}) = 0"],
        &["selected(${multi}, '')"],
    );
}

#[test]
fn coalesce_min_max() {
    check_all(&TestEnv::new(), &["coalesce(${x}, 'd') = 'd'"], &[]);
    check_all(
        &TestEnv::new().set("x", Value::str("v")),
        &["coalesce(${x}, 'd') = 'v'"],
        &[],
    );
    check_all(
        &TestEnv::new().set("x", Value::str("")),
        &["coalesce(${x}, 'd') = 'd'"],
        &[],
    );
    check_all(
        &TestEnv::new().set("a", Value::Num(4.0)),
        &[
            "max(1, 5, 3) = 5",
            "min(4, 2) = 2",
            "min(7) = 7",
            "max(${x}, 3) = 3",
            "min(${a}, ${x}, 9) = 4",
        ],
        &["max(1, 'abc') = 1", "min(${x}, 2) = 3"],
    );
    assert!(eval("max(1, 'abc')").to_num().is_nan());
    assert!(eval("min(${x}, ${a})").to_num().is_nan());
}

#[test]
fn rounding_and_conversions() {
    check_all(
        &TestEnv::new(),
        &[
            "round(2.5) = 3",
            "round(-2.5) = -3",
            "round(2.4) = 2",
            "round(1.2345, 2) = 1.23",
            "round(1.235, 1) = 1.2",
            "round(1250, -2) = 1300",
            "int(-3.7) = -3",
            "int('3.9') = 3",
            "abs(-2) = 2",
            "number('3') + 1 = 4",
            "boolean('x')",
            "string-length('héllo') = 5",
            "concat('a', 1, true()) = 'a1true'",
            "contains('hello', 'ell')",
            "starts-with('hello', 'he')",
            "if(1 > 2, 'a', 'b') = 'b'",
        ],
        &[
            "boolean('')",
            "contains('hello', 'x')",
            "starts-with('hello', 'lo')",
            "round('x') = round('x')",
        ],
    );
}

#[test]
fn date_arithmetic() {
    check_all(
        &TestEnv::new().set("d", Value::Date(day("2024-03-01"))),
        &[
            "date('2024-02-28') + 1 = date('2024-02-29')",
            "1 + date('2024-02-28') = '2024-02-29'",
            "date('2023-03-01') - date('2023-02-28') = 1",
            "date('2024-03-01') - 1 = '2024-02-29'",
            "string(date('2024-02-28') + 1) = '2024-02-29'",
            "date(0) = '1970-01-01'",
            "date(1.9) = '1970-01-02'",
            "date('2024-01-01') + 0.6 = '2024-01-02'",
            "${d} - '2024-02-01' = 29",
            "'2024-03-02' - ${d} = 1",
        ],
        &["date('2024-02-28') + 1 = date('2024-03-01')"],
    );
    assert_eq!(eval("date('2023-02-29')"), Value::Empty);
    assert_eq!(eval("date('2024-1-01')"), Value::Empty);
    assert_eq!(eval("date('2024-02-29')"), Value::Date(day("2024-02-29")));
    assert_eq!(eval("date('2024-01-01') + ${x}"), Value::Empty);
    assert_eq!(eval("date('9999-12-31') + 1"), Value::Empty);
    assert!(matches!(eval("date('2024-01-02') - date('2024-01-01')"), Value::Num(n) if n == 1.0));
}

#[test]
fn dates_parse_and_format() {
    assert_eq!(parse_date("1970-01-01"), Some(0));
    assert_eq!(parse_date("1969-12-31"), Some(-1));
    assert_eq!(parse_date("0000-01-01"), Some(MIN_DAY));
    assert_eq!(parse_date("9999-12-31"), Some(MAX_DAY));
    for bad in [
        "2023-02-29",
        "2024-13-01",
        "2024-00-10",
        "24-01-01",
        "2024-01-01T00",
        " 2024-01-01",
        "2024/01/01",
        "",
    ] {
        assert_eq!(parse_date(bad), None, "{bad}");
    }
    assert_eq!(format_date(day("2024-02-29")), "2024-02-29");
    assert_eq!(format_date(MIN_DAY), "0000-01-01");
    assert_eq!(format_date(i32::MAX), "");
}

#[test]
fn value_conversions() {
    assert_eq!(Value::str("  12 ").to_num(), 12.0);
    assert_eq!(Value::str("-.5").to_num(), -0.5);
    for not_num in ["2024-01-01", "1e3", "inf", "", "-", ".", "1.2.3", "+1"] {
        assert!(Value::str(not_num).to_num().is_nan(), "{not_num}");
    }
    assert_eq!(Value::Bool(true).to_num(), 1.0);
    assert_eq!(Value::Date(3).to_num(), 3.0);
    assert!(Value::list(["1"]).to_num().is_nan());
    assert_eq!(Value::Num(3.0).to_text(), "3");
    assert_eq!(Value::Num(-0.0).to_text(), "0");
    assert_eq!(Value::Num(2.5).to_text(), "2.5");
    assert_eq!(Value::Num(f64::NAN).to_text(), "NaN");
    assert_eq!(Value::Num(f64::NEG_INFINITY).to_text(), "-Infinity");
    assert_eq!(Value::Date(0).to_text(), "1970-01-01");
    assert_eq!(Value::list(["a", "b"]).to_text(), "a b");
    assert_eq!(Value::Empty.to_text(), "");
    assert!(Value::Date(0).to_bool() && Value::Num(-1.0).to_bool() && Value::list(["a"]).to_bool());
    assert!(
        !Value::Num(f64::NAN).to_bool() && !Value::Num(0.0).to_bool() && !Value::list([]).to_bool()
    );
    assert!(Value::Empty.is_empty() && Value::str("").is_empty());
    assert!(!Value::str(" ").is_empty() && !Value::Num(0.0).is_empty());
}

#[test]
fn today_reads_the_environment() {
    let e = compile_ok("today() - ${d} > 30");
    assert!(e.uses_today());
    let mut env = TestEnv::new().set("d", Value::Date(day("2024-01-01")));
    env.today = Some(day("2024-03-01"));
    assert!(e.eval_bool(&env));
    env.today = Some(day("2024-01-15"));
    assert!(!e.eval_bool(&env));
    env.today = None;
    assert!(!e.eval_bool(&env));
    assert_eq!(compile_ok("today()").eval(&env), Value::Empty);
    assert!(!compile_ok("1 + 1").uses_today());
}

#[test]
fn lookups_and_count() {
    let env = TestEnv::new()
        .set("t", Value::str("ebike"))
        .set("class", Value::str("A"));
    check_all(
        &env,
        &[
            "lookup('speeds', 'max', 'type', ${t}) = 25",
            "lookup('speeds', 'max', 'type', ${t}, 'class', ${class}) = 20",
            "pulldata('speeds', 'max', 'type', 'ebike') = 25",
            "lookup('speeds', 'max', 'type', 'moped') = ''",
        ],
        &["lookup('speeds', 'max', 'type', 'moped') > 0"],
    );
    let mut env = TestEnv::new();
    env.groups = 3;
    assert!(compile_ok("count(${group}) = 3").eval_bool(&env));
    assert_eq!(
        compile_ok("count(${group})").refs(),
        &[slot("group") as u32]
    );
}

#[test]
fn only_needed_operands_are_evaluated() {
    let lazy = [
        "if(true(), 1, lookup('speeds', 'max', 'type', 'x'))",
        "coalesce('a', lookup('speeds', 'max', 'type', 'x'))",
        "false() and lookup('speeds', 'max', 'type', 'x')",
        "true() or lookup('speeds', 'max', 'type', 'x')",
    ];
    for src in lazy {
        let env = TestEnv::new();
        compile_ok(src).eval(&env);
        assert_eq!(env.lookups.get(), 0, "{src}");
    }
    let env = TestEnv::new();
    compile_ok("if(false(), 1, lookup('speeds', 'max', 'type', 'x'))").eval(&env);
    assert_eq!(env.lookups.get(), 1);
}

#[test]
fn dot_refs_and_source() {
    let e = compile_ok("${b} + ${a} + ${b} + count(${group}) + lookup('speeds', 'max', 'type', ${t}) + if(., ${b}, ${a})");
    let expected: Vec<u32> = ["a", "b", "group", "t"]
        .iter()
        .map(|k| slot(k) as u32)
        .collect();
    assert_eq!(e.refs(), expected.as_slice());
    assert!(e.uses_dot());
    assert!(!compile_ok("${a}").uses_dot());
    assert_eq!(
        compile_ok("${ebike.max_speed_kmh}").refs(),
        &[slot("ebike.max_speed_kmh") as u32]
    );
    // Keys are ASCII: a non-ASCII reference is a syntax error at the offending character.
    assert_eq!(
        compile("${名称} = 1", &TestResolver { dot: true })
            .map(|_| ())
            .map_err(|e| (e.code, e.pos)),
        Err(("syntax", 2))
    );
    assert_eq!(compile_ok(" . <= 25 ").source(), " . <= 25 ");
}
