//! What the follow-up to the end needs from storage besides the ledger's events: each account's
//! work line (条线), and an entry's `created` event (its severity bounds the deadlines an
//! inspector may set). A trait of its own, implemented by the SQLite backend in
//! `sqlite/followup.rs`.

use crate::storage::{Audit, Result};
use paicha::ledger::Line;

pub trait FollowStore: Send + Sync {
    /// The work line an account belongs to (`None`: not set).
    fn account_line(&self, username: &str) -> Result<Option<Line>>;
    /// Set (or clear) an account's line; `false` when there is no such account.
    fn set_account_line(
        &self,
        username: &str,
        line: Option<Line>,
        audit: &Audit<'_>,
    ) -> Result<bool>;
    /// The stored `created` event of a ledger entry, as stored.
    fn created_body(&self, entry: &str) -> Result<Option<String>>;
}

/// The line of an account whose line is not set: inspectors are quality supervision, the
/// default line of hidden-danger work; others have none.
pub fn default_line(role: crate::storage::Role) -> Option<Line> {
    match role {
        crate::storage::Role::Inspector => Some(Line::QualitySupervision),
        _ => None,
    }
}
