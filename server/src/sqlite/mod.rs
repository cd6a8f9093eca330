//! The SQLite backend (bundled SQLite): one file under the data directory, `paicha.sqlite3`
//! (mode 0600). WAL with `synchronous = FULL`, so an acknowledged record survives `kill -9` and
//! power loss; the record id is a unique key and each upload is one transaction, so concurrent
//! retries of one id store it once. The audit table refuses UPDATE and DELETE (triggers): it is
//! append-only.
//!
//! One file per kind of thing stored, each with its own `SCHEMA` and its `impl XStore for
//! Sqlite`: `submissions.rs`, `ledger.rs`, `spot.rs`, `accounts.rs` (and tokens),
//! `attachments.rs` (uploads and citations), `audit.rs`; `idempotent.rs` is the one way a
//! client-made record is stored (by id and content hash). This file opens the database, runs
//! the migrations and the schemas, and holds what every file shares (the connection,
//! `scope_sql`).
//!
//! ## Adding a stored kind (campaign register, campaign progress, documents, express reports...)
//!
//! 1. Its trait in `server/src/storage/<kind>.rs` (the record types and a `pub trait
//!    KindStore: Send + Sync`, every method one unit of work, plain types in and out, no
//!    rusqlite type in it), declared in `storage.rs` with `mod <kind>; pub use <kind>::*;`,
//!    and added to the supertraits of `Storage` there (one line), so `app.store` has it.
//! 2. Its tables and the impl in `server/src/sqlite/<kind>.rs`: `pub(super) const SCHEMA`
//!    (`CREATE TABLE IF NOT EXISTS ...`, plain SQL that PostgreSQL also reads: TEXT, INTEGER,
//!    no SQLite-only functions where a standard one exists) and `impl KindStore for Sqlite`
//!    using `self.conn()`, `scope_sql` and `audit::write_audit` (in the same transaction as
//!    the change it records). Declare it below (`mod <kind>;`) and add its `SCHEMA` to
//!    `SCHEMAS`. `?` turns rusqlite errors into `StoreError` (the conversion is here, not in
//!    the trait's module).
//! 3. A change to an existing table, or to what its stored bodies hold (a fact gaining a
//!    field), is a migration: a `migrate_vN` below that runs once, keyed by `PRAGMA
//!    user_version`, and the version bumped in `VERSION`.
//! 4. Tests over HTTP in `server/tests/<kind>.rs` (start the binary with `common::start`).

mod accounts;
mod attachments;
pub(crate) mod audit;
mod campaign;
mod campaign_counts;
mod campaign_trace;
mod documents;
mod express;
mod followup;
mod idempotent;
mod ledger;
mod ledger_rows;
mod numbering;
mod register;
mod spot;
mod submissions;

use crate::storage::{Result, Scope, StoreError};
use audit::write_audit;
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// rusqlite's errors become the backend-neutral `StoreError` here, in the backend, so the storage
/// traits name no database crate.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

pub struct Sqlite {
    conn: Mutex<Connection>,
}

/// Every kind's tables, in an order where a table exists before anything refers to it.
const SCHEMAS: &[&str] = &[
    submissions::SCHEMA,
    ledger::SCHEMA,
    ledger_rows::SCHEMA,
    spot::SCHEMA,
    attachments::SCHEMA,
    accounts::SCHEMA,
    audit::SCHEMA,
    documents::SCHEMA,
    express::SCHEMA,
    followup::SCHEMA,
    campaign::SCHEMA,
    campaign_counts::SCHEMA,
    numbering::SCHEMA,
    register::SCHEMA,
];

/// `PRAGMA user_version` of a database with every migration applied.
const VERSION: i64 = 7;

/// Create whatever table or index is missing (each statement is `IF NOT EXISTS`).
fn create_schema(conn: &Connection) -> Result<()> {
    for s in SCHEMAS {
        conn.execute_batch(s)?;
    }
    conn.pragma_update(None, "user_version", VERSION)?;
    Ok(())
}

/// The SQL condition (and its parameters) that limits rows to what a scope may see: rows with
/// `uscc` and `region` columns.
pub(crate) fn scope_sql(scope: &Scope, args: &mut Vec<Sql>) -> String {
    scope_on(scope, "region", args)
}

/// [`scope_sql`] on the given region column: a region prefix as a range of codes (which an index
/// on the column serves, where a `substr` or `LIKE` comparison is a scan), or the enterprise.
pub(crate) fn scope_on(scope: &Scope, column: &str, args: &mut Vec<Sql>) -> String {
    match scope {
        Scope::All => "1".into(),
        Scope::Enterprise { uscc, .. } if uscc.is_empty() => "0".into(),
        Scope::Enterprise { uscc, .. } => {
            args.push(Sql::Text(uscc.clone()));
            "uscc = ?".into()
        }
        Scope::Regions(prefixes) if prefixes.is_empty() => "0".into(),
        Scope::Regions(prefixes) => {
            let parts: Vec<String> = prefixes
                .iter()
                .map(|p| {
                    let (lo, hi) = crate::storage::code_range(p);
                    args.push(Sql::Text(lo));
                    args.push(Sql::Text(hi));
                    format!("({column} >= ? AND {column} < ?)")
                })
                .collect();
            format!("({})", parts.join(" OR "))
        }
    }
}

/// A database file only its owner may read: created empty with mode 0600 before SQLite opens
/// it (SQLite gives its `-wal` and `-shm` files the mode of the database), and tightened if an
/// older server left it readable by others.
fn private_file(path: &Path) -> Result<()> {
    let io = |e: std::io::Error| StoreError(format!("{}: {e}", path.display()));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for p in [
            path.to_path_buf(),
            path.with_extension("sqlite3-wal"),
            path.with_extension("sqlite3-shm"),
        ] {
            if p.exists() {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
        }
    }
    Ok(())
}

/// Whether a query finds a row (the migrations ask what an old database holds).
fn exists(conn: &Connection, sql: &str) -> Result<bool> {
    Ok(conn.query_row(sql, [], |_| Ok(())).optional()?.is_some())
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite> {
        private_file(path)?;
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
        if version <= 2 {
            Self::migrate_v2(&conn)?;
        }
        // The schema and the facts' migrations in one transaction (with the version, which
        // `create_schema` sets): a start that stops half-way leaves the database as it was.
        let tx = conn.unchecked_transaction()?;
        let relinked = version <= 4 && Self::migrate_v4(&tx)?;
        create_schema(&tx)?;
        if version <= 4 {
            Self::refold_v3_v4(&tx, relinked)?;
        }
        if version <= 5 {
            Self::migrate_v5(&tx)?;
        }
        if version <= 6 {
            Self::migrate_v6(&tx)?;
        }
        tx.commit()?;
        campaign::init(&conn)?;
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
        create_schema(conn)?;
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
        create_schema(conn)?;
        conn.execute_batch(
            "BEGIN;
             INSERT OR IGNORE INTO uploads (sha256, uploader, length, complete)
                SELECT sha256, uploader, length, 1 FROM attachments WHERE complete = 1;
             DROP TABLE attachments;
             COMMIT;",
        )?;
        Ok(())
    }

    /// Version 3 notes when each unfinished upload was last touched (they expire) and counts
    /// them against a per-account quota. Uploads of older versions count as touched now.
    fn migrate_v2(conn: &Connection) -> Result<()> {
        let has_uploads = exists(conn, "SELECT 1 FROM sqlite_master WHERE name = 'uploads'")?;
        let has_column = exists(
            conn,
            "SELECT 1 FROM pragma_table_info('uploads') WHERE name = 'touched_at'",
        )?;
        if has_uploads && !has_column {
            conn.execute(
                "ALTER TABLE uploads ADD COLUMN touched_at TEXT NOT NULL DEFAULT ''",
                [],
            )?;
            conn.execute(
                "UPDATE uploads SET touched_at = ?1 WHERE complete = 0",
                [chrono::Utc::now().to_rfc3339()],
            )?;
        }
        Ok(())
    }

    /// Version 5 keeps each danger's link (its submission's) in the entry fact, and each valid
    /// inspection's link in its done fact: the summary's breakdown paged through every
    /// submission of the locality for them. Before the schema: the entry facts get a column
    /// for their submission (so a submission arriving after its entry finds it), and the done
    /// facts of version 4, which have no link, are dropped to be made again from the
    /// submissions with it (`refold_v3_v4`). Returns whether they were.
    fn migrate_v4(conn: &Connection) -> Result<bool> {
        if exists(
            conn,
            "SELECT 1 FROM sqlite_master WHERE name = 'campaign_entries'",
        )? && !exists(
            conn,
            "SELECT 1 FROM pragma_table_info('campaign_entries') WHERE name = 'submission'",
        )? {
            conn.execute(
                "ALTER TABLE campaign_entries ADD COLUMN submission TEXT",
                [],
            )?;
        }
        let unlinked = exists(
            conn,
            "SELECT 1 FROM sqlite_master WHERE name = 'campaign_done'",
        )? && !exists(
            conn,
            "SELECT 1 FROM pragma_table_info('campaign_done') WHERE name = 'link'",
        )?;
        if unlinked {
            conn.execute("DROP TABLE campaign_done", [])?;
        }
        Ok(unlinked)
    }

    /// The entry facts of versions 3 and 4 made again from their entries' events (version 4
    /// added the enterprise's name as recorded, the submission and each measure's state, in
    /// place of folding the ledger per request; version 5 the submission's link and column),
    /// after `create_schema`, so the facts and counters tables exist. An entry's counted
    /// figures do not change, so the counters get no difference; done facts made again
    /// (`relinked`) are counted again from the facts by `campaign::init`.
    fn refold_v3_v4(conn: &Connection, relinked: bool) -> Result<()> {
        if relinked {
            campaign::fill_done(conn)?;
        }
        campaign::refold_entries(conn)?;
        if relinked {
            conn.execute("DELETE FROM campaign_kept", [])?;
        }
        Ok(())
    }

    /// Version 6 indexes the assist requests of the stored events (`ledger.rs`, `assists`; its
    /// trigger fills it from then on): the rows the trigger would have made (runs after
    /// `create_schema`, which makes the table).
    fn migrate_v5(conn: &Connection) -> Result<()> {
        conn.execute_batch(
            "INSERT OR IGNORE INTO assists (region, entry)
             SELECT json_extract(body, '$.assist_region'), entry FROM events
             WHERE kind = 'action_taken' AND json_valid(body)
                AND json_extract(body, '$.action') = 'two_way_tracing'
                AND json_type(body, '$.assist_region') = 'text'",
        )?;
        Ok(())
    }

    /// Version 7 keeps each ledger entry folded (`ledger_rows.rs`, `ledger_entries`; the hooks
    /// keep it from then on): the rows of the entries stored before, folded from their events
    /// (after `create_schema`, which makes the table).
    fn migrate_v6(conn: &Connection) -> Result<()> {
        ledger_rows::fill(conn)
    }

    /// The one connection (SQLite has one writer; reads are short).
    pub(crate) fn conn(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| StoreError("storage lock poisoned".into()))
    }
}
