//! The audit log: one row per write, in the transaction of the write it describes. A trigger
//! refuses UPDATE and DELETE (and one TRUNCATE), so the table is append-only even for the server
//! itself; revoking those privileges from the server's role as well is the deployment's choice.

use super::{Postgres, Tx};
use crate::storage::{Audit, AuditEntry, AuditStore, Result};
use r2d2_postgres::postgres::types::Type;
use r2d2_postgres::postgres::GenericClient;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE OR REPLACE FUNCTION paicha_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;
CREATE OR REPLACE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION paicha_append_only();
CREATE OR REPLACE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION paicha_append_only();
";

/// Write an audit line inside the caller's transaction. Its text fields are escaped first
/// (`Audit::escaped`): a sign-in name or a record id is whatever a client sent.
pub(crate) fn write_audit(tx: &mut impl GenericClient, a: &Audit<'_>) -> Result<()> {
    let e = a.escaped();
    // Typed: one round trip, no separate prepare (written with every change).
    let t = Type::TEXT;
    tx.execute_typed(
        "INSERT INTO audit (at, actor, action, target, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            (&e.at, t.clone()),
            (&e.actor, t.clone()),
            (&e.action, t.clone()),
            (&e.target, t.clone()),
            (&e.outcome, t.clone()),
            (&e.detail, t),
        ],
    )?;
    Ok(())
}

impl AuditStore for Postgres {
    fn audit(&self, a: &Audit<'_>) -> Result<()> {
        self.write(|tx: &mut Tx<'_>| write_audit(tx, a))
    }

    fn audit_log(&self, after: Option<i64>, limit: usize) -> Result<Vec<AuditEntry>> {
        let limit = i64::try_from(limit).unwrap_or(100);
        self.read(|c| {
            let rows = c.query(
                "SELECT seq, at, actor, action, target, outcome, detail FROM audit
                 WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
                &[&after.unwrap_or(i64::MAX), &limit],
            )?;
            Ok(rows
                .iter()
                .map(|r| AuditEntry {
                    seq: r.get(0),
                    at: r.get(1),
                    actor: r.get(2),
                    action: r.get(3),
                    target: r.get(4),
                    outcome: r.get(5),
                    detail: r.get(6),
                })
                .collect())
        })
    }
}
