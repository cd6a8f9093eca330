//! Document numbers over HTTP: `POST /api/v1/documents {kind, record}` numbers the inspection
//! record, rectification order or re-check opinion of a stored record (a submission, a ledger
//! entry or a `rechecked` event) in the series of the enterprise's bureau (its division code),
//! kind and year; asking again gives the same number. `GET /api/v1/documents?record=ID` lists the
//! numbers a record has. Only supervisors issue documents, within their regions.

use super::{blocking, invalid_query, not_found, problem, App};
use crate::auth::Authed;
use crate::documents::{DocKind, NewDocument};
use crate::storage::{Audit, Role};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Datelike;
use serde_json::json;
use std::sync::Arc;

/// Which records each kind of document is made from.
fn fits(kind: DocKind, source: &str, event_kind: &str) -> bool {
    match kind {
        DocKind::InspectionRecord => source == "submission",
        DocKind::RectificationOrder => source == "submission" || source == "entry",
        DocKind::RecheckOpinion => source == "event" && event_kind == "rechecked",
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Ask {
    kind: String,
    record: String,
}

pub async fn issue(
    State(app): State<Arc<App>>,
    auth: Authed,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if auth.account.role == Role::Enterprise {
        return problem(
            StatusCode::FORBIDDEN,
            "role_forbidden",
            "执法文书由监管部门制作",
            "Enforcement documents are made by the supervisors",
        );
    }
    let b = match super::body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Ok(ask) = serde_json::from_slice::<Ask>(&b) else {
        return super::bad_request(
            "invalid_document_request",
            "请求须为 {\"kind\": 文书种类, \"record\": 记录编号}",
            "The body must be {\"kind\": document kind, \"record\": record id}",
        );
    };
    let Some(kind) = DocKind::parse(&ask.kind) else {
        return super::bad_request(
            "invalid_document_kind",
            "文书种类须为 inspection_record、rectification_order 或 recheck_opinion",
            "kind must be inspection_record, rectification_order or recheck_opinion",
        );
    };
    let a = app.clone();
    let res = blocking(move || {
        let Some(rec) = a.store.record_ref(&ask.record)? else {
            return Ok(Err(not_found()));
        };
        let scope = auth.scope();
        if !scope.covers(&rec.uscc, &rec.region) {
            return Ok(Err(not_found()));
        }
        // An inspection record (现场检查笔录) is the record of an on-site inspection, never of an
        // enterprise's self-inspection.
        let onsite = || -> Result<bool, crate::storage::StoreError> {
            Ok(a.store
                .submission(&ask.record)?
                .is_some_and(|s| s.meta.form == "onsite_inspection"))
        };
        if !fits(kind, rec.source, &rec.kind)
            || (kind == DocKind::InspectionRecord && !onsite()?)
        {
            return Ok(Err(super::bad_request(
                "record_does_not_fit",
                "该记录不能制作这种文书（现场检查笔录：现场检查记录；责令整改通知书：检查记录或台账条目；整改复查意见书：复查事件）",
                "This record does not make that document (inspection record: an on-site inspection; rectification order: a submission or a ledger entry; re-check opinion: a rechecked event)",
            )));
        }
        // Numbered in the bureau's year, China time.
        let now = super::now();
        let cst = chrono::FixedOffset::east_opt(8 * 3600).unwrap_or(*now.offset());
        let at = now.with_timezone(&cst);
        let issued_at = at.to_rfc3339();
        let actor = auth.account.username.clone();
        let (doc, new) = a.store.issue_document(
            &NewDocument {
                kind,
                record: &ask.record,
                region: &rec.region,
                year: at.year(),
                record_sha256: &rec.sha256,
                issued_at: &issued_at,
                issued_by: &actor,
            },
            &Audit {
                at: &issued_at,
                actor: &actor,
                action: "document.issue",
                target: &ask.record,
                outcome: kind.as_str(),
                detail: "",
            },
        )?;
        Ok(Ok((doc, new)))
    })
    .await;
    match res {
        Ok(Ok((doc, new))) => {
            let status = if new {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, Json(json!(doc))).into_response()
        }
        Ok(Err(r)) | Err(r) => r,
    }
}

pub async fn list(State(app): State<Arc<App>>, auth: Authed, RawQuery(raw): RawQuery) -> Response {
    let mut record = None;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "record" => record = Some(v.into_owned()),
            other => return invalid_query(other),
        }
    }
    let Some(record) = record else {
        return invalid_query("record (required)");
    };
    let a = app.clone();
    let res = blocking(move || {
        let Some(rec) = a.store.record_ref(&record)? else {
            return Ok(None);
        };
        if !auth.scope().covers(&rec.uscc, &rec.region) {
            return Ok(None);
        }
        a.store.documents(&record).map(Some)
    })
    .await;
    match res {
        Ok(Some(docs)) => Json(json!({ "items": docs })).into_response(),
        Ok(None) => not_found(),
        Err(r) => r,
    }
}
