//! The audit log: one row per write, in the transaction of the write it describes. Triggers
//! refuse UPDATE and DELETE, so the table is append-only even for the server itself.

use super::Sqlite;
use crate::storage::{Audit, AuditEntry, AuditStore, Result};
use rusqlite::{params, Connection};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// Write an audit line inside the caller's transaction. Its text fields are escaped first
/// (`Audit::escaped`): a sign-in name or a record id is whatever a client sent.
// Statements on the upload path are prepared once per connection and reused (rusqlite's
// statement cache): preparing each time cost more than executing.
pub(crate) fn write_audit(tx: &Connection, a: &Audit<'_>) -> rusqlite::Result<()> {
    let e = a.escaped();
    tx.prepare_cached(
        "INSERT INTO audit (at, actor, action, target, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![e.at, e.actor, e.action, e.target, e.outcome, e.detail])?;
    Ok(())
}

impl AuditStore for Sqlite {
    fn audit(&self, a: &Audit<'_>) -> Result<()> {
        write_audit(&*self.conn()?, a)?;
        Ok(())
    }

    fn audit_log(&self, after: Option<i64>, limit: usize) -> Result<Vec<AuditEntry>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT seq, at, actor, action, target, outcome, detail FROM audit
             WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![
                after.unwrap_or(i64::MAX),
                i64::try_from(limit).unwrap_or(100)
            ],
            |r| {
                Ok(AuditEntry {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    outcome: r.get(5)?,
                    detail: r.get(6)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
