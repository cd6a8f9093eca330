#![no_main]
// The checks are in src/http.rs (shared with the server's regression test, server/tests/fuzz_http.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| paicha_fuzz::http::http(data));
