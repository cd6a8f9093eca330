//! The campaign's counters in SQLite (what they hold and why: `storage/campaign/counts.rs`):
//! one row per campaign, division code and product (`''` for the code's total), running
//! deadlines counted per day, and entries found and closed per day. The hooks of
//! `campaign.rs` add to them in the transaction that stores a record; a progress read is two
//! range scans of a few thousand rows, whatever the number of records behind them.

use crate::storage::{
    code_range, done_fact, kept_plans, leaves_of, open_series, registered, Changes, Part, Result,
    COUNTED,
};
use paicha::campaign::{Leaf, Plan, Registered, SubmissionFact};
use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS campaign_counts (
    campaign TEXT NOT NULL,
    region TEXT NOT NULL,
    product TEXT NOT NULL,
    registered INTEGER NOT NULL DEFAULT 0,
    self_inspected INTEGER NOT NULL DEFAULT 0,
    onsite_inspected INTEGER NOT NULL DEFAULT 0,
    unregistered INTEGER NOT NULL DEFAULT 0,
    general INTEGER NOT NULL DEFAULT 0,
    major INTEGER NOT NULL DEFAULT 0,
    rectified INTEGER NOT NULL DEFAULT 0,
    closed_out INTEGER NOT NULL DEFAULT 0,
    closed_other INTEGER NOT NULL DEFAULT 0,
    open INTEGER NOT NULL DEFAULT 0,
    violations INTEGER NOT NULL DEFAULT 0,
    measures INTEGER NOT NULL DEFAULT 0,
    measures_done INTEGER NOT NULL DEFAULT 0,
    spot_unqualified INTEGER NOT NULL DEFAULT 0,
    spot_disposed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign, region, product)
);
CREATE TABLE IF NOT EXISTS campaign_due (
    campaign TEXT NOT NULL,
    region TEXT NOT NULL,
    product TEXT NOT NULL,
    kind TEXT NOT NULL,
    due TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (campaign, region, product, kind, due)
);
CREATE TABLE IF NOT EXISTS campaign_days (
    campaign TEXT NOT NULL,
    region TEXT NOT NULL,
    day TEXT NOT NULL,
    found INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    PRIMARY KEY (campaign, region, day)
);
CREATE TABLE IF NOT EXISTS campaign_kept (
    campaign TEXT PRIMARY KEY,
    plan TEXT NOT NULL
);
";

/// `INSERT ... ON CONFLICT DO UPDATE` adding to the counter columns (built once from `COUNTED`).
fn upsert_counts() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let cols = COUNTED.join(", ");
        let marks: Vec<String> = (4..4 + COUNTED.len()).map(|i| format!("?{i}")).collect();
        let sets: Vec<String> = COUNTED
            .iter()
            .map(|c| format!("{c} = campaign_counts.{c} + excluded.{c}"))
            .collect();
        format!(
            "INSERT INTO campaign_counts (campaign, region, product, {cols})
             VALUES (?1, ?2, ?3, {})
             ON CONFLICT (campaign, region, product) DO UPDATE SET {}",
            marks.join(", "),
            sets.join(", ")
        )
    })
}

/// Add a unit of work's changes to the counters (in the caller's transaction).
pub(super) fn apply(conn: &Connection, ch: Changes) -> Result<()> {
    let ch = ch.nonzero();
    for ((campaign, region, product), v) in &ch.counts {
        let mut a: Vec<Sql> = vec![
            Sql::Text(campaign.clone()),
            Sql::Text(region.clone()),
            Sql::Text(product.clone()),
        ];
        a.extend(v.iter().map(|n| Sql::Integer(*n)));
        conn.prepare_cached(upsert_counts())?
            .execute(params_from_iter(a))?;
    }
    for ((campaign, region, product, kind, due), n) in &ch.dues {
        conn.prepare_cached(
            "INSERT INTO campaign_due (campaign, region, product, kind, due, n)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (campaign, region, product, kind, due)
             DO UPDATE SET n = campaign_due.n + excluded.n",
        )?
        .execute(params![campaign, region, product, kind, due, n])?;
    }
    for ((campaign, region, day), [found, closed]) in &ch.days {
        conn.prepare_cached(
            "INSERT INTO campaign_days (campaign, region, day, found, closed)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (campaign, region, day) DO UPDATE SET
                found = campaign_days.found + excluded.found,
                closed = campaign_days.closed + excluded.closed",
        )?
        .execute(params![campaign, region, day, found, closed])?;
    }
    Ok(())
}

/// An enterprise's register entry as progress reads it.
pub(super) fn register_of(conn: &Connection, uscc: &str) -> Result<Option<Registered>> {
    let rows = conn
        .prepare_cached("SELECT product, region FROM campaign_register WHERE uscc = ?1")?
        .query_map([uscc], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<(String, String)>>>()?;
    Ok(registered(uscc, rows))
}

/// An enterprise's valid inspections.
pub(super) fn done_of(conn: &Connection, uscc: &str) -> Result<Vec<SubmissionFact>> {
    let done = conn
        .prepare_cached(
            "SELECT product, onsite, link, day, region FROM campaign_done WHERE uscc = ?1",
        )?
        .query_map([uscc], |r| {
            Ok(done_fact(
                uscc.to_string(),
                r.get(0)?,
                r.get(1)?,
                &r.get::<_, String>(2)?,
                r.get(3)?,
                r.get(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(done)
}

/// One enterprise's part of the progress: its register row and its valid inspections.
pub(super) fn enterprise(
    conn: &Connection,
    uscc: &str,
) -> Result<(Option<Registered>, Vec<SubmissionFact>)> {
    Ok((register_of(conn, uscc)?, done_of(conn, uscc)?))
}

/// The leaves of a kept campaign under `prefix` at `today`, from the counters.
pub(super) fn read_leaves(
    conn: &Connection,
    plan: &Plan,
    prefix: &str,
    today: &str,
) -> Result<Vec<Leaf>> {
    let (lo, hi) = code_range(prefix);
    let sql = format!(
        "SELECT region, product, {} FROM campaign_counts
         WHERE campaign = ?1 AND region >= ?2 AND region < ?3",
        COUNTED.join(", ")
    );
    let counts = conn
        .prepare_cached(&sql)?
        .query_map(params![plan.id, lo, hi], |r| {
            let mut v = Vec::with_capacity(COUNTED.len());
            for i in 0..COUNTED.len() {
                v.push(r.get::<_, i64>(i + 2)?);
            }
            Ok((r.get(0)?, r.get(1)?, v))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let overdue = conn
        .prepare_cached(
            "SELECT region, product, kind, sum(n) FROM campaign_due
             WHERE campaign = ?1 AND region >= ?2 AND region < ?3 AND due < ?4
             GROUP BY region, product, kind",
        )?
        .query_map(params![plan.id, lo, hi, today], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(leaves_of(plan, counts, overdue))
}

/// Open dangers of a kept campaign under `prefix` at the end of each of `days`.
pub(super) fn read_open_series(
    conn: &Connection,
    plan: &Plan,
    prefix: &str,
    days: &[String],
) -> Result<Vec<u32>> {
    let (lo, hi) = code_range(prefix);
    let rows = conn
        .prepare_cached(
            "SELECT day, sum(found), sum(closed) FROM campaign_days
             WHERE campaign = ?1 AND region >= ?2 AND region < ?3 GROUP BY day",
        )?
        .query_map(params![plan.id, lo, hi], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(open_series(&rows, days))
}

/// Count every kept campaign whose counters were made for another version of its plan (or
/// never: a new plan, a database of an earlier version) again from the facts tables.
pub(super) fn keep_current(conn: &Connection) -> Result<()> {
    for plan in kept_plans() {
        let text = serde_json::to_string(plan).unwrap_or_default();
        let kept: Option<String> = conn
            .query_row(
                "SELECT plan FROM campaign_kept WHERE campaign = ?1",
                [&plan.id],
                |r| r.get(0),
            )
            .optional()?;
        if kept.as_deref() == Some(text.as_str()) {
            continue;
        }
        let tx = conn.unchecked_transaction()?;
        for t in ["campaign_counts", "campaign_due", "campaign_days"] {
            tx.execute(&format!("DELETE FROM {t} WHERE campaign = ?1"), [&plan.id])?;
        }
        let one = std::slice::from_ref(plan);
        let mut ch = Changes::default();
        let mut reg: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for row in tx
            .prepare("SELECT uscc, product, region FROM campaign_register")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        {
            let (u, p, g): (String, String, String) = row?;
            reg.entry(u).or_default().push((p, g));
        }
        let mut done: BTreeMap<String, Vec<SubmissionFact>> = BTreeMap::new();
        for row in tx
            .prepare("SELECT uscc, product, onsite, link, day, region FROM campaign_done")?
            .query_map([], |r| {
                Ok(done_fact(
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    &r.get::<_, String>(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
        {
            let f = row?;
            done.entry(f.uscc.clone()).or_default().push(f);
        }
        let usccs: std::collections::BTreeSet<String> =
            reg.keys().chain(done.keys()).cloned().collect();
        for u in usccs {
            let r = reg.remove(&u).and_then(|rows| registered(&u, rows));
            let d = done.remove(&u).unwrap_or_default();
            ch.add(
                one,
                &Part::Enterprise {
                    registered: r.as_ref(),
                    done: &d,
                },
                1,
            );
        }
        for body in tx
            .prepare("SELECT body FROM campaign_entries")?
            .query_map([], |r| r.get::<_, String>(0))?
        {
            if let Ok(f) = serde_json::from_str(&body?) {
                ch.add(one, &Part::Entry(&f), 1);
            }
        }
        for body in tx
            .prepare("SELECT body FROM campaign_spots")?
            .query_map([], |r| r.get::<_, String>(0))?
        {
            if let Ok(f) = serde_json::from_str(&body?) {
                ch.add(one, &Part::Spot(&f), 1);
            }
        }
        apply(&tx, ch)?;
        tx.execute(
            "INSERT INTO campaign_kept (campaign, plan) VALUES (?1, ?2)
             ON CONFLICT (campaign) DO UPDATE SET plan = excluded.plan",
            params![plan.id, text],
        )?;
        tx.commit()?;
    }
    Ok(())
}
