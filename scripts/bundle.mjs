// What a staged page loads, and how (issues 11 and 17): each page's modules bundled into one file
// with the code shared between pages split into chunks, a `<link rel=modulepreload>` for whatever
// the bundle still imports and a `preload` of each WASM module, and the service worker's precache
// list, all written at staging from the module graph itself rather than kept by hand.
//
// Why: over a slow link every request costs a round trip (DevTools' "Slow 3G" adds 2 s to each,
// and a browser opens at most 6 connections to a host over HTTP/1.1), and an ES module graph is
// discovered one level at a time: the page loads main.js, which names app.js, which names form.js,
// ... and only then the WASM glue, which only then fetches the module. Measured (bench/wire.mjs,
// Slow 3G, 160 KiB on the wire, of which the transfer itself is about 3.3 s): the start form after
// 19.8 s with the modules as written, 15.1 s with preload hints alone (26 requests still queue on
// 6 connections), and with the bundles as printed in the README. The source tree stays unbundled
// (what a developer reads and debugs); the staged copies of the modules stay beside the bundles,
// so an embedding portal or a test may still import one module by its path.
// The graph comes from esbuild's metafile and the bundles from esbuild (the same esbuild that
// minifies at staging), not from a hand-written import scanner: esbuild parses the modules as the
// browser will.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, posix } from 'node:path';
import { buildSync } from 'esbuild';

/**
 * Bundles the module scripts of every page in `www` (and the embeddable element), in place: each
 * entry's file is replaced by its bundle, and code two entries share goes to chunks beside them (`js/chunk-HASH.js`). The
 * WASM glue in pkg/ stays its own module (it finds its module by `import.meta.url`). Returns the
 * entries bundled.
 */
export function bundlePages(www) {
  const entries = new Set();
  for (const f of readdirSync(www).filter((x) => x.endsWith('.html'))) {
    const page = join(www, f);
    for (const s of pageScripts(readFileSync(page, 'utf8'), page)) entries.add(s);
  }
  const element = join(www, 'js', 'element.js');
  if (existsSync(element)) entries.add(element);
  // Only the modules in js/, with the chunks beside them: esbuild keeps an external import as
  // written, so '../../pkg/paicha.js' is right only in a file of that folder. (demo.js, the
  // authoring demo at the top, stays as it is.)
  const js = join(www, 'js');
  for (const e of entries) if (dirname(e) !== js) entries.delete(e);
  // Without splitting esbuild inlines what a module loads by import() into the bundle: the lazy
  // part would be on the wire with the page. The pages in LAZY keep their lazy parts apart (their
  // own build, with splitting: a chunk per lazy part, and one for the code a lazy part shares with
  // the page, so each module still runs once). The start page keeps its import()s inlined, as its
  // first load was measured (README).
  const lazy = [...entries].filter((e) => LAZY.has(relative(www, e).split('\\').join('/')));
  for (const e of lazy) entries.delete(e);
  const common = {
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    outdir: www,
    outbase: www,
    allowOverwrite: true,
    entryNames: '[dir]/[name]',
    chunkNames: 'js/[name]-[hash]',
    external: ['../../pkg/*'],
    logLevel: 'silent',
  };
  for (const e of lazy) buildSync({ ...common, entryPoints: [e], splitting: true });
  buildSync({ ...common, entryPoints: [...entries], splitting: false });
  return [...entries, ...lazy].map((e) => relative(www, e));
}

/** The pages' scripts (under www/) whose import()s stay apart from the page when bundled. */
export const LAZY = new Set(['js/ledger.js']);

const rel = (from, to) => {
  const r = relative(from, to).split('\\').join('/');
  return r.startsWith('.') ? r : `./${r}`;
};

/**
 * The modules reachable from `entries` (absolute paths): `static` by import statements (what a page
 * needs before it runs), `dynamic` by import() (what it may load later). Absolute paths, sorted.
 */
export function moduleGraph(entries) {
  const absWorkingDir = resolve('/');
  const { metafile } = buildSync({
    entryPoints: entries,
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'browser',
    logLevel: 'silent',
    outdir: '/nonexistent', // required with several entries; nothing is written
    absWorkingDir,
    // The WASM module is located by `new URL(..., import.meta.url)`, not imported: nothing to
    // resolve; CSS and JSON are never imported by the app's modules.
  });
  const abs = (p) => resolve(absWorkingDir, p);
  const seen = new Set();
  const dynamic = new Set();
  const walk = (p, isStatic) => {
    if (isStatic) {
      if (seen.has(p)) return;
      seen.add(p);
    } else if (seen.has(p) || dynamic.has(p)) return;
    else dynamic.add(p);
    const input = metafile.inputs[relative(absWorkingDir, p).split('\\').join('/')];
    for (const i of input?.imports ?? []) {
      if (i.external) continue;
      walk(abs(i.path), isStatic && i.kind === 'import-statement');
    }
  };
  for (const e of entries) walk(resolve(e), true);
  for (const p of seen) dynamic.delete(p);
  return { static: [...seen].sort(), dynamic: [...dynamic].sort() };
}

/** The module scripts a page loads (`<script type="module" src=...>`), resolved against the page. */
function pageScripts(html, page) {
  return [...html.matchAll(/<script\s+type="module"\s+src="([^"]+)"/g)].map((m) => resolve(dirname(page), m[1]));
}

/** The other files a page links: stylesheets, the manifest and the icon. */
function pageLinks(html, page) {
  return [...html.matchAll(/<link\s+rel="(?:stylesheet|manifest|icon)"\s+href="([^"]+)"[^>]*>/g)].map((m) => resolve(dirname(page), m[1]));
}

/** The WASM module a wasm-bindgen glue file loads: `name.js` beside `name_bg.wasm`. */
const wasmOf = (glue) => glue.replace(/\.js$/, '_bg.wasm');

/**
 * What each page of `www` will fetch once its modules run, for the preload hints: the catalogue
 * index, which js/catalogue.js fetches as soon as the WASM module is ready, and the division list
 * (js/divisions.js): one round trip less before the start form. Read from the module graph as written, so call it before bundlePages.
 * Returns {page file: [absolute paths]}.
 */
export function pageFetches(www) {
  const pkg = join(www, '..', 'pkg');
  // module -> the data it fetches as soon as it runs
  const data = [
    [join(www, 'js', 'catalogue.js'), join(pkg, 'catalogue', 'index.json')],
    [join(www, 'js', 'divisions.js'), join(pkg, 'divisions.txt')],
  ].filter(([, file]) => existsSync(file));
  const out = {};
  for (const f of readdirSync(www).filter((x) => x.endsWith('.html'))) {
    const page = join(www, f);
    const scripts = pageScripts(readFileSync(page, 'utf8'), page);
    if (!scripts.length) continue;
    const graph = moduleGraph(scripts).static;
    const files = data.filter(([m]) => graph.includes(m)).map(([, file]) => file);
    if (files.length) out[f] = files;
  }
  return out;
}

/**
 * Adds to every page in `www` a `modulepreload` for each module its scripts import (statically,
 * at any depth), a `preload` for each WASM module those modules' glue loads and for the files in
 * `fetches` (from pageFetches), just before the first module script. Returns {page: number of
 * hints} for the log.
 */
export function addPreloads(www, fetches = {}) {
  const done = {};
  for (const f of readdirSync(www).filter((x) => x.endsWith('.html'))) {
    const page = join(www, f);
    const html = readFileSync(page, 'utf8');
    const scripts = pageScripts(html, page);
    if (scripts.length === 0) continue;
    const graph = moduleGraph(scripts);
    const modules = graph.static.filter((m) => !scripts.includes(m));
    const wasm = graph.static.map(wasmOf).filter((w) => w.endsWith('_bg.wasm') && existsSync(w));
    const lines = [
      ...modules.map((m) => `<link rel="modulepreload" href="${rel(dirname(page), m)}">`),
      // `crossorigin` so the preload's mode (cors, same-origin credentials) matches the glue's
      // fetch(), or the browser fetches the module twice.
      ...wasm.map((w) => `<link rel="preload" href="${rel(dirname(page), w)}" as="fetch" type="application/wasm" crossorigin>`),
      ...(fetches[f] ?? []).map((x) => `<link rel="preload" href="${rel(dirname(page), x)}" as="fetch" crossorigin>`),
    ];
    const at = html.search(/<script\s+type="module"/);
    if (lines.length === 0 || at < 0) continue;
    const indent = /([ \t]*)$/.exec(html.slice(0, at))?.[1] ?? '';
    writeFileSync(page, html.slice(0, at) + lines.map((l) => `${l}\n${indent}`).join('') + html.slice(at));
    done[f] = lines.length;
  }
  return done;
}

/**
 * What the service worker precaches, relative to it (`www/sw.js`): the `pages`, everything they
 * link, every module their scripts import (statically or later by import()), each WASM module of
 * a glue among them, the glue's snippet modules and the catalogue index (the worker adds every
 * product's bundle from the index when it installs). The root './' opens the app, as index.html.
 */
export function shellList(www, pages) {
  const out = new Set(['./']);
  const files = [];
  const scripts = [];
  for (const p of pages) {
    const page = join(www, p);
    if (!p.endsWith('.html')) {
      if (existsSync(page)) files.push(page);
      continue;
    }
    const html = readFileSync(page, 'utf8');
    files.push(page, ...pageLinks(html, page));
    scripts.push(...pageScripts(html, page));
  }
  const graph = moduleGraph(scripts);
  const modules = [...graph.static, ...graph.dynamic];
  files.push(...modules, ...modules.map(wasmOf).filter((w) => w.endsWith('_bg.wasm') && existsSync(w)));
  const config = join(www, 'config.json');
  if (existsSync(config)) files.push(config);
  const index = join(www, '..', 'pkg', 'catalogue', 'index.json');
  if (existsSync(index)) files.push(index);
  for (const f of files) out.add(rel(www, f));
  return [...out].map((p) => posix.normalize(p).replace(/^(?!\.)/, './'));
}

/**
 * What a staged page fetches before it shows anything, as paths under the web root (`www/...`,
 * `pkg/...`): the page, every file it links or preloads, and its module scripts. Once staged, the
 * preload hints name the whole static module graph, so the page's own tags are the whole list.
 */
export function firstLoad(www, page) {
  const file = join(www, page);
  const html = readFileSync(file, 'utf8');
  const hrefs = [...html.matchAll(/<(?:link|script)\s[^>]*(?:href|src)="([^"]+)"[^>]*>/g)].map((m) => m[1]);
  const root = dirname(www);
  return [file, ...hrefs.map((h) => resolve(dirname(file), h))].map((p) => relative(root, p).split('\\').join('/'));
}
