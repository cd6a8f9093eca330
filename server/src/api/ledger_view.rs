//! The ledger view and the line queue answered from the kept entries (`ledger_entries`,
//! `storage/ledger_rows.rs`) rather than by folding every event of the region per request: the
//! database orders the scope's entries by what each row keeps (status, running deadline) in the
//! order of the core's `ledger::rank` and counts conflicts and refused acts from the rows
//! (`LedgerStore::entry_page`), and only the page's entries are read in full; the queue reads
//! only the entries that can have tasks. The rows and the queue are then the core's
//! (`ledger::Row::of`, `ledger::queue_in`) over the entries read.

use crate::storage::{read_entry, PageQuery, Result, Scope, Storage};
use chrono::{DateTime, FixedOffset};
use paicha::ledger::{Entry, LedgerState};
use std::collections::HashMap;

/// One page of a view: its entries in the view's order, and the figures of the whole scope.
pub(crate) struct Page {
    pub entries: Vec<Entry>,
    /// Rows of the whole view (every page).
    pub total: usize,
    pub conflicts: usize,
    pub rejected: usize,
}

/// The view of `scope`'s kept entries (only the open ones for an enterprise, as
/// `ledger::enterprise_open`), `skip` rows skipped and at most `take` kept (all with `None`).
pub(crate) fn page(
    store: &dyn Storage,
    scope: &Scope,
    open_only: bool,
    skip: usize,
    take: Option<usize>,
    now: DateTime<FixedOffset>,
) -> Result<Page> {
    let page = store.entry_page(
        scope,
        &PageQuery {
            open_only,
            now: now.timestamp(),
            skip,
            take,
        },
    )?;
    let ids = page.ids;
    let mut bodies: HashMap<String, String> = store.entry_bodies(&ids)?.into_iter().collect();
    let entries = ids
        .iter()
        .filter_map(|id| bodies.remove(id))
        .filter_map(|b| read_entry(&b))
        .collect();
    Ok(Page {
        entries,
        total: page.total,
        conflicts: page.conflicts,
        rejected: page.rejected,
    })
}

/// The state a line queue of the region under `prefix` is made from: its entries that can have
/// tasks and the other regions' entries that asked it to assist (`queue_in` keeps only their
/// assist tasks), each entry as kept.
pub(crate) fn queue_state(store: &dyn Storage, prefix: &str) -> Result<LedgerState> {
    let bodies = store.task_entries(prefix)?;
    Ok(state_of(bodies.iter().map(String::as_str)))
}

/// Every kept entry of `scope`, as the fold of all its events would hold them (the morning
/// report's ledger figures read the whole region's entries, not its events).
pub(super) fn scope_state(store: &dyn Storage, scope: &Scope) -> Result<LedgerState> {
    let bodies = store.scope_bodies(scope)?;
    Ok(state_of(bodies.iter().map(String::as_str)))
}

fn state_of<'a>(bodies: impl Iterator<Item = &'a str>) -> LedgerState {
    let mut entries: Vec<Entry> = bodies.filter_map(read_entry).collect();
    // `LedgerState::entry` finds entries by binary search on the id.
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    entries.dedup_by(|a, b| a.id == b.id);
    LedgerState {
        entries,
        ..LedgerState::default()
    }
}
