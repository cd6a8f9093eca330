//! The summary's breakdown of a locality (by link, severity x status, measure) and the records
//! behind each of its numbers. The core (`campaign::breakdown`) counts and lists from one set of
//! tagged records, made here from the locality's facts alone (the summary tables): the register,
//! the valid inspections with their links, and the entry facts, each with the enterprise's name
//! as recorded, its submission's link and each required measure's state. Nothing is folded or
//! paged through per request: the facts are made as records arrive (the storage backends' hooks).

use super::campaign::asked;
use super::{blocking, invalid_query, App};
use crate::auth::Authed;
use crate::storage::{region_prefix, Storage};
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use paicha::campaign::breakdown::{records, trace as cells, Cell, Records};
use paicha::campaign::Plan;
use paicha::policy::{ActionKind, Severity};
use paicha::template::Link;
use serde_json::json;
use std::sync::Arc;

/// The tagged records of `region` at `today` (blocking: call inside `blocking`).
pub fn of(
    store: &dyn Storage,
    plan: &Plan,
    region: &str,
    today: NaiveDate,
) -> crate::storage::Result<Records> {
    let facts = store.local_facts(&region_prefix(region))?;
    Ok(records(
        plan,
        &facts.register,
        &facts.submissions,
        &facts.entries,
        region,
        today,
    ))
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
    let (plan, q) = match asked(&auth, &id, raw, &["by", "key", "figure"]) {
        Ok(x) => x,
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
    let r = match blocking(move || of(&*app.store, plan, &region, today)).await {
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
