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
