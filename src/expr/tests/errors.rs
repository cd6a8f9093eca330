//! Compile errors, input limits and sharing: what a hostile or mistaken template meets.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use super::super::{ast, compile, parser, Expr, Value, MAX_DEPTH, MAX_EXPR_LEN};
use super::{compile_ok, error, TestEnv, TestResolver};

#[test]
fn error_codes_and_positions() {
    let cases: &[(&str, &str, usize)] = &[
        ("foo(1)", "unknown_function", 0),
        ("1 + bar(2)", "unknown_function", 4),
        ("if(1, 2)", "arity", 0),
        ("1 + not()", "arity", 4),
        ("round(1, 2, 3)", "arity", 0),
        ("min()", "arity", 0),
        ("lookup('speeds', 'max', 'type')", "arity", 0),
        (
            "pulldata('speeds', 'max', 'type', 1, 'class', 2)",
            "arity",
            0,
        ),
        ("1 + ${nope}", "unknown_reference", 4),
        ("${名称} + ${nope}", "syntax", 2),
        ("count(${nope})", "unknown_reference", 6),
        ("lookup('nope', 'max', 'type', 1)", "unknown_table", 7),
        (
            "1 + lookup('speeds', 'min', 'type', 1)",
            "unknown_table",
            11,
        ),
        ("lookup('speeds', ${a}, 'type', 1)", "syntax", 17),
        ("count(1)", "syntax", 6),
        ("", "syntax", 0),
        ("1 +", "syntax", 3),
        ("if(1, 2, 3", "syntax", 10),
        ("if(1, 2 3)", "syntax", 8),
        ("(1 + 2", "syntax", 6),
        ("1 2", "syntax", 2),
        ("1 )", "syntax", 2),
        ("'abc", "syntax", 0),
        ("1 + ${abc", "syntax", 4),
        ("$abc", "syntax", 0),
        ("${}", "syntax", 0),
        ("${a b}", "syntax", 3),
        ("1 == 1", "syntax", 2),
        ("a + 1", "syntax", 0),
        ("and 1", "syntax", 0),
        ("1 & 2", "syntax", 2),
        ("1 # 2", "syntax", 2),
    ];
    for (src, code, pos) in cases {
        assert_eq!(error(src), (*code, *pos), "{src}");
    }
    let e = compile("if(1, 2, 3", &TestResolver { dot: true }).unwrap_err();
    assert_eq!(e.message, "expected ')' after arguments of if()");
    assert_eq!(
        compile("1 +", &TestResolver { dot: true })
            .unwrap_err()
            .message,
        "unexpected end of expression"
    );
    let e = compile("1 = 1 AND 2 = 2", &TestResolver { dot: true }).unwrap_err();
    assert_eq!((e.code, e.pos), ("syntax", 6));
    assert!(e.message.contains("write 'and'"), "{}", e.message);
    let e = compile("1 + .", &TestResolver { dot: false }).unwrap_err();
    assert_eq!((e.code, e.pos), ("dot_not_allowed", 4));
}

#[test]
fn length_limit() {
    let at_limit = format!("1{}", " ".repeat(MAX_EXPR_LEN - 1));
    assert_eq!(compile_ok(&at_limit).eval(&TestEnv::new()), Value::Num(1.0));
    assert_eq!(error(&format!("{at_limit} ")), ("too_long", 0));
    assert_eq!(error(&"(".repeat(100_000)), ("too_long", 0));
}

#[test]
fn depth_limit() {
    let nest = |open: &str, n: usize| format!("{}1{}", open.repeat(n), ")".repeat(n));
    // Past the length limit the parser itself must still stop early instead of overflowing.
    for deep in [
        nest("(", 100_000),
        nest("not(", 100_000),
        format!("{}1", "-".repeat(100_000)),
    ] {
        let e = parser::parse_unbounded(&deep).unwrap_err();
        assert_eq!(e.code, "too_deep");
    }
    let chain = format!("1{}", "+1".repeat(100_000));
    assert_eq!(
        parser::parse_unbounded(&chain).unwrap_err().code,
        "too_deep"
    );

    assert!(compile_ok(&nest("(", MAX_DEPTH)).eval_bool(&TestEnv::new()));
    assert_eq!(error(&nest("(", MAX_DEPTH + 1)), ("too_deep", MAX_DEPTH));
    // An even number of not()s.
    assert_eq!(
        compile_ok(&nest("not(", MAX_DEPTH)).eval(&TestEnv::new()),
        Value::Bool(true)
    );
    assert_eq!(
        error(&nest("not(", MAX_DEPTH + 1)),
        ("too_deep", 4 * MAX_DEPTH)
    );
    assert_eq!(
        error(&format!("1{}", "+1".repeat(MAX_DEPTH + 1))).0,
        "too_deep"
    );
    // Alternatives are a flat list, so a long `or` chain is not deep.
    let alternatives = vec!["${a} = 'x'"; 200].join(" or ");
    assert!(!compile_ok(&alternatives).eval_bool(&TestEnv::new()));
}

#[test]
fn shareable_and_small() {
    fn assert_traits<T: Send + Sync + Clone + std::fmt::Debug>() {}
    assert_traits::<Expr>();
    assert_traits::<Value>();
    assert!(std::mem::size_of::<ast::Node>() <= 32);
}

/// Evaluates the hot-path shape many times and checks every answer; no timing is asserted.
#[test]
fn repeated_evaluation_is_consistent() {
    let e = compile_ok(". <= 25 and selected(${multi}, 'b')");
    let mut env = TestEnv::new().set("multi", Value::list(["a", "b"]));
    let mut passed = 0;
    for i in 0..10_000 {
        env.dot = Value::Num(f64::from(i % 100));
        if e.eval_bool(&env) {
            passed += 1;
        }
    }
    assert_eq!(passed, 26 * 100);
    let copy = e.clone();
    assert_eq!(copy.eval(&env), e.eval(&env));
}
