//! The server's HTTP layer, in process: a request read from the input is sent through the very
//! router `paicha-server` serves (`api::router`: axum's extractors, the guard middleware, every
//! handler's reading of paths, queries, headers and bodies), on a real SQLite database in a
//! temporary directory, with no network. What the `bodies` target cannot reach (the core readers
//! alone) is reached here: path and query extractors, content types, the batch reader, the
//! storage a handler writes to.
//!
//! The input is a request as text, so seeds are real requests and a crash file reads as one:
//!
//! ```text
//! POST /api/v1/submissions?x=1
//! as: jiancha
//! content-type: application/json
//!
//! {"id": "..."}
//! ```
//!
//! `as:` signs the request in as a demo account (an enterprise, an inspector, a provincial
//! supervisor, an admin: tokens made directly in storage, so no Argon2 run per input); any other
//! header goes to the request as is. Sign-in itself (`POST /api/v1/auth/token`) is left out: every
//! attempt costs an Argon2 hash by design, which would make the target a benchmark of Argon2.
//!
//! Checked on every input: no panic anywhere (also in the blocking tasks, whose panics the server
//! turns into 503s), no 5xx answer (a request cannot make the server fail: it is refused with a
//! 4xx naming why), and every refusal from the API is a problem document (`application/problem+json`
//! with a `code`).
//!
//! Compiled into the fuzz binary `http` and, by path, into the server's regression test
//! (server/tests/fuzz_http.rs), which runs the saved failures and the seeds.

// A harness: failing to set up (no temporary directory, no database) or an answer that breaks a
// check must stop the run loudly; that is what the fuzzer and the regression test report.
#![allow(clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use paicha_server::app::{App, Quotas};
use paicha_server::storage::{Account, Audit, Role, Storage};
use paicha_server::{api, argon, auth, guard, sqlite::Sqlite};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// The largest body the harness sends (the deployed default limit is larger; inputs are capped by
/// the fuzzer's `-max_len` anyway).
const MAX_BODY: usize = 1 << 20;

struct Harness {
    rt: tokio::runtime::Runtime,
    router: axum::Router,
    /// The demo accounts' bearer tokens, by user name.
    tokens: Vec<(String, String)>,
    /// Kept so the directory lives as long as the process.
    _dir: std::path::PathBuf,
}

static PANICKED: AtomicBool = AtomicBool::new(false);

fn accounts() -> [Account; 4] {
    let a = |username: &str, role, uscc: Option<&str>, regions: &[&str]| Account {
        username: username.into(),
        role,
        name: format!("{username} 示例"),
        uscc: uscc.map(Into::into),
        regions: regions.iter().map(|r| (*r).into()).collect(),
        disabled: false,
    };
    [
        a(
            "qiye",
            Role::Enterprise,
            Some("91520102MA6DK4L2XN"),
            &["520102"],
        ),
        a("jiancha", Role::Inspector, None, &["520100"]),
        a("dudao", Role::Supervisor, None, &["520000"]),
        a("admin", Role::Admin, None, &[]),
    ]
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        // A panic in a blocking task becomes a 503 for the client; here it is a finding.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            previous(info);
        }));
        // tmpfs where there is one: the database syncs every commit (`synchronous = FULL`).
        let base = ["/dev/shm", "/tmp"]
            .iter()
            .map(std::path::PathBuf::from)
            .find(|p| p.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("paicha-fuzz-http-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let store: Arc<dyn Storage> =
            Arc::new(Sqlite::open(&dir.join("paicha.sqlite3")).expect("open SQLite"));
        let at = "2026-12-01T08:00:00+08:00";
        let mut tokens = Vec::new();
        for a in accounts() {
            let audit = Audit {
                at,
                actor: "fuzz",
                action: "account.create",
                target: &a.username,
                outcome: "ok",
                detail: "",
            };
            // No password can match this hash: the accounts are used through their tokens only.
            store
                .create_account(&a, "!", &audit)
                .expect("create account");
            let (token, hash) = auth::new_token().expect("token");
            store
                .put_token(&hash, &a.username, "2999-01-01T00:00:00+00:00")
                .expect("store token");
            tokens.push((a.username, token));
        }
        let app = Arc::new(App {
            store,
            token_ttl: chrono::Duration::hours(8),
            blobs: dir.join("attachments"),
            max_attachment: 4 << 20,
            uploads: Default::default(),
            argon: Arc::new(tokio::sync::Semaphore::new(1)),
            hasher: argon::Hasher::start(1, 1).expect("hasher"),
            // No client address reaches the router in process, so no rate limit applies anyway.
            rate: guard::RateLimits::new(0, 0),
            clock_skew: chrono::Duration::minutes(10),
            quotas: Quotas {
                unfinished_bytes: 64 << 20,
                rejected_bytes: 64 << 20,
            },
        });
        let router = api::router(app, MAX_BODY, None, &[]);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Harness {
            rt,
            router,
            tokens,
            _dir: dir,
        }
    })
}

/// The request the input spells, or none when it is not one (a request hyper would not parse
/// never reaches the router either).
fn request(data: &[u8], h: &Harness) -> Option<Request<Body>> {
    let split = data.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(i) => (data.get(..i)?, data.get(i + 2..)?),
        None => (data, &[][..]),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    if method.eq_ignore_ascii_case("POST") && target.starts_with("/api/v1/auth/token") {
        return None;
    }
    let mut b = Request::builder().method(method).uri(target);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let value = value.trim_start();
        if name.eq_ignore_ascii_case("as") {
            let token = h.tokens.iter().find(|(n, _)| *n == value)?;
            b = b.header("authorization", format!("Bearer {}", token.1));
        } else {
            b = b.header(name, value);
        }
    }
    b.body(Body::from(body.to_vec())).ok()
}

/// One request through the router; the checks above.
pub fn http(data: &[u8]) {
    let h = harness();
    let Some(req) = request(data, h) else {
        return;
    };
    let api = req.uri().path().starts_with("/api/");
    let (status, content_type, body) = h.rt.block_on(async {
        let res = h.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = axum::body::to_bytes(res.into_body(), 64 << 20).await;
        (status, ct, body)
    });
    assert!(
        !PANICKED.swap(false, Ordering::SeqCst),
        "a handler panicked (answered {status})"
    );
    let body = body.expect("the answer's body reads");
    assert!(
        !status.is_server_error(),
        "{status} for a request: {}",
        String::from_utf8_lossy(body.get(..400).unwrap_or(&body))
    );
    if api && status.is_client_error() {
        refusal(status, &content_type, &body);
    }
}

/// A refusal from the API says why in a form a device reads: a problem document with a `code`,
/// or, for the upload of a single record, that record's result (`status` and a `code`), as a
/// batch would list it.
fn refusal(status: StatusCode, content_type: &str, body: &[u8]) {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_else(|_| {
        panic!(
            "{status} answered with a body that is not JSON: {:?}",
            String::from_utf8_lossy(body.get(..200).unwrap_or(body))
        )
    });
    let code = v.get("code").and_then(|c| c.as_str());
    if content_type.starts_with("application/problem+json") {
        assert!(code.is_some(), "a problem document without a code: {v}");
        return;
    }
    assert!(
        content_type.starts_with("application/json"),
        "{status} answered as {content_type:?}"
    );
    // A single record's result leaves `http_status` out (it is the answer's own: results.rs);
    // the campaign's acts still keep it, and then it must agree.
    let http_status = v.get("http_status").and_then(|s| s.as_u64());
    assert!(
        v.get("status").and_then(|s| s.as_str()).is_some()
            && code.is_some()
            && http_status.is_none_or(|s| s == u64::from(status.as_u16())),
        "{status} answered with neither a problem document nor a record's result: {v}"
    );
}
