//! Storage of express reports (快报), morning reports (早报) and typical cases (典型案例): a trait
//! of its own, so the big `Storage` trait and the SQLite file are barely touched; the SQLite
//! implementation is `server/src/sqlite/express.rs`. Every method is one transaction.

use super::{Audit, Result, Scope, Stored};
use serde::Serialize;

/// An express-report event ready to store: as sent, with the region of its report (from the
/// report's `reported` event), which decides who may see it.
#[derive(Debug, Clone)]
pub struct NewExpressEvent {
    pub id: String,
    pub report: String,
    pub kind: String,
    pub sha256: String,
    pub body: String,
    pub region: String,
    /// For a `reported` event: the year its number is taken in (of `learned_at`, in its offset).
    pub year: i32,
    pub attachments: Vec<String>,
    pub received_at: String,
}

/// A report the server knows: its region, its number and its `reported` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    pub report: String,
    pub region: String,
    pub number: String,
    #[serde(skip)]
    pub first_event: String,
}

/// A stored express event with when the server received it.
#[derive(Debug, Clone)]
pub struct StoredExpress {
    pub seq: i64,
    pub body: String,
    pub received_at: String,
    /// The report's number, on `reported` events.
    pub number: Option<String>,
}

/// A morning report: generated from the figures, reviewed (a note), sent to the level above.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MorningRow {
    pub id: String,
    pub region: String,
    pub day: String,
    /// The figures (`paicha::express::Morning` as JSON).
    #[serde(skip)]
    pub body: String,
    pub note: String,
    /// `draft` or `sent`.
    pub status: String,
    pub generated_at: String,
    pub generated_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_by: Option<String>,
}

/// A typical case: the proposal as sent, and the supervisor's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseRow {
    pub id: String,
    #[serde(skip)]
    pub sha256: String,
    /// The proposal (`paicha::express::Proposal` as JSON).
    #[serde(skip)]
    pub body: String,
    pub region: String,
    /// `proposed`, `approved` or `rejected`.
    pub status: String,
    pub proposed_by: String,
    pub proposed_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What the public sees once approved (`paicha::express::Published` as JSON).
    #[serde(skip)]
    pub published: Option<String>,
}

pub struct Decision<'a> {
    pub id: &'a str,
    pub approve: bool,
    pub note: Option<&'a str>,
    /// The public form (only when approved).
    pub published: Option<&'a str>,
    pub by: &'a str,
    pub at: &'a str,
}

pub trait ExpressStore: Send + Sync {
    /// Store express events in one transaction, idempotently by id and content hash; a new
    /// `reported` event takes its report's number (`numbering::next_number`, series
    /// `{region}/express`) in the same transaction. A second `reported` for a report is
    /// `EntryExists`. Returns each outcome and, for `reported` events, the report's number.
    fn put_express(
        &self,
        evs: &[NewExpressEvent],
        actor: &str,
        scope: &Scope,
    ) -> Result<Vec<(Stored, Option<String>)>>;
    fn express_report(&self, report: &str) -> Result<Option<ReportRow>>;
    /// The stored events of one report (body, received_at).
    fn express_events_of(&self, report: &str) -> Result<Vec<(String, String)>>;
    /// Events a scope may see, in the order received, after `after`.
    fn express_events(
        &self,
        scope: &Scope,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredExpress>>;
    /// The ledger events of one entry (for a typical case drawn from it).
    fn entry_events(&self, entry: &str) -> Result<Vec<String>>;

    /// Store a generated morning report, replacing a draft of the same region and day (a sent
    /// one stays as sent: `false`).
    fn put_morning(&self, m: &MorningRow, audit: &Audit<'_>) -> Result<bool>;
    fn morning_report(&self, id: &str) -> Result<Option<MorningRow>>;
    /// Morning reports of the regions a scope covers, newest day first.
    fn morning_reports(&self, scope: &Scope) -> Result<Vec<MorningRow>>;
    /// Mark a draft sent with the reviewer's note; `None` if there is no such report.
    fn send_morning(
        &self,
        id: &str,
        note: &str,
        by: &str,
        at: &str,
        audit: &Audit<'_>,
    ) -> Result<Option<MorningRow>>;

    /// Store a proposal idempotently by id and content (`Conflict` for other content).
    fn put_case(&self, c: &CaseRow, audit: &Audit<'_>) -> Result<Stored>;
    fn case(&self, id: &str) -> Result<Option<CaseRow>>;
    fn cases(&self, scope: &Scope) -> Result<Vec<CaseRow>>;
    fn decide_case(&self, d: &Decision<'_>, audit: &Audit<'_>) -> Result<Option<CaseRow>>;
    /// The public form of every approved case, newest first.
    fn published_cases(&self) -> Result<Vec<String>>;
}
