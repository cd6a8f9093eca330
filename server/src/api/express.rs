//! Express reports (快报) over HTTP, as the ledger: devices upload events in batches (same
//! idempotency: same id and content `duplicate`, other content `conflict`, both kept), pull what
//! their scope covers with when the server received it (the clocks stop on delivery), and read
//! the server's fold with clocks and recipients. The reporting county files a report under its
//! division code; the levels above see it at once through the same region-prefix scopes. The
//! server numbers a report when its initial report arrives (`numbering::next_number`).

use super::results::{self, RecordResult, Status};
use super::{blocking, invalid_query, now, App};
use crate::auth::{sha256_hex, Authed};
use crate::storage::{region_prefix, Audit, NewExpressEvent, Role, Scope, Stored};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Datelike;
use paicha::express::{self, ExpressAct, ExpressEvent, ExpressPolicy};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Held across an upload's reads of its reports and its store.
static ONE_UPLOAD: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The events a report has so far: stored ones and those accepted earlier in this upload.
type Known = HashMap<String, (String, Vec<ExpressEvent>)>;

fn known<'a>(
    app: &App,
    cache: &'a mut Known,
    report: &str,
) -> crate::storage::Result<Option<&'a mut (String, Vec<ExpressEvent>)>> {
    if !cache.contains_key(report) {
        let Some(row) = app.store.express_report(report)? else {
            return Ok(None);
        };
        let events = app
            .store
            .express_events_of(report)?
            .iter()
            .filter_map(|(b, _)| ExpressEvent::from_json(b).ok())
            .collect();
        cache.insert(report.to_string(), (row.region, events));
    }
    Ok(cache.get_mut(report))
}

fn ingest(app: &App, values: &[Value], auth: &Authed) -> crate::storage::Result<Vec<RecordResult>> {
    let at = now().to_rfc3339();
    let actor = auth.account.username.as_str();
    let scope = auth.scope();
    let policy = ExpressPolicy::shipped();
    let mut cache: Known = HashMap::new();
    // One slot per event in the order sent; those to store are answered after the store.
    let mut answers: Vec<Option<RecordResult>> = Vec::with_capacity(values.len());
    let mut to_store: Vec<(usize, NewExpressEvent)> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let e = match ExpressEvent::from_value(v).and_then(|e| e.validate().map(|_| e)) {
            Ok(e) => e,
            Err(err) => {
                let why = serde_json::to_value(&err).unwrap_or(Value::Null);
                let kept = app.store.put_rejected(
                    &v.to_string(),
                    &why.to_string(),
                    &Audit {
                        at: &at,
                        actor,
                        action: "express.event",
                        target: v.get("id").and_then(Value::as_str).unwrap_or_default(),
                        outcome: "rejected",
                        detail: err.code.as_str(),
                    },
                    app.quotas.rejected_bytes,
                )?;
                let id = v.get("id").and_then(Value::as_str);
                answers.push(Some(if kept {
                    RecordResult::invalid(id, err.code.as_str(), why)
                } else {
                    RecordResult::quota_exceeded(id).with_error(why)
                }));
                continue;
            }
        };
        let deny =
            |code: &str, zh: &str, en: &str| -> crate::storage::Result<Option<RecordResult>> {
                app.store.audit(&Audit {
                    at: &at,
                    actor,
                    action: "express.event",
                    target: &e.id,
                    outcome: "forbidden",
                    detail: code,
                })?;
                Ok(Some(RecordResult::forbidden(&e.id, code, zh, en)))
            };
        if e.author != actor {
            answers.push(deny(
                "author_mismatch",
                "事件的 author 须为当前登录的账号",
                "An event's author must be the signed-in account",
            )?);
            continue;
        }
        if auth.account.role == Role::Enterprise {
            answers.push(deny(
                "role_forbidden",
                "快报由监管部门报送",
                "Express reports are made by the supervisors",
            )?);
            continue;
        }
        let region = match &e.act {
            ExpressAct::Reported(r) => {
                if known(app, &mut cache, &e.report)?.is_some_and(|(_, evs)| {
                    evs.iter()
                        .any(|x| x.id != e.id && matches!(x.act, ExpressAct::Reported(_)))
                }) {
                    answers.push(Some(RecordResult::conflict(
                        &e.id,
                        "report_exists",
                        "这份快报已有初报：不能再次报送初报",
                        "This express report already has its initial report",
                    )));
                    continue;
                }
                r.region.clone()
            }
            _ => match known(app, &mut cache, &e.report)? {
                Some((region, _)) => region.clone(),
                None => {
                    answers.push(Some(RecordResult::rejected(
                        Some(&e.id),
                        "unknown_report",
                        "服务器上没有这份快报：请先上传其初报",
                        "No such express report: upload its initial report first",
                    )));
                    continue;
                }
            },
        };
        if !scope.has_region(&region) {
            answers.push(deny(
                "outside_scope",
                "这份快报不在您负责的地区",
                "This express report is of a region outside your assignment",
            )?);
            continue;
        }
        // What the core makes of the report with this event: an act that does not fit (a
        // follow-up after the handling ended, a summary before it) is refused, not stored.
        let (_, events) = cache
            .entry(e.report.clone())
            .or_insert_with(|| (region.clone(), Vec::new()));
        let mut with = events.clone();
        with.push(e.clone());
        let state = express::fold(&with, &BTreeMap::new(), &policy);
        if let Some(err) = state.outcome(&e.id).and_then(|l| l.error.clone()) {
            let why = serde_json::to_value(&err).unwrap_or(Value::Null);
            answers.push(Some(RecordResult::invalid(
                Some(&e.id),
                err.code.as_str(),
                why,
            )));
            continue;
        }
        *events = with;
        let year = match &e.act {
            ExpressAct::Reported(r) => chrono::DateTime::parse_from_rfc3339(&r.learned_at)
                .map(|t| t.year())
                .unwrap_or(0),
            _ => 0,
        };
        let body = v.to_string();
        let mut attachments = Vec::new();
        super::submissions::cited(v, &mut attachments);
        to_store.push((
            i,
            NewExpressEvent {
                id: e.id.clone(),
                report: e.report.clone(),
                kind: e.act.kind().to_string(),
                sha256: sha256_hex(body.as_bytes()),
                body,
                region,
                year,
                attachments,
                received_at: at.clone(),
            },
        ));
        answers.push(None);
    }
    let events: Vec<NewExpressEvent> = to_store.iter().map(|(_, e)| e.clone()).collect();
    let stored = app.store.put_express(&events, actor, &scope)?;
    for ((slot, ev), (outcome, number)) in to_store.iter().zip(stored) {
        let answer = match outcome {
            Stored::New => {
                RecordResult::ok(&ev.id, Status::Stored).received(&ev.received_at, number)
            }
            Stored::Duplicate => {
                RecordResult::ok(&ev.id, Status::Duplicate).received(&ev.received_at, number)
            }
            Stored::Forbidden | Stored::OutsideScope | Stored::UnknownEntry => {
                RecordResult::forbidden(
                    &ev.id,
                    "outside_scope",
                    "这一编号属于其他地区的快报",
                    "This id belongs to another region's express report",
                )
            }
            Stored::IdInUse => RecordResult::id_in_use(&ev.id),
            Stored::EntryExists => RecordResult::conflict(
                &ev.id,
                "report_exists",
                "这份快报已有初报：不能再次报送初报",
                "This express report already has its initial report",
            ),
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
    // Every slot is filled (refused events at once, stored ones from the store's outcomes); one
    // left empty would be a store answering fewer outcomes than events: sent again, not lost.
    Ok(answers
        .into_iter()
        .map(|a| {
            a.unwrap_or_else(|| {
                RecordResult::refused(
                    None,
                    Status::Rejected,
                    503,
                    "not_stored",
                    "服务器未能保存这一事件：稍后会重新上传",
                    "The server did not store this event: it is sent again later",
                )
            })
        })
        .collect())
}

/// `POST /api/v1/express/events`: one event or an array, answered per event.
pub async fn upload(
    State(app): State<Arc<App>>,
    auth: Authed,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let values = match super::records(body) {
        Ok((v, _)) => v,
        Err(r) => return r,
    };
    let a = app.clone();
    match blocking(move || {
        // The report's region and its events are read, then the batch stored: one upload at a
        // time on this node, so no act lands in between (the initial report's uniqueness is the
        // database's: checked in the storing transaction, with a unique index behind it).
        let _one = ONE_UPLOAD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        ingest(&a, &values, &auth)
    })
    .await
    {
        Ok(answers) => results::batch(answers),
        Err(r) => r,
    }
}

/// `GET /api/v1/express/events?after=SEQ&limit=N`: the events the account may see, oldest
/// first, each with when the server received it and, on initial reports, the report's number.
pub async fn pull(State(app): State<Arc<App>>, auth: Authed, RawQuery(raw): RawQuery) -> Response {
    let mut after = None;
    let mut limit = 500;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "after" => match v.parse() {
                Ok(n) => after = Some(n),
                Err(_) => return invalid_query("after"),
            },
            "limit" => match v.parse().ok().filter(|n| (1..=1000).contains(n)) {
                Some(n) => limit = n,
                None => return invalid_query("limit"),
            },
            other => return invalid_query(other),
        }
    }
    let scope = auth.scope();
    let a = app.clone();
    match blocking(move || a.store.express_events(&scope, after, limit)).await {
        Ok(rows) => {
            let cursor = rows
                .last()
                .map(|r| r.seq)
                .or(after)
                .unwrap_or(0)
                .to_string();
            let next = (rows.len() == limit).then(|| cursor.clone());
            let items: Vec<Value> = rows
                .iter()
                .map(|r| {
                    let mut item = json!({"event": serde_json::from_str::<Value>(&r.body).unwrap_or(Value::Null),
                        "received_at": r.received_at});
                    if let (Some(o), Some(n)) = (item.as_object_mut(), &r.number) {
                        o.insert("number".into(), Value::String(n.clone()));
                    }
                    item
                })
                .collect();
            Json(json!({"items": items, "next": next, "cursor": cursor})).into_response()
        }
        Err(r) => r,
    }
}

/// Events, when the server received each (by event id), and report numbers (by report id).
pub type Pulled = (
    Vec<ExpressEvent>,
    BTreeMap<String, String>,
    HashMap<String, String>,
);

/// Every express event a scope may see, with receipts and numbers (for folds on the server).
pub fn all_express(app: &App, scope: &Scope) -> crate::storage::Result<Pulled> {
    let mut events = Vec::new();
    let mut received = BTreeMap::new();
    let mut numbers = HashMap::new();
    let mut after = None;
    loop {
        let page = app.store.express_events(scope, after, 1000)?;
        let done = page.len() < 1000;
        after = page.last().map(|r| r.seq);
        for r in page {
            if let Ok(e) = ExpressEvent::from_json(&r.body) {
                received.insert(e.id.clone(), r.received_at.clone());
                if let Some(n) = r.number {
                    numbers.insert(e.report.clone(), n);
                }
                events.push(e);
            }
        }
        if done {
            return Ok((events, received, numbers));
        }
    }
}

/// `GET /api/v1/express/reports[?region=CODE][&at=RFC3339]`: the server's fold of the reports in
/// the account's scope (or one region of it), with clocks and recipients as of `at` (default now).
pub async fn reports(
    State(app): State<Arc<App>>,
    auth: Authed,
    RawQuery(raw): RawQuery,
) -> Response {
    let mut region: Option<String> = None;
    let mut at = now();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "region" if paicha::ids::check_region(&v).is_ok() => region = Some(v.to_string()),
            "at" => match chrono::DateTime::parse_from_rfc3339(&v) {
                Ok(t) => at = t,
                Err(_) => return invalid_query("at"),
            },
            other => return invalid_query(other),
        }
    }
    let scope = auth.scope();
    if matches!(scope, Scope::Enterprise { .. }) {
        return Json(json!({"items": []})).into_response();
    }
    let fetch = match &region {
        Some(r) if scope.has_region(r) => Scope::Regions(vec![region_prefix(r)]),
        Some(_) => {
            return super::problem(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                "该地区不在您负责的范围内",
                "This region is outside your assignment",
            )
        }
        None => scope,
    };
    let a = app.clone();
    let (events, received, numbers) = match blocking(move || all_express(&a, &fetch)).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let policy = ExpressPolicy::shipped();
    let state = express::fold(&events, &received, &policy);
    let views = express::views(&state, &policy, at, &|id| numbers.get(id).cloned());
    Json(json!({"as_of": at.to_rfc3339(), "items": views})).into_response()
}
