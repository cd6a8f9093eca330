//! A refusal names its real cause (issue 17): a record outside the account's scope because its USCC
//! was mistyped (wrong check character) or its division code does not exist is answered
//! `invalid_enterprise` with the core's messages, not "this account may not upload"; a record of
//! another, valid enterprise stays `outside_scope`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use serde_json::json;

#[test]
fn a_mistyped_uscc_or_division_code_is_named_as_the_cause() {
    let srv = start(data_dir(), &[]);
    let t = sign_in(&srv.addr, "qiye");
    let batch = json!([
        // The account's USCC with its last (check) character mistyped.
        submission_of(&uuid(1), 20.0, "91520102MA6DK4L2XA", "520102"),
        // A division code whose province does not exist.
        submission_of(&uuid(2), 20.0, USCC, "990102"),
        // Another enterprise, correctly typed.
        submission_of(&uuid(3), 20.0, "91110108551385082Q", "110108"),
    ]);
    let r = call(
        &srv.addr,
        "POST",
        "/api/v1/submissions",
        Some(&t),
        &batch.to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let res = r.json()["results"].clone();
    assert_eq!(res[0]["status"], "forbidden");
    assert_eq!(res[0]["code"], "invalid_enterprise");
    assert!(
        res[0]["detail"]["zh"].as_str().unwrap().contains("校验位"),
        "{}",
        res[0]
    );
    assert!(
        res[0]["detail"]["en"]
            .as_str()
            .unwrap()
            .contains("should be N"),
        "{}",
        res[0]
    );
    assert_eq!(res[0]["error"][0]["path"], "/enterprise/uscc");
    assert_eq!(res[1]["code"], "invalid_enterprise");
    assert_eq!(res[1]["error"][0]["path"], "/enterprise/region");
    assert_eq!(res[2]["code"], "outside_scope");
    assert!(res[2].get("error").is_none(), "{}", res[2]);
}
