// The rectification ledger on a device (issue 6): the entries the account may see, folded on the
// device by the core's own ledger module (pkg/ledger/, loaded only here) from the events pulled from
// the server plus the device's own events not yet acknowledged, so the view is right offline and
// equals the server's once synced. Acts become events in the same outbox as submissions (one
// upload queue, docs/openapi.yaml); evidence photos go with them. No text is inserted as HTML.
import init, * as ledger from '../../pkg/ledger/paicha_ledger.js';
import { tx, all, getMeta, setMeta } from './db.js';
import { el, redraw } from './dom.js';
import { apiFetch } from './http.js';
import { ACTION_LABELS, SPOT_TASK_LABELS, VIOLATION_LABELS, labelOf } from './labels.js';
import { getLang, setLang, tt } from './i18n.js';
import { sha256Hex } from './sha256.js';
import { drain } from './outbox.js';
import { documentOf, printDocument, bureauOf } from './documents.js';
import { divisionsText } from './divisions.js';
import { keySection } from './ledger-key.js';
import { stepForm, queueSpot, withQueued, stepsText, queuedNote } from './spot-steps.js';
import { LABELS, assistSection, followupForms, followupRecord, queueSection, violationSelect } from './followup.js';
import { localTime } from './store.js';

const T = {
  title: ['整改台账', 'Rectification ledger'],
  lang: ['English', '中文'],
  sync: ['同步', 'Sync'],
  csv: ['导出 CSV', 'Export CSV'],
  app: ['检查表', 'Checklists'],
  signInFirst: ['请先在检查表页面登录。', 'Sign in on the checklist page first.'],
  region: ['地区', 'Region'],
  show: ['查看', 'Show'],
  none: ['没有条目', 'No entries'],
  due: ['待办', 'To do'],
  dueMore: ['其余 {n} 项待办', '{n} more to do'],
  followupFold: ['办理（{n} 项）', 'Follow-up ({n})'],
  overdueBy: ['已逾期 {n} 天', '{n} days overdue'],
  daysLeft: ['剩 {n} 天', '{n} days left'],
  deadline: ['期限', 'Deadline'],
  round: ['第 {n} 轮', 'round {n}'],
  unsent: ['未上传', 'not yet sent'],
  conflict: ['复查结论不一致，需要决定采用哪一个：', 'Re-checks disagree; decide which stands:'],
  choose: ['采用此结论', 'Choose this verdict'],
  passed: ['通过', 'passed'], failed: ['不通过', 'failed'],
  measures: ['整改措施', 'Measures taken'],
  reported: ['企业报告的整改', 'Rectification reported'],
  photo: ['整改照片（可选）', 'Evidence photo (optional)'],
  reportRectified: ['报告已整改', 'Report rectified'],
  order: ['责令整改', 'Order rectification'],
  pass: ['复查通过（销号）', 'Re-check passed (close out)'],
  fail: ['复查不通过', 'Re-check failed'],
  newDeadline: ['新的整改期限', 'New deadline'],
  escalate: ['上报', 'Escalate'],
  refused: ['企业拒绝整改', 'Enterprise refuses'],
  synced: ['已同步', 'Synced'],
  offline: ['离线：已保存在本机，联网后上传', 'Offline: kept on this device, sent when online'],
  loadFailed: ['这一部分未能加载（请联网后重试）', 'This part did not load (try again online)'],
  needSignIn: ['登录已失效：请重新登录后同步（记录仍在本机）', 'Signed out: sign in again to sync (records stay here)'],
  status_found: ['待责令整改', 'found'], status_ordered: ['整改中', 'being rectified'],
  status_rectified: ['待复查', 'awaiting re-check'], status_refused: ['拒绝整改', 'refused'],
  status_closed: ['已销号', 'closed out'],
  reopened: ['回头看不通过，{n} 重新整改', 'Look-back failed, rectified again from {n}'],
  general: ['一般隐患', 'general'], major: ['重大隐患', 'major'],
  task_order: ['待责令整改', 'order rectification'], task_escalate: ['需上报', 'escalate'],
  task_act: ['需采取措施', 'measure to take'], task_decide: ['需决定复查结论', 'decide the re-check'],
  task_spot: ['抽查不合格跟进', 'spot-check step'],
  spotEntry: ['监督抽查不合格：整改期限按《产品质量监督抽查管理暂行办法》（60 日整改、75 日内复查）；复查、公告和第二次复查在下方“监督抽查结果”中登记，本条目随之更新', 'Unqualified in a supervision spot check: Order 18 deadlines (correct in 60 days, re-check within 75); record the re-check, the announcement and the second re-check under "Supervision spot checks" below, and this entry follows'],
  rejected: ['有 {n} 个操作未被采纳（与状态不符）', '{n} acts were not accepted (did not fit the state)'],
  keyInspections: ['应开展重点现场检查的企业（两年内两次以上抽查不合格）', 'Due a key on-site inspection (two or more failed spot checks in two years)'],
  keyItems: ['重点检查项目', 'Items to target'],
  until: ['有效至', 'counts until'],
  newEntry: ['登记隐患', 'Record a hidden danger'],
  danger: ['隐患描述', 'Hidden danger'],
  severity: ['等级', 'Severity'],
  basisLabel: ['依据', 'Legal basis'],
  productCode: ['产品', 'Product'],
  entName: ['企业名称', 'Enterprise name'],
  uscc: ['统一社会信用代码', 'Unified social credit code'],
  regionCode: ['行政区划代码', 'Division code'],
  add: ['登记并责令整改', 'Record and order rectification'],
  spotChecks: ['监督抽查结果', 'Supervision spot checks'],
  batch: ['批次', 'Batch'],
  spotDate: ['结果日期', 'Result date'],
  result: ['结果', 'Result'],
  qualified: ['合格', 'qualified'], unqualified: ['不合格', 'unqualified'],
  failedItems: ['不合格项目（逗号分隔）', 'Failed items (comma-separated)'],
  record: ['录入', 'Record'],
};
Object.assign(T, LABELS);
// Measure kinds read from the one dictionary of action labels (labels.js), the rest from T.
// Beyond the page's own texts: the shared names of measures, spot-check steps and violations.
const NAMES = [ACTION_LABELS, SPOT_TASK_LABELS, VIOLATION_LABELS];
const t = (k, n) => (T[k]?.[getLang() === 'en' ? 1 : 0] ?? labelOf(NAMES.find((x) => x[k]) ?? ACTION_LABELS, k, getLang())).replace('{n}', String(n));

const root = document.getElementById('ledger');
let auth = null;
let account = null;
let status = '';
/** Product names and item labels from the catalogue (the same file the checklists use). */
const names = { products: new Map(), items: new Map() };
const photoUrls = new Map(); // sha256 -> object URL of evidence shown
let keyInspections = [];
let assists = []; // assist requests (协查) other regions made to this one: from the server's queue
let spotChecks = [];
let line = 'all'; // the work line whose queue is shown: the account's own once the server said it
let dueTasks = []; // the core's tasks at the last render, for each entry's forms
let lastOf = new Map(); // entry id -> the last event folded into it at the last render: what a new act follows
/** To-do lines shown before the rest fold away (the line queue below groups them by line). */
const DUE_SHOWN = 8;
const opened = new Set(); // which folded sections the user opened: kept open across re-renders

/** A folded section that stays as the user left it when the page re-renders. */
// A box's body may hold parts loaded when the box is first opened (`later`), not with the page:
// what a click needs stays out of the page's first open (its budget: scripts/size.mjs).
function folded(name, summary, ...body) {
  return foldedAs(name, `card ${name}`, summary, ...body);
}

/** `folded` with its own key for the open state (one per entry card) and class names. */
function foldedAs(key, className, summary, ...body) {
  const lazy = body.filter((b) => b instanceof Later);
  const d = el('details', { className, open: opened.has(key) }, el('summary', { textContent: summary }), ...body.map((b) => (b instanceof Later ? b.slot : b)));
  const show = () => { for (const l of lazy) l.fill(); };
  d.addEventListener('toggle', () => { if (d.open) { opened.add(key); show(); } else opened.delete(key); });
  if (d.open) show();
  return d;
}

/**
 * A part of the page whose module is imported on first use: `load()` the import (cached by the
 * browser and, offline, by the service worker's precache), `make(module)` the element. Once the
 * module is in, later renders make the element at once.
 */
class Later {
  constructor(load, make) {
    this.load = load;
    this.make = make;
    this.slot = el('div', { className: 'later' });
  }

  fill() {
    if (this.done) return;
    this.done = true;
    this.load().then((m) => this.slot.replaceWith(this.make(m)))
      .catch(() => { this.done = false; this.slot.textContent = t('loadFailed'); });
  }
}
const later = (load, make) => new Later(load, make);
// Photo compression (media.js) is fetched once a form that takes a photo is shown, while online,
// after the page's first render: it is ready by the submit even if the network is gone by then.
let mediaLoad = null;
const warmMedia = () => { if (!mediaLoad && navigator.onLine) mediaLoad = import('./media.js').catch(() => null); }; // supervisors: the spot-check records their regions cover, with their tasks
let policy = null; // the follow-up policy of the catalogue: the deadlines an order proposes // supervisors: from the server's spot-check records, refreshed on sync

/** Item labels by key; an item of a repeat group (a vehicle checked on site) is named under its
 * group's label, as a danger found in one of its rows names it. */
function addItems(items, parent = null) {
  for (const i of items ?? []) {
    const label = i.label && parent ? { zh: `${parent.zh} · ${i.label.zh}`, en: `${parent.en ?? parent.zh} · ${i.label.en ?? i.label.zh}` } : i.label;
    if (label && !names.items.has(i.key)) names.items.set(i.key, label);
    addItems(i.items, label);
  }
}

async function loadNames() {
  const take = (b) => {
    policy = b.policy ?? policy;
    for (const f of b.files ?? []) {
      if (f.product && f.name) names.products.set(f.product, f.name);
      addItems(f.items);
    }
  };
  try {
    take(await (await fetch('../pkg/catalogue.json')).json());
    return;
  } catch { /* offline: the per-product parts the service worker precaches, below */ }
  try {
    const index = await (await fetch('../pkg/catalogue/index.json')).json();
    await Promise.all(index.products.map(async (p) => {
      try { take(await (await fetch(`../pkg/catalogue/${p.file}`)).json()); } catch { /* that product's names stay codes */ }
    }));
  } catch { /* offline with no cache: codes are shown instead */ }
}

/** An evidence photo: from this device if it was taken here, else from the server (with the token). */
async function photoUrl(sha) {
  if (photoUrls.has(sha)) return photoUrls.get(sha);
  let blob = (await tx(['blobs'], 'readonly', (s) => s.blobs.get(sha)))?.blob ?? null;
  if (!blob && navigator.onLine) {
    try {
      const r = await apiFetch(`/api/v1/attachments/${sha}`, { token: auth.token });
      if (r.ok) blob = await r.blob();
    } catch { /* shown when online */ }
  }
  const url = blob ? URL.createObjectURL(blob) : null;
  if (url) photoUrls.set(sha, url);
  return url;
}

/** The device keeps each account's copy of the ledger apart: what one account pulled is never
 * shown to another signed in on the same device, and each resumes from its own cursor. */
const key = (what) => `ledger:${what}:${account.username}`;

/** Events the server confirmed (pulled) and the device's own, not yet pulled back. */
async function allEvents() {
  const pulled = (await getMeta(key('events'))) ?? [];
  const rows = [...(await all('outbox')), ...(await all('sent'))];
  const mine = rows.filter((r) => r.kind === 'event' && r.event.author === account.username).map((r) => r.event);
  return { pulled, mine, all: [...pulled, ...mine], spots: rows.filter((r) => r.kind === 'spot') };
}

/** Brings the device's copy of the events up to date from where it last stopped. */
async function pull() {
  let cursor = await getMeta(key('cursor'));
  const known = (await getMeta(key('events'))) ?? [];
  const ids = new Set(known.map((e) => e.id));
  for (;;) {
    const q = `?limit=1000${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`;
    const res = await apiFetch(`/api/v1/events${q}`, { token: auth.token });
    if (res.status === 401) throw new Error('signin');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const page = await res.json();
    for (const e of page.items) if (!ids.has(e.id)) { ids.add(e.id); known.push(e); }
    cursor = page.cursor;
    // The events and the position they reach are saved together.
    await tx(['meta'], 'readwrite', (s) => {
      s.meta.put({ key: key('events'), value: known });
      s.meta.put({ key: key('cursor'), value: cursor });
    });
    if (!page.next) break;
  }
}

let syncs = 0;
/** One sync; the page is marked `data-syncing` while any is under way (it re-renders at the end). */
async function sync() {
  const d = document.documentElement.dataset;
  d.syncing = ++syncs;
  try { await syncOnce(); } finally { if (!--syncs) delete d.syncing; }
}

async function syncOnce() {
  if (!auth) return;
  if (!navigator.onLine) { status = t('offline'); return render(); }
  try {
    await drain({ endpoint: location.origin, token: auth.token });
    await pull();
    if (account.role !== 'enterprise') {
      const r = await apiFetch('/api/v1/key-inspections', { token: auth.token });
      if (r.ok) {
        keyInspections = (await r.json()).items ?? [];
        await setMeta(key('key-inspections'), keyInspections);
      }
      const q = await apiFetch('/api/v1/queue?line=all', { token: auth.token });
      if (q.ok) {
        const body = await q.json();
        // Other regions' entries are not pulled: their assist tasks come from the server's queue.
        const own = account.regions ?? [];
        const fresh = (body.items ?? []).filter((x) => x.task === 'assist' && !own.some((r) => x.region.startsWith(r.replace(/(00)+$/, ''))));
        // Those this device answered stay shown as recorded (the server's queue no longer has them).
        const k = (x) => `${x.entry}|${x.assist_region}`;
        const done = new Set((await allEvents()).all.filter((e) => e.action === 'assist').map(k));
        assists = [...fresh, ...assists.filter((x) => done.has(k(x)) && !fresh.some((y) => k(y) === k(x)))];
        await setMeta(key('assists'), assists);
        if (!(await getMeta(key('line'))) && body.own_line) { line = body.own_line; await setMeta(key('line'), body.own_line); }
      }
      const sc = await apiFetch('/api/v1/spot-checks', { token: auth.token });
      if (sc.ok) {
        spotChecks = (await sc.json()).items ?? [];
        await setMeta(key('spot-checks'), spotChecks);
      }
    }
    status = `${t('synced')} ${new Date().toLocaleTimeString(getLang() === 'en' ? 'en' : 'zh-CN')}`;
  } catch (e) {
    status = e.message === 'signin' || e.constructor?.name === 'NeedsSignIn' ? t('needSignIn') : t('offline');
  }
  await render();
}

/** A new event made on this device, kept in the outbox with any evidence bytes, in one transaction. */
async function act(entry, fields, files = []) {
  // The act names the event it was made on, so the fold puts it after that one whatever the clocks.
  const follows = lastOf.get(entry);
  const event = { id: crypto.randomUUID(), entry, author: account.username, device: deviceName(), at: preciseTime(), ...(follows ? { follows } : {}), ...fields };
  const problem = JSON.parse(ledger.checkEvent(JSON.stringify(event)));
  if (problem) { status = tt(problem.message); await render(); return false; }
  await tx(['outbox', 'blobs'], 'readwrite', (s) => {
    for (const f of files) s.blobs.put({ sha256: f.ref.sha256, blob: f.blob, name: f.ref.name, type: f.ref.type, size: f.ref.size });
    s.outbox.put({ id: event.id, kind: 'event', event, state: 'pending', createdAt: new Date().toISOString() });
  });
  await render();
  sync();
  return true;
}

/** Now with milliseconds: the fold orders acts by time, and two acts on one entry can fall within
 * the same second (a rectification reported and re-checked at once on site). */
function preciseTime() {
  const d = new Date();
  const t = localTime(d);
  return `${t.slice(0, 19)}.${String(d.getMilliseconds()).padStart(3, '0')}${t.slice(19)}`;
}

function deviceName() {
  const ua = navigator.userAgent;
  return /Mobi|Android|iPhone/.test(ua) ? 'phone' : /iPad|Tablet/.test(ua) ? 'tablet' : 'browser';
}

function viewer() {
  if (account.role === 'enterprise') return ['enterprise', account.uscc];
  return ['region', account.regions?.[0] ?? '000000'];
}

/** The policy's deadlines for an order made now (the core computes them, as on the server). */
function proposed(severity) {
  if (!policy) return null;
  try { return { ...JSON.parse(ledger.defaultDeadlines(JSON.stringify(policy), severity, localTime())), today: localTime().slice(0, 10) }; } catch { return null; }
}

function actions(row, local) {
  const e = row.entry;
  const box = el('div', { className: 'buttons' });
  const btn = (label, fn, cls = '') => {
    const b = el('button', { type: 'button', className: cls, textContent: label });
    b.addEventListener('click', fn);
    return b;
  };
  if (account.role === 'enterprise') {
    if (e.status === 'closed') return null;
    if (['found', 'ordered', 'refused'].includes(e.status)) {
      const id = `m-${e.id}`;
      const text = el('textarea', { id, required: true });
      const file = el('input', { type: 'file', accept: 'image/*', id: `p-${e.id}` });
      warmMedia();
      const own = e.created.self_found && !e.confirmed;
      const form = el('form', {}, el('label', { htmlFor: id, textContent: t('measures') }), text,
        el('label', { htmlFor: `p-${e.id}`, textContent: t('photo') }), file,
        el('div', { className: 'buttons' }, el('button', { type: 'submit', textContent: t(own ? 'closeSelf' : 'reportRectified') })));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        if (!text.value.trim()) { text.setAttribute('aria-invalid', 'true'); text.focus(); return; }
        const files = [];
        const f = file.files?.[0];
        // 自查自改: the enterprise closes its own finding, with evidence (the core refuses it without).
        if (!f && e.created.self_found && !e.confirmed) { file.setAttribute('aria-invalid', 'true'); file.focus(); return; }
        if (f) {
          // Photo compression is loaded on first use; where it cannot be (offline before the
          // service worker cached it, `?nosw`), the photo is kept as taken, as when it cannot be
          // compressed.
          const media = await (mediaLoad ?? import('./media.js')).catch(() => null);
          const blob = (await media?.compress(f)) ?? f;
          files.push({ ref: { sha256: await sha256Hex(blob), name: f.name, type: blob.type, size: blob.size }, blob });
        }
        await act(e.id, { kind: 'rectified', measures: text.value.trim(), evidence: files.map((x) => ({ sha256: x.ref.sha256, name: x.ref.name, media_type: x.ref.type, size: x.ref.size })) }, files);
      });
      return form;
    }
    return null;
  }
  if (e.conflict) {
    const c = el('div', { className: 'conflict' }, el('p', { textContent: t('conflict') }));
    for (const cand of e.conflict.candidates) {
      const ev = local.find((x) => x.id === cand);
      const label = ev ? `${ev.author} · ${ev.device} · ${ev.at.slice(0, 16)} · ${t(ev.passed ? 'passed' : 'failed')}` : cand;
      c.append(el('div', { className: 'buttons' }, el('span', { textContent: label }),
        btn(t('choose'), () => act(e.id, { kind: 'resolved', chosen: cand }), 'secondary')));
    }
    return c;
  }
  // The forms that complete the entry's measures, cases and close-out fold away on its card
  // (a county's page lists every open entry, each with up to ten forms: 16 entries made a page
  // 49,000 pixels long); the re-check and escalation buttons stay in view.
  const fold = (forms) => forms && foldedAs(`followup-${e.id}`, 'followup-fold', t('followupFold', forms.childElementCount), forms);
  if (e.status === 'closed') return fold(followupForms({ ledger, entry: e, tasks: dueTasks.filter((x) => x.entry === e.id), t, act, bounds: null }));
  const more = fold(followupForms({ ledger, entry: e, tasks: dueTasks.filter((x) => x.entry === e.id), t, act, bounds: proposed(e.created.danger.severity) }));
  if (e.status === 'rectified' && !e.created.spot_check) {
    const id = `d-${e.id}`;
    const date = el('input', { type: 'date', id, required: true, value: proposed(e.created.danger.severity)?.deadline ?? '' });
    box.append(btn(t('pass'), () => act(e.id, { kind: 'rechecked', round: e.round, passed: true })),
      el('label', { htmlFor: id, textContent: t('newDeadline') }), date,
      btn(t('fail'), () => act(e.id, { kind: 'rechecked', round: e.round, passed: false, deadline: date.value }), 'secondary'));
  }
  if (e.status === 'ordered') box.append(btn(t('refused'), () => act(e.id, { kind: 'refused' }), 'secondary'));
  if (['ordered', 'refused'].includes(e.status) && (row.days_left ?? 0) < 0 || e.status === 'refused') {
    box.append(btn(t('escalate'), () => act(e.id, { kind: 'escalated', reason: e.status === 'refused' ? 'refused' : 'overdue' }), 'secondary'));
  }
  if (!box.childElementCount) return more;
  return more ? el('div', {}, box, more) : box;
}

function card(row, unsent, events) {
  const e = row.entry;
  const c = e.created;
  const late = (row.days_left ?? 0) < 0;
  const when = row.deadline
    ? `${t('deadline')} ${row.deadline.date} · ${late ? t('overdueBy', -row.days_left) : t('daysLeft', row.days_left)}`
    : '';
  return el('article', { className: `card entry ${late ? 'overdue' : ''} ${e.status === 'closed' ? 'closed' : ''}`, data: { entry: e.id, status: e.status } },
    el('h3', {}, el('span', { className: `sev ${c.danger.severity}`, textContent: t(c.danger.severity) }), ' ', tt(c.danger.text)),
    el('div', { className: 'meta' },
      el('span', { textContent: `${c.enterprise.name ?? c.enterprise.uscc} · ${tt(names.products.get(c.product)) || c.product}${c.item ? ` · ${tt(names.items.get(c.item)) || c.item}` : ''}` }),
      el('span', { textContent: `${t(`status_${e.status}`)} · ${t('round', e.round)}` }),
      when ? el('span', { className: late ? 'late' : '', textContent: when }) : null,
      unsent.has(e.id) ? el('span', { className: 'local', textContent: t('unsent') }) : null),
    el('p', { className: 'muted', textContent: c.danger.basis }),
    c.self_found ? el('p', { className: 'note', textContent: t('selfFound') }) : null,
    // A spot check's entry follows its record: re-checks are recorded in the spot-check box.
    c.spot_check ? el('p', { className: 'note spot-entry', textContent: t('spotEntry') }) : null,
    // Close-outs undone by a failed look-back (回头看), with what it found.
    ...(e.reopenings ?? []).map((r) => el('p', { className: 'note reopened', textContent: `${t('reopened', r.at.slice(0, 10))}（${t('round', r.round)}）：${r.reason}` })),
    rectification(e),
    followupRecord(e, t),
    account.role !== 'enterprise' ? docButtons(e, events) : null,
    actions(row, events));
}

/** Print the rectification order of an entry or the opinion of its latest re-check. */
function docButtons(e, events) {
  const box = el('div', { className: 'buttons docs' });
  const print = (kind, label) => {
    const b = el('button', { type: 'button', className: 'secondary', textContent: label });
    b.addEventListener('click', async () => {
      const bureau = bureauOf(account);
      printDocument(await documentOf(kind, e, events, { token: auth?.token, bureau, productName: tt(names.products.get(e.created.product)) || e.created.product }));
    });
    box.append(b);
  };
  if (e.deadline) print('rectification_order', '打印责令整改通知书');
  if (e.rechecks?.length) print('recheck_opinion', '打印整改复查意见书');
  return box.childElementCount ? box : null;
}

/** The latest rectification the enterprise reported: what the inspector re-checks. */
function rectification(e) {
  const r = e.rectifications?.[e.rectifications.length - 1];
  if (!r) return null;
  const box = el('div', { className: 'note' }, el('strong', { textContent: `${t('reported')} (${r.at.slice(0, 10)})` }), el('p', { textContent: r.measures }));
  for (const ev of r.evidence ?? []) {
    const img = el('img', { alt: ev.name ?? t('photo'), className: 'evidence', width: 160 });
    photoUrl(ev.sha256).then((u) => { if (u) img.src = u; else img.remove(); });
    box.append(img);
  }
  return box;
}

async function render() {
  const { all: everything, spots } = await allEvents();
  // This device's assist results are events of other regions' entries it does not hold: kept out
  // of its own fold (they would be acts on an unknown entry), shown as recorded instead.
  const known = new Set(everything.filter((e) => e.kind === 'created').map((e) => e.entry));
  const events = everything.filter((e) => e.action !== 'assist' || known.has(e.entry));
  const assisted = new Set(everything.filter((e) => e.action === 'assist').map((e) => `${e.entry}|${e.assist_region}`));
  const outbox = (await all('outbox')).filter((r) => r.kind === 'event');
  const unsent = new Set(outbox.map((r) => r.event.entry));
  const [who, code] = viewer();
  const now = localTime();
  const text = JSON.stringify(events);
  const view = JSON.parse(ledger.view(text, who, code, now));
  lastOf = new Map(view.rows.map((r) => [r.entry.id, r.entry.events?.at(-1)]));
  const due = JSON.parse(ledger.due(text, now));
  dueTasks = due.tasks;
  const csv = el('button', { type: 'button', className: 'secondary', textContent: t('csv') });
  csv.addEventListener('click', () => {
    const a = el('a', { href: URL.createObjectURL(new Blob([ledger.csv(text, who, code, now)], { type: 'text/csv' })), download: 'paicha-ledger.csv' });
    a.click();
  });
  const syncBtn = el('button', { type: 'button', className: 'secondary', textContent: t('sync') });
  syncBtn.addEventListener('click', sync);
  const langBtn = el('button', { type: 'button', className: 'secondary', textContent: t('lang') });
  langBtn.addEventListener('click', async () => { setLang(getLang() === 'en' ? 'zh' : 'en'); await setMeta('lang', getLang()); render(); });
  // An enterprise's to-do is what it must do itself (stop selling); the rest is the supervisors'.
  const shown = new Set(view.rows.map((r) => r.entry.id));
  const mineToDo = (x) => shown.has(x.entry) && (account.role !== 'enterprise' || x.action === 'stop_production_sale');
  const dangerOf = (id) => tt(view.rows.find((r) => r.entry.id === id)?.entry.created.danger.text) || id.slice(0, 8);
  const tasks = due.tasks.filter(mineToDo).map((x) => el('li', { textContent: `${t(`task_${x.task ?? 'act'}`)}${x.action ? ` (${labelOf(ACTION_LABELS, x.action, getLang())})` : ''}${x.step ? ` (${t(x.step)}${x.due ? ` ≤ ${x.due}` : ''})` : ''} · ${dangerOf(x.entry)}` }));
  document.documentElement.lang = getLang() === 'en' ? 'en' : 'zh-CN';
  redraw(root, el('div', { className: 'paicha' },
    el('header', { className: 'bar' }, el('h1', { textContent: `${t('title')} · ${account.role === 'enterprise' ? account.name || code : code}` }),
      el('div', { className: 'tools' }, el('a', { className: 'button secondary', href: './', textContent: t('app') }), syncBtn, csv, langBtn)),
    el('main', {},
      el('p', { className: 'muted', attrs: { role: 'status' }, textContent: status }),
      view.rejected ? el('p', { className: 'note', textContent: t('rejected', view.rejected) }) : null,
      tasks.length ? el('section', { className: 'card due' }, el('h2', { textContent: `${t('due')}（${tasks.length}）` }), el('ul', { className: 'tasks' }, ...tasks.slice(0, DUE_SHOWN)),
        tasks.length > DUE_SHOWN ? foldedAs('due-more', 'due-more', t('dueMore', tasks.length - DUE_SHOWN), el('ul', { className: 'tasks' }, ...tasks.slice(DUE_SHOWN))) : null) : null,
      account.role !== 'enterprise' ? queueSection({ ledger, text, policy, line, now, t, regions: account.regions ?? [], onLine: async (l) => { line = l; await setMeta(key('line'), l); render(); } }) : null,
      assists.length && account.role !== 'enterprise' ? assistSection({ items: assists, t, act, productName: (p) => tt(names.products.get(p)) || p, answered: (x) => assisted.has(`${x.entry}|${x.assist_region}`) }) : null,
      keyInspections.length ? keySection(keyInspections, { names, t, lang: getLang() }) : null,
      view.rows.length ? el('section', { attrs: { 'aria-label': t('title') } }, ...view.rows.map((r) => card(r, unsent, events))) : el('p', { textContent: t('none') }),
      account.role !== 'enterprise' ? folded('new-entry-box', t('newEntry'), newEntryForm(code)) : null,
      account.role !== 'enterprise' ? spotSection(code, spots) : null)));
  document.documentElement.dataset.ready = '1';
}

const field = (id, label, input) => [el('label', { htmlFor: id, textContent: label }), input];

/** The enterprise and product a supervisor's form is about (ids prefixed, so forms can coexist). */
function enterpriseFields(prefix, region) {
  const uscc = el('input', { id: `${prefix}-uscc`, required: true, pattern: '[0-9A-Z]{18}', autocomplete: 'off' });
  const name = el('input', { id: `${prefix}-name` });
  const reg = el('input', { id: `${prefix}-region`, required: true, pattern: '[0-9]{6}', value: region });
  const product = el('select', { id: `${prefix}-product` }, ...[...names.products].map(([p, n]) => el('option', { value: p, textContent: tt(n) })));
  const nodes = [...field(`${prefix}-uscc`, t('uscc'), uscc), ...field(`${prefix}-name`, t('entName'), name),
    ...field(`${prefix}-region`, t('regionCode'), reg), ...field(`${prefix}-product`, t('productCode'), product)];
  return { uscc, name, reg, product, nodes };
}

/** Record a spot check, or a new version of one (its re-checks and announcement): kept on the
 * device and sent by the outbox, as an act is. */
async function postSpot(rec) {
  await queueSpot(rec);
  await render();
  sync();
}

/** Supervision spot checks: the results on record with the tasks Order 18 sets going (this
 * device's versions not yet on the server in their place, marked), and a form for a new result. */
function spotSection(region, rows) {
  const shown = withQueued(spotChecks, rows);
  const list = el('ul', { className: 'spot-list' }, ...shown.map((x) => {
    const r = x.record;
    const tasks = (x.tasks ?? []).map((k) => `${labelOf(SPOT_TASK_LABELS, k.kind, getLang())}${k.due ? ` ≤ ${k.due}` : ''}${k.done ? ' ✓' : ''}`).join('；');
    const steps = stepsText(r, (k) => labelOf(SPOT_TASK_LABELS, k, getLang()));
    const li = el('li', { data: { spot: r.id, ...(x.queued ? { queued: x.queued.state } : {}) } }, el('span', { textContent: `${r.date} · ${r.enterprise.name ?? r.enterprise.uscc} · ${tt(names.products.get(r.product)) || r.product} · ${t('batch')} ${r.batch} · ${t(r.result)}${steps ? ` · ${steps}` : ''}${tasks ? ` · ${tasks}` : ''}` }));
    if (x.queued) li.append(' ', queuedNote(x.queued, getLang(), render));
    // A refused version's next step would be refused with it: it is given up first.
    const step = x.queued?.state !== 'attention' && stepForm(r, localTime().slice(0, 10), (next) => postSpot(next));
    if (step) li.append(step);
    return li;
  }));
  const { uscc, name, reg, product, nodes } = enterpriseFields('sc', region);
  const batch = el('input', { id: 'sc-batch', required: true });
  const date = el('input', { id: 'sc-date', type: 'date', required: true, value: localTime().slice(0, 10) });
  const result = el('select', { id: 'sc-result' }, el('option', { value: 'unqualified', textContent: t('unqualified') }), el('option', { value: 'qualified', textContent: t('qualified') }));
  const failed = el('input', { id: 'sc-failed' });
  const form = el('form', { className: 'spot-form' },
    ...nodes, ...field('sc-batch', t('batch'), batch), ...field('sc-date', t('spotDate'), date),
    ...field('sc-result', t('result'), result), ...field('sc-failed', t('failedItems'), failed),
    el('div', { className: 'buttons' }, el('button', { type: 'submit', textContent: t('record') })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const rec = {
      id: crypto.randomUUID(),
      enterprise: { uscc: uscc.value.trim(), region: reg.value.trim(), ...(name.value.trim() ? { name: name.value.trim() } : {}) },
      product: product.value, batch: batch.value.trim(), date: date.value, result: result.value,
      failed_items: failed.value.split(/[,，、\s]+/).map((x) => x.trim()).filter(Boolean),
    };
    await postSpot(rec);
  });
  return folded('spot-box', `${t('spotChecks')} (${shown.length})`, list, form, later(() => import('./spot-import.js'), (m) => m.spotImportForm(auth.token, sync)));
}

/** A supervisor records a hidden danger by hand (found outside a checklist): a `created` event and
 * the policy's default order, made and kept on the device like every other act. */
function newEntryForm(region) {
  const { uscc, name, reg, product, nodes } = enterpriseFields('ne', region);
  const text = el('textarea', { id: 'ne-text', required: true });
  const sev = el('select', { id: 'ne-sev' }, el('option', { value: 'general', textContent: t('general') }), el('option', { value: 'major', textContent: t('major') }));
  const basis = el('input', { id: 'ne-basis', required: true });
  const viol = violationSelect(t, t('violation'));
  const form = el('form', { className: 'new-entry' },
    ...nodes, ...field('ne-text', t('danger'), text), ...field('ne-sev', t('severity'), sev),
    ...field('ne-viol', t('violation'), viol),
    ...field('ne-basis', t('basisLabel'), basis),
    el('div', { className: 'buttons' }, el('button', { type: 'submit', textContent: t('add') })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const entry = crypto.randomUUID();
    const danger = { text: { zh: text.value.trim(), en: text.value.trim() }, severity: sev.value, basis: basis.value.trim(), ...(viol.value ? { violation: viol.value } : {}) };
    const enterprise = { uscc: uscc.value.trim(), region: reg.value.trim(), ...(name.value.trim() ? { name: name.value.trim() } : {}) };
    // The measures the policy names for this severity and violation (stop, list, transfer...).
    let actions = [];
    try { actions = JSON.parse(ledger.measuresFor(JSON.stringify(policy ?? {}), sev.value, viol.value)); } catch { actions = []; }
    const p = proposed(sev.value);
    // Two-way tracing, when the policy requires it, is due by the policy's day (the core's).
    const traceBy = actions.includes('two_way_tracing') && p?.trace_by ? { trace_by: p.trace_by } : {};
    const made = await act(entry, { kind: 'created', enterprise, product: product.value, danger, ...(actions.length ? { actions } : {}), ...traceBy });
    if (made && p) await act(entry, { kind: 'rectification_ordered', deadline: p.deadline, recheck_by: p.recheck_by });
  });
  return form;
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
  const [, , divisions] = await Promise.all([init(), loadNames(), divisionsText()]);
  if (divisions) ledger.installDivisions(divisions);
  keyInspections = (await getMeta(key('key-inspections'))) ?? [];
  assists = (await getMeta(key('assists'))) ?? [];
  line = (await getMeta(key('line'))) ?? 'all';
  spotChecks = (await getMeta(key('spot-checks'))) ?? [];
  await render();
  await sync();
  addEventListener('online', sync);
}

main().catch((e) => { root.textContent = `paicha: ${e.message}`; document.documentElement.dataset.ready = 'error'; });
