//! Submissions in PostgreSQL, with the server's report and the query columns copied out of the
//! envelope; versions that conflicted with a stored one; records kept although they had no
//! usable id (`rejected`). The tables and their meaning are SQLite's (`sqlite/submissions.rs`).

use super::idempotent::{put_idempotent, Kind, Upload};
use super::ledger::{publish, put_event};
use super::{big, scope_sql, write_audit, Args, Postgres, Tx};
use crate::storage::{
    AttachmentMeta, Audit, Meta, NewSubmission, Query, Record, Result, Scope, Stored,
    SubmissionStore, Summary,
};
use r2d2_postgres::postgres::types::Type;
use r2d2_postgres::postgres::Row;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS submissions (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    report TEXT NOT NULL,
    valid BOOLEAN NOT NULL,
    level TEXT NOT NULL,
    errors BIGINT NOT NULL,
    findings BIGINT NOT NULL,
    uscc TEXT NOT NULL,
    enterprise_name TEXT NOT NULL,
    region TEXT NOT NULL,
    product TEXT NOT NULL,
    form TEXT NOT NULL,
    link TEXT NOT NULL,
    inspected_at TEXT NOT NULL,
    inspected_date TEXT NOT NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_uscc ON submissions (uscc, seq);
CREATE INDEX IF NOT EXISTS submissions_region ON submissions (region, seq);
CREATE TABLE IF NOT EXISTS conflicts (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL,
    UNIQUE (id, sha256)
);
CREATE TABLE IF NOT EXISTS rejected (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body TEXT NOT NULL,
    report TEXT NOT NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rejected_author ON rejected (author);
";

const SUBMISSIONS: Kind = Kind {
    table: "submissions",
    conflicts: "conflicts",
    action: "submission.upload",
    // Only the id is unique: an insert that stored nothing always finds the row.
    other_key: Stored::Conflict,
};

const SUMMARY_COLUMNS: &str = "seq, id, product, form, link, uscc, enterprise_name, region, \
    inspected_at, received_at, valid, level, errors, findings, author";

/// Store one submission and the ledger events it opens (their ids join `new`).
fn put_one(
    tx: &mut Tx<'_>,
    rec: &NewSubmission,
    actor: &str,
    scope: &Scope,
    new: &mut Vec<String>,
) -> Result<Stored> {
    let m = &rec.meta;
    let u = Upload {
        id: &rec.id,
        sha256: &rec.sha256,
        body: &rec.body,
        received_at: &rec.received_at,
        attachments: &rec.attachments,
        detail: &rec.sha256,
    };
    let stored = put_idempotent(tx, &SUBMISSIONS, &u, actor, scope, true, |tx| {
        let (t, i, b) = (Type::TEXT, Type::INT8, Type::BOOL);
        // Typed: one round trip, no separate prepare (the hot path of every upload).
        Ok(tx.execute_typed(
            "INSERT INTO submissions (id, sha256, body, report, valid, level, errors, findings, uscc,
                enterprise_name, region, product, form, link, inspected_at, inspected_date,
                received_at, author)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
             ON CONFLICT (id) DO NOTHING",
            &[
                (&rec.id, t.clone()),
                (&rec.sha256, t.clone()),
                (&rec.body, t.clone()),
                (&rec.report, t.clone()),
                (&m.valid, b),
                (&m.level, t.clone()),
                (&m.errors, i.clone()),
                (&m.findings, i),
                (&m.uscc, t.clone()),
                (&m.enterprise_name, t.clone()),
                (&m.region, t.clone()),
                (&m.product, t.clone()),
                (&m.form, t.clone()),
                (&m.link, t.clone()),
                (&m.inspected_at, t.clone()),
                (&m.inspected_date, t.clone()),
                (&rec.received_at, t.clone()),
                (&actor, t),
            ],
        )?)
    })?;
    if stored == Stored::New {
        super::campaign::on_submission(tx, rec)?;
        // Its findings' ledger entries, in the same transaction: a record and its entries land
        // together or not at all.
        for ev in &rec.events {
            put_event(tx, ev, actor, &Scope::All, false, new)?;
        }
        let mut entries: Vec<&str> = rec.events.iter().map(|e| e.entry.as_str()).collect();
        entries.sort_unstable();
        entries.dedup();
        for e in entries {
            super::campaign::on_entry(tx, e)?;
        }
        if !rec.events.is_empty() {
            write_audit(
                tx,
                &Audit {
                    at: &rec.received_at,
                    actor,
                    action: "ledger.open",
                    target: &rec.id,
                    outcome: "stored",
                    detail: &format!("{} events", rec.events.len()),
                },
            )?;
        }
    }
    Ok(stored)
}

fn summary(r: &Row) -> Summary {
    Summary {
        seq: r.get(0),
        id: r.get(1),
        product: r.get(2),
        form: r.get(3),
        link: r.get(4),
        uscc: r.get(5),
        enterprise_name: r.get(6),
        region: r.get(7),
        inspected_at: r.get(8),
        received_at: r.get(9),
        valid: r.get(10),
        level: r.get(11),
        errors: r.get(12),
        findings: r.get(13),
        uploaded_by: r.get(14),
    }
}

impl SubmissionStore for Postgres {
    fn put_submissions(
        &self,
        recs: &[NewSubmission],
        actor: &str,
        scope: &Scope,
    ) -> Result<Vec<Stored>> {
        self.write(|tx| {
            let mut new = Vec::new();
            let out = recs
                .iter()
                .map(|r| put_one(tx, r, actor, scope, &mut new))
                .collect::<Result<Vec<_>>>()?;
            publish(tx, &new)?;
            Ok(out)
        })
    }

    fn put_rejected(&self, body: &str, report: &str, a: &Audit<'_>, quota: u64) -> Result<bool> {
        self.write(|tx| {
            // One account's rejected records are counted one upload at a time (on any node).
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtext('rejected:' || $1))",
                &[&a.actor],
            )?;
            let used: i64 = tx
                .query_one(
                    "SELECT coalesce(sum(octet_length(body) + octet_length(report)), 0)::BIGINT
                     FROM rejected WHERE author = $1",
                    &[&a.actor],
                )?
                .get(0);
            let size = big((body.len() + report.len()) as u64);
            let kept = used.saturating_add(size) <= big(quota);
            if kept {
                tx.execute(
                    "INSERT INTO rejected (body, report, received_at, author) VALUES ($1, $2, $3, $4)",
                    &[&body, &report, &a.at, &a.actor],
                )?;
                write_audit(tx, a)?;
            } else {
                write_audit(
                    tx,
                    &Audit {
                        outcome: "quota_exceeded",
                        ..*a
                    },
                )?;
            }
            Ok(kept)
        })
    }

    fn submission(&self, id: &str) -> Result<Option<Record>> {
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT id, sha256, body, report, received_at, uscc, enterprise_name, region, product,
                    form, link, inspected_at, inspected_date, valid, level, errors, findings, author
                 FROM submissions WHERE id = $1",
                &[&id],
            )?
            .map(|r| Record {
                id: r.get(0),
                sha256: r.get(1),
                body: r.get(2),
                report: r.get(3),
                received_at: r.get(4),
                meta: Meta {
                    uscc: r.get(5),
                    enterprise_name: r.get(6),
                    region: r.get(7),
                    product: r.get(8),
                    form: r.get(9),
                    link: r.get(10),
                    inspected_at: r.get(11),
                    inspected_date: r.get(12),
                    valid: r.get(13),
                    level: r.get(14),
                    errors: r.get(15),
                    findings: r.get(16),
                },
                uploaded_by: r.get(17),
            }))
        })
    }

    fn conflicts(&self, id: &str) -> Result<Vec<String>> {
        self.read(|c| {
            Ok(c.query(
                "SELECT sha256 FROM conflicts WHERE id = $1 ORDER BY seq",
                &[&id],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }

    fn query(&self, q: &Query, scope: &Scope) -> Result<Vec<Summary>> {
        let mut args = Args::new();
        let mut conds = vec![scope_sql(scope, &mut args, "")];
        for (col, v) in [
            ("uscc", &q.uscc),
            ("product", &q.product),
            ("form", &q.form),
            ("link", &q.link),
            ("level", &q.level),
        ] {
            if let Some(v) = v {
                conds.push(format!("{col} = {}", args.push(v.clone())));
            }
        }
        if let Some(p) = &q.region {
            conds.push(format!("starts_with(region, {})", args.push(p.clone())));
        }
        if let Some(v) = q.valid {
            conds.push(format!("valid = {}", args.push(v)));
        }
        if let Some(d) = &q.from {
            conds.push(format!("inspected_date >= {}", args.push(d.clone())));
        }
        if let Some(d) = &q.to {
            conds.push(format!("inspected_date <= {}", args.push(d.clone())));
        }
        if let Some(s) = q.after {
            conds.push(format!("seq < {}", args.push(s)));
        }
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM submissions WHERE {} ORDER BY seq DESC LIMIT {}",
            conds.join(" AND "),
            q.limit
        );
        self.read(|c| Ok(c.query(&sql, &args.refs())?.iter().map(summary).collect()))
    }

    fn cited_attachments(&self, id: &str) -> Result<Vec<(String, Option<AttachmentMeta>)>> {
        self.read(|c| {
            Ok(c.query(
                "SELECT c.sha256, u.sha256, u.length, u.complete, u.uploader FROM cites c
                 JOIN submissions s ON s.id = c.submission
                 LEFT JOIN uploads u ON u.sha256 = c.sha256 AND u.uploader = s.author
                 WHERE c.submission = $1 ORDER BY c.sha256",
                &[&id],
            )?
            .iter()
            .map(|r| {
                let known: Option<String> = r.get(1);
                let meta = known.map(|sha256| AttachmentMeta {
                    sha256,
                    length: u64::try_from(r.get::<_, i64>(2)).unwrap_or(0),
                    complete: r.get(3),
                    uploader: r.get(4),
                });
                (r.get(0), meta)
            })
            .collect())
        })
    }
}
