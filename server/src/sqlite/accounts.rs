//! Accounts (role, enterprise or regions, Argon2id password hash) and the SHA-256 of the bearer
//! tokens given out at sign-in.

use super::audit::write_audit;
use super::Sqlite;
use crate::storage::{Account, AccountChange, AccountStore, Audit, Result, Role};
use rusqlite::{params, OptionalExtension};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    uscc TEXT,
    regions TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES accounts (username),
    expires_at TEXT NOT NULL
);
";

const ACCOUNT_COLUMNS: &str = "username, role, name, uscc, regions, password_hash, disabled";

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Account, String)> {
    let role: String = r.get(1)?;
    let regions: String = r.get(4)?;
    Ok((
        Account {
            username: r.get(0)?,
            role: Role::parse(&role).unwrap_or(Role::Enterprise),
            name: r.get(2)?,
            uscc: r.get(3)?,
            regions: regions
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            disabled: r.get(6)?,
        },
        r.get(5)?,
    ))
}

impl AccountStore for Sqlite {
    fn account_count(&self) -> Result<i64> {
        Ok(self
            .conn()?
            .query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))?)
    }

    fn create_account(&self, a: &Account, hash: &str, audit: &Audit<'_>) -> Result<bool> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let n = tx.execute(
            "INSERT INTO accounts (username, role, name, uscc, regions, password_hash, disabled)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (username) DO NOTHING",
            params![
                a.username,
                a.role.as_str(),
                a.name,
                a.uscc,
                a.regions.join(","),
                hash,
                a.disabled
            ],
        )?;
        if n == 1 {
            write_audit(&tx, audit)?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    fn account(&self, username: &str) -> Result<Option<(Account, String)>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = ?1"),
                params![username],
                account_row,
            )
            .optional()?)
    }

    fn accounts(&self) -> Result<Vec<Account>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY username"
        ))?;
        let rows = stmt.query_map([], account_row)?;
        Ok(rows
            .map(|r| r.map(|(a, _)| a))
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn update_account(
        &self,
        username: &str,
        c: &AccountChange,
        audit: &Audit<'_>,
    ) -> Result<Option<Account>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let exists = tx
            .query_row(
                "SELECT 1 FROM accounts WHERE username = ?1",
                params![username],
                |_| Ok(()),
            )
            .optional()?;
        if exists.is_none() {
            return Ok(None);
        }
        if let Some(h) = &c.password_hash {
            tx.execute(
                "UPDATE accounts SET password_hash = ?2 WHERE username = ?1",
                params![username, h],
            )?;
            // A new password ends the sessions of the old one.
            tx.execute("DELETE FROM tokens WHERE username = ?1", params![username])?;
        }
        if let Some(r) = &c.regions {
            tx.execute(
                "UPDATE accounts SET regions = ?2 WHERE username = ?1",
                params![username, r.join(",")],
            )?;
        }
        if let Some(n) = &c.name {
            tx.execute(
                "UPDATE accounts SET name = ?2 WHERE username = ?1",
                params![username, n],
            )?;
        }
        if let Some(d) = c.disabled {
            tx.execute(
                "UPDATE accounts SET disabled = ?2 WHERE username = ?1",
                params![username, d],
            )?;
            if d {
                tx.execute("DELETE FROM tokens WHERE username = ?1", params![username])?;
            }
        }
        write_audit(&tx, audit)?;
        let acc = tx
            .query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = ?1"),
                params![username],
                account_row,
            )
            .optional()?;
        tx.commit()?;
        Ok(acc.map(|(a, _)| a))
    }

    fn put_token(&self, hash: &str, username: &str, expires_at: &str) -> Result<()> {
        let conn = self.conn()?;
        // Expired tokens are of no use to anyone: drop them as new ones are made.
        conn.execute(
            "DELETE FROM tokens WHERE expires_at < ?1",
            params![chrono::Utc::now().to_rfc3339()],
        )?;
        conn.execute(
            "INSERT INTO tokens (hash, username, expires_at) VALUES (?1, ?2, ?3)",
            params![hash, username, expires_at],
        )?;
        Ok(())
    }

    fn token(&self, hash: &str) -> Result<Option<(Account, String)>> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT a.username, a.role, a.name, a.uscc, a.regions, t.expires_at, a.disabled
                 FROM tokens t JOIN accounts a ON a.username = t.username WHERE t.hash = ?1",
                params![hash],
                account_row,
            )
            .optional()?)
    }

    fn revoke_token(&self, hash: &str, audit: &Audit<'_>) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM tokens WHERE hash = ?1", params![hash])?;
        write_audit(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }
}
