//! Express-report events: the initial report (初报), follow-up reports (续报), the end of the
//! handling (处置结束) and the summary (总结报告), each an immutable event with a client-made UUID,
//! made at the scene, often offline. Flat JSON with a snake_case `kind`, as the ledger's.

use super::error::{ExpressCode, ExpressError};
use super::policy::Grade;
use crate::ids::{check_region, check_uscc, is_sha256, is_uuid};
use crate::ledger::date::parse_at;
use crate::ledger::Attachment;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// The enterprise concerned: picked from the register (USCC and name) or typed (a name at least).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enterprise {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Picked from the enterprise register rather than typed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_register: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reporter {
    pub name: String,
    /// Telephone or other contact.
    pub contact: String,
}

/// `reported`: the initial report, with what regulation.md 4.4 lists as its contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Initial {
    /// When the event happened.
    pub occurred_at: String,
    /// When the bureau learned of it: every clock runs from here.
    pub learned_at: String,
    pub place: String,
    /// Division code of the reporting bureau (a county, usually): who sees the report.
    pub region: String,
    pub product: String,
    pub enterprise: Enterprise,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// Where the product went (sold, installed, in use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
    pub deaths: u32,
    pub serious_injuries: u32,
    pub direct_loss_yuan: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measures: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_results: Option<String>,
    pub reporter: Reporter,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Attachment>,
    /// A grade the reporter judges graver than the figures say (never lower: ignored then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
}

/// `followed_up`: a stage report as the event develops; figures given replace the earlier ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deaths: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serious_injuries: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_loss_yuan: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measures: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_results: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExpressAct {
    Reported(Box<Initial>),
    FollowedUp(Box<FollowUp>),
    /// The handling ended at `ended_at`: the summary's clock starts; no more follow-ups.
    Closed {
        ended_at: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The closing summary: cause, handling, responsibility, lessons; final figures if they changed.
    Summarised {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deaths: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        serious_injuries: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        direct_loss_yuan: Option<u64>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        photos: Vec<Attachment>,
    },
}

impl ExpressAct {
    pub fn kind(&self) -> &'static str {
        match self {
            ExpressAct::Reported(_) => "reported",
            ExpressAct::FollowedUp(_) => "followed_up",
            ExpressAct::Closed { .. } => "closed",
            ExpressAct::Summarised { .. } => "summarised",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpressEvent {
    pub id: String,
    /// The express report (client-made UUID, set by its `reported` event).
    pub report: String,
    pub author: String,
    pub device: String,
    /// When the event was made, RFC 3339 with the device's offset.
    pub at: String,
    #[serde(flatten)]
    pub act: ExpressAct,
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

impl ExpressEvent {
    pub fn from_json(text: &str) -> Result<ExpressEvent, ExpressError> {
        serde_json::from_str::<ExpressEvent>(text).map_err(|e| {
            #[derive(Deserialize, Default)]
            struct Ids {
                #[serde(default)]
                id: String,
                #[serde(default)]
                report: String,
            }
            let ids: Ids = serde_json::from_str(text).unwrap_or_default();
            ExpressError::new(
                ExpressCode::InvalidEvent,
                &ids.id,
                &ids.report,
                &e.to_string(),
            )
        })
    }

    pub fn from_value(v: &serde_json::Value) -> Result<ExpressEvent, ExpressError> {
        serde_json::from_value::<ExpressEvent>(v.clone()).map_err(|e| {
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default();
            ExpressError::new(
                ExpressCode::InvalidEvent,
                s("id"),
                s("report"),
                &e.to_string(),
            )
        })
    }

    /// Check the event on its own; returns its time.
    pub fn validate(&self) -> Result<DateTime<FixedOffset>, ExpressError> {
        let err = |code, what: &str| ExpressError::new(code, &self.id, &self.report, what);
        if !is_uuid(&self.id) {
            return Err(err(ExpressCode::InvalidId, "id"));
        }
        if !is_uuid(&self.report) {
            return Err(err(ExpressCode::InvalidId, "report"));
        }
        for (v, name) in [(&self.author, "author"), (&self.device, "device")] {
            if blank(v) {
                return Err(err(ExpressCode::Blank, name));
            }
        }
        let time = |s: &str, name: &str| {
            parse_at(s).ok_or_else(|| err(ExpressCode::InvalidDatetime, name))
        };
        let at = time(&self.at, "at")?;
        let files = |a: &[Attachment]| match a.iter().find(|a| !is_sha256(&a.sha256)) {
            Some(a) => Err(err(ExpressCode::InvalidAttachment, &a.sha256)),
            None => Ok(()),
        };
        match &self.act {
            ExpressAct::Reported(r) => {
                let occurred = time(&r.occurred_at, "occurred_at")?;
                let learned = time(&r.learned_at, "learned_at")?;
                if learned < occurred {
                    return Err(err(ExpressCode::LearnedBeforeEvent, ""));
                }
                if check_region(&r.region).is_err() {
                    return Err(err(ExpressCode::InvalidRegion, &r.region));
                }
                for (v, name) in [
                    (&r.place, "place"),
                    (&r.product, "product"),
                    (&r.reporter.name, "reporter.name"),
                    (&r.reporter.contact, "reporter.contact"),
                ] {
                    if blank(v) {
                        return Err(err(ExpressCode::Blank, name));
                    }
                }
                let e = &r.enterprise;
                let named = e.name.as_deref().is_some_and(|n| !blank(n));
                let coded = match e.uscc.as_deref() {
                    Some(u) if check_uscc(u).is_err() => {
                        return Err(err(ExpressCode::InvalidEnterprise, u))
                    }
                    Some(_) => true,
                    None => false,
                };
                if !named && !coded {
                    return Err(err(ExpressCode::InvalidEnterprise, ""));
                }
                files(&r.photos)?;
            }
            ExpressAct::FollowedUp(f) => {
                if blank(&f.text) {
                    return Err(err(ExpressCode::Blank, "text"));
                }
                files(&f.photos)?;
            }
            ExpressAct::Closed { ended_at, .. } => {
                time(ended_at, "ended_at")?;
            }
            ExpressAct::Summarised { text, photos, .. } => {
                if blank(text) {
                    return Err(err(ExpressCode::Blank, "text"));
                }
                files(photos)?;
            }
        }
        Ok(at)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub fn initial(id: &str, report: &str, learned_at: &str) -> serde_json::Value {
        json!({
            "id": id, "report": report, "author": "jiancha", "device": "tablet",
            "at": learned_at, "kind": "reported",
            "occurred_at": learned_at, "learned_at": learned_at,
            "place": "云岩区某小区地下车库", "region": "520102", "product": "electric-bicycle",
            "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "贵阳示例车行", "from_register": true},
            "batch": "B2024-01", "quantity": "12 辆", "distribution": "本市三个门店",
            "deaths": 0, "serious_injuries": 1, "direct_loss_yuan": 200000,
            "cause": "电池热失控（初步）", "measures": "封存同批次产品",
            "reporter": {"name": "王检查", "contact": "0851-12345678"}
        })
    }

    fn code(v: serde_json::Value) -> Option<ExpressCode> {
        match ExpressEvent::from_value(&v) {
            Err(e) => Some(e.code),
            Ok(e) => e.validate().err().map(|e| e.code),
        }
    }

    const ID: &str = "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10";
    const REP: &str = "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a11";

    #[test]
    fn initial_reports_round_trip() {
        let v = initial(ID, REP, "2026-12-01T23:30:00+08:00");
        let e = ExpressEvent::from_value(&v);
        assert!(matches!(
            e.as_ref().map(|e| &e.act),
            Ok(ExpressAct::Reported(_))
        ));
        assert_eq!(e.as_ref().ok().map(|e| e.validate().is_ok()), Some(true));
        assert_eq!(e.ok().and_then(|e| serde_json::to_value(e).ok()), Some(v));
    }

    #[test]
    fn bad_events_are_errors() {
        let with = |k: &str, x: serde_json::Value| {
            let mut v = initial(ID, REP, "2026-12-01T23:30:00+08:00");
            if let Some(o) = v.as_object_mut() {
                o.insert(k.into(), x);
            }
            code(v)
        };
        assert_eq!(with("deaths", json!(-1)), Some(ExpressCode::InvalidEvent));
        assert_eq!(with("injured", json!(1)), Some(ExpressCode::InvalidEvent));
        assert_eq!(with("grade", json!("V")), Some(ExpressCode::InvalidEvent));
        assert_eq!(
            with("learned_at", json!("2026-12-01T23:30:00")),
            Some(ExpressCode::InvalidDatetime)
        );
        // 23:30 in Beijing is 15:30 UTC: learning of it at 15:29 UTC is before it happened.
        assert_eq!(
            with("learned_at", json!("2026-12-01T15:29:00Z")),
            Some(ExpressCode::LearnedBeforeEvent)
        );
        assert_eq!(with("learned_at", json!("2026-12-01T15:30:00Z")), None);
        assert_eq!(
            with("region", json!("990000")),
            Some(ExpressCode::InvalidRegion)
        );
        assert_eq!(with("place", json!(" ")), Some(ExpressCode::Blank));
        assert_eq!(
            with("enterprise", json!({"uscc": "91520102MA6DK4L2XA"})),
            Some(ExpressCode::InvalidEnterprise)
        );
        assert_eq!(
            with("enterprise", json!({})),
            Some(ExpressCode::InvalidEnterprise)
        );
        assert_eq!(with("enterprise", json!({"name": "某烟花作坊"})), None);
        assert_eq!(
            with("photos", json!([{"sha256": "AB"}])),
            Some(ExpressCode::InvalidAttachment)
        );
        assert_eq!(with("report", json!("x")), Some(ExpressCode::InvalidId));
        let f = json!({"id": ID, "report": REP, "author": "a", "device": "d",
            "at": "2026-12-02T01:00:00+08:00", "kind": "followed_up", "text": ""});
        assert_eq!(code(f), Some(ExpressCode::Blank));
    }
}
