//! Ledger events: every change to the rectification ledger is one immutable event, made on a device
//! (often offline) with a client-made UUID. The ledger state is computed from the set of events
//! (`fold`), so events are never edited or deleted; a correction is a new event.
//!
//! JSON shape (`docs/ledger.md`): the envelope `id, entry, author, device, at` and a `kind` tag in
//! snake_case with the fields of that kind beside it, flat, as a form would post it.

use super::date::{parse_at, parse_date};
use super::error::{LedgerCode, LedgerError};
use crate::ids::is_sha256;
use crate::ids::{check_region, check_uscc, is_uuid};
use crate::policy::{ActionKind, Severity, Violation};
use crate::text::Text;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// A reference to an uploaded file (photo, document), by the SHA-256 of its bytes: the same
/// reference the submissions use, so attachments travel through the same resumable upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// The enterprise an entry concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enterprise {
    /// Unified Social Credit Code (GB 32100-2015).
    pub uscc: String,
    /// Administrative division code (GB/T 2260) of the bureau in charge.
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The hidden danger an entry tracks: copied from the report's finding when the entry is made, so
/// the ledger keeps what was found even after the template or the policy changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Danger {
    pub text: Text,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation: Option<Violation>,
    /// Legal basis: standard and clause, or regulation article.
    pub basis: String,
    /// Meets a sector major-danger criterion: to be reported to the local government.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub escalate: bool,
}

/// `created`: a new ledger entry, from a submission's finding or made by hand by an inspector
/// (then `submission` and `item` may be absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Created {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission: Option<String>,
    /// The checklist item whose rule failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The repeat-group instance of the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<usize>,
    pub enterprise: Enterprise,
    pub product: String,
    pub danger: Danger,
    /// The measures the policy required when the danger was found (stop, list, publicity...),
    /// beside the rectify/re-check loop the ledger itself tracks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionKind>,
    /// Two-way tracing (`two_way_tracing` among `actions`) is due by this day, `YYYY-MM-DD`
    /// (the policy's `trace_days` from the day it was found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_by: Option<String>,
    /// The person responsible at the enterprise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Attachment>,
    /// Found by the enterprise in its own self-inspection (自查): its own duty to remove and close
    /// with evidence (自查自改), not an order of the bureau; violation measures wait until an
    /// inspector confirms the finding (`confirmed`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub self_found: bool,
    /// The supervision spot check (监督抽查) whose unqualified result opened the entry: its
    /// re-check loop is the spot-check record's (`spot_followed`, `spot_entry.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spot_check: Option<String>,
}

/// `action_taken`: a measure done, with its particulars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Taken {
    pub action: ActionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The decision or notice's document number (文书编号) and its date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_date: Option<String>,
    /// Report to government: to whom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Listing and publicity: the decision number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_number: Option<String>,
    /// Judicial transfer: the receiving body, the goods value and sales amount (RMB, decimal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_amount: Option<String>,
    /// Certificate revocation: which certificate (kind and number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// The case (立案) the measure belongs to, by its case number (`case_filed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
    /// Two-way tracing: the upstream supplier or producer (name, and its USCC when known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier_uscc: Option<String>,
    /// Two-way tracing: the downstream buyers (names, places), as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyers: Option<String>,
    /// Two-way tracing: the quantity concerned (with its unit, as text: "120 辆").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    /// Two-way tracing: the batches (batch numbers or production dates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batches: Option<String>,
    /// Two-way tracing: a county-level division whose bureau is asked to assist (协查), other
    /// than the entry's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assist_region: Option<String>,
    /// An assist: what the bureau asked found (协查结果).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
}

impl Taken {
    /// A measure done with no particulars yet (fill in the fields its measure needs).
    pub fn new(action: ActionKind) -> Taken {
        Taken {
            action,
            note: None,
            document_number: None,
            document_date: None,
            to: None,
            decision_number: None,
            receiver: None,
            goods_value: None,
            sales_amount: None,
            certificate: None,
            case_number: None,
            supplier: None,
            supplier_uscc: None,
            buyers: None,
            quantity: None,
            batches: None,
            assist_region: None,
            result: None,
        }
    }
}

/// Why an entry was escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationReason {
    Refused,
    Overdue,
    /// A major danger with no control measures (the notice: reported to the Party committee and
    /// government for joint supervision).
    Uncontrolled,
    Other,
}

/// Why an entry was closed other than by a passed re-check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// Made by mistake or a duplicate of another entry.
    Withdrawn,
    /// The enterprise ceased business or the product left the market.
    Ceased,
    /// Handed to another authority (judicial organs, another region).
    Transferred,
}

/// What happened, with the fields of that kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Act {
    /// Boxed: it is far larger than the other acts.
    Created(Box<Created>),
    /// Rectification ordered by a deadline (also: a deadline changed in the same round).
    RectificationOrdered {
        /// Rectify by this day (inclusive), `YYYY-MM-DD` in the offset of `at`.
        deadline: String,
        /// Re-check by this day, when the policy sets one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recheck_by: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The enterprise reports the danger removed.
    Rectified {
        measures: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        evidence: Vec<Attachment>,
    },
    /// An inspector's verdict on the rectification of `round`.
    Rechecked {
        round: u32,
        passed: bool,
        /// On failure: the new deadline (the entry is ordered again).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recheck_by: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        evidence: Vec<Attachment>,
    },
    /// The enterprise refuses to rectify.
    Refused {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    Escalated {
        reason: EscalationReason,
        /// To whom (government, higher authority, enforcement).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// One of the entry's measures done (listed, publicised, certificate revoked, transferred...),
    /// with what the act needs (`measure.rs` says which fields each measure requires).
    ActionTaken(Box<Taken>),
    /// Decided not to take one of the entry's measures, with the reason.
    ActionDeclined { action: ActionKind, reason: String },
    /// A case filed (立案) about the entry, or its record completed (penalty decision, fine): the
    /// same `case_number` again updates it.
    CaseFiled {
        case_number: String,
        /// The day the case was filed.
        filed_on: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        penalty_decision: Option<String>,
        /// The fine (RMB, decimal).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fine: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// An inspector confirms a danger the enterprise found itself: from now on it is the bureau's
    /// (orders, violation measures).
    Confirmed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Closed other than by a passed re-check.
    Closed {
        reason: CloseReason,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A closed-out entry re-opened because a look-back (回头看) found the danger back or the
    /// close-out unfounded: a new rectification round with a new deadline. `lookback` is the
    /// look-back result's id (the campaign's record), `reason` what it found.
    Reopened {
        lookback: String,
        reason: String,
        deadline: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recheck_by: Option<String>,
    },
    /// A spot check's follow-up as its record stands (result, order, re-checks, announcement):
    /// made by the server from each version of the record, never by a device. The latest one
    /// decides a spot-check entry's round, deadlines and close-out (`spot_entry.rs`).
    SpotFollowed(Box<super::spot_entry::SpotFollow>),
    /// An inspector's decision on a conflict: the event `chosen` stands, the others of its conflict
    /// are overruled (and kept).
    Resolved {
        chosen: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

impl Act {
    /// The `kind` tag, for messages and exports.
    pub fn kind(&self) -> &'static str {
        match self {
            Act::Created(_) => "created",
            Act::RectificationOrdered { .. } => "rectification_ordered",
            Act::Rectified { .. } => "rectified",
            Act::Rechecked { .. } => "rechecked",
            Act::Refused { .. } => "refused",
            Act::Escalated { .. } => "escalated",
            Act::ActionTaken(_) => "action_taken",
            Act::ActionDeclined { .. } => "action_declined",
            Act::CaseFiled { .. } => "case_filed",
            Act::Confirmed { .. } => "confirmed",
            Act::Closed { .. } => "closed",
            Act::Reopened { .. } => "reopened",
            Act::Resolved { .. } => "resolved",
            Act::SpotFollowed(_) => "spot_followed",
        }
    }
}

/// One immutable change to the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Client-made UUID: the same event sent twice is recognised by it.
    pub id: String,
    /// The ledger entry (client-made UUID, set by its `created` event).
    pub entry: String,
    /// The account that acted.
    pub author: String,
    pub device: String,
    /// When, RFC 3339 with the offset of the device.
    pub at: String,
    /// The event of the same entry this act was made on: the last one the device had folded
    /// when it acted. The fold puts an act after the event it follows whatever the clocks say, so
    /// a device clock set wrong (an enterprise's `rectified` dated in 2099) cannot move an act
    /// past the inspector's re-check made on it. Optional: without it, the clock orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<String>,
    #[serde(flatten)]
    pub act: Act,
}

impl Event {
    /// Read one event from JSON; a malformed one is an `invalid_event` error naming what ids it has.
    pub fn from_value(v: &serde_json::Value) -> Result<Event, LedgerError> {
        serde_json::from_value::<Event>(v.clone()).map_err(|e| {
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default();
            LedgerError::new(
                LedgerCode::InvalidEvent,
                s("id"),
                s("entry"),
                &e.to_string(),
                &e.to_string(),
            )
        })
    }

    /// Read one event from JSON text, as `from_value` does; a device's WASM module reads events
    /// this way only, which keeps serde_json's `Value` deserializer out of it.
    pub fn from_json(text: &str) -> Result<Event, LedgerError> {
        serde_json::from_str::<Event>(text).map_err(|e| {
            // Name the ids the text has, if any, so the error can be traced to its event.
            #[derive(Deserialize, Default)]
            struct Ids {
                #[serde(default)]
                id: String,
                #[serde(default)]
                entry: String,
            }
            let ids: Ids = serde_json::from_str(text).unwrap_or_default();
            LedgerError::new(
                LedgerCode::InvalidEvent,
                &ids.id,
                &ids.entry,
                &e.to_string(),
                &e.to_string(),
            )
        })
    }

    /// Check the event on its own (ids, times, dates, attachments, enterprise). Returns its time.
    pub fn validate(&self) -> Result<DateTime<FixedOffset>, LedgerError> {
        let err = |code, zh: &str, en: &str| LedgerError::new(code, &self.id, &self.entry, zh, en);
        if !is_uuid(&self.id) {
            return Err(err(LedgerCode::InvalidId, "id", "id"));
        }
        if !is_uuid(&self.entry) {
            return Err(err(LedgerCode::InvalidId, "entry", "entry"));
        }
        if self
            .follows
            .as_deref()
            .is_some_and(|f| !is_uuid(f) || f == self.id)
        {
            return Err(err(LedgerCode::InvalidId, "follows", "follows"));
        }
        for (v, name) in [(&self.author, "author"), (&self.device, "device")] {
            if v.trim().is_empty() {
                return Err(err(LedgerCode::Blank, name, name));
            }
        }
        let at = parse_at(&self.at).ok_or_else(|| err(LedgerCode::InvalidDatetime, "at", "at"))?;
        let day = at.date_naive();
        // A deadline is a day in the offset of `at`; one before that day cannot be met.
        let deadline = |d: &Option<String>, name: &str| -> Result<(), LedgerError> {
            let Some(d) = d else { return Ok(()) };
            match parse_date(d) {
                None => Err(err(LedgerCode::InvalidDate, name, name)),
                Some(x) if x < day => Err(err(LedgerCode::InvalidDeadline, name, name)),
                Some(_) => Ok(()),
            }
        };
        let files = |a: &[Attachment]| -> Result<(), LedgerError> {
            match a.iter().find(|a| !is_sha256(&a.sha256)) {
                Some(a) => Err(err(LedgerCode::InvalidAttachment, &a.sha256, &a.sha256)),
                None => Ok(()),
            }
        };
        match &self.act {
            Act::Created(c) => {
                if check_uscc(&c.enterprise.uscc).is_err() {
                    return Err(err(LedgerCode::InvalidEnterprise, "uscc", "uscc"));
                }
                if check_region(&c.enterprise.region).is_err() {
                    return Err(err(LedgerCode::InvalidEnterprise, "region", "region"));
                }
                for (v, name) in [(&c.product, "product"), (&c.danger.basis, "basis")] {
                    if v.trim().is_empty() {
                        return Err(err(LedgerCode::Blank, name, name));
                    }
                }
                if c.danger.text.zh.trim().is_empty() && c.danger.text.en.trim().is_empty() {
                    return Err(err(LedgerCode::Blank, "text", "text"));
                }
                files(&c.photos)?;
                deadline(&c.trace_by, "trace_by")?;
                if c.spot_check.as_deref().is_some_and(|s| !is_uuid(s)) {
                    return Err(err(LedgerCode::InvalidId, "spot_check", "spot_check"));
                }
            }
            Act::SpotFollowed(f) => {
                if let Some(bad) = f.bad_date() {
                    return Err(err(LedgerCode::InvalidDate, bad, bad));
                }
            }
            Act::RectificationOrdered {
                deadline: d,
                recheck_by,
                ..
            } => {
                deadline(&Some(d.clone()), "deadline")?;
                deadline(recheck_by, "recheck_by")?;
            }
            Act::Rectified { measures, evidence } => {
                if measures.trim().is_empty() {
                    return Err(err(LedgerCode::Blank, "measures", "measures"));
                }
                files(evidence)?;
            }
            Act::Rechecked {
                passed,
                deadline: d,
                recheck_by,
                evidence,
                ..
            } => {
                if !passed && d.is_none() {
                    return Err(err(LedgerCode::DeadlineRequired, "", ""));
                }
                deadline(d, "deadline")?;
                deadline(recheck_by, "recheck_by")?;
                files(evidence)?;
            }
            Act::Reopened {
                lookback,
                reason,
                deadline: d,
                recheck_by,
            } => {
                if !is_uuid(lookback) {
                    return Err(err(LedgerCode::InvalidId, "lookback", "lookback"));
                }
                if reason.trim().is_empty() {
                    return Err(err(LedgerCode::Blank, "reason", "reason"));
                }
                deadline(&Some(d.clone()), "deadline")?;
                deadline(recheck_by, "recheck_by")?;
            }
            Act::Resolved { chosen, .. } => {
                if !is_uuid(chosen) {
                    return Err(err(LedgerCode::InvalidId, "chosen", "chosen"));
                }
            }
            Act::ActionTaken(t) => {
                super::measure::check_taken(t).map_err(|(code, zh, en)| err(code, &zh, &en))?
            }
            Act::ActionDeclined { reason, .. } => {
                if reason.trim().is_empty() {
                    return Err(err(LedgerCode::Blank, "reason", "reason"));
                }
            }
            Act::CaseFiled {
                case_number,
                filed_on,
                fine,
                ..
            } => {
                if case_number.trim().is_empty() {
                    return Err(err(LedgerCode::Blank, "case_number", "case_number"));
                }
                if parse_date(filed_on).is_none() {
                    return Err(err(LedgerCode::InvalidDate, "filed_on", "filed_on"));
                }
                if fine
                    .as_deref()
                    .is_some_and(|f| super::measure::yuan(f).is_none())
                {
                    return Err(err(LedgerCode::InvalidAmount, "fine", "fine"));
                }
            }
            Act::Refused { .. }
            | Act::Escalated { .. }
            | Act::Confirmed { .. }
            | Act::Closed { .. } => {}
        }
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: serde_json::Value) -> serde_json::Value {
        let mut v = serde_json::json!({
            "id": "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10",
            "entry": "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a11",
            "author": "wang",
            "device": "tablet",
            "at": "2024-01-31T23:30:00+08:00"
        });
        if let (Some(o), Some(k)) = (v.as_object_mut(), kind.as_object()) {
            o.extend(k.clone());
        }
        v
    }

    fn code(v: serde_json::Value) -> Option<LedgerCode> {
        match Event::from_value(&v) {
            Err(e) => Some(e.code),
            Ok(e) => e.validate().err().map(|e| e.code),
        }
    }

    #[test]
    fn round_trips_flat_json() {
        let v = ev(serde_json::json!({"kind": "rectification_ordered", "deadline": "2024-02-29"}));
        let e = Event::from_value(&v);
        assert!(matches!(
            e.as_ref().map(|e| &e.act),
            Ok(Act::RectificationOrdered { .. })
        ));
        let back = e.ok().and_then(|e| serde_json::to_value(e).ok());
        assert_eq!(back, Some(v));
    }

    #[test]
    fn created_events_read_strictly() {
        use serde_json::json;
        let created = json!({
            "kind": "created",
            "submission": "00000000-0000-4000-8000-000000000002",
            "item": "ebike.max_speed_kmh",
            "enterprise": {"uscc": "91520102MA6DK4L2XN", "region": "520102"},
            "product": "electric-bicycle",
            "danger": {"text": {"zh": "超速", "en": "Too fast"}, "severity": "major",
                       "violation": "substandard", "basis": "GB 17761-2018 4.1"},
            "actions": ["stop_production_sale", "credit_publicity"]
        });
        let v = ev(created.clone());
        let e = Event::from_value(&v);
        assert!(matches!(e.as_ref().map(|e| &e.act), Ok(Act::Created(_))));
        assert_eq!(
            e.as_ref().ok().map(Event::validate).map(|r| r.is_ok()),
            Some(true)
        );
        assert_eq!(e.ok().and_then(|e| serde_json::to_value(e).ok()), Some(v));
        // A misspelt field inside the kind's fields is an error, not silently dropped.
        let mut bad = created;
        if let Some(o) = bad.as_object_mut() {
            o.insert("responsable".into(), json!("x"));
        }
        assert_eq!(code(ev(bad)), Some(LedgerCode::InvalidEvent));
        assert_eq!(
            code(ev(json!({"kind": "refused", "nota": "x"}))),
            Some(LedgerCode::InvalidEvent)
        );
        assert_eq!(code(ev(json!({"kind": "refused", "note": "x"}))), None);
    }

    #[test]
    fn bad_events_are_errors() {
        use serde_json::json;
        assert_eq!(
            code(ev(json!({"kind": "teleported"}))),
            Some(LedgerCode::InvalidEvent)
        );
        assert_eq!(
            code(ev(
                json!({"kind": "rectification_ordered", "deadline": "2023-02-29"})
            )),
            Some(LedgerCode::InvalidDate)
        );
        // 23:30 at +08:00 is already 31 January there: the 30th is in the past.
        assert_eq!(
            code(ev(
                json!({"kind": "rectification_ordered", "deadline": "2024-01-30"})
            )),
            Some(LedgerCode::InvalidDeadline)
        );
        assert_eq!(
            code(ev(
                json!({"kind": "rechecked", "round": 1, "passed": false})
            )),
            Some(LedgerCode::DeadlineRequired)
        );
        assert_eq!(
            code(ev(json!({"kind": "rectified", "measures": " "}))),
            Some(LedgerCode::Blank)
        );
        assert_eq!(
            code(ev(
                json!({"kind": "rectified", "measures": "m", "evidence": [{"sha256": "AB"}]})
            )),
            Some(LedgerCode::InvalidAttachment)
        );
        let v = ev(json!({"kind": "refused", "at": "2024-01-31T23:30:00"}));
        assert_eq!(code(v), Some(LedgerCode::InvalidDatetime));
        let v = ev(json!({"kind": "refused", "entry": "x"}));
        assert_eq!(code(v), Some(LedgerCode::InvalidId));
        assert_eq!(code(ev(json!({"kind": "refused"}))), None);
    }
}
