// A provincial spot-check result list imported on the ledger page (issue 13 item 5), in a real
// Chromium against the real server: a list with a bad cell is refused whole and each error is
// shown with its row and column; the corrected file imports, the results are listed with Order
// 18's tasks, and importing it again adds nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, startServer, cleanup, token, signIn, root } from './helpers.mjs';

const HEADER = '序号,受检单位,统一社会信用代码,行政区划代码,产品名称,生产日期/批号,检验结论,主要不合格项目,报告编号,签发日期';
const ROWS = [
  '1,贵阳示例车行,91520102MA6DK4L2XN,520102,电动自行车,2026-03,不合格,最高设计车速、整车质量,GZ2026-001,2026/9/1',
  '2,示例水泥厂,91350100M000100Y43,520102,水泥,P·O 42.5 20260301,合格,,GZ2026-002,2026-09-02',
];
const file = (rows) => ({ name: '抽查结果.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF2026年省级监督抽查结果\n${HEADER}\n${rows.join('\n')}\n`) });

test('a spot-check result list is imported on the ledger page: refused whole with each bad cell, then stored once', async () => {
  const server = await startServer();
  const tablet = await launch();
  try {
    const page = await openApp(tablet.ctx, server.url, '?nosw');
    await signIn(page, 'jiancha');
    await page.goto(`${server.url}/www/ledger.html`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 20000 });
    await page.waitForSelector('main [role=status]:has-text("已同步")');
    await page.evaluate(() => { document.querySelector('details.spot-box').open = true; });

    // A mistyped check character: nothing imported, the cell named.
    await page.setInputFiles('#si-file', file([ROWS[0].replace('L2XN', 'L2XM'), ROWS[1]]));
    await page.waitForSelector('.import-errors li');
    const errors = await page.locator('.import-errors li').allTextContents();
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /^第 3 行 · C（统一社会信用代码）：.*第 18 位应为 N/);
    const tok = await token(server, 'jiancha');
    const none = await (await fetch(`${server.url}/api/v1/spot-checks`, { headers: { authorization: `Bearer ${tok}` } })).json();
    assert.equal(none.items.length, 0);

    // Corrected: both rows stored, listed with their tasks after the page synced.
    await page.setInputFiles('#si-file', file(ROWS));
    await page.waitForSelector('.spot-import-result:has-text("已导入 2 行：新增 2")');
    await page.evaluate(() => { document.querySelector('details.spot-box').open = true; });
    await page.waitForSelector('.spot-list li >> nth=1');
    const listed = await page.locator('.spot-list li').allTextContents();
    assert.ok(listed.some((x) => /贵阳示例车行/.test(x) && /不合格/.test(x) && /复查 ≤ \d{4}-\d{2}-\d{2}/.test(x)), listed.join('\n'));
    await page.screenshot({ path: `${root}/target/screenshots/spot-import.png`, fullPage: true });

    // The same file again: nothing new.
    await page.evaluate(() => { document.querySelector('details.spot-box').open = true; });
    await page.setInputFiles('#si-file', file(ROWS));
    await page.waitForSelector('.spot-import-result:has-text("新增 0")');
    assert.match(await page.textContent('.spot-import-result'), /未变 2/);
    const all = await (await fetch(`${server.url}/api/v1/spot-checks`, { headers: { authorization: `Bearer ${tok}` } })).json();
    assert.equal(all.items.length, 2);
  } finally {
    await tablet.close();
    await server.stop();
    cleanup(tablet.userDataDir, server.dataDir);
  }
});
