// Express reports in a real Chromium against the real server (issue 14): a county inspector at the
// scene, with no network, makes the initial report; the core's clock runs on the page; when the
// hour passes (the page's clock is moved on, not waited for) the county's overdue flag appears;
// the network returns and the report arrives once, numbered by the server, seen at once by the
// city above and flagged late there too. Then the public typical-case page, no sign-in, shows only
// what a supervisor approved. Screenshots in target/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { launch, openApp, startServer, token, root, signIn, PASSWORD, cspViolations, api, until } from './helpers.mjs';

const shots = join(root, 'target/screenshots');
mkdirSync(shots, { recursive: true });

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core in the page (evaluated over the protocol, so the page's CSP stays strict). */
async function axe(page, where) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`), []);
}

test('an express report made offline at the scene runs its clock, turns overdue after an hour and arrives once', async () => {
  const server = await startServer();
  const tablet = await launch();
  try {
    const admin = await token(server, 'admin');
    const made = await api(server, admin, 'POST', '/api/v1/accounts', { username: 'yunyan', password: PASSWORD, role: 'inspector', regions: ['520102'], name: '云岩区市场监管局' });
    assert.equal(made.status, 201);
    // The enterprise is in the county's register (issue 12): the page keeps it for offline picking.
    const yunTok = await token(server, 'yunyan');
    const reg = await api(server, yunTok, 'POST', '/api/v1/register/entries', { uscc: '91520102MA6DK4L2XN', name: '贵阳示例车行', region: '520102',
      products: [{ product: 'electric-bicycle', links: ['sales'] }] });
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    const page = await openApp(tablet.ctx, server.url);
    await signIn(page, 'yunyan');
    // The page's clock starts 62 minutes before the server's, so the hour the test moves it on
    // ends just before the real now, when the report will reach the server: late, by 2 minutes.
    await page.clock.install({ time: Date.now() - 62 * 60 * 1000 });
    await page.goto(`${server.url}/www/express.html`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 20000 });
    await page.waitForSelector('main [role=status]:has-text("已同步")');

    // At the scene, no network.
    await tablet.ctx.setOffline(true);
    await page.fill('#nr-place', '云岩区某小区地下车库');
    // Picked from the register kept on the device: the credit code fills itself.
    await page.locator('#nr-name').fill('贵阳示例车行');
    await page.locator('#nr-name').blur();
    assert.equal(await page.inputValue('#nr-uscc'), '91520102MA6DK4L2XN');
    await page.fill('#nr-batch', 'B2026-11');
    await page.fill('#nr-injuries', '10');
    // 10 serious injuries: grade III, computed on the device by the core.
    assert.match(await page.textContent('#nr-computed'), /Ⅲ级 较大/);
    await page.fill('#nr-cause', '电动自行车电池充电时起火（初步判断）');
    await page.fill('#nr-contact', '0851-12345678');
    await page.click('form.new-report button[type=submit]');
    const card = page.locator('article.report');
    await card.waitFor();
    assert.match(await card.textContent(), /未上传/);
    assert.match(await card.textContent(), /（未编号）/);
    const first = card.locator('li.clock[data-kind=first_report]');
    assert.equal(await first.getAttribute('data-state'), 'running');
    const before = await first.textContent();
    assert.match(before, /剩 (59分\d\d秒|1小时00分|5\d分\d\d秒)/);
    // Grade III: the province's 2 h clock runs too.
    assert.equal(await card.locator('li.clock[data-kind=to_province]').getAttribute('data-state'), 'running');
    // The clock runs by itself (one second of the page's time).
    await page.clock.runFor(2000);
    await until(async () => (await first.textContent()) !== before, 'the clock to tick');
    await page.screenshot({ path: join(shots, 'express-offline-running.png'), fullPage: true });

    // An hour and a minute later, still offline: the county's first report is overdue.
    await page.clock.fastForward('01:01:00');
    await page.clock.runFor(1500);
    await until(async () => (await first.getAttribute('data-state')) === 'overdue', 'the overdue flag');
    assert.match(await card.getAttribute('class'), /overdue/);
    assert.match(await page.textContent('#overdue-count'), /1 份快报报送超时/);
    assert.match(await first.textContent(), /已超时 [12]分\d\d秒/);
    await page.screenshot({ path: join(shots, 'express-offline-overdue.png'), fullPage: true });

    // The network returns: it is sent once, numbered, and the delivery stops the clock (late).
    await tablet.ctx.setOffline(false);
    await page.clock.runFor(1000);
    await until(async () => /质量安全快报〔\d{4}〕第1号/.test(await card.textContent()), 'the server number on the card', 30000);
    assert.doesNotMatch(await card.textContent(), /未上传/);
    await until(async () => (await first.getAttribute('data-state')) === 'late', 'the clock stopped late');
    await page.screenshot({ path: join(shots, 'express-delivered-late.png'), fullPage: true });
    await page.click('.bar .tools button:has-text("同步")');
    await page.waitForSelector('main [role=status]:has-text("已同步")');
    const events = (await api(server, admin, 'GET', '/api/v1/express/events')).body.items;
    assert.equal(events.length, 1, 'the initial report arrived once');
    assert.equal(events[0].event.kind, 'reported');
    assert.equal(events[0].event.serious_injuries, 10);
    assert.deepEqual(events[0].event.enterprise, { uscc: '91520102MA6DK4L2XN', name: '贵阳示例车行', from_register: true });
    // The city above sees it at once, graded and flagged late.
    const city = await token(server, 'jiancha');
    const seen = (await api(server, city, 'GET', '/api/v1/express/reports')).body.items;
    assert.equal(seen.length, 1);
    assert.equal(seen[0].report.grade, 'III');
    assert.equal(seen[0].late, true);
    assert.deepEqual(seen[0].clocks.map((c) => c.state), ['late', 'met']);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(page.errors, []);
    await page.clock.resume();
    await page.click('details.new-box > summary');
    await axe(page, 'express page, report card and form open');

    // The handling ends; a typical case drawn from it, approved by the city with the name masked,
    // is on the public page with no sign-in.
    const report = events[0].event.report;
    const yun = await token(server, 'yunyan');
    const now = new Date().toISOString();
    const closed = await api(server, yun, 'POST', '/api/v1/express/events', [{ id: crypto.randomUUID(), report, author: 'yunyan', device: 'desk', at: now, kind: 'closed', ended_at: now }]);
    assert.equal(closed.body.results[0].status, 'stored');
    const caseId = crypto.randomUUID();
    const proposal = { id: caseId, source: 'express_report', source_id: report, title: '销售不合格电动自行车电池引发火灾案',
      facts: '当事人销售的电动自行车电池在充电时起火，致10人重伤。', violation: '销售不符合保障人身、财产安全的国家标准的产品',
      basis: '《中华人民共和国产品质量法》第四十九条', penalty: '没收违法所得，罚款人民币8万元', enterprise_name: '贵阳示例车行', region: '520102' };
    assert.equal((await api(server, yun, 'POST', '/api/v1/typical-cases', proposal)).status, 200);
    assert.equal((await api(server, city, 'POST', `/api/v1/typical-cases/${caseId}/decision`, { approve: true, show_name: false })).body.status, 'approved');
    const visitor = await tablet.ctx.newPage();
    await visitor.goto(`${server.url}/www/cases.html`);
    await visitor.waitForFunction(() => document.documentElement.dataset.ready === '1');
    const text = await visitor.textContent('main');
    assert.match(text, /贵阳某车行/);
    assert.match(text, /第四十九条/);
    for (const secret of ['贵阳示例车行', '91520102MA6DK4L2XN', 'yunyan', 'jiancha', report]) assert.ok(!text.includes(secret), `${secret} on the public page`);
    assert.equal(await visitor.getAttribute('.bar a', 'href'), '/api/v1/public/typical-cases?format=xlsx');
    await visitor.setViewportSize({ width: 1024, height: 768 });
    await visitor.screenshot({ path: join(shots, 'typical-cases-public.png'), fullPage: true });
    assert.deepEqual(await cspViolations(visitor), []);
    await axe(visitor, 'public typical cases');
  } finally {
    await tablet.close();
    await server.stop();
  }
});
