//! The campaign's facts tables in SQLite, the hooks that keep them and the counters, and the
//! campaign store.
//!
//! Facts are campaign-independent (one row per register entry and product, per valid
//! inspection day, per ledger entry, per spot check); the counters of `campaign_counts.rs` are
//! per campaign of the build. Both are kept by one call per kind of record, inside the
//! transaction that stores the record: `on_submission` (a new submission), `on_entry` (a ledger
//! entry whose events changed: its events are folded again, only its own), `on_spot_check`,
//! `put_register` (a register entry; what the register import calls). Each hook reads the
//! part's fact before the change, writes the new one, and adds the difference of the two to the
//! counters. The records behind a figure and a locality's facts are in `campaign_trace.rs`; the
//! tests and the province benchmark in `campaign_tests.rs`.

use super::campaign_counts::{self, done_of, enterprise, register_of};
use super::campaign_trace;
use super::{write_audit, Sqlite};
use crate::storage::{
    done_fact, is_kept, kept_plans, registered, Audit, CampaignStore, Changes, Figure, LocalFacts,
    NewCampaignRecord, NewSubmission, Part, Result, Scope, Stored, Traced,
};
use paicha::campaign::{EntryFact, EntryState, Inputs, Leaf, Plan, Registered, SpotFact};
use paicha::ledger::{fold, Event, SpotCheck};
use paicha::policy::Severity;
use paicha::{Form, Link};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS campaign_register (
    uscc TEXT NOT NULL,
    product TEXT NOT NULL,
    region TEXT NOT NULL,
    PRIMARY KEY (uscc, product)
);
CREATE INDEX IF NOT EXISTS campaign_register_region ON campaign_register (region, product);
CREATE TABLE IF NOT EXISTS campaign_enterprises (
    uscc TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS campaign_enterprises_region ON campaign_enterprises (region);
CREATE TABLE IF NOT EXISTS campaign_done (
    uscc TEXT NOT NULL,
    product TEXT NOT NULL,
    onsite INTEGER NOT NULL,
    link TEXT NOT NULL,
    day TEXT NOT NULL,
    region TEXT NOT NULL,
    PRIMARY KEY (uscc, product, onsite, link, day, region)
);
CREATE INDEX IF NOT EXISTS campaign_done_region ON campaign_done (region);
CREATE TABLE IF NOT EXISTS campaign_entries (
    entry TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    region TEXT NOT NULL,
    product TEXT NOT NULL,
    severity TEXT NOT NULL,
    violation INTEGER NOT NULL,
    found TEXT NOT NULL,
    state TEXT NOT NULL,
    due TEXT,
    closed_on TEXT,
    measures INTEGER NOT NULL,
    measures_done INTEGER NOT NULL,
    body TEXT NOT NULL,
    submission TEXT
);
CREATE INDEX IF NOT EXISTS campaign_entries_region ON campaign_entries (region);
CREATE INDEX IF NOT EXISTS campaign_entries_submission ON campaign_entries (submission);
CREATE TABLE IF NOT EXISTS campaign_spots (
    id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    region TEXT NOT NULL,
    product TEXT NOT NULL,
    day TEXT NOT NULL,
    unqualified INTEGER NOT NULL,
    disposed INTEGER NOT NULL,
    due TEXT,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS campaign_spots_region ON campaign_spots (region);
CREATE TABLE IF NOT EXISTS campaign_records (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    campaign TEXT NOT NULL,
    locality TEXT NOT NULL,
    author TEXT NOT NULL,
    received_at TEXT NOT NULL,
    current INTEGER NOT NULL,
    UNIQUE (id, sha256)
);
CREATE INDEX IF NOT EXISTS campaign_records_campaign ON campaign_records (campaign, kind, seq);
";

/// Make the tables, and fill the facts of records stored before they existed (a database of an
/// earlier version): once, when the facts tables are empty and records are not.
pub(super) fn init(conn: &Connection) -> Result<()> {
    let no_register: bool = conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM campaign_enterprises) AND EXISTS (SELECT 1 FROM register)",
        [],
        |r| r.get(0),
    )?;
    if no_register {
        let bodies: Vec<String> = conn
            .prepare("SELECT v.body FROM register r JOIN register_versions v ON v.seq = r.seq")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for b in bodies {
            if let Ok(e) = serde_json::from_str::<Registered>(&b) {
                put_register(conn, &e)?;
            }
        }
    }
    let empty: bool = conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM campaign_done) AND NOT EXISTS (SELECT 1 FROM campaign_entries)",
        [],
        |r| r.get(0),
    )?;
    if !empty {
        return campaign_counts::keep_current(conn);
    }
    fill_done(conn)?;
    let entries: Vec<String> = conn
        .prepare("SELECT DISTINCT entry FROM events")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for e in entries {
        on_entry(conn, &e)?;
    }
    let spots: Vec<String> = conn
        .prepare("SELECT body FROM spot_checks")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for s in spots {
        on_spot_check(conn, &s)?;
    }
    // Facts filled behind the hooks' back: count every campaign again.
    conn.execute("DELETE FROM campaign_kept", [])?;
    campaign_counts::keep_current(conn)
}

/// The facts of every valid submission stored, as `on_submission` makes them (for a database
/// whose facts are made after its records: `init`, and the migration that gave them links).
pub(super) fn fill_done(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "INSERT OR IGNORE INTO campaign_done (uscc, product, onsite, link, day, region)
         SELECT uscc, product, form = 'onsite_inspection', link, inspected_date, region
         FROM submissions WHERE valid = 1
            AND form IN ('self_inspection', 'onsite_inspection')
            AND link IN ('production', 'sales')",
    )?;
    Ok(())
}

/// Make every stored entry fact again from its entry's events (`on_entry` for each: a fact that
/// comes out the same is left as it is). The migration of facts stored by an earlier version.
pub(super) fn refold_entries(conn: &Connection) -> Result<()> {
    let entries: Vec<String> = conn
        .prepare("SELECT entry FROM campaign_entries ORDER BY entry")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for e in entries {
        on_entry(conn, &e)?;
    }
    Ok(())
}

/// A new submission: its valid self- or on-site inspection counts for its enterprise and product,
/// and entries already recorded as found in it (their events sent before it) learn its link.
pub(super) fn on_submission(tx: &Transaction<'_>, rec: &NewSubmission) -> Result<()> {
    let m = &rec.meta;
    let (Some(form), Some(link)) = (Form::parse(&m.form), Link::parse(&m.link)) else {
        return Ok(());
    };
    let waiting: Vec<String> = tx
        .prepare_cached("SELECT entry FROM campaign_entries WHERE submission = ?1")?
        .query_map([&rec.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for e in waiting {
        on_entry(tx, &e)?;
    }
    if !m.valid {
        return Ok(());
    }
    put_done(
        tx,
        &m.uscc,
        &m.product,
        form == Form::OnsiteInspection,
        link,
        &m.inspected_date,
        &m.region,
    )
}

/// A valid inspection of an enterprise's product in a link on a day, filed under a division
/// code: its fact, and the enterprise's part of the counters again when it is new and can count.
pub(super) fn put_done(
    conn: &Connection,
    uscc: &str,
    product: &str,
    onsite: bool,
    link: Link,
    day: &str,
    region: &str,
) -> Result<()> {
    let plans = kept_plans();
    // Out of every campaign's products or period, it changes no figure (the core skips it).
    let counts = plans
        .iter()
        .any(|p| p.in_scope(product) && p.in_period(day));
    let before = if counts {
        Some(enterprise(conn, uscc)?)
    } else {
        None
    };
    let new = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO campaign_done (uscc, product, onsite, link, day, region)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![uscc, product, onsite, link.as_str(), day, region])?;
    let Some((reg, mut done)) = before else {
        return Ok(());
    };
    if new == 0 {
        return Ok(());
    }
    let mut ch = Changes::default();
    ch.add(
        plans,
        &Part::Enterprise {
            registered: reg.as_ref(),
            done: &done,
        },
        -1,
    );
    done.push(done_fact(
        uscc.into(),
        product.into(),
        onsite,
        link.as_str(),
        day.into(),
        region.into(),
    ));
    ch.add(
        plans,
        &Part::Enterprise {
            registered: reg.as_ref(),
            done: &done,
        },
        1,
    );
    campaign_counts::apply(conn, ch)
}

/// A ledger entry's events changed: fold its own events again, keep its fact and count the
/// difference.
pub(super) fn on_entry(conn: &Connection, entry: &str) -> Result<()> {
    let bodies: Vec<String> = conn
        .prepare_cached("SELECT body FROM events WHERE entry = ?1")?
        .query_map([entry], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let events: Vec<Event> = bodies
        .iter()
        .filter_map(|b| Event::from_json(b).ok())
        .collect();
    let state = fold(&events);
    let Some(e) = state.entry(entry) else {
        return Ok(());
    };
    // The ledger views' row of the entry, from the same fold.
    if let Some(row) = crate::storage::EntryRow::of(&state, entry) {
        super::ledger_rows::keep(conn, &row)?;
    }
    let mut f = EntryFact::of(e);
    f.link = match &f.submission {
        Some(id) => conn
            .prepare_cached("SELECT link FROM submissions WHERE id = ?1")?
            .query_row([id], |r| r.get::<_, String>(0))
            .optional()?
            .as_deref()
            .and_then(Link::parse),
        None => None,
    };
    let old: Option<EntryFact> = conn
        .prepare_cached("SELECT body FROM campaign_entries WHERE entry = ?1")?
        .query_row([entry], |r| r.get::<_, String>(0))
        .optional()?
        .and_then(|b| serde_json::from_str(&b).ok());
    if old.as_ref() == Some(&f) {
        return Ok(());
    }
    let body = serde_json::to_string(&f).unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO campaign_entries (entry, uscc, region, product, severity, violation, found,
            state, due, closed_on, measures, measures_done, body, submission)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (entry) DO UPDATE SET uscc = excluded.uscc, region = excluded.region,
            product = excluded.product, severity = excluded.severity, violation = excluded.violation,
            found = excluded.found, state = excluded.state, due = excluded.due,
            closed_on = excluded.closed_on, measures = excluded.measures,
            measures_done = excluded.measures_done, body = excluded.body,
            submission = excluded.submission",
    )?
    .execute(params![
        f.entry,
        f.uscc,
        f.region,
        f.product,
        severity(f.severity),
        f.violation.is_some(),
        f.found,
        state_name(f.state),
        f.due,
        f.closed_on,
        f.measures,
        f.measures_done,
        body,
        f.submission
    ])?;
    let mut ch = Changes::default();
    ch.replace(
        kept_plans(),
        old.as_ref().map(Part::Entry).as_ref(),
        Some(&Part::Entry(&f)),
    );
    campaign_counts::apply(conn, ch)
}

/// A spot-check record stored (new or a later version): keep its fact and count the difference.
pub(super) fn on_spot_check(conn: &Connection, body: &str) -> Result<()> {
    let Ok(s) = serde_json::from_str::<SpotCheck>(body) else {
        return Ok(());
    };
    put_spot_fact(conn, &SpotFact::of(&s))
}

fn put_spot_fact(conn: &Connection, f: &SpotFact) -> Result<()> {
    let old: Option<SpotFact> = conn
        .prepare_cached("SELECT body FROM campaign_spots WHERE id = ?1")?
        .query_row([&f.id], |r| r.get::<_, String>(0))
        .optional()?
        .and_then(|b| serde_json::from_str(&b).ok());
    if old.as_ref() == Some(f) {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO campaign_spots (id, uscc, region, product, day, unqualified, disposed, due, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET uscc = excluded.uscc, region = excluded.region,
            product = excluded.product, day = excluded.day, unqualified = excluded.unqualified,
            disposed = excluded.disposed, due = excluded.due, body = excluded.body",
    )?
    .execute(params![
        f.id,
        f.uscc,
        f.region,
        f.product,
        f.date,
        f.unqualified,
        f.disposed,
        f.due,
        serde_json::to_string(f).unwrap_or_default()
    ])?;
    let mut ch = Changes::default();
    ch.replace(
        kept_plans(),
        old.as_ref().map(Part::Spot).as_ref(),
        Some(&Part::Spot(f)),
    );
    campaign_counts::apply(conn, ch)
}

/// A register entry, replacing its earlier version's rows: what the register's store calls for
/// each entry it changes, in its transaction.
pub(super) fn put_register(conn: &Connection, r: &Registered) -> Result<()> {
    let before = register_of(conn, &r.uscc)?;
    conn.prepare_cached("DELETE FROM campaign_register WHERE uscc = ?1")?
        .execute([&r.uscc])?;
    for p in &r.products {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO campaign_register (uscc, product, region) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![r.uscc, p.product, r.region])?;
    }
    conn.prepare_cached(
        "INSERT INTO campaign_enterprises (uscc, region, name, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (uscc) DO UPDATE SET region = excluded.region, name = excluded.name,
            body = excluded.body",
    )?
    .execute(params![
        r.uscc,
        r.region,
        r.name,
        serde_json::to_string(r).unwrap_or_default()
    ])?;
    let rows = r.products.iter();
    let after = registered(
        &r.uscc,
        rows.map(|p| (p.product.clone(), r.region.clone()))
            .collect(),
    );
    if before == after {
        return Ok(());
    }
    let done = done_of(conn, &r.uscc)?;
    let mut ch = Changes::default();
    let part = |registered| Part::Enterprise {
        registered,
        done: &done,
    };
    ch.replace(
        kept_plans(),
        Some(&part(before.as_ref())),
        Some(&part(after.as_ref())),
    );
    campaign_counts::apply(conn, ch)
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::General => "general",
        Severity::Major => "major",
    }
}

fn state_name(s: EntryState) -> &'static str {
    match s {
        EntryState::Open => "open",
        EntryState::Rectified => "rectified",
        EntryState::ClosedOut => "closed_out",
        EntryState::Closed => "closed",
    }
}

impl CampaignStore for Sqlite {
    fn campaign_leaves(&self, plan: &Plan, prefix: &str, today: &str) -> Result<Vec<Leaf>> {
        let conn = self.conn()?;
        if is_kept(plan) {
            return campaign_counts::read_leaves(&conn, plan, prefix, today);
        }
        // A plan that is not one of the build's has no counters: count it with the core over
        // every fact (correct, and slow; the server only asks about the build's plans).
        let all = campaign_trace::local_facts(&conn, "")?;
        let day = paicha::date::parse_date(today).unwrap_or_default();
        let inputs = Inputs {
            register: &all.register,
            submissions: &all.submissions,
            entries: &all.entries,
            spots: &all.spots,
        };
        Ok(paicha::campaign::leaves(plan, &inputs, day)
            .into_iter()
            .filter(|l| l.region.starts_with(prefix))
            .collect())
    }

    fn open_over_time(&self, plan: &Plan, prefix: &str, days: &[String]) -> Result<Vec<u32>> {
        let conn = self.conn()?;
        if is_kept(plan) {
            return campaign_counts::read_open_series(&conn, plan, prefix, days);
        }
        // Not a plan of the build: from the entries' facts (found so far minus closed so far).
        let facts = campaign_trace::local_facts(&conn, prefix)?;
        let mut rows: Vec<(String, i64, i64)> = Vec::new();
        for e in &facts.entries {
            if plan.in_scope(&e.product) && e.found >= plan.period.from {
                rows.push((e.found.clone(), 1, 0));
                if let Some(c) = &e.closed_on {
                    rows.push((c.clone(), 0, 1));
                }
            }
        }
        Ok(crate::storage::open_series(&rows, days))
    }

    fn local_facts(&self, prefix: &str) -> Result<LocalFacts> {
        let conn = self.conn()?;
        campaign_trace::local_facts(&conn, prefix)
    }

    fn traced(
        &self,
        plan: &Plan,
        figure: Figure,
        prefix: &str,
        product: Option<&str>,
        today: &str,
        limit: usize,
    ) -> Result<Vec<Traced>> {
        let conn = self.conn()?;
        campaign_trace::traced(&conn, plan, figure, prefix, product, today, limit)
    }

    fn put_campaign_record(&self, r: &NewCampaignRecord<'_>) -> Result<Stored> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let known: Option<String> = tx
            .query_row(
                "SELECT sha256 FROM campaign_records WHERE id = ?1 AND current = 1",
                [r.id],
                |x| x.get(0),
            )
            .optional()?;
        let outcome = match known {
            Some(sha) if sha == r.sha256 => Stored::Duplicate,
            known => {
                // A second version of an id is kept beside the first (never replacing it).
                tx.execute(
                    "INSERT INTO campaign_records (kind, id, sha256, body, campaign, locality,
                        author, received_at, current)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id, sha256) DO NOTHING",
                    params![
                        r.kind,
                        r.id,
                        r.sha256,
                        r.body,
                        r.campaign,
                        r.locality,
                        r.author,
                        r.received_at,
                        known.is_none()
                    ],
                )?;
                if known.is_none() {
                    Stored::New
                } else {
                    Stored::Conflict
                }
            }
        };
        write_audit(
            &tx,
            &Audit {
                at: r.received_at,
                actor: r.author,
                action: if r.kind == "act" {
                    "campaign.supervision"
                } else {
                    "campaign.lookback"
                },
                target: r.id,
                outcome: match outcome {
                    Stored::New => "stored",
                    Stored::Duplicate => "duplicate",
                    _ => "conflict",
                },
                detail: r.locality,
            },
        )?;
        tx.commit()?;
        Ok(outcome)
    }

    fn campaign_records(&self, kind: &str, campaign: &str, scope: &Scope) -> Result<Vec<String>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached(
            "SELECT body, locality FROM campaign_records
             WHERE kind = ?1 AND campaign = ?2 AND current = 1 ORDER BY seq DESC",
        )?;
        let rows = st
            .query_map(params![kind, campaign], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows
            .into_iter()
            .filter(|(_, loc)| scope.has_region(loc))
            .map(|(b, _)| b)
            .collect())
    }
}

#[cfg(test)]
#[path = "campaign_tests.rs"]
mod campaign_tests;
