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

/// Write several audit lines in one statement (one round trip), in the order given (their
/// `seq` follows it), inside the caller's transaction. Escaped as [`write_audit`] does.
pub(crate) fn write_audits(tx: &mut impl GenericClient, lines: &[Audit<'_>]) -> Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let mut cols: [Vec<String>; 6] = Default::default();
    for a in lines {
        let e = a.escaped();
        for (col, v) in cols
            .iter_mut()
            .zip([e.at, e.actor, e.action, e.target, e.outcome, e.detail])
        {
            col.push(v.into_owned());
        }
    }
    let t = Type::TEXT_ARRAY;
    tx.execute_typed(
        "INSERT INTO audit (at, actor, action, target, outcome, detail)
         SELECT a, b, c, d, e, f FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
            $5::text[], $6::text[]) WITH ORDINALITY AS u(a, b, c, d, e, f, n) ORDER BY n",
        &[
            (&cols[0], t.clone()),
            (&cols[1], t.clone()),
            (&cols[2], t.clone()),
            (&cols[3], t.clone()),
            (&cols[4], t.clone()),
            (&cols[5], t),
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
