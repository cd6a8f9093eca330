//! Ingest on PostgreSQL against SQLite, in one run on one machine: the workload of `ingest.rs`
//! (the 38-answer e-bike on-site fixture with 4 findings, each record opening 4 ledger entries,
//! re-validated and graded by the release server) sent over loopback HTTP to (1) one node on
//! SQLite, (2) one node on PostgreSQL, (3) two nodes on the same PostgreSQL database, the clients
//! split between them. PostgreSQL is a cluster of its own started here (Debian's package,
//! `initdb` in a temporary directory, a free port) with its durable defaults (`fsync`,
//! `synchronous_commit = on`), as SQLite runs with `synchronous = FULL`. Prints submissions/s,
//! batch latency p50/p99 and the ratios. Figures only, no assertions.
//!
//! Measured (2-core machine shared with another test run; 5,000 submissions, batches of 100, 4
//! clients): SQLite 1,695/s (batch p50 224 ms, p99 460 ms); PostgreSQL one node 37/s (p50 8.2 s,
//! p99 26.8 s); two nodes 41/s (p50 8.5 s, p99 35.6 s); PostgreSQL / SQLite 0.02, two nodes / one
//! node 1.11. One client, 500 submissions: 1,626/s, 93/s, 117/s; 2,000 submissions, 4 clients:
//! 1,999/s, 117/s, 41/s (two nodes / one 0.35). The writers wait on each other's
//! `campaign_counts` rows (every record here is the same enterprise and product), so on
//! PostgreSQL the transactions run one at a time. After the counters' fewer round trips
//! (5b299df), 5,000 submissions, a more loaded machine: 790/s, 41/s, 35/s (two nodes / one 0.85).
//! After a batch became a fixed number of statements (1.15 per submission, 50.4 before; README,
//! "Ingest"), 5,000 submissions, 4 clients, load average 7-8: SQLite 669/s (p50 512 ms,
//! p99 1,326 ms), PostgreSQL one node 584/s (p50 652 ms, p99 952 ms), two nodes 584/s (p50
//! 612 ms, p99 1,053 ms): PostgreSQL / SQLite 0.87, two nodes / one node 1.00. One client, 500
//! submissions: 1,353/s, 382/s, 370/s. With the feed's positions apart from the events
//! (2026-12-03, `postgres/feed.rs`), the machine mostly the benchmark's: 2,019-2,111/s,
//! 1,716-2,231/s, 2,185-2,370/s (README, "Ingest", with main's figures in the same sitting).
//! With reports and events made once, two reads fewer, plain inserts of a batch's new rows and
//! mimalloc (2026-12-04; alternate binaries, load average 2-6, the benchmark getting 56-92% of
//! the machine): two nodes' CPU per submission, nodes 0.262-0.288 -> 0.18-0.29 ms, PostgreSQL
//! 0.35-0.52 -> 0.30-0.40 ms, in all 0.62-0.81 -> 0.49-0.70 ms; two nodes 1,569-3,158/s, p99
//! 231-509 ms (main in the same sittings 1,615-2,910/s, p99 210-544 ms); with the machine nearly
//! the benchmark's (load average 1.4-4.2): two nodes 3,154-3,463/s, p99 196-220 ms (main
//! 1,892-2,834/s, p99 242-703 ms), in all 0.518-0.558 ms per submission (main 0.624-0.734).
//!
//! Also printed: the CPU time per submission of the clients (this process), the nodes and the
//! PostgreSQL cluster (`/proc`), and how busy the whole machine was (other work shares it). With
//! `PAICHA_BENCH_PG_STATS=1` the cluster loads `pg_stat_statements` and the server time of each
//! statement of the two-node run is printed (total, calls, mean, rows), lock waits included,
//! and the bodies' mean sizes as sent and as stored, with their compression. Always printed:
//! the WAL the two-node run wrote per submission (a figure other load does not change).
//!
//!   cargo build --release -p paicha-server
//!   cargo run --release -p paicha-server --example ingest_postgres -- [N] [BATCH] [CLIENTS]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_nodelay(true).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: b\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let status = String::from_utf8_lossy(&out[..12.min(out.len())])
        .split(' ')
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    (status, out)
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

/// A server node; its address.
fn node(bin: &Path, dir: &Path, database: Option<&str>) -> (Child, String) {
    let mut cmd = Command::new(bin);
    // Clients on one address stand for many devices: the per-address upload limit is off.
    cmd.args([
        "--addr",
        "127.0.0.1:0",
        "--uploads-per-minute",
        "0",
        "--data-dir",
    ])
    .arg(dir)
    .env("PAICHA_DEMO_PASSWORD", "bench-password")
    .stdout(Stdio::piped());
    if let Some(url) = database {
        cmd.args(["--database", url]);
    }
    let mut child = cmd
        .spawn()
        .expect("build the release server first: cargo build --release -p paicha-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_string();
    (child, addr)
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

fn pg(program: &str) -> Command {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed (scripts/setup installs it)")
        .flatten()
        .map(|e| e.path().join("bin"))
        .find(|p| p.join("initdb").exists())
        .expect("no initdb");
    let mut c = Command::new("runuser");
    c.args(["-u", "postgres", "--"]).arg(bin.join(program));
    c
}

/// A PostgreSQL cluster with its durable defaults; its directory and port.
/// With `PAICHA_BENCH_PG_LOG=<file>` every statement is logged with its duration
/// (`log_min_duration_statement = 0`: parse, bind and execute lines) and the log is copied to
/// `<file>` at the end, to count statements and server time per submission (slower run).
fn cluster() -> (PathBuf, u16) {
    let dir = std::env::temp_dir().join(format!("paicha-bench-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    assert!(Command::new("chown")
        .arg("postgres")
        .arg(&dir)
        .status()
        .unwrap()
        .success());
    let data = dir.join("data");
    assert!(pg("initdb")
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C"])
        .stdout(Stdio::null())
        .status()
        .unwrap()
        .success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    assert!(pg("pg_ctl")
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("log"))
        .arg("-o")
        .arg(format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB{}",
            dir.display(),
            if std::env::var_os("PAICHA_BENCH_PG_LOG").is_some() {
                " -c log_min_duration_statement=0 -c log_line_prefix=%d:"
            } else if std::env::var_os("PAICHA_BENCH_PG_STATS").is_some() {
                " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
            } else {
                ""
            }
        ))
        .args(["-w", "start"])
        .stdout(Stdio::null())
        .status()
        .unwrap()
        .success());
    (dir, port)
}

/// CPU seconds (user + system) a process used: its own, and with `children` those of its
/// children that ended and were waited for (`/proc/<pid>/stat`, in clock ticks of 1/100 s,
/// Linux's `USER_HZ` on every architecture it runs on).
fn cpu_of(pid: u32, children: bool) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name in parentheses (which may hold spaces): state is 0.
    let f: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, r)| r.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    let own = ticks(11) + ticks(12);
    (if children {
        own + ticks(13) + ticks(14)
    } else {
        own
    }) / 100.0
}

/// CPU seconds of a PostgreSQL cluster: the postmaster (with the backends that ended) and every
/// live process it started (the pooled connections' backends, the WAL writer, the checkpointer).
fn cluster_cpu(postmaster: u32) -> f64 {
    let parent = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    let live: f64 = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| parent(pid) == Some(postmaster))
        .map(|pid| cpu_of(pid, false))
        .sum();
    cpu_of(postmaster, true) + live
}

/// Where the CPU time goes: the processes measured, each read before and after a run.
struct Cpu {
    nodes: Vec<u32>,
    postmaster: Option<u32>,
}

impl Cpu {
    /// Seconds of CPU so far: the clients (this process), the nodes, PostgreSQL.
    fn read(&self) -> [f64; 3] {
        [
            cpu_of(std::process::id(), false),
            self.nodes.iter().map(|&p| cpu_of(p, false)).sum(),
            self.postmaster.map(cluster_cpu).unwrap_or(0.0),
        ]
    }
}

/// Run one statement with psql on the cluster; what it printed (unaligned, tuples only).
fn sql(port: u16, db: &str, statement: &str) -> String {
    let out = pg("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-d",
            db,
        ])
        .args(["-qAtc", statement])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Run {
    rate: f64,
    p50: f64,
    p99: f64,
    /// CPU milliseconds per submission: clients, nodes, PostgreSQL.
    cpu: [f64; 3],
    /// The machine's CPU time the run had, in core-seconds (wall time x cores), and what all the
    /// processes of the machine used of it (`/proc/stat`: other developers' builds included).
    wall: f64,
    busy: f64,
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Core-seconds the whole machine spent busy so far (`/proc/stat`, first line: all but idle
/// and iowait), in ticks of 1/100 s.
fn machine_busy() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let f: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let all: f64 = f.iter().sum();
    (all - f.get(3).unwrap_or(&0.0) - f.get(4).unwrap_or(&0.0)) / 100.0
}

/// Upload the bodies from `clients` clients, client `c` to node `c % nodes`.
fn ingest(addrs: &[String], bodies: &[Vec<u8>], n: usize, clients: usize, cpu: &Cpu) -> Run {
    let cred = json!({"username": "admin", "password": "bench-password"}).to_string();
    let (_, out) = http(
        &addrs[0],
        "POST",
        "/api/v1/auth/token",
        None,
        cred.as_bytes(),
    );
    let text = String::from_utf8_lossy(&out).into_owned();
    let token: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    let (c0, m0) = (cpu.read(), machine_busy());
    let t0 = Instant::now();
    let mut lat: Vec<Duration> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let (addr, token) = (&addrs[c % addrs.len()], &token);
                sc.spawn(move || {
                    let mut lat = Vec::new();
                    for body in bodies.iter().skip(c).step_by(clients) {
                        let t = Instant::now();
                        let (status, out) =
                            http(addr, "POST", "/api/v1/submissions", Some(token), body);
                        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&out));
                        lat.push(t.elapsed());
                    }
                    lat
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let wall = t0.elapsed();
    let (c1, m1) = (cpu.read(), machine_busy());
    let per = |i: usize| (c1[i] - c0[i]) * 1000.0 / n as f64;
    Run {
        rate: n as f64 / wall.as_secs_f64(),
        p50: pct(&mut lat, 0.5),
        p99: pct(&mut lat, 0.99),
        cpu: [per(0), per(1), per(2)],
        wall: wall.as_secs_f64() * cores() as f64,
        busy: m1 - m0,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let batch: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    let clients: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(4);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bin = target.join("release/paicha-server");
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(
            root.join("tests/fixtures/ebike-2025-lithium-no-battery-ccc.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let template = fixture["submission"].clone();
    let bodies: Vec<Vec<u8>> = (0..n)
        .step_by(batch)
        .map(|start| {
            let b: Vec<Value> = (start..(start + batch).min(n))
                .map(|i| {
                    let mut r = template.clone();
                    r["id"] = json!(format!("6f1c2a9e-3b7d-4c1e-9a55-{i:012}"));
                    r
                })
                .collect();
            serde_json::to_vec(&b).unwrap()
        })
        .collect();
    println!(
        "ingest on PostgreSQL and SQLite: {n} submissions (4 ledger entries each), batches of {batch}, {clients} clients, HTTP on loopback, one machine"
    );
    let tmp = std::env::temp_dir().join(format!("paicha-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);

    let (child, addr) = node(&bin, &tmp.join("sqlite"), None);
    let cpu = Cpu {
        nodes: vec![child.id()],
        postmaster: None,
    };
    let sqlite = ingest(&[addr], &bodies, n, clients, &cpu);
    stop(child);

    let (pg_dir, port) = cluster();
    let psql = |db: &str| {
        sql(port, "postgres", &format!("CREATE DATABASE {db}"));
        format!("postgres://postgres@127.0.0.1:{port}/{db}")
    };
    let one = psql("one_node");
    let (child, addr) = node(&bin, &tmp.join("pg1"), Some(&one));
    let postmaster = std::fs::read_to_string(pg_dir.join("data/postmaster.pid"))
        .ok()
        .and_then(|s| s.lines().next()?.trim().parse().ok());
    let cpu = Cpu {
        nodes: vec![child.id()],
        postmaster,
    };
    let pg1 = ingest(&[addr], &bodies, n, clients, &cpu);
    stop(child);

    let two = psql("two_nodes");
    let stats = std::env::var_os("PAICHA_BENCH_PG_STATS").is_some();
    if stats {
        sql(port, "two_nodes", "CREATE EXTENSION pg_stat_statements");
        sql(port, "two_nodes", "SELECT pg_stat_statements_reset()");
    }
    let (a, addr_a) = node(&bin, &tmp.join("pg2a"), Some(&two));
    let (b, addr_b) = node(&bin, &tmp.join("pg2b"), Some(&two));
    let cpu = Cpu {
        nodes: vec![a.id(), b.id()],
        postmaster,
    };
    // The WAL the two-node run wrote (the whole cluster's; nothing else writes to it meanwhile):
    // a measure of the database's work that other load on the machine does not change.
    let lsn = || {
        sql(port, "postgres", "SELECT pg_current_wal_lsn()")
            .trim()
            .to_string()
    };
    let wal0 = lsn();
    let pg2 = ingest(&[addr_a, addr_b], &bodies, n, clients, &cpu);
    let wal = sql(
        port,
        "postgres",
        &format!("SELECT pg_wal_lsn_diff('{}', '{wal0}')::bigint", lsn()),
    );
    let wal_per = wal.trim().parse::<f64>().unwrap_or(0.0) / n as f64;
    stop(a);
    stop(b);
    if stats {
        // Server time per statement of the two nodes' run (the schema's statements at start
        // included, a few ms): where the database's part of a batch goes, lock waits included.
        println!("  PostgreSQL, two nodes: statements by total time (ms total, calls, ms per call, rows)");
        print!(
            "{}",
            sql(
                port,
                "two_nodes",
                "SELECT round(total_exec_time)::text || ' | ' || calls || ' | ' ||
                    round((total_exec_time / calls)::numeric, 2) || ' | ' || rows || ' | ' ||
                    left(regexp_replace(query, '\\s+', ' ', 'g'), 110)
                 FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                 WHERE d.datname = 'two_nodes' ORDER BY total_exec_time DESC LIMIT 16"
            )
        );
        // What the rows written hold: a text over about 2 KB is compressed as it is stored
        // (pglz unless the column says lz4), which is CPU time of the inserts.
        println!("  PostgreSQL, two nodes: bodies (table, rows, mean bytes, mean bytes stored, compression)");
        for table in [
            "submissions",
            "events",
            "ledger_entries",
            "campaign_entries",
        ] {
            print!(
                "  {}",
                sql(
                    port,
                    "two_nodes",
                    &format!(
                        "SELECT '{table} | ' || count(*) || ' | ' || round(avg(octet_length(body)))
                            || ' | ' || round(avg(pg_column_size(body))) || ' | '
                            || coalesce(string_agg(DISTINCT pg_column_compression(body), ','), '-')
                         FROM {table}"
                    )
                )
            );
        }
    }

    for (name, r) in [
        ("SQLite, one node", &sqlite),
        ("PostgreSQL, one node", &pg1),
        ("PostgreSQL, two nodes", &pg2),
    ] {
        println!(
            "  {name:<22} {:>6.0} submissions/s, batch p50 {:.1} ms, p99 {:.1} ms",
            r.rate, r.p50, r.p99
        );
        let total: f64 = r.cpu.iter().sum();
        println!(
            "  {:<22} CPU per submission: clients {:.3} ms, nodes {:.3} ms, PostgreSQL {:.3} ms, \
             total {:.3} ms (a ceiling of {:.0}/s on {} cores); the machine was busy {:.0}% of \
             the run, these processes {:.0}%",
            "",
            r.cpu[0],
            r.cpu[1],
            r.cpu[2],
            total,
            cores() as f64 * 1000.0 / total,
            cores(),
            100.0 * r.busy / r.wall,
            100.0 * total / 1000.0 * r.rate / cores() as f64
        );
    }
    println!(
        "  {:<22} WAL per submission: {wal_per:.0} bytes",
        "PostgreSQL, two nodes"
    );
    println!(
        "  ratio PostgreSQL / SQLite: one node {:.2}, two nodes {:.2}; two nodes / one node {:.2}",
        pg1.rate / sqlite.rate,
        pg2.rate / sqlite.rate,
        pg2.rate / pg1.rate
    );
    let _ = pg("pg_ctl")
        .arg("-D")
        .arg(pg_dir.join("data"))
        .args(["-m", "fast", "stop"])
        .stdout(Stdio::null())
        .status();
    if let Some(to) = std::env::var_os("PAICHA_BENCH_PG_LOG") {
        std::fs::copy(pg_dir.join("log"), to).unwrap();
    }
    let _ = std::fs::remove_dir_all(&pg_dir);
    let _ = std::fs::remove_dir_all(&tmp);
}
