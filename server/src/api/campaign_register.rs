//! The register of a locality as the dashboard shows it (名录台账): its enterprises with their
//! products and links, self-inspected and inspected on site or not, licences with their state at
//! the day asked, and open dangers, in four views (all, licences expired or expiring, not yet
//! self-inspected, not yet inspected on site) with the count of each. Counted by the core
//! (`campaign::roster`) from the locality's facts, the same facts the ranking reads.

use super::campaign::asked;
use super::campaign_summary::product_name;
use super::{blocking, invalid_query, App};
use crate::auth::Authed;
use crate::storage::region_prefix;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use paicha::campaign::{self as core, View};
use serde_json::{json, Value};
use std::sync::Arc;

/// `GET /api/v1/campaigns/{id}/register?region=&date=&view=&limit=`.
pub async fn register(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (plan, q) = match asked(&auth, &id, raw, &["view", "limit"]) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(view) = View::parse(q.get("view").unwrap_or("all")) else {
        return invalid_query("view (all, expiring, no_self, no_onsite)");
    };
    let limit = match q.get("limit").map(str::parse::<usize>) {
        None => 500,
        Some(Ok(n)) if (1..=5000).contains(&n) => n,
        Some(_) => return invalid_query("limit (1-5000)"),
    };
    let prefix = region_prefix(&q.region);
    let facts = match blocking(move || app.store.local_facts(&prefix)).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let rows = core::roster(
        plan,
        &facts.register,
        &facts.submissions,
        &facts.entries,
        &q.region,
        q.today,
    );
    let counts: serde_json::Map<String, Value> = core::roster::counts(&rows)
        .iter()
        .map(|(v, n)| (v.as_str().to_string(), json!(n)))
        .collect();
    let listed = core::roster::view(&rows, view);
    let total = listed.len();
    let items: Vec<Value> = listed
        .into_iter()
        .take(limit)
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
            // Product names for the page (the catalogue's), beside the ids.
            if let Some(ps) = v.get_mut("products").and_then(Value::as_array_mut) {
                for p in ps {
                    let name = p["product"].as_str().map(product_name);
                    if let (Some(o), Some(n)) = (p.as_object_mut(), name) {
                        o.insert("name".into(), json!(n));
                    }
                }
            }
            v
        })
        .collect();
    Json(json!({
        "region": q.region, "name": paicha::divisions::name(&q.region),
        "today": paicha::ledger::date::date_text(q.today), "view": view.as_str(),
        "counts": counts, "total": total, "items": items,
    }))
    .into_response()
}
