//! The one way a client-made record is stored in PostgreSQL: by its id and the SHA-256 of its
//! canonical JSON. The insert is `ON CONFLICT DO NOTHING`, so when two nodes store the same id at
//! once the second waits for the first transaction and then finds its row: one record, and the
//! other upload is told `duplicate` (or `conflict` with other content, kept for review).

use super::{write_audit, Tx};
use crate::storage::{Audit, Result, Scope, Stored};
use r2d2_postgres::postgres::types::Type;

/// Where one kind of record lives: its table, the table of conflicting versions, the audit
/// action its uploads are logged as, and what an insert refused by another unique key means.
pub(super) struct Kind {
    pub table: &'static str,
    pub conflicts: &'static str,
    pub action: &'static str,
    /// The outcome when the insert stored nothing and no row has the id (another unique key
    /// refused it: a second `created` of a ledger entry).
    pub other_key: Stored,
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

/// Store one record idempotently: `insert` adds it (`ON CONFLICT DO NOTHING`, returning the rows
/// it inserted); a known id with the same hash is a duplicate; with another hash the new version
/// goes to the conflicts table. The attachments a new record cites are noted; one audit line.
pub(super) fn put_idempotent(
    tx: &mut Tx<'_>,
    kind: &Kind,
    u: &Upload<'_>,
    actor: &str,
    scope: &Scope,
    audited: bool,
    insert: impl FnOnce(&mut Tx<'_>) -> Result<u64>,
) -> Result<Stored> {
    let outcome = if insert(tx)? == 1 {
        for sha in u.attachments {
            tx.execute_typed(
                "INSERT INTO cites (submission, sha256) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[(&u.id, Type::TEXT), (sha, Type::TEXT)],
            )?;
        }
        Stored::New
    } else {
        let row = tx.query_typed_opt(
            &format!(
                "SELECT sha256, uscc, region FROM {} WHERE id = $1",
                kind.table
            ),
            &[(&u.id, Type::TEXT)],
        )?;
        match row {
            None => kind.other_key,
            Some(r) => {
                let (existing, uscc, region): (String, String, String) =
                    (r.get(0), r.get(1), r.get(2));
                if !scope.covers(&uscc, &region) {
                    // Another party's id: no conflict row in its review queue, no hint it exists.
                    Stored::Forbidden
                } else if existing == u.sha256 {
                    Stored::Duplicate
                } else {
                    tx.execute(
                        &format!(
                            "INSERT INTO {} (id, sha256, body, received_at, author)
                             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id, sha256) DO NOTHING",
                            kind.conflicts
                        ),
                        &[&u.id, &u.sha256, &u.body, &u.received_at, &actor],
                    )?;
                    Stored::Conflict
                }
            }
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
