// A visit of several products (issue 10, www/js/visit.js), in real Chromium against the real
// server: a gas appliance shop self-inspects stove, hose, regulator and valve in one go, with two
// models of hose; the shared part (licences, from the catalogue's fragment) is answered once and is
// in every record; each record is graded by its own checklist; one submit sends all five, once each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, item, startServer, serverRecord, serverIds, cleanup, signIn, root } from './helpers.mjs';

const PRODUCTS = ['gas-stove', 'gas-hose', 'lpg-regulator', 'gas-shutoff-valve'];

test('one visit, four products and a second model: shared answers once, five records graded apiece, one submit', { timeout: 180000 }, async () => {
  const server = await startServer();
  const b = await launch();
  try {
    const page = await openApp(b.ctx, server.url);
    await signIn(page);
    await page.check('input[name=pc-role][value=enterprise]');
    await page.fill('#pc-uscc', '91520102MA6DK4L2XN');
    await page.fill('#pc-name', '贵阳示例燃气具店');
    await page.fill('#pc-region', '520102');
    await page.selectOption('#pc-product', PRODUCTS[0]);
    await page.selectOption('#pc-link', 'sales');
    await page.click('details.visit-more summary');
    for (const p of PRODUCTS.slice(1)) await page.check(`input[name=pc-extra][value="${p}"]`);
    await page.click('.start button[type=submit]');
    await page.waitForSelector('nav.visit');
    assert.equal(await page.locator('nav.visit button[data-id]').count(), 4);
    // The shared licence item, answered on the stove's record: "no" (a finding).
    const shared = 'licence.business_licence_valid';
    await page.check(`${item(shared)} input[value=no]`);
    await page.waitForSelector('.save-status:text("已保存在本机")');
    await page.waitForSelector(`${item(shared)}.has-finding`);
    // On the hose's record it is already answered.
    await page.click(`nav.visit button:has-text("燃气")>>nth=1`);
    await page.waitForFunction((k) => document.querySelector(`.item[data-key="${k}"] input[value=no]`)?.checked, shared);
    // A second hose model: a new record of the same product, with the shared answer.
    await page.click('button.another-model');
    await page.waitForFunction(() => document.querySelectorAll('nav.visit button[data-id]').length === 5);
    assert.ok(await page.isChecked(`${item(shared)} input[value=no]`));
    await page.screenshot({ path: `${root}/target/screenshots/visit.png`, fullPage: true });
    // Changing it on one record changes it on all.
    await page.check(`${item(shared)} input[value=yes]`);
    await page.waitForSelector('.save-status:text("已保存在本机")');
    const submit = page.locator('.submit-row button');
    assert.match(await submit.textContent(), /5 份记录/);
    await submit.click();
    // The records are not complete (their own required items are open): the button asks first,
    // naming them; the second press sends the visit.
    await page.waitForSelector('.submit-row button:has-text("仍要提交")');
    await page.click('.submit-row button');
    await page.waitForFunction(() => document.querySelectorAll('.outbox li[data-state=sent]').length === 5, null, { timeout: 60000 });
    // On the server: five records, one per product and model, of one visit, each with the shared answer.
    const ids = await serverIds(server);
    assert.equal(ids.length, 5);
    const recs = await Promise.all(ids.map((id) => serverRecord(server, id)));
    const products = recs.map((r) => r.submission.product).sort();
    assert.deepEqual(products, [...PRODUCTS, 'gas-hose'].sort());
    const visits = new Set(recs.map((r) => r.submission.meta?.visit));
    assert.equal(visits.size, 1);
    assert.ok([...visits][0]);
    for (const r of recs) {
      assert.equal(r.submission.answers[shared], 'yes', r.submission.product);
      assert.equal(r.submission.enterprise.name, '贵阳示例燃气具店');
      assert.equal(r.submission.inspected_at, recs[0].submission.inspected_at);
      // Graded by its own checklist: the server's report names its own product's template.
      assert.equal(r.report.template_version !== undefined, true);
    }
    assert.deepEqual(page.errors, []);
  } finally {
    await b.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});
