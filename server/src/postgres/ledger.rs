//! Ledger events in PostgreSQL: every event as sent, with the enterprise of its entry copied
//! from the entry's `created` event, and the versions that conflicted with a stored one. Who owns
//! an entry is read in the transaction that stores the act. One `created` per entry is a unique
//! index: two nodes storing two different `created` events of one entry at once keep the first
//! (the second insert waits for it and is then refused, `entry_exists`).
//!
//! Devices pull events by their place in the feed (`events(after)`): `pos`, given to a
//! transaction's new events as its last step before commit (`publish`), under the feed's lock
//! (`serial`), so positions become visible in the order they were given and a reader paging by
//! `pos` never skips an event that commits late (which paging by `seq`, taken at insert, would:
//! a transaction may insert `seq` 9 and commit after another's `seq` 10 is read). The lock is
//! held only for that last statement and the commit, so uploads on several connections and nodes
//! run side by side until then; it never waits for a row while held (the rows it updates are the
//! transaction's own), so it cannot deadlock with the rows others wait for.

use super::idempotent::{put_idempotent, Kind, Upload};
use super::{scope_sql, serial, write_audit, Args, Postgres, Tx};
use crate::storage::{Audit, LedgerStore, NewEvent, Owner, Result, Scope, Stored};
use r2d2_postgres::postgres::types::Type;

/// The tables as first made; `MIGRATIONS` 1 (`FEED_POSITIONS`) then adds `pos`, its sequence
/// `events_pos` and the scope indexes on `(uscc, pos)`, `(region, pos)` in place of `seq`.
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
CREATE INDEX IF NOT EXISTS events_uscc ON events (uscc, seq);
CREATE INDEX IF NOT EXISTS events_region ON events (region, seq);
CREATE TABLE IF NOT EXISTS event_conflicts (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL,
    UNIQUE (id, sha256)
);
";

/// Migration 1: the feed's positions (`pos`, given by `publish`). Rows stored before keep their
/// `seq` as `pos`, so a device's cursor (a `seq` until then) stays valid; the sequence starts past
/// them. Nodes of the earlier version must be stopped first: their events would get no `pos`.
pub(super) const FEED_POSITIONS: &str = "
ALTER TABLE events ADD COLUMN IF NOT EXISTS pos BIGINT UNIQUE;
CREATE SEQUENCE IF NOT EXISTS events_pos;
UPDATE events SET pos = seq WHERE pos IS NULL;
SELECT setval('events_pos', COALESCE((SELECT max(pos) FROM events), 0) + 1, false);
DROP INDEX IF EXISTS events_uscc;
DROP INDEX IF EXISTS events_region;
CREATE INDEX events_uscc ON events (uscc, pos);
CREATE INDEX events_region ON events (region, pos);
";

/// The feed `serial` orders.
const FEED: &str = "events";

const EVENTS: Kind = Kind {
    table: "events",
    conflicts: "event_conflicts",
    action: "ledger.event",
    other_key: Stored::EntryExists,
};

/// The entry's enterprise and the id of its `created` event, as stored (this transaction's own
/// inserts included).
fn owner_in(tx: &mut Tx<'_>, entry: &str) -> Result<Option<(Owner, String)>> {
    Ok(tx
        .query_typed_opt(
            "SELECT uscc, region, id FROM events WHERE entry = $1 AND kind = 'created'
             ORDER BY seq LIMIT 1",
            &[(&entry, Type::TEXT)],
        )?
        .map(|r| {
            (
                Owner {
                    uscc: r.get(0),
                    region: r.get(1),
                },
                r.get(2),
            )
        }))
}

/// Give the events this transaction stored (`ids`) their places in the feed, in the order they
/// were stored: the last statement before commit (see the module doc).
pub(super) fn publish(tx: &mut Tx<'_>, ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    serial(tx, FEED)?;
    tx.execute(
        "WITH o AS (SELECT seq FROM events WHERE id = ANY($1) ORDER BY seq),
              n AS (SELECT seq, nextval('events_pos') AS p FROM o)
         UPDATE events SET pos = n.p FROM n WHERE events.seq = n.seq",
        &[&ids],
    )?;
    Ok(())
}

/// Store one event (its id joins `new` when it is new: the caller `publish`es them): a
/// `created` brings its enterprise, any other act takes its entry's enterprise from the stored
/// `created`; the uploader must be allowed to write for it.
pub(super) fn put_event(
    tx: &mut Tx<'_>,
    ev: &NewEvent,
    actor: &str,
    scope: &Scope,
    audited: bool,
    new: &mut Vec<String>,
) -> Result<Stored> {
    let refuse = |tx: &mut Tx<'_>, outcome: Stored, detail: &str| -> Result<Stored> {
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
    // The `created` events a submission opens (unaudited, any scope) need no look-up: another
    // `created` of the entry makes the insert store nothing (`other_key`: entry_exists).
    let stored = if ev.kind == "created" && !audited {
        None
    } else {
        owner_in(tx, &ev.entry)?
    };
    let owner = if ev.kind == "created" {
        if stored.as_ref().is_some_and(|(_, first)| first != &ev.id) {
            return refuse(tx, Stored::EntryExists, &ev.entry);
        }
        match &ev.owner {
            Some(o) => o.clone(),
            None => return refuse(tx, Stored::UnknownEntry, &ev.entry),
        }
    } else {
        match stored {
            Some((o, _)) => o,
            None => return refuse(tx, Stored::UnknownEntry, &ev.entry),
        }
    };
    // An assist result (协查) of the region a tracing of the entry asked: that region's bureau
    // may store it (and only it) on the other region's entry.
    let assisting = !scope.may_write(&owner.uscc, &owner.region)
        && match ev.assist.as_deref() {
            Some(r) if scope.has_region(r) => {
                let bodies: Vec<String> = tx
                    .query(
                        "SELECT body FROM events WHERE entry = $1 AND kind = 'action_taken'",
                        &[&ev.entry],
                    )?
                    .iter()
                    .map(|row| row.get(0))
                    .collect();
                crate::storage::asks_assist(bodies.iter().map(String::as_str), r)
            }
            _ => false,
        };
    if !assisting && !scope.may_write(&owner.uscc, &owner.region) {
        return refuse(tx, Stored::OutsideScope, "outside_scope");
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
        attachments: &ev.attachments,
        detail: &ev.kind,
    };
    let stored = put_idempotent(tx, &EVENTS, &u, actor, scope, audited, |tx| {
        // No conflict target: the id and the one-`created` index both leave the row alone.
        let t = Type::TEXT;
        Ok(tx.execute_typed(
            "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
            &[
                (&ev.id, t.clone()),
                (&ev.entry, t.clone()),
                (&ev.kind, t.clone()),
                (&ev.sha256, t.clone()),
                (&ev.body, t.clone()),
                (&owner.uscc, t.clone()),
                (&owner.region, t.clone()),
                (&ev.received_at, t.clone()),
                (&actor, t),
            ],
        )?)
    })?;
    if stored == Stored::New {
        new.push(ev.id.clone());
        // A submission's own entries are refolded once each by the submission (`audited` false).
        if audited {
            super::campaign::on_entry(tx, &ev.entry)?;
        }
    }
    Ok(stored)
}

impl LedgerStore for Postgres {
    fn put_events(&self, evs: &[NewEvent], actor: &str, scope: &Scope) -> Result<Vec<Stored>> {
        self.write(|tx| {
            let mut new = Vec::new();
            let out = evs
                .iter()
                .map(|e| put_event(tx, e, actor, scope, true, &mut new))
                .collect::<Result<Vec<_>>>()?;
            publish(tx, &new)?;
            Ok(out)
        })
    }

    fn events(
        &self,
        scope: &Scope,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<(i64, String)>> {
        let mut args = Args::new();
        let after = args.push(after.unwrap_or(0));
        let cond = scope_sql(scope, &mut args, "");
        let sql = format!(
            "SELECT pos, body FROM events WHERE pos > {after} AND {cond} ORDER BY pos LIMIT {limit}"
        );
        self.read(|c| {
            Ok(c.query(&sql, &args.refs())?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
    }

    fn assist_entries(&self, prefix: &str) -> Result<Vec<String>> {
        let pattern = crate::storage::assist_pattern(prefix);
        self.read(|c| {
            Ok(c.query(
                "SELECT DISTINCT entry FROM events WHERE kind = 'action_taken' AND body LIKE $1",
                &[&pattern],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }
}
