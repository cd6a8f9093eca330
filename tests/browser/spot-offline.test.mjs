// A spot check followed offline in a real Chromium against the real server (issue 13 item 5, "every
// measure completable in the UI, offline"): an inspector records an unqualified result online,
// loses the signal in the warehouse, records the failed re-check and the announcement, reloads the
// page (the service worker serves it): both are still there, marked waiting, and one version is
// queued (the later one holds the earlier). Online again, the version arrives once (the
// server's requests counted through a proxy) and the spot entry's tasks move: the announcement
// done, the second re-check due 60 to 90 days after it. A result the server refuses (an enterprise
// outside the account's regions) stays shown with the refusal until the inspector gives it up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, startServer, faultProxy, cleanup, token, root, signIn, api } from './helpers.mjs';

const USCC = '91520102MA6DK4L2XN';
const day = (ago) => new Date(Date.now() - ago * 86400000).toISOString().slice(0, 10);

async function openLedger(page, base) {
  await page.goto(`${base}/www/ledger.html`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 20000 });
}

/** This device's outbox rows of spot-check versions. */
const queuedSpots = (page) => page.evaluate(() => new Promise((ok, no) => {
  const r = indexedDB.open('paicha');
  r.onsuccess = () => {
    const q = r.result.transaction('outbox').objectStore('outbox').getAll();
    q.onsuccess = () => { ok(q.result.filter((x) => x.kind === 'spot').map((x) => ({ state: x.state, record: x.event }))); r.result.close(); };
  };
  r.onerror = () => no(r.error);
}));

/** A screenshot of what `sel` covers (a clip of the page: a sync may redraw the element meanwhile). */
async function shot(page, sel, name) {
  const clip = await page.locator(sel).boundingBox();
  await page.screenshot({ path: `${root}/target/screenshots/${name}`, fullPage: true, clip });
}

/** Until no sync is under way (each ends by redrawing the page: a form is filled after it). */
const settled = (page) => page.waitForSelector('html:not([data-syncing])', { state: 'attached' });

const openBox = (page) => page.evaluate(() => { document.querySelector('details.spot-box').open = true; });

test('a spot check\'s re-check and announcement recorded offline survive a reload and arrive once', { timeout: 120000 }, async () => {
  const server = await startServer();
  const proxy = await faultProxy(server.url);
  const tablet = await launch();
  try {
    const page = await openApp(tablet.ctx, proxy.url);
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await signIn(page, 'jiancha');
    await openLedger(page, proxy.url);
    await page.waitForSelector('main [role=status]:has-text("已同步")');
    await settled(page);

    // Online: an unqualified result, 80 days ago, recorded on the form.
    await page.click('details.spot-box summary');
    await page.fill('#sc-uscc', USCC);
    await page.fill('#sc-name', '贵阳示例车行');
    await page.fill('#sc-batch', 'W-2026-09');
    await page.fill('#sc-date', day(80));
    await page.fill('#sc-failed', 'ebike.max_speed_kmh');
    await page.click('form.spot-form button[type=submit]');
    const first = '.spot-list li:not([data-queued]):has-text("W-2026-09")';
    await page.waitForSelector(`${first}:has-text("立即停止生产销售")`, { state: 'attached' });
    const id = await page.getAttribute(first, 'data-spot');
    const li = `.spot-list li[data-spot="${id}"]`;
    const tok = await token(server, 'jiancha');
    const get = async (path) => (await api(server, tok, 'GET', path)).body;
    const entry = (await get('/api/v1/spot-checks')).items.find((x) => x.record.id === id).entry;
    assert.ok(entry, 'the unqualified result opened a ledger entry');
    const posts = () => proxy.log.filter((r) => r.method === 'POST' && r.url === '/api/v1/spot-checks').length;
    assert.equal(posts(), 1);

    // No signal: the failed re-check (8 days ago), then the announcement (3 days ago).
    await tablet.ctx.setOffline(true);
    await settled(page);
    await openBox(page);
    await page.fill(`${li} form.spot-step[data-step="recheck"] input[type=date]`, day(8));
    await page.selectOption(`${li} form.spot-step select`, 'false');
    await page.click(`${li} form.spot-step button[type=submit]`);
    await page.waitForSelector(`${li}[data-queued="pending"] form.spot-step[data-step="announced_on"]`, { state: 'attached' });
    await settled(page);
    await openBox(page);
    await page.fill(`${li} form.spot-step input[type=date]`, day(3));
    await page.click(`${li} form.spot-step button[type=submit]`);
    await page.waitForSelector(`${li}[data-queued="pending"] form.spot-step[data-step="second_recheck"]`, { state: 'attached' });
    // One version waits: the later one, holding both steps.
    const queued = await queuedSpots(page);
    assert.equal(queued.length, 1, JSON.stringify(queued));
    assert.deepEqual(queued[0].record.recheck, { date: day(8), passed: false });
    assert.equal(queued[0].record.announced_on, day(3));

    // Reloaded without a network: still there, still waiting.
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 20000 });
    await settled(page);
    await openBox(page);
    await page.waitForSelector(`${li}[data-queued="pending"]`, { state: 'attached' });
    const shown = await page.textContent(li);
    assert.match(shown, new RegExp(`复查 ${day(8)} 不合格；公告 ${day(3)}`));
    assert.match(shown, /待上传/);
    await shot(page, 'details.spot-box', 'spot-offline-waiting.png');
    assert.equal(posts(), 1, 'nothing sent while offline');

    // Online again: sent once, and the server's version shown with its tasks.
    await tablet.ctx.setOffline(false);
    await page.click('button:has-text("同步")');
    await page.waitForSelector(`${li}:not([data-queued]):has-text("公告 ✓")`, { state: 'attached' });
    assert.doesNotMatch(await page.textContent(li), /待上传/);
    assert.deepEqual(await queuedSpots(page), []);
    const list = (await get('/api/v1/spot-checks')).items.filter((x) => x.record.id === id);
    assert.equal(list.length, 1);
    assert.deepEqual(list[0].record.recheck, { date: day(8), passed: false });
    assert.equal(list[0].record.announced_on, day(3));
    const done = Object.fromEntries(list[0].tasks.map((x) => [x.kind, x.done]));
    assert.equal(done.recheck, true);
    assert.equal(done.public_announcement, true);
    assert.equal(done.second_recheck, false);
    assert.equal(posts(), 2, 'the offline version was sent once');
    await page.click('button:has-text("同步")');
    await settled(page);
    assert.equal(posts(), 2, 'and not again');
    // The entry followed the offline version once (after the result's own spot_followed), with
    // both steps; its only step left is the second re-check.
    const followed = (await get('/api/v1/events?limit=1000')).items.filter((e) => e.entry === entry && e.kind === 'spot_followed');
    assert.equal(followed.length, 2, JSON.stringify(followed));
    assert.equal(followed[0].recheck, undefined);
    assert.deepEqual(followed[1].recheck, { date: day(8), passed: false });
    assert.equal(followed[1].announced_on, day(3));
    const steps = (await get('/api/v1/queue?line=all')).items.filter((x) => x.entry === entry && x.task === 'spot');
    assert.deepEqual(steps.map((x) => [x.step, x.not_before, x.due]), [['second_recheck', day(3 - 60), day(3 - 90)]]);
    await shot(page, 'details.spot-box', 'spot-offline-sent.png');

    // A result the server refuses (outside the account's regions), made offline: shown with the
    // refusal once the page is online, kept until the inspector gives it up.
    await tablet.ctx.setOffline(true);
    await settled(page);
    await openBox(page);
    await page.fill('#sc-uscc', '91350100M000100Y43');
    await page.fill('#sc-region', '530102');
    await page.fill('#sc-batch', 'OUT-1');
    await page.fill('#sc-failed', 'ebike.max_speed_kmh');
    await page.click('form.spot-form button[type=submit]');
    await page.waitForSelector('.spot-list li[data-queued="pending"]:has-text("OUT-1")', { state: 'attached' });
    const out = `.spot-list li[data-spot="${await page.getAttribute('.spot-list li:has-text("OUT-1")', 'data-spot')}"]`;
    await tablet.ctx.setOffline(false);
    await page.click('button:has-text("同步")');
    await page.waitForSelector(`${out}[data-queued="attention"]`, { state: 'attached' });
    await settled(page);
    await openBox(page);
    assert.match(await page.textContent(out), /无权上传/);
    assert.equal(await page.locator(`${out} form.spot-step`).count(), 0, 'no step on a refused version');
    await shot(page, out, 'spot-offline-refused.png');
    await page.click(`${out} button:has-text("放弃此版本")`);
    await page.waitForSelector(out, { state: 'detached' });
    assert.deepEqual(await queuedSpots(page), []);
    assert.deepEqual(page.errors.filter((e) => !/Failed to load resource|net::/.test(e)), []);
  } finally {
    await tablet.close();
    await proxy.close();
    await server.stop();
    cleanup(tablet.userDataDir, server.dataDir);
  }
});
