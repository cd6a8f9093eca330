// The custom element loaded by a portal on another origin: the module, its WASM, the catalogue and
// the stylesheet come from the app's server (CORS for the allowed portal), the records go to that
// server's API with the token the portal gives, and a portal the server does not allow cannot load
// the element at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { launch, startServer, cleanup, item, token, serverIds } from './helpers.mjs';

/** A portal on its own port that embeds `<paicha-checklist>` from `to.app` with `to.tok` (read at
 * each request: the server to allow the portal starts after the portal's port is known). */
async function portal(to) {
  const srv = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><meta charset="utf-8"><title>portal</title>
<script type="module" src="${to.app}/www/js/element.js"></script>
<paicha-checklist product="electric-bicycle" form="self_inspection" link="sales" endpoint="${to.app}" token="${to.tok}"></paicha-checklist>`);
  });
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  return { origin: `http://127.0.0.1:${srv.address().port}`, close: () => new Promise((ok) => { srv.closeAllConnections?.(); srv.close(ok); }) };
}

test('a portal on another origin embeds the element, and records reach the server once', { timeout: 120000 }, async () => {
  const to = {};
  const p = await portal(to);
  const server = await startServer({ args: ['--allow-origin', p.origin] });
  to.app = server.url;
  to.tok = await token(server, 'qiye');
  const b = await launch();
  try {
    const page = b.ctx.pages()[0];
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${p.origin}/`);
    await page.waitForSelector('paicha-checklist[data-ready="1"]', { timeout: 30000 });
    const el = page.locator('paicha-checklist');
    await el.locator('#pc-uscc').fill('91520102MA6DK4L2XN');
    await el.locator('#pc-name').fill('贵阳示例车行');
    await el.locator('#pc-region').fill('520102');
    await el.locator('.start button[type=submit]').click();
    await el.locator(`${item('ebike.max_speed_kmh')} input`).fill('30');
    assert.equal(await el.locator('.summary').getAttribute('data-level'), 'major');
    await el.locator('.submit-row button').click();
    await el.locator('.submit-row button').click();
    for (let i = 0; i < 200 && (await serverIds(server)).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await serverIds(server)).length, 1);
    assert.deepEqual(errors, []);
  } finally {
    await b.close();
    await server.stop();
    await p.close();
    cleanup(b.userDataDir, server.dataDir);
  }
});

test('a portal the server does not allow cannot load the element', { timeout: 60000 }, async () => {
  const server = await startServer();
  const other = await portal({ app: server.url, tok: 'x' });
  const b = await launch();
  try {
    const page = b.ctx.pages()[0];
    await page.goto(`${other.origin}/`);
    // The module script is refused (no CORS answer): the element never becomes ready.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await page.evaluate(() => !!customElements.get('paicha-checklist')), false);
  } finally {
    await b.close();
    await server.stop();
    await other.close();
    cleanup(b.userDataDir, server.dataDir);
  }
});
