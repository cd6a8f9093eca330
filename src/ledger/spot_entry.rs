//! The ledger entry of an unqualified spot-check result (监督抽查不合格), so the line queues, the
//! county's to-do list and the campaign's dangers and 动态清零 figures count spot-check failures
//! as they count the dangers found on site.
//!
//! One loop, not two: the spot-check record is the single source of truth for the re-check loop
//! of SAMR Order 18 (the result comes from the testing body, the re-checks and the announcement
//! are recorded on it, a result list imported again keeps them). A server mirrors every version
//! of the record that changes its follow-up into a `spot_followed` event carrying that follow-up,
//! and the entry's round, deadlines and close-out are a function of the latest one alone; an
//! order, re-check or re-opening made on the entry itself is `spot_check_loop`. What Order 18's
//! day counts give (60 days to correct, 75 to re-check, the second re-check 60 to 90 days after
//! the announcement) is read from `spot::spot_tasks_with`, their one home.

use super::date::{parse_at, parse_date, Deadline};
use super::entry::{Closure, Entry, Recheck, Status, Step};
use super::error::{LedgerCode, LedgerError};
use super::event::{Act, CloseReason, Created, Danger, Event};
use super::follow::{measures_for, Maker, Task};
use super::spot::{spot_tasks_with, SpotCheck, SpotRecheck, SpotResult, SpotTaskKind};
use crate::policy::{add_days, Policy, Severity, Violation};
use crate::text::Text;
use serde::{Deserialize, Serialize};

/// A spot check's follow-up as one version of its record states it (`spot_followed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpotFollow {
    /// `qualified` when a corrected result no longer fails: the entry is withdrawn.
    pub result: SpotResult,
    /// The result's day.
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recheck: Option<SpotRecheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_recheck: Option<SpotRecheck>,
}

/// The follow-up an entry last mirrored, and the event that brought it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotFollowed {
    #[serde(flatten)]
    pub step: Step,
    #[serde(flatten)]
    pub follow: SpotFollow,
}

impl SpotFollow {
    pub fn of(s: &SpotCheck) -> SpotFollow {
        SpotFollow {
            result: s.result,
            date: s.date.clone(),
            ordered_on: s.ordered_on.clone(),
            recheck: s.recheck.clone(),
            announced_on: s.announced_on.clone(),
            second_recheck: s.second_recheck.clone(),
        }
    }

    /// The first field that is not a day (`YYYY-MM-DD`), for `Event::validate`.
    pub(crate) fn bad_date(&self) -> Option<&'static str> {
        let days = [
            (Some(&self.date), "date"),
            (self.ordered_on.as_ref(), "ordered_on"),
            (self.recheck.as_ref().map(|r| &r.date), "recheck.date"),
            (self.announced_on.as_ref(), "announced_on"),
            (
                self.second_recheck.as_ref().map(|r| &r.date),
                "second_recheck.date",
            ),
        ];
        days.into_iter()
            .find(|(d, _)| d.is_some_and(|d| parse_date(d).is_none()))
            .map(|(_, name)| name)
    }

    /// The record this follow-up belongs to, as far as Order 18's tasks need it.
    fn as_spot(&self, c: &Created) -> SpotCheck {
        SpotCheck {
            id: c.spot_check.clone().unwrap_or_default(),
            enterprise: c.enterprise.clone(),
            product: c.product.clone(),
            batch: String::new(),
            level: None,
            date: self.date.clone(),
            result: self.result,
            failed_items: Vec::new(),
            ordered_on: self.ordered_on.clone(),
            recheck: self.recheck.clone(),
            announced_on: self.announced_on.clone(),
            second_recheck: self.second_recheck.clone(),
        }
    }
}

/// The `created` event of the entry an unqualified result opens (`None` for a qualified one or
/// a result whose day is not a day), made at the start of the result's day in China (UTC+8).
///
/// What it is (docs/ledger.md): a **major** danger, since Order 18 art. 45 stops production and
/// sale at once, which is what makes a product-quality danger major in the policy (regulation.md
/// 4.1), of the violation `substandard` (it fails the standard the test applied); its measures are
/// the policy's for that (stop, credit publicity, two-way tracing), tracing due the policy's
/// `spot_trace_days` after the order.
pub fn open_spot_entry(
    s: &SpotCheck,
    policy: &Policy,
    author: &str,
    entry: String,
    id: String,
) -> Option<Event> {
    if s.result != SpotResult::Unqualified {
        return None;
    }
    parse_date(&s.date)?;
    let order = parse_date(s.ordered_on.as_deref().unwrap_or(&s.date))?;
    let at = format!("{}T00:00:00+08:00", s.date);
    let actions = measures_for(policy, Severity::Major, Some(Violation::Substandard), false);
    let items = s.failed_items.join("、");
    let (zh, en) = if items.is_empty() {
        (String::new(), String::new())
    } else {
        (
            format!("（不合格项目：{items}）"),
            format!(" (failed: {})", s.failed_items.join(", ")),
        )
    };
    let created = Created {
        submission: None,
        item: None,
        instance: None,
        enterprise: s.enterprise.clone(),
        product: s.product.clone(),
        danger: Danger {
            text: Text::new(
                format!("监督抽查不合格：批次 {}{zh}", s.batch),
                format!(
                    "Unqualified in a supervision spot check: batch {}{en}",
                    s.batch
                ),
            ),
            severity: Severity::Major,
            violation: Some(Violation::Substandard),
            basis: "《产品质量监督抽查管理暂行办法》第四十五条至第四十八条；《产品质量法》第十七条"
                .to_string(),
            escalate: false,
        },
        trace_by: actions
            .contains(&crate::policy::ActionKind::TwoWayTracing)
            .then(|| super::date::date_text(add_days(order, policy.spot_trace_days))),
        actions,
        responsible: None,
        photos: Vec::new(),
        self_found: false,
        spot_check: Some(s.id.clone()),
    };
    let maker = Maker {
        author,
        device: "server",
        at: &at,
    };
    Some(maker.event(id, entry, Act::Created(Box::new(created))))
}

impl Entry {
    /// Whether the entry is a spot check's: its loop is the record's.
    pub fn is_spot(&self) -> bool {
        self.created.spot_check.is_some()
    }

    /// The error for an act of the loop made on a spot-check entry itself.
    pub(crate) fn spot_loop(&self, e: &Event) -> LedgerError {
        LedgerError::new(LedgerCode::SpotCheckLoop, &e.id, &e.entry, "", "")
    }

    /// Take the follow-up of a `spot_followed` event: the round, deadlines, re-checks and
    /// close-out become what the record says. An entry an inspector closed (withdrawn, ceased,
    /// transferred) stays closed, with the follow-up kept.
    pub(crate) fn follow_spot(&mut self, e: &Event, f: &SpotFollow) -> Result<(), LedgerError> {
        if !self.is_spot() {
            return Err(self.invalid(e));
        }
        let at = parse_at(&e.at).ok_or_else(|| self.invalid(e))?;
        let tasks = spot_tasks_with(&f.as_spot(&self.created), 0)?;
        let due = |kind: SpotTaskKind| {
            tasks
                .iter()
                .find(|t| t.kind == kind)
                .and_then(|t| t.due.as_deref())
                .and_then(parse_date)
                .map(|d| Deadline::new(d, at))
        };
        let closed_by_act = self.status == Status::Closed
            && self
                .closed
                .as_ref()
                .is_some_and(|c| self.spot.as_ref().is_none_or(|s| !s.closed_it(&c.step)));
        // Each re-check as made on its own day by whoever recorded the version.
        let on = |d: &str| Step {
            at: format!("{d}T00:00:00+08:00"),
            ..Step::of(e)
        };
        let checks = [(1, &f.recheck), (2, &f.second_recheck)];
        self.rechecks = checks
            .iter()
            .filter_map(|(round, r)| r.as_ref().map(|r| (*round, r)))
            .map(|(round, r)| Recheck {
                step: on(&r.date),
                round,
                passed: r.passed,
                deadline: None,
                note: None,
                evidence: Vec::new(),
            })
            .collect();
        self.spot = Some(SpotFollowed {
            step: Step::of(e),
            follow: f.clone(),
        });
        if closed_by_act {
            return Ok(());
        }
        let passed = self
            .rechecks
            .iter()
            .find(|r| r.passed)
            .map(|r| r.step.clone());
        let (round, deadline, recheck_by) = match (&f.recheck, &f.second_recheck) {
            (None, _) => (1, due(SpotTaskKind::Correct), due(SpotTaskKind::Recheck)),
            (Some(r), _) if r.passed => (1, None, None),
            (Some(_), Some(r)) if r.passed => (2, None, None),
            // Failed, awaiting the second re-check (a deadline once announced: its window's end).
            (Some(_), None) => {
                let second = due(SpotTaskKind::SecondRecheck);
                (2, second, second)
            }
            // Failed twice: suspension and reorganisation, which no day count of Order 18 bounds.
            (Some(_), Some(_)) => (3, None, None),
        };
        let closing = match (f.result, passed) {
            (SpotResult::Qualified, _) => Some((Step::of(e), Some(CloseReason::Withdrawn))),
            (SpotResult::Unqualified, Some(step)) => Some((step, None)),
            (SpotResult::Unqualified, None) => None,
        };
        let keep_refused = self.status == Status::Refused && round == self.round;
        self.round = round;
        self.deadline = deadline;
        self.recheck_by = recheck_by;
        if let Some((step, reason)) = closing {
            self.status = Status::Closed;
            self.closed = Some(Closure { step, reason });
            return Ok(());
        }
        self.closed = None;
        self.status = if keep_refused {
            Status::Refused
        } else if self.rectifications.iter().any(|r| r.round == round) {
            Status::Rectified
        } else {
            Status::Ordered
        };
        if self.status != Status::Refused {
            self.refused = None;
        }
        Ok(())
    }
}

impl SpotFollowed {
    /// Whether this follow-up is what closed the entry (a passed re-check or a withdrawn result).
    fn closed_it(&self, closing: &Step) -> bool {
        closing.event == self.step.event
    }
}

/// The Order 18 steps still to take on an open spot-check entry: the re-check (by 75 days), the
/// announcement after a failed one, the second re-check in its window, and after a second failure
/// the suspension, until a case is filed on the entry for it.
pub(crate) fn spot_steps(e: &Entry) -> Vec<Task> {
    let Some(s) = e.spot.as_ref().filter(|_| e.is_open()) else {
        return Vec::new();
    };
    let Ok(tasks) = spot_tasks_with(&s.follow.as_spot(&e.created), 0) else {
        return Vec::new();
    };
    tasks
        .into_iter()
        .filter(|t| !t.done)
        .filter(|t| match t.kind {
            SpotTaskKind::Recheck
            | SpotTaskKind::PublicAnnouncement
            | SpotTaskKind::SecondRecheck => true,
            SpotTaskKind::SuspendAndReorganise => e.cases.is_empty(),
            // Stop and tracing are the entry's measures; correcting is its deadline.
            _ => false,
        })
        .map(|t| Task::Spot {
            entry: e.id.clone(),
            step: t.kind,
            not_before: t.not_before,
            due: t.due,
        })
        .collect()
}
