//! Express reports, morning reports and typical cases in PostgreSQL, as `sqlite/express.rs`:
//! express events stored as the ledger's are (`put_idempotent`), a report's number taken with
//! `next_number` in the transaction that stores its `reported` event. Across nodes: a report's
//! events are stored one transaction at a time (the report's row lock, `lock_part`), so two nodes
//! receiving two different `reported` events of one report keep the first and refuse the second,
//! and the report gets exactly one number; the event feed is `serial` (paged by `seq`).

use super::idempotent::{put_idempotent, Kind, Upload};
use super::{next_number, scope_sql, serial, write_audit, Args, Postgres, Tx};
use crate::numbering::format_number;
use crate::storage::{
    Audit, CaseRow, Decision, ExpressStore, MorningRow, NewExpressEvent, ReportRow, Result, Scope,
    Stored, StoredExpress,
};
use r2d2_postgres::postgres::Row;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS express_events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    report TEXT NOT NULL,
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    uscc TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS express_events_report ON express_events (report);
CREATE UNIQUE INDEX IF NOT EXISTS express_one_report ON express_events (report) WHERE kind = 'reported';
CREATE TABLE IF NOT EXISTS express_event_conflicts (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL,
    UNIQUE (id, sha256)
);
CREATE TABLE IF NOT EXISTS express_reports (
    report TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    first_event TEXT NOT NULL,
    year INTEGER NOT NULL,
    sequence BIGINT NOT NULL,
    number TEXT NOT NULL,
    UNIQUE (region, year, sequence)
);
CREATE TABLE IF NOT EXISTS morning_reports (
    id TEXT PRIMARY KEY,
    region TEXT COLLATE \"C\" NOT NULL,
    day TEXT COLLATE \"C\" NOT NULL,
    body TEXT NOT NULL,
    note TEXT NOT NULL,
    status TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    generated_by TEXT NOT NULL,
    sent_at TEXT,
    sent_by TEXT,
    UNIQUE (region, day)
);
CREATE TABLE IF NOT EXISTS typical_cases (
    id TEXT COLLATE \"C\" PRIMARY KEY,
    sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    region TEXT NOT NULL,
    status TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT COLLATE \"C\" NOT NULL,
    decided_by TEXT,
    decided_at TEXT COLLATE \"C\",
    note TEXT,
    published TEXT
);
";

const EXPRESS: Kind = Kind {
    table: "express_events",
    conflicts: "express_event_conflicts",
    action: "express.event",
    other_key: Stored::EntryExists,
};

/// The rows a scope may see (by region only: enterprises see no express reports).
fn region_scope(scope: &Scope, a: &mut Args, prefix: &str) -> String {
    match scope {
        Scope::Enterprise { .. } => "FALSE".into(),
        other => scope_sql(other, a, prefix),
    }
}

fn put_one(
    tx: &mut Tx<'_>,
    ev: &NewExpressEvent,
    actor: &str,
    scope: &Scope,
) -> Result<(Stored, Option<String>)> {
    super::campaign_counts::lock_part(tx, "express", &ev.report)?;
    if ev.kind == "reported" {
        let first: Option<String> = tx
            .query_opt(
                "SELECT id FROM express_events WHERE report = $1 AND kind = 'reported'",
                &[&ev.report],
            )?
            .map(|r| r.get(0));
        if first.as_ref().is_some_and(|id| *id != ev.id) {
            write_audit(
                tx,
                &Audit {
                    at: &ev.received_at,
                    actor,
                    action: EXPRESS.action,
                    target: &ev.id,
                    outcome: "report_exists",
                    detail: &ev.report,
                },
            )?;
            return Ok((Stored::EntryExists, None));
        }
    }
    let u = Upload {
        id: &ev.id,
        sha256: &ev.sha256,
        body: &ev.body,
        received_at: &ev.received_at,
        attachments: &ev.attachments,
        detail: &ev.kind,
    };
    serial(tx, EXPRESS.table)?;
    let stored = put_idempotent(tx, &EXPRESS, &u, actor, scope, true, |tx| {
        Ok(tx.execute(
            "INSERT INTO express_events (id, report, kind, sha256, body, region, received_at, author)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            &[
                &ev.id,
                &ev.report,
                &ev.kind,
                &ev.sha256,
                &ev.body,
                &ev.region,
                &ev.received_at,
                &actor,
            ],
        )?)
    })?;
    if ev.kind != "reported" {
        return Ok((stored, None));
    }
    if stored == Stored::New {
        let series = format!("{}/express", ev.region);
        let sequence = next_number(tx, &series, ev.year)?;
        let number = format_number(&format!("{}质量安全快报", ev.region), ev.year, sequence);
        tx.execute(
            "INSERT INTO express_reports (report, region, first_event, year, sequence, number)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&ev.report, &ev.region, &ev.id, &ev.year, &sequence, &number],
        )?;
        return Ok((stored, Some(number)));
    }
    let number: Option<String> = tx
        .query_opt(
            "SELECT number FROM express_reports WHERE report = $1",
            &[&ev.report],
        )?
        .map(|r| r.get(0));
    Ok((
        stored,
        if stored == Stored::Duplicate {
            number
        } else {
            None
        },
    ))
}

fn morning_of(r: &Row) -> MorningRow {
    MorningRow {
        id: r.get(0),
        region: r.get(1),
        day: r.get(2),
        body: r.get(3),
        note: r.get(4),
        status: r.get(5),
        generated_at: r.get(6),
        generated_by: r.get(7),
        sent_at: r.get(8),
        sent_by: r.get(9),
    }
}

const MORNING: &str =
    "id, region, day, body, note, status, generated_at, generated_by, sent_at, sent_by";

fn case_of(r: &Row) -> CaseRow {
    CaseRow {
        id: r.get(0),
        sha256: r.get(1),
        body: r.get(2),
        region: r.get(3),
        status: r.get(4),
        proposed_by: r.get(5),
        proposed_at: r.get(6),
        decided_by: r.get(7),
        decided_at: r.get(8),
        note: r.get(9),
        published: r.get(10),
    }
}

const CASE: &str = "id, sha256, body, region, status, proposed_by, proposed_at, decided_by, \
    decided_at, note, published";

impl ExpressStore for Postgres {
    fn put_express(
        &self,
        evs: &[NewExpressEvent],
        actor: &str,
        scope: &Scope,
    ) -> Result<Vec<(Stored, Option<String>)>> {
        self.write(|tx| {
            evs.iter()
                .map(|e| put_one(tx, e, actor, scope))
                .collect::<Result<Vec<_>>>()
        })
    }

    fn express_report(&self, report: &str) -> Result<Option<ReportRow>> {
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT report, region, number, first_event FROM express_reports WHERE report = $1",
                &[&report],
            )?
            .map(|r| ReportRow {
                report: r.get(0),
                region: r.get(1),
                number: r.get(2),
                first_event: r.get(3),
            }))
        })
    }

    fn express_events_of(&self, report: &str) -> Result<Vec<(String, String)>> {
        self.read(|c| {
            Ok(c.query(
                "SELECT body, received_at FROM express_events WHERE report = $1 ORDER BY seq",
                &[&report],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        })
    }

    fn express_events(
        &self,
        scope: &Scope,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<StoredExpress>> {
        let mut a = Args::new();
        let after = a.push(after.unwrap_or(0));
        let cond = region_scope(scope, &mut a, "e.");
        let limit = a.push(i64::try_from(limit).unwrap_or(1000));
        let sql = format!(
            "SELECT e.seq, e.body, e.received_at, r.number FROM express_events e
             LEFT JOIN express_reports r ON r.first_event = e.id
             WHERE e.seq > {after} AND {cond} ORDER BY e.seq LIMIT {limit}"
        );
        self.read(|c| {
            Ok(c.query(&sql, &a.refs())?
                .iter()
                .map(|r| StoredExpress {
                    seq: r.get(0),
                    body: r.get(1),
                    received_at: r.get(2),
                    number: r.get(3),
                })
                .collect())
        })
    }

    fn entry_events(&self, entry: &str) -> Result<Vec<String>> {
        self.read(|c| {
            Ok(c.query(
                "SELECT body FROM events WHERE entry = $1 ORDER BY seq",
                &[&entry],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }

    fn put_morning(&self, m: &MorningRow, audit: &Audit<'_>) -> Result<bool> {
        self.write(|tx| {
            // Generated at once on two nodes: one at a time, so a sent report is never redrafted.
            super::campaign_counts::lock_part(tx, "morning", &format!("{}/{}", m.region, m.day))?;
            let sent: Option<String> = tx
                .query_opt(
                    "SELECT status FROM morning_reports WHERE region = $1 AND day = $2",
                    &[&m.region, &m.day],
                )?
                .map(|r| r.get(0));
            if sent.as_deref() == Some("sent") {
                return Ok(false);
            }
            // A draft generated again is replaced (same id: the first one's), figures refreshed.
            tx.execute(
                "INSERT INTO morning_reports (id, region, day, body, note, status, generated_at,
                    generated_by)
                 VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7)
                 ON CONFLICT (region, day) DO UPDATE SET body = excluded.body,
                    generated_at = excluded.generated_at, generated_by = excluded.generated_by",
                &[
                    &m.id,
                    &m.region,
                    &m.day,
                    &m.body,
                    &m.note,
                    &m.generated_at,
                    &m.generated_by,
                ],
            )?;
            write_audit(tx, audit)?;
            Ok(true)
        })
    }

    fn morning_report(&self, id: &str) -> Result<Option<MorningRow>> {
        self.read(|c| {
            Ok(c.query_opt(
                &format!(
                    "SELECT {MORNING} FROM morning_reports
                     WHERE id = $1 OR (region || '/' || day) = $1"
                ),
                &[&id],
            )?
            .as_ref()
            .map(morning_of))
        })
    }

    fn morning_reports(&self, scope: &Scope) -> Result<Vec<MorningRow>> {
        let mut a = Args::new();
        let cond = region_scope(scope, &mut a, "");
        self.read(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {MORNING} FROM morning_reports WHERE {cond}
                     ORDER BY day DESC, region LIMIT 500"
                ),
                &a.refs(),
            )?
            .iter()
            .map(morning_of)
            .collect())
        })
    }

    fn send_morning(
        &self,
        id: &str,
        note: &str,
        by: &str,
        at: &str,
        audit: &Audit<'_>,
    ) -> Result<Option<MorningRow>> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE morning_reports SET status = 'sent', note = $2, sent_at = $3, sent_by = $4
                 WHERE id = $1 AND status = 'draft'",
                &[&id, &note, &at, &by],
            )?;
            if n == 1 {
                write_audit(tx, audit)?;
            }
            Ok(tx
                .query_opt(
                    &format!("SELECT {MORNING} FROM morning_reports WHERE id = $1"),
                    &[&id],
                )?
                .as_ref()
                .map(morning_of))
        })
    }

    fn put_case(&self, c: &CaseRow, audit: &Audit<'_>) -> Result<Stored> {
        self.write(|tx| {
            let n = tx.execute(
                "INSERT INTO typical_cases (id, sha256, body, region, status, proposed_by,
                    proposed_at)
                 VALUES ($1, $2, $3, $4, 'proposed', $5, $6) ON CONFLICT (id) DO NOTHING",
                &[
                    &c.id,
                    &c.sha256,
                    &c.body,
                    &c.region,
                    &c.proposed_by,
                    &c.proposed_at,
                ],
            )?;
            let outcome = if n == 1 {
                Stored::New
            } else {
                let known: String = tx
                    .query_one("SELECT sha256 FROM typical_cases WHERE id = $1", &[&c.id])?
                    .get(0);
                if known == c.sha256 {
                    Stored::Duplicate
                } else {
                    Stored::Conflict
                }
            };
            write_audit(tx, audit)?;
            Ok(outcome)
        })
    }

    fn case(&self, id: &str) -> Result<Option<CaseRow>> {
        self.read(|c| {
            Ok(c.query_opt(
                &format!("SELECT {CASE} FROM typical_cases WHERE id = $1"),
                &[&id],
            )?
            .as_ref()
            .map(case_of))
        })
    }

    fn cases(&self, scope: &Scope) -> Result<Vec<CaseRow>> {
        let mut a = Args::new();
        let cond = region_scope(scope, &mut a, "");
        self.read(|c| {
            Ok(c.query(
                &format!(
                    "SELECT {CASE} FROM typical_cases WHERE {cond}
                     ORDER BY proposed_at DESC LIMIT 1000"
                ),
                &a.refs(),
            )?
            .iter()
            .map(case_of)
            .collect())
        })
    }

    fn decide_case(&self, d: &Decision<'_>, audit: &Audit<'_>) -> Result<Option<CaseRow>> {
        self.write(|tx| {
            // Decided once: a second decision changes nothing (a published case is withdrawn by
            // a decision of its own, not written over).
            let status = if d.approve { "approved" } else { "rejected" };
            let n = tx.execute(
                "UPDATE typical_cases SET status = $2, decided_by = $3, decided_at = $4, note = $5,
                    published = $6 WHERE id = $1 AND status = 'proposed'",
                &[&d.id, &status, &d.by, &d.at, &d.note, &d.published],
            )?;
            if n == 1 {
                write_audit(tx, audit)?;
            }
            Ok(tx
                .query_opt(
                    &format!("SELECT {CASE} FROM typical_cases WHERE id = $1"),
                    &[&d.id],
                )?
                .as_ref()
                .map(case_of))
        })
    }

    fn published_cases(&self) -> Result<Vec<String>> {
        self.read(|c| {
            Ok(c.query(
                "SELECT published FROM typical_cases
                 WHERE status = 'approved' AND published IS NOT NULL
                 ORDER BY decided_at DESC, id LIMIT 1000",
                &[],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
    }
}
