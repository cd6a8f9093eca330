//! The follow-up of a key on-site inspection (重点现场检查, issue 13 item 6): an enterprise with two
//! or more unqualified spot-check results in two years ([`super::spot::key_inspections`]) is
//! inspected on site with the checklist aimed at the items that failed before, and helped
//! (assistance measures are answers of that checklist: `onsite.key_inspection`,
//! `onsite.assistance`). The task is done when such an inspection passes. Which inspection
//! counts and what passing means is decided here, once, for the server and the pages:
//!
//! - it is an on-site inspection of the enterprise, of one of the products that failed, dated on
//!   or after the newest failed result (`latest`);
//! - the newest such inspection decides (by its time, then id, so the answer is one whatever order
//!   the records come in);
//! - it passes when the record is valid (complete), no targeted item is a finding and no finding
//!   is major. Otherwise the task stays due, showing the inspection that failed and why.

use super::spot::KeyInspection;
use serde::Serialize;

/// An on-site inspection as the rule reads it (from a stored submission and its report).
#[derive(Debug, Clone)]
pub struct Inspected<'a> {
    pub id: &'a str,
    pub product: &'a str,
    /// `YYYY-MM-DD` of the inspection, in its own offset.
    pub date: &'a str,
    /// The inspection time as seconds since the epoch (orders inspections of one day).
    pub at: i64,
    pub valid: bool,
    /// Each finding's item and whether it is major.
    pub findings: Vec<(&'a str, bool)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// No inspection has followed the results yet.
    Due,
    /// The newest follow-up inspection did not pass: still due.
    Failed,
    /// The newest follow-up inspection passed: done.
    Passed,
}

/// Where a key inspection stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyFollowUp {
    pub state: KeyState,
    /// The inspection that decided, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submission: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Why it failed: the targeted items found again and the major findings' items.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_items: Vec<String>,
    /// It failed because the record is incomplete (not valid).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
}

/// Where `k` stands after `inspections` (any order; those that do not follow it up are ignored).
pub fn key_follow_up(k: &KeyInspection, inspections: &[Inspected]) -> KeyFollowUp {
    let newest = inspections
        .iter()
        .filter(|i| i.date >= k.latest.as_str() && k.products.iter().any(|p| p == i.product))
        .max_by(|a, b| (a.at, a.id).cmp(&(b.at, b.id)));
    let Some(i) = newest else {
        return KeyFollowUp {
            state: KeyState::Due,
            submission: None,
            date: None,
            failed_items: Vec::new(),
            incomplete: false,
        };
    };
    let mut failed: Vec<String> = i
        .findings
        .iter()
        .filter(|(item, major)| *major || k.items.iter().any(|x| x == item))
        .map(|(item, _)| item.to_string())
        .collect();
    failed.sort();
    failed.dedup();
    let passed = i.valid && failed.is_empty();
    KeyFollowUp {
        state: if passed {
            KeyState::Passed
        } else {
            KeyState::Failed
        },
        submission: Some(i.id.to_string()),
        date: Some(i.date.to_string()),
        failed_items: failed,
        incomplete: !i.valid,
    }
}
