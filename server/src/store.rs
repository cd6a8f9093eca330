//! Storage of submissions in SQLite (bundled), behind one small interface so a PostgreSQL backend
//! can be added later. Idempotency is the database's job: the record id is the primary key and each
//! upload is one transaction, so concurrent retries of one id cannot store it twice (no
//! check-then-insert race). WAL with `synchronous = FULL`: an acknowledged record survives a crash.

use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::Mutex;

/// What happened to one uploaded record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// New: stored now.
    New,
    /// The same id with the same content was already there: nothing new stored.
    Duplicate,
    /// The same id with different content: the new version is kept for review, the first stays.
    Conflict,
}

/// One stored submission with the server's own report.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    pub sha256: String,
    pub body: String,
    pub report: String,
    pub received_at: String,
}

pub struct Store {
    conn: Mutex<Connection>,
}

#[derive(Debug)]
pub struct StoreError(pub String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS submissions (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    report TEXT NOT NULL,
    valid INTEGER NOT NULL,
    level TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS conflicts (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (id, sha256)
);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    report TEXT NOT NULL,
    received_at TEXT NOT NULL
);
";

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        self.conn
            .lock()
            .map_err(|_| StoreError("storage lock poisoned".into()))
    }

    /// Store a submission with its report, idempotently by id and content hash.
    pub fn put(&self, rec: &Record, valid: bool, level: &str) -> Result<Stored, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let inserted = tx.execute(
            "INSERT INTO submissions (id, sha256, body, report, valid, level, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
            params![
                rec.id,
                rec.sha256,
                rec.body,
                rec.report,
                valid,
                level,
                rec.received_at
            ],
        )?;
        let outcome = if inserted == 1 {
            Stored::New
        } else {
            let existing: String = tx.query_row(
                "SELECT sha256 FROM submissions WHERE id = ?1",
                params![rec.id],
                |r| r.get(0),
            )?;
            if existing == rec.sha256 {
                Stored::Duplicate
            } else {
                tx.execute(
                    "INSERT INTO conflicts (id, sha256, body, received_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (id, sha256) DO NOTHING",
                    params![rec.id, rec.sha256, rec.body, rec.received_at],
                )?;
                Stored::Conflict
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Keep what could not be stored by id (no usable id): nothing a user sent is lost.
    pub fn reject(&self, body: &str, report: &str, received_at: &str) -> Result<(), StoreError> {
        self.conn()?.execute(
            "INSERT INTO rejected (body, report, received_at) VALUES (?1, ?2, ?3)",
            params![body, report, received_at],
        )?;
        Ok(())
    }

    pub fn get(&self, id: &str) -> Result<Option<Record>, StoreError> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT id, sha256, body, report, received_at FROM submissions WHERE id = ?1",
                params![id],
                |r| {
                    Ok(Record {
                        id: r.get(0)?,
                        sha256: r.get(1)?,
                        body: r.get(2)?,
                        report: r.get(3)?,
                        received_at: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// The versions of `id` that conflicted with the stored one (content hashes).
    pub fn conflicts(&self, id: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT sha256 FROM conflicts WHERE id = ?1 ORDER BY seq")?;
        let rows = stmt.query_map(params![id], |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<String>, _>>()?)
    }
}
