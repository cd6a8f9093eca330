// The app's checklist view (mount() in app.js): a draft open for filling, its summary, the other
// records of its visit, the envelope fixed in place, saving on every change and submitting into
// the outbox. `app` is the mounted app's state and views (app.js).
import { useCatalogue, latestHash, merged } from './catalogue.js';
import { getMeta, setMeta } from './db.js';
import { t, tf, tt, getLang } from './i18n.js';
import { el } from './dom.js';
import { renderChecklist } from './form.js';
import { saveDraft, getDraft, submitDraft, toSubmission } from './store.js';
import * as inspectors from './inspectors.js';
import * as keyStart from './key-start.js';
import { visitDrafts, addModel, mirror, visitReports, submitVisit } from './visit.js';

export async function openDraft(app, id, focus = true) {
  const { main, options, openKey, ctx, fresh, root, emit } = app;
  app.closeView();
  const draft = await getDraft(id);
  if (!draft) return app.home();
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
    el('h2', { textContent: `${app.productName(draft.product)} · ${t(draft.form === 'onsite_inspection' ? 'inspectorRole' : 'enterpriseRole')} · ${t(draft.link)}` }),
    el('p', { className: 'muted', textContent: `${draft.enterprise.name} · ${draft.enterprise.uscc} · ${draft.enterprise.region} · ${t('inspectedAt')} ${app.when(draft.inspected_at)} · ${t('recordId')} ${draft.id}` }),
    draft.catalogue && draft.catalogue !== (await latestHash(draft.product)) ? el('p', { className: 'note', textContent: t('madeWithOld') }) : '',
    el('div', { className: 'buttons noprint' }, app.backButton(), printBtn,
      draft.form === 'onsite_inspection' ? app.recordButton(async () => [toSubmission(current), app.view.form.session.report()]) : '', status));
  const visit = draft.visit ? await visitDrafts(draft.visit) : null;
  // Another model of this product: in the visit, or turning one checklist into a visit.
  const more = el('button', { type: 'button', className: 'secondary another-model', textContent: `+ ${t('anotherModel')}` });
  more.addEventListener('click', async () => { await chain; const d = await addModel({ ...current }); await openDraft(app, d.id); });
  if (visit) {
    // The visit's records, one button each (the product, and which model when it repeats).
    const seen = new Map();
    const tabs = visit.map((d) => {
      const n = (seen.get(d.product) ?? 0) + 1;
      seen.set(d.product, n);
      const b = el('button', { type: 'button', className: d.id === draft.id ? 'primary' : 'secondary', textContent: `${app.productName(d.product)}${visit.filter((x) => x.product === d.product).length > 1 ? ` · ${t('model')} ${n}` : ''}`, data: { id: d.id } });
      if (d.id === draft.id) b.setAttribute('aria-current', 'true');
      b.addEventListener('click', async () => { await chain; await openDraft(app, d.id); });
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
      await openDraft(app, draft.id, false);
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
          submit.textContent = `${tf('visitNotReady', { list: open.map((x) => app.productName(x.draft.product)).join('、') })} → ${tf('submitVisit', { n: visit.length })}`;
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
      await app.home('outbox');
      await app.frame();
      app.requestBackgroundSync();
      app.sync.now();
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
    await app.home('outbox');
    await app.frame();
    app.requestBackgroundSync();
    app.sync.now();
  });
  app.view = { draft, form, destroy: () => form.destroy() };
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
