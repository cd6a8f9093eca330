//! Attachments: each account's upload of a hash (`uploads`, its bytes live in the blob
//! directory) and which records cite which hash (`cites`, for submissions and ledger events),
//! which together decide who may read the bytes.

use super::audit::write_audit;
use super::{scope_sql, Sqlite};
use crate::storage::{AttachmentMeta, AttachmentStore, Audit, Result, Scope};
use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, OptionalExtension};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS cites (
    submission TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (submission, sha256)
);
CREATE INDEX IF NOT EXISTS cites_sha ON cites (sha256);
CREATE TABLE IF NOT EXISTS uploads (
    sha256 TEXT NOT NULL,
    uploader TEXT NOT NULL,
    length INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    touched_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (sha256, uploader)
);
CREATE INDEX IF NOT EXISTS uploads_unfinished ON uploads (uploader) WHERE complete = 0;
";

pub(super) fn attachment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AttachmentMeta> {
    Ok(AttachmentMeta {
        sha256: r.get(0)?,
        length: r.get(1)?,
        complete: r.get(2)?,
        uploader: r.get(3)?,
    })
}

impl AttachmentStore for Sqlite {
    fn attachment(&self, sha: &str, uploader: &str) -> Result<Option<AttachmentMeta>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT sha256, length, complete, uploader FROM uploads WHERE sha256 = ?1 AND uploader = ?2",
                params![sha, uploader],
                attachment_row,
            )
            .optional()?)
    }

    fn begin_attachment(
        &self,
        sha: &str,
        length: u64,
        uploader: &str,
        now: &str,
        quota: u64,
    ) -> Result<Option<(AttachmentMeta, bool)>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let current = tx
            .query_row(
                "SELECT sha256, length, complete, uploader FROM uploads WHERE sha256 = ?1 AND uploader = ?2",
                params![sha, uploader],
                attachment_row,
            )
            .optional()?;
        if current.as_ref().is_some_and(|m| m.complete) {
            return Ok(current.map(|m| (m, false)));
        }
        // The uploader's other unfinished uploads and this one must fit in the quota.
        let others: i64 = tx.query_row(
            "SELECT coalesce(sum(length), 0) FROM uploads
             WHERE uploader = ?1 AND complete = 0 AND sha256 <> ?2",
            params![uploader, sha],
            |r| r.get(0),
        )?;
        if u64::try_from(others)
            .unwrap_or(u64::MAX)
            .saturating_add(length)
            > quota
        {
            return Ok(None);
        }
        let restarted = current.as_ref().is_some_and(|m| m.length != length);
        tx.execute(
            "INSERT INTO uploads (sha256, uploader, length, complete, touched_at) VALUES (?1, ?2, ?3, 0, ?4)
             ON CONFLICT (sha256, uploader) DO UPDATE SET length = ?3, touched_at = ?4",
            params![sha, uploader, length, now],
        )?;
        tx.commit()?;
        let meta = AttachmentMeta {
            sha256: sha.to_string(),
            length,
            complete: false,
            uploader: uploader.to_string(),
        };
        Ok(Some((meta, restarted)))
    }

    fn expire_unfinished(&self, before: &str) -> Result<Vec<(String, String)>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let gone = {
            let mut stmt = tx.prepare(
                "DELETE FROM uploads WHERE complete = 0 AND touched_at < ?1 RETURNING sha256, uploader",
            )?;
            let rows = stmt.query_map(params![before], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<Vec<(String, String)>>>()?
        };
        tx.commit()?;
        Ok(gone)
    }

    fn complete_attachment(&self, sha: &str, uploader: &str, audit: &Audit<'_>) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE uploads SET complete = 1 WHERE sha256 = ?1 AND uploader = ?2",
            params![sha, uploader],
        )?;
        write_audit(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }

    fn drop_attachment(&self, sha: &str, uploader: &str) -> Result<()> {
        self.conn()?.execute(
            "DELETE FROM uploads WHERE sha256 = ?1 AND uploader = ?2 AND complete = 0",
            params![sha, uploader],
        )?;
        Ok(())
    }

    fn attachment_visible(&self, sha: &str, username: &str, scope: &Scope) -> Result<bool> {
        let mut args = vec![Sql::Text(sha.into()), Sql::Text(username.into())];
        let in_submissions = scope_sql(scope, &mut args);
        let in_events = scope_sql(scope, &mut args);
        let in_express = scope_sql(scope, &mut args);
        // A citing record counts only when its author uploaded the bytes: citing a hash one has
        // merely seen somewhere gives no access to them.
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM uploads WHERE sha256 = ?1 AND uploader = ?2 AND complete = 1)
                 OR EXISTS (SELECT 1 FROM cites c JOIN submissions s ON s.id = c.submission
                            JOIN uploads u ON u.sha256 = c.sha256 AND u.uploader = s.author AND u.complete = 1
                            WHERE c.sha256 = ?1 AND s.id IN (SELECT id FROM submissions WHERE {in_submissions}))
                 OR EXISTS (SELECT 1 FROM cites c JOIN events e ON e.id = c.submission
                            JOIN uploads u ON u.sha256 = c.sha256 AND u.uploader = e.author AND u.complete = 1
                            WHERE c.sha256 = ?1 AND e.id IN (SELECT id FROM events WHERE {in_events}))
                 OR EXISTS (SELECT 1 FROM cites c JOIN express_events x ON x.id = c.submission
                            JOIN uploads u ON u.sha256 = c.sha256 AND u.uploader = x.author AND u.complete = 1
                            WHERE c.sha256 = ?1 AND x.id IN (SELECT id FROM express_events WHERE {in_express}))"
        );
        let conn = self.conn()?;
        Ok(conn.query_row(&sql, params_from_iter(args), |r| r.get(0))?)
    }
}
