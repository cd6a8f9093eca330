// Two-way tracing with an assist request (协查) in a real Chromium against the real server
// (issue 13 item 5): 南明区's inspector records a major danger by hand on a tablet, goes offline,
// records the tracing (supplier, buyers, quantity, batches) asking 云岩区 to assist; online again
// it arrives once; 云岩区's inspector sees the assist request in their queue with what was asked
// and its due day (the policy's assist_days), records the result offline, it arrives once online,
// and 南明区 sees it on the entry. Screenshots at 360 px and 1024 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, startServer, cleanup, token, root, signIn, PASSWORD, api } from './helpers.mjs';

const USCC = '91520102MA6DK4L2XN';

async function openLedger(page, base) {
  await page.goto(`${base}/www/ledger.html`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 20000 });
  await page.waitForSelector('main [role=status]:has-text("已同步")');
}

test('a tracing recorded offline asks another county to assist, which records the result from its queue', async () => {
  const server = await startServer();
  const tablet = await launch();
  const other = await launch();
  try {
    const admin = await token(server, 'admin');
    for (const [username, region, name] of [['nanming', '520102', '南明区市场监管局'], ['yunyan', '520103', '云岩区市场监管局']]) {
      const made = await api(server, admin, 'POST', '/api/v1/accounts', { username, password: PASSWORD, role: 'inspector', regions: [region], name });
      assert.equal(made.status, 201, JSON.stringify(made.body));
    }
    const page = await openApp(tablet.ctx, server.url, '?nosw');
    await page.setViewportSize({ width: 1024, height: 768 });
    await signIn(page, 'nanming');
    await openLedger(page, server.url);
    await page.click('details.new-entry-box summary');
    await page.fill('#ne-uscc', USCC);
    await page.fill('#ne-name', '贵阳示例车行');
    await page.fill('#ne-text', '电动自行车最高车速超过 25 km/h');
    await page.selectOption('#ne-sev', 'major');
    await page.fill('#ne-basis', 'GB 17761-2024 6.1.1');
    await page.click('form.new-entry button[type=submit]');
    await page.waitForSelector('article.entry[data-status="ordered"]:has-text("最高车速")');
    const entryId = await page.getAttribute('article.entry:has-text("最高车速")', 'data-entry');
    const card = `article[data-entry="${entryId}"]`;
    const form = `${card} form.measure[data-action="two_way_tracing"]`;
    await page.click(`${card} details.followup-fold > summary`);
    await page.waitForSelector(form);

    // Offline: the tracing with its data and the assist request.
    await tablet.ctx.setOffline(true);
    await page.waitForTimeout(400);
    await page.fill(`${form} [name="supplier"]`, '某某电动车有限公司（浙江台州）');
    await page.fill(`${form} [name="buyers"]`, '云岩区中华北路门店、云岩区北京路门店');
    await page.fill(`${form} [name="quantity"]`, '120 辆');
    await page.fill(`${form} [name="batches"]`, '2026-01、2026-02');
    await page.fill(`${form} [name="assist_region"]`, '520103');
    await page.screenshot({ path: `${root}/target/screenshots/tracing-form-1024.png`, fullPage: true });
    await page.click(`${form} button[type=submit]`);
    await page.waitForSelector(form, { state: 'detached' });
    await page.waitForSelector(`${card} .record li:has-text("某某电动车有限公司")`);
    assert.match(await page.textContent(card), /未上传/);
    assert.match(await page.textContent(card), /请求 520103 协查/);
    // The assist task is 云岩区's, not 南明区's own.
    await page.selectOption('#line-select', 'all');
    assert.equal(await page.$('.line-queue li[data-task="assist"]'), null);

    // Online: it arrives once.
    await tablet.ctx.setOffline(false);
    await page.click('button:has-text("同步")');
    await page.waitForFunction((c) => !document.querySelector(c)?.textContent.includes('未上传'), card);
    await page.click('button:has-text("同步")');
    await page.waitForSelector('main [role=status]:has-text("已同步")');
    const nanTok = await token(server, 'nanming');
    const evs = (await api(server, nanTok, 'GET', '/api/v1/events')).body.items;
    const traced = evs.filter((e) => e.action === 'two_way_tracing');
    assert.equal(traced.length, 1);
    assert.equal(traced[0].assist_region, '520103');
    assert.equal(traced[0].quantity, '120 辆');
    assert.equal(new Set(evs.map((e) => e.id)).size, evs.length);

    // 云岩区, on a phone: the request in its queue, with what was asked; nothing else of 南明区.
    const phone = await openApp(other.ctx, server.url, '?nosw');
    await signIn(phone, 'yunyan');
    await openLedger(phone, server.url);
    const li = `.assists li.assist[data-entry="${entryId}"]`;
    await phone.waitForSelector(li);
    const shown = await phone.textContent(li);
    assert.match(shown, /最高车速/);
    assert.match(shown, /贵阳示例车行/);
    assert.match(shown, /云岩区中华北路门店/);
    assert.match(shown, /120 辆/);
    assert.match(shown, /请求地区 520102/);
    assert.equal(await phone.$('article.entry'), null, 'no entry of 南明区 is shown to 云岩区');
    // Due 15 days (policy.json assist_days, a local choice) after the day the tracing asked.
    const yunTok = await token(server, 'yunyan');
    const asked = (await api(server, yunTok, 'GET', '/api/v1/queue?line=all')).body.items;
    assert.equal(asked.length, 1, JSON.stringify(asked));
    const day = new Date(Date.parse(`${traced[0].at.slice(0, 10)}T00:00:00Z`) + 15 * 86400000).toISOString().slice(0, 10);
    assert.equal(asked[0].due, day);
    // Answered offline: kept on the phone, shown as recorded, sent when the network returns.
    await other.ctx.setOffline(true);
    await phone.waitForTimeout(400);
    await phone.fill(`${li} textarea[name="result"]`, '两家门店库存 40 辆已封存，已责令停止销售');
    await phone.screenshot({ path: `${root}/target/screenshots/assist-queue-360.png`, fullPage: true });
    await phone.click(`${li} button[type=submit]`);
    await phone.waitForSelector(`${li}:has-text("协查结果已登记")`);
    assert.equal((await api(server, yunTok, 'GET', '/api/v1/queue?line=all')).body.items.length, 1, 'not sent while offline');
    await other.ctx.setOffline(false);
    await phone.click('button:has-text("同步")');
    for (let i = 0; i < 40; i += 1) {
      if ((await api(server, yunTok, 'GET', '/api/v1/queue?line=all')).body.items.length === 0) break;
      await phone.waitForTimeout(250);
    }
    assert.deepEqual((await api(server, yunTok, 'GET', '/api/v1/queue?line=all')).body.items, []);
    assert.deepEqual((await api(server, yunTok, 'GET', '/api/v1/events')).body.items, []);

    // 南明区 sees the result on its entry.
    await page.click('button:has-text("同步")');
    await page.waitForSelector(`${card} .record li:has-text("两家门店库存 40 辆已封存")`);
    const results = (await api(server, nanTok, 'GET', '/api/v1/events')).body.items.filter((e) => e.action === 'assist');
    assert.equal(results.length, 1);
    assert.equal(results[0].author, 'yunyan');
    await page.setViewportSize({ width: 360, height: 740 });
    await page.screenshot({ path: `${root}/target/screenshots/tracing-entry-360.png`, fullPage: true });
    assert.deepEqual(page.errors.filter((e) => !/Failed to load resource|net::/.test(e)), []);
  } finally {
    await tablet.close();
    await other.close();
    await server.stop();
    cleanup(tablet.userDataDir, other.userDataDir, server.dataDir);
  }
});
