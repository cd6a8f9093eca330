//! Grading of the built-in catalogue beyond single limits: the follow-up measures a violation
//! brings (hand-overs to another department), standard versions chosen by an item's date, and the
//! scope of a visit. Limits on both sides are in `tests/limits/`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use paicha::{check, Catalogue, Report};
use serde_json::{json, Value};

fn sub(product: &str, link: &str, at: &str, answers: Value) -> Value {
    json!({
        "id": "00000000-0000-4000-8000-000000000001",
        "product": product,
        "form": "onsite_inspection",
        "link": link,
        "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "示例企业", "region": "520102"},
        "inspected_at": at,
        "answers": answers,
    })
}

fn report(product: &str, link: &str, at: &str, answers: Value) -> Value {
    let r: Report = check(Catalogue::builtin(), &sub(product, link, at, answers), None);
    serde_json::to_value(r).unwrap()
}

fn actions_of(r: &Value, kind: &str) -> Vec<Value> {
    r["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == kind)
        .cloned()
        .collect()
}

#[test]
fn unlicensed_operation_is_handed_over_to_the_department_the_rule_names() {
    let at = "2024-03-01T10:00:00+08:00";
    let r = report(
        "fireworks",
        "sales",
        at,
        json!({"fireworks.business_permit_valid": "no"}),
    );
    let f = &r["findings"][0];
    assert_eq!(f["violation"], "unlicensed_operation");
    assert_eq!(f["department"], "emergency_management");
    let h = actions_of(&r, "hand_over_to_department");
    assert_eq!(h.len(), 1, "{r}");
    assert_eq!(h[0]["department"], "emergency_management");
    assert_eq!(h[0]["items"], json!(["fireworks.business_permit_valid"]));
    assert_eq!(actions_of(&r, "stop_production_sale").len(), 1);

    let r = report(
        "fuel-oil",
        "sales",
        at,
        json!({"fuel.retail_licence_valid": "no"}),
    );
    let h = actions_of(&r, "hand_over_to_department");
    assert_eq!(h.len(), 1, "{r}");
    assert_eq!(h[0]["department"], "commerce");

    // A permit market regulation issues itself (cylinder filling) is not handed over.
    let r = report(
        "dissolved-acetylene",
        "production",
        at,
        json!({"acetylene.filling_permit_valid": "no"}),
    );
    assert_eq!(r["findings"][0]["violation"], "unlicensed_operation");
    assert!(actions_of(&r, "hand_over_to_department").is_empty(), "{r}");
    assert_eq!(actions_of(&r, "stop_production_sale").len(), 1);
}

#[test]
fn out_of_scope_production_takes_the_measures_of_unlicensed_production() {
    let at = "2024-03-01T10:00:00+08:00";
    let kinds = |r: &Value| -> Vec<String> {
        let mut k: Vec<String> = r["actions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["item"].is_null())
            .map(|a| a["kind"].as_str().unwrap().to_string())
            .collect();
        k.sort();
        k
    };
    let none = report(
        "cement",
        "production",
        at,
        json!({"licence.production_licence_valid": "no"}),
    );
    let scope = report(
        "cement",
        "production",
        at,
        json!({"licence.production_licence_valid": "yes", "licence.licence_covers_product": "no"}),
    );
    assert_eq!(scope["findings"][0]["violation"], "out_of_scope_production");
    assert_eq!(kinds(&none), kinds(&scope));
    assert!(kinds(&scope).contains(&"judicial_transfer_review".to_string()));
}

/// Laboratory tests stay in the production link (and spot checks); field checks that need only a
/// scale or a gauge are offered in the sales link's on-site form too (issue 10, item 10).
#[test]
fn lab_tests_in_production_field_checks_in_shops_too() {
    let cat = Catalogue::builtin();
    let scope = |p: &str, key: &str, link: &str| -> bool {
        let t = cat.get(p, None).unwrap();
        let item = t.item(t.slot(key).unwrap()).unwrap();
        item.scope.contains(
            paicha::template::Form::OnsiteInspection,
            if link == "sales" {
                paicha::template::Link::Sales
            } else {
                paicha::template::Link::Production
            },
        )
    };
    for (p, key) in [
        ("fire-extinguisher", "extinguisher.spray_lag_s"),
        ("fire-extinguisher", "extinguisher.residue_pct"),
        (
            "fire-extinguisher",
            "extinguisher.powder_main_component_pct",
        ),
        ("cement", "cement.strength_28d_mpa"),
        ("cement", "cement.mgo_pct"),
        ("wire-cable", "cable.measured_resistance_ohm_per_km"),
        ("safety-helmet", "helmet.impact_force_n"),
        ("compound-fertilizer", "fertilizer.total_nutrient_pct"),
    ] {
        assert!(scope(p, key, "production"), "{key} in production");
        assert!(
            !scope(p, key, "sales"),
            "{key} is a lab test, not asked in shops"
        );
    }
    for (p, key) in [
        ("fire-extinguisher", "extinguisher.co2_weighed_fill_kg"),
        ("fire-extinguisher", "extinguisher.total_mass_kg"),
        ("fire-extinguisher", "extinguisher.pressure_gauge_green"),
        ("liquid-chlorine", "chlorine.fill_mass_kg"),
    ] {
        assert!(
            scope(p, key, "sales"),
            "{key} is a field check, offered in shops"
        );
    }
}

/// The finding says which version was applied and which date chose it.
#[test]
fn a_finding_names_the_standard_version_and_the_date_that_chose_it() {
    let lead = json!({"ebike.battery_chemistry": "lead_acid", "ebike.mass_kg": 64,
                      "ebike.production_date": "2025-08-31"});
    let r = report(
        "electric-bicycle",
        "sales",
        "2025-10-09T10:00:00+08:00",
        lead,
    );
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["item"] == "ebike.mass_kg")
        .unwrap()
        .clone();
    assert_eq!(
        f["applied"],
        json!({"standard": "GB 17761-2018", "by": "ebike.production_date", "date": "2025-08-31"})
    );
    let r = report(
        "electric-bicycle",
        "sales",
        "2025-10-09T10:00:00+08:00",
        json!({"ebike.battery_chemistry": "lead_acid", "ebike.mass_kg": 64}),
    );
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["item"] == "ebike.mass_kg")
        .unwrap()
        .clone();
    assert_eq!(
        f["applied"],
        json!({"standard": "GB 17761-2024", "by": "inspected_at", "date": "2025-10-09"})
    );
    // A rule with no dated standard says nothing about versions.
    let r = report(
        "fireworks",
        "sales",
        "2025-10-09T10:00:00+08:00",
        json!({"fireworks.business_permit_valid": "no"}),
    );
    assert!(r["findings"][0].get("applied").is_none(), "{r}");
}

/// In a live session, answering the production date re-evaluates the rules it chooses a version
/// for, and the session agrees with a batch check.
#[test]
fn the_production_date_re_evaluates_the_rules_it_chooses_a_version_for() {
    let s = sub(
        "electric-bicycle",
        "sales",
        "2025-10-09T10:00:00+08:00",
        json!({"ebike.battery_chemistry": "lead_acid", "ebike.mass_kg": 62}),
    );
    let mut session = paicha::Session::open(Catalogue::builtin(), &s, None).unwrap();
    let has = |r: &Report| r.findings.iter().any(|f| f.item == "ebike.mass_kg");
    assert!(
        !has(&session.report()),
        "2024 edition by the inspection date: within 63 kg"
    );
    let delta = session
        .set("ebike.production_date", &json!("2025-08-31"))
        .unwrap();
    assert!(delta.items.iter().any(|i| i.key == "ebike.mass_kg"));
    assert!(has(&session.report()), "made before 2025-09-01: 55 kg");
    let mut batch = s.clone();
    batch["answers"]["ebike.production_date"] = json!("2025-08-31");
    assert_eq!(
        session.report(),
        check(Catalogue::builtin(), &batch, None),
        "session and batch agree"
    );
    session
        .set("ebike.production_date", &serde_json::Value::Null)
        .unwrap();
    assert!(
        !has(&session.report()),
        "unanswered again: the inspection date decides"
    );
}

/// A standard's `by` must name a top-level date item of the template.
#[test]
fn a_standard_chosen_by_a_non_date_item_is_a_template_error() {
    let t = json!({"format": 1, "product": "x", "version": "1",
        "standards": [{"id": "S-1", "until": "2025-01-01", "by": "x.name"}],
        "sections": [{"id": "s", "label": {"zh": "s", "en": "s"}}],
        "items": [{"key": "x.name", "section": "s", "type": "text", "label": {"zh": "n", "en": "n"}}]});
    let e = paicha::template::Template::from_json(&t.to_string(), &|_| None).unwrap_err();
    assert!(e.issues.iter().any(|i| i.path == "/standards/0/by"), "{e}");
}
