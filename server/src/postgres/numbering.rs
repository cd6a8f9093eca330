//! Document numbers (文书编号) in PostgreSQL: one sequence per series and year, gap-free and
//! unique across every node. The number is taken inside the caller's transaction, together with
//! the record it numbers: `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` locks the series' row
//! until that transaction ends, so a second node asking at the same moment waits and gets the
//! next number, and a transaction that rolls back gives its number back (no gap). A PostgreSQL
//! SEQUENCE would not do: it is not transactional, so a rollback leaves a gap.

use super::Tx;
use crate::storage::Result;

pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS doc_numbers (
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (series, year)
);";

/// The next number of `series` in `year` (1 for the first), given for good when `tx` commits.
/// Use: `let n = next_number(tx, "520102/rectification_order", 2026)?;`, store the numbered
/// record in the same `tx`, and write it with `crate::numbering::format_number`.
pub(crate) fn next_number(tx: &mut Tx<'_>, series: &str, year: i32) -> Result<i64> {
    Ok(tx
        .query_one(
            "INSERT INTO doc_numbers (series, year, last) VALUES ($1, $2, 1)
             ON CONFLICT (series, year) DO UPDATE SET last = doc_numbers.last + 1
             RETURNING last",
            &[&series, &year],
        )?
        .get(0))
}
