//! `paicha-server`: the sync server (first slice of issue 5). Listens on 127.0.0.1 by default,
//! stores into SQLite under a data directory, and prints the address it listens on.
//!
//!   paicha-server [--addr 127.0.0.1:8080] [--data-dir data] [--max-body BYTES] [--web-root DIR]
//!   (or PAICHA_ADDR, PAICHA_DATA_DIR, PAICHA_MAX_BODY, PAICHA_WEB_ROOT)

mod api;
mod store;

use std::sync::Arc;

struct Config {
    addr: String,
    data_dir: std::path::PathBuf,
    max_body: usize,
    web_root: Option<std::path::PathBuf>,
}

fn config() -> Result<Config, String> {
    let env = |k: &str| std::env::var(k).ok();
    let mut c = Config {
        addr: env("PAICHA_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into()),
        data_dir: env("PAICHA_DATA_DIR")
            .unwrap_or_else(|| "data".into())
            .into(),
        max_body: env("PAICHA_MAX_BODY")
            .and_then(|s| s.parse().ok())
            .unwrap_or(16 * 1024 * 1024),
        web_root: env("PAICHA_WEB_ROOT").map(Into::into),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--addr" => c.addr = value()?,
            "--data-dir" => c.data_dir = value()?.into(),
            "--max-body" => {
                c.max_body = value()?
                    .parse()
                    .map_err(|_| "--max-body needs bytes".to_string())?
            }
            "--web-root" => c.web_root = Some(value()?.into()),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    Ok(c)
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let c = match config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("paicha-server: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::create_dir_all(&c.data_dir) {
        eprintln!("paicha-server: cannot create {}: {e}", c.data_dir.display());
        return std::process::ExitCode::from(2);
    }
    let store = match store::Store::open(&c.data_dir.join("paicha.sqlite3")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("paicha-server: cannot open the database: {}", e.0);
            return std::process::ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&c.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("paicha-server: cannot listen on {}: {e}", c.addr);
            return std::process::ExitCode::from(2);
        }
    };
    match listener.local_addr() {
        Ok(a) => println!("paicha-server listening on http://{a}"),
        Err(_) => println!("paicha-server listening on http://{}", c.addr),
    }
    let app = api::router(
        Arc::new(api::App { store }),
        c.max_body,
        c.web_root.as_deref(),
    );
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("paicha-server: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
