//! The template as authors write it (JSON), before it is checked and compiled.
//! These structs are also what `paicha catalogue` prints and what the page renders from, so they
//! serialize back to the same shape.

use crate::policy::{Department, Severity, Violation};
use crate::template::{Form, ItemKind, Link};
use crate::text::Text;
use serde::Deserialize;
#[cfg(not(target_arch = "wasm32"))]
use serde::Serialize;

fn yes() -> bool {
    true
}
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
fn is_true(b: &bool) -> bool {
    *b
}
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
fn is_false(b: &bool) -> bool {
    !*b
}

/// A product's checklist template, or a shared fragment (`fragment` set, no product).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize))]
#[serde(deny_unknown_fields)]
pub struct RawTemplate {
    /// Template format version; this build reads format 1.
    pub format: u32,
    /// Product id (`electric-bicycle`); absent in a fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Name of a shared fragment (`common.qualifications`); absent in a product template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fragment: Option<String>,
    /// Version of this template's content, e.g. `2025.1`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Text>,
    /// Product family the product belongs to (e.g. `gas-appliances`), for grouping in menus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// False when the sources do not confirm the product is on the list of 18 (see regulation.md).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub source_confirmed: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<Form>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<RawInclude>,
    /// In a fragment: merged after the template's own sections and items rather than before them
    /// (the signatures that close an on-site record come last on the form).
    #[serde(default, skip_serializing_if = "is_false")]
    pub at_end: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub standards: Vec<RawStandard>,
    #[serde(default, deserialize_with = "tables_in_order")]
    #[cfg_attr(
        not(target_arch = "wasm32"),
        serde(
            skip_serializing_if = "Vec::is_empty",
            serialize_with = "tables_as_map"
        )
    )]
    pub tables: Vec<(String, RawTable)>,
    #[serde(default)]
    pub sections: Vec<RawSection>,
    #[serde(default)]
    pub items: Vec<RawItem>,
}

/// Tables are a JSON object of name -> table; kept as a list in file order (no map code in the
/// WASM module, and a stable order for lookups). A repeated name is an error.
fn tables_in_order<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<(String, RawTable)>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Vec<(String, RawTable)>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of tables")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out: Vec<(String, RawTable)> = Vec::new();
            while let Some((k, v)) = m.next_entry::<String, RawTable>()? {
                if out.iter().any(|(n, _)| *n == k) {
                    return Err(serde::de::Error::custom(format!("table {k} defined twice")));
                }
                out.push((k, v));
            }
            Ok(out)
        }
    }
    d.deserialize_map(V)
}

#[cfg(not(target_arch = "wasm32"))]
fn tables_as_map<S: serde::Serializer>(t: &[(String, RawTable)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(t.iter().map(|(k, v)| (k, v)))
}

/// A shared fragment pulled into a template, minus the items it does not want.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize))]
#[serde(untagged)]
pub enum RawInclude {
    Name(String),
    Filtered {
        fragment: String,
        #[serde(default)]
        except: Vec<String>,
    },
}

impl RawInclude {
    pub fn fragment(&self) -> &str {
        match self {
            RawInclude::Name(n) => n,
            RawInclude::Filtered { fragment, .. } => fragment,
        }
    }
    pub fn except(&self) -> &[String] {
        match self {
            RawInclude::Name(_) => &[],
            RawInclude::Filtered { except, .. } => except,
        }
    }
}

/// A standard (or regulation) version with the period in which it applies.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize))]
#[serde(deny_unknown_fields)]
pub struct RawStandard {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    /// First day it applies (`YYYY-MM-DD`), judged by the submission's `inspected_at` (or `by`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day it applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Key of a date item (e.g. the production date) whose answer decides which days count, where
    /// the standard says so; the inspection date when that item is unanswered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// A table cell: a number or a string. Read by a small visitor of its own rather than through
/// `serde_json::Value`, which would bring a whole JSON tree type into the WASM module.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Num(f64),
    Str(String),
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Cell, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Cell;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Cell, E> {
                Ok(Cell::Num(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Cell, E> {
                Ok(Cell::Num(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Cell, E> {
                Ok(Cell::Num(v as f64))
            }
            fn visit_str<E>(self, v: &str) -> Result<Cell, E> {
                Ok(Cell::Str(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Num(n) => s.serialize_f64(*n),
            Cell::Str(t) => s.serialize_str(t),
        }
    }
}

/// A lookup table: named columns, rows of numbers or strings.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize))]
#[serde(deny_unknown_fields)]
pub struct RawTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize))]
#[serde(deny_unknown_fields)]
pub struct RawSection {
    pub id: String,
    pub label: Text,
}

/// `required`: a constant or an expression.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize))]
#[serde(untagged)]
pub enum RawRequired {
    Always(bool),
    When(String),
}

impl Default for RawRequired {
    fn default() -> Self {
        RawRequired::Always(false)
    }
}

#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
fn not_required(r: &RawRequired) -> bool {
    matches!(r, RawRequired::Always(false))
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize))]
#[serde(deny_unknown_fields)]
pub struct RawChoice {
    pub value: String,
    pub label: Text,
}

/// One checklist item.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize))]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub key: String,
    pub label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    pub section: String,
    /// Forms the item belongs to; empty means both.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<Form>,
    /// Links the item belongs to; empty means both.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(rename = "type")]
    pub kind: ItemKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<RawChoice>,
    /// Child items of a repeat group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<RawItem>,
    #[serde(default, skip_serializing_if = "not_required")]
    pub required: RawRequired,
    /// Skip logic: the item is asked only when this is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
    /// Plausible range of a number (entry check, not compliance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Longest text accepted, in characters (default 2000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Most repeat instances, photos or choices accepted (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<usize>,
    /// Entry constraint: a false result rejects the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint_message: Option<Text>,
    /// Compliance rules: a failed rule is a hidden-danger finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RawRule>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub source_confirmed: bool,
}

/// A compliance rule of an item.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize))]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// Expression that is true when the requirement is met. Default for yes/no items: `. != 'no'`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// The rule applies only when this is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Id of a standard in `standards`: the rule applies only while that standard does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// Legal basis as text, when it is not (only) a standard clause: a regulation article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation: Option<Violation>,
    /// The department competent for this requirement when it is not market regulation: the case
    /// is handed over to it when the violation's measures say so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<Department>,
    /// Matches a sector major-hidden-danger criterion, or the enterprise cannot remove it alone:
    /// reported to the local government for joint supervision.
    #[serde(default, skip_serializing_if = "is_false")]
    pub escalate: bool,
    /// What the finding means, shown to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<Text>,
}
