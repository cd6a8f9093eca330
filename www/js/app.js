// The app: one mount(root, options) used by the page, the <paicha-checklist> element (in its shadow
// root) and the iframe mode. Everything is looked up inside `root`, never in `document`.
import { start, useCatalogue, productList } from './catalogue.js';
import { getMeta, setMeta, get } from './db.js';
import { t, tt, setLang, getLang } from './i18n.js';
import { el } from './dom.js';
import { apiFetch } from './http.js';
import { getDraft } from './store.js';
import { counts } from './outbox.js';
import { outboxView as drawOutbox } from './outbox-view.js';
import * as keyStart from './key-start.js';
import { check } from '../../pkg/paicha.js';
import { printInspectionRecord } from './record-doc.js';
import { home as homeView } from './app-home.js';
import { openDraft as draftView } from './app-draft.js';
import { syncScheduler } from './app-sync.js';

/** A time as people read it, in the UI language. */
const when = (iso, timeOnly = false) => new Date(iso).toLocaleString(getLang() === 'en' ? 'en-GB' : 'zh-CN', timeOnly ? { timeStyle: 'medium' } : { dateStyle: 'medium', timeStyle: 'short' });

/**
 * options: {endpoint, embedded, product, form, link, token, lang, emit(name, detail)}.
 * Resolves with a controller {sync(), open(id), home()}.
 */
export async function mount(root, options = {}) {
  const emit = options.emit ?? (() => {});
  // Which draft was open, per kind of host, so a reload reopens it (the page, an iframe, an element).
  const openKey = `open:${options.slot ?? (options.embedded ? 'embed' : 'app')}`;
  const endpoint = (options.endpoint || globalThis.location.origin).replace(/\/$/, '');
  const urls = new Map(); // sha256 -> object URL
  const fresh = new Map(); // blobs made in this page, before they are saved
  let lowSpace = false;

  setLang(options.lang ?? (await getMeta('lang', 'zh')));
  await start();
  await setMeta('endpoint', endpoint);
  if (options.token) await setMeta('auth', { token: options.token, account: null });

  // ---- frame ------------------------------------------------------------------------------
  const title = el('h1', {});
  const net = el('span', { className: 'net' });
  const badge = el('button', { type: 'button', className: 'badge', aria: { live: 'polite' } });
  const langBtn = el('button', { type: 'button', className: 'secondary', lang: 'en' });
  const acctBtn = el('button', { type: 'button', className: 'secondary' });
  // The rectification ledger (issue 6) is a page of its own, with its own WASM module.
  const ledgerLink = options.embedded ? null : el('a', { className: 'button secondary', href: 'ledger.html' });
  const expressLink = options.embedded ? null : el('a', { className: 'button secondary', href: 'express.html' });
  const banner = el('div', { className: 'banner', attrs: { role: 'alert' }, hidden: true });
  // Embedded in a portal, the portal owns the page's banner and main landmarks: ours is a region.
  const main = options.embedded
    ? el('div', { tabIndex: -1, className: 'main', attrs: { role: 'region', 'aria-label': t('checklist') } })
    : el('main', { tabIndex: -1 });
  root.replaceChildren(el('div', { className: 'paicha' },
    el(options.embedded ? 'div' : 'header', { className: 'bar' }, title, ledgerLink, expressLink, el('div', { className: 'tools' }, net, badge, langBtn, acctBtn)), banner, main));
  // What the views (app-home.js, app-draft.js) and the sync scheduler (app-sync.js) share: the
  // mount's options and elements, the checklist on screen (`view`: {draft, form, destroy}), whether
  // the sign-in has to be renewed, and the functions below (assigned once they are defined).
  const app = { root, main, options, emit, endpoint, openKey, fresh, when, view: null, needSignIn: false };

  const frame = async () => {
    title.textContent = t('app');
    root.getRootNode().host?.setAttribute('lang', getLang() === 'en' ? 'en' : 'zh-CN');
    if (!options.embedded && globalThis.document?.documentElement && root.getRootNode() === document) document.documentElement.lang = getLang() === 'en' ? 'en' : 'zh-CN';
    langBtn.textContent = t('lang');
    if (ledgerLink) ledgerLink.textContent = t('ledger');
    if (expressLink) expressLink.textContent = t('express');
    langBtn.lang = getLang() === 'en' ? 'zh-CN' : 'en';
    const auth = await getMeta('auth');
    acctBtn.textContent = auth?.account ? `${t('signOut')} (${auth.account.username})` : t('signIn');
    net.textContent = navigator.onLine ? t('online') : t('offline');
    net.className = `net ${navigator.onLine ? 'on' : 'off'}`;
    const c = await counts();
    badge.textContent = `${t('outbox')} ${c.pending}${c.attention ? ` · ${t('attention')} ${c.attention}` : ''}`;
    badge.classList.toggle('warn', c.attention > 0);
    const msgs = [];
    if (app.needSignIn) {
      // The way back in is in the banner itself, not only "sign out" in the bar.
      const again = el('button', { type: 'button', className: 'secondary sign-in-again', textContent: t('signInAgain') });
      again.addEventListener('click', () => signInView());
      msgs.push(el('p', { textContent: `${t('needSignIn')} ` }, again));
    }
    if (lowSpace) msgs.push(el('p', { textContent: t('lowSpace') }));
    banner.hidden = msgs.length === 0;
    banner.replaceChildren(...msgs);
  };

  langBtn.addEventListener('click', async () => {
    setLang(getLang() === 'en' ? 'zh' : 'en');
    await setMeta('lang', getLang());
    await frame();
    if (app.view) await openDraft(app.view.draft.id, false); else await home();
  });
  acctBtn.addEventListener('click', async () => {
    const auth = await getMeta('auth');
    if (auth?.account) {
      try { await apiFetch('/api/v1/auth/token', { endpoint, token: auth.token, method: 'DELETE' }); } catch { /* offline: forget it anyway */ }
      await setMeta('auth', null);
      await frame();
    } else signInView();
  });
  badge.addEventListener('click', () => home('outbox'));
  globalThis.addEventListener('online', () => { frame(); sync.now(); });
  globalThis.addEventListener('offline', frame);
  // The printed record shows the legal basis and the actions, which the screen folds away.
  globalThis.addEventListener('beforeprint', () => root.querySelectorAll('details').forEach((d) => { d.open = true; }));

  // ---- sign in ----------------------------------------------------------------------------
  function signInView() {
    closeView();
    const user = el('input', { id: 'pc-user', autocomplete: 'username', required: true });
    const pass = el('input', { id: 'pc-pass', type: 'password', autocomplete: 'current-password', required: true });
    const msg = el('p', { className: 'errors', attrs: { role: 'alert' } });
    const f = el('form', { className: 'card signin' }, el('h2', { textContent: t('signIn') }),
      el('label', { htmlFor: 'pc-user', textContent: t('username') }), user,
      el('label', { htmlFor: 'pc-pass', textContent: t('password') }), pass, msg,
      el('div', { className: 'buttons' }, el('button', { type: 'submit', textContent: t('signIn') }), backButton()));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      msg.textContent = '';
      try {
        const res = await apiFetch('/api/v1/auth/token', { endpoint, method: 'POST', json: { username: user.value, password: pass.value } });
        if (res.status === 401 || res.status === 400) { msg.textContent = t('badCredentials'); return; }
        if (!res.ok) { msg.textContent = t('signInFailed'); return; }
        const tok = await res.json();
        await setMeta('auth', { token: tok.token, expires_at: tok.expires_at, account: tok.account });
        app.needSignIn = false;
        if (tok.account?.uscc && !(await getMeta('enterprise'))) await setMeta('enterprise', { uscc: tok.account.uscc, name: tok.account.name ?? '', region: '' });
        await frame();
        await home();
        sync.now();
      } catch { msg.textContent = t('signInFailed'); }
    });
    main.replaceChildren(f);
    user.focus();
  }

  const backButton = () => {
    const b = el('button', { type: 'button', className: 'secondary', textContent: t('back') });
    b.addEventListener('click', () => home());
    return b;
  };

  const home = (focus) => homeView(app, focus);

  const productName = (p) => tt(productList().find((x) => x.product === p)?.name) || p;
  /** One line for a queued record: a checklist, or a ledger event (issue 6) riding the same outbox. */
  const describe = (r) => (r.submission
    ? `${productName(r.submission.product)} · ${r.submission.enterprise?.name ?? ''} · ${r.id.slice(0, 8)}`
    : `${t('ledgerEvent')} ${r.event?.kind ?? r.kind} · ${r.id.slice(0, 8)}`);

  /** Print the on-site inspection record (现场检查笔录) of a submission graded as `report` (issue 13). */
  const printRecord = async (submission, report) => {
    return printInspectionRecord(submission, report, { auth: await getMeta('auth'), productName: productName(submission.product), localUrl: ctx.blobUrl });
  };
  const recordButton = (make) => {
    const b = el('button', { type: 'button', className: 'secondary print-record', textContent: t('printRecord') });
    b.addEventListener('click', async () => { const [s, r] = await make(); await printRecord(s, r); });
    return b;
  };
  const outboxUi = {
    // A queued or sent on-site record prints as its inspection record, graded again on the device.
    rowActions: (r) => (r.submission?.form === 'onsite_inspection' ? [recordButton(async () => {
      await useCatalogue(r.catalogue, r.submission.product);
      return [r.submission, check(r.submission)];
    })] : []),
    sync: null, refresh: () => refresh(), describe, when, openDraft: (id) => openDraft(id), storageInfo: (p) => storageInfo(p),
    note: { text: '' }, // the outcome of the last import, kept across redraws of the outbox
  };
  const outboxView = (box) => drawOutbox(box, outboxUi);

  async function storageInfo(p) {
    const s = navigator.storage;
    if (!s?.estimate) { p.textContent = '—'; return; }
    const [est, persisted] = await Promise.all([s.estimate(), s.persisted ? s.persisted() : false]);
    const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
    lowSpace = est.quota > 0 && (est.usage / est.quota > 0.9 || est.quota - est.usage < 20 * 1048576);
    p.replaceChildren(`${t('used')} ${mb(est.usage)} ${t('of')} ${mb(est.quota)} · ${persisted ? t('persistent') : t('notPersistent')}`);
    if (!persisted && s.persist) {
      const b = el('button', { type: 'button', className: 'secondary', textContent: t('persistAsk') });
      b.addEventListener('click', async () => { await s.persist(); storageInfo(p); });
      p.append(' ', b);
    }
    if (lowSpace) frame();
  }

  // ---- filling ------------------------------------------------------------------------------
  function closeView() {
    app.view?.destroy();
    app.view = null;
  }

  const ctx = {
    remember: (sha, blob) => fresh.set(sha, blob),
    blobUrl: async (sha) => {
      if (urls.has(sha)) return urls.get(sha);
      const b = fresh.get(sha) ?? (await get('blobs', sha))?.blob;
      if (!b) return null;
      const u = URL.createObjectURL(b);
      urls.set(sha, u);
      return u;
    },
  };

  const openDraft = (id, focus) => draftView(app, id, focus);

  const { sync, refresh, requestBackgroundSync } = syncScheduler(app);
  outboxUi.sync = sync;
  Object.assign(app, { ctx, frame, home, openDraft, closeView, backButton, productName, recordButton, outboxView, outboxUi, sync, requestBackgroundSync });

  if (navigator.storage?.persist && !(await navigator.storage.persisted?.())) navigator.storage.persist().catch(() => {});
  await frame();
  // Started from the ledger's key-inspection list: the start form comes filled (issue 13).
  const keyed = options.embedded ? null : await keyStart.fromUrl(globalThis.location?.search ?? '', { getMeta, setMeta });
  const open = keyed ? null : await getMeta(openKey);
  if (open && (await getDraft(open))) await openDraft(open, false); else await home();
  sync.now();
  return { sync: () => sync.now(), open: openDraft, home, get view() { return app.view; } };
}
