// The catalogue the checklists come from. The page loads a small index (products, versions, names)
// and, when a checklist opens, only that product's bundle (pkg/catalogue/PRODUCT.json, made when the
// web files are staged; the service worker caches them all). Every bundle ever used is kept in
// IndexedDB by its SHA-256 and a draft records the hash it was made with, so a new app or catalogue
// version never strands a draft (enketo/enketo#1226): it opens with the bundle it was made with.
import init, { loadCatalogue, installDivisions } from '../../pkg/paicha.js';
import { divisionsText } from './divisions.js';
import { get, put, getMeta, setMeta } from './db.js';
import { mergeTemplate } from './merge.js';
import { sha256Hex } from './sha256.js';

let current = null; // {hash, bundle}
let index = null; // {products: [{product, version, name, forms, links, file}]}
let whole = false; // no index staged: the one bundle pkg/catalogue.json holds every product

async function fetchText(path) {
  try {
    const res = await fetch(new URL(`../../pkg/${path}`, import.meta.url));
    return res.ok ? await res.text() : null;
  } catch {
    return null; // offline and not cached
  }
}

function use(hash, text) {
  const loaded = loadCatalogue(text);
  if (!loaded.ok) console.warn('catalogue problems', loaded.problems);
  current = { hash, bundle: JSON.parse(text) };
  return current;
}

/** Keeps a bundle text by hash and remembers it as the newest for `key`. */
async function keep(key, text) {
  const hash = await sha256Hex(text);
  if ((await getMeta(key)) !== hash) {
    if (!(await get('catalogues', hash))) await put('catalogues', { hash, text, at: new Date().toISOString() });
    await setMeta(key, hash);
  }
  return hash;
}

/** Loads the WASM core and the product index (network or service-worker cache, else the last kept). */
export async function start() {
  await init({ module_or_path: new URL('../../pkg/paicha_bg.wasm', import.meta.url) });
  const [text, divisions] = await Promise.all([fetchText('catalogue/index.json'), divisionsText()]);
  if (divisions) installDivisions(divisions);
  if (text) {
    index = JSON.parse(text);
    await setMeta('catalogueIndex', index);
    return;
  }
  index = await getMeta('catalogueIndex');
  if (index) return;
  // Served without staging (no index): the whole bundle, as the core demo loads it.
  const all = await fetchText('catalogue.json');
  if (!all) throw new Error('no catalogue: open the app once while online');
  whole = true;
  const hash = await keep('catalogue:*', all);
  use(hash, all);
  index = { products: current.bundle.files.filter((f) => f.product).map((f) => ({ product: f.product, version: f.version, name: f.name, forms: f.forms, links: f.links })) };
}

/** The newest bundle of a product, loaded into the core; resolves with its hash. */
export async function useProduct(product) {
  const key = whole ? 'catalogue:*' : `catalogue:${product}`;
  if (!whole) {
    const entry = index.products.find((p) => p.product === product);
    const text = entry && (await fetchText(`catalogue/${entry.file}`));
    if (text) {
      const hash = await keep(key, text);
      if (current?.hash !== hash) use(hash, text);
      return hash;
    }
  }
  const hash = await getMeta(key);
  if (!hash) throw new Error(`checklist ${product} not available offline`);
  await useCatalogue(hash);
  return hash;
}

/** The hash of the newest bundle kept for a product (to tell a draft made with an older one). */
export async function latestHash(product) {
  if (whole) return getMeta('catalogue:*');
  return index.products.find((p) => p.product === product)?.hash ?? getMeta(`catalogue:${product}`);
}

/** Makes the bundle with this hash the one in use (for a draft made with an older one). */
export async function useCatalogue(hash, product) {
  if (hash && hash === current?.hash) return current;
  const row = hash && (await get('catalogues', hash));
  if (row) return use(hash, row.text);
  if (product) await useProduct(product); // unknown hash: the newest is the best we have
  return current;
}

export const currentHash = () => current?.hash;
export const productList = () => index?.products ?? [];

/** The template as the page shows it: shared fragments merged in as the core merges them. */
export const merged = (product) => mergeTemplate(current.bundle.files, product);
/** Keys of the items the loaded bundle's shared fragments hold (licences, purchase inspection, who inspected...). */
export const fragmentKeys = () => new Set(current.bundle.files.filter((f) => f.fragment).flatMap((f) => (f.items ?? []).map((i) => i.key)));
