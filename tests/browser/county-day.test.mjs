// A county bureau's whole day in the campaign (issue 12), one chained run in real Chromium against
// the real server, each step on the page a bureau would use: the county's campaign lead imports
// the enterprise register from the XLSX file it keeps (made here by the server's own export) on
// the dashboard; the inspector's tablet syncs it, goes offline, picks the e-bike shop from the
// register, fills the on-site checklist with a general and a major danger and submits it; back
// online the outbox drains and the server opens both ledger entries; the rectification order is
// printed with the number the server gives it; the enterprise reports the general danger removed
// on its phone, the inspector's re-check passes and closes it out; the dashboard and the printed
// summary show the county's coverage and open dangers moving with each step (the numbers, not
// only their presence). Every page runs on the day of the campaign (the browsers' clocks set to
// 2023-08-10, within the plan's period; the server keeps its own). Screenshots at the main steps
// in target/screenshots/county-day-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openApp, startServer, cleanup, token, root, signIn, item, api, until, withCheck, serverIds, serverRecord, PASSWORD } from './helpers.mjs';

const shots = join(root, 'target/screenshots');
const DAY = '2023-08-10';
const MORNING = new Date('2023-08-10T09:00:00+08:00');
const SHOP = '91520102MA6DK4L2XN'; // the demo enterprise account's (qiye)
const GENERAL = 'selfcheck.daily_weekly_monthly';
const CEMENT = withCheck('91520102MA6CEM001');
const REBAR = withCheck('91520102MA6REB002');
const REGISTER = [
  { uscc: SHOP, name: '贵阳示例车行', region: '520102', products: [{ product: 'electric-bicycle', links: ['sales'] }] },
  { uscc: CEMENT, name: '南明区示例水泥有限公司', region: '520102', products: [{ product: 'cement', links: ['production'] }] },
  { uscc: REBAR, name: '南明钢材经销部', region: '520102', products: [{ product: 'rebar', links: ['sales'] }, { product: 'wire-cable', links: ['sales'] }] },
];

// The rest of the on-site checklist as the inspector completes it (an inspection counts for the
// coverage only once it is complete: the server's report has no entry error).
const ANSWERS = [
  ['licence.business_licence_valid', 'yes'], ['ccc.certificate_valid', 'yes'], ['ccc.mark_on_product', 'yes'],
  ['ccc.model_matches_certificate', 'yes'], ['selfcheck.risk_list', 'yes'], ['selfcheck.safety_officer', 'yes'],
  ['sales.purchase_inspection', 'yes'], ['sales.purchase_sales_ledger', 'yes'], ['marking.complete', 'yes'],
  ['marking.no_false_marks', 'yes'], ['storage.conditions_meet_requirements', 'yes'], ['trace.batch_traceable', 'yes'],
  ['trace.defect_handling', 'yes'], ['ebike.model', 'TDT-1234Z'], ['ebike.battery_chemistry', 'lead_acid'],
  ['ebike.mass_kg', '54.5'], ['ebike.battery_voltage_v', '48'], ['ebike.motor_power_w', '350'],
  ['ebike.pedals_present', 'yes'], ['ebike.speed_limiter_intact', 'yes'], ['ebike.certificate_matches_vehicle', 'yes'],
  ['ebike.modification_found', 'no'], ['ebike.onsite_photo', 'shopfront.jpg'],
  // With a photo and no position (the tablet has no location permission), a remark says why.
  ['ebike.remarks', '平板未开启定位，检查地点见现场检查笔录'],
  ['onsite.inspector1_name', '王明'], ['onsite.inspector1_certificate', '52010021001'],
  ['onsite.inspector2_name', '李华'], ['onsite.inspector2_certificate', '52010021002'],
  ['onsite.representative_name', '张强'], ['onsite.place', '贵阳市南明区示例路 1 号'],
  ['onsite.inspector1_signature', '王明'], ['onsite.inspector2_signature', '李华'], ['onsite.enterprise_signature', '张强'],
];
// A photo the camera would give (any image the browser can decode): taken from a page below.
let PHOTO = null;

/** Answers one item the way its control takes it (choice, text or number, photo, typed signature). */
async function answer(page, key, value) {
  const it = item(key);
  await page.locator(it).scrollIntoViewIfNeeded();
  const kind = await page.$eval(it, (e) => (e.querySelector('.typed-signature') ? 'signature'
    : e.querySelector('input[type=file]') ? 'photo' : e.querySelector('select') ? 'select'
      : e.querySelector('input[type=radio], input[type=checkbox]') ? 'choice' : 'text'));
  if (kind === 'choice') await page.check(`${it} input[value="${value}"]`);
  else if (kind === 'select') await page.selectOption(`${it} select`, value);
  else if (kind === 'photo') {
    await page.setInputFiles(`${it} input[type=file]`, { name: value, mimeType: 'image/jpeg', buffer: PHOTO });
    await page.waitForSelector(`${it} ul.photos li img`); // compressed and kept on the device
  }
  else if (kind === 'signature') {
    await page.focus(`${it} .typed-signature input`);
    await page.keyboard.type(value);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`${it} img.signature-image[src^="blob:"]`);
  } else await page.locator(`${it} textarea, ${it} input`).first().fill(value);
}

/** A full-page screenshot (sections the page lets the browser skip while off screen drawn too). */
async function shoot(page, name) {
  await page.evaluate(() => document.querySelectorAll('.section').forEach((x) => { x.style.contentVisibility = 'visible'; }));
  await page.screenshot({ path: join(shots, `county-day-${name}.png`), fullPage: true });
}

/** The figures of the dashboard's first row (the locality shown): registered ... spot checks. */
const figures = (page) => page.$$eval('#h-tree + .wrap tbody tr:first-child td', (tds) => tds.slice(1).map((td) => td.textContent));

async function dashboard(page, base) {
  await page.goto(`${base}/www/dashboard.html?date=${DAY}`);
  await page.waitForSelector('#h-tree + .wrap table');
}

async function openLedger(page, base) {
  await page.goto(`${base}/www/ledger.html`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 20000 });
  // The first sync re-renders the page: act only after it.
  await page.waitForSelector('main [role=status]:has-text("已同步")');
}

/** The server's ledger as an account sees it: entry id -> status. */
async function statuses(server, username) {
  const tok = await token(server, username);
  const r = await api(server, tok, 'GET', '/api/v1/ledger');
  assert.equal(r.status, 200);
  return Object.fromEntries(r.body.rows.map((x) => [x.entry.id, x.entry.status]));
}

test("a county bureau's day: register imported, an offline inspection, the order, the re-check, the figures", { timeout: 300000 }, async () => {
  mkdirSync(shots, { recursive: true });
  const server = await startServer();
  // The bureau's browsers are in China's time zone (a day's records are dated in it).
  const china = { timezoneId: 'Asia/Shanghai', locale: 'zh-CN' };
  const desk = await launch(undefined, china);
  const tablet = await launch(undefined, china);
  const phone = await launch(undefined, china);
  try {
    // The county's accounts: its campaign lead (a county-level supervisor) and an inspector.
    const admin = await token(server, 'admin');
    for (const [username, role, name] of [['nanming', 'supervisor', '南明区市场监管局 专项行动'], ['nanming-jc', 'inspector', '南明区市场监管局 检查员']]) {
      const r = await api(server, admin, 'POST', '/api/v1/accounts', { username, password: PASSWORD, role, name, regions: ['520102'] });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    // The plan is in place: the province's campaign, the day inside its period.
    const plans = await api(server, admin, 'GET', '/api/v1/campaigns');
    const plan = plans.body.items.find((p) => p.id === '2023-guizhou');
    assert.ok(plan && plan.period.from <= DAY && DAY <= plan.period.to, JSON.stringify(plans.body));

    // The register file the bureau keeps, in the template's layout: the server's own export, from
    // a scratch server the three enterprises were entered on.
    const scratch = await startServer();
    let xlsx;
    try {
      const st = await token(scratch, 'admin');
      for (const e of REGISTER) {
        const r = await api(scratch, st, 'POST', '/api/v1/register/entries', e);
        assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
      }
      const res = await fetch(`${scratch.url}/api/v1/register/export`, { headers: { authorization: `Bearer ${st}` } });
      assert.equal(res.status, 200);
      xlsx = Buffer.from(await res.arrayBuffer());
    } finally {
      await scratch.stop();
      cleanup(scratch.dataDir);
    }
    assert.equal(xlsx.subarray(0, 2).toString(), 'PK', 'an XLSX (zip) file');

    // Every browser on the campaign's day, its clock running from the morning.
    for (const b of [desk, tablet, phone]) await b.ctx.clock.setSystemTime(MORNING);

    // 1. The county's lead imports the register on the dashboard.
    const dpage = await openApp(desk.ctx, server.url, '?nosw');
    await dpage.setViewportSize({ width: 1280, height: 900 });
    await signIn(dpage, 'nanming');
    await dashboard(dpage, server.url);
    assert.match(await dpage.textContent('h1'), /南明区 520102/);
    assert.deepEqual(await figures(dpage), ['0', '0 (100%)', '0 (100%)', '0', '0', '0', '0', '0']);
    await dpage.setInputFiles('#ri-file', { name: '南明区企业名录.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: xlsx });
    await dpage.waitForSelector('.register-import-result:has-text("已导入 3 行：新增 3，更新 0，未变 0")');
    await until(async () => (await figures(dpage))[0] === '3', 'the figures after the import');
    assert.deepEqual(await figures(dpage), ['3', '0 (0%)', '0 (0%)', '0', '0', '0', '0', '0']);
    assert.equal(await dpage.$$eval('table.register tbody tr', (r) => r.length), 3);
    // A milestone already missed reads apart from one due in five days.
    assert.deepEqual(await dpage.$$eval('#dashboard > main > ul.flags li', (l) => l.map((x) => x.textContent)), [
      '已滞后：企业自查覆盖率 0%，应于 07-15 前达到 50%',
      '即将到期：企业自查覆盖率 0%，应于 08-15 前达到 100%',
      '即将到期：现场排查覆盖率 0%，应于 08-15 前达到 100%',
    ]);
    await shoot(dpage, '1-register-imported');
    PHOTO = await dpage.screenshot({ type: 'jpeg', quality: 70 });

    // 2. The inspector's tablet syncs the register, goes offline and inspects the shop.
    const tpage = await openApp(tablet.ctx, server.url);
    await tpage.setViewportSize({ width: 768, height: 1024 });
    await tpage.evaluate(() => navigator.serviceWorker.ready);
    await signIn(tpage, 'nanming-jc');
    await until(() => tpage.evaluate(() => new Promise((ok) => {
      const r = indexedDB.open('paicha');
      r.onsuccess = () => { const q = r.result.transaction('register').objectStore('register').count(); q.onsuccess = () => { ok(q.result === 3); r.result.close(); }; };
      r.onerror = () => ok(false);
    })), 'the register on the tablet');
    await tablet.ctx.setOffline(true);
    await tpage.check('input[name=pc-role][value=inspector]');
    await tpage.fill('#pc-reg-q', '车行');
    await until(async () => (await tpage.locator('#pc-reg-hits button').count()) === 1, 'one match');
    await tpage.click('#pc-reg-hits button');
    assert.equal(await tpage.inputValue('#pc-uscc'), SHOP);
    assert.equal(await tpage.inputValue('#pc-region'), '520102');
    assert.deepEqual(await tpage.$$eval('#pc-product option', (os) => os.map((o) => o.value)), ['electric-bicycle']);
    assert.equal(await tpage.inputValue('#pc-link'), 'sales');
    await tpage.click('.start button[type=submit]');
    await tpage.waitForSelector('.checklist .item');
    // A general danger (no daily, weekly and monthly safety checks) and a major one (32 km/h,
    // over the 25 km/h limit).
    await tpage.locator(`${item(GENERAL)} input[value=no]`).scrollIntoViewIfNeeded();
    await tpage.check(`${item(GENERAL)} input[value=no]`);
    await tpage.fill(`${item('ebike.max_speed_kmh')} input`, '32');
    await tpage.waitForSelector(`${item('ebike.max_speed_kmh')}.has-finding`);
    await tpage.waitForSelector(`${item(GENERAL)}.has-finding`);
    // A file the browser cannot decode is not taken, and the page says so (it was dropped
    // without a word before); then the real photo.
    const photo = item('ebike.onsite_photo');
    await tpage.locator(photo).scrollIntoViewIfNeeded();
    await tpage.setInputFiles(`${photo} input[type=file]`, { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a picture') });
    await tpage.waitForSelector(`${photo} p.note:has-text("有照片无法读取")`);
    for (const [k, v] of ANSWERS) await answer(tpage, k, v);
    assert.equal(await tpage.isVisible(`${photo} p.note`), false);
    await tpage.waitForSelector('.save-status:text("已保存在本机")');
    await shoot(tpage, '2-tablet-checklist');
    // As the inspector sees it: the grading at the top, the finding at the item.
    await tpage.locator(item('ebike.max_speed_kmh')).scrollIntoViewIfNeeded();
    await tpage.screenshot({ path: join(shots, 'county-day-2-tablet-findings.png') });
    // Complete: one press sends it to the outbox (offline, it waits there).
    assert.match(await tpage.textContent('.summary'), /重大隐患 · 2 项隐患 · 0 处待填写或改正/);
    await tpage.click('.submit-row button');
    await tpage.waitForSelector('.outbox li[data-state=pending]');
    const id = await tpage.getAttribute('.outbox li[data-state=pending]', 'data-id');
    assert.deepEqual(await serverIds(server), [], 'nothing reaches the server offline');
    await shoot(tpage, '3-tablet-offline-outbox');
    // Back online: the queue drains; the server grades it and opens both entries with their orders.
    await tablet.ctx.setOffline(false);
    await tpage.waitForSelector(`.outbox li[data-id="${id}"][data-state=sent]`, { timeout: 60000 });
    const rec = await serverRecord(server, id);
    assert.equal(rec.submission.inspected_at.slice(0, 10), DAY);
    assert.equal(rec.report.level, 'major');
    assert.deepEqual(rec.report.errors, [], 'complete: it counts for the coverage');
    assert.deepEqual(rec.report.findings.map((f) => [f.item, f.severity]).sort(), [['ebike.max_speed_kmh', 'major'], [GENERAL, 'general']]);
    const opened = await statuses(server, 'nanming-jc');
    assert.deepEqual(Object.values(opened), ['ordered', 'ordered']);

    // The county sees the inspection and the two open dangers.
    await dashboard(dpage, server.url);
    assert.deepEqual(await figures(dpage), ['3', '0 (0%)', '1 (33%)', '2', '0', '2', '0', '0']);

    // 3. The rectification order, numbered by the server, printed from the tablet's ledger.
    await openLedger(tpage, server.url);
    const general = 'article.entry:has-text("一般隐患")';
    const major = 'article.entry:has-text("重大隐患")';
    await tpage.waitForSelector(`${general}[data-status="ordered"]`);
    await tpage.waitForSelector(`${major}[data-status="ordered"]`);
    const entry = await tpage.getAttribute(general, 'data-entry');
    const card = `article[data-entry="${entry}"]`;
    await tpage.evaluate(() => { window.print = () => {}; });
    await tpage.click(`${card} button:has-text("打印责令整改通知书")`);
    await tpage.waitForSelector('.print-area .doc[data-kind="rectification_order"]:not(.provisional)');
    const order = await tpage.textContent('.print-area .doc');
    assert.match(order, /责令整改通知书/);
    assert.match(order, /520102市监责改〔\d{4}〕第1号/);
    assert.match(order, /贵阳示例车行/);
    const issued = await api(server, await token(server, 'nanming-jc'), 'GET', `/api/v1/documents?record=${entry}`);
    assert.equal(issued.body.items.length, 1);
    assert.match(order, new RegExp(`记录指纹 ${issued.body.items[0].record_sha256.slice(0, 12)}`));
    await shoot(tpage, '4-rectification-order');
    await tpage.evaluate(() => document.querySelector('.print-area')?.replaceChildren());

    // 4. The enterprise reports the general danger removed, on its phone.
    const ppage = await openApp(phone.ctx, server.url, '?nosw');
    await signIn(ppage, 'qiye');
    await openLedger(ppage, server.url);
    await ppage.waitForSelector(`${card}[data-status="ordered"]`);
    await ppage.fill(`${card} textarea`, '已建立日管控、周排查、月调度制度并落实到人');
    await ppage.setInputFiles(`${card} input[type=file]`, { name: 'schedule.jpg', mimeType: 'image/jpeg', buffer: PHOTO });
    await ppage.click(`${card} button[type=submit]`);
    await ppage.waitForSelector(`${card}[data-status="rectified"]`);
    await until(async () => (await statuses(server, 'nanming-jc'))[entry] === 'rectified', 'the rectification on the server');
    await shoot(ppage, '5-phone-rectified');

    // 5. The inspector's re-check passes: the general danger is closed out (销号).
    await openLedger(tpage, server.url);
    await tpage.waitForSelector(`${card}[data-status="rectified"]`);
    await tpage.click(`${card} button:has-text("复查通过")`);
    await tpage.waitForSelector(`${card}[data-status="closed"]`);
    await until(async () => (await statuses(server, 'nanming-jc'))[entry] === 'closed', 'closed out on the server');
    assert.equal(Object.values(await statuses(server, 'nanming-jc')).filter((s) => s !== 'closed').length, 1, 'the major danger still open');

    // 6. The county's figures: one of three inspected on site, two found, one closed out, one open.
    await dashboard(dpage, server.url);
    assert.deepEqual(await figures(dpage), ['3', '0 (0%)', '1 (33%)', '2', '1', '1', '0', '0']);
    const views = await dpage.$$eval('#dashboard .views button', (b) => b.map((x) => x.textContent));
    assert.deepEqual(views, ['全部 3', '证照过期或即将到期 0', '尚未自查 3', '尚未现场检查 2']);
    await shoot(dpage, '6-dashboard-evening');
    // The printed summary of the day: by link, and by severity and status.
    await dpage.goto(`${server.url}/www/summary.html?region=520102&date=${DAY}&kind=stage`);
    await dpage.waitForSelector('#summary table');
    assert.match(await dpage.textContent('#summary'), /生成于 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
    assert.deepEqual(await dpage.$$eval('#summary li.flag', (l) => l.map((x) => x.textContent)), [
      '已滞后：企业自查覆盖率 0%，应于 07-15 前达到 50%',
      '即将到期：企业自查覆盖率 0%，应于 08-15 前达到 100%',
      '即将到期：现场排查覆盖率 33%，应于 08-15 前达到 100%',
    ]);
    const section = (title) => dpage.$$eval('#summary section', (ss, h) => {
      const sec = ss.find((x) => x.querySelector('h2')?.textContent === h);
      return [...sec.querySelectorAll('tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent));
    }, title);
    const byLink = await section('分环节');
    // Sales: the shop and the steel dealer registered, the shop inspected on site, both dangers found there, one open.
    assert.deepEqual(byLink.find((r) => r[0] === '销售环节'), ['销售环节', '2', '0', '1', '2', '1']);
    assert.deepEqual(byLink.find((r) => r[0] === '生产环节'), ['生产环节', '1', '0', '0', '0', '0']);
    await shoot(dpage, '7-summary');
    // Offline, the tablet's fetches fail (the network is off); nothing else may.
    for (const p of [dpage, tpage, ppage]) assert.deepEqual(p.errors.filter((e) => !e.includes('404') && !e.includes('ERR_INTERNET_DISCONNECTED')), []);
  } finally {
    for (const b of [desk, tablet, phone]) await b.close();
    await server.stop();
    cleanup(desk.userDataDir, tablet.userDataDir, phone.userDataDir, server.dataDir);
  }
});
