//! Work lines (条线): the notice splits the follow-up between quality supervision, certification
//! supervision, law enforcement, standards and credit, with the report to government for the
//! bureau's leadership. Which line owns which task is policy data (`lines` in `policy.json`);
//! each line's queue is the ledger's tasks of that line, overdue first, then by deadline.

use super::date::{date_text, Deadline};
use super::fold::LedgerState;
use super::follow::{follow_up, next_due, Task};
use super::spot::SpotTaskKind;
use crate::policy::{add_days, ActionKind};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    QualitySupervision,
    CertificationSupervision,
    LawEnforcement,
    Standards,
    Credit,
    /// The bureau's leadership: the report to government.
    Leadership,
}

impl Line {
    pub const ALL: [Line; 6] = [
        Line::QualitySupervision,
        Line::CertificationSupervision,
        Line::LawEnforcement,
        Line::Standards,
        Line::Credit,
        Line::Leadership,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Line::QualitySupervision => "quality_supervision",
            Line::CertificationSupervision => "certification_supervision",
            Line::LawEnforcement => "law_enforcement",
            Line::Standards => "standards",
            Line::Credit => "credit",
            Line::Leadership => "leadership",
        }
    }
    pub fn parse(s: &str) -> Option<Line> {
        Line::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// The owning line of each task (the `lines` table of the policy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lines {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub about: String,
    pub order: Line,
    pub recheck: Line,
    pub escalate: Line,
    pub decide: Line,
    pub review: Line,
    pub stop_production_sale: Line,
    pub report_to_government: Line,
    pub serious_violation_list: Line,
    pub credit_publicity: Line,
    pub revoke_certificate: Line,
    pub judicial_transfer_review: Line,
    /// Two-way tracing (双向追溯) of an entry's product.
    #[serde(default = "quality_supervision")]
    pub two_way_tracing: Line,
    /// An assist request (协查) from another region's bureau: the asked region's line.
    #[serde(default = "quality_supervision")]
    pub assist: Line,
    /// Case filing (立案) and penalties.
    pub case: Line,
    /// Days the asked region has to answer an assist request (协查), from the day the tracing
    /// asked: `assist_days` at the top of the policy (a local choice), not part of this table.
    #[serde(skip)]
    pub assist_days: u32,
}

/// `assist_days` when a policy names none (what `policy.json` says).
pub const ASSIST_DAYS: u32 = 15;

fn quality_supervision() -> Line {
    Line::QualitySupervision
}

impl Default for Lines {
    /// The notice's split (also what `policy.json` says).
    fn default() -> Self {
        use Line::*;
        Lines {
            about: String::new(),
            order: QualitySupervision,
            recheck: QualitySupervision,
            escalate: QualitySupervision,
            decide: QualitySupervision,
            review: QualitySupervision,
            stop_production_sale: QualitySupervision,
            report_to_government: Leadership,
            serious_violation_list: Credit,
            credit_publicity: Credit,
            revoke_certificate: CertificationSupervision,
            judicial_transfer_review: LawEnforcement,
            two_way_tracing: QualitySupervision,
            assist: QualitySupervision,
            case: LawEnforcement,
            assist_days: ASSIST_DAYS,
        }
    }
}

impl Lines {
    /// The `lines` table of a policy's JSON text (absent: the default split). Strict: a misspelt
    /// task or line is an error.
    pub fn from_policy_json(text: &str) -> Result<Lines, String> {
        #[derive(Deserialize)]
        struct WithLines {
            #[serde(default)]
            lines: Option<Lines>,
            #[serde(default)]
            assist_days: Option<u32>,
        }
        serde_json::from_str::<WithLines>(text)
            .map(|w| Lines {
                assist_days: w.assist_days.unwrap_or(ASSIST_DAYS),
                ..w.lines.unwrap_or_default()
            })
            .map_err(|e| e.to_string())
    }

    /// The lines of the built-in policy (`policy.json`).
    pub fn builtin() -> Lines {
        Lines::from_policy_json(include_str!("../../policy.json")).unwrap_or_default()
    }

    pub fn of_action(&self, a: ActionKind) -> Line {
        match a {
            ActionKind::StopProductionSale => self.stop_production_sale,
            ActionKind::Rectify => self.order,
            ActionKind::Recheck => self.recheck,
            ActionKind::ReportToGovernment => self.report_to_government,
            ActionKind::SeriousViolationList => self.serious_violation_list,
            ActionKind::CreditPublicity => self.credit_publicity,
            ActionKind::RevokeCertificate => self.revoke_certificate,
            ActionKind::JudicialTransferReview => self.judicial_transfer_review,
            // Handing a case to the department that issues the missing permit: law enforcement,
            // as the other transfers.
            ActionKind::HandOverToDepartment => self.judicial_transfer_review,
            ActionKind::TwoWayTracing => self.two_way_tracing,
            ActionKind::Assist => self.assist,
        }
    }

    pub fn of_task(&self, t: &Task) -> Line {
        match t {
            Task::Order { .. } => self.order,
            Task::Escalate { .. } => self.escalate,
            Task::Act { action, .. } => self.of_action(*action),
            Task::Decide { .. } => self.decide,
            Task::Review { .. } => self.review,
            Task::Assist { .. } => self.assist,
            // Suspension and reorganisation (PQL art. 17) is a penalty: the case line's; the
            // re-checks and the announcement are the re-check's line.
            Task::Spot {
                step: SpotTaskKind::SuspendAndReorganise,
                ..
            } => self.case,
            Task::Spot { .. } => self.recheck,
        }
    }
}

/// One task of a line's queue, with the entry's enterprise and the deadline that presses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Queued {
    #[serde(flatten)]
    pub task: Task,
    pub line: Line,
    pub uscc: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_name: Option<String>,
    pub region: String,
    pub product: String,
    pub danger: String,
    /// `YYYY-MM-DD`: when the task is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Days past `due` at "now" (0 when not late).
    pub days_late: i64,
    /// An assist task: what the asking bureau's tracing found and asks about (supplier, buyers,
    /// quantity, batches, note).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asked: Option<super::event::Taken>,
}

/// The region a task belongs to: an assist task the region asked, any other its entry's.
pub fn task_region(q: &Queued) -> &str {
    match &q.task {
        Task::Assist { assist_region, .. } => assist_region,
        _ => &q.region,
    }
}

/// `queue` for the bureau of `region` (a division code and everything under it): its own entries'
/// tasks, and the assist requests other regions made to it, not their other tasks.
pub fn queue_in(
    state: &LedgerState,
    lines: &Lines,
    line: Option<Line>,
    region: &str,
    now: DateTime<FixedOffset>,
) -> Vec<Queued> {
    let mut q = queue(state, lines, line, now);
    q.retain(|x| super::view::in_region(task_region(x), region));
    q
}

/// The tasks of `line` (all lines when `None`) across the ledger at `now`: overdue first (most
/// days late first), then by due day (undated last), then by entry.
pub fn queue(
    state: &LedgerState,
    lines: &Lines,
    line: Option<Line>,
    now: DateTime<FixedOffset>,
) -> Vec<Queued> {
    let mut out: Vec<Queued> = follow_up(state, now)
        .into_iter()
        .filter_map(|t| {
            let l = lines.of_task(&t);
            if line.is_some_and(|x| x != l) {
                return None;
            }
            let e = state.entry(t.entry())?;
            let opened =
                super::date::parse_at(&e.opened.at).map(|at| Deadline::new(at.date_naive(), at));
            // What presses: the running deadline for the loop's own tasks; for measures that must
            // be taken at once (stop, report to government, a review), the day the danger was found.
            let due: Option<Deadline> = match &t {
                Task::Escalate { .. } => next_due(e).map(|(_, d)| d),
                Task::Act {
                    action: ActionKind::StopProductionSale | ActionKind::ReportToGovernment,
                    ..
                }
                | Task::Order { .. }
                | Task::Review { .. } => opened,
                Task::Act {
                    action: ActionKind::TwoWayTracing,
                    ..
                } => e
                    .created
                    .trace_by
                    .as_deref()
                    .and_then(super::date::parse_date)
                    .zip(super::date::parse_at(&e.opened.at))
                    .map(|(d, at)| Deadline::new(d, at)),
                // An assist request is due the policy's `assist_days` after the tracing asked.
                Task::Assist { tracing, .. } => e
                    .actions_taken
                    .iter()
                    .find(|a| &a.step.event == tracing)
                    .and_then(|a| super::date::parse_at(&a.step.at))
                    .map(|at| Deadline::new(add_days(at.date_naive(), lines.assist_days), at)),
                Task::Spot { due, .. } => due
                    .as_deref()
                    .and_then(super::date::parse_date)
                    .zip(super::date::parse_at(&e.opened.at))
                    .map(|(d, at)| Deadline::new(d, at)),
                Task::Act { .. } | Task::Decide { .. } => None,
            };
            let asked = match &t {
                Task::Assist { tracing, .. } => e
                    .actions_taken
                    .iter()
                    .find(|a| &a.step.event == tracing)
                    .map(|a| a.taken.clone()),
                _ => None,
            };
            let days_late = due.map(|d| d.days_late(now).max(0)).unwrap_or(0);
            Some(Queued {
                line: l,
                uscc: e.created.enterprise.uscc.clone(),
                enterprise_name: e.created.enterprise.name.clone(),
                region: e.created.enterprise.region.clone(),
                product: e.created.product.clone(),
                danger: e.created.danger.text.zh.clone(),
                due: due.map(|d| date_text(d.date)),
                days_late,
                asked,
                task: t,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (b.days_late, a.due.is_none(), &a.due, a.task.entry()).cmp(&(
            a.days_late,
            b.due.is_none(),
            &b.due,
            b.task.entry(),
        ))
    });
    out
}
