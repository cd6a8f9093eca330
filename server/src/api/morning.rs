//! Morning reports (早报) over HTTP: a locality generates its day's roll-up (express reports new,
//! open and overdue; the ledger's dangers found, cleared and overdue) from what the server holds,
//! reviews it (generating again refreshes a draft), adds a note and sends it; the level above
//! then sees it. Drafts are seen only by the locality itself.

use super::express::all_express;
use super::{bad_request, blocking, invalid_query, not_found, now, problem, App};
use crate::auth::Authed;
use crate::storage::{region_prefix, Audit, MorningRow, Role, Scope};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::FixedOffset;
use paicha::express::{self, ExpressPolicy};
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Ask {
    #[serde(default)]
    region: Option<String>,
    /// `YYYY-MM-DD`; default today in `offset`.
    #[serde(default)]
    day: Option<String>,
    /// `+08:00` by default (China Standard Time).
    #[serde(default)]
    offset: Option<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Send {
    #[serde(default)]
    note: String,
}

/// The locality an account reports for: one of its own assigned regions (not a region below).
fn own_region(auth: &Authed, asked: Option<&str>) -> Result<String, Response> {
    let mine = &auth.account.regions;
    match (auth.account.role, asked) {
        (Role::Enterprise, _) => Err(problem(
            StatusCode::FORBIDDEN,
            "role_forbidden",
            "早报由监管部门编制",
            "Morning reports are made by the supervisors",
        )),
        (Role::Admin, Some(r)) => Ok(r.to_string()),
        (_, Some(r)) if mine.iter().any(|m| m == r) => Ok(r.to_string()),
        (_, Some(_)) => Err(problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "只能编制本级（您所负责地区）的早报",
            "You make the morning report of your own region only",
        )),
        (_, None) => mine.first().cloned().ok_or_else(|| invalid_query("region")),
    }
}

fn view(m: &MorningRow) -> Value {
    let mut v = serde_json::to_value(m).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "figures".into(),
            serde_json::from_str(&m.body).unwrap_or(Value::Null),
        );
    }
    v
}

/// May this account see this morning report: drafts by the locality, sent ones by the levels
/// above too.
fn visible(auth: &Authed, m: &MorningRow) -> bool {
    let scope = auth.scope();
    scope.has_region(&m.region)
        && (m.status == "sent"
            || auth.account.role == Role::Admin
            || auth.account.regions.contains(&m.region))
}

/// `POST /api/v1/morning-reports {region?, day?, offset?}`: generate (or refresh) a draft.
pub async fn generate(
    State(app): State<Arc<App>>,
    auth: Authed,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let b = match super::body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let ask: Ask = if b.is_empty() {
        Ask::default()
    } else {
        match serde_json::from_slice(&b) {
            Ok(a) => a,
            Err(e) => {
                return bad_request(
                    "invalid_request",
                    &format!("请求有误：{e}"),
                    &format!("Bad request: {e}"),
                )
            }
        }
    };
    let region = match own_region(&auth, ask.region.as_deref()) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if paicha::ids::check_region(&region).is_err() {
        return invalid_query("region");
    }
    let offset = match ask
        .offset
        .as_deref()
        .unwrap_or("+08:00")
        .parse::<FixedOffset>()
    {
        Ok(o) => o,
        Err(_) => return invalid_query("offset"),
    };
    let at = now();
    let day = match &ask.day {
        Some(d) => match paicha::ledger::date::parse_date(d) {
            Some(d) => d,
            None => return invalid_query("day"),
        },
        None => at.with_timezone(&offset).date_naive(),
    };
    let a = app.clone();
    let actor = auth.account.username.clone();
    let r = region.clone();
    let made = blocking(move || {
        let scope = Scope::Regions(vec![region_prefix(&r)]);
        let (events, received, _) = all_express(&a, &scope)?;
        // The region's entries as kept (`ledger_entries`), not a fold of every event per request.
        let led = super::ledger_view::scope_state(a.store.as_ref(), &scope)?;
        let policy = ExpressPolicy::shipped();
        let state = express::fold(&events, &received, &policy);
        let figures = express::morning(&r, day, offset, at, &state, &led, &policy);
        let row = MorningRow {
            id: format!("{r}-{}", figures.day),
            region: r.clone(),
            day: figures.day.clone(),
            body: serde_json::to_string(&figures).unwrap_or_default(),
            note: String::new(),
            status: "draft".into(),
            generated_at: at.to_rfc3339(),
            generated_by: actor.clone(),
            sent_at: None,
            sent_by: None,
        };
        let fresh = a.store.put_morning(
            &row,
            &Audit {
                at: &row.generated_at,
                actor: &actor,
                action: "morning.generate",
                target: &row.id,
                outcome: "draft",
                detail: &row.day,
            },
        )?;
        Ok((fresh, a.store.morning_report(&row.id)?))
    })
    .await;
    match made {
        Ok((_, Some(m))) => Json(view(&m)).into_response(),
        Ok((_, None)) => not_found(),
        Err(r) => r,
    }
}

/// `GET /api/v1/morning-reports`: the account's own drafts and sent reports, and the sent reports
/// of the regions below.
pub async fn list(State(app): State<Arc<App>>, auth: Authed) -> Response {
    let scope = auth.scope();
    let a = app.clone();
    match blocking(move || a.store.morning_reports(&scope)).await {
        Ok(rows) => {
            let items: Vec<Value> = rows
                .iter()
                .filter(|m| visible(&auth, m))
                .map(view)
                .collect();
            Json(json!({ "items": items })).into_response()
        }
        Err(r) => r,
    }
}

pub async fn read_one(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
) -> Response {
    let a = app.clone();
    match blocking(move || a.store.morning_report(&id)).await {
        Ok(Some(m)) if visible(&auth, &m) => Json(view(&m)).into_response(),
        Ok(_) => not_found(),
        Err(r) => r,
    }
}

/// `POST /api/v1/morning-reports/{id}/send {note?}`: the locality sends its reviewed draft.
pub async fn send(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let b = match super::body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let s: Send = if b.is_empty() {
        Send::default()
    } else {
        match serde_json::from_slice(&b) {
            Ok(s) => s,
            Err(_) => {
                return bad_request(
                    "invalid_request",
                    "请求须为 {\"note\": 审核意见}",
                    "The body must be {\"note\": text}",
                )
            }
        }
    };
    let a = app.clone();
    let found = blocking({
        let id = id.clone();
        move || a.store.morning_report(&id)
    })
    .await;
    let m = match found {
        Ok(Some(m)) if visible(&auth, &m) => m,
        Ok(_) => return not_found(),
        Err(r) => return r,
    };
    if own_region(&auth, Some(&m.region)).is_err() {
        return problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "早报由本级审核报送",
            "A morning report is sent by its own locality",
        );
    }
    let a = app.clone();
    let by = auth.account.username.clone();
    let at = now().to_rfc3339();
    match blocking(move || {
        a.store.send_morning(
            &m.id,
            s.note.trim(),
            &by,
            &at,
            &Audit {
                at: &at,
                actor: &by,
                action: "morning.send",
                target: &m.id,
                outcome: "sent",
                detail: &m.region,
            },
        )
    })
    .await
    {
        Ok(Some(m)) => Json(view(&m)).into_response(),
        Ok(None) => not_found(),
        Err(r) => r,
    }
}
