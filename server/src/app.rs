//! The state every handler shares: the storage, the limits of this deployment, and the few
//! in-memory things a node keeps (upload locks, the Argon2 workers, rate limiters). Nothing
//! here is needed for correctness across nodes: idempotency, ownership and quotas are the
//! database's (see `storage.rs`), so several nodes can share one database.

use crate::storage::Storage;
use std::path::PathBuf;
use std::sync::Arc;

pub struct App {
    pub store: Arc<dyn Storage>,
    /// How long a token stays valid.
    pub token_ttl: chrono::Duration,
    /// Where attachment bytes live: `partial/` while they arrive, then by hash.
    pub blobs: PathBuf,
    pub max_attachment: u64,
    /// One lock per attachment being uploaded (two tabs may send the same photo at once).
    pub uploads: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Sign-ins verified or waiting at once (each Argon2 run takes 19 MiB, on `hasher`'s
    /// threads with their memory reused); beyond, `503 busy`.
    pub argon: Arc<tokio::sync::Semaphore>,
    /// Argon2id on threads of its own (`argon.rs`).
    pub hasher: crate::argon::Hasher,
    /// Per-address limits on sign-in and uploads.
    pub rate: crate::guard::RateLimits,
    /// How far past the server's clock a ledger event may be dated.
    pub clock_skew: chrono::Duration,
    /// Per-account quotas.
    pub quotas: Quotas,
}

/// What one account may leave on the server that is not (yet) a record.
#[derive(Debug, Clone, Copy)]
pub struct Quotas {
    /// Bytes of attachment uploads begun and not finished.
    pub unfinished_bytes: u64,
    /// Bytes of records kept in `rejected` (no usable id, or refused as malformed).
    pub rejected_bytes: u64,
}
