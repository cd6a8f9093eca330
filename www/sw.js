// Service worker: the app shell (page, JS, CSS, WASM module, catalogue) from a cache named after
// the staged version, so after one visit the app opens with no network. The catalogue (index and
// one bundle per product) is served from the cache and refreshed in the background; drafts keep the catalogue they were made with in
// IndexedDB, so a new one never strands them. API calls are never cached. Background Sync drains
// the outbox with the same code the page uses (under the same Web Lock).
// Replaced when staged (scripts/stage-web.mjs) by a hash of everything staged: the browser installs a
// new worker only when this file's bytes change.
const VERSION = 'dev';
import { drain } from './js/outbox.js';
import { getMeta } from './js/db.js';

const CACHE = `paicha-${VERSION}`;
// The pages to precache (and data files they fetch that are not modules). Staging (scripts/stage-web.mjs, scripts/bundle.mjs) replaces this list with
// the pages and everything they load (links, modules, WASM, the catalogue index), read from the
// module graph, so the list cannot fall behind the code.
const SHELL = ['./index.html', './portal.html', './ledger.html', './dashboard.html', './express.html', '../pkg/divisions.txt'];

self.addEventListener('install', (e) => {
  e.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL);
    // Every product's checklist, so any of them opens offline.
    const index = await (await cache.match('../pkg/catalogue/index.json')).json();
    await cache.addAll(index.products.map((p) => `../pkg/catalogue/${p.file}`));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (e) => {
  e.waitUntil((async () => {
    for (const k of await caches.keys()) if (k.startsWith('paicha-') && k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname.includes('/pkg/catalogue')) {
    e.respondWith((async () => {
      const cache = await caches.open(CACHE);
      const hit = await cache.match(e.request, { ignoreSearch: true });
      const refresh = fetch(e.request).then((r) => { if (r.ok) cache.put(e.request, r.clone()); return r; });
      if (hit) { e.waitUntil(refresh.catch(() => {})); return hit; }
      return refresh;
    })());
    return;
  }
  e.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(e.request, { ignoreSearch: true });
    if (hit) return hit;
    const r = await fetch(e.request);
    if (r.ok && (url.pathname.includes('/www/') || url.pathname.includes('/pkg/'))) cache.put(e.request, r.clone());
    return r;
  })());
});

self.addEventListener('sync', (e) => {
  if (e.tag !== 'paicha-outbox') return;
  e.waitUntil((async () => {
    const endpoint = await getMeta('endpoint', self.location.origin);
    const auth = await getMeta('auth');
    await drain({ endpoint, token: auth?.token ?? null });
  })());
});
