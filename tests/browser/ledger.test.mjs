// The rectification ledger in a real Chromium against the real server (issue 6 end to end): an
// inspector's tablet finds a major danger and opens a ledger entry; the enterprise's phone pulls it,
// reports the rectification offline with a photo (folded on the phone at once, "not yet sent"),
// and it arrives once the network returns, through the same outbox as submissions; the tablet
// re-checks and closes it out; phone, tablet and server agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, startServer, cleanup, PASSWORD, token, root, signIn, until } from './helpers.mjs';

const USCC = '91520102MA6DK4L2XN';
const SUB = '6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a99';


/** Every URL the page got a 404 for, and every URL it asked for. */
function watch404(page) {
  page.notFound = [];
  page.requested = [];
  page.on('response', (r) => { if (r.status() === 404) page.notFound.push(r.url()); });
  page.on('request', (r) => page.requested.push(r.url()));
  return page;
}

async function openLedger(page, base) {
  page.requested.length = 0; // from here on: what the ledger page loads
  await page.goto(`${base}/www/ledger.html`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 20000 });
  // The first sync re-renders the page: act only after it, so no click lands on a replaced button.
  await page.waitForSelector('main [role=status]:has-text("已同步")');
}

/** The server's own view of the ledger for an account. */
async function serverLedger(server, username) {
  const tok = await token(server, username);
  const r = await fetch(`${server.url}/api/v1/ledger`, { headers: { authorization: `Bearer ${tok}` } });
  assert.equal(r.status, 200);
  return r.json();
}

test('a major danger is found, rectified offline on a phone, re-checked on a tablet and closed out', async () => {
  const server = await startServer();
  const phone = await launch();
  const tablet = await launch();
  try {
    // The tablet's inspection, graded major by the server, which opens the ledger entry for the
    // finding with the policy's deadlines.
    const tok = await token(server, 'jiancha');
    const sub = { id: SUB, product: 'electric-bicycle', form: 'onsite_inspection', link: 'sales',
      enterprise: { uscc: USCC, name: '贵阳示例车行', region: '520102' }, inspected_at: '2026-11-20T10:00:00+08:00',
      answers: { 'ebike.max_speed_kmh': 32 } };
    const up = await (await fetch(`${server.url}/api/v1/submissions`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: JSON.stringify(sub) })).json();
    assert.equal(up.report.level, 'major');
    const opened = await (await fetch(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${tok}` } })).json();
    assert.deepEqual(opened.items.map((e) => e.kind), ['created', 'rectification_ordered']);
    const entry = opened.items[0].entry;
    const tpage = watch404(await openApp(tablet.ctx, server.url, '?nosw'));
    await signIn(tpage, 'jiancha');

    // The phone pulls the ledger: one entry, being rectified, with its deadline.
    const ppage = watch404(await openApp(phone.ctx, server.url, '?nosw'));
    await signIn(ppage, 'qiye');
    await openLedger(ppage, server.url);
    const card = `article[data-entry="${entry}"]`;
    await ppage.waitForSelector(`${card}[data-status="ordered"]`);
    assert.match(await ppage.textContent(card), /重大隐患/);
    assert.match(await ppage.textContent(card), /期限 2026-11-25/);
    await ppage.screenshot({ path: `${root}/target/screenshots/ledger-phone-360.png`, fullPage: true });

    // Offline: the rectification with a photo is folded on the phone at once and kept.
    await phone.ctx.setOffline(true);
    await ppage.fill(`${card} textarea`, '限速器已恢复出厂设置，改装车辆已召回');
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==', 'base64');
    await ppage.setInputFiles(`${card} input[type=file]`, { name: 'limiter.png', mimeType: 'image/png', buffer: png });
    await ppage.click(`${card} button[type=submit]`);
    await ppage.waitForSelector(`${card}[data-status="rectified"]`);
    assert.match(await ppage.textContent(card), /未上传/);
    assert.equal((await serverLedger(server, 'jiancha')).rows[0].entry.status, 'ordered');

    // Online again: the event and its photo arrive through the outbox, once.
    await phone.ctx.setOffline(false);
    await ppage.evaluate(() => window.dispatchEvent(new Event('online')));
    await until(async () => (await serverLedger(server, 'jiancha')).rows[0]?.entry.status === 'rectified', 'the rectification on the server');
    const row = (await serverLedger(server, 'jiancha')).rows[0];
    const sha = row.entry.rectifications[0].evidence[0].sha256;
    const photo = await until(async () => {
      const res = await fetch(`${server.url}/api/v1/attachments/${sha}`, { headers: { authorization: `Bearer ${tok}` } });
      return res.status === 200 ? res : null;
    }, 'the evidence photo on the server');
    assert.ok((await photo.arrayBuffer()).byteLength > 0);
    await ppage.waitForFunction((c) => !document.querySelector(c)?.textContent.includes('未上传'), card);

    // The tablet re-checks: passed, closed out (销号).
    await tablet.ctx.pages()[0].setViewportSize({ width: 1024, height: 768 });
    await openLedger(tpage, server.url);
    await tpage.waitForSelector(`${card}[data-status="rectified"]`);
    await tpage.screenshot({ path: `${root}/target/screenshots/ledger-tablet-1024.png`, fullPage: true });
    await tpage.click(`${card} button:has-text("复查通过")`);
    await tpage.waitForSelector(`${card}[data-status="closed"]`);
    await until(async () => (await serverLedger(server, 'jiancha')).rows[0]?.entry.status === 'closed', 'closed on the server');

    // The phone syncs: nothing open any more, as the server says.
    await ppage.click('button:has-text("同步")');
    await ppage.waitForFunction((c) => !document.querySelector(c), card);
    assert.deepEqual((await serverLedger(server, 'qiye')).rows, []);
    // The inspector records a danger found outside a checklist: entered and ordered with the
    // policy's deadline (general: 7 days).
    await tpage.click('details.new-entry-box summary');
    await tpage.fill('#ne-uscc', USCC);
    await tpage.fill('#ne-name', '贵阳示例车行');
    await tpage.fill('#ne-text', '仓库内电池堆放过高');
    await tpage.selectOption('#ne-sev', 'general');
    await tpage.fill('#ne-basis', '《产品质量法》第二十六条');
    await tpage.click('form.new-entry button[type=submit]');
    await tpage.waitForSelector('article[data-status="ordered"]:has-text("仓库内电池堆放过高")');
    await until(async () => (await serverLedger(server, 'jiancha')).rows.some((r) => r.entry.created.danger.text.zh === '仓库内电池堆放过高' && r.entry.status === 'ordered'), 'the hand-made entry on the server');
    // Two failed spot checks within two years: the enterprise shows as due a key inspection.
    const day = (ago) => new Date(Date.now() - ago * 86400000).toISOString().slice(0, 10);
    const spots = [1, 2].map((n) => ({ id: `7c1d2e3f-4a5b-4c6d-8e9f-00000000000${n}`, enterprise: { uscc: USCC, region: '520102', name: '贵阳示例车行' },
      product: 'electric-bicycle', batch: `B${n}`, date: day(n * 100), result: 'unqualified', failed_items: ['ebike.max_speed_kmh'] }));
    // The first recorded on the tablet's form, the second sent by another system through the API.
    // Filled once the hand-made entry's sync has redrawn the page (it would empty the form).
    await tpage.waitForSelector('html:not([data-syncing])', { state: 'attached' });
    await tpage.click('details.spot-box summary');
    await tpage.fill('#sc-uscc', USCC);
    await tpage.fill('#sc-name', '贵阳示例车行');
    await tpage.fill('#sc-batch', 'B1');
    await tpage.fill('#sc-date', spots[0].date);
    await tpage.fill('#sc-failed', 'ebike.max_speed_kmh');
    await tpage.click('form.spot-form button[type=submit]');
    await tpage.waitForSelector('.spot-list li:not([data-queued]):has-text("B1")');
    assert.match(await tpage.textContent('.spot-list'), /立即停止生产销售/);
    // The unqualified result is a ledger entry of its own (a major danger, Order 18's days): on
    // the ledger page with its note, and the re-check in quality supervision's queue.
    const spotCard = 'article.entry:has-text("监督抽查不合格：批次 B1")';
    await tpage.waitForSelector(`${spotCard} .spot-entry`);
    assert.equal(await tpage.getAttribute(spotCard, 'data-status'), 'ordered');
    assert.match(await tpage.textContent(`${spotCard} .sev`), /重大隐患/);
    assert.equal(await tpage.locator(`${spotCard} button:has-text("复查通过")`).count(), 0, 'its re-check is the record\'s');
    await tpage.waitForSelector('.line-queue li[data-task="spot"][data-action="recheck"]');
    assert.match(await tpage.textContent('.line-queue li[data-task="spot"][data-action="recheck"]'), /质量监督 · 抽查不合格跟进 \(复查\)/);
    await tpage.locator(spotCard).screenshot({ path: `${root}/target/screenshots/ledger-spot-entry.png` });
    await tpage.locator('.line-queue').screenshot({ path: `${root}/target/screenshots/ledger-spot-queue.png` });
    const sp = await (await fetch(`${server.url}/api/v1/spot-checks`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: JSON.stringify(spots.slice(1)) })).json();
    assert.ok(sp.results.every((x) => x.status === 'stored'), JSON.stringify(sp));
    await tpage.click('button:has-text("同步")');
    await tpage.waitForSelector(`.key-inspections li:has-text("${USCC}")`);
    assert.match(await tpage.textContent('.key-inspections'), /最高设计车速/);
    await tpage.screenshot({ path: `${root}/target/screenshots/ledger-tablet-1024-more.png`, fullPage: true });

    // Each event once on the server: created, ordered, rectified, re-checked.
    const all = await (await fetch(`${server.url}/api/v1/events?limit=1000`, { headers: { authorization: `Bearer ${tok}` } })).json();
    assert.deepEqual(all.items.filter((e) => e.entry === entry).map((e) => e.kind).sort(), ['created', 'rechecked', 'rectification_ordered', 'rectified']);
    assert.equal(new Set(all.items.map((e) => e.id)).size, all.items.length);
    // The only failed loads allowed: an attachment status asked before its first byte (404 by the protocol).
    for (const p of [ppage, tpage]) assert.deepEqual(p.errors.filter((e) => !e.includes("404")), []);
    for (const p of [ppage, tpage]) assert.deepEqual(p.notFound.filter((u) => !/\/api\/v1\/attachments\/[0-9a-f]{64}\/status$/.test(u)), []);
    // The ledger page loads its own module, not the checker's (DOM helpers are in js/dom.js).
    for (const p of [ppage, tpage]) assert.deepEqual(p.requested.filter((u) => /\/pkg\/paicha(_bg\.wasm|\.js)$/.test(u)), []);
  } finally {
    await phone.close();
    await tablet.close();
    await server.stop();
    cleanup(phone.userDataDir, tablet.userDataDir, server.dataDir);
  }
});
