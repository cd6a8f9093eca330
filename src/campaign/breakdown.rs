//! The summary's breakdown of a locality (issue 12 item 6): by link (production, sales), by
//! severity x status, by measure (done, decided against, not done). One list of tagged records
//! (`records`) is both counted (`count`) and filtered (`trace`), so a number and the list behind it
//! cannot disagree. Dangers are counted from their facts (`EntryFact`, what the server's summary
//! tables keep: nothing is folded per request) by the progress figures' rules (in scope, found in
//! the period, state and overdue at the day); a danger's link is the link of the submission it
//! was found in, kept in its fact (none for one recorded by hand).

use super::facts::{EntryFact, EntryState, SubmissionFact};
use super::plan::Plan;
use super::register::Registered;
use crate::ledger::date::parse_date;
use crate::ledger::view::in_region;
use crate::policy::{ActionKind, Severity};
use crate::template::{Form, Link};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub use super::facts::MeasureState;

/// An enterprise in one link: registered there with products in scope, and whether every such
/// product was self-inspected / inspected on site in that link in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRecord {
    pub uscc: String,
    pub name: String,
    pub region: String,
    pub link: Link,
    pub self_inspected: bool,
    pub onsite_inspected: bool,
}

/// A danger of the locality with what the breakdown sorts it by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DangerRecord {
    pub entry: String,
    pub uscc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub region: String,
    pub product: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
    pub severity: Severity,
    pub state: EntryState,
    pub overdue: bool,
    /// Each required measure and where it stands.
    pub measures: Vec<(ActionKind, MeasureState)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Records {
    pub links: Vec<LinkRecord>,
    pub dangers: Vec<DangerRecord>,
}

/// The records of `region` (a code and all under it) at `today`.
pub fn records(
    plan: &Plan,
    register: &[Registered],
    submissions: &[SubmissionFact],
    entries: &[EntryFact],
    region: &str,
    today: NaiveDate,
) -> Records {
    // (uscc, product, in sales?, on site?) done validly in the period (`Link` has no order).
    let done: BTreeSet<(&str, &str, bool, bool)> = submissions
        .iter()
        .filter(|s| s.valid && plan.in_scope(&s.product) && plan.in_period(&s.date))
        .map(|s| {
            let onsite = s.form == Form::OnsiteInspection;
            (
                s.uscc.as_str(),
                s.product.as_str(),
                s.link == Link::Sales,
                onsite,
            )
        })
        .collect();
    let mut links = Vec::new();
    for r in super::progress::by_uscc(register) {
        if !in_region(&r.region, region) {
            continue;
        }
        for link in [Link::Production, Link::Sales] {
            let products: BTreeSet<&str> = r
                .products
                .iter()
                .filter(|p| plan.in_scope(&p.product) && p.links.contains(&link))
                .map(|p| p.product.as_str())
                .collect();
            if products.is_empty() {
                continue;
            }
            let all = |onsite| {
                products
                    .iter()
                    .all(|p| done.contains(&(r.uscc.as_str(), *p, link == Link::Sales, onsite)))
            };
            links.push(LinkRecord {
                uscc: r.uscc.clone(),
                name: r.name.clone(),
                region: r.region.clone(),
                link,
                self_inspected: all(false),
                onsite_inspected: all(true),
            });
        }
    }
    let names: BTreeMap<&str, &str> = register
        .iter()
        .map(|r| (r.uscc.as_str(), r.name.as_str()))
        .collect();
    let from = plan.period.from.as_str();
    let mut seen = BTreeSet::new();
    let mut dangers = Vec::new();
    for f in entries {
        if !plan.in_scope(&f.product)
            || f.found.as_str() < from
            || !in_region(&f.region, region)
            || !seen.insert(f.entry.as_str())
        {
            continue;
        }
        let overdue = f.is_open()
            && f.due
                .as_deref()
                .and_then(parse_date)
                .is_some_and(|d| d < today);
        dangers.push(DangerRecord {
            entry: f.entry.clone(),
            uscc: f.uscc.clone(),
            // The name the entry was recorded under; the register's for an entry that gave none.
            name: f.name.clone().or_else(|| {
                names
                    .get(f.uscc.as_str())
                    .filter(|n| !n.is_empty())
                    .map(|n| n.to_string())
            }),
            region: f.region.clone(),
            product: f.product.clone(),
            link: f.link,
            severity: f.severity,
            state: f.state,
            overdue,
            measures: f.measure_states.clone(),
        });
    }
    Records { links, dangers }
}

/// One line of the breakdown by link (`link` none: dangers recorded by hand, no submission).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByLink {
    pub link: Option<Link>,
    pub registered: u32,
    pub self_inspected: u32,
    pub onsite_inspected: u32,
    pub dangers: u32,
    pub open: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BySeverity {
    pub severity: Option<Severity>,
    pub open: u32,
    pub rectified: u32,
    pub closed_out: u32,
    pub closed: u32,
    pub overdue: u32,
    pub total: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByMeasure {
    pub action: Option<ActionKind>,
    pub required: u32,
    pub done: u32,
    pub declined: u32,
    pub not_done: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakdown {
    /// Production, sales, then the hand-recorded dangers' line when there are any.
    pub by_link: Vec<ByLink>,
    /// General, major.
    pub by_severity: Vec<BySeverity>,
    /// Each measure required anywhere, in `ActionKind` order.
    pub by_measure: Vec<ByMeasure>,
}

fn n(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// Count the records.
pub fn count(r: &Records) -> Breakdown {
    let mut by_link: Vec<ByLink> = [Some(Link::Production), Some(Link::Sales), None]
        .into_iter()
        .map(|link| {
            let ents: Vec<&LinkRecord> = r.links.iter().filter(|x| Some(x.link) == link).collect();
            let d: Vec<&DangerRecord> = r.dangers.iter().filter(|x| x.link == link).collect();
            ByLink {
                link,
                registered: n(ents.len()),
                self_inspected: n(ents.iter().filter(|x| x.self_inspected).count()),
                onsite_inspected: n(ents.iter().filter(|x| x.onsite_inspected).count()),
                dangers: n(d.len()),
                open: n(d.iter().filter(|x| is_open(x.state)).count()),
            }
        })
        .collect();
    by_link.retain(|l| l.link.is_some() || l.dangers > 0);
    let by_severity = [Severity::General, Severity::Major]
        .into_iter()
        .map(|s| {
            let d: Vec<&DangerRecord> = r.dangers.iter().filter(|x| x.severity == s).collect();
            let st = |state| n(d.iter().filter(|x| x.state == state).count());
            BySeverity {
                severity: Some(s),
                open: st(EntryState::Open),
                rectified: st(EntryState::Rectified),
                closed_out: st(EntryState::ClosedOut),
                closed: st(EntryState::Closed),
                overdue: n(d.iter().filter(|x| x.overdue).count()),
                total: n(d.len()),
            }
        })
        .collect();
    let mut measures: BTreeMap<ActionKind, ByMeasure> = BTreeMap::new();
    for (a, s) in r.dangers.iter().flat_map(|d| d.measures.iter()) {
        let m = measures.entry(*a).or_insert_with(|| ByMeasure {
            action: Some(*a),
            ..ByMeasure::default()
        });
        m.required += 1;
        match s {
            MeasureState::Done => m.done += 1,
            MeasureState::Declined => m.declined += 1,
            MeasureState::NotDone => m.not_done += 1,
        }
    }
    Breakdown {
        by_link,
        by_severity,
        by_measure: measures.into_values().collect(),
    }
}

fn is_open(s: EntryState) -> bool {
    matches!(s, EntryState::Open | EntryState::Rectified)
}

/// Which cell of the breakdown a list is asked for. `figure` names the column: for a link
/// `registered`, `self_inspected`, `not_self_inspected`, `onsite_inspected`,
/// `not_onsite_inspected`, `dangers`, `open`; for a severity `open`, `rectified`, `closed_out`,
/// `closed`, `overdue`, `total`; for a measure `required`, `done`, `declined`, `not_done`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Link(Option<Link>, String),
    Severity(Severity, String),
    Measure(ActionKind, String),
}

/// A record behind a cell: an enterprise (link lines' enterprise figures) or a danger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Traced<'a> {
    Enterprise(&'a LinkRecord),
    Danger(&'a DangerRecord),
}

/// The records behind one cell; `None` for a figure the cell does not have.
pub fn trace<'a>(r: &'a Records, cell: &Cell) -> Option<Vec<Traced<'a>>> {
    let dangers = |keep: &dyn Fn(&DangerRecord) -> bool| {
        r.dangers
            .iter()
            .filter(|d| keep(d))
            .map(Traced::Danger)
            .collect::<Vec<_>>()
    };
    Some(match cell {
        Cell::Link(link, f) => {
            let ents = |keep: &dyn Fn(&LinkRecord) -> bool| {
                r.links
                    .iter()
                    .filter(|x| Some(x.link) == *link && keep(x))
                    .map(Traced::Enterprise)
                    .collect::<Vec<_>>()
            };
            match f.as_str() {
                "registered" => ents(&|_| true),
                "self_inspected" => ents(&|x| x.self_inspected),
                "not_self_inspected" => ents(&|x| !x.self_inspected),
                "onsite_inspected" => ents(&|x| x.onsite_inspected),
                "not_onsite_inspected" => ents(&|x| !x.onsite_inspected),
                "dangers" => dangers(&|d| d.link == *link),
                "open" => dangers(&|d| d.link == *link && is_open(d.state)),
                _ => return None,
            }
        }
        Cell::Severity(s, f) => {
            let state = match f.as_str() {
                "open" => Some(EntryState::Open),
                "rectified" => Some(EntryState::Rectified),
                "closed_out" => Some(EntryState::ClosedOut),
                "closed" => Some(EntryState::Closed),
                "overdue" | "total" => None,
                _ => return None,
            };
            dangers(&|d| {
                d.severity == *s
                    && match (state, f.as_str()) {
                        (Some(st), _) => d.state == st,
                        (None, "overdue") => d.overdue,
                        _ => true,
                    }
            })
        }
        Cell::Measure(a, f) => {
            let want = match f.as_str() {
                "required" => None,
                "done" => Some(MeasureState::Done),
                "declined" => Some(MeasureState::Declined),
                "not_done" => Some(MeasureState::NotDone),
                _ => return None,
            };
            dangers(&|d| {
                d.measures
                    .iter()
                    .any(|(k, s)| k == a && want.is_none_or(|w| w == *s))
            })
        }
    })
}
