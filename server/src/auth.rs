//! Accounts, passwords and bearer tokens. Passwords are kept as Argon2id hashes; tokens are 256
//! random bits given to the client once and kept only as their SHA-256, so a copy of the database
//! lets no one sign in. Tokens expire after the server's token lifetime.

use crate::app::App;
use crate::problem::{problem, unavailable};
use crate::storage::{region_prefix, Account, Role, Scope};
#[cfg(test)]
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn random(n: usize) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| e.to_string())?;
    Ok(buf)
}

pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(&random(16)?).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// The crate's own verification (the server verifies on `argon::Hasher`'s threads); kept to
/// test that both agree.
#[cfg(test)]
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash no password matches, computed once: verified against when the account does not exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no account has this password").unwrap_or_default())
}

/// A new token (64 hex digits) and the hash the server keeps of it.
pub fn new_token() -> Result<(String, String), String> {
    let token = hex(&random(32)?);
    let hash = sha256_hex(token.as_bytes());
    Ok((token, hash))
}

/// A readable random password for demo accounts (no look-alike characters).
pub fn new_password() -> Result<String, String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    Ok(random(12)?
        .iter()
        .filter_map(|b| ALPHABET.get(usize::from(*b) % ALPHABET.len()))
        .map(|&c| char::from(c))
        .collect())
}

/// What an account may read and write.
pub fn scope(a: &Account) -> Scope {
    let prefixes = |rs: &[String]| rs.iter().map(|r| region_prefix(r)).collect();
    match a.role {
        Role::Admin => Scope::All,
        Role::Enterprise => Scope::Enterprise {
            uscc: a.uscc.clone().unwrap_or_default(),
            regions: prefixes(&a.regions),
        },
        Role::Inspector | Role::Supervisor => Scope::Regions(prefixes(&a.regions)),
    }
}

/// The signed-in account of a request, with the token's hash (to sign out).
pub struct Authed {
    pub account: Account,
    pub token_hash: String,
}

impl Authed {
    pub fn scope(&self) -> Scope {
        scope(&self.account)
    }
    pub fn require_admin(&self) -> Result<(), Response> {
        if self.account.role == Role::Admin {
            Ok(())
        } else {
            Err(problem(
                StatusCode::FORBIDDEN,
                "forbidden",
                "只有管理员可以这样做",
                "Only an administrator may do this",
            ))
        }
    }
}

fn unauthenticated() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "请先登录",
        "Sign in first: send `Authorization: Bearer <token>`",
    )
}

impl FromRequestParts<Arc<App>> for Authed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(unauthenticated)?;
        let hash = sha256_hex(token.as_bytes());
        let store = app.store.clone();
        let h = hash.clone();
        let found = tokio::task::spawn_blocking(move || store.token(&h))
            .await
            .map_err(|_| unavailable())?
            .map_err(|_| unavailable())?;
        let Some((account, expires_at)) = found else {
            return Err(unauthenticated());
        };
        let expired = chrono::DateTime::parse_from_rfc3339(&expires_at)
            .map(|t| t <= chrono::Utc::now())
            .unwrap_or(true);
        if expired {
            return Err(problem(
                StatusCode::UNAUTHORIZED,
                "token_expired",
                "登录已过期，请重新登录（未上传的记录仍保留在本机）",
                "The sign-in has expired; sign in again (records not yet sent stay on the device)",
            ));
        }
        if account.disabled {
            return Err(unauthenticated());
        }
        Ok(Authed {
            account,
            token_hash: hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_codes_cover_their_subdivisions() {
        assert_eq!(region_prefix("520000"), "52");
        assert_eq!(region_prefix("520100"), "5201");
        assert_eq!(region_prefix("520102"), "520102");
        assert_eq!(region_prefix("100000"), "10");
        let s = Scope::Regions(vec![region_prefix("520100")]);
        assert!(s.covers("x", "520102") && s.may_write("x", "520102"));
        assert!(!s.covers("x", "520201"));
        assert!(!Scope::Regions(vec![]).covers("x", "520102"));
        let none = Scope::Enterprise {
            uscc: String::new(),
            regions: vec![],
        };
        assert!(!none.covers("", ""));
        // An enterprise reads all its records but files them only under its own regions.
        let e = Scope::Enterprise {
            uscc: "U".into(),
            regions: vec!["520102".into()],
        };
        assert!(e.covers("U", "110108") && !e.may_write("U", "110108"));
        assert!(e.may_write("U", "520102") && !e.may_write("V", "520102"));
        assert!(!e.has_region("520102"));
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse").unwrap_or_default();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horsf", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
