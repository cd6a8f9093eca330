//! The morning report (早报): a locality's day in figures, for the level above. Express reports new
//! that day (by when the bureau learned of them), open, overdue and late now; and the ledger's
//! figures of the same day and region (hidden dangers found, cleared, overdue). Pure: the day,
//! its offset and "now" are arguments.

use super::clock::{clocks, ClockState};
use super::fold::{ExpressState, Status};
use super::policy::{ExpressPolicy, Grade};
use crate::ledger::date::{date_text, parse_at};
use crate::ledger::{in_region, overdue, LedgerState};
use crate::policy::Severity;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One express report as the morning report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub report: String,
    pub learned_at: String,
    pub place: String,
    pub product: String,
    pub region: String,
    pub grade: Grade,
    pub status: String,
    pub deaths: u32,
    pub serious_injuries: u32,
    pub direct_loss_yuan: u64,
    /// A clock is over (not done in time, or done late).
    pub overdue: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpressFigures {
    /// Learned of on the day.
    pub new: u32,
    /// Not closed yet.
    pub open: u32,
    /// With a clock over now.
    pub overdue: u32,
    /// Open or new, by grade.
    pub by_grade: BTreeMap<String, u32>,
    /// The new and the open reports.
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerFigures {
    /// Hidden dangers recorded on the day.
    pub new_dangers: u32,
    /// Of which major.
    pub new_major: u32,
    /// Entries closed on the day.
    pub cleared: u32,
    /// Entries open now.
    pub open: u32,
    /// Entries past their deadline now.
    pub overdue: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Morning {
    pub region: String,
    /// The day covered, `YYYY-MM-DD` in `offset`.
    pub day: String,
    pub offset: String,
    /// When the figures were computed.
    pub as_of: String,
    pub express: ExpressFigures,
    pub ledger: LedgerFigures,
}

fn on_day(at: &str, day: NaiveDate, offset: FixedOffset) -> bool {
    parse_at(at).is_some_and(|t| t.with_timezone(&offset).date_naive() == day)
}

/// The morning report of `region` for `day` (in `offset`), as of `now`.
pub fn morning(
    region: &str,
    day: NaiveDate,
    offset: FixedOffset,
    now: DateTime<FixedOffset>,
    express: &ExpressState,
    ledger: &LedgerState,
    policy: &ExpressPolicy,
) -> Morning {
    let mut x = ExpressFigures::default();
    for r in express
        .reports
        .iter()
        .filter(|r| in_region(&r.initial.region, region))
    {
        let new = on_day(&r.initial.learned_at, day, offset);
        let open = r.status == Status::Open;
        let over = clocks(r, policy, now)
            .iter()
            .any(|c| matches!(c.state, ClockState::Overdue | ClockState::Late));
        x.new += u32::from(new);
        x.open += u32::from(open);
        x.overdue += u32::from(over && (open || r.status == Status::Closed));
        if new || open {
            *x.by_grade.entry(r.grade.as_str().to_string()).or_default() += 1;
            x.items.push(Item {
                report: r.id.clone(),
                learned_at: r.initial.learned_at.clone(),
                place: r.initial.place.clone(),
                product: r.initial.product.clone(),
                region: r.initial.region.clone(),
                grade: r.grade,
                status: match r.status {
                    Status::Open => "open",
                    Status::Closed => "closed",
                    Status::Summarised => "summarised",
                }
                .into(),
                deaths: r.figures.deaths,
                serious_injuries: r.figures.serious_injuries,
                direct_loss_yuan: r.figures.direct_loss_yuan,
                overdue: over,
            });
        }
    }
    x.items.sort_by(|a, b| {
        (b.grade, &b.learned_at, &a.report).cmp(&(a.grade, &a.learned_at, &b.report))
    });
    let mut l = LedgerFigures::default();
    let mine = |code: &str| in_region(code, region);
    for e in ledger
        .entries
        .iter()
        .filter(|e| mine(&e.created.enterprise.region))
    {
        if on_day(&e.opened.at, day, offset) {
            l.new_dangers += 1;
            l.new_major += u32::from(e.created.danger.severity == Severity::Major);
        }
        if e.closed
            .as_ref()
            .is_some_and(|c| on_day(&c.step.at, day, offset))
        {
            l.cleared += 1;
        }
        l.open += u32::from(e.is_open());
    }
    l.overdue = overdue(ledger, now)
        .iter()
        .filter(|o| {
            ledger
                .entry(&o.entry)
                .is_some_and(|e| mine(&e.created.enterprise.region))
        })
        .count() as u32;
    Morning {
        region: region.to_string(),
        day: date_text(day),
        offset: offset.to_string(),
        as_of: now.to_rfc3339(),
        express: x,
        ledger: l,
    }
}
