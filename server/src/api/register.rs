//! The enterprise register over HTTP: import of XLSX/CSV files (all or nothing, every error per
//! row and column), the template and the export as XLSX, one entry written as JSON, an entry and
//! its history, per-region counts, and the change stream devices sync from
//! (`GET /api/v1/register?after=`, like the ledger's events).
//!
//! Who: inspectors and administrators write within their regions; an enterprise reads only its
//! own entry (and proposes contact corrections, `register_review.rs`).

use super::{blocking, invalid_query, now, problem, App};
use crate::auth::{sha256_hex, Authed};
use crate::storage::{region_prefix, Audit, Change, Role, Scope, Version};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use paicha::campaign::columns::Col;
use paicha::campaign::import::{header_row, read_sheet, to_rows, CellIssue};
use paicha::campaign::validate::{canonical, validate};
use paicha::campaign::Registered;
use paicha::issue::{Code, Issue};
use paicha::Catalogue;
use paicha_sheet::{self as sheet, SheetOut};
use serde_json::{json, Value};
use std::sync::Arc;

/// One import at a time: the scope check reads where entries are now, the store writes them.
static IMPORT: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn forbidden(zh: &str, en: &str) -> Response {
    problem(StatusCode::FORBIDDEN, "forbidden", zh, en)
}

/// Only supervisors (inspectors, administrators) keep the register.
pub fn require_supervisor(auth: &Authed) -> Result<(), Response> {
    match auth.account.role {
        Role::Enterprise => Err(forbidden(
            "企业名录由市场监管部门维护",
            "The register is kept by the market-regulation bureaus",
        )),
        _ => Ok(()),
    }
}

fn xlsx(name: &str, bytes: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (
                "content-type",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                "content-disposition",
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn sheet_failed(e: sheet::SheetError) -> Response {
    eprintln!("paicha-server: sheet: {}", e.en);
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "sheet_failed",
        "无法生成表格文件",
        "The spreadsheet could not be made",
    )
}

/// 400 `unreadable_sheet`: the body is not a workbook nor CSV (also for the spot-check lists).
pub(super) fn unreadable_sheet(why: &sheet::SheetError) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "unreadable_sheet",
        &format!("无法读取文件（须为 XLSX、XLS、ODS 或 CSV）：{}", why.zh),
        &format!(
            "The file could not be read (XLSX, XLS, ODS or CSV expected): {}",
            why.en
        ),
    )
}

/// 422 `invalid_rows`: an import with problems, nothing stored; every problem at its row and column.
pub(super) fn invalid_rows(rows: usize, errors: &[CellIssue], ignored: &[String]) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [("content-type", "application/problem+json")],
        json!({
            "type": "https://paicha.invalid/problems/invalid_rows",
            "title": "Rows with errors: nothing was imported",
            "status": 422,
            "code": "invalid_rows",
            "detail": {
                "zh": format!("{} 处错误，未导入任何记录：请改正后重新导入整个文件", errors.len()),
                "en": format!("{} errors, nothing was imported: correct them and import the whole file again", errors.len()),
            },
            "rows": rows,
            "errors": errors,
            "ignored_columns": ignored,
        })
        .to_string(),
    )
        .into_response()
}

/// `POST /api/v1/register/import`: an XLSX (or XLS, ODS) or CSV file as the body. Any bad row:
/// nothing stored, 422 with every error; otherwise every row stored in one transaction (rows
/// that did not change store nothing), 200 with the counts.
pub async fn import(
    State(app): State<Arc<App>>,
    auth: Authed,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(r) = require_supervisor(&auth) {
        return r;
    }
    let bytes = match super::body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let a = app.clone();
    let res = blocking(move || {
        let rows = match sheet::read(&bytes) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        let mut got = read_sheet(&rows, Catalogue::builtin());
        let _one = IMPORT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let scope = auth.scope();
        let usccs: Vec<&str> = got.entries.iter().map(|(_, e)| e.uscc.as_str()).collect();
        let now_at = a.store.register_regions(&usccs)?;
        let mut outside = Vec::new();
        for (row, e) in &got.entries {
            if !e.region.is_empty() && !scope.has_region(&e.region) {
                outside.push((*row, Col::Region));
            } else if now_at.get(&e.uscc).is_some_and(|r| !scope.has_region(r)) {
                outside.push((*row, Col::Uscc));
            }
        }
        for (row, col) in outside {
            got.add(
                row,
                col,
                Issue::detail(
                    "",
                    Code::OutsideScope,
                    "该企业（或其现属地区）不在您负责的地区",
                    "this enterprise (or the region it is in now) is outside your regions",
                ),
            );
        }
        if !got.issues.is_empty() {
            return Ok(Ok((got, None)));
        }
        let entries: Vec<Registered> = got.entries.iter().map(|(_, e)| e.clone()).collect();
        let at = now().to_rfc3339();
        let source = format!("import:{}", sha256_hex(&bytes));
        let changes = a.store.put_register(
            &entries,
            &source,
            &Audit {
                at: &at,
                actor: &auth.account.username,
                action: "register.import",
                target: &source,
                outcome: "stored",
                detail: "",
            },
        )?;
        Ok(Ok((got, Some(changes))))
    })
    .await;
    match res {
        Err(r) => r,
        Ok(Err(why)) => unreadable_sheet(&why),
        Ok(Ok((got, None))) => invalid_rows(got.entries.len(), &got.issues, &got.ignored_columns),
        Ok(Ok((got, Some(changes)))) => {
            let count = |c| changes.iter().filter(|x| **x == c).count();
            Json(json!({
                "rows": got.entries.len(),
                "new": count(Change::New),
                "changed": count(Change::Changed),
                "unchanged": count(Change::Unchanged),
                "ignored_columns": got.ignored_columns,
            }))
            .into_response()
        }
    }
}

const WIDTHS: [f64; 25] = [
    6.0, 22.0, 28.0, 12.0, 30.0, 10.0, 10.0, 16.0, 8.0, 24.0, 24.0, 20.0, 18.0, 16.0, 12.0, 12.0,
    18.0, 16.0, 12.0, 12.0, 18.0, 18.0, 16.0, 12.0, 12.0,
];

fn register_sheet(rows: Vec<Vec<String>>) -> SheetOut<'static> {
    SheetOut {
        name: "企业名录",
        header: header_row(),
        rows,
        widths: WIDTHS.to_vec(),
    }
}

/// `GET /api/v1/register/template`: the empty register with its Chinese headers, how to fill
/// each column, and the catalogue's products by name.
pub async fn template(_auth: Authed) -> Response {
    let help = paicha::campaign::columns::instructions()
        .into_iter()
        .map(|(h, req, how)| {
            vec![
                h,
                if req { "必填" } else { "" }.to_string(),
                how.to_string(),
            ]
        })
        .collect();
    let products = Catalogue::builtin()
        .products()
        .into_iter()
        .map(|p| {
            vec![
                p.name.map(|n| n.zh.clone()).unwrap_or_default(),
                p.product.to_string(),
            ]
        })
        .collect();
    let sheets = [
        register_sheet(Vec::new()),
        SheetOut {
            name: "填写说明",
            header: vec!["列".into(), "是否必填".into(), "填写要求".into()],
            rows: help,
            widths: vec![22.0, 10.0, 80.0],
        },
        SheetOut {
            name: "产品目录",
            header: vec!["产品名称".into(), "产品编号".into()],
            rows: products,
            widths: vec![36.0, 30.0],
        },
    ];
    match sheet::write_xlsx(&sheets) {
        Ok(b) => xlsx("企业名录模板.xlsx", b),
        Err(e) => sheet_failed(e),
    }
}

/// `region=CODE` of a read within the caller's scope (an enterprise has none).
fn region_param(raw: Option<&str>, auth: &Authed) -> Result<Option<String>, Response> {
    let mut region = None;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "region" if paicha::ids::check_region(&v).is_ok() => region = Some(v.to_string()),
            other => return Err(invalid_query(other)),
        }
    }
    if let Some(r) = &region {
        if !auth.scope().has_region(r) {
            return Err(forbidden(
                "该地区不在您负责的范围内",
                "This region is outside your assignment",
            ));
        }
    }
    Ok(region)
}

/// `GET /api/v1/register/export[?region=CODE]`: the current register of the caller's scope (or
/// the region given) as XLSX, in the template's layout, so it can be edited and imported again.
pub async fn export(
    State(app): State<Arc<App>>,
    auth: Authed,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(r) = require_supervisor(&auth) {
        return r;
    }
    let region = match region_param(raw.as_deref(), &auth) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let scope = match region {
        Some(r) => Scope::Regions(vec![region_prefix(&r)]),
        None => auth.scope(),
    };
    let a = app.clone();
    let entries = match blocking(move || a.store.register_in_scope(&scope)).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let rows = to_rows(&entries, Catalogue::builtin());
    match tokio::task::spawn_blocking(move || sheet::write_xlsx(&[register_sheet(rows)])).await {
        Ok(Ok(b)) => xlsx("企业名录.xlsx", b),
        Ok(Err(e)) => sheet_failed(e),
        Err(_) => super::unavailable(),
    }
}

fn entry_json(v: &Version) -> Value {
    json!({"seq": v.seq, "version": v.version, "entry": v.entry, "stored_at": v.stored_at,
        "author": v.author, "source": v.source})
}

/// `GET /api/v1/register/entries/{uscc}`: the current entry and every version. An enterprise
/// reads its own; supervisors those of their regions; anything else is 404 (no probing).
pub async fn read_entry(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(uscc): Path<String>,
) -> Response {
    let a = app.clone();
    let u = uscc.clone();
    let found = match blocking(move || {
        let cur = a.store.register_entry(&u)?;
        let hist = if cur.is_some() {
            a.store.register_history(&u)?
        } else {
            Vec::new()
        };
        Ok((cur, hist))
    })
    .await
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    match found {
        (Some(cur), hist) if auth.scope().covers(&cur.entry.uscc, &cur.entry.region) => {
            Json(json!({
                "current": entry_json(&cur),
                "history": hist.iter().map(entry_json).collect::<Vec<_>>(),
            }))
            .into_response()
        }
        _ => super::not_found(),
    }
}

/// `POST /api/v1/register/entries`: one entry as JSON (a proposal accepted, a correction by
/// hand), checked like an imported row; stored as a new version if it changed.
pub async fn put_entry(
    State(app): State<Arc<App>>,
    auth: Authed,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(r) = require_supervisor(&auth) {
        return r;
    }
    let bytes = match super::body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let entry: Registered = match serde_json::from_slice(&bytes) {
        Ok(e) => e,
        Err(e) => {
            return super::bad_request(
                "invalid_entry",
                &format!("名录条目格式错误：{e}"),
                &format!("Not a register entry: {e}"),
            )
        }
    };
    let entry = canonical(entry);
    let issues = validate(&entry, Catalogue::builtin());
    if !issues.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            [("content-type", "application/problem+json")],
            json!({"type": "https://paicha.invalid/problems/invalid_entry", "status": 422,
                "code": "invalid_entry", "title": "The entry has errors",
                "detail": {"zh": "名录条目有错误，未保存", "en": "The entry has errors; nothing was stored"},
                "errors": issues})
            .to_string(),
        )
            .into_response();
    }
    let a = app.clone();
    let res = blocking(move || {
        let _one = IMPORT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let scope = auth.scope();
        let was = a.store.register_regions(&[entry.uscc.as_str()])?;
        if !scope.has_region(&entry.region) || was.values().any(|r| !scope.has_region(r)) {
            return Ok(None);
        }
        let at = now().to_rfc3339();
        let change = a.store.put_register(
            std::slice::from_ref(&entry),
            "entry",
            &Audit {
                at: &at,
                actor: &auth.account.username,
                action: "register.entry",
                target: &entry.uscc,
                outcome: "stored",
                detail: "",
            },
        )?;
        let cur = a.store.register_entry(&entry.uscc)?;
        Ok(Some((change, cur)))
    })
    .await;
    match res {
        Err(r) => r,
        Ok(None) => forbidden(
            "该企业（或其现属地区）不在您负责的地区",
            "This enterprise (or the region it is in now) is outside your regions",
        ),
        Ok(Some((change, cur))) => Json(json!({
            "change": change.first(),
            "current": cur.as_ref().map(entry_json),
        }))
        .into_response(),
    }
}

/// `GET /api/v1/register?after=SEQ&limit=N`: versions stored since `after` that the account
/// may see, oldest first, for devices to keep their regions' register offline. `in_scope`:
/// false when the entry moved out of the account's regions (the device drops it).
pub async fn pull(State(app): State<Arc<App>>, auth: Authed, RawQuery(raw): RawQuery) -> Response {
    let (after, limit) = match super::ledger::paging(raw.as_deref()) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let scope = auth.scope();
    let a = app.clone();
    let sc = scope.clone();
    match blocking(move || a.store.register_changes(&sc, after, limit)).await {
        Ok(rows) => {
            let cursor = rows
                .last()
                .map(|v| v.seq)
                .or(after)
                .unwrap_or(0)
                .to_string();
            let next = (rows.len() == limit).then(|| cursor.clone());
            let items: Vec<Value> = rows
                .iter()
                .map(|v| {
                    json!({"seq": v.seq, "version": v.version, "entry": v.entry,
                        "in_scope": scope.covers(&v.entry.uscc, &v.entry.region)})
                })
                .collect();
            Json(json!({"items": items, "next": next, "cursor": cursor})).into_response()
        }
        Err(r) => r,
    }
}

/// `GET /api/v1/register/counts?region=CODE`: enterprises per county, product and link under
/// the region (default: the caller's first region).
pub async fn counts(
    State(app): State<Arc<App>>,
    auth: Authed,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(r) = require_supervisor(&auth) {
        return r;
    }
    let region = match region_param(raw.as_deref(), &auth) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let prefix = match (region, auth.account.role) {
        (Some(r), _) => region_prefix(&r),
        (None, Role::Admin) => String::new(),
        (None, _) => match auth.account.regions.first() {
            Some(r) => region_prefix(r),
            None => return invalid_query("region"),
        },
    };
    let a = app.clone();
    let p = prefix.clone();
    match blocking(move || a.store.register_counts(&p)).await {
        Ok(items) => Json(json!({"region": prefix, "items": items})).into_response(),
        Err(r) => r,
    }
}
