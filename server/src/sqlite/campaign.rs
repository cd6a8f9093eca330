//! The campaign's summary tables in SQLite and the queries progress is counted by.
//!
//! Facts are campaign-independent (several campaigns read the same tables, each filtering by its
//! own period and products at query time) and kept by one call per kind of record, inside the
//! transaction that stores the record: `on_submission` (a new submission), `on_entry` (a ledger
//! entry whose events changed: its events are folded again, only its own), `on_spot_check`,
//! `put_register` (a register entry; what the register import calls). Plain SQL (window
//! functions and `MATERIALIZED` exist in PostgreSQL too); prefixes become code ranges, so the
//! region indexes serve every level.

use super::{write_audit, Sqlite};
use crate::storage::{
    Audit, CampaignStore, Figure, LocalFacts, NewCampaignRecord, NewSubmission, Result, Scope,
    Stored, Traced,
};
use paicha::campaign::{
    assemble, slot, Acc, EntryFact, EntryState, Leaf, Plan, Registered, SpotFact, SubmissionFact,
};
use paicha::ledger::{fold, Event, SpotCheck};
use paicha::policy::Severity;
use paicha::{Form, Link};
use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Transaction};

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
    day TEXT NOT NULL,
    region TEXT NOT NULL,
    PRIMARY KEY (uscc, product, onsite, day, region)
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
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS campaign_entries_region ON campaign_entries (region);
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
        return Ok(());
    }
    conn.execute_batch(
        "INSERT OR IGNORE INTO campaign_done (uscc, product, onsite, day, region)
         SELECT uscc, product, form = 'onsite_inspection', inspected_date, region
         FROM submissions WHERE valid = 1",
    )?;
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
    Ok(())
}

/// A new submission: its valid self- or on-site inspection counts for its enterprise and product.
pub(super) fn on_submission(tx: &Transaction<'_>, rec: &NewSubmission) -> Result<()> {
    let m = &rec.meta;
    let (Some(form), Some(_)) = (Form::parse(&m.form), Link::parse(&m.link)) else {
        return Ok(());
    };
    if !m.valid {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT OR IGNORE INTO campaign_done (uscc, product, onsite, day, region)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        m.uscc,
        m.product,
        form == Form::OnsiteInspection,
        m.inspected_date,
        m.region
    ])?;
    Ok(())
}

/// A ledger entry's events changed: fold its own events again and keep its fact.
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
    let f = EntryFact::of(e);
    let body = serde_json::to_string(&f).unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO campaign_entries (entry, uscc, region, product, severity, violation, found,
            state, due, closed_on, measures, measures_done, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (entry) DO UPDATE SET uscc = excluded.uscc, region = excluded.region,
            product = excluded.product, severity = excluded.severity, violation = excluded.violation,
            found = excluded.found, state = excluded.state, due = excluded.due,
            closed_on = excluded.closed_on, measures = excluded.measures,
            measures_done = excluded.measures_done, body = excluded.body",
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
        body
    ])?;
    Ok(())
}

/// A spot-check record stored (new or a later version): keep its fact.
pub(super) fn on_spot_check(conn: &Connection, body: &str) -> Result<()> {
    let Ok(s) = serde_json::from_str::<SpotCheck>(body) else {
        return Ok(());
    };
    put_spot_fact(conn, &SpotFact::of(&s))
}

fn put_spot_fact(conn: &Connection, f: &SpotFact) -> Result<()> {
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
    Ok(())
}

/// A register entry, replacing its earlier version's rows: what the register's store calls for
/// each entry it changes, in its transaction.
pub(super) fn put_register(conn: &Connection, r: &Registered) -> Result<()> {
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
    Ok(())
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

/// The code range a prefix covers (`5201` -> `5201` <= code < `5202`); empty: everything.
fn range(prefix: &str) -> (String, String) {
    let mut hi = prefix.as_bytes().to_vec();
    match hi.last_mut() {
        Some(b) => *b = b.saturating_add(1),
        None => return (String::new(), "\u{7f}".into()),
    }
    (
        prefix.to_string(),
        String::from_utf8_lossy(&hi).into_owned(),
    )
}

/// `?, ?, ...` for the plan's products, and their values, after `first` other parameters.
fn products_in(plan: &Plan, first: usize) -> String {
    (0..plan.products.len().max(1))
        .map(|i| format!("?{}", first + i + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

fn args(head: &[&str], plan: &Plan) -> Vec<Sql> {
    let mut v: Vec<Sql> = head.iter().map(|s| Sql::Text((*s).to_string())).collect();
    if plan.products.is_empty() {
        v.push(Sql::Null);
    }
    v.extend(plan.products.iter().map(|p| Sql::Text(p.clone())));
    v
}

fn u(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn leaves(conn: &Connection, plan: &Plan, prefix: &str, today: &str) -> Result<Vec<Leaf>> {
    let (lo, hi) = range(prefix);
    let (from, to) = (plan.period.from.as_str(), plan.period.to.as_str());
    let mut acc: Acc = Acc::new();
    // Coverage: one row per registered enterprise and product in scope, with whether it was
    // self-inspected / inspected on site in the period; counted per product and per enterprise
    // (all its products done).
    let ins = products_in(plan, 4);
    let cov = format!(
        "WITH x AS MATERIALIZED (
            SELECT r.uscc, r.region, r.product,
              EXISTS (SELECT 1 FROM campaign_done d WHERE d.uscc = r.uscc AND d.product = r.product
                      AND d.onsite = 0 AND d.day BETWEEN ?3 AND ?4) AS si,
              EXISTS (SELECT 1 FROM campaign_done d WHERE d.uscc = r.uscc AND d.product = r.product
                      AND d.onsite = 1 AND d.day BETWEEN ?3 AND ?4) AS os
            FROM campaign_register r
            WHERE r.region >= ?1 AND r.region < ?2 AND r.product IN ({ins}))
         SELECT region, product, count(*), sum(si), sum(os) FROM x GROUP BY region, product
         UNION ALL
         SELECT region, NULL, count(*), sum(si), sum(os) FROM
            (SELECT uscc, min(region) AS region, min(si) AS si, min(os) AS os FROM x GROUP BY uscc)
         GROUP BY region"
    );
    let mut st = conn.prepare_cached(&cov)?;
    let mut rows = st.query(params_from_iter(args(&[&lo, &hi, from, to], plan)))?;
    while let Some(r) = rows.next()? {
        let (region, product): (String, Option<String>) = (r.get(0)?, r.get(1)?);
        let f = slot(&mut acc, &region, product.as_deref());
        f.registered = u(r.get(2)?);
        f.self_inspected = u(r.get(3)?);
        f.onsite_inspected = u(r.get(4)?);
    }
    // Inspected but not registered: where first inspected (day, then code), total and per product.
    let ins2 = products_in(plan, 4);
    let unreg = format!(
        "WITH x AS MATERIALIZED (
            SELECT d.uscc, d.product, d.day, d.region FROM campaign_done d
            WHERE d.day BETWEEN ?3 AND ?4 AND d.product IN ({ins2})
              AND NOT EXISTS (SELECT 1 FROM campaign_register r WHERE r.uscc = d.uscc
                              AND r.product IN ({ins2})))
         SELECT region, NULL, count(*) FROM
            (SELECT region, row_number() OVER (PARTITION BY uscc ORDER BY day, region) AS n FROM x)
         WHERE n = 1 AND region >= ?1 AND region < ?2 GROUP BY region
         UNION ALL
         SELECT region, product, count(*) FROM
            (SELECT region, product,
                    row_number() OVER (PARTITION BY uscc, product ORDER BY day, region) AS n FROM x)
         WHERE n = 1 AND region >= ?1 AND region < ?2 GROUP BY region, product"
    );
    let mut st = conn.prepare_cached(&unreg)?;
    let mut rows = st.query(params_from_iter(args(&[&lo, &hi, from, to], plan)))?;
    while let Some(r) = rows.next()? {
        let (region, product): (String, Option<String>) = (r.get(0)?, r.get(1)?);
        slot(&mut acc, &region, product.as_deref()).unregistered = u(r.get(2)?);
    }
    // Dangers found in the period, by state.
    let ins3 = products_in(plan, 4);
    let ent = format!(
        "SELECT region, product, severity, state, violation,
                state IN ('open', 'rectified') AND due IS NOT NULL AND due < ?4,
                count(*), sum(measures), sum(measures_done)
         FROM campaign_entries
         WHERE region >= ?1 AND region < ?2 AND found >= ?3 AND product IN ({ins3})
         GROUP BY 1, 2, 3, 4, 5, 6"
    );
    let mut st = conn.prepare_cached(&ent)?;
    let mut rows = st.query(params_from_iter(args(&[&lo, &hi, from, today], plan)))?;
    while let Some(r) = rows.next()? {
        let (region, product, sev, state): (String, String, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let (violation, overdue, n, m, md): (bool, bool, i64, i64, i64) =
            (r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?);
        for p in [None, Some(product.as_str())] {
            let f = slot(&mut acc, &region, p);
            let n = u(n);
            if sev == "major" {
                f.major += n;
            } else {
                f.general += n;
            }
            match state.as_str() {
                "rectified" => f.rectified += n,
                "closed_out" => {
                    f.rectified += n;
                    f.closed_out += n;
                }
                "closed" => f.closed_other += n,
                _ => {}
            }
            if state == "open" || state == "rectified" {
                f.open += n;
                if overdue {
                    f.overdue += n;
                }
            }
            if violation {
                f.violations += n;
            }
            f.measures += u(m);
            f.measures_done += u(md);
        }
    }
    // Unqualified spot checks in the period.
    let ins4 = products_in(plan, 5);
    let spots = format!(
        "SELECT region, product, disposed, NOT disposed AND due IS NOT NULL AND due < ?5, count(*)
         FROM campaign_spots
         WHERE region >= ?1 AND region < ?2 AND unqualified = 1 AND day BETWEEN ?3 AND ?4
           AND product IN ({ins4})
         GROUP BY 1, 2, 3, 4"
    );
    let mut st = conn.prepare_cached(&spots)?;
    let mut rows = st.query(params_from_iter(args(&[&lo, &hi, from, to, today], plan)))?;
    while let Some(r) = rows.next()? {
        let (region, product, disposed, overdue, n): (String, String, bool, bool, i64) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        for p in [None, Some(product.as_str())] {
            let f = slot(&mut acc, &region, p);
            f.spot_unqualified += u(n);
            if disposed {
                f.spot_disposed += u(n);
            }
            if overdue {
                f.spot_overdue += u(n);
            }
        }
    }
    Ok(assemble(plan, acc))
}

impl CampaignStore for Sqlite {
    fn campaign_leaves(&self, plan: &Plan, prefix: &str, today: &str) -> Result<Vec<Leaf>> {
        let conn = self.conn()?;
        leaves(&conn, plan, prefix, today)
    }

    fn open_over_time(&self, plan: &Plan, prefix: &str, days: &[String]) -> Result<Vec<u32>> {
        let conn = self.conn()?;
        let (lo, hi) = range(prefix);
        let ins = products_in(plan, 3);
        // Found and closed per day; open at the end of a day = found so far - closed so far.
        let q = |col: &str| -> Result<Vec<(String, i64)>> {
            let sql = format!(
                "SELECT {col}, count(*) FROM campaign_entries
                 WHERE region >= ?1 AND region < ?2 AND found >= ?3 AND {col} IS NOT NULL
                   AND product IN ({ins}) GROUP BY 1"
            );
            let mut st = conn.prepare_cached(&sql)?;
            let rows = st
                .query_map(
                    params_from_iter(args(&[&lo, &hi, &plan.period.from], plan)),
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        };
        let found = q("found")?;
        let closed = q("closed_on")?;
        let upto = |v: &[(String, i64)], d: &str| -> i64 {
            v.iter()
                .filter(|(x, _)| x.as_str() <= d)
                .map(|(_, n)| n)
                .sum()
        };
        Ok(days
            .iter()
            .map(|d| u(upto(&found, d) - upto(&closed, d)))
            .collect())
    }

    fn local_facts(&self, prefix: &str) -> Result<LocalFacts> {
        let conn = self.conn()?;
        let (lo, hi) = range(prefix);
        let bodies = |sql: &str| -> Result<Vec<String>> {
            let mut st = conn.prepare_cached(sql)?;
            let v = st
                .query_map(params![lo, hi], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(v)
        };
        let register = bodies(
            "SELECT body FROM campaign_enterprises WHERE region >= ?1 AND region < ?2 ORDER BY uscc",
        )?
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect();
        let entries =
            bodies("SELECT body FROM campaign_entries WHERE region >= ?1 AND region < ?2")?
                .iter()
                .filter_map(|b| serde_json::from_str(b).ok())
                .collect();
        let spots = bodies("SELECT body FROM campaign_spots WHERE region >= ?1 AND region < ?2")?
            .iter()
            .filter_map(|b| serde_json::from_str(b).ok())
            .collect();
        let mut st = conn.prepare_cached(
            "SELECT d.uscc, d.product, d.onsite, d.day, d.region FROM campaign_done d
             WHERE d.region >= ?1 AND d.region < ?2",
        )?;
        let submissions = st
            .query_map(params![lo, hi], |r| {
                let onsite: bool = r.get(2)?;
                let (uscc, product, day): (String, String, String) =
                    (r.get(0)?, r.get(1)?, r.get(3)?);
                Ok(SubmissionFact {
                    id: format!("{uscc}/{product}/{onsite}/{day}"),
                    uscc,
                    region: r.get(4)?,
                    name: String::new(),
                    product,
                    form: if onsite {
                        Form::OnsiteInspection
                    } else {
                        Form::SelfInspection
                    },
                    link: Link::Sales,
                    date: day,
                    valid: true,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(LocalFacts {
            register,
            submissions,
            entries,
            spots,
        })
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
        let (lo, hi) = range(prefix);
        let (from, to) = (plan.period.from.as_str(), plan.period.to.as_str());
        let ins = products_in(plan, 7);
        let prod = "(?5 IS NULL OR x.product = ?5)";
        let done = |onsite: u8| {
            format!(
                "EXISTS (SELECT 1 FROM campaign_done d WHERE d.uscc = x.uscc AND d.product = x.product
                 AND d.onsite = {onsite} AND d.day BETWEEN ?3 AND ?4)"
            )
        };
        let (kind, sql) = match figure {
            Figure::Registered
            | Figure::SelfInspected
            | Figure::NotSelfInspected
            | Figure::OnsiteInspected
            | Figure::NotOnsiteInspected => {
                let cond = match figure {
                    Figure::SelfInspected => done(0),
                    Figure::NotSelfInspected => format!("NOT {}", done(0)),
                    Figure::OnsiteInspected => done(1),
                    Figure::NotOnsiteInspected => format!("NOT {}", done(1)),
                    _ => "1".into(),
                };
                // Per enterprise: with a product, that product's rows; without, the enterprise is
                // done when every product is (so "not done" when any is not).
                let all = matches!(figure, Figure::SelfInspected | Figure::OnsiteInspected);
                let agg = if all { "min" } else { "max" };
                (
                    "enterprise",
                    format!(
                        "SELECT x.uscc, x.uscc, e.name, x.region, group_concat(x.product, ','), ''
                         FROM campaign_register x JOIN campaign_enterprises e ON e.uscc = x.uscc
                         WHERE x.region >= ?1 AND x.region < ?2 AND {prod} AND x.product IN ({ins})
                         GROUP BY x.uscc HAVING {agg}({cond}) = 1 ORDER BY x.region, x.uscc LIMIT ?6"
                    ),
                )
            }
            Figure::Dangers
            | Figure::Open
            | Figure::Overdue
            | Figure::ClosedOut
            | Figure::Violations => {
                let cond = match figure {
                    Figure::Open => "x.state IN ('open', 'rectified')".to_string(),
                    Figure::Overdue => {
                        "x.state IN ('open', 'rectified') AND x.due IS NOT NULL AND x.due < ?4"
                            .into()
                    }
                    Figure::ClosedOut => "x.state = 'closed_out'".into(),
                    Figure::Violations => "x.violation = 1".into(),
                    _ => "1".into(),
                };
                (
                    "entry",
                    format!(
                        "SELECT x.entry, x.uscc, coalesce(e.name, ''), x.region, x.product,
                                x.severity || ' ' || x.state || coalesce(' ' || x.due, '')
                         FROM campaign_entries x LEFT JOIN campaign_enterprises e ON e.uscc = x.uscc
                         WHERE x.region >= ?1 AND x.region < ?2 AND x.found >= ?3 AND {prod}
                           AND x.product IN ({ins}) AND {cond}
                         ORDER BY x.region, x.found, x.entry LIMIT ?6"
                    ),
                )
            }
            Figure::SpotUnqualified | Figure::SpotOverdue => {
                let cond = if figure == Figure::SpotOverdue {
                    "NOT x.disposed AND x.due IS NOT NULL AND x.due < ?4"
                } else {
                    "1"
                };
                (
                    "spot_check",
                    format!(
                        "SELECT x.id, x.uscc, coalesce(e.name, ''), x.region, x.product,
                                x.day || CASE WHEN x.disposed THEN ' disposed' ELSE '' END
                         FROM campaign_spots x LEFT JOIN campaign_enterprises e ON e.uscc = x.uscc
                         WHERE x.region >= ?1 AND x.region < ?2 AND x.unqualified = 1
                           AND x.day BETWEEN ?3 AND ?7 AND {prod} AND x.product IN ({ins}) AND {cond}
                         ORDER BY x.region, x.day, x.id LIMIT ?6"
                    ),
                )
            }
        };
        // ?3 from, ?4 the day compared with (period end for coverage, today for deadlines),
        // ?5 product, ?6 limit, ?7 period end, then the products.
        let day = match figure {
            Figure::Overdue | Figure::SpotOverdue => today,
            _ => to,
        };
        let mut a: Vec<Sql> = vec![
            Sql::Text(lo),
            Sql::Text(hi),
            Sql::Text(from.into()),
            Sql::Text(day.into()),
            product.map_or(Sql::Null, |p| Sql::Text(p.into())),
            Sql::Integer(i64::try_from(limit).unwrap_or(i64::MAX)),
        ];
        a.push(Sql::Text(to.into()));
        a.extend(args(&[], plan));
        let mut st = conn.prepare(&sql)?;
        let rows = st
            .query_map(params_from_iter(a), |r| {
                Ok(Traced {
                    kind,
                    id: r.get(0)?,
                    uscc: r.get(1)?,
                    name: r.get(2)?,
                    region: r.get(3)?,
                    product: r.get(4)?,
                    detail: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
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
mod tests {
    //! The SQL counts equal the core's `leaves` on the fixture county (the same facts put through
    //! the hooks), at the fixture's day and a later one, from every level.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use paicha::campaign::{leaves as core_leaves, Inputs};

    #[test]
    fn sql_counts_equal_the_core() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/campaign-fixtures/county.json"
        ))
        .unwrap();
        let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
        let register: Vec<Registered> = serde_json::from_value(raw["register"].clone()).unwrap();
        let subs: Vec<SubmissionFact> = serde_json::from_value(raw["submissions"].clone()).unwrap();
        let events: Vec<Event> = serde_json::from_value(raw["events"].clone()).unwrap();
        let spots: Vec<SpotCheck> = serde_json::from_value(raw["spot_checks"].clone()).unwrap();
        let dir = std::env::temp_dir().join(format!("paicha-campaign-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Sqlite::open(&dir.join("t.db")).unwrap();
        {
            let mut conn = db.conn().unwrap();
            let tx = conn.transaction().unwrap();
            for r in &register {
                put_register(&tx, r).unwrap();
            }
            for s in subs.iter().filter(|s| s.valid) {
                tx.execute(
                    "INSERT OR IGNORE INTO campaign_done (uscc, product, onsite, day, region) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![s.uscc, s.product, s.form == Form::OnsiteInspection, s.date, s.region],
                )
                .unwrap();
            }
            for (i, e) in events.iter().enumerate() {
                tx.execute(
                    "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
                     VALUES (?1, ?2, ?3, '', ?4, '', '', '', '')",
                    params![e.id, e.entry, e.act.kind(), serde_json::to_string(e).unwrap()],
                )
                .unwrap();
                let _ = i;
            }
            let entries: std::collections::BTreeSet<&str> =
                events.iter().map(|e| e.entry.as_str()).collect();
            for e in entries {
                on_entry(&tx, e).unwrap();
            }
            for s in &spots {
                on_spot_check(&tx, &serde_json::to_string(s).unwrap()).unwrap();
            }
            tx.commit().unwrap();
        }
        let plan: Plan = serde_json::from_str(paicha::campaign::plan::BUILTIN[0].1).unwrap();
        let state = fold(&events);
        let facts: Vec<EntryFact> = state.entries.iter().map(EntryFact::of).collect();
        let spot_facts: Vec<SpotFact> = spots.iter().map(SpotFact::of).collect();
        let inputs = Inputs {
            register: &register,
            submissions: &subs,
            entries: &facts,
            spots: &spot_facts,
        };
        for today in ["2023-08-16", "2023-09-20"] {
            let day = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d").unwrap();
            let want = core_leaves(&plan, &inputs, day);
            assert_eq!(
                db.campaign_leaves(&plan, "52", today).unwrap(),
                want,
                "{today}"
            );
            let county: Vec<Leaf> = want
                .iter()
                .filter(|l| l.region == "520102")
                .cloned()
                .collect();
            assert_eq!(db.campaign_leaves(&plan, "520102", today).unwrap(), county);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[cfg(test)]
mod bench {
    //! The province benchmark (prints figures; not a timed test): 50,000 registered enterprises in
    //! 88 counties, 200,000 submissions, 400,000 ledger events, through the same hooks the
    //! ingest calls. Run: `cargo test --release -p paicha-server --bin paicha-server
    //! campaign_province_benchmark -- --ignored --nocapture`.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use paicha::campaign::{tree, RegisteredProduct};
    use std::time::Instant;

    fn peak_mb() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .unwrap_or(0)
            / 1024
    }

    #[test]
    #[ignore]
    fn campaign_province_benchmark() {
        let plan: Plan = serde_json::from_str(paicha::campaign::plan::BUILTIN[0].1).unwrap();
        let dir =
            std::env::temp_dir().join(format!("paicha-campaign-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Sqlite::open(&dir.join("bench.db")).unwrap();
        // 9 prefectures x ~10 counties; enterprises spread over them.
        let counties: Vec<String> = (1..=9)
            .flat_map(|p| (1..=10).map(move |c| format!("52{p:02}{c:02}")))
            .take(88)
            .collect();
        let t0 = Instant::now();
        {
            let mut conn = db.conn().unwrap();
            let tx = conn.transaction().unwrap();
            let mut entries = 0usize;
            let mut events = 0usize;
            for i in 0..50_000usize {
                let region = &counties[i % counties.len()];
                let uscc =
                    paicha::ids::with_check_character(&format!("91{region}MA{i:07}")).unwrap();
                let products: Vec<RegisteredProduct> = (0..1 + i % 2)
                    .map(|k| RegisteredProduct {
                        product: plan.products[(i + k * 7) % plan.products.len()].clone(),
                        links: vec![Link::Sales],
                    })
                    .collect();
                let r = Registered {
                    uscc: uscc.clone(),
                    name: format!("企业{i}"),
                    region: region.clone(),
                    address: None,
                    legal_representative: None,
                    contact: None,
                    scale: None,
                    products: products.clone(),
                    certificates: vec![],
                    key_flags: vec![],
                };
                put_register(&tx, &r).unwrap();
                // 4 submissions per enterprise (200,000): self and on-site for some products.
                for s in 0..4usize {
                    let p = &products[s % products.len()].product;
                    let onsite = s >= 2 && i % 3 == 0;
                    let day = format!("2023-07-{:02}", 1 + (i + s) % 28);
                    tx.prepare_cached(
                        "INSERT OR IGNORE INTO campaign_done (uscc, product, onsite, day, region) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .unwrap()
                    .execute(params![uscc, p, onsite, day, region])
                    .unwrap();
                }
                // 8 ledger events per enterprise (400,000): two entries of four events each.
                for k in 0..2usize {
                    let entry = format!("00000000-0000-4000-8000-{:012}", i * 2 + k);
                    let ev = |n: usize, kind: &str, extra: &str| {
                        format!(
                            r#"{{"id":"00000000-0000-4000-9000-{:012}","entry":"{entry}","author":"a","device":"d","at":"2023-07-{:02}T10:00:00+08:00","kind":"{kind}"{extra}}}"#,
                            (i * 2 + k) * 4 + n,
                            10 + n
                        )
                    };
                    let created = ev(
                        0,
                        "created",
                        &format!(
                            r#","enterprise":{{"uscc":"{uscc}","region":"{region}"}},"product":"{}","danger":{{"text":{{"zh":"x","en":"x"}},"severity":"{}","basis":"b"}}"#,
                            products[0].product,
                            if k == 0 { "general" } else { "major" }
                        ),
                    );
                    let mut bodies = vec![
                        created,
                        ev(1, "rectification_ordered", r#","deadline":"2023-08-20""#),
                    ];
                    if (i + k) % 2 == 0 {
                        bodies.push(ev(2, "rectified", r#","measures":"m""#));
                        bodies.push(ev(3, "rechecked", r#","round":1,"passed":true"#));
                    } else {
                        bodies.push(ev(2, "escalated", r#","reason":"overdue""#));
                        bodies.push(ev(3, "action_taken", r#","action":"credit_publicity""#));
                    }
                    for b in &bodies {
                        let e = Event::from_json(b).unwrap();
                        tx.prepare_cached(
                            "INSERT INTO events (id, entry, kind, sha256, body, uscc, region, received_at, author)
                             VALUES (?1, ?2, ?3, '', ?4, ?5, ?6, '', '')",
                        )
                        .unwrap()
                        .execute(params![e.id, e.entry, e.act.kind(), b, uscc, region])
                        .unwrap();
                        events += 1;
                    }
                    on_entry(&tx, &entry).unwrap();
                    entries += 1;
                }
            }
            tx.commit().unwrap();
            println!("generated 50,000 enterprises, 200,000 submissions, {events} events ({entries} entries) in {:.1} s", t0.elapsed().as_secs_f64());
        }
        let today = "2023-08-25";
        let day = chrono::NaiveDate::from_ymd_opt(2023, 8, 25).unwrap();
        let time = |what: &str, f: &mut dyn FnMut()| {
            let mut v = Vec::new();
            for _ in 0..5 {
                let t = Instant::now();
                f();
                v.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            v.sort_by(|a, b| a.total_cmp(b));
            println!(
                "{what}: median {:.1} ms (min {:.1}, max {:.1})",
                v[2], v[0], v[4]
            );
        };
        time("province progress tree (SQL leaves + roll-up)", &mut || {
            let l = db.campaign_leaves(&plan, "52", today).unwrap();
            let n = tree(&plan, "520000", &l, day);
            assert_eq!(n.figures.registered, 50_000);
            assert_eq!(n.figures.found(), 100_000);
        });
        time("county drill-down (progress + ranking)", &mut || {
            let l = db.campaign_leaves(&plan, "520101", today).unwrap();
            let _ = tree(&plan, "520101", &l, day);
            let f = db.local_facts("520101").unwrap();
            let r = paicha::campaign::rank(
                &plan,
                &f.register,
                &f.submissions,
                &f.entries,
                &f.spots,
                "520101",
                day,
            );
            assert!(!r.is_empty());
        });
        time("province annual summary XLSX", &mut || {
            let l = db.campaign_leaves(&plan, "52", today).unwrap();
            let root = tree(&plan, "520000", &l, day);
            let days: Vec<String> = (0..13)
                .map(|w| format!("2023-{:02}-{:02}", 6 + w / 4, 1 + (w % 4) * 7))
                .collect();
            let series = db.open_over_time(&plan, "52", &days).unwrap();
            let bytes = crate::api::campaign_summary::workbook_of(
                &plan,
                root,
                days.into_iter().zip(series).collect(),
                day,
            )
            .unwrap();
            assert!(bytes.len() > 1000);
        });
        println!("peak memory (VmHWM): {} MB", peak_mb());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
