//! Supervision spot checks (SAMR Order 18): the current version of each record, and every version
//! it had (re-check and announcement dates are added to a record as they happen).

use super::audit::write_audit;
use super::{scope_sql, Sqlite};
use crate::storage::{Audit, Result, Scope, SpotRecord, SpotStore, Versioned};
use rusqlite::{params, params_from_iter, OptionalExtension};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS spot_checks (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    uscc TEXT NOT NULL,
    region TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS spot_check_versions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL,
    UNIQUE (id, sha256)
);
";

impl SpotStore for Sqlite {
    fn put_spot_check(
        &self,
        rec: &SpotRecord<'_>,
        scope: &Scope,
        a: &Audit<'_>,
    ) -> Result<Versioned> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let current: Option<(String, String, String)> = tx
            .query_row(
                "SELECT sha256, uscc, region FROM spot_checks WHERE id = ?1",
                params![rec.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let outcome = match current {
            // Another region's record, or an update that would move it: refused.
            Some((_, u, r)) if !scope.covers(&u, &r) || u != rec.uscc || r != rec.region => {
                Versioned::Forbidden
            }
            Some((c, _, _)) if c == rec.sha256 => Versioned::Duplicate,
            Some(_) => Versioned::Updated,
            None => Versioned::New,
        };
        if matches!(outcome, Versioned::New | Versioned::Updated) {
            tx.execute(
                "INSERT INTO spot_checks (id, sha256, body, uscc, region, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET sha256 = ?2, body = ?3, uscc = ?4, region = ?5, updated_at = ?6",
                params![rec.id, rec.sha256, rec.body, rec.uscc, rec.region, a.at],
            )?;
            tx.execute(
                "INSERT OR IGNORE INTO spot_check_versions (id, sha256, body, received_at, author)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![rec.id, rec.sha256, rec.body, a.at, a.actor],
            )?;
            super::campaign::on_spot_check(&tx, rec.body)?;
        }
        write_audit(
            &tx,
            &Audit {
                outcome: outcome.as_str(),
                ..*a
            },
        )?;
        tx.commit()?;
        Ok(outcome)
    }

    fn spot_checks(&self, scope: &Scope) -> Result<Vec<(String, String)>> {
        let mut args = Vec::new();
        let cond = scope_sql(scope, &mut args);
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT s.body, coalesce(v.author, '') FROM spot_checks s
             LEFT JOIN spot_check_versions v ON v.id = s.id AND v.sha256 = s.sha256
             WHERE {cond} ORDER BY s.id"
        ))?;
        let rows = stmt.query_map(params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
