//! Document numbers in SQLite: the last number of each series and year in `doc_numbers`.
//!
//! The number is taken inside the caller's transaction, together with the record it numbers: if
//! that transaction rolls back, so does the number, so no number is ever skipped; and the upsert
//! takes the row's write lock, so two requests at once cannot get the same number (SQLite has one
//! writer).
//!
//! Use: `let n = numbering::next_number(&tx, "520102/rectification_order", 2026)?;` then store the
//! numbered record in the same `tx` and commit; `crate::numbering::format_number` writes it.

use rusqlite::{params, Connection, Transaction};

/// The table: the last number given in each series and year.
pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS doc_numbers (
    series TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (series, year)
);";

/// Create the table if it is not there (also done by [`next_number`] itself).
pub(super) fn create_table(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)
}

/// The next number of `series` in `year` (1 for the first), taken inside `tx`: it is given for
/// good only when `tx` commits.
pub(super) fn next_number(tx: &Transaction<'_>, series: &str, year: i32) -> rusqlite::Result<i64> {
    // Cheap when the table exists (no schema change), and lets any caller use numbering without
    // a migration of its own.
    create_table(tx)?;
    tx.prepare_cached(
        "INSERT INTO doc_numbers (series, year, last) VALUES (?1, ?2, 1)
         ON CONFLICT (series, year) DO UPDATE SET last = last + 1
         RETURNING last",
    )?
    .query_row(params![series, year], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn numbers_run_per_series_and_year_and_roll_back_with_the_transaction() {
        let mut conn = Connection::open_in_memory().unwrap();
        let take = |conn: &mut Connection, series: &str, year: i32, commit: bool| {
            let tx = conn.transaction().unwrap();
            let n = next_number(&tx, series, year).unwrap();
            if commit {
                tx.commit().unwrap();
            }
            n
        };
        assert_eq!(take(&mut conn, "a", 2026, true), 1);
        assert_eq!(take(&mut conn, "a", 2026, true), 2);
        // Another series and another year start at 1.
        assert_eq!(take(&mut conn, "b", 2026, true), 1);
        assert_eq!(take(&mut conn, "a", 2027, true), 1);
        // A transaction that does not commit gives its number back: no gap.
        assert_eq!(take(&mut conn, "a", 2026, false), 3);
        assert_eq!(take(&mut conn, "a", 2026, true), 3);
    }
}
