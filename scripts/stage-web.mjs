// Stages the web app for serving: copies www/ and pkg/ into DEST (default target/web) and writes
// www/js/version.js with a hash of everything staged, so a change to the app, the WASM module or
// the catalogue installs a new service worker and cache. Also importable: stageWeb(dest, extra).
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minify, precompress } from './wire.mjs';
import { addPreloads, bundlePages, pageFetches, shellList } from './bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function files(dir) {
  return readdirSync(dir, { recursive: true }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()).sort();
}

/**
 * pkg/catalogue/index.json (products, versions, names) and one bundle per product
 * (pkg/catalogue/PRODUCT.json: the policy, the product's template and the fragments it includes),
 * so a page loads only the checklist it shows; the service worker caches them all for offline use.
 */
export function splitCatalogue(pkg) {
  const { index, bundles } = catalogueParts(JSON.parse(readFileSync(join(pkg, 'catalogue.json'), 'utf8')));
  mkdirSync(join(pkg, 'catalogue'), { recursive: true });
  for (const [file, text] of Object.entries(bundles)) writeFileSync(join(pkg, 'catalogue', file), text);
  writeFileSync(join(pkg, 'catalogue', 'index.json'), index);
}

/** The index text and {file: bundle text} per product, from the whole bundle. */
export function catalogueParts(bundle) {
  const products = [];
  const bundles = {};
  for (const f of bundle.files.filter((x) => x.product)) {
    const frags = (f.include ?? []).map((i) => (typeof i === 'string' ? i : i.fragment));
    const files = [...bundle.files.filter((x) => x.fragment && frags.includes(x.fragment)), f];
    const file = `${f.product}.json`;
    const text = JSON.stringify({ format: bundle.format, policy: bundle.policy, files });
    bundles[file] = text;
    const hash = createHash('sha256').update(text).digest('hex');
    products.push({ product: f.product, version: f.version, name: f.name ?? null, forms: f.forms ?? null, links: f.links ?? null, file, hash });
  }
  return { index: JSON.stringify({ format: 1, products }), bundles };
}

/** extra: {path: text} written into DEST after the copy (tests use it for config.json). */
export function stageWeb(dest = join(root, 'target/web'), extra = {}) {
  dest = resolve(dest);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  cpSync(join(root, 'www'), join(dest, 'www'), { recursive: true });
  cpSync(join(root, 'pkg'), join(dest, 'pkg'), { recursive: true, filter: (f) => !f.endsWith('.d.ts') && !f.endsWith('package.json') && !f.endsWith('.gitignore') && !f.endsWith('README.md') });
  for (const [p, text] of Object.entries(extra)) writeFileSync(join(dest, p), text);
  splitCatalogue(join(dest, 'pkg'));
  const h = createHash('sha256');
  for (const f of files(dest)) { h.update(f.slice(dest.length)); h.update(readFileSync(f)); }
  const version = h.digest('hex').slice(0, 16);
  writeFileSync(join(dest, 'www/js/version.js'), `export const VERSION = '${version}';\n`);
  const sw = join(dest, 'www/sw.js');
  const text = readFileSync(sw, 'utf8');
  if (!text.includes("const VERSION = 'dev';")) throw new Error('sw.js: no VERSION line to stamp');
  // Each page's modules as one file (scripts/bundle.mjs says why). The service worker precaches
  // what the pages load (the bundles) and also the modules as written, which stay beside them, so
  // a module imported by its path (a portal's own script, a test) opens offline too.
  const www = join(dest, 'www');
  const pages = /const SHELL = (\[[^\]]*\]);/.exec(text);
  if (!pages) throw new Error('sw.js: no SHELL list of pages to fill');
  const shellPages = JSON.parse(pages[1].replaceAll("'", '"'));
  const fetches = pageFetches(www);
  const written = shellList(www, shellPages);
  bundlePages(www);
  const shell = [...new Set([...shellList(www, shellPages), ...written])];
  writeFileSync(sw, text
    .replace("const VERSION = 'dev';", `const VERSION = '${version}';`)
    .replace(pages[0], `const SHELL = ${JSON.stringify(shell)};`));
  // Every page asks at once for what its modules import (scripts/bundle.mjs says why).
  addPreloads(www, fetches);
  // Minified and precompressed last, after the version is stamped (scripts/wire.mjs says why).
  minify(www);
  precompress(dest);
  return { dest, version };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dest, version } = stageWeb(process.argv[2]);
  console.log(`staged ${dest} (version ${version})`);
}
