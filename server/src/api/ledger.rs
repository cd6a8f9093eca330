//! The rectification ledger over HTTP: devices upload ledger events (the same batch protocol and
//! idempotency as submissions), pull the events they may see to fold the ledger offline, and read
//! the server's own fold as views (an enterprise's open items; a region's ledger, overdue first),
//! in JSON or CSV. The core (`paicha::ledger`) decides what events mean; the server decides who
//! may make them: the author is the signed-in account, an enterprise may create entries for
//! itself and report rectification, inspectors act within their regions.

use super::results::{batch, RecordResult, Status};
use super::{blocking, invalid_query, now, problem, App};
use crate::auth::{sha256_hex, Authed};
use crate::storage::{region_prefix, Audit, NewEvent, Owner, Role, Scope, Stored};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use paicha::ledger::{self, Act, Event};
use serde_json::{json, Value};
use std::sync::Arc;

/// May an account of this role make this kind of event?
fn may_make(role: Role, act: &Act) -> bool {
    match role {
        // Re-opening a close-out is the look-back's (回头看), a supervisor's act.
        Role::Inspector => !matches!(act, Act::Reopened { .. }),
        Role::Admin | Role::Supervisor => true,
        // An enterprise records dangers it finds itself (self-found: its own to remove, never an
        // order it gives itself) and reports them removed; orders, verdicts, escalation, measures
        // and closing are the supervisor's.
        Role::Enterprise => match act {
            Act::Created(c) => c.self_found,
            Act::Rectified { .. } => true,
            _ => false,
        },
    }
}

fn entry_exists(id: &str) -> RecordResult {
    RecordResult::conflict(
        id,
        "entry_exists",
        "该台账条目已经登记过：不能再次登记",
        "This ledger entry was already created: it cannot be created again",
    )
}

/// Is an event dated further past the server's receipt than the allowed skew? The fold orders
/// acts by their time, so a device clock set to 2099 would otherwise put its act after every
/// later one (an enterprise's `rectified` hiding a failed re-check). A causal reference from an
/// act to the event it follows is not there yet: this bounds the damage a clock can do.
fn in_future(
    at: &str,
    received: chrono::DateTime<chrono::FixedOffset>,
    skew: chrono::Duration,
) -> bool {
    ledger::date::parse_at(at).is_some_and(|t| t > received + skew)
}

/// Check, authorise and store the events of one upload (the stored ones in one transaction).
/// Events are taken in the order sent, so a device can send an entry's `created` with its acts.
/// Who owns the entry of an act is decided by the storage, in the transaction that stores it.
fn ingest(app: &App, values: &[Value], auth: &Authed) -> crate::storage::Result<Vec<RecordResult>> {
    let received = now();
    let at = received.to_rfc3339();
    let actor = auth.account.username.as_str();
    let scope = auth.scope();
    let mut answers: Vec<Option<RecordResult>> = Vec::with_capacity(values.len());
    // Severity of the entries created in this upload, for the deadline bounds of orders and
    // failed re-checks (of stored entries: read from their `created` event).
    let mut severities: std::collections::HashMap<String, paicha::policy::Severity> =
        std::collections::HashMap::new();
    let policy = paicha::Catalogue::builtin().policy();
    let mut to_store: Vec<(usize, NewEvent)> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let body = v.to_string();
        if let Some(refused) = super::oversized(v, body.len()) {
            // Not kept: keeping it is what the limit is against. Logged.
            app.store.audit(&Audit {
                at: &at,
                actor,
                action: "ledger.event",
                target: refused.id.as_deref().unwrap_or_default(),
                outcome: "rejected",
                detail: refused.code.as_deref().unwrap_or_default(),
            })?;
            answers.push(Some(refused));
            continue;
        }
        let event = Event::from_value(v)
            .and_then(|e| e.validate().map(|_| e))
            .map_err(|err| serde_json::to_value(&err).unwrap_or(Value::Null))
            .and_then(|e| match in_future(&e.at, received, app.clock_skew) {
                true => Err(json!({"code": "event_in_future", "event": e.id,
                    "message": {"zh": "事件时间晚于服务器收到的时间：请校准设备时钟",
                                "en": "The event is dated after the server received it: set the device's clock right"}})),
                false => Ok(e),
            });
        let e = match event {
            Ok(e) => e,
            Err(why) => {
                let code = why
                    .get("code")
                    .and_then(Value::as_str)
                    .filter(|c| *c == "event_in_future")
                    .unwrap_or("invalid_event")
                    .to_string();
                let id = v.get("id").and_then(Value::as_str);
                let kept = app.store.put_rejected(
                    &body,
                    &why.to_string(),
                    &Audit {
                        at: &at,
                        actor,
                        action: "ledger.event",
                        target: id.unwrap_or_default(),
                        outcome: "rejected",
                        detail: &code,
                    },
                    app.quotas.rejected_bytes,
                )?;
                let answer = match (kept, code.as_str()) {
                    (false, _) => RecordResult::quota_exceeded(id),
                    (true, "event_in_future") => RecordResult::rejected(
                        id,
                        "event_in_future",
                        "事件时间晚于服务器收到的时间：请校准设备时钟后重新记录",
                        "The event is dated after the server received it: set the device's clock right and record it again",
                    ),
                    (true, _) => RecordResult::rejected(
                        id,
                        "invalid_event",
                        "事件无效：见 error",
                        "The event is not valid: see `error`",
                    ),
                };
                answers.push(Some(answer.with_error(why)));
                continue;
            }
        };
        let deny = |code: &str, zh: &str, en: &str| -> crate::storage::Result<RecordResult> {
            app.store.audit(&Audit {
                at: &at,
                actor,
                action: "ledger.event",
                target: &e.id,
                outcome: "forbidden",
                detail: code,
            })?;
            Ok(RecordResult::forbidden(&e.id, code, zh, en))
        };
        if e.author != actor {
            answers.push(Some(deny(
                "author_mismatch",
                "事件的 author 须为当前登录的账号",
                "An event's author must be the signed-in account",
            )?));
            continue;
        }
        // A spot check's entry and its follow-up are the server's, from the record.
        let server_made = match &e.act {
            Act::SpotFollowed(_) => true,
            Act::Created(c) => c.spot_check.is_some(),
            _ => false,
        };
        if server_made {
            answers.push(Some(deny(
                "server_made",
                "抽查不合格的台账条目及其跟进由服务器根据抽查记录生成",
                "A spot check's ledger entry and its follow-up are made by the server from the spot-check record",
            )?));
            continue;
        }
        if matches!(
            e.act,
            Act::RectificationOrdered { .. } | Act::Rechecked { .. } | Act::Reopened { .. }
        ) && super::spot_entry::is_spot_entry(app, &e.entry)?
        {
            let err = ledger::LedgerError::new(
                ledger::LedgerCode::SpotCheckLoop,
                &e.id,
                &e.entry,
                "",
                "",
            );
            answers.push(Some(
                RecordResult::rejected(
                    Some(&e.id),
                    "spot_check_loop",
                    &err.message.zh,
                    &err.message.en,
                )
                .with_error(serde_json::to_value(&err).unwrap_or(Value::Null)),
            ));
            continue;
        }
        if !may_make(auth.account.role, &e.act) {
            answers.push(Some(deny(
                "role_forbidden",
                "您的角色不能进行此操作（企业只能登记自查发现的隐患和报告整改）",
                "Your role may not do this (enterprises record dangers they found themselves and report rectification)",
            )?));
            continue;
        }
        if matches!(
            e.act,
            Act::RectificationOrdered { .. } | Act::Rechecked { .. }
        ) {
            let severity = match severities.get(&e.entry) {
                Some(s) => Some(*s),
                None => app
                    .store
                    .created_body(&e.entry)?
                    .and_then(|b| Event::from_json(&b).ok())
                    .and_then(|c| match c.act {
                        Act::Created(c) => Some(c.danger.severity),
                        _ => None,
                    }),
            };
            if let Some(Err(err)) = severity.map(|s| ledger::check_deadlines(policy, s, &e)) {
                answers.push(Some(
                    RecordResult::rejected(
                        Some(&e.id),
                        "deadline_out_of_bounds",
                        "期限超出本地政策允许的范围：见 error",
                        "The deadline is beyond what the local policy allows: see `error`",
                    )
                    .with_error(serde_json::to_value(&err).unwrap_or(Value::Null)),
                ));
                continue;
            }
        }
        if let Act::Created(c) = &e.act {
            severities.insert(e.entry.clone(), c.danger.severity);
        }
        // An assist result (协查) is the asked region's own to record: not the asking region's.
        let assist = match &e.act {
            Act::ActionTaken(t) if t.action == paicha::policy::ActionKind::Assist => {
                t.assist_region.clone()
            }
            _ => None,
        };
        if assist.as_deref().is_some_and(|r| !scope.has_region(r)) {
            answers.push(Some(deny(
                "outside_scope",
                "协查结果须由被请求协查地区的监管部门登记",
                "An assist result is recorded by the bureau of the region asked",
            )?));
            continue;
        }
        let owner = match &e.act {
            Act::Created(c) => Some(Owner {
                uscc: c.enterprise.uscc.clone(),
                region: c.enterprise.region.clone(),
            }),
            _ => None,
        };
        let mut attachments = Vec::new();
        super::submissions::cited(v, &mut attachments);
        to_store.push((
            i,
            NewEvent {
                id: e.id.clone(),
                entry: e.entry.clone(),
                kind: e.act.kind().to_string(),
                sha256: sha256_hex(body.as_bytes()),
                body,
                owner,
                attachments,
                received_at: at.clone(),
                assist,
                event: None,
            },
        ));
        answers.push(None); // filled once stored
    }
    let events: Vec<NewEvent> = to_store.iter().map(|(_, e)| e.clone()).collect();
    let stored = app.store.put_events(&events, actor, &scope)?;
    for ((slot, ev), outcome) in to_store.iter().zip(stored) {
        let answer = match outcome {
            Stored::New => RecordResult::ok(&ev.id, Status::Stored),
            Stored::Duplicate => RecordResult::ok(&ev.id, Status::Duplicate),
            Stored::Forbidden => RecordResult::forbidden(
                &ev.id,
                "outside_scope",
                "这一编号属于其他企业或地区的台账",
                "This id belongs to another enterprise's or region's ledger",
            ),
            Stored::OutsideScope => RecordResult::forbidden(
                &ev.id,
                "outside_scope",
                "这一台账条目属于其他企业或不在您负责的地区",
                "This ledger entry belongs to another enterprise or a region outside your assignment",
            ),
            Stored::UnknownEntry => RecordResult::rejected(
                Some(&ev.id),
                "unknown_entry",
                "台账中没有这一条目：请先上传其登记事件（created）",
                "No such ledger entry: upload its `created` event first",
            ),
            Stored::EntryExists => entry_exists(&ev.id),
            Stored::IdInUse => RecordResult::id_in_use(&ev.id),
            Stored::Conflict => RecordResult::conflict(
                &ev.id,
                "changed_content",
                "同一编号的事件内容不同：两个版本均已保留待审核",
                "An event with this id but other content exists: both versions are kept for review",
            ),
        };
        if let Some(a) = answers.get_mut(*slot) {
            *a = Some(answer);
        }
    }
    Ok(answers.into_iter().flatten().collect())
}

pub async fn upload(
    State(app): State<Arc<App>>,
    auth: Authed,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let mut values = match super::records(body) {
        Ok((v, _)) => v,
        Err(r) => return r,
    };
    // One case for ids (its own, its entry's, the events it names).
    values.iter_mut().for_each(crate::canonical::ids);
    let a = app.clone();
    match blocking(move || ingest(&a, &values, &auth)).await {
        Ok(results) => batch(results),
        Err(r) => r,
    }
}

/// `after` and `limit` of a pull; anything else is an error naming it.
pub(super) fn paging(raw: Option<&str>) -> Result<(Option<i64>, usize), Response> {
    let mut after = None;
    let mut limit = 500;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "after" => after = Some(v.parse().map_err(|_| invalid_query("after"))?),
            "limit" => {
                limit = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| invalid_query("limit"))?
            }
            other => return Err(invalid_query(other)),
        }
    }
    Ok((after, limit))
}

/// `GET /api/v1/events?after=SEQ&limit=N`: the events this account may see, oldest first, so a
/// device can bring its copy of the ledger up to date and fold it offline.
pub async fn pull(State(app): State<Arc<App>>, auth: Authed, RawQuery(raw): RawQuery) -> Response {
    let (after, limit) = match paging(raw.as_deref()) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let scope = auth.scope();
    let a = app.clone();
    match blocking(move || a.store.events(&scope, after, limit)).await {
        Ok(rows) => {
            // `cursor`: where this page ended (or `after` when it is empty), to ask from next
            // time; `next`: the same while more pages wait now.
            let cursor = rows
                .last()
                .map(|(s, _)| *s)
                .or(after)
                .unwrap_or(0)
                .to_string();
            let next = (rows.len() == limit).then(|| cursor.clone());
            let items: Vec<Value> = rows
                .iter()
                .map(|(_, b)| serde_json::from_str(b).unwrap_or(Value::Null))
                .collect();
            Json(json!({"items": items, "next": next, "cursor": cursor})).into_response()
        }
        Err(r) => r,
    }
}

/// `GET /api/v1/ledger[?region=CODE][&format=csv]`: the server's fold of the ledger as the
/// account's view: an enterprise's open entries; for an inspector or admin the ledger of a region
/// (default: the first assigned), overdue first; with conflicts and rejected acts counted.
pub async fn view(State(app): State<Arc<App>>, auth: Authed, RawQuery(raw): RawQuery) -> Response {
    let mut region = None;
    let mut csv = false;
    let mut limit = 500usize;
    let mut offset = 0usize;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("region", r) if paicha::ids::check_region(r).is_ok() => region = Some(r.to_string()),
            ("format", "csv") => csv = true,
            ("format", "json") => csv = false,
            ("limit", n) => match n.parse() {
                Ok(n) if (1..=1000).contains(&n) => limit = n,
                _ => return invalid_query("limit (1-1000)"),
            },
            ("offset", n) => match n.parse() {
                Ok(n) => offset = n,
                Err(_) => return invalid_query("offset"),
            },
            (other, _) => return invalid_query(other),
        }
    }
    let scope = auth.scope();
    let region = match (&auth.account.role, region) {
        (Role::Enterprise, _) => None,
        (_, Some(r)) if scope.has_region(&r) => Some(r),
        (_, Some(_)) => {
            return problem(
                StatusCode::FORBIDDEN,
                "forbidden",
                "该地区不在您负责的范围内",
                "This region is outside your assignment",
            )
        }
        (Role::Inspector | Role::Supervisor, None) => auth.account.regions.first().cloned(),
        (_, None) => return invalid_query("region (required for an administrator)"),
    };
    // Only the kept entries of the region shown are read (it lies within the caller's scope,
    // checked above), not everything the account may see; an enterprise sees its open entries.
    let fetch = match &region {
        Some(r) => Scope::Regions(vec![region_prefix(r)]),
        None => scope.clone(),
    };
    if region.is_none() && auth.account.uscc.is_none() {
        return invalid_query("region");
    }
    let at = now();
    let a = app.clone();
    let open_only = region.is_none();
    let (skip, take) = if csv {
        (0, None)
    } else {
        (offset, Some(limit))
    };
    let page = match blocking(move || {
        super::ledger_view::page(a.store.as_ref(), &fetch, open_only, skip, take, at)
    })
    .await
    {
        Ok(p) => p,
        Err(r) => return r,
    };
    let view = ledger::LedgerView {
        region: region.as_deref(),
        uscc: match region {
            Some(_) => None,
            None => auth.account.uscc.as_deref(),
        },
        rows: page
            .entries
            .iter()
            .map(|e| ledger::Row::of(e, at))
            .collect(),
        conflicts: page.conflicts,
        rejected: page.rejected,
    };
    if csv {
        return (
            StatusCode::OK,
            [
                ("content-type", "text/csv; charset=utf-8"),
                (
                    "content-disposition",
                    "attachment; filename=\"paicha-ledger.csv\"",
                ),
            ],
            ledger::to_csv(&view.rows),
        )
            .into_response();
    }
    // Paged: `total` rows in all, `next` the offset of the next page (the CSV has every row).
    let total = page.total;
    let next = (offset.saturating_add(limit) < total).then(|| (offset + limit).to_string());
    let mut out = serde_json::to_value(&view).unwrap_or(Value::Null);
    if let Some(o) = out.as_object_mut() {
        o.insert("total".into(), json!(total));
        o.insert("next".into(), json!(next));
    }
    Json(out).into_response()
}
