//! Supervision spot checks (监督抽查) and what an unqualified result sets going.
//!
//! SAMR Order 18 (2019), chapter 6: the producer or seller stops producing or selling the same
//! product at once (art. 45), corrects within 60 days of the order (art. 46) and is re-checked
//! within 75 days (art. 47); a failed re-check is announced publicly, and a second re-check follows
//! 60 to 90 days after the announcement (art. 48), after which a further failure means suspension
//! and reorganisation (Product Quality Law art. 17). The notice adds two-way tracing of unqualified
//! products (upstream supplier or producer, downstream buyers) and a key on-site inspection of any
//! enterprise that failed two or more spot checks, at any level, within two years, aimed at the
//! items that failed before.
//!
//! Spot checks are records (the testing body's result, then the dates of what followed), not ledger
//! events: the result is not edited concurrently on devices, it comes from the testing institution.

use super::date::{add_years, parse_date, within_two_years};
use super::error::{LedgerCode, LedgerError};
use super::event::Enterprise;
use crate::policy::add_days;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Order 18's day counts, named where they are used.
const CORRECT_DAYS: u32 = 60;
const RECHECK_DAYS: u32 = 75;
const SECOND_RECHECK_FROM: u32 = 60;
const SECOND_RECHECK_TO: u32 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpotResult {
    Qualified,
    Unqualified,
}

/// The level that organised the spot check (all count for the two-year rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpotLevel {
    National,
    Provincial,
    Municipal,
    County,
}

/// A re-check of an unqualified product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpotRecheck {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub passed: bool,
}

/// One spot-check result and the dates of what followed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpotCheck {
    /// Client-made UUID.
    pub id: String,
    pub enterprise: Enterprise,
    pub product: String,
    pub batch: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<SpotLevel>,
    /// Date of the result, `YYYY-MM-DD`.
    pub date: String,
    pub result: SpotResult,
    /// The checklist items (or test items) that failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_items: Vec<String>,
    /// Day the correction was ordered, when not the result's date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recheck: Option<SpotRecheck>,
    /// Day the failed re-check was announced publicly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_recheck: Option<SpotRecheck>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpotTaskKind {
    /// Stop producing and selling the same product at once (art. 45).
    StopProductionSale,
    /// Correct within 60 days of the order (art. 46).
    Correct,
    /// Re-check within 75 days of the order (art. 47).
    Recheck,
    /// Trace to the supplier or producer (by the policy's `spot_trace_days`, a local choice).
    TraceUpstream,
    /// Trace to the buyers (same day).
    TraceDownstream,
    /// The failed re-check announced publicly (art. 47).
    PublicAnnouncement,
    /// Second re-check 60-90 days after the announcement (art. 48).
    SecondRecheck,
    /// Still failing: suspension and reorganisation within a time limit (PQL art. 17).
    SuspendAndReorganise,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpotTask {
    pub spot_check: String,
    pub kind: SpotTaskKind,
    /// Not before this day (the second re-check's window opens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// By this day, inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Whether the record shows it done (re-checks and the announcement; the others are acts
    /// recorded elsewhere, so `false` means "not known here").
    pub done: bool,
}

impl SpotCheck {
    /// Check the record on its own: UUID, enterprise codes, non-blank product and batch, dates.
    /// What a server runs before storing one.
    pub fn validate(&self) -> Result<(), LedgerError> {
        let err = |code, what: &str| LedgerError::new(code, &self.id, &self.id, what, what);
        if !crate::ids::is_uuid(&self.id) {
            return Err(err(LedgerCode::InvalidId, "id"));
        }
        if crate::ids::check_uscc(&self.enterprise.uscc).is_err() {
            return Err(err(LedgerCode::InvalidEnterprise, "uscc"));
        }
        if crate::ids::check_region(&self.enterprise.region).is_err() {
            return Err(err(LedgerCode::InvalidEnterprise, "region"));
        }
        for (v, what) in [(&self.product, "product"), (&self.batch, "batch")] {
            if v.trim().is_empty() {
                return Err(err(LedgerCode::Blank, what));
            }
        }
        spot_tasks(self).map(|_| ())
    }
}

fn day(s: &SpotCheck, d: &str, what: &str) -> Result<NaiveDate, LedgerError> {
    parse_date(d).ok_or_else(|| LedgerError::new(LedgerCode::InvalidDate, &s.id, &s.id, what, what))
}

/// The tasks an unqualified result sets going (none for a qualified one), with their deadlines;
/// tracing is due by the built-in policy's `spot_trace_days` (a local choice: Order 18 fixes no
/// day count for it).
pub fn spot_tasks(s: &SpotCheck) -> Result<Vec<SpotTask>, LedgerError> {
    spot_tasks_with(s, crate::policy::Policy::default().spot_trace_days)
}

/// `spot_tasks` with tracing due `trace_days` after the order.
pub fn spot_tasks_with(s: &SpotCheck, trace_days: u32) -> Result<Vec<SpotTask>, LedgerError> {
    let result_day = day(s, &s.date, "date")?;
    if s.result == SpotResult::Qualified {
        return Ok(Vec::new());
    }
    let order = match &s.ordered_on {
        Some(o) => day(s, o, "ordered_on")?,
        None => result_day,
    };
    let text = |d: NaiveDate| Some(super::date::date_text(d));
    let task = |kind, not_before, due, done| SpotTask {
        spot_check: s.id.clone(),
        kind,
        not_before,
        due,
        done,
    };
    let mut out = vec![
        task(SpotTaskKind::StopProductionSale, None, text(order), false),
        task(
            SpotTaskKind::Correct,
            None,
            text(add_days(order, CORRECT_DAYS)),
            false,
        ),
        task(
            SpotTaskKind::Recheck,
            None,
            text(add_days(order, RECHECK_DAYS)),
            s.recheck.is_some(),
        ),
        task(
            SpotTaskKind::TraceUpstream,
            None,
            text(add_days(order, trace_days)),
            false,
        ),
        task(
            SpotTaskKind::TraceDownstream,
            None,
            text(add_days(order, trace_days)),
            false,
        ),
    ];
    if let Some(r) = &s.recheck {
        day(s, &r.date, "recheck.date")?;
        if !r.passed {
            out.push(task(
                SpotTaskKind::PublicAnnouncement,
                None,
                None,
                s.announced_on.is_some(),
            ));
        }
    }
    if let Some(a) = &s.announced_on {
        let a = day(s, a, "announced_on")?;
        out.push(task(
            SpotTaskKind::SecondRecheck,
            text(add_days(a, SECOND_RECHECK_FROM)),
            text(add_days(a, SECOND_RECHECK_TO)),
            s.second_recheck.is_some(),
        ));
    }
    if let Some(r) = &s.second_recheck {
        day(s, &r.date, "second_recheck.date")?;
        if !r.passed {
            out.push(task(SpotTaskKind::SuspendAndReorganise, None, None, false));
        }
    }
    Ok(out)
}

/// An enterprise due a key on-site inspection, and what to aim it at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInspection {
    pub enterprise: Enterprise,
    /// The unqualified results within the window, oldest first.
    pub spot_checks: Vec<String>,
    pub products: Vec<String>,
    /// The items that failed before: the targets of the inspection's checklist.
    pub items: Vec<String>,
    /// The first day on which the oldest of these results no longer counts.
    pub until: String,
    /// Day of the newest of these results: an on-site inspection from this day on follows it up.
    pub latest: String,
}

/// Enterprises with two or more unqualified results in the two years up to `today` (the result's
/// day plus two years, Civil Code art. 202, is the last day it counts). Results dated after
/// `today`, malformed dates and repeated records of one id are not counted.
pub fn key_inspections(spots: &[SpotCheck], today: NaiveDate) -> Vec<KeyInspection> {
    let mut failed: Vec<(&str, NaiveDate, &SpotCheck)> = spots
        .iter()
        .filter(|s| s.result == SpotResult::Unqualified)
        .filter_map(|s| parse_date(&s.date).map(|d| (s.enterprise.uscc.as_str(), d, s)))
        .filter(|(_, d, _)| within_two_years(*d, today))
        .collect();
    failed.sort_by(|a, b| (a.0, a.1, &a.2.id).cmp(&(b.0, b.1, &b.2.id)));
    failed.dedup_by(|a, b| a.2.id == b.2.id);
    let mut out = Vec::new();
    for group in failed.chunk_by(|a, b| a.0 == b.0) {
        let (Some(first), Some(last), true) = (group.first(), group.last(), group.len() >= 2)
        else {
            continue;
        };
        let mut products: Vec<String> = group.iter().map(|g| g.2.product.clone()).collect();
        let mut items: Vec<String> = group
            .iter()
            .flat_map(|g| g.2.failed_items.iter().cloned())
            .collect();
        products.sort();
        products.dedup();
        items.sort();
        items.dedup();
        out.push(KeyInspection {
            enterprise: first.2.enterprise.clone(),
            spot_checks: group.iter().map(|g| g.2.id.clone()).collect(),
            products,
            items,
            until: super::date::date_text(add_days(add_years(first.1, 2), 1)),
            latest: super::date::date_text(last.1),
        });
    }
    out
}
