//! The catalogue: every product's checklist template, the shared fragments they include, and the
//! follow-up policy. The built-in catalogue is embedded in the build (`catalogue/*.json`), so the
//! browser and the server check against exactly the same data; a portal may add its own templates
//! at run time, checked the same way.

use crate::policy::Policy;
use crate::template::{RawTemplate, Template, TemplateError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// Shared fragments (`catalogue/common/`), included by product templates.
const FRAGMENTS: &[(&str, &str)] = &[(
    "common/qualifications.json",
    include_str!("../catalogue/common/qualifications.json"),
)];

/// Product templates (`catalogue/`).
const TEMPLATES: &[(&str, &str)] = &[
    (
        "electric-bicycle.json",
        include_str!("../catalogue/electric-bicycle.json"),
    ),
    ("cement.json", include_str!("../catalogue/cement.json")),
];

#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// Every loaded template; for a product, the last one added is the current version.
    templates: Vec<Arc<Template>>,
    fragments: BTreeMap<String, RawTemplate>,
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
    pub fn load_builtin() -> (Catalogue, Vec<(String, TemplateError)>) {
        let mut cat = Catalogue::empty();
        let mut errors = Vec::new();
        for (name, json) in FRAGMENTS {
            if let Err(e) = cat.add_fragment_json(json) {
                errors.push((name.to_string(), e));
            }
        }
        for (name, json) in TEMPLATES {
            if let Err(e) = cat.add_json(json) {
                errors.push((name.to_string(), e));
            }
        }
        (cat, errors)
    }

    /// Add a shared fragment (a template with `fragment` set and no product).
    pub fn add_fragment_json(&mut self, json: &str) -> Result<(), TemplateError> {
        let raw: RawTemplate = serde_json::from_str(json).map_err(|e| TemplateError {
            issues: vec![crate::template::compile_json_issue(&e)],
        })?;
        let Some(name) = raw.fragment.clone() else {
            return Err(TemplateError {
                issues: vec![crate::issue::Issue::detail(
                    "/fragment",
                    crate::issue::Code::MissingField,
                    "fragment",
                    "fragment",
                )],
            });
        };
        self.fragments.insert(name, raw);
        Ok(())
    }

    /// Compile and add a template; it becomes the current version of its product.
    pub fn add_json(&mut self, json: &str) -> Result<Arc<Template>, TemplateError> {
        let fragments = |n: &str| self.fragments.get(n).cloned();
        let t = Arc::new(Template::from_json(json, &fragments)?);
        self.templates
            .retain(|x| !(x.product == t.product && x.version == t.version));
        self.templates.push(Arc::clone(&t));
        Ok(t)
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
