// Storage that fails under the app: the browser closing (and wiping) IndexedDB while a checklist
// is open, storage running low, and the export / import of unsent records through the buttons.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, openApp, startChecklist, item, startServer, cleanup } from './helpers.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); cleanup(server.dataDir); });

const saved = (page) => page.waitForSelector('.save-status:text("已保存在本机")');

test('the browser closes and wipes IndexedDB under an open checklist: the next change saves the whole draft again', { timeout: 120000 }, async () => {
  const b = await launch();
  try {
    const page = await openApp(b.ctx, server.url, '?nosw');
    await startChecklist(page);
    await page.fill(`${item('ebike.model')} input`, 'A-1');
    await saved(page);
    // What iOS Safari does under memory pressure, and what "clear site data" does: the connection
    // is closed by the browser (here with the data gone too).
    const cdp = await b.ctx.newCDPSession(page);
    await cdp.send('Storage.clearDataForOrigin', { origin: new URL(server.url).origin, storageTypes: 'indexeddb' });
    await page.evaluate(() => document.querySelector('.save-status').replaceChildren());
    await page.fill(`${item('ebike.max_speed_kmh')} input`, '24');
    await saved(page);
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    await page.click('.drafts li button');
    await page.waitForSelector(`${item('ebike.model')} input`);
    assert.equal(await page.inputValue(`${item('ebike.model')} input`), 'A-1');
    assert.equal(await page.inputValue(`${item('ebike.max_speed_kmh')} input`), '24');
    assert.deepEqual(page.errors, []);
  } finally {
    await b.close();
    cleanup(b.userDataDir);
  }
});

test('low storage is shown as a warning, with the quota and whether storage is persistent', { timeout: 120000 }, async () => {
  const b = await launch();
  try {
    await b.ctx.addInitScript(() => {
      navigator.storage.estimate = async () => ({ usage: 95 * 1048576, quota: 100 * 1048576 });
    });
    const page = await openApp(b.ctx, server.url, '?nosw');
    await page.waitForSelector('.banner:not([hidden])');
    assert.match(await page.textContent('.banner'), /存储空间即将用完/);
    assert.match(await page.textContent('.storage'), /已用 95\.0 MB 共 100\.0 MB/);
    assert.match(await page.textContent('.storage'), /持久/);
  } finally {
    await b.close();
    cleanup(b.userDataDir);
  }
});

test('export unsent records to a file with the button, import the file in another browser', { timeout: 120000 }, async () => {
  const b = await launch();
  const other = await launch();
  try {
    const page = await openApp(b.ctx, server.url, '?nosw');
    // Not signed in: nothing can be sent, everything stays queued.
    await startChecklist(page);
    await page.fill(`${item('ebike.model')} input`, 'EXP-1');
    await page.click('.submit-row button');
    await page.click('.submit-row button');
    await page.waitForSelector('.outbox li[data-state=pending]');
    const id = await page.getAttribute('.outbox li[data-state=pending]', 'data-id');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.outbox button:has-text("导出未上传记录")')]);
    const path = await download.path();
    const data = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(data.format, 'paicha-export');
    assert.deepEqual(data.records.map((r) => r.id), [id]);
    assert.equal(data.records[0].submission.answers['ebike.model'], 'EXP-1');
    const p2 = await openApp(other.ctx, server.url, '?nosw');
    await p2.setInputFiles('#pc-import', path);
    await p2.waitForSelector(`.outbox li[data-id="${id}"][data-state=pending]`);
    assert.match(await p2.textContent('.outbox [role=status]'), /已导入: 1/);
    // Importing the same file again adds nothing.
    await p2.setInputFiles('#pc-import', path);
    await p2.waitForSelector('.outbox [role=status]:text("已导入: 0")');
  } finally {
    await b.close();
    await other.close();
    cleanup(b.userDataDir, other.userDataDir);
  }
});

test('deleting a draft (confirmed) frees its photos', { timeout: 120000 }, async () => {
  const b = await launch();
  try {
    const page = await openApp(b.ctx, server.url, '?nosw');
    const sha = await page.evaluate(async () => {
      const store = await import('/www/js/store.js');
      const bytes = new Uint8Array([1, 2, 3, 4]);
      const d8 = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      const sha = Array.from(d8, (x) => x.toString(16).padStart(2, '0')).join('');
      const d = store.newDraft({ product: 'electric-bicycle', form: 'onsite_inspection', link: 'sales', role: 'inspector', enterprise: { uscc: '91520102MA6DK4L2XN', name: 'x', region: '520102' } });
      const ref = { sha256: sha, name: 'p.jpg', type: 'image/jpeg', size: 4 };
      d.answers['ebike.onsite_photo'] = [ref];
      await store.saveDraft(d, [{ ref, blob: new Blob([bytes], { type: 'image/jpeg' }) }]);
      await window.paichaApp.home();
      return sha;
    });
    const blob = () => page.evaluate(async (s) => !!(await (await import('/www/js/db.js')).get('blobs', s)), sha);
    assert.equal(await blob(), true);
    await page.click('.drafts li button.secondary');
    assert.equal(await blob(), true); // the first press only asks to confirm
    await page.click('.drafts li button.secondary');
    await page.waitForSelector('.drafts h2:text("草稿 (0)")');
    assert.equal(await blob(), false);
  } finally {
    await b.close();
    cleanup(b.userDataDir);
  }
});

test('a draft open in two tabs: once one submits it, the other can neither bring it back nor overwrite it', { timeout: 120000 }, async () => {
  const b = await launch();
  try {
    const a = await openApp(b.ctx, server.url, '?nosw');
    await startChecklist(a);
    await a.fill(`${item('ebike.model')} input`, 'FROM-A');
    await saved(a);
    const other = await b.ctx.newPage();
    await other.goto(`${server.url}/www/index.html?nosw`);
    await other.waitForFunction(() => document.documentElement.dataset.ready === '1');
    await other.waitForSelector(`${item('ebike.model')} input`); // the same draft reopens here
    await a.click('.submit-row button');
    await a.click('.submit-row button');
    await a.waitForSelector('.outbox li[data-state=pending]');
    await other.fill(`${item('ebike.model')} input`, 'FROM-B');
    await other.waitForSelector('.save-status:text("已在另一个窗口提交")');
    await other.click('.submit-row button');
    await other.click('.submit-row button');
    await other.waitForSelector('.save-status:text("已在另一个窗口提交")');
    const state = await a.evaluate(async () => {
      const db = await import('/www/js/db.js');
      return { drafts: (await db.all('drafts')).length, outbox: (await db.all('outbox')).map((r) => r.submission.answers['ebike.model']) };
    });
    assert.deepEqual(state, { drafts: 0, outbox: ['FROM-A'] });
  } finally {
    await b.close();
    cleanup(b.userDataDir);
  }
});
