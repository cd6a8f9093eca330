//! The register in PostgreSQL: the same tables and answers as `sqlite/register.rs`.
//! `register_versions` keeps every version (rows are only inserted), `register` points at each
//! entry's current one, `register_products` lists what each current entry makes or sells. Two
//! nodes storing a version of one entry at once: the enterprise's part is locked
//! (`campaign_counts::lock_part`, a row lock) before its current version is read, so versions are numbered
//! 1, 2, 3 without a gap or a repeat; the change feed is `serial` (devices page it by `seq`).

use super::{scope_sql, serial, write_audit, Args, Postgres, Tx};
use crate::auth::sha256_hex;
use crate::storage::{
    Audit, Change, Correction, Proposed, RegisterCount, RegisterStore, Result, Reviewed, Scope,
    StoreError, Unregistered, Version,
};
use paicha::campaign::Registered;
use r2d2_postgres::postgres::{GenericClient, Row};
use std::collections::HashMap;

pub(super) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS register_versions (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uscc TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    prev_region TEXT COLLATE "C" NOT NULL,
    stored_at TEXT NOT NULL,
    author TEXT NOT NULL,
    source TEXT NOT NULL,
    UNIQUE (uscc, version)
);
CREATE TABLE IF NOT EXISTS register (
    uscc TEXT COLLATE "C" PRIMARY KEY,
    region TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS register_region ON register (region, uscc);
CREATE TABLE IF NOT EXISTS register_products (
    uscc TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    product TEXT COLLATE "C" NOT NULL,
    link TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (uscc, product, link)
);
CREATE INDEX IF NOT EXISTS register_products_region ON register_products (region, product, link);
CREATE TABLE IF NOT EXISTS register_dismissed (
    uscc TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    author TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS register_corrections (
    id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT COLLATE "C" NOT NULL,
    status TEXT NOT NULL,
    reviewed_by TEXT,
    reviewed_at TEXT,
    review_note TEXT
);
CREATE INDEX IF NOT EXISTS register_corrections_uscc ON register_corrections (uscc);
"#;

fn version_of(r: &Row) -> Result<Version> {
    let body: &str = r.get(2);
    Ok(Version {
        seq: r.get(0),
        version: r.get(1),
        entry: serde_json::from_str(body).map_err(|e| StoreError(format!("register body: {e}")))?,
        sha256: r.get(3),
        stored_at: r.get(4),
        author: r.get(5),
        source: r.get(6),
    })
}

const VERSION_COLUMNS: &str = "v.seq, v.version, v.body, v.sha256, v.stored_at, v.author, v.source";

/// Store one entry in a transaction: a new version unless the current one has the same hash.
fn put_one(tx: &mut Tx<'_>, e: &Registered, source: &str, a: &Audit<'_>) -> Result<Change> {
    let body = serde_json::to_string(e).map_err(|x| StoreError(x.to_string()))?;
    let sha = sha256_hex(body.as_bytes());
    // The entry's own lock (its campaign part: `campaign::put_register` takes the same one).
    super::campaign_counts::lock_part(tx, "enterprise", &e.uscc)?;
    let current = tx.query_opt(
        "SELECT version, sha256, region FROM register WHERE uscc = $1",
        &[&e.uscc],
    )?;
    let (version, prev_region, change) = match current {
        Some(r) if r.get::<_, &str>(1) == sha => return Ok(Change::Unchanged),
        Some(r) => (r.get::<_, i64>(0) + 1, r.get(2), Change::Changed),
        None => (1, e.region.clone(), Change::New),
    };
    serial(tx, "register_versions")?;
    let seq: i64 = tx
        .query_one(
            "INSERT INTO register_versions (uscc, version, sha256, body, region, prev_region,
                stored_at, author, source)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq",
            &[
                &e.uscc,
                &version,
                &sha,
                &body,
                &e.region,
                &prev_region,
                &a.at,
                &a.actor,
                &source,
            ],
        )?
        .get(0);
    tx.execute(
        "INSERT INTO register (uscc, region, version, seq, sha256) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (uscc) DO UPDATE SET region = excluded.region, version = excluded.version,
            seq = excluded.seq, sha256 = excluded.sha256",
        &[&e.uscc, &e.region, &version, &seq, &sha],
    )?;
    if change == Change::Changed {
        tx.execute("DELETE FROM register_products WHERE uscc = $1", &[&e.uscc])?;
    }
    for p in &e.products {
        for l in &p.links {
            let link = match l {
                paicha::Link::Production => "production",
                paicha::Link::Sales => "sales",
            };
            tx.execute(
                "INSERT INTO register_products (uscc, region, product, link) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&e.uscc, &e.region, &p.product, &link],
            )?;
        }
    }
    super::campaign::put_register(tx, e)?;
    Ok(change)
}

fn current_entries<C: GenericClient>(c: &mut C, cond: &str, a: &Args) -> Result<Vec<Registered>> {
    let sql = format!(
        "SELECT v.body FROM register r JOIN register_versions v ON v.seq = r.seq
         WHERE {cond} ORDER BY r.region, r.uscc"
    );
    Ok(c.query(&sql, &a.refs())?
        .iter()
        .filter_map(|r| serde_json::from_str(r.get::<_, &str>(0)).ok())
        .collect())
}

fn correction_of(r: &Row) -> Correction {
    let body: &str = r.get(3);
    Correction {
        id: r.get(0),
        uscc: r.get(1),
        region: r.get(2),
        body: serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
        sha256: r.get(4),
        proposed_by: r.get(5),
        proposed_at: r.get(6),
        status: r.get(7),
        reviewed_by: r.get(8),
        reviewed_at: r.get(9),
        review_note: r.get(10),
    }
}

const CORRECTION_COLUMNS: &str =
    "id, uscc, region, body, sha256, proposed_by, proposed_at, status, \
    reviewed_by, reviewed_at, review_note";

/// A prefix of digits only (what a division-code prefix is); anything else selects nothing.
fn digits(prefix: &str) -> bool {
    prefix.bytes().all(|b| b.is_ascii_digit())
}

impl RegisterStore for Postgres {
    fn put_register(
        &self,
        entries: &[Registered],
        source: &str,
        a: &Audit<'_>,
    ) -> Result<Vec<Change>> {
        self.write(|tx| {
            let mut out = Vec::with_capacity(entries.len());
            for e in entries {
                out.push(put_one(tx, e, source, a)?);
            }
            let count = |c| out.iter().filter(|x| **x == c).count();
            let detail = format!(
                "{source} new={} changed={} unchanged={}",
                count(Change::New),
                count(Change::Changed),
                count(Change::Unchanged)
            );
            write_audit(
                tx,
                &Audit {
                    detail: &detail,
                    ..*a
                },
            )?;
            Ok(out)
        })
    }

    fn register_regions(&self, usccs: &[&str]) -> Result<HashMap<String, String>> {
        let keys: Vec<String> = usccs.iter().map(|u| u.to_string()).collect();
        self.read(|c| {
            Ok(c.query(
                "SELECT uscc, region FROM register WHERE uscc = ANY($1)",
                &[&keys],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        })
    }

    fn register_entry(&self, uscc: &str) -> Result<Option<Version>> {
        self.read(|c| {
            c.query_opt(
                &format!(
                    "SELECT {VERSION_COLUMNS} FROM register r JOIN register_versions v
                     ON v.seq = r.seq WHERE r.uscc = $1"
                ),
                &[&uscc],
            )?
            .as_ref()
            .map(version_of)
            .transpose()
        })
    }

    fn register_history(&self, uscc: &str) -> Result<Vec<Version>> {
        self.read(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {VERSION_COLUMNS} FROM register_versions v WHERE v.uscc = $1
                     ORDER BY v.version"
                ),
                &[&uscc],
            )?
            .iter()
            .filter_map(|r| version_of(r).ok())
            .collect())
        })
    }

    fn register_under(&self, prefix: &str) -> Result<Vec<Registered>> {
        if !digits(prefix) {
            return Ok(Vec::new());
        }
        let mut a = Args::new();
        let cond = format!("starts_with(r.region, {})", a.push(prefix.to_string()));
        let mut v = self.read(|c| current_entries(c, &cond, &a))?;
        v.sort_by(|a, b| a.uscc.cmp(&b.uscc));
        Ok(v)
    }

    fn register_in_scope(&self, scope: &Scope) -> Result<Vec<Registered>> {
        let mut a = Args::new();
        let cond = scope_sql(scope, &mut a, "r.");
        self.read(|c| current_entries(c, &cond, &a))
    }

    fn register_counts(&self, prefix: &str) -> Result<Vec<RegisterCount>> {
        if !digits(prefix) {
            return Ok(Vec::new());
        }
        self.read(|c| {
            Ok(c.query(
                "SELECT region, product, link, count(*) FROM register_products
                 WHERE starts_with(region, $1)
                 GROUP BY region, product, link ORDER BY region, product, link",
                &[&prefix],
            )?
            .iter()
            .map(|r| RegisterCount {
                region: r.get(0),
                product: r.get(1),
                link: r.get(2),
                enterprises: r.get(3),
            })
            .collect())
        })
    }

    fn register_changes(
        &self,
        scope: &Scope,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Version>> {
        let mut a = Args::new();
        let after = a.push(after.unwrap_or(0));
        // Seen where the entry is now and where it was before (so a device learns it moved).
        let now = scope_sql(scope, &mut a, "v.");
        let before = scope_sql(scope, &mut a, "v.").replace("v.region", "v.prev_region");
        let limit = a.push(i64::try_from(limit).unwrap_or(1000));
        self.read(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {VERSION_COLUMNS} FROM register_versions v
                     WHERE v.seq > {after} AND (({now}) OR ({before})) ORDER BY v.seq LIMIT {limit}"
                ),
                &a.refs(),
            )?
            .iter()
            .filter_map(|r| version_of(r).ok())
            .collect())
        })
    }

    fn unregistered(&self, scope: &Scope, all: bool, limit: usize) -> Result<Vec<Unregistered>> {
        let mut a = Args::new();
        let cond = scope_sql(scope, &mut a, "s.");
        let dismissed = if all { "" } else { "AND d.uscc IS NULL" };
        let limit = a.push(i64::try_from(limit).unwrap_or(1000));
        // Per enterprise the figures of all its submissions, the name and code of the latest.
        let sql = format!(
            "WITH s AS (
                SELECT s.seq, s.id, s.uscc, s.enterprise_name, s.region, s.product, s.link,
                       s.inspected_date
                FROM submissions s
                LEFT JOIN register r ON r.uscc = s.uscc
                LEFT JOIN register_dismissed d ON d.uscc = s.uscc
                WHERE r.uscc IS NULL AND s.uscc <> '' {dismissed} AND {cond}),
             g AS (
                SELECT uscc, max(seq) AS last, count(*) AS n,
                       min(inspected_date COLLATE \"C\") AS first_day,
                       max(inspected_date COLLATE \"C\") AS last_day,
                       string_agg(DISTINCT product || ':' || link, ',') AS seen
                FROM s GROUP BY uscc)
             SELECT g.uscc, s.enterprise_name, s.region, g.last, s.id, g.n, g.first_day,
                    g.last_day, g.seen, d.reason
             FROM g JOIN s ON s.seq = g.last
             LEFT JOIN register_dismissed d ON d.uscc = g.uscc
             ORDER BY g.last DESC LIMIT {limit}"
        );
        let mut out: Vec<Unregistered> = self.read(|c| {
            Ok(c.query(&sql, &a.refs())?
                .iter()
                .map(|r| {
                    let seen: Option<String> = r.get(8);
                    Unregistered {
                        uscc: r.get(0),
                        name: r.get(1),
                        region: r.get(2),
                        latest_submission: r.get(4),
                        submissions: r.get(5),
                        first_inspected: r.get(6),
                        last_inspected: r.get(7),
                        seen: seen
                            .unwrap_or_default()
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect(),
                        dismissed: r.get(9),
                    }
                })
                .collect())
        })?;
        // Envelopes with a mistyped USCC are invalid submissions, not enterprises to register.
        out.retain(|u| paicha::ids::check_uscc(&u.uscc).is_ok());
        out.iter_mut().for_each(|u| u.seen.sort());
        Ok(out)
    }

    fn dismiss_unregistered(&self, uscc: &str, reason: &str, a: &Audit<'_>) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO register_dismissed (uscc, reason, at, author) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (uscc) DO UPDATE SET reason = excluded.reason, at = excluded.at,
                    author = excluded.author",
                &[&uscc, &reason, &a.at, &a.actor],
            )?;
            write_audit(tx, a)
        })
    }

    fn put_correction(&self, c: &Correction, a: &Audit<'_>) -> Result<Proposed> {
        self.write(|tx| {
            let body = c.body.to_string();
            let inserted = tx.execute(
                &format!(
                    "INSERT INTO register_corrections ({CORRECTION_COLUMNS})
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', NULL, NULL, NULL)
                     ON CONFLICT (id) DO NOTHING"
                ),
                &[
                    &c.id,
                    &c.uscc,
                    &c.region,
                    &body,
                    &c.sha256,
                    &c.proposed_by,
                    &c.proposed_at,
                ],
            )?;
            let outcome = if inserted == 1 {
                Proposed::New
            } else {
                let r = tx.query_one(
                    "SELECT sha256, uscc FROM register_corrections WHERE id = $1",
                    &[&c.id],
                )?;
                if r.get::<_, &str>(0) == c.sha256 && r.get::<_, &str>(1) == c.uscc {
                    Proposed::Duplicate
                } else {
                    Proposed::Conflict
                }
            };
            let outcome_name = match outcome {
                Proposed::New => "stored",
                Proposed::Duplicate => "duplicate",
                Proposed::Conflict => "conflict",
            };
            write_audit(
                tx,
                &Audit {
                    outcome: outcome_name,
                    ..*a
                },
            )?;
            Ok(outcome)
        })
    }

    fn correction(&self, id: &str) -> Result<Option<Correction>> {
        self.read(|c| {
            Ok(c.query_opt(
                &format!("SELECT {CORRECTION_COLUMNS} FROM register_corrections WHERE id = $1"),
                &[&id],
            )?
            .as_ref()
            .map(correction_of))
        })
    }

    fn corrections(&self, scope: &Scope, pending_only: bool) -> Result<Vec<Correction>> {
        let mut a = Args::new();
        let cond = scope_sql(scope, &mut a, "");
        let pending = if pending_only {
            "AND status = 'pending'"
        } else {
            ""
        };
        self.read(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {CORRECTION_COLUMNS} FROM register_corrections WHERE {cond} {pending}
                     ORDER BY proposed_at DESC, id COLLATE \"C\" LIMIT 1000"
                ),
                &a.refs(),
            )?
            .iter()
            .map(correction_of)
            .collect())
        })
    }

    fn review_correction(
        &self,
        id: &str,
        updated: Option<&Registered>,
        note: &str,
        a: &Audit<'_>,
    ) -> Result<Reviewed> {
        self.write(|tx| {
            let status: Option<String> = tx
                .query_opt(
                    "SELECT status FROM register_corrections WHERE id = $1 FOR UPDATE",
                    &[&id],
                )?
                .map(|r| r.get(0));
            match status.as_deref() {
                None => return Ok(Reviewed::NotFound),
                Some("pending") => {}
                Some(s) => return Ok(Reviewed::Already(s.to_string())),
            }
            let new_status = if updated.is_some() {
                "accepted"
            } else {
                "rejected"
            };
            tx.execute(
                "UPDATE register_corrections SET status = $2, reviewed_by = $3, reviewed_at = $4,
                    review_note = $5 WHERE id = $1",
                &[&id, &new_status, &a.actor, &a.at, &note],
            )?;
            let version = match updated {
                Some(e) => {
                    put_one(tx, e, &format!("correction:{id}"), a)?;
                    tx.query_opt(
                        &format!(
                            "SELECT {VERSION_COLUMNS} FROM register r JOIN register_versions v
                             ON v.seq = r.seq WHERE r.uscc = $1"
                        ),
                        &[&e.uscc],
                    )?
                    .as_ref()
                    .map(version_of)
                    .transpose()?
                    .map(Box::new)
                }
                None => None,
            };
            write_audit(
                tx,
                &Audit {
                    outcome: new_status,
                    ..*a
                },
            )?;
            Ok(Reviewed::Done(version))
        })
    }
}
