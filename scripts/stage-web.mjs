// Stages the web app for serving: copies www/ and pkg/ into DEST (default target/web) and writes
// www/js/version.js with a hash of everything staged, so a change to the app, the WASM module or
// the catalogue installs a new service worker and cache. Also importable: stageWeb(dest, extra).
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minify, precompress } from './wire.mjs';

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

/**
 * What the service worker precaches, as URLs relative to www/sw.js: every file staged (every page
 * with its modules, both WASM modules and their glue and snippets, the whole catalogue and its
 * parts), so any page opens offline after an install or an update even if it was never visited
 * online. Left out: the worker itself (the browser fetches it past the cache) and the demo, which
 * is not part of the app.
 */
export function precacheList(dest) {
  const out = ['./'];
  for (const f of files(dest)) {
    const rel = f.slice(dest.length + 1).split(sep).join('/');
    if (rel === 'www/sw.js' || /^www\/demo\./.test(rel)) continue;
    out.push(rel.startsWith('www/') ? `./${rel.slice(4)}` : `../${rel}`);
  }
  return out;
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
  if (!text.includes('const SHELL = [];')) throw new Error('sw.js: no SHELL line to stamp');
  const shell = precacheList(dest);
  writeFileSync(sw, text.replace("const VERSION = 'dev';", `const VERSION = '${version}';`)
    .replace('const SHELL = [];', `const SHELL = ${JSON.stringify(shell)};`));
  // Minified and precompressed last, after the version and list are stamped (scripts/wire.mjs says why).
  minify(join(dest, 'www'));
  precompress(dest);
  return { dest, version, shell };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dest, version } = stageWeb(process.argv[2]);
  console.log(`staged ${dest} (version ${version})`);
}
