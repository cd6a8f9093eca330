//! Where each key on-site inspection stands (issue 13 item 6): the enterprise's on-site
//! inspections the account may see, from the newest failed spot check on, read as the core's
//! rule reads them (`paicha::ledger::key_follow_up`: the newest inspection of a failed product
//! decides; it passes when complete, with no targeted item and no major finding found).

use super::App;
use crate::auth::Authed;
use crate::storage::Query;
use paicha::ledger::{self, Inspected, KeyInspection};
use serde_json::{json, Value};

/// Most inspections of one enterprise read for one key inspection (newest first): a key
/// inspection is followed up a few times, not hundreds.
const MAX_INSPECTIONS: usize = 50;

/// A stored on-site inspection as the rule reads it, owned (the rule borrows from it).
struct Read {
    id: String,
    product: String,
    date: String,
    at: i64,
    valid: bool,
    findings: Vec<(String, bool)>,
}

/// Each due key inspection with its `follow_up` (state, deciding submission, why it failed).
pub fn with_follow_up(
    app: &App,
    auth: &Authed,
    due: Vec<KeyInspection>,
) -> crate::storage::Result<Vec<Value>> {
    let scope = auth.scope();
    let mut out = Vec::with_capacity(due.len());
    for k in due {
        let rows = app.store.query(
            &Query {
                uscc: Some(k.enterprise.uscc.clone()),
                form: Some("onsite_inspection".into()),
                from: Some(k.latest.clone()),
                limit: MAX_INSPECTIONS,
                ..Query::default()
            },
            &scope,
        )?;
        let mut read: Vec<Read> = Vec::new();
        for r in rows {
            let Some(rec) = app.store.submission(&r.id)? else {
                continue;
            };
            // The findings are in the record's report: (item, major).
            let report: Value = serde_json::from_str(&rec.report).unwrap_or(Value::Null);
            let findings = report
                .get("findings")
                .and_then(Value::as_array)
                .map(|f| {
                    f.iter()
                        .filter_map(|f| {
                            let item = f.get("item")?.as_str()?.to_string();
                            Some((item, f.get("severity") == Some(&json!("major"))))
                        })
                        .collect()
                })
                .unwrap_or_default();
            read.push(Read {
                id: rec.id,
                product: rec.meta.product,
                at: chrono::DateTime::parse_from_rfc3339(&rec.meta.inspected_at)
                    .map_or(0, |t| t.timestamp()),
                date: rec.meta.inspected_date,
                valid: rec.meta.valid,
                findings,
            });
        }
        let inspected: Vec<Inspected> = read
            .iter()
            .map(|r| Inspected {
                id: &r.id,
                product: &r.product,
                date: &r.date,
                at: r.at,
                valid: r.valid,
                findings: r.findings.iter().map(|(i, m)| (i.as_str(), *m)).collect(),
            })
            .collect();
        let follow = ledger::key_follow_up(&k, &inspected);
        let mut v = json!(k);
        if let Some(o) = v.as_object_mut() {
            o.insert("follow_up".into(), json!(follow));
        }
        out.push(v);
    }
    Ok(out)
}
