//! `POST /api/v1/spot-checks/import`: a spot-check result list (监督抽查结果通报, XLSX/XLS/ODS or
//! CSV) from a provincial or national bureau, read by the core (`campaign::spot_import`) into
//! spot-check records. Any bad row, or a row outside the importer's regions: nothing is stored
//! and every problem is answered with its row and column (422 `invalid_rows`, as the register
//! import). Otherwise each record is stored as one uploaded through `POST /api/v1/spot-checks`
//! (every version kept, Order 18's tasks set going), with its id made from the row's identity, so
//! importing the same list again stores nothing (nor in the ledger: `spot_entry.rs`). A record already on the server keeps what was
//! recorded after the result (the order, re-checks, the announcement): the list only brings the
//! result.

use super::register::{invalid_rows, unreadable_sheet};
use super::submissions::derived_uuid;
use super::{blocking, now, App};
use crate::auth::{sha256_hex, Authed};
use crate::storage::{Audit, SpotRecord, Versioned};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use paicha::campaign::import::CellIssue;
use paicha::campaign::spot_import::read_results;
use paicha::issue::Code;
use paicha::ledger::SpotCheck;
use paicha::text::Text;
use paicha::Catalogue;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

pub async fn import(
    State(app): State<Arc<App>>,
    auth: Authed,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let Err(r) = super::spot::recorded_by_supervisors(&auth) {
        return r;
    }
    let bytes = match super::body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let a = app.clone();
    let res = blocking(move || {
        let rows = match paicha_sheet::read(&bytes) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        let mut got = read_results(&rows, Catalogue::builtin(), |key| {
            derived_uuid(&format!("spot-import/{key}"))
        });
        let scope = auth.scope();
        for (row, s) in &got.checks {
            if !scope.may_write(&s.enterprise.uscc, &s.enterprise.region) {
                got.issues.push(CellIssue {
                    row: *row,
                    column: None,
                    header: None,
                    code: Code::OutsideScope,
                    message: Text::new(
                        "该企业不在您负责的地区：由其所在地的监管部门导入",
                        "This enterprise is outside your regions: its own bureau imports it",
                    ),
                });
            }
        }
        if !got.issues.is_empty() {
            got.issues.sort_by_key(|i| i.row);
            return Ok(Ok((got, None)));
        }
        // What was recorded after the result stays (see the module).
        let stored: HashMap<String, SpotCheck> = a
            .store
            .spot_checks(&scope)?
            .into_iter()
            .filter_map(|(b, _)| serde_json::from_str::<SpotCheck>(&b).ok())
            .map(|s| (s.id.clone(), s))
            .collect();
        let at = now().to_rfc3339();
        let actor = auth.account.username.clone();
        let (mut new, mut changed, mut unchanged) = (0usize, 0usize, 0usize);
        for (_, s) in &mut got.checks {
            if let Some(old) = stored.get(&s.id) {
                s.ordered_on.clone_from(&old.ordered_on);
                s.recheck.clone_from(&old.recheck);
                s.announced_on.clone_from(&old.announced_on);
                s.second_recheck.clone_from(&old.second_recheck);
            }
            // As `POST /api/v1/spot-checks` stores a record (the text of its JSON value), so the
            // same record uploaded either way is the same version.
            let body = serde_json::to_value(&*s)
                .map(|v| v.to_string())
                .unwrap_or_default();
            let audit = Audit {
                at: &at,
                actor: &actor,
                action: "spot_check.import",
                target: &s.id,
                outcome: "",
                detail: &s.product,
            };
            let record = SpotRecord {
                id: &s.id,
                sha256: &sha256_hex(body.as_bytes()),
                body: &body,
                uscc: &s.enterprise.uscc,
                region: &s.enterprise.region,
            };
            match a.store.put_spot_check(&record, &scope, &audit)? {
                Versioned::New => new += 1,
                Versioned::Updated => changed += 1,
                Versioned::Duplicate | Versioned::Forbidden => unchanged += 1,
            }
            // An unqualified result opens its ledger entry, as one uploaded does.
            super::spot_entry::mirror(&a, s, &actor, &scope)?;
        }
        Ok(Ok((got, Some((new, changed, unchanged)))))
    })
    .await;
    match res {
        Err(r) => r,
        Ok(Err(why)) => unreadable_sheet(&why),
        Ok(Ok((got, None))) => invalid_rows(got.checks.len(), &got.issues, &got.ignored_columns),
        Ok(Ok((got, Some((new, changed, unchanged))))) => Json(json!({
            "rows": got.checks.len(),
            "new": new,
            "changed": changed,
            "unchanged": unchanged,
            "unqualified": got.checks.iter().filter(|(_, s)| s.result == paicha::ledger::SpotResult::Unqualified).count(),
            "ignored_columns": got.ignored_columns,
        }))
        .into_response(),
    }
}
