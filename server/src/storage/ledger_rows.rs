//! What the server keeps of each ledger entry (`ledger_entries`, on both backends), so that the
//! ledger view, its CSV and the line queue read a region's entries by index instead of folding
//! every event of the region per request. A row is made by the core's own fold of the entry's
//! own events (nothing in the fold crosses entries once each id has one content, as stored ids
//! do: `tests/ledger.rs`, `an_entry_folded_alone_is_the_entry_of_the_whole_and_reads_back`), in
//! the transaction that stores an event of the entry (the campaign's `on_entry` hooks, which
//! fold it already); the folded entry is kept as JSON and read back as the core's `Entry`, so the
//! views stay the core's (`ledger::view`'s rows, `ledger::queue_in`) over the entries read.
//!
//! Beside the body, what a view needs to order and count without reading bodies: the status and
//! the running deadline (the database orders a page by them in the order of the core's
//! `ledger::rank`: `LedgerStore::entry_page`), whether a conflict waits, how many acts were
//! refused, and whether the entry can have follow-up tasks at all (`tasks`: the line queue reads
//! only those).

use paicha::ledger::{self, Entry, LedgerState};

/// One entry as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRow {
    pub entry: String,
    pub uscc: String,
    pub region: String,
    /// `Status::as_str`.
    pub status: String,
    /// The running deadline (`ledger::next_due`): its day, `YYYY-MM-DD`...
    pub due_date: Option<String>,
    /// ... and the offset it is counted in, seconds east of UTC.
    pub due_offset: Option<i64>,
    /// Whether the entry has follow-up tasks at some "now" (see [`has_tasks`]).
    pub tasks: bool,
    /// A conflict waits for a decision.
    pub conflict: bool,
    /// Acts on the entry the fold refused.
    pub rejected: i64,
    /// The folded entry, as JSON.
    pub body: String,
}

/// Whether an entry has follow-up tasks at any "now": "now" only adds tasks as deadlines pass
/// (an escalation and the report to government of an order not met in time; every other task
/// depends on the entry alone), so the tasks far in the future are the most it can ever have.
fn has_tasks(state: &LedgerState) -> bool {
    chrono::DateTime::parse_from_rfc3339("9000-01-01T00:00:00+00:00")
        .is_ok_and(|far| !ledger::follow_up(state, far).is_empty())
}

impl EntryRow {
    /// The row of entry `id` from `state`, the fold of that entry's own events (`None` when it
    /// has no `created` event).
    pub fn of(state: &LedgerState, id: &str) -> Option<EntryRow> {
        let e = state.entry(id)?;
        let due = ledger::follow::next_due(e).map(|(_, d)| d);
        Some(EntryRow {
            entry: e.id.clone(),
            uscc: e.created.enterprise.uscc.clone(),
            region: e.created.enterprise.region.clone(),
            status: e.status.as_str().to_string(),
            due_date: due.map(|d| ledger::date::date_text(d.date)),
            due_offset: due.map(|d| i64::from(d.offset.local_minus_utc())),
            tasks: has_tasks(state),
            conflict: e.conflict.is_some(),
            rejected: i64::try_from(state.errors().filter(|x| x.entry == id).count())
                .unwrap_or(i64::MAX),
            body: serde_json::to_string(e).unwrap_or_default(),
        })
    }
}

/// What a ledger view asks of the kept entries: one page in the view's order.
#[derive(Debug, Clone, Copy)]
pub struct PageQuery {
    /// Only the entries that are not closed (an enterprise's view).
    pub open_only: bool,
    /// "Now" of the view, as Unix seconds: the days left to each running deadline are counted
    /// from its day in the deadline's own offset, as `Deadline::days_left` does.
    pub now: i64,
    pub skip: usize,
    pub take: Option<usize>,
}

impl PageQuery {
    /// LIMIT and OFFSET as both databases take them (a bound past any table for "all").
    pub fn limit_offset(&self) -> (i64, i64) {
        let n = |x: usize| i64::try_from(x).unwrap_or(i64::MAX);
        (self.take.map_or(i64::MAX, n), n(self.skip))
    }
}

/// One page of a view as the database ordered and counted it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntryPage {
    /// The page's entries, in the view's order.
    pub ids: Vec<String>,
    /// Rows of the whole view (every page; closed ones left out with `open_only`).
    pub total: usize,
    /// Entries of the scope with a conflict waiting, and acts the fold refused (all entries).
    pub conflicts: usize,
    pub rejected: usize,
}

impl EntryPage {
    /// From the database's counts (sums of non-negative columns; none is `None`).
    pub fn of(
        ids: Vec<String>,
        total: Option<i64>,
        conflicts: Option<i64>,
        rejected: Option<i64>,
    ) -> EntryPage {
        let n = |x: Option<i64>| usize::try_from(x.unwrap_or(0)).unwrap_or(0);
        EntryPage {
            ids,
            total: n(total),
            conflicts: n(conflicts),
            rejected: n(rejected),
        }
    }
}

/// A kept entry read back (the server wrote it; one it cannot read is left out and logged).
pub fn read_entry(body: &str) -> Option<Entry> {
    match serde_json::from_str(body) {
        Ok(e) => Some(e),
        Err(err) => {
            eprintln!("ledger_entries: an entry that does not read back: {err}");
            None
        }
    }
}

/// The rows of every entry among `events` (all of each entry's events), folded entry by entry:
/// filling the table for events stored before it existed (the migrations), in batches.
pub fn rows_of(events: &std::collections::BTreeMap<String, Vec<ledger::Event>>) -> Vec<EntryRow> {
    events
        .iter()
        .filter_map(|(id, evs)| EntryRow::of(&ledger::fold(evs), id))
        .collect()
}
