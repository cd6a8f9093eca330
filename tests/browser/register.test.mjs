// The enterprise register on an inspector's tablet (issue 12), real Chromium and the real server:
// the county imports its register, the tablet signs in and syncs it, goes offline, reloads, picks an
// enterprise by name and by USCC (the envelope filled, the products narrowed to what it makes or
// sells), and an enterprise typed by hand is still inspected and, once sent, proposed for the register.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openApp, startServer, cleanup, token, root, signIn, until, withCheck } from './helpers.mjs';

const CEMENT = '91520102MA6CEM0011';
const REBAR = '91520102MA6REB0021';

test('an inspector offline picks an enterprise from the register', { timeout: 150000 }, async () => {
  const server = await startServer();
  const b = await launch();
  const cement = withCheck(CEMENT.slice(0, 17));
  const rebar = withCheck(REBAR.slice(0, 17));
  const stranger = withCheck('91520102MA6NEW003');
  try {
    const tok = await token(server, 'jiancha');
    const csv = ['统一社会信用代码,企业名称,行政区划代码,生产产品,销售产品,联系电话',
      `${cement},南明区示例水泥有限公司,520102,水泥,,0851-1234567`,
      `${rebar},南明钢材经销部,520102,,钢筋、电线电缆,`,
      '91520102MA6DK4L2XN,贵阳示例车行,520102,,电动自行车,'].join('\n');
    const imp = await fetch(`${server.url}/api/v1/register/import`, { method: 'POST', headers: { authorization: `Bearer ${tok}` }, body: csv });
    assert.equal(imp.status, 200, await imp.clone().text());
    assert.equal((await imp.json()).new, 3);

    const page = await openApp(b.ctx, server.url);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await signIn(page, 'jiancha');
    // The sync after sign-in brings the register onto the device.
    await until(() => page.evaluate(() => new Promise((ok) => {
      const r = indexedDB.open('paicha');
      r.onsuccess = () => { const q = r.result.transaction('register').objectStore('register').count(); q.onsuccess = () => { ok(q.result === 3); r.result.close(); }; };
      r.onerror = () => ok(false);
    })), 'the register synced');

    await b.ctx.setOffline(true);
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    await page.waitForSelector('#pc-reg-q');
    await page.check('input[name=pc-role][value=inspector]');
    // By name.
    await page.fill('#pc-reg-q', '水泥');
    await page.waitForSelector('#pc-reg-hits button');
    assert.equal(await page.locator('#pc-reg-hits button').count(), 1);
    assert.match(await page.textContent('#pc-reg-status'), /1/);
    // By USCC prefix: the other two share 91520102MA6, the cement works too.
    await page.fill('#pc-reg-q', rebar.slice(0, 14));
    await until(async () => (await page.locator('#pc-reg-hits button').count()) === 1, 'one USCC match');
    await page.click('#pc-reg-hits button');
    assert.equal(await page.inputValue('#pc-uscc'), rebar);
    assert.equal(await page.inputValue('#pc-name'), '南明钢材经销部');
    assert.equal(await page.inputValue('#pc-region'), '520102');
    const offered = await page.$$eval('#pc-product option', (os) => os.map((o) => o.value).sort());
    assert.deepEqual(offered, ['rebar', 'wire-cable']);
    assert.equal(await page.inputValue('#pc-link'), 'sales');
    await page.fill('#pc-reg-q', '南明');
    await page.waitForSelector('#pc-reg-hits button >> nth=1');
    mkdirSync(join(root, 'target/screenshots'), { recursive: true });
    await page.screenshot({ path: join(root, 'target/screenshots/register-pick-360.png'), fullPage: false });
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.screenshot({ path: join(root, 'target/screenshots/register-pick-1024.png'), fullPage: false });
    await page.setViewportSize({ width: 360, height: 740 });
    await page.click('#pc-reg-hits button:has-text("水泥")');
    assert.deepEqual(await page.$$eval('#pc-product option', (os) => os.map((o) => o.value)), ['cement']);
    assert.equal(await page.inputValue('#pc-link'), 'production');
    await page.click('.start button[type=submit]');
    await page.waitForSelector('.checklist .item');
    assert.match(await page.textContent('.checklist, main'), new RegExp(`南明区示例水泥有限公司 · ${cement} · 520102`));

    // An enterprise not in the register, typed by hand: every product again; inspected and sent.
    await page.click('.buttons button.secondary:has-text("返回")').catch(() => page.goBack());
    await page.waitForSelector('#pc-reg-q');
    await page.check('input[name=pc-role][value=inspector]');
    await page.fill('#pc-reg-q', '不存在的企业');
    await page.waitForSelector('#pc-reg-status:has-text("名录中没有")');
    await page.fill('#pc-uscc', stranger);
    await page.fill('#pc-name', '南明新开业车行');
    await page.fill('#pc-region', '520102');
    assert.ok((await page.locator('#pc-product option').count()) > 20);
    await page.selectOption('#pc-product', 'electric-bicycle');
    await page.selectOption('#pc-link', 'sales');
    await page.click('.start button[type=submit]');
    await page.waitForSelector('.checklist .item');
    await page.click('button:has-text("提交")');
    await page.click('button:has-text("提交")').catch(() => {}); // "submit anyway" when incomplete
    await b.ctx.setOffline(false);
    await page.evaluate(() => globalThis.dispatchEvent(new Event('online')));
    const proposed = await until(async () => {
      const r = await fetch(`${server.url}/api/v1/register/unregistered`, { headers: { authorization: `Bearer ${tok}` } });
      const items = (await r.json()).items;
      return items.find((i) => i.uscc === stranger);
    }, 'the typed enterprise proposed for the register', 40000);
    assert.equal(proposed.name, '南明新开业车行');
    assert.deepEqual(page.errors.filter((e) => !/net::ERR_INTERNET_DISCONNECTED|Failed to fetch|Failed to load resource/.test(e)), []);
  } finally {
    await b.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});
