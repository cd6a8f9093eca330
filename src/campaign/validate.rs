//! Checking a register entry: the USCC and its check character, a county-level division code,
//! products the catalogue knows in links it offers, certificates with real dates in order, lengths.
//! Errors are the core's issues (`{path, code, message}`, paths are JSON Pointers into the entry),
//! so the JSON API and the spreadsheet import report the same codes.

use super::register::{Registered, RegisteredProduct};
use crate::catalogue::Catalogue;
use crate::ids::{check_region, check_uscc, UsccError};
use crate::issue::{Code, Issue};
use crate::template::{Form, Link};
use chrono::NaiveDate;

/// Longest name, address or other free text kept in an entry (characters).
pub const MAX_TEXT: usize = 200;

/// Prefecture-level cities without counties (GB/T 2260): their own code is the county-level unit.
const CITIES_WITHOUT_COUNTIES: [&str; 4] = ["441900", "442000", "460400", "620200"];

/// Is this a county-level division code (a county, district or county-level city)? A province's
/// (`520000`) or prefecture's (`520100`) code is not: the register files each enterprise with the
/// county bureau in charge of it. Only the province part is checked against GB/T 2260 here.
pub fn is_county_level(code: &str) -> bool {
    check_region(code).is_ok() && (!code.ends_with("00") || CITIES_WITHOUT_COUNTIES.contains(&code))
}

/// A `YYYY-MM-DD` date that exists.
pub fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn text(out: &mut Vec<Issue>, path: &str, value: Option<&str>, required: bool) {
    match value {
        Some(v) if v.trim().is_empty() && required => out.push(Issue::new(path, Code::Blank)),
        None if required => out.push(Issue::new(path, Code::Blank)),
        Some(v) if v.chars().count() > MAX_TEXT => out.push(Issue::detail(
            path,
            Code::TooLong,
            &format!("最多 {MAX_TEXT} 个字"),
            &format!("at most {MAX_TEXT} characters"),
        )),
        _ => {}
    }
}

/// Digits with the usual separators (`0851-12345678`, `+86 138 0000 0000`, `0851-1234567-801`).
fn phone_ok(p: &str) -> bool {
    let digits = p.bytes().filter(u8::is_ascii_digit).count();
    (5..=20).contains(&digits)
        && p.len() <= 30
        && p.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b' ' | b'+' | b'(' | b')' | b'#'))
}

fn uscc(out: &mut Vec<Issue>, code: &str) {
    match check_uscc(code) {
        Ok(()) => {}
        Err(UsccError::CheckCharacter { expected }) => out.push(Issue::detail(
            "/uscc",
            Code::UsccCheck,
            &format!("按 GB 32100-2015 计算，第 18 位应为 {expected}"),
            &format!("by GB 32100-2015 the 18th character should be {expected}"),
        )),
        Err(UsccError::Region) => out.push(Issue::detail(
            "/uscc",
            Code::InvalidUscc,
            "第 3-8 位不是行政区划代码",
            "characters 3-8 are not a division code",
        )),
        Err(UsccError::Format) => out.push(Issue::new("/uscc", Code::InvalidUscc)),
    }
}

fn products(out: &mut Vec<Issue>, ps: &[RegisteredProduct], cat: &Catalogue) {
    if ps.is_empty() {
        out.push(Issue::detail(
            "/products",
            Code::Blank,
            "须至少填写一种生产或销售的重点产品",
            "at least one key product made or sold is needed",
        ));
    }
    for (i, p) in ps.iter().enumerate() {
        let base = format!("/products/{i}");
        if ps.iter().take(i).any(|q| q.product == p.product) {
            out.push(Issue::detail(
                format!("{base}/product"),
                Code::Duplicate,
                &format!("产品 {} 列了两次", p.product),
                &format!("product {} is listed twice", p.product),
            ));
        }
        let Some(t) = cat.get(&p.product, None) else {
            out.push(Issue::detail(
                format!("{base}/product"),
                Code::UnknownProduct,
                &format!("目录中没有 {}", p.product),
                &format!("the catalogue has no {}", p.product),
            ));
            continue;
        };
        if p.links.is_empty() {
            out.push(Issue::detail(
                format!("{base}/links"),
                Code::Blank,
                "须注明生产或销售环节",
                "the link (production or sales) is needed",
            ));
        }
        for (j, l) in p.links.iter().enumerate() {
            if p.links.iter().take(j).any(|m| m == l) {
                out.push(Issue::new(format!("{base}/links/{j}"), Code::Duplicate));
            } else if !t.offers(Form::OnsiteInspection, *l) && !t.offers(Form::SelfInspection, *l) {
                out.push(Issue::new(format!("{base}/links/{j}"), Code::NotOffered));
            }
        }
    }
}

/// Every problem of one entry (empty when it may be stored).
pub fn validate(e: &Registered, cat: &Catalogue) -> Vec<Issue> {
    let mut out = Vec::new();
    uscc(&mut out, &e.uscc);
    text(&mut out, "/name", Some(&e.name), true);
    if !is_county_level(&e.region) {
        out.push(Issue::detail(
            "/region",
            Code::InvalidRegion,
            "须为县级行政区划代码（如 520102），不能是省或市的代码",
            "a county-level code is needed (such as 520102), not a province's or prefecture's",
        ));
    }
    text(&mut out, "/address", e.address.as_deref(), false);
    text(
        &mut out,
        "/legal_representative",
        e.legal_representative.as_deref(),
        false,
    );
    if let Some(c) = &e.contact {
        text(&mut out, "/contact/name", c.name.as_deref(), false);
        if let Some(p) = &c.phone {
            if !phone_ok(p) {
                out.push(Issue::new("/contact/phone", Code::InvalidPhone));
            }
        }
    }
    products(&mut out, &e.products, cat);
    for (i, c) in e.certificates.iter().enumerate() {
        let base = format!("/certificates/{i}");
        text(&mut out, &format!("{base}/number"), Some(&c.number), true);
        if c.number.chars().count() > 100 {
            out.push(Issue::new(format!("{base}/number"), Code::TooLong));
        }
        text(
            &mut out,
            &format!("{base}/scope"),
            c.scope.as_deref(),
            false,
        );
        let from = date(
            &mut out,
            &format!("{base}/valid_from"),
            c.valid_from.as_deref(),
        );
        let until = date(
            &mut out,
            &format!("{base}/valid_until"),
            c.valid_until.as_deref(),
        );
        if let (Some(f), Some(u)) = (from, until) {
            if f > u {
                out.push(Issue::detail(
                    format!("{base}/valid_until"),
                    Code::DateOrder,
                    &format!("{f} 晚于 {u}"),
                    &format!("{f} is after {u}"),
                ));
            }
        }
    }
    out
}

fn date(out: &mut Vec<Issue>, path: &str, v: Option<&str>) -> Option<NaiveDate> {
    let v = v?;
    let d = parse_iso_date(v);
    if d.is_none() {
        out.push(Issue::new(path, Code::InvalidDate));
    }
    d
}

/// The entry in its canonical form, so that the same facts always give the same stored text
/// (and re-importing a file changes nothing): products by id with their links in order, key
/// flags sorted once each, empty optional texts and contacts dropped.
pub fn canonical(mut e: Registered) -> Registered {
    e.products.sort_by(|a, b| a.product.cmp(&b.product));
    for p in &mut e.products {
        p.links.sort_by_key(|l| matches!(l, Link::Sales));
        p.links.dedup();
    }
    e.key_flags.sort();
    e.key_flags.dedup();
    let blank = |o: &mut Option<String>| {
        if o.as_deref().is_some_and(|s| s.trim().is_empty()) {
            *o = None;
        }
    };
    blank(&mut e.address);
    blank(&mut e.legal_representative);
    if let Some(c) = &mut e.contact {
        blank(&mut c.name);
        blank(&mut c.phone);
    }
    if e.contact
        .as_ref()
        .is_some_and(|c| c.name.is_none() && c.phone.is_none())
    {
        e.contact = None;
    }
    for c in &mut e.certificates {
        blank(&mut c.scope);
        blank(&mut c.valid_from);
        blank(&mut c.valid_until);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::register::{Certificate, CertificateKind, Contact};

    fn entry() -> Registered {
        Registered {
            uscc: "91520102MA6DK4L2XN".into(),
            name: "贵阳示例车行".into(),
            region: "520102".into(),
            address: None,
            legal_representative: None,
            contact: Some(Contact {
                name: Some("张三".into()),
                phone: Some("0851-12345678".into()),
            }),
            scale: None,
            products: vec![RegisteredProduct {
                product: "electric-bicycle".into(),
                links: vec![Link::Sales],
            }],
            certificates: vec![],
            key_flags: vec![],
        }
    }

    fn codes(e: &Registered) -> Vec<(String, &'static str)> {
        validate(e, Catalogue::builtin())
            .into_iter()
            .map(|i| (i.path, i.code.as_str()))
            .collect()
    }

    #[test]
    fn a_good_entry_passes() {
        assert_eq!(codes(&entry()), vec![]);
    }

    #[test]
    fn each_field_is_checked() {
        let mut e = entry();
        e.uscc = "91520102MA6DK4L2XA".into();
        e.region = "520100".into();
        e.name = " ".into();
        e.contact = Some(Contact {
            name: None,
            phone: Some("call me".into()),
        });
        e.products.push(RegisteredProduct {
            product: "no-such".into(),
            links: vec![],
        });
        e.products.push(RegisteredProduct {
            product: "electric-bicycle".into(),
            links: vec![Link::Production, Link::Production],
        });
        e.certificates.push(Certificate {
            kind: CertificateKind::Ccc,
            number: "".into(),
            scope: None,
            valid_from: Some("2026-02-30".into()),
            valid_until: Some("2025-01-01".into()),
        });
        e.certificates.push(Certificate {
            kind: CertificateKind::ProductionLicence,
            number: "XK06-001".into(),
            scope: None,
            valid_from: Some("2026-01-01".into()),
            valid_until: Some("2025-01-01".into()),
        });
        assert_eq!(
            codes(&e),
            vec![
                ("/uscc".into(), "uscc_check"),
                ("/name".into(), "blank"),
                ("/region".into(), "invalid_region"),
                ("/contact/phone".into(), "invalid_phone"),
                ("/products/1/product".into(), "unknown_product"),
                ("/products/2/product".into(), "duplicate"),
                ("/products/2/links/1".into(), "duplicate"),
                ("/certificates/0/number".into(), "blank"),
                ("/certificates/0/valid_from".into(), "invalid_date"),
                ("/certificates/1/valid_until".into(), "date_order"),
            ]
        );
        let msg = validate(&e, Catalogue::builtin())
            .into_iter()
            .next()
            .map(|i| i.message.zh)
            .unwrap_or_default();
        assert!(msg.contains("应为 N"), "{msg}");
    }

    #[test]
    fn county_level_codes() {
        assert!(is_county_level("520102"));
        assert!(is_county_level("441900"));
        assert!(!is_county_level("520100"));
        assert!(!is_county_level("520000"));
        assert!(!is_county_level("990102"));
    }

    #[test]
    fn canonical_form_is_order_free() {
        let mut a = entry();
        a.products = vec![
            RegisteredProduct {
                product: "rebar".into(),
                links: vec![Link::Sales, Link::Production],
            },
            RegisteredProduct {
                product: "cement".into(),
                links: vec![Link::Sales],
            },
        ];
        a.address = Some("  ".into());
        let c = canonical(a);
        let ids: Vec<&str> = c.products.iter().map(|p| p.product.as_str()).collect();
        assert_eq!(ids, ["cement", "rebar"]);
        assert_eq!(
            c.products.get(1).map(|p| p.links.clone()),
            Some(vec![Link::Production, Link::Sales])
        );
        assert_eq!(c.address, None);
    }
}
