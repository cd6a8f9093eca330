//! What is due: overdue deadlines and the follow-up tasks an entry calls for at a given "now", and
//! the events that open entries from a report with the policy's default deadlines.
//!
//! Nothing here is stored: tasks are derived from the state and "now", so they disappear by
//! themselves once the event that does them (an order, an escalation, `action_taken`) is recorded.

use super::date::{date_text, Deadline};
use super::entry::{Entry, Status};
use super::event::{Act, Created, Danger, Enterprise, EscalationReason, Event};
use super::fold::LedgerState;
use crate::policy::{add_days, ActionKind, Policy, Severity};
use crate::report::{Finding, Report};
use chrono::{DateTime, FixedOffset};
use serde::Serialize;

/// Which deadline has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// The enterprise's rectification deadline.
    Rectify,
    /// The bureau's re-check deadline.
    Recheck,
}

/// The deadline running for an entry now, if any: rectification while ordered or refused, the
/// re-check once rectified.
pub fn next_due(e: &Entry) -> Option<(Due, Deadline)> {
    match e.status {
        Status::Ordered | Status::Refused => e.deadline.map(|d| (Due::Rectify, d)),
        Status::Rectified => e.recheck_by.map(|d| (Due::Recheck, d)),
        Status::Found | Status::Closed => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overdue {
    pub entry: String,
    pub due: Due,
    pub deadline: Deadline,
    pub days_late: i64,
}

/// Entries past their running deadline at `now` (in the deadline's own offset), latest first.
pub fn overdue(state: &LedgerState, now: DateTime<FixedOffset>) -> Vec<Overdue> {
    let mut out: Vec<Overdue> = state
        .entries
        .iter()
        .filter_map(|e| {
            let (due, deadline) = next_due(e)?;
            let days_late = deadline.days_late(now);
            (days_late > 0).then(|| Overdue {
                entry: e.id.clone(),
                due,
                deadline,
                days_late,
            })
        })
        .collect();
    out.sort_by(|a, b| (b.days_late, &a.entry).cmp(&(a.days_late, &b.entry)));
    out
}

/// Something an inspector has to do about an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum Task {
    /// Found, no rectification ordered yet.
    Order { entry: String },
    /// Refused or overdue, not escalated in this round.
    Escalate {
        entry: String,
        reason: EscalationReason,
    },
    /// A measure the entry requires, not recorded as done (`report_to_government` for a major
    /// danger not controlled in time; the violation measures kept from the report).
    Act { entry: String, action: ActionKind },
    /// Concurrent acts disagree: pick one with a `resolved` event.
    Decide {
        entry: String,
        candidates: Vec<String>,
    },
    /// A major danger the enterprise found itself, reported to the county at once: an inspector
    /// reviews it and confirms it (`confirmed`), after which orders and measures follow.
    Review { entry: String },
    /// Another region's bureau asked to assist the tracing (协查): `region`'s to record the
    /// result (`action_taken` of `assist`). `tracing` is the event that asked.
    Assist {
        entry: String,
        assist_region: String,
        tracing: String,
    },
    /// A spot check's Order 18 step still to take (`recheck`, `public_announcement`,
    /// `second_recheck`, `suspend_and_reorganise`), recorded on the spot-check record.
    Spot {
        entry: String,
        step: super::spot::SpotTaskKind,
        #[serde(skip_serializing_if = "Option::is_none")]
        not_before: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        due: Option<String>,
    },
}

impl Task {
    pub fn entry(&self) -> &str {
        match self {
            Task::Order { entry }
            | Task::Escalate { entry, .. }
            | Task::Act { entry, .. }
            | Task::Decide { entry, .. }
            | Task::Review { entry }
            | Task::Assist { entry, .. }
            | Task::Spot { entry, .. } => entry,
        }
    }
}

/// The follow-up tasks of every entry at `now`.
pub fn follow_up(state: &LedgerState, now: DateTime<FixedOffset>) -> Vec<Task> {
    let mut out = Vec::new();
    for e in &state.entries {
        let id = || e.id.clone();
        if let Some(c) = e.conflict.as_ref().filter(|_| e.is_open()) {
            out.push(Task::Decide {
                entry: id(),
                candidates: c.candidates.clone(),
            });
        }
        if e.self_managed() {
            // The enterprise's own: nothing for the bureau to order or take yet, but a major
            // one is the county's to review at once.
            if e.created.danger.severity == Severity::Major {
                out.push(Task::Review { entry: id() });
            }
            continue;
        }
        // Assist requests outlive the danger (the product is still out there).
        for (region, asked) in e.assist_requests() {
            if e.assist_result(region).is_none() {
                out.push(Task::Assist {
                    entry: id(),
                    assist_region: region.clone(),
                    tracing: asked.step.event.clone(),
                });
            }
        }
        out.extend(super::spot_entry::spot_steps(e));
        let late = e.status == Status::Ordered && e.deadline.is_some_and(|d| d.days_late(now) > 0);
        let refused = e.status == Status::Refused;
        if e.status == Status::Found {
            out.push(Task::Order { entry: id() });
        }
        if (late || refused) && !e.escalations.iter().any(|x| x.round == e.round) {
            let reason = if refused {
                EscalationReason::Refused
            } else {
                EscalationReason::Overdue
            };
            out.push(Task::Escalate {
                entry: id(),
                reason,
            });
        }
        let mut actions: Vec<ActionKind> = e
            .created
            .actions
            .iter()
            .copied()
            .filter(|a| !matches!(a, ActionKind::Rectify | ActionKind::Recheck))
            .collect();
        // The notice: major dangers not controlled (refused, or not rectified in time) go to the
        // local Party committee and government for joint supervision.
        if e.is_open() && e.created.danger.severity == Severity::Major && (late || refused) {
            actions.push(ActionKind::ReportToGovernment);
        }
        actions.sort();
        actions.dedup();
        for a in actions {
            // The stop order only matters while the danger is there; the others outlive it.
            let needed = e.is_open() || a != ActionKind::StopProductionSale;
            if needed && !e.handled(a) {
                out.push(Task::Act {
                    entry: id(),
                    action: a,
                });
            }
        }
    }
    out
}

/// The rectification order the policy sets for a danger of `severity` ordered at `at`: rectify by
/// day N, re-check by day M, counted in calendar days from the day of `at` in its own offset.
pub fn default_order(policy: &Policy, severity: Severity, at: DateTime<FixedOffset>) -> Act {
    let (deadline, recheck_by) = default_deadlines(policy, severity, at);
    Act::RectificationOrdered {
        deadline,
        recheck_by: Some(recheck_by),
        note: None,
    }
}

/// The policy's (rectify by, re-check by) days for an order made at `at`, `YYYY-MM-DD`: also what a
/// failed re-check's new deadlines default to.
pub fn default_deadlines(
    policy: &Policy,
    severity: Severity,
    at: DateTime<FixedOffset>,
) -> (String, String) {
    let p = policy.for_severity(severity);
    let day = at.date_naive();
    (
        date_text(add_days(day, p.rectify_days)),
        date_text(add_days(day, p.recheck_days)),
    )
}

/// The days an order made at `at` may set, within the policy's bounds: `(earliest, latest
/// rectify-by, latest re-check-by)`, `YYYY-MM-DD`. The policy proposes its defaults; the inspector
/// may choose any day from the day of the order up to these.
pub fn deadline_bounds(
    policy: &Policy,
    severity: Severity,
    at: DateTime<FixedOffset>,
) -> (String, String, String) {
    let p = policy.for_severity(severity);
    let day = at.date_naive();
    (
        date_text(day),
        date_text(add_days(day, p.rectify_days.max(p.max_rectify_days))),
        date_text(add_days(day, p.recheck_days.max(p.max_recheck_days))),
    )
}

/// Check the deadlines an order or a failed re-check sets against the policy's bounds for a danger
/// of `severity` (the entry's). Other events pass.
pub fn check_deadlines(
    policy: &Policy,
    severity: Severity,
    e: &Event,
) -> Result<(), super::error::LedgerError> {
    let (deadline, recheck_by) = match &e.act {
        Act::RectificationOrdered {
            deadline,
            recheck_by,
            ..
        } => (Some(deadline), recheck_by.as_ref()),
        Act::Rechecked {
            deadline,
            recheck_by,
            ..
        } => (deadline.as_ref(), recheck_by.as_ref()),
        Act::Reopened {
            deadline,
            recheck_by,
            ..
        } => (Some(deadline), recheck_by.as_ref()),
        _ => return Ok(()),
    };
    let Some(at) = super::date::parse_at(&e.at) else {
        return Ok(()); // `validate` reports it
    };
    let (_, max_rectify, max_recheck) = deadline_bounds(policy, severity, at);
    // `YYYY-MM-DD` text compares as the days it names.
    let over = |d: Option<&String>, max: &str| d.is_some_and(|d| d.as_str() > max);
    if over(deadline, &max_rectify) || over(recheck_by, &max_recheck) {
        return Err(super::error::LedgerError::new(
            super::error::LedgerCode::DeadlineOutOfBounds,
            &e.id,
            &e.entry,
            &format!("整改期限最迟 {max_rectify}，复查最迟 {max_recheck}"),
            &format!("rectify by {max_rectify} at the latest, re-check by {max_recheck}"),
        ));
    }
    Ok(())
}

/// The envelope of events one person makes on one device at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maker<'a> {
    pub author: &'a str,
    pub device: &'a str,
    /// RFC 3339 with offset.
    pub at: &'a str,
}

impl Maker<'_> {
    pub fn event(&self, id: String, entry: String, act: Act) -> Event {
        Event {
            id,
            entry,
            author: self.author.to_string(),
            device: self.device.to_string(),
            at: self.at.to_string(),
            follows: None,
            act,
        }
    }
}

/// The events that open one ledger entry per finding of `report`, each `created` with the
/// measures the policy requires for it and then `rectification_ordered` with the policy's default
/// deadlines. `new_id` makes UUIDs (the core has no random source: the client brings its own).
/// `None` when `at` is not an RFC 3339 date-time with an offset.
pub fn open_entries(
    report: &Report,
    enterprise: &Enterprise,
    product: &str,
    policy: &Policy,
    maker: &Maker<'_>,
    new_id: &mut dyn FnMut() -> String,
) -> Option<Vec<Event>> {
    open(report, enterprise, product, policy, maker, new_id, false)
}

/// The events that open one "self-found" entry per finding of an enterprise's own self-inspection:
/// `created` only (no order: removing it is the enterprise's own duty, 自查自改), with the
/// measures the policy names kept for when an inspector confirms the finding.
pub fn open_self_found(
    report: &Report,
    enterprise: &Enterprise,
    product: &str,
    policy: &Policy,
    maker: &Maker<'_>,
    new_id: &mut dyn FnMut() -> String,
) -> Option<Vec<Event>> {
    open(report, enterprise, product, policy, maker, new_id, true)
}

fn open(
    report: &Report,
    enterprise: &Enterprise,
    product: &str,
    policy: &Policy,
    maker: &Maker<'_>,
    new_id: &mut dyn FnMut() -> String,
    self_found: bool,
) -> Option<Vec<Event>> {
    let at = super::date::parse_at(maker.at)?;
    let mut out = Vec::with_capacity(report.findings.len() * 2);
    for f in &report.findings {
        let entry = new_id();
        let actions = measures(f, policy);
        let trace_by = trace_by(policy, f.severity, &actions, at);
        let created = Created {
            submission: Some(report.id.clone()),
            item: Some(f.item.clone()),
            instance: f.instance,
            enterprise: enterprise.clone(),
            product: product.to_string(),
            danger: Danger {
                text: f.message.clone(),
                severity: f.severity,
                violation: f.violation,
                basis: f.basis.clone(),
                escalate: f.escalate,
            },
            actions,
            trace_by,
            responsible: None,
            photos: Vec::new(),
            self_found,
            spot_check: None,
        };
        out.push(maker.event(new_id(), entry.clone(), Act::Created(Box::new(created))));
        if !self_found {
            out.push(maker.event(new_id(), entry, default_order(policy, f.severity, at)));
        }
    }
    Some(out)
}

/// The day two-way tracing is due for a danger of `severity` found at `at`, when `actions` (the
/// policy's measures for it) include it: the policy's `trace_days` from that day.
pub fn trace_by(
    policy: &Policy,
    severity: Severity,
    actions: &[ActionKind],
    at: DateTime<FixedOffset>,
) -> Option<String> {
    actions.contains(&ActionKind::TwoWayTracing).then(|| {
        date_text(add_days(
            at.date_naive(),
            policy.for_severity(severity).trace_days,
        ))
    })
}

/// The measures the policy names for a danger recorded by hand (its severity, the violation kind
/// the inspector chose, and whether it meets a sector major-danger criterion).
pub fn measures_for(
    policy: &Policy,
    severity: Severity,
    violation: Option<crate::policy::Violation>,
    escalate: bool,
) -> Vec<ActionKind> {
    let f = Finding {
        item: String::new(),
        severity,
        violation,
        basis: String::new(),
        path: String::new(),
        message: crate::text::Text::new("", ""),
        escalate,
        rule: 0,
        instance: None,
        department: None,
        applied: None,
    };
    measures(&f, policy)
}

/// The submission-wide measures of the core (stop, list, publicity, revocation, transfer review,
/// report to government) that this one finding calls for.
fn measures(f: &Finding, policy: &Policy) -> Vec<ActionKind> {
    crate::report::actions(&[f], None, policy)
        .into_iter()
        .map(|a| a.kind)
        .filter(|k| !matches!(k, ActionKind::Rectify | ActionKind::Recheck))
        .collect()
}
