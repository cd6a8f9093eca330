//! Supervision spot checks (SAMR Order 18) in PostgreSQL: the current version of each record and
//! every version it had. The current row is read `FOR UPDATE`, so two nodes storing versions of
//! one record at once take turns and neither version is lost from the history.

use super::{scope_sql, write_audit, Args, Postgres};
use crate::storage::{Audit, Result, Scope, SpotRecord, SpotStore, Versioned};

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
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL,
    UNIQUE (id, sha256)
);
";

impl SpotStore for Postgres {
    fn put_spot_check(
        &self,
        rec: &SpotRecord<'_>,
        scope: &Scope,
        a: &Audit<'_>,
    ) -> Result<Versioned> {
        self.write(|tx| {
            // A first version sent to two nodes at once: the second insert waits for the first
            // and then reads its row, locked until this transaction ends.
            let inserted = tx.execute(
                "INSERT INTO spot_checks (id, sha256, body, uscc, region, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                &[
                    &rec.id,
                    &rec.sha256,
                    &rec.body,
                    &rec.uscc,
                    &rec.region,
                    &a.at,
                ],
            )? == 1;
            let outcome = if inserted {
                Versioned::New
            } else {
                let r = tx.query_one(
                    "SELECT sha256, uscc, region FROM spot_checks WHERE id = $1 FOR UPDATE",
                    &[&rec.id],
                )?;
                let (current, u, g): (String, String, String) = (r.get(0), r.get(1), r.get(2));
                if !scope.covers(&u, &g) || u != rec.uscc || g != rec.region {
                    // Another region's record, or an update that would move it: refused.
                    Versioned::Forbidden
                } else if current == rec.sha256 {
                    Versioned::Duplicate
                } else {
                    Versioned::Updated
                }
            };
            if outcome == Versioned::Updated {
                tx.execute(
                    "UPDATE spot_checks SET sha256 = $2, body = $3, updated_at = $4 WHERE id = $1",
                    &[&rec.id, &rec.sha256, &rec.body, &a.at],
                )?;
            }
            if matches!(outcome, Versioned::New | Versioned::Updated) {
                tx.execute(
                    "INSERT INTO spot_check_versions (id, sha256, body, received_at, author)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id, sha256) DO NOTHING",
                    &[&rec.id, &rec.sha256, &rec.body, &a.at, &a.actor],
                )?;
                super::campaign::on_spot_check(tx, rec.body)?;
            }
            write_audit(
                tx,
                &Audit {
                    outcome: outcome.as_str(),
                    ..*a
                },
            )?;
            Ok(outcome)
        })
    }

    fn spot_checks(&self, scope: &Scope) -> Result<Vec<(String, String)>> {
        let mut args = Args::new();
        let cond = scope_sql(scope, &mut args, "s.");
        let sql = format!(
            "SELECT s.body, coalesce(v.author, '') FROM spot_checks s
             LEFT JOIN spot_check_versions v ON v.id = s.id AND v.sha256 = s.sha256
             WHERE {cond} ORDER BY s.id COLLATE \"C\""
        );
        self.read(|c| {
            Ok(c.query(&sql, &args.refs())?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
    }
}
