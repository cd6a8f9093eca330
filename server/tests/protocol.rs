//! The upload protocol over real HTTP, against the server binary started on a free loopback port
//! with its own data directory: idempotent retries, changed content, concurrent duplicates, the
//! server's own grading, batches, resumable attachments, queries and CSV, records surviving
//! `kill -9` in the middle of a stream of uploads, and a graceful shutdown.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use serde_json::{json, Value};

const ID: &str = "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10";

fn post(addr: &str, token: &str, body: &Value) -> Resp {
    call(
        addr,
        "POST",
        "/api/v1/submissions",
        Some(token),
        &body.to_string(),
    )
}

#[test]
fn first_start_prints_demo_accounts_that_can_sign_in() {
    let dir = data_dir();
    let srv = start_env(dir.clone(), &[], None);
    let lines: Vec<&String> = srv
        .banner
        .iter()
        .filter(|l| l.starts_with("demo account:"))
        .collect();
    assert_eq!(lines.len(), 4, "{:?}", srv.banner);
    for (line, role) in lines
        .iter()
        .zip(["enterprise", "inspector", "supervisor", "admin"])
    {
        assert!(line.contains(&format!("role={role}")), "{line}");
        let field = |k: &str| {
            line.split(' ')
                .find_map(|w| w.strip_prefix(k))
                .unwrap()
                .to_string()
        };
        let r = call(
            &srv.addr,
            "POST",
            "/api/v1/auth/token",
            None,
            &json!({"username": field("username="), "password": field("password=")}).to_string(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["account"]["role"], role);
    }
    // The passwords are random, and a second start creates and prints nothing.
    assert!(!lines[0].contains(PASSWORD));
    drop(srv);
    let again = start_env(dir, &[], None);
    assert!(again.banner.is_empty());
}

#[test]
fn a_retry_stores_nothing_new_and_changed_content_is_a_conflict_kept_for_review() {
    let srv = start(data_dir(), &[]);
    let t = sign_in(&srv.addr, "qiye");
    let r1 = post(&srv.addr, &t, &submission(ID, 30.0));
    assert_eq!(
        (r1.status, r1.json()["status"].clone()),
        (200, json!("stored"))
    );
    // The same content again, with other spacing and key order: a duplicate.
    let reordered = serde_json::to_string_pretty(&submission(ID, 30.0)).unwrap();
    let r2 = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&t),
        &reordered,
    );
    assert_eq!(
        (r2.status, r2.json()["status"].clone()),
        (200, json!("duplicate"))
    );
    // Other content under the same id: 409, and the first version stays.
    let r3 = post(&srv.addr, &t, &submission(ID, 24.0));
    assert_eq!(r3.status, 409, "{}", r3.text());
    assert_eq!(r3.json()["code"], "changed_content");
    let r4 = call(
        &srv.addr,
        "GET",
        &format!("/api/v1/submissions/{ID}"),
        Some(&t),
        "",
    );
    assert_eq!(r4.status, 200);
    let rec = r4.json();
    // Stored in canonical form: 30.0 is the integer 30 (as a device's JSON.stringify writes it).
    assert_eq!(
        rec["submission"]["answers"]["ebike.max_speed_kmh"],
        json!(30)
    );
    assert_eq!(rec["conflicting_versions"].as_array().unwrap().len(), 1);
}

#[test]
fn concurrent_uploads_of_one_id_store_it_once() {
    let srv = start(data_dir(), &[]);
    let t = sign_in(&srv.addr, "qiye");
    let body = submission(ID, 30.0);
    let statuses: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                s.spawn(|| {
                    let r = post(&srv.addr, &t, &body);
                    assert_eq!(r.status, 200, "{}", r.text());
                    r.json()["status"].as_str().unwrap().to_string()
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
    let q = call(&srv.addr, "GET", "/api/v1/submissions", Some(&t), "").json();
    assert_eq!(q["items"].as_array().unwrap().len(), 1);
}

#[test]
fn the_server_grades_for_itself() {
    let srv = start(data_dir(), &[]);
    let t = sign_in(&srv.addr, "qiye");
    let mut sub = submission(ID, 30.0);
    sub["meta"] = json!({"client_report": {"level": "none", "findings": []}});
    let r = post(&srv.addr, &t, &sub).json();
    assert_eq!(r["report"]["level"], "major");
    assert_eq!(r["report"]["findings"][0]["item"], "ebike.max_speed_kmh");
    // Stored with the server's grade: a query by level finds it.
    let q = call(
        &srv.addr,
        "GET",
        "/api/v1/submissions?level=major",
        Some(&t),
        "",
    )
    .json();
    assert_eq!(q["items"][0]["id"], ID);
}

#[test]
fn batches_give_a_result_per_record_and_invalid_records_are_kept() {
    let srv = start(data_dir(), &[]);
    let t = sign_in(&srv.addr, "qiye");
    let other = "0b8e4c52-8d7a-4f6e-b1c3-5e9f2a7d6c41";
    let mut invalid = submission(other, 30.0);
    invalid["answers"]["ebike.max_speed_kmh"] = json!("fast");
    let batch = json!([submission(ID, 30.0), invalid, {"answers": {}}]);
    let r = post(&srv.addr, &t, &batch);
    assert_eq!(r.status, 200, "{}", r.text());
    let r = r.json();
    let statuses: Vec<(&str, u64)> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["status"].as_str().unwrap(),
                x["http_status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [("stored", 200), ("stored", 200), ("rejected", 400)]
    );
    // The record without an id comes back with the core's report saying why.
    assert!(r["results"][2]["report"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["path"] == "/id"));
    // The invalid one is stored and marked, not dropped.
    let q = call(
        &srv.addr,
        "GET",
        "/api/v1/submissions?valid=false",
        Some(&t),
        "",
    )
    .json();
    assert!(q["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == other && x["errors"].as_i64().unwrap() >= 1));
    let rec = call(
        &srv.addr,
        "GET",
        &format!("/api/v1/submissions/{other}"),
        Some(&t),
        "",
    )
    .json();
    assert_eq!(rec["report"]["valid"], false);
    assert!(rec["report"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["path"] == "/answers/ebike.max_speed_kmh" && e["code"] == "wrong_type"));
}

#[test]
fn queries_filter_page_and_export_csv_with_a_bom() {
    let srv = start(data_dir(), &[]);
    let t = sign_in(&srv.addr, "admin");
    let mut batch = Vec::new();
    for i in 0..7 {
        let mut s = submission_of(
            &uuid(i),
            if i % 2 == 0 { 30.0 } else { 20.0 },
            USCC,
            "520102",
        );
        s["inspected_at"] = json!(format!("2023-07-{:02}T10:00:00+08:00", 10 + i));
        s["enterprise"]["name"] = json!(if i == 6 {
            "=HYPERLINK(\"http://evil.example\",\"点击\")"
        } else {
            "贵阳示例车行, \"总店\""
        });
        batch.push(s);
    }
    assert_eq!(post(&srv.addr, &t, &json!(batch)).status, 200);
    let get = |q: &str| {
        call(
            &srv.addr,
            "GET",
            &format!("/api/v1/submissions?{q}"),
            Some(&t),
            "",
        )
    };
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect()
    };
    // Newest first, three at a time, the cursor leading on until the end.
    let p1 = get("limit=3").json();
    assert_eq!(ids(&p1), [uuid(6), uuid(5), uuid(4)]);
    let p2 = get(&format!("limit=3&after={}", p1["next"].as_str().unwrap())).json();
    assert_eq!(ids(&p2), [uuid(3), uuid(2), uuid(1)]);
    let p3 = get(&format!("limit=3&after={}", p2["next"].as_str().unwrap())).json();
    assert_eq!((ids(&p3), p3["next"].clone()), (vec![uuid(0)], Value::Null));
    // Filters: level, date range (inclusive, in the inspection's own offset), region prefix.
    assert_eq!(
        ids(&get("level=major&from=2023-07-12&to=2023-07-14").json()),
        [uuid(4), uuid(2)]
    );
    assert_eq!(
        ids(&get("region=520000&product=electric-bicycle&level=general").json()).len(),
        0
    );
    assert_eq!(ids(&get("region=520100").json()).len(), 7);
    assert_eq!(ids(&get("region=530000").json()).len(), 0);
    for bad in ["level=huge", "from=2023-02-30", "limit=0", "nonsense=1"] {
        let r = get(bad);
        assert_eq!(
            (r.status, r.json()["code"].clone()),
            (400, json!("invalid_query")),
            "{bad}"
        );
    }
    // CSV: BOM, header, one row per record, Chinese and quotes intact.
    let csv = get("format=csv&level=major");
    assert_eq!(csv.status, 200);
    assert!(csv
        .headers
        .to_ascii_lowercase()
        .contains("content-type: text/csv; charset=utf-8"));
    assert!(csv.body.starts_with(b"\xEF\xBB\xBF"));
    let mut rdr = csv::Reader::from_reader(&csv.body[3..]);
    assert_eq!(rdr.headers().unwrap().get(0), Some("id"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1].get(5), Some("贵阳示例车行, \"总店\""));
    // A name that a spreadsheet would run as a formula stays text.
    let all = get("format=csv");
    let mut rdr = csv::Reader::from_reader(&all.body[3..]);
    let first: csv::StringRecord = rdr.records().next().unwrap().unwrap();
    assert_eq!(
        first.get(5),
        Some("'=HYPERLINK(\"http://evil.example\",\"点击\")")
    );
    assert_eq!(rows[0].get(10), Some("major"));
}

#[test]
fn attachments_resume_after_a_dropped_connection_and_are_checked_against_their_name() {
    let srv = start(data_dir(), &[]);
    let t = sign_in(&srv.addr, "qiye");
    let photo: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sha = sha_hex(&photo);
    let path = format!("/api/v1/attachments/{sha}");
    let len = format!("Upload-Length: {}", photo.len());
    // The first part arrives, then the connection drops in the middle of the body.
    {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(&srv.addr).unwrap();
        write!(s, "PUT {path} HTTP/1.1\r\nHost: x\r\n{}\r\n{len}\r\nUpload-Offset: 0\r\nContent-Length: {}\r\n\r\n",
               bearer(&t), photo.len()).unwrap();
        s.write_all(&photo[..100_000]).unwrap();
        s.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
    } // dropped here
    let mut received = 0;
    for _ in 0..50 {
        let st = call(&srv.addr, "GET", &format!("{path}/status"), Some(&t), "").json();
        received = st["received"].as_u64().unwrap();
        if received == 100_000 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(received, 100_000);
    // A part sent from the wrong offset is refused with the offset to resume from.
    let wrong = request(
        &srv.addr,
        "PUT",
        &path,
        &[bearer(&t), len.clone(), "Upload-Offset: 0".into()],
        &photo[..10],
    );
    assert_eq!(
        (wrong.status, wrong.json()["received"].clone()),
        (409, json!(100_000))
    );
    // Resume from there: complete and verified.
    let rest = request(
        &srv.addr,
        "PUT",
        &path,
        &[bearer(&t), len.clone(), "Upload-Offset: 100000".into()],
        &photo[100_000..],
    );
    assert_eq!(rest.status, 201, "{}", rest.text());
    // Again: already there, nothing written.
    let again = request(&srv.addr, "PUT", &path, &[bearer(&t), len.clone()], &photo);
    assert_eq!(
        (again.status, again.json()["complete"].clone()),
        (200, json!(true))
    );
    let back = call(&srv.addr, "GET", &path, Some(&t), "");
    assert_eq!((back.status, back.body == photo), (200, true));
    // Bytes that are not what their name says are discarded.
    let liar = sha_hex(b"something else");
    let r = request(
        &srv.addr,
        "PUT",
        &format!("/api/v1/attachments/{liar}"),
        &[bearer(&t), "Upload-Length: 5".into()],
        b"hello",
    );
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (422, json!("hash_mismatch"))
    );
    let st = call(
        &srv.addr,
        "GET",
        &format!("/api/v1/attachments/{liar}/status"),
        Some(&t),
        "",
    );
    assert_eq!(st.status, 404);
    // A submission citing the photo lists it with the record.
    let mut sub = submission(ID, 20.0);
    sub["answers"]["qual.shop_photo"] = json!([{"sha256": sha, "name": "shop.jpg"}]);
    assert_eq!(post(&srv.addr, &t, &sub).status, 200);
    let rec = call(
        &srv.addr,
        "GET",
        &format!("/api/v1/submissions/{ID}"),
        Some(&t),
        "",
    )
    .json();
    assert_eq!(
        rec["attachments"],
        json!([{"sha256": sha, "complete": true, "size": photo.len()}])
    );
}

#[test]
fn acknowledged_records_survive_kill_9_during_a_stream_of_uploads() {
    let dir = data_dir();
    let mut srv = start(dir.clone(), &[]);
    let t = sign_in(&srv.addr, "qiye");
    let acked = std::sync::Mutex::new(Vec::new());
    let addr = srv.addr.clone();
    std::thread::scope(|s| {
        // Two devices upload as fast as they can while the server is killed under them.
        for dev in 0..2 {
            let (acked, addr, t) = (&acked, &addr, &t);
            s.spawn(move || {
                for i in 0..10_000 {
                    let id = uuid(dev * 100_000 + i);
                    let r = post(addr, t, &submission(&id, 30.0));
                    if r.status != 200 {
                        break; // the server is gone
                    }
                    acked.lock().unwrap().push(id);
                }
            });
        }
        std::thread::sleep(std::time::Duration::from_millis(700));
        srv.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
        srv.child.wait().unwrap();
    });
    let acked = acked.into_inner().unwrap();
    assert!(
        acked.len() > 10,
        "too few uploads before the kill: {}",
        acked.len()
    );
    let again = start(dir, &[]);
    let t = sign_in(&again.addr, "qiye");
    for id in &acked {
        let r = call(
            &again.addr,
            "GET",
            &format!("/api/v1/submissions/{id}"),
            Some(&t),
            "",
        );
        assert_eq!(r.status, 200, "{id} was acknowledged and lost");
        assert_eq!(r.json()["report"]["level"], "major", "{id} not intact");
    }
}

#[test]
fn sigterm_shuts_down_gracefully_and_keeps_everything() {
    let dir = data_dir();
    let mut srv = start(dir.clone(), &[]);
    let t = sign_in(&srv.addr, "qiye");
    assert_eq!(post(&srv.addr, &t, &submission(ID, 30.0)).status, 200);
    let pid = srv.child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let started = std::time::Instant::now();
    let code = loop {
        if let Some(s) = srv.child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed().as_secs() < 10, "did not stop on SIGTERM");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(code.success(), "{code:?}");
    let again = start(dir, &[]);
    let t = sign_in(&again.addr, "qiye");
    let r = call(
        &again.addr,
        "GET",
        &format!("/api/v1/submissions/{ID}"),
        Some(&t),
        "",
    );
    assert_eq!(r.status, 200);
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
    let r = call(&srv.addr, "GET", "/www/index.html", None, "");
    assert_eq!(
        (r.status, r.text().contains("<title>paicha</title>")),
        (200, true)
    );
    // Unknown API paths stay problem details, not files.
    let r = call(&srv.addr, "GET", "/api/v1/nope", None, "");
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (404, json!("not_found"))
    );
    // No way out of the web root.
    assert_ne!(
        call(&srv.addr, "GET", "/../Cargo.toml", None, "").status,
        200
    );
}

#[test]
fn allowed_portal_origins_get_cors_answers_and_others_do_not() {
    let srv = start(
        data_dir(),
        &["--allow-origin", "https://portal.example.gov.cn"],
    );
    let pre = |origin: &str| {
        request(
            &srv.addr,
            "OPTIONS",
            "/api/v1/submissions",
            &[
                format!("Origin: {origin}"),
                "Access-Control-Request-Method: POST".into(),
                "Access-Control-Request-Headers: authorization, content-type".into(),
            ],
            b"",
        )
    };
    let ok = pre("https://portal.example.gov.cn")
        .headers
        .to_ascii_lowercase();
    assert!(
        ok.contains("access-control-allow-origin: https://portal.example.gov.cn"),
        "{ok}"
    );
    let other = pre("https://evil.example").headers.to_ascii_lowercase();
    assert!(!other.contains("access-control-allow-origin"), "{other}");
}

#[test]
fn a_database_of_the_first_server_slice_is_migrated_without_loss() {
    if common::sqlite_only("a_database_of_the_first_server_slice_is_migrated_without_loss") {
        return;
    }
    let dir = data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    {
        // The schema the first slice wrote (before accounts and query columns).
        let db = rusqlite::Connection::open(dir.join("paicha.sqlite3")).unwrap();
        db.execute_batch(
            "CREATE TABLE submissions (id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, body TEXT NOT NULL,
                report TEXT NOT NULL, valid INTEGER NOT NULL, level TEXT NOT NULL, received_at TEXT NOT NULL);
             CREATE TABLE conflicts (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, sha256 TEXT NOT NULL,
                body TEXT NOT NULL, received_at TEXT NOT NULL, UNIQUE (id, sha256));
             CREATE TABLE rejected (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, report TEXT NOT NULL,
                received_at TEXT NOT NULL);",
        )
        .unwrap();
        db.execute(
            "INSERT INTO submissions VALUES (?1, 'abc', ?2, '{\"level\":\"major\",\"errors\":[],\"findings\":[{}]}', 1, 'major', '2025-01-01T00:00:00+00:00')",
            rusqlite::params![ID, submission(ID, 30.0).to_string()],
        )
        .unwrap();
        db.execute(
            "INSERT INTO conflicts (id, sha256, body, received_at) VALUES (?1, 'def', '{}', 'x')",
            [ID],
        )
        .unwrap();
    }
    let srv = start_env(dir, &[], Some(PASSWORD));
    let t = sign_in(&srv.addr, "jiancha");
    let q = call(
        &srv.addr,
        "GET",
        "/api/v1/submissions?level=major&from=2023-07-20&to=2023-07-20",
        Some(&t),
        "",
    )
    .json();
    assert_eq!(q["items"][0]["id"], ID, "{q}");
    assert_eq!(q["items"][0]["findings"], 1);
    let rec = call(
        &srv.addr,
        "GET",
        &format!("/api/v1/submissions/{ID}"),
        Some(&t),
        "",
    )
    .json();
    assert_eq!(rec["conflicting_versions"], json!(["def"]));
}

/// `docs/openapi.yaml` is the one description of the protocol: every route the server has is in it.
#[test]
fn every_route_is_described_in_the_openapi_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("../docs/openapi.yaml")).unwrap();
    let routes = std::fs::read_to_string(root.join("src/api/mod.rs")).unwrap();
    let paths: Vec<&str> = routes
        .split('"')
        .filter(|s| s.starts_with("/api/v1/") || *s == "/healthz")
        .collect();
    assert!(paths.len() >= 8, "{paths:?}");
    for p in paths {
        assert!(
            doc.contains(&format!("\n  {p}:\n")),
            "{p} is not in docs/openapi.yaml"
        );
    }
}

#[test]
fn unfinished_uploads_left_for_a_week_are_dropped_at_start() {
    let dir = data_dir();
    let srv = start(dir.clone(), &[]);
    let t = sign_in(&srv.addr, "qiye");
    let sha = "b".repeat(64);
    let path = format!("/api/v1/attachments/{sha}");
    let r = request(
        &srv.addr,
        "PUT",
        &path,
        &[bearer(&t), "Upload-Length: 100".into()],
        &[1; 40],
    );
    assert_eq!(r.status, 202);
    drop(srv);
    let partial = dir.join("attachments/partial");
    let files: Vec<_> = std::fs::read_dir(&partial)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let week_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(8 * 24 * 3600);
    std::fs::File::options()
        .write(true)
        .open(&files[0])
        .unwrap()
        .set_modified(week_ago)
        .unwrap();
    let again = start(dir, &[]);
    let t = sign_in(&again.addr, "qiye");
    let st = call(&again.addr, "GET", &format!("{path}/status"), Some(&t), "").json();
    assert_eq!(st["received"], 0, "{st}");
    assert!(std::fs::read_dir(&partial).unwrap().next().is_none());
}

#[test]
fn the_app_files_may_be_framed_and_loaded_only_by_allowed_portals() {
    let web = data_dir();
    std::fs::create_dir_all(web.join("www")).unwrap();
    std::fs::write(
        web.join("www/index.html"),
        "<!doctype html><title>paicha</title>",
    )
    .unwrap();
    std::fs::write(web.join("www/sw.js"), "const VERSION = 'x';").unwrap();
    let srv = start(
        data_dir(),
        &[
            "--web-root",
            web.to_str().unwrap(),
            "--allow-origin",
            "https://portal.example.gov.cn",
            "--allow-origin",
            "https://x.example; script-src *",
        ],
    );
    let get = |path: &str, origin: &str| {
        request(&srv.addr, "GET", path, &[format!("Origin: {origin}")], b"")
            .headers
            .to_ascii_lowercase()
    };
    let page = get("/www/index.html", "https://portal.example.gov.cn");
    assert!(
        page.contains(
            "content-security-policy: frame-ancestors 'self' https://portal.example.gov.cn\r\n"
        ),
        "{page}"
    );
    assert!(
        page.contains("access-control-allow-origin: https://portal.example.gov.cn"),
        "{page}"
    );
    assert!(page.contains("cache-control: no-cache"), "{page}");
    // An origin that could smuggle directives into the policy is dropped; others get no CORS.
    assert!(!page.contains("script-src"), "{page}");
    assert!(!get("/www/index.html", "https://evil.example").contains("access-control-allow-origin"));
    // The service worker script is never kept by the HTTP cache: a new deployment is seen at once.
    assert!(get("/www/sw.js", "https://portal.example.gov.cn").contains("cache-control: no-store"));
}
