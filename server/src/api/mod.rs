//! The HTTP API (`docs/openapi.yaml` is its one description): sign-in, upload and reading of
//! submissions, resumable attachments, accounts and the audit log. Errors are problem details
//! (RFC 9457) with a stable `code` and the message in Chinese and English. Handlers never panic:
//! storage work runs on the blocking pool and its failures become 503 `storage_unavailable`.

mod accounts;
pub mod attachments;
pub(crate) mod campaign;
pub(crate) mod campaign_breakdown;
mod campaign_register;
pub(crate) mod campaign_summary;
mod cases;
mod documents;
mod express;
mod key_follow;
mod ledger;
pub(crate) mod ledger_view;
mod morning;
mod queue;
mod register;
mod register_review;
mod results;
mod spot;
pub mod spot_entry;
mod spot_import;
pub mod submissions;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use std::sync::Arc;

/// Most records accepted in one upload.
pub const MAX_BATCH: usize = 1000;

// The state and the problem details live in their own modules (`auth.rs` needs both and the API
// needs `auth.rs`); re-exported so handlers keep importing them from here.
pub use crate::app::App;
pub use crate::problem::{bad_request, body, invalid_query, not_found, problem, unavailable};

/// The records of an upload: one JSON object, or an array of at most `MAX_BATCH`, each with its
/// numbers in canonical form (`canonical.rs`). `true` when it was a single object (answered with
/// that record's own status).
pub fn records(b: Result<Bytes, BytesRejection>) -> Result<(Vec<Value>, bool), Response> {
    let b = body(b)?;
    let Ok(v) = serde_json::from_slice::<Value>(&b) else {
        return Err(bad_request(
            "invalid_json",
            "请求体不是有效的 JSON",
            "The body is not valid JSON",
        ));
    };
    if let Some(n) = crate::canonical::inexact_number(&b) {
        return Err(bad_request(
            "inexact_number",
            &format!("数值 {n} 超出可精确保存的范围（双精度）：请以文本或较少位数提交"),
            &format!("The number {n} cannot be kept exactly (as a double): send it as text or with fewer digits"),
        ));
    }
    let (mut list, single) = match v {
        Value::Array(a) => (a, false),
        other => (vec![other], true),
    };
    if list.len() > MAX_BATCH {
        return Err(problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            "一次最多上传 1000 条记录",
            "At most 1000 records per upload",
        ));
    }
    list.iter_mut().for_each(crate::canonical::numbers);
    Ok((list, single))
}

/// Longest free text (in characters) of a ledger event or spot check: a danger's description,
/// measures, a re-check's remarks. Longer text is refused, so no record can make every view
/// that shows it huge.
pub const MAX_TEXT_CHARS: usize = 2000;
/// Largest ledger event or spot check, in bytes of canonical JSON.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

/// The JSON Pointer of the first string in `v` longer than `MAX_TEXT_CHARS`.
pub fn long_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s.chars().count() > MAX_TEXT_CHARS => Some(String::new()),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, x)| long_text(x).map(|p| format!("/{i}{p}"))),
        Value::Object(o) => o.iter().find_map(|(k, x)| {
            long_text(x).map(|p| format!("/{}{p}", k.replace('~', "~0").replace('/', "~1")))
        }),
        _ => None,
    }
}

/// The answer for a ledger event or spot check that is too large or has too long a text.
pub fn oversized(v: &Value, body_len: usize) -> Option<results::RecordResult> {
    let id = v.get("id").and_then(Value::as_str);
    if body_len > MAX_RECORD_BYTES {
        return Some(results::RecordResult::rejected(
            id,
            "record_too_large",
            "记录过大（超过 64 KiB）",
            "The record is too large (over 64 KiB)",
        ));
    }
    let at = long_text(v)?;
    Some(results::RecordResult::rejected(
        id,
        "text_too_long",
        &format!("文字过长（{at}，最多 {MAX_TEXT_CHARS} 字）"),
        &format!("Text too long ({at}; at most {MAX_TEXT_CHARS} characters)"),
    ))
}

/// Run storage work off the async workers; any failure (or a panic in a library) is a 503.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::storage::StoreError> + Send + 'static,
) -> Result<T, Response> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            eprintln!("paicha-server: storage: {}", e.0);
            Err(unavailable())
        }
        Err(_) => Err(unavailable()),
    }
}

pub fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Utc::now().fixed_offset()
}

/// The API, and (when `web_root` is given) the web app's static files from the same origin.
/// `origins`: other origins (portals embedding the app) allowed to call the API.
pub fn router(
    app: Arc<App>,
    max_body: usize,
    web_root: Option<&std::path::Path>,
    origins: &[String],
) -> Router {
    let api = Router::new()
        .route(
            "/api/v1/auth/token",
            post(accounts::sign_in).delete(accounts::sign_out),
        )
        .route("/api/v1/me", get(accounts::me))
        .route(
            "/api/v1/accounts",
            get(accounts::list).post(accounts::create),
        )
        .route(
            "/api/v1/accounts/{username}",
            axum::routing::patch(accounts::update),
        )
        .route(
            "/api/v1/accounts/{username}/line",
            axum::routing::put(queue::set_line),
        )
        .route("/api/v1/queue", get(queue::queue))
        .route("/api/v1/audit", get(accounts::audit))
        .route(
            "/api/v1/submissions",
            post(submissions::upload).get(submissions::query),
        )
        .route("/api/v1/submissions/{id}", get(submissions::read_one))
        .route("/api/v1/events", post(ledger::upload).get(ledger::pull))
        .route("/api/v1/ledger", get(ledger::view))
        .route(
            "/api/v1/express/events",
            post(express::upload).get(express::pull),
        )
        .route("/api/v1/express/reports", get(express::reports))
        .route(
            "/api/v1/morning-reports",
            post(morning::generate).get(morning::list),
        )
        .route("/api/v1/morning-reports/{id}", get(morning::read_one))
        .route("/api/v1/morning-reports/{id}/send", post(morning::send))
        .route(
            "/api/v1/typical-cases",
            post(cases::propose).get(cases::list),
        )
        .route("/api/v1/typical-cases/{id}/decision", post(cases::decide))
        .route("/api/v1/public/typical-cases", get(cases::public))
        .route("/api/v1/spot-checks", post(spot::upload).get(spot::list))
        .route("/api/v1/spot-checks/import", post(spot_import::import))
        .route("/api/v1/key-inspections", get(spot::key_inspections))
        .route("/api/v1/campaigns", get(campaign::list))
        .route("/api/v1/campaigns/{id}/progress", get(campaign::progress))
        .route("/api/v1/campaigns/{id}/leaves", get(campaign::leaves))
        .route("/api/v1/campaigns/{id}/facts", get(campaign::facts))
        .route("/api/v1/campaigns/{id}/ranking", get(campaign::ranking))
        .route("/api/v1/campaigns/{id}/trace", get(campaign::trace))
        .route(
            "/api/v1/campaigns/{id}/register",
            get(campaign_register::register),
        )
        .route(
            "/api/v1/campaigns/{id}/breakdown/trace",
            get(campaign_breakdown::trace),
        )
        .route(
            "/api/v1/campaigns/{id}/acts",
            post(campaign::post_acts).get(campaign::get_acts),
        )
        .route(
            "/api/v1/campaigns/{id}/lookback/sample",
            get(campaign::sample),
        )
        .route(
            "/api/v1/campaigns/{id}/lookback",
            post(campaign::post_lookback).get(campaign::get_lookback),
        )
        .route(
            "/api/v1/campaigns/{id}/summary",
            get(campaign_summary::summary),
        )
        .route(
            "/api/v1/campaigns/{id}/summary.xlsx",
            get(campaign_summary::xlsx),
        )
        .route("/api/v1/register", get(register::pull))
        .route("/api/v1/register/import", post(register::import))
        .route("/api/v1/register/template", get(register::template))
        .route("/api/v1/register/export", get(register::export))
        .route("/api/v1/register/counts", get(register::counts))
        .route("/api/v1/register/entries", post(register::put_entry))
        .route("/api/v1/register/entries/{uscc}", get(register::read_entry))
        .route(
            "/api/v1/register/unregistered",
            get(register_review::unregistered),
        )
        .route(
            "/api/v1/register/unregistered/{uscc}/dismiss",
            post(register_review::dismiss),
        )
        .route(
            "/api/v1/register/corrections",
            post(register_review::propose).get(register_review::corrections),
        )
        .route(
            "/api/v1/register/corrections/{id}/review",
            post(register_review::review),
        )
        .route(
            "/api/v1/documents",
            post(documents::issue).get(documents::list),
        )
        .route(
            "/api/v1/attachments/{sha256}",
            axum::routing::put(attachments::put).get(attachments::get),
        )
        .route(
            "/api/v1/attachments/{sha256}/status",
            get(attachments::status),
        )
        .route("/api/{*rest}", axum::routing::any(|| async { not_found() }))
        .route("/healthz", get(|| async { "ok" }))
        // A known path with a method it does not take: a problem document like every other
        // refusal (axum's own 405 has an empty body), with axum's `Allow` header kept.
        .method_not_allowed_fallback(|| async {
            problem(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "此地址不接受这种请求方法",
                "This resource does not take that method",
            )
        })
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            crate::guard::rate_limit,
        ))
        .layer(axum::middleware::from_fn(crate::guard::api_headers))
        .with_state(app);
    // Origins must be plain `scheme://host[:port]`: they also go into a CSP header.
    let origins: Vec<&String> = origins
        .iter()
        .filter(|o| {
            (o.starts_with("https://") || o.starts_with("http://"))
                && o.bytes()
                    .all(|b| b.is_ascii_graphic() && b != b';' && b != b',')
        })
        .collect();
    let api = match web_root {
        Some(dir) => {
            let frame_ancestors = std::iter::once("'self'")
                .chain(origins.iter().map(|o| o.as_str()))
                .collect::<Vec<_>>()
                .join(" ");
            let statics = Router::new()
                // The staging step (scripts/wire.mjs) writes `.br` and `.gz` beside each file:
                // sent to browsers that accept them, with Vary: Accept-Encoding.
                .fallback_service(
                    tower_http::services::ServeDir::new(dir)
                        .precompressed_br()
                        .precompressed_gzip(),
                )
                .layer(axum::middleware::from_fn(move |req, next| {
                    static_headers(req, next, frame_ancestors.clone())
                }));
            api.fallback_service(statics)
        }
        None => api.fallback(|| async { not_found() }),
    };
    if origins.is_empty() {
        return api;
    }
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    // Applied after the fallback: portals may load the app's files (the element, its WASM and the
    // catalogue) as well as call the API.
    api.layer(
        tower_http::cors::CorsLayer::new()
            .allow_origin(allowed)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                axum::http::header::AUTHORIZATION,
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderName::from_static("upload-offset"),
                axum::http::HeaderName::from_static("upload-length"),
            ])
            .max_age(std::time::Duration::from_secs(3600)),
    )
}

/// Headers of the web app's files: only the allowed portals may frame the app (a meta tag cannot
/// say so); files are revalidated on every load, and the service worker script is never kept by
/// the HTTP cache, so a new deployment is seen at once (Last-Modified has one-second resolution).
async fn static_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
    frame_ancestors: String,
) -> Response {
    let sw = req.uri().path().ends_with("/sw.js");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("frame-ancestors {frame_ancestors}")) {
        h.insert(axum::http::header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static(if sw { "no-store" } else { "no-cache" }),
    );
    h.insert(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The same path is sent as brotli, gzip or plain by what the browser accepts: caches must know.
    h.insert(
        axum::http::header::VARY,
        HeaderValue::from_static("accept-encoding"),
    );
    res
}
