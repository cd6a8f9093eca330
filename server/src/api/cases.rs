//! Typical cases (典型案例) over HTTP: an inspector proposes a closed ledger entry or express report
//! with its publication text; a supervisor (an administrator, or an inspector of a level above the
//! case's region, not the proposer) approves it, naming or masking the enterprise, or rejects it;
//! the approved cases are public (`/api/v1/public/typical-cases`, no sign-in), as JSON or XLSX,
//! with only the fields the core's `publish` keeps.

use super::{bad_request, blocking, invalid_query, not_found, now, problem, App};
use crate::auth::{sha256_hex, Authed};
use crate::storage::{Audit, CaseRow, Decision, Role, Stored};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use paicha::express::{self, ExpressEvent, ExpressPolicy, Proposal, Published, Source};
use paicha::ledger;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

fn supervisor_only(auth: &Authed) -> Option<Response> {
    (auth.account.role == Role::Enterprise).then(|| {
        problem(
            StatusCode::FORBIDDEN,
            "role_forbidden",
            "典型案例由监管部门整理",
            "Typical cases are prepared by the supervisors",
        )
    })
}

/// Is the source closed, and in which region is it? `None`: no such record.
fn source_state(app: &App, p: &Proposal) -> crate::storage::Result<Option<(bool, String)>> {
    match p.source {
        Source::LedgerEntry => {
            let events: Vec<ledger::Event> = app
                .store
                .entry_events(&p.source_id)?
                .iter()
                .filter_map(|b| ledger::Event::from_json(b).ok())
                .collect();
            let state = ledger::fold(&events);
            Ok(state.entry(&p.source_id).map(|e| {
                (
                    e.status == ledger::Status::Closed,
                    e.created.enterprise.region.clone(),
                )
            }))
        }
        Source::ExpressReport => {
            let Some(row) = app.store.express_report(&p.source_id)? else {
                return Ok(None);
            };
            let events: Vec<ExpressEvent> = app
                .store
                .express_events_of(&p.source_id)?
                .iter()
                .filter_map(|(b, _)| ExpressEvent::from_json(b).ok())
                .collect();
            let state = express::fold(&events, &BTreeMap::new(), &ExpressPolicy::shipped());
            Ok(state
                .report(&p.source_id)
                .map(|r| (r.status != express::Status::Open, row.region)))
        }
    }
}

fn case_view(c: &CaseRow) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "proposal".into(),
            serde_json::from_str(&c.body).unwrap_or(Value::Null),
        );
        if let Some(p) = &c.published {
            o.insert(
                "published".into(),
                serde_json::from_str(p).unwrap_or(Value::Null),
            );
        }
    }
    v
}

/// `POST /api/v1/typical-cases`: a proposal (client-made id), idempotent by id and content.
pub async fn propose(
    State(app): State<Arc<App>>,
    auth: Authed,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Some(r) = supervisor_only(&auth) {
        return r;
    }
    let b = match super::body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let p: Proposal = match serde_json::from_slice(&b) {
        Ok(p) => p,
        Err(e) => {
            return bad_request(
                "invalid_case",
                &format!("案例有误：{e}"),
                &format!("Bad case: {e}"),
            )
        }
    };
    if let Some(field) = p.problem() {
        return bad_request(
            "invalid_case",
            &format!("案例有误：{field}"),
            &format!("Bad case: {field}"),
        );
    }
    let scope = auth.scope();
    if !scope.has_region(&p.region) {
        return problem(
            StatusCode::FORBIDDEN,
            "outside_scope",
            "该地区不在您负责的范围内",
            "This region is outside your assignment",
        );
    }
    let a = app.clone();
    let actor = auth.account.username.clone();
    let res = blocking(move || {
        let src = source_state(&a, &p)?;
        let Some((closed, region)) = src else {
            return Ok(Err("unknown_source"));
        };
        if !scope.has_region(&region) {
            return Ok(Err("outside_scope"));
        }
        if !closed {
            return Ok(Err("source_not_closed"));
        }
        let body = serde_json::to_string(&p).unwrap_or_default();
        let at = now().to_rfc3339();
        let row = CaseRow {
            id: p.id.clone(),
            sha256: sha256_hex(body.as_bytes()),
            body,
            region: p.region.clone(),
            status: "proposed".into(),
            proposed_by: actor.clone(),
            proposed_at: at.clone(),
            decided_by: None,
            decided_at: None,
            note: None,
            published: None,
        };
        let stored = a.store.put_case(
            &row,
            &Audit {
                at: &at,
                actor: &actor,
                action: "case.propose",
                target: &row.id,
                outcome: "proposed",
                detail: &p.source_id,
            },
        )?;
        Ok(Ok((stored, a.store.case(&row.id)?)))
    })
    .await;
    match res {
        Ok(Ok((Stored::Conflict, _))) => problem(StatusCode::CONFLICT, "changed_content",
            "同一编号的案例内容不同", "A case with this id but other content exists"),
        Ok(Ok((s, Some(c)))) => {
            let mut v = case_view(&c);
            if let Some(o) = v.as_object_mut() {
                o.insert("result".into(), json!(if s == Stored::New { "stored" } else { "duplicate" }));
            }
            Json(v).into_response()
        }
        Ok(Ok((_, None))) => not_found(),
        Ok(Err("source_not_closed")) => problem(StatusCode::CONFLICT, "source_not_closed",
            "只有已销号的台账条目或已处置结束的快报可作为典型案例", "Only a closed ledger entry or an express report whose handling ended can become a typical case"),
        Ok(Err("outside_scope")) => problem(StatusCode::FORBIDDEN, "outside_scope", "该记录不在您负责的范围内", "This record is outside your assignment"),
        Ok(Err(_)) => problem(StatusCode::NOT_FOUND, "unknown_source", "没有这一台账条目或快报", "No such ledger entry or express report"),
        Err(r) => r,
    }
}

/// `GET /api/v1/typical-cases`: proposals and decisions in the account's regions.
pub async fn list(State(app): State<Arc<App>>, auth: Authed) -> Response {
    if let Some(r) = supervisor_only(&auth) {
        return r;
    }
    let scope = auth.scope();
    let a = app.clone();
    match blocking(move || a.store.cases(&scope)).await {
        Ok(rows) => {
            Json(json!({"items": rows.iter().map(case_view).collect::<Vec<_>>()})).into_response()
        }
        Err(r) => r,
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Decide {
    approve: bool,
    /// Name the enterprise (`true`) or mask it (`false`, the default).
    #[serde(default)]
    show_name: bool,
    #[serde(default)]
    note: Option<String>,
}

/// A supervisor of the case: an administrator, or an inspector assigned a region of a level
/// above the case's that covers it.
fn supervises(auth: &Authed, region: &str) -> bool {
    match auth.account.role {
        Role::Admin => true,
        Role::Enterprise => false,
        Role::Inspector | Role::Supervisor => auth.account.regions.iter().any(|r| {
            let p = crate::storage::region_prefix(r);
            r != region && region.starts_with(&p) && p.len() < region.trim_end_matches("00").len()
        }),
    }
}

/// `POST /api/v1/typical-cases/{id}/decision {approve, show_name?, note?}`.
pub async fn decide(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let b = match super::body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Ok(d) = serde_json::from_slice::<Decide>(&b) else {
        return bad_request(
            "invalid_decision",
            "请求须为 {\"approve\": 是否批准, \"show_name\": 是否公开企业名称}",
            "The body must be {\"approve\": bool, \"show_name\": bool}",
        );
    };
    let a = app.clone();
    let found = blocking({
        let id = id.clone();
        move || a.store.case(&id)
    })
    .await;
    let c = match found {
        Ok(Some(c)) if auth.scope().has_region(&c.region) => c,
        Ok(_) => return not_found(),
        Err(r) => return r,
    };
    if !supervises(&auth, &c.region) || c.proposed_by == auth.account.username {
        return problem(
            StatusCode::FORBIDDEN,
            "not_supervisor",
            "典型案例须由上级监管人员（非提出人）审核",
            "A typical case is approved by a supervisor of a level above, not its proposer",
        );
    }
    if c.status != "proposed" {
        return problem(
            StatusCode::CONFLICT,
            "already_decided",
            "该案例已审核",
            "This case was already decided",
        );
    }
    let Ok(p) = serde_json::from_str::<Proposal>(&c.body) else {
        return super::unavailable();
    };
    let at = now();
    let published = d.approve.then(|| {
        serde_json::to_string(&express::publish(
            &p,
            d.show_name,
            &at.date_naive().to_string(),
        ))
        .unwrap_or_default()
    });
    let a = app.clone();
    let by = auth.account.username.clone();
    let at = at.to_rfc3339();
    match blocking(move || {
        a.store.decide_case(
            &Decision {
                id: &c.id,
                approve: d.approve,
                note: d.note.as_deref(),
                published: published.as_deref(),
                by: &by,
                at: &at,
            },
            &Audit {
                at: &at,
                actor: &by,
                action: "case.decide",
                target: &c.id,
                outcome: if d.approve { "approved" } else { "rejected" },
                detail: if d.show_name { "named" } else { "masked" },
            },
        )
    })
    .await
    {
        Ok(Some(c)) => Json(case_view(&c)).into_response(),
        Ok(None) => not_found(),
        Err(r) => r,
    }
}

/// `GET /api/v1/public/typical-cases[?format=xlsx]`: the published list, no sign-in.
pub async fn public(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let mut xlsx = false;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("format", "xlsx") => xlsx = true,
            ("format", "json") => xlsx = false,
            (other, _) => return invalid_query(other),
        }
    }
    let a = app.clone();
    let rows = match blocking(move || a.store.published_cases()).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    // Re-read into the public shape: a field not in `Published` cannot reach the public.
    let items: Vec<Published> = rows
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect();
    if !xlsx {
        return Json(json!({ "items": items })).into_response();
    }
    match to_xlsx(&items) {
        Ok(bytes) => (
            StatusCode::OK,
            [
                (
                    "content-type",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                (
                    "content-disposition",
                    "attachment; filename=\"typical-cases.xlsx\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => super::unavailable(),
    }
}

fn to_xlsx(items: &[Published]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("典型案例")?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let heads = [
        "案例名称",
        "当事人",
        "地区代码",
        "基本案情",
        "违法行为",
        "法律依据",
        "处罚结果",
        "发布日期",
    ];
    for (c, h) in (0u16..).zip(heads) {
        ws.write_string_with_format(0, c, h, &bold)?;
    }
    for (r, it) in (1u32..).zip(items) {
        let cells = [
            &it.title,
            &it.enterprise,
            &it.region,
            &it.facts,
            &it.violation,
            &it.basis,
            &it.penalty,
            &it.published_on,
        ];
        for (c, v) in (0u16..).zip(cells) {
            // Text as text: a spreadsheet never runs a cell that starts with "=" written this way.
            ws.write_string_with_format(r, c, v.as_str(), &wrap)?;
        }
    }
    ws.set_column_width(0, 30)?;
    ws.set_column_width(3, 60)?;
    wb.save_to_buffer()
}
