//! Work lines of accounts (a table of their own, so the accounts table is left as it is) and the
//! `created` event of an entry.

use super::{write_audit, Sqlite};
use crate::followup::FollowStore;
use crate::storage::{Audit, Result};
use paicha::ledger::Line;
use rusqlite::{params, OptionalExtension};

pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS account_lines (
    username TEXT PRIMARY KEY REFERENCES accounts (username),
    line TEXT NOT NULL
);";

impl FollowStore for Sqlite {
    fn account_line(&self, username: &str) -> Result<Option<Line>> {
        let conn = self.conn()?;
        let line: Option<String> = conn
            .prepare_cached("SELECT line FROM account_lines WHERE username = ?1")?
            .query_row([username], |r| r.get(0))
            .optional()?;
        Ok(line.as_deref().and_then(Line::parse))
    }

    fn set_account_line(
        &self,
        username: &str,
        line: Option<Line>,
        audit: &Audit<'_>,
    ) -> Result<bool> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let known = tx
            .query_row(
                "SELECT 1 FROM accounts WHERE username = ?1",
                [username],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !known {
            return Ok(false);
        }
        match line {
            Some(l) => tx.execute(
                "INSERT INTO account_lines (username, line) VALUES (?1, ?2)
                 ON CONFLICT (username) DO UPDATE SET line = excluded.line",
                params![username, l.as_str()],
            )?,
            None => tx.execute("DELETE FROM account_lines WHERE username = ?1", [username])?,
        };
        write_audit(&tx, audit)?;
        tx.commit()?;
        Ok(true)
    }

    fn created_body(&self, entry: &str) -> Result<Option<String>> {
        let conn = self.conn()?;
        let body = conn
            .prepare_cached("SELECT body FROM events WHERE entry = ?1 AND kind = 'created'")?
            .query_row([entry], |r| r.get(0))
            .optional()?;
        Ok(body)
    }
}
