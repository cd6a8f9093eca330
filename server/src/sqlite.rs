//! The SQLite backend (bundled SQLite): one file under the data directory. WAL with
//! `synchronous = FULL`, so an acknowledged record survives `kill -9` and power loss; the record id
//! is a unique key and each upload is one transaction, so concurrent retries of one id store it
//! once. The audit table refuses UPDATE and DELETE (triggers): it is append-only.

mod documents;
mod followup;

use crate::storage::*;
use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Transaction};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

pub struct Sqlite {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
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
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    entry TEXT NOT NULL,
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    uscc TEXT NOT NULL,
    region TEXT NOT NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_entry ON events (entry, kind);
CREATE UNIQUE INDEX IF NOT EXISTS events_one_created ON events (entry) WHERE kind = 'created';
CREATE TABLE IF NOT EXISTS event_conflicts (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL,
    UNIQUE (id, sha256)
);
CREATE TABLE IF NOT EXISTS spot_checks (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    uscc TEXT NOT NULL,
    region TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS spot_check_versions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL,
    UNIQUE (id, sha256)
);
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
    PRIMARY KEY (sha256, uploader)
);
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    uscc TEXT,
    regions TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES accounts (username),
    expires_at TEXT NOT NULL
);
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
PRAGMA user_version = 2;
";

const SUMMARY_COLUMNS: &str = "seq, id, product, form, link, uscc, enterprise_name, region, \
    inspected_at, received_at, valid, level, errors, findings";

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Account, String)> {
    let role: String = r.get(1)?;
    let regions: String = r.get(4)?;
    Ok((
        Account {
            username: r.get(0)?,
            role: Role::parse(&role).unwrap_or(Role::Enterprise),
            name: r.get(2)?,
            uscc: r.get(3)?,
            regions: regions
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            disabled: r.get(6)?,
        },
        r.get(5)?,
    ))
}

const ACCOUNT_COLUMNS: &str = "username, role, name, uscc, regions, password_hash, disabled";

// Statements on the upload path are prepared once per connection and reused (rusqlite's
// statement cache): preparing each time cost more than executing.
fn write_audit(tx: &Connection, a: &Audit<'_>) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit (at, actor, action, target, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![a.at, a.actor, a.action, a.target, a.outcome, a.detail])?;
    Ok(())
}

/// The SQL condition (and its parameters) that limits rows to what a scope may see.
fn scope_sql(scope: &Scope, args: &mut Vec<Sql>) -> String {
    match scope {
        Scope::All => "1".into(),
        Scope::Enterprise { uscc, .. } if uscc.is_empty() => "0".into(),
        Scope::Enterprise { uscc, .. } => {
            args.push(Sql::Text(uscc.clone()));
            "uscc = ?".into()
        }
        Scope::Regions(prefixes) if prefixes.is_empty() => "0".into(),
        Scope::Regions(prefixes) => {
            let parts: Vec<&str> = prefixes
                .iter()
                .map(|p| {
                    // Bound twice: once for the length, once for the comparison.
                    args.push(Sql::Text(p.clone()));
                    args.push(Sql::Text(p.clone()));
                    "substr(region, 1, length(?)) = ?"
                })
                .collect();
            format!("({})", parts.join(" OR "))
        }
    }
}

/// Whether a query finds a row (the migrations ask what an old database holds).
fn exists(conn: &Connection, sql: &str) -> Result<bool> {
    Ok(conn.query_row(sql, [], |_| Ok(())).optional()?.is_some())
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A page cache of 64 MiB (the default is 2 MiB): with the indexes of a few hundred
        // thousand rows, most of an upload's time otherwise went to re-reading pages from the OS.
        conn.pragma_update(None, "cache_size", -65536)?;
        // Checkpoint the WAL every 40 MiB rather than every 4 MiB: index pages written many times
        // in between are copied into the database once.
        conn.pragma_update(None, "wal_autocheckpoint", 10000)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version == 0 {
            Self::migrate_v0(&conn)?;
        }
        if version <= 1 {
            Self::migrate_v1(&conn)?;
        }
        conn.execute_batch(SCHEMA)?;
        Ok(Sqlite {
            conn: Mutex::new(conn),
        })
    }

    /// Databases of the first server slice had `submissions` without the query columns: move
    /// their rows over, reading the columns out of the stored JSON (nothing is dropped).
    fn migrate_v0(conn: &Connection) -> Result<()> {
        if !exists(
            conn,
            "SELECT 1 FROM sqlite_master WHERE name = 'submissions' AND sql NOT LIKE '%inspected_date%'",
        )? {
            return Ok(());
        }
        conn.execute_batch(
            "BEGIN;
             ALTER TABLE submissions RENAME TO submissions_v0;
             ALTER TABLE conflicts RENAME TO conflicts_v0;
             ALTER TABLE rejected RENAME TO rejected_v0;",
        )?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(
            "INSERT INTO submissions (id, sha256, body, report, valid, level, errors, findings, uscc,
                enterprise_name, region, product, form, link, inspected_at, inspected_date, received_at, author)
             SELECT id, sha256, body, report, valid, level,
                coalesce(json_array_length(report, '$.errors'), 0),
                coalesce(json_array_length(report, '$.findings'), 0),
                coalesce(json_extract(body, '$.enterprise.uscc'), ''),
                coalesce(json_extract(body, '$.enterprise.name'), ''),
                coalesce(json_extract(body, '$.enterprise.region'), ''),
                coalesce(json_extract(body, '$.product'), ''),
                coalesce(json_extract(body, '$.form'), ''),
                coalesce(json_extract(body, '$.link'), ''),
                coalesce(json_extract(body, '$.inspected_at'), ''),
                substr(coalesce(json_extract(body, '$.inspected_at'), ''), 1, 10),
                received_at, ''
             FROM submissions_v0 ORDER BY received_at;
             INSERT INTO conflicts (id, sha256, body, received_at, author)
                SELECT id, sha256, body, received_at, '' FROM conflicts_v0;
             INSERT INTO rejected (body, report, received_at, author)
                SELECT body, report, received_at, '' FROM rejected_v0;
             DROP TABLE submissions_v0; DROP TABLE conflicts_v0; DROP TABLE rejected_v0;
             COMMIT;",
        )?;
        Ok(())
    }

    /// Version 1 kept one upload per attachment (the first uploader's); version 2 keeps each
    /// uploader's own. Finished uploads move over; unfinished ones restart from their first byte.
    fn migrate_v1(conn: &Connection) -> Result<()> {
        if !exists(
            conn,
            "SELECT 1 FROM sqlite_master WHERE name = 'attachments'",
        )? {
            return Ok(());
        }
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(
            "BEGIN;
             INSERT OR IGNORE INTO uploads (sha256, uploader, length, complete)
                SELECT sha256, uploader, length, 1 FROM attachments WHERE complete = 1;
             DROP TABLE attachments;
             COMMIT;",
        )?;
        Ok(())
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| StoreError("storage lock poisoned".into()))
    }
}

/// Where one kind of record lives: its table, the table of conflicting versions, and the audit
/// action its uploads are logged as.
struct Kind {
    table: &'static str,
    conflicts: &'static str,
    action: &'static str,
}

const SUBMISSIONS: Kind = Kind {
    table: "submissions",
    conflicts: "conflicts",
    action: "submission.upload",
};
const EVENTS: Kind = Kind {
    table: "events",
    conflicts: "event_conflicts",
    action: "ledger.event",
};

/// What an idempotent upload of one record needs besides its own insert.
struct Upload<'a> {
    id: &'a str,
    sha256: &'a str,
    body: &'a str,
    received_at: &'a str,
    attachments: &'a [String],
    /// Written in the audit line's detail.
    detail: &'a str,
}

/// Store one record idempotently: `insert` adds it unless the id is known (returning the rows it
/// inserted); a known id with the same hash is a duplicate; with another hash the new version goes
/// to the conflicts table. The attachments a new record cites are noted; one audit line always.
fn put_idempotent(
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
                outcome: stored_name(outcome),
                detail: u.detail,
            },
        )?;
    }
    Ok(outcome)
}

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
        // Its findings' ledger entries, in the same transaction: a record and its entries land
        // together or not at all.
        for ev in &rec.events {
            put_event(tx, ev, actor, &Scope::All, false)?;
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

fn put_event(
    tx: &Transaction<'_>,
    ev: &NewEvent,
    actor: &str,
    scope: &Scope,
    audited: bool,
) -> Result<Stored> {
    if ev.kind == "created" {
        // One creation per entry: a second one (backdated, from another party) would take the
        // entry over in the fold. Checked in the transaction; the unique index is the backstop.
        let first: Option<String> = tx
            .prepare_cached("SELECT id FROM events WHERE entry = ?1 AND kind = 'created'")?
            .query_row(params![ev.entry], |r| r.get(0))
            .optional()?;
        if first.is_some_and(|id| id != ev.id) {
            write_audit(
                tx,
                &Audit {
                    at: &ev.received_at,
                    actor,
                    action: EVENTS.action,
                    target: &ev.id,
                    outcome: "entry_exists",
                    detail: &ev.entry,
                },
            )?;
            return Ok(Stored::EntryExists);
        }
    }
    let u = Upload {
        id: &ev.id,
        sha256: &ev.sha256,
        body: &ev.body,
        received_at: &ev.received_at,
        // Evidence photos are cited like a submission's: whoever may see the event may see them.
        attachments: &ev.attachments,
        detail: &ev.kind,
    };
    put_idempotent(tx, &EVENTS, &u, actor, scope, audited, || {
        tx.prepare_cached(
            "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            ev.id,
            ev.entry,
            ev.kind,
            ev.sha256,
            ev.body,
            ev.uscc,
            ev.region,
            ev.received_at,
            actor
        ])
    })
}

fn stored_name(s: Stored) -> &'static str {
    match s {
        Stored::New => "stored",
        Stored::Duplicate => "duplicate",
        Stored::Conflict => "conflict",
        Stored::Forbidden => "forbidden",
        Stored::EntryExists => "entry_exists",
    }
}

fn attachment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AttachmentMeta> {
    Ok(AttachmentMeta {
        sha256: r.get(0)?,
        length: r.get(1)?,
        complete: r.get(2)?,
        uploader: r.get(3)?,
    })
}

impl Storage for Sqlite {
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

    fn put_rejected(&self, body: &str, report: &str, a: &Audit<'_>) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO rejected (body, report, received_at, author) VALUES (?1, ?2, ?3, ?4)",
            params![body, report, a.at, a.actor],
        )?;
        write_audit(&tx, a)?;
        tx.commit()?;
        Ok(())
    }

    fn submission(&self, id: &str) -> Result<Option<Record>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT id, sha256, body, report, received_at, uscc, enterprise_name, region, product,
                    form, link, inspected_at, inspected_date, valid, level, errors, findings
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

    fn put_events(&self, evs: &[NewEvent], actor: &str, scope: &Scope) -> Result<Vec<Stored>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let out = evs
            .iter()
            .map(|e| put_event(&tx, e, actor, scope, true))
            .collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(out)
    }

    fn entry_owner(&self, entry: &str) -> Result<Option<(String, String, String)>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT uscc, region, id FROM events WHERE entry = ?1 AND kind = 'created' ORDER BY seq LIMIT 1",
                params![entry],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }

    fn events(
        &self,
        scope: &Scope,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, String)>> {
        let mut args = vec![Sql::Integer(after.unwrap_or(0))];
        let cond = scope_sql(scope, &mut args);
        let sql = format!(
            "SELECT seq, body FROM events WHERE seq > ? AND {cond} ORDER BY seq LIMIT {limit}"
        );
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn put_spot_check(
        &self,
        rec: &SpotRecord<'_>,
        scope: &Scope,
        a: &Audit<'_>,
    ) -> Result<Versioned> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let current: Option<(String, String, String)> = tx
            .query_row(
                "SELECT sha256, uscc, region FROM spot_checks WHERE id = ?1",
                params![rec.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let outcome = match current {
            // Another region's record, or an update that would move it: refused.
            Some((_, u, r)) if !scope.covers(&u, &r) || u != rec.uscc || r != rec.region => {
                Versioned::Forbidden
            }
            Some((c, _, _)) if c == rec.sha256 => Versioned::Duplicate,
            Some(_) => Versioned::Updated,
            None => Versioned::New,
        };
        if matches!(outcome, Versioned::New | Versioned::Updated) {
            tx.execute(
                "INSERT INTO spot_checks (id, sha256, body, uscc, region, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET sha256 = ?2, body = ?3, uscc = ?4, region = ?5, updated_at = ?6",
                params![rec.id, rec.sha256, rec.body, rec.uscc, rec.region, a.at],
            )?;
            tx.execute(
                "INSERT OR IGNORE INTO spot_check_versions (id, sha256, body, received_at, author)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![rec.id, rec.sha256, rec.body, a.at, a.actor],
            )?;
        }
        let outcome_name = match outcome {
            Versioned::New => "stored",
            Versioned::Duplicate => "duplicate",
            Versioned::Updated => "updated",
            Versioned::Forbidden => "forbidden",
        };
        write_audit(
            &tx,
            &Audit {
                outcome: outcome_name,
                ..*a
            },
        )?;
        tx.commit()?;
        Ok(outcome)
    }

    fn spot_checks(&self, scope: &Scope) -> Result<Vec<String>> {
        let mut args = Vec::new();
        let cond = scope_sql(scope, &mut args);
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT body FROM spot_checks WHERE {cond} ORDER BY id"
        ))?;
        let rows = stmt.query_map(params_from_iter(args), |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }

    fn account_count(&self) -> Result<i64> {
        Ok(self
            .conn()?
            .query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))?)
    }

    fn create_account(&self, a: &Account, hash: &str, audit: &Audit<'_>) -> Result<bool> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let n = tx.execute(
            "INSERT INTO accounts (username, role, name, uscc, regions, password_hash, disabled)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (username) DO NOTHING",
            params![
                a.username,
                a.role.as_str(),
                a.name,
                a.uscc,
                a.regions.join(","),
                hash,
                a.disabled
            ],
        )?;
        if n == 1 {
            write_audit(&tx, audit)?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    fn account(&self, username: &str) -> Result<Option<(Account, String)>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = ?1"),
                params![username],
                account_row,
            )
            .optional()?)
    }

    fn accounts(&self) -> Result<Vec<Account>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY username"
        ))?;
        let rows = stmt.query_map([], account_row)?;
        Ok(rows
            .map(|r| r.map(|(a, _)| a))
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn update_account(
        &self,
        username: &str,
        c: &AccountChange,
        audit: &Audit<'_>,
    ) -> Result<Option<Account>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let exists = tx
            .query_row(
                "SELECT 1 FROM accounts WHERE username = ?1",
                params![username],
                |_| Ok(()),
            )
            .optional()?;
        if exists.is_none() {
            return Ok(None);
        }
        if let Some(h) = &c.password_hash {
            tx.execute(
                "UPDATE accounts SET password_hash = ?2 WHERE username = ?1",
                params![username, h],
            )?;
            // A new password ends the sessions of the old one.
            tx.execute("DELETE FROM tokens WHERE username = ?1", params![username])?;
        }
        if let Some(r) = &c.regions {
            tx.execute(
                "UPDATE accounts SET regions = ?2 WHERE username = ?1",
                params![username, r.join(",")],
            )?;
        }
        if let Some(n) = &c.name {
            tx.execute(
                "UPDATE accounts SET name = ?2 WHERE username = ?1",
                params![username, n],
            )?;
        }
        if let Some(d) = c.disabled {
            tx.execute(
                "UPDATE accounts SET disabled = ?2 WHERE username = ?1",
                params![username, d],
            )?;
            if d {
                tx.execute("DELETE FROM tokens WHERE username = ?1", params![username])?;
            }
        }
        write_audit(&tx, audit)?;
        let acc = tx
            .query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = ?1"),
                params![username],
                account_row,
            )
            .optional()?;
        tx.commit()?;
        Ok(acc.map(|(a, _)| a))
    }

    fn put_token(&self, hash: &str, username: &str, expires_at: &str) -> Result<()> {
        let conn = self.conn()?;
        // Expired tokens are of no use to anyone: drop them as new ones are made.
        conn.execute(
            "DELETE FROM tokens WHERE expires_at < ?1",
            params![chrono::Utc::now().to_rfc3339()],
        )?;
        conn.execute(
            "INSERT INTO tokens (hash, username, expires_at) VALUES (?1, ?2, ?3)",
            params![hash, username, expires_at],
        )?;
        Ok(())
    }

    fn token(&self, hash: &str) -> Result<Option<(Account, String)>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT a.username, a.role, a.name, a.uscc, a.regions, t.expires_at, a.disabled
                 FROM tokens t JOIN accounts a ON a.username = t.username WHERE t.hash = ?1",
                params![hash],
                account_row,
            )
            .optional()?)
    }

    fn revoke_token(&self, hash: &str, audit: &Audit<'_>) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM tokens WHERE hash = ?1", params![hash])?;
        write_audit(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }

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
    ) -> Result<(AttachmentMeta, bool)> {
        let conn = self.conn()?;
        let restarted = conn.execute(
            "UPDATE uploads SET length = ?3 WHERE sha256 = ?1 AND uploader = ?2 AND complete = 0 AND length <> ?3",
            params![sha, uploader, length],
        )? == 1;
        conn.execute(
            "INSERT INTO uploads (sha256, uploader, length, complete) VALUES (?1, ?2, ?3, 0)
             ON CONFLICT (sha256, uploader) DO NOTHING",
            params![sha, uploader, length],
        )?;
        let meta = conn.query_row(
            "SELECT sha256, length, complete, uploader FROM uploads WHERE sha256 = ?1 AND uploader = ?2",
            params![sha, uploader],
            attachment_row,
        )?;
        Ok((meta, restarted))
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
        // A citing record counts only when its author uploaded the bytes: citing a hash one has
        // merely seen somewhere gives no access to them.
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM uploads WHERE sha256 = ?1 AND uploader = ?2 AND complete = 1)
                 OR EXISTS (SELECT 1 FROM cites c JOIN submissions s ON s.id = c.submission
                            JOIN uploads u ON u.sha256 = c.sha256 AND u.uploader = s.author AND u.complete = 1
                            WHERE c.sha256 = ?1 AND s.id IN (SELECT id FROM submissions WHERE {in_submissions}))
                 OR EXISTS (SELECT 1 FROM cites c JOIN events e ON e.id = c.submission
                            JOIN uploads u ON u.sha256 = c.sha256 AND u.uploader = e.author AND u.complete = 1
                            WHERE c.sha256 = ?1 AND e.id IN (SELECT id FROM events WHERE {in_events}))"
        );
        let conn = self.conn()?;
        Ok(conn.query_row(&sql, params_from_iter(args), |r| r.get(0))?)
    }
}
