//! One ledger entry and the closed loop it goes through:
//!
//! ```text
//! found --rectification_ordered--> ordered --rectified--> rectified --rechecked(passed)--> closed
//!   |                                 ^  |                    |
//!   |                                 |  +--refused--> refused (escalate)
//!   +--rectified (removed at once)    +---rechecked(failed, new deadline): next round
//! ```
//!
//! `escalated` and `action_taken` record what was done beside the loop; `closed` ends it for other
//! reasons. `reopened` (a failed look-back, 回头看) takes a closed-out entry back to `ordered` in a
//! new round with a new deadline; an entry closed for another reason stays closed. An act that does not fit the state is an error as data and leaves the entry unchanged.

use super::date::{parse_date, Deadline};
use super::error::{LedgerCode, LedgerError};
use super::event::{Act, Attachment, CloseReason, Created, EscalationReason, Event, Taken};
use crate::policy::ActionKind;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// Where an entry stands in the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Recorded, no order yet.
    Found,
    /// Rectification ordered, deadline running.
    Ordered,
    /// The enterprise reports it rectified; a re-check is due.
    Rectified,
    /// The enterprise refuses to rectify.
    Refused,
    /// Closed out (销号) by a passed re-check, or closed for another reason.
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Found => "found",
            Status::Ordered => "ordered",
            Status::Rectified => "rectified",
            Status::Refused => "refused",
            Status::Closed => "closed",
        }
    }
}

/// Who did something, where and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub event: String,
    pub author: String,
    pub device: String,
    pub at: String,
}

impl Step {
    pub(crate) fn of(e: &Event) -> Step {
        Step {
            event: e.id.clone(),
            author: e.author.clone(),
            device: e.device.clone(),
            at: e.at.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rectification {
    #[serde(flatten)]
    pub step: Step,
    pub round: u32,
    pub measures: String,
    pub evidence: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recheck {
    #[serde(flatten)]
    pub step: Step,
    pub round: u32,
    pub passed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub evidence: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    #[serde(flatten)]
    pub step: Step,
    /// The round it was escalated in: a new order and a new refusal call for a new escalation.
    pub round: u32,
    pub reason: EscalationReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionDone {
    #[serde(flatten)]
    pub step: Step,
    pub action: ActionKind,
    /// The measure and its particulars (document number and date, receiver...), as sent.
    pub taken: Taken,
}

/// A measure decided against, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionDeclined {
    #[serde(flatten)]
    pub step: Step,
    pub action: ActionKind,
    pub reason: String,
}

/// A case (立案) filed about the entry; a later `case_filed` of the same number completes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    #[serde(flatten)]
    pub step: Step,
    pub case_number: String,
    pub filed_on: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty_decision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fine: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    #[serde(flatten)]
    pub step: Step,
    /// Absent when closed out by a passed re-check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<CloseReason>,
}

/// A closed-out entry re-opened by a failed look-back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reopening {
    #[serde(flatten)]
    pub step: Step,
    /// The round the re-opening starts.
    pub round: u32,
    /// The look-back result that failed.
    pub lookback: String,
    pub reason: String,
    /// The close-out it undid.
    pub closed: Step,
}

/// Concurrent acts that disagree, waiting for an inspector's `resolved` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub round: u32,
    /// The events in conflict, in the ledger's order.
    pub candidates: Vec<String>,
}

/// A ledger entry: one hidden danger and everything done about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub created: Created,
    pub opened: Step,
    pub status: Status,
    /// Rectification round: 1, and one more after each failed re-check.
    pub round: u32,
    /// Rectify by (current round).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    /// Re-check by (current round).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recheck_by: Option<Deadline>,
    /// The latest refusal, while refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<Step>,
    pub rectifications: Vec<Rectification>,
    pub rechecks: Vec<Recheck>,
    pub escalations: Vec<Escalation>,
    pub actions_taken: Vec<ActionDone>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions_declined: Vec<ActionDeclined>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<Case>,
    /// A self-found danger confirmed by an inspector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<Step>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<Conflict>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Closure>,
    /// Close-outs undone by failed look-backs, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reopenings: Vec<Reopening>,
    /// A spot check's entry: the follow-up of its record last mirrored (`spot_entry.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spot: Option<super::spot_entry::SpotFollowed>,
    /// Events applied to this entry, in order.
    pub events: Vec<String>,
}

/// What applying an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Applied,
    /// Agrees with a re-check already applied for the same round (two inspectors, one verdict).
    Concurring,
}

impl Entry {
    pub(crate) fn new(e: &Event, c: &Created) -> Entry {
        Entry {
            id: e.entry.clone(),
            created: c.clone(),
            opened: Step::of(e),
            status: Status::Found,
            round: 1,
            deadline: None,
            recheck_by: None,
            refused: None,
            rectifications: Vec::new(),
            rechecks: Vec::new(),
            escalations: Vec::new(),
            actions_taken: Vec::new(),
            actions_declined: Vec::new(),
            cases: Vec::new(),
            confirmed: None,
            conflict: None,
            closed: None,
            reopenings: Vec::new(),
            spot: None,
            events: vec![e.id.clone()],
        }
    }

    /// Whether the entry is still open (not closed out).
    pub fn is_open(&self) -> bool {
        self.status != Status::Closed
    }

    /// Whether `action` was recorded as done.
    pub fn took(&self, action: ActionKind) -> bool {
        self.actions_taken.iter().any(|a| a.action == action)
    }

    /// The assist requests (协查) of the entry's tracing: (region asked, the tracing recorded).
    pub fn assist_requests(&self) -> impl Iterator<Item = (&String, &ActionDone)> {
        self.actions_taken
            .iter()
            .filter(|a| a.action == ActionKind::TwoWayTracing)
            .filter_map(|a| a.taken.assist_region.as_ref().map(|r| (r, a)))
    }

    /// The assist result recorded by `region`'s bureau, if any.
    pub fn assist_result(&self, region: &str) -> Option<&ActionDone> {
        self.actions_taken.iter().find(|a| {
            a.action == ActionKind::Assist && a.taken.assist_region.as_deref() == Some(region)
        })
    }

    /// Whether `action` was done or decided against: either way, nothing is left to do about it.
    pub fn handled(&self, action: ActionKind) -> bool {
        self.took(action) || self.actions_declined.iter().any(|a| a.action == action)
    }

    /// Found by the enterprise itself and not (yet) taken over by an inspector: the enterprise's
    /// own to remove; no order, no violation measures.
    pub fn self_managed(&self) -> bool {
        self.created.self_found && self.confirmed.is_none()
    }

    /// Check that a re-check of `round` fits the entry now (without applying it).
    pub(crate) fn can_recheck(&self, e: &Event, round: u32) -> Result<(), LedgerError> {
        if self.is_spot() {
            return Err(self.spot_loop(e));
        }
        if self.status != Status::Rectified {
            return Err(self.invalid(e));
        }
        if round != self.round {
            return Err(LedgerError::new(
                LedgerCode::StaleRound,
                &e.id,
                &e.entry,
                &format!("复查第 {round} 轮，当前为第 {} 轮", self.round),
                &format!(
                    "re-check of round {round}, the current round is {}",
                    self.round
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn invalid(&self, e: &Event) -> LedgerError {
        LedgerError::new(
            LedgerCode::InvalidTransition,
            &e.id,
            &e.entry,
            &format!("状态 {} 下不能 {}", self.status.as_str(), e.act.kind()),
            &format!(
                "{} is not allowed when {}",
                e.act.kind(),
                self.status.as_str()
            ),
        )
    }

    /// Apply one valid event made at `at`. On error the entry is left as it was.
    pub(crate) fn apply(
        &mut self,
        e: &Event,
        at: DateTime<FixedOffset>,
    ) -> Result<Effect, LedgerError> {
        // Dates were checked by `Event::validate`; a failed parse here only drops the deadline.
        let deadline = |d: &str| parse_date(d).map(|d| Deadline::new(d, at));
        let open = self.status != Status::Closed;
        // A spot check's loop is its record's (`spot_entry.rs`): never ordered or re-checked here.
        if self.is_spot()
            && matches!(
                e.act,
                Act::RectificationOrdered { .. } | Act::Rechecked { .. } | Act::Reopened { .. }
            )
        {
            return Err(self.spot_loop(e));
        }
        match &e.act {
            Act::Created(_) => {
                return Err(LedgerError::new(
                    LedgerCode::EntryExists,
                    &e.id,
                    &e.entry,
                    "",
                    "",
                ))
            }
            Act::RectificationOrdered {
                deadline: d,
                recheck_by,
                ..
            } => {
                // A self-found danger is the enterprise's to remove: an order needs the
                // inspector to take it over first (`confirmed`).
                if !matches!(
                    self.status,
                    Status::Found | Status::Ordered | Status::Refused
                ) || self.self_managed()
                {
                    return Err(self.invalid(e));
                }
                self.status = Status::Ordered;
                self.refused = None;
                self.deadline = deadline(d);
                self.recheck_by = recheck_by.as_deref().and_then(deadline);
            }
            Act::Rectified { measures, evidence } => {
                // From `found` too: a general danger may be removed on the spot (Order 16 art. 3).
                if !open {
                    return Err(self.invalid(e));
                }
                // 自查自改: the enterprise closes its own finding, with evidence.
                let own = self.self_managed();
                if own && evidence.is_empty() {
                    return Err(LedgerError::new(
                        LedgerCode::EvidenceRequired,
                        &e.id,
                        &e.entry,
                        "",
                        "",
                    ));
                }
                self.status = Status::Rectified;
                self.refused = None;
                self.rectifications.push(Rectification {
                    step: Step::of(e),
                    round: self.round,
                    measures: measures.clone(),
                    evidence: evidence.clone(),
                });
                if own {
                    self.status = Status::Closed;
                    self.closed = Some(Closure {
                        step: Step::of(e),
                        reason: None,
                    });
                }
            }
            Act::Rechecked {
                round,
                passed,
                deadline: d,
                recheck_by,
                note,
                evidence,
            } => {
                let same = |r: &Recheck| {
                    r.round == *round && r.passed == *passed && (*passed || r.deadline == *d)
                };
                if self.rechecks.iter().any(same) {
                    return Ok(Effect::Concurring);
                }
                self.can_recheck(e, *round)?;
                self.rechecks.push(Recheck {
                    step: Step::of(e),
                    round: *round,
                    passed: *passed,
                    deadline: d.clone(),
                    note: note.clone(),
                    evidence: evidence.clone(),
                });
                if *passed {
                    self.status = Status::Closed;
                    self.closed = Some(Closure {
                        step: Step::of(e),
                        reason: None,
                    });
                } else {
                    self.status = Status::Ordered;
                    self.round = self.round.saturating_add(1);
                    self.deadline = d.as_deref().and_then(deadline);
                    self.recheck_by = recheck_by.as_deref().and_then(deadline);
                }
            }
            Act::Refused { .. } => {
                if !matches!(
                    self.status,
                    Status::Found | Status::Ordered | Status::Refused
                ) {
                    return Err(self.invalid(e));
                }
                self.status = Status::Refused;
                self.refused = Some(Step::of(e));
            }
            Act::Escalated { reason, to, .. } => {
                if !open {
                    return Err(self.invalid(e));
                }
                self.escalations.push(Escalation {
                    step: Step::of(e),
                    round: self.round,
                    reason: *reason,
                    to: to.clone(),
                });
            }
            // Measures such as listing or publicity outlive the danger: allowed after closing too.
            Act::ActionTaken(t) => {
                if let Some(c) = &t.case_number {
                    if !self.cases.iter().any(|x| &x.case_number == c) {
                        return Err(LedgerError::new(
                            LedgerCode::UnknownCase,
                            &e.id,
                            &e.entry,
                            c,
                            c,
                        ));
                    }
                }
                if let Some(r) = &t.assist_region {
                    // Asking one's own bureau is no assist request; a result answers a request
                    // made to that region.
                    let own = *r == self.created.enterprise.region;
                    let unasked = t.action == ActionKind::Assist
                        && !self.assist_requests().any(|(q, _)| q == r);
                    if own || unasked {
                        return Err(LedgerError::new(
                            LedgerCode::InvalidAssistRegion,
                            &e.id,
                            &e.entry,
                            &format!("协查地区 {r}"),
                            &format!("assist region {r}"),
                        ));
                    }
                }
                self.actions_taken.push(ActionDone {
                    step: Step::of(e),
                    action: t.action,
                    taken: t.as_ref().clone(),
                })
            }
            Act::ActionDeclined { action, reason } => self.actions_declined.push(ActionDeclined {
                step: Step::of(e),
                action: *action,
                reason: reason.clone(),
            }),
            Act::CaseFiled {
                case_number,
                filed_on,
                penalty_decision,
                fine,
                ..
            } => {
                let case = Case {
                    step: Step::of(e),
                    case_number: case_number.clone(),
                    filed_on: filed_on.clone(),
                    penalty_decision: penalty_decision.clone(),
                    fine: fine.clone(),
                };
                match self
                    .cases
                    .iter_mut()
                    .find(|c| c.case_number == *case_number)
                {
                    // A later record of the case completes it; what it leaves out stays.
                    Some(c) => {
                        c.step = case.step;
                        c.filed_on = case.filed_on;
                        if case.penalty_decision.is_some() {
                            c.penalty_decision = case.penalty_decision;
                        }
                        if case.fine.is_some() {
                            c.fine = case.fine;
                        }
                    }
                    None => self.cases.push(case),
                }
            }
            Act::Confirmed { .. } => {
                if !self.self_managed() {
                    return Err(self.invalid(e));
                }
                self.confirmed = Some(Step::of(e));
            }
            Act::Closed { reason, .. } => {
                if !open {
                    return Err(self.invalid(e));
                }
                // An undecided conflict stays on show: closing does not say which verdict was right.
                self.status = Status::Closed;
                self.closed = Some(Closure {
                    step: Step::of(e),
                    reason: Some(*reason),
                });
            }
            Act::Reopened {
                lookback,
                reason,
                deadline: d,
                recheck_by,
            } => {
                // Only a close-out (销号) can be found unfounded; withdrawn, ceased or transferred
                // entries were never declared removed.
                let closed_out = match &self.closed {
                    Some(c) if self.status == Status::Closed && c.reason.is_none() => {
                        c.step.clone()
                    }
                    _ => return Err(self.invalid(e)),
                };
                self.round = self.round.saturating_add(1);
                self.reopenings.push(Reopening {
                    step: Step::of(e),
                    round: self.round,
                    lookback: lookback.clone(),
                    reason: reason.clone(),
                    closed: closed_out,
                });
                self.status = Status::Ordered;
                self.closed = None;
                self.refused = None;
                self.deadline = deadline(d);
                self.recheck_by = recheck_by.as_deref().and_then(deadline);
                // A self-found danger the enterprise closed itself is the bureau's from now on.
                if self.self_managed() {
                    self.confirmed = Some(Step::of(e));
                }
            }
            Act::SpotFollowed(f) => self.follow_spot(e, f)?,
            // The decision itself was taken into account before the fold (see `fold`).
            Act::Resolved { .. } => {}
        }
        self.events.push(e.id.clone());
        Ok(Effect::Applied)
    }
}
