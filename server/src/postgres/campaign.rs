//! The campaign's summary tables in PostgreSQL (owned by the campaign port, p2-pgcampaign; this
//! first version holds only the hooks the core kinds call, so they compile before it lands).
//!
//! Facts are kept by one call per kind of record, inside the transaction that stores the
//! record, as in `sqlite/campaign.rs`: `on_submission` (a new submission, from
//! `submissions.rs`), `on_entry` (a ledger entry whose events changed, from `submissions.rs` and
//! `ledger.rs`), `on_spot_check` (a spot-check version stored, from `spot.rs`).

use super::Tx;
use crate::storage::{NewSubmission, Result};

/// A new submission (stored now, in `tx`).
pub(super) fn on_submission(_tx: &mut Tx<'_>, _rec: &NewSubmission) -> Result<()> {
    Ok(())
}

/// A ledger entry whose events changed (in `tx`, which sees them).
pub(super) fn on_entry(_tx: &mut Tx<'_>, _entry: &str) -> Result<()> {
    Ok(())
}

/// A spot-check record stored (new or a later version), as stored.
pub(super) fn on_spot_check(_tx: &mut Tx<'_>, _body: &str) -> Result<()> {
    Ok(())
}
