// The service worker: after one visit the app opens with no network; a new app and catalogue
// version installs itself without stranding drafts made with the old one (they open with the
// catalogue they were made with and are sent); Background Sync drains the outbox with no page open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openApp, startChecklist, item, startServer, serverRecord, cleanup, tempDir, root, PASSWORD, signIn } from './helpers.mjs';
import { stageWeb } from '../../scripts/stage-web.mjs';


const cacheKeys = (page) => page.evaluate(() => caches.keys());

test('offline after one visit; a new app + catalogue version keeps an old draft openable and sendable', { timeout: 120000 }, async () => {
  const v1 = stageWeb(tempDir('web-v1'));
  let server = await startServer({ webRoot: v1.dest });
  let v2 = null;
  const b = await launch();
  try {
    let page = await openApp(b.ctx, server.url);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    assert.deepEqual(await cacheKeys(page), [`paicha-${v1.version}`]);
    // Installable: the manifest the page links is served (from the cache too) and complete.
    const manifest = await page.evaluate(async () => (await fetch(document.querySelector('link[rel=manifest]').href)).json());
    assert.equal(manifest.start_url, './index.html');
    assert.equal(manifest.display, 'standalone');
    assert.ok(manifest.name && manifest.icons.length > 0);
    await signIn(page);
    await startChecklist(page);
    await page.fill(`${item('ebike.model')} input`, 'OLD-1');
    await page.waitForSelector('.save-status:text("已保存在本机")');
    const id = await page.evaluate(async () => (await (await import('/www/js/store.js')).listDrafts())[0].id);
    // No network at all: the server is down and the browser offline.
    await server.stop();
    await b.ctx.setOffline(true);
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    assert.equal(await page.inputValue(`${item('ebike.model')} input`), 'OLD-1');
    await b.ctx.setOffline(false);
    // The new version is deployed: the e-bike checklist revised (new version, a label changed). (Staged
    // now, seconds after v1: the server answers the worker's update check by modification time.)
    const bundle = JSON.parse(readFileSync(join(root, 'pkg/catalogue.json'), 'utf8'));
    const ebike = bundle.files.find((f) => f.product === 'electric-bicycle');
    ebike.version = '2099.1';
    ebike.items.find((i) => i.key === 'ebike.model').label = { zh: '车辆型号（新版）', en: 'Vehicle model (new)' };
    v2 = stageWeb(tempDir('web-v2'), { 'pkg/catalogue.json': JSON.stringify(bundle) });
    assert.notEqual(v1.version, v2.version);
    server = await startServer({ port: server.port, dataDir: server.dataDir, webRoot: v2.dest });
    await page.reload();
    // The new worker installs its cache, activates and deletes the old one.
    const end = Date.now() + 20000;
    while ((await cacheKeys(page)).join() !== `paicha-${v2.version}` && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await cacheKeys(page), [`paicha-${v2.version}`]);
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    assert.equal(await page.evaluate(async () => (await import('/www/js/version.js')).VERSION), v2.version);
    // The old draft reopens with the checklist it was made with.
    await page.waitForSelector(`${item('ebike.model')} input`);
    assert.equal(await page.inputValue(`${item('ebike.model')} input`), 'OLD-1');
    assert.equal(await page.textContent(`${item('ebike.model')} .label span`), '车辆型号');
    assert.ok(await page.isVisible('.record-head .note'));
    // A new checklist uses the new version.
    await page.click('.record-head button.secondary');
    await startChecklist(page);
    assert.equal(await page.textContent(`${item('ebike.model')} .label span`), '车辆型号（新版）');
    await page.click('.record-head button.secondary');
    // The old draft is still sendable.
    await page.click(`.drafts li[data-id="${id}"] button`);
    await page.waitForSelector(`${item('ebike.model')} input`);
    await page.click('.submit-row button');
    await page.click('.submit-row button');
    await page.waitForSelector(`.outbox li[data-id="${id}"][data-state=sent]`, { timeout: 30000 });
    const rec = await serverRecord(server, id);
    assert.equal(rec.submission.template_version, '2025.1');
    assert.equal(rec.submission.answers['ebike.model'], 'OLD-1');
  } finally {
    await b.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir, v1.dest, v2?.dest);
  }
});

test('Background Sync: the service worker drains the outbox with no page open', { timeout: 120000 }, async () => {
  let server = await startServer();
  const b = await launch();
  try {
    const page = await openApp(b.ctx, server.url);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await signIn(page);
    await server.stop();
    await startChecklist(page);
    await page.fill(`${item('ebike.model')} input`, 'BG-1');
    await page.click('.submit-row button');
    await page.click('.submit-row button');
    await page.waitForSelector('.outbox li[data-state=pending]');
    const id = await page.getAttribute('.outbox li[data-state=pending]', 'data-id');
    const origin = new URL(server.url).origin;
    // No app page left: only the service worker can send it now.
    const blank = await b.ctx.newPage();
    await page.close();
    server = await startServer({ port: server.port, dataDir: server.dataDir });
    const cdp = await b.ctx.newCDPSession(blank);
    const regs = new Promise((resolve) => cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
      const r = e.registrations.find((x) => x.scopeURL.startsWith(origin) && !x.isDeleted);
      if (r) resolve(r.registrationId);
    }));
    await cdp.send('ServiceWorker.enable');
    const registrationId = await regs;
    await cdp.send('ServiceWorker.dispatchSyncEvent', { origin, registrationId, tag: 'paicha-outbox', lastChance: false });
    const end = Date.now() + 20000;
    let rec = null;
    while (!(rec = await serverRecord(server, id)) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.ok(rec, 'the record reached the server through Background Sync');
    assert.equal(rec.submission.answers['ebike.model'], 'BG-1');
  } finally {
    await b.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});


test('after an update, the ledger, dashboard and express-report pages open offline though never visited (precached from the staged graph)', { timeout: 120000 }, async () => {
  const v1 = stageWeb(tempDir('web-v1'));
  let server = await startServer({ webRoot: v1.dest });
  let v2 = null;
  const b = await launch();
  try {
    let page = await openApp(b.ctx, server.url);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await signIn(page, 'jiancha');
    // A new deployment: the worker installs the new version's cache and drops the old one.
    const bundle = JSON.parse(readFileSync(join(root, 'pkg/catalogue.json'), 'utf8'));
    bundle.files.find((f) => f.product === 'electric-bicycle').version = '2099.2';
    v2 = stageWeb(tempDir('web-v2'), { 'pkg/catalogue.json': JSON.stringify(bundle) });
    await server.stop();
    server = await startServer({ port: server.port, dataDir: server.dataDir, webRoot: v2.dest });
    await page.reload();
    const end = Date.now() + 20000;
    while ((await cacheKeys(page)).join() !== `paicha-${v2.version}` && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await cacheKeys(page), [`paicha-${v2.version}`]);
    // No network at all, and pages this browser has never opened.
    await server.stop();
    await b.ctx.setOffline(true);
    // The ledger page: ready once its own WASM module is running and the entries are shown.
    await page.goto(`${server.url}/www/ledger.html`);
    await page.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 20000 });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.ready), '1', await page.textContent('body'));
    assert.ok(!(await page.textContent('body')).includes('paicha:'));
    // Product names come from the precached catalogue parts (the whole catalogue is not cached).
    assert.ok(await page.evaluate(() => [...document.querySelectorAll('option')].some((o) => o.textContent.includes('电动自行车'))));
    // A part the ledger page imports only when first opened (the spot-check list import), offline
    // too: its chunk comes from the precache.
    assert.equal(await page.locator('#si-file').count(), 0, 'not loaded with the page');
    await page.evaluate(() => { document.querySelector('details.spot-box').open = true; });
    await page.waitForSelector('#si-file', { state: 'attached', timeout: 10000 });
    assert.ok(!(await page.textContent('details.spot-box')).includes('未能加载'));
    await page.screenshot({ path: `${root}/target/screenshots/ledger-offline.png`, fullPage: true });
    // The dashboard: its script ran and replaced the loading line (nothing synced yet to show).
    await page.goto(`${server.url}/www/dashboard.html`);
    await page.waitForFunction(() => !document.querySelector('#dashboard .loading'), null, { timeout: 20000 });
    // The express-report page (an inspector at the scene of an accident often has no network): its
    // own WASM module runs and the initial report's form is there to fill.
    await page.goto(`${server.url}/www/express.html`);
    await page.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 20000 });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.ready), '1', await page.textContent('body'));
    assert.ok(!(await page.textContent('body')).includes('paicha:'));
    assert.ok(await page.locator('#nr-place').count() === 1, await page.textContent('body'));
  } finally {
    await b.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir, v1.dest, v2?.dest);
  }
});
