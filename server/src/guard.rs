//! Per-address rate limits (governor's GCRA, keyed by the client's IP address) on sign-in and
//! on uploads, and the headers every API answer carries. Behind a reverse proxy every client
//! has the proxy's address: give it its own limits there (this server does not trust
//! `X-Forwarded-For`).

use crate::app::App;
use crate::problem::problem;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

type Keyed = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock>;

/// The limits of one node (a client spreading requests over several nodes gets each node's).
pub struct RateLimits {
    sign_in: Option<Keyed>,
    uploads: Option<Keyed>,
}

/// `per_minute` requests a minute, the whole minute's worth at once at most (0: no limit).
fn keyed(per_minute: u32) -> Option<Keyed> {
    let n = NonZeroU32::new(per_minute)?;
    Some(RateLimiter::keyed(Quota::per_minute(n)))
}

impl RateLimits {
    pub fn new(sign_ins_per_minute: u32, uploads_per_minute: u32) -> RateLimits {
        RateLimits {
            sign_in: keyed(sign_ins_per_minute),
            uploads: keyed(uploads_per_minute),
        }
    }

    /// Forget addresses whose allowance is full again (run now and then: the memory of the
    /// limiter stays bounded by the addresses seen recently).
    pub fn forget_idle(&self) {
        for l in [&self.sign_in, &self.uploads].into_iter().flatten() {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// Refuse a sign-in or an upload over its address's allowance: 429 with `Retry-After`.
pub async fn rate_limit(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let limiter = match *req.method() {
        Method::POST if path == "/api/v1/auth/token" => app.rate.sign_in.as_ref(),
        Method::POST | Method::PUT | Method::PATCH if path.starts_with("/api/") => {
            app.rate.uploads.as_ref()
        }
        _ => None,
    };
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let (Some(l), Some(ip)) = (limiter, ip) {
        if let Err(not_until) = l.check_key(&ip) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return (
                [("retry-after", secs.max(1).to_string())],
                problem(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "请求过于频繁，请稍后再试",
                    "Too many requests from this address; retry after the time given",
                ),
            )
                .into_response();
        }
    }
    next.run(req).await
}

/// Every API answer (the token's included) is kept by no cache and never sniffed as another
/// type. Attachments' bytes keep their own caching (private, immutable: content-addressed).
///
/// An extractor's own refusal (axum answers a path, query or body it cannot read with a 4xx in
/// plain text, e.g. a path segment that is not UTF-8 once decoded) becomes a problem document
/// like every other refusal, so a device always finds a `code` (found by the `http` fuzz target:
/// fuzz/regressions/http/).
pub async fn api_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/plain"));
    if res.status().is_client_error() && plain {
        let status = res.status();
        let text = axum::body::to_bytes(res.into_body(), 4096)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        res = problem(
            status,
            "invalid_request",
            &format!("请求无法读取：{text}"),
            &format!("The request could not be read: {text}"),
        );
    }
    let h = res.headers_mut();
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}
