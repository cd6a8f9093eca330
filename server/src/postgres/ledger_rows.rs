//! The kept ledger entries in PostgreSQL (`ledger_entries`; what a row holds and why:
//! `storage/ledger_rows.rs`), the same table and reads as `sqlite/ledger_rows.rs`. `keep_all`
//! writes the rows of the entries `campaign::keep_facts` folds, in its statement count (one
//! upsert for them all), in the transaction that stores their events: the entries are locked
//! by then (`on_entries`) or created in that transaction, so two nodes storing events of one
//! entry at once write its row one after the other, the second from every event. `fill` is
//! migration 7: the rows of the entries stored before.

use super::Tx;
use crate::storage::{code_range, EntryPage, EntryRow, PageQuery, Result, Scope};
use paicha::ledger::Event;
use r2d2_postgres::postgres::types::Type;
use r2d2_postgres::postgres::GenericClient;
use std::collections::BTreeMap;

pub(super) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS ledger_entries (
    entry TEXT COLLATE "C" PRIMARY KEY,
    uscc TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    status TEXT NOT NULL,
    due_date TEXT,
    due_offset BIGINT,
    tasks BOOLEAN NOT NULL,
    conflict BOOLEAN NOT NULL,
    rejected BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_entries_region ON ledger_entries (region, entry)
    INCLUDE (status, due_date, due_offset, conflict, rejected, tasks);
CREATE INDEX IF NOT EXISTS ledger_entries_uscc ON ledger_entries (uscc, entry)
    INCLUDE (status, due_date, due_offset, conflict, rejected);
"#;

/// Migration 8: each row's running deadline also as a day number (days since 1970), computed by
/// the database from `due_date` as it stores the row (a generated column: no writer changes), and
/// in the covering indexes. The view's order (`page`) subtracts "now"'s day from it; computing it
/// from the text per row (`due_date::date`, not immutable, so not a generated column) was most
/// of a province view's 150 ms. The text is always the server's `YYYY-MM-DD`.
pub(super) const DUE_DAY: &str = r#"
ALTER TABLE ledger_entries ADD COLUMN IF NOT EXISTS due_day INTEGER GENERATED ALWAYS AS (
    make_date(substr(due_date, 1, 4)::int, substr(due_date, 6, 2)::int, substr(due_date, 9, 2)::int)
        - DATE '1970-01-01') STORED;
DROP INDEX IF EXISTS ledger_entries_region;
CREATE INDEX ledger_entries_region ON ledger_entries (region, entry)
    INCLUDE (status, due_date, due_offset, due_day, conflict, rejected, tasks);
DROP INDEX IF EXISTS ledger_entries_uscc;
CREATE INDEX ledger_entries_uscc ON ledger_entries (uscc, entry)
    INCLUDE (status, due_date, due_offset, due_day, conflict, rejected);
"#;

/// Write (or rewrite) these rows, in one statement; `new`: the entries have no row yet (a
/// batch's short way: inserted without an upsert, `super::new_rows`).
pub(super) fn keep_all<C: GenericClient>(c: &mut C, rows: &[EntryRow], new: bool) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let text = |g: fn(&EntryRow) -> String| rows.iter().map(g).collect::<Vec<String>>();
    let (entry, uscc, region, status, body) = (
        text(|r| r.entry.clone()),
        text(|r| r.uscc.clone()),
        text(|r| r.region.clone()),
        text(|r| r.status.clone()),
        text(|r| r.body.clone()),
    );
    let due_date: Vec<Option<String>> = rows.iter().map(|r| r.due_date.clone()).collect();
    let due_offset: Vec<Option<i64>> = rows.iter().map(|r| r.due_offset).collect();
    let tasks: Vec<bool> = rows.iter().map(|r| r.tasks).collect();
    let conflict: Vec<bool> = rows.iter().map(|r| r.conflict).collect();
    let rejected: Vec<i64> = rows.iter().map(|r| r.rejected).collect();
    let (t, b, i) = (Type::TEXT_ARRAY, Type::BOOL_ARRAY, Type::INT8_ARRAY);
    let upsert =
        " ON CONFLICT (entry) DO UPDATE SET uscc = excluded.uscc, region = excluded.region,
            status = excluded.status, due_date = excluded.due_date,
            due_offset = excluded.due_offset, tasks = excluded.tasks,
            conflict = excluded.conflict, rejected = excluded.rejected, body = excluded.body";
    let sql = format!(
        "INSERT INTO ledger_entries (entry, uscc, region, status, due_date, due_offset, tasks,
            conflict, rejected, body)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
            $6::bigint[], $7::boolean[], $8::boolean[], $9::bigint[], $10::text[]){}",
        if new { "" } else { upsert }
    );
    let written = c.execute_typed(
        &sql,
        &[
            (&entry, t.clone()),
            (&uscc, t.clone()),
            (&region, t.clone()),
            (&status, t.clone()),
            (&due_date, t.clone()),
            (&due_offset, i.clone()),
            (&tasks, b.clone()),
            (&conflict, b),
            (&rejected, i),
            (&body, t),
        ],
    );
    if new {
        super::new_rows(written)?;
    } else {
        written?;
    }
    Ok(())
}

/// Migration 7: the rows of every stored entry, folded from its events, a few thousand entries
/// at a time (in entry order, by keyset, so the whole ledger is never in memory at once).
pub(super) fn fill(tx: &mut Tx<'_>) -> Result<()> {
    let mut after = String::new();
    loop {
        let entries: Vec<String> = tx
            .query(
                "SELECT DISTINCT entry FROM events WHERE entry > $1 ORDER BY entry LIMIT 2000",
                &[&after],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let Some(last) = entries.last() else {
            return Ok(());
        };
        after = last.clone();
        let mut batch: BTreeMap<String, Vec<Event>> = BTreeMap::new();
        for r in tx.query(
            "SELECT entry, body FROM events WHERE entry = ANY($1) ORDER BY entry, seq",
            &[&entries],
        )? {
            if let Ok(e) = Event::from_json(r.get::<_, &str>(1)) {
                batch.entry(r.get(0)).or_default().push(e);
            }
        }
        keep_all(tx, &crate::storage::rows_of(&batch), false)?;
    }
}

/// The condition limiting rows to a scope, by index (a range of codes per region prefix).
fn scope_cond(scope: &Scope, args: &mut super::Args) -> String {
    match scope {
        Scope::All => "TRUE".into(),
        Scope::Enterprise { uscc, .. } if uscc.is_empty() => "FALSE".into(),
        Scope::Enterprise { uscc, .. } => format!("uscc = {}", args.push(uscc.clone())),
        Scope::Regions(prefixes) if prefixes.is_empty() => "FALSE".into(),
        Scope::Regions(prefixes) => {
            let parts: Vec<String> = prefixes
                .iter()
                .map(|p| {
                    let (lo, hi) = code_range(p);
                    format!(
                        "(region >= {} AND region < {})",
                        args.push(lo),
                        args.push(hi)
                    )
                })
                .collect();
            format!("({})", parts.join(" OR "))
        }
    }
}

/// The kept bodies of every entry of `scope`.
pub(super) fn scope_bodies<C: GenericClient>(c: &mut C, scope: &Scope) -> Result<Vec<String>> {
    let mut args = super::Args::new();
    let cond = scope_cond(scope, &mut args);
    let sql = format!("SELECT body FROM ledger_entries WHERE {cond}");
    Ok(c.query(&sql, &args.refs())?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// One page of the view in the database, as `sqlite/ledger_rows.rs` (the days left to a running
/// deadline: its day, kept as `due_day`, less the day of "now" in the deadline's offset).
pub(super) fn page<C: GenericClient>(c: &mut C, scope: &Scope, q: &PageQuery) -> Result<EntryPage> {
    let (limit, offset) = q.limit_offset();
    let mut args = super::Args::new();
    let cond = scope_cond(scope, &mut args);
    let sql = format!(
        "WITH v AS (SELECT entry, status,
             CASE WHEN due_day IS NULL OR due_offset IS NULL THEN NULL
                  ELSE due_day - ({now}::bigint + due_offset) / 86400 END AS days
             FROM ledger_entries WHERE {cond})
         SELECT entry FROM v WHERE ({all}::boolean OR status <> 'closed')
         ORDER BY CASE WHEN days IS NOT NULL THEN 0 WHEN status = 'closed' THEN 3 ELSE 2 END,
                  days, entry
         LIMIT {limit} OFFSET {offset}",
        now = args.push(q.now),
        all = args.push(!q.open_only),
        limit = args.push(limit),
        offset = args.push(offset),
    );
    let ids = c
        .query(&sql, &args.refs())?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut args = super::Args::new();
    let cond = scope_cond(scope, &mut args);
    let sql = format!(
        "SELECT COUNT(*) FILTER (WHERE {all}::boolean OR status <> 'closed'),
                COUNT(*) FILTER (WHERE conflict), SUM(rejected)::bigint
         FROM ledger_entries WHERE {cond}",
        all = args.push(!q.open_only),
    );
    let row = c.query_one(&sql, &args.refs())?;
    Ok(EntryPage::of(ids, row.get(0), row.get(1), row.get(2)))
}

pub(super) fn bodies<C: GenericClient>(
    c: &mut C,
    entries: &[String],
) -> Result<Vec<(String, String)>> {
    Ok(c.query_typed(
        "SELECT entry, body FROM ledger_entries WHERE entry = ANY($1)",
        &[(&entries, Type::TEXT_ARRAY)],
    )?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect())
}

pub(super) fn task_bodies<C: GenericClient>(c: &mut C, prefix: &str) -> Result<Vec<String>> {
    let (lo, hi) = code_range(prefix);
    // The region's own entries with tasks, then the other entries that asked it to assist.
    Ok(c.query_typed(
        "SELECT body FROM ledger_entries WHERE region >= $1 AND region < $2 AND tasks
             UNION ALL
             SELECT body FROM ledger_entries
             WHERE entry IN (SELECT entry FROM assists WHERE region >= $1 AND region < $2)
                AND NOT (region >= $1 AND region < $2 AND tasks)",
        &[(&lo, Type::TEXT), (&hi, Type::TEXT)],
    )?
    .iter()
    .map(|r| r.get(0))
    .collect())
}
