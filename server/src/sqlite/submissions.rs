//! Submissions (checklists filled on phones and tablets) with the server's report and the query
//! columns copied out of the envelope; versions that conflicted with a stored one; records kept
//! although they had no usable id (`rejected`).

use super::audit::write_audit;
use super::idempotent::{put_idempotent, Kind, Upload};
use super::ledger::put_event;
use super::{scope_sql, Sqlite};
use crate::storage::{
    AttachmentMeta, Audit, Meta, NewSubmission, Query, Record, Result, Scope, Stored,
    SubmissionStore, Summary,
};
use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, OptionalExtension, Transaction};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS submissions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    report TEXT NOT NULL,
    valid INTEGER NOT NULL,
    level TEXT NOT NULL,
    errors INTEGER NOT NULL,
    findings INTEGER NOT NULL,
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
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL,
    UNIQUE (id, sha256)
);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY,
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
};

const SUMMARY_COLUMNS: &str = "seq, id, product, form, link, uscc, enterprise_name, region, \
    inspected_at, received_at, valid, level, errors, findings, author";

fn put_one(
    tx: &Transaction<'_>,
    rec: &NewSubmission,
    actor: &str,
    scope: &Scope,
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
    // One id space across submissions and events: an id an event already has names that event.
    let taken = tx
        .prepare_cached("SELECT 1 FROM events WHERE id = ?1")?
        .query_row([&rec.id], |_| Ok(()))
        .optional()?
        .is_some();
    if taken {
        write_audit(
            tx,
            &Audit {
                at: &rec.received_at,
                actor,
                action: SUBMISSIONS.action,
                target: &rec.id,
                outcome: Stored::IdInUse.as_str(),
                detail: "event",
            },
        )?;
        return Ok(Stored::IdInUse);
    }
    let stored = put_idempotent(tx, &SUBMISSIONS, &u, actor, scope, true, || {
        tx.prepare_cached("INSERT INTO submissions (id, sha256, body, report, valid, level, errors, findings, uscc,
                enterprise_name, region, product, form, link, inspected_at, inspected_date, received_at, author)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
             ON CONFLICT (id) DO NOTHING")?.execute(params![
                rec.id,
                rec.sha256,
                rec.body,
                rec.report,
                m.valid,
                m.level,
                m.errors,
                m.findings,
                m.uscc,
                m.enterprise_name,
                m.region,
                m.product,
                m.form,
                m.link,
                m.inspected_at,
                m.inspected_date,
                rec.received_at,
                actor
            ],
        )
    })?;
    if stored == Stored::New {
        super::campaign::on_submission(tx, rec)?;
        // Its findings' ledger entries, in the same transaction: a record and its entries land
        // together or not at all.
        for ev in &rec.events {
            put_event(tx, ev, actor, &Scope::All, false)?;
        }
        let mut entries: Vec<&str> = rec.events.iter().map(|e| e.entry.as_str()).collect();
        entries.sort_unstable();
        entries.dedup();
        for e in entries {
            super::campaign::on_entry(tx, e)?;
        }
        if !rec.events.is_empty() {
            // One audit line for the entries a record opens (they are part of its upload).
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

impl SubmissionStore for Sqlite {
    fn put_submissions(
        &self,
        recs: &[NewSubmission],
        actor: &str,
        scope: &Scope,
    ) -> Result<Vec<Stored>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let out = recs
            .iter()
            .map(|r| put_one(&tx, r, actor, scope))
            .collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(out)
    }

    fn put_rejected(&self, body: &str, report: &str, a: &Audit<'_>, quota: u64) -> Result<bool> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let used: i64 = tx
            .prepare_cached(
                "SELECT coalesce(sum(length(CAST(body AS BLOB)) + length(CAST(report AS BLOB))), 0)
                 FROM rejected WHERE author = ?1",
            )?
            .query_row(params![a.actor], |r| r.get(0))?;
        let size = body.len() + report.len();
        let kept = u64::try_from(used)
            .unwrap_or(u64::MAX)
            .saturating_add(size as u64)
            <= quota;
        if kept {
            tx.execute(
                "INSERT INTO rejected (body, report, received_at, author) VALUES (?1, ?2, ?3, ?4)",
                params![body, report, a.at, a.actor],
            )?;
            write_audit(&tx, a)?;
        } else {
            write_audit(
                &tx,
                &Audit {
                    outcome: "quota_exceeded",
                    ..*a
                },
            )?;
        }
        tx.commit()?;
        Ok(kept)
    }

    fn submission(&self, id: &str) -> Result<Option<Record>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT id, sha256, body, report, received_at, uscc, enterprise_name, region, product,
                    form, link, inspected_at, inspected_date, valid, level, errors, findings, author
                 FROM submissions WHERE id = ?1",
                params![id],
                |r| {
                    Ok(Record {
                        id: r.get(0)?,
                        sha256: r.get(1)?,
                        body: r.get(2)?,
                        report: r.get(3)?,
                        received_at: r.get(4)?,
                        meta: Meta {
                            uscc: r.get(5)?,
                            enterprise_name: r.get(6)?,
                            region: r.get(7)?,
                            product: r.get(8)?,
                            form: r.get(9)?,
                            link: r.get(10)?,
                            inspected_at: r.get(11)?,
                            inspected_date: r.get(12)?,
                            valid: r.get(13)?,
                            level: r.get(14)?,
                            errors: r.get(15)?,
                            findings: r.get(16)?,
                        },
                        uploaded_by: r.get(17)?,
                    })
                },
            )
            .optional()?)
    }

    fn conflicts(&self, id: &str) -> Result<Vec<String>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT sha256 FROM conflicts WHERE id = ?1 ORDER BY seq")?;
        let rows = stmt.query_map(params![id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }

    fn query(&self, q: &Query, scope: &Scope) -> Result<Vec<Summary>> {
        let mut args = Vec::new();
        let mut conds = vec![scope_sql(scope, &mut args)];
        let mut eq = |col: &str, v: &Option<String>| {
            if let Some(v) = v {
                conds.push(format!("{col} = ?"));
                args.push(Sql::Text(v.clone()));
            }
        };
        eq("uscc", &q.uscc);
        eq("product", &q.product);
        eq("form", &q.form);
        eq("link", &q.link);
        eq("level", &q.level);
        if let Some(p) = &q.region {
            conds.push("substr(region, 1, length(?)) = ?".into());
            args.push(Sql::Text(p.clone()));
            args.push(Sql::Text(p.clone()));
        }
        if let Some(v) = q.valid {
            conds.push("valid = ?".into());
            args.push(Sql::Integer(i64::from(v)));
        }
        if let Some(d) = &q.from {
            conds.push("inspected_date >= ?".into());
            args.push(Sql::Text(d.clone()));
        }
        if let Some(d) = &q.to {
            conds.push("inspected_date <= ?".into());
            args.push(Sql::Text(d.clone()));
        }
        if let Some(s) = q.after {
            conds.push("seq < ?".into());
            args.push(Sql::Integer(s));
        }
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM submissions WHERE {} ORDER BY seq DESC LIMIT {}",
            conds.join(" AND "),
            q.limit
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| {
            Ok(Summary {
                seq: r.get(0)?,
                id: r.get(1)?,
                product: r.get(2)?,
                form: r.get(3)?,
                link: r.get(4)?,
                uscc: r.get(5)?,
                enterprise_name: r.get(6)?,
                region: r.get(7)?,
                inspected_at: r.get(8)?,
                received_at: r.get(9)?,
                valid: r.get(10)?,
                level: r.get(11)?,
                errors: r.get(12)?,
                findings: r.get(13)?,
                uploaded_by: r.get(14)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn cited_attachments(&self, id: &str) -> Result<Vec<(String, Option<AttachmentMeta>)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT c.sha256, u.sha256, u.length, u.complete, u.uploader FROM cites c
             JOIN submissions s ON s.id = c.submission
             LEFT JOIN uploads u ON u.sha256 = c.sha256 AND u.uploader = s.author
             WHERE c.submission = ?1 ORDER BY c.sha256",
        )?;
        let rows = stmt.query_map(params![id], |r| {
            let sha: String = r.get(0)?;
            let known: Option<String> = r.get(1)?;
            let meta = match known {
                Some(s) => Some(AttachmentMeta {
                    sha256: s,
                    length: r.get(2)?,
                    complete: r.get(3)?,
                    uploader: r.get(4)?,
                }),
                None => None,
            };
            Ok((sha, meta))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
