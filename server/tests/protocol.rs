//! The upload protocol over real HTTP, against the server binary started on a free loopback port
//! with its own data directory: idempotent retries, changed content, concurrent duplicates, the
//! server's own grading, bad bodies, and records surviving `kill -9`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Server {
    child: Child,
    addr: String,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static N: AtomicUsize = AtomicUsize::new(0);

fn data_dir() -> PathBuf {
    let n = N.fetch_add(1, Ordering::SeqCst);
    let d = std::env::temp_dir().join(format!("paicha-server-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn start(dir: PathBuf, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_paicha-server"))
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_string();
    Server { child, addr, dir }
}

/// One HTTP/1.1 request with `Connection: close`; returns status and body.
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    // A connection closed without a response counts as status 0.
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn submission(id: &str, speed: f64) -> Value {
    json!({"id": id, "product": "electric-bicycle", "form": "onsite_inspection", "link": "sales",
           "enterprise": {"uscc": "91520102MA6DK4L2XN", "name": "贵阳示例车行", "region": "520102"},
           "inspected_at": "2023-07-20T10:00:00+08:00", "answers": {"ebike.max_speed_kmh": speed}})
}

const ID: &str = "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10";

#[test]
fn a_retry_stores_nothing_new_and_changed_content_is_a_conflict_kept_for_review() {
    let srv = start(data_dir(), &[]);
    let body = submission(ID, 30.0).to_string();
    let (s1, b1) = http(&srv.addr, "POST", "/api/v1/submissions", &body);
    assert_eq!(s1, 200, "{b1}");
    assert_eq!(
        serde_json::from_str::<Value>(&b1).unwrap()["status"],
        "stored"
    );
    // The same content again, with other spacing and key order: a duplicate.
    let reordered = serde_json::to_string_pretty(&submission(ID, 30.0)).unwrap();
    let (s2, b2) = http(&srv.addr, "POST", "/api/v1/submissions", &reordered);
    assert_eq!(
        (
            s2,
            serde_json::from_str::<Value>(&b2).unwrap()["status"].clone()
        ),
        (200, json!("duplicate"))
    );
    // Other content under the same id: 409, and the first version stays.
    let (s3, b3) = http(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        &submission(ID, 24.0).to_string(),
    );
    assert_eq!(s3, 409, "{b3}");
    assert_eq!(
        serde_json::from_str::<Value>(&b3).unwrap()["code"],
        "changed_content"
    );
    let (s4, b4) = http(&srv.addr, "GET", &format!("/api/v1/submissions/{ID}"), "");
    assert_eq!(s4, 200);
    let rec: Value = serde_json::from_str(&b4).unwrap();
    assert_eq!(
        rec["submission"]["answers"]["ebike.max_speed_kmh"],
        json!(30.0)
    );
    assert_eq!(rec["conflicting_versions"].as_array().unwrap().len(), 1);
}

#[test]
fn concurrent_uploads_of_one_id_store_it_once() {
    let srv = start(data_dir(), &[]);
    let body = submission(ID, 30.0).to_string();
    let statuses: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                s.spawn(|| {
                    let (code, b) = http(&srv.addr, "POST", "/api/v1/submissions", &body);
                    assert_eq!(code, 200, "{b}");
                    serde_json::from_str::<Value>(&b).unwrap()["status"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| *s == "stored").count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| *s == "duplicate").count(), 15);
}

#[test]
fn the_server_grades_for_itself() {
    let srv = start(data_dir(), &[]);
    let mut sub = submission(ID, 30.0);
    sub["meta"] = json!({"client_report": {"level": "none", "findings": []}});
    let (code, b) = http(&srv.addr, "POST", "/api/v1/submissions", &sub.to_string());
    assert_eq!(code, 200);
    let r: Value = serde_json::from_str(&b).unwrap();
    assert_eq!(r["report"]["level"], "major");
    assert_eq!(r["report"]["findings"][0]["item"], "ebike.max_speed_kmh");
}

#[test]
fn batches_give_a_result_per_record() {
    let srv = start(data_dir(), &[]);
    let other = "0b8e4c52-8d7a-4f6e-b1c3-5e9f2a7d6c41";
    let batch = json!([submission(ID, 30.0), submission(other, 20.0), {"answers": {}}]);
    let (code, b) = http(&srv.addr, "POST", "/api/v1/submissions", &batch.to_string());
    assert_eq!(code, 200, "{b}");
    let r: Value = serde_json::from_str(&b).unwrap();
    let statuses: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["stored", "stored", "rejected"]);
    // The rejected record comes back with the core's report saying why.
    assert!(r["results"][2]["report"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["path"] == "/id"));
}

#[test]
fn bad_bodies_get_problem_details() {
    let srv = start(data_dir(), &["--max-body", "2000"]);
    for (body, status, code) in [
        ("{not json", 400, "invalid_json"),
        (&"x".repeat(5000)[..], 413, "too_large"),
    ] {
        let (s, b) = http(&srv.addr, "POST", "/api/v1/submissions", body);
        assert_eq!(s, status, "{b}");
        let p: Value = serde_json::from_str(&b).unwrap();
        assert_eq!(p["code"], code);
        assert!(p["detail"]["zh"].as_str().is_some_and(|z| !z.is_empty()));
    }
    let (s, b) = http(&srv.addr, "GET", "/api/v1/submissions/none-such", "");
    assert_eq!(
        (
            s,
            serde_json::from_str::<Value>(&b).unwrap()["code"].clone()
        ),
        (404, json!("not_found"))
    );
}

#[test]
fn acknowledged_records_survive_kill_9() {
    let dir = data_dir();
    let mut srv = start(dir.clone(), &[]);
    let ids: Vec<String> = (0..20)
        .map(|i| format!("6f1c2a9e-3b7d-4c1e-9a55-{i:012}"))
        .collect();
    for id in &ids {
        let (code, _) = http(
            &srv.addr,
            "POST",
            "/api/v1/submissions",
            &submission(id, 30.0).to_string(),
        );
        assert_eq!(code, 200);
    }
    srv.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    srv.child.wait().unwrap();
    let again = start(srv.dir.clone(), &[]);
    for id in &ids {
        let (code, b) = http(&again.addr, "GET", &format!("/api/v1/submissions/{id}"), "");
        assert_eq!(code, 200, "{id} lost: {b}");
    }
}

#[test]
fn the_web_app_is_served_beside_the_api() {
    let web = data_dir();
    std::fs::create_dir_all(web.join("www")).unwrap();
    std::fs::write(
        web.join("www/index.html"),
        "<!doctype html><title>paicha</title>",
    )
    .unwrap();
    let srv = start(data_dir(), &["--web-root", web.to_str().unwrap()]);
    let (code, body) = http(&srv.addr, "GET", "/www/index.html", "");
    assert_eq!((code, body.contains("<title>paicha</title>")), (200, true));
    // Unknown API paths stay problem details, not files.
    let (code, body) = http(&srv.addr, "GET", "/api/v1/nope", "");
    assert_eq!(code, 404);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["code"],
        "not_found"
    );
    // No way out of the web root.
    let (code, _) = http(&srv.addr, "GET", "/../Cargo.toml", "");
    assert_ne!(code, 200);
}
