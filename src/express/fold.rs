//! The express reports as a pure function of the set of their events (as the ledger's `fold`):
//! copies count once, one total order (initial reports first, then time, then id), acts that do
//! not fit are errors as data. The grade is computed here from the latest figures, with the
//! reporter's raise kept when it is graver, never when it is lighter.
//!
//! When the server received an event is not part of the event (a device makes it offline); it is
//! given beside the events (`received`: event id -> RFC 3339), as the server stored it or as a
//! device pulled it. The reporting clocks stop on delivery, not on creation: a report made at the
//! scene counts once the bureau above can see it.

use super::error::{ExpressCode, ExpressError};
use super::event::{ExpressAct, ExpressEvent, Initial};
use super::policy::{ExpressPolicy, Figures, Grade};
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Reported, being handled.
    Open,
    /// The handling ended: the summary is due.
    Closed,
    /// The summary is in.
    Summarised,
}

/// Who made an event, when, and when the server had it (if it has).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub event: String,
    pub author: String,
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    #[serde(flatten)]
    pub step: Step,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closure {
    #[serde(flatten)]
    pub step: Step,
    pub ended_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One express report as its events make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub id: String,
    pub opened: Step,
    pub initial: Initial,
    /// The latest figures reported.
    pub figures: Figures,
    /// The grade the figures call for.
    pub computed_grade: Grade,
    /// The gravest grade a reporter declared, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_grade: Option<Grade>,
    /// The graver of the two: what the report is handled as.
    pub grade: Grade,
    /// The latest cause, measures and test results (follow-ups update them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measures: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_results: Option<String>,
    pub follow_ups: Vec<Note>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<Closure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Note>,
    pub status: Status,
    /// Every photo of the report, in the order reported.
    pub photos: Vec<crate::ledger::Attachment>,
    pub events: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Logged {
    pub event: String,
    pub report: String,
    pub applied: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ExpressError>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExpressState {
    pub reports: Vec<Report>,
    pub log: Vec<Logged>,
    /// Ids sent with different contents: the version whose JSON sorts first is applied.
    pub id_conflicts: Vec<ExpressError>,
}

impl ExpressState {
    pub fn report(&self, id: &str) -> Option<&Report> {
        self.reports.iter().find(|r| r.id == id)
    }

    pub fn outcome(&self, event: &str) -> Option<&Logged> {
        self.log.iter().find(|l| l.event == event)
    }
}

fn distinct(events: &[ExpressEvent]) -> (Vec<&ExpressEvent>, Vec<ExpressError>) {
    let mut by_id: BTreeMap<&str, Vec<(String, &ExpressEvent)>> = BTreeMap::new();
    for e in events {
        let versions = by_id.entry(e.id.as_str()).or_default();
        if !versions.iter().any(|(_, v)| *v == e) {
            versions.push((serde_json::to_string(e).unwrap_or_default(), e));
        }
    }
    let mut out = Vec::with_capacity(by_id.len());
    let mut conflicts = Vec::new();
    for (id, mut versions) in by_id {
        versions.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some((_, first)) = versions.first() {
            out.push(*first);
            if versions.len() > 1 {
                let n = versions.len().to_string();
                conflicts.push(ExpressError::new(
                    ExpressCode::IdConflict,
                    id,
                    &first.report,
                    &n,
                ));
            }
        }
    }
    (out, conflicts)
}

/// Apply the figures a follow-up or summary gives (absent ones stay) and any declared grade.
fn update(r: &mut Report, f: [Option<u64>; 3], grade: Option<Grade>, policy: &ExpressPolicy) {
    let [d, s, l] = f;
    if let Some(d) = d {
        r.figures.deaths = u32::try_from(d).unwrap_or(u32::MAX);
    }
    if let Some(s) = s {
        r.figures.serious_injuries = u32::try_from(s).unwrap_or(u32::MAX);
    }
    if let Some(l) = l {
        r.figures.direct_loss_yuan = l;
    }
    if let Some(g) = grade {
        r.declared_grade = Some(r.declared_grade.map_or(g, |x| x.max(g)));
    }
    r.computed_grade = policy.grade(&r.figures);
    r.grade = r
        .declared_grade
        .map_or(r.computed_grade, |g| g.max(r.computed_grade));
}

/// The reports made by a set of events. `received`: when the server received each event.
pub fn fold(
    events: &[ExpressEvent],
    received: &BTreeMap<String, String>,
    policy: &ExpressPolicy,
) -> ExpressState {
    let (set, id_conflicts) = distinct(events);
    let mut log = Vec::with_capacity(set.len());
    let mut ordered: Vec<(&ExpressEvent, DateTime<FixedOffset>)> = Vec::new();
    for e in set {
        match e.validate() {
            Ok(at) => ordered.push((e, at)),
            Err(err) => log.push(Logged {
                event: e.id.clone(),
                report: e.report.clone(),
                applied: false,
                error: Some(err),
            }),
        }
    }
    // A report is made before anything is added to it: an initial report stamped later than a
    // follow-up means a device clock was wrong, not that the follow-up came first.
    ordered.sort_by(|(a, at_a), (b, at_b)| {
        let later = |e: &ExpressEvent| !matches!(e.act, ExpressAct::Reported(_));
        (later(a), at_a, &a.id).cmp(&(later(b), at_b, &b.id))
    });
    let mut reports: BTreeMap<String, Report> = BTreeMap::new();
    for (e, _) in ordered {
        let step = Step {
            event: e.id.clone(),
            author: e.author.clone(),
            at: e.at.clone(),
            received_at: received.get(&e.id).cloned(),
        };
        let result = apply(&mut reports, e, step, policy);
        log.push(Logged {
            event: e.id.clone(),
            report: e.report.clone(),
            applied: result.is_ok(),
            error: result.err(),
        });
    }
    ExpressState {
        reports: reports.into_values().collect(),
        log,
        id_conflicts,
    }
}

fn apply(
    reports: &mut BTreeMap<String, Report>,
    e: &ExpressEvent,
    step: Step,
    policy: &ExpressPolicy,
) -> Result<(), ExpressError> {
    let err = |code| ExpressError::new(code, &e.id, &e.report, "");
    if let ExpressAct::Reported(i) = &e.act {
        if reports.contains_key(&e.report) {
            return Err(err(ExpressCode::ReportExists));
        }
        let figures = Figures {
            deaths: i.deaths,
            serious_injuries: i.serious_injuries,
            direct_loss_yuan: i.direct_loss_yuan,
        };
        let mut r = Report {
            id: e.report.clone(),
            opened: step,
            initial: (**i).clone(),
            figures,
            computed_grade: Grade::IV,
            declared_grade: None,
            grade: Grade::IV,
            cause: i.cause.clone(),
            measures: i.measures.clone(),
            test_results: i.test_results.clone(),
            follow_ups: Vec::new(),
            closed: None,
            summary: None,
            status: Status::Open,
            photos: i.photos.clone(),
            events: vec![e.id.clone()],
        };
        update(&mut r, [None, None, None], i.grade, policy);
        reports.insert(e.report.clone(), r);
        return Ok(());
    }
    let Some(r) = reports.get_mut(&e.report) else {
        return Err(err(ExpressCode::UnknownReport));
    };
    match &e.act {
        ExpressAct::Reported(_) => {}
        ExpressAct::FollowedUp(f) => {
            if r.status != Status::Open {
                return Err(err(ExpressCode::ReportClosed));
            }
            let n = |x: Option<u32>| x.map(u64::from);
            update(
                r,
                [n(f.deaths), n(f.serious_injuries), f.direct_loss_yuan],
                f.grade,
                policy,
            );
            for (slot, v) in [
                (&mut r.cause, &f.cause),
                (&mut r.measures, &f.measures),
                (&mut r.test_results, &f.test_results),
            ] {
                if v.is_some() {
                    slot.clone_from(v);
                }
            }
            r.photos.extend(f.photos.iter().cloned());
            r.follow_ups.push(Note {
                step,
                text: f.text.clone(),
            });
        }
        ExpressAct::Closed { ended_at, note } => {
            if r.status != Status::Open {
                return Err(err(ExpressCode::ReportClosed));
            }
            let learned = crate::ledger::date::parse_at(&r.initial.learned_at);
            let ended = crate::ledger::date::parse_at(ended_at);
            if ended < learned {
                return Err(err(ExpressCode::EndedBeforeEvent));
            }
            r.closed = Some(Closure {
                step,
                ended_at: ended_at.clone(),
                note: note.clone(),
            });
            r.status = Status::Closed;
        }
        ExpressAct::Summarised {
            text,
            deaths,
            serious_injuries,
            direct_loss_yuan,
            photos,
        } => {
            if r.status == Status::Open {
                return Err(err(ExpressCode::NotClosed));
            }
            let n = |x: &Option<u32>| x.map(u64::from);
            update(
                r,
                [n(deaths), n(serious_injuries), *direct_loss_yuan],
                None,
                policy,
            );
            r.photos.extend(photos.iter().cloned());
            // A later summary corrects an earlier one (both stay in `events`).
            r.summary = Some(Note {
                step,
                text: text.clone(),
            });
            r.status = Status::Summarised;
        }
    }
    r.events.push(e.id.clone());
    Ok(())
}
