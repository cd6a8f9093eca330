//! Numbered documents in PostgreSQL, as `sqlite/documents.rs`: the number is taken with
//! `numbering::next_number` in the transaction of the document row, and a record's document of
//! one kind is numbered once (`UNIQUE (kind, record)`). Two nodes numbering the same record at
//! once: the record's row lock (`lock_part`) makes the second wait and find the first's document, so no
//! number is taken and then thrown away (the series stays gap-free).

use super::{next_number, write_audit, Postgres};
use crate::documents::{DocKind, DocStore, Document, NewDocument, RecordRef};
use crate::numbering::format_number;
use crate::storage::{Audit, Result};
use r2d2_postgres::postgres::Row;

pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS documents (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    record TEXT NOT NULL,
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    sequence BIGINT NOT NULL,
    number TEXT NOT NULL,
    record_sha256 TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    UNIQUE (kind, record),
    UNIQUE (series, year, sequence)
);";

const COLUMNS: &str =
    "kind, record, series, year, sequence, number, record_sha256, issued_at, issued_by";

fn document(r: &Row) -> Document {
    let kind: &str = r.get(0);
    Document {
        kind: DocKind::parse(kind).unwrap_or(DocKind::InspectionRecord),
        record: r.get(1),
        series: r.get(2),
        year: r.get(3),
        sequence: r.get(4),
        number: r.get(5),
        record_sha256: r.get(6),
        issued_at: r.get(7),
        issued_by: r.get(8),
    }
}

impl DocStore for Postgres {
    fn record_ref(&self, id: &str) -> Result<Option<RecordRef>> {
        self.read(|c| {
            if let Some(r) = c.query_opt(
                "SELECT uscc, region, sha256 FROM submissions WHERE id = $1",
                &[&id],
            )? {
                return Ok(Some(RecordRef {
                    source: "submission",
                    kind: String::new(),
                    uscc: r.get(0),
                    region: r.get(1),
                    sha256: r.get(2),
                }));
            }
            for (sql, source) in [
                (
                    "SELECT kind, uscc, region, sha256 FROM events WHERE id = $1",
                    "event",
                ),
                (
                    "SELECT kind, uscc, region, sha256 FROM events WHERE entry = $1 AND kind = 'created'",
                    "entry",
                ),
            ] {
                if let Some(r) = c.query_opt(sql, &[&id])? {
                    return Ok(Some(RecordRef {
                        source,
                        kind: r.get(0),
                        uscc: r.get(1),
                        region: r.get(2),
                        sha256: r.get(3),
                    }));
                }
            }
            Ok(None)
        })
    }

    fn issue_document(&self, d: &NewDocument<'_>, audit: &Audit<'_>) -> Result<(Document, bool)> {
        self.write(|tx| {
            super::campaign_counts::lock_part(
                tx,
                "document",
                &format!("{}/{}", d.kind.as_str(), d.record),
            )?;
            if let Some(r) = tx.query_opt(
                &format!("SELECT {COLUMNS} FROM documents WHERE kind = $1 AND record = $2"),
                &[&d.kind.as_str(), &d.record],
            )? {
                return Ok((document(&r), false));
            }
            let series = format!("{}/{}", d.region, d.kind.as_str());
            let sequence = next_number(tx, &series, d.year)?;
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
                    "INSERT INTO documents ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                ),
                &[
                    &doc.kind.as_str(),
                    &doc.record,
                    &doc.series,
                    &doc.year,
                    &doc.sequence,
                    &doc.number,
                    &doc.record_sha256,
                    &doc.issued_at,
                    &doc.issued_by,
                ],
            )?;
            write_audit(
                tx,
                &Audit {
                    detail: &doc.number,
                    ..*audit
                },
            )?;
            Ok((doc, true))
        })
    }

    fn documents(&self, record: &str) -> Result<Vec<Document>> {
        self.read(|c| {
            Ok(c.query(
                &format!("SELECT {COLUMNS} FROM documents WHERE record = $1 ORDER BY seq"),
                &[&record],
            )?
            .iter()
            .map(document)
            .collect())
        })
    }
}
