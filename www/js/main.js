// The page: registers the service worker, mounts the app, and in iframe mode (?embed=1&parent=ORIGIN)
// posts the app's events and its height to the parent, only when ORIGIN is allowed (config.json).
import { mount } from './app.js';

const q = new URLSearchParams(location.search);
const embed = q.has('embed');
let post = () => {};

let config = null;
async function loadConfig() {
  if (!config) {
    try { config = await (await fetch('config.json')).json(); } catch { config = {}; }
  }
  return config;
}

async function allowedParent() {
  const parent = q.get('parent');
  if (!parent || window.parent === window) return null;
  const allowed = [location.origin, ...((await loadConfig()).embedOrigins ?? [])];
  return allowed.includes(parent) ? parent : null;
}

/**
 * The server to send to: this origin unless config.json lists another. Never taken from the URL as
 * it is: a page embedding us could otherwise point the upload, and the bearer token, at itself.
 */
async function allowedEndpoint() {
  const asked = q.get('endpoint');
  if (!asked) return undefined;
  const allowed = [location.origin, ...((await loadConfig()).endpoints ?? [])];
  return allowed.includes(asked.replace(/\/$/, '')) ? asked : undefined;
}

if (embed) {
  document.documentElement.classList.add('embedded');
  const origin = await allowedParent();
  if (origin) {
    post = (type, detail) => window.parent.postMessage({ source: 'paicha', type, detail }, origin);
    let lastH = 0;
    new ResizeObserver(() => {
      const h = Math.ceil(document.documentElement.scrollHeight);
      if (h !== lastH) { lastH = h; post('height', { height: h }); }
    }).observe(document.body);
  }
}

if ('serviceWorker' in navigator && !q.has('nosw')) {
  // updateViaCache 'none': the update check must see a new js/version.js, not an HTTP-cached copy.
  navigator.serviceWorker.register('sw.js', { type: 'module', scope: './', updateViaCache: 'none' }).catch((e) => console.warn('service worker', e));
}

try {
  window.paichaApp = await mount(document.getElementById('app'), {
    embedded: embed,
    slot: embed ? 'iframe' : 'app',
    endpoint: await allowedEndpoint(),
    product: q.get('product') ?? undefined,
    form: q.get('form') ?? undefined,
    link: q.get('link') ?? undefined,
    lang: q.get('lang') ?? undefined,
    // First retry delay in ms (tests shorten it); doubles up to 5 min.
    retryBase: q.has('retry') ? Number(q.get('retry')) : undefined,
    emit: (type, detail) => {
      post(type, detail);
      window.dispatchEvent(new CustomEvent(`paicha:${type}`, { detail }));
    },
  });
  document.documentElement.dataset.ready = '1';
  document.documentElement.dataset.readyMs = performance.now().toFixed(1); // time to interactive (bench/web.mjs)
} catch (e) {
  document.getElementById('app').textContent = `排查 paicha: ${e.message}`;
  document.documentElement.dataset.ready = 'error';
  post('error', { code: 'start_failed', message: String(e.message) });
}
