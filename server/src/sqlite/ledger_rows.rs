//! The kept ledger entries in SQLite (`ledger_entries`; what a row holds and why:
//! `storage/ledger_rows.rs`). `keep` writes an entry's row in the transaction that stores one of
//! its events (called by `campaign::on_entry`, which folds the entry's events already); `fill`
//! makes the rows of every stored entry (`migrate_v6`: databases before version 7). The views read
//! by the covering indexes on region and on enterprise, the bodies by key.

use crate::storage::{code_range, EntryPage, EntryRow, PageQuery, Result, Scope};
use paicha::ledger::Event;
use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, Connection};
use std::collections::BTreeMap;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ledger_entries (
    entry TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    region TEXT NOT NULL,
    status TEXT NOT NULL,
    due_date TEXT,
    due_offset INTEGER,
    tasks INTEGER NOT NULL,
    conflict INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_entries_region ON ledger_entries
    (region, entry, status, due_date, due_offset, conflict, rejected, tasks);
CREATE INDEX IF NOT EXISTS ledger_entries_uscc ON ledger_entries
    (uscc, entry, status, due_date, due_offset, conflict, rejected);
";

/// Write (or rewrite) an entry's row.
pub(super) fn keep(conn: &Connection, r: &EntryRow) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO ledger_entries (entry, uscc, region, status, due_date, due_offset, tasks,
            conflict, rejected, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (entry) DO UPDATE SET uscc = excluded.uscc, region = excluded.region,
            status = excluded.status, due_date = excluded.due_date,
            due_offset = excluded.due_offset, tasks = excluded.tasks,
            conflict = excluded.conflict, rejected = excluded.rejected, body = excluded.body",
    )?
    .execute(params![
        r.entry,
        r.uscc,
        r.region,
        r.status,
        r.due_date,
        r.due_offset,
        r.tasks,
        r.conflict,
        r.rejected,
        r.body
    ])?;
    Ok(())
}

/// The rows of every stored entry, folded from its events (read in entry order, a few thousand
/// entries at a time, so the whole ledger is never in memory at once).
pub(super) fn fill(conn: &Connection) -> Result<()> {
    let mut stmt = conn.prepare("SELECT entry, body FROM events ORDER BY entry, seq")?;
    let mut rows = stmt.query([])?;
    let mut batch: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    let flush = |batch: &mut BTreeMap<String, Vec<Event>>| -> Result<()> {
        for r in crate::storage::rows_of(batch) {
            keep(conn, &r)?;
        }
        batch.clear();
        Ok(())
    };
    while let Some(r) = rows.next()? {
        let entry: String = r.get(0)?;
        if batch.len() >= 2000 && !batch.contains_key(&entry) {
            flush(&mut batch)?;
        }
        let body: String = r.get(1)?;
        if let Ok(e) = Event::from_json(&body) {
            batch.entry(entry).or_default().push(e);
        }
    }
    flush(&mut batch)
}

/// The kept bodies of every entry of `scope`.
pub(super) fn scope_bodies(conn: &Connection, scope: &Scope) -> Result<Vec<String>> {
    let mut args = Vec::new();
    let cond = super::scope_sql(scope, &mut args);
    let mut stmt = conn.prepare_cached(&format!("SELECT body FROM ledger_entries WHERE {cond}"))?;
    let rows = stmt.query_map(params_from_iter(args), |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
}

/// One page of the view in the database (`LedgerStore::entry_page`): the days left to a running
/// deadline are its day less the day of "now" in the deadline's offset, both as days since 1970.
pub(super) fn page(conn: &Connection, scope: &Scope, q: &PageQuery) -> Result<EntryPage> {
    // `?` placeholders are numbered in the order they appear: "now", the scope's, the rest.
    let mut args = vec![Sql::Integer(q.now)];
    let cond = super::scope_sql(scope, &mut args);
    let (limit, offset) = q.limit_offset();
    args.extend([
        Sql::Integer(i64::from(q.open_only)),
        Sql::Integer(limit),
        Sql::Integer(offset),
    ]);
    let sql = format!(
        "WITH v AS (SELECT entry, status,
             CASE WHEN due_offset IS NULL OR unixepoch(due_date) IS NULL THEN NULL
                  ELSE unixepoch(due_date) / 86400 - (? + due_offset) / 86400 END AS days
             FROM ledger_entries WHERE {cond})
         SELECT entry FROM v WHERE (? = 0 OR status <> 'closed')
         ORDER BY CASE WHEN days IS NOT NULL THEN 0 WHEN status = 'closed' THEN 3 ELSE 2 END,
                  days, entry
         LIMIT ? OFFSET ?"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let ids = stmt
        .query_map(params_from_iter(args), |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let mut args = vec![Sql::Integer(i64::from(q.open_only))];
    let cond = super::scope_sql(scope, &mut args);
    let sql = format!(
        "SELECT COUNT(*) FILTER (WHERE ? = 0 OR status <> 'closed'), SUM(conflict), SUM(rejected)
         FROM ledger_entries WHERE {cond}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let (total, conflicts, rejected) = stmt.query_row(params_from_iter(args), |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(EntryPage::of(ids, total, conflicts, rejected))
}

pub(super) fn bodies(conn: &Connection, entries: &[String]) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached("SELECT body FROM ledger_entries WHERE entry = ?1")?;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let mut rows = stmt.query([e])?;
        if let Some(r) = rows.next()? {
            out.push((e.clone(), r.get(0)?));
        }
    }
    Ok(out)
}

pub(super) fn task_bodies(conn: &Connection, prefix: &str) -> Result<Vec<String>> {
    let (lo, hi) = code_range(prefix);
    // The region's own entries with tasks, then the other entries that asked it to assist.
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM ledger_entries WHERE region >= ?1 AND region < ?2 AND tasks
         UNION ALL
         SELECT body FROM ledger_entries
         WHERE entry IN (SELECT entry FROM assists WHERE region >= ?1 AND region < ?2)
            AND NOT (region >= ?1 AND region < ?2 AND tasks)",
    )?;
    let rows = stmt.query_map(params![lo, hi], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
}
