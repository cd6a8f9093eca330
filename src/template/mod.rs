//! Checklist templates: data, versioned, checked and compiled once when loaded.
//!
//! A template is JSON (`raw.rs` is its exact shape, `docs/templates.md` explains it). Loading checks
//! everything a submission will later rely on (keys, sections, choices, tables, standards, every
//! expression, and that skip logic has no cycles) and reports all problems at once with JSON
//! Pointers into the template. The compiled form resolves every `${key}` to a slot number and
//! precomputes the dependency graph used by live form sessions.

mod compile;
mod graph;
mod item;
pub mod raw;

use crate::expr::{Expr, Value};
use crate::issue::Issue;
use crate::policy::{Department, Severity, Violation};
use crate::text::Text;
use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub use compile::compile;
pub(crate) use compile::parse_json;
pub use raw::RawTemplate;

/// Which checklist: the enterprise's own, or the inspector's on site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    SelfInspection,
    OnsiteInspection,
}

/// Which link of the chain is inspected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    Production,
    Sales,
}

impl Form {
    pub fn parse(s: &str) -> Option<Form> {
        match s {
            "self_inspection" => Some(Form::SelfInspection),
            "onsite_inspection" => Some(Form::OnsiteInspection),
            _ => None,
        }
    }
    pub(crate) fn bit(self) -> u8 {
        match self {
            Form::SelfInspection => 1,
            Form::OnsiteInspection => 2,
        }
    }
}

impl Link {
    pub fn parse(s: &str) -> Option<Link> {
        match s {
            "production" => Some(Link::Production),
            "sales" => Some(Link::Sales),
            _ => None,
        }
    }
    /// The name `parse` reads (and serde writes).
    pub fn as_str(self) -> &'static str {
        match self {
            Link::Production => "production",
            Link::Sales => "sales",
        }
    }
    pub(crate) fn bit(self) -> u8 {
        match self {
            Link::Production => 1,
            Link::Sales => 2,
        }
    }
}

/// The type of an item, which fixes the JSON its answer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// `"yes"`, `"no"` or `"na"`.
    YesNo,
    /// A JSON number, with `unit`.
    Number,
    /// A JSON number without a fractional part.
    Integer,
    Text,
    /// `"YYYY-MM-DD"`, a date that exists.
    Date,
    /// One of `choices`, as a string.
    SingleChoice,
    /// An array of distinct `choices`.
    MultipleChoice,
    /// An attachment reference `{"sha256": "...", ...}` or an array of them.
    Photo,
    /// An attachment reference.
    Signature,
    /// `{"lat": .., "lon": .., "accuracy"?: .., "alt"?: ..}`.
    GeoPoint,
    /// An array of objects answering the child `items`.
    Repeat,
}

/// A set of forms or links, as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    forms: u8,
    links: u8,
}

impl Scope {
    pub fn contains(self, form: Form, link: Link) -> bool {
        self.forms & form.bit() != 0 && self.links & link.bit() != 0
    }
}

#[derive(Debug, Clone)]
pub enum Required {
    No,
    Yes,
    When(Expr),
}

/// A compiled compliance rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub check: Expr,
    pub when: Option<Expr>,
    /// Index into `Template::standards`: the rule applies while that standard does.
    pub standard: Option<usize>,
    /// `GB 17761-2018 4.1.1` or a regulation article.
    pub basis: String,
    pub severity: Severity,
    pub violation: Option<Violation>,
    pub department: Option<Department>,
    pub escalate: bool,
    pub finding: Option<Text>,
    /// Every slot the check reads: the rule is judged only when all are answered.
    pub reads: Vec<u32>,
    /// The date item that chooses the rule's standard version (from the standard's `by`): a
    /// change to it re-evaluates the rule.
    pub by: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Standard {
    pub id: String,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// The same days as days since 1970-01-01 (what date answers and `today()` hold).
    pub from_day: Option<i32>,
    pub until_day: Option<i32>,
    /// Slot of the date item that decides (the production date), if the standard names one.
    pub by: Option<u32>,
}

/// Why a standard version was applied to a finding: the date that decided and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// The standard version, e.g. `GB 17761-2024`.
    pub standard: String,
    /// The item whose date decided (`ebike.production_date`), or `inspected_at`.
    pub by: String,
    /// That date, `YYYY-MM-DD`.
    pub date: String,
}

impl Standard {
    pub fn applies_on(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| day >= f) && self.until.is_none_or(|u| day <= u)
    }

    /// Whether it applies on `day` (days since 1970-01-01).
    pub fn applies_on_day(&self, day: i32) -> bool {
        self.from_day.is_none_or(|f| day >= f) && self.until_day.is_none_or(|u| day <= u)
    }

    /// Whether the standard has a period at all (then a finding says which date chose it).
    pub fn dated(&self) -> bool {
        self.from.is_some() || self.until.is_some()
    }

    /// The day that decides whether this standard applies: the answer to its `by` item when it is
    /// answered (and relevant), else the inspection day. `None` with neither. The flag says
    /// whether the item decided.
    pub fn deciding_day(
        &self,
        env: &dyn crate::expr::Env,
        today: Option<i32>,
    ) -> Option<(i32, bool)> {
        if let Some(crate::expr::Value::Date(d)) = self.by.map(|s| env.var(s)) {
            return Some((d, true));
        }
        today.map(|d| (d, false))
    }
}

/// A compiled item. Its index in `Template::items` is its slot.
#[derive(Debug, Clone)]
pub struct Item {
    pub key: String,
    pub label: Text,
    pub kind: ItemKind,
    pub scope: Scope,
    /// Choice values, shared so that an answer never allocates its string.
    pub choices: Vec<Arc<str>>,
    pub required: Required,
    pub relevant: Option<Expr>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub max_length: usize,
    pub max_count: usize,
    pub constraint: Option<Expr>,
    pub constraint_message: Option<Text>,
    pub rules: Vec<Rule>,
    /// The repeat group this item belongs to.
    pub parent: Option<u32>,
    /// Child slots of a repeat group.
    pub children: Vec<u32>,
}

/// A compiled table lookup: a column of a table, keyed by some of its columns.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub table: usize,
    pub column: usize,
    pub keys: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub rows: Vec<Vec<Value>>,
}

/// A checked, compiled template. Immutable; share it (`Arc`) between sessions and threads.
#[derive(Debug, Clone)]
pub struct Template {
    /// The template as written, with shared fragments merged in (what the page renders).
    pub raw: RawTemplate,
    pub product: String,
    pub version: String,
    pub items: Vec<Item>,
    pub standards: Vec<Standard>,
    pub tables: Vec<Table>,
    pub lookups: Vec<Lookup>,
    /// Top-level slots in an order where every item's relevance depends only on earlier items.
    pub order: Vec<u32>,
    /// For each slot, the top-level slots whose expressions read it (directly or through a repeat
    /// child), sorted in `order`: what a change must re-evaluate.
    pub dependents: Vec<Vec<u32>>,
    /// Position of each slot in `order` (children: their group's).
    pub rank: Vec<u32>,
    /// Fx hashing: keys are short and trusted to be spread (they are the template's own), and
    /// SipHash was 6 % of a whole check.
    key_index: FxHashMap<String, u32>,
}

impl Template {
    /// Slot of an item key.
    pub fn slot(&self, key: &str) -> Option<u32> {
        self.key_index.get(key).copied()
    }

    pub fn item(&self, slot: u32) -> Option<&Item> {
        self.items.get(slot as usize)
    }

    /// Whether the template has any item for this form and link.
    pub fn offers(&self, form: Form, link: Link) -> bool {
        self.items
            .iter()
            .any(|i| i.parent.is_none() && i.scope.contains(form, link))
    }

    /// Parse and compile a template from JSON. `fragments` supplies shared sections named in
    /// `include` (the built-in catalogue's when loaded through it).
    pub fn from_json(
        json: &str,
        fragments: &dyn Fn(&str) -> Option<RawTemplate>,
    ) -> Result<Template, TemplateError> {
        let raw: RawTemplate = compile::parse_json(json)?;
        compile(raw, fragments)
    }
}

/// Everything wrong with a template, found at load time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateError {
    pub issues: Vec<Issue>,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for i in &self.issues {
            writeln!(f, "{} {}: {}", i.path, i.code.as_str(), i.message.en)?;
        }
        Ok(())
    }
}
