//! The web app's files over real HTTP (issue 17): the brotli or gzip copy written beside a file at
//! staging is sent to a client that accepts it, the plain file to one that does not, each with the
//! content type of the original and `Vary: Accept-Encoding`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;

#[test]
fn precompressed_copies_go_to_clients_that_accept_them() {
    let web = data_dir();
    std::fs::create_dir_all(web.join("www/js")).unwrap();
    let plain = "export const a = 1;\n".repeat(100);
    std::fs::write(web.join("www/js/app.js"), &plain).unwrap();
    std::fs::write(web.join("www/js/app.js.gz"), b"GZ-BYTES").unwrap();
    std::fs::write(web.join("www/js/app.js.br"), b"BR").unwrap();
    // A file staged without copies (too small to gain) goes plain to everyone.
    std::fs::write(web.join("www/icon.svg"), "<svg/>").unwrap();
    let srv = start(data_dir(), &["--web-root", web.to_str().unwrap()]);
    let get = |path: &str, enc: &str| {
        let h = if enc.is_empty() {
            vec![]
        } else {
            vec![format!("Accept-Encoding: {enc}")]
        };
        request(&srv.addr, "GET", path, &h, b"")
    };
    let br = get("/www/js/app.js", "gzip, deflate, br, zstd");
    let head = br.headers.to_ascii_lowercase();
    assert_eq!((br.status, br.body.as_slice()), (200, b"BR".as_slice()));
    assert!(head.contains("content-encoding: br"), "{head}");
    assert!(head.contains("content-type: text/javascript"), "{head}");
    assert!(head.contains("vary: accept-encoding"), "{head}");
    let gz = get("/www/js/app.js", "gzip, deflate");
    assert_eq!(gz.body.as_slice(), b"GZ-BYTES".as_slice());
    assert!(gz
        .headers
        .to_ascii_lowercase()
        .contains("content-encoding: gzip"));
    let none = get("/www/js/app.js", "");
    assert_eq!(none.text(), plain);
    assert!(!none
        .headers
        .to_ascii_lowercase()
        .contains("content-encoding"));
    let svg = get("/www/icon.svg", "br, gzip");
    assert_eq!((svg.status, svg.text()), (200, "<svg/>".to_string()));
}
