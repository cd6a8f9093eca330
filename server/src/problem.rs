//! Problem details (RFC 9457): every error the server answers, with a stable `code` and the
//! message in Chinese and English. One home for them, used by the API handlers and by the
//! sign-in extractor (`auth.rs`) alike.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A problem details body with a stable `code` and a message in both languages.
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

pub fn unavailable() -> Response {
    problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "storage_unavailable",
        "存储暂不可用，请稍后重试",
        "Storage is unavailable; retry later",
    )
}

pub fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "not_found",
        "没有这个地址或记录",
        "No such resource",
    )
}

pub fn invalid_query(what: &str) -> Response {
    bad_request(
        "invalid_query",
        &format!("查询参数有误：{what}"),
        &format!("Bad query parameter: {what}"),
    )
}

pub fn bad_request(code: &str, zh: &str, en: &str) -> Response {
    problem(StatusCode::BAD_REQUEST, code, zh, en)
}

pub fn too_large() -> Response {
    problem(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        "上传内容过大：请分批上传，照片单独上传",
        "The upload is too large: send fewer records at a time, and photos separately",
    )
}

/// A request body, or the problem the protocol answers when it cannot be had (413 over the
/// limit: axum's own rejection would be plain text; 408 when the client stopped sending).
pub fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Response> {
    match body {
        Ok(b) => Ok(b),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
        Err(_) => Err(bad_request(
            "unreadable_body",
            "无法读取请求体",
            "The body could not be read",
        )),
    }
}
