//! The page's catalogue and what reads it: version, products, policy, loading bundles and
//! templates. Checks are in `check.rs`, sessions in `session.rs`.

use crate::boundary::to_js;
use paicha::catalogue::Catalogue;
use serde::Serialize;
use std::cell::RefCell;

// Typed results rather than `serde_json::json!`: that macro would pull serde_json's `Value`
// (and its maps) into the module for nothing.
#[derive(Serialize)]
struct CatalogueLoad {
    ok: bool,
    products: Vec<String>,
    problems: Vec<paicha::catalogue::LoadProblem>,
}

#[derive(Serialize)]
struct Loaded<'a> {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    product: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    issues: &'a [paicha::issue::Issue],
}
use wasm_bindgen::prelude::*;

thread_local! {
    /// The page's catalogue: the built-in one plus any templates the portal loads.
    static CATALOGUE: RefCell<Catalogue> = RefCell::new(Catalogue::empty());
}

pub(crate) fn with_catalogue<R>(f: impl FnOnce(&Catalogue) -> R) -> R {
    CATALOGUE.with(|c| f(&c.borrow()))
}

/// Version of the core.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Products in the catalogue: `[{product, version, versions, name, source_confirmed, items}]` (`ProductSummary`).
#[wasm_bindgen(unchecked_return_type = "ProductSummary[]")]
pub fn products() -> Result<JsValue, JsError> {
    with_catalogue(|c| to_js(&c.products()))
}

/// The follow-up policy in force.
#[wasm_bindgen(unchecked_return_type = "unknown")]
pub fn policy() -> Result<JsValue, JsError> {
    with_catalogue(|c| to_js(c.policy()))
}

/// Load the catalogue bundle (`pkg/catalogue.json`: `{format, policy, files}`), replacing the
/// catalogue in use. Returns `{ok, products, problems}`; a file that fails is reported and left out.
/// Throws only when the text is not a bundle at all.
#[wasm_bindgen(js_name = loadCatalogue, unchecked_return_type = "CatalogueLoad")]
pub fn load_catalogue(json: &str) -> Result<JsValue, JsError> {
    let (cat, problems) = Catalogue::from_bundle_json(json)
        .map_err(|e| JsError::new(&format!("not a catalogue bundle: {e}")))?;
    let products: Vec<String> = cat.current().iter().map(|t| t.product.clone()).collect();
    CATALOGUE.with(|c| *c.borrow_mut() = cat);
    to_js(&CatalogueLoad {
        ok: problems.is_empty(),
        products,
        problems,
    })
}

/// Load a template (JSON text) supplied by a portal. Returns `{ok: true, product, version}` or
/// `{ok: false, issues}`: a bad template is data, not an exception.
#[wasm_bindgen(js_name = loadTemplate, unchecked_return_type = "LoadResult")]
pub fn load_template(json: &str) -> Result<JsValue, JsError> {
    let result = CATALOGUE.with(|c| c.borrow_mut().add_json(json));
    match result {
        Ok(t) => to_js(&Loaded {
            ok: true,
            product: Some(&t.product),
            version: Some(&t.version),
            issues: &[],
        }),
        Err(e) => to_js(&Loaded {
            ok: false,
            product: None,
            version: None,
            issues: &e.issues,
        }),
    }
}

/// Install the GB/T 2260 division list (`pkg/divisions.txt`), so that region codes are checked
/// against it (a mistyped county is an error here as on the server, which has the list built in).
/// Returns the number of codes in use; throws for a malformed list. Once installed, fixed.
#[wasm_bindgen(js_name = installDivisions)]
pub fn install_divisions(text: &str) -> Result<usize, JsError> {
    paicha::divisions::install_text(text).map_err(|e| JsError::new(&e))
}

/// The item keys of a template by slot: what a compact report's slots name (`checkCompact`).
/// Null for a product or version not in the catalogue.
#[wasm_bindgen(js_name = itemKeys, unchecked_return_type = "string[] | null")]
pub fn item_keys(product: &str, version: Option<String>) -> Result<JsValue, JsError> {
    with_catalogue(|c| match c.get(product, version.as_deref()) {
        Some(t) => to_js(&t.items.iter().map(|i| i.key.as_str()).collect::<Vec<_>>()),
        None => Ok(JsValue::NULL),
    })
}
