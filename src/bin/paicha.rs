//! `paicha`: the command-line face of the core.
//!
//!   paicha check [--now T] [FILE|-]
//!                             one submission or an array of them as JSON -> reports as JSON;
//!                             `--now` (RFC 3339) replaces the wall clock, for reproducible runs
//!   paicha catalogue [--markdown]
//!                             the products and their templates as JSON (or the review document)
//!   paicha template FILE      check a template file; prints its problems as JSON
//!
//! Exit status: 0 when reports were produced (whatever they found); 1 when `template` finds
//! problems; 2 for unreadable input or wrong usage, with a message on stderr.

use paicha::{check_json, Catalogue};
use std::io::{Read, Write};
use std::process::ExitCode;

const USAGE: &str =
    "usage: paicha check [--now RFC3339] [FILE|-] | paicha catalogue [--markdown] | paicha template FILE";

fn read_input(arg: Option<&str>) -> Result<String, String> {
    let mut buf = Vec::new();
    match arg {
        None | Some("-") => std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read standard input: {e}"))?,
        Some(path) => {
            let mut f =
                std::fs::File::open(path).map_err(|e| format!("cannot open {path}: {e}"))?;
            f.read_to_end(&mut buf)
                .map_err(|e| format!("cannot read {path}: {e}"))?
        }
    };
    String::from_utf8(buf).map_err(|_| "input is not UTF-8".to_string())
}

/// The wall clock, read here at the edge: the core itself reads no clock.
fn now() -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    chrono::DateTime::from_timestamp(i64::try_from(d.as_secs()).ok()?, 0).map(|t| t.fixed_offset())
}

fn print_json<T: serde::Serialize>(v: &T) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let ok = serde_json::to_writer_pretty(&mut out, v).is_ok() && writeln!(out).is_ok();
    if ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("paicha: cannot write the output");
        ExitCode::from(2)
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("paicha: {msg}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cat = Catalogue::builtin();
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    match argv.as_slice() {
        ["check", rest @ ..] if rest.len() <= 3 => {
            let (now, file) = match rest {
                ["--now", t, file @ ..] if file.len() <= 1 => {
                    match chrono::DateTime::parse_from_rfc3339(t) {
                        Ok(t) => (Some(t), file.first().copied()),
                        Err(_) => return fail("--now needs an RFC 3339 date-time"),
                    }
                }
                [file] => (now(), Some(*file)),
                [] => (now(), None),
                _ => return fail(USAGE),
            };
            let text = match read_input(file) {
                Ok(t) => t,
                Err(e) => return fail(&e),
            };
            match check_json(cat, &text, now) {
                Ok(reports) => print_json(&reports),
                Err(issue) => fail(&format!("{}: {}", issue.code.as_str(), issue.message.en)),
            }
        }
        ["catalogue", "--markdown"] => {
            print!("{}", paicha::doc::markdown(cat));
            ExitCode::SUCCESS
        }
        ["catalogue"] => print_json(&serde_json::json!({
            "products": cat.products(),
            "templates": cat.current().iter().map(|t| &t.raw).collect::<Vec<_>>(),
            "policy": cat.policy(),
        })),
        ["template", path] => {
            let text = match read_input(Some(path)) {
                Ok(t) => t,
                Err(e) => return fail(&e),
            };
            let mut cat = cat.clone();
            match cat.add_json(&text) {
                Ok(t) => print_json(
                    &serde_json::json!({"ok": true, "product": t.product, "version": t.version, "items": t.items.len()}),
                ),
                Err(e) => {
                    print_json(&serde_json::json!({"ok": false, "issues": e.issues}));
                    ExitCode::from(1)
                }
            }
        }
        ["--help"] | ["-h"] | ["help"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => fail(USAGE),
    }
}
