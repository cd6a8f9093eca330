//! The answer for one record of an upload (submissions, ledger events, spot checks): one typed
//! shape for every kind, so a device reads every batch answer the same way.
//!
//! `{"id", "status", "http_status", "code"?, "detail"?: {"zh", "en"}, "report"?, "error"?,
//! "tasks"?, "number"?, "received_at"?, "reopened"?}`: `status` is `stored`, `duplicate`,
//! `updated`, `conflict`, `forbidden` or `rejected`; `http_status` what a single upload would have
//! answered; `code` a stable reason for anything not stored; `report` the server's report of a
//! submission; `error` the core's structured error for a record it could not read; `tasks` a spot
//! check's; `number` and `received_at` an express report's (its number, when the clock stopped);
//! `reopened` the ledger event a failed look-back made. Every route (submissions, ledger events,
//! spot checks, express reports, campaign acts) builds its answers here and nowhere else.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Stored,
    Duplicate,
    Updated,
    Conflict,
    Forbidden,
    Rejected,
}

#[derive(Debug, Clone, Serialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordResult {
    pub id: Option<String>,
    pub status: Status,
    pub http_status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Text>,
    /// The report's JSON as the server wrote it for storing, embedded as it is rather than
    /// parsed and written again for every record of a batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reopened: Option<Value>,
}

impl RecordResult {
    /// Stored now, or already there (`duplicate`), or a new version (`updated`): 200.
    pub fn ok(id: &str, status: Status) -> RecordResult {
        RecordResult::bare(Some(id), status, 200)
    }

    /// Stored now where a single upload answers 201 Created (campaign records).
    pub fn created(id: &str) -> RecordResult {
        RecordResult::bare(Some(id), Status::Stored, 201)
    }

    fn bare(id: Option<&str>, status: Status, http_status: u16) -> RecordResult {
        RecordResult {
            id: id.map(str::to_string),
            status,
            http_status,
            code: None,
            detail: None,
            report: None,
            error: None,
            tasks: None,
            number: None,
            received_at: None,
            reopened: None,
        }
    }

    /// A record the core could not read or would not take: 400 with the core's structured error
    /// (which carries its own bilingual message) instead of a detail text.
    pub fn invalid(id: Option<&str>, code: &str, error: Value) -> RecordResult {
        let mut r = RecordResult::bare(id, Status::Rejected, 400);
        r.code = Some(code.to_string());
        r.with_error(error)
    }

    /// Not stored (or kept aside for review), with its reason.
    pub fn refused(
        id: Option<&str>,
        status: Status,
        http_status: u16,
        code: &str,
        zh: &str,
        en: &str,
    ) -> RecordResult {
        let mut r = RecordResult::bare(id, status, http_status);
        r.code = Some(code.to_string());
        r.detail = Some(Text {
            zh: zh.to_string(),
            en: en.to_string(),
        });
        r
    }

    pub fn forbidden(id: &str, code: &str, zh: &str, en: &str) -> RecordResult {
        RecordResult::refused(Some(id), Status::Forbidden, 403, code, zh, en)
    }

    pub fn rejected(id: Option<&str>, code: &str, zh: &str, en: &str) -> RecordResult {
        RecordResult::refused(id, Status::Rejected, 400, code, zh, en)
    }

    pub fn conflict(id: &str, code: &str, zh: &str, en: &str) -> RecordResult {
        RecordResult::refused(Some(id), Status::Conflict, 409, code, zh, en)
    }

    /// Not stored: the id is already a record of the other kind (a submission's id sent as an
    /// event's, or the reverse; `Stored::IdInUse`).
    pub fn id_in_use(id: &str) -> RecordResult {
        RecordResult::conflict(
            id,
            "id_in_use",
            "这一编号已被另一类记录使用（检查表与台账事件共用一个编号空间）：请为该记录生成新编号",
            "This id is already used by a record of another kind (checklists and ledger events share one id space): give this record a new id",
        )
    }

    /// Not kept: the account's allowance for records kept aside (malformed ones) is used up.
    pub fn quota_exceeded(id: Option<&str>) -> RecordResult {
        RecordResult::refused(
            id,
            Status::Rejected,
            429,
            "quota_exceeded",
            "此账号待查的无效记录已达上限：未保存，请修正后重新提交",
            "This account has too many malformed records kept for review: not kept; correct it and send it again",
        )
    }

    /// With the server's report, `report` its JSON text (as stored); text that is not JSON
    /// (never written by the server) is left out rather than sent broken.
    pub fn with_report(mut self, report: &str) -> RecordResult {
        self.report = RawValue::from_string(report.to_string()).ok();
        self
    }

    pub fn with_error(mut self, error: Value) -> RecordResult {
        self.error = Some(error);
        self
    }

    pub fn with_tasks(mut self, tasks: Value) -> RecordResult {
        self.tasks = Some(tasks);
        self
    }

    /// An express report's answer: when the server received the event, and the report's number
    /// (given when its initial report arrives).
    pub fn received(mut self, at: &str, number: Option<String>) -> RecordResult {
        self.received_at = Some(at.to_string());
        self.number = number;
        self
    }

    pub fn with_reopened(mut self, reopened: Value) -> RecordResult {
        self.reopened = Some(reopened);
        self
    }

    /// The answer to an upload of one record (not an array): the record's own status, without
    /// `http_status` (it is the response's).
    pub fn single(self) -> Response {
        let status =
            StatusCode::from_u16(self.http_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut v = serde_json::to_value(&self).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.remove("http_status");
        }
        (status, Json(v)).into_response()
    }
}

/// `{"results": [...]}`: the answer to a batch, one result per record in the order sent.
pub fn batch(results: Vec<RecordResult>) -> Response {
    #[derive(Serialize)]
    struct Batch {
        results: Vec<RecordResult>,
    }
    Json(Batch { results }).into_response()
}
