//! `paicha-server`: the sync server. Listens on 127.0.0.1 by default, stores into SQLite under a
//! data directory, prints the address it listens on and, on first start, the demo accounts it
//! created (also written to `<data-dir>/demo-accounts.txt`, readable by the owner only).
//! Flags and their environment variables: `config.rs` (`paicha-server --help`).

use paicha_server::storage::{self, Account, Audit, Role, Storage};
use paicha_server::{api, app, argon, auth, config, guard, postgres, serve, sqlite};

use std::sync::Arc;

/// mimalloc rather than glibc's malloc: a quarter of a node's CPU time in the ingest benchmark
/// was malloc and free (`perf`; a batch makes and drops many small values: parsed records,
/// reports, events, rows), which mimalloc's per-thread free lists make cheaper: the nodes' CPU
/// per submission 0.229-0.230 -> 0.203-0.205 ms with two nodes on PostgreSQL in two sittings
/// (one node: 0.244 -> 0.193 in one, no change in the other; README, "Ingest"). The RSS
/// after the failed sign-ins of `tests/hardening.rs` is lower with it too (87 MiB, 109 with
/// glibc's; the Argon2 workers' memory is allocated once either way, `argon.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

/// Print a line, ignoring a closed stdout: whoever started the server may stop reading its output
/// (`println!` would panic on the broken pipe and take the server down).
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Unfinished attachment uploads untouched for `max_age` seconds are dropped when the server
/// starts: their owner resumes from the first byte (the status then reports 0), and abandoned or
/// hostile partial uploads do not fill the disk for ever.
fn expire_partials(dir: &std::path::Path, max_age: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age.as_secs() > max_age);
        if old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The data directory, readable by the owner only (it holds the database, the attachments and
/// the demo passwords).
fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// A file only its owner can read (it holds passwords).
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)?.write_all(text.as_bytes())
}

/// On first start (no accounts yet): an enterprise, an inspector for its prefecture, a campaign
/// supervisor for the province, and an admin,
/// so the system can be tried at once. Returns them with their passwords.
fn demo_accounts(
    store: &dyn Storage,
    fixed: Option<&str>,
) -> Result<Vec<(Account, String)>, String> {
    if store.account_count().map_err(|e| e.0)? > 0 {
        return Ok(vec![]);
    }
    let accounts = [
        Account {
            username: "qiye".into(),
            role: Role::Enterprise,
            name: "贵阳示例车行".into(),
            uscc: Some("91520102MA6DK4L2XN".into()),
            regions: vec!["520102".into()],
            disabled: false,
        },
        Account {
            username: "jiancha".into(),
            role: Role::Inspector,
            name: "贵阳市市场监管局 检查员".into(),
            uscc: None,
            regions: vec!["520100".into()],
            disabled: false,
        },
        Account {
            username: "dudao".into(),
            role: Role::Supervisor,
            name: "贵州省市场监管局 专项行动督导".into(),
            uscc: None,
            regions: vec!["520000".into()],
            disabled: false,
        },
        Account {
            username: "admin".into(),
            role: Role::Admin,
            name: "管理员".into(),
            uscc: None,
            regions: vec![],
            disabled: false,
        },
    ];
    let at = chrono::Utc::now().to_rfc3339();
    let mut out = Vec::new();
    for a in accounts {
        let password = match fixed {
            Some(p) => p.to_string(),
            None => auth::new_password()?,
        };
        let hash = auth::hash_password(&password)?;
        let audit = Audit {
            at: &at,
            actor: "paicha-server",
            action: "account.create",
            target: &a.username,
            outcome: "ok",
            detail: "demo account on first start",
        };
        store.create_account(&a, &hash, &audit).map_err(|e| e.0)?;
        out.push((a, password));
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let c = match config::Config::load() {
        Ok(c) => c,
        Err(e) => {
            // `--help` and `--version` print to stdout and succeed; a bad flag or variable is
            // an error (exit 2) naming it.
            let _ = e.print();
            return std::process::ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    if let Err(e) = private_dir(&c.data_dir) {
        eprintln!("paicha-server: cannot create {}: {e}", c.data_dir.display());
        return std::process::ExitCode::from(2);
    }
    // PostgreSQL when `--database` names one, else SQLite in the data directory. Opened, and
    // the demo accounts made, off the async workers: the PostgreSQL client blocks.
    let (database, pool) = (c.database.clone(), c.database_pool);
    let sqlite_file = c.data_dir.join("paicha.sqlite3");
    let opened = tokio::task::spawn_blocking(move || -> storage::Result<Arc<dyn Storage>> {
        Ok(match database {
            Some(url) => Arc::new(postgres::Postgres::connect(&url, pool)?),
            None => Arc::new(sqlite::Sqlite::open(&sqlite_file)?),
        })
    })
    .await;
    let store = match opened {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            eprintln!("paicha-server: cannot open the database: {}", e.0);
            return std::process::ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("paicha-server: cannot open the database: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let (s, fixed) = (store.clone(), c.demo_password.clone());
    let demo =
        match tokio::task::spawn_blocking(move || demo_accounts(s.as_ref(), fixed.as_deref()))
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
        {
            Ok(d) => d,
            Err(e) => {
                eprintln!("paicha-server: cannot create the demo accounts: {e}");
                return std::process::ExitCode::from(2);
            }
        };
    let listener = match tokio::net::TcpListener::bind(&c.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("paicha-server: cannot listen on {}: {e}", c.addr);
            return std::process::ExitCode::from(2);
        }
    };
    match listener.local_addr() {
        Ok(a) => say(&format!("paicha-server listening on http://{a}")),
        Err(_) => say(&format!("paicha-server listening on http://{}", c.addr)),
    }
    if !demo.is_empty() {
        let lines: Vec<String> = demo
            .iter()
            .map(|(a, p)| {
                format!(
                    "demo account: username={} password={p} role={}{}",
                    a.username,
                    a.role.as_str(),
                    match a.role {
                        Role::Enterprise => format!(
                            " uscc={} regions={}",
                            a.uscc.clone().unwrap_or_default(),
                            a.regions.join(",")
                        ),
                        Role::Inspector | Role::Supervisor => {
                            format!(" regions={}", a.regions.join(","))
                        }
                        Role::Admin => String::new(),
                    }
                )
            })
            .collect();
        for l in &lines {
            say(l);
        }
        let file = c.data_dir.join("demo-accounts.txt");
        if write_private(&file, &(lines.join("\n") + "\n")).is_ok() {
            say(&format!(
                "(also in {}; change these passwords before real use)",
                file.display()
            ));
        }
    }
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    // Argon2 on one thread per core with memory of its own; sign-ins beyond twice that wait.
    let hasher = match argon::Hasher::start(cores, cores * 2 + 8) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("paicha-server: cannot start the password hasher: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    // Made once before the first sign-in (unknown accounts are verified against it).
    let _ = auth::dummy_hash();
    let rate = guard::RateLimits::new(c.sign_ins_per_minute, c.uploads_per_minute);
    let app = Arc::new(app::App {
        store,
        token_ttl: chrono::Duration::seconds(c.token_ttl),
        blobs: c.data_dir.join("attachments"),
        max_attachment: c.max_attachment,
        uploads: Default::default(),
        argon: Arc::new(tokio::sync::Semaphore::new(cores * 2)),
        hasher,
        rate,
        clock_skew: chrono::Duration::seconds(i64::from(c.max_clock_skew)),
        quotas: app::Quotas {
            unfinished_bytes: c.quota_unfinished,
            rejected_bytes: c.quota_rejected,
        },
    });
    // Now and then: forget addresses the rate limits no longer hold back, and drop unfinished
    // uploads left for `--partial-ttl` (their rows, so they stop counting against the quota,
    // and their bytes; then any partial file without a row). Once at start, then hourly.
    let partial_ttl = c.partial_ttl;
    let ttl = chrono::Duration::seconds(i64::try_from(partial_ttl).unwrap_or(i64::MAX));
    let a = app.clone();
    let _ = tokio::task::spawn_blocking(move || {
        if let Err(e) = api::attachments::expire_unfinished(&a, ttl) {
            eprintln!("paicha-server: expiring unfinished uploads: {}", e.0);
        }
        expire_partials(&a.blobs.join("partial"), partial_ttl);
        // Spot checks stored before unqualified results opened ledger entries get theirs
        // (idempotent: nothing is stored for a record its entry already mirrors).
        if let Err(e) = api::spot_entry::mirror_all(&a) {
            eprintln!(
                "paicha-server: opening the ledger entries of spot checks: {}",
                e.0
            );
        }
    })
    .await;
    let chores = app.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        every.tick().await;
        let mut n = 1u64;
        loop {
            every.tick().await;
            chores.rate.forget_idle();
            if n.is_multiple_of(60) {
                let a = chores.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    if let Err(e) = api::attachments::expire_unfinished(&a, ttl) {
                        eprintln!("paicha-server: expiring unfinished uploads: {}", e.0);
                    }
                    expire_partials(&a.blobs.join("partial"), partial_ttl);
                })
                .await;
            }
            n += 1;
        }
    });
    let router = api::router(app, c.max_body, c.web_root.as_deref(), &c.origins);
    let secs = std::time::Duration::from_secs;
    let limits = serve::Limits {
        max_connections: usize::try_from(c.max_connections).unwrap_or(1024),
        max_per_address: usize::try_from(c.max_connections_per_address).unwrap_or(0),
        header_timeout: secs(c.header_timeout),
        body_timeout: secs(c.body_timeout),
        body_gap: secs(c.body_gap),
        idle_timeout: secs(c.idle_timeout),
    };
    serve::serve(listener, router, limits, shutdown(), secs(10)).await;
    std::process::ExitCode::SUCCESS
}
