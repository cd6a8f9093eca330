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
    /// Argon2 runs allowed at once (each takes about 19 MiB).
    pub argon: Arc<tokio::sync::Semaphore>,
}
