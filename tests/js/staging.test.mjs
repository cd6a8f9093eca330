// Staging (scripts/stage-web.mjs, scripts/bundle.mjs): every page's modules bundled, the preload
// hints and the service worker's precache list written from the module graph. Checked on a real
// staging of this tree: each hint and each precached path names a staged file, a bundle no longer
// imports the app's modules one by one, the modules as written stay beside the bundles, and the
// precache covers what the start page loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { stageWeb } from '../../scripts/stage-web.mjs';
import { firstLoad, moduleGraph } from '../../scripts/bundle.mjs';

const dir = mkdtempSync(join(tmpdir(), 'paicha-stage-'));
const { dest } = stageWeb(dir);
const www = join(dest, 'www');
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const hints = (html) => [...html.matchAll(/<link rel="(modulepreload|preload)" href="([^"]+)"([^>]*)>/g)].map((m) => ({ rel: m[1], href: m[2], attrs: m[3] }));

test('every preload hint of every page names a staged file; the WASM module and catalogue index are preloaded as fetches', () => {
  for (const page of ['index.html', 'ledger.html', 'express.html', 'portal.html']) {
    const html = readFileSync(join(www, page), 'utf8');
    const h = hints(html);
    assert.ok(h.length > 0, `${page} has preload hints`);
    for (const x of h) assert.ok(existsSync(resolve(www, x.href)), `${page}: ${x.href} is staged`);
    // Hints come before the first module script, or the browser has already started the chain.
    assert.ok(html.indexOf('rel="modulepreload"') < html.indexOf('<script type="module"'), page);
  }
  const index = hints(readFileSync(join(www, 'index.html'), 'utf8'));
  const wasm = index.find((x) => x.href === '../pkg/paicha_bg.wasm');
  assert.ok(wasm && wasm.rel === 'preload' && / as="fetch"/.test(wasm.attrs) && /crossorigin/.test(wasm.attrs));
  assert.ok(index.some((x) => x.href === '../pkg/catalogue/index.json' && x.rel === 'preload'));
  // The ledger page loads the ledger module, not the checker's.
  const ledger = hints(readFileSync(join(www, 'ledger.html'), 'utf8')).map((x) => x.href);
  assert.ok(ledger.includes('../pkg/ledger/paicha_ledger_bg.wasm'), ledger.join());
  assert.ok(!ledger.includes('../pkg/paicha_bg.wasm'));
});

test('a page bundle imports only the WASM glue; the modules as written stay staged beside it', () => {
  const graph = moduleGraph([join(www, 'js', 'main.js')]);
  const own = graph.static.filter((p) => p.startsWith(join(www, 'js')) && p !== join(www, 'js', 'main.js'));
  assert.deepEqual(own, [], 'main.js is one file');
  assert.ok(graph.static.includes(join(dest, 'pkg', 'paicha.js')));
  for (const m of ['app.js', 'form.js', 'outbox.js', 'store.js', 'db.js']) assert.ok(existsSync(join(www, 'js', m)), m);
  // The start page's first load is a handful of requests, not one per module.
  const first = firstLoad(www, 'index.html');
  assert.ok(first.length <= 12, first.join('\n'));
  for (const f of first) assert.ok(existsSync(join(dest, f)), f);
});

test('the precache list names staged files only and covers the start page and portal with their modules', () => {
  const sw = readFileSync(join(www, 'sw.js'), 'utf8');
  const list = JSON.parse(/(\["\.\/",[^\]]*\])/.exec(sw)[1]);
  for (const p of list) assert.ok(p === './' || existsSync(resolve(www, p)), `${p} is staged`);
  for (const f of [...firstLoad(www, 'index.html'), ...firstLoad(www, 'portal.html')]) {
    const rel = `./${f}`.replace('./www/', './').replace('./pkg/', '../pkg/');
    assert.ok(list.includes(rel), `${rel} is precached`);
  }
  // The lazily loaded parts (photos, register) and the modules as written are there too.
  for (const m of ['./js/media.js', './js/register.js', './js/store.js', './js/outbox.js']) assert.ok(list.includes(m), m);
  assert.equal(new Set(list).size, list.length, 'no path twice');
  assert.ok(dirname(www) === dest);
});

test('the ledger page leaves its lazy parts (photo compression, the spot-check list import) off its first open, and they are precached', () => {
  const bundle = readFileSync(join(www, 'js', 'ledger.js'), 'utf8');
  const lazy = [...bundle.matchAll(/import\("\.\/([^"]+)"\)/g)].map((m) => m[1]);
  assert.ok(lazy.some((f) => /^media-\w+\.js$/.test(f)) && lazy.some((f) => /^spot-import-\w+\.js$/.test(f)), lazy.join());
  const first = firstLoad(www, 'ledger.html');
  const sw = readFileSync(join(www, 'sw.js'), 'utf8');
  const list = JSON.parse(/(\["\.\/",[^\]]*\])/.exec(sw)[1]);
  for (const f of lazy) {
    assert.ok(existsSync(join(www, 'js', f)), f);
    assert.ok(!first.includes(`www/js/${f}`), `${f} is not in the first open`);
    assert.ok(list.includes(`./js/${f}`), `${f} is precached`);
  }
  // What the page and its lazy parts share is one module each, in a chunk the page preloads.
  for (const f of first) assert.ok(existsSync(join(dest, f)), f);
  for (const f of first.filter((x) => /chunk-/.test(x))) assert.ok(list.includes(`./${f.replace('www/', '')}`), f);
});
