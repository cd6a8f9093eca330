// The catalogue the checklists come from. Every bundle ever used is kept in IndexedDB by its
// SHA-256, and a draft records the hash it was made with: a new app or catalogue version never
// strands a draft (enketo/enketo#1226); opening an old draft loads the bundle it was made with.
import init, { loadCatalogue, products } from '../../pkg/paicha.js';
import { get, put, getMeta, setMeta } from './db.js';

let current = null; // {hash, bundle}
let latestHash = null;

export async function sha256Hex(data) {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

function use(hash, text) {
  const bundle = JSON.parse(text);
  const loaded = loadCatalogue(text);
  if (!loaded.ok) console.warn('catalogue problems', loaded.problems);
  current = { hash, bundle };
  return current;
}

/** Loads the WASM core and the newest catalogue (network or service-worker cache, else the last kept). */
export async function start(base) {
  await init({ module_or_path: new URL('../../pkg/paicha_bg.wasm', import.meta.url) });
  let text = null;
  try {
    const res = await fetch(new URL('../../pkg/catalogue.json', import.meta.url));
    if (res.ok) text = await res.text();
  } catch { /* offline without a cached copy: use the last one kept */ }
  let hash;
  if (text) {
    hash = await sha256Hex(text);
    if ((await getMeta('catalogue')) !== hash) {
      await put('catalogues', { hash, text, at: new Date().toISOString() });
      await setMeta('catalogue', hash);
    }
  } else {
    hash = await getMeta('catalogue');
    const row = hash && (await get('catalogues', hash));
    if (!row) throw new Error('no catalogue: open the app once while online');
    text = row.text;
  }
  latestHash = hash;
  return use(hash, text);
}

/** Makes the catalogue with this hash the one in use (for a draft made with an older one). */
export async function useCatalogue(hash) {
  if (!hash || hash === current?.hash) return current;
  const row = await get('catalogues', hash);
  if (!row) return current; // unknown: the current catalogue is the best we have
  return use(hash, row.text);
}

export const useLatest = () => useCatalogue(latestHash);
export const currentHash = () => current?.hash;
export const productList = () => products();

/** The template as the page shows it: shared fragments merged in as the core merges them. */
export function merged(product) {
  const files = current.bundle.files;
  const t = files.find((f) => f.product === product);
  if (!t) return null;
  const sections = [];
  const items = [];
  for (const inc of t.include ?? []) {
    const name = typeof inc === 'string' ? inc : inc.fragment;
    const except = typeof inc === 'string' ? [] : inc.except ?? [];
    const frag = files.find((f) => f.fragment === name);
    if (!frag) continue;
    for (const s of frag.sections) if (!sections.some((x) => x.id === s.id)) sections.push(s);
    items.push(...frag.items.filter((i) => !except.includes(i.key)));
  }
  for (const s of t.sections) if (!sections.some((x) => x.id === s.id)) sections.push(s);
  items.push(...t.items);
  return { ...t, sections, items };
}
