//! Accounts and the SHA-256 of the bearer tokens given out at sign-in, in PostgreSQL: every node
//! reads the same rows, so a token made on one node is valid on every node, and a revoked or
//! disabled one nowhere.

use super::{write_audit, Postgres};
use crate::storage::{Account, AccountChange, AccountStore, Audit, Result, Role};
use r2d2_postgres::postgres::Row;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    uscc TEXT,
    regions TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES accounts (username),
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tokens_username ON tokens (username);
";

const ACCOUNT_COLUMNS: &str = "username, role, name, uscc, regions, password_hash, disabled";

fn account_row(r: &Row) -> (Account, String) {
    let role: String = r.get(1);
    let regions: String = r.get(4);
    (
        Account {
            username: r.get(0),
            role: Role::parse(&role).unwrap_or(Role::Enterprise),
            name: r.get(2),
            uscc: r.get(3),
            regions: regions
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            disabled: r.get(6),
        },
        r.get(5),
    )
}

impl AccountStore for Postgres {
    fn account_count(&self) -> Result<i64> {
        self.read(|c| Ok(c.query_one("SELECT count(*) FROM accounts", &[])?.get(0)))
    }

    fn create_account(&self, a: &Account, hash: &str, audit: &Audit<'_>) -> Result<bool> {
        self.write(|tx| {
            let n = tx.execute(
                "INSERT INTO accounts (username, role, name, uscc, regions, password_hash, disabled)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (username) DO NOTHING",
                &[
                    &a.username,
                    &a.role.as_str(),
                    &a.name,
                    &a.uscc,
                    &a.regions.join(","),
                    &hash,
                    &a.disabled,
                ],
            )?;
            if n == 1 {
                write_audit(tx, audit)?;
            }
            Ok(n == 1)
        })
    }

    fn account(&self, username: &str) -> Result<Option<(Account, String)>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = $1");
        self.read(|c| Ok(c.query_opt(&sql, &[&username])?.as_ref().map(account_row)))
    }

    fn accounts(&self) -> Result<Vec<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY username COLLATE \"C\"");
        self.read(|c| {
            Ok(c.query(&sql, &[])?
                .iter()
                .map(|r| account_row(r).0)
                .collect())
        })
    }

    fn update_account(
        &self,
        username: &str,
        c: &AccountChange,
        audit: &Audit<'_>,
    ) -> Result<Option<Account>> {
        let select = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = $1");
        self.write(|tx| {
            // Locked: two admins changing one account on two nodes take turns.
            if tx
                .query_opt(
                    "SELECT 1 FROM accounts WHERE username = $1 FOR UPDATE",
                    &[&username],
                )?
                .is_none()
            {
                return Ok(None);
            }
            if let Some(h) = &c.password_hash {
                tx.execute(
                    "UPDATE accounts SET password_hash = $2 WHERE username = $1",
                    &[&username, h],
                )?;
                // A new password ends the sessions of the old one.
                tx.execute("DELETE FROM tokens WHERE username = $1", &[&username])?;
            }
            if let Some(r) = &c.regions {
                tx.execute(
                    "UPDATE accounts SET regions = $2 WHERE username = $1",
                    &[&username, &r.join(",")],
                )?;
            }
            if let Some(n) = &c.name {
                tx.execute(
                    "UPDATE accounts SET name = $2 WHERE username = $1",
                    &[&username, n],
                )?;
            }
            if let Some(d) = c.disabled {
                tx.execute(
                    "UPDATE accounts SET disabled = $2 WHERE username = $1",
                    &[&username, &d],
                )?;
                if d {
                    tx.execute("DELETE FROM tokens WHERE username = $1", &[&username])?;
                }
            }
            write_audit(tx, audit)?;
            Ok(tx
                .query_opt(&select, &[&username])?
                .as_ref()
                .map(|r| account_row(r).0))
        })
    }

    fn put_token(&self, hash: &str, username: &str, expires_at: &str) -> Result<()> {
        let now = chrono::Utc::now().to_rfc3339();
        self.write(|tx| {
            // Expired tokens are of no use to anyone: drop them as new ones are made.
            tx.execute("DELETE FROM tokens WHERE expires_at < $1", &[&now])?;
            tx.execute(
                "INSERT INTO tokens (hash, username, expires_at) VALUES ($1, $2, $3)",
                &[&hash, &username, &expires_at],
            )?;
            Ok(())
        })
    }

    fn token(&self, hash: &str) -> Result<Option<(Account, String)>> {
        self.read(|c| {
            Ok(c.query_opt(
                "SELECT a.username, a.role, a.name, a.uscc, a.regions, t.expires_at, a.disabled
                 FROM tokens t JOIN accounts a ON a.username = t.username WHERE t.hash = $1",
                &[&hash],
            )?
            .as_ref()
            .map(account_row))
        })
    }

    fn revoke_token(&self, hash: &str, audit: &Audit<'_>) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM tokens WHERE hash = $1", &[&hash])?;
            write_audit(tx, audit)
        })
    }
}
