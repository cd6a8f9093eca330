//! The database of a test server, read (or tampered with) behind the server's back, whichever
//! backend it runs on: the SQLite file in its data directory, or its PostgreSQL database. The
//! SQL given is plain enough for both.

use std::path::Path;

pub enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
}

impl Db {
    /// The database of the server whose data directory is `dir`.
    pub fn open(dir: &Path) -> Db {
        if super::pg::enabled() {
            let url = std::fs::read_to_string(dir.join("test-database-url")).unwrap();
            Db::Postgres(Box::new(
                postgres::Client::connect(&url, postgres::NoTls).unwrap(),
            ))
        } else {
            Db::Sqlite(rusqlite::Connection::open(dir.join("paicha.sqlite3")).unwrap())
        }
    }

    /// The first column of every row, as text.
    pub fn strings(&mut self, sql: &str) -> Vec<String> {
        match self {
            Db::Sqlite(c) => c
                .prepare(sql)
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect(),
            Db::Postgres(c) => c
                .query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect(),
        }
    }

    /// One integer (a count, a length).
    pub fn int(&mut self, sql: &str) -> i64 {
        match self {
            Db::Sqlite(c) => c.query_row(sql, [], |r| r.get(0)).unwrap(),
            Db::Postgres(c) => {
                let r = c.query_one(sql, &[]).unwrap();
                r.try_get::<_, i64>(0)
                    .or_else(|_| r.try_get::<_, i32>(0).map(i64::from))
                    .unwrap()
            }
        }
    }

    /// Run a statement; the database's refusal as text.
    pub fn execute(&mut self, sql: &str) -> Result<(), String> {
        match self {
            Db::Sqlite(c) => c.execute(sql, []).map(|_| ()).map_err(|e| e.to_string()),
            Db::Postgres(c) => c.execute(sql, &[]).map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}
