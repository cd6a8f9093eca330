//! Legal documents (执法文书) and their numbers: the on-site inspection record (现场检查笔录), the
//! rectification order (责令整改通知书) and the re-check opinion (整改复查意见书). The device
//! renders a document from the records it holds (so it can print offline, marked provisional);
//! the server gives it its number, gap-free and unique per bureau, kind and year
//! (`numbering.rs`), once per record: asking again for the same record's document gives the same
//! number.

use crate::storage::{Audit, Result};
use serde::Serialize;

/// The kinds of document, each numbered in a series of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 现场检查笔录: from an on-site inspection (a submission).
    InspectionRecord,
    /// 责令整改通知书: from an inspection's entries (a submission) or one entry recorded by hand.
    RectificationOrder,
    /// 整改复查意见书: from a re-check (a `rechecked` event).
    RecheckOpinion,
}

impl DocKind {
    pub fn parse(s: &str) -> Option<DocKind> {
        match s {
            "inspection_record" => Some(DocKind::InspectionRecord),
            "rectification_order" => Some(DocKind::RectificationOrder),
            "recheck_opinion" => Some(DocKind::RecheckOpinion),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::InspectionRecord => "inspection_record",
            DocKind::RectificationOrder => "rectification_order",
            DocKind::RecheckOpinion => "recheck_opinion",
        }
    }
    /// The word of the number that tells the kind (…检查〔2026〕第3号).
    pub fn abbreviation(self) -> &'static str {
        match self {
            DocKind::InspectionRecord => "市监检",
            DocKind::RectificationOrder => "市监责改",
            DocKind::RecheckOpinion => "市监复查",
        }
    }
}

/// A stored record a document can be made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRef {
    /// `submission`, `entry` (a ledger entry, by its id) or `event` (a ledger event).
    pub source: &'static str,
    /// The event kind, for events (`rechecked`...).
    pub kind: String,
    pub uscc: String,
    pub region: String,
    /// SHA-256 of the record as stored (for an entry: of its `created` event).
    pub sha256: String,
}

/// A numbered document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    pub kind: DocKind,
    pub record: String,
    /// The series it is numbered in (`{region}/{kind}`).
    pub series: String,
    pub year: i32,
    pub sequence: i64,
    /// The number as printed, e.g. `520102市监责改〔2026〕第3号`.
    pub number: String,
    pub record_sha256: String,
    pub issued_at: String,
    pub issued_by: String,
}

pub struct NewDocument<'a> {
    pub kind: DocKind,
    pub record: &'a str,
    pub region: &'a str,
    pub year: i32,
    pub record_sha256: &'a str,
    pub issued_at: &'a str,
    pub issued_by: &'a str,
}

/// Storage of numbered documents (implemented by the SQLite backend in `sqlite/documents.rs`).
pub trait DocStore: Send + Sync {
    /// The submission, ledger entry or ledger event with this id.
    fn record_ref(&self, id: &str) -> Result<Option<RecordRef>>;
    /// Number the document of `d.kind` for `d.record`, or return the number it already has
    /// (`false`: not new). One transaction: the number, the document row and the audit line.
    fn issue_document(&self, d: &NewDocument<'_>, audit: &Audit<'_>) -> Result<(Document, bool)>;
    /// The documents issued for a record.
    fn documents(&self, record: &str) -> Result<Vec<Document>>;
}
