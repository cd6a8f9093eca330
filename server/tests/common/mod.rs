//! Starting the real server binary on a free loopback port with its own data directory, and a
//! small HTTP/1.1 client (each request on its own connection, so a test sees exactly what a
//! device would).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod db;
pub mod pg;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The password the demo accounts get in tests.
pub const PASSWORD: &str = "test-password-1";

pub struct Server {
    pub child: Child,
    pub addr: String,
    pub dir: PathBuf,
    /// Everything the server printed after its first line.
    pub banner: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static N: AtomicUsize = AtomicUsize::new(0);

pub fn data_dir() -> PathBuf {
    let n = N.fetch_add(1, Ordering::SeqCst);
    let d = std::env::temp_dir().join(format!("paicha-server-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

pub fn start(dir: PathBuf, extra: &[&str]) -> Server {
    start_env(dir, extra, Some(PASSWORD))
}

pub fn start_env(dir: PathBuf, extra: &[&str], password: Option<&str>) -> Server {
    let (database, fresh) = if pg::enabled() {
        // One database per data directory, kept across restarts of the server on it.
        let file = dir.join("test-database-url");
        let fresh = !file.exists();
        if fresh {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&file, pg::fresh_database()).unwrap();
        }
        (Some(std::fs::read_to_string(&file).unwrap()), fresh)
    } else {
        (None, !dir.join("paicha.sqlite3").exists())
    };
    launch(dir, extra, password, database.as_deref(), fresh)
}

/// A server node storing in the PostgreSQL database `database`, with a data directory of its
/// own (several nodes on one database: `tests/nodes.rs`). The first node on a database makes
/// the demo accounts; the others find them (no banner is read).
pub fn start_on(database: &str, extra: &[&str]) -> Server {
    launch(data_dir(), extra, Some(PASSWORD), Some(database), false)
}

fn launch(
    dir: PathBuf,
    extra: &[&str],
    password: Option<&str>,
    database: Option<&str>,
    fresh: bool,
) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_paicha-server"));
    cmd.args(["--addr", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .args(extra)
        .stdout(Stdio::piped());
    if let Some(url) = database {
        cmd.args(["--database", url]);
    }
    match password {
        Some(p) => cmd.env("PAICHA_DEMO_PASSWORD", p),
        None => cmd.env_remove("PAICHA_DEMO_PASSWORD"),
    };
    let mut child = cmd.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_string();
    // On first start the demo accounts follow: three lines and a note.
    let mut banner = Vec::new();
    while fresh && banner.len() < 4 {
        let mut l = String::new();
        if out.read_line(&mut l).unwrap_or(0) == 0 {
            break;
        }
        banner.push(l.trim().to_string());
    }
    Server {
        child,
        addr,
        dir,
        banner,
    }
}

/// A test of what SQLite itself keeps (its file, its modes, rows changed behind the server's
/// back): `true` (and a note) when this run stores in PostgreSQL, where it does not apply.
pub fn sqlite_only(test: &str) -> bool {
    if pg::enabled() {
        eprintln!("{test}: reads the SQLite file itself; not run on PostgreSQL");
    }
    pg::enabled()
}

pub struct Resp {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request; `headers` like `["Authorization: Bearer x"]`. A connection closed without a
/// response is status 0.
pub fn request(addr: &str, method: &str, path: &str, headers: &[String], body: &[u8]) -> Resp {
    let Ok(mut s) = TcpStream::connect(addr) else {
        // Nothing listening (a killed server): as a device sees it, no answer at all.
        return Resp {
            status: 0,
            headers: String::new(),
            body: vec![],
        };
    };
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(out.len());
    let head = String::from_utf8_lossy(&out[..split]).into_owned();
    let body = out.get(split + 4..).unwrap_or_default().to_vec();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Resp {
        status,
        headers: head,
        body,
    }
}

pub fn bearer(token: &str) -> String {
    format!("Authorization: Bearer {token}")
}

/// JSON request with a token (or none).
pub fn call(addr: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> Resp {
    let mut h = vec!["Content-Type: application/json".to_string()];
    if let Some(t) = token {
        h.push(bearer(t));
    }
    request(addr, method, path, &h, body.as_bytes())
}

pub fn sign_in(addr: &str, username: &str) -> String {
    let r = call(
        addr,
        "POST",
        "/api/v1/auth/token",
        None,
        &json!({"username": username, "password": PASSWORD}).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_string()
}

pub const USCC: &str = "91520102MA6DK4L2XN";

pub fn submission(id: &str, speed: f64) -> Value {
    submission_of(id, speed, USCC, "520102")
}

/// An enterprise's self-inspection (the form an enterprise account files).
pub fn submission_of(id: &str, speed: f64, uscc: &str, region: &str) -> Value {
    json!({"id": id, "product": "electric-bicycle", "form": "self_inspection", "link": "sales",
           "enterprise": {"uscc": uscc, "name": "贵阳示例车行", "region": region},
           "inspected_at": "2023-07-20T10:00:00+08:00", "answers": {"ebike.max_speed_kmh": speed}})
}

/// An inspector's on-site inspection (the form an inspector account files).
pub fn onsite(id: &str, speed: f64) -> Value {
    onsite_of(id, speed, USCC, "520102")
}

/// An inspector's on-site inspection of the same.
pub fn onsite_of(id: &str, speed: f64, uscc: &str, region: &str) -> Value {
    let mut v = submission_of(id, speed, uscc, region);
    v["form"] = json!("onsite_inspection");
    v
}

pub fn uuid(n: usize) -> String {
    format!("6f1c2a9e-3b7d-4c1e-9a55-{n:012}")
}

/// SHA-256 of bytes in hex: an attachment's name.
pub fn sha_hex(b: &[u8]) -> String {
    sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), b))
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// A valid on-site inspection graded major with three findings (a ledger entry each), of an
/// enterprise of `region` (`tests/fixtures/ebike-onsite-sales-speed-and-modification.json`).
pub fn inspection(id: &str, uscc: &str, region: &str) -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/ebike-onsite-sales-speed-and-modification.json"
    ))
    .unwrap();
    let mut s: Value = serde_json::from_str::<Value>(&text).unwrap()["submission"].clone();
    s["id"] = json!(id);
    s["enterprise"] = json!({"uscc": uscc, "region": region, "name": "示例车行"});
    s
}

/// The ids of every submission the account may see, page by page.
pub fn stored_ids(addr: &str, token: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after = String::new();
    loop {
        let r = call(
            addr,
            "GET",
            &format!("/api/v1/submissions?limit=500{after}"),
            Some(token),
            "",
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let page = r.json();
        for item in page["items"].as_array().unwrap() {
            ids.push(item["id"].as_str().unwrap().to_string());
        }
        match page["next"].as_str() {
            Some(n) => after = format!("&after={n}"),
            None => return ids,
        }
    }
}
