//! A real PostgreSQL for the tests: one cluster per test binary (Debian's `postgresql`,
//! `initdb` in a temporary directory owned by the `postgres` user when the tests run as root, a
//! free loopback port), started on first use and stopped when the test binary exits (a watcher
//! process waits for it: a test binary has no hook that runs at its end), and a fresh database
//! for each server a test starts (`CREATE DATABASE`).
//!
//! The server's HTTP tests run on it when `PAICHA_TEST_BACKEND=postgres` (`common::start` passes
//! `--database`); `scripts/test` runs them once per backend. The cluster runs with `fsync=off`:
//! the tests kill server nodes, never the database, and the 2-core machine is shared.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

pub struct Cluster {
    pub port: u16,
    pub dir: PathBuf,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// Do this binary's servers store in PostgreSQL?
pub fn enabled() -> bool {
    std::env::var("PAICHA_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// The directory of the PostgreSQL programs (`/usr/lib/postgresql/<version>/bin`, the newest).
fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed (scripts/setup installs Debian's postgresql)")
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().expect("no initdb under /usr/lib/postgresql")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A PostgreSQL program, as the `postgres` user when we are root (it refuses to run as root).
fn pg_command(program: &str) -> Command {
    let path = bin_dir().join(program);
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn run(mut c: Command, what: &str) {
    let out = c.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The cluster of this test binary, started on first use.
pub fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("paicha-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres").arg(&dir);
                    c
                },
                "chown",
            );
        }
        let data = dir.join("data");
        let mut init = pg_command("initdb");
        init.arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        run(init, "initdb");
        let port = free_port();
        let mut start = pg_command("pg_ctl");
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("log"))
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=400 \
                 -c fsync=off -c full_page_writes=off -c synchronous_commit=off",
                dir.display()
            ))
            .args(["-w", "start"]);
        run(start, "pg_ctl start");
        // Stopped when this test binary exits, however it exits: the watcher outlives us, so it
        // is never waited for.
        let stop = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
             {runuser}{pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            runuser = if is_root() {
                "runuser -u postgres -- "
            } else {
                ""
            },
            pg_ctl = bin_dir().join("pg_ctl").display(),
            data = data.display(),
            dir = dir.display(),
        );
        #[allow(clippy::zombie_processes)]
        Command::new("setsid")
            .args(["sh", "-c", &stop])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the cluster's watcher");
        Cluster { port, dir }
    })
}

/// The address of a new, empty database in this binary's cluster.
pub fn fresh_database() -> String {
    let c = cluster();
    let name = format!(
        "paicha_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = postgres::Client::connect(
        &format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            c.port
        ),
        postgres::NoTls,
    )
    .expect("connect to the test cluster");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("CREATE DATABASE");
    format!("postgres://postgres@127.0.0.1:{}/{name}", c.port)
}

/// Restart this binary's cluster as an operator would (`pg_ctl restart -m fast`): every
/// connection is cut and the transactions in flight fail; it is back when this returns.
pub fn restart() {
    let c = cluster();
    let mut r = pg_command("pg_ctl");
    r.arg("-D")
        .arg(c.dir.join("data"))
        .arg("-l")
        .arg(c.dir.join("log"))
        .args(["-m", "fast", "-w", "restart"]);
    run(r, "pg_ctl restart");
}
