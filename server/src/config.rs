//! The server's configuration: every flag with its environment variable, in one place (clap).
//! A value that does not parse is an error naming it, from a flag or from the environment alike
//! (it never silently becomes the default); `--help` lists everything.

use clap::Parser;
use std::path::PathBuf;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "paicha-server",
    version,
    about = "The paicha sync server: upload API, re-validation with the core, SQLite storage, and the web app's files"
)]
pub struct Config {
    /// Address to listen on (`127.0.0.1:0` picks a free port; the address is printed).
    #[arg(long, env = "PAICHA_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,

    /// Directory of the database, the attachments and the demo accounts file.
    #[arg(long, env = "PAICHA_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Store in PostgreSQL rather than SQLite under the data directory: `postgres://user:password@host:port/db`
    /// (several nodes may share one database).
    #[arg(long, env = "PAICHA_DATABASE", hide_env_values = true, value_parser = database)]
    pub database: Option<String>,

    /// Connections each node keeps to PostgreSQL at most.
    #[arg(long, env = "PAICHA_DATABASE_POOL", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub database_pool: u32,

    /// Largest request body in bytes (a batch of records).
    #[arg(long, env = "PAICHA_MAX_BODY", default_value_t = 16 * 1024 * 1024)]
    pub max_body: usize,

    /// Largest attachment in bytes.
    #[arg(long, env = "PAICHA_MAX_ATTACHMENT", default_value_t = 20 * 1024 * 1024)]
    pub max_attachment: u64,

    /// How long a sign-in stays valid, in seconds.
    #[arg(long, env = "PAICHA_TOKEN_TTL", default_value_t = 7 * 24 * 3600,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub token_ttl: i64,

    /// Serve the web app's staged files from this directory beside the API.
    #[arg(long, env = "PAICHA_WEB_ROOT")]
    pub web_root: Option<PathBuf>,

    /// An origin (portal embedding the app) allowed to call the API and frame the app; repeat
    /// the flag, or comma-separate them in the variable. Named, never `*`.
    #[arg(long = "allow-origin", env = "PAICHA_ALLOW_ORIGINS", value_delimiter = ',',
          value_parser = origin)]
    pub origins: Vec<String>,

    /// Password of the demo accounts made on first start (random ones when not given).
    #[arg(long, env = "PAICHA_DEMO_PASSWORD", hide_env_values = true)]
    pub demo_password: Option<String>,

    /// Unfinished attachment uploads untouched this many seconds are dropped at start.
    #[arg(long, env = "PAICHA_PARTIAL_TTL", default_value_t = 7 * 24 * 3600)]
    pub partial_ttl: u64,

    /// Connections open at once; more are closed as they arrive. Keep it below `ulimit -n`.
    #[arg(long, env = "PAICHA_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// Connections open at once from one address (0: no bound).
    #[arg(
        long,
        env = "PAICHA_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 128
    )]
    pub max_connections_per_address: u32,

    /// Seconds a client has to send a request's headers.
    #[arg(long, env = "PAICHA_HEADER_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,

    /// Seconds a client has to send a request's body (an attachment resumes where it stopped).
    #[arg(long, env = "PAICHA_BODY_TIMEOUT", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout: u64,

    /// Longest pause, in seconds, between two parts of a request body.
    #[arg(long, env = "PAICHA_BODY_GAP", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub body_gap: u64,

    /// Seconds a connection may stay open with nothing being sent or answered.
    #[arg(long, env = "PAICHA_IDLE_TIMEOUT", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,

    /// Sign-in attempts a minute from one address (0: no limit).
    #[arg(long, env = "PAICHA_SIGN_INS_PER_MINUTE", default_value_t = 20)]
    pub sign_ins_per_minute: u32,

    /// Uploads (POST, PUT, PATCH under /api/) a minute from one address (0: no limit).
    #[arg(long, env = "PAICHA_UPLOADS_PER_MINUTE", default_value_t = 1200)]
    pub uploads_per_minute: u32,

    /// Seconds a ledger event may be dated past the server's clock when it arrives.
    #[arg(long, env = "PAICHA_MAX_CLOCK_SKEW", default_value_t = 600)]
    pub max_clock_skew: u32,

    /// Bytes of unfinished attachment uploads one account may have at once.
    #[arg(long, env = "PAICHA_QUOTA_UNFINISHED", default_value_t = 200 * 1024 * 1024)]
    pub quota_unfinished: u64,

    /// Bytes of malformed records (kept for review) one account may leave.
    #[arg(long, env = "PAICHA_QUOTA_REJECTED", default_value_t = 20 * 1024 * 1024)]
    pub quota_rejected: u64,
}

/// An allowed origin: a wildcard would let any site drive the API with a user's token.
fn origin(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s == "*" {
        return Err("origins are named (https://portal.example), not *".into());
    }
    Ok(s.to_string())
}

/// A PostgreSQL address (SQLite needs none: it lives in the data directory).
fn database(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.starts_with("postgres://") || s.starts_with("postgresql://") {
        Ok(s.to_string())
    } else {
        Err("a PostgreSQL address: postgres://user:password@host:port/database".into())
    }
}

impl Config {
    /// The configuration from the command line and the environment; `Err` carries clap's
    /// message (and `--help`/`--version`, which are printed and exit 0).
    pub fn load() -> Result<Config, clap::Error> {
        let mut c = Config::try_parse()?;
        c.origins.retain(|o| !o.is_empty());
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        Config::try_parse_from(std::iter::once("paicha-server").chain(args.iter().copied()))
    }

    #[test]
    fn flags_parse_and_bad_values_are_errors() {
        let c = parse(&["--max-body", "100", "--allow-origin", "https://a.example"]);
        assert!(c
            .as_ref()
            .is_ok_and(|c| c.max_body == 100 && c.origins == ["https://a.example"]));
        assert!(parse(&["--max-body", "lots"]).is_err());
        assert!(parse(&["--token-ttl", "0"]).is_err());
        assert!(parse(&["--allow-origin", "*"]).is_err());
        assert!(parse(&["--no-such-flag"]).is_err());
        assert!(parse(&["--database", "mysql://x"]).is_err());
        assert!(parse(&["--database", "postgres://u@127.0.0.1:5432/paicha"])
            .is_ok_and(|c| c.database.as_deref() == Some("postgres://u@127.0.0.1:5432/paicha")));
        assert!(parse(&[]).is_ok_and(|c| c.database.is_none()));
    }
}
