//! The PostgreSQL backend: any number of server nodes on one database (`--database
//! postgres://...`). Nothing that decides correctness lives in a node: a record's id is a unique
//! key and every upload is one transaction (`INSERT ... ON CONFLICT DO NOTHING`, then read what
//! is there), so two nodes receiving the same record at the same moment store it once; document
//! numbers are taken by a row-locking upsert in the transaction of the numbered record
//! (`numbering.rs`); tokens and accounts are rows every node reads; the audit table refuses
//! UPDATE, DELETE and TRUNCATE (a trigger), so it is append-only.
//!
//! ## Why the synchronous client
//!
//! The storage traits are synchronous and every handler already calls them inside
//! `tokio::task::spawn_blocking` (SQLite's calls block). The `postgres` crate is rust-postgres'
//! own blocking wrapper over `tokio-postgres` (same maintainers, same protocol code), and
//! `r2d2_postgres` pools it (sfackler's pool, the author of both): the traits stay as they are,
//! with no second runtime handle threaded through every method and no `block_on` of our own. The
//! one rule that follows: never call this backend on an async worker thread (the client would
//! start a runtime inside the runtime and panic); `main.rs` opens it and makes the demo accounts
//! in `spawn_blocking` for that reason.
//!
//! ## Layout: one file per kind of thing stored, as in `sqlite/`
//!
//! `submissions.rs`, `idempotent.rs` (the one way a client-made record is stored), `ledger.rs`,
//! `spot.rs`, `accounts.rs` (and tokens), `attachments.rs`, `audit.rs`, `followup.rs`,
//! `numbering.rs`; the campaign side (`campaign.rs`, `register.rs`, `express.rs`,
//! `documents.rs`) beside them. This file connects, runs the schemas and migrations, and holds
//! what every file shares: [`Postgres::write`] / [`Postgres::read`], [`Args`] and
//! [`scope_sql`], [`serial`], and `audit::write_audit`.
//!
//! ## Adding a stored kind
//!
//! 1. Its trait in `server/src/storage/<kind>.rs` (see `storage.rs`), as for SQLite.
//! 2. `server/src/postgres/<kind>.rs`: `pub(super) const SCHEMA` (`CREATE TABLE IF NOT EXISTS`;
//!    types: `TEXT`, `BIGINT` for every integer (Rust `i64`), `BOOLEAN` for flags (Rust `bool`),
//!    `BYTEA`; a row number is `seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY`) and
//!    `impl KindStore for Postgres`: each method one `self.write(|tx| ...)` (one transaction,
//!    committed when the closure returns `Ok`) or `self.read(|c| ...)`. Placeholders are `$1`,
//!    `$2`...; a query built from filters collects its parameters in an [`Args`] (`args.push(v)`
//!    returns the placeholder) and limits rows to a scope with [`scope_sql`]. Write the audit
//!    line with `audit::write_audit(tx, &audit)` inside the same transaction. Declare the file
//!    below (`mod <kind>;`) and add its `SCHEMA` to `SCHEMAS` (after the tables it refers to).
//! 3. Rows that readers page through with `after` and that several nodes insert (a feed a
//!    device pulls): paging by `seq` would skip a row whose transaction commits after a later
//!    `seq` was read. Either take [`serial`] first in the transaction (simple; it serialises
//!    those writers until commit), or give the rows their feed position as the transaction's
//!    last statement under [`serial`] (`ledger.rs`, `publish`: writers overlap until then).
//! 4. A change to an existing table is a migration: append `(N, Migration::Sql("ALTER TABLE
//!    ..."))` to `MIGRATIONS`; it runs once per database (the version is kept in
//!    `paicha_schema`). Leave the table's `SCHEMA` as first made: it runs first at every start,
//!    and on an older database its `CREATE INDEX IF NOT EXISTS` on a column the migration adds
//!    fails (the column is looked up before the name is found to exist).
//!    `ledger::FEED_POSITIONS` is one. A change to what stored bodies hold (a fact gaining a
//!    field) is one too, made in Rust: `Migration::Run(f)`, `f` given the migration's
//!    transaction (`campaign::refold_entries`).
//! 5. Summary tables kept in step with records (the campaign's facts) are updated by
//!    `campaign::on_submissions(tx, recs, &mut changes)`, `campaign::on_entries(tx, entries,
//!    &mut changes)` (or `on_entry`) and `campaign::on_spot_check(tx, body)`, which
//!    `submissions.rs`, `ledger.rs` and `spot.rs` call inside their transactions (as `sqlite/`
//!    does). The counters' rows are shared by every writer of a county: a write that stores
//!    many records adds up their `Changes` and applies them once (`campaign_counts::apply`,
//!    one statement, rows in key order) as late as it can, just before `publish`, so their
//!    locks are held for that statement and the commit only.
//! 6. Tests over HTTP (`server/tests/<kind>.rs`, `common::start`) run on both backends.
//!
//! ## Round trips
//!
//! Every statement is a round trip to the database, and `query`/`execute` with SQL text are
//! two (the client prepares a named statement first). On the paths a device's upload takes,
//! use the `*_typed` calls (parse, bind and execute in one message, the parameters' types
//! given), and one statement per batch rather than per record where rows are many: `INSERT ...
//! SELECT * FROM unnest($1::text[], ...)` (with `RETURNING id` to learn which were new), `WHERE
//! key = ANY($1)` for reads. An upload of 100 submissions is 115 statements
//! (`submissions.rs`, `put_batch`; it was 5,040 statements, 8,350 round trips).
//!
//! Errors: `?` turns `postgres::Error` and pool errors into `StoreError` (below); the API
//! answers 503 `storage_unavailable`, so a client retries a transaction that failed.

mod accounts;
mod attachments;
mod audit;
mod campaign;
mod campaign_counts;
mod campaign_trace;
mod documents;
mod express;
mod feed;
mod followup;
mod idempotent;
mod ledger;
mod ledger_rows;
mod numbering;
mod register;
mod spot;
mod submissions;

use crate::storage::{Result, Scope, StoreError};
use r2d2_postgres::postgres::{self, types::ToSql, NoTls};
use r2d2_postgres::{r2d2, PostgresConnectionManager};

// Used by every kind as it is ported (documents and express reports take numbers).
#[allow(unused_imports)]
pub(crate) use audit::write_audit;
#[allow(unused_imports)]
pub(crate) use numbering::next_number;

/// A transaction of this backend (every write method takes one).
pub(crate) type Tx<'a> = postgres::Transaction<'a>;

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        // `Display` of a database error is only its severity and message: add the SQLSTATE
        // and detail, which say which constraint or statement failed.
        match e.as_db_error() {
            Some(d) => StoreError(format!(
                "postgres {}: {}{}",
                d.code().code(),
                d.message(),
                d.detail().map(|s| format!(" ({s})")).unwrap_or_default()
            )),
            None => StoreError(format!("postgres: {e}")),
        }
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        StoreError(format!("postgres pool: {e}"))
    }
}

/// The outcome of an insert of rows a batch's short way holds new (`submissions.rs`,
/// `put_batch`), written without `ON CONFLICT`: an upsert's speculative insertion probes each
/// unique index before the insert and logs a confirmation per row, for a conflict that only a
/// device storing under an id the server derives can make. A row there already fails the
/// statement (`unique_violation`, the transaction aborted) and the batch is stored again the
/// careful way, as when the upsert found it.
pub(super) fn new_rows<T>(r: std::result::Result<T, postgres::Error>) -> Result<T> {
    match r {
        Err(e) if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => {
            Err(StoreError(submissions::CAREFULLY.into()))
        }
        r => Ok(r?),
    }
}

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

pub struct Postgres {
    /// Always `Some` but in `drop`.
    pool: Option<Pool>,
}

/// Each pooled client owns a small runtime of its own, which panics when dropped on an async
/// worker (the server drops its state there when it stops): the pool is dropped on a thread of
/// its own.
impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

/// Every kind's tables, in an order where a table exists before anything refers to it. Each is
/// run at every start (`IF NOT EXISTS`): a kind added later gets its tables in an old database.
const SCHEMAS: &[&str] = &[
    submissions::SCHEMA,
    ledger::SCHEMA,
    ledger_rows::SCHEMA,
    spot::SCHEMA,
    attachments::SCHEMA,
    accounts::SCHEMA,
    audit::SCHEMA,
    followup::SCHEMA,
    numbering::SCHEMA,
    campaign::SCHEMA,
    campaign_counts::SCHEMA,
    register::SCHEMA,
    documents::SCHEMA,
    express::SCHEMA,
];

/// A change to an existing database: SQL, or Rust that reads and rewrites what is stored.
enum Migration {
    Sql(&'static str),
    Run(fn(&mut Tx<'_>) -> Result<()>),
}

/// Changes to existing databases, in order, each run once per database (after the schemas, in
/// the transaction that runs them): (version, change).
const MIGRATIONS: &[(i32, Migration)] = &[
    (1, Migration::Sql(ledger::FEED_POSITIONS)),
    // The entry facts carry what the summary's breakdown lists and counts (the enterprise's
    // name as recorded, the submission a danger was found in, each required measure's state)
    // instead of it folding the ledger per request: facts stored before are made again from
    // their entries' events (an entry's counted figures do not change: no counter difference).
    (2, Migration::Run(campaign::refold_entries)),
    // Links kept in the facts (each inspection's in its done fact, each danger's in its entry
    // fact) rather than the breakdown paging through every submission of a locality for them.
    (3, Migration::Run(campaign::keep_links)),
    // The assist requests of two-way tracings indexed (an index table and its trigger), for the
    // line queue (in place of a text scan of the events).
    (4, Migration::Sql(ledger::ASSISTS)),
    // Records' bodies and reports compressed with lz4 (cheaper than pglz).
    (5, Migration::Sql(submissions::LZ4)),
    // The feed's positions in a table of their own, given under the feed's lock without
    // writing the events' rows there (`feed.rs`).
    (6, Migration::Sql(feed::FEED_TABLE)),
    // Each ledger entry kept folded (`ledger_rows.rs`), for the ledger views and the line queue
    // in place of folding a region's every event per request: the entries stored before.
    (7, Migration::Run(ledger_rows::fill)),
    // The running deadline's day as a number, kept by the database, for the view's order.
    (8, Migration::Sql(ledger_rows::DUE_DAY)),
];

/// An arbitrary constant key for the advisory lock under which a node creates and migrates the
/// schema, so nodes started together do not race on `CREATE TABLE`.
const SCHEMA_LOCK: i64 = 0x7061_6963_6861; // "paicha"

impl Postgres {
    /// Connect a pool of up to `size` connections to `url` (`postgres://user@host:port/db` or
    /// `host=... user=...`), and create or migrate the schema. Call it off the async workers.
    pub fn connect(url: &str, size: u32) -> Result<Postgres> {
        let config: postgres::Config = url
            .parse()
            .map_err(|e| StoreError(format!("database address: {e}")))?;
        let manager = PostgresConnectionManager::new(config, NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(size.max(1))
            // A database that is down answers 503 within this, rather than holding requests.
            .connection_timeout(std::time::Duration::from_secs(5))
            // Connections are made as load needs them, not all at start (many nodes, one server).
            .min_idle(Some(2))
            .build(manager)?;
        let pg = Postgres { pool: Some(pool) };
        pg.write(migrate)?;
        Ok(pg)
    }

    /// Run `f` in one transaction, committed when it returns `Ok` (rolled back otherwise).
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.pool()?.get()?;
        let mut tx = conn.transaction()?;
        let out = f(&mut tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Run reads on one pooled connection (each statement sees what was committed when it began).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut postgres::Client) -> Result<T>) -> Result<T> {
        let mut conn = self.pool()?.get()?;
        f(&mut conn)
    }

    fn pool(&self) -> Result<&Pool> {
        self.pool
            .as_ref()
            .ok_or_else(|| StoreError("the database is closed".into()))
    }
}

/// Create what is missing and apply the migrations not yet applied, under the schema lock.
fn migrate(tx: &mut Tx<'_>) -> Result<()> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS paicha_schema (version INTEGER NOT NULL);
         INSERT INTO paicha_schema (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM paicha_schema);",
    )?;
    for s in SCHEMAS {
        tx.batch_execute(s)?;
    }
    let version: i32 = tx
        .query_one("SELECT version FROM paicha_schema", &[])?
        .get(0);
    for (v, change) in MIGRATIONS {
        if *v > version {
            match change {
                Migration::Sql(sql) => tx.batch_execute(sql)?,
                Migration::Run(f) => f(tx)?,
            }
            tx.execute("UPDATE paicha_schema SET version = $1", &[v])?;
        }
    }
    Ok(())
}

/// Parameters of a statement built at run time: `push` a value, write the placeholder it returns.
#[derive(Default)]
pub(crate) struct Args(Vec<Box<dyn ToSql + Sync + Send>>);

impl Args {
    pub(crate) fn new() -> Args {
        Args::default()
    }

    /// Add a parameter; its placeholder (`$n`).
    pub(crate) fn push(&mut self, v: impl ToSql + Sync + Send + 'static) -> String {
        self.0.push(Box::new(v));
        format!("${}", self.0.len())
    }

    /// The parameters, as the client's `query` and `execute` take them.
    pub(crate) fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0
            .iter()
            .map(|b| -> &(dyn ToSql + Sync) { b.as_ref() })
            .collect()
    }
}

/// The SQL condition (its parameters pushed onto `args`) that limits rows to what a scope may
/// see: rows with `uscc` and `region` columns. `prefix` qualifies the columns (`"s."`, or `""`).
pub(crate) fn scope_sql(scope: &Scope, args: &mut Args, prefix: &str) -> String {
    match scope {
        Scope::All => "TRUE".into(),
        Scope::Enterprise { uscc, .. } if uscc.is_empty() => "FALSE".into(),
        Scope::Enterprise { uscc, .. } => format!("{prefix}uscc = {}", args.push(uscc.clone())),
        Scope::Regions(prefixes) if prefixes.is_empty() => "FALSE".into(),
        Scope::Regions(prefixes) => {
            let parts: Vec<String> = prefixes
                .iter()
                .map(|p| format!("starts_with({prefix}region, {})", args.push(p.clone())))
                .collect();
            format!("({})", parts.join(" OR "))
        }
    }
}

/// Make this transaction's inserts into `feed` (a table read in `seq` order with `after`) wait
/// for every other transaction inserting into it, until commit: rows then become visible in the
/// order of their `seq`, so a reader paging by `seq` never skips one that commits late. The lock
/// is PostgreSQL's transaction-level advisory lock, keyed by the table's name.
pub(crate) fn serial(tx: &mut Tx<'_>, feed: &str) -> Result<()> {
    tx.execute_typed(
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        &[(&feed, postgres::types::Type::TEXT)],
    )?;
    Ok(())
}

/// A byte count or length as PostgreSQL's BIGINT (saturating: nothing real comes near 2^63).
pub(crate) fn big(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
