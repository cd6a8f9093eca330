//! The campaign's facts tables in PostgreSQL, the hooks that keep them and the counters, and the
//! campaign store: the same tables, facts and answers as `sqlite/campaign.rs` (its module doc
//! says what each holds). The hooks run inside the transaction that stores the record:
//! `on_submissions` (from `submissions.rs`), `on_entry` (a ledger entry whose events changed, from
//! `submissions.rs` and `ledger.rs`), `on_spot_check` (from `spot.rs`), `put_register` (from
//! `register.rs`). Each locks its part (the enterprise, the entry, the spot check: its row in
//! `campaign_parts`) for the rest of the transaction before it reads the part's figures, so two
//! nodes storing records of one enterprise at once count the second change on top of the first
//! (an inspection's fact is inserted first, and when it was already there nothing is locked or
//! counted: `put_done_all`). `on_submissions` and `on_entries` add their counter differences to
//! the caller's `Changes`, which the caller applies once, last (`campaign_counts::apply`). Region and day columns sort bytewise (`COLLATE "C"`), as
//! SQLite's do, so code ranges and orders are the same on both.

use super::campaign_counts::{self, enterprise, lock_part};
use super::campaign_trace;
use super::{Postgres, Tx};
use crate::storage::{
    done_fact, is_kept, kept_plans, registered, Audit, CampaignStore, Changes, Figure, LocalFacts,
    NewCampaignRecord, NewSubmission, Part, Result, Scope, Stored, Traced,
};
use paicha::campaign::{
    EntryFact, EntryState, Inputs, Leaf, Plan, Registered, SpotFact, SubmissionFact,
};
use paicha::ledger::{fold, Event, SpotCheck};
use paicha::policy::Severity;
use paicha::{Form, Link};
use r2d2_postgres::postgres::types::Type;
use r2d2_postgres::postgres::GenericClient;
use std::collections::BTreeMap;

pub(super) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS campaign_register (
    uscc TEXT COLLATE "C" NOT NULL,
    product TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (uscc, product)
);
CREATE INDEX IF NOT EXISTS campaign_register_region ON campaign_register (region, product);
CREATE TABLE IF NOT EXISTS campaign_enterprises (
    uscc TEXT COLLATE "C" PRIMARY KEY,
    region TEXT COLLATE "C" NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS campaign_enterprises_region ON campaign_enterprises (region);
CREATE TABLE IF NOT EXISTS campaign_done (
    uscc TEXT COLLATE "C" NOT NULL,
    product TEXT COLLATE "C" NOT NULL,
    onsite BOOLEAN NOT NULL,
    day TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (uscc, product, onsite, day, region)
);
CREATE INDEX IF NOT EXISTS campaign_done_region ON campaign_done (region);
CREATE TABLE IF NOT EXISTS campaign_entries (
    entry TEXT COLLATE "C" PRIMARY KEY,
    uscc TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    product TEXT COLLATE "C" NOT NULL,
    severity TEXT NOT NULL,
    violation BOOLEAN NOT NULL,
    found TEXT COLLATE "C" NOT NULL,
    state TEXT NOT NULL,
    due TEXT COLLATE "C",
    closed_on TEXT COLLATE "C",
    measures BIGINT NOT NULL,
    measures_done BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS campaign_entries_region ON campaign_entries (region);
CREATE TABLE IF NOT EXISTS campaign_spots (
    id TEXT COLLATE "C" PRIMARY KEY,
    uscc TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    product TEXT COLLATE "C" NOT NULL,
    day TEXT COLLATE "C" NOT NULL,
    unqualified BOOLEAN NOT NULL,
    disposed BOOLEAN NOT NULL,
    due TEXT COLLATE "C",
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS campaign_spots_region ON campaign_spots (region);
CREATE TABLE IF NOT EXISTS campaign_records (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    campaign TEXT NOT NULL,
    locality TEXT NOT NULL,
    author TEXT NOT NULL,
    received_at TEXT NOT NULL,
    current BOOLEAN NOT NULL,
    UNIQUE (id, sha256)
);
CREATE INDEX IF NOT EXISTS campaign_records_campaign ON campaign_records (campaign, kind, seq);
"#;

/// Make every stored entry fact again from its entry's events (`on_entry` for each: a fact that
/// comes out the same is left as it is). The migration of facts stored by an earlier version.
pub(super) fn refold_entries(tx: &mut Tx<'_>) -> Result<()> {
    let entries: Vec<String> = tx
        .query("SELECT entry FROM campaign_entries ORDER BY entry", &[])?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for e in entries {
        on_entry(tx, &e)?;
    }
    Ok(())
}

/// The migration that keeps links in the facts (version 3): each valid inspection's in its done
/// fact (a column of the key), each danger's, its submission's, in its entry fact (with a column
/// for the submission, so one arriving after its entry finds it). The done facts are made again
/// from the submissions, the entry facts from their events, and the counters counted again
/// from the facts at the next read (the figures do not depend on links: the same counts). Each
/// step can run again on a database that has it (as the older-version tests do).
pub(super) fn keep_links(tx: &mut Tx<'_>) -> Result<()> {
    tx.batch_execute(
        r#"ALTER TABLE campaign_done ADD COLUMN IF NOT EXISTS link TEXT COLLATE "C" NOT NULL DEFAULT '';
        ALTER TABLE campaign_done DROP CONSTRAINT IF EXISTS campaign_done_pkey;
        DELETE FROM campaign_done;
        INSERT INTO campaign_done (uscc, product, onsite, link, day, region)
            SELECT DISTINCT uscc, product, form = 'onsite_inspection', link, inspected_date, region
            FROM submissions WHERE valid
                AND form IN ('self_inspection', 'onsite_inspection')
                AND link IN ('production', 'sales');
        ALTER TABLE campaign_done ADD PRIMARY KEY (uscc, product, onsite, link, day, region);
        ALTER TABLE campaign_entries ADD COLUMN IF NOT EXISTS submission TEXT COLLATE "C";
        CREATE INDEX IF NOT EXISTS campaign_entries_submission ON campaign_entries (submission);"#,
    )?;
    refold_entries(tx)?;
    tx.execute("DELETE FROM campaign_kept", &[])?;
    Ok(())
}

/// The rows of `table` whose non-unique `key` is one of `$1` (a text array), as `FROM` items:
/// `k` the key, `x.<columns>` the row's. One index look-up per key, forced: written as `key =
/// ANY($1)`, the planner scans the whole table while it has no statistics of it (a database
/// not yet analysed: the first minutes of a new one, and every benchmark), 25 ms a batch at
/// 20,000 facts and growing with the table, where the index finds the rows in under 1 ms
/// (measured, `EXPLAIN ANALYZE`). `OFFSET 0` keeps the subquery from being flattened into a
/// join, which the planner would again make a scan.
fn per_key(table: &str, columns: &str, key: &str) -> String {
    format!(
        "unnest($1::text[]) k, LATERAL (SELECT {columns} FROM {table} WHERE {key} = k OFFSET 0) x"
    )
}

/// The entries recorded as found in any of these submissions (their events stored before the
/// submission): what a new submission's link is to be given to.
pub(super) fn waiting_for<C: GenericClient>(
    c: &mut C,
    submissions: &[&str],
) -> Result<Vec<String>> {
    if submissions.is_empty() {
        return Ok(Vec::new());
    }
    Ok(c.query_typed(
        &format!(
            "SELECT x.entry FROM {}",
            per_key("campaign_entries", "entry", "submission")
        ),
        &[(&submissions, Type::TEXT_ARRAY)],
    )?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

/// New submissions: their valid self- or on-site inspections count for their enterprises and
/// products (the counters' difference is added to `ch`, applied by the caller once per
/// transaction). [`put_done_all`]: one statement for the batch, three when a fact is new.
/// Entries waiting for them (`waiting_for`) are the caller's to refold.
pub(super) fn on_submissions(
    tx: &mut Tx<'_>,
    recs: &[&NewSubmission],
    ch: &mut Changes,
) -> Result<()> {
    let facts: Vec<Done<'_>> = recs
        .iter()
        .filter_map(|rec| {
            let m = &rec.meta;
            let form = Form::parse(&m.form)?;
            let link = Link::parse(&m.link)?;
            m.valid.then_some(Done {
                uscc: &m.uscc,
                product: &m.product,
                onsite: form == Form::OnsiteInspection,
                link,
                day: &m.inspected_date,
                region: &m.region,
            })
        })
        .collect();
    put_done_all(tx, facts, ch)
}

/// A valid inspection as its fact is stored.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Done<'a> {
    pub uscc: &'a str,
    pub product: &'a str,
    pub onsite: bool,
    pub link: Link,
    pub day: &'a str,
    pub region: &'a str,
}

impl Done<'_> {
    /// The key facts are inserted and their enterprises locked in: enterprise first.
    fn key(&self) -> (&str, &str, bool, &str, &str, &str) {
        let d = *self;
        (
            d.uscc,
            d.product,
            d.onsite,
            d.link.as_str(),
            d.day,
            d.region,
        )
    }
}

/// A valid inspection of an enterprise's product in a link on a day, filed under a division
/// code: its fact, and the enterprise's part of the counters again when it is new and can count.
#[cfg(test)]
pub(super) fn put_done<C: GenericClient>(
    c: &mut C,
    uscc: &str,
    product: &str,
    onsite: bool,
    link: Link,
    day: &str,
    region: &str,
) -> Result<()> {
    let mut ch = Changes::default();
    let d = Done {
        uscc,
        product,
        onsite,
        link,
        day,
        region,
    };
    put_done_all(c, vec![d], &mut ch)?;
    campaign_counts::apply(c, ch)
}

/// [`put_done`] for many facts, their counter difference added to `ch`. The facts are inserted
/// first, in one statement in key order: when all were already there (an enterprise's product
/// inspected again on a day), that is the one statement, with no lock. The enterprises of the
/// new ones that can count are locked, in key order (two batches of the same enterprises in
/// opposite record orders, each locking its own in turn, would each hold one and wait for the
/// other: a deadlock, which PostgreSQL ends by failing one), and read (these inserts included,
/// and every fact of a transaction that counted its own under the lock before it committed;
/// one not yet counted is not committed, so not seen); the difference is each part without its
/// new facts to the part with them.
pub(super) fn put_done_all<C: GenericClient>(
    c: &mut C,
    mut facts: Vec<Done<'_>>,
    ch: &mut Changes,
) -> Result<()> {
    facts.sort_unstable_by(|a, b| a.key().cmp(&b.key()));
    facts.dedup();
    if facts.is_empty() {
        return Ok(());
    }
    let plans = kept_plans();
    let uscc: Vec<&str> = facts.iter().map(|f| f.uscc).collect();
    let product: Vec<&str> = facts.iter().map(|f| f.product).collect();
    let onsite: Vec<bool> = facts.iter().map(|f| f.onsite).collect();
    let link: Vec<&str> = facts.iter().map(|f| f.link.as_str()).collect();
    let day: Vec<&str> = facts.iter().map(|f| f.day).collect();
    let region: Vec<&str> = facts.iter().map(|f| f.region).collect();
    let (t, b) = (Type::TEXT_ARRAY, Type::BOOL_ARRAY);
    let rows = c.query_typed(
        "INSERT INTO campaign_done (uscc, product, onsite, link, day, region)
         SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[], $4::text[], $5::text[],
            $6::text[])
         ON CONFLICT DO NOTHING RETURNING uscc, product, onsite, link, day, region",
        &[
            (&uscc, t.clone()),
            (&product, t.clone()),
            (&onsite, b),
            (&link, t.clone()),
            (&day, t.clone()),
            (&region, t),
        ],
    )?;
    // Out of every campaign's products or period, a fact changes no figure (the core skips it).
    let mut by: BTreeMap<String, Vec<SubmissionFact>> = BTreeMap::new();
    for r in &rows {
        let (uscc, product, day): (String, String, String) = (r.get(0), r.get(1), r.get(4));
        if plans
            .iter()
            .any(|p| p.in_scope(&product) && p.in_period(&day))
        {
            let f = done_fact(uscc.clone(), product, r.get(2), r.get(3), day, r.get(5));
            by.entry(uscc).or_default().push(f);
        }
    }
    if by.is_empty() {
        return Ok(());
    }
    let usccs: Vec<&str> = by.keys().map(String::as_str).collect();
    campaign_counts::lock_parts(c, "enterprise", &usccs)?;
    let mut parts = campaign_counts::enterprises(c, &usccs)?;
    for (uscc, added) in &by {
        let (reg, stored) = parts.remove(uscc).unwrap_or_default();
        let same = |f: &SubmissionFact| {
            added.iter().any(|a| {
                f.product == a.product
                    && f.form == a.form
                    && f.link == a.link
                    && f.date == a.date
                    && f.region == a.region
            })
        };
        let mut done: Vec<SubmissionFact> = stored.into_iter().filter(|f| !same(f)).collect();
        let registered = reg.as_ref();
        ch.add(
            plans,
            &Part::Enterprise {
                registered,
                done: &done,
            },
            -1,
        );
        done.extend(added.iter().cloned());
        ch.add(
            plans,
            &Part::Enterprise {
                registered,
                done: &done,
            },
            1,
        );
    }
    Ok(())
}

/// A ledger entry's events changed (in `tx`, which sees them): fold its own events again, keep
/// its fact and count the difference.
pub(super) fn on_entry<C: GenericClient>(c: &mut C, entry: &str) -> Result<()> {
    let mut ch = Changes::default();
    on_entries(c, &[entry], &mut ch)?;
    campaign_counts::apply(c, ch)
}

/// [`on_entry`] for several entries at once, in four statements whatever their number: lock
/// them (in key order), read their events and their stored facts, upsert the facts that
/// changed; the counters' difference is added to `ch`.
pub(super) fn on_entries<C: GenericClient>(
    c: &mut C,
    entries: &[&str],
    ch: &mut Changes,
) -> Result<()> {
    let mut entries: Vec<&str> = entries.to_vec();
    entries.sort_unstable();
    entries.dedup();
    if entries.is_empty() {
        return Ok(());
    }
    campaign_counts::lock_parts(c, "entry", &entries)?;
    let mut events: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    for r in c.query_typed(
        &format!(
            "SELECT k, x.body FROM {}",
            per_key("events", "body", "entry")
        ),
        &[(&entries, Type::TEXT_ARRAY)],
    )? {
        if let Ok(e) = Event::from_json(r.get::<_, &str>(1)) {
            events.entry(r.get(0)).or_default().push(e);
        }
    }
    keep_facts(c, &entries, &events, &Known::default(), ch)
}

/// What the caller of [`keep_facts`] knows already, so as not to read it back: that the entries
/// are new (a batch's short way, `submissions.rs`: it is rolled back if one is not, so no stored
/// fact can count), and the links of submissions it stored in this transaction.
#[derive(Default)]
pub(super) struct Known<'a> {
    pub new: bool,
    pub links: BTreeMap<&'a str, Link>,
}

/// The facts of `entries` (sorted, each once) made again from `events` (each entry's every
/// event), stored where they changed, their counters' difference added to `ch`: the stored
/// facts read, the links of their submissions, the changed ones upserted (three statements;
/// one when `known` says the entries are new and has their submissions' links).
/// The caller holds the entries' locks ([`on_entries`]), or stores the entries' first events
/// in this transaction, so no other transaction can store an event of them before it commits
/// (a batch's new entries, `submissions.rs`).
pub(super) fn keep_facts<C: GenericClient>(
    c: &mut C,
    entries: &[&str],
    events: &BTreeMap<String, Vec<Event>>,
    known: &Known<'_>,
    ch: &mut Changes,
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let ta = Type::TEXT_ARRAY;
    let mut old: BTreeMap<String, EntryFact> = BTreeMap::new();
    if !known.new {
        for r in c.query_typed(
            "SELECT entry, body FROM campaign_entries WHERE entry = ANY($1)",
            &[(&entries, ta)],
        )? {
            if let Ok(f) = serde_json::from_str(r.get::<_, &str>(1)) {
                old.insert(r.get(0), f);
            }
        }
    }
    let mut folded: Vec<EntryFact> = Vec::new();
    let mut rows = Vec::new();
    for &entry in entries {
        let Some(evs) = events.get(entry) else {
            continue;
        };
        let state = fold(evs);
        if let Some(e) = state.entry(entry) {
            folded.push(EntryFact::of(e));
        }
        // The ledger views' row of the entry, from the same fold.
        rows.extend(crate::storage::EntryRow::of(&state, entry));
    }
    super::ledger_rows::keep_all(c, &rows, known.new)?;
    // Each danger's link is its submission's (one statement for those the caller did not
    // store itself).
    let cited: Vec<&str> = folded
        .iter()
        .filter_map(|f| f.submission.as_deref())
        .filter(|s| !known.links.contains_key(s))
        .collect();
    let mut links: BTreeMap<String, Link> = BTreeMap::new();
    if !cited.is_empty() {
        for r in c.query_typed(
            "SELECT id, link FROM submissions WHERE id = ANY($1)",
            &[(&cited, Type::TEXT_ARRAY)],
        )? {
            if let Some(l) = Link::parse(r.get::<_, &str>(1)) {
                links.insert(r.get(0), l);
            }
        }
    }
    let mut facts: Vec<EntryFact> = Vec::new();
    for mut f in folded {
        f.link = f
            .submission
            .as_deref()
            .and_then(|s| known.links.get(s).or_else(|| links.get(s)).copied());
        let entry = f.entry.as_str();
        let before = old.get(entry);
        if before == Some(&f) {
            continue;
        }
        ch.replace(
            kept_plans(),
            before.map(Part::Entry).as_ref(),
            Some(&Part::Entry(&f)),
        );
        facts.push(f);
    }
    if facts.is_empty() {
        return Ok(());
    }
    let text = |g: fn(&EntryFact) -> String| facts.iter().map(g).collect::<Vec<String>>();
    let (entry, uscc, region, product) = (
        text(|f| f.entry.clone()),
        text(|f| f.uscc.clone()),
        text(|f| f.region.clone()),
        text(|f| f.product.clone()),
    );
    let sev = text(|f| severity(f.severity).into());
    let found = text(|f| f.found.clone());
    let state = text(|f| state_name(f.state).into());
    let body = text(|f| serde_json::to_string(f).unwrap_or_default());
    let violation: Vec<bool> = facts.iter().map(|f| f.violation.is_some()).collect();
    let due: Vec<Option<String>> = facts.iter().map(|f| f.due.clone()).collect();
    let closed: Vec<Option<String>> = facts.iter().map(|f| f.closed_on.clone()).collect();
    let measures: Vec<i64> = facts.iter().map(|f| i64::from(f.measures)).collect();
    let measures_done: Vec<i64> = facts.iter().map(|f| i64::from(f.measures_done)).collect();
    let submission: Vec<Option<String>> = facts.iter().map(|f| f.submission.clone()).collect();
    let (t, b, i) = (Type::TEXT_ARRAY, Type::BOOL_ARRAY, Type::INT8_ARRAY);
    // A new entry has no fact yet (the short way, `super::new_rows`): a plain insert.
    let upsert = " ON CONFLICT (entry) DO UPDATE SET uscc = excluded.uscc, region = excluded.region,
            product = excluded.product, severity = excluded.severity, violation = excluded.violation,
            found = excluded.found, state = excluded.state, due = excluded.due,
            closed_on = excluded.closed_on, measures = excluded.measures,
            measures_done = excluded.measures_done, body = excluded.body,
            submission = excluded.submission";
    let sql = format!(
        "INSERT INTO campaign_entries (entry, uscc, region, product, severity, violation, found,
            state, due, closed_on, measures, measures_done, body, submission)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
            $6::boolean[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[],
            $12::bigint[], $13::text[], $14::text[]){}",
        if known.new { "" } else { upsert }
    );
    let written = c.execute_typed(
        &sql,
        &[
            (&entry, t.clone()),
            (&uscc, t.clone()),
            (&region, t.clone()),
            (&product, t.clone()),
            (&sev, t.clone()),
            (&violation, b),
            (&found, t.clone()),
            (&state, t.clone()),
            (&due, t.clone()),
            (&closed, t.clone()),
            (&measures, i.clone()),
            (&measures_done, i),
            (&body, t.clone()),
            (&submission, t),
        ],
    );
    if known.new {
        super::new_rows(written)?;
    } else {
        written?;
    }
    Ok(())
}

/// A spot-check record stored (new or a later version), as stored: keep its fact and count the
/// difference.
pub(super) fn on_spot_check<C: GenericClient>(c: &mut C, body: &str) -> Result<()> {
    let Ok(s) = serde_json::from_str::<SpotCheck>(body) else {
        return Ok(());
    };
    let f = SpotFact::of(&s);
    lock_part(c, "spot", &f.id)?;
    let old: Option<SpotFact> = c
        .query_opt("SELECT body FROM campaign_spots WHERE id = $1", &[&f.id])?
        .and_then(|r| serde_json::from_str(r.get::<_, &str>(0)).ok());
    if old.as_ref() == Some(&f) {
        return Ok(());
    }
    c.execute(
        "INSERT INTO campaign_spots (id, uscc, region, product, day, unqualified, disposed, due, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET uscc = excluded.uscc, region = excluded.region,
            product = excluded.product, day = excluded.day, unqualified = excluded.unqualified,
            disposed = excluded.disposed, due = excluded.due, body = excluded.body",
        &[
            &f.id,
            &f.uscc,
            &f.region,
            &f.product,
            &f.date,
            &f.unqualified,
            &f.disposed,
            &f.due,
            &serde_json::to_string(&f).unwrap_or_default(),
        ],
    )?;
    let mut ch = Changes::default();
    ch.replace(
        kept_plans(),
        old.as_ref().map(Part::Spot).as_ref(),
        Some(&Part::Spot(&f)),
    );
    campaign_counts::apply(c, ch)
}

/// A register entry, replacing its earlier version's rows: what the register's store calls for
/// each entry it changes, in its transaction.
pub(super) fn put_register<C: GenericClient>(c: &mut C, r: &Registered) -> Result<()> {
    lock_part(c, "enterprise", &r.uscc)?;
    let (before, done) = enterprise(c, &r.uscc)?;
    c.execute("DELETE FROM campaign_register WHERE uscc = $1", &[&r.uscc])?;
    for p in &r.products {
        c.execute(
            "INSERT INTO campaign_register (uscc, product, region) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
            &[&r.uscc, &p.product, &r.region],
        )?;
    }
    c.execute(
        "INSERT INTO campaign_enterprises (uscc, region, name, body) VALUES ($1, $2, $3, $4)
         ON CONFLICT (uscc) DO UPDATE SET region = excluded.region, name = excluded.name,
            body = excluded.body",
        &[
            &r.uscc,
            &r.region,
            &r.name,
            &serde_json::to_string(r).unwrap_or_default(),
        ],
    )?;
    let after = registered(
        &r.uscc,
        r.products
            .iter()
            .map(|p| (p.product.clone(), r.region.clone()))
            .collect(),
    );
    if before == after {
        return Ok(());
    }
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
    campaign_counts::apply(c, ch)
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

impl Postgres {
    /// The counters of every kept plan made for its current version (once per database and
    /// plan version; a quick look when they are).
    fn counters_current(&self) -> Result<()> {
        let current = self.read(|c| {
            for plan in kept_plans() {
                let text = serde_json::to_string(plan).unwrap_or_default();
                let kept: Option<String> = c
                    .query_opt(
                        "SELECT plan FROM campaign_kept WHERE campaign = $1",
                        &[&plan.id],
                    )?
                    .map(|r| r.get(0));
                if kept.as_deref() != Some(text.as_str()) {
                    return Ok(false);
                }
            }
            Ok(true)
        })?;
        if current {
            return Ok(());
        }
        self.write(|tx| campaign_counts::keep_current(tx))
    }
}

impl CampaignStore for Postgres {
    fn campaign_leaves(&self, plan: &Plan, prefix: &str, today: &str) -> Result<Vec<Leaf>> {
        if is_kept(plan) {
            self.counters_current()?;
            return self.read(|c| campaign_counts::read_leaves(c, plan, prefix, today));
        }
        // A plan that is not one of the build's has no counters: count it with the core over
        // every fact (as the SQLite backend does).
        let all = self.read(|c| campaign_trace::local_facts(c, ""))?;
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
        if is_kept(plan) {
            self.counters_current()?;
            return self.read(|c| campaign_counts::read_open_series(c, plan, prefix, days));
        }
        let facts = self.read(|c| campaign_trace::local_facts(c, prefix))?;
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
        self.read(|c| campaign_trace::local_facts(c, prefix))
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
        self.read(|c| campaign_trace::traced(c, plan, figure, prefix, product, today, limit))
    }

    fn put_campaign_record(&self, r: &NewCampaignRecord<'_>) -> Result<Stored> {
        self.write(|tx| {
            // One id at a time across nodes: the first version of an id is the current one.
            lock_part(tx, "campaign_record", r.id)?;
            let known: Option<String> = tx
                .query_opt(
                    "SELECT sha256 FROM campaign_records WHERE id = $1 AND current",
                    &[&r.id],
                )?
                .map(|x| x.get(0));
            let outcome = match known {
                Some(sha) if sha == r.sha256 => Stored::Duplicate,
                known => {
                    // A second version of an id is kept beside the first (never replacing it).
                    tx.execute(
                        "INSERT INTO campaign_records (kind, id, sha256, body, campaign, locality,
                            author, received_at, current)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                         ON CONFLICT (id, sha256) DO NOTHING",
                        &[
                            &r.kind,
                            &r.id,
                            &r.sha256,
                            &r.body,
                            &r.campaign,
                            &r.locality,
                            &r.author,
                            &r.received_at,
                            &known.is_none(),
                        ],
                    )?;
                    if known.is_none() {
                        Stored::New
                    } else {
                        Stored::Conflict
                    }
                }
            };
            super::write_audit(
                tx,
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
            Ok(outcome)
        })
    }

    fn campaign_records(&self, kind: &str, campaign: &str, scope: &Scope) -> Result<Vec<String>> {
        let rows = self.read(|c| {
            Ok(c.query(
                "SELECT body, locality FROM campaign_records
                 WHERE kind = $1 AND campaign = $2 AND current ORDER BY seq DESC",
                &[&kind, &campaign],
            )?
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)))
            .collect::<Vec<_>>())
        })?;
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
