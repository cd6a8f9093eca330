//! Numbered documents in SQLite: the number is taken with `sqlite::numbering::next_number` in the same
//! transaction as the document row, and a record's document of one kind is numbered once
//! (`UNIQUE (kind, record)`).

use super::numbering::next_number;
use super::{write_audit, Sqlite};
use crate::documents::{DocKind, DocStore, Document, NewDocument, RecordRef};
use crate::numbering::format_number;
use crate::storage::{Audit, Result};
use rusqlite::{params, OptionalExtension};

pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS documents (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    record TEXT NOT NULL,
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    number TEXT NOT NULL,
    record_sha256 TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    UNIQUE (kind, record),
    UNIQUE (series, year, sequence)
);";

const COLUMNS: &str =
    "kind, record, series, year, sequence, number, record_sha256, issued_at, issued_by";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Document> {
    let kind: String = r.get(0)?;
    Ok(Document {
        kind: DocKind::parse(&kind).unwrap_or(DocKind::InspectionRecord),
        record: r.get(1)?,
        series: r.get(2)?,
        year: r.get(3)?,
        sequence: r.get(4)?,
        number: r.get(5)?,
        record_sha256: r.get(6)?,
        issued_at: r.get(7)?,
        issued_by: r.get(8)?,
    })
}

impl DocStore for Sqlite {
    fn record_ref(&self, id: &str) -> Result<Option<RecordRef>> {
        let conn = self.conn()?;
        let sub = conn
            .query_row(
                "SELECT uscc, region, sha256 FROM submissions WHERE id = ?1",
                [id],
                |r| {
                    Ok(RecordRef {
                        source: "submission",
                        kind: String::new(),
                        uscc: r.get(0)?,
                        region: r.get(1)?,
                        sha256: r.get(2)?,
                    })
                },
            )
            .optional()?;
        if sub.is_some() {
            return Ok(sub);
        }
        let event = |sql: &str, source: &'static str| {
            conn.query_row(sql, [id], |r| {
                Ok(RecordRef {
                    source,
                    kind: r.get(0)?,
                    uscc: r.get(1)?,
                    region: r.get(2)?,
                    sha256: r.get(3)?,
                })
            })
            .optional()
        };
        if let Some(e) = event(
            "SELECT kind, uscc, region, sha256 FROM events WHERE id = ?1",
            "event",
        )? {
            return Ok(Some(e));
        }
        Ok(event(
            "SELECT kind, uscc, region, sha256 FROM events WHERE entry = ?1 AND kind = 'created'",
            "entry",
        )?)
    }

    fn issue_document(&self, d: &NewDocument<'_>, audit: &Audit<'_>) -> Result<(Document, bool)> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        tx.execute_batch(SCHEMA)?;
        let known = tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM documents WHERE kind = ?1 AND record = ?2"),
                params![d.kind.as_str(), d.record],
                row,
            )
            .optional()?;
        if let Some(doc) = known {
            return Ok((doc, false));
        }
        let series = format!("{}/{}", d.region, d.kind.as_str());
        let sequence = next_number(&tx, &series, d.year)?;
        let doc = Document {
            kind: d.kind,
            record: d.record.to_string(),
            number: format_number(
                &format!("{}{}", d.region, d.kind.abbreviation()),
                d.year,
                sequence,
            ),
            series,
            year: d.year,
            sequence,
            record_sha256: d.record_sha256.to_string(),
            issued_at: d.issued_at.to_string(),
            issued_by: d.issued_by.to_string(),
        };
        tx.execute(
            &format!(
                "INSERT INTO documents ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ),
            params![
                doc.kind.as_str(),
                doc.record,
                doc.series,
                doc.year,
                doc.sequence,
                doc.number,
                doc.record_sha256,
                doc.issued_at,
                doc.issued_by
            ],
        )?;
        write_audit(
            &tx,
            &Audit {
                detail: &doc.number,
                ..*audit
            },
        )?;
        tx.commit()?;
        Ok((doc, true))
    }

    fn documents(&self, record: &str) -> Result<Vec<Document>> {
        let conn = self.conn()?;
        conn.execute_batch(SCHEMA)?;
        let mut st = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM documents WHERE record = ?1 ORDER BY seq"
        ))?;
        let rows = st.query_map([record], row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
