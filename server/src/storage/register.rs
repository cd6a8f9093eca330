//! Storage of the enterprise register (企业名录): every version of every entry kept, one
//! transaction per import (all or nothing), a per-region and per-product count kept with the
//! entries for the campaign's progress, the enterprises inspected but not registered (read from
//! the submissions' envelopes, so none is lost), and the contact corrections enterprises propose
//! and the county reviews. Implemented by the SQLite backend in `sqlite/register.rs`.

use super::{Audit, Result, Scope};
use paicha::campaign::Registered;
use serde::Serialize;
use std::collections::HashMap;

/// What storing one entry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    New,
    /// A new version; the earlier ones stay in the history.
    Changed,
    /// The same content as the current version: nothing stored.
    Unchanged,
}

/// One stored version of an entry.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    /// Position in the register's change stream (the sync cursor).
    pub seq: i64,
    pub version: i64,
    pub entry: Registered,
    pub sha256: String,
    pub stored_at: String,
    pub author: String,
    /// What made it: `import:<file sha256>`, `entry`, `correction:<id>`.
    pub source: String,
}

/// Enterprises of a region making or selling a product in a link (for progress denominators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisterCount {
    pub region: String,
    pub product: String,
    /// `production` or `sales`.
    pub link: String,
    pub enterprises: i64,
}

/// An enterprise inspected (in some submission's envelope) that the register does not hold.
#[derive(Debug, Clone, Serialize)]
pub struct Unregistered {
    pub uscc: String,
    /// From the latest submission.
    pub name: String,
    pub region: String,
    pub submissions: i64,
    pub first_inspected: String,
    pub last_inspected: String,
    pub latest_submission: String,
    /// `product:link` pairs seen.
    pub seen: Vec<String>,
    /// Set when a reviewer decided it is not to be registered (it stays listed with `?all=1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dismissed: Option<String>,
}

/// A contact correction an enterprise proposes for its own entry.
#[derive(Debug, Clone, Serialize)]
pub struct Correction {
    pub id: String,
    pub uscc: String,
    pub region: String,
    /// The proposal as sent (`{id, contact, address, note}`).
    pub body: serde_json::Value,
    pub sha256: String,
    pub proposed_by: String,
    pub proposed_at: String,
    /// `pending`, `accepted` or `rejected`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_note: Option<String>,
}

/// What storing a correction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposed {
    New,
    /// The same id and content again.
    Duplicate,
    /// The id is taken by other content (or another enterprise's correction).
    Conflict,
}

/// What a review did.
#[derive(Debug, Clone)]
pub enum Reviewed {
    /// Accepted: the entry's new version (or `None` when rejected).
    Done(Option<Box<Version>>),
    NotFound,
    /// Already reviewed: its status.
    Already(String),
}

pub trait RegisterStore: Send + Sync {
    /// Store entries (checked and canonical) in one transaction: each new one, or a new version
    /// of each changed one; the same content again stores nothing. `source` says what made them.
    fn put_register(
        &self,
        entries: &[Registered],
        source: &str,
        audit: &Audit<'_>,
    ) -> Result<Vec<Change>>;
    /// The current division code of each of these USCCs the register holds.
    fn register_regions(&self, usccs: &[&str]) -> Result<HashMap<String, String>>;
    /// The current version of an entry.
    fn register_entry(&self, uscc: &str) -> Result<Option<Version>>;
    /// Every version of an entry, oldest first.
    fn register_history(&self, uscc: &str) -> Result<Vec<Version>>;
    /// The current entries under a division-code prefix (`52`, `5201`, `520102`; `""`: all),
    /// by USCC: what the campaign's progress counts.
    #[allow(dead_code)] // for the campaign's progress (issue 12), read by its own module
    fn register_under(&self, prefix: &str) -> Result<Vec<Registered>>;
    /// Current entries a scope may see, by region then USCC (the export).
    fn register_in_scope(&self, scope: &Scope) -> Result<Vec<Registered>>;
    /// Enterprises per county, product and link under a prefix, counted in the database from
    /// a table kept in the same transaction as the entries.
    fn register_counts(&self, prefix: &str) -> Result<Vec<RegisterCount>>;
    /// Versions stored after `after` (a seq) that a scope may see, oldest first: a version is
    /// seen where the entry is now and where it was before (so a device learns it moved away).
    fn register_changes(
        &self,
        scope: &Scope,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Version>>;

    /// Enterprises in the envelopes of submissions a scope may see that the register lacks,
    /// most recently inspected first; dismissed ones only with `all`.
    fn unregistered(&self, scope: &Scope, all: bool, limit: usize) -> Result<Vec<Unregistered>>;
    /// Mark an unregistered enterprise as not to be registered, with the reason.
    fn dismiss_unregistered(&self, uscc: &str, reason: &str, audit: &Audit<'_>) -> Result<()>;

    /// Store an enterprise's correction proposal, idempotently by its id and content.
    fn put_correction(&self, c: &Correction, audit: &Audit<'_>) -> Result<Proposed>;
    fn correction(&self, id: &str) -> Result<Option<Correction>>;
    /// Corrections a scope may see (an enterprise: its own), newest first.
    fn corrections(&self, scope: &Scope, pending_only: bool) -> Result<Vec<Correction>>;
    /// Accept (storing `updated`, the entry with the correction applied, as a new version) or
    /// reject a pending correction, in one transaction.
    fn review_correction(
        &self,
        id: &str,
        updated: Option<&Registered>,
        note: &str,
        audit: &Audit<'_>,
    ) -> Result<Reviewed>;
}
