// A key on-site inspection end to end in a real Chromium against the real server (issue 13 item
// 6): two failed spot checks of an e-bike dealer put it on the ledger's key-inspection list, due;
// the inspector starts the on-site checklist from the list; the app opens it filled (enterprise,
// product, marked a key inspection) and aimed at the items that failed before (listed first,
// marked); the assistance measures are asked and recorded; the record is sent incomplete, and the
// list says the follow-up failed for that; a complete record with nothing targeted found again
// (the clean fixture, sent as a second tablet would) and the list shows it passed, done.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, startServer, cleanup, token, signIn, item, root } from './helpers.mjs';

const USCC = '91520102MA6DK4L2XN';
const day = (ago) => new Date(Date.now() - ago * 86400000).toISOString().slice(0, 10);
const spot = (n, date, failed) => ({ id: `7c1d2e3f-4a5b-4c6d-8e9f-${String(n).padStart(12, '0')}`,
  enterprise: { uscc: USCC, region: '520102', name: '贵阳示例车行' }, product: 'electric-bicycle', batch: `B${n}`, level: 'provincial',
  date, result: 'unqualified', failed_items: failed });

async function openLedger(page, base) {
  await page.goto(`${base}/www/ledger.html`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 20000 });
  await page.waitForSelector('main [role=status]:has-text("已同步")');
}

test('a key inspection started from the two-failures list is aimed at what failed and done when it passes', async () => {
  const server = await startServer();
  const tablet = await launch();
  try {
    const tok = await token(server, 'jiancha');
    const r = await fetch(`${server.url}/api/v1/spot-checks`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
      body: JSON.stringify([spot(1, day(200), ['ebike.max_speed_kmh']), spot(2, day(20), ['ebike.mass_kg', 'ebike.max_speed_kmh'])]) });
    assert.equal(r.status, 200);
    const page = await openApp(tablet.ctx, server.url, '?nosw');
    await signIn(page, 'jiancha');
    await openLedger(page, server.url);
    const li = `.key-inspections li[data-uscc="${USCC}"]`;
    await page.waitForSelector(`${li}[data-state="due"]`);
    assert.match(await page.textContent(li), /待检查/);

    // Started from the list: the app's start form comes filled; the checklist opens aimed.
    await page.click(`${li} a.start-key`);
    await page.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 20000 });
    await page.waitForSelector('form.start');
    assert.equal(await page.inputValue('#pc-uscc'), USCC);
    assert.equal(await page.inputValue('#pc-product'), 'electric-bicycle');
    assert.equal(await page.isChecked('input[name=pc-role][value=inspector]'), true);
    await page.selectOption('#pc-link', 'sales');
    await page.click('.start button[type=submit]');
    await page.waitForSelector('.key-focus');
    const focus = await page.$$eval('.key-focus .key-items button', (l) => l.map((b) => b.textContent));
    assert.equal(focus.length, 2);
    assert.equal(await page.$$eval('.checklist .item.focus', (l) => l.map((e) => e.dataset.key).sort().join()), 'ebike.mass_kg,ebike.max_speed_kmh');
    // The sections holding them come first.
    assert.equal(await page.$eval('.checklist .section .item.focus', (e) => Boolean(e.closest('.section') === document.querySelector('.checklist .section'))), true);
    // A key inspection: the assistance measures are asked.
    assert.equal(await page.isChecked(`${item('onsite.key_inspection')} input[value=yes]`), true);
    await page.waitForSelector(`${item('onsite.assistance')}:not([hidden])`);
    await page.locator(`${item('onsite.assistance')} input[value=technical_guidance]`).scrollIntoViewIfNeeded();
    await page.check(`${item('onsite.assistance')} input[value=technical_guidance]`);
    await page.check(`${item('onsite.assistance')} input[value=testing_support]`);
    await page.screenshot({ path: `${root}/target/screenshots/key-inspection-focus.png` });
    await page.waitForSelector('.save-status:text("已保存在本机")');
    const draft = await page.evaluate(async () => (await (await import('/www/js/store.js')).listDrafts())[0]);
    assert.deepEqual(draft.focus.sort(), ['ebike.mass_kg', 'ebike.max_speed_kmh']);
    assert.deepEqual(draft.answers['onsite.assistance'], ['technical_guidance', 'testing_support']);
    const id = draft.id;
    // Everything else is left as it is here; the server's rule for a pass needs a complete
    // record, so it is completed through the API below from what the device sent.
    await page.click('.submit-row button');
    await page.click('.submit-row button');
    await page.waitForSelector(`.records.sent li[data-id="${id}"]`, { timeout: 30000 });
    const stored = await (await fetch(`${server.url}/api/v1/submissions/${id}`, { headers: { authorization: `Bearer ${tok}` } })).json();
    assert.deepEqual(stored.submission.answers['onsite.assistance'], ['technical_guidance', 'testing_support']);
    assert.equal(stored.submission.answers['onsite.key_inspection'], 'yes');
    await openLedger(page, server.url);
    // Incomplete as sent: not yet passed.
    await page.waitForSelector(`${li}[data-state="failed"]`);
    assert.match(await page.textContent(li), /检查记录未填写完整/);
    // A complete follow-up with nothing targeted found again: passed, and no start link is offered.
    const clean = JSON.parse(readFileSync(`${root}/tests/fixtures/ebike-onsite-sales-clean.json`, 'utf8')).submission;
    // Inspected after the first: the newest inspection decides.
    const complete = { ...clean, id: crypto.randomUUID(), inspected_at: new Date().toISOString().replace(/\.\d+Z$/, '+00:00'),
      answers: { ...clean.answers, 'ebike.production_date': day(60), 'onsite.key_inspection': 'yes', 'onsite.assistance': ['standards_explained'] } };
    const up = await (await fetch(`${server.url}/api/v1/submissions`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: JSON.stringify(complete) })).json();
    assert.equal(up.report.valid, true, JSON.stringify(up.report.errors));
    assert.deepEqual(up.report.findings, []);
    await openLedger(page, server.url);
    await page.waitForSelector(`${li}[data-state="passed"]`);
    assert.match(await page.textContent(li), /已通过，完成/);
    assert.equal(await page.$(`${li} a.start-key`), null);
    await page.screenshot({ path: `${root}/target/screenshots/key-inspection-passed.png`, fullPage: true });
  } finally {
    await tablet.close();
    await server.stop();
    cleanup(tablet.userDataDir, server.dataDir);
  }
});

test('a failed spot check is followed through the UI: re-check, announcement, second re-check', async () => {
  const server = await startServer();
  const tablet = await launch();
  try {
    const tok = await token(server, 'jiancha');
    const first = spot(7, day(200), ['ebike.max_speed_kmh']);
    await fetch(`${server.url}/api/v1/spot-checks`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: JSON.stringify(first) });
    const page = await openApp(tablet.ctx, server.url, '?nosw');
    await signIn(page, 'jiancha');
    await openLedger(page, server.url);
    const li = `.spot-list li[data-spot="${first.id}"]`;
    // Each step is kept on the device and shown at once (marked waiting), then sent: the next
    // step is filled once the server's version is shown (a sync re-renders the list).
    const step = async (name, date, passed, shown) => {
      await page.waitForSelector(`${li} form.spot-step[data-step="${name}"]`, { state: 'attached' });
      await page.evaluate(() => { document.querySelector('details.spot-box').open = true; });
      await page.fill(`${li} form.spot-step input[type=date]`, date);
      if (passed !== undefined) await page.selectOption(`${li} form.spot-step select`, String(passed));
      await page.click(`${li} form.spot-step button[type=submit]`);
      await page.waitForSelector(`${li}:not([data-queued]):has-text("${shown}")`, { state: 'attached' });
    };
    await step('recheck', day(130), false, `复查 ${day(130)} 不合格`);
    await page.waitForSelector(`${li} form.spot-step[data-step="announced_on"]`, { state: 'attached' });
    assert.match(await page.textContent(li), /复查 ≤ \d{4}-\d{2}-\d{2} ✓/);
    await step('announced_on', day(120), undefined, `公告 ${day(120)}`);
    await step('second_recheck', day(50), true, `第二次复查 ${day(50)} 合格`);
    await page.waitForSelector(`${li} .spot-step`, { state: 'detached' });
    const list = await (await fetch(`${server.url}/api/v1/spot-checks`, { headers: { authorization: `Bearer ${tok}` } })).json();
    const rec = list.items.find((x) => x.record.id === first.id);
    assert.deepEqual(rec.record.recheck, { date: day(130), passed: false });
    assert.equal(rec.record.announced_on, day(120));
    assert.deepEqual(rec.record.second_recheck, { date: day(50), passed: true });
    const done = Object.fromEntries(rec.tasks.map((x) => [x.kind, x.done]));
    assert.equal(done.recheck, true);
    assert.equal(done.public_announcement, true);
    assert.equal(done.second_recheck, true);
    assert.equal(done.suspend_and_reorganise, undefined);
    await page.screenshot({ path: `${root}/target/screenshots/spot-check-steps.png`, fullPage: true });
  } finally {
    await tablet.close();
    await server.stop();
    cleanup(tablet.userDataDir, server.dataDir);
  }
});
