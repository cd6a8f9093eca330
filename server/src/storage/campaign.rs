//! What the campaign keeps in storage (`CampaignStore`, a trait of its own beside `Storage`):
//! summary tables of facts (one row per register entry and product, per valid submission day,
//! per ledger entry, per spot check) kept in the same transaction as the records they count, so
//! progress is a few GROUP BY queries rather than a fold of every event per request; and the
//! supervision acts and look-back results, stored idempotently like the other records.
//!
//! The SQLite implementation is `sqlite/campaign.rs`; the figures it counts are held equal to the
//! core's `paicha::campaign::leaves` by a test over the fixture county.

mod counts;
pub use counts::*;
#[cfg(test)]
pub mod province;

use super::{Result, Scope, Stored};
use paicha::campaign::{EntryFact, Leaf, Plan, Registered, SpotFact, SubmissionFact};
use serde::Serialize;

/// A supervision act or look-back result to store.
pub struct NewCampaignRecord<'a> {
    /// `act` or `lookback`.
    pub kind: &'a str,
    pub id: &'a str,
    pub sha256: &'a str,
    pub body: &'a str,
    pub campaign: &'a str,
    pub locality: &'a str,
    pub author: &'a str,
    pub received_at: &'a str,
}

/// Which figure's records a traceability link lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    Registered,
    SelfInspected,
    NotSelfInspected,
    OnsiteInspected,
    NotOnsiteInspected,
    Dangers,
    Open,
    Overdue,
    ClosedOut,
    Violations,
    SpotUnqualified,
    SpotOverdue,
}

impl Figure {
    pub fn parse(s: &str) -> Option<Figure> {
        Some(match s {
            "registered" => Figure::Registered,
            "self_inspected" => Figure::SelfInspected,
            "not_self_inspected" => Figure::NotSelfInspected,
            "onsite_inspected" => Figure::OnsiteInspected,
            "not_onsite_inspected" => Figure::NotOnsiteInspected,
            "dangers" => Figure::Dangers,
            "open" => Figure::Open,
            "overdue" => Figure::Overdue,
            "closed_out" => Figure::ClosedOut,
            "violations" => Figure::Violations,
            "spot_unqualified" => Figure::SpotUnqualified,
            "spot_overdue" => Figure::SpotOverdue,
            _ => return None,
        })
    }
}

/// One record behind a figure.
#[derive(Debug, Clone, Serialize)]
pub struct Traced {
    /// `enterprise`, `entry` or `spot_check`.
    pub kind: &'static str,
    pub id: String,
    pub uscc: String,
    pub name: String,
    pub region: String,
    pub product: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// The facts of one locality (for the risk ranking and the look-back of a county).
pub struct LocalFacts {
    pub register: Vec<Registered>,
    pub submissions: Vec<SubmissionFact>,
    pub entries: Vec<EntryFact>,
    pub spots: Vec<SpotFact>,
}

pub trait CampaignStore {
    /// The figures of every division code under `prefix` (a scope prefix: `52`, `5201`,
    /// `520102`), counted in SQL from the summary tables at `today` (`YYYY-MM-DD`).
    fn campaign_leaves(&self, plan: &Plan, prefix: &str, today: &str) -> Result<Vec<Leaf>>;
    /// Open dangers of the plan's products under `prefix` at the end of each of `days`.
    fn open_over_time(&self, plan: &Plan, prefix: &str, days: &[String]) -> Result<Vec<u32>>;
    /// The facts of the register entries, submissions, entries and spot checks under `prefix`.
    fn local_facts(&self, prefix: &str) -> Result<LocalFacts>;
    /// The records behind a figure under `prefix` (at most `limit`).
    fn traced(
        &self,
        plan: &Plan,
        figure: Figure,
        prefix: &str,
        product: Option<&str>,
        today: &str,
        limit: usize,
    ) -> Result<Vec<Traced>>;
    /// Store a supervision act or look-back result idempotently (id and content hash).
    fn put_campaign_record(&self, r: &NewCampaignRecord<'_>) -> Result<Stored>;
    /// Stored acts or results (`kind`) of a campaign within a scope, newest first.
    fn campaign_records(&self, kind: &str, campaign: &str, scope: &Scope) -> Result<Vec<String>>;
}
