//! The campaign over HTTP: plans, progress per locality rolled up the hierarchy (counted in SQL
//! from the summary tables, rolled up and flagged by the core), the lagging list, the risk-ranked
//! inspection list, the records behind any figure, supervision acts and the look-back.
//! Summaries (JSON for the report page, XLSX schedule table) are in `campaign_summary.rs`.
//!
//! Who: supervisors, inspectors and admins, within their regions (a province supervisor `52`
//! reads every county, a county one only its own); only supervisors and admins record acts and
//! look-back results. Enterprises: 403.

use super::results::{self, RecordResult, Status};
use super::{blocking, invalid_query, now, problem, App};
use crate::auth::{sha256_hex, Authed};
use crate::storage::{region_prefix, Figure, NewCampaignRecord, NewEvent, Role, Scope, Stored};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use paicha::campaign::{self as core, Plan};
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

/// The campaign plans of the build, checked against the catalogue once.
pub fn plans() -> &'static [Plan] {
    static PLANS: OnceLock<Vec<Plan>> = OnceLock::new();
    PLANS.get_or_init(|| {
        let cat = paicha::Catalogue::builtin();
        let known: Vec<&str> = cat.products().iter().map(|p| p.product).collect();
        core::plan::BUILTIN
            .iter()
            .filter_map(|(id, text)| match Plan::from_json(text, &known) {
                Ok(p) => Some(p),
                Err(e) => {
                    eprintln!("paicha-server: campaign plan {id}: {e:?}");
                    None
                }
            })
            .collect()
    })
}

pub fn plan(id: &str) -> Result<&'static Plan, Response> {
    plans().iter().find(|p| p.id == id).ok_or_else(|| {
        problem(
            StatusCode::NOT_FOUND,
            "unknown_campaign",
            "没有这个专项行动",
            "No such campaign",
        )
    })
}

/// The plan a campaign read names and its query (`ask`): the opening of every read handler.
pub fn asked(
    auth: &Authed,
    id: &str,
    raw: Option<String>,
    allowed: &[&str],
) -> Result<(&'static Plan, Ask), Response> {
    let plan = plan(id)?;
    Ok((plan, ask(auth, plan, raw, allowed)?))
}

/// The query of a campaign read: region (default: the account's first), as-of date (default:
/// today in the plan's offset), and the other parameters the handler allows.
pub struct Ask {
    pub region: String,
    pub today: NaiveDate,
    pub rest: Vec<(String, String)>,
}

impl Ask {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.rest
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Who may read campaign figures, and of which region.
pub fn ask(
    auth: &Authed,
    plan: &Plan,
    raw: Option<String>,
    allowed: &[&str],
) -> Result<Ask, Response> {
    if auth.account.role == Role::Enterprise {
        return Err(problem(
            StatusCode::FORBIDDEN,
            "role_forbidden",
            "专项行动进度由监管部门查看",
            "Campaign progress is for the supervisors",
        ));
    }
    let mut region = None;
    let mut today = plan.today(now());
    let mut rest = Vec::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "region" if paicha::ids::check_region(&v).is_ok() => region = Some(v.to_string()),
            "date" => match paicha::ledger::date::parse_date(&v) {
                Some(d) => today = d,
                None => return Err(invalid_query("date")),
            },
            k if allowed.contains(&k) => rest.push((k.to_string(), v.to_string())),
            other => return Err(invalid_query(other)),
        }
    }
    let region = match region {
        Some(r) => r,
        None if auth.account.role == Role::Admin => plan.region.clone(),
        None => auth
            .account
            .regions
            .first()
            .cloned()
            .ok_or_else(|| invalid_query("region"))?,
    };
    if !auth.scope().has_region(&region)
        || !region.starts_with(region_prefix(&plan.region).as_str())
    {
        return Err(problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "该地区不在您负责的范围内",
            "This region is outside your assignment",
        ));
    }
    Ok(Ask {
        region,
        today,
        rest,
    })
}

fn day_text(d: NaiveDate) -> String {
    paicha::ledger::date::date_text(d)
}

pub async fn list() -> Response {
    Json(json!({ "items": plans() })).into_response()
}

/// Progress from a region down, with its lagging localities.
pub async fn progress(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (plan, q) = match asked(&auth, &id, raw, &[]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let today = day_text(q.today);
    let prefix = region_prefix(&q.region);
    let leaves = match blocking(move || app.store.campaign_leaves(plan, &prefix, &today)).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    Json(core::Answer::of(plan, &q.region, &leaves, q.today)).into_response()
}

/// The plan and the facts under a region, with the names of their localities: what the dashboard
/// keeps at sync to count progress for any later day with the core in WASM (campaign-wasm/), the
/// same figures as `progress` (tests/browser/dashboard.test.mjs compares them).
pub async fn facts(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (plan, q) = match asked(&auth, &id, raw, &[]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let prefix = region_prefix(&q.region);
    let f = match blocking(move || app.store.local_facts(&prefix)).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let regions = (f.register.iter().map(|r| r.region.as_str()))
        .chain(f.submissions.iter().map(|s| s.region.as_str()))
        .chain(f.entries.iter().map(|e| e.region.as_str()))
        .chain(f.spots.iter().map(|s| s.region.as_str()))
        .chain([q.region.as_str()]);
    let names = core::answer::names_of(regions);
    Json(json!({
        "campaign": plan.id, "region": q.region, "synced_for": day_text(q.today), "plan": plan,
        "names": names, "register": f.register, "submissions": f.submissions,
        "entries": f.entries, "spots": f.spots,
    }))
    .into_response()
}

/// The counted figures per division code at a day (overdue counts depend on it, so a device that
/// counts offline for a later day keeps the facts instead: `facts`).
pub async fn leaves(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (plan, q) = match asked(&auth, &id, raw, &[]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let today = day_text(q.today);
    let prefix = region_prefix(&q.region);
    let t = today.clone();
    match blocking(move || app.store.campaign_leaves(plan, &prefix, &t)).await {
        Ok(leaves) => {
            Json(json!({"campaign": plan.id, "region": q.region, "today": today, "leaves": leaves}))
                .into_response()
        }
        Err(r) => r,
    }
}

/// A locality's registered enterprises ranked for on-site inspection, with the factors.
pub async fn ranking(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (plan, q) = match asked(&auth, &id, raw, &["limit"]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let limit = match q.get("limit").map(str::parse::<usize>) {
        None => 100,
        Some(Ok(n)) if (1..=5000).contains(&n) => n,
        Some(_) => return invalid_query("limit (1-5000)"),
    };
    let prefix = region_prefix(&q.region);
    let facts = match blocking(move || app.store.local_facts(&prefix)).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut ranked = core::rank(
        plan,
        &facts.register,
        &facts.submissions,
        &facts.entries,
        &facts.spots,
        &q.region,
        q.today,
    );
    let total = ranked.len();
    ranked.truncate(limit);
    Json(json!({"region": q.region, "today": day_text(q.today), "total": total, "items": ranked}))
        .into_response()
}

/// The records behind a figure (every number of the dashboard and report links here).
pub async fn trace(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (plan, q) = match asked(&auth, &id, raw, &["figure", "product", "limit"]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(figure) = q.get("figure").and_then(Figure::parse) else {
        return invalid_query("figure");
    };
    let product = q.get("product").map(str::to_string);
    if product.as_deref().is_some_and(|p| !plan.in_scope(p)) {
        return invalid_query("product");
    }
    let limit = match q.get("limit").map(str::parse::<usize>) {
        None => 1000,
        Some(Ok(n)) if (1..=10000).contains(&n) => n,
        Some(_) => return invalid_query("limit (1-10000)"),
    };
    let prefix = region_prefix(&q.region);
    let today = day_text(q.today);
    match blocking(move || {
        app.store
            .traced(plan, figure, &prefix, product.as_deref(), &today, limit)
    })
    .await
    {
        Ok(items) => Json(json!({"region": q.region, "items": items})).into_response(),
        Err(r) => r,
    }
}

fn may_supervise(auth: &Authed) -> Result<(), Response> {
    match auth.account.role {
        Role::Supervisor | Role::Admin => Ok(()),
        _ => Err(problem(
            StatusCode::FORBIDDEN,
            "role_forbidden",
            "督导（督促、提醒、约谈、通报）和回头看由督导账号记录",
            "Supervision acts and look-back results are recorded by supervisor accounts",
        )),
    }
}

/// Store supervision acts (`kind = act`) or look-back results (`lookback`), one or an array:
/// each idempotent by id and content hash, within the supervisor's regions, authored by it.
async fn put_records(
    app: Arc<App>,
    auth: Authed,
    plan: &'static Plan,
    kind: &'static str,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(r) = may_supervise(&auth) {
        return r;
    }
    let (values, single) = match super::records(body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let answers = blocking(move || {
        let at = now().to_rfc3339();
        let scope = auth.scope();
        let me = auth.account.username.clone();
        let mut out = Vec::new();
        for v in &values {
            let checked = if kind == "act" {
                serde_json::from_value::<core::SupervisionAct>(v.clone())
                    .map_err(|e| json!({"field": "", "message": {"zh": e.to_string(), "en": e.to_string()}}))
                    .and_then(|a| {
                        a.validate()
                            .map(|_| (a.id.clone(), a.campaign.clone(), a.locality.clone(), a.author.clone(), None))
                            .map_err(|e| serde_json::to_value(e).unwrap_or(Value::Null))
                    })
            } else {
                serde_json::from_value::<core::LookbackResult>(v.clone())
                    .map_err(|e| json!({"field": "", "message": {"zh": e.to_string(), "en": e.to_string()}}))
                    .and_then(|a| {
                        a.validate()
                            .map(|_| (a.id.clone(), a.campaign.clone(), a.locality.clone(), a.author.clone(), Some(a)))
                            .map_err(|e| serde_json::to_value(e).unwrap_or(Value::Null))
                    })
            };
            let (id, campaign, locality, author, lookback) = match checked {
                Ok(x) => x,
                Err(why) => {
                    let id = v.get("id").and_then(Value::as_str);
                    out.push(RecordResult::invalid(id, "invalid_record", why));
                    continue;
                }
            };
            if campaign != plan.id {
                out.push(RecordResult::rejected(
                    Some(&id),
                    "wrong_campaign",
                    "记录所属的专项行动不是这一项",
                    "The record belongs to another campaign",
                ));
                continue;
            }
            if author != me {
                out.push(RecordResult::forbidden(
                    &id,
                    "author_mismatch",
                    "记录的 author 须为当前登录的账号",
                    "A record's author must be the signed-in account",
                ));
                continue;
            }
            if !scope.has_region(&locality) {
                out.push(RecordResult::forbidden(
                    &id,
                    "outside_scope",
                    "这一地区不在您负责的范围",
                    "This locality is outside your assignment",
                ));
                continue;
            }
            // Canonical JSON (keys sorted, no spaces), as the submissions' hash.
            let body = v.to_string();
            let stored = app.store.put_campaign_record(&NewCampaignRecord {
                kind,
                id: &id,
                sha256: &sha256_hex(body.as_bytes()),
                body: &body,
                campaign: &campaign,
                locality: &locality,
                author: &me,
                received_at: &at,
            })?;
            let mut answer = match stored {
                Stored::New => RecordResult::created(&id),
                Stored::Duplicate => RecordResult::ok(&id, Status::Duplicate),
                _ => RecordResult::conflict(
                    &id,
                    "changed_content",
                    "同一编号的记录内容不同：两个版本均已保留待审核",
                    "A record with this id but other content exists: both versions are kept for review",
                ),
            };
            // A failed look-back of an entry re-opens it. Also on a duplicate: the record may
            // have been stored by an earlier try whose re-opening did not get through.
            if let (Some(r), Stored::New | Stored::Duplicate) = (&lookback, stored) {
                if let Some(reopened) = reopen(&app, r, &me, &scope, &at)? {
                    answer = answer.with_reopened(reopened);
                }
            }
            out.push(answer);
        }
        Ok(out)
    })
    .await;
    match answers {
        Ok(r) if single => match r.into_iter().next() {
            Some(one) => one.single(),
            None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        Ok(r) => results::batch(r),
        Err(r) => r,
    }
}

/// Store the `reopened` ledger event a failed look-back of an entry makes (id derived from the
/// look-back's, so a retry stores nothing new), through the ledger's own store: the summary
/// tables follow in its transaction, as for any event. Returns what became of it, or `None`
/// when the look-back re-opens nothing (passed, a spot check's).
fn reopen(
    app: &App,
    r: &core::LookbackResult,
    me: &str,
    scope: &Scope,
    at: &str,
) -> crate::storage::Result<Option<Value>> {
    if r.passed || r.kind != core::TargetKind::Entry {
        return Ok(None);
    }
    let severity = app
        .store
        .created_body(&r.target)?
        .and_then(|b| paicha::ledger::Event::from_json(&b).ok())
        .and_then(|c| match c.act {
            paicha::ledger::Act::Created(c) => Some(c.danger.severity),
            _ => None,
        });
    let Some(severity) = severity else {
        return Ok(Some(json!({"status": "unknown_entry"})));
    };
    let policy = paicha::Catalogue::builtin().policy();
    let id = super::submissions::derived_uuid(&format!("lookback:{}:reopened", r.id));
    let Some(event) = r.reopening(&id, policy, severity) else {
        return Ok(None);
    };
    if let Err(e) = paicha::ledger::check_deadlines(policy, severity, &event) {
        return Ok(Some(json!({"event": id, "status": "rejected",
            "code": "deadline_out_of_bounds", "error": e})));
    }
    let body = serde_json::to_value(&event)
        .map(|v| v.to_string())
        .unwrap_or_default();
    let stored = app.store.put_events(
        &[NewEvent {
            id: id.clone(),
            entry: event.entry.clone(),
            kind: event.act.kind().to_string(),
            sha256: sha256_hex(body.as_bytes()),
            body,
            owner: None,
            attachments: Vec::new(),
            received_at: at.to_string(),
            assist: None,
            event: None,
        }],
        me,
        scope,
    )?;
    let status = match stored.first() {
        Some(Stored::New) => "stored",
        Some(Stored::Duplicate) => "duplicate",
        Some(Stored::UnknownEntry) => "unknown_entry",
        Some(Stored::Forbidden | Stored::OutsideScope) => "outside_scope",
        Some(Stored::IdInUse) => "id_in_use",
        _ => "conflict",
    };
    Ok(Some(json!({"event": id, "status": status})))
}

async fn get_records(
    app: Arc<App>,
    auth: Authed,
    plan: &'static Plan,
    kind: &'static str,
    raw: Option<String>,
) -> Response {
    let q = match ask(&auth, plan, raw, &[]) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let scope = Scope::Regions(vec![region_prefix(&q.region)]);
    match blocking(move || app.store.campaign_records(kind, &plan.id, &scope)).await {
        Ok(bodies) => {
            let items: Vec<Value> = bodies
                .iter()
                .filter_map(|b| serde_json::from_str(b).ok())
                .collect();
            Json(json!({"region": q.region, "items": items})).into_response()
        }
        Err(r) => r,
    }
}

pub async fn post_acts(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match plan(&id) {
        Ok(p) => put_records(app, auth, p, "act", body).await,
        Err(r) => r,
    }
}

pub async fn get_acts(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    match plan(&id) {
        Ok(p) => get_records(app, auth, p, "act", raw).await,
        Err(r) => r,
    }
}

pub async fn post_lookback(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match plan(&id) {
        Ok(p) => put_records(app, auth, p, "lookback", body).await,
        Err(r) => r,
    }
}

pub async fn get_lookback(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    match plan(&id) {
        Ok(p) => get_records(app, auth, p, "lookback", raw).await,
        Err(r) => r,
    }
}

/// A reproducible look-back sample of a locality: closed-out entries and disposed spot checks,
/// drawn by the seed (the same seed and records give the same sample).
pub async fn sample(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (_, q) = match asked(&auth, &id, raw, &["seed", "size"]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(seed) = q.get("seed").filter(|s| !s.is_empty() && s.len() <= 200) else {
        return invalid_query("seed");
    };
    let seed = seed.to_string();
    let size = match q.get("size").map(str::parse::<usize>) {
        None => 10,
        Some(Ok(n)) if (1..=500).contains(&n) => n,
        Some(_) => return invalid_query("size (1-500)"),
    };
    let prefix = region_prefix(&q.region);
    let facts = match blocking(move || app.store.local_facts(&prefix)).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let all = core::candidates(&facts.entries, &facts.spots, &q.region);
    let drawn = core::sample(&all, &seed, size);
    Json(json!({"region": q.region, "seed": seed, "candidates": all.len(), "sample": drawn}))
        .into_response()
}
