//! Supervision of localities: urge, remind, interview, notify (督促、提醒、约谈、通报) acts addressed
//! to a lagging locality, and the look-back (回头看) at closed-out dangers and disposed spot checks.
//!
//! Acts and look-back results are immutable records with client-made UUIDs, like ledger events: a
//! supervisor's tablet makes them offline, the server stores each once by id and content hash.
//! The look-back sample is reproducible: the same seed over the same candidates draws the same
//! records, whatever order they arrive in, so a sample can be re-drawn and audited.

use super::facts::{EntryFact, EntryState, SpotFact};
use super::progress::{Figures, Flag};
use crate::ids::{check_region, is_uuid};
use crate::ledger::date::{parse_at, parse_date};
use crate::ledger::view::in_region;
use crate::ledger::{default_deadlines, Act, Event};
use crate::policy::{Policy, Severity};
use crate::text::Text;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionKind {
    /// 督促
    Urge,
    /// 提醒
    Remind,
    /// 约谈
    Interview,
    /// 通报
    Notify,
}

/// One supervision act addressed to a locality, with the reason and the figures at that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisionAct {
    pub id: String,
    pub campaign: String,
    /// The locality addressed (division code).
    pub locality: String,
    pub kind: SupervisionKind,
    pub reason: String,
    pub author: String,
    pub device: String,
    pub at: String,
    /// The locality's figures and flags when the act was made (what the supervisor saw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<Figures>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What was wrong with a record, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordError {
    pub field: &'static str,
    pub message: Text,
}

fn err(field: &'static str, zh: &str, en: &str) -> RecordError {
    RecordError {
        field,
        message: Text::new(zh, en),
    }
}

fn envelope(id: &str, locality: &str, author: &str, at: &str) -> Result<(), RecordError> {
    if !is_uuid(id) {
        return Err(err("id", "编号须为 UUID", "The id must be a UUID"));
    }
    if check_region(locality).is_err() {
        return Err(err("locality", "行政区划代码无效", "Invalid division code"));
    }
    if author.trim().is_empty() {
        return Err(err("author", "不能为空", "Must not be blank"));
    }
    if parse_at(at).is_none() {
        return Err(err(
            "at",
            "时间须为带时区的 RFC 3339 格式",
            "The time must be RFC 3339 with an offset",
        ));
    }
    Ok(())
}

impl SupervisionAct {
    pub fn validate(&self) -> Result<(), RecordError> {
        envelope(&self.id, &self.locality, &self.author, &self.at)?;
        if self.reason.trim().is_empty() {
            return Err(err("reason", "须写明事由", "The reason must be given"));
        }
        Ok(())
    }
}

/// What a look-back re-verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// A ledger entry closed out (销号).
    Entry,
    /// An unqualified spot check disposed of.
    SpotCheck,
}

/// A record the look-back may draw.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Candidate {
    pub kind: TargetKind,
    pub id: String,
    pub uscc: String,
    pub region: String,
}

/// Closed-out entries and disposed spot checks of `region` (a code and everything under it).
pub fn candidates(entries: &[EntryFact], spots: &[SpotFact], region: &str) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = entries
        .iter()
        .filter(|e| e.state == EntryState::ClosedOut && in_region(&e.region, region))
        .map(|e| Candidate {
            kind: TargetKind::Entry,
            id: e.entry.clone(),
            uscc: e.uscc.clone(),
            region: e.region.clone(),
        })
        .chain(
            spots
                .iter()
                .filter(|s| s.disposed && in_region(&s.region, region))
                .map(|s| Candidate {
                    kind: TargetKind::SpotCheck,
                    id: s.id.clone(),
                    uscc: s.uscc.clone(),
                    region: s.region.clone(),
                }),
        )
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A 64-bit hash of the seed and an id (FNV-1a, then the SplitMix64 finaliser to spread it): the
/// same on every platform, so native and WASM draw the same sample. Not for security; the seed is
/// recorded with the sample so anyone can re-draw it.
fn draw_key(seed: &str, id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes().chain(std::iter::once(0)).chain(id.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Draw `size` candidates for the seed: those with the smallest keys. Independent of the order of
/// `candidates` and of copies in it.
pub fn sample(candidates: &[Candidate], seed: &str, size: usize) -> Vec<Candidate> {
    let mut keyed: Vec<(u64, &Candidate)> = candidates
        .iter()
        .map(|c| (draw_key(seed, &c.id), c))
        .collect();
    keyed.sort();
    keyed.dedup_by(|a, b| a.1 == b.1);
    keyed
        .into_iter()
        .take(size)
        .map(|(_, c)| c.clone())
        .collect()
}

/// The result of re-verifying one drawn record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookbackResult {
    pub id: String,
    pub campaign: String,
    pub locality: String,
    /// The seed the sample was drawn with.
    pub seed: String,
    pub kind: TargetKind,
    pub target: String,
    pub passed: bool,
    pub author: String,
    pub device: String,
    pub at: String,
    /// On failure, what was found (required then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A failed look-back of an entry re-opens it: rectify by this day (default: the policy's
    /// days for the danger's severity from the look-back's day), re-check by `recheck_by`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recheck_by: Option<String>,
}

impl LookbackResult {
    pub fn validate(&self) -> Result<(), RecordError> {
        envelope(&self.id, &self.locality, &self.author, &self.at)?;
        if !is_uuid(&self.target) {
            return Err(err("target", "须为 UUID", "Must be a UUID"));
        }
        if !self.passed && self.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(err(
                "note",
                "回头看不通过须写明问题",
                "A failed look-back must say what was found",
            ));
        }
        let day = parse_at(&self.at).map(|t| t.date_naive());
        for (d, field) in [
            (&self.deadline, "deadline"),
            (&self.recheck_by, "recheck_by"),
        ] {
            let Some(d) = d else { continue };
            match (parse_date(d), day) {
                (Some(d), Some(day)) if d >= day => {}
                _ => {
                    return Err(err(
                        field,
                        "须为回头看当天或之后的日期（YYYY-MM-DD）",
                        "Must be a day (YYYY-MM-DD) on or after the look-back",
                    ))
                }
            }
        }
        Ok(())
    }

    /// The ledger event a failed look-back of a closed-out entry makes (`reopened`, by the
    /// look-back's author at its time, its note as the reason), with its deadlines or the policy's
    /// for the danger's `severity` counted from the look-back's day. `None` for a passed look-back,
    /// one of a spot check (no ledger entry to re-open) or one whose time does not read.
    /// `event_id` is the caller's: the server derives it from the look-back's id, so a retry makes
    /// the very same event.
    pub fn reopening(&self, event_id: &str, policy: &Policy, severity: Severity) -> Option<Event> {
        if self.passed || self.kind != TargetKind::Entry {
            return None;
        }
        let at = parse_at(&self.at)?;
        let (deadline, recheck_by) = default_deadlines(policy, severity, at);
        Some(Event {
            id: event_id.to_string(),
            entry: self.target.clone(),
            author: self.author.clone(),
            device: self.device.clone(),
            at: self.at.clone(),
            follows: None,
            act: Act::Reopened {
                lookback: self.id.clone(),
                reason: self.note.clone().unwrap_or_default(),
                deadline: self.deadline.clone().unwrap_or(deadline),
                // The policy's re-check day goes with its own deadline only: one chosen by hand
                // may lie past it.
                recheck_by: match (&self.recheck_by, &self.deadline) {
                    (Some(r), _) => Some(r.clone()),
                    (None, None) => Some(recheck_by),
                    (None, Some(_)) => None,
                },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(i: u32) -> Candidate {
        Candidate {
            kind: TargetKind::Entry,
            id: format!("00000000-0000-4000-8000-{i:012}"),
            uscc: String::new(),
            region: "520102".into(),
        }
    }

    #[test]
    fn sample_is_reproducible_and_order_free() {
        let all: Vec<Candidate> = (0..50).map(cand).collect();
        let a = sample(&all, "2023-08-20/520102", 5);
        let mut rev = all.clone();
        rev.reverse();
        rev.extend(all.iter().take(10).cloned());
        assert_eq!(a, sample(&rev, "2023-08-20/520102", 5));
        assert_eq!(a.len(), 5);
        // Another seed draws another sample (with 50 candidates, the same five would be a fluke).
        assert_ne!(a, sample(&all, "2023-08-21/520102", 5));
        assert_eq!(sample(&all, "s", 80).len(), 50);
        // Fixed across platforms: the key of a known input.
        assert_eq!(draw_key("", ""), draw_key("", ""));
        assert_ne!(draw_key("a", "b"), draw_key("ab", ""));
    }
}
