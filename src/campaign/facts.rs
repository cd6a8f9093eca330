//! The facts progress is counted from: one small row per submission, per ledger entry and per spot
//! check. They are what the server keeps in its summary tables (updated in the same transaction as
//! the records) and what a device derives from what it synced, so both count the same way.
//!
//! Each fact is made from its record by the one function here (`of`), natively and in WASM.

use crate::ledger::follow::next_due;
use crate::ledger::spot::{SpotCheck, SpotResult, SpotTaskKind};
use crate::ledger::{Entry, Status};
use crate::policy::{ActionKind, Severity, Violation};
use crate::template::{Form, Link};
use serde::{Deserialize, Serialize};

/// A submission as progress sees it (the server's report decides `valid`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionFact {
    pub id: String,
    pub uscc: String,
    /// The division code the record was filed under.
    pub region: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub product: String,
    pub form: Form,
    pub link: Link,
    /// Day of `inspected_at` in its own offset (`YYYY-MM-DD`).
    pub date: String,
    /// The server's re-validation found no entry errors: only valid records count as done.
    pub valid: bool,
}

/// Where a ledger entry stands, as progress counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Found, ordered or refused: not yet removed.
    Open,
    /// The enterprise reports it removed; the re-check is due (still open).
    Rectified,
    /// Closed out (销号) by a passed re-check.
    ClosedOut,
    /// Closed for another reason (withdrawn, ceased, transferred): no longer counted as open.
    Closed,
}

/// A ledger entry as progress sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryFact {
    pub entry: String,
    pub uscc: String,
    /// The enterprise's name as the entry's creating event gives it (none when it gives none):
    /// the name a danger is listed under, the register's when this is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub region: String,
    pub product: String,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation: Option<Violation>,
    /// Day it was found (`YYYY-MM-DD` of the creating event's time in its offset).
    pub found: String,
    pub state: EntryState,
    /// The running deadline (rectify, or re-check once rectified), when one runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Day it was closed (out or otherwise), when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<String>,
    /// Measures the report required beside the loop (listing, publicity...), and how many of them
    /// are recorded as done.
    #[serde(default)]
    pub measures: u32,
    #[serde(default)]
    pub measures_done: u32,
    /// The submission the danger was found in (none when recorded by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission: Option<String>,
    /// That submission's link (production or sales): the danger's, for the summary's breakdown
    /// by link. The entry's events do not say it, so [`EntryFact::of`] leaves it none and
    /// whoever holds the submissions sets it (the servers' hooks, as the entry or its
    /// submission arrives); none too while the submission is not there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
    /// Each of `measures` and where it stands, for the breakdown by measure. (Facts stored before
    /// it existed had none: the servers' storage migrations fold every entry again once.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measure_states: Vec<(ActionKind, MeasureState)>,
}

/// Where a required measure stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureState {
    Done,
    /// Decided against, with a reason (`action_declined`).
    Declined,
    NotDone,
}

impl EntryFact {
    /// The fact of a folded entry.
    pub fn of(e: &Entry) -> EntryFact {
        let c = &e.created;
        let state = match (e.status, e.closed.as_ref().and_then(|c| c.reason)) {
            (Status::Closed, None) => EntryState::ClosedOut,
            (Status::Closed, Some(_)) => EntryState::Closed,
            (Status::Rectified, _) => EntryState::Rectified,
            _ => EntryState::Open,
        };
        let mut measures = c.actions.clone();
        measures.sort();
        measures.dedup();
        let done = measures.iter().filter(|a| e.took(**a)).count();
        let measure_states = measures
            .iter()
            .map(|&a| {
                let state = if e.took(a) {
                    MeasureState::Done
                } else if e.handled(a) {
                    MeasureState::Declined
                } else {
                    MeasureState::NotDone
                };
                (a, state)
            })
            .collect();
        EntryFact {
            entry: e.id.clone(),
            uscc: c.enterprise.uscc.clone(),
            name: c.enterprise.name.clone(),
            region: c.enterprise.region.clone(),
            product: c.product.clone(),
            severity: c.danger.severity,
            violation: c.danger.violation,
            found: day_of(&e.opened.at),
            state,
            due: next_due(e).map(|(_, d)| crate::ledger::date::date_text(d.date)),
            closed_on: e.closed.as_ref().map(|c| day_of(&c.step.at)),
            measures: u32::try_from(measures.len()).unwrap_or(u32::MAX),
            measures_done: u32::try_from(done).unwrap_or(u32::MAX),
            submission: c.submission.clone(),
            link: None,
            measure_states,
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self.state, EntryState::Open | EntryState::Rectified)
    }
}

/// A spot check as progress sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpotFact {
    pub id: String,
    pub uscc: String,
    pub region: String,
    pub product: String,
    pub date: String,
    pub unqualified: bool,
    /// An unqualified result disposed of: its re-check (or second re-check) passed.
    pub disposed: bool,
    /// The re-check deadline of an unqualified result not yet disposed of (order day + 75).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
}

impl SpotFact {
    pub fn of(s: &SpotCheck) -> SpotFact {
        let unqualified = s.result == SpotResult::Unqualified;
        let passed =
            |r: &Option<crate::ledger::spot::SpotRecheck>| r.as_ref().is_some_and(|r| r.passed);
        let disposed = unqualified && (passed(&s.recheck) || passed(&s.second_recheck));
        let due = if unqualified && !disposed {
            // The re-check still to be made (first, or second after an announcement).
            crate::ledger::spot_tasks(s).ok().and_then(|t| {
                t.into_iter()
                    .filter(|t| {
                        !t.done
                            && matches!(t.kind, SpotTaskKind::Recheck | SpotTaskKind::SecondRecheck)
                    })
                    .filter_map(|t| t.due)
                    .max()
            })
        } else {
            None
        };
        SpotFact {
            id: s.id.clone(),
            uscc: s.enterprise.uscc.clone(),
            region: s.enterprise.region.clone(),
            product: s.product.clone(),
            date: s.date.clone(),
            unqualified,
            disposed,
            due,
        }
    }
}

/// `YYYY-MM-DD` of an RFC 3339 time in its own offset (the text's first ten characters, which is
/// what the offset-local day is).
pub fn day_of(at: &str) -> String {
    at.get(..10).unwrap_or_default().to_string()
}
