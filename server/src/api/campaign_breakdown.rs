//! The summary's breakdown of a locality (by link, severity x status, measure) and the records
//! behind each of its numbers. The core (`campaign::breakdown`) counts and lists from one set of
//! tagged records, made here from the locality's facts (register and entry facts: the summary
//! tables, each entry's with the enterprise's name as recorded, the submission it was found in
//! and each required measure's state) and its submissions with their links (which the summary
//! tables do not keep), read through the submissions' store. Nothing is folded per request: the
//! entry facts are made as events arrive (`on_entry` of the storage backends).

use super::campaign::{ask, plan};
use super::{blocking, invalid_query, App};
use crate::auth::Authed;
use crate::storage::{region_prefix, Query, Scope};
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use paicha::campaign::breakdown::{records, trace as cells, Cell, Records};
use paicha::campaign::{Plan, SubmissionFact};
use paicha::policy::{ActionKind, Severity};
use paicha::template::{Form, Link};
use serde_json::json;
use std::sync::Arc;

/// The tagged records of `region` at `today` (blocking: call inside `blocking`).
pub fn of(
    app: &App,
    plan: &Plan,
    region: &str,
    today: NaiveDate,
) -> crate::storage::Result<Records> {
    let prefix = region_prefix(region);
    let facts = app.store.local_facts(&prefix)?;
    let scope = Scope::Regions(vec![prefix.clone()]);
    let submissions = submissions(app, &prefix, &scope)?;
    Ok(records(
        plan,
        &facts.register,
        &submissions,
        &facts.entries,
        region,
        today,
    ))
}

/// The region's submissions with their own ids and links (the summary tables keep neither: a
/// danger's link is its submission's), paged through the submissions' store.
fn submissions(
    app: &App,
    prefix: &str,
    scope: &Scope,
) -> crate::storage::Result<Vec<SubmissionFact>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = app.store.query(
            &Query {
                uscc: None,
                region: Some(prefix.to_string()),
                product: None,
                form: None,
                link: None,
                level: None,
                valid: None,
                from: None,
                to: None,
                after,
                limit: 1000,
            },
            scope,
        )?;
        after = page.last().map(|s| s.seq);
        let full = page.len() == 1000;
        out.extend(page.into_iter().filter_map(|s| {
            Some(SubmissionFact {
                form: Form::parse(&s.form)?,
                link: serde_json::from_value(json!(s.link)).ok()?,
                // RFC 3339 with its offset: the first ten characters are the local day.
                date: s.inspected_at.get(..10)?.to_string(),
                id: s.id,
                uscc: s.uscc,
                region: s.region,
                name: s.enterprise_name,
                product: s.product,
                valid: s.valid,
            })
        }));
        if !full {
            return Ok(out);
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(json!(s)).ok()
}

/// `GET /api/v1/campaigns/{id}/breakdown/trace?region=&date=&by=link|severity|measure&key=&figure=`:
/// the records behind one number of the breakdown (`key`: the link, `none` for dangers recorded
/// by hand; the severity; the measure's kind).
pub async fn trace(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let plan = match plan(&id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let q = match ask(&auth, plan, raw, &["by", "key", "figure"]) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let (Some(by), Some(key), Some(figure)) = (q.get("by"), q.get("key"), q.get("figure")) else {
        return invalid_query("by, key and figure");
    };
    let figure = figure.to_string();
    let cell = match by {
        "link" if key == "none" => Cell::Link(None, figure),
        "link" => match parse::<Link>(key) {
            Some(l) => Cell::Link(Some(l), figure),
            None => return invalid_query("key (production, sales, none)"),
        },
        "severity" => match parse::<Severity>(key) {
            Some(s) => Cell::Severity(s, figure),
            None => return invalid_query("key (general, major)"),
        },
        "measure" => match parse::<ActionKind>(key) {
            Some(a) => Cell::Measure(a, figure),
            None => return invalid_query("key (a measure kind)"),
        },
        _ => return invalid_query("by (link, severity, measure)"),
    };
    let (region, today) = (q.region.clone(), q.today);
    let r = match blocking(move || of(&app, plan, &region, today)).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    match cells(&r, &cell) {
        Some(items) => {
            Json(json!({"region": q.region, "total": items.len(), "items": items})).into_response()
        }
        None => invalid_query("figure"),
    }
}
