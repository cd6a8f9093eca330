// No input cut or changed silently (issue 17), in Chromium: a 1 MB paste into a 100-character field
// is cut with a message saying so before the field is left; full-width digits and the Chinese
// decimal point are the numbers they are (and say what they were read as); "0x30" and "1e3" are
// errors next to the item, not 48 and 1000. (A refusal naming a mistyped USCC: status.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, startChecklist, item, startServer, cleanup } from './helpers.mjs';

const saved = (page, key) => page.evaluate(async (key) => {
  const db = await import('/www/js/db.js');
  const id = window.paichaApp.view.draft.id;
  return (await db.get('drafts', id))?.answers[key] ?? null;
}, key);

async function settle(page) {
  await page.waitForSelector('.save-status:text("已保存在本机")');
  await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
}

test('a 1 MB paste into a 100-character field is cut with a message; numbers from a Chinese input method are numbers; hex and exponents are errors', { timeout: 120000 }, async () => {
  const server = await startServer();
  const b = await launch();
  try {
    const page = await openApp(b.ctx, server.url, '?nosw');
    await startChecklist(page, { product: 'fire-extinguisher' });
    const model = `${item('extinguisher.model')} input`;
    assert.match(await page.textContent(item('extinguisher.model')), /最多 100 字/);
    // A paste arrives as one input event with the whole text.
    await page.evaluate((sel) => {
      const i = document.querySelector(sel);
      i.focus();
      i.value = `MFZ/ABC4-${'x'.repeat(1024 * 1024)}`;
      i.dispatchEvent(new Event('input', { bubbles: true }));
    }, model);
    assert.equal((await page.inputValue(model)).length, 100);
    // Still in the field: the message is there before it is left.
    assert.equal(await page.evaluate(() => document.activeElement.closest('.item')?.dataset.key), 'extinguisher.model');
    assert.match(await page.textContent(`${item('extinguisher.model')} .entry-note`), /此项最多 100 字：超出的 \d[\d,]* 字已删去（从“x+…”起）/);
    await settle(page);
    assert.equal((await saved(page, 'extinguisher.model')).length, 100);
    // Typing back under the limit clears the message.
    await page.fill(model, 'MFZ/ABC4');
    assert.equal(await page.textContent(`${item('extinguisher.model')} .entry-note`), '');
  } finally {
    await b.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});

test('numbers: "３２" and "３２。５" are 32 and 32.5 and say so; "0x30", "1e3" and "1,000" are errors next to the item', { timeout: 120000 }, async () => {
  const server = await startServer();
  const b = await launch();
  try {
    const page = await openApp(b.ctx, server.url, '?nosw');
    await startChecklist(page);
    const speed = `${item('ebike.max_speed_kmh')} input`;
    const note = `${item('ebike.max_speed_kmh')} .entry-note`;
    await page.fill(speed, '３２');
    await settle(page);
    assert.equal(await saved(page, 'ebike.max_speed_kmh'), 32);
    assert.match(await page.textContent(note), /“３２”按 32 记录/);
    assert.equal(await page.$$eval(`${item('ebike.max_speed_kmh')} .errors li`, (l) => l.length), 0);
    await page.fill(speed, '３２。５');
    await settle(page);
    assert.equal(await saved(page, 'ebike.max_speed_kmh'), 32.5);
    for (const [text, why] of [['0x30', /十六进制/], ['1e3', /科学计数法/], ['1,000', /千位分隔符/]]) {
      await page.fill(speed, text);
      await settle(page);
      assert.equal(await saved(page, 'ebike.max_speed_kmh'), text, 'kept as typed, not converted');
      assert.match(await page.textContent(note), why);
      await page.waitForSelector(`${item('ebike.max_speed_kmh')} .errors li`);
    }
    // The plain number afterwards clears both.
    await page.fill(speed, '25');
    await settle(page);
    assert.equal(await saved(page, 'ebike.max_speed_kmh'), 25);
    assert.equal(await page.textContent(note), '');
    await page.screenshot({ path: 'target/screenshots/entry-number-360.png' });
  } finally {
    await b.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});
