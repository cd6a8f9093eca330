//! The ledger state as a pure function of the set of events.
//!
//! Devices work offline and send their events whenever they can, in any order and sometimes twice.
//! So `fold` first makes a set (one event per id), then puts it in one total order (time, then id,
//! then each act after the event it `follows`: `causal`) and applies it. The same set therefore always gives the same state, whatever order or how many
//! copies arrived. Nothing is dropped quietly: each distinct event ends in the log as applied,
//! concurring, pending (in an open conflict), overruled (by a decision) or rejected (with an error);
//! an id reused for other content is kept, every version of it, in `id_conflicts`.

use super::entry::{Conflict, Effect, Entry};
use super::error::{LedgerCode, LedgerError};
use super::event::{Act, Event};
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use std::collections::BTreeMap;

/// What became of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    /// A re-check agreeing with one already applied for the same round.
    Concurring,
    /// Part of a conflict no one has decided yet.
    Pending,
    /// Part of a conflict decided for another event.
    Overruled,
    /// Not applied: see its error.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Logged {
    pub event: String,
    pub entry: String,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<LedgerError>,
}

/// One id sent with different contents. The version applied is the one whose JSON sorts first
/// (any fixed rule would do; this one does not depend on arrival order); all versions are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdConflict {
    pub id: String,
    pub error: LedgerError,
    pub versions: Vec<Event>,
}

/// The whole ledger computed from its events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LedgerState {
    /// Entries by id.
    pub entries: Vec<Entry>,
    /// One line per distinct event id, in the order the fold took them.
    pub log: Vec<Logged>,
    pub id_conflicts: Vec<IdConflict>,
}

impl LedgerState {
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.id.as_str().cmp(id))
            .ok()
            .and_then(|i| self.entries.get(i))
    }

    /// The errors of rejected events.
    pub fn errors(&self) -> impl Iterator<Item = &LedgerError> {
        self.log.iter().filter_map(|l| l.error.as_ref())
    }

    /// The entries with a conflict waiting for a decision.
    pub fn conflicts(&self) -> impl Iterator<Item = (&Entry, &Conflict)> {
        self.entries
            .iter()
            .filter_map(|e| e.conflict.as_ref().map(|c| (e, c)))
    }

    pub fn outcome(&self, event: &str) -> Option<Outcome> {
        self.log
            .iter()
            .find(|l| l.event == event)
            .map(|l| l.outcome)
    }
}

/// One set from many copies: per id, the single content, or the chosen version of a reused id.
fn distinct(events: &[Event]) -> (Vec<&Event>, Vec<IdConflict>) {
    let mut by_id: BTreeMap<&str, Vec<(String, &Event)>> = BTreeMap::new();
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
        let Some((_, first)) = versions.first() else {
            continue;
        };
        out.push(*first);
        if versions.len() > 1 {
            conflicts.push(IdConflict {
                id: id.to_string(),
                error: LedgerError::new(
                    LedgerCode::IdConflict,
                    id,
                    &first.entry,
                    &format!("{} 个版本，采用第一个", versions.len()),
                    &format!("{} versions, the first applied", versions.len()),
                ),
                versions: versions.into_iter().map(|(_, e)| e.clone()).collect(),
            });
        }
    }
    (out, conflicts)
}

/// Re-checks of one entry and round that disagree, and the decision on them if there is one.
struct Dispute {
    members: Vec<String>,
    /// Each member's verdict (passed, new deadline when failed), beside `members`.
    verdicts: Vec<(bool, Option<String>)>,
    chosen: Option<String>,
}

impl Dispute {
    fn verdict(&self, id: &str) -> Option<&(bool, Option<String>)> {
        let i = self.members.iter().position(|m| m == id)?;
        self.verdicts.get(i)
    }
}

/// One re-check's verdict: event id, passed, new deadline when failed.
type Verdict<'a> = (&'a str, bool, Option<&'a str>);

/// Find the disagreeing re-checks (any two of one round with different verdicts, or failing with
/// different deadlines) and apply the latest `resolved` event naming one of each.
fn disputes(
    ordered: &[(&Event, DateTime<FixedOffset>)],
    log: &mut BTreeMap<String, Logged>,
) -> BTreeMap<(String, u32), Dispute> {
    let mut groups: BTreeMap<(String, u32), Vec<Verdict<'_>>> = BTreeMap::new();
    for (e, _) in ordered {
        if let Act::Rechecked {
            round,
            passed,
            deadline,
            ..
        } = &e.act
        {
            let d = if *passed { None } else { deadline.as_deref() };
            groups
                .entry((e.entry.clone(), *round))
                .or_default()
                .push((&e.id, *passed, d));
        }
    }
    let mut out: BTreeMap<(String, u32), Dispute> = groups
        .into_iter()
        .filter(|(_, g)| {
            g.windows(2)
                .any(|w| w.first().map(|a| (a.1, a.2)) != w.get(1).map(|b| (b.1, b.2)))
        })
        .map(|(k, g)| {
            let members = g.iter().map(|(id, _, _)| id.to_string()).collect();
            let verdicts = g
                .iter()
                .map(|(_, p, d)| (*p, d.map(str::to_string)))
                .collect();
            (
                k,
                Dispute {
                    members,
                    verdicts,
                    chosen: None,
                },
            )
        })
        .collect();
    for (e, _) in ordered {
        let Act::Resolved { chosen, .. } = &e.act else {
            continue;
        };
        let found = out
            .iter_mut()
            .find(|((entry, _), d)| *entry == e.entry && d.members.contains(chosen));
        match found {
            // Later decisions override earlier ones: the ledger's order is the order of decisions.
            Some((_, d)) => d.chosen = Some(chosen.clone()),
            None => reject(
                log,
                e,
                LedgerError::new(
                    LedgerCode::NothingToResolve,
                    &e.id,
                    &e.entry,
                    chosen,
                    chosen,
                ),
            ),
        }
    }
    out
}

fn reject(log: &mut BTreeMap<String, Logged>, e: &Event, error: LedgerError) {
    log.insert(
        e.id.clone(),
        Logged {
            event: e.id.clone(),
            entry: e.entry.clone(),
            outcome: Outcome::Rejected,
            error: Some(error),
        },
    );
}

/// The state of the ledger: a pure function of the set of events (order and copies do not matter).
pub fn fold(events: &[Event]) -> LedgerState {
    let (set, id_conflicts) = distinct(events);
    let mut log: BTreeMap<String, Logged> = BTreeMap::new();
    let mut order: Vec<String> = Vec::with_capacity(set.len());
    let mut ordered = Vec::with_capacity(set.len());
    for e in set {
        match e.validate() {
            Ok(at) => ordered.push((e, at)),
            Err(err) => {
                order.push(e.id.clone());
                reject(&mut log, e, err);
            }
        }
    }
    // Entries are created before anything is done to them: an act can only be made on an entry its
    // device knew, so a creation stamped later than an act means a device clock was wrong, not that
    // the act came first.
    ordered.sort_by(|(a, at_a), (b, at_b)| {
        let created = |e: &Event| !matches!(e.act, Act::Created(_));
        (created(a), at_a, &a.id).cmp(&(created(b), at_b, &b.id))
    });
    // Then what a device acted on before the act, whatever the clocks (`follows`).
    let ordered = super::causal::order(ordered);
    let disputes = disputes(&ordered, &mut log);
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    for (e, at) in &ordered {
        order.push(e.id.clone());
        if log.contains_key(&e.id) {
            continue;
        }
        let mut done = |outcome| {
            log.insert(
                e.id.clone(),
                Logged {
                    event: e.id.clone(),
                    entry: e.entry.clone(),
                    outcome,
                    error: None,
                },
            );
        };
        if let Act::Created(c) = &e.act {
            if entries.contains_key(&e.entry) {
                let err = LedgerError::new(LedgerCode::EntryExists, &e.id, &e.entry, "", "");
                reject(&mut log, e, err);
            } else {
                entries.insert(e.entry.clone(), Entry::new(e, c));
                done(Outcome::Applied);
            }
            continue;
        }
        let Some(entry) = entries.get_mut(&e.entry) else {
            let err = LedgerError::new(LedgerCode::UnknownEntry, &e.id, &e.entry, "", "");
            reject(&mut log, e, err);
            continue;
        };
        if let Act::Rechecked { round, .. } = &e.act {
            if let Some(d) = disputes.get(&(e.entry.clone(), *round)) {
                match &d.chosen {
                    // Of the others, those that said the same as the chosen one concur with it.
                    Some(c) if *c != e.id => {
                        let agrees = d.verdict(c) == d.verdict(&e.id);
                        done(if agrees {
                            Outcome::Concurring
                        } else {
                            Outcome::Overruled
                        });
                        continue;
                    }
                    Some(_) => {}
                    None => {
                        // The first member that fits the entry opens the conflict; the others join
                        // it even if the entry was closed in between (closing decides nothing).
                        let open = entry.conflict.as_ref().is_some_and(|c| c.round == *round);
                        let fits = if open {
                            Ok(())
                        } else {
                            entry.can_recheck(e, *round)
                        };
                        match fits {
                            Ok(()) => {
                                entry.conflict = Some(Conflict {
                                    round: *round,
                                    candidates: d.members.clone(),
                                });
                                done(Outcome::Pending);
                            }
                            Err(err) => reject(&mut log, e, err),
                        }
                        continue;
                    }
                }
            }
        }
        match entry.apply(e, *at) {
            Ok(Effect::Applied) => done(Outcome::Applied),
            Ok(Effect::Concurring) => done(Outcome::Concurring),
            Err(err) => reject(&mut log, e, err),
        }
    }
    LedgerState {
        entries: entries.into_values().collect(),
        log: order.iter().filter_map(|id| log.remove(id)).collect(),
        id_conflicts,
    }
}
