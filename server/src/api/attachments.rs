//! Attachments (photos, signatures): content-addressed by SHA-256 and resumable. Each account
//! uploads (and so proves it holds) the bytes itself: they arrive in `partial/<sha256>.<account>`,
//! are kept even when the connection drops (the client asks `status` and goes on from
//! `received`), and once complete are checked against their name and kept once at
//! `<sha256[..2]>/<sha256>`. Someone else's unfinished or bogus upload of the same hash cannot get
//! in the way, and knowing a hash gives no access. The name is only ever 64 hex digits, so no path
//! can be smuggled in.

use super::{bad_request, blocking, not_found, now, problem, App};
use crate::api::submissions::is_sha256;
use crate::auth::Authed;
use crate::storage::Audit;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http_body_util::BodyExt;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

fn invalid_hash() -> Response {
    bad_request(
        "invalid_hash",
        "附件名须为其内容的 SHA-256（64 位小写十六进制）",
        "An attachment is named by the SHA-256 of its content (64 lowercase hex digits)",
    )
}

fn bad_headers(en: &str) -> Response {
    bad_request(
        "bad_upload_headers",
        "上传头部有误：需要 Upload-Length（总字节数）和 Upload-Offset（起始位置）",
        en,
    )
}

/// An uploader's unfinished bytes (the account name enters the file name only as a hash).
fn partial_path(app: &App, sha: &str, uploader: &str) -> PathBuf {
    let who = crate::auth::sha256_hex(uploader.as_bytes());
    app.blobs
        .join("partial")
        .join(format!("{sha}.{}", who.get(..16).unwrap_or_default()))
}

/// Drop unfinished uploads untouched for `max_age`: their rows (so they no longer count against
/// the quota) and their bytes. The owner resumes from the first byte.
pub fn expire_unfinished(app: &App, max_age: chrono::Duration) -> crate::storage::Result<usize> {
    let before = (now() - max_age).to_rfc3339();
    let gone = app.store.expire_unfinished(&before)?;
    for (sha, uploader) in &gone {
        let _ = std::fs::remove_file(partial_path(app, sha, uploader));
    }
    Ok(gone.len())
}

pub fn final_path(app: &App, sha: &str) -> PathBuf {
    app.blobs.join(sha.get(..2).unwrap_or("xx")).join(sha)
}

fn header_u64(h: &HeaderMap, name: &str) -> Result<Option<u64>, ()> {
    match h.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .map(Some)
            .ok_or(()),
    }
}

async fn received(app: &App, sha: &str, uploader: &str) -> u64 {
    tokio::fs::metadata(partial_path(app, sha, uploader))
        .await
        .map(|m| m.len())
        .unwrap_or(0)
}

/// One upload of a given attachment by one account at a time (two tabs may send the same photo).
fn lock_for(app: &App, key: &str) -> Arc<tokio::sync::Mutex<()>> {
    let mut map = app
        .uploads
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    map.entry(key.to_string()).or_default().clone()
}

/// Forget the lock of a finished request when no other request holds or waits for it.
fn release(app: &App, key: &str, lock: Arc<tokio::sync::Mutex<()>>) {
    let mut map = app
        .uploads
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Two references: the map's and ours.
    if Arc::strong_count(&lock) <= 2 {
        map.remove(key);
    }
}

fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(crate::auth::hex(&h.finalize()))
}

pub async fn put(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !is_sha256(&sha) {
        return invalid_hash();
    }
    let (Ok(Some(length)), Ok(offset)) = (
        header_u64(&headers, "upload-length"),
        header_u64(&headers, "upload-offset"),
    ) else {
        return bad_headers(
            "Send Upload-Length (total bytes) and Upload-Offset (where this part starts)",
        );
    };
    let offset = offset.unwrap_or(0);
    if length > app.max_attachment {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "attachment_too_large",
            "附件过大：请压缩照片后再上传",
            "The attachment is too large: compress the photo and send it again",
        );
    }
    let user = auth.account.username.clone();
    let key = format!("{sha}/{user}");
    let lock = lock_for(&app, &key);
    let answer = {
        let _guard = lock.lock().await;
        upload(&app, &sha, &user, length, offset, body).await
    };
    release(&app, &key, lock);
    answer
}

/// One request's part of an upload, under the uploader's lock for this attachment.
async fn upload(
    app: &Arc<App>,
    sha: &str,
    user: &str,
    length: u64,
    offset: u64,
    body: Body,
) -> Response {
    let (a, s, u) = (app.clone(), sha.to_string(), user.to_string());
    let quota = app.quotas.unfinished_bytes;
    let begun = blocking(move || {
        a.store
            .begin_attachment(&s, length, &u, &now().to_rfc3339(), quota)
    })
    .await;
    let (meta, restarted) =
        match begun {
            Ok(Some(m)) => m,
            Ok(None) => return problem(
                StatusCode::TOO_MANY_REQUESTS,
                "quota_exceeded",
                "未完成的附件上传过多：请先完成已开始的上传",
                "Too many unfinished attachment uploads for this account: finish those begun first",
            ),
            Err(r) => return r,
        };
    if restarted {
        // The same uploader began again with another length: what it sent before is void.
        let _ = tokio::fs::remove_file(partial_path(app, sha, user)).await;
    }
    if meta.complete {
        return (
            StatusCode::OK,
            Json(json!({"sha256": sha, "size": meta.length, "complete": true})),
        )
            .into_response();
    }
    let have = received(app, sha, user).await;
    if offset != have {
        return (
            StatusCode::CONFLICT,
            [("content-type", "application/problem+json")],
            Json(json!({
                "type": "https://paicha.invalid/problems/offset_mismatch",
                "title": "Resume from the offset the server has", "status": 409,
                "code": "offset_mismatch", "received": have, "length": length,
                "detail": {"zh": format!("服务器已收到 {have} 字节：请从该位置继续上传"),
                           "en": format!("The server has {have} bytes: resume from there")}})),
        )
            .into_response();
    }
    let path = partial_path(app, sha, user);
    if let Some(dir) = path.parent() {
        if tokio::fs::create_dir_all(dir).await.is_err() {
            return super::unavailable();
        }
    }
    let Ok(mut file) = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .await
    else {
        return super::unavailable();
    };
    // Write what arrives as it arrives: a dropped connection leaves the bytes received so far.
    let mut have = have;
    let mut body = body;
    let mut overflow = false;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { break };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let room = usize::try_from(length.saturating_sub(have)).unwrap_or(usize::MAX);
        let take = data.len().min(room);
        if file
            .write_all(data.get(..take).unwrap_or_default())
            .await
            .is_err()
        {
            return super::unavailable();
        }
        have += take as u64;
        if take < data.len() {
            overflow = true;
            break;
        }
    }
    if file.sync_data().await.is_err() {
        return super::unavailable();
    }
    drop(file);
    if overflow {
        return bad_headers(
            "More bytes than Upload-Length were sent; the extra bytes were ignored",
        );
    }
    if have < length {
        return (
            StatusCode::ACCEPTED,
            Json(json!({"sha256": sha, "received": have, "length": length, "complete": false})),
        )
            .into_response();
    }
    finish(app, sha, user, length).await
}

/// All bytes are there: check them against the name, then move them to their final place.
async fn finish(app: &Arc<App>, sha: &str, actor: &str, length: u64) -> Response {
    let (a, s, actor) = (app.clone(), sha.to_string(), actor.to_string());
    let outcome = blocking(move || {
        let partial = partial_path(&a, &s, &actor);
        let actual =
            sha256_file(&partial).map_err(|e| crate::storage::StoreError(e.to_string()))?;
        if actual != s {
            let _ = std::fs::remove_file(&partial);
            a.store.drop_attachment(&s, &actor)?;
            return Ok(false);
        }
        let io = |e: std::io::Error| crate::storage::StoreError(e.to_string());
        // A backend every node reads (PostgreSQL) keeps the bytes itself; otherwise they go to
        // this node's blob directory.
        let dest = final_path(&a, &s);
        if a.store.keeps_blobs() {
            a.store
                .put_blob(&s, &std::fs::read(&partial).map_err(io)?)?;
            std::fs::remove_file(&partial).map_err(io)?;
        } else if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
            if dest.exists() {
                // Someone uploaded these bytes before: they are kept once.
                std::fs::remove_file(&partial).map_err(io)?;
            } else {
                std::fs::rename(&partial, &dest).map_err(io)?;
            }
            // The rename is durable only once its directory is synced.
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io)?;
        }
        a.store.complete_attachment(
            &s,
            &actor,
            &Audit {
                at: &now().to_rfc3339(),
                actor: &actor,
                action: "attachment.upload",
                target: &s,
                outcome: "stored",
                detail: &length.to_string(),
            },
        )?;
        Ok(true)
    })
    .await;
    match outcome {
        Ok(true) => (
            StatusCode::CREATED,
            Json(json!({"sha256": sha, "size": length, "complete": true})),
        )
            .into_response(),
        Ok(false) => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "hash_mismatch",
            "附件内容与其 SHA-256 不符，已丢弃：请重新上传",
            "The bytes do not match their SHA-256 and were discarded: upload the file again",
        ),
        Err(r) => r,
    }
}

/// The caller's own upload of the attachment: someone else's says nothing to it (no probing).
pub async fn status(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(sha): Path<String>,
) -> Response {
    if !is_sha256(&sha) {
        return invalid_hash();
    }
    let user = auth.account.username;
    let (a, s, u) = (app.clone(), sha.clone(), user.clone());
    match blocking(move || a.store.attachment(&s, &u)).await {
        Ok(Some(m)) => {
            let got = if m.complete {
                m.length
            } else {
                received(&app, &sha, &user).await
            };
            Json(
                json!({"sha256": sha, "received": got, "length": m.length, "complete": m.complete}),
            )
            .into_response()
        }
        Ok(None) => not_found(),
        Err(r) => r,
    }
}

/// The content type of common photo formats, by their first bytes.
fn sniff(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        _ => "application/octet-stream",
    }
}

pub async fn get(State(app): State<Arc<App>>, auth: Authed, Path(sha): Path<String>) -> Response {
    if !is_sha256(&sha) {
        return invalid_hash();
    }
    let (a, s, user, scope) = (
        app.clone(),
        sha.clone(),
        auth.account.username.clone(),
        auth.scope(),
    );
    // The bytes from the database when it keeps them (every node reads them), else from disk.
    let visible = blocking(move || {
        Ok(if !a.store.attachment_visible(&s, &user, &scope)? {
            None
        } else if a.store.keeps_blobs() {
            Some(a.store.blob(&s)?)
        } else {
            Some(None)
        })
    })
    .await;
    let read = match visible {
        Ok(Some(Some(bytes))) => Ok(bytes),
        Ok(Some(None)) => tokio::fs::read(final_path(&app, &sha)).await,
        Ok(None) => return not_found(),
        Err(r) => return r,
    };
    match read {
        Ok(bytes) => (
            StatusCode::OK,
            [
                ("content-type", sniff(&bytes)),
                ("x-content-type-options", "nosniff"),
                ("cache-control", "private, max-age=31536000, immutable"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => super::unavailable(),
    }
}
