// IndexedDB: one database, reopened whenever the browser closes it (iOS Safari does under memory
// pressure, enketo/enketo#1576). Every write that must be atomic (a draft and its photos, a submit
// moving a draft to the outbox, an acknowledgement moving a record to `sent`) is one transaction.
// Usable from pages and from the service worker (no DOM).

const NAME = 'paicha';
const VERSION = 2;
// meta: key/value (enterprise, lang, token, lastSync, backoff)   catalogues: bundle text by hash
// drafts: editable records   blobs: attachment bytes by sha256   outbox: immutable, unsent records
// sent: acknowledged records (kept as a receipt)   register: the enterprise register of the
// account's regions (by USCC; version 2)
export const STORES = ['meta', 'catalogues', 'drafts', 'blobs', 'outbox', 'sent', 'register'];

let dbp = null;

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(NAME, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const s of STORES) if (!db.objectStoreNames.contains(s)) db.createObjectStore(s, { keyPath: s === 'blobs' ? 'sha256' : s === 'meta' ? 'key' : s === 'catalogues' ? 'hash' : 'id' });
    };
    req.onsuccess = () => {
      const db = req.result;
      // Closed by the browser (storage cleared, memory pressure) or by a newer version elsewhere:
      // forget it, the next call opens a fresh connection.
      db.onclose = () => { if (dbp) dbp = null; };
      db.onversionchange = () => { db.close(); dbp = null; };
      resolve(db);
    };
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('database blocked by another tab'));
  });
}

function db() {
  if (!dbp) dbp = openDb().catch((e) => { dbp = null; throw e; });
  return dbp;
}

const done = (tx) => new Promise((resolve, reject) => {
  tx.oncomplete = () => resolve();
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
});

/**
 * Runs fn(stores) in one transaction over the named stores and resolves with fn's result once the
 * transaction has committed. A connection found closed is reopened and the call retried once.
 */
export async function tx(names, mode, fn) {
  for (let attempt = 0; ; attempt++) {
    let t;
    try {
      t = (await db()).transaction(names, mode, { durability: globalThis.__paichaDurability ?? 'strict' });
    } catch (e) {
      // InvalidStateError: the connection is closing or closed.
      dbp = null;
      if (attempt === 0) continue;
      throw e;
    }
    const stores = Object.fromEntries(names.map((n) => [n, t.objectStore(n)]));
    const result = fn(stores);
    await done(t);
    return result && typeof result.then === 'function' ? result : unwrap(result);
  }
}

// Requests made inside fn resolve after commit: collect their results.
function unwrap(r) {
  if (r instanceof IDBRequest) return r.result;
  if (Array.isArray(r)) return r.map(unwrap);
  return r;
}

export const get = (store, key) => tx([store], 'readonly', (s) => s[store].get(key));
export const all = (store) => tx([store], 'readonly', (s) => s[store].getAll());
export const put = (store, value) => tx([store], 'readwrite', (s) => { s[store].put(value); });
export const del = (store, key) => tx([store], 'readwrite', (s) => { s[store].delete(key); });
export const count = (store) => tx([store], 'readonly', (s) => s[store].count());

export async function getMeta(key, fallback = null) {
  const r = await get('meta', key);
  return r ? r.value : fallback;
}
export const setMeta = (key, value) => put('meta', { key, value });

/** Closes the connection (tests and the export/import path use it to simulate the browser doing so). */
export async function closeForTest() {
  if (dbp) (await dbp).close();
  dbp = null;
}
