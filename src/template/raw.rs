//! The template as authors write it (JSON), before it is checked and compiled.
//! These structs are also what `paicha catalogue` prints and what the page renders from, so they
//! serialize back to the same shape.

use crate::policy::{Severity, Violation};
use crate::template::{Form, ItemKind, Link};
use crate::text::Text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}
fn is_false(b: &bool) -> bool {
    !*b
}

/// A product's checklist template, or a shared fragment (`fragment` set, no product).
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub standards: Vec<RawStandard>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tables: BTreeMap<String, RawTable>,
    #[serde(default)]
    pub sections: Vec<RawSection>,
    #[serde(default)]
    pub items: Vec<RawItem>,
}

/// A shared fragment pulled into a template, minus the items it does not want.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStandard {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    /// First day it applies (`YYYY-MM-DD`), judged by the submission's `inspected_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day it applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// A lookup table: named columns, rows of numbers or strings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSection {
    pub id: String,
    pub label: Text,
}

/// `required`: a constant or an expression.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

fn not_required(r: &RawRequired) -> bool {
    matches!(r, RawRequired::Always(false))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChoice {
    pub value: String,
    pub label: Text,
}

/// One checklist item.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Matches a sector major-hidden-danger criterion, or the enterprise cannot remove it alone:
    /// reported to the local government for joint supervision.
    #[serde(default, skip_serializing_if = "is_false")]
    pub escalate: bool,
    /// What the finding means, shown to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<Text>,
}
