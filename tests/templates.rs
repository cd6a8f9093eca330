//! Runtime templates: problems are reported as a `TemplateError` with stable codes and JSON
//! Pointers into the template, all of them at once; a good template loads and checks submissions
//! like a built-in one.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use chrono::{DateTime, FixedOffset};
use paicha::{check, Catalogue, Level, Report, Session, TemplateError};
use serde_json::{json, Value};

fn now() -> Option<DateTime<FixedOffset>> {
    Some(DateTime::parse_from_rfc3339("2024-03-02T12:00:00+08:00").unwrap())
}

/// A small but complete template: a portal's own product, with a table lookup, a standard with a
/// validity period, skip logic, a repeat group and a rule with a plain legal basis.
fn kettle() -> Value {
    json!({
        "format": 1,
        "product": "portal-kettle",
        "version": "2024.1",
        "name": {"zh": "电水壶", "en": "Electric kettle"},
        "forms": ["self_inspection", "onsite_inspection"],
        "links": ["production", "sales"],
        "standards": [
            {"id": "GB 4706.19-2008", "title": {"zh": "液体加热器", "en": "Liquid heaters"}, "from": "2009-12-01"},
            {"id": "GB 4706.19-2099", "from": "2099-01-01"}
        ],
        "tables": {
            "kettle_limits": {"columns": ["kind", "max_temp"], "rows": [["plastic", 95], ["steel", 105]]}
        },
        "sections": [
            {"id": "kettle.body", "label": {"zh": "壶体", "en": "Body"}},
            {"id": "kettle.units", "label": {"zh": "抽样", "en": "Samples"}}
        ],
        "items": [
            {"key": "kettle.kind", "section": "kettle.body", "type": "single_choice", "required": true,
             "label": {"zh": "材质", "en": "Material"},
             "choices": [
                {"value": "plastic", "label": {"zh": "塑料", "en": "Plastic"}},
                {"value": "steel", "label": {"zh": "不锈钢", "en": "Steel"}}]},
            {"key": "kettle.surface_temp_c", "section": "kettle.body", "type": "number", "min": 0, "max": 300,
             "label": {"zh": "外表面温度", "en": "Surface temperature"},
             "rules": [
                {"check": ". <= lookup('kettle_limits', 'max_temp', 'kind', ${kettle.kind})",
                 "standard": "GB 4706.19-2008", "clause": "11.8", "severity": "major", "violation": "substandard"},
                {"check": ". <= 10", "standard": "GB 4706.19-2099", "severity": "major"}]},
            {"key": "kettle.dry_boil_cutoff", "section": "kettle.body", "type": "yes_no", "required": true,
             "relevant": "${kettle.kind} = 'plastic'",
             "label": {"zh": "干烧保护", "en": "Dry-boil protection"},
             "rules": [{"severity": "general", "basis": "《产品质量法》第二十六条",
                        "finding": {"zh": "无干烧保护", "en": "No dry-boil protection"}}]},
            {"key": "kettle.units", "section": "kettle.units", "type": "repeat", "max_count": 3,
             "forms": ["onsite_inspection"],
             "label": {"zh": "抽样", "en": "Samples"},
             "items": [
                {"key": "kettle.units.serial", "section": "kettle.units", "type": "text", "required": true,
                 "label": {"zh": "编号", "en": "Serial"}},
                {"key": "kettle.units.leak", "section": "kettle.units", "type": "yes_no",
                 "relevant": "${kettle.kind} != ''",
                 "label": {"zh": "渗漏", "en": "Leaks"},
                 "rules": [{"check": ". != 'yes'", "basis": "GB 4706.19-2008 15.2", "severity": "major"}]}]},
            {"key": "kettle.unit_count", "section": "kettle.units", "type": "integer", "forms": ["onsite_inspection"],
             "label": {"zh": "抽样数", "en": "Units sampled"},
             "constraint": ". = count(${kettle.units})"}
        ]
    })
}

fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

/// The problems of a template, loaded into a catalogue that has the built-in fragments.
fn problems(v: &Value) -> TemplateError {
    problems_text(&text(v))
}

fn problems_text(t: &str) -> TemplateError {
    let mut cat = Catalogue::builtin().clone();
    match cat.add_json(t) {
        Err(e) => {
            common::assert_well_formed(&e.issues);
            e
        }
        Ok(t) => panic!("template {} loaded", t.product),
    }
}

/// Sorted (path, code) pairs.
fn pairs(e: &TemplateError) -> Vec<(String, String)> {
    common::issue_pairs(&e.issues)
}

fn expect(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect();
    v.sort();
    v
}

/// The kettle template with `f` applied.
fn kettle_with(f: impl FnOnce(&mut Value)) -> Value {
    let mut v = kettle();
    f(&mut v);
    v
}

fn assert_problems(v: &Value, want: &[(&str, &str)]) -> TemplateError {
    let e = problems(v);
    assert_eq!(pairs(&e), expect(want), "{e}");
    e
}

/// The one issue's English message.
fn only_message(e: &TemplateError) -> &str {
    assert_eq!(e.issues.len(), 1, "{e}");
    &e.issues[0].message.en
}

// ---------------------------------------------------------------------------------------------
// A good runtime template

fn kettle_catalogue() -> Catalogue {
    let mut cat = Catalogue::builtin().clone();
    let t = cat.add_json(&text(&kettle())).unwrap();
    assert_eq!(t.product, "portal-kettle");
    assert_eq!(t.version, "2024.1");
    cat
}

fn submission(form: &str, answers: Value) -> Value {
    json!({
        "id": "00000000-0000-4000-8000-00000000abcd",
        "product": "portal-kettle",
        "form": form,
        "link": "production",
        "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "壶厂", "region": "520102"},
        "inspected_at": "2024-03-01T09:30:00+08:00",
        "answers": answers
    })
}

fn pairs_of(r: &Report) -> Vec<(String, String)> {
    let mut v: Vec<_> = r
        .errors
        .iter()
        .map(|e| (e.path.clone(), e.code.as_str().to_string()))
        .collect();
    v.sort();
    v
}

#[test]
fn a_good_runtime_template_checks_submissions() {
    let cat = kettle_catalogue();
    // Clean.
    let r = check(
        &cat,
        &submission(
            "self_inspection",
            json!({"kettle.kind": "steel", "kettle.surface_temp_c": 100}),
        ),
        now(),
    );
    assert!(r.valid, "{:?}", r.errors);
    assert!(r.findings.is_empty());
    assert_eq!(r.template_version.as_deref(), Some("2024.1"));

    // The lookup picks the limit by kind: 100 is too hot for plastic.
    let r = check(
        &cat,
        &submission(
            "self_inspection",
            json!({"kettle.kind": "plastic", "kettle.surface_temp_c": 100, "kettle.dry_boil_cutoff": "no"}),
        ),
        now(),
    );
    assert!(r.valid, "{:?}", r.errors);
    let mut items: Vec<_> = r
        .findings
        .iter()
        .map(|f| (f.item.as_str(), f.basis.as_str()))
        .collect();
    items.sort();
    assert_eq!(
        items,
        vec![
            ("kettle.dry_boil_cutoff", "《产品质量法》第二十六条"),
            ("kettle.surface_temp_c", "GB 4706.19-2008 11.8"),
        ]
    );
    assert_eq!(r.level, Level::Major);
    // The rule of the standard that does not apply yet (2099) found nothing.
    assert!(r.findings.iter().all(|f| f.rule == 0));
    assert!(r
        .actions
        .iter()
        .any(|a| a.kind == paicha::policy::ActionKind::StopProductionSale));

    // Skip logic: the dry-boil item is asked only for plastic kettles.
    let r = check(
        &cat,
        &submission("self_inspection", json!({"kettle.kind": "plastic"})),
        now(),
    );
    assert_eq!(
        pairs_of(&r),
        vec![(
            "/answers/kettle.dry_boil_cutoff".to_string(),
            "required".to_string()
        )]
    );
    let r = check(
        &cat,
        &submission(
            "self_inspection",
            json!({"kettle.kind": "steel", "kettle.dry_boil_cutoff": "no"}),
        ),
        now(),
    );
    assert!(r.valid && r.findings.is_empty(), "{r:?}");

    // Repeat group and count(): on site only.
    let units = json!([
        {"kettle.units.serial": "A1", "kettle.units.leak": "no"},
        {"kettle.units.serial": "A2", "kettle.units.leak": "yes"}
    ]);
    let r = check(
        &cat,
        &submission(
            "onsite_inspection",
            json!({"kettle.kind": "steel", "kettle.units": units, "kettle.unit_count": 2}),
        ),
        now(),
    );
    assert!(r.valid, "{:?}", r.errors);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].instance, Some(1));
    assert_eq!(
        r.findings[0].path,
        "/answers/kettle.units/1/kettle.units.leak"
    );
    let r = check(
        &cat,
        &submission(
            "onsite_inspection",
            json!({"kettle.kind": "steel", "kettle.units": units, "kettle.unit_count": 3}),
        ),
        now(),
    );
    assert_eq!(
        pairs_of(&r),
        vec![(
            "/answers/kettle.unit_count".to_string(),
            "constraint".to_string()
        )]
    );
    let r = check(
        &cat,
        &submission(
            "self_inspection",
            json!({"kettle.kind": "steel", "kettle.units": []}),
        ),
        now(),
    );
    assert_eq!(
        pairs_of(&r),
        vec![(
            "/answers/kettle.units".to_string(),
            "not_applicable".to_string()
        )]
    );

    // A session works on it too.
    let mut s = Session::open(
        &cat,
        &submission("self_inspection", json!({"kettle.kind": "steel"})),
        now(),
    )
    .unwrap();
    let d = s.set("kettle.kind", &json!("plastic")).unwrap();
    assert!(!d.valid);
    assert!(d.items.iter().any(|i| i.key == "kettle.dry_boil_cutoff"));
}

#[test]
fn runtime_templates_do_not_touch_the_builtin_catalogue() {
    let _cat = kettle_catalogue();
    assert!(Catalogue::builtin().get("portal-kettle", None).is_none());
    let r = check(
        Catalogue::builtin(),
        &submission("self_inspection", json!({})),
        now(),
    );
    assert_eq!(
        pairs_of(&r),
        vec![("/product".to_string(), "unknown_product".to_string())]
    );
}

#[test]
fn a_new_version_becomes_current_and_old_ones_stay_addressable() {
    let mut cat = kettle_catalogue();
    let v2 = kettle_with(|v| {
        v["version"] = json!("2024.2");
        // Version 2 drops the dry-boil item.
        v["items"].as_array_mut().unwrap().remove(2);
    });
    cat.add_json(&text(&v2)).unwrap();
    let answers = json!({"kettle.kind": "steel", "kettle.dry_boil_cutoff": "yes"});
    let r = check(&cat, &submission("self_inspection", answers.clone()), now());
    assert_eq!(r.template_version.as_deref(), Some("2024.2"));
    assert_eq!(
        pairs_of(&r),
        vec![(
            "/answers/kettle.dry_boil_cutoff".to_string(),
            "unknown_item".to_string()
        )]
    );
    let mut old = submission("self_inspection", answers);
    old["template_version"] = json!("2024.1");
    let r = check(&cat, &old, now());
    assert!(r.valid, "{:?}", r.errors);
    assert_eq!(r.template_version.as_deref(), Some("2024.1"));
}

#[test]
fn a_template_may_include_the_shared_fragments() {
    let mut cat = Catalogue::builtin().clone();
    let t = kettle_with(|v| {
        v["include"] = json!([{"fragment": "common.qualifications", "except": ["ccc.certificate_valid", "ccc.model_matches_certificate", "ccc.mark_on_product"]}]);
    });
    cat.add_json(&text(&t)).unwrap();
    let r = check(
        &cat,
        &submission(
            "self_inspection",
            json!({"kettle.kind": "steel", "licence.production_licence_valid": "no"}),
        ),
        now(),
    );
    let f: Vec<_> = r.findings.iter().map(|f| f.item.as_str()).collect();
    assert_eq!(f, vec!["licence.production_licence_valid"]);
    assert!(r
        .actions
        .iter()
        .any(|a| a.kind == paicha::policy::ActionKind::SeriousViolationList));
    // An excluded fragment item does not exist.
    let r = check(
        &cat,
        &submission(
            "self_inspection",
            json!({"kettle.kind": "steel", "ccc.certificate_valid": "no"}),
        ),
        now(),
    );
    assert!(pairs_of(&r).contains(&(
        "/answers/ccc.certificate_valid".to_string(),
        "unknown_item".to_string()
    )));
}

#[test]
fn the_builtin_catalogue_loads_without_problems() {
    let (_, errors) = Catalogue::load_builtin();
    assert!(errors.is_empty(), "{errors:?}");
}

// ---------------------------------------------------------------------------------------------
// Structure

#[test]
fn invalid_json() {
    for t in ["", "{", "[]", "null", "{\"format\": 1,}", "not json"] {
        let e = problems_text(t);
        assert_eq!(pairs(&e), expect(&[("", "template_json")]), "{t:?}");
        assert!(only_message(&e).contains("line"), "{e}");
    }
    // A wrong type is reported where it is.
    let e = problems_text("{\"format\": \"1\"}");
    assert_eq!(pairs(&e), expect(&[("/format", "template_json")]), "{e}");
    // The text of a valid template cut anywhere is not a template.
    let full = text(&kettle());
    for cut in (1..full.len()).step_by(97) {
        if full.is_char_boundary(cut) {
            // One issue, pointing where the text ended (or at the root).
            let e = problems_text(&full[..cut]);
            let p = pairs(&e);
            assert_eq!(p.len(), 1, "{e}");
            assert!(
                p.iter().all(|(path, code)| code == "template_json"
                    && (path.is_empty() || path.starts_with('/'))),
                "{e}"
            );
        }
    }
}

#[test]
fn unknown_fields_are_named() {
    for (v, field) in [
        (kettle_with(|v| v["colour"] = json!("red")), "colour"),
        (
            kettle_with(|v| v["items"][1]["colour"] = json!("red")),
            "colour",
        ),
        (
            kettle_with(|v| v["items"][1]["rules"][0]["sevrity"] = json!("major")),
            "sevrity",
        ),
        (
            kettle_with(|v| v["sections"][0]["title"] = json!("x")),
            "title",
        ),
        (
            kettle_with(|v| v["standards"][0]["to"] = json!("2030-01-01")),
            "to",
        ),
        (
            kettle_with(|v| v["tables"]["kettle_limits"]["key"] = json!("kind")),
            "key",
        ),
        (
            kettle_with(|v| v["items"][3]["items"][0]["colour"] = json!(1)),
            "colour",
        ),
        (
            kettle_with(|v| v["items"][0]["choices"][0]["label"]["fr"] = json!("x")),
            "fr",
        ),
    ] {
        let e = problems(&v);
        assert_eq!(e.issues.len(), 1, "{e}");
        assert_eq!(e.issues[0].code.as_str(), "template_json");
        let m = only_message(&e);
        assert!(m.contains(field), "{field}: {m}");
        assert!(m.contains("line"), "{m}");
    }
}

/// Unknown fields are found by serde, which reports the first only, at the template's root
/// (with a line and column in the message) rather than at a JSON Pointer to the field.
#[test]
fn unknown_fields_have_a_pointer() {
    let v = kettle_with(|v| v["items"][1]["colour"] = json!("red"));
    let e = problems(&v);
    assert_eq!(pairs(&e), expect(&[("/items/1/colour", "template_json")]));
}

#[test]
fn wrong_types_of_fields() {
    for (v, at) in [
        (
            kettle_with(|v| v["items"][1]["type"] = json!("float")),
            "/items/1/type",
        ),
        (
            kettle_with(|v| v["items"][1]["min"] = json!("0")),
            "/items/1/min",
        ),
        (
            kettle_with(|v| v["items"][1]["rules"][0]["severity"] = json!("critical")),
            "/items/1/rules/0/severity",
        ),
        (
            kettle_with(|v| v["items"][1]["rules"][0]["violation"] = json!("theft")),
            "/items/1/rules/0/violation",
        ),
        (kettle_with(|v| v["forms"] = json!(["audit"])), "/forms/0"),
        (
            kettle_with(|v| v["items"][1]["label"] = json!("no english")),
            "/items/1/label",
        ),
        (kettle_with(|v| v["items"] = json!({})), "/items"),
        (kettle_with(|v| v["format"] = json!(-1)), "/format"),
    ] {
        let e = problems(&v);
        assert_eq!(pairs(&e), expect(&[(at, "template_json")]), "{e}");
    }
}

#[test]
fn wrong_format_version() {
    for f in [0, 2, 999] {
        let e = assert_problems(
            &kettle_with(|v| v["format"] = json!(f)),
            &[("/format", "template_format")],
        );
        assert!(only_message(&e).contains(&f.to_string()));
    }
    // Other problems are not looked at in a format this build cannot read.
    assert_problems(
        &kettle_with(|v| {
            v["format"] = json!(2);
            v["items"][0]["key"] = json!("Bad Key");
        }),
        &[("/format", "template_format")],
    );
}

#[test]
fn missing_product_or_version() {
    assert_problems(
        &kettle_with(|v| {
            v.as_object_mut().unwrap().remove("product");
        }),
        &[("/product", "missing_field")],
    );
    assert_problems(
        &kettle_with(|v| v["product"] = json!("")),
        &[("/product", "missing_field")],
    );
    assert_problems(
        &kettle_with(|v| {
            v.as_object_mut().unwrap().remove("version");
        }),
        &[("/version", "missing_field")],
    );
}

#[test]
fn bad_keys() {
    for (i, key) in [
        "Kettle.kind",
        "kettle kind",
        "kettle..kind",
        ".kettle",
        "kettle.",
        "1kettle",
        "kettle.1st",
        "kettle-kind",
        "__proto__",
        "",
        "壶.种类",
        "kettle/kind",
        "kettle.kind~",
    ]
    .iter()
    .enumerate()
    {
        // On a top-level item without references to it (the unit count).
        let v = kettle_with(|v| v["items"][4]["key"] = json!(key));
        assert_problems(&v, &[("/items/4/key", "invalid_key")]);
        // On a repeat child.
        let v = kettle_with(|v| v["items"][3]["items"][0]["key"] = json!(key));
        assert_problems(&v, &[("/items/3/items/0/key", "invalid_key")]);
        let _ = i;
    }
    // Over 100 bytes.
    let long = format!("k.{}", "a".repeat(99));
    let v = kettle_with(|v| v["items"][4]["key"] = json!(long));
    assert_problems(&v, &[("/items/4/key", "invalid_key")]);
    // Exactly 100 is fine, and `constructor` is just a word.
    for key in [format!("k.{}", "a".repeat(98)), "constructor".to_string()] {
        let v = kettle_with(|v| v["items"][4]["key"] = json!(key));
        Catalogue::builtin().clone().add_json(&text(&v)).unwrap();
    }
}

#[test]
fn duplicate_keys() {
    // Two top-level items.
    assert_problems(
        &kettle_with(|v| v["items"][4]["key"] = json!("kettle.surface_temp_c")),
        &[("/items/4/key", "duplicate_key")],
    );
    // A repeat child and a top-level item.
    assert_problems(
        &kettle_with(|v| v["items"][3]["items"][0]["key"] = json!("kettle.unit_count")),
        &[("/items/4/key", "duplicate_key")],
    );
    // Two choices with the same value.
    assert_problems(
        &kettle_with(|v| v["items"][0]["choices"][1]["value"] = json!("plastic")),
        &[("/items/0/choices", "bad_item")],
    );
}

/// Two sections with the same id: `compile` has a `duplicate_key` check for this, but the
/// include merge drops the second section first, so the check never fires.
#[test]
fn duplicate_sections() {
    let v = kettle_with(|v| {
        v["sections"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "kettle.body", "label": {"zh": "另一个", "en": "Another"}}));
    });
    let e = problems(&v);
    assert_eq!(e.issues.len(), 1, "{e}");
    assert_eq!(e.issues[0].code.as_str(), "duplicate_key");
    assert!(e.issues[0].path.starts_with("/sections"), "{e}");
}

#[test]
fn unknown_section() {
    assert_problems(
        &kettle_with(|v| v["items"][1]["section"] = json!("kettle.lid")),
        &[("/items/1/section", "unknown_section")],
    );
    assert_problems(
        &kettle_with(|v| v["items"][3]["items"][1]["section"] = json!("")),
        &[("/items/3/items/1/section", "unknown_section")],
    );
}

#[test]
fn malformed_items() {
    // A choice item without choices.
    assert_problems(
        &kettle_with(|v| {
            v["items"][0].as_object_mut().unwrap().remove("choices");
        }),
        &[("/items/0/choices", "bad_item")],
    );
    assert_problems(
        &kettle_with(|v| {
            v["items"][4]["type"] = json!("multiple_choice");
            v["items"][4].as_object_mut().unwrap().remove("constraint");
        }),
        &[("/items/4/choices", "bad_item")],
    );
    // Choices on a number.
    assert_problems(
        &kettle_with(|v| {
            v["items"][1]["choices"] = json!([{"value": "a", "label": {"zh": "a", "en": "a"}}])
        }),
        &[("/items/1/choices", "bad_item")],
    );
    // A repeat group without items, items on a non-group, a nested group.
    assert_problems(
        &kettle_with(|v| v["items"][3]["items"] = json!([])),
        // count(${kettle.units}) still resolves.
        &[("/items/3/items", "bad_item")],
    );
    // (Items of a non-group are not compiled, so their keys clash with nothing.)
    assert_problems(
        &kettle_with(|v| v["items"][1]["items"] = v["items"][3]["items"].clone()),
        &[("/items/1/items", "bad_item")],
    );
    assert_problems(
        &kettle_with(|v| {
            v["items"][3]["items"][0] = json!({"key": "kettle.units.inner", "section": "kettle.units",
                "type": "repeat", "label": {"zh": "x", "en": "x"},
                "items": [{"key": "kettle.units.inner.x", "section": "kettle.units", "type": "text",
                           "label": {"zh": "x", "en": "x"}}]});
        }),
        &[("/items/3/items/0", "bad_item")],
    );
    // min above max.
    assert_problems(
        &kettle_with(|v| v["items"][1]["min"] = json!(301)),
        &[("/items/1/min", "bad_item")],
    );
    // A rule without a check on an item that has no default check.
    assert_problems(
        &kettle_with(|v| {
            v["items"][1]["rules"][0]
                .as_object_mut()
                .unwrap()
                .remove("check");
        }),
        &[("/items/1/rules/0/check", "missing_field")],
    );
}

#[test]
fn bad_tables_and_standards() {
    assert_problems(
        &kettle_with(|v| v["tables"]["kettle_limits"]["rows"][1] = json!(["steel"])),
        &[("/tables/kettle_limits/rows/1", "bad_table")],
    );
    // A cell that is neither a number nor a string: `bad_table` at the row, or (since cells are
    // typed when the JSON is read) a `template_json` issue naming the type.
    let e = problems(&kettle_with(|v| {
        v["tables"]["kettle_limits"]["rows"][0] = json!(["plastic", true])
    }));
    match pairs(&e).as_slice() {
        [(p, c)] if p == "/tables/kettle_limits/rows/0" && c == "bad_table" => {}
        [(p, c)] if p == "/tables/kettle_limits/rows/0/1" && c == "template_json" => {
            assert!(only_message(&e).contains("boolean"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert_problems(
        &kettle_with(|v| {
            v["tables"]["dup"] = json!({"columns": ["kind", "kind"], "rows": [["a", "b"]]})
        }),
        &[("/tables/dup", "bad_table")],
    );
    assert_problems(
        &kettle_with(|v| v["tables"]["empty"] = json!({"columns": [], "rows": []})),
        &[("/tables/empty", "bad_table")],
    );
    // A table name that needs escaping in a pointer.
    assert_problems(
        &kettle_with(|v| v["tables"]["a/b"] = json!({"columns": [], "rows": []})),
        &[("/tables/a~1b", "bad_table")],
    );
    for bad in ["2009-02-29", "2009-12", "1 Dec 2009", ""] {
        assert_problems(
            &kettle_with(|v| v["standards"][0]["from"] = json!(bad)),
            &[("/standards/0/from", "invalid_date")],
        );
    }
}

#[test]
fn rules_need_a_legal_basis_and_known_standards() {
    assert_problems(
        &kettle_with(|v| {
            v["items"][2]["rules"][0]
                .as_object_mut()
                .unwrap()
                .remove("basis");
        }),
        &[("/items/2/rules/0", "missing_field")],
    );
    // A clause alone is not a basis.
    assert_problems(
        &kettle_with(|v| {
            let r = v["items"][2]["rules"][0].as_object_mut().unwrap();
            r.remove("basis");
            r.insert("clause".into(), json!("26"));
        }),
        &[("/items/2/rules/0", "missing_field")],
    );
    let e = assert_problems(
        &kettle_with(|v| v["items"][1]["rules"][1]["standard"] = json!("GB 0000-0000")),
        &[("/items/1/rules/1/standard", "unknown_standard")],
    );
    assert!(only_message(&e).contains("GB 0000-0000"));
}

#[test]
fn unknown_include() {
    let e = assert_problems(
        &kettle_with(|v| v["include"] = json!(["common.qualifications", "common.nope"])),
        &[("/include/1", "unknown_include")],
    );
    assert!(only_message(&e).contains("common.nope"));
    assert_problems(
        &kettle_with(|v| v["include"] = json!([{"fragment": "common.nope", "except": []}])),
        &[("/include/0", "unknown_include")],
    );
}

/// Issue paths must point into the template as its author wrote it, even when shared fragments
/// are merged in ahead of its own items.
#[test]
fn paths_point_into_the_template_as_written_when_it_includes_fragments() {
    assert_problems(
        &kettle_with(|v| {
            v["include"] = json!(["common.qualifications"]);
            v["items"][1]["section"] = json!("kettle.lid");
        }),
        &[("/items/1/section", "unknown_section")],
    );
}

// ---------------------------------------------------------------------------------------------
// Expressions

/// The issue of a broken expression put in `field` of the surface-temperature item.
fn broken(field: &str, src: &str) -> String {
    let v = kettle_with(|v| match field {
        "check" => v["items"][1]["rules"][0]["check"] = json!(src),
        "when" => v["items"][1]["rules"][0]["when"] = json!(src),
        f => v["items"][1][f] = json!(src),
    });
    let path = match field {
        "check" | "when" => format!("/items/1/rules/0/{field}"),
        f => format!("/items/1/{f}"),
    };
    let e = problems(&v);
    assert_eq!(pairs(&e), expect(&[(&path, "expression")]), "{src}: {e}");
    let m = only_message(&e).to_string();
    assert!(m.contains("kettle.surface_temp_c"), "{m}");
    m
}

/// Asserts that the message reports the sub-code and the byte position.
fn at(m: &str, code: &str, pos: usize) {
    assert!(m.contains(&format!("({code})")), "{code} not in: {m}");
    assert!(
        m.contains(&format!("at byte {pos} ")),
        "byte {pos} not in: {m}"
    );
}

#[test]
fn syntax_errors_with_their_byte_position() {
    for (src, pos) in [
        (". <= ", 5),
        (". < = 3", 4),
        (". == 3", 2),
        ("(. <= 3", 7),
        (". <= 3)", 6),
        (". <= 3 3", 7),
        ("'unterminated", 0),
        (". <= $x", 5),
        ("${kettle.kind = 'a'", 13),
        ("${} = 'a'", 0),
        (". && 1", 2),
        ("!(. > 1)", 0),
        (". <= 3 AND . >= 1", 7),
        ("max(1,, 2)", 6),
        ("abc", 0),
        ("", 0),
        ("温度 > 3", 0),
        (". > 3 #", 6),
    ] {
        for field in ["constraint", "relevant", "required", "check", "when"] {
            at(&broken(field, src), "syntax", pos);
        }
    }
}

#[test]
fn unknown_references_functions_and_tables() {
    at(&broken("relevant", "${nope} = 'x'"), "unknown_reference", 0);
    let m = broken("constraint", ". > 0 and ${kettle.nope} != 1");
    at(&m, "unknown_reference", 10);
    assert!(m.contains("kettle.nope"), "{m}");
    at(&broken("check", "frobnicate(.) = 1"), "unknown_function", 0);
    at(&broken("check", ". <= MAX(1, 2)"), "unknown_function", 5);
    at(
        &broken(
            "check",
            ". <= lookup('nope', 'max_temp', 'kind', ${kettle.kind})",
        ),
        "unknown_table",
        12,
    );
    at(
        &broken(
            "check",
            ". <= lookup('kettle_limits', 'min_temp', 'kind', ${kettle.kind})",
        ),
        "unknown_table",
        12,
    );
    at(
        &broken(
            "check",
            ". <= lookup('kettle_limits', 'max_temp', 'type', ${kettle.kind})",
        ),
        "unknown_table",
        12,
    );
}

#[test]
fn wrong_arity() {
    at(&broken("check", "not(1, 2)"), "arity", 0);
    at(&broken("check", ". > 1 and if(1, 2)"), "arity", 10);
    at(&broken("check", "today(1) > 0"), "arity", 0);
    at(&broken("check", "selected(.)"), "arity", 0);
    at(&broken("check", "coalesce(.)"), "arity", 0);
    at(&broken("check", "max() > 0"), "arity", 0);
    at(
        &broken("check", ". <= lookup('kettle_limits', 'max_temp', 'kind')"),
        "arity",
        5,
    );
}

#[test]
fn dot_in_a_repeat_group() {
    let v = kettle_with(|v| v["items"][3]["relevant"] = json!(". != ''"));
    let e = assert_problems(&v, &[("/items/3/relevant", "expression")]);
    at(only_message(&e), "dot_not_allowed", 0);
}

#[test]
fn repeat_children_cannot_be_read_from_outside_their_group() {
    // A top-level item reading a child.
    let v = kettle_with(|v| v["items"][1]["relevant"] = json!("${kettle.units.serial} != ''"));
    let e = assert_problems(&v, &[("/items/1/relevant", "expression")]);
    assert!(only_message(&e).contains("kettle.units.serial"));
    // A rule reading a child.
    let v = kettle_with(|v| {
        v["items"][1]["rules"][0]["when"] = json!("${kettle.units.leak} = 'yes'");
    });
    assert_problems(&v, &[("/items/1/rules/0/when", "expression")]);
    // A child of another group.
    let v = kettle_with(|v| {
        let mut g2 = v["items"][3].clone();
        g2["key"] = json!("kettle.more");
        g2["items"] = json!([{"key": "kettle.more.x", "section": "kettle.units", "type": "text",
                              "relevant": "${kettle.units.serial} = 'a'",
                              "label": {"zh": "x", "en": "x"}}]);
        v["items"].as_array_mut().unwrap().push(g2);
    });
    assert_problems(&v, &[("/items/5/items/0/relevant", "expression")]);
    // Reading the group's count, top-level items from inside, and siblings are all fine.
    let v = kettle_with(|v| {
        v["items"][1]["relevant"] = json!("count(${kettle.units}) >= 0");
        v["items"][3]["items"][1]["relevant"] =
            json!("${kettle.units.serial} != '' and ${kettle.kind} != ''");
    });
    Catalogue::builtin().clone().add_json(&text(&v)).unwrap();
}

#[test]
fn relevance_cycles() {
    // a relevant b, b relevant a.
    let v = kettle_with(|v| {
        v["items"][1]["relevant"] = json!("${kettle.dry_boil_cutoff} = 'yes'");
        v["items"][2]["relevant"] = json!("${kettle.surface_temp_c} > 0");
    });
    let e = problems(&v);
    assert_eq!(e.issues.len(), 1, "{e}");
    assert_eq!(e.issues[0].code.as_str(), "cycle");
    assert!(
        ["/items/1/relevant", "/items/2/relevant"].contains(&e.issues[0].path.as_str()),
        "{e}"
    );
    // An item relevant on itself.
    let v = kettle_with(|v| v["items"][1]["relevant"] = json!("${kettle.surface_temp_c} > 0"));
    assert_problems(&v, &[("/items/1/relevant", "cycle")]);
    // A three-cycle among repeat children.
    let v = kettle_with(|v| {
        let c = v["items"][3]["items"].as_array_mut().unwrap();
        c.push(
            json!({"key": "kettle.units.c", "section": "kettle.units", "type": "text",
                      "relevant": "${kettle.units.serial} != ''", "label": {"zh": "c", "en": "c"}}),
        );
        c[0]["relevant"] = json!("${kettle.units.leak} != ''");
        c[1]["relevant"] = json!("${kettle.units.c} != ''");
    });
    let e = problems(&v);
    assert_eq!(e.issues.len(), 1, "{e}");
    assert_eq!(e.issues[0].code.as_str(), "cycle");
    assert!(e.issues[0].path.starts_with("/items/3/items/"), "{e}");
    // Reading each other in constraints and rules is not a cycle.
    let v = kettle_with(|v| {
        v["items"][1]["constraint"] = json!("${kettle.dry_boil_cutoff} != 'x'");
        v["items"][2]["constraint"] = json!("${kettle.surface_temp_c} >= 0 or true()");
    });
    Catalogue::builtin().clone().add_json(&text(&v)).unwrap();
}

/// The cycle issue should point at an item on the cycle, not at one that merely depends on it.
#[test]
fn the_cycle_issue_points_at_an_item_on_the_cycle() {
    // Item 0 depends on the cycle between items 1 and 2 but is not on it.
    let v = kettle_with(|v| {
        v["items"][0]["relevant"] = json!("${kettle.surface_temp_c} > 0");
        v["items"][1]["relevant"] = json!("${kettle.dry_boil_cutoff} = 'yes'");
        v["items"][2]["relevant"] = json!("${kettle.surface_temp_c} > 0");
    });
    // kettle.kind is read by the rule lookup and dry_boil relevance: keep them resolvable.
    let e = problems(&v);
    assert_eq!(e.issues.len(), 1, "{e}");
    assert!(
        ["/items/1/relevant", "/items/2/relevant"].contains(&e.issues[0].path.as_str()),
        "{e}"
    );
}

#[test]
fn expressions_too_deep_and_too_long() {
    // 10,000 nested parentheses: too deep, and no stack overflow even on a small stack.
    let src = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let m = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let v = kettle_with(|v| v["items"][1]["constraint"] = json!(src));
            let e = problems(&v);
            assert_eq!(pairs(&e), expect(&[("/items/1/constraint", "expression")]));
            only_message(&e).to_string()
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(m.contains("(too_long)") || m.contains("(too_deep)"), "{m}");
    // Under the length limit, depth is what fails.
    for src in [
        format!("{}1{}", "(".repeat(1000), ")".repeat(1000)),
        format!("{}1{}", "not(".repeat(500), ")".repeat(500)),
        format!("{}1", "-".repeat(2000)),
        format!("1{}", " + 1".repeat(100)),
        format!("{}1{}", "abs(".repeat(100), ")".repeat(100)),
    ] {
        let m = broken("constraint", &src);
        assert!(m.contains("(too_deep)"), "{m}");
    }
    // Over 4096 bytes.
    let src = format!(". > 0{}", " or . > 1".repeat(600));
    assert!(src.len() > 4096);
    let m = broken("constraint", &src);
    at(&m, "too_long", 0);
    // A long flat `or` chain under the limit is fine.
    let src = format!(". > 0{}", " or . > 1".repeat(400));
    let v = kettle_with(|v| v["items"][1]["constraint"] = json!(src));
    Catalogue::builtin().clone().add_json(&text(&v)).unwrap();
}

// ---------------------------------------------------------------------------------------------
// All at once

#[test]
fn all_problems_are_reported_at_once() {
    let v = kettle_with(|v| {
        v["include"] = json!(["common.nope"]);
        v["standards"][1]["from"] = json!("2099-02-30");
        v["tables"]["kettle_limits"]["rows"][1] = json!(["steel"]);
        v["items"][0]["choices"] = json!([]);
        v["items"][1]["relevant"] = json!("${nope} = 1");
        v["items"][1]["constraint"] = json!(". <=");
        v["items"][1]["rules"][0]["check"] = json!("frob(.)");
        v["items"][1]["rules"][1]["standard"] = json!("GB 1");
        v["items"][2]["rules"][0]
            .as_object_mut()
            .unwrap()
            .remove("basis");
        v["items"][3]["items"][0]["key"] = json!("Bad");
        v["items"][3]["items"][1]["section"] = json!("kettle.nowhere");
        v["items"][4]["key"] = json!("kettle.kind");
        v["items"][4]["min"] = json!(10);
        v["items"][4]["max"] = json!(1);
    });
    let e = problems(&v);
    let want = [
        ("/include/0", "unknown_include"),
        ("/standards/1/from", "invalid_date"),
        ("/tables/kettle_limits/rows/1", "bad_table"),
        ("/items/0/choices", "bad_item"),
        ("/items/1/relevant", "expression"),
        ("/items/1/constraint", "expression"),
        ("/items/1/rules/0/check", "expression"),
        ("/items/1/rules/1/standard", "unknown_standard"),
        ("/items/2/rules/0", "missing_field"),
        ("/items/3/items/0/key", "invalid_key"),
        ("/items/3/items/1/section", "unknown_section"),
        ("/items/4/key", "duplicate_key"),
        ("/items/4/min", "bad_item"),
    ];
    let got = pairs(&e);
    for w in want {
        assert!(
            got.contains(&(w.0.to_string(), w.1.to_string())),
            "missing {w:?}:\n{e}"
        );
    }
    // Display lists each issue on its own line.
    assert_eq!(e.to_string().lines().count(), e.issues.len());
}

#[test]
fn too_many_items() {
    let items: Vec<Value> = (0..5001)
        .map(|i| {
            json!({"key": format!("k.i{i}"), "section": "kettle.body", "type": "text",
                        "label": {"zh": "x", "en": "x"}})
        })
        .collect();
    let v = kettle_with(|v| v["items"] = json!(items));
    assert_problems(&v, &[("/items", "too_large")]);
}

#[test]
fn a_failed_template_is_not_added() {
    let mut cat = Catalogue::builtin().clone();
    let bad = kettle_with(|v| v["items"][1]["section"] = json!("kettle.lid"));
    assert!(cat.add_json(&text(&bad)).is_err());
    assert!(cat.get("portal-kettle", None).is_none());
    // A failed new version leaves the current one in place.
    cat.add_json(&text(&kettle())).unwrap();
    let bad = kettle_with(|v| {
        v["version"] = json!("2024.2");
        v["items"][1]["section"] = json!("kettle.lid");
    });
    assert!(cat.add_json(&text(&bad)).is_err());
    assert_eq!(cat.get("portal-kettle", None).unwrap().version, "2024.1");
}

/// docs/templates.md: the top-level `forms` and `links` say "which forms and links exist". A
/// template for production only should not check a sales submission as if it applied
/// (`not_offered`), yet `compile` ignores both fields: items default to every form and link.
#[test]
fn template_level_forms_and_links_limit_what_is_offered() {
    let mut cat = Catalogue::builtin().clone();
    let t = kettle_with(|v| {
        v["links"] = json!(["production"]);
        v["forms"] = json!(["self_inspection"]);
    });
    cat.add_json(&text(&t)).unwrap();
    let mut sales = submission("self_inspection", json!({"kettle.kind": "steel"}));
    sales["link"] = json!("sales");
    let r = check(&cat, &sales, now());
    assert!(
        pairs_of(&r).iter().any(|(_, c)| c == "not_offered"),
        "{:?}",
        pairs_of(&r)
    );
    let onsite = submission("onsite_inspection", json!({"kettle.kind": "steel"}));
    let r = check(&cat, &onsite, now());
    assert!(
        pairs_of(&r).iter().any(|(_, c)| c == "not_offered"),
        "{:?}",
        pairs_of(&r)
    );
}

/// A product whose items are all outside a form is `not_offered` for it.
#[test]
fn not_offered_when_no_item_is_in_scope() {
    let mut cat = Catalogue::builtin().clone();
    let t = kettle_with(|v| {
        for it in v["items"].as_array_mut().unwrap() {
            it["links"] = json!(["production"]);
        }
    });
    cat.add_json(&text(&t)).unwrap();
    let mut sales = submission("self_inspection", json!({}));
    sales["link"] = json!("sales");
    let r = check(&cat, &sales, now());
    assert_eq!(
        pairs_of(&r),
        vec![("/form".to_string(), "not_offered".to_string())]
    );
    // A session may open on it (it has a checklist), but reports the same.
    match Session::open(&cat, &sales, now()) {
        Ok(s) => assert_eq!(s.report(), r),
        Err(report) => assert_eq!(*report, r),
    }
}
