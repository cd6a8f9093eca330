//! Supervision spot checks (监督抽查) over HTTP: inspectors record results and the dates of what
//! followed (a record is updated as the re-checks happen; every version is kept); everyone reads
//! what their scope covers, with the tasks SAMR Order 18 sets going; inspectors see the
//! enterprises of their region due a key on-site inspection (two or more failures within two years).

use super::results::{batch, RecordResult, Status};
use super::{blocking, invalid_query, now, problem, App};
use crate::auth::{sha256_hex, Authed};
use crate::storage::{Audit, Role, SpotRecord, Versioned};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use paicha::ledger::{self, SpotCheck};
use serde_json::{json, Value};
use std::sync::Arc;

/// The days of Order 18 are China's calendar days: "today" is taken in UTC+8.
fn today_in_china() -> chrono::NaiveDate {
    super::spot_entry::now_in_china().date_naive()
}

/// Spot-check results come from the testing body to the bureau: enterprises do not record them
/// (one upload or a whole list, `spot_import.rs`).
pub(super) fn recorded_by_supervisors(auth: &Authed) -> Result<(), Response> {
    if auth.account.role == Role::Enterprise {
        return Err(problem(
            StatusCode::FORBIDDEN,
            "role_forbidden",
            "抽查结果由监管部门录入",
            "Spot-check results are recorded by the supervisors",
        ));
    }
    Ok(())
}

pub async fn upload(
    State(app): State<Arc<App>>,
    auth: Authed,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(r) = recorded_by_supervisors(&auth) {
        return r;
    }
    let mut values = match super::records(body) {
        Ok((v, _)) => v,
        Err(r) => return r,
    };
    for v in &mut values {
        if let Some(Value::String(id)) = v.get_mut("id") {
            *id = crate::canonical::id(id);
        }
    }
    let a = app.clone();
    let results = blocking(move || {
        let at = now().to_rfc3339();
        let actor = auth.account.username.clone();
        let scope = auth.scope();
        let mut out = Vec::new();
        for v in &values {
            let body = v.to_string();
            if let Some(refused) = super::oversized(v, body.len()) {
                out.push(refused);
                continue;
            }
            let parsed = serde_json::from_value::<SpotCheck>(v.clone())
                .map_err(|e| json!({"code": "invalid_spot_check", "message": {"zh": e.to_string(), "en": e.to_string()}}))
                .and_then(|s| match s.validate() {
                    Ok(()) => Ok(s),
                    Err(e) => Err(serde_json::to_value(&e).unwrap_or(Value::Null)),
                });
            let s = match parsed {
                Ok(s) => s,
                Err(why) => {
                    out.push(
                        RecordResult::rejected(
                            v.get("id").and_then(Value::as_str),
                            "invalid_spot_check",
                            "抽查记录无效：见 error",
                            "The spot-check record is not valid: see `error`",
                        )
                        .with_error(why),
                    );
                    continue;
                }
            };
            let outside = || {
                RecordResult::forbidden(
                    &s.id,
                    "outside_scope",
                    "这一抽查记录属于不在您负责的地区的企业，或会被移到别处",
                    "This spot check concerns an enterprise outside your regions, or would move there",
                )
            };
            if !scope.may_write(&s.enterprise.uscc, &s.enterprise.region) {
                out.push(outside());
                continue;
            }
            let stored = a.store.put_spot_check(
                &SpotRecord {
                    id: &s.id,
                    sha256: &sha256_hex(body.as_bytes()),
                    body: &body,
                    uscc: &s.enterprise.uscc,
                    region: &s.enterprise.region,
                },
                &scope,
                &Audit { at: &at, actor: &actor, action: "spot_check.put", target: &s.id, outcome: "", detail: &s.product },
            )?;
            let status = match stored {
                Versioned::New => Status::Stored,
                Versioned::Duplicate => Status::Duplicate,
                Versioned::Updated => Status::Updated,
                Versioned::Forbidden => {
                    out.push(outside());
                    continue;
                }
            };
            // Its ledger entry follows the version now stored (a duplicate too: a record
            // stored before entries were opened gets its own).
            super::spot_entry::mirror(&a, &s, &actor, &scope)?;
            let tasks = serde_json::to_value(ledger::spot_tasks(&s).unwrap_or_default())
                .unwrap_or(Value::Null);
            out.push(RecordResult::ok(&s.id, status).with_tasks(tasks));
        }
        Ok(out)
    })
    .await;
    match results {
        Ok(r) => batch(r),
        Err(r) => r,
    }
}

/// The spot checks an account may see, with who uploaded each one's current version.
fn visible_spots(app: &App, auth: &Authed) -> crate::storage::Result<Vec<(SpotCheck, String)>> {
    Ok(app
        .store
        .spot_checks(&auth.scope())?
        .into_iter()
        .filter_map(|(b, by)| Some((serde_json::from_str(&b).ok()?, by)))
        .collect())
}

/// `GET /api/v1/spot-checks`: every record the account may see, with its tasks.
pub async fn list(State(app): State<Arc<App>>, auth: Authed) -> Response {
    let a = app.clone();
    match blocking(move || visible_spots(&a, &auth)).await {
        Ok(spots) => {
            let items: Vec<Value> = spots
                .iter()
                .map(|(s, by)| {
                    let entry = (s.result == ledger::SpotResult::Unqualified)
                        .then(|| super::spot_entry::entry_id(&s.id));
                    json!({"record": s, "uploaded_by": by, "entry": entry,
                           "tasks": ledger::spot_tasks(s).unwrap_or_default()})
                })
                .collect();
            Json(json!({ "items": items })).into_response()
        }
        Err(r) => r,
    }
}

/// `GET /api/v1/key-inspections[?region=CODE]`: enterprises with two or more unqualified results
/// within two years, with the items that failed (the targets of the inspection) and where its
/// follow-up stands (`follow_up`: due, failed or passed, by the newest on-site inspection since).
pub async fn key_inspections(
    State(app): State<Arc<App>>,
    auth: Authed,
    RawQuery(raw): RawQuery,
) -> Response {
    if auth.account.role == Role::Enterprise {
        return problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "仅监管人员可查看",
            "For supervisors only",
        );
    }
    let mut region = auth.account.regions.first().cloned();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "region" if paicha::ids::check_region(&v).is_ok() && auth.scope().has_region(&v) => {
                region = Some(v.into_owned())
            }
            other => return invalid_query(other),
        }
    }
    let Some(region) = region else {
        return invalid_query("region (required for an administrator)");
    };
    let a = app.clone();
    let res = blocking(move || {
        let spots: Vec<SpotCheck> = visible_spots(&a, &auth)?
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let due = ledger::region_key_inspections(&spots, &region, today_in_china());
        let items = super::key_follow::with_follow_up(&a, &auth, due)?;
        Ok(json!({"region": region, "items": items}))
    })
    .await;
    match res {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}
