// The app: one mount(root, options) used by the page, the <paicha-checklist> element (in its shadow
// root) and the iframe mode. Everything is looked up inside `root`, never in `document`.
import { start, useCatalogue, useProduct, latestHash, productList, merged } from './catalogue.js';
import { getMeta, setMeta, get, all } from './db.js';
import { t, tf, tt, setLang, getLang } from './i18n.js';
import { el } from './dom.js';
import { renderChecklist } from './form.js';
import { apiFetch } from './http.js';
import { newDraft, saveDraft, listDrafts, getDraft, deleteDraft, submitDraft, toSubmission } from './store.js';
import { drain, counts, backoff, NeedsSignIn } from './outbox.js';
import { outboxView as drawOutbox, updateStatus } from './outbox-view.js';
import { guardEnterprise } from './envelope.js';
import * as inspectors from './inspectors.js';
import * as keyStart from './key-start.js';
import { check } from '../../pkg/paicha.js';
import { printInspectionRecord } from './record-doc.js';
import { startVisit, visitDrafts, addModel, mirror, visitReports, submitVisit } from './visit.js';

/** A time as people read it, in the UI language. */
const when = (iso, timeOnly = false) => new Date(iso).toLocaleString(getLang() === 'en' ? 'en-GB' : 'zh-CN', timeOnly ? { timeStyle: 'medium' } : { dateStyle: 'medium', timeStyle: 'short' });
const FORM_OF = { enterprise: 'self_inspection', inspector: 'onsite_inspection' };
const ROLE_OF = { self_inspection: 'enterprise', onsite_inspection: 'inspector' };
const PERIOD = 60000;

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
  let view = null; // the checklist on screen: {draft, form, destroy}
  let needSignIn = false;
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
    if (needSignIn) {
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
    if (view) await openDraft(view.draft.id, false); else await home();
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
        needSignIn = false;
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

  // ---- home: new checklist, drafts, outbox ----------------------------------------------------
  async function home(focus) {
    closeView();
    await setMeta(openKey, null);
    const ent = (await getMeta('enterprise')) ?? { uscc: '', name: '', region: '' };
    const role = (await getMeta('role')) ?? (options.form ? ROLE_OF[options.form] : 'enterprise');
    const roleFs = el('fieldset', { className: 'choices' }, el('legend', { textContent: t('role') }),
      ...['enterprise', 'inspector'].map((r) => el('label', { className: 'choice' },
        el('input', { type: 'radio', name: 'pc-role', value: r, checked: r === role }),
        el('span', { textContent: t(r === 'enterprise' ? 'enterpriseRole' : 'inspectorRole') }))));
    const field = (id, label, value, extra = {}) => {
      const i = el('input', { id, value: value ?? '', ...extra });
      return [el('div', { className: 'field' }, el('label', { htmlFor: id, textContent: label }), i), i];
    };
    // No maxLength: a pasted code that is too long is shown as an error, not cut without a word.
    const [ul, uscc] = field('pc-uscc', t('uscc'), ent.uscc, { autocomplete: 'off', spellcheck: false });
    const [nl, name] = field('pc-name', t('entName'), ent.name, { autocomplete: 'organization' });
    const [rl, region] = field('pc-region', t('region'), ent.region, { inputMode: 'numeric' });
    const entOf = () => ({ uscc: uscc.value.trim().toUpperCase(), name: name.value.trim(), region: region.value.trim() });
    const guard = guardEnterprise({ uscc, name, region }, entOf);
    const product = el('select', { id: 'pc-product' }, ...productList().map((p) => el('option', { value: p.product, textContent: tt(p.name) || p.product })));
    product.value = options.product ?? (await getMeta('product')) ?? 'electric-bicycle';
    const link = el('select', { id: 'pc-link' }, el('option', { value: 'production', textContent: t('production') }), el('option', { value: 'sales', textContent: t('sales') }));
    link.value = options.link ?? (await getMeta('link')) ?? 'sales';
    const entFs = el('fieldset', { className: 'enterprise' }, el('legend', { textContent: t('enterprise') }), ul, nl, rl);
    // Several products in one visit (js/visit.js): the others, from the same narrowed list.
    const extraBox = el('div', { className: 'choices visit-products' });
    const extras = el('details', { className: 'visit-more' }, el('summary', { textContent: t('visitMore') }), extraBox);
    const drawExtras = () => {
      const was = new Set([...extraBox.querySelectorAll('input:checked')].map((i) => i.value));
      extraBox.replaceChildren(...[...product.options].filter((o) => o.value !== product.value).map((o) => el('label', { className: 'choice' },
        el('input', { type: 'checkbox', name: 'pc-extra', value: o.value, checked: was.has(o.value) }), el('span', { textContent: o.textContent }))));
    };
    const startForm = el('form', { className: 'card start' }, el('h2', { textContent: t('newCheck') }), roleFs,
      entFs,
      el('div', { className: 'pair' },
        el('div', { className: 'field' }, el('label', { htmlFor: 'pc-product', textContent: t('product') }), product),
        el('div', { className: 'field' }, el('label', { htmlFor: 'pc-link', textContent: t('link') }), link)),
      extras,
      el('div', { className: 'buttons' }, el('button', { type: 'submit', className: 'primary', textContent: t('start') })));
    // The register (issue 12): pick the enterprise, which fills the envelope and narrows the
    // products to what it makes or sells; one typed by hand keeps every product.
    let picked = null;
    const allProducts = [...product.options];
    const narrow = (entry) => {
      picked = entry;
      const mine = entry ? new Set(entry.products.map((p) => p.product)) : null;
      const keep = allProducts.filter((o) => !mine || mine.has(o.value));
      const was = product.value;
      product.replaceChildren(...(keep.length ? keep : allProducts));
      if ([...product.options].some((o) => o.value === was)) product.value = was;
      linkOf();
      drawExtras();
    };
    const linkOf = () => {
      const links = picked?.products.find((p) => p.product === product.value)?.links;
      if (links?.length && !links.includes(link.value)) link.value = links[0];
    };
    product.addEventListener('change', () => { linkOf(); drawExtras(); });
    drawExtras();
    uscc.addEventListener('input', () => { if (picked && uscc.value.trim().toUpperCase() !== picked.uscc) narrow(null); });
    import('./register.js').then(async (reg) => {
      entFs.insertBefore(await reg.enterprisePicker((entry) => {
        uscc.value = entry.uscc; name.value = entry.name; region.value = entry.region;
        narrow(entry);
      }), ul);
      const known = await reg.registeredEntry(ent.uscc);
      if (known) narrow(known);
    }).catch(() => { /* no register on this device: the fields are typed by hand */ });
    startForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const r = startForm.querySelector('input[name=pc-role]:checked')?.value ?? 'enterprise';
      // A record the server cannot file (mistyped USCC, unknown division) is stopped here, with the reason.
      if (!guard.ok()) return;
      const enterprise = entOf();
      await setMeta('enterprise', enterprise);
      await setMeta('role', r);
      await setMeta('product', product.value);
      await setMeta('link', link.value);
      const more = [...extraBox.querySelectorAll('input:checked')].map((i) => i.value);
      if (more.length) {
        const drafts = await startVisit([product.value, ...more], { form: options.form ?? FORM_OF[r], link: link.value, role: r, enterprise });
        await openDraft(drafts[0].id);
        return;
      }
      const hash = await useProduct(product.value);
      const tpl = merged(product.value);
      const d = newDraft({ product: product.value, form: options.form ?? FORM_OF[r], link: link.value, role: r, enterprise, catalogue: hash, templateVersion: tpl?.version });
      await inspectors.prefill(d, (await getMeta('auth'))?.account);
      await keyStart.apply(d, { getMeta, setMeta });
      await saveDraft(d);
      await openDraft(d.id);
    });

    const drafts = await listDrafts();
    const draftList = el('section', { className: 'card drafts', aria: { labelledby: 'pc-drafts' } }, el('h2', { id: 'pc-drafts', textContent: `${t('drafts')} (${drafts.length})` }));
    if (!drafts.length) draftList.append(el('p', { className: 'muted', textContent: t('noDrafts') }));
    const ul2 = el('ul', { className: 'records' });
    for (const d of drafts) {
      const o = el('button', { type: 'button', textContent: t('open') });
      o.addEventListener('click', () => openDraft(d.id));
      const x = el('button', { type: 'button', className: 'secondary', textContent: t('delete') });
      x.addEventListener('click', async () => {
        if (x.dataset.confirm) { await deleteDraft(d.id); home(); } else { x.dataset.confirm = '1'; x.textContent = t('confirmDelete'); }
      });
      ul2.append(el('li', { data: { id: d.id } }, el('span', { textContent: `${productName(d.product)} · ${d.enterprise?.name || d.enterprise?.uscc || ''} · ${when(d.updatedAt)}` }), el('span', { className: 'buttons' }, o, x)));
    }
    draftList.append(ul2);
    const box = el('section', { className: 'card outbox', aria: { labelledby: 'pc-outbox' } });
    main.replaceChildren(startForm, draftList, box);
    await outboxView(box);
    if (focus === 'outbox') { const h = box.querySelector('h2'); h.tabIndex = -1; h.focus(); }
  }

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
    view?.destroy();
    view = null;
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

  async function openDraft(id, focus = true) {
    closeView();
    const draft = await getDraft(id);
    if (!draft) return home();
    await setMeta(openKey, id);
    await useCatalogue(draft.catalogue, draft.product);
    const tpl = merged(draft.product);
    // Photo, signature and GPS inputs are loaded only for checklists that ask for them.
    const EVIDENCE = ['photo', 'signature', 'geo_point'];
    const applies = (scope, v) => !scope || scope.length === 0 || scope.includes(v);
    if (!ctx.media && tpl.items.some((i) => applies(i.forms, draft.form) && applies(i.links, draft.link)
      && (EVIDENCE.includes(i.type) || (i.items ?? []).some((c) => EVIDENCE.includes(c.type))))) {
      ctx.media = await import('./media.js');
    }
    ctx.suggest = await inspectors.suggestions((await getMeta('auth'))?.account);
    const status = el('span', { className: 'save-status', attrs: { role: 'status' } });
    // The summary changes with every keystroke; a screen reader hears only when the grading changes.
    const summary = el('section', { className: 'summary', aria: { label: t('summary') } });
    const announce = el('p', { className: 'sr-only', attrs: { role: 'status' } });
    let heard = null;
    const list = el('div', { className: 'checklist' });
    const submit = el('button', { type: 'button', className: 'primary', textContent: t('submit') });
    const printBtn = el('button', { type: 'button', className: 'secondary', textContent: t('print') });
    printBtn.addEventListener('click', () => globalThis.print());
    const head = el('div', { className: 'card record-head' },
      el('h2', { textContent: `${productName(draft.product)} · ${t(draft.form === 'onsite_inspection' ? 'inspectorRole' : 'enterpriseRole')} · ${t(draft.link)}` }),
      el('p', { className: 'muted', textContent: `${draft.enterprise.name} · ${draft.enterprise.uscc} · ${draft.enterprise.region} · ${t('inspectedAt')} ${when(draft.inspected_at)} · ${t('recordId')} ${draft.id}` }),
      draft.catalogue && draft.catalogue !== (await latestHash(draft.product)) ? el('p', { className: 'note', textContent: t('madeWithOld') }) : '',
      el('div', { className: 'buttons noprint' }, backButton(), printBtn,
        draft.form === 'onsite_inspection' ? recordButton(async () => [toSubmission(current), view.form.session.report()]) : '', status));
    const visit = draft.visit ? await visitDrafts(draft.visit) : null;
    // Another model of this product: in the visit, or turning one checklist into a visit.
    const more = el('button', { type: 'button', className: 'secondary another-model', textContent: `+ ${t('anotherModel')}` });
    more.addEventListener('click', async () => { await chain; const d = await addModel({ ...current }); await openDraft(d.id); });
    if (visit) {
      // The visit's records, one button each (the product, and which model when it repeats).
      const seen = new Map();
      const tabs = visit.map((d) => {
        const n = (seen.get(d.product) ?? 0) + 1;
        seen.set(d.product, n);
        const b = el('button', { type: 'button', className: d.id === draft.id ? 'primary' : 'secondary', textContent: `${productName(d.product)}${visit.filter((x) => x.product === d.product).length > 1 ? ` · ${t('model')} ${n}` : ''}`, data: { id: d.id } });
        if (d.id === draft.id) b.setAttribute('aria-current', 'true');
        b.addEventListener('click', async () => { await chain; await openDraft(d.id); });
        return b;
      });
      head.insertBefore(el('nav', { className: 'visit noprint', aria: { label: t('visitOf') } }, el('span', { className: 'muted', textContent: `${t('visitOf')}：` }), ...tabs, more,
        el('p', { className: 'muted', textContent: t('sharedNote') })), head.querySelector('.buttons'));
      submit.textContent = tf('submitVisit', { n: visit.length });
    } else if (!options.embedded) {
      head.querySelector('.buttons').append(more);
    }
    main.replaceChildren(head, summary, announce, list, el('div', { className: 'buttons submit-row noprint' }, submit));
    let last = { valid: false, level: 'none' };
    let chain = Promise.resolve();
    const saveTimes = (globalThis.__paichaSaveTimes ??= []);
    const current = { ...draft };
    const r0 = performance.now();
    const form = renderChecklist(list, tpl, draft, {
      ctx,
      onSummary: (d, actions) => {
        last = d;
        showSummary(summary, d, actions);
        const said = `${t(d.level)} · ${d.findingCount} ${t('findings')}`;
        if (heard !== null && said !== heard) announce.textContent = said;
        heard = said;
      },
      onChange: (answers, blobs = []) => {
        current.answers = { ...answers };
        const snapshot = { ...current };
        const t0 = globalThis.__paichaChangeAt ?? performance.now();
        if (status.textContent !== t('saving')) status.textContent = t('saving');
        chain = chain.then(() => saveDraft(snapshot, blobs)).then(() => (snapshot.visit ? mirror(snapshot) : 0)).then(() => {
          saveTimes.push(performance.now() - t0);
          for (const b of blobs) fresh.delete(b.ref.sha256);
          status.textContent = t('saved');
          root.getRootNode().host?.setAttribute('data-saved', snapshot.updatedAt ?? '');
          emit('saved', { id: draft.id });
        }, (e) => {
          status.textContent = e.code === 'already_submitted' ? t('alreadySubmitted') : `${t('saveFailed')} ${e.message}`;
          emit('error', { code: e.code ?? 'save_failed', message: String(e.message) });
        });
      },
    });
    globalThis.__paichaRenderMs = performance.now() - r0; // build + validate, for bench/web.mjs
    const aimed = keyStart.focusCard(draft, tpl, list);
    if (aimed) main.insertBefore(aimed, list);
    if (form.envelopeErrors.length) {
      head.insertBefore(el('ul', { className: 'errors envelope', attrs: { role: 'alert' } },
        ...form.envelopeErrors.map((e) => el('li', { textContent: tt(e.message) }))), head.querySelector('.buttons'));
    }
    // A corrected copy of a refused record (or a draft whose enterprise details are wrong) can have
    // them changed here: the checklist is redrawn with the new envelope.
    if (draft.replaces || form.envelopeErrors.length) {
      if (draft.replaces) head.insertBefore(el('p', { className: 'note', textContent: `${t('replaces')} ${draft.replaces}` }), head.querySelector('.buttons'));
      const inp = (id, label, value) => [el('label', { htmlFor: id, textContent: label }), el('input', { id, value: value ?? '', autocomplete: 'off', spellcheck: false })];
      const [lu, iu] = inp('pc-fix-uscc', t('uscc'), draft.enterprise.uscc);
      const [ln, iname] = inp('pc-fix-name', t('entName'), draft.enterprise.name);
      const [lr, ir] = inp('pc-fix-region', t('region'), draft.enterprise.region);
      const apply = el('button', { type: 'button', className: 'secondary', textContent: t('apply') });
      apply.addEventListener('click', async () => {
        await chain;
        await saveDraft({ ...current, enterprise: { uscc: iu.value.trim().toUpperCase(), name: iname.value.trim(), region: ir.value.trim() } });
        await openDraft(draft.id, false);
      });
      head.insertBefore(el('details', { className: 'fix-enterprise', open: true },
        el('summary', { textContent: t('editEnterprise') }), lu, iu, ln, iname, lr, ir, apply), head.querySelector('.buttons'));
    }
    submit.addEventListener('click', async () => {
      if (visit) {
        await chain;
        if (!submit.dataset.confirm) {
          const open = (await visitReports(draft.visit)).filter((x) => !x.report.valid);
          await useCatalogue(draft.catalogue, draft.product);
          if (open.length) {
            submit.dataset.confirm = '1';
            form.revealErrors();
            submit.textContent = `${tf('visitNotReady', { list: open.map((x) => productName(x.draft.product)).join('、') })} → ${tf('submitVisit', { n: visit.length })}`;
            return;
          }
        }
        let recs;
        try {
          recs = await submitVisit(draft.visit);
        } catch (e) {
          status.textContent = e.code === 'already_submitted' ? t('alreadySubmitted') : `${t('saveFailed')} ${e.message}`;
          emit('error', { code: e.code ?? 'save_failed', message: String(e.message) });
          return;
        }
        for (const rec of recs) emit('submitted', { id: rec.id, level: rec.level });
        await home('outbox');
        await frame();
        requestBackgroundSync();
        sync.now();
        return;
      }
      if (!last.valid && !submit.dataset.confirm) {
        submit.dataset.confirm = '1';
        form.revealErrors();
        submit.textContent = `${t('notReady')} → ${t('submit')}`;
        return;
      }
      await chain;
      let rec;
      try {
        rec = await submitDraft({ ...current }, last.level);
      } catch (e) {
        status.textContent = e.code === 'already_submitted' ? t('alreadySubmitted') : `${t('saveFailed')} ${e.message}`;
        emit('error', { code: e.code ?? 'save_failed', message: String(e.message) });
        return;
      }
      await inspectors.remember(current, (await getMeta('auth'))?.account);
      emit('submitted', { id: rec.id, level: rec.level });
      await home('outbox');
      await frame();
      requestBackgroundSync();
      sync.now();
    });
    view = { draft, form, destroy: () => form.destroy() };
    // Opened by the user: move focus to the record's title (not when a reload restores it).
    if (focus) { const h = head.querySelector('h2'); h.tabIndex = -1; h.focus(); }
  }

  function showSummary(box, d, actions) {
    // Most keystrokes change nothing here: leave the DOM alone then (less to lay out and paint).
    const key = `${d.level}|${d.findingCount}|${d.errorCount}|${d.valid}|${JSON.stringify(actions)}|${getLang()}`;
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    box.className = `summary card level-${d.level}`;
    box.dataset.level = d.level;
    box.replaceChildren(
      el('strong', { className: 'level', textContent: t(d.level) }),
      el('span', { textContent: ` · ${d.findingCount} ${t('findings')} · ${d.errorCount} ${t('errors')} · ${d.valid ? t('ready') : t('notReadyShort')}` }),
      actions.length ? el('details', { className: 'actions-box', open: box.dataset.open === '1' },
        el('summary', { textContent: `${t('actions')} (${actions.length})` }),
        el('ul', { className: 'actions' }, ...actions.map((a) => el('li', {
          textContent: `${t(a.kind)}${a.due ? ` — ${t('by')} ${a.due}` : ''}`,
        })))) : '');
    box.querySelector('details')?.addEventListener('toggle', (e) => { box.dataset.open = e.target.open ? '1' : ''; });
  }

  // ---- upload -------------------------------------------------------------------------------
  const sync = {
    failures: 0, timer: null, running: null, nextAt: null,
    now() {
      clearTimeout(this.timer);
      this.nextAt = null;
      // Asked while a drain runs (it may have read the outbox before a new record came): run again after it.
      if (this.running) { this.again = true; return this.running; }
      this.running = (async () => {
        do { this.again = false; await this.run(); } while (this.again);
      })().finally(() => { this.running = null; });
      return this.running;
    },
    later(ms) {
      clearTimeout(this.timer);
      this.nextAt = Date.now() + ms;
      this.timer = setTimeout(() => this.now(), ms);
    },
    async run() {
      const auth = await getMeta('auth');
      // An expired sign-in is known without asking: keep everything, ask to sign in again.
      if (auth?.expires_at && Date.parse(auth.expires_at) <= Date.now() && (await counts()).pending > 0) {
        needSignIn = true;
        emit('error', { code: 'token_expired', message: t('needSignIn') });
        await refresh();
        return;
      }
      this.start = await counts();
      try {
        const r = await drain({ endpoint, token: auth?.token ?? null, retryFirst: options.retryBase }, () => refreshSoon());
        // The register of the account's regions, for picking enterprises offline (issue 12).
        await import('./register.js').then((reg) => reg.syncRegister(endpoint, auth?.token)).catch(() => 0);
        this.failures = 0;
        needSignIn = false;
        // Acknowledged by this drain or, while it waited for the lock, by another tab or the
        // service worker's Background Sync: either way the user's records are on the server.
        const after = await counts();
        const acked = Math.max(r.acked, after.sent - (this.start?.sent ?? after.sent));
        if (acked || r.attention) emit('synced', { ...r, acked, ...after });
        this.later(PERIOD);
      } catch (e) {
        if (e instanceof NeedsSignIn) {
          needSignIn = true;
          emit('error', { code: 'unauthenticated', message: t('needSignIn') });
        } else {
          // The long backoff grows only while nothing gets through; anything acknowledged resets it.
          this.failures = e.progress?.acked || e.progress?.files ? 1 : this.failures + 1;
          emit('error', { code: 'retry', message: String(e.message) });
          this.later(backoff(this.failures, Math.random, options.retryBase));
        }
      }
      this.start = null;
      await refresh();
    },
  };
  outboxUi.sync = sync;
  // Progress comes with every acknowledgement (several a second on a good network): redraw the
  // outbox's status at most every 400 ms and its rows every 2 s, so typing stays quick while a
  // queue drains.
  let redraw = null;
  let rowsAt = 0;
  function refreshSoon() {
    if (redraw) return;
    redraw = setTimeout(async () => {
      redraw = null;
      await frame();
      const box = main.querySelector('section.outbox');
      if (!box || view) return;
      if (Date.now() - rowsAt > 2000) { rowsAt = Date.now(); await outboxView(box); } else await updateStatus(box, outboxUi);
    }, 400);
  }
  async function refresh() {
    await frame();
    const box = main.querySelector('section.outbox');
    if (box && !view) await outboxView(box);
  }

  async function requestBackgroundSync() {
    try {
      const reg = await navigator.serviceWorker?.getRegistration?.();
      await reg?.sync?.register('paicha-outbox');
    } catch { /* no Background Sync here: the timer and the online event do the work */ }
  }

  if (navigator.storage?.persist && !(await navigator.storage.persisted?.())) navigator.storage.persist().catch(() => {});
  await frame();
  // Started from the ledger's key-inspection list: the start form comes filled (issue 13).
  const keyed = options.embedded ? null : await keyStart.fromUrl(globalThis.location?.search ?? '', { getMeta, setMeta });
  const open = keyed ? null : await getMeta(openKey);
  if (open && (await getDraft(open))) await openDraft(open, false); else await home();
  sync.now();
  return { sync: () => sync.now(), open: openDraft, home, get view() { return view; } };
}
