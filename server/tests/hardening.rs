//! The server under hostile clients, over real sockets: slow and idle connections (slow-loris
//! headers, bodies that never end, sockets that send nothing) while `/healthz` must keep
//! answering; per-address rate limits on sign-in and uploads; memory after a flood of failed
//! sign-ins (RSS measured and printed); the headers of API answers; the modes of the files
//! holding the data. Flood clients use their own loopback addresses (127.0.0.2-4), as other
//! hosts would, so the per-address bounds apply to them and not to the health check.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use serde_json::json;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

/// A connection from `src` (a loopback address of its own).
async fn connect_from(src: &str, addr: &str) -> std::io::Result<TcpStream> {
    let s = TcpSocket::new_v4()?;
    s.bind(format!("{src}:0").parse::<SocketAddr>().unwrap())?;
    s.connect(addr.parse().unwrap()).await
}

/// One request from `src`; the status and the raw answer (status 0: no answer).
async fn raw_from(src: &str, addr: &str, head: &str, body: &[u8]) -> (u16, String) {
    let Ok(mut s) = connect_from(src, addr).await else {
        return (0, String::new());
    };
    let req = format!(
        "{head}\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(req.as_bytes()).await;
    let _ = s.write_all(body).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// Wait until the server closes `s` (or `limit` passes): how long it took.
/// How long after `since` (the socket's own connect: on a loaded machine 400 connects take a
/// while, and a socket refused at once must not look held) the server closed it; None when still
/// open at `deadline`.
async fn closed_after(mut s: TcpStream, since: Instant, deadline: Instant) -> Option<Duration> {
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline.into(), s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(since.elapsed()),
            Ok(Ok(_)) => {} // an answer (408, 400...): the close follows
        }
    }
}

#[test]
fn slow_and_idle_clients_cannot_hold_the_server() {
    let srv = start(
        data_dir(),
        &[
            "--header-timeout",
            "2",
            "--idle-timeout",
            "2",
            "--body-timeout",
            "4",
            "--body-gap",
            "2",
            "--max-connections-per-address",
            "100",
        ],
    );
    let token = sign_in(&srv.addr, "qiye");
    let addr = srv.addr.clone();
    runtime().block_on(async move {
        let start = Instant::now();
        let window = Duration::from_secs(9);
        let mut idle = Vec::new();
        // 400 sockets that never send a byte, from one address: 100 held at most.
        for _ in 0..400 {
            if let Ok(s) = connect_from("127.0.0.2", &addr).await {
                idle.push(tokio::spawn(closed_after(s, Instant::now(), start + window)));
            }
        }
        // 100 slow-loris clients: a header line a second, never the end of the head.
        let mut loris = Vec::new();
        for _ in 0..100 {
            let addr = addr.clone();
            loris.push(tokio::spawn(async move {
                let mut s = connect_from("127.0.0.3", &addr).await.ok()?;
                s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.ok()?;
                let begun = Instant::now();
                for n in 0..20 {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if s.write_all(format!("X-Slow-{n}: 1\r\n").as_bytes()).await.is_err() {
                        return Some(begun.elapsed());
                    }
                }
                None
            }));
        }
        // 30 uploads whose body never ends: a byte a second of a 100 MB body.
        let mut bodies = Vec::new();
        for _ in 0..30 {
            let (addr, token) = (addr.clone(), token.clone());
            bodies.push(tokio::spawn(async move {
                let mut s = connect_from("127.0.0.4", &addr).await.ok()?;
                let head = format!("POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n[");
                s.write_all(head.as_bytes()).await.ok()?;
                let begun = Instant::now();
                let mut answer = Vec::new();
                for _ in 0..20 {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    let mut buf = [0u8; 1024];
                    if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(1), s.read(&mut buf)).await {
                        answer.extend_from_slice(&buf[..n]);
                        if n == 0 {
                            break;
                        }
                    }
                    if s.write_all(b" ").await.is_err() {
                        break;
                    }
                }
                Some((begun.elapsed(), String::from_utf8_lossy(&answer).into_owned()))
            }));
        }
        // Meanwhile the health check, from its own address, every 100 ms.
        let mut worst = Duration::ZERO;
        let mut checks = 0;
        while start.elapsed() < Duration::from_secs(8) {
            let t = Instant::now();
            let (status, _) = tokio::time::timeout(
                Duration::from_secs(2),
                raw_from("127.0.0.1", &addr, "GET /healthz HTTP/1.1", b""),
            )
            .await
            .unwrap_or((0, String::new()));
            assert_eq!(status, 200, "/healthz did not answer within 2 s under the flood");
            worst = worst.max(t.elapsed());
            checks += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut idle_closed = Vec::new();
        for h in idle {
            idle_closed.push(h.await.unwrap());
        }
        // Over the per-address bound: closed at once; within it: closed once idle for 2 s.
        let at_once = idle_closed.iter().flatten().filter(|d| **d < Duration::from_secs(1)).count();
        let held: Vec<Duration> = idle_closed.iter().flatten().filter(|d| **d >= Duration::from_secs(1)).copied().collect();
        assert!(idle_closed.iter().all(Option::is_some), "an idle socket stayed open");
        assert!(held.len() <= 100, "{} idle sockets held from one address", held.len());
        assert!(held.iter().all(|d| *d < Duration::from_secs(5)), "{held:?}");
        let mut loris_cut = Vec::new();
        for h in loris {
            loris_cut.push(h.await.unwrap());
        }
        assert!(loris_cut.iter().all(|d| d.is_some_and(|d| d < Duration::from_secs(6))), "{loris_cut:?}");
        let mut body_cut = Vec::new();
        for h in bodies {
            body_cut.push(h.await.unwrap().unwrap());
        }
        assert!(body_cut.iter().all(|(d, _)| *d < Duration::from_secs(8)), "{body_cut:?}");
        assert!(body_cut.iter().any(|(_, a)| a.contains("unreadable_body")), "{body_cut:?}");
        println!(
            "flood: {} idle sockets (closed at once over the per-address bound: {at_once}, held then closed when idle: {}), \
             100 slow-loris (cut after {:.1}-{:.1} s), 30 endless bodies (cut after {:.1}-{:.1} s); \
             /healthz answered {checks} of {checks}, slowest {} ms",
            idle_closed.len(),
            held.len(),
            loris_cut.iter().flatten().min().unwrap().as_secs_f64(),
            loris_cut.iter().flatten().max().unwrap().as_secs_f64(),
            body_cut.iter().map(|(d, _)| *d).min().unwrap().as_secs_f64(),
            body_cut.iter().map(|(d, _)| *d).max().unwrap().as_secs_f64(),
            worst.as_millis()
        );
    });
}

#[test]
fn sign_in_and_uploads_are_rate_limited_per_address() {
    let srv = start(
        data_dir(),
        &["--sign-ins-per-minute", "5", "--uploads-per-minute", "3"],
    );
    let addr = srv.addr.clone();
    runtime().block_on(async move {
        let creds = |p: &str| json!({"username": "qiye", "password": p}).to_string();
        let sign_in_from = |src: &'static str, p: String| {
            let addr = addr.clone();
            async move {
                raw_from(src, &addr, "POST /api/v1/auth/token HTTP/1.1\r\nContent-Type: application/json", p.as_bytes()).await
            }
        };
        for _ in 0..5 {
            let (status, _) = sign_in_from("127.0.0.1", creds("wrong")).await;
            assert_eq!(status, 401);
        }
        // The sixth in the minute: refused before any password work, with when to retry.
        let (status, text) = sign_in_from("127.0.0.1", creds(PASSWORD)).await;
        assert_eq!(status, 429, "{text}");
        assert!(text.contains("rate_limited") && text.to_ascii_lowercase().contains("retry-after:"), "{text}");
        // Another address is not held back.
        let (status, text) = sign_in_from("127.0.0.2", creds(PASSWORD)).await;
        assert_eq!(status, 200, "{text}");
        let body = text.split("\r\n\r\n").nth(1).unwrap();
        let token = serde_json::from_str::<serde_json::Value>(body).unwrap()["token"].as_str().unwrap().to_string();
        let upload = |n: usize| {
            let (addr, token) = (addr.clone(), token.clone());
            async move {
                let head = format!("POST /api/v1/submissions HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json");
                raw_from("127.0.0.2", &addr, &head, submission(&uuid(n), 30.0).to_string().as_bytes()).await.0
            }
        };
        let statuses = [upload(1).await, upload(2).await, upload(3).await, upload(4).await];
        assert_eq!(statuses, [200, 200, 200, 429]);
        // Reading is not an upload.
        let head = format!("GET /api/v1/submissions HTTP/1.1\r\nAuthorization: Bearer {token}");
        assert_eq!(raw_from("127.0.0.2", &addr, &head, b"").await.0, 200);
    });
}

#[test]
fn api_answers_are_never_cached_or_sniffed() {
    let srv = start(data_dir(), &[]);
    let token_answer = call(
        &srv.addr,
        "POST",
        "/api/v1/auth/token",
        None,
        &json!({"username": "qiye", "password": PASSWORD}).to_string(),
    );
    let token = token_answer.json()["token"].as_str().unwrap().to_string();
    let answers = [
        token_answer,
        call(&srv.addr, "GET", "/api/v1/me", Some(&token), ""),
        call(&srv.addr, "GET", "/api/v1/submissions", Some(&token), ""),
        call(&srv.addr, "GET", "/api/v1/submissions", None, ""),
        call(&srv.addr, "GET", "/api/v1/nothing-here", Some(&token), ""),
    ];
    for r in &answers {
        let h = r.headers.to_ascii_lowercase();
        assert!(h.contains("cache-control: no-store"), "{h}");
        assert!(h.contains("x-content-type-options: nosniff"), "{h}");
    }
}

/// RSS of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn failed_sign_in_floods_leave_memory_bounded() {
    let srv = start(data_dir(), &["--sign-ins-per-minute", "0"]);
    let at_start = rss_kib(srv.child.id());
    // Warm: a few sign-ins (each worker's memory is touched once).
    for _ in 0..4 {
        sign_in(&srv.addr, "qiye");
    }
    let before = rss_kib(srv.child.id());
    let bad = json!({"username": "qiye", "password": "not the password"}).to_string();
    let unknown = json!({"username": "nobody", "password": "x"}).to_string();
    let (mut refused, mut busy) = (0, 0);
    let mut after_rounds = Vec::new();
    for round in 0..4 {
        // 50-way floods: 200 sign-ins in all, half for an unknown account.
        let handles: Vec<_> = (0..50)
            .map(|n| {
                let (addr, body) = (
                    srv.addr.clone(),
                    if n % 2 == 0 {
                        bad.clone()
                    } else {
                        unknown.clone()
                    },
                );
                std::thread::spawn(move || {
                    call(&addr, "POST", "/api/v1/auth/token", None, &body).status
                })
            })
            .collect();
        for h in handles {
            match h.join().unwrap() {
                401 => refused += 1,
                503 => busy += 1,
                s => panic!("round {round}: status {s}"),
            }
        }
        after_rounds.push(rss_kib(srv.child.id()));
    }
    let after = *after_rounds.last().unwrap();
    let peak = *after_rounds.iter().max().unwrap();
    println!(
        "failed sign-ins: {refused} refused, {busy} busy (503); RSS at start {} MiB, after 4 sign-ins {} MiB, after each 50 failed: {:?} MiB, after {} MiB",
        at_start / 1024,
        before / 1024,
        after_rounds.iter().map(|k| k / 1024).collect::<Vec<_>>(),
        after / 1024
    );
    assert!(refused > 0);
    // Two Argon2 workers at 19 MiB each whatever the load: a bounded rise, no growth per round.
    assert!(
        peak < before + 80 * 1024,
        "RSS grew from {before} KiB to {peak} KiB"
    );
    assert!(
        after <= after_rounds[0] + 16 * 1024,
        "RSS kept growing: {after_rounds:?} KiB"
    );
}

#[cfg(unix)]
#[test]
fn the_database_and_the_passwords_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    if common::sqlite_only("the_database_and_the_passwords_are_readable_by_the_owner_only") {
        return;
    }
    let dir = data_dir();
    let srv = start(dir.clone(), &[]);
    let t = sign_in(&srv.addr, "qiye");
    assert_eq!(
        call(
            &srv.addr,
            "POST",
            "/api/v1/submissions",
            Some(&t),
            &submission(&uuid(1), 30.0).to_string()
        )
        .status,
        200
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    for f in [
        "paicha.sqlite3",
        "paicha.sqlite3-wal",
        "paicha.sqlite3-shm",
        "demo-accounts.txt",
    ] {
        assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
    }
    // A database an older server left readable is tightened at start.
    drop(srv);
    std::fs::set_permissions(
        dir.join("paicha.sqlite3"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let _again = start(dir.clone(), &[]);
    assert_eq!(mode(&dir.join("paicha.sqlite3")), 0o600);
}
