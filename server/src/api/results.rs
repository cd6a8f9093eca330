//! The answer for one record of an upload (submissions, ledger events, spot checks): one typed
//! shape for every kind, so a device reads every batch answer the same way.
//!
//! `{"id", "status", "http_status", "code"?, "detail"?: {"zh", "en"}, "report"?, "error"?,
//! "tasks"?}`: `status` is `stored`, `duplicate`, `updated`, `conflict`, `forbidden` or
//! `rejected`; `http_status` what a single upload would have answered; `code` a stable reason
//! for anything not stored; `report` the server's report of a submission; `error` the core's
//! structured error for a record it could not read.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Value>,
}

impl RecordResult {
    /// Stored now, or already there (`duplicate`), or a new version (`updated`): 200.
    pub fn ok(id: &str, status: Status) -> RecordResult {
        RecordResult {
            id: Some(id.to_string()),
            status,
            http_status: 200,
            code: None,
            detail: None,
            report: None,
            error: None,
            tasks: None,
        }
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
        RecordResult {
            id: id.map(str::to_string),
            status,
            http_status,
            code: Some(code.to_string()),
            detail: Some(Text {
                zh: zh.to_string(),
                en: en.to_string(),
            }),
            report: None,
            error: None,
            tasks: None,
        }
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

    pub fn with_report(mut self, report: Value) -> RecordResult {
        self.report = Some(report);
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
