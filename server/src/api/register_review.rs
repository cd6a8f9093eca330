//! What the county reviews about its register: enterprises inspected without being registered
//! (proposed from the submissions' envelopes, so none is lost; accepted by writing their entry,
//! or dismissed with a reason), and the contact corrections enterprises propose for their own
//! entry (accepted corrections become a new version of the entry).

use super::register::{forbidden, require_supervisor};
use super::{blocking, invalid_query, now, problem, App};
use crate::auth::{sha256_hex, Authed};
use crate::storage::{Audit, Correction, Proposed, Reviewed, Role};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use paicha::campaign::validate::{canonical, validate};
use paicha::campaign::Contact;
use paicha::Catalogue;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

fn flag(raw: Option<&str>, name: &str) -> Result<bool, Response> {
    let mut on = false;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            (k, "1" | "true") if k == name => on = true,
            (k, "0" | "false") if k == name => on = false,
            (other, _) => return Err(invalid_query(other)),
        }
    }
    Ok(on)
}

/// `GET /api/v1/register/unregistered[?all=1]`: enterprises of the caller's regions that were
/// inspected but are not in the register, latest first (`all`: also those dismissed).
pub async fn unregistered(
    State(app): State<Arc<App>>,
    auth: Authed,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(r) = require_supervisor(&auth) {
        return r;
    }
    let all = match flag(raw.as_deref(), "all") {
        Ok(a) => a,
        Err(r) => return r,
    };
    let scope = auth.scope();
    let a = app.clone();
    match blocking(move || a.store.unregistered(&scope, all, 1000)).await {
        Ok(items) => Json(json!({ "items": items })).into_response(),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dismissal {
    pub reason: String,
}

/// `POST /api/v1/register/unregistered/{uscc}/dismiss {reason}`: not to be registered (closed,
/// out of the campaign's scope...); it stays listed with `?all=1`, the reason beside it.
pub async fn dismiss(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(uscc): Path<String>,
    Json(d): Json<Dismissal>,
) -> Response {
    if let Err(r) = require_supervisor(&auth) {
        return r;
    }
    if d.reason.trim().is_empty() || d.reason.chars().count() > 500 {
        return super::bad_request(
            "invalid_reason",
            "须写明原因（500 字以内）",
            "A reason is needed (at most 500 characters)",
        );
    }
    let scope = auth.scope();
    let a = app.clone();
    let res = blocking(move || {
        let known = a.store.unregistered(&scope, true, 100_000)?;
        if !known.iter().any(|u| u.uscc == uscc) {
            return Ok(false);
        }
        a.store.dismiss_unregistered(
            &uscc,
            &d.reason,
            &Audit {
                at: &now().to_rfc3339(),
                actor: &auth.account.username,
                action: "register.dismiss",
                target: &uscc,
                outcome: "stored",
                detail: &d.reason,
            },
        )?;
        Ok(true)
    })
    .await;
    match res {
        Ok(true) => Json(json!({"status": "dismissed"})).into_response(),
        Ok(false) => super::not_found(),
        Err(r) => r,
    }
}

/// What an enterprise may correct in its own entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Proposal {
    id: String,
    #[serde(default)]
    contact: Option<Contact>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

/// `POST /api/v1/register/corrections {id, contact, address, note}`: an enterprise proposes
/// new contact data for its own entry (client-made UUID; the same again is `duplicate`).
pub async fn propose(
    State(app): State<Arc<App>>,
    auth: Authed,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(uscc) = auth
        .account
        .uscc
        .clone()
        .filter(|_| auth.account.role == Role::Enterprise)
    else {
        return forbidden(
            "只有企业可以提出本企业名录信息的更正",
            "Only an enterprise proposes corrections to its own entry",
        );
    };
    let bytes = match super::body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(_) => {
            return super::bad_request(
                "invalid_json",
                "请求体不是有效的 JSON",
                "The body is not valid JSON",
            )
        }
    };
    let p: Proposal = match serde_json::from_value(value.clone()) {
        Ok(p) => p,
        Err(e) => {
            return super::bad_request(
                "invalid_correction",
                &format!("更正内容格式错误：{e}"),
                &format!("Not a correction: {e}"),
            )
        }
    };
    if !paicha::ids::is_uuid(&p.id) || (p.contact.is_none() && p.address.is_none()) {
        return super::bad_request(
            "invalid_correction",
            "更正须有 UUID 编号（id），并至少更正联系人或地址之一",
            "A correction needs a UUID `id` and a new contact or address",
        );
    }
    let a = app.clone();
    let res = blocking(move || {
        let Some(cur) = a.store.register_entry(&uscc)? else {
            return Ok(Err(()));
        };
        // The corrected entry must still pass the register's checks (a phone number that is one).
        let mut e = cur.entry.clone();
        apply(&mut e, &value);
        let issues = validate(&canonical(e), Catalogue::builtin());
        if !issues.is_empty() {
            return Ok(Ok(Err(issues)));
        }
        let _ = p.note;
        let c = Correction {
            id: p.id.clone(),
            uscc: uscc.clone(),
            region: cur.entry.region.clone(),
            sha256: sha256_hex(value.to_string().as_bytes()),
            body: value,
            proposed_by: auth.account.username.clone(),
            proposed_at: now().to_rfc3339(),
            status: "pending".into(),
            reviewed_by: None,
            reviewed_at: None,
            review_note: None,
        };
        let at = c.proposed_at.clone();
        let outcome = a.store.put_correction(
            &c,
            &Audit {
                at: &at,
                actor: &auth.account.username,
                action: "register.correction",
                target: &c.id,
                outcome: "stored",
                detail: &uscc,
            },
        )?;
        Ok(Ok(Ok(outcome)))
    })
    .await;
    match res {
        Err(r) => r,
        Ok(Err(())) => problem(
            StatusCode::NOT_FOUND,
            "not_registered",
            "本企业尚未列入企业名录，请联系属地市场监管部门",
            "Your enterprise is not in the register yet; contact your local bureau",
        ),
        Ok(Ok(Err(issues))) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            [("content-type", "application/problem+json")],
            json!({"status": 422, "code": "invalid_entry", "title": "The corrected entry has errors",
                "detail": {"zh": "更正后的信息有错误", "en": "The corrected entry has errors"},
                "errors": issues})
            .to_string(),
        )
            .into_response(),
        Ok(Ok(Ok(Proposed::New))) => Json(json!({"status": "stored"})).into_response(),
        Ok(Ok(Ok(Proposed::Duplicate))) => Json(json!({"status": "duplicate"})).into_response(),
        Ok(Ok(Ok(Proposed::Conflict))) => problem(
            StatusCode::CONFLICT,
            "changed_content",
            "该编号已用于另一项更正",
            "This id is taken by another correction",
        ),
    }
}

/// The proposal's contact and address applied to an entry.
fn apply(e: &mut paicha::campaign::Registered, proposal: &Value) {
    if let Some(c) = proposal
        .get("contact")
        .and_then(|c| serde_json::from_value::<Contact>(c.clone()).ok())
    {
        e.contact = Some(c);
    }
    if let Some(a) = proposal.get("address").and_then(Value::as_str) {
        e.address = Some(a.trim().to_string());
    }
}

/// `GET /api/v1/register/corrections[?pending=1]`: an enterprise's own; a county's to review.
pub async fn corrections(
    State(app): State<Arc<App>>,
    auth: Authed,
    RawQuery(raw): RawQuery,
) -> Response {
    let pending = match flag(raw.as_deref(), "pending") {
        Ok(p) => p,
        Err(r) => return r,
    };
    let scope = auth.scope();
    let a = app.clone();
    match blocking(move || a.store.corrections(&scope, pending)).await {
        Ok(items) => Json(json!({ "items": items })).into_response(),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// `accept` or `reject`.
    pub decision: String,
    #[serde(default)]
    pub note: String,
}

/// `POST /api/v1/register/corrections/{id}/review {decision, note}`: the county accepts (the
/// entry gets a new version with the correction) or rejects a pending correction, once.
pub async fn review(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    Json(r): Json<Review>,
) -> Response {
    if let Err(resp) = require_supervisor(&auth) {
        return resp;
    }
    let accept = match r.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => {
            return super::bad_request(
                "invalid_decision",
                "decision 须为 accept 或 reject",
                "`decision` must be accept or reject",
            )
        }
    };
    let scope = auth.scope();
    let a = app.clone();
    let res = blocking(move || {
        let Some(c) = a.store.correction(&id)? else {
            return Ok(Reviewed::NotFound);
        };
        let Some(cur) = a.store.register_entry(&c.uscc)? else {
            return Ok(Reviewed::NotFound);
        };
        if !scope.covers(&cur.entry.uscc, &cur.entry.region) {
            return Ok(Reviewed::NotFound);
        }
        let updated = accept.then(|| {
            let mut e = cur.entry.clone();
            apply(&mut e, &c.body);
            canonical(e)
        });
        a.store.review_correction(
            &id,
            updated.as_ref(),
            &r.note,
            &Audit {
                at: &now().to_rfc3339(),
                actor: &auth.account.username,
                action: "register.review",
                target: &id,
                outcome: "stored",
                detail: &r.decision,
            },
        )
    })
    .await;
    match res {
        Err(resp) => resp,
        Ok(Reviewed::NotFound) => super::not_found(),
        Ok(Reviewed::Already(s)) => problem(
            StatusCode::CONFLICT,
            "already_reviewed",
            &format!("这项更正已审核（{s}）"),
            &format!("This correction was already reviewed ({s})"),
        ),
        Ok(Reviewed::Done(v)) => Json(json!({
            "status": if accept { "accepted" } else { "rejected" },
            "version": v.map(|v| v.version),
        }))
        .into_response(),
    }
}
