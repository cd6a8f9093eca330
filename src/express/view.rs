//! A report as a desk or a device shows it: the fold's report with its clocks and recipients at
//! `now`, and the flags a list sorts by. One function for the server's lists and the device's
//! offline view, so both show the same clock.

use super::clock::{clocks, recipients, Clock, ClockState, Recipient};
use super::fold::{ExpressState, Report, Status};
use super::policy::ExpressPolicy;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportView<'a> {
    pub report: &'a Report,
    /// The number the server gave it (none before the server has it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    pub clocks: Vec<Clock>,
    pub recipients: Vec<Recipient>,
    /// A clock is over now and not done.
    pub overdue: bool,
    /// A clock was done after its deadline.
    pub late: bool,
}

/// Every report of the state at `now`, `number` naming the server's numbers: overdue first, then
/// open before closed, gravest first, latest learned first.
pub fn views<'a>(
    state: &'a ExpressState,
    policy: &ExpressPolicy,
    now: DateTime<FixedOffset>,
    number: &dyn Fn(&str) -> Option<String>,
) -> Vec<ReportView<'a>> {
    let mut out: Vec<ReportView<'a>> = state
        .reports
        .iter()
        .map(|r| {
            let clocks = clocks(r, policy, now);
            ReportView {
                report: r,
                number: number(&r.id),
                overdue: clocks.iter().any(|c| c.state == ClockState::Overdue),
                late: clocks.iter().any(|c| c.state == ClockState::Late),
                recipients: recipients(r, policy),
                clocks,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let key = |v: &ReportView<'_>| (!v.overdue, v.report.status != Status::Open);
        key(a)
            .cmp(&key(b))
            .then(b.report.grade.cmp(&a.report.grade))
            .then(
                b.report
                    .initial
                    .learned_at
                    .cmp(&a.report.initial.learned_at),
            )
            .then(a.report.id.cmp(&b.report.id))
    });
    out
}
