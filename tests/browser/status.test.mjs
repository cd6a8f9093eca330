// The outbox's status tells the truth (issue 17), in Chromium against the real server: "last sync" is
// the last acknowledgement even while photos are still failing; records and photos are counted
// apart and a record on the server without its photos says so; a row waiting for a retry says
// when; a refused record stays as sent while a corrected copy (new id, linked) goes as a new draft;
// an expired sign-in offers "sign in again" in the banner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, startServer, faultProxy, serverIds, cleanup, signIn, PASSWORD } from './helpers.mjs';
import { queueScenario, drained } from './scenario.mjs';

const counts = (page) => page.evaluate(async () => (await import('/www/js/outbox.js')).counts());

test('records acknowledged while photos fail: last sync set, photos counted apart, the row says its photos are missing', { timeout: 120000 }, async () => {
  const server = await startServer();
  let photosFail = true;
  const proxy = await faultProxy(server.url, (req) => (photosFail && req.method === 'PUT' ? { status: 503 } : 'pass'));
  const b = await launch();
  try {
    const page = await openApp(b.ctx, proxy.url, '?nosw&retry=100');
    await signIn(page, 'jiancha');
    const { ids } = await queueScenario(page, { records: 6, photos: 2, photoBytes: 100 * 1024 });
    await page.evaluate(() => window.paichaApp.sync());
    // The records reach the server; their photos do not.
    for (let i = 0; ; i++) {
      const c = await counts(page);
      if (c.toSend === 0 && c.filesOnly === 2) break;
      if (i > 200) throw new Error(JSON.stringify(c));
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await serverIds(server)).length, 6);
    const c = await counts(page);
    assert.ok(c.lastSync, 'last sync is the last acknowledgement, photos or not');
    assert.deepEqual({ toSend: c.toSend, filesOnly: c.filesOnly, photos: c.photos, attention: c.attention }, { toSend: 0, filesOnly: 2, photos: 2, attention: 0 });
    assert.equal(c.photoBytes, 200 * 1024);
    await page.evaluate(() => window.paichaApp.home());
    const status = await page.textContent('.outbox-head .status');
    assert.match(status, /2 张照片上传中，剩余 0\.2 MB/);
    assert.match(status, /2 条记录已到服务器、照片未传完/);
    assert.doesNotMatch(status, /从未/);
    assert.match(await page.textContent(`.outbox li[data-id="${ids[0]}"]`), /记录已到服务器，还有 1\/1 张照片未上传/);
    photosFail = false;
    await page.evaluate(() => window.paichaApp.sync());
    const end = await drained(page, 60000);
    assert.deepEqual({ pending: end.pending, photos: end.photos }, { pending: 0, photos: 0 });
  } finally {
    await b.close();
    await proxy.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});

test('a row waiting for a retry says when its next try is; the head stays on top over a long queue', { timeout: 120000 }, async () => {
  const server = await startServer();
  const proxy = await faultProxy(server.url, (req) => (req.method === 'POST' && req.url.startsWith('/api/v1/submissions') ? { status: 503 } : 'pass'));
  const b = await launch();
  try {
    const page = await openApp(b.ctx, proxy.url, '?nosw&retry=4000');
    await signIn(page, 'jiancha');
    await queueScenario(page, { records: 300, photos: 0, photoBytes: 0 });
    await page.evaluate(() => { window.paichaApp.sync(); });
    await page.waitForSelector('.outbox li[data-state=pending] .state:text-matches("失败 1 次|第 1 次失败")', { timeout: 20000 });
    const row = await page.textContent('.outbox li[data-state=pending] .state');
    assert.match(row, /第 1 次失败（HTTP 503），\d{1,2}:\d{2}:\d{2} 再试/);
    // 300 queued: 50 rows listed, the rest counted; after scrolling to the bottom the upload button
    // and the counts are still in view.
    assert.equal(await page.locator('.outbox li[data-state=pending]').count(), 50);
    assert.match(await page.textContent('.outbox li.more'), /另有 250 条/);
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const box = await page.locator('.outbox-head button.primary').boundingBox();
    assert.ok(box && box.y >= 0 && box.y < 740, JSON.stringify(box));
    assert.match(await page.textContent('.outbox-head .counts'), /300 条记录待上传/);
    await page.screenshot({ path: 'target/screenshots/outbox-retry-360.png' });
  } finally {
    await b.close();
    await proxy.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});

test('a refused record stays as sent; its corrected copy goes as a new draft with a new id, linked, and arrives', { timeout: 120000 }, async () => {
  const server = await startServer();
  const b = await launch();
  try {
    const page = await openApp(b.ctx, server.url, '?nosw&retry=100');
    await signIn(page);
    // The account's USCC mistyped (its check character), as a draft made before the start form
    // checked it: refused per record, 403, and the reason names the mistake, not the account.
    const refused = await page.evaluate(async () => {
      const store = await import('/www/js/store.js');
      const d = store.newDraft({ product: 'electric-bicycle', form: 'self_inspection', link: 'sales', role: 'enterprise',
        enterprise: { uscc: '91520102MA6DK4L2XA', name: '贵阳示例车行', region: '520102' } });
      d.answers = { 'ebike.model': 'X-1', 'ebike.max_speed_kmh': 20 };
      await store.submitDraft(d, 'none');
      return d.id;
    });
    await page.evaluate(() => window.paichaApp.sync());
    await page.waitForSelector(`.outbox li[data-id="${refused}"][data-state=attention]`);
    const why = await page.textContent(`.outbox li[data-id="${refused}"]`);
    assert.match(why, /企业信息有误/);
    assert.match(why, /校验位错误：末位应为 N/);
    assert.doesNotMatch(why, /无权上传/);
    const sentBody = await page.evaluate(async (id) => (await (await import('/www/js/db.js')).get('outbox', id)).submission, refused);
    await page.click(`.outbox li[data-id="${refused}"] button.correct`);
    await page.waitForSelector('.checklist .item');
    const draft = await page.evaluate(() => window.paichaApp.view.draft);
    assert.notEqual(draft.id, refused);
    assert.equal(draft.replaces, refused);
    assert.equal(draft.answers['ebike.model'], 'X-1');
    // The user puts in the right enterprise and submits the copy.
    await page.fill('#pc-fix-uscc', '91520102MA6DK4L2XN');
    await page.fill('#pc-fix-name', '贵阳示例车行');
    await page.fill('#pc-fix-region', '520102');
    await page.click('.fix-enterprise button');
    await page.waitForFunction(() => window.paichaApp.view?.draft.enterprise.uscc === '91520102MA6DK4L2XN');
    await page.click('.submit-row button');
    await page.click('.submit-row button');
    await page.waitForSelector(`.outbox li[data-id="${draft.id}"][data-state=sent]`, { timeout: 30000 });
    const c = await counts(page);
    assert.deepEqual({ pending: c.pending, attention: c.attention, replaced: c.replaced }, { pending: 0, attention: 0, replaced: 1 });
    // The refused record is unchanged, marked replaced, and points at its copy.
    const old = await page.evaluate(async (id) => (await (await import('/www/js/db.js')).get('outbox', id)), refused);
    assert.equal(old.state, 'replaced');
    assert.equal(old.replacedBy, draft.id);
    assert.deepEqual(old.submission, sentBody);
    assert.match(await page.textContent(`.outbox li[data-id="${refused}"]`), /已被改正后的新草稿替代/);
    const onServer = await serverIds(server);
    assert.deepEqual(onServer, [draft.id]);
  } finally {
    await b.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});

test('an expired sign-in: the banner offers "sign in again", which opens the sign-in form; then the queue goes', { timeout: 120000 }, async () => {
  const server = await startServer();
  const b = await launch();
  try {
    const page = await openApp(b.ctx, server.url, '?nosw&retry=100');
    await signIn(page, 'jiancha');
    await page.evaluate(async () => {
      const db = await import('/www/js/db.js');
      const auth = await db.getMeta('auth');
      await db.setMeta('auth', { ...auth, expires_at: new Date(Date.now() - 1000).toISOString() });
    });
    await queueScenario(page, { records: 3, photos: 0, photoBytes: 0 });
    await page.evaluate(() => window.paichaApp.sync());
    await page.waitForSelector('.banner:not([hidden]) button.sign-in-again');
    await page.click('.banner button.sign-in-again');
    await page.fill('#pc-user', 'jiancha');
    await page.fill('#pc-pass', PASSWORD);
    await page.click('form.signin button[type=submit]');
    await page.waitForSelector('.banner', { state: 'hidden' });
    const c = await drained(page, 30000);
    assert.equal(c.pending, 0);
    assert.equal((await serverIds(server)).length, 3);
  } finally {
    await b.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});
