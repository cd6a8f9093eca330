//! Work lines over HTTP: `GET /api/v1/queue[?line=L][&region=R]` is a line's queue across the
//! region's ledger (the signed-in account's line by default; `line=all` for every line), overdue
//! first, with the due day of each task; `PUT /api/v1/accounts/{username}/line {line}` (admin)
//! puts an account in a line. Which line owns which task is the policy's `lines` table.

use super::{blocking, invalid_query, not_found, problem, App};
use crate::auth::Authed;
use crate::followup::default_line;
use crate::storage::{region_prefix, Audit, Role};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use paicha::ledger::{self, Line, Lines};
use serde_json::json;
use std::sync::Arc;

fn bad_line() -> Response {
    super::bad_request(
        "invalid_line",
        "条线须为 quality_supervision、certification_supervision、law_enforcement、standards、credit 或 leadership",
        "line must be quality_supervision, certification_supervision, law_enforcement, standards, credit or leadership",
    )
}

pub async fn queue(State(app): State<Arc<App>>, auth: Authed, RawQuery(raw): RawQuery) -> Response {
    if auth.account.role == Role::Enterprise {
        return problem(
            StatusCode::FORBIDDEN,
            "role_forbidden",
            "条线待办属于监管部门",
            "Line queues are the supervisors'",
        );
    }
    let mut line: Option<Option<Line>> = None;
    let mut region = None;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "line" if v == "all" => line = Some(None),
            "line" => match Line::parse(&v) {
                Some(l) => line = Some(Some(l)),
                None => return bad_line(),
            },
            "region" if paicha::ids::check_region(&v).is_ok() => region = Some(v.into_owned()),
            other => return invalid_query(other),
        }
    }
    let scope = auth.scope();
    let region = match region {
        Some(r) if scope.has_region(&r) => r,
        Some(_) => {
            return problem(
                StatusCode::FORBIDDEN,
                "forbidden",
                "该地区不在您负责的范围内",
                "This region is outside your assignment",
            )
        }
        None => match auth.account.regions.first() {
            Some(r) => r.clone(),
            None => return invalid_query("region (required for an administrator)"),
        },
    };
    let a = app.clone();
    let username = auth.account.username.clone();
    let role = auth.account.role;
    let res = blocking(move || {
        let own = a.store.account_line(&username)?.or(default_line(role));
        let state = super::ledger_view::queue_state(a.store.as_ref(), &region_prefix(&region))?;
        Ok((own, state, region))
    })
    .await;
    let (own, state, region) = match res {
        Ok(x) => x,
        Err(r) => return r,
    };
    let line = line.unwrap_or(own);
    let items = ledger::queue_in(&state, &Lines::builtin(), line, &region, super::now());
    Json(json!({
        "line": line.map(Line::as_str),
        "own_line": own.map(Line::as_str),
        "region": region,
        "items": items,
    }))
    .into_response()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SetLine {
    line: Option<String>,
}

pub async fn set_line(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(username): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(r) = auth.require_admin() {
        return r;
    }
    let b = match super::body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Ok(SetLine { line }) = serde_json::from_slice::<SetLine>(&b) else {
        return bad_line();
    };
    let line = match line.as_deref().map(Line::parse) {
        None => None,
        Some(Some(l)) => Some(l),
        Some(None) => return bad_line(),
    };
    let a = app.clone();
    let actor = auth.account.username.clone();
    let u = username.clone();
    let res = blocking(move || {
        let at = super::now().to_rfc3339();
        a.store.set_account_line(
            &u,
            line,
            &Audit {
                at: &at,
                actor: &actor,
                action: "account.line",
                target: &u,
                outcome: "ok",
                detail: line.map(Line::as_str).unwrap_or("none"),
            },
        )
    })
    .await;
    match res {
        Ok(true) => {
            Json(json!({"username": username, "line": line.map(Line::as_str)})).into_response()
        }
        Ok(false) => not_found(),
        Err(r) => r,
    }
}
