//! The command line: `--help` lists every flag with its environment variable, and a value that
//! does not parse stops the server with a message naming it, from a flag or from the environment
//! (before, a bad variable silently became the default).

#![allow(clippy::expect_used)]

use std::process::Command;

fn run(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_paicha-server"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the server binary runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text)
}

#[test]
fn help_lists_every_flag_and_bad_values_are_errors() {
    let (code, help) = run(&["--help"], &[]);
    assert_eq!(code, Some(0), "{help}");
    for flag in [
        "--addr",
        "--data-dir",
        "--max-body",
        "--allow-origin",
        "PAICHA_TOKEN_TTL",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }
    let dir = std::env::temp_dir().join(format!("paicha-config-test-{}", std::process::id()));
    let d = dir.to_string_lossy().into_owned();
    let (code, err) = run(
        &["--addr", "127.0.0.1:0", "--data-dir", &d],
        &[("PAICHA_MAX_BODY", "16MB")],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("max-body") && err.contains("16MB"), "{err}");
    let (code, err) = run(
        &[
            "--addr",
            "127.0.0.1:0",
            "--data-dir",
            &d,
            "--token-ttl",
            "-5",
        ],
        &[],
    );
    assert_eq!(code, Some(2), "{err}");
    let (code, err) = run(&["--allow-origin", "*", "--data-dir", &d], &[]);
    assert_eq!(code, Some(2), "{err}");
    let (code, err) = run(&["--frobnicate"], &[]);
    assert_eq!(code, Some(2), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
