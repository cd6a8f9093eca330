// The campaign dashboard (issue 12) in a real Chromium against the real server: a province
// supervisor signs in through the app, opens the dashboard, sees the province's progress with its
// prefectures, drills down to a county (the risk-ranked list appears, with the factors of each
// score), opens the records behind a figure, switches to English, and reads the page offline
// from the last sync. axe finds nothing serious; screenshots at 360 and 1024 px in
// target/screenshots/. Then offline on a later day: the page counts progress from the facts it
// kept with the core in WASM (pkg/campaign/), so the milestone passed since the sync is flagged
// as missed; and the module's answers over the server's facts are the server's own answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { launch, openApp, startServer, token, root, signIn, cspViolations, api } from './helpers.mjs';
import * as campaign from '../../pkg/campaign/paicha_campaign.js';

campaign.initSync({ module: readFileSync(join(root, 'pkg/campaign/paicha_campaign_bg.wasm')) });

const shots = join(root, 'target/screenshots');
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function axe(page, where) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`), []);
}

const fixture = JSON.parse(readFileSync(join(root, 'tests/fixtures/ebike-onsite-sales-speed-and-modification.json'), 'utf8')).submission;
const inspection = (id, uscc, region) => ({ ...fixture, id, enterprise: { uscc, region, name: '示例车行' } });

test('dashboard: province tree, drill-down to a county, ranking, traced records, offline', { timeout: 120000 }, async () => {
  const server = await startServer();
  const { ctx, close } = await launch();
  try {
    const tablet = await token(server, 'jiancha');
    for (const [uscc, name] of [['91520102MA6DK4L2XN', '贵阳示例车行'], ['91520102MA6DK4L3XP', '南明二店'], ['91520102MA6DK4L4XQ', '南明三店']]) {
      const r = await api(server, tablet, 'POST', '/api/v1/register/entries', { uscc, name, region: '520102', products: [{ product: 'electric-bicycle', links: ['sales'] }] });
      assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
    }
    for (const [n, uscc] of [[1, '91520102MA6DK4L2XN'], [2, '91520102MA6DK4L3XP']]) {
      const r = await api(server, tablet, 'POST', '/api/v1/submissions', inspection(`6f1c2a9e-3b7d-4c1e-9a55-00000000000${n}`, uscc, '520102'));
      assert.equal(r.status, 200);
    }
    const page = await openApp(ctx, server.url);
    await signIn(page, 'dudao');
    await page.goto(`${server.url}/www/dashboard.html?date=2023-08-16`);
    await page.waitForSelector('#dashboard table');
    assert.match(await page.textContent('h1'), /专项行动进度 · 贵州省 520000/);
    // Localities by their GB/T 2260 names; the as-of day shows in its box.
    assert.equal(await page.$eval('tbody tr:nth-child(2) td:first-child', (td) => td.textContent), '贵阳市 520100');
    assert.equal(await page.inputValue('#asof'), '2023-08-16');
    assert.equal(await page.$eval('#asof', (i) => getComputedStyle(i).color), 'rgb(17, 17, 17)');
    // Every figure sits under its header: the right edges of each header and its cells agree.
    const edges = await page.$$eval('#h-tree + .wrap table', ([t]) => [...t.rows].map((r) => [...r.cells].slice(1).map((c) => Math.round((c.querySelector('button') ?? c).getBoundingClientRect().right))));
    for (const r of edges.slice(1)) r.forEach((x, i) => assert.ok(Math.abs(x - edges[0][i]) <= 8, `column ${i + 2}: header ends at ${edges[0][i]}, cell at ${x}`));
    const firstCells = await page.$$eval('tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(firstCells.slice(1), ['3', '0 (0%)', '2 (66%)', '6', '0', '6', '6', '0']);
    assert.match(await page.textContent('#dashboard'), /现场排查覆盖率 66%，应于 08-15 前达到 100%/);
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.screenshot({ path: join(shots, 'dashboard-province-1024.png'), fullPage: true });
    await axe(page, 'province');
    // Drill down: the prefecture, then the county with its ranking.
    await page.click('tbody tr:nth-child(2) td:first-child button');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('520100'));
    await page.click('tbody tr:nth-child(2) td:first-child button');
    await page.waitForSelector('#h-rank');
    assert.match(await page.textContent('h1'), /520102/);
    const ranked = await page.$$eval('#h-rank + .wrap tbody tr', (trs) => trs.map((tr) => tr.textContent));
    assert.equal(ranked.length, 3);
    assert.match(ranked[0], /重大隐患|major/);
    // The county's register: three enterprises, two inspected on site, none self-inspected; the
    // view of those not yet inspected on site lists the third, its licence and its state.
    await page.waitForSelector('#h-register');
    assert.match(await page.textContent('#h-register'), /企业名录 · 南明区/);
    const views = await page.$$eval('#dashboard .views button', (b) => b.map((x) => x.textContent));
    assert.deepEqual(views, ['全部 3', '证照过期或即将到期 0', '尚未自查 3', '尚未现场检查 1']);
    assert.equal(await page.$$eval('table.register tbody tr', (r) => r.length), 3);
    await page.click('#dashboard .views button:nth-child(4)');
    await page.waitForFunction(() => document.querySelectorAll('table.register tbody tr').length === 1);
    assert.match(await page.textContent('table.register tbody tr'), /南明三店/);
    assert.equal(await page.$eval('#dashboard .views button:nth-child(4)', (b) => [b.getAttribute('aria-pressed'), document.activeElement === b].join()), 'true,true');
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.screenshot({ path: join(shots, 'dashboard-county-1024.png'), fullPage: true });
    // The records behind "open": the six entries.
    await page.click('tbody tr:first-child td:nth-child(7) button');
    await page.waitForSelector('#trace li');
    assert.equal(await page.$$eval('#trace li', (l) => l.length), 6);
    assert.match(await page.textContent('#h-trace'), /明细: 未清零 · 南明区 520102 \(6\)/);
    // Each record by its locality's and product's names.
    assert.match(await page.textContent('#trace li'), /^南明区 520102 · (贵阳示例车行|南明二店) 91520102MA6DK4L\dX\w · 电动自行车 · /);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.screenshot({ path: join(shots, 'dashboard-county-360.png'), fullPage: true });
    await axe(page, 'county');
    // The printable summary of the county: its table and the two SVG charts; a number links back
    // to the records behind it.
    await page.goto(`${server.url}/www/summary.html?region=520102&date=2023-08-16&kind=stage`);
    await page.waitForSelector('#summary table');
    assert.equal(await page.$$eval('#summary svg', (s) => s.length), 2);
    assert.match(await page.textContent('h1'), /阶段性工作总结/);
    const openLink = await page.$eval('#summary tbody tr:first-child td:nth-child(7) a', (a) => [a.textContent, a.getAttribute('href')]);
    assert.equal(openLink[0], '6');
    assert.match(openLink[1], /trace=open/);
    // The breakdown: by link (the sales line: 3 registered, 2 on site, 6 dangers, 6 open), by
    // severity x status, by measure; each number links to its records.
    const sales = await page.$$eval('#summary section', (ss) => {
      const sec = ss.find((x) => x.querySelector('h2')?.textContent === '分环节');
      return [...sec.querySelectorAll('tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent));
    });
    assert.deepEqual(sales.find((r) => r[0] === '销售环节'), ['销售环节', '3', '0', '2', '6', '6']);
    const majorOpen = await page.$eval('a[href*="bd=severity%3Amajor%3Aopen"]', (a) => [a.textContent, a.getAttribute('href')]);
    assert.equal(majorOpen[0], '6');
    assert.match(await page.textContent('#summary'), /处置措施落实/);
    assert.match(await page.textContent('#summary'), /地区 南明区 520102/);
    await page.screenshot({ path: join(shots, 'summary-county-360.png'), fullPage: true });
    await axe(page, 'summary');
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.screenshot({ path: join(shots, 'summary-county-1024.png'), fullPage: true });
    await page.goto(`${server.url}/www/${majorOpen[1]}`);
    await page.waitForSelector('#trace li');
    assert.equal(await page.$$eval('#trace li', (l) => l.length), 6);
    assert.match(await page.textContent('#trace li'), /major open/);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${server.url}/www${openLink[1].startsWith('/') ? '' : '/'}${openLink[1]}`);
    await page.waitForSelector('#trace li');
    assert.equal(await page.$$eval('#trace li', (l) => l.length), 6);
    // Look-back (回头看): one entry closed out (rectified, re-check passed), drawn by the seed,
    // found back: recorded, the entry re-opened, the figures follow.
    const events = (await api(server, tablet, 'GET', '/api/v1/events?limit=100')).body.items;
    const entry = events.find((e) => e.kind === 'created' && e.enterprise.uscc === '91520102MA6DK4L2XN').entry;
    const phone = await token(server, 'qiye');
    const ev = (n, author, act) => ({ id: `6f1c2a9e-3b7d-4c1e-9a55-0000000001${n}`, entry, author, device: 'd', at: '2023-08-01T10:00:00+08:00', ...act });
    assert.equal((await api(server, phone, 'POST', '/api/v1/events', [ev(10, 'qiye', { kind: 'rectified', measures: '限速器已复原' })])).body.results[0].status, 'stored');
    assert.equal((await api(server, tablet, 'POST', '/api/v1/events', [ev(11, 'jiancha', { kind: 'rechecked', round: 1, passed: true })])).body.results[0].status, 'stored');
    await page.goto(`${server.url}/www/dashboard.html?region=520102&date=2023-08-16`);
    await page.waitForSelector('#h-lookback');
    assert.equal(await page.$eval('tbody tr:first-child td:nth-child(6)', (td) => td.textContent), '1', 'closed out');
    assert.equal(await page.inputValue('#lb-seed'), '2023-08-16/520102');
    await page.click('#h-lookback ~ .bar-plain button');
    await page.waitForSelector('ul.lookback li');
    assert.match(await page.textContent('#h-lookback + .bar-plain + div'), /共 1 条候选/);
    assert.equal(await page.getAttribute('ul.lookback li', 'data-target'), entry);
    await page.click('ul.lookback li button:nth-of-type(2)');
    assert.equal(await page.textContent('.lb-status'), '不通过须写明发现的问题');
    await page.fill('ul.lookback li input', '限速器又被拆除');
    await page.click('ul.lookback li button:nth-of-type(2)');
    await page.waitForFunction(() => document.querySelector('.lb-status')?.textContent.startsWith('已记录'));
    assert.equal(await page.textContent('.lb-status'), '已记录，隐患已重新打开整改');
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.screenshot({ path: join(shots, 'dashboard-lookback-1024.png'), fullPage: true });
    await axe(page, 'look-back');
    await page.setViewportSize({ width: 360, height: 740 });
    await page.click('.bar button:not(.secondary)');
    await page.waitForFunction(() => document.querySelector('tbody tr:first-child td:nth-child(6)')?.textContent === '0');
    assert.equal(await page.$eval('tbody tr:first-child td:nth-child(7)', (td) => td.textContent), '6', 'open again');
    // English.
    await page.click('header button');
    assert.match(await page.textContent('h1'), /Campaign progress/);
    assert.match(await page.textContent('#dashboard'), /on-site coverage 66 % of 100 % due 08-15/);
    // Offline from the last sync.
    await ctx.setOffline(true);
    await page.reload();
    await page.waitForSelector('.stale');
    assert.match(await page.textContent('h1'), /520102/);
    assert.deepEqual(await cspViolations(page), []);
    await ctx.setOffline(false);
  } finally {
    await close();
    await server.stop();
  }
});

test('dashboard offline on a later day: the missed milestone flagged from the facts kept, counted in WASM as the server counts', { timeout: 120000 }, async () => {
  const server = await startServer();
  const { ctx, close } = await launch(undefined, { timezoneId: 'Asia/Shanghai', locale: 'zh-CN' });
  try {
    const tablet = await token(server, 'jiancha');
    for (const [uscc, name] of [['91520102MA6DK4L2XN', '贵阳示例车行'], ['91520102MA6DK4L3XP', '南明二店']]) {
      const r = await api(server, tablet, 'POST', '/api/v1/register/entries', { uscc, name, region: '520102', products: [{ product: 'electric-bicycle', links: ['sales'] }] });
      assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
    }
    const sub = await api(server, tablet, 'POST', '/api/v1/submissions', inspection('6f1c2a9e-3b7d-4c1e-9a55-000000000021', '91520102MA6DK4L2XN', '520102'));
    assert.equal(sub.status, 200);
    // The server and the module agree on the same facts, on the day before the 08-15 milestones
    // and after them, for the province and the county.
    const dudao = await token(server, 'dudao');
    const facts = await api(server, dudao, 'GET', '/api/v1/campaigns/2023-guizhou/facts?region=520000');
    assert.equal(facts.status, 200);
    assert.equal(facts.body.names['520102'], '南明区');
    for (const region of ['520000', '520102']) {
      for (const date of ['2023-08-14', '2023-08-16']) {
        const online = await api(server, dudao, 'GET', `/api/v1/campaigns/2023-guizhou/progress?region=${region}&date=${date}`);
        const local = JSON.parse(campaign.progress(JSON.stringify(facts.body.plan), JSON.stringify(facts.body), region, date));
        assert.deepEqual(local, online.body, `${region} on ${date}`);
      }
    }
    // The province supervisor syncs on the morning of 08-14 (the page's clock; the server is asked
    // for that day): the 08-15 milestones are due soon, only the July one is missed.
    await ctx.clock.setSystemTime(new Date('2023-08-14T09:00:00+08:00'));
    const page = await openApp(ctx, server.url);
    await signIn(page, 'dudao');
    await page.goto(`${server.url}/www/dashboard.html?region=520000&date=2023-08-14`);
    await page.waitForSelector('#dashboard table');
    const july = '已滞后：企业自查覆盖率 0%，应于 07-15 前达到 50%';
    assert.deepEqual(await page.$$eval('ul.flags li.behind', (l) => l.map((x) => x.textContent)), [july]);
    assert.match(await page.textContent('ul.flags li.due_soon'), /企业自查覆盖率 0%，应于 08-15 前达到 100%/);
    // Two days later, with no network: today's figures, counted on the device from the
    // province's facts; the missed milestones flagged. Offline only once the service worker is
    // active, that is once its precache is complete (on a loaded machine it may not be yet).
    await page.evaluate(() => navigator.serviceWorker.ready);
    await ctx.setOffline(true);
    await ctx.clock.setSystemTime(new Date('2023-08-16T09:00:00+08:00'));
    await page.goto(`${server.url}/www/dashboard.html?region=520000&date=`);
    await page.waitForSelector('.stale');
    assert.match(await page.textContent('.stale'), /离线：按 .* 同步的数据在本机计算/);
    assert.equal(await page.inputValue('#asof'), '2023-08-16');
    assert.match(await page.textContent('h1'), /贵州省 520000/);
    const missed = [july, '已滞后：企业自查覆盖率 0%，应于 08-15 前达到 100%', '已滞后：现场排查覆盖率 50%，应于 08-15 前达到 100%'];
    assert.equal(await page.$$eval('ul.flags li.due_soon', (l) => l.length), 0);
    assert.deepEqual(await page.$$eval('ul.flags li.behind', (l) => l.map((x) => x.textContent)), missed);
    assert.match(await page.textContent('#h-lag + ul li'), /^南明区 520102 .*已滞后：现场排查覆盖率 50%，应于 08-15 前达到 100%/);
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.screenshot({ path: join(shots, 'dashboard-offline-counted-1024.png'), fullPage: true });
    // Drill down offline: the prefecture, then the county, counted from the same facts.
    await page.click('tbody tr:nth-child(2) td:first-child button');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('520100'));
    await page.click('tbody tr:nth-child(2) td:first-child button');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('南明区 520102'));
    assert.deepEqual(await page.$$eval('ul.flags li.behind', (l) => l.map((x) => x.textContent)), missed);
    const cells = await page.$$eval('tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(cells.slice(1, 4), ['2', '0 (0%)', '1 (50%)']);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.screenshot({ path: join(shots, 'dashboard-offline-counted-360.png'), fullPage: true });
    await axe(page, 'offline, counted');
    assert.deepEqual(await cspViolations(page), []);
    await ctx.setOffline(false);
  } finally {
    await close();
    await server.stop();
  }
});
