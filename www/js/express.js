// Accident express reports (快报, issue 14) on a device: an inspector at the scene makes the initial
// report, follow-ups, the end of the handling and the summary offline; each is an immutable event
// kept in the app's outbox (the same upload queue, docs/openapi.yaml) and sent when the network
// returns. Grade, clocks and recipients come from the core's own code (pkg/express/, loaded only
// here), folded from the events pulled from the server plus this device's unsent ones, so the
// running clock on the phone is the one the bureau above sees. Morning reports and typical cases
// are desk work, online. No text is inserted as HTML.
import init, * as core from '../../pkg/express/paicha_express.js';
import { tx, all, getMeta } from './db.js';
import { el, redraw } from './dom.js';
import { apiJson } from './http.js';
import { getLang, setLang, tt } from './i18n.js';
import { compress } from './media.js';
import { sha256Hex } from './sha256.js';
import { drain } from './outbox.js';
import { localTime } from './store.js';
import { T } from './express-text.js';
import { divisionsText } from './divisions.js';
import { moneyText, clockText, gradeText } from './express-format.js';

const t = (k, n) => (T[k]?.[getLang() === 'en' ? 1 : 0] ?? k).replace('{n}', String(n));
const root = document.getElementById('express');
let auth = null;
let account = null;
let status = '';
let mornings = [];
let cases = [];
const names = new Map(); // product code -> {zh, en}

const key = (what) => `express:${what}:${account.username}`;

/** Events the server confirmed (pulled, with receipt times and numbers) and the device's own. */
async function known() {
  const pulled = (await getMeta(key('pulled'))) ?? { events: [], received: {}, numbers: {} };
  const ids = new Set(pulled.events.map((e) => e.id));
  const rows = [...(await all('outbox')), ...(await all('sent'))].filter((r) => r.kind === 'express' && r.event.author === account.username);
  const mine = rows.filter((r) => !ids.has(r.event.id)).map((r) => r.event);
  const unsent = new Set((await all('outbox')).filter((r) => r.kind === 'express').map((r) => r.event.report));
  return { ...pulled, events: [...pulled.events, ...mine], unsent };
}

async function pull() {
  const pulled = (await getMeta(key('pulled'))) ?? { events: [], received: {}, numbers: {} };
  let cursor = (await getMeta(key('cursor'))) ?? null;
  const ids = new Set(pulled.events.map((e) => e.id));
  for (;;) {
    const page = await apiJson(`/api/v1/express/events?limit=1000${cursor ? `&after=${cursor}` : ''}`, { token: auth.token });
    for (const it of page.items) {
      if (!ids.has(it.event.id)) { ids.add(it.event.id); pulled.events.push(it.event); }
      pulled.received[it.event.id] = it.received_at;
      if (it.number) pulled.numbers[it.event.report] = it.number;
    }
    cursor = page.cursor;
    await tx(['meta'], 'readwrite', (s) => {
      s.meta.put({ key: key('pulled'), value: pulled });
      s.meta.put({ key: key('cursor'), value: cursor });
    });
    if (!page.next) break;
  }
}

/** The enterprise register of the account's regions (issue 12), kept on the device so an
 * enterprise can be picked at the scene with no network: uscc -> {name, region}. */
let register = new Map();
async function pullRegister() {
  const kept = (await getMeta(key('register'))) ?? { cursor: null, entries: {} };
  for (;;) {
    const page = await apiJson(`/api/v1/register?limit=1000${kept.cursor ? `&after=${kept.cursor}` : ''}`, { token: auth.token });
    for (const it of page.items ?? []) {
      if (it.in_scope === false) delete kept.entries[it.entry.uscc];
      else kept.entries[it.entry.uscc] = { name: it.entry.name, region: it.entry.region };
    }
    kept.cursor = page.cursor ?? kept.cursor;
    await tx(['meta'], 'readwrite', (s) => s.meta.put({ key: key('register'), value: kept }));
    if (!page.next) break;
  }
  register = new Map(Object.entries(kept.entries));
}

async function sync() {
  if (!auth) return;
  if (!navigator.onLine) { status = t('offline'); return render(); }
  try {
    await drain({ endpoint: location.origin, token: auth.token });
    await pull();
    if (account.role !== 'enterprise') {
      await pullRegister().catch(() => {}); // a server without the register: names are typed
      mornings = (await apiJson('/api/v1/morning-reports', { token: auth.token })).items ?? [];
      cases = (await apiJson('/api/v1/typical-cases', { token: auth.token })).items ?? [];
    }
    status = `${t('synced')} ${new Date().toLocaleTimeString(getLang() === 'en' ? 'en' : 'zh-CN')}`;
  } catch (e) {
    status = e.status === 401 || e.constructor?.name === 'NeedsSignIn' ? t('needSignIn') : t('offline');
  }
  await render();
}

/** Now with milliseconds (the fold orders acts by time). */
function preciseTime() {
  const d = new Date();
  const s = localTime(d);
  return `${s.slice(0, 19)}.${String(d.getMilliseconds()).padStart(3, '0')}${s.slice(19)}`;
}

/** A new event, checked by the core, kept in the outbox with its photos in one transaction. */
async function act(report, fields, files = []) {
  const event = { id: crypto.randomUUID(), report, author: account.username, device: /Mobi|Android|iPhone/.test(navigator.userAgent) ? 'phone' : 'tablet', at: preciseTime(), ...fields };
  const problem = JSON.parse(core.checkEvent(JSON.stringify(event)));
  if (problem) { status = tt(problem.message); await render(); return false; }
  await tx(['outbox', 'blobs'], 'readwrite', (s) => {
    for (const f of files) s.blobs.put({ sha256: f.ref.sha256, blob: f.blob, name: f.ref.name, type: f.ref.type, size: f.ref.size });
    s.outbox.put({ id: event.id, kind: 'express', event, state: 'pending', createdAt: new Date().toISOString() });
  });
  status = navigator.onLine ? status : t('offline');
  await render();
  sync();
  return true;
}

async function photos(input) {
  const out = [];
  for (const f of input.files ?? []) {
    const blob = (await compress(f)) ?? f;
    out.push({ ref: { sha256: await sha256Hex(blob), name: f.name, type: blob.type, size: blob.size }, blob });
  }
  return out;
}
const refs = (files) => files.map((x) => ({ sha256: x.ref.sha256, name: x.ref.name, media_type: x.ref.type, size: x.ref.size }));

/** The core's view of every report at this moment (the device's clock, or the one a test set). */
function view(k) {
  return JSON.parse(core.view(JSON.stringify({ events: k.events, received: k.received, numbers: k.numbers, now: localTime() })));
}

const field = (id, label, input, hint) => [el('label', { htmlFor: id, textContent: label }), hint ? el('p', { className: 'hint', id: `${id}-hint`, textContent: hint }) : null, input];
const input = (id, props = {}) => el('input', { id, name: id, ...props });
const dtLocal = (d = new Date()) => localTime(d).slice(0, 16);
/** A `datetime-local` value as RFC 3339 in the device's offset. */
const fromLocal = (v) => (v ? localTime(new Date(v)) : '');

function clockItem(c, id) {
  return el('li', { className: `clock ${c.state}`, data: { kind: c.kind, state: c.state, report: id }, textContent: clockText(c, t) });
}

function card(v, unsent) {
  const r = v.report;
  const i = r.initial;
  const open = r.status === 'open';
  const ent = i.enterprise.name ?? i.enterprise.uscc;
  const c = el('article', { className: `card report ${v.overdue ? 'overdue' : ''} ${v.late ? 'late-report' : ''}`, data: { report: r.id, status: r.status },
    aria: { labelledby: `h-${r.id}` } },
    el('h3', { id: `h-${r.id}` }, el('span', { className: `grade g${r.grade}`, textContent: gradeText(r.grade, t) }), ' ',
      v.number ?? t('noNumber'), ' · ', i.place),
    el('div', { className: 'meta' },
      el('span', { textContent: `${tt(names.get(i.product)) || i.product} · ${ent}` }),
      el('span', { textContent: `${t('learned')} ${i.learned_at.slice(0, 16).replace('T', ' ')}` }),
      el('span', { textContent: t(`status_${r.status}`) }),
      v.overdue ? el('span', { className: 'late flag', textContent: t('overdueFlag') }) : null,
      v.late ? el('span', { className: 'late flag', textContent: t('lateFlag') }) : null,
      unsent.has(r.id) ? el('span', { className: 'local', textContent: t('unsent') }) : null),
    el('ul', { className: 'clocks', aria: { label: t('clocks') } }, ...v.clocks.map((x) => clockItem(x, r.id))),
    el('p', { className: 'muted', textContent: `${t('figures')}：${t('deathsN', r.figures.deaths)}，${t('injuriesN', r.figures.serious_injuries)}，${t('loss')} ${moneyText(r.figures.direct_loss_yuan)}${r.declared_grade ? ` · ${t('declared')} ${gradeText(r.declared_grade, t)}` : ''}` }),
    el('p', { className: 'muted', textContent: `${t('recipients')}：${v.recipients.map((x) => tt(x.name)).join('；')}` }),
    r.cause ? el('p', { textContent: `${t('cause')}：${r.cause}` }) : null,
    r.measures ? el('p', { textContent: `${t('measures')}：${r.measures}` }) : null,
    r.follow_ups.length ? el('ol', { className: 'follow-ups' }, ...r.follow_ups.map((f) => el('li', { textContent: `${f.at.slice(0, 16).replace('T', ' ')} ${f.text}` }))) : null,
    r.summary ? el('p', { className: 'note', textContent: `${t('summary')}：${r.summary.text}` }) : null);
  if (account.role === 'enterprise') return c;
  if (open) c.append(followUpForm(r), closeForm(r));
  else if (r.status === 'closed') c.append(summaryForm(r));
  return c;
}

function followUpForm(r) {
  const p = `fu-${r.id}`;
  const text = el('textarea', { id: `${p}-text`, required: true });
  const deaths = input(`${p}-d`, { type: 'number', min: 0, inputMode: 'numeric' });
  const inj = input(`${p}-i`, { type: 'number', min: 0, inputMode: 'numeric' });
  const loss = input(`${p}-l`, { type: 'number', min: 0, inputMode: 'numeric' });
  const file = input(`${p}-p`, { type: 'file', accept: 'image/*', multiple: true });
  const form = el('form', { className: 'follow-up' }, ...field(`${p}-text`, t('progress'), text),
    el('div', { className: 'row3' }, el('div', {}, ...field(`${p}-d`, t('deaths'), deaths)), el('div', {}, ...field(`${p}-i`, t('injuries'), inj)), el('div', {}, ...field(`${p}-l`, t('lossYuan'), loss))),
    ...field(`${p}-p`, t('photos'), file),
    el('div', { className: 'buttons' }, el('button', { type: 'submit', textContent: t('sendFollowUp') })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!text.value.trim()) { text.setAttribute('aria-invalid', 'true'); text.focus(); return; }
    const files = await photos(file);
    const num = (x) => (x.value === '' ? undefined : Number(x.value));
    await act(r.id, { kind: 'followed_up', text: text.value.trim(), deaths: num(deaths), serious_injuries: num(inj), direct_loss_yuan: num(loss), photos: refs(files) }, files);
  });
  return el('details', { className: 'fold' }, el('summary', { textContent: t('followUp') }), form);
}

function closeForm(r) {
  const p = `cl-${r.id}`;
  const ended = input(`${p}-at`, { type: 'datetime-local', required: true, value: dtLocal() });
  const note = input(`${p}-note`);
  const form = el('form', {}, ...field(`${p}-at`, t('endedAt'), ended), ...field(`${p}-note`, t('note'), note),
    el('div', { className: 'buttons' }, el('button', { type: 'submit', className: 'secondary', textContent: t('close') })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await act(r.id, { kind: 'closed', ended_at: fromLocal(ended.value), ...(note.value.trim() ? { note: note.value.trim() } : {}) });
  });
  return el('details', { className: 'fold' }, el('summary', { textContent: t('closeTitle') }), form);
}

function summaryForm(r) {
  const p = `su-${r.id}`;
  const text = el('textarea', { id: `${p}-text`, required: true });
  const form = el('form', {}, ...field(`${p}-text`, t('summaryText'), text),
    el('div', { className: 'buttons' }, el('button', { type: 'submit', textContent: t('sendSummary') })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!text.value.trim()) { text.setAttribute('aria-invalid', 'true'); text.focus(); return; }
    await act(r.id, { kind: 'summarised', text: text.value.trim() });
  });
  return el('details', { className: 'fold', open: true }, el('summary', { textContent: t('summaryTitle') }), form);
}

function newReportForm() {
  const region = account.regions?.[0] ?? '';
  const f = {
    occurred: input('nr-occurred', { type: 'datetime-local', required: true, value: dtLocal() }),
    learned: input('nr-learned', { type: 'datetime-local', required: true, value: dtLocal() }),
    place: input('nr-place', { required: true, autocomplete: 'off' }),
    region: input('nr-region', { required: true, pattern: '[0-9]{6}', value: region, inputMode: 'numeric' }),
    product: el('select', { id: 'nr-product' }, ...[...names].map(([p, n]) => el('option', { value: p, textContent: tt(n) }))),
    uscc: input('nr-uscc', { pattern: '[0-9A-Z]{18}', autocomplete: 'off' }),
    name: input('nr-name', { autocomplete: 'off', attrs: { list: 'nr-register' } }),
    quantity: input('nr-quantity'), batch: input('nr-batch'), distribution: input('nr-distribution'),
    deaths: input('nr-deaths', { type: 'number', min: 0, value: '0', required: true, inputMode: 'numeric' }),
    injuries: input('nr-injuries', { type: 'number', min: 0, value: '0', required: true, inputMode: 'numeric' }),
    loss: input('nr-loss', { type: 'number', min: 0, value: '0', required: true, inputMode: 'numeric' }),
    cause: el('textarea', { id: 'nr-cause' }), measures: el('textarea', { id: 'nr-measures' }), tests: input('nr-tests'),
    reporter: input('nr-reporter', { required: true, value: account.name || account.username }),
    contact: input('nr-contact', { required: true, type: 'tel', autocomplete: 'tel' }),
    photos: input('nr-photos', { type: 'file', accept: 'image/*', multiple: true }),
    grade: el('select', { id: 'nr-grade' }),
  };
  // Picking from the register fills the other field; `from_register` says the pair came from it.
  const picked = () => register.get(f.uscc.value.trim())?.name === f.name.value.trim();
  f.name.addEventListener('change', () => {
    const hit = [...register].find(([, e]) => e.name === f.name.value.trim());
    if (hit) f.uscc.value = hit[0];
  });
  f.uscc.addEventListener('change', () => {
    const e = register.get(f.uscc.value.trim());
    if (e) f.name.value = e.name;
  });
  const regList = el('datalist', { id: 'nr-register' }, ...[...register].map(([u, e]) => el('option', { value: e.name, label: u })));
  const computed = el('output', { id: 'nr-computed', htmlFor: 'nr-deaths nr-injuries nr-loss', className: 'grade' });
  const regrade = () => {
    const g = JSON.parse(core.grade(JSON.stringify({ deaths: Number(f.deaths.value) || 0, serious_injuries: Number(f.injuries.value) || 0, direct_loss_yuan: Number(f.loss.value) || 0 })));
    computed.textContent = `${t('computed')}：${gradeText(g.grade, t)}`;
    computed.className = `grade g${g.grade}`;
    // Only graver grades can be declared: the core ignores a lighter one.
    const graver = ['I', 'II', 'III', 'IV'].slice(0, ['I', 'II', 'III', 'IV'].indexOf(g.grade));
    const keep = f.grade.value;
    f.grade.replaceChildren(el('option', { value: '', textContent: t('asComputed') }), ...graver.map((x) => el('option', { value: x, textContent: gradeText(x, t) })));
    if (graver.includes(keep)) f.grade.value = keep;
  };
  for (const x of [f.deaths, f.injuries, f.loss]) x.addEventListener('input', regrade);
  regrade();
  const form = el('form', { className: 'new-report', noValidate: true },
    el('div', { className: 'row2' }, el('div', {}, ...field('nr-occurred', t('occurredAt'), f.occurred)), el('div', {}, ...field('nr-learned', t('learnedAt'), f.learned, t('learnedHint')))),
    ...field('nr-place', t('place'), f.place), ...field('nr-region', t('region'), f.region),
    ...field('nr-product', t('product'), f.product),
    el('fieldset', { className: 'enterprise' }, el('legend', { textContent: t('enterprise') }),
      ...field('nr-name', t('entName'), f.name, register.size ? t('fromRegister') : null), regList, ...field('nr-uscc', t('uscc'), f.uscc)),
    el('div', { className: 'row3' }, el('div', {}, ...field('nr-quantity', t('quantity'), f.quantity)), el('div', {}, ...field('nr-batch', t('batch'), f.batch)), el('div', {}, ...field('nr-distribution', t('distribution'), f.distribution))),
    el('div', { className: 'row3' }, el('div', {}, ...field('nr-deaths', t('deaths'), f.deaths)), el('div', {}, ...field('nr-injuries', t('injuries'), f.injuries)), el('div', {}, ...field('nr-loss', t('lossYuan'), f.loss))),
    computed, ...field('nr-grade', t('raise'), f.grade),
    ...field('nr-cause', t('cause'), f.cause), ...field('nr-measures', t('measures'), f.measures), ...field('nr-tests', t('tests'), f.tests),
    el('div', { className: 'row2' }, el('div', {}, ...field('nr-reporter', t('reporter'), f.reporter)), el('div', {}, ...field('nr-contact', t('contact'), f.contact))),
    ...field('nr-photos', t('photos'), f.photos),
    el('div', { className: 'buttons' }, el('button', { type: 'submit', className: 'primary', textContent: t('report') })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const missing = [f.place, f.region, f.reporter, f.contact, f.occurred, f.learned].filter((x) => !x.value.trim());
    for (const x of [f.place, f.region, f.reporter, f.contact, f.occurred, f.learned]) x.setAttribute('aria-invalid', String(missing.includes(x)));
    if (missing.length) { missing[0].focus(); status = t('fillRequired'); return render(false); }
    const files = await photos(f.photos);
    const opt = (x) => (x.value.trim() ? x.value.trim() : undefined);
    const enterprise = { ...(opt(f.uscc) ? { uscc: opt(f.uscc) } : {}), ...(opt(f.name) ? { name: opt(f.name) } : {}), ...(picked() ? { from_register: true } : {}) };
    const fields = {
      kind: 'reported', occurred_at: fromLocal(f.occurred.value), learned_at: fromLocal(f.learned.value), place: f.place.value.trim(),
      region: f.region.value.trim(), product: f.product.value, enterprise, quantity: opt(f.quantity), batch: opt(f.batch), distribution: opt(f.distribution),
      deaths: Number(f.deaths.value) || 0, serious_injuries: Number(f.injuries.value) || 0, direct_loss_yuan: Number(f.loss.value) || 0,
      cause: opt(f.cause), measures: opt(f.measures), test_results: opt(f.tests),
      reporter: { name: f.reporter.value.trim(), contact: f.contact.value.trim() }, photos: refs(files), grade: f.grade.value || undefined,
    };
    if (await act(crypto.randomUUID(), fields, files)) { formBox = null; await render(); }
  });
  return form;
}

function morningSection() {
  const list = el('ul', { className: 'mornings' }, ...mornings.map((m) => {
    const x = m.figures?.express ?? {};
    const l = m.figures?.ledger ?? {};
    return el('li', { data: { morning: m.id, status: m.status }, textContent:
      `${m.region} ${m.day} · ${t(m.status)} · ${t('mNew', x.new ?? 0)}，${t('mOpen', x.open ?? 0)}，${t('mOverdue', x.overdue ?? 0)} · ${t('lNew', l.new_dangers ?? 0)}，${t('lCleared', l.cleared ?? 0)}，${t('lOverdue', l.overdue ?? 0)}${m.note ? ` · ${m.note}` : ''}` });
  }));
  const note = el('textarea', { id: 'mr-note' });
  const gen = el('button', { type: 'button', textContent: t('generate') });
  const send = el('button', { type: 'button', className: 'secondary', textContent: t('reviewSend') });
  const online = (fn) => async () => {
    if (!navigator.onLine) { status = t('onlineOnly'); return render(); }
    try { await fn(); } catch (e) { status = tt(e.body?.detail) || e.message; }
    await sync();
  };
  gen.addEventListener('click', online(() => apiJson('/api/v1/morning-reports', { token: auth.token, method: 'POST', json: { day: localTime().slice(0, 10), offset: localTime().slice(19) } })));
  send.addEventListener('click', online(async () => {
    const mine = mornings.find((m) => m.status === 'draft' && account.regions?.includes(m.region));
    if (mine) await apiJson(`/api/v1/morning-reports/${encodeURIComponent(mine.id)}/send`, { token: auth.token, method: 'POST', json: { note: note.value.trim() } });
  }));
  return el('section', { className: 'card', aria: { labelledby: 'h-morning' } }, el('h2', { id: 'h-morning', textContent: t('morning') }), list,
    ...field('mr-note', t('reviewNote'), note), el('div', { className: 'buttons' }, gen, send));
}

function casesSection() {
  const items = cases.map((c) => {
    const p = c.proposal ?? {};
    const li = el('li', { data: { case: c.id, status: c.status }, textContent: `${p.title} · ${t(`cs_${c.status}`)}${c.published ? ` · ${c.published.enterprise}` : ''}` });
    if (c.status === 'proposed' && c.proposed_by !== account.username) {
      for (const [label, body] of [[t('approveNamed'), { approve: true, show_name: true }], [t('approveMasked'), { approve: true, show_name: false }], [t('reject'), { approve: false }]]) {
        const b = el('button', { type: 'button', className: 'secondary', textContent: label });
        b.addEventListener('click', async () => {
          try { await apiJson(`/api/v1/typical-cases/${c.id}/decision`, { token: auth.token, method: 'POST', json: body }); } catch (e) { status = tt(e.body?.detail) || e.message; }
          await sync();
        });
        li.append(' ', b);
      }
    }
    return li;
  });
  const f = Object.fromEntries(['source_id', 'title', 'facts', 'violation', 'basis', 'penalty', 'enterprise_name', 'region'].map((k) => [k, k === 'facts' ? el('textarea', { id: `tc-${k}`, required: true }) : input(`tc-${k}`, { required: true })]));
  f.region.value = account.regions?.[0] ?? '';
  const source = el('select', { id: 'tc-source' }, el('option', { value: 'ledger_entry', textContent: t('srcLedger') }), el('option', { value: 'express_report', textContent: t('srcExpress') }));
  const form = el('form', { className: 'case-form' }, ...field('tc-source', t('source'), source),
    ...Object.entries(f).flatMap(([k, x]) => field(`tc-${k}`, t(`c_${k}`), x)),
    el('div', { className: 'buttons' }, el('button', { type: 'submit', textContent: t('propose') })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!navigator.onLine) { status = t('onlineOnly'); return render(); }
    const body = { id: crypto.randomUUID(), source: source.value, ...Object.fromEntries(Object.entries(f).map(([k, x]) => [k, x.value.trim()])) };
    try { await apiJson('/api/v1/typical-cases', { token: auth.token, method: 'POST', json: body }); status = t('proposed'); } catch (e) { status = tt(e.body?.detail) || e.message; }
    await sync();
  });
  return el('section', { className: 'card', aria: { labelledby: 'h-cases' } }, el('h2', { id: 'h-cases', textContent: t('cases') }),
    el('p', {}, el('a', { href: './cases.html', textContent: t('publicList') })), el('ul', { className: 'cases' }, ...items),
    el('details', { className: 'fold' }, el('summary', { textContent: t('proposeTitle') }), form));
}

let formBox = null; // the new-report form survives re-renders (what the inspector typed stays)

async function render(full = true) {
  const k = await known();
  const v = view(k);
  document.documentElement.lang = getLang() === 'en' ? 'en' : 'zh-CN';
  // Open while there is no report yet; a new one starts from fresh defaults (now, own region).
  if (!formBox || full === 'lang') formBox = el('details', { className: 'card fold new-box', open: v.items.length === 0 }, el('summary', { textContent: t('newReport') }), newReportForm());
  const syncBtn = el('button', { type: 'button', className: 'secondary', textContent: t('sync') });
  syncBtn.addEventListener('click', sync);
  const langBtn = el('button', { type: 'button', className: 'secondary', textContent: t('lang') });
  langBtn.addEventListener('click', () => { setLang(getLang() === 'en' ? 'zh' : 'en'); render('lang'); });
  const overdue = v.items.filter((x) => x.overdue).length;
  redraw(root, el('div', { className: 'paicha' },
    el('header', { className: 'bar' }, el('h1', { textContent: `${t('title')} · ${account.regions?.[0] ?? account.username}` }),
      el('div', { className: 'tools' }, el('span', { className: `net ${navigator.onLine ? '' : 'off'}`, textContent: navigator.onLine ? t('online') : t('offlineShort') }),
        el('a', { className: 'button secondary', href: './', textContent: t('app') }), el('a', { className: 'button secondary', href: './ledger.html', textContent: t('ledger') }), syncBtn, langBtn)),
    el('main', { id: 'main' },
      el('p', { className: 'muted', attrs: { role: 'status' }, textContent: status }),
      el('p', { className: overdue ? 'late' : 'muted', id: 'overdue-count', attrs: { role: 'alert' }, textContent: overdue ? t('overdueCount', overdue) : '' }),
      v.errors.length ? el('p', { className: 'note', textContent: t('rejected', v.errors.length) }) : null,
      el('section', { aria: { label: t('reports') } }, el('h2', { textContent: t('reports') }),
        ...(v.items.length ? v.items.map((x) => card(x, k.unsent)) : [el('p', { textContent: t('none') })])),
      account.role !== 'enterprise' ? formBox : null,
      account.role !== 'enterprise' ? morningSection() : null,
      account.role !== 'enterprise' ? casesSection() : null)));
  document.documentElement.dataset.ready = '1';
}

/** The clocks run: every second, the clock lines and overdue flags are recomputed by the core and
 * updated in place (forms being typed in are not rebuilt). A report turning overdue re-renders. */
async function tick() {
  if (!account || document.hidden) return;
  const k = await known();
  const v = view(k);
  let changed = false;
  for (const item of v.items) {
    const card = root.querySelector(`[data-report="${item.report.id}"]`);
    if (!card || card.classList.contains('overdue') !== item.overdue) { changed = true; break; }
    for (const c of item.clocks) {
      const li = card.querySelector(`li.clock[data-kind="${c.kind}"]`);
      if (!li) { changed = true; break; }
      li.textContent = clockText(c, t);
      li.dataset.state = c.state;
      li.className = `clock ${c.state}`;
    }
  }
  if (changed) await render(false);
}

async function main() {
  setLang(new URLSearchParams(location.search).get('lang') ?? (await getMeta('lang', 'zh')));
  auth = await getMeta('auth');
  account = auth?.account ?? null;
  if (!account) {
    root.replaceChildren(el('main', {}, el('p', { textContent: t('signInFirst') }), el('a', { className: 'button', href: './', textContent: t('app') })));
    document.documentElement.dataset.ready = '1';
    return;
  }
  const [, divisions] = await Promise.all([init(), divisionsText()]);
  if (divisions) core.installDivisions(divisions);
  register = new Map(Object.entries((await getMeta(key('register')))?.entries ?? {}));
  try {
    const idx = await (await fetch('../pkg/catalogue/index.json')).json();
    for (const p of idx.products ?? []) if (p.name) names.set(p.product, p.name);
  } catch { /* offline with no cache: product codes are shown */ }
  if (!names.size) names.set('electric-bicycle', { zh: '电动自行车', en: 'Electric bicycle' });
  await render();
  await sync();
  addEventListener('online', sync);
  addEventListener('offline', () => { status = t('offline'); render(false); });
  setInterval(tick, 1000);
}

main().catch((e) => { root.textContent = `paicha: ${e.message}`; document.documentElement.dataset.ready = 'error'; });
