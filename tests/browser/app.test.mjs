// The offline web app in a real Chromium against the real paicha-server: drafts survive being
// offline, reloads and a closed browser; a record submitted offline arrives exactly once when the
// server comes up; upload faults (500/503, cut connections, lost answers, two tabs, a reload
// mid-upload) end with each record once on the server and an empty outbox; 400/403/409 land in
// "needs attention"; 401 keeps records until the user signs in again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, startChecklist, item, startServer, faultProxy, serverIds, serverRecord, cleanup, PASSWORD, token, signIn } from './helpers.mjs';


/** Outbox counts read through the app's own module. */
const counts = (page) => page.evaluate(async () => (await import('/www/js/outbox.js')).counts());
async function waitCounts(page, want, timeout = 30000) {
  const end = Date.now() + timeout;
  for (;;) {
    const c = await counts(page);
    if (Object.entries(want).every(([k, v]) => c[k] === v)) return c;
    if (Date.now() > end) throw new Error(`outbox ${JSON.stringify(c)}, wanted ${JSON.stringify(want)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Queues n finished records through the app's own store (the path the Submit button takes). */
function queue(page, n, over = {}) {
  return page.evaluate(async ([n, over]) => {
    const store = await import('/www/js/store.js');
    const ids = [];
    for (let i = 0; i < n; i++) {
      const d = store.newDraft({
        product: 'electric-bicycle', form: 'self_inspection', link: 'sales', role: 'enterprise',
        enterprise: { uscc: '91520102MA6DK4L2XN', name: '贵阳示例车行', region: '520102' }, ...over,
      });
      if (over.id) d.id = over.id;
      d.answers = { 'ebike.max_speed_kmh': 20 + (i % 10), 'ebike.model': `TDR-${i}` };
      await store.submitDraft(d, 'none');
      ids.push(d.id);
    }
    return ids;
  }, [n, over]);
}

const countOf = (ids, id) => ids.filter((x) => x === id).length;

test('a draft filled offline survives a reload and a closed browser', { timeout: 120000 }, async () => {
  const server = await startServer();
  let b = await launch();
  try {
    let page = await openApp(b.ctx, server.url);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await b.ctx.setOffline(true);
    await startChecklist(page);
    await page.fill(`${item('ebike.model')} input`, 'TDR-2024 型');
    await page.fill(`${item('ebike.max_speed_kmh')} input`, '32');
    await page.selectOption(`${item('ebike.battery_chemistry')} select`, 'lithium');
    await page.waitForFunction(() => document.querySelector('.summary')?.dataset.level === 'major');
    await page.waitForSelector('.save-status:text("已保存在本机")');
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    await page.waitForSelector(`${item('ebike.model')} input`);
    assert.equal(await page.inputValue(`${item('ebike.model')} input`), 'TDR-2024 型');
    assert.equal(await page.inputValue(`${item('ebike.max_speed_kmh')} input`), '32');
    assert.equal(await page.inputValue(`${item('ebike.battery_chemistry')} select`), 'lithium');
    assert.equal(await page.getAttribute('.summary', 'data-level'), 'major');
    const dir = b.userDataDir;
    await b.close();
    b = await launch(dir);
    await b.ctx.setOffline(true);
    page = await openApp(b.ctx, server.url);
    await page.waitForSelector(`${item('ebike.model')} input`);
    assert.equal(await page.inputValue(`${item('ebike.model')} input`), 'TDR-2024 型');
    assert.equal(await page.inputValue(`${item('ebike.max_speed_kmh')} input`), '32');
    assert.equal(await page.getAttribute('.summary', 'data-level'), 'major');
    // The error shown next to an item comes from the core: an out-of-range speed.
    await page.fill(`${item('ebike.max_speed_kmh')} input`, '500');
    await page.waitForSelector(`${item('ebike.max_speed_kmh')} .errors li`);
    assert.deepEqual(page.errors.filter((e) => !/net::ERR_INTERNET_DISCONNECTED|Failed to fetch|Failed to load resource/.test(e)), []);
  } finally {
    await b.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});

test('a record submitted offline arrives exactly once when the server comes up; the outbox empties', { timeout: 120000 }, async () => {
  let server = await startServer();
  const b = await launch();
  try {
    const page = await openApp(b.ctx, server.url);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await signIn(page);
    await server.stop();
    await b.ctx.setOffline(true);
    await startChecklist(page);
    await page.fill(`${item('ebike.model')} input`, 'TDR-1');
    await page.fill(`${item('ebike.max_speed_kmh')} input`, '24');
    await page.click('.submit-row button');
    await page.click('.submit-row button'); // not complete: the second press submits anyway
    await page.waitForSelector('.outbox li[data-state=pending]');
    const id = await page.getAttribute('.outbox li[data-state=pending]', 'data-id');
    const c0 = await counts(page);
    assert.deepEqual({ pending: c0.pending, toSend: c0.toSend, attention: c0.attention, lastSync: c0.lastSync }, { pending: 1, toSend: 1, attention: 0, lastSync: null });
    server = await startServer({ port: server.port, dataDir: server.dataDir });
    await b.ctx.setOffline(false); // the online event drains the outbox
    await waitCounts(page, { pending: 0, attention: 0 });
    await page.waitForSelector(`.outbox li[data-id="${id}"][data-state=sent]`);
    const ids = await serverIds(server);
    assert.equal(countOf(ids, id), 1);
    const rec = await serverRecord(server, id);
    assert.equal(rec.submission.answers['ebike.max_speed_kmh'], 24);
    assert.notEqual(await page.textContent('.last-sync'), '');
  } finally {
    await b.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});

test('upload faults: 503, 500, a cut connection and a lost answer still give each record once', { timeout: 120000 }, async () => {
  const server = await startServer();
  let posts = 0;
  const proxy = await faultProxy(server.url, (req) => {
    if (req.method !== 'POST' || !req.url.startsWith('/api/v1/submissions')) return 'pass';
    posts++;
    return [{ status: 503 }, { status: 500 }, 'drop', 'lose'][posts - 1] ?? 'pass';
  });
  const b = await launch();
  try {
    const page = await openApp(b.ctx, proxy.url, '?retry=50');
    await signIn(page);
    const ids = await queue(page, 5);
    await page.evaluate(() => window.paichaApp.sync());
    await waitCounts(page, { pending: 0, attention: 0 });
    const faults = proxy.log.filter((l) => l.method === 'POST' && l.url.startsWith('/api/v1/submissions')).map((l) => l.fault);
    assert.deepEqual(faults.slice(0, 5), [503, 500, 'drop', 'lose', 'pass']);
    const onServer = await serverIds(server);
    for (const id of ids) assert.equal(countOf(onServer, id), 1, id);
    assert.equal(onServer.length, 5);
  } finally {
    await b.close();
    await proxy.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});

test('two tabs draining at once, and a reload mid-upload: each record once, outbox empty', { timeout: 120000 }, async () => {
  const server = await startServer();
  let hold = true;
  const proxy = await faultProxy(server.url, (req) => (hold && req.method === 'POST' && req.url.startsWith('/api/v1/submissions') ? 'hold' : 'pass'));
  const b = await launch();
  try {
    const a = await openApp(b.ctx, proxy.url, '?retry=50');
    await signIn(a);
    const ids = await queue(a, 20);
    const second = await b.ctx.newPage();
    await second.goto(`${proxy.url}/www/index.html?retry=50`);
    await second.waitForFunction(() => document.documentElement.dataset.ready === '1');
    // Both tabs try to drain; the first upload is held in the proxy.
    a.evaluate(() => window.paichaApp.sync()).catch(() => {});
    second.evaluate(() => window.paichaApp.sync()).catch(() => {});
    await waitFor(() => proxy.log.some((l) => l.method === 'POST' && l.url.startsWith('/api/v1/submissions')));
    // One tab holds the Web Lock: the other waits instead of sending the same records.
    const held = await second.evaluate(async () => (await navigator.locks.query()).held.length + (await navigator.locks.query()).pending.length);
    assert.ok(held >= 1);
    assert.equal(proxy.log.filter((l) => l.method === 'POST' && l.url.startsWith('/api/v1/submissions')).length, 1);
    // Reload the tab mid-upload; the held request then reaches the server (stored, answer lost).
    await a.reload();
    await a.waitForFunction(() => document.documentElement.dataset.ready === '1');
    hold = false;
    proxy.release();
    await a.evaluate(() => window.paichaApp.sync());
    await waitCounts(a, { pending: 0, attention: 0 });
    await waitCounts(second, { pending: 0, attention: 0 });
    const onServer = await serverIds(server);
    for (const id of ids) assert.equal(countOf(onServer, id), 1, id);
    assert.equal(onServer.length, 20);
  } finally {
    await b.close();
    await proxy.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});

async function waitFor(cond, timeout = 15000) {
  const end = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('400, 403 and 409 land in "needs attention" with the reason; never retried by themselves, never dropped; 401 asks to sign in', { timeout: 120000 }, async () => {
  const server = await startServer();
  const proxy = await faultProxy(server.url);
  const b = await launch();
  try {
    const page = await openApp(b.ctx, proxy.url, '?retry=50');
    // 401: a stale token keeps the record and shows the sign-in request.
    await page.evaluate(async () => (await import('/www/js/db.js')).setMeta('auth', { token: 'stale', account: { username: 'qiye' } }));
    const [kept] = await queue(page, 1);
    await page.evaluate(() => window.paichaApp.sync());
    await page.waitForSelector('.banner:not([hidden]) p');
    assert.match(await page.textContent('.banner'), /重新登录/);
    assert.equal((await counts(page)).pending, 1);
    await page.click('.bar .tools button:last-child'); // "sign out" of the stale account
    await page.waitForSelector('.bar .tools button:last-child:text-is("登录")');
    await signIn(page);
    await waitCounts(page, { pending: 0 });
    await page.waitForSelector('.banner', { state: 'hidden' });
    // An expired sign-in: nothing is sent, the record stays, the user is asked to sign in.
    await page.evaluate(async () => (await import('/www/js/db.js')).setMeta('auth', { token: 'old', expires_at: '2020-01-01T00:00:00Z', account: { username: 'qiye' } }));
    await queue(page, 1);
    const posts0 = proxy.log.filter((l) => l.method === 'POST' && l.url.startsWith('/api/v1/submissions')).length;
    await page.evaluate(() => window.paichaApp.sync());
    await page.waitForSelector('.banner:not([hidden]) p');
    assert.equal(proxy.log.filter((l) => l.method === 'POST' && l.url.startsWith('/api/v1/submissions')).length, posts0);
    await page.click('.bar .tools button:last-child'); // sign out, then in again
    await page.waitForSelector('.bar .tools button:last-child:text-is("登录")');
    await signIn(page);
    await waitCounts(page, { pending: 0 });
    await page.waitForSelector('.banner', { state: 'hidden' });
    // 409: same id, other content, already on the server.
    const tok = await token(server);
    const conflictId = crypto.randomUUID();
    const first = { id: conflictId, product: 'electric-bicycle', form: 'self_inspection', link: 'sales', enterprise: { uscc: '91520102MA6DK4L2XN', name: '贵阳示例车行', region: '520102' }, inspected_at: '2025-10-15T10:30:00+08:00', answers: {} };
    const r = await fetch(`${server.url}/api/v1/submissions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` }, body: JSON.stringify(first) });
    assert.equal(r.status, 200);
    await queue(page, 1, { id: conflictId });
    // 400: an id the server cannot use; 403: another enterprise's record.
    await queue(page, 1, { id: 'not-a-uuid' });
    await queue(page, 1, { enterprise: { uscc: '91110108551385082Q', name: '别的企业', region: '110108' } });
    await page.evaluate(() => window.paichaApp.sync());
    await waitCounts(page, { pending: 0, attention: 3 });
    await page.waitForSelector('.outbox li[data-state=attention] >> nth=2');
    const reasons = await page.$$eval('.outbox li[data-state=attention] .reason', (ps) => ps.map((p) => p.textContent));
    assert.equal(reasons.length, 3);
    assert.ok(reasons.some((t) => /内容不同/.test(t)), reasons.join('\n'));
    assert.ok(reasons.some((t) => /不接受/.test(t)), reasons.join('\n'));
    assert.ok(reasons.some((t) => /无权上传/.test(t)), reasons.join('\n'));
    // Further drains do not send them again.
    const before = proxy.log.filter((l) => l.method === 'POST' && l.url.startsWith('/api/v1/submissions')).length;
    await page.evaluate(() => window.paichaApp.sync());
    await page.evaluate(() => window.paichaApp.sync());
    assert.equal(proxy.log.filter((l) => l.method === 'POST' && l.url.startsWith('/api/v1/submissions')).length, before);
    // They can be exported with everything else unsent, and imported back into an empty browser.
    const exported = await page.evaluate(async () => (await import('/www/js/store.js')).exportPending());
    assert.equal(exported.records.length, 3);
    const other = await launch();
    try {
      const p2 = await openApp(other.ctx, proxy.url, '?retry=50');
      const n = await p2.evaluate(async (data) => (await import('/www/js/store.js')).importPending(data), exported);
      assert.equal(n, 3);
      assert.equal((await counts(p2)).pending, 3);
    } finally {
      await other.close();
      cleanup(other.userDataDir);
    }
    const onServer = await serverIds(server);
    assert.equal(countOf(onServer, kept), 1);
    assert.equal(countOf(onServer, conflictId), 1);
  } finally {
    await b.close();
    await proxy.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});

test('413 for a batch is retried one record at a time; a record the server finds too large needs attention', { timeout: 120000 }, async () => {
  const server = await startServer();
  const proxy = await faultProxy(server.url, (req) => (req.method === 'POST' && req.url.startsWith('/api/v1/submissions') ? { status: 413 } : 'pass'));
  const b = await launch();
  try {
    const page = await openApp(b.ctx, proxy.url, '?retry=50&nosw');
    await signIn(page);
    await queue(page, 2);
    await page.evaluate(() => window.paichaApp.sync());
    await waitCounts(page, { pending: 0, attention: 2 });
    const sizes = proxy.log.filter((l) => l.method === 'POST' && l.url.startsWith('/api/v1/submissions')).length;
    assert.equal(sizes, 3); // the batch, then each record alone
    await page.waitForSelector('.outbox li[data-state=attention] >> nth=1');
    const reasons = await page.$$eval('.outbox li[data-state=attention] .reason', (ps) => ps.map((p) => p.textContent));
    assert.ok(reasons.every((t) => /太大/.test(t)), reasons.join('\n'));
  } finally {
    await b.close();
    await proxy.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});

test('an attachment resumes from the offset the server reports after the answer to a part was lost', { timeout: 120000 }, async () => {
  const server = await startServer();
  let puts = 0;
  const proxy = await faultProxy(server.url, (req) => (req.method === 'PUT' && ++puts === 1 ? 'lose' : 'pass'));
  const b = await launch();
  try {
    const page = await openApp(b.ctx, proxy.url, '?retry=50&nosw');
    // An on-site inspection is the inspector's form (the server refuses it from an enterprise).
    await signIn(page, 'jiancha');
    // A 600 KB photo (three parts of 256 KiB) kept with a queued record, as the photo input keeps it.
    const { id, sha } = await page.evaluate(async () => {
      const store = await import('/www/js/store.js');
      const db = await import('/www/js/db.js');
      const bytes = new Uint8Array(600 * 1024);
      for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
      const blob = new Blob([bytes], { type: 'image/jpeg' });
      const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      const sha = Array.from(d, (x) => x.toString(16).padStart(2, '0')).join('');
      const draft = store.newDraft({ product: 'electric-bicycle', form: 'onsite_inspection', link: 'sales', role: 'inspector',
        enterprise: { uscc: '91520102MA6DK4L2XN', name: '贵阳示例车行', region: '520102' } });
      draft.answers = { 'ebike.onsite_photo': [{ sha256: sha, name: 'big.jpg', type: 'image/jpeg', size: blob.size }] };
      await store.saveDraft(draft, [{ ref: { sha256: sha, name: 'big.jpg', type: 'image/jpeg', size: blob.size }, blob }]);
      await store.submitDraft(draft, 'none');
      return { id: draft.id, sha };
    });
    await page.evaluate(() => window.paichaApp.sync());
    await waitCounts(page, { pending: 0, attention: 0 });
    const log = proxy.log.filter((l) => l.url.includes('/attachments/'));
    const parts = log.filter((l) => l.method === 'PUT').map((l) => [l.offset, l.fault]);
    // The first part was stored but its answer lost. (Chromium itself may resend that PUT once on a
    // new connection; the server answers it offset_mismatch.) The client asks where to resume and
    // sends each later part once.
    assert.deepEqual(parts[0], ['0', 'lose']);
    assert.deepEqual(parts.filter(([o]) => o !== '0'), [['262144', 'pass'], ['524288', 'pass']]);
    const resumeAt = log.findIndex((l) => l.offset === '262144');
    assert.equal(log[resumeAt - 1].url.endsWith('/status'), true);
    const rec = await serverRecord(server, id);
    assert.ok(rec.attachments.find((a) => a.sha256 === sha)?.complete, JSON.stringify(rec.attachments));
    // Once on the server, the bytes leave the device (the record stays in "sent" as a receipt).
    assert.equal(await page.evaluate(async (s) => (await (await import('/www/js/db.js')).get('blobs', s)) ?? null, sha), null);
  } finally {
    await b.close();
    await proxy.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});
