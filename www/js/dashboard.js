// The campaign dashboard (issue 12) for supervisors: progress from the account's locality down
// with drill-down, the lagging list, the risk-ranked inspection list of a county, the records
// behind any figure, and the stage/annual schedule table (XLSX). Online, figures are counted by
// the server (summary tables) and rolled up by the core. At each sync the page also keeps the plan
// and the locality's facts (GET .../facts); offline it counts progress from them for today (or
// the day asked) with the same core in WASM (pkg/campaign/, campaign-wasm/), so a milestone that
// passed since the sync is flagged as missed, and the figures are the server's for the same facts
// (tests/browser/dashboard.test.mjs compares them). The ranking and the register list are the last
// answers kept. No text is inserted as HTML.
import initCampaign, { progress as countProgress } from '../../pkg/campaign/paicha_campaign.js';
import { getMeta, setMeta } from './db.js';
import { el, redraw } from './dom.js';
import { apiFetch, apiJson } from './http.js';
import { getLang, setLang } from './i18n.js';
import { registerSection } from './dashboard-register.js';
import { lookbackSection } from './dashboard-lookback.js';
import { importForm } from './file-import.js';
import { flagText } from './labels.js';

const T = {
  title: ['专项行动进度', 'Campaign progress'],
  lang: ['English', '中文'],
  signInFirst: ['请先在应用中登录（督导、检查员或管理员账号）。', 'Sign in in the app first (a supervisor, inspector or admin account).'],
  app: ['打开应用', 'Open the app'],
  asOf: ['截至', 'As of'],
  refresh: ['刷新', 'Refresh'],
  xlsxStage: ['阶段进度表 XLSX', 'Stage schedule XLSX'],
  xlsxAnnual: ['年度进度表 XLSX', 'Annual schedule XLSX'],
  report: ['阶段总结报告（可打印）', 'Stage summary report (printable)'],
  offline: ['离线：显示 {n} 同步的数据', 'Offline: showing data synced {n}'],
  counted: ['离线：按 {n} 同步的数据在本机计算', 'Offline: counted on this device from data synced {n}'],
  tree: ['各地进度', 'Progress by locality'],
  locality: ['地区', 'Locality'],
  registered: ['在册', 'Registered'],
  self: ['自查', 'Self-insp.'],
  onsite: ['现场', 'On site'],
  found: ['隐患', 'Dangers'],
  open: ['未清零', 'Open'],
  overdue: ['超期', 'Overdue'],
  closed: ['已销号', 'Closed out'],
  spot: ['抽查不合格', 'Spot failed'],
  total: ['合计', 'Total'],
  lagging: ['进度滞后', 'Behind schedule'],
  none: ['无', 'None'],
  ranking: ['风险排序（重点对象优先）', 'Risk ranking (key objects first)'],
  score: ['分值', 'Score'],
  enterprise: ['企业', 'Enterprise'],
  key: ['重点检查', 'Key inspection'],
  records: ['明细', 'Records'],
  up: ['上一级', 'Up'],
};
const t = (k, n) => (T[k]?.[getLang() === 'en' ? 1 : 0] ?? k).replace('{n}', String(n ?? ''));
// The county's register imported from the file it keeps (POST /api/v1/register/import).
const IMPORT = {
  label: ['导入企业名录（XLSX / CSV）', 'Import the enterprise register (XLSX / CSV)'],
  hint: ['按企业名录模板的列填写（统一社会信用代码、企业名称、行政区划代码、生产产品、销售产品……）。任何一行有错，整个文件都不导入；同一文件再次导入不会重复，改动的行保留历史版本。',
    'In the register template\'s columns (统一社会信用代码, 企业名称, 行政区划代码, 生产产品, 销售产品...). A file with any bad row imports nothing; the same file again changes nothing, a changed row keeps its history.'],
  imported: ['已导入 {rows} 行：新增 {new}，更新 {changed}，未变 {unchanged}', 'Imported {rows} rows: {new} new, {changed} updated, {unchanged} unchanged'],
};
const CAMPAIGN = '2023-guizhou';
const root = document.getElementById('dashboard');
let auth = null;
// `drawn`: the last look-back sample of the locality shown, kept across renders.
let drawn = {};
let state = { region: null, date: '', view: 'all', progress: null, ranking: null, register: null, trace: null, synced: null, offline: false, counted: false };

const key = (what) => `campaign:${what}:${auth.account.username}`;
const pct = (a, b) => (b ? Math.floor((a * 100) / b) : 100);
const q = (o) => Object.entries(o).filter(([, v]) => v).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');

async function load() {
  const params = q({ region: state.region, date: state.date });
  const cacheKey = key(`view:${state.region ?? ''}:${state.date}`);
  try {
    const progress = await apiJson(`/api/v1/campaigns/${CAMPAIGN}/progress?${params}`, { token: auth.token });
    if (state.region !== progress.root.code) drawn = {};
    state.region = progress.root.code;
    const county = progress.root.level === 'county';
    const ranking = county
      ? await apiJson(`/api/v1/campaigns/${CAMPAIGN}/ranking?${q({ region: state.region, date: state.date, limit: 50 })}`, { token: auth.token })
      : null;
    const register = county ? await fetchRegister(state.view) : null;
    const synced = new Date().toISOString();
    Object.assign(state, { progress, ranking, register, synced, offline: false, counted: false });
    await setMeta(cacheKey, { progress, ranking, register, synced });
    await setMeta(key('last'), { region: state.region, date: state.date });
    await keepFacts(synced);
  } catch (e) {
    const kept = await getMeta(cacheKey) ?? await getMeta(key(`view:${state.region ?? ''}:`));
    const counted = await countOffline();
    if (!kept && !counted) throw e;
    Object.assign(state, kept ?? { ranking: null, register: null }, counted ?? {}, { offline: true, counted: Boolean(counted) });
  }
}

// The plan and the facts under the locality shown, kept for counting offline. A failed fetch
// keeps the facts of the last sync (the view above is shown all the same).
async function keepFacts(synced) {
  try {
    const facts = await apiJson(`/api/v1/campaigns/${CAMPAIGN}/facts?${q({ region: state.region })}`, { token: auth.token });
    await setMeta(key(`facts:${state.region}`), { facts, synced });
  } catch { /* kept from the last sync */ }
}

// The locality's progress counted on the device from the facts kept for it or for a locality
// above it (a province's facts hold its counties'), or null when none are kept.
async function countOffline() {
  const code = state.region ?? auth.account.regions?.[0];
  if (!code) return null;
  for (const at of [...new Set([code, `${code.slice(0, 4)}00`, `${code.slice(0, 2)}0000`])]) {
    const kept = await getMeta(key(`facts:${at}`));
    if (!kept) continue;
    await initCampaign();
    const answer = JSON.parse(countProgress(JSON.stringify(kept.facts.plan), JSON.stringify(kept.facts), code, state.date || new Date().toISOString()));
    if (answer.error) return null;
    return { progress: answer, synced: kept.synced };
  }
  return null;
}

// A county's register in one view (the dashboard shows it below the ranking).
const fetchRegister = (view) => apiJson(`/api/v1/campaigns/${CAMPAIGN}/register?${q({ region: state.region, date: state.date, view, limit: 500 })}`, { token: auth.token });

async function showView(view) {
  try {
    state.register = await fetchRegister(view);
    state.view = view;
  } catch {
    return; // offline: the view kept from the last sync stays
  }
  render();
  // The buttons were re-made: keep the keyboard on the view just chosen.
  document.querySelector('#dashboard .views [aria-pressed="true"]')?.focus();
}

// Product names from the catalogue index the app keeps (or the staged one), for the lists.
let productNames = new Map();
async function loadProductNames() {
  let index = await getMeta('catalogueIndex');
  if (!index) index = await fetch('../pkg/catalogue/index.json').then((r) => (r.ok ? r.json() : null)).catch(() => null);
  productNames = new Map((index?.products ?? []).map((p) => [p.product, p.name]));
}
const productName = (id) => {
  const n = productNames.get(id);
  return (n && (getLang() === 'en' ? n.en : n.zh)) || id || '';
};

// "贵州省 520000": the GB/T 2260 name (from the server) beside the code.
const placeName = (n) => (n.name ? `${n.name} ${n.code}` : n.code);
// A code of the tree shown, by its name when the tree has it.
const nameOf = (code) => {
  const find = (n) => (n.code === code ? n : n.children?.map(find).find(Boolean));
  const n = state.progress && find(state.progress.root);
  return n ? placeName(n) : code;
};
// The figure a traced list is behind, in words (the table's column headers).
const FIGURE_KEY = { registered: 'registered', self_inspected: 'self', onsite_inspected: 'onsite', dangers: 'found', closed_out: 'closed', open: 'open', overdue: 'overdue', spot_unqualified: 'spot' };

async function trace(figure, region, product) {
  try {
    state.trace = { figure, region, ...(await apiJson(`/api/v1/campaigns/${CAMPAIGN}/trace?${q({ figure, region, product, date: state.date })}`, { token: auth.token })) };
  } catch {
    state.trace = { figure, region, items: [] };
  }
  render();
  document.getElementById('trace')?.scrollIntoView();
}

// The records behind a number of the summary's breakdown (by link, severity x status, measure).
async function traceBreakdown(by, key, figure) {
  const label = `${by}=${key} · ${figure}`;
  try {
    const r = await apiJson(`/api/v1/campaigns/${CAMPAIGN}/breakdown/trace?${q({ region: state.region, date: state.date, by, key, figure })}`, { token: auth.token });
    state.trace = { figure: label, region: state.region, items: r.items.map((i) => ({ ...i, detail: [i.link, i.severity, i.state, i.overdue ? 'overdue' : ''].filter(Boolean).join(' ') })) };
  } catch {
    state.trace = { figure: label, region: state.region, items: [] };
  }
  render();
  document.getElementById('trace')?.scrollIntoView();
}

async function download(kind) {
  const res = await apiFetch(`/api/v1/campaigns/${CAMPAIGN}/summary.xlsx?${q({ region: state.region, date: state.date, kind })}`, { token: auth.token });
  if (!res.ok) return;
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: `${CAMPAIGN}-${state.region}-${kind}.xlsx` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

const num = (value, figure, region, product, label) => {
  const b = el('button', { type: 'button', className: 'fig', textContent: String(value), aria: { label: `${label} ${value}: ${t('records')}` } });
  b.addEventListener('click', () => trace(figure, region, product));
  return b;
};

function row(n, label, isTotal) {
  const f = n.figures;
  const name = isTotal ? el('strong', { textContent: `${t('total')} ${label}` }) : el('button', { type: 'button', className: 'fig', textContent: label });
  if (!isTotal) name.addEventListener('click', async () => { state.region = n.code; state.trace = null; await refresh(); });
  const behind = n.flags.some((x) => x.code === 'behind');
  return el('tr', { className: behind ? 'behind' : '' },
    el('td', {}, name),
    el('td', {}, num(f.registered, 'registered', n.code, null, t('registered'))),
    el('td', {}, num(`${f.self_inspected} (${pct(f.self_inspected, f.registered)}%)`, 'self_inspected', n.code, null, t('self'))),
    el('td', {}, num(`${f.onsite_inspected} (${pct(f.onsite_inspected, f.registered)}%)`, 'onsite_inspected', n.code, null, t('onsite'))),
    el('td', {}, num(f.general + f.major, 'dangers', n.code, null, t('found'))),
    el('td', {}, num(f.closed_out, 'closed_out', n.code, null, t('closed'))),
    el('td', {}, num(f.open, 'open', n.code, null, t('open'))),
    el('td', {}, num(f.overdue, 'overdue', n.code, null, t('overdue'))),
    el('td', {}, num(f.spot_unqualified, 'spot_unqualified', n.code, null, t('spot'))));
}

function render() {
  document.documentElement.lang = getLang() === 'en' ? 'en' : 'zh-CN';
  const p = state.progress;
  const langBtn = el('button', { type: 'button', className: 'secondary', textContent: t('lang') });
  // Shown at once, remembered after (a slow IndexedDB write must not delay the switch).
  langBtn.addEventListener('click', async () => { setLang(getLang() === 'en' ? 'zh' : 'en'); render(); await setMeta('lang', getLang()); });
  const date = el('input', { type: 'date', id: 'asof', value: state.date || p.today });
  date.addEventListener('change', async () => { state.date = date.value; await refresh(); });
  const refreshBtn = el('button', { type: 'button', textContent: t('refresh') });
  refreshBtn.addEventListener('click', refresh);
  const xs = el('button', { type: 'button', className: 'secondary', textContent: t('xlsxStage') });
  xs.addEventListener('click', () => download('stage'));
  const xa = el('button', { type: 'button', className: 'secondary', textContent: t('xlsxAnnual') });
  xa.addEventListener('click', () => download('annual'));
  const up = p.root.level !== 'province' && p.root.code !== (auth.account.regions?.[0] ?? '') ? (() => {
    const b = el('button', { type: 'button', className: 'secondary', textContent: t('up') });
    const parent = p.root.level === 'county' ? `${p.root.code.slice(0, 4)}00` : `${p.root.code.slice(0, 2)}0000`;
    b.addEventListener('click', async () => { state.region = parent; state.trace = null; await refresh(); });
    return b;
  })() : null;
  const head = el('tr', {}, ...['locality', 'registered', 'self', 'onsite', 'found', 'closed', 'open', 'overdue', 'spot'].map((k) => el('th', { scope: 'col', textContent: t(k) })));
  const rows = [row(p.root, placeName(p.root), true), ...p.root.children.map((c) => row(c, placeName(c), false))];
  const lagging = p.lagging.length
    ? el('ul', { className: 'flags' }, ...p.lagging.map((l) => el('li', {}, el('strong', { textContent: `${placeName(l)} ` }), l.flags.map((f) => flagText(f, getLang())).join('；'))))
    : el('p', { textContent: t('none') });
  const ranking = state.ranking && el('section', { aria: { labelledby: 'h-rank' } },
    el('h2', { id: 'h-rank', textContent: t('ranking') }),
    el('div', { className: 'wrap', tabIndex: 0, attrs: { role: 'region' }, aria: { label: t('ranking') } }, el('table', {},
      el('thead', {}, el('tr', {}, ...['enterprise', 'score', 'key'].map((k) => el('th', { scope: 'col', textContent: t(k) })))),
      el('tbody', {}, ...state.ranking.items.map((r) => el('tr', {},
        el('td', {}, el('div', { textContent: `${r.name} ${r.uscc}` }), el('div', { className: 'factors', textContent: r.factors.map((f) => `${getLang() === 'en' ? f.label.en : f.label.zh} ${f.count}×${f.weight}=${f.points}`).join('，') })),
        el('td', { textContent: String(r.score) }),
        el('td', { textContent: r.key_inspection ? '●' : '' })))))));
  const tr = state.trace && el('section', { id: 'trace', aria: { labelledby: 'h-trace' } },
    el('h2', { id: 'h-trace', textContent: `${t('records')}: ${FIGURE_KEY[state.trace.figure] ? t(FIGURE_KEY[state.trace.figure]) : state.trace.figure} · ${nameOf(state.trace.region)} (${state.trace.items.length})` }),
    el('ul', {}, ...state.trace.items.slice(0, 200).map((i) => el('li', { textContent: [nameOf(i.region), `${i.name || ''} ${i.uscc}`.trim(), i.product && productName(i.product), i.detail].filter(Boolean).join(' · ') }))));
  redraw(root, el('main', {},
    el('header', { className: 'bar' },
      el('h1', { textContent: `${t('title')} · ${placeName(p.root)}` }), langBtn),
    state.offline && el('p', { className: 'stale', role: 'status', textContent: t(state.counted ? 'counted' : 'offline', new Date(state.synced).toLocaleString()) }),
    el('div', { className: 'bar' }, el('label', { htmlFor: 'asof', textContent: t('asOf') }), date, refreshBtn, up, xs, xa,
      el('a', { className: 'button secondary', href: `summary.html?${q({ region: state.region, date: state.date || p.today, kind: 'stage' })}`, textContent: t('report') })),
    p.root.flags.length > 0 && el('ul', { className: 'flags' }, ...p.root.flags.map((f) => el('li', { className: f.code, textContent: flagText(f, getLang()) }))),
    el('section', { aria: { labelledby: 'h-tree' } },
      el('h2', { id: 'h-tree', textContent: t('tree') }),
      el('div', { className: 'wrap', tabIndex: 0, attrs: { role: 'region' }, aria: { label: t('tree') } }, el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)))),
    el('section', { aria: { labelledby: 'h-lag' } }, el('h2', { id: 'h-lag', textContent: t('lagging') }), lagging),
    ranking,
    state.register && registerSection(state.register, state.view, showView, getLang()),
    state.register && !state.offline && auth.account.role !== 'enterprise' && importForm({
      kind: 'register', id: 'ri-file', url: '/api/v1/register/import', token: auth.token, texts: IMPORT, done: refresh,
    }),
    ['supervisor', 'admin'].includes(auth.account.role) && !state.offline && lookbackSection({
      campaign: CAMPAIGN, region: p.root.code, date: state.date || p.today, token: auth.token,
      author: auth.account.username, lang: getLang(),
    }, drawn, render),
    tr));
}

async function refresh() {
  try { await load(); } catch (e) { root.replaceChildren(el('main', {}, el('p', { role: 'alert', textContent: String(e.message ?? e) }))); return; }
  render();
}

async function main() {
  setLang(new URLSearchParams(location.search).get('lang') ?? (await getMeta('lang', 'zh')));
  auth = await getMeta('auth');
  await loadProductNames();
  if (!auth?.token) {
    root.replaceChildren(el('main', {}, el('p', { textContent: t('signInFirst') }), el('a', { className: 'button', href: './', textContent: t('app') })));
    return;
  }
  const params = new URLSearchParams(location.search);
  const last = (await getMeta(key('last'))) ?? {};
  state.region = params.get('region') ?? last.region ?? null;
  state.date = params.get('date') ?? last.date ?? '';
  await refresh();
  // A link from the printed summary: the records behind one of its numbers.
  if (params.get('trace')) await trace(params.get('trace'), state.region, params.get('product'));
  else if (params.get('bd')) await traceBreakdown(...params.get('bd').split(':'));
}

main();
