// The outbox: immutable records waiting for the server, drained by one tab (or the service worker)
// at a time under a Web Lock. Follows docs/openapi.yaml: stored/duplicate acknowledge; conflict,
// rejected, forbidden and 413 go to "needs attention" with the reason in plain words and are never
// retried by themselves nor dropped; 401 keeps everything and asks to sign in. A drain sends
// batches of records and the photos of acknowledged records side by side, a few requests in flight
// (pool.js); a request that fails (5xx, 429, network, a lost answer) is tried again after its own
// short backoff while the others go on, and resent as it was (the server's idempotency makes that
// safe). Only when nothing gets through for a while does the drain give up, and the caller's long
// backoff applies. Nothing is deleted before the server acknowledged it. Usable from pages and from
// the service worker (no DOM).
import { tx, all, count, getMeta } from './db.js';
import { createPool } from './pool.js';
import { apiFetch } from './http.js';
import { isSha256 } from './sha256.js';

export const LOCK = 'paicha-outbox';
const BATCH = 100;
const CHUNK = 256 * 1024;

export class RetryLater extends Error {}
export class NeedsSignIn extends Error {}

/** Every attachment reference {sha256, ...} in the answers (photos, signatures, inside repeats). */
export function attachmentRefs(value, out = new Map()) {
  if (Array.isArray(value)) value.forEach((v) => attachmentRefs(v, out));
  else if (value && typeof value === 'object') {
    if (isSha256(value.sha256)) out.set(value.sha256, value);
    else Object.values(value).forEach((v) => attachmentRefs(v, out));
  }
  return out;
}

const words = {
  conflict: {
    zh: '服务器上已有同一编号、内容不同的记录。两份都已保留，等待管理人员核对；请勿重复提交。',
    en: 'The server already holds a record with this id and different content. Both are kept for review; do not submit again.',
  },
  rejected: {
    zh: '服务器不接受这条记录（编号或格式有误）。记录仍保存在本机，请导出后联系管理人员。',
    en: 'The server does not accept this record (bad id or format). It is still kept here; export it and contact your administrator.',
  },
  forbidden: {
    zh: '当前账号无权上传这家企业或这个地区的记录。请用对应的账号重新登录。',
    en: 'This account may not upload records of this enterprise or region. Sign in with the right account.',
  },
  invalid_enterprise: {
    zh: '记录中的企业信息有误（见下方说明），服务器无法归属。请点“改正：复制为新草稿”，改正后重新提交。',
    en: 'The enterprise details in this record are wrong (see below), so the server cannot file it. Use "Correct: copy to a new draft", fix them and submit again.',
  },
  too_large: {
    zh: '记录太大，服务器拒收（请减少照片后重新填写，或导出后联系管理人员）。',
    en: 'The record is too large for the server (use fewer photos, or export it and contact your administrator).',
  },
  hash_mismatch: {
    zh: '一张照片在本机已损坏，无法上传。请导出记录并联系管理人员。',
    en: 'A photo stored on this device is damaged and cannot be uploaded. Export the record and contact your administrator.',
  },
};

function reason(kind, detail, status) {
  const w = words[kind] ?? words.rejected;
  return { kind, status, zh: w.zh, en: w.en, detail: detail ?? null };
}

/** What a per-record answer means for the client. */
function outcome(status, body) {
  const s = body?.status;
  if (s === 'stored' || s === 'duplicate' || s === 'updated') return { ack: true, status: s, report: body.report ?? null };
  if (s === 'conflict' || status === 409) return { attention: reason('conflict', body?.detail, status) };
  if (body?.code === 'invalid_enterprise') return { attention: reason('invalid_enterprise', body?.detail, status) };
  if (s === 'forbidden' || status === 403) return { attention: reason('forbidden', body?.detail, status) };
  if (status === 413) return { attention: reason('too_large', body?.detail, status) };
  if (s === 'rejected' || status === 400) return { attention: reason('rejected', body?.detail, status) };
  if (status === 401) throw new NeedsSignIn(body?.code ?? 'unauthenticated');
  throw new RetryLater(`HTTP ${status}`);
}

async function request(cfg, path, init = {}) {
  let res;
  try {
    // A request that hangs must not hold the lock for ever: give up after a while and retry.
    res = await apiFetch(path, { ...init, endpoint: cfg.endpoint, token: cfg.token, fetch: cfg.fetch ?? fetch, signal: AbortSignal.timeout(cfg.timeout ?? 120000) });
  } catch (e) {
    throw new RetryLater(`network: ${e.message}`);
  }
  let body = null;
  try { body = await res.json(); } catch { /* a lost or cut answer: body stays null */ }
  if (res.status === 401) throw new NeedsSignIn(body?.code ?? 'unauthenticated');
  if (res.status >= 500 || res.status === 429 || res.status === 408) throw new RetryLater(`HTTP ${res.status}`);
  return { status: res.status, body };
}

/** Ledger events (issue 6) travel in the same queue as submissions, to their own endpoint, which
 * always answers a batch with one result per event. Events go in the order they were made, so an
 * entry's `created` reaches the server before the acts on it. */
/** Express reports (issue 14) are events too, with an endpoint of their own and the same protocol;
 * so are versions of spot-check records (`spot`: the whole record in `event`, answered `updated`
 * when it is a new version), sent first, as a spot check's ledger entry comes from its record. */
const EVENT_ENDPOINTS = { spot: '/api/v1/spot-checks', event: '/api/v1/events', express: '/api/v1/express/events' };
const isEvent = (rec) => Object.hasOwn(EVENT_ENDPOINTS, rec.kind);
const payload = (rec) => (isEvent(rec) ? rec.event : rec.submission);
/** What a record cites: a submission's photos and signatures, an event's evidence. */
const refsOf = (rec) => attachmentRefs(isEvent(rec) ? rec.event : rec.submission.answers);

async function sendEvents(cfg, records) {
  const r = await request(cfg, EVENT_ENDPOINTS[records[0].kind], {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records.map(payload)),
  });
  if (r.status === 200 && Array.isArray(r.body?.results) && r.body.results.length === records.length) {
    return records.map((rec, i) => [rec, outcome(r.body.results[i].http_status ?? 200, r.body.results[i])]);
  }
  if (r.status === 200) throw new RetryLater('answer lost');
  if (records.length === 1) return [[records[0], outcome(r.status, r.body)]];
  const out = [];
  for (const rec of records) out.push(...(await sendEvents(cfg, [rec])));
  return out;
}

/** Sends records' submissions; returns [[record, outcome]]. A 413 for a batch retries one by one. */
async function sendBatch(cfg, records) {
  if (records.length > 0 && isEvent(records[0])) return sendEvents(cfg, records);
  if (records.length === 1) {
    const r = await request(cfg, '/api/v1/submissions', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records[0].submission),
    });
    if (r.body === null && r.status < 300) throw new RetryLater('answer lost');
    return [[records[0], outcome(r.status, r.body)]];
  }
  const r = await request(cfg, '/api/v1/submissions', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records.map((x) => x.submission)),
  });
  if (r.status === 200 && Array.isArray(r.body?.results) && r.body.results.length === records.length) {
    return records.map((rec, i) => [rec, outcome(r.body.results[i].http_status ?? 200, r.body.results[i])]);
  }
  if (r.status === 200) throw new RetryLater('answer lost');
  // 413 or a batch-level problem: one at a time, so one bad record cannot hold the others.
  const out = [];
  for (const rec of records) out.push(...(await sendBatch(cfg, [rec])));
  return out;
}

/** Frees the bytes of `mine` that no draft or unsent record still cites (inside transaction s). */
function freeBlobs(s, mine) {
  const drafts = s.drafts.getAll();
  drafts.onsuccess = () => {
    const others = s.outbox.getAll();
    others.onsuccess = () => {
      const cited = new Set();
      for (const d of drafts.result) for (const k of attachmentRefs(d.answers).keys()) cited.add(k);
      for (const o of others.result) for (const k of refsOf(o).keys()) cited.add(k);
      for (const sha of mine) if (!cited.has(sha)) s.blobs.delete(sha);
    };
  };
}

/**
 * One file of record `id` is on the server: mark it, and when it was the record's last, move the
 * record to `sent` and free the bytes no draft or unsent record still cites, in one transaction
 * (photos must not fill the device). Read and written inside the transaction: two files of one
 * record finishing at once must not overwrite each other's mark.
 */
function fileDone(id, sha) {
  return tx(['outbox', 'sent', 'drafts', 'blobs', 'meta'], 'readwrite', (s) => {
    s.meta.put({ key: 'lastSync', value: new Date().toISOString() });
    const g = s.outbox.get(id);
    g.onsuccess = () => {
      const rec = g.result;
      if (!rec || rec.state !== 'files') return;
      const files = (rec.files ?? []).map((f) => (f.sha256 === sha ? { ...f, done: true } : f));
      if (files.every((f) => f.done)) {
        s.outbox.delete(rec.id);
        const { retryAt: _r, tries: _t, lastError: _e, ...kept } = rec;
        s.sent.put({ ...kept, files, state: 'sent', sentAt: new Date().toISOString() });
        freeBlobs(s, refsOf(rec).keys());
      } else s.outbox.put({ ...rec, files });
    };
  });
}

/** Bytes of photos sent so far in this context, by sha256 (the status shows what is left). */
export const uploading = new Map();

async function uploadAttachment(cfg, sha) {
  const row = (await tx(['blobs'], 'readonly', (s) => s.blobs.get(sha)));
  if (!row) return false; // not on this device (imported record): nothing we can send
  const blob = row.blob;
  try {
    for (let guard = 0; guard < 10000; guard++) {
      const st = await request(cfg, `/api/v1/attachments/${sha}/status`);
      let received = 0;
      if (st.status === 200 && st.body) {
        if (st.body.complete) return true;
        received = st.body.received ?? 0;
      } else if (st.status !== 404) {
        throw new RetryLater(`attachment status HTTP ${st.status}`);
      } // 404: nothing received yet, start at 0
      uploading.set(sha, received);
      const end = Math.min(blob.size, received + CHUNK);
      const put = await request(cfg, `/api/v1/attachments/${sha}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'upload-offset': String(received), 'upload-length': String(blob.size) },
        body: blob.slice(received, end),
      });
      if (put.status === 200 || put.status === 201) return true;
      if (put.status === 202 || put.status === 409) { uploading.set(sha, end); continue; } // part stored / resume where the server says
      if (put.status === 422) return { attention: reason('hash_mismatch', put.body?.detail, 422) };
      if (put.status === 413) return { attention: reason('too_large', put.body?.detail, 413) };
      if (put.status === 404) throw new RetryLater('attachments endpoint missing');
      throw new RetryLater(`attachment HTTP ${put.status}`);
    }
    throw new RetryLater('attachment did not finish');
  } finally {
    uploading.delete(sha);
  }
}

/** Stores one batch's answers in one transaction: the acknowledgements of a batch land together. */
function storeResults(results) {
  const now = new Date().toISOString();
  return tx(['outbox', 'sent', 'meta'], 'readwrite', (s) => {
    if (results.some(([, o]) => o.ack)) s.meta.put({ key: 'lastSync', value: now });
    for (const [rec0, o] of results) {
      const { retryAt: _r, tries: _t, lastError: _e, ...rec } = rec0;
      if (o.ack) {
        const files = [...refsOf(rec).keys()];
        if (files.length === 0) {
          s.outbox.delete(rec.id);
          s.sent.put({ ...rec, state: 'sent', serverStatus: o.status, level: o.report?.level ?? rec.level, sentAt: now });
        } else {
          s.outbox.put({ ...rec, state: 'files', serverStatus: o.status, ackedAt: now, files: rec.files ?? files.map((sha) => ({ sha256: sha, done: false })) });
        }
      } else {
        s.outbox.put({ ...rec, state: 'attention', reason: o.attention, attentionAt: now });
      }
    }
  });
}

/** A failed batch says when its next try is (the outbox shows it on each row). */
function markRetry(ids, at, error, tries) {
  const retryAt = new Date(at).toISOString();
  return tx(['outbox'], 'readwrite', (s) => {
    for (const id of ids) {
      const g = s.outbox.get(id);
      g.onsuccess = () => { if (g.result?.state === 'pending') s.outbox.put({ ...g.result, retryAt, tries, lastError: String(error?.message ?? error) }); };
    }
  }).catch(() => {}); // only a hint for the status: never worth failing the drain for
}

async function setState(id, patch) {
  await tx(['outbox'], 'readwrite', (s) => {
    const g = s.outbox.get(id);
    g.onsuccess = () => { if (g.result) s.outbox.put({ ...g.result, ...patch }); };
  });
}

/**
 * Drains the outbox once. cfg: {endpoint, token, fetch?, limit?, retryFirst?, retryCap?,
 * giveUpAfter?}. Resolves with counts; rejects with RetryLater (nothing got through for a while:
 * schedule a retry; its `progress` says what did get through) or NeedsSignIn. Takes the Web Lock
 * when the platform has it.
 */
export function drain(cfg, onProgress = () => {}) {
  const run = () => drainLocked(cfg, onProgress);
  const locks = globalThis.navigator?.locks;
  return locks ? locks.request(LOCK, run) : run();
}

/** The short backoff of one request inside a drain: 0.5 s (tests choose) doubling to 8 s, jitter 50-150 %. */
const taskBackoff = (cfg) => (n) => backoff(n, Math.random, cfg.retryFirst ?? 500, cfg.retryCap ?? 8000);

async function drainLocked(cfg, onProgress) {
  // Read afresh under the lock: another tab may just have sent what we saw before.
  const rows = await all('outbox');
  const pending = rows.filter((r) => r.state === 'pending').sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const progress = { acked: 0, attention: 0, files: 0 };
  const tell = () => onProgress({ ...progress });
  const pool = createPool({
    limit: cfg.limit ?? 4,
    // Records take at most 3 of the 4 slots: photos go on while records are sent.
    kindLimits: { batch: Math.max(1, (cfg.limit ?? 4) - 1), file: cfg.limit ?? 4, events: 1 },
    retryable: (e) => e instanceof RetryLater,
    backoff: taskBackoff(cfg),
    giveUpAfter: cfg.giveUpAfter ?? { failures: 6, ms: 15000 },
    onRetry: (task, at, e, n) => { if (task.ids) markRetry(task.ids, at, e, n).then(tell); },
  });

  // Files: one task per distinct file, whichever records cite it.
  const citing = new Map(); // sha256 -> Set of record ids
  const addFiles = (rec) => {
    for (const f of rec.files ?? []) {
      if (f.done) continue;
      const first = !citing.has(f.sha256);
      if (first) citing.set(f.sha256, new Set());
      citing.get(f.sha256).add(rec.id);
      if (!first) continue;
      const sha = f.sha256;
      pool.add({
        kind: 'file',
        run: async () => {
          // Attachments resume where the server says they stopped (getodk/collect#7356).
          const r = await uploadAttachment(cfg, sha);
          const ids = [...citing.get(sha)];
          if (r && r.attention) {
            for (const id of ids) await setState(id, { state: 'attention', reason: r.attention, attentionAt: new Date().toISOString() });
            progress.attention += ids.length;
          } else {
            for (const id of ids) await fileDone(id, sha);
            progress.files++;
          }
          tell();
        },
      });
    }
  };
  for (const rec of rows.filter((r) => r.state === 'files')) addFiles(rec);

  // Records: independent batches, each with its own retries; a lost answer resends the batch as it
  // is (the server answers `duplicate` for what it already stored).
  const handle = async (results) => {
    await storeResults(results);
    for (const [rec, o] of results) {
      if (o.ack) {
        progress.acked++;
        const files = [...refsOf(rec).keys()];
        if (files.length) addFiles({ id: rec.id, files: rec.files ?? files.map((sha) => ({ sha256: sha, done: false })) });
      } else progress.attention++;
    }
    tell();
  };
  const subs = pending.filter((r) => !isEvent(r));
  for (let i = 0; i < subs.length; i += BATCH) {
    const batch = subs.slice(i, i + BATCH);
    pool.add({ kind: 'batch', ids: batch.map((r) => r.id), run: async () => handle(await sendBatch(cfg, batch)) });
  }
  // Events (ledger, express reports): after the submissions (an inspector's entries cite them), each
  // kind to its endpoint in the order they were made (an entry's `created` before the acts on it),
  // so one task sends their batches in turn and a retry resumes at the first batch not yet answered.
  const events = pending.filter(isEvent);
  if (events.length) {
    const left = [];
    for (const kind of Object.keys(EVENT_ENDPOINTS)) {
      const group = events.filter((r) => r.kind === kind);
      for (let i = 0; i < group.length; i += BATCH) left.push(group.slice(i, i + BATCH));
    }
    pool.add({
      kind: 'events', after: 'batch', ids: events.map((r) => r.id),
      run: async () => {
        while (left.length) {
          await handle(await sendBatch(cfg, left[0]));
          left.shift();
        }
      },
    });
  }
  try {
    await pool.done;
  } catch (e) {
    if (e instanceof RetryLater) e.progress = { ...progress };
    throw e;
  }
  return { acked: progress.acked, attention: progress.attention };
}

/** Puts a "needs attention" record back in the queue (the user fixed the cause, e.g. signed in as another account). */
export const retryRecord = (id) => setState(id, { state: 'pending', reason: null });

/**
 * What the status shows: records still to send (`toSend`), records whose data is on the server but
 * whose photos are not (`filesOnly`), photos left and their bytes (less what this page has sent of
 * them so far), needs attention, the last acknowledgement. `pending` (toSend + filesOnly) is kept for
 * the callers that count the queue.
 */
export async function counts() {
  const rows = await all('outbox');
  let toSend = 0;
  let filesOnly = 0;
  let attention = 0;
  let replaced = 0;
  const left = new Map(); // sha256 -> size
  for (const r of rows) {
    if (r.state === 'pending') {
      toSend++;
      for (const [sha, ref] of refsOf(r)) left.set(sha, ref.size ?? 0);
    } else if (r.state === 'files') {
      filesOnly++;
      for (const f of r.files ?? []) if (!f.done) left.set(f.sha256, refsOf(r).get(f.sha256)?.size ?? 0);
    } else if (r.state === 'attention') attention++;
    else if (r.state === 'replaced') replaced++;
  }
  let bytesLeft = 0;
  for (const [sha, size] of left) bytesLeft += Math.max(0, size - (uploading.get(sha) ?? 0));
  return {
    pending: toSend + filesOnly, toSend, filesOnly, attention, replaced,
    photos: left.size, photoBytes: bytesLeft, uploadingPhotos: uploading.size,
    sent: await count('sent'),
    lastSync: await getMeta('lastSync'),
  };
}

/**
 * Backoff for the next attempt after `failures` failures in a row: `first` (2 s) doubling to `cap`
 * (5 min), jitter 50-150 %.
 */
export function backoff(failures, random = Math.random, first = 2000, cap = 300000) {
  const base = Math.min(cap, first * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.5 + random()));
}
