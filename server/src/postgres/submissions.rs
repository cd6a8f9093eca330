//! Submissions in PostgreSQL, with the server's report and the query columns copied out of the
//! envelope; versions that conflicted with a stored one; records kept although they had no
//! usable id (`rejected`). The tables and their meaning are SQLite's (`sqlite/submissions.rs`).

use super::audit::write_audits;
use super::feed::{publish, publish_rows};
use super::idempotent::{cite_all, settle, Kind, Upload};
use super::ledger::{insert_opened, opened_entries, put_opened};
use super::{big, scope_sql, write_audit, Args, Postgres, Tx};
use crate::storage::{
    AttachmentMeta, Audit, Changes, Meta, NewEvent, NewSubmission, Query, Record, Result, Scope,
    StoreError, Stored, SubmissionStore, Summary,
};
use r2d2_postgres::postgres::types::{ToSql, Type};
use r2d2_postgres::postgres::Row;
use std::collections::HashSet;

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

/// Migration: a record's body and the server's report (1.9 and 2.6 KB in the ingest benchmark,
/// so over the 2 KB past which PostgreSQL compresses a value) compressed with lz4 rather than
/// the default pglz, whose compression was 7% of the database's CPU time in that benchmark
/// (`perf`); rows stored before keep theirs (both are read). A server built without lz4
/// (`--with-lz4`, which Debian's is) keeps pglz: the change is skipped, not failed.
pub(super) const LZ4: &str = "
DO $$ BEGIN
    EXECUTE 'ALTER TABLE submissions ALTER COLUMN body SET COMPRESSION lz4,
        ALTER COLUMN report SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN NULL;
END $$;
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

fn upload(rec: &NewSubmission) -> Upload<'_> {
    Upload {
        id: &rec.id,
        sha256: &rec.sha256,
        body: &rec.body,
        received_at: &rec.received_at,
        attachments: &rec.attachments,
        detail: &rec.sha256,
    }
}

/// Insert the records in one statement (`unnest` of each column, `ON CONFLICT (id) DO
/// NOTHING`); the ids it stored. The caller passes each id once.
fn insert_all(tx: &mut Tx<'_>, recs: &[&NewSubmission], actor: &str) -> Result<HashSet<String>> {
    if recs.is_empty() {
        return Ok(HashSet::new());
    }
    let text = |g: fn(&NewSubmission) -> &str| recs.iter().map(|r| g(r)).collect::<Vec<&str>>();
    let cols: [Vec<&str>; 15] = [
        text(|r| &r.id),
        text(|r| &r.sha256),
        text(|r| &r.body),
        text(|r| &r.report),
        text(|r| &r.meta.level),
        text(|r| &r.meta.uscc),
        text(|r| &r.meta.enterprise_name),
        text(|r| &r.meta.region),
        text(|r| &r.meta.product),
        text(|r| &r.meta.form),
        text(|r| &r.meta.link),
        text(|r| &r.meta.inspected_at),
        text(|r| &r.meta.inspected_date),
        text(|r| &r.received_at),
        vec![actor; recs.len()],
    ];
    let valid: Vec<bool> = recs.iter().map(|r| r.meta.valid).collect();
    let errors: Vec<i64> = recs.iter().map(|r| r.meta.errors).collect();
    let findings: Vec<i64> = recs.iter().map(|r| r.meta.findings).collect();
    let (t, i, b) = (Type::TEXT_ARRAY, Type::INT8_ARRAY, Type::BOOL_ARRAY);
    let mut params: Vec<(&(dyn ToSql + Sync), Type)> = Vec::new();
    for c in &cols[..4] {
        params.push((c, t.clone()));
    }
    params.push((&valid, b));
    params.push((&cols[4], t.clone()));
    params.push((&errors, i.clone()));
    params.push((&findings, i));
    for c in &cols[5..] {
        params.push((c, t.clone()));
    }
    Ok(tx
        .query_typed(
            "INSERT INTO submissions (id, sha256, body, report, valid, level, errors, findings, uscc,
                enterprise_name, region, product, form, link, inspected_at, inspected_date,
                received_at, author)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[],
                $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[],
                $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[],
                $18::text[])
             ON CONFLICT (id) DO NOTHING RETURNING id",
            &params,
        )?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// What a batch stored the short way answers when one of the events it assumed new was there
/// already: the transaction is rolled back and the batch stored again the careful way.
pub(super) const CAREFULLY: &str = "store the batch again the careful way";

/// Store a batch of submissions and the ledger entries they open, in a fixed number of
/// statements whatever the batch's size (about ten when every record is new): the records in
/// one insert, their valid inspections' facts in one (`campaign::on_submissions`; the new
/// facts' enterprises locked, in key order, and read: two more), the entries' facts folded from
/// the events in hand (`campaign::keep_facts`: a new entry has no other event, so its events
/// are neither read back nor locked), those of entries recorded before their submission (one
/// look-up, `on_entries` when there are some), the cited attachments, the audit lines in one
/// insert, the events in one (`insert_opened`), the counters in one upsert, and the events'
/// feed positions last, under the feed's lock (`publish_rows`). When the events are not all new
/// entries' (or the insert finds one there), `careful`: they are inserted first (`put_opened`),
/// their entries locked and folded from what is stored (`on_entries`) and given their positions
/// at the end (`publish`). A record already stored (or twice in the batch) costs a look-up more
/// (`settle`).
fn put_batch(
    tx: &mut Tx<'_>,
    recs: &[NewSubmission],
    actor: &str,
    scope: &Scope,
    careful: bool,
) -> Result<Vec<Stored>> {
    // One id space across submissions and events: an id an event already has names that event.
    let ids: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
    let taken: HashSet<String> = tx
        .query_typed(
            "SELECT id FROM events WHERE id = ANY($1)",
            &[(&ids, Type::TEXT_ARRAY)],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut seen = HashSet::new();
    let firsts: Vec<&NewSubmission> = recs
        .iter()
        .filter(|r| !taken.contains(&r.id) && seen.insert(&r.id))
        .collect();
    let inserted = insert_all(tx, &firsts, actor)?;
    seen.clear();
    let details: Vec<String> = recs
        .iter()
        .map(|r| format!("{} events", r.events.len()))
        .collect();
    let mut audits = Vec::new();
    let mut cites: Vec<(&str, &str)> = Vec::new();
    let mut ch = Changes::default();
    let mut events: Vec<&NewEvent> = Vec::new();
    let mut stored = Vec::new();
    let mut out = Vec::with_capacity(recs.len());
    for (rec, detail) in recs.iter().zip(&details) {
        let outcome = if taken.contains(&rec.id) {
            Stored::IdInUse
        } else if seen.insert(&rec.id) && inserted.contains(&rec.id) {
            Stored::New
        } else {
            settle(tx, &SUBMISSIONS, &upload(rec), actor, scope)?
        };
        audits.push(Audit {
            at: &rec.received_at,
            actor,
            action: SUBMISSIONS.action,
            target: &rec.id,
            outcome: outcome.as_str(),
            detail: &rec.sha256,
        });
        if outcome == Stored::New {
            cites.extend(
                rec.attachments
                    .iter()
                    .map(|a| (rec.id.as_str(), a.as_str())),
            );
            stored.push(rec);
            // Its findings' ledger entries, in the same transaction: a record and its entries
            // land together or not at all.
            events.extend(&rec.events);
            if !rec.events.is_empty() {
                audits.push(Audit {
                    at: &rec.received_at,
                    actor,
                    action: "ledger.open",
                    target: &rec.id,
                    outcome: "stored",
                    detail,
                });
            }
        }
        out.push(outcome);
    }
    super::campaign::on_submissions(tx, &stored, &mut ch)?;
    // Entries whose events came before their submission learn its link with the new ones.
    let ids: Vec<&str> = stored.iter().map(|r| r.id.as_str()).collect();
    let waiting = super::campaign::waiting_for(tx, &ids)?;
    let short = if careful {
        None
    } else {
        opened_entries(&events)
    };
    let mut new = Vec::new();
    let mut entries: Vec<&str> = waiting.iter().map(String::as_str).collect();
    match &short {
        Some(folded) => {
            let opened: Vec<&str> = folded.keys().map(String::as_str).collect();
            // New entries of the batch's own new records: no stored facts, and the links are
            // the records' (`Link::parse` of the column `SELECT link` would read).
            let known = super::campaign::Known {
                new: true,
                links: stored
                    .iter()
                    .filter_map(|r| Some((r.id.as_str(), paicha::Link::parse(&r.meta.link)?)))
                    .collect(),
            };
            super::campaign::keep_facts(tx, &opened, folded, &known, &mut ch)?;
            for e in &events {
                cites.extend(e.attachments.iter().map(|a| (e.id.as_str(), a.as_str())));
            }
        }
        None => {
            put_opened(tx, &events, actor, &mut new, &mut cites)?;
            entries.extend(events.iter().map(|e| e.entry.as_str()));
        }
    }
    super::campaign::on_entries(tx, &entries, &mut ch)?;
    cite_all(tx, &cites)?;
    write_audits(tx, &audits)?;
    let fed = match short {
        Some(_) => match insert_opened(tx, &events, actor)? {
            Some(rows) => Some(rows),
            None => return Err(StoreError(CAREFULLY.into())),
        },
        None => None,
    };
    // The shared rows last: the counters (a county's writers all add to them), then the feed.
    super::campaign_counts::apply(tx, ch)?;
    match fed {
        Some(rows) => publish_rows(tx, rows)?,
        None => publish(tx, &new)?,
    }
    Ok(out)
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
        match self.write(|tx| put_batch(tx, recs, actor, scope, false)) {
            Err(StoreError(e)) if e == CAREFULLY => {
                self.write(|tx| put_batch(tx, recs, actor, scope, true))
            }
            r => r,
        }
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
