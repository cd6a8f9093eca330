//! The upload protocol over HTTP (a first slice of issue 5): batch upload of submissions,
//! idempotent by the client-made id and the content's SHA-256, re-validated with the core (the
//! server's report is the one stored and returned; a client's own report is never trusted), and
//! reading one record back. Errors are problem details with stable codes, in Chinese and English.

use crate::store::{Record, Store, Stored};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use paicha::Catalogue;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Most records accepted in one upload.
pub const MAX_BATCH: usize = 1000;

pub struct App {
    pub store: Store,
}

/// A problem details body (RFC 9457) with a stable `code` and a message in both languages.
pub fn problem(status: StatusCode, code: &str, zh: &str, en: &str) -> Response {
    let body = json!({
        "type": format!("https://paicha.invalid/problems/{code}"),
        "title": en,
        "status": status.as_u16(),
        "code": code,
        "detail": {"zh": zh, "en": en},
    });
    (
        status,
        [("content-type", "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// The API, and (when `web_root` is given) the web app's static files: the page, the WASM package
/// and the catalogue, from the same origin as the API.
pub fn router(app: Arc<App>, max_body: usize, web_root: Option<&std::path::Path>) -> Router {
    let api = Router::new()
        .route("/api/v1/submissions", post(upload))
        .route("/api/v1/submissions/{id}", get(read_one))
        .route("/api/{*rest}", axum::routing::any(not_found))
        .route("/healthz", get(|| async { "ok" }))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .with_state(app);
    match web_root {
        Some(dir) => api.fallback_service(tower_http::services::ServeDir::new(dir)),
        None => api.fallback(not_found),
    }
}

async fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "not_found",
        "没有这个地址",
        "No such resource",
    )
}

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Utc::now().fixed_offset()
}

/// SHA-256 of the submission in canonical form (serde_json writes object keys sorted), so the same
/// content sent with other spacing or key order is the same record.
fn content_hash(v: &Value) -> (String, String) {
    let canonical = v.to_string();
    let digest = Sha256::digest(canonical.as_bytes());
    let hex = digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    (canonical, hex)
}

fn store_one(app: &App, v: &Value) -> Result<(StatusCode, Value), String> {
    let at = now();
    let report = paicha::check(Catalogue::builtin(), v, Some(at));
    let report_json = serde_json::to_value(&report).map_err(|e| e.to_string())?;
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| paicha::ids::is_uuid(s));
    let (body, sha) = content_hash(v);
    let received_at = at.to_rfc3339();
    let Some(id) = id else {
        app.store
            .reject(&body, &report_json.to_string(), &received_at)
            .map_err(|e| e.0)?;
        return Ok((
            StatusCode::BAD_REQUEST,
            json!({"status": "rejected", "code": "invalid_id", "report": report_json}),
        ));
    };
    let level = serde_json::to_value(report.level)
        .ok()
        .and_then(|l| l.as_str().map(str::to_string))
        .unwrap_or_default();
    let rec = Record {
        id: id.to_string(),
        sha256: sha,
        body,
        report: report_json.to_string(),
        received_at,
    };
    let stored = app.store.put(&rec, report.valid, &level).map_err(|e| e.0)?;
    Ok(match stored {
        Stored::New => (
            StatusCode::OK,
            json!({"id": id, "status": "stored", "report": report_json}),
        ),
        Stored::Duplicate => (
            StatusCode::OK,
            json!({"id": id, "status": "duplicate", "report": report_json}),
        ),
        Stored::Conflict => (
            StatusCode::CONFLICT,
            json!({"id": id, "status": "conflict", "code": "changed_content",
                   "detail": {"zh": "同一编号的记录内容不同：两个版本均已保留待审核",
                              "en": "A record with this id but other content exists: both versions are kept for review"}}),
        ),
    })
}

async fn upload(
    State(app): State<Arc<App>>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "上传内容过大：请分批上传，照片单独上传",
                "The upload is too large: send fewer records at a time, and photos separately",
            )
        }
        Err(_) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "unreadable_body",
                "无法读取请求体",
                "The body could not be read",
            )
        }
    };
    let parsed: Result<Value, _> = serde_json::from_slice(&body);
    let Ok(v) = parsed else {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "请求体不是有效的 JSON",
            "The body is not valid JSON",
        );
    };
    let (records, single) = match v {
        Value::Array(a) => (a, false),
        other => (vec![other], true),
    };
    if records.len() > MAX_BATCH {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            "一次最多上传 1000 条记录",
            "At most 1000 records per upload",
        );
    }
    // Storage and checking block: keep them off the async workers.
    let done = tokio::task::spawn_blocking(move || {
        records
            .iter()
            .map(|r| store_one(&app, r))
            .collect::<Result<Vec<_>, String>>()
    })
    .await;
    match done {
        Ok(Ok(results)) if single => match results.into_iter().next() {
            Some((status, body)) => (status, Json(body)).into_response(),
            None => problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "内部错误",
                "Internal error",
            ),
        },
        Ok(Ok(results)) => {
            let list: Vec<Value> = results
                .into_iter()
                .map(|(status, mut body)| {
                    if let Some(o) = body.as_object_mut() {
                        o.insert("http_status".into(), json!(status.as_u16()));
                    }
                    body
                })
                .collect();
            (StatusCode::OK, Json(json!({"results": list}))).into_response()
        }
        _ => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            "存储暂不可用，请稍后重试",
            "Storage is unavailable; retry later",
        ),
    }
}

async fn read_one(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let found = tokio::task::spawn_blocking(move || {
        let rec = app.store.get(&id)?;
        let conflicts = app.store.conflicts(&id)?;
        Ok::<_, crate::store::StoreError>((rec, conflicts))
    })
    .await;
    match found {
        Ok(Ok((Some(rec), conflicts))) => {
            let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
            Json(json!({
                "id": rec.id,
                "sha256": rec.sha256,
                "received_at": rec.received_at,
                "submission": parse(&rec.body),
                "report": parse(&rec.report),
                "conflicting_versions": conflicts,
            }))
            .into_response()
        }
        Ok(Ok((None, _))) => problem(
            StatusCode::NOT_FOUND,
            "not_found",
            "没有这条记录",
            "No such record",
        ),
        _ => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            "存储暂不可用，请稍后重试",
            "Storage is unavailable; retry later",
        ),
    }
}
