//! Argon2id on a few threads of its own, each with its memory allocated once and reused. Each
//! hash needs 19 MiB: run on tokio's blocking pool, every new pool thread got a fresh malloc
//! arena that kept that memory after the hash (glibc returns little of it), so floods of failed
//! sign-ins grew the server from 44 MiB to over 1 GB and it never shrank. Here the memory is
//! `workers` x 19 MiB, whatever the load (measured in `tests/hardening.rs`).

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

enum Job {
    Hash(String, tokio::sync::oneshot::Sender<Result<String, String>>),
    Verify(String, String, tokio::sync::oneshot::Sender<bool>),
}

/// The workers' queue. Callers bound how many jobs wait (the sign-in semaphore).
pub struct Hasher {
    tx: SyncSender<Job>,
}

impl Hasher {
    /// Start `workers` threads with their memory; at most `queue` jobs wait for one.
    pub fn start(workers: usize, queue: usize) -> std::io::Result<Hasher> {
        let (tx, rx) = sync_channel::<Job>(queue.max(1));
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..workers.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(&rx))?;
        }
        Ok(Hasher { tx })
    }

    /// Does `password` match the PHC string `hash`? `false` also when the workers are gone.
    pub async fn verify(&self, password: String, hash: String) -> bool {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.tx.try_send(Job::Verify(password, hash, tx)).is_err() {
            return false;
        }
        rx.await.unwrap_or(false)
    }

    /// The PHC string of `password` with a new random salt.
    pub async fn hash(&self, password: String) -> Result<String, String> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.tx
            .try_send(Job::Hash(password, tx))
            .map_err(|_| "the password hasher is busy".to_string())?;
        rx.await
            .map_err(|_| "the password hasher stopped".to_string())?
    }
}

fn work(rx: &Mutex<Receiver<Job>>) {
    let mut memory = vec![Block::default(); Params::default().block_count()];
    loop {
        let job = {
            let Ok(rx) = rx.lock() else { return };
            match rx.recv() {
                Ok(j) => j,
                Err(_) => return,
            }
        };
        match job {
            Job::Hash(p, reply) => {
                let _ = reply.send(hash_with(&mut memory, p.as_bytes()));
            }
            Job::Verify(p, h, reply) => {
                let _ = reply.send(verify_with(&mut memory, p.as_bytes(), &h));
            }
        }
    }
}

/// The blocks for `params`, growing the worker's memory only for a hash made with larger
/// parameters than today's default (none is: every hash is made here).
fn blocks<'m>(memory: &'m mut Vec<Block>, params: &Params) -> &'m mut [Block] {
    let n = params.block_count();
    if memory.len() < n {
        memory.resize(n, Block::default());
    }
    memory.get_mut(..n).unwrap_or_default()
}

fn hash_with(memory: &mut Vec<Block>, password: &[u8]) -> Result<String, String> {
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&raw).map_err(|e| e.to_string())?;
    let params = Params::default();
    let a = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    a.hash_password_into_with_memory(password, &raw, &mut out, blocks(memory, &params))
        .map_err(|e| e.to_string())?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(hash.to_string())
}

fn verify_with(memory: &mut Vec<Block>, password: &[u8], phc: &str) -> bool {
    let Ok(h) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(params), Ok(alg)) = (Params::try_from(&h), Algorithm::try_from(h.algorithm)) else {
        return false;
    };
    let version = match h.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let a = Argon2::new(alg, version, params.clone());
    if a.hash_password_into_with_memory(password, salt, &mut out, blocks(memory, &params))
        .is_err()
    {
        return false;
    }
    // `Output`'s equality is constant-time.
    Output::new(&out).is_ok_and(|o| o == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_here_and_with_the_argon2_crate_alike() {
        let mut m = Vec::new();
        let h = hash_with(&mut m, b"correct horse").unwrap_or_default();
        assert!(verify_with(&mut m, b"correct horse", &h));
        assert!(!verify_with(&mut m, b"correct horsf", &h));
        // Hashes made before (by the crate's own allocation) verify here, and ours there.
        let old = crate::auth::hash_password("battery staple").unwrap_or_default();
        assert!(verify_with(&mut m, b"battery staple", &old));
        assert!(crate::auth::verify_password("correct horse", &h));
        assert!(!verify_with(&mut m, b"x", "not a hash"));
    }
}
