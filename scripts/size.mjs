// Size of what a page must load before the first checklist shows: the WASM module, its JS glue
// (and snippet), the catalogue index and one product's bundle, and the app's files. Two measures:
// gzip -9 of the source files (as before, for comparison), and the first load as bytes on the wire:
// the web staged as it is deployed (minified, precompressed), served by the real paicha-server and
// fetched over HTTP with the Accept-Encoding Chromium sends (status line and headers counted). The
// page budget applies to the wire. With --check, fail when over the budgets.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_WASM = 150 * 1024;
const BUDGET_PAGE = 200 * 1024; // the issue's aim is 200 KB; this guards it (200 KiB)
const gz = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
import { readdirSync } from 'node:fs';
const snippets = readdirSync('pkg/snippets', { recursive: true })
  .filter((f) => f.endsWith('.js'))
  .map((f) => `pkg/snippets/${f}`);
// The offline app's own files, as the page loads them before the first checklist shows (the service
// worker, fetched after, is listed apart).
const app = ['www/index.html', 'www/app.css', 'www/manifest.webmanifest', 'www/icon.svg',
  ...['main', 'app', 'app-home', 'app-draft', 'app-sync', 'dom', 'http', 'labels', 'merge', 'sha256', 'catalogue', 'db', 'i18n', 'form', 'store', 'outbox', 'outbox-view', 'pool', 'envelope', 'entry'].map((m) => `www/js/${m}.js`)];
// The catalogue as the app loads it (scripts/stage-web.mjs splits it when staging): the product
// index and one product's bundle, the largest one.
const { catalogueParts } = await import('./stage-web.mjs');
const parts = catalogueParts(JSON.parse(readFileSync('pkg/catalogue.json', 'utf8')));
const gzText = (t) => gzipSync(Buffer.from(t), { level: 9 }).length;
const largest = Object.entries(parts.bundles).sort((a, b) => gzText(b[1]) - gzText(a[1]))[0];
const virtual = {
  'pkg/catalogue/index.json (staged)': parts.index,
  [`pkg/catalogue/${largest[0]} (staged, largest)`]: largest[1],
};
const files = ['pkg/paicha_bg.wasm', 'pkg/paicha.js', ...snippets, ...Object.keys(virtual), ...app];
const sizes = Object.fromEntries(files.map((f) => (virtual[f] !== undefined
  ? [f, { raw: Buffer.byteLength(virtual[f]), gzip: gzText(virtual[f]) }]
  : [f, { raw: readFileSync(f).length, gzip: gz(f) }])));
const whole = gz('pkg/catalogue.json');
const total = files.reduce((s, f) => s + sizes[f].gzip, 0);
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
for (const f of files) console.log(`${f.padEnd(50)} ${kb(sizes[f].raw).padStart(10)} raw ${kb(sizes[f].gzip).padStart(10)} gzip`);
console.log(`${'gzip -9 of the source files above (for comparison)'.padEnd(50)} ${''.padStart(14)} ${kb(total).padStart(10)} gzip (${(total / 1000).toFixed(1)} kB)`);
const sw = gz('www/sw.js');
console.log(`${'www/js/media.js (checklists with photos, signatures, GPS)'.padEnd(50)} ${''.padStart(14)} ${kb(gz('www/js/media.js')).padStart(10)} gzip`);
console.log(`${'pkg/catalogue.json (whole; the app loads parts)'.padEnd(50)} ${''.padStart(14)} ${kb(whole).padStart(10)} gzip`);
console.log(`${'www/sw.js (after the first render)'.padEnd(50)} ${''.padStart(14)} ${kb(sw).padStart(10)} gzip`);
// Pages that load a WASM module of their own when they first open (the app's scripts and the
// catalogue they share with it are cached by then). A new module's page: one line here, with its
// module, its own files and its budget (gzip -9). The page's scripts are not listed by hand: every
// module its script imports statically (followed through the imports), less the app's own files,
// counts; a hand list had left out the modules split from the ledger page since (14.8 KiB).
// The dashboard's module (campaign progress counted offline, campaign-wasm/) measured 81.4 KiB
// gzip and the page's first open 96.6 KiB when it came (2026-12-02): the budget leaves room to grow.
// The ledger page, counted this way, measured 164 KiB on 2026-12-02 (module 136.8 KiB): its budget
// went from 150 to 170 KiB then, a recorded decision, not a free pass: the next step is to load
// the measure forms, the import box and photo compression when first used.
// Only static imports count (`import ... from`, `export ... from`, `import '...'`, at the start of
// a line): a part loaded by import() when first used is not first-open weight, and is printed
// apart ("lazy"). The ledger page's measure forms stay static; its photo compression and spot-check
// list import became lazy on 2026-12-03 (169.5 -> 164.8 KiB; README).
const BUDGET_DASHBOARD = 110 * 1024;
/** The modules `file` loads by import() of a literal path, and what those import statically. */
function lazyImports(file) {
  const out = new Set();
  for (const f of imports(file)) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      for (const g of imports(join(dirname(f), m[1]))) out.add(g);
    }
  }
  for (const f of imports(file)) out.delete(f);
  return [...out];
}
function imports(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s+['"](\.[^'"]+)['"]/g)) {
    imports(join(dirname(file), m[1] ?? m[2]), seen);
  }
  return seen;
}
const appScripts = imports('www/js/main.js');
const own = (script) => [...imports(script)].filter((f) => !appScripts.has(f) && !f.endsWith('.wasm'));
const PAGES = [
  { name: 'ledger page', budget: 170 * 1024, module: 'pkg/ledger/paicha_ledger_bg.wasm',
    files: ['www/ledger.html', 'www/ledger.css', ...own('www/js/ledger.js')] },
  { name: 'express page', budget: 120 * 1024, module: 'pkg/express/paicha_express_bg.wasm',
    files: ['www/express.html', 'www/express.css', ...own('www/js/express.js')] },
  { name: 'dashboard page', budget: BUDGET_DASHBOARD, module: 'pkg/campaign/paicha_campaign_bg.wasm',
    files: ['www/dashboard.html', 'www/dashboard.css', ...own('www/js/dashboard.js')] },
];
const over = [];
for (const p of PAGES) {
  const total = [p.module, ...p.files].reduce((s, f) => s + gz(f), 0);
  console.log(`${`${p.name}, first open (module, glue, page)`.padEnd(50)} ${''.padStart(14)} ${kb(total).padStart(10)} gzip (module ${kb(gz(p.module))}, ${kb(readFileSync(p.module).length)} raw, and ${p.files.length} files; budget ${kb(p.budget)})`);
  if (total > p.budget) over.push(`${p.name} ${kb(total)}`);
  const lazy = lazyImports(p.files.find((f) => f.endsWith('.js') && f.startsWith('www/js/')));
  if (lazy.length) console.log(`${`${p.name}, lazy (import() on first use; not counted)`.padEnd(50)} ${''.padStart(14)} ${kb(lazy.reduce((s, f) => s + gz(f), 0)).padStart(10)} gzip (${lazy.map((f) => f.replace('www/js/', '')).join(', ')})`);
}

// On the wire: stage, serve, fetch. Chromium asks `gzip, deflate, br, zstd` (br over HTTPS and on
// loopback). The budget applies to that: the app needs a service worker, hence HTTPS, and every
// browser with service workers takes brotli over HTTPS. gzip alone (plain HTTP) is printed beside.
const { staging, startServer } = await import('../tests/browser/helpers.mjs');
const { wireBytes } = await import('./wire.mjs');
const { firstLoad } = await import('./bundle.mjs');
const staged = staging();
// What the staged start page fetches (its modules bundled, scripts/bundle.mjs), and the largest
// product's checklist.
const loaded = [...firstLoad(join(staged, 'www'), 'index.html'), `pkg/catalogue/${largest[0]}`];
// The ledger page as staged: its bundle, the chunks it preloads, its module (printed, no budget).
const ledgerLoad = firstLoad(join(staged, 'www'), 'ledger.html');
const server = await startServer({ webRoot: staged });
const wire = {};
try {
  const paths = loaded.map((f) => `/${f}`);
  for (const [name, accept] of [['br', 'gzip, deflate, br, zstd'], ['gzip', 'gzip, deflate']]) {
    let sum = 0;
    for (const p of paths) {
      const r = await wireBytes(server.url, p, accept);
      if (r.status !== 200) throw new Error(`${p}: HTTP ${r.status}`);
      sum += r.bytes;
    }
    wire[name] = sum;
  }
  wire.ledger = 0;
  for (const f of ledgerLoad) wire.ledger += (await wireBytes(server.url, `/${f}`, 'gzip, deflate, br, zstd')).bytes;
} finally {
  await server.stop();
}
console.log(`${'ledger page, first open on the wire (brotli)'.padEnd(50)} ${''.padStart(14)} ${kb(wire.ledger).padStart(10)} (${ledgerLoad.length} responses; its lazy parts not fetched)`);
console.log(`${'first load on the wire, Chromium (brotli)'.padEnd(50)} ${''.padStart(14)} ${kb(wire.br).padStart(10)} (${loaded.length} responses, headers included)`);
console.log(`${'first load on the wire, gzip only (plain HTTP)'.padEnd(50)} ${''.padStart(14)} ${kb(wire.gzip).padStart(10)}`);
console.log(`budgets: wasm ${kb(BUDGET_WASM)} gzip, first load ${kb(BUDGET_PAGE)} on the wire (as Chromium gets it)`);
if (process.argv.includes('--check')) {
  const wasm = sizes['pkg/paicha_bg.wasm'].gzip;
  if (wasm > BUDGET_WASM) over.push(`wasm ${kb(wasm)}`);
  if (wire.br > BUDGET_PAGE) over.push(`first load on the wire ${kb(wire.br)}`);
  if (over.length) {
    console.error(`over budget: ${over.join(', ')}`);
    process.exit(1);
  }
}
