//! Ledger events in PostgreSQL: every event as sent, with the enterprise of its entry copied
//! from the entry's `created` event, and the versions that conflicted with a stored one. Who owns
//! an entry is read in the transaction that stores the act. One `created` per entry is a unique
//! index: two nodes storing two different `created` events of one entry at once keep the first
//! (the second insert waits for it and is then refused, `entry_exists`).
//!
//! Devices pull events by their place in the feed (`events(after)`), kept in `feed.rs`: a
//! transaction's new events get their positions as its last step before commit, under the
//! feed's lock, so they become visible in the order they were given. A batch of new submissions
//! inserts the events it opens in one statement ([`insert_opened`]) before the counters and the
//! feed, so neither the counters' rows nor the feed's lock is held while they are written; other
//! writes insert one by one and `publish` at the end.

use super::feed::{publish, read_sql, Fed};
use super::idempotent::{put_idempotent, settle, Kind, Upload};
use super::{scope_sql, write_audit, Args, Postgres, Tx};
use crate::storage::{
    Audit, Changes, EntryPage, LedgerStore, NewEvent, Owner, PageQuery, Result, Scope, Stored,
};
use paicha::ledger::Event;
use r2d2_postgres::postgres::types::{ToSql, Type};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The tables as first made, but for the scope indexes `events_uscc` on `(uscc, seq)` and
/// `events_region` on `(region, seq)`, which they had: `MIGRATIONS` 1 (`FEED_POSITIONS`) adds
/// `pos`, its sequence `events_pos` and those indexes on `(uscc, pos)`, `(region, pos)`, and 6
/// (`feed::FEED_TABLE`) moves the positions to a table of their own and drops them (made here
/// still, they would be made again at every start).
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

/// Migration 4: the assist requests (协查) of two-way tracings indexed, (region asked, entry),
/// so a county's line queue finds the other regions' entries that asked it without scanning the
/// text of every `action_taken` event (`assist_entries`). A trigger fills it as each event is
/// inserted, by whichever path, in the inserting transaction (the rule of
/// `storage::asks_assist`: an `action_taken` of `two_way_tracing` with an `assist_region`); the
/// events stored before are indexed here.
pub(super) const ASSISTS: &str = r#"
CREATE TABLE IF NOT EXISTS assists (
    region TEXT COLLATE "C" NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (region, entry)
);
CREATE OR REPLACE FUNCTION paicha_index_assist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE b jsonb := NEW.body::jsonb;
BEGIN
    IF b->>'action' = 'two_way_tracing' AND jsonb_typeof(b->'assist_region') = 'string' THEN
        INSERT INTO assists (region, entry) VALUES (b->>'assist_region', NEW.entry)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER events_assists AFTER INSERT ON events
FOR EACH ROW WHEN (NEW.kind = 'action_taken') EXECUTE FUNCTION paicha_index_assist();
INSERT INTO assists (region, entry)
SELECT body::jsonb->>'assist_region', entry FROM events
WHERE kind = 'action_taken' AND body::jsonb->>'action' = 'two_way_tracing'
    AND jsonb_typeof(body::jsonb->'assist_region') = 'string'
ON CONFLICT DO NOTHING;
"#;

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

/// The events a batch of new submissions opens, when they can be stored the short way
/// ([`insert_opened`]): every id once, one `created` with its enterprise per entry, every
/// other act of an entry created among them; then each entry's every event, folded by the
/// caller for the entry's fact before they are inserted (they are all the entry has once the
/// insert stores them all). `None` otherwise, or when a body does not read as an event: the
/// careful way ([`put_opened`], then the facts from what is stored).
pub(super) fn opened_entries(evs: &[&NewEvent]) -> Option<BTreeMap<String, Vec<Event>>> {
    let mut ids = HashSet::new();
    let mut created = HashSet::new();
    for e in evs {
        if !ids.insert(e.id.as_str())
            || (e.kind == "created" && (e.owner.is_none() || !created.insert(e.entry.as_str())))
        {
            return None;
        }
    }
    let mut out: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    for e in evs {
        if !created.contains(e.entry.as_str()) {
            return None;
        }
        // The server made these events (a submission's): it folds them as made, and reads the
        // text only of one it did not.
        let event = match &e.event {
            Some(made) => made.clone(),
            None => Event::from_json(&e.body).ok()?,
        };
        out.entry(e.entry.clone()).or_default().push(event);
    }
    Some(out)
}

/// Insert the events of [`opened_entries`] in one statement, each with its entry's enterprise;
/// their rows for the feed (`feed::publish_rows`, the caller's last statement). `None` (or the
/// error of [`super::new_rows`]) when one was there already (its id, or another `created` of
/// its entry): the caller rolls the transaction back and stores the batch the careful way, as
/// the facts it kept assumed every event new. A wait the insert can meet is an event id another transaction is inserting at the
/// same moment, which only a device storing an event under an id the server derives for a new
/// submission's does.
pub(super) fn insert_opened(
    tx: &mut Tx<'_>,
    evs: &[&NewEvent],
    actor: &str,
) -> Result<Option<Vec<Fed>>> {
    if evs.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let owners: HashMap<&str, &Owner> = evs
        .iter()
        .filter_map(|e| {
            Some((
                e.entry.as_str(),
                e.owner.as_ref().filter(|_| e.kind == "created")?,
            ))
        })
        .collect();
    let Some(evs) = evs
        .iter()
        .map(|e| Some((*e, *owners.get(e.entry.as_str())?)))
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(None);
    };
    let cols = columns(&evs, actor);
    let t = Type::TEXT_ARRAY;
    let params: Vec<(&(dyn ToSql + Sync), Type)> = cols
        .iter()
        .map(|c| (c as &(dyn ToSql + Sync), t.clone()))
        .collect();
    // No `ON CONFLICT`: an event there already fails the insert, and so the batch's short way
    // (`super::new_rows`).
    let rows = super::new_rows(tx.query_typed(
        "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
            $6::text[], $7::text[], $8::text[], $9::text[])
         RETURNING seq, uscc, region",
        &params,
    ))?;
    if rows.len() != evs.len() {
        return Ok(None);
    }
    Ok(Some(
        rows.iter()
            .map(|r| Fed {
                seq: r.get(0),
                uscc: r.get(1),
                region: r.get(2),
            })
            .collect(),
    ))
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
    // One id space across submissions and events. The events a submission opens (unaudited)
    // have ids the server derives for them.
    if audited
        && !tx
            .query("SELECT 1 FROM submissions WHERE id = $1", &[&ev.id])?
            .is_empty()
    {
        return refuse(tx, Stored::IdInUse, "submission");
    }
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
        // The caller refolds the entries of its new events once each (`campaign::on_entries`).
        new.push(ev.id.clone());
    }
    Ok(stored)
}

/// The columns of the events' rows, each with its enterprise (`id`, `entry`, `kind`, `sha256`,
/// `body`, `uscc`, `region`, `received_at`, `author`), one array each for `unnest`.
fn columns<'a>(evs: &[(&'a NewEvent, &'a Owner)], actor: &'a str) -> [Vec<&'a str>; 9] {
    let text = |g: fn(&'a NewEvent) -> &'a str| evs.iter().map(|e| g(e.0)).collect::<Vec<_>>();
    [
        text(|e| &e.id),
        text(|e| &e.entry),
        text(|e| &e.kind),
        text(|e| &e.sha256),
        text(|e| &e.body),
        evs.iter().map(|e| e.1.uscc.as_str()).collect(),
        evs.iter().map(|e| e.1.region.as_str()).collect(),
        text(|e| &e.received_at),
        vec![actor; evs.len()],
    ]
}

/// Insert events in one statement (`unnest`), each with its enterprise; the ids it stored.
/// No conflict target: the id and the one-`created` index both leave the row alone.
fn insert_all(
    tx: &mut Tx<'_>,
    evs: &[(&NewEvent, &Owner)],
    actor: &str,
) -> Result<HashSet<String>> {
    if evs.is_empty() {
        return Ok(HashSet::new());
    }
    let cols = columns(evs, actor);
    let t = Type::TEXT_ARRAY;
    let params: Vec<(&(dyn ToSql + Sync), Type)> = cols
        .iter()
        .map(|c| (c as &(dyn ToSql + Sync), t.clone()))
        .collect();
    Ok(tx
        .query_typed(
            "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                $6::text[], $7::text[], $8::text[], $9::text[])
             ON CONFLICT DO NOTHING RETURNING id",
            &params,
        )?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// Store the events a batch of new submissions opens (unaudited, any scope; their ids join
/// `new` when new, the attachments they cite join `cites`), as [`put_event`] would one by one,
/// in two statements: every `created` event with its enterprise, then the other acts of the
/// entries those created (their enterprise is the `created` one's, no look-up), each id once.
/// What is left (an id twice, an act of an entry created elsewhere) goes through
/// [`put_event`]; an event an insert did not store is settled as [`put_event`] settles it.
pub(super) fn put_opened<'a>(
    tx: &mut Tx<'_>,
    evs: &[&'a NewEvent],
    actor: &str,
    new: &mut Vec<String>,
    cites: &mut Vec<(&'a str, &'a str)>,
) -> Result<()> {
    let mut seen: HashSet<&'a str> = HashSet::new();
    let mut owners: HashMap<&'a str, &'a Owner> = HashMap::new();
    // Each event with whether it is stored (or settled) yet.
    let mut left: Vec<(&'a NewEvent, bool)> = evs.iter().map(|e| (*e, false)).collect();
    for created in [true, false] {
        let mut batch: Vec<(&'a NewEvent, &'a Owner)> = Vec::new();
        for (e, done) in left.iter_mut() {
            if *done || (e.kind == "created") != created {
                continue;
            }
            let owner = if created {
                e.owner.as_ref()
            } else {
                owners.get(e.entry.as_str()).copied()
            };
            if let Some(o) = owner {
                if seen.insert(e.id.as_str()) {
                    batch.push((*e, o));
                    *done = true;
                }
            }
        }
        let stored = insert_all(tx, &batch, actor)?;
        for (e, o) in batch {
            if stored.contains(&e.id) {
                new.push(e.id.clone());
                cites.extend(e.attachments.iter().map(|a| (e.id.as_str(), a.as_str())));
                if created {
                    owners.insert(e.entry.as_str(), o);
                }
            } else {
                let u = Upload {
                    id: &e.id,
                    sha256: &e.sha256,
                    body: &e.body,
                    received_at: &e.received_at,
                    attachments: &e.attachments,
                    detail: &e.kind,
                };
                settle(tx, &EVENTS, &u, actor, &Scope::All)?;
            }
        }
    }
    for (e, _) in left.iter().filter(|(_, d)| !*d) {
        put_event(tx, e, actor, &Scope::All, false, new)?;
    }
    Ok(())
}

impl LedgerStore for Postgres {
    fn put_events(&self, evs: &[NewEvent], actor: &str, scope: &Scope) -> Result<Vec<Stored>> {
        self.write(|tx| {
            let mut new = Vec::new();
            let out = evs
                .iter()
                .map(|e| put_event(tx, e, actor, scope, true, &mut new))
                .collect::<Result<Vec<_>>>()?;
            // The entries' facts once each, their counters in one statement, the feed last.
            let entries: Vec<&str> = evs
                .iter()
                .zip(&out)
                .filter(|(_, s)| **s == Stored::New)
                .map(|(e, _)| e.entry.as_str())
                .collect();
            let mut ch = Changes::default();
            super::campaign::on_entries(tx, &entries, &mut ch)?;
            super::campaign_counts::apply(tx, ch)?;
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
        let cond = scope_sql(scope, &mut args, "f.");
        let sql = read_sql(&after, &cond, limit);
        self.read(|c| {
            Ok(c.query(&sql, &args.refs())?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
    }

    fn scope_bodies(&self, scope: &Scope) -> Result<Vec<String>> {
        self.read(|c| super::ledger_rows::scope_bodies(c, scope))
    }

    fn entry_page(&self, scope: &Scope, q: &PageQuery) -> Result<EntryPage> {
        self.read(|c| super::ledger_rows::page(c, scope, q))
    }

    fn entry_bodies(&self, entries: &[String]) -> Result<Vec<(String, String)>> {
        self.read(|c| super::ledger_rows::bodies(c, entries))
    }

    fn task_entries(&self, prefix: &str) -> Result<Vec<String>> {
        self.read(|c| super::ledger_rows::task_bodies(c, prefix))
    }

    fn assist_entries(&self, prefix: &str) -> Result<Vec<String>> {
        let (lo, hi) = crate::storage::code_range(prefix);
        self.read(|c| {
            Ok(c.query(
                "SELECT DISTINCT entry FROM assists WHERE region >= $1 AND region < $2",
                &[&lo, &hi],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }
}
