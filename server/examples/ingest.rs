//! Ingest benchmark: realistic submissions (the 38-answer e-bike on-site fixture with 4 findings, so
//! each opens 4 ledger entries; each record with its own
//! id) uploaded over HTTP on loopback to the release server, which re-validates and grades every
//! one and stores it with `synchronous = FULL`. Prints records/s, batch latency p50/p99, single
//! uploads, and the database size per 10,000 submissions. Figures only, no assertions.
//!
//!   cargo build --release -p paicha-server
//!   cargo run --release -p paicha-server --example ingest -- [N] [BATCH] [CLIENTS]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn post(addr: &str, token: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_nodelay(true).unwrap();
    write!(s, "POST /api/v1/submissions HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).unwrap();
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let batch: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    let clients: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
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
    let dir = std::env::temp_dir().join(format!("paicha-ingest-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(&bin)
        // Two clients on one address stand for many devices: the per-address upload limit is off.
        .args([
            "--addr",
            "127.0.0.1:0",
            "--uploads-per-minute",
            "0",
            "--data-dir",
        ])
        .arg(&dir)
        .env("PAICHA_DEMO_PASSWORD", "bench-password")
        .stdout(Stdio::piped())
        .spawn()
        .expect("build the release server first: cargo build --release -p paicha-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_string();
    let mut s = TcpStream::connect(&addr).unwrap();
    let cred = json!({"username": "admin", "password": "bench-password"}).to_string();
    write!(s, "POST /api/v1/auth/token HTTP/1.1\r\nHost: b\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{cred}", cred.len()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let token: Value = serde_json::from_str(out.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    let token = token["token"].as_str().unwrap().to_string();

    let record = |i: usize| {
        let mut r = template.clone();
        r["id"] = json!(format!("6f1c2a9e-3b7d-4c1e-9a55-{i:012}"));
        r
    };
    let bodies: Vec<Vec<u8>> = (0..n)
        .step_by(batch)
        .map(|start| {
            let b: Vec<Value> = (start..(start + batch).min(n)).map(record).collect();
            serde_json::to_vec(&b).unwrap()
        })
        .collect();
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    let t0 = Instant::now();
    let per_client: Vec<Vec<Duration>> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let (bodies, addr, token) = (&bodies, &addr, &token);
                sc.spawn(move || {
                    let mut lat = Vec::new();
                    for body in bodies.iter().skip(c).step_by(clients) {
                        let t = Instant::now();
                        let (status, out) = post(addr, token, body);
                        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&out));
                        lat.push(t.elapsed());
                    }
                    lat
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wall = t0.elapsed();
    let mut lat: Vec<Duration> = per_client.into_iter().flatten().collect();
    println!(
        "ingest: {n} submissions ({:.1} KB each), batches of {batch}, {clients} clients, HTTP on loopback",
        bytes as f64 / n as f64 / 1024.0
    );
    println!(
        "  {:.0} submissions/s re-validated and stored ({:.2} s)",
        n as f64 / wall.as_secs_f64(),
        wall.as_secs_f64()
    );
    println!(
        "  batch latency p50 {:.1} ms, p99 {:.1} ms",
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99)
    );
    // One record per request, one after another: what a phone draining a short outbox sees.
    let mut single = Vec::new();
    for i in 0..500 {
        let body = serde_json::to_vec(&record(n + i)).unwrap();
        let t = Instant::now();
        assert_eq!(post(&addr, &token, &body).0, 200);
        single.push(t.elapsed());
    }
    println!(
        "  single upload latency p50 {:.2} ms, p99 {:.2} ms",
        pct(&mut single, 0.5),
        pct(&mut single, 0.99)
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let db = dir.join("paicha.sqlite3");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .unwrap();
    drop(conn);
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!(
        "  database {:.1} MB for {} submissions: {:.1} MB per 10,000 (body, report, the ledger entries of its 4 findings, audit)",
        size as f64 / 1e6,
        n + 500,
        size as f64 / 1e6 / ((n + 500) as f64 / 10_000.0)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
