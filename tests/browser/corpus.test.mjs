// The shared corpus and the limit cases checked by the WASM module inside a real Chromium (the
// browser a phone or tablet runs), loaded from a local HTTP server exactly as a page loads it, with
// the page's strict Content Security Policy: the reports must equal the native ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";

let server;
let browser;
let page;
let base;

before(async () => {
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const file = join(root, path);
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP });
    res.end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  page = await browser.newPage();
  await page.goto(`${base}/tests/browser/page.html`);
  await page.waitForFunction(() => window.paichaReady === true || typeof window.paichaReady === 'string');
  const ready = await page.evaluate(() => window.paichaReady);
  assert.equal(ready, true, `the page did not load the module: ${ready}`);
});

after(async () => {
  await browser?.close();
  server?.close();
});

const fixtures = readdirSync(join(root, 'tests/fixtures')).filter((f) => f.endsWith('.json')).sort();

test('the corpus in Chromium gives the native reports', async () => {
  assert.ok(fixtures.length >= 10);
  for (const f of fixtures) {
    const c = JSON.parse(readFileSync(join(root, 'tests/fixtures', f), 'utf8'));
    const got = await page.evaluate(([s, now]) => window.paicha.check(s, now), [c.submission, c.now ?? null]);
    assert.deepStrictEqual(got, c.report, f);
  }
});

test('a live session in Chromium: one change at a time', async () => {
  const c = JSON.parse(readFileSync(join(root, 'tests/fixtures/ebike-onsite-sales-clean.json'), 'utf8'));
  const d = await page.evaluate((s) => {
    const session = new window.paicha.FormSession(s);
    const delta = session.set('ebike.max_speed_kmh', 30);
    return { delta, actions: session.actions(), nan: session.set('ebike.mass_kg', Number.NaN) };
  }, c.submission);
  assert.equal(d.delta.level, 'major');
  assert.deepEqual(d.delta.items.map((i) => i.key), ['ebike.max_speed_kmh']);
  assert.ok(d.actions.some((a) => a.kind === 'recheck' && a.due === '2023-07-30'));
  assert.equal(d.nan.items[0].errors[0].code, 'wrong_type');
});
