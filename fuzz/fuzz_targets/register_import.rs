#![no_main]
// The checks are in src/cases.rs (shared with the regression test of the normal suite).
libfuzzer_sys::fuzz_target!(|data: &[u8]| paicha_fuzz::cases::register_import(data));
