//! Work lines of accounts and the `created` event of an entry, in PostgreSQL.

use super::{write_audit, Postgres};
use crate::followup::FollowStore;
use crate::storage::{Audit, Result};
use paicha::ledger::Line;

pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS account_lines (
    username TEXT PRIMARY KEY REFERENCES accounts (username),
    line TEXT NOT NULL
);";

impl FollowStore for Postgres {
    fn account_line(&self, username: &str) -> Result<Option<Line>> {
        let line: Option<String> = self.read(|c| {
            Ok(c.query_opt(
                "SELECT line FROM account_lines WHERE username = $1",
                &[&username],
            )?
            .map(|r| r.get(0)))
        })?;
        Ok(line.as_deref().and_then(Line::parse))
    }

    fn set_account_line(
        &self,
        username: &str,
        line: Option<Line>,
        audit: &Audit<'_>,
    ) -> Result<bool> {
        self.write(|tx| {
            let known = tx
                .query_opt("SELECT 1 FROM accounts WHERE username = $1", &[&username])?
                .is_some();
            if !known {
                return Ok(false);
            }
            match line {
                Some(l) => tx.execute(
                    "INSERT INTO account_lines (username, line) VALUES ($1, $2)
                     ON CONFLICT (username) DO UPDATE SET line = excluded.line",
                    &[&username, &l.as_str()],
                )?,
                None => tx.execute(
                    "DELETE FROM account_lines WHERE username = $1",
                    &[&username],
                )?,
            };
            write_audit(tx, audit)?;
            Ok(true)
        })
    }

    fn created_body(&self, entry: &str) -> Result<Option<String>> {
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT body FROM events WHERE entry = $1 AND kind = 'created'",
                &[&entry],
            )?
            .map(|r| r.get(0)))
        })
    }
}
