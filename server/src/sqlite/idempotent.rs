//! The one way a client-made record is stored: by its id and the SHA-256 of its canonical JSON,
//! so a retry stores nothing new and other content under a known id is kept beside the first
//! version for review. Submissions and ledger events both go through here.

use super::audit::write_audit;
use crate::storage::{Audit, Result, Scope, Stored};
use rusqlite::{params, Transaction};

/// Where one kind of record lives: its table, the table of conflicting versions, and the audit
/// action its uploads are logged as.
pub(super) struct Kind {
    pub table: &'static str,
    pub conflicts: &'static str,
    pub action: &'static str,
}

/// What an idempotent upload of one record needs besides its own insert.
pub(super) struct Upload<'a> {
    pub id: &'a str,
    pub sha256: &'a str,
    pub body: &'a str,
    pub received_at: &'a str,
    pub attachments: &'a [String],
    /// Written in the audit line's detail.
    pub detail: &'a str,
}

/// Store one record idempotently: `insert` adds it unless the id is known (returning the rows it
/// inserted); a known id with the same hash is a duplicate; with another hash the new version goes
/// to the conflicts table. The attachments a new record cites are noted; one audit line always.
pub(super) fn put_idempotent(
    tx: &Transaction<'_>,
    kind: &Kind,
    u: &Upload<'_>,
    actor: &str,
    scope: &Scope,
    audited: bool,
    insert: impl FnOnce() -> rusqlite::Result<usize>,
) -> Result<Stored> {
    let outcome = if insert()? == 1 {
        for sha in u.attachments {
            tx.prepare_cached("INSERT OR IGNORE INTO cites (submission, sha256) VALUES (?1, ?2)")?
                .execute(params![u.id, sha])?;
        }
        Stored::New
    } else {
        let (existing, uscc, region): (String, String, String) = tx
            .prepare_cached(&format!(
                "SELECT sha256, uscc, region FROM {} WHERE id = ?1",
                kind.table
            ))?
            .query_row(params![u.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        if !scope.covers(&uscc, &region) {
            // Another party's id: no conflict row in its review queue, no hint that it exists.
            Stored::Forbidden
        } else if existing == u.sha256 {
            Stored::Duplicate
        } else {
            tx.prepare_cached(&format!(
                "INSERT INTO {} (id, sha256, body, received_at, author) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (id, sha256) DO NOTHING",
                kind.conflicts
            ))?
            .execute(params![u.id, u.sha256, u.body, u.received_at, actor])?;
            Stored::Conflict
        }
    };
    if audited {
        write_audit(
            tx,
            &Audit {
                at: u.received_at,
                actor,
                action: kind.action,
                target: u.id,
                outcome: outcome.as_str(),
                detail: u.detail,
            },
        )?;
    }
    Ok(outcome)
}
