//! Register import benchmark: a province's register of N enterprises (default 50,000) spread over
//! the counties of Guizhou, as an XLSX made with rust_xlsxwriter in the template's layout (name,
//! USCC, county, address, people, phone, scale, products made and sold, a production licence or
//! CCC with dates, key-object flags), imported over HTTP on loopback into the release server, which
//! reads it, checks every row and stores every entry in one transaction. Then the same file again
//! (nothing changes) and a file with 1 % of the rows changed. Prints the phases measured in this
//! process (calamine read, the core's check) and the server's wall time and peak memory. Figures
//! only, no assertions.
//!
//!   cargo build --release -p paicha-server
//!   cargo run --release -p paicha-server --example register_import -- [N]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use paicha::campaign::import::{header_row, read_sheet};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Instant;

fn post(addr: &str, token: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "POST {path} HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    (
        status,
        text.split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_string(),
    )
}

/// Counties of Guizhou (a sample of its 88 county-level codes).
const COUNTIES: [&str; 24] = [
    "520102", "520103", "520111", "520112", "520113", "520115", "520121", "520122", "520123",
    "520181", "520201", "520203", "520221", "520281", "520302", "520303", "520304", "520322",
    "520402", "520403", "520502", "520602", "522301", "522601",
];
const PRODUCTS: [(&str, &str); 10] = [
    ("电动自行车", "电动自行车"),
    ("水泥", ""),
    ("", "钢筋"),
    ("电线电缆", "电线电缆"),
    ("", "家用燃气灶具、燃气用具连接用软管"),
    ("复合肥料", ""),
    ("", "灭火器、消防水带"),
    ("", "安全帽"),
    ("胶合板", ""),
    ("", "烟花爆竹"),
];

fn rows(n: usize, changed_every: usize) -> Vec<Vec<String>> {
    (0..n)
        .map(|i| {
            let county = COUNTIES[i % COUNTIES.len()];
            let uscc = paicha::ids::with_check_character(&format!("91{county}MA{i:07}")).unwrap();
            let (made, sold) = PRODUCTS[i % PRODUCTS.len()];
            let moved = changed_every > 0 && i % changed_every == 0;
            let mut r = vec![String::new(); header_row().len()];
            r[0] = (i + 1).to_string();
            r[1] = uscc;
            r[2] = format!(
                "贵州示例{}有限公司第{i}号",
                if made.is_empty() { "商贸" } else { "制造" }
            );
            r[3] = county.to_string();
            r[4] = format!(
                "贵州省某县某镇某路{}号{}",
                i % 500,
                if moved { "（新址）" } else { "" }
            );
            r[5] = "张三".into();
            r[6] = "李四".into();
            r[7] = format!("0851-{:08}", i);
            r[8] = ["小型", "微型", "中型"][i % 3].into();
            r[9] = made.into();
            r[10] = sold.into();
            r[11] = if i % 7 == 0 {
                "农村和城乡结合部".into()
            } else {
                String::new()
            };
            if !made.is_empty() {
                r[12] = format!("XK{:02}-001-{i:05}", i % 30);
                r[14] = "2022-03-01".into();
                r[15] = "2027-02-28".into();
            }
            r
        })
        .collect()
}

fn xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header_row().iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|x| x.parse().ok()))
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var("CARGO_TARGET_DIR").map_or_else(|_| root.join("target"), Into::into);
    let bin = target.join("release/paicha-server");
    let t = Instant::now();
    let file = xlsx(&rows(n, 0));
    let changed = xlsx(&rows(n, 100));
    println!(
        "register import: {n} enterprises, XLSX {:.1} MB (made in {:.2} s)",
        file.len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    // The phases, in this process, for the breakdown.
    let t = Instant::now();
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(file.clone())).unwrap();
    use calamine::Reader;
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let cells: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let read = t.elapsed();
    let t = Instant::now();
    let got = read_sheet(&cells, paicha::Catalogue::builtin());
    let check = t.elapsed();
    assert!(got.issues.is_empty(), "{:?}", got.issues.first());
    println!(
        "  calamine read {:.2} s, core check of every row {:.2} s ({:.1} µs/row)",
        read.as_secs_f64(),
        check.as_secs_f64(),
        check.as_secs_f64() * 1e6 / n as f64
    );

    let dir = std::env::temp_dir().join(format!("paicha-register-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(&bin)
        .args(["--addr", "127.0.0.1:0", "--data-dir"])
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

    for (what, body) in [
        ("first import", &file),
        ("same file again", &file),
        ("1 % of rows changed", &changed),
    ] {
        let t = Instant::now();
        let (status, text) = post(&addr, &token, "/api/v1/register/import", body);
        let wall = t.elapsed();
        assert_eq!(status, 200, "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        println!(
            "  {what}: {:.2} s over HTTP (read, checked, stored durably): new {}, changed {}, unchanged {}",
            wall.as_secs_f64(),
            v["new"],
            v["changed"],
            v["unchanged"]
        );
    }
    let db = std::fs::metadata(dir.join("paicha.sqlite3"))
        .map(|m| m.len())
        .unwrap_or(0)
        + std::fs::metadata(dir.join("paicha.sqlite3-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!(
        "  server peak memory {:.0} MB; database {:.1} MB",
        peak_kib(child.id()) as f64 / 1024.0,
        db as f64 / 1e6
    );
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
