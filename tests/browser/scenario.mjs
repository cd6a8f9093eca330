// The bad-network scenario of issue 17, shared by tests/browser/sync.test.mjs and bench/sync.mjs:
// a queue of records (some with photos) put in the app's outbox as the Submit button leaves them,
// and a fault plan that fails half of the writes the way a weak mobile link does.
import { token } from './helpers.mjs';

/** A small seeded generator (mulberry32): the same faults on every run of one seed. */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isWrite = (req) => (req.method === 'POST' && req.url.startsWith('/api/v1/submissions')) || req.method === 'PUT';

/**
 * Half of the writes (record batches, photo parts) fail: a 503, a connection cut before the
 * server sees it, or the answer lost after the server stored it; a quarter of the others are
 * delayed. Reads (the attachment status) pass.
 */
export function halfFailing(seed = 17, share = 0.5) {
  const rnd = seeded(seed);
  return (req) => {
    if (!isWrite(req)) return 'pass';
    const r = rnd();
    if (r < share / 3) return { status: 503 };
    if (r < (2 * share) / 3) return 'drop';
    if (r < share) return 'lose';
    if (r < share + (1 - share) / 4) return { delay: 150 };
    return 'pass';
  };
}

/**
 * Queues `records` records in the page's outbox, `photos` of them with one photo of `photoBytes`
 * random bytes each, in one IndexedDB transaction: an inspector's on-site checklists (the server
 * takes that form from inspectors only: sign in as `jiancha`). Resolves with {ids, shas}.
 */
export function queueScenario(page, { records, photos, photoBytes }) {
  return page.evaluate(async ([records, photos, photoBytes]) => {
    const store = await import('/www/js/store.js');
    const db = await import('/www/js/db.js');
    const enterprise = { uscc: '91520102MA6DK4L2XN', name: '贵阳示例车行', region: '520102' };
    const every = Math.max(1, Math.floor(records / Math.max(1, photos)));
    const rows = [];
    const blobs = [];
    for (let i = 0; i < records; i++) {
      const withPhoto = i % every === 0 && blobs.length < photos;
      const d = store.newDraft({ product: 'electric-bicycle', form: 'onsite_inspection', link: 'sales', role: 'inspector', enterprise });
      d.answers = { 'ebike.model': `M-${i}`, 'ebike.max_speed_kmh': 15 + (i % 15), 'ebike.battery_chemistry': 'lithium' };
      if (withPhoto) {
        const bytes = new Uint8Array(photoBytes);
        for (let o = 0; o < bytes.length; o += 65536) crypto.getRandomValues(bytes.subarray(o, o + 65536));
        const sha = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (x) => x.toString(16).padStart(2, '0')).join('');
        const ref = { sha256: sha, name: `p${i}.jpg`, type: 'image/jpeg', size: bytes.length };
        d.answers['ebike.onsite_photo'] = [ref];
        blobs.push({ ...ref, blob: new Blob([bytes], { type: 'image/jpeg' }) });
      }
      rows.push({ id: d.id, submission: store.toSubmission(d), state: 'pending', level: 'none', createdAt: new Date(Date.now() + i).toISOString() });
    }
    await db.tx(['outbox', 'blobs'], 'readwrite', (s) => {
      for (const b of blobs) s.blobs.put(b);
      for (const r of rows) s.outbox.put(r);
    });
    return { ids: rows.map((r) => r.id), shas: blobs.map((b) => b.sha256) };
  }, [records, photos, photoBytes]);
}

/** How many of `shas` the server holds complete (asked as the uploading account). */
export async function photosOnServer(server, shas, username = 'jiancha') {
  const tok = await token(server, username);
  let n = 0;
  for (const sha of shas) {
    const r = await fetch(`${server.url}/api/v1/attachments/${sha}/status`, { headers: { authorization: `Bearer ${tok}` } });
    if (r.ok && (await r.json()).complete) n++;
  }
  return n;
}

/** Polls the page's outbox until nothing is left to send or `ms` passed; resolves with the counts. */
export async function drained(page, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const c = await page.evaluate(async () => (await import('/www/js/outbox.js')).counts());
    if ((c.pending === 0 && c.attention === 0) || Date.now() > end) return c;
    await new Promise((r) => setTimeout(r, 200));
  }
}
