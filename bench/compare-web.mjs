// The side-by-side comparison of bench/compare.mjs in headless Chromium: the same measurement
// (bench/compare-core.mjs), the same forms, paicha's module loaded by a page as the app loads it
// and ajv bundled for the page by esbuild. Prints figures only.
//
//   node bench/compare-web.mjs      (needs pkg/ from scripts/build-wasm, node_modules/, Chromium)
//   PAICHA_PKG=/path/to/pkg node bench/compare-web.mjs     another build of the module
//
// The page is cross-origin isolated (COOP + COEP headers) so that `performance.now()` has its
// finest resolution (5 µs); the measurement batches calls to stay well above it.
import { createServer } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { chromium } from 'playwright-core';
import { withSchemas, NOW } from './gen.mjs';
import { tables } from './compare-core.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = resolve(process.env.PAICHA_PKG ?? join(root, 'pkg'));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };

// ajv is CommonJS: one ES module of it for the page.
const ajv = buildSync({
  stdin: { contents: "export { default } from 'ajv/dist/2020.js';", resolveDir: root, loader: 'js' },
  bundle: true, format: 'esm', platform: 'browser', write: false, minify: true,
}).outputFiles[0].text;
const page = `<!doctype html><meta charset="utf-8"><title>paicha vs ajv</title>
<script type="module">
import init, * as m from '/pkg/paicha.js';
import Ajv from '/ajv.mjs';
import { measure } from '/bench/compare-core.mjs';
import { expandReport } from '/www/js/compact.js';
window.run = async () => {
  const t0 = performance.now();
  await init({ module_or_path: '/pkg/paicha_bg.wasm' });
  const initMs = performance.now() - t0;
  const forms = await (await fetch('/forms.json')).json();
  const { rows } = measure({ m, Ajv, expandReport, forms, now: ${JSON.stringify(NOW)}, clock: () => performance.now() });
  return { rows, initMs, version: m.version(), isolated: self.crossOriginIsolated, ua: navigator.userAgent };
};
window.ready = true;
</script>`;
const generated = { '/ajv.mjs': ajv, '/forms.json': JSON.stringify(withSchemas()), '/compare.html': page };

const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  const headers = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
  const file = path.startsWith('/pkg/') ? join(pkg, path.slice(5)) : join(root, path);
  const body = generated[path] ?? ((file.startsWith(root) || file.startsWith(pkg)) && statSync(file, { throwIfNoEntry: false })?.isFile() ? readFileSync(file) : null);
  if (body === null) return res.writeHead(404, headers).end();
  res.writeHead(200, { ...headers, 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
try {
  const tab = await browser.newPage();
  tab.on('pageerror', (e) => console.error(String(e)));
  await tab.goto(`http://127.0.0.1:${server.address().port}/compare.html`);
  await tab.waitForFunction(() => window.ready === true);
  const r = await tab.evaluate(() => window.run());
  console.log(`paicha ${r.version} in ${r.ua.match(/Chrom(e|ium)\/[\d.]+/)?.[0] ?? r.ua}; cross-origin isolated: ${r.isolated}; init (fetch + compile + instantiate) ${r.initMs.toFixed(1)} ms`);
  console.log('');
  for (const line of tables(r.rows, false)) console.log(line);
} finally {
  await browser.close();
  server.close();
}
