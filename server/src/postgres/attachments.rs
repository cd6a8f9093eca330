//! Attachments in PostgreSQL: each account's upload of a hash (`uploads`) and which records cite
//! which hash (`cites`, for submissions, ledger events and express events), which together
//! decide who may read the bytes. The rules are SQLite's (`sqlite/attachments.rs`).
//!
//! The bytes of finished uploads are kept in the database (`blobs`, BYTEA, once per hash), so
//! every node serves them: the simplest store all nodes share, in the same backups as the
//! records that cite them, at the price of database size (attachments are at most
//! `--max-attachment`, 20 MiB by default). Unfinished uploads stay on the node that receives
//! them (`partial/`): an upload resumed on another node starts again from its first byte.

use super::{big, scope_sql, write_audit, Args, Postgres};
use crate::storage::{AttachmentMeta, AttachmentStore, Audit, Result, Scope};
use r2d2_postgres::postgres::Row;

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
    length BIGINT NOT NULL,
    complete BOOLEAN NOT NULL,
    touched_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (sha256, uploader)
);
CREATE INDEX IF NOT EXISTS uploads_unfinished ON uploads (uploader) WHERE NOT complete;
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    bytes BYTEA NOT NULL
);
";

fn attachment_row(r: &Row) -> AttachmentMeta {
    AttachmentMeta {
        sha256: r.get(0),
        length: u64::try_from(r.get::<_, i64>(1)).unwrap_or(0),
        complete: r.get(2),
        uploader: r.get(3),
    }
}

impl AttachmentStore for Postgres {
    fn attachment(&self, sha: &str, uploader: &str) -> Result<Option<AttachmentMeta>> {
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT sha256, length, complete, uploader FROM uploads
                 WHERE sha256 = $1 AND uploader = $2",
                &[&sha, &uploader],
            )?
            .as_ref()
            .map(attachment_row))
        })
    }

    fn begin_attachment(
        &self,
        sha: &str,
        length: u64,
        uploader: &str,
        now: &str,
        quota: u64,
    ) -> Result<Option<(AttachmentMeta, bool)>> {
        self.write(|tx| {
            // One uploader's unfinished uploads are counted one begin at a time, on any node.
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtext('uploads:' || $1))",
                &[&uploader],
            )?;
            let current = tx
                .query_opt(
                    "SELECT sha256, length, complete, uploader FROM uploads
                     WHERE sha256 = $1 AND uploader = $2",
                    &[&sha, &uploader],
                )?
                .as_ref()
                .map(attachment_row);
            if current.as_ref().is_some_and(|m| m.complete) {
                return Ok(current.map(|m| (m, false)));
            }
            // The uploader's other unfinished uploads and this one must fit in the quota.
            let others: i64 = tx
                .query_one(
                    "SELECT coalesce(sum(length), 0)::BIGINT FROM uploads
                     WHERE uploader = $1 AND NOT complete AND sha256 <> $2",
                    &[&uploader, &sha],
                )?
                .get(0);
            if others.saturating_add(big(length)) > big(quota) {
                return Ok(None);
            }
            let restarted = current.as_ref().is_some_and(|m| m.length != length);
            tx.execute(
                "INSERT INTO uploads (sha256, uploader, length, complete, touched_at)
                 VALUES ($1, $2, $3, FALSE, $4)
                 ON CONFLICT (sha256, uploader) DO UPDATE SET length = $3, touched_at = $4",
                &[&sha, &uploader, &big(length), &now],
            )?;
            let meta = AttachmentMeta {
                sha256: sha.to_string(),
                length,
                complete: false,
                uploader: uploader.to_string(),
            };
            Ok(Some((meta, restarted)))
        })
    }

    fn expire_unfinished(&self, before: &str) -> Result<Vec<(String, String)>> {
        self.write(|tx| {
            Ok(tx
                .query(
                    "DELETE FROM uploads WHERE NOT complete AND touched_at < $1
                     RETURNING sha256, uploader",
                    &[&before],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
    }

    fn complete_attachment(&self, sha: &str, uploader: &str, audit: &Audit<'_>) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE uploads SET complete = TRUE WHERE sha256 = $1 AND uploader = $2",
                &[&sha, &uploader],
            )?;
            write_audit(tx, audit)
        })
    }

    fn drop_attachment(&self, sha: &str, uploader: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM uploads WHERE sha256 = $1 AND uploader = $2 AND NOT complete",
                &[&sha, &uploader],
            )?;
            Ok(())
        })
    }

    fn attachment_visible(&self, sha: &str, username: &str, scope: &Scope) -> Result<bool> {
        let sha_text = sha;
        let mut args = Args::new();
        let sha = args.push(sha.to_string());
        let user = args.push(username.to_string());
        let in_submissions = scope_sql(scope, &mut args, "s.");
        let in_events = scope_sql(scope, &mut args, "e.");
        // A citing record counts only when its author uploaded the bytes: citing a hash one has
        // merely seen somewhere gives no access to them.
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM uploads WHERE sha256 = {sha} AND uploader = {user} AND complete)
                 OR EXISTS (SELECT 1 FROM cites c JOIN submissions s ON s.id = c.submission
                            JOIN uploads u ON u.sha256 = c.sha256 AND u.uploader = s.author AND u.complete
                            WHERE c.sha256 = {sha} AND {in_submissions})
                 OR EXISTS (SELECT 1 FROM cites c JOIN events e ON e.id = c.submission
                            JOIN uploads u ON u.sha256 = c.sha256 AND u.uploader = e.author AND u.complete
                            WHERE c.sha256 = {sha} AND {in_events})"
        );
        // Express reports' evidence: a query of its own, asked only when their table exists
        // (the express kind is ported to PostgreSQL apart from this one).
        let mut xargs = Args::new();
        let xsha = xargs.push(sha_text.to_string());
        let in_express = scope_sql(scope, &mut xargs, "x.");
        let express = format!(
            "SELECT EXISTS (SELECT 1 FROM cites c JOIN express_events x ON x.id = c.submission
                 JOIN uploads u ON u.sha256 = c.sha256 AND u.uploader = x.author AND u.complete
                 WHERE c.sha256 = {xsha} AND {in_express})"
        );
        self.read(|c| {
            if c.query_one(&sql, &args.refs())?.get(0) {
                return Ok(true);
            }
            let exists: bool = c
                .query_one("SELECT to_regclass('express_events') IS NOT NULL", &[])?
                .get(0);
            Ok(exists && c.query_one(&express, &xargs.refs())?.get::<_, bool>(0))
        })
    }

    fn keeps_blobs(&self) -> bool {
        true
    }

    fn put_blob(&self, sha: &str, bytes: &[u8]) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
                &[&sha, &bytes],
            )?;
            Ok(())
        })
    }

    fn blob(&self, sha: &str) -> Result<Option<Vec<u8>>> {
        self.read(|c| {
            Ok(
                c.query_opt("SELECT bytes FROM blobs WHERE sha256 = $1", &[&sha])?
                    .map(|r| r.get(0)),
            )
        })
    }
}
