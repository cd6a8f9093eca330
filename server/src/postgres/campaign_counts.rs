//! The campaign's counters in PostgreSQL, the same tables and sums as `sqlite/campaign_counts.rs`
//! (what they hold and why: `storage/campaign/counts.rs`). Several nodes add to one counter row
//! at once: each addition is one `INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n`, which
//! PostgreSQL applies under the row's lock, so additions never overwrite each other. What must
//! not interleave is the reading of a part's figures before the change and the writing of the
//! difference: the hooks of `campaign.rs` take a lock on the part first ([`lock_part`]).

use crate::storage::{
    code_range, done_fact, kept_plans, leaves_of, open_series, registered, Changes, Part, Result,
    COUNTED,
};
use paicha::campaign::{Leaf, Plan, Registered, SubmissionFact};
use r2d2_postgres::postgres::types::{ToSql, Type};
use r2d2_postgres::postgres::GenericClient;
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub(super) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS campaign_counts (
    campaign TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    product TEXT COLLATE "C" NOT NULL,
    registered BIGINT NOT NULL DEFAULT 0,
    self_inspected BIGINT NOT NULL DEFAULT 0,
    onsite_inspected BIGINT NOT NULL DEFAULT 0,
    unregistered BIGINT NOT NULL DEFAULT 0,
    general BIGINT NOT NULL DEFAULT 0,
    major BIGINT NOT NULL DEFAULT 0,
    rectified BIGINT NOT NULL DEFAULT 0,
    closed_out BIGINT NOT NULL DEFAULT 0,
    closed_other BIGINT NOT NULL DEFAULT 0,
    open BIGINT NOT NULL DEFAULT 0,
    violations BIGINT NOT NULL DEFAULT 0,
    measures BIGINT NOT NULL DEFAULT 0,
    measures_done BIGINT NOT NULL DEFAULT 0,
    spot_unqualified BIGINT NOT NULL DEFAULT 0,
    spot_disposed BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign, region, product)
);
CREATE TABLE IF NOT EXISTS campaign_due (
    campaign TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    product TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    due TEXT COLLATE "C" NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (campaign, region, product, kind, due)
);
CREATE TABLE IF NOT EXISTS campaign_days (
    campaign TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    day TEXT COLLATE "C" NOT NULL,
    found BIGINT NOT NULL,
    closed BIGINT NOT NULL,
    PRIMARY KEY (campaign, region, day)
);
CREATE TABLE IF NOT EXISTS campaign_parts (
    part TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS campaign_kept (
    campaign TEXT PRIMARY KEY,
    plan TEXT NOT NULL
);
"#;

/// Serialize the hooks of one part (an enterprise, an entry, a spot check) across nodes until
/// the transaction ends: the part's row in `campaign_parts`, locked. A row lock rather than an
/// advisory lock because one transaction may hold many (a register import of 50,000 entries):
/// row locks live in the rows, advisory ones in a shared table of a few thousand slots. A second
/// transaction waits on the insert or the lock until the first commits, and then sees its rows.
pub(super) fn lock_part<C: GenericClient>(c: &mut C, kind: &str, key: &str) -> Result<()> {
    // One round trip: the upsert takes the row's lock whether it inserts or updates (the update
    // writes the same key, a heap-only tuple).
    c.execute_typed(
        "INSERT INTO campaign_parts (part) VALUES ($1)
         ON CONFLICT (part) DO UPDATE SET part = excluded.part",
        &[(&format!("{kind}/{key}"), Type::TEXT)],
    )?;
    Ok(())
}

/// Lock several parts of one kind in one statement, in key order (two transactions locking
/// some of the same parts then take them in the same order).
pub(super) fn lock_parts<C: GenericClient>(c: &mut C, kind: &str, keys: &[&str]) -> Result<()> {
    let mut parts: Vec<String> = keys.iter().map(|k| format!("{kind}/{k}")).collect();
    parts.sort_unstable();
    parts.dedup();
    if parts.is_empty() {
        return Ok(());
    }
    c.execute_typed(
        "INSERT INTO campaign_parts (part) SELECT * FROM unnest($1::text[])
         ON CONFLICT (part) DO UPDATE SET part = excluded.part",
        &[(&parts, Type::TEXT_ARRAY)],
    )?;
    Ok(())
}

/// The one statement that adds a unit of work's changes to the three counter tables (each an
/// `unnest` of its rows, in key order; a table with no change gets empty arrays).
fn upsert_all() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let cols = COUNTED.join(", ");
        let arrays: Vec<String> = (4..4 + COUNTED.len())
            .map(|i| format!("${i}::bigint[]"))
            .collect();
        let sets: Vec<String> = COUNTED
            .iter()
            .map(|c| format!("{c} = campaign_counts.{c} + excluded.{c}"))
            .collect();
        let d = 4 + COUNTED.len();
        format!(
            "WITH counts AS (
                INSERT INTO campaign_counts (campaign, region, product, {cols})
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], {})
                ON CONFLICT (campaign, region, product) DO UPDATE SET {}),
             dues AS (
                INSERT INTO campaign_due (campaign, region, product, kind, due, n)
                SELECT * FROM unnest(${}::text[], ${}::text[], ${}::text[], ${}::text[],
                    ${}::text[], ${}::bigint[])
                ON CONFLICT (campaign, region, product, kind, due)
                DO UPDATE SET n = campaign_due.n + excluded.n)
             INSERT INTO campaign_days (campaign, region, day, found, closed)
             SELECT * FROM unnest(${}::text[], ${}::text[], ${}::text[], ${}::bigint[],
                ${}::bigint[])
             ON CONFLICT (campaign, region, day) DO UPDATE SET
                found = campaign_days.found + excluded.found,
                closed = campaign_days.closed + excluded.closed",
            arrays.join(", "),
            sets.join(", "),
            d,
            d + 1,
            d + 2,
            d + 3,
            d + 4,
            d + 5,
            d + 6,
            d + 7,
            d + 8,
            d + 9,
            d + 10,
        )
    })
}

/// Add a unit of work's changes to the counters (in the caller's transaction): one statement
/// (one round trip), every row in key order (two transactions adding to the same rows then
/// lock them in the same order). Call it once per transaction, as late as possible (the rows'
/// locks are held until commit): the writers of one county share its counter rows.
pub(super) fn apply<C: GenericClient>(c: &mut C, ch: Changes) -> Result<()> {
    let ch = ch.nonzero();
    if ch.counts.is_empty() && ch.dues.is_empty() && ch.days.is_empty() {
        return Ok(());
    }
    let mut keys: [Vec<&str>; 3] = Default::default();
    let mut cols: Vec<Vec<i64>> = vec![Vec::new(); COUNTED.len()];
    for ((campaign, region, product), v) in &ch.counts {
        keys[0].push(campaign);
        keys[1].push(region);
        keys[2].push(product);
        for (col, n) in cols.iter_mut().zip(v) {
            col.push(*n);
        }
    }
    let mut dues: [Vec<&str>; 5] = Default::default();
    let mut due_n: Vec<i64> = Vec::new();
    for ((campaign, region, product, kind, due), n) in &ch.dues {
        for (col, v) in dues
            .iter_mut()
            .zip([campaign.as_str(), region, product, kind, due])
        {
            col.push(v);
        }
        due_n.push(*n);
    }
    let mut days: [Vec<&str>; 3] = Default::default();
    let mut day_n: [Vec<i64>; 2] = Default::default();
    for ((campaign, region, day), v) in &ch.days {
        for (col, k) in days.iter_mut().zip([campaign.as_str(), region, day]) {
            col.push(k);
        }
        for (col, n) in day_n.iter_mut().zip(v) {
            col.push(*n);
        }
    }
    let (t, i) = (Type::TEXT_ARRAY, Type::INT8_ARRAY);
    let mut a: Vec<(&(dyn ToSql + Sync), Type)> = keys
        .iter()
        .map(|k| (k as &(dyn ToSql + Sync), t.clone()))
        .collect();
    a.extend(cols.iter().map(|c| (c as &(dyn ToSql + Sync), i.clone())));
    a.extend(dues.iter().map(|k| (k as &(dyn ToSql + Sync), t.clone())));
    a.push((&due_n, i.clone()));
    a.extend(days.iter().map(|k| (k as &(dyn ToSql + Sync), t.clone())));
    a.extend(day_n.iter().map(|c| (c as &(dyn ToSql + Sync), i.clone())));
    c.execute_typed(upsert_all(), &a)?;
    Ok(())
}

/// An enterprise's part as stored: its register entry as progress reads it, its valid inspections.
pub(super) type EnterprisePart = (Option<Registered>, Vec<SubmissionFact>);

/// An enterprise's part, in one round trip.
pub(super) fn enterprise<C: GenericClient>(c: &mut C, uscc: &str) -> Result<EnterprisePart> {
    Ok(enterprises(c, &[uscc])?.remove(uscc).unwrap_or_default())
}

/// [`enterprise`] for several, in one round trip; an enterprise with nothing stored is absent.
pub(super) fn enterprises<C: GenericClient>(
    c: &mut C,
    usccs: &[&str],
) -> Result<BTreeMap<String, EnterprisePart>> {
    let rows = c.query_typed(
        "SELECT TRUE, uscc, product, region, FALSE, '', '' FROM campaign_register
         WHERE uscc = ANY($1)
         UNION ALL
         SELECT FALSE, uscc, product, region, onsite, day, link FROM campaign_done
         WHERE uscc = ANY($1)",
        &[(&usccs, Type::TEXT_ARRAY)],
    )?;
    let mut reg: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut out: BTreeMap<String, EnterprisePart> = BTreeMap::new();
    for r in rows {
        let uscc: String = r.get(1);
        if r.get::<_, bool>(0) {
            reg.entry(uscc).or_default().push((r.get(2), r.get(3)));
        } else {
            let f = done_fact(
                uscc.clone(),
                r.get(2),
                r.get(4),
                r.get(6),
                r.get(5),
                r.get(3),
            );
            out.entry(uscc).or_default().1.push(f);
        }
    }
    for (uscc, rows) in reg {
        out.entry(uscc.clone()).or_default().0 = registered(&uscc, rows);
    }
    Ok(out)
}

/// The leaves of a kept campaign under `prefix` at `today`, from the counters.
pub(super) fn read_leaves<C: GenericClient>(
    c: &mut C,
    plan: &Plan,
    prefix: &str,
    today: &str,
) -> Result<Vec<Leaf>> {
    let (lo, hi) = code_range(prefix);
    let sql = format!(
        "SELECT region, product, {} FROM campaign_counts
         WHERE campaign = $1 AND region >= $2 AND region < $3",
        COUNTED.join(", ")
    );
    let counts = c
        .query(&sql, &[&plan.id, &lo, &hi])?
        .iter()
        .map(|r| {
            let v: Vec<i64> = (0..COUNTED.len()).map(|i| r.get(i + 2)).collect();
            (r.get(0), r.get(1), v)
        })
        .collect();
    let overdue = c
        .query(
            "SELECT region, product, kind, sum(n)::BIGINT FROM campaign_due
             WHERE campaign = $1 AND region >= $2 AND region < $3 AND due < $4
             GROUP BY region, product, kind",
            &[&plan.id, &lo, &hi, &today],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    Ok(leaves_of(plan, counts, overdue))
}

/// Open dangers of a kept campaign under `prefix` at the end of each of `days`.
pub(super) fn read_open_series<C: GenericClient>(
    c: &mut C,
    plan: &Plan,
    prefix: &str,
    days: &[String],
) -> Result<Vec<u32>> {
    let (lo, hi) = code_range(prefix);
    let rows: Vec<(String, i64, i64)> = c
        .query(
            "SELECT day, sum(found)::BIGINT, sum(closed)::BIGINT FROM campaign_days
             WHERE campaign = $1 AND region >= $2 AND region < $3 GROUP BY day",
            &[&plan.id, &lo, &hi],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    Ok(open_series(&rows, days))
}

/// Count every kept campaign whose counters were made for another version of its plan (or
/// never) again from the facts tables. The counter tables are locked against the hooks for the
/// while (a hook that has stored a fact but not yet counted it waits, then adds its difference
/// to the recount, which did not see its fact).
pub(super) fn keep_current<C: GenericClient>(c: &mut C) -> Result<()> {
    for plan in kept_plans() {
        let text = serde_json::to_string(plan).unwrap_or_default();
        let kept = |c: &mut C| -> Result<bool> {
            Ok(c.query_opt(
                "SELECT plan FROM campaign_kept WHERE campaign = $1",
                &[&plan.id],
            )?
            .map(|r| r.get::<_, String>(0))
            .as_deref()
                == Some(text.as_str()))
        };
        if kept(c)? {
            continue;
        }
        c.batch_execute(
            "LOCK TABLE campaign_counts, campaign_due, campaign_days, campaign_kept IN EXCLUSIVE MODE",
        )?;
        if kept(c)? {
            continue;
        }
        for t in ["campaign_counts", "campaign_due", "campaign_days"] {
            c.execute(&format!("DELETE FROM {t} WHERE campaign = $1"), &[&plan.id])?;
        }
        let one = std::slice::from_ref(plan);
        let mut ch = Changes::default();
        let mut reg: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for r in c.query("SELECT uscc, product, region FROM campaign_register", &[])? {
            reg.entry(r.get(0)).or_default().push((r.get(1), r.get(2)));
        }
        let mut done: BTreeMap<String, Vec<SubmissionFact>> = BTreeMap::new();
        for r in c.query(
            "SELECT uscc, product, onsite, link, day, region FROM campaign_done",
            &[],
        )? {
            let f = done_fact(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
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
        for r in c.query("SELECT body FROM campaign_entries", &[])? {
            if let Ok(f) = serde_json::from_str(r.get::<_, &str>(0)) {
                ch.add(one, &Part::Entry(&f), 1);
            }
        }
        for r in c.query("SELECT body FROM campaign_spots", &[])? {
            if let Ok(f) = serde_json::from_str(r.get::<_, &str>(0)) {
                ch.add(one, &Part::Spot(&f), 1);
            }
        }
        apply(c, ch)?;
        c.execute(
            "INSERT INTO campaign_kept (campaign, plan) VALUES ($1, $2)
             ON CONFLICT (campaign) DO UPDATE SET plan = excluded.plan",
            &[&plan.id, &text],
        )?;
    }
    Ok(())
}
