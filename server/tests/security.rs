//! Who may do what, over real HTTP: no token, a wrong or expired token, an enterprise reaching for
//! another's records, an inspector outside the assigned regions, admin-only endpoints, signed-out
//! and disabled accounts, oversized and malformed bodies, path traversal in attachment names, and
//! the audit log: every write recorded, and the table itself refusing changes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use serde_json::{json, Value};

const OTHER_USCC: &str = "91110108551385082Q";

fn code(r: &Resp) -> (u16, Value) {
    (r.status, r.json()["code"].clone())
}

#[test]
fn every_api_call_needs_a_valid_token() {
    let srv = start(data_dir(), &[]);
    let body = submission(&uuid(1), 30.0).to_string();
    for (method, path) in [
        ("POST", "/api/v1/submissions"),
        ("GET", "/api/v1/submissions"),
        (
            "GET",
            "/api/v1/submissions/6f1c2a9e-3b7d-4c1e-9a55-000000000001",
        ),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/audit"),
        ("GET", "/api/v1/accounts"),
        ("PUT", &format!("/api/v1/attachments/{}", "a".repeat(64))),
    ] {
        let none = call(&srv.addr, method, path, None, &body);
        assert_eq!(
            code(&none),
            (401, json!("unauthenticated")),
            "{method} {path}"
        );
        let wrong = call(&srv.addr, method, path, Some("not-a-token"), &body);
        assert_eq!(
            code(&wrong),
            (401, json!("unauthenticated")),
            "{method} {path}"
        );
    }
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/auth/token",
        None,
        &json!({"username": "qiye", "password": "wrong password"}).to_string(),
    );
    assert_eq!(code(&r), (401, json!("bad_credentials")));
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/auth/token",
        None,
        &json!({"username": "nobody", "password": PASSWORD}).to_string(),
    );
    assert_eq!(code(&r), (401, json!("bad_credentials")));
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/auth/token",
        None,
        "{\"username\": 1",
    );
    assert_eq!(code(&r), (400, json!("invalid_json")));
    // A name no account can have is refused before any hashing or logging.
    let huge = json!({"username": "x".repeat(100_000), "password": PASSWORD}).to_string();
    let r = call(&srv.addr, "POST", "/api/v1/auth/token", None, &huge);
    assert_eq!(code(&r), (401, json!("bad_credentials")));
    let longest = common::db::Db::open(&srv.dir).int("SELECT max(length(actor)) FROM audit");
    assert!(longest <= 64, "{longest}");
}

#[test]
fn tokens_expire_and_sign_out_revokes_them() {
    let srv = start(data_dir(), &["--token-ttl", "1"]);
    let t = sign_in(&srv.addr, "qiye");
    assert_eq!(
        call(&srv.addr, "GET", "/api/v1/me", Some(&t), "").status,
        200
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&t),
        &submission(&uuid(1), 30.0).to_string(),
    );
    assert_eq!(code(&r), (401, json!("token_expired")));
    assert!(r.json()["detail"]["zh"]
        .as_str()
        .unwrap()
        .contains("重新登录"));

    let srv = start(data_dir(), &[]);
    let t = sign_in(&srv.addr, "qiye");
    assert_eq!(
        call(&srv.addr, "DELETE", "/api/v1/auth/token", Some(&t), "").status,
        204
    );
    assert_eq!(
        code(&call(&srv.addr, "GET", "/api/v1/me", Some(&t), "")),
        (401, json!("unauthenticated"))
    );
}

#[test]
fn the_database_keeps_only_hashes_of_tokens_and_passwords() {
    let srv = start(data_dir(), &[]);
    let t = sign_in(&srv.addr, "qiye");
    let mut db = common::db::Db::open(&srv.dir);
    let hashes = db.strings("SELECT hash FROM tokens");
    assert_eq!(hashes.len(), 1);
    assert_ne!(hashes[0], t);
    let pw = db.strings("SELECT password_hash FROM accounts WHERE username = 'qiye'")[0].clone();
    assert!(
        pw.starts_with("$argon2id$") && !pw.contains(PASSWORD),
        "{pw}"
    );
}

#[test]
fn an_enterprise_writes_and_reads_only_its_own_records() {
    let srv = start(data_dir(), &[]);
    let admin = sign_in(&srv.addr, "admin");
    let r = call(&srv.addr, "POST", "/api/v1/accounts", Some(&admin), &json!({
        "username": "other", "password": PASSWORD, "role": "enterprise", "name": "北京某公司", "uscc": OTHER_USCC
    }).to_string());
    assert_eq!(r.status, 201, "{}", r.text());
    let a = sign_in(&srv.addr, "qiye");
    let b = sign_in(&srv.addr, "other");
    // A writes its own; B's record sent with A's token is refused, not stored.
    let own = submission(&uuid(1), 30.0);
    let foreign = submission_of(&uuid(2), 30.0, OTHER_USCC, "110108");
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&a),
        &json!([own, foreign]).to_string(),
    )
    .json();
    assert_eq!(r["results"][0]["status"], "stored");
    assert_eq!(
        (
            r["results"][1]["status"].clone(),
            r["results"][1]["http_status"].clone()
        ),
        (json!("forbidden"), json!(403))
    );
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&a),
        &foreign.to_string(),
    );
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (403, json!("outside_scope"))
    );
    // B can store its own record under that id, A cannot read it, B cannot read A's.
    assert_eq!(
        call(
            &srv.addr,
            "POST",
            "/api/v1/submissions",
            Some(&b),
            &foreign.to_string()
        )
        .status,
        200
    );
    let path = |n| format!("/api/v1/submissions/{}", uuid(n));
    assert_eq!(call(&srv.addr, "GET", &path(2), Some(&a), "").status, 404);
    assert_eq!(call(&srv.addr, "GET", &path(1), Some(&b), "").status, 404);
    assert_eq!(call(&srv.addr, "GET", &path(1), Some(&a), "").status, 200);
    // Queries return only one's own, even when asking for the other's USCC.
    let q = call(
        &srv.addr,
        "GET",
        &format!("/api/v1/submissions?uscc={OTHER_USCC}"),
        Some(&a),
        "",
    )
    .json();
    assert_eq!(q["items"].as_array().unwrap().len(), 0);
    let q = call(
        &srv.addr,
        "GET",
        "/api/v1/submissions?format=csv",
        Some(&b),
        "",
    );
    assert!(q.text().contains(&uuid(2)) && !q.text().contains(&uuid(1)));
    // Photos: B cannot fetch A's attachment even knowing its hash.
    let bytes = b"photo of A's shop";
    let sha = sha_hex(bytes);
    let r = request(
        &srv.addr,
        "PUT",
        &format!("/api/v1/attachments/{sha}"),
        &[bearer(&a), format!("Upload-Length: {}", bytes.len())],
        bytes,
    );
    assert_eq!(r.status, 201);
    assert_eq!(
        call(
            &srv.addr,
            "GET",
            &format!("/api/v1/attachments/{sha}"),
            Some(&b),
            ""
        )
        .status,
        404
    );
    assert_eq!(
        call(
            &srv.addr,
            "GET",
            &format!("/api/v1/attachments/{sha}"),
            Some(&a),
            ""
        )
        .status,
        200
    );
}

#[test]
fn an_inspector_sees_only_the_assigned_regions() {
    let srv = start(data_dir(), &[]);
    let admin = sign_in(&srv.addr, "admin");
    let a = sign_in(&srv.addr, "qiye");
    call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&a),
        &submission(&uuid(1), 30.0).to_string(),
    );
    call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&admin),
        &submission_of(&uuid(2), 30.0, OTHER_USCC, "110108").to_string(),
    );
    // jiancha is assigned 520100 (Guiyang): sees 520102, not Beijing's 110108.
    let i = sign_in(&srv.addr, "jiancha");
    let q = call(&srv.addr, "GET", "/api/v1/submissions", Some(&i), "").json();
    let ids: Vec<&str> = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [uuid(1)]);
    assert_eq!(
        call(
            &srv.addr,
            "GET",
            &format!("/api/v1/submissions/{}", uuid(2)),
            Some(&i),
            ""
        )
        .status,
        404
    );
    // Nor may the inspector upload an on-site record for an enterprise outside the regions.
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&i),
        &submission_of(&uuid(3), 30.0, OTHER_USCC, "110108").to_string(),
    );
    assert_eq!(r.status, 403);
    // Reassigned to Beijing by the admin: now the other way round.
    let r = call(
        &srv.addr,
        "PATCH",
        "/api/v1/accounts/jiancha",
        Some(&admin),
        &json!({"regions": ["110000"]}).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let q = call(&srv.addr, "GET", "/api/v1/submissions", Some(&i), "").json();
    assert_eq!(q["items"][0]["id"], uuid(2));
    assert_eq!(q["items"].as_array().unwrap().len(), 1);
}

#[test]
fn only_an_admin_manages_accounts_and_reads_the_audit_log() {
    let srv = start(data_dir(), &[]);
    let e = sign_in(&srv.addr, "qiye");
    let i = sign_in(&srv.addr, "jiancha");
    let admin = sign_in(&srv.addr, "admin");
    let new = json!({"username": "x1", "password": PASSWORD, "role": "admin"}).to_string();
    for t in [&e, &i] {
        assert_eq!(
            code(&call(&srv.addr, "POST", "/api/v1/accounts", Some(t), &new)),
            (403, json!("forbidden"))
        );
        assert_eq!(
            call(&srv.addr, "GET", "/api/v1/audit", Some(t), "").status,
            403
        );
        assert_eq!(
            call(
                &srv.addr,
                "PATCH",
                "/api/v1/accounts/qiye",
                Some(t),
                "{\"disabled\": true}"
            )
            .status,
            403
        );
    }
    for (bad, why) in [
        (
            json!({"username": "a b", "password": PASSWORD, "role": "admin"}),
            "username",
        ),
        (
            json!({"username": "ab", "password": "short", "role": "admin"}),
            "password",
        ),
        (
            json!({"username": "ab", "password": PASSWORD, "role": "king"}),
            "role",
        ),
        (
            json!({"username": "ab", "password": PASSWORD, "role": "enterprise", "uscc": "91520102MA6DK4L2X0"}),
            "uscc",
        ),
        (
            json!({"username": "ab", "password": PASSWORD, "role": "inspector", "regions": ["99"]}),
            "regions",
        ),
    ] {
        let r = call(
            &srv.addr,
            "POST",
            "/api/v1/accounts",
            Some(&admin),
            &bad.to_string(),
        );
        assert_eq!(code(&r), (400, json!("invalid_account")), "{why}");
    }
    let dup = json!({"username": "qiye", "password": PASSWORD, "role": "admin"}).to_string();
    assert_eq!(
        code(&call(
            &srv.addr,
            "POST",
            "/api/v1/accounts",
            Some(&admin),
            &dup
        )),
        (409, json!("account_exists"))
    );
    // Disabling an account ends its sessions at once.
    let r = call(
        &srv.addr,
        "PATCH",
        "/api/v1/accounts/qiye",
        Some(&admin),
        "{\"disabled\": true}",
    );
    assert_eq!((r.status, r.json()["disabled"].clone()), (200, json!(true)));
    assert_eq!(
        call(&srv.addr, "GET", "/api/v1/me", Some(&e), "").status,
        401
    );
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/auth/token",
        None,
        &json!({"username": "qiye", "password": PASSWORD}).to_string(),
    );
    assert_eq!(r.status, 401);
}

#[test]
fn every_write_is_in_the_audit_log_and_the_log_cannot_be_changed() {
    let srv = start(data_dir(), &[]);
    let a = sign_in(&srv.addr, "qiye");
    call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&a),
        &submission(&uuid(1), 30.0).to_string(),
    );
    call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&a),
        &submission(&uuid(1), 30.0).to_string(),
    );
    call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&a),
        &submission_of(&uuid(2), 1.0, OTHER_USCC, "110108").to_string(),
    );
    let admin = sign_in(&srv.addr, "admin");
    let log = call(
        &srv.addr,
        "GET",
        "/api/v1/audit?limit=1000",
        Some(&admin),
        "",
    )
    .json();
    let rows: Vec<(String, String, String, String)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().into(),
                e["action"].as_str().unwrap().into(),
                e["target"].as_str().unwrap().into(),
                e["outcome"].as_str().unwrap().into(),
            )
        })
        .filter(|r: &(String, String, String, String)| r.1.starts_with("submission"))
        .collect();
    let row = |n, o: &str| {
        (
            "qiye".to_string(),
            "submission.upload".to_string(),
            uuid(n),
            o.to_string(),
        )
    };
    assert_eq!(
        rows,
        [row(1, "stored"), row(1, "duplicate"), row(2, "forbidden")]
    );
    assert!(log["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "auth.sign_in" && e["actor"] == "admin"));
    // Append-only in the database itself, not just in the API.
    let mut db = common::db::Db::open(&srv.dir);
    assert!(db.execute("DELETE FROM audit").is_err());
    assert!(db.execute("UPDATE audit SET outcome = 'x'").is_err());
}

#[test]
fn garbage_gets_problem_details_never_a_crash() {
    let srv = start(
        data_dir(),
        &["--max-body", "2000", "--max-attachment", "1000"],
    );
    let t = sign_in(&srv.addr, "qiye");
    for (body, status, c) in [
        ("{not json", 400, "invalid_json"),
        ("", 400, "invalid_json"),
        (&"x".repeat(5000)[..], 413, "too_large"),
    ] {
        let r = call(&srv.addr, "POST", "/api/v1/submissions", Some(&t), body);
        assert_eq!(code(&r), (status, json!(c)));
        assert!(r.json()["detail"]["zh"]
            .as_str()
            .is_some_and(|z| !z.is_empty()));
    }
    // Every endpoint that takes a body answers an oversized one as a problem, not plain text.
    let admin = sign_in(&srv.addr, "admin");
    for path in [
        "/api/v1/events",
        "/api/v1/spot-checks",
        "/api/v1/accounts",
        "/api/v1/auth/token",
    ] {
        let r = call(&srv.addr, "POST", path, Some(&admin), &"x".repeat(5000));
        assert_eq!(code(&r), (413, json!("too_large")), "{path}");
    }
    let many = json!((0..1001).map(|_| json!(1)).collect::<Vec<_>>()).to_string();
    let srv2 = start(data_dir(), &[]);
    let t2 = sign_in(&srv2.addr, "qiye");
    assert_eq!(
        code(&call(
            &srv2.addr,
            "POST",
            "/api/v1/submissions",
            Some(&t2),
            &many
        )),
        (413, json!("batch_too_large"))
    );
    // Values that are not submissions at all are kept as rejected, with a report.
    let r = call(
        &srv2.addr,
        "POST",
        "/api/v1/submissions",
        Some(&t2),
        "[1, null, \"x\", [], {}]",
    )
    .json();
    assert!(r["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["status"] == "rejected"));
    // Attachment names are hashes, never paths.
    for name in [
        "..%2F..%2Fetc%2Fpasswd",
        "..",
        &"A".repeat(64),
        &format!("{}%00", "a".repeat(64)),
        "a",
    ] {
        let r = request(
            &srv.addr,
            "PUT",
            &format!("/api/v1/attachments/{name}"),
            &[bearer(&t), "Upload-Length: 1".into()],
            b"x",
        );
        assert!(r.status == 400 || r.status == 404, "{name}: {}", r.status);
        assert_eq!(
            code(&call(
                &srv.addr,
                "GET",
                &format!("/api/v1/attachments/{name}/status"),
                Some(&t),
                ""
            ))
            .0 / 100,
            4
        );
    }
    let sha = "a".repeat(64);
    let path = format!("/api/v1/attachments/{sha}");
    let r = request(&srv.addr, "PUT", &path, &[bearer(&t)], b"x");
    assert_eq!(code(&r), (400, json!("bad_upload_headers")));
    let r = request(
        &srv.addr,
        "PUT",
        &path,
        &[bearer(&t), "Upload-Length: lots".into()],
        b"x",
    );
    assert_eq!(code(&r), (400, json!("bad_upload_headers")));
    let r = request(
        &srv.addr,
        "PUT",
        &path,
        &[bearer(&t), "Upload-Length: 5000".into()],
        b"x",
    );
    assert_eq!(code(&r), (413, json!("attachment_too_large")));
    let r = request(
        &srv.addr,
        "PUT",
        &path,
        &[bearer(&t), "Upload-Length: 2".into()],
        b"xyz",
    );
    assert_eq!(code(&r), (400, json!("bad_upload_headers")));
    // Nothing escaped the data directory, and the server still answers.
    assert!(!srv.dir.join("attachments/partial/..").join("etc").exists());
    assert_eq!(call(&srv.addr, "GET", "/healthz", None, "").text(), "ok");
}

#[test]
fn another_partys_id_is_refused_not_a_conflict_and_enterprises_file_only_at_home() {
    let srv = start(data_dir(), &[]);
    let admin = sign_in(&srv.addr, "admin");
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/accounts",
        Some(&admin),
        &json!({
        "username": "other", "password": PASSWORD, "role": "enterprise", "uscc": OTHER_USCC})
        .to_string(),
    );
    assert_eq!(r.status, 201);
    // The enterprise account's region defaults to its registration authority's (USCC chars 3-8).
    assert_eq!(r.json()["regions"], json!(["110108"]));
    let a = sign_in(&srv.addr, "qiye");
    let b = sign_in(&srv.addr, "other");
    assert_eq!(
        call(
            &srv.addr,
            "POST",
            "/api/v1/submissions",
            Some(&a),
            &submission(&uuid(1), 30.0).to_string()
        )
        .status,
        200
    );
    // B reuses A's id for its own record: refused, and nothing lands in A's review queue.
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&b),
        &submission_of(&uuid(1), 20.0, OTHER_USCC, "110108").to_string(),
    );
    assert_eq!(code(&r), (403, json!("outside_scope")));
    let rec = call(
        &srv.addr,
        "GET",
        &format!("/api/v1/submissions/{}", uuid(1)),
        Some(&a),
        "",
    )
    .json();
    assert_eq!(rec["conflicting_versions"], json!([]));
    // An enterprise cannot file its records under another bureau's region.
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&a),
        &submission_of(&uuid(2), 20.0, USCC, "110108").to_string(),
    );
    assert_eq!(code(&r), (403, json!("outside_scope")));
}

#[test]
fn a_known_hash_gives_no_access_and_no_say_over_anothers_upload() {
    let srv = start(data_dir(), &[]);
    let admin = sign_in(&srv.addr, "admin");
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/accounts",
        Some(&admin),
        &json!({
        "username": "other", "password": PASSWORD, "role": "enterprise", "uscc": OTHER_USCC})
        .to_string(),
    );
    assert_eq!(r.status, 201);
    let a = sign_in(&srv.addr, "qiye");
    let b = sign_in(&srv.addr, "other");
    let inspector = sign_in(&srv.addr, "jiancha");
    let photo = b"photo of A's shop, 2026";
    let sha = sha_hex(photo);
    let path = format!("/api/v1/attachments/{sha}");
    // B learns the hash first and squats it: a huge length, then garbage of the right length.
    let r = request(
        &srv.addr,
        "PUT",
        &path,
        &[bearer(&b), "Upload-Length: 20000000".into()],
        b"",
    );
    assert_eq!(r.status, 202);
    let r = request(
        &srv.addr,
        "PUT",
        &path,
        &[bearer(&b), format!("Upload-Length: {}", photo.len())],
        &vec![b'x'; photo.len()],
    );
    assert_eq!(code(&r), (422, json!("hash_mismatch")));
    // A's own upload is untouched by either.
    let r = request(
        &srv.addr,
        "PUT",
        &path,
        &[bearer(&a), format!("Upload-Length: {}", photo.len())],
        photo,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    // B's status says nothing about A's upload; B's record citing the hash gives B no access.
    assert_eq!(
        call(&srv.addr, "GET", &format!("{path}/status"), Some(&b), "").status,
        404
    );
    let mut sub = submission_of(&uuid(7), 20.0, OTHER_USCC, "110108");
    sub["answers"]["qual.shop_photo"] = json!([{"sha256": sha}]);
    assert_eq!(
        call(
            &srv.addr,
            "POST",
            "/api/v1/submissions",
            Some(&b),
            &sub.to_string()
        )
        .status,
        200
    );
    assert_eq!(call(&srv.addr, "GET", &path, Some(&b), "").status, 404);
    // A's record citing it lets A's inspector see it; B's record lists it as not uploaded.
    let mut mine = submission(&uuid(8), 20.0);
    mine["answers"]["qual.shop_photo"] = json!([{"sha256": sha}]);
    assert_eq!(
        call(
            &srv.addr,
            "POST",
            "/api/v1/submissions",
            Some(&a),
            &mine.to_string()
        )
        .status,
        200
    );
    let seen = call(&srv.addr, "GET", &path, Some(&inspector), "");
    assert_eq!((seen.status, seen.body.as_slice()), (200, &photo[..]));
    let theirs = call(
        &srv.addr,
        "GET",
        &format!("/api/v1/submissions/{}", uuid(7)),
        Some(&b),
        "",
    )
    .json();
    assert_eq!(theirs["attachments"][0]["complete"], false);
    // Having proved it holds the bytes, B may read them too (dedup keeps one copy).
    let r = request(
        &srv.addr,
        "PUT",
        &path,
        &[bearer(&b), format!("Upload-Length: {}", photo.len())],
        photo,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(call(&srv.addr, "GET", &path, Some(&b), "").status, 200);
}
