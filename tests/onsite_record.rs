//! Who inspected, where and when (issue 13, item 7): every product's on-site checklist carries the
//! shared fragments `common.onsite` (two inspectors with their law-enforcement certificate numbers,
//! the enterprise's representative, the place) and `common.onsite_close` (GPS and the signatures
//! of both sides, merged after the product's own items). A self-inspection asks none of it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use paicha::{check, Catalogue};
use serde_json::{json, Value};

const PEOPLE: [&str; 6] = [
    "onsite.inspector1_name",
    "onsite.inspector1_certificate",
    "onsite.inspector2_name",
    "onsite.inspector2_certificate",
    "onsite.representative_name",
    "onsite.place",
];
const SIGNATURES: [&str; 3] = [
    "onsite.inspector1_signature",
    "onsite.inspector2_signature",
    "onsite.enterprise_signature",
];
const SIG_A: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const SIG_B: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn sub(product: &str, form: &str, link: &str, answers: Value) -> Value {
    json!({
        "id": "00000000-0000-4000-8000-000000000077",
        "product": product,
        "form": form,
        "link": link,
        "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "示例企业", "region": "520102"},
        "inspected_at": "2026-11-20T10:00:00+08:00",
        "answers": answers,
    })
}

fn errors(r: &Value) -> Vec<(String, String)> {
    r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let path = e["path"].as_str().unwrap();
            let key = path.strip_prefix("/answers/").unwrap_or(path);
            (key.to_string(), e["code"].as_str().unwrap().to_string())
        })
        .collect()
}

fn report(product: &str, form: &str, link: &str, answers: Value) -> Value {
    serde_json::to_value(check(
        Catalogue::builtin(),
        &sub(product, form, link, answers),
        None,
    ))
    .unwrap()
}

fn who() -> Value {
    json!({
        "onsite.inspector1_name": "王明", "onsite.inspector1_certificate": "52010021001",
        "onsite.inspector2_name": "李华", "onsite.inspector2_certificate": "52010021002",
        "onsite.representative_name": "张强", "onsite.place": "贵阳市南明区示例路 1 号",
        "onsite.inspector1_signature": {"sha256": SIG_A},
        "onsite.inspector2_signature": {"sha256": SIG_B},
        "onsite.enterprise_signature": {"sha256": SIG_B},
        "onsite.location": {"lat": 26.57, "lon": 106.71, "accuracy": 8},
    })
}

#[test]
fn every_onsite_checklist_asks_who_inspected_and_no_self_inspection_does() {
    let cat = Catalogue::builtin();
    let products = cat.products();
    assert_eq!(products.len(), 30);
    for p in products {
        for link in ["production", "sales"] {
            let r = report(p.product, "onsite_inspection", link, json!({}));
            let errs = errors(&r);
            for key in PEOPLE.iter().chain(SIGNATURES.iter()) {
                assert!(
                    errs.contains(&(key.to_string(), "required".into())),
                    "{} {link}: {key} not required ({errs:?})",
                    p.product
                );
            }
            // The signatures close the record: after every product item, as on paper.
            let pos = |k: &str| errs.iter().position(|(x, _)| x == k).unwrap();
            let last_other = errs
                .iter()
                .rposition(|(k, _)| !k.starts_with("onsite."))
                .unwrap();
            assert!(
                pos("onsite.inspector1_signature") > last_other,
                "{}",
                p.product
            );
            assert!(pos("onsite.place") < last_other, "{}", p.product);

            let r = report(p.product, "self_inspection", link, json!({}));
            assert!(
                errors(&r).iter().all(|(k, _)| !k.starts_with("onsite.")),
                "{} self-inspection asks on-site items",
                p.product
            );
            // Answers to them in a self-inspection are not the enterprise's to give.
            let r = report(p.product, "self_inspection", link, who());
            assert!(errors(&r)
                .iter()
                .any(|(k, c)| k == "onsite.inspector1_name" && c != "required"));
        }
    }
}

#[test]
fn the_record_is_complete_with_two_different_inspectors_and_both_sides_signing() {
    let r = report("cement", "onsite_inspection", "production", who());
    let errs = errors(&r);
    assert!(
        errs.iter().all(|(k, _)| !k.starts_with("onsite.")),
        "{errs:?}"
    );

    // One inspector twice is not two inspectors: the entry is refused, and counts as unanswered.
    let mut same = who();
    same["onsite.inspector2_name"] = json!("王明");
    same["onsite.inspector2_certificate"] = json!("52010021001");
    let errs = errors(&report("cement", "onsite_inspection", "production", same));
    assert!(errs.contains(&("onsite.inspector2_name".into(), "constraint".into())));
    assert!(errs.contains(&("onsite.inspector2_certificate".into(), "constraint".into())));

    // A certificate number is not one character, nor over 30.
    let mut short = who();
    short["onsite.inspector1_certificate"] = json!("5");
    let errs = errors(&report("cement", "onsite_inspection", "production", short));
    assert!(errs.contains(&("onsite.inspector1_certificate".into(), "constraint".into())));
    let mut long = who();
    long["onsite.inspector1_certificate"] = json!("5".repeat(31));
    let errs = errors(&report("cement", "onsite_inspection", "production", long));
    assert!(errs
        .iter()
        .any(|(k, c)| k == "onsite.inspector1_certificate" && c != "required"));
}

#[test]
fn a_refusal_to_sign_replaces_the_signature_with_the_witness() {
    let mut refused = who();
    let m = refused.as_object_mut().unwrap();
    m.remove("onsite.enterprise_signature");
    m.insert("onsite.signature_refused".into(), json!("yes"));
    let errs = errors(&report(
        "gas-stove",
        "onsite_inspection",
        "sales",
        refused.clone(),
    ));
    assert!(!errs.iter().any(|(k, _)| k == "onsite.enterprise_signature"));
    assert!(errs.contains(&("onsite.refusal_witness".into(), "required".into())));

    refused["onsite.refusal_witness"] = json!("负责人拒绝签字，见证人：社区网格员赵六");
    let errs = errors(&report("gas-stove", "onsite_inspection", "sales", refused));
    assert!(
        errs.iter().all(|(k, _)| !k.starts_with("onsite.")),
        "{errs:?}"
    );

    // Without a refusal, the enterprise's signature is required.
    let mut unsigned = who();
    unsigned
        .as_object_mut()
        .unwrap()
        .remove("onsite.enterprise_signature");
    let errs = errors(&report("gas-stove", "onsite_inspection", "sales", unsigned));
    assert!(errs.contains(&("onsite.enterprise_signature".into(), "required".into())));
}

#[test]
fn a_fragment_marked_at_end_follows_the_templates_own_items() {
    let mut cat = Catalogue::empty();
    let frag = |name: &str, at_end: bool, key: &str| {
        json!({"format": 1, "fragment": name, "at_end": at_end,
            "sections": [{"id": name, "label": {"zh": "s", "en": "s"}}],
            "items": [{"key": key, "section": name, "type": "text", "label": {"zh": "x", "en": "x"}}]})
        .to_string()
    };
    cat.add_fragment_json(&frag("f.head", false, "h.one"))
        .unwrap();
    cat.add_fragment_json(&frag("f.tail", true, "t.one"))
        .unwrap();
    let t = json!({"format": 1, "product": "p", "version": "1",
        "include": ["f.tail", "f.head"],
        "sections": [{"id": "own", "label": {"zh": "s", "en": "s"}}],
        "items": [{"key": "o.one", "section": "own", "type": "text", "label": {"zh": "x", "en": "x"}}]});
    let t = cat.add_json(&t.to_string()).unwrap();
    let keys: Vec<&str> = t.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["h.one", "o.one", "t.one"]);
    let sections: Vec<&str> = t.raw.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(sections, ["f.head", "own", "f.tail"]);
}
