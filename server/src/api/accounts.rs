//! Signing in and out, the account of a token, account management (admin) and the audit log.

use super::{bad_request, blocking, now, problem, App};
use crate::auth::{new_token, Authed};
use crate::storage::{Account, AccountChange, Audit, Role};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

fn parse_json<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, Response> {
    let body = super::body(body)?;
    serde_json::from_slice(&body).map_err(|e| {
        bad_request(
            "invalid_json",
            &format!("请求体不是所需的 JSON：{e}"),
            &format!("The body is not the JSON expected: {e}"),
        )
    })
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

fn bad_credentials() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
        "用户名或密码不正确",
        "Wrong username or password",
    )
}

pub async fn sign_in(State(app): State<Arc<App>>, body: Result<Bytes, BytesRejection>) -> Response {
    let c: Credentials = match parse_json(body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    // No account has a longer name, and nothing this long is worth hashing or logging.
    if c.username.len() > 64 || c.password.len() > 1024 {
        return bad_credentials();
    }
    // Each Argon2 run takes about 19 MiB: a few at a time, so a flood of sign-ins cannot exhaust
    // memory; the rest wait briefly or are told to come back.
    let permit = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        app.argon.clone().acquire_owned(),
    )
    .await;
    let Ok(Ok(permit)) = permit else {
        return (
            [("retry-after", "5")],
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "登录请求过多，请稍后再试",
                "Too many sign-ins at once; try again shortly",
            ),
        )
            .into_response();
    };
    let a = app.clone();
    let name = c.username.clone();
    let found = match blocking(move || a.store.account(&name)).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    // An unknown or disabled account costs the same time as a known one: the answer's delay
    // must not tell which usernames exist.
    let (hash, usable) = match &found {
        Some((acc, hash)) if !acc.disabled => (hash.clone(), true),
        _ => (crate::auth::dummy_hash().to_string(), false),
    };
    let ok = app.hasher.verify(c.password, hash).await && usable;
    drop(permit);
    let a = app.clone();
    let result = blocking(move || {
        let at = now();
        a.store.audit(&Audit {
            at: &at.to_rfc3339(),
            actor: &c.username,
            action: "auth.sign_in",
            target: &c.username,
            outcome: if ok { "ok" } else { "bad_credentials" },
            detail: "",
        })?;
        let Some((acc, _)) = found.filter(|_| ok) else {
            return Ok(None);
        };
        let (token, hash) = new_token().map_err(crate::storage::StoreError)?;
        let expires = (chrono::Utc::now() + a.token_ttl).to_rfc3339();
        a.store.put_token(&hash, &acc.username, &expires)?;
        Ok(Some((token, expires, acc)))
    })
    .await;
    match result {
        Ok(Some((token, expires_at, account))) => {
            Json(json!({"token": token, "expires_at": expires_at, "account": account}))
                .into_response()
        }
        Ok(None) => bad_credentials(),
        Err(r) => r,
    }
}

pub async fn sign_out(State(app): State<Arc<App>>, auth: Authed) -> Response {
    let a = app.clone();
    match blocking(move || {
        a.store.revoke_token(
            &auth.token_hash,
            &Audit {
                at: &now().to_rfc3339(),
                actor: &auth.account.username,
                action: "auth.sign_out",
                target: &auth.account.username,
                outcome: "ok",
                detail: "",
            },
        )
    })
    .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(r) => r,
    }
}

pub async fn me(auth: Authed) -> Response {
    Json(auth.account).into_response()
}

pub async fn list(State(app): State<Arc<App>>, auth: Authed) -> Response {
    if let Err(r) = auth.require_admin() {
        return r;
    }
    let a = app.clone();
    match blocking(move || a.store.accounts()).await {
        Ok(items) => Json(json!({ "items": items })).into_response(),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    username: String,
    password: String,
    role: String,
    #[serde(default)]
    name: String,
    uscc: Option<String>,
    #[serde(default)]
    regions: Vec<String>,
}

fn invalid_account(zh: &str, en: &str) -> Response {
    bad_request("invalid_account", zh, en)
}

fn check_regions(regions: &[String]) -> Result<(), Response> {
    if regions.is_empty()
        || regions
            .iter()
            .any(|r| paicha::ids::check_region(r).is_err())
    {
        return Err(invalid_account(
            "地区须为有效的六位行政区划代码（GB/T 2260）",
            "Regions must be valid six-digit division codes (GB/T 2260)",
        ));
    }
    Ok(())
}

fn check_password(p: &str) -> Result<(), Response> {
    if p.chars().count() < 8 {
        return Err(invalid_account(
            "密码至少 8 个字符",
            "The password needs at least 8 characters",
        ));
    }
    Ok(())
}

/// Validate a new account against its role: enterprises need a valid USCC, inspectors regions.
fn new_account(mut n: NewAccount) -> Result<(Account, String), Response> {
    let username_ok = (2..=64).contains(&n.username.len())
        && n.username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if !username_ok {
        return Err(invalid_account(
            "用户名须为 2-64 个字母、数字或 _ . -",
            "The username must be 2-64 letters, digits or _ . -",
        ));
    }
    check_password(&n.password)?;
    let Some(role) = Role::parse(&n.role) else {
        return Err(invalid_account(
            "角色须为 enterprise、inspector、supervisor 或 admin",
            "The role must be enterprise, inspector, supervisor or admin",
        ));
    };
    match role {
        Role::Enterprise => {
            let Some(uscc) = n
                .uscc
                .as_deref()
                .filter(|u| paicha::ids::check_uscc(u).is_ok())
            else {
                return Err(invalid_account(
                    "企业账号须有有效的统一社会信用代码",
                    "An enterprise account needs a valid USCC",
                ));
            };
            // Where it operates: as given, or else the division of its registration authority
            // (characters 3-8 of the USCC, GB 32100-2015).
            if n.regions.is_empty() {
                if let Some(d) = uscc.get(2..8) {
                    n.regions.push(d.to_string());
                }
            }
            check_regions(&n.regions)?;
        }
        Role::Inspector | Role::Supervisor => check_regions(&n.regions)?,
        Role::Admin => {}
    }
    Ok((
        Account {
            username: n.username,
            role,
            name: n.name,
            uscc: n.uscc.filter(|_| role == Role::Enterprise),
            regions: if role == Role::Admin {
                vec![]
            } else {
                n.regions
            },
            disabled: false,
        },
        n.password,
    ))
}

pub async fn create(
    State(app): State<Arc<App>>,
    auth: Authed,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(r) = auth.require_admin() {
        return r;
    }
    let (account, password) = match parse_json::<NewAccount>(body).and_then(new_account) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let hash = match app.hasher.hash(password).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("paicha-server: {e}");
            return super::unavailable();
        }
    };
    let a = app.clone();
    let acc = account.clone();
    let created = blocking(move || {
        a.store.create_account(
            &acc,
            &hash,
            &Audit {
                at: &now().to_rfc3339(),
                actor: &auth.account.username,
                action: "account.create",
                target: &acc.username,
                outcome: "ok",
                detail: acc.role.as_str(),
            },
        )
    })
    .await;
    match created {
        Ok(true) => (StatusCode::CREATED, Json(account)).into_response(),
        Ok(false) => problem(
            StatusCode::CONFLICT,
            "account_exists",
            "该用户名已存在",
            "An account with this username exists",
        ),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    password: Option<String>,
    regions: Option<Vec<String>>,
    name: Option<String>,
    disabled: Option<bool>,
}

pub async fn update(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(username): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(r) = auth.require_admin() {
        return r;
    }
    let c: Change = match parse_json(body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Some(p) = &c.password {
        if let Err(r) = check_password(p) {
            return r;
        }
    }
    if let Some(r) = &c.regions {
        if let Err(resp) = check_regions(r) {
            return resp;
        }
    }
    let password_hash = match &c.password {
        Some(p) => match app.hasher.hash(p.clone()).await {
            Ok(h) => Some(h),
            Err(e) => {
                eprintln!("paicha-server: {e}");
                return super::unavailable();
            }
        },
        None => None,
    };
    let a = app.clone();
    let changed = blocking(move || {
        let what: Vec<&str> = [
            c.password.as_ref().map(|_| "password"),
            c.regions.as_ref().map(|_| "regions"),
            c.name.as_ref().map(|_| "name"),
            c.disabled.map(|d| if d { "disabled" } else { "enabled" }),
        ]
        .into_iter()
        .flatten()
        .collect();
        a.store.update_account(
            &username,
            &AccountChange {
                password_hash,
                regions: c.regions,
                name: c.name,
                disabled: c.disabled,
            },
            &Audit {
                at: &now().to_rfc3339(),
                actor: &auth.account.username,
                action: "account.update",
                target: &username,
                outcome: "ok",
                detail: &what.join(","),
            },
        )
    })
    .await;
    match changed {
        Ok(Some(acc)) => Json(acc).into_response(),
        Ok(None) => super::not_found(),
        Err(r) => r,
    }
}

pub async fn audit(State(app): State<Arc<App>>, auth: Authed, RawQuery(raw): RawQuery) -> Response {
    if let Err(r) = auth.require_admin() {
        return r;
    }
    let mut limit = 100usize;
    let mut after = None;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match (k.as_ref(), v.parse::<i64>()) {
            ("limit", Ok(n)) if (1..=1000).contains(&n) => {
                limit = usize::try_from(n).unwrap_or(100)
            }
            ("after", Ok(n)) => after = Some(n),
            (other, _) => return super::invalid_query(other),
        }
    }
    let a = app.clone();
    match blocking(move || a.store.audit_log(after, limit)).await {
        Ok(items) => {
            let next = (items.len() == limit)
                .then(|| items.last().map(|e| e.seq.to_string()))
                .flatten();
            Json(json!({"items": items, "next": next})).into_response()
        }
        Err(r) => r,
    }
}
