//! The register in SQLite: `register_versions` keeps every version (append-only by use: rows are
//! only ever inserted), `register` points at each entry's current one, `register_products` lists
//! what each current entry makes or sells (for the counts), all written in one transaction.
//! The unregistered enterprises are read from the submissions themselves: nothing to keep in
//! step, nothing that can be lost between an upload and a proposal.

use super::{scope_on, write_audit, Sqlite};
use crate::auth::sha256_hex;
use crate::storage::{
    Audit, Change, Correction, Proposed, RegisterCount, RegisterStore, Result, Reviewed, Scope,
    Unregistered, Version,
};
use paicha::campaign::Registered;
use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Transaction};
use std::collections::HashMap;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS register_versions (
    seq INTEGER PRIMARY KEY,
    uscc TEXT NOT NULL,
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    region TEXT NOT NULL,
    prev_region TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    author TEXT NOT NULL,
    source TEXT NOT NULL,
    UNIQUE (uscc, version)
);
CREATE TABLE IF NOT EXISTS register (
    uscc TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS register_region ON register (region, uscc);
CREATE TABLE IF NOT EXISTS register_products (
    uscc TEXT NOT NULL,
    region TEXT NOT NULL,
    product TEXT NOT NULL,
    link TEXT NOT NULL,
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
    region TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    status TEXT NOT NULL,
    reviewed_by TEXT,
    reviewed_at TEXT,
    review_note TEXT
);
CREATE INDEX IF NOT EXISTS register_corrections_uscc ON register_corrections (uscc);
";

fn version_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Version, String)> {
    let body: String = r.get(2)?;
    let entry = serde_json::from_str(&body).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok((
        Version {
            seq: r.get(0)?,
            version: r.get(1)?,
            entry,
            sha256: r.get(3)?,
            stored_at: r.get(4)?,
            author: r.get(5)?,
            source: r.get(6)?,
        },
        body,
    ))
}

const VERSION_COLUMNS: &str = "v.seq, v.version, v.body, v.sha256, v.stored_at, v.author, v.source";

/// Store one entry in a transaction: a new version unless the current one has the same hash.
fn put_one(tx: &Transaction<'_>, e: &Registered, source: &str, a: &Audit<'_>) -> Result<Change> {
    let body = serde_json::to_string(e).map_err(|x| crate::storage::StoreError(x.to_string()))?;
    let sha = sha256_hex(body.as_bytes());
    let current: Option<(i64, String, String)> = tx
        .prepare_cached("SELECT version, sha256, region FROM register WHERE uscc = ?1")?
        .query_row([&e.uscc], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let (version, prev_region, change) = match current {
        Some((_, s, _)) if s == sha => return Ok(Change::Unchanged),
        Some((v, _, region)) => (v + 1, region, Change::Changed),
        None => (1, e.region.clone(), Change::New),
    };
    tx.prepare_cached(
        "INSERT INTO register_versions (uscc, version, sha256, body, region, prev_region, stored_at, author, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![e.uscc, version, sha, body, e.region, prev_region, a.at, a.actor, source])?;
    let seq = tx.last_insert_rowid();
    tx.prepare_cached(
        "INSERT INTO register (uscc, region, version, seq, sha256) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (uscc) DO UPDATE SET region = excluded.region, version = excluded.version,
            seq = excluded.seq, sha256 = excluded.sha256",
    )?
    .execute(params![e.uscc, e.region, version, seq, sha])?;
    if change == Change::Changed {
        tx.prepare_cached("DELETE FROM register_products WHERE uscc = ?1")?
            .execute([&e.uscc])?;
    }
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO register_products (uscc, region, product, link) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for p in &e.products {
        for l in &p.links {
            let link = match l {
                paicha::Link::Production => "production",
                paicha::Link::Sales => "sales",
            };
            ins.execute(params![e.uscc, e.region, p.product, link])?;
        }
    }
    super::campaign::put_register(tx, e)?;
    Ok(change)
}

fn current_entries(conn: &Connection, cond: &str, args: Vec<Sql>) -> Result<Vec<Registered>> {
    let sql = format!(
        "SELECT v.body FROM register r JOIN register_versions v ON v.seq = r.seq
         WHERE {cond} ORDER BY r.region, r.uscc"
    );
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(params_from_iter(args), |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for b in rows {
        if let Ok(e) = serde_json::from_str(&b?) {
            out.push(e);
        }
    }
    Ok(out)
}

fn correction_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Correction> {
    let body: String = r.get(3)?;
    Ok(Correction {
        id: r.get(0)?,
        uscc: r.get(1)?,
        region: r.get(2)?,
        body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
        sha256: r.get(4)?,
        proposed_by: r.get(5)?,
        proposed_at: r.get(6)?,
        status: r.get(7)?,
        reviewed_by: r.get(8)?,
        reviewed_at: r.get(9)?,
        review_note: r.get(10)?,
    })
}

const CORRECTION_COLUMNS: &str =
    "id, uscc, region, body, sha256, proposed_by, proposed_at, status, \
    reviewed_by, reviewed_at, review_note";

impl RegisterStore for Sqlite {
    fn put_register(
        &self,
        entries: &[Registered],
        source: &str,
        a: &Audit<'_>,
    ) -> Result<Vec<Change>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            out.push(put_one(&tx, e, source, a)?);
        }
        let count = |c| out.iter().filter(|x| **x == c).count();
        let detail = format!(
            "{source} new={} changed={} unchanged={}",
            count(Change::New),
            count(Change::Changed),
            count(Change::Unchanged)
        );
        write_audit(
            &tx,
            &Audit {
                detail: &detail,
                ..*a
            },
        )?;
        tx.commit()?;
        Ok(out)
    }

    fn register_regions(&self, usccs: &[&str]) -> Result<HashMap<String, String>> {
        let conn = self.conn()?;
        let mut st = conn.prepare_cached("SELECT region FROM register WHERE uscc = ?1")?;
        let mut out = HashMap::new();
        for u in usccs {
            if let Some(r) = st.query_row([u], |r| r.get::<_, String>(0)).optional()? {
                out.insert(u.to_string(), r);
            }
        }
        Ok(out)
    }

    fn register_entry(&self, uscc: &str) -> Result<Option<Version>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                &format!("SELECT {VERSION_COLUMNS} FROM register r JOIN register_versions v ON v.seq = r.seq WHERE r.uscc = ?1"),
                [uscc],
                version_row,
            )
            .optional()?
            .map(|(v, _)| v))
    }

    fn register_history(&self, uscc: &str) -> Result<Vec<Version>> {
        let conn = self.conn()?;
        let mut st = conn.prepare(&format!(
            "SELECT {VERSION_COLUMNS} FROM register_versions v WHERE v.uscc = ?1 ORDER BY v.version"
        ))?;
        let rows = st.query_map([uscc], version_row)?;
        Ok(rows.filter_map(|r| r.ok().map(|(v, _)| v)).collect())
    }

    fn register_under(&self, prefix: &str) -> Result<Vec<Registered>> {
        if !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Vec::new());
        }
        let conn = self.conn()?;
        let mut v = current_entries(
            &conn,
            "r.region LIKE ?",
            vec![Sql::Text(format!("{prefix}%"))],
        )?;
        v.sort_by(|a, b| a.uscc.cmp(&b.uscc));
        Ok(v)
    }

    fn register_in_scope(&self, scope: &Scope) -> Result<Vec<Registered>> {
        let conn = self.conn()?;
        let mut args = Vec::new();
        let cond = scope_on(scope, "r.region", &mut args).replace("uscc =", "r.uscc =");
        current_entries(&conn, &cond, args)
    }

    fn register_counts(&self, prefix: &str) -> Result<Vec<RegisterCount>> {
        if !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Vec::new());
        }
        let conn = self.conn()?;
        let mut st = conn.prepare(
            "SELECT region, product, link, count(*) FROM register_products WHERE region LIKE ?1
             GROUP BY region, product, link ORDER BY region, product, link",
        )?;
        let rows = st.query_map([format!("{prefix}%")], |r| {
            Ok(RegisterCount {
                region: r.get(0)?,
                product: r.get(1)?,
                link: r.get(2)?,
                enterprises: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn register_changes(
        &self,
        scope: &Scope,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Version>> {
        let conn = self.conn()?;
        let mut args = vec![Sql::Integer(after.unwrap_or(0))];
        let now = scope_on(scope, "v.region", &mut args).replace("uscc =", "v.uscc =");
        let before = scope_on(scope, "v.prev_region", &mut args).replace("uscc =", "v.uscc =");
        args.push(Sql::Integer(i64::try_from(limit).unwrap_or(1000)));
        let mut st = conn.prepare(&format!(
            "SELECT {VERSION_COLUMNS} FROM register_versions v
             WHERE v.seq > ? AND (({now}) OR ({before})) ORDER BY v.seq LIMIT ?"
        ))?;
        let rows = st.query_map(params_from_iter(args), version_row)?;
        Ok(rows.filter_map(|r| r.ok().map(|(v, _)| v)).collect())
    }

    fn unregistered(&self, scope: &Scope, all: bool, limit: usize) -> Result<Vec<Unregistered>> {
        let conn = self.conn()?;
        let mut args = Vec::new();
        let cond = scope_on(scope, "s.region", &mut args).replace("uscc =", "s.uscc =");
        let dismissed = if all { "" } else { "AND d.uscc IS NULL" };
        args.push(Sql::Integer(i64::try_from(limit).unwrap_or(1000)));
        // The bare columns come from the row holding max(s.seq): the latest submission's.
        let mut st = conn.prepare(&format!(
            "SELECT s.uscc, s.enterprise_name, s.region, max(s.seq), s.id, count(*), min(s.inspected_date),
                max(s.inspected_date), group_concat(DISTINCT s.product || ':' || s.link), d.reason
             FROM submissions s
             LEFT JOIN register r ON r.uscc = s.uscc
             LEFT JOIN register_dismissed d ON d.uscc = s.uscc
             WHERE r.uscc IS NULL AND s.uscc != '' {dismissed} AND {cond}
             GROUP BY s.uscc ORDER BY max(s.seq) DESC LIMIT ?"
        ))?;
        let rows = st.query_map(params_from_iter(args), |r| {
            let seen: Option<String> = r.get(8)?;
            Ok(Unregistered {
                uscc: r.get(0)?,
                name: r.get(1)?,
                region: r.get(2)?,
                latest_submission: r.get(4)?,
                submissions: r.get(5)?,
                first_inspected: r.get(6)?,
                last_inspected: r.get(7)?,
                seen: seen
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                dismissed: r.get(9)?,
            })
        })?;
        let mut out: Vec<Unregistered> = rows.collect::<rusqlite::Result<_>>()?;
        // Envelopes with a mistyped USCC are invalid submissions, not enterprises to register.
        out.retain(|u| paicha::ids::check_uscc(&u.uscc).is_ok());
        out.iter_mut().for_each(|u| u.seen.sort());
        Ok(out)
    }

    fn dismiss_unregistered(&self, uscc: &str, reason: &str, a: &Audit<'_>) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO register_dismissed (uscc, reason, at, author) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (uscc) DO UPDATE SET reason = excluded.reason, at = excluded.at, author = excluded.author",
            params![uscc, reason, a.at, a.actor],
        )?;
        write_audit(&tx, a)?;
        tx.commit()?;
        Ok(())
    }

    fn put_correction(&self, c: &Correction, a: &Audit<'_>) -> Result<Proposed> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let existing: Option<(String, String)> = tx
            .query_row(
                "SELECT sha256, uscc FROM register_corrections WHERE id = ?1",
                [&c.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let outcome = match existing {
            Some((sha, uscc)) if sha == c.sha256 && uscc == c.uscc => Proposed::Duplicate,
            Some(_) => Proposed::Conflict,
            None => {
                tx.execute(
                    &format!("INSERT INTO register_corrections ({CORRECTION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', NULL, NULL, NULL)"),
                    params![c.id, c.uscc, c.region, c.body.to_string(), c.sha256, c.proposed_by, c.proposed_at],
                )?;
                Proposed::New
            }
        };
        let outcome_name = match outcome {
            Proposed::New => "stored",
            Proposed::Duplicate => "duplicate",
            Proposed::Conflict => "conflict",
        };
        write_audit(
            &tx,
            &Audit {
                outcome: outcome_name,
                ..*a
            },
        )?;
        tx.commit()?;
        Ok(outcome)
    }

    fn correction(&self, id: &str) -> Result<Option<Correction>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                &format!("SELECT {CORRECTION_COLUMNS} FROM register_corrections WHERE id = ?1"),
                [id],
                correction_row,
            )
            .optional()?)
    }

    fn corrections(&self, scope: &Scope, pending_only: bool) -> Result<Vec<Correction>> {
        let conn = self.conn()?;
        let mut args = Vec::new();
        let cond = scope_on(scope, "region", &mut args);
        let pending = if pending_only {
            "AND status = 'pending'"
        } else {
            ""
        };
        let mut st = conn.prepare(&format!(
            "SELECT {CORRECTION_COLUMNS} FROM register_corrections WHERE {cond} {pending}
             ORDER BY proposed_at DESC, id LIMIT 1000"
        ))?;
        let rows = st.query_map(params_from_iter(args), correction_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn review_correction(
        &self,
        id: &str,
        updated: Option<&Registered>,
        note: &str,
        a: &Audit<'_>,
    ) -> Result<Reviewed> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let status: Option<String> = tx
            .query_row(
                "SELECT status FROM register_corrections WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
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
            "UPDATE register_corrections SET status = ?2, reviewed_by = ?3, reviewed_at = ?4, review_note = ?5
             WHERE id = ?1",
            params![id, new_status, a.actor, a.at, note],
        )?;
        let version = match updated {
            Some(e) => {
                put_one(&tx, e, &format!("correction:{id}"), a)?;
                tx.query_row(
                    &format!("SELECT {VERSION_COLUMNS} FROM register r JOIN register_versions v ON v.seq = r.seq WHERE r.uscc = ?1"),
                    [&e.uscc],
                    version_row,
                )
                .optional()?
                .map(|(v, _)| Box::new(v))
            }
            None => None,
        };
        write_audit(
            &tx,
            &Audit {
                outcome: new_status,
                ..*a
            },
        )?;
        tx.commit()?;
        Ok(Reviewed::Done(version))
    }
}
