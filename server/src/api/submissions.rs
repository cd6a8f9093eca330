//! Submissions: batch upload (idempotent by id and the SHA-256 of canonical JSON, re-validated by
//! the core: the server's report is the one stored and returned), reading one record, and
//! queries (paged JSON, or CSV for Excel).

use super::results::{batch, RecordResult, Status};
use super::{blocking, invalid_query, not_found, now, App};
use crate::auth::{sha256_hex, Authed};
use crate::storage::{region_prefix, Role};
use crate::storage::{Audit, Meta, NewEvent, NewSubmission, Owner, Query, Stored, Summary};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use paicha::Catalogue;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Every `{"sha256": ...}` attachment reference in the answers (photos, signatures, at any depth
/// of repeat groups).
pub fn cited(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(s)) = o.get("sha256") {
                if is_sha256(s) && !out.contains(s) {
                    out.push(s.clone());
                }
            }
            o.values().for_each(|x| cited(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| cited(x, out)),
        _ => {}
    }
}

pub use paicha::ids::is_sha256;

fn text(v: &Value, ptr: &str) -> String {
    v.pointer(ptr)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// What the server makes of one uploaded value before storing it.
enum Prepared {
    Store(Box<NewSubmission>),
    Reject { body: String, report: String },
    Forbidden(String, Refusal),
}

/// Why a record may not be written by its uploader.
enum Refusal {
    /// Another enterprise's record, or a region outside the uploader's.
    OutsideScope,
    /// Outside the scope because the record's own enterprise details are wrong (a mistyped USCC
    /// or division code): the core's errors, which are then the real cause to tell the user.
    WrongEnterprise(Vec<Value>),
    /// A form of another role (an enterprise filing an on-site inspection of itself).
    RoleForm,
}

/// The forms each role files: an enterprise inspects itself, an inspector inspects on site;
/// an administrator may file either (records entered from paper).
fn may_file(role: Role, form: &str) -> bool {
    match role {
        Role::Enterprise => form == "self_inspection",
        Role::Inspector | Role::Supervisor => form == "onsite_inspection",
        Role::Admin => true,
    }
}

fn prepare(v: &Value, auth: &Authed, at: chrono::DateTime<chrono::FixedOffset>) -> Prepared {
    let report = paicha::check(Catalogue::builtin(), v, Some(at));
    // Written once, straight from the report (no `Value` tree in between): this text is what is
    // stored and, embedded as it is, what the answer carries (`RecordResult::with_report`).
    // Its keys are in the report's field order; readers parse it, nothing hashes it.
    let report_text = serde_json::to_string(&report).unwrap_or_else(|_| "null".into());
    // serde_json writes object keys sorted: this is the canonical form the hash is taken of.
    let body = v.to_string();
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| paicha::ids::is_uuid(s));
    let Some(id) = id else {
        return Prepared::Reject {
            body,
            report: report_text,
        };
    };
    let inspected_at = text(v, "/inspected_at");
    let meta = Meta {
        uscc: text(v, "/enterprise/uscc"),
        enterprise_name: text(v, "/enterprise/name"),
        region: text(v, "/enterprise/region"),
        product: text(v, "/product"),
        form: text(v, "/form"),
        link: text(v, "/link"),
        inspected_date: inspected_at.get(..10).unwrap_or_default().to_string(),
        inspected_at,
        valid: report.valid,
        level: report.level.as_str().to_string(),
        errors: i64::try_from(report.errors.len()).unwrap_or(i64::MAX),
        findings: i64::try_from(report.findings.len()).unwrap_or(i64::MAX),
    };
    if !auth.scope().may_write(&meta.uscc, &meta.region) {
        let wrong: Vec<Value> = report
            .errors
            .iter()
            .filter(|e| e.path.starts_with("/enterprise"))
            .filter_map(|e| serde_json::to_value(e).ok())
            .collect();
        let why = if wrong.is_empty() {
            Refusal::OutsideScope
        } else {
            Refusal::WrongEnterprise(wrong)
        };
        return Prepared::Forbidden(id.to_string(), why);
    }
    // An unknown form is left to the core's report (the record is kept, marked invalid).
    let known_form = matches!(meta.form.as_str(), "self_inspection" | "onsite_inspection");
    if known_form && !may_file(auth.account.role, &meta.form) {
        return Prepared::Forbidden(id.to_string(), Refusal::RoleForm);
    }
    let mut attachments = Vec::new();
    if let Some(a) = v.get("answers") {
        cited(a, &mut attachments);
    }
    Prepared::Store(Box::new(NewSubmission {
        id: id.to_string(),
        sha256: sha256_hex(body.as_bytes()),
        report: report_text,
        body,
        meta,
        attachments,
        events: ledger_events(&report, v, id, &auth.account.username, at),
        received_at: at.to_rfc3339(),
    }))
}

/// A UUID (version 8, RFC 9562) derived from a name: the same name always gives the same id.
pub(crate) fn derived_uuid(name: &str) -> String {
    let h = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(h.get(..16).unwrap_or(&[0; 16]));
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = crate::auth::hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

/// Every hidden danger found goes into the rectification ledger (issue 6): one entry per finding
/// of a new submission, opened with the policy's deadlines on the day of the inspection. The ids
/// derive from the submission's own client-made id, so a retry derives the very same events.
/// Nothing when the envelope is too broken for an entry (the record is kept, marked invalid).
fn ledger_events(
    report: &paicha::Report,
    v: &Value,
    id: &str,
    author: &str,
    received: chrono::DateTime<chrono::FixedOffset>,
) -> Vec<NewEvent> {
    use paicha::ledger::{self, Enterprise, Maker};
    if report.findings.is_empty() {
        return vec![];
    }
    let enterprise = Enterprise {
        uscc: text(v, "/enterprise/uscc"),
        region: text(v, "/enterprise/region"),
        name: Some(text(v, "/enterprise/name")).filter(|n| !n.trim().is_empty()),
    };
    let inspected = text(v, "/inspected_at");
    let at = if ledger::date::parse_at(&inspected).is_some() {
        inspected
    } else {
        received.to_rfc3339()
    };
    let maker = Maker {
        author,
        device: "server",
        at: &at,
    };
    let mut n = 0;
    let mut new_id = || {
        n += 1;
        derived_uuid(&format!("{id}/ledger/{n}"))
    };
    let policy = Catalogue::builtin().policy();
    let product = text(v, "/product");
    // A danger an enterprise finds in its own self-inspection is its own to remove (自查自改):
    // a self-found entry, no order.
    let open = if text(v, "/form") == "self_inspection" {
        ledger::open_self_found
    } else {
        ledger::open_entries
    };
    let Some(events) = open(report, &enterprise, &product, policy, &maker, &mut new_id) else {
        return vec![];
    };
    if events.iter().any(|e| e.validate().is_err()) {
        return vec![];
    }
    let received_at = received.to_rfc3339();
    let owner = Owner {
        uscc: enterprise.uscc.clone(),
        region: enterprise.region.clone(),
    };
    events
        .into_iter()
        .filter_map(|e| server_event(e, &owner, &received_at))
        .collect()
}

/// A ledger event the server makes itself (from a submission's findings, from a spot check), as
/// stored: its canonical JSON, the enterprise it belongs to, no attachments.
pub(crate) fn server_event(
    e: paicha::ledger::Event,
    owner: &Owner,
    received_at: &str,
) -> Option<NewEvent> {
    // Through a `Value`: its keys sorted, the canonical form the hash is taken of.
    let body = serde_json::to_value(&e).ok()?.to_string();
    Some(NewEvent {
        id: e.id.clone(),
        entry: e.entry.clone(),
        kind: e.act.kind().to_string(),
        sha256: sha256_hex(body.as_bytes()),
        body,
        owner: Some(owner.clone()),
        attachments: vec![],
        received_at: received_at.to_string(),
        assist: None,
        event: Some(e),
    })
}

/// The answer for a record the uploader may not write (another enterprise's or region's).
fn forbidden(id: &str) -> RecordResult {
    RecordResult::forbidden(
        id,
        "outside_scope",
        "这条记录属于其他企业或不在您负责的地区，无权提交",
        "This record belongs to another enterprise or a region outside your assignment",
    )
}

/// The answer for a record outside the uploader's scope because its enterprise details are wrong
/// (a USCC with a wrong check character, a division code that does not exist): the cause is the
/// mistake, not the account, so the answer names it (issue 17).
fn wrong_enterprise(id: &str, errors: Vec<Value>) -> RecordResult {
    let join = |lang: &str, sep: &str| {
        errors
            .iter()
            .filter_map(|e| {
                e.pointer(&format!("/message/{lang}"))
                    .and_then(Value::as_str)
            })
            .collect::<Vec<_>>()
            .join(sep)
    };
    RecordResult::forbidden(
        id,
        "invalid_enterprise",
        &format!("企业信息有误：{}", join("zh", "；")),
        &format!("The enterprise details are wrong: {}", join("en", "; ")),
    )
    .with_error(Value::Array(errors))
}

/// Check, store and answer every record of one upload; the stored ones in one transaction.
fn ingest(
    app: &App,
    records: &[Value],
    auth: &Authed,
) -> crate::storage::Result<Vec<RecordResult>> {
    let at = now();
    let at_text = at.to_rfc3339();
    let actor = auth.account.username.as_str();
    let prepared: Vec<Prepared> = records.iter().map(|v| prepare(v, auth, at)).collect();
    let mut answers: Vec<Option<RecordResult>> = vec![None; prepared.len()];
    let mut to_store = Vec::new();
    let mut slots = Vec::new();
    for (i, p) in prepared.into_iter().enumerate() {
        match p {
            Prepared::Store(rec) => {
                to_store.push(*rec);
                slots.push(i);
            }
            Prepared::Reject { body, report } => {
                let kept = app.store.put_rejected(
                    &body,
                    &report,
                    &Audit {
                        at: &at_text,
                        actor,
                        action: "submission.upload",
                        target: "",
                        outcome: "rejected",
                        detail: "invalid_id",
                    },
                    app.quotas.rejected_bytes,
                )?;
                let answer = if kept {
                    RecordResult::rejected(
                        None,
                        "invalid_id",
                        "记录缺少有效的编号（UUID）：已保存待查，请修正后重新提交",
                        "The record has no valid id (UUID): it is kept for review; correct it and submit again",
                    )
                    .with_report(&report)
                } else {
                    RecordResult::quota_exceeded(None).with_report(&report)
                };
                if let Some(a) = answers.get_mut(i) {
                    *a = Some(answer);
                }
            }
            Prepared::Forbidden(id, why) => {
                let answer = match why {
                    Refusal::OutsideScope => forbidden(&id),
                    Refusal::WrongEnterprise(wrong) => wrong_enterprise(&id, wrong),
                    Refusal::RoleForm => RecordResult::forbidden(
                        &id,
                        "role_forbidden",
                        "您的角色不能提交这种表单（企业提交自查，检查员提交现场检查）",
                        "Your role may not file this form (enterprises file self-inspections, inspectors on-site inspections)",
                    ),
                };
                app.store.audit(&Audit {
                    at: &at_text,
                    actor,
                    action: "submission.upload",
                    target: &id,
                    outcome: "forbidden",
                    detail: answer.code.as_deref().unwrap_or_default(),
                })?;
                if let Some(a) = answers.get_mut(i) {
                    *a = Some(answer);
                }
            }
        }
    }
    let stored = app.store.put_submissions(&to_store, actor, &auth.scope())?;
    for ((outcome, rec), slot) in stored.iter().zip(&to_store).zip(slots) {
        let answer = match outcome {
            Stored::New => RecordResult::ok(&rec.id, Status::Stored).with_report(&rec.report),
            Stored::Duplicate => {
                RecordResult::ok(&rec.id, Status::Duplicate).with_report(&rec.report)
            }
            Stored::Forbidden | Stored::OutsideScope => forbidden(&rec.id),
            Stored::IdInUse => RecordResult::id_in_use(&rec.id),
            Stored::Conflict | Stored::EntryExists | Stored::UnknownEntry => RecordResult::conflict(
                &rec.id,
                "changed_content",
                "同一编号的记录内容不同：两个版本均已保留待审核",
                "A record with this id but other content exists: both versions are kept for review",
            ),
        };
        if let Some(a) = answers.get_mut(slot) {
            *a = Some(answer);
        }
    }
    // Every slot was filled above (each record is prepared into exactly one of the three).
    Ok(answers.into_iter().flatten().collect())
}

pub async fn upload(
    State(app): State<Arc<App>>,
    auth: Authed,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (mut records, single) = match super::records(body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    // One case for ids: an upper-cased UUID is the same record, not a second one.
    for r in &mut records {
        if let Some(Value::String(id)) = r.get_mut("id") {
            *id = crate::canonical::id(id);
        }
    }
    let a = app.clone();
    let results = match blocking(move || ingest(&a, &records, &auth)).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    if single {
        return match results.into_iter().next() {
            Some(one) => one.single(),
            None => super::unavailable(),
        };
    }
    batch(results)
}

pub async fn read_one(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
) -> Response {
    let id = crate::canonical::id(&id);
    let a = app.clone();
    let found = blocking(move || {
        let rec = a.store.submission(&id)?;
        let conflicts = a.store.conflicts(&id)?;
        let cites = a.store.cited_attachments(&id)?;
        Ok((rec, conflicts, cites))
    })
    .await;
    match found {
        Ok((Some(rec), conflicts, cites))
            if auth.scope().covers(&rec.meta.uscc, &rec.meta.region) =>
        {
            let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
            let attachments: Vec<Value> = cites
                .into_iter()
                .map(|(sha, m)| {
                    json!({"sha256": sha, "complete": m.as_ref().is_some_and(|m| m.complete),
                           "size": m.filter(|m| m.complete).map(|m| m.length)})
                })
                .collect();
            Json(json!({
                "id": rec.id,
                "sha256": rec.sha256,
                "received_at": rec.received_at,
                "uploaded_by": rec.uploaded_by,
                "submission": parse(&rec.body),
                "report": parse(&rec.report),
                "conflicting_versions": conflicts,
                "attachments": attachments,
            }))
            .into_response()
        }
        // Another party's record is answered as if it did not exist: no probing of ids.
        Ok(_) => not_found(),
        Err(resp) => resp,
    }
}

fn is_date(s: &str) -> bool {
    paicha::date::parse_date(s).is_some()
}

/// Parse the query string pair by pair, so each bad parameter gets a clear error naming it (a
/// serde derive over `Query<T>` reports neither the parameter nor a Chinese message).
fn parse_query(raw: Option<&str>) -> Result<(Query, bool), Response> {
    let mut q = Query {
        limit: 50,
        ..Query::default()
    };
    let mut csv = false;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let v = v.trim().to_string();
        match k.as_ref() {
            "uscc" => q.uscc = Some(v),
            "region" if v.bytes().all(|b| b.is_ascii_digit()) && !v.is_empty() => {
                q.region = Some(region_prefix(&v))
            }
            "product" => q.product = Some(v),
            "form" => q.form = Some(v),
            "link" => q.link = Some(v),
            "level" if matches!(v.as_str(), "none" | "general" | "major") => q.level = Some(v),
            "valid" if v == "true" || v == "false" => q.valid = Some(v == "true"),
            "from" if is_date(&v) => q.from = Some(v),
            "to" if is_date(&v) => q.to = Some(v),
            "limit" => match v.parse::<usize>() {
                Ok(n) if (1..=500).contains(&n) => q.limit = n,
                _ => return Err(invalid_query("limit (1-500)")),
            },
            "after" => match v.parse::<i64>() {
                Ok(n) => q.after = Some(n),
                Err(_) => return Err(invalid_query("after")),
            },
            "format" if v == "csv" || v == "json" => csv = v == "csv",
            other => return Err(invalid_query(other)),
        }
    }
    Ok((q, csv))
}

const CSV_HEADER: [&str; 14] = [
    "id",
    "product",
    "form",
    "link",
    "uscc",
    "enterprise_name",
    "region",
    "inspected_at",
    "received_at",
    "valid",
    "level",
    "errors",
    "findings",
    "uploaded_by",
];

/// UTF-8 with a byte-order mark, so Excel opens Chinese text correctly. Text that a spreadsheet
/// would run as a formula gets a leading `'` (the same rule as the ledger's export).
fn to_csv(rows: &[Summary]) -> Result<Vec<u8>, csv::Error> {
    let text = |s: &str| {
        if paicha::ledger::looks_like_formula(s) {
            format!("'{s}")
        } else {
            s.to_string()
        }
    };
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(CSV_HEADER)?;
    for r in rows {
        w.write_record([
            text(&r.id),
            text(&r.product),
            text(&r.form),
            text(&r.link),
            text(&r.uscc),
            text(&r.enterprise_name),
            text(&r.region),
            text(&r.inspected_at),
            r.received_at.clone(),
            r.valid.to_string(),
            text(&r.level),
            r.errors.to_string(),
            r.findings.to_string(),
            text(&r.uploaded_by),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

pub async fn query(State(app): State<Arc<App>>, auth: Authed, RawQuery(raw): RawQuery) -> Response {
    let (mut q, csv) = match parse_query(raw.as_deref()) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let scope = auth.scope();
    if csv {
        // The export is every matching row, fetched in pages so no single query holds a lock long.
        let a = app.clone();
        let rows = blocking(move || {
            q.limit = 500;
            let mut all = Vec::new();
            loop {
                let page = a.store.query(&q, &scope)?;
                let done = page.len() < q.limit;
                q.after = page.last().map(|r| r.seq);
                all.extend(page);
                if done {
                    return Ok(all);
                }
            }
        })
        .await;
        return match rows.map(|r| to_csv(&r)) {
            Ok(Ok(bytes)) => (
                StatusCode::OK,
                [
                    ("content-type", "text/csv; charset=utf-8"),
                    (
                        "content-disposition",
                        "attachment; filename=\"paicha-submissions.csv\"",
                    ),
                ],
                bytes,
            )
                .into_response(),
            Ok(Err(_)) => super::unavailable(),
            Err(r) => r,
        };
    }
    let a = app.clone();
    let limit = q.limit;
    match blocking(move || a.store.query(&q, &scope)).await {
        Ok(items) => {
            let next = (items.len() == limit)
                .then(|| items.last().map(|r| r.seq.to_string()))
                .flatten();
            Json(json!({"items": items, "next": next})).into_response()
        }
        Err(r) => r,
    }
}

#[cfg(test)]
mod tests {
    /// The content hash relies on serde_json writing object keys sorted (its default map). Should
    /// any crate switch on `preserve_order`, every retry would become a conflict: this fails first.
    #[test]
    fn canonical_json_sorts_keys() {
        let a: serde_json::Value =
            serde_json::from_str(r#"{"b": 1, "a": {"d": 2, "c": 3}}"#).unwrap_or_default();
        assert_eq!(a.to_string(), r#"{"a":{"c":3,"d":2},"b":1}"#);
    }

    /// The events a submission opens are folded as made when the batch stores them
    /// (`NewEvent::event`), where the stored text is what every later fold reads: the two
    /// must be the same event, on site and in a self-inspection.
    #[test]
    fn the_events_made_read_back_as_made() {
        use paicha::ledger::Event;
        let fixture: serde_json::Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/ebike-2025-lithium-no-battery-ccc.json"
        ))
        .unwrap_or_default();
        let at =
            chrono::DateTime::parse_from_rfc3339("2025-12-03T10:00:00+08:00").unwrap_or_default();
        for form in ["onsite_inspection", "self_inspection"] {
            let mut v = fixture.get("submission").cloned().unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("form".into(), form.into());
            }
            let report = paicha::check(paicha::Catalogue::builtin(), &v, Some(at));
            let events = super::ledger_events(&report, &v, "6f1c2a9e-3b7d-4c1e-9a55-0", "a", at);
            assert!(events.len() >= 4, "{form}: {} events", events.len());
            for e in &events {
                let back = Event::from_json(&e.body).ok();
                assert!(back.is_some(), "{form}: {}", e.body);
                assert_eq!(back.as_ref(), e.event.as_ref(), "{form}: {}", e.body);
            }
        }
    }

    /// The level column is what the report itself writes.
    #[test]
    fn level_text_is_the_reports() {
        use paicha::Level;
        for l in [Level::None, Level::General, Level::Major] {
            assert_eq!(
                serde_json::to_value(l).ok(),
                Some(serde_json::Value::String(l.as_str().into()))
            );
        }
    }
}
