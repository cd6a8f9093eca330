//! Ledger events (the rectification ledger, issue 6): every event as sent, with the enterprise of
//! its entry copied from the entry's `created` event (it decides who may see the event), and the
//! versions that conflicted with a stored one. Who owns an entry is read in the transaction that
//! stores the act, so no other upload can create or move the entry between the check and the store.
//!
//! `assists` indexes the assist requests (协查) of two-way tracings, (region asked, entry), so a
//! county's line queue finds the other regions' entries that asked it without scanning every
//! event's text: a trigger fills it as each event is inserted, by whichever path (the rule of
//! `storage::asks_assist`: an `action_taken` of `two_way_tracing` with an `assist_region`), and
//! `migrate_v5` fills it for the events stored before.

use super::audit::write_audit;
use super::idempotent::{put_idempotent, Kind, Upload};
use super::{scope_sql, Sqlite};
use crate::storage::{Audit, Owner};
use crate::storage::{EntryPage, LedgerStore, NewEvent, PageQuery, Result, Scope, Stored};
use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, OptionalExtension, Transaction};

pub(super) const SCHEMA: &str = "
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
CREATE TABLE IF NOT EXISTS assists (
    region TEXT NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (region, entry)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS events_assists AFTER INSERT ON events
WHEN NEW.kind = 'action_taken' AND json_valid(NEW.body)
    AND json_extract(NEW.body, '$.action') = 'two_way_tracing'
    AND json_type(NEW.body, '$.assist_region') = 'text'
BEGIN
    INSERT OR IGNORE INTO assists (region, entry)
    VALUES (json_extract(NEW.body, '$.assist_region'), NEW.entry);
END;
CREATE TABLE IF NOT EXISTS event_conflicts (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL,
    UNIQUE (id, sha256)
);
";

const EVENTS: Kind = Kind {
    table: "events",
    conflicts: "event_conflicts",
    action: "ledger.event",
};

/// The entry's enterprise and the id of its `created` event, as stored (this transaction's own
/// inserts included: an entry's `created` may come in the same batch as its acts).
fn owner_in(tx: &rusqlite::Connection, entry: &str) -> Result<Option<(Owner, String)>> {
    Ok(tx
        .prepare_cached(
            "SELECT uscc, region, id FROM events WHERE entry = ?1 AND kind = 'created' ORDER BY seq LIMIT 1",
        )?
        .query_row(params![entry], |r| {
            Ok((
                Owner {
                    uscc: r.get(0)?,
                    region: r.get(1)?,
                },
                r.get(2)?,
            ))
        })
        .optional()?)
}

/// Store one event: a `created` brings its enterprise (one creation per entry, however it is
/// dated: a second one would take the entry over in the fold); any other act takes its entry's
/// enterprise from the stored `created`. The uploader must be allowed to write for it.
/// Is `id` a stored submission's (one id space across submissions and events)?
fn id_is_a_submission(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM submissions WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub(super) fn put_event(
    tx: &Transaction<'_>,
    ev: &NewEvent,
    actor: &str,
    scope: &Scope,
    audited: bool,
) -> Result<Stored> {
    let refuse = |outcome: Stored, detail: &str| -> Result<Stored> {
        if audited {
            write_audit(
                tx,
                &Audit {
                    at: &ev.received_at,
                    actor,
                    action: EVENTS.action,
                    target: &ev.id,
                    outcome: outcome.as_str(),
                    detail,
                },
            )?;
        }
        Ok(outcome)
    };
    if id_is_a_submission(tx, &ev.id)? {
        return refuse(Stored::IdInUse, "submission");
    }
    let stored = owner_in(tx, &ev.entry)?;
    let owner = if ev.kind == "created" {
        // Checked in the transaction; the unique index is the backstop.
        if stored.is_some_and(|(_, first)| first != ev.id) {
            return refuse(Stored::EntryExists, &ev.entry);
        }
        match &ev.owner {
            Some(o) => o.clone(),
            None => return refuse(Stored::UnknownEntry, &ev.entry),
        }
    } else {
        match stored {
            Some((o, _)) => o,
            None => return refuse(Stored::UnknownEntry, &ev.entry),
        }
    };
    // An assist result (协查) of the region a tracing of the entry asked: that region's bureau
    // may store it (and only it) on the other region's entry.
    let assisting = !scope.may_write(&owner.uscc, &owner.region)
        && match ev.assist.as_deref() {
            Some(r) if scope.has_region(r) => {
                let bodies = tx
                    .prepare_cached(
                        "SELECT body FROM events WHERE entry = ?1 AND kind = 'action_taken'",
                    )?
                    .query_map(params![ev.entry], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?;
                crate::storage::asks_assist(bodies.iter().map(String::as_str), r)
            }
            _ => false,
        };
    if !assisting && !scope.may_write(&owner.uscc, &owner.region) {
        return refuse(Stored::OutsideScope, "outside_scope");
    }
    let wide;
    let scope = if assisting {
        wide = Scope::Regions(vec![owner.region.clone()]);
        &wide
    } else {
        scope
    };
    let u = Upload {
        id: &ev.id,
        sha256: &ev.sha256,
        body: &ev.body,
        received_at: &ev.received_at,
        // Evidence photos are cited like a submission's: whoever may see the event may see them.
        attachments: &ev.attachments,
        detail: &ev.kind,
    };
    let stored = put_idempotent(tx, &EVENTS, &u, actor, scope, audited, || {
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
            owner.uscc,
            owner.region,
            ev.received_at,
            actor
        ])
    })?;
    // A submission's own entries are refolded once each by the submission (`audited` false).
    if stored == Stored::New && audited {
        super::campaign::on_entry(tx, &ev.entry)?;
    }
    Ok(stored)
}

impl LedgerStore for Sqlite {
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

    fn scope_bodies(&self, scope: &Scope) -> Result<Vec<String>> {
        super::ledger_rows::scope_bodies(&*self.conn()?, scope)
    }

    fn entry_page(&self, scope: &Scope, q: &PageQuery) -> Result<EntryPage> {
        super::ledger_rows::page(&*self.conn()?, scope, q)
    }

    fn entry_bodies(&self, entries: &[String]) -> Result<Vec<(String, String)>> {
        super::ledger_rows::bodies(&*self.conn()?, entries)
    }

    fn task_entries(&self, prefix: &str) -> Result<Vec<String>> {
        super::ledger_rows::task_bodies(&*self.conn()?, prefix)
    }

    fn assist_entries(&self, prefix: &str) -> Result<Vec<String>> {
        let (lo, hi) = crate::storage::code_range(prefix);
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT entry FROM assists WHERE region >= ?1 AND region < ?2",
        )?;
        let rows = stmt.query_map(params![lo, hi], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }
}
