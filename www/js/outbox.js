// The outbox: immutable records waiting for the server, drained by one tab (or the service worker)
// at a time under a Web Lock. Follows docs/openapi.yaml: stored/duplicate acknowledge; conflict,
// rejected, forbidden and 413 go to "needs attention" with the reason in plain words and are never
// retried by themselves nor dropped; 401 keeps everything and asks to sign in; 5xx, 429 and network
// errors are retried later with exponential backoff and jitter. Nothing is deleted before the
// server acknowledged it. Usable from pages and from the service worker (no DOM).
import { tx, all, getMeta, setMeta } from './db.js';
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
  if (s === 'stored' || s === 'duplicate') return { ack: true, status: s, report: body.report ?? null };
  if (s === 'conflict' || status === 409) return { attention: reason('conflict', body?.detail, status) };
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
/** Express reports (issue 14) are events too, with an endpoint of their own and the same protocol. */
const EVENT_ENDPOINTS = { event: '/api/v1/events', express: '/api/v1/express/events' };
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

/**
 * A record and all its files are on the server: move it to `sent` and free the bytes of its files
 * that no draft or unsent record still cites, in one transaction (photos must not fill the device).
 */
async function finish(rec, extra) {
  const mine = [...refsOf(rec).keys()];
  await tx(['outbox', 'sent', 'drafts', 'blobs'], 'readwrite', (s) => {
    s.outbox.delete(rec.id);
    s.sent.put({ ...rec, ...extra, state: 'sent', sentAt: new Date().toISOString() });
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
  });
}

async function uploadAttachment(cfg, sha) {
  const row = (await tx(['blobs'], 'readonly', (s) => s.blobs.get(sha)));
  if (!row) return false; // not on this device (imported record): nothing we can send
  const blob = row.blob;
  for (let guard = 0; guard < 10000; guard++) {
    const st = await request(cfg, `/api/v1/attachments/${sha}/status`);
    let received = 0;
    if (st.status === 200 && st.body) {
      if (st.body.complete) return true;
      received = st.body.received ?? 0;
    } else if (st.status !== 404) {
      throw new RetryLater(`attachment status HTTP ${st.status}`);
    } // 404: nothing received yet, start at 0
    const end = Math.min(blob.size, received + CHUNK);
    const put = await request(cfg, `/api/v1/attachments/${sha}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'upload-offset': String(received), 'upload-length': String(blob.size) },
      body: blob.slice(received, end),
    });
    if (put.status === 200 || put.status === 201) return true;
    if (put.status === 202 || put.status === 409) continue; // part stored / resume where the server says
    if (put.status === 422) return { attention: reason('hash_mismatch', put.body?.detail, 422) };
    if (put.status === 413) return { attention: reason('too_large', put.body?.detail, 413) };
    if (put.status === 404) throw new RetryLater('attachments endpoint missing');
    throw new RetryLater(`attachment HTTP ${put.status}`);
  }
  throw new RetryLater('attachment did not finish');
}

async function setState(id, patch) {
  await tx(['outbox'], 'readwrite', (s) => {
    const g = s.outbox.get(id);
    g.onsuccess = () => { if (g.result) s.outbox.put({ ...g.result, ...patch }); };
  });
}

/**
 * Drains the outbox once. cfg: {endpoint, token, fetch?}. Resolves with counts; rejects with
 * RetryLater (schedule a retry) or NeedsSignIn. Takes the Web Lock when the platform has it.
 */
export function drain(cfg, onProgress = () => {}) {
  const run = () => drainLocked(cfg, onProgress);
  const locks = globalThis.navigator?.locks;
  return locks ? locks.request(LOCK, run) : run();
}

async function drainLocked(cfg, onProgress) {
  // Read afresh under the lock: another tab may just have sent what we saw before.
  const pending = (await all('outbox')).filter((r) => r.state === 'pending').sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  // Submissions first, then ledger events (an inspector's entries cite the submission).
  const batches = [];
  for (const group of [pending.filter((r) => !isEvent(r)), ...Object.keys(EVENT_ENDPOINTS).map((k) => pending.filter((r) => r.kind === k))]) {
    for (let i = 0; i < group.length; i += BATCH) batches.push(group.slice(i, i + BATCH));
  }
  let acked = 0;
  let attention = 0;
  for (const batch of batches) {
    const results = await sendBatch(cfg, batch);
    // One transaction per batch: the acknowledgements of a batch land together.
    await tx(['outbox', 'sent'], 'readwrite', (s) => {
      for (const [rec, o] of results) {
        if (o.ack) {
          const files = [...refsOf(rec).keys()];
          if (files.length === 0) {
            s.outbox.delete(rec.id);
            s.sent.put({ ...rec, state: 'sent', serverStatus: o.status, level: o.report?.level ?? rec.level, sentAt: new Date().toISOString() });
          } else {
            s.outbox.put({ ...rec, state: 'files', serverStatus: o.status, files: rec.files ?? files.map((sha) => ({ sha256: sha, done: false })) });
          }
          acked++;
        } else {
          s.outbox.put({ ...rec, state: 'attention', reason: o.attention, attentionAt: new Date().toISOString() });
          attention++;
        }
      }
    });
    onProgress({ acked, attention });
  }
  // Attachments: each file resumes where the server says it stopped (getodk/collect#7356).
  for (const rec of (await all('outbox')).filter((r) => r.state === 'files')) {
    const files = rec.files ?? [];
    let stop = null;
    for (const f of files) {
      if (f.done) continue;
      const r = await uploadAttachment(cfg, f.sha256);
      if (r && r.attention) { stop = r.attention; break; }
      f.done = true;
      await setState(rec.id, { files });
    }
    if (stop) await setState(rec.id, { state: 'attention', reason: stop, attentionAt: new Date().toISOString() });
    else await finish(rec, { files });
    onProgress({ acked, attention });
  }
  if (pending.length > 0 || acked > 0) await setMeta('lastSync', new Date().toISOString());
  return { acked, attention };
}

/** Puts a "needs attention" record back in the queue (the user fixed the cause, e.g. signed in as another account). */
export const retryRecord = (id) => setState(id, { state: 'pending', reason: null });

export async function counts() {
  const rows = await all('outbox');
  return {
    pending: rows.filter((r) => r.state === 'pending' || r.state === 'files').length,
    attention: rows.filter((r) => r.state === 'attention').length,
    lastSync: await getMeta('lastSync'),
  };
}

/** Backoff for the next attempt after `failures` failures in a row: 2 s doubling to 5 min, jitter 50-150 %. */
export function backoff(failures, random = Math.random, first = 2000) {
  const base = Math.min(300000, first * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.5 + random()));
}
