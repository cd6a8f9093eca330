//! The catalogue: every product's checklist template, the shared fragments they include, and the
//! follow-up policy. The built-in catalogue is embedded in the build (`catalogue/*.json`), so the
//! browser and the server check against exactly the same data; a portal may add its own templates
//! at run time, checked the same way.

use crate::policy::Policy;
use crate::template::{RawTemplate, Template, TemplateError};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};

/// The embedded catalogue files, in load order (fragments first). `catalogue/index.json` lists the
/// same files for the JS side, which loads them as one bundle (a test keeps the two lists equal).
/// Embedded only in native builds: the WASM module stays small and the page loads the catalogue
/// as data it can cache and update apart from the code.
#[cfg(not(target_arch = "wasm32"))]
pub const FILES: &[(&str, &str)] = &[
    (
        "common/qualifications.json",
        include_str!("../catalogue/common/qualifications.json"),
    ),
    (
        "common/production.json",
        include_str!("../catalogue/common/production.json"),
    ),
    (
        "common/onsite.json",
        include_str!("../catalogue/common/onsite.json"),
    ),
    (
        "common/onsite-close.json",
        include_str!("../catalogue/common/onsite-close.json"),
    ),
    (
        "electric-bicycle.json",
        include_str!("../catalogue/electric-bicycle.json"),
    ),
    ("cement.json", include_str!("../catalogue/cement.json")),
    (
        "dissolved-acetylene.json",
        include_str!("../catalogue/dissolved-acetylene.json"),
    ),
    (
        "liquid-chlorine.json",
        include_str!("../catalogue/liquid-chlorine.json"),
    ),
    (
        "hydrogen-peroxide.json",
        include_str!("../catalogue/hydrogen-peroxide.json"),
    ),
    (
        "dangerous-chemical-packaging.json",
        include_str!("../catalogue/dangerous-chemical-packaging.json"),
    ),
    (
        "road-tanker.json",
        include_str!("../catalogue/road-tanker.json"),
    ),
    (
        "fireworks.json",
        include_str!("../catalogue/fireworks.json"),
    ),
    ("fuel-oil.json", include_str!("../catalogue/fuel-oil.json")),
    (
        "gas-stove.json",
        include_str!("../catalogue/gas-stove.json"),
    ),
    (
        "gas-water-heater.json",
        include_str!("../catalogue/gas-water-heater.json"),
    ),
    ("gas-hose.json", include_str!("../catalogue/gas-hose.json")),
    (
        "lpg-regulator.json",
        include_str!("../catalogue/lpg-regulator.json"),
    ),
    (
        "gas-shutoff-valve.json",
        include_str!("../catalogue/gas-shutoff-valve.json"),
    ),
    (
        "fire-extinguisher.json",
        include_str!("../catalogue/fire-extinguisher.json"),
    ),
    (
        "emergency-lighting.json",
        include_str!("../catalogue/emergency-lighting.json"),
    ),
    (
        "fire-hose.json",
        include_str!("../catalogue/fire-hose.json"),
    ),
    (
        "fire-alarm.json",
        include_str!("../catalogue/fire-alarm.json"),
    ),
    (
        "wire-cable.json",
        include_str!("../catalogue/wire-cable.json"),
    ),
    (
        "compound-fertilizer.json",
        include_str!("../catalogue/compound-fertilizer.json"),
    ),
    (
        "phosphate-fertilizer.json",
        include_str!("../catalogue/phosphate-fertilizer.json"),
    ),
    ("rebar.json", include_str!("../catalogue/rebar.json")),
    (
        "safety-helmet.json",
        include_str!("../catalogue/safety-helmet.json"),
    ),
    (
        "explosion-proof-electrical.json",
        include_str!("../catalogue/explosion-proof-electrical.json"),
    ),
    (
        "wire-rope.json",
        include_str!("../catalogue/wire-rope.json"),
    ),
    ("plywood.json", include_str!("../catalogue/plywood.json")),
    (
        "agricultural-film.json",
        include_str!("../catalogue/agricultural-film.json"),
    ),
    (
        "sulfur-hexafluoride.json",
        include_str!("../catalogue/sulfur-hexafluoride.json"),
    ),
    (
        "acrylic-acid.json",
        include_str!("../catalogue/acrylic-acid.json"),
    ),
    (
        "ethylene-oxide.json",
        include_str!("../catalogue/ethylene-oxide.json"),
    ),
];
#[cfg(target_arch = "wasm32")]
pub const FILES: &[(&str, &str)] = &[];

/// A whole catalogue as one JSON document: what the page loads into the WASM module.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format: u32,
    #[serde(default)]
    pub policy: Option<Policy>,
    /// Fragments and product templates, fragments first.
    pub files: Vec<RawTemplate>,
}

/// What went wrong loading one file of a catalogue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadProblem {
    pub file: String,
    pub issues: Vec<crate::issue::Issue>,
}

#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// Every loaded template; for a product, the last one added is the current version.
    templates: Vec<Arc<Template>>,
    /// Shared fragments by name (a handful: a list, no map code in the WASM module).
    fragments: Vec<(String, RawTemplate)>,
    policy: Policy,
}

/// One product in the catalogue listing.
#[derive(Debug, Clone, Serialize)]
pub struct ProductSummary<'a> {
    pub product: &'a str,
    pub version: &'a str,
    pub versions: Vec<&'a str>,
    pub name: Option<&'a crate::text::Text>,
    pub source_confirmed: bool,
    pub items: usize,
}

static BUILTIN: OnceLock<Catalogue> = OnceLock::new();

fn parse_raw(json: &str) -> Result<RawTemplate, TemplateError> {
    crate::template::parse_json(json)
}

impl Catalogue {
    /// An empty catalogue with the default policy.
    pub fn empty() -> Catalogue {
        Catalogue::default()
    }

    /// The built-in catalogue, compiled once per process.
    pub fn builtin() -> &'static Catalogue {
        BUILTIN.get_or_init(|| {
            let (cat, errors) = Catalogue::load_builtin();
            debug_assert!(errors.is_empty(), "built-in catalogue: {errors:?}");
            cat
        })
    }

    /// Compile the embedded files; returns the catalogue and the problems of any that failed
    /// (a test asserts there are none).
    pub fn load_builtin() -> (Catalogue, Vec<LoadProblem>) {
        let mut cat = Catalogue::empty();
        let mut problems = Vec::new();
        for (name, json) in FILES {
            let r = parse_raw(json).and_then(|raw| cat.add_raw(raw).map(|_| ()));
            if let Err(e) = r {
                problems.push(LoadProblem {
                    file: name.to_string(),
                    issues: e.issues,
                });
            }
        }
        (cat, problems)
    }

    /// Load a bundle (`{format: 1, policy?, files: [...]}`) into an empty catalogue. Files that fail
    /// are reported and left out; the rest load.
    pub fn from_bundle_json(text: &str) -> Result<(Catalogue, Vec<LoadProblem>), TemplateError> {
        let b: Bundle = crate::template::parse_json(text)?;
        let mut cat = Catalogue::empty();
        if let Some(p) = b.policy {
            cat.policy = p;
        }
        let mut problems = Vec::new();
        for raw in b.files {
            let name = raw
                .product
                .clone()
                .or_else(|| raw.fragment.clone())
                .unwrap_or_default();
            if let Err(e) = cat.add_raw(raw) {
                problems.push(LoadProblem {
                    file: name,
                    issues: e.issues,
                });
            }
        }
        Ok((cat, problems))
    }

    /// Add a fragment (`fragment` set) or compile and add a product template.
    pub fn add_raw(&mut self, raw: RawTemplate) -> Result<Option<Arc<Template>>, TemplateError> {
        if let Some(name) = raw.fragment.clone() {
            self.fragments.retain(|(n, _)| *n != name);
            self.fragments.push((name, raw));
            return Ok(None);
        }
        let fragments = |n: &str| {
            self.fragments
                .iter()
                .find(|(f, _)| f == n)
                .map(|(_, r)| r.clone())
        };
        let t = Arc::new(crate::template::compile(raw, &fragments)?);
        self.templates
            .retain(|x| !(x.product == t.product && x.version == t.version));
        self.templates.push(Arc::clone(&t));
        Ok(Some(t))
    }

    /// Add a shared fragment (a template with `fragment` set and no product).
    pub fn add_fragment_json(&mut self, json: &str) -> Result<(), TemplateError> {
        let raw = parse_raw(json)?;
        if raw.fragment.is_none() {
            return Err(TemplateError {
                issues: vec![crate::issue::Issue::detail(
                    "/fragment",
                    crate::issue::Code::MissingField,
                    "fragment",
                    "fragment",
                )],
            });
        }
        self.add_raw(raw).map(|_| ())
    }

    /// Compile and add a product template; it becomes the current version of its product.
    pub fn add_json(&mut self, json: &str) -> Result<Arc<Template>, TemplateError> {
        let raw = parse_raw(json)?;
        if raw.fragment.is_some() {
            return Err(TemplateError {
                issues: vec![crate::issue::Issue::detail(
                    "/fragment",
                    crate::issue::Code::UnknownField,
                    "此处需要产品检查表，而不是公共片段",
                    "a product template is expected here, not a fragment",
                )],
            });
        }
        match self.add_raw(raw)? {
            Some(t) => Ok(t),
            None => Err(TemplateError { issues: Vec::new() }),
        }
    }

    /// The template of `product`: the given version, or the current one.
    pub fn get(&self, product: &str, version: Option<&str>) -> Option<&Template> {
        self.get_arc(product, version).map(|t| &**t)
    }

    pub fn get_arc(&self, product: &str, version: Option<&str>) -> Option<&Arc<Template>> {
        self.templates
            .iter()
            .rev()
            .find(|t| t.product == product && version.is_none_or(|v| t.version == v))
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn set_policy(&mut self, p: Policy) {
        self.policy = p;
    }

    /// Current templates, one per product, in the order they were added.
    pub fn current(&self) -> Vec<&Template> {
        let mut out: Vec<&Template> = Vec::new();
        for t in self.templates.iter().rev() {
            if !out.iter().any(|x| x.product == t.product) {
                out.push(t);
            }
        }
        out.reverse();
        out
    }

    pub fn products(&self) -> Vec<ProductSummary<'_>> {
        self.current()
            .into_iter()
            .map(|t| ProductSummary {
                product: &t.product,
                version: &t.version,
                versions: self
                    .templates
                    .iter()
                    .filter(|x| x.product == t.product)
                    .map(|x| x.version.as_str())
                    .collect(),
                name: t.raw.name.as_ref(),
                source_confirmed: t.raw.source_confirmed,
                items: t.items.len(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_files_are_the_index_and_all_load() {
        let index: serde_json::Value =
            serde_json::from_str(include_str!("../catalogue/index.json")).unwrap_or_default();
        let listed: Vec<&str> = index
            .get("files")
            .and_then(serde_json::Value::as_array)
            .map(|a| a.iter().filter_map(|f| f.as_str()).collect())
            .unwrap_or_default();
        let embedded: Vec<&str> = FILES.iter().map(|(n, _)| *n).collect();
        assert_eq!(listed, embedded, "catalogue/index.json and FILES differ");
        let (cat, problems) = Catalogue::load_builtin();
        assert!(problems.is_empty(), "{problems:?}");
        assert!(cat.get("electric-bicycle", None).is_some());
    }

    #[test]
    fn every_product_offers_both_forms_in_both_links() {
        use crate::template::{Form, Link};
        for t in Catalogue::builtin().current() {
            for f in [Form::SelfInspection, Form::OnsiteInspection] {
                for l in [Link::Production, Link::Sales] {
                    assert!(t.offers(f, l), "{} offers no {f:?} in {l:?}", t.product);
                }
            }
        }
    }

    #[test]
    fn a_bundle_loads_what_the_files_hold_and_reports_bad_files() {
        let files: Vec<serde_json::Value> = FILES
            .iter()
            .map(|(_, t)| serde_json::from_str(t).unwrap_or_default())
            .collect();
        let mut bad = files.clone();
        bad.push(serde_json::json!({"format": 1, "product": "broken", "version": "1",
            "sections": [], "items": [{"key": "x", "label": {"zh": "x", "en": "x"}, "section": "nope", "type": "text"}]}));
        let text = serde_json::json!({"format": 1, "files": bad}).to_string();
        let (cat, problems) = Catalogue::from_bundle_json(&text).unwrap_or_default();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems.first().map(|p| p.file.as_str()), Some("broken"));
        assert_eq!(cat.current().len(), Catalogue::builtin().current().len());
        assert!(Catalogue::from_bundle_json("[]").is_err());
    }
}
