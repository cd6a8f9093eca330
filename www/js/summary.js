// The printable stage/annual summary of a locality (issue 12): the statistics from
// GET /api/v1/campaigns/{id}/summary, a table per subordinate locality and per product, and two
// SVG charts (coverage per locality; open dangers over time against the 清零 milestone). Every
// number links to the dashboard's list of the records behind it. Built with DOM calls only.
import { getMeta } from './db.js';
import { el } from './dom.js';
import { apiJson } from './http.js';
import { ACTION_LABELS, flagText, labelOf } from './labels.js';

const placeName = (name, code) => (name ? `${name} ${code}` : code);

const NS = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}, ...kids) => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const k of kids) if (k) e.append(k);
  return e;
};
const pct = (a, b) => (b ? Math.floor((a * 100) / b) : 100);
const root = document.getElementById('summary');

function link(value, figure, region, product, date) {
  const q = new URLSearchParams({ region, date, trace: figure, ...(product ? { product } : {}) });
  return el('a', { href: `dashboard.html?${q}`, textContent: String(value) });
}

const COLS = [['registered', '在册', 'registered'], ['self_inspected', '已自查', 'self_inspected'], ['onsite_inspected', '已现场检查', 'onsite_inspected'],
  ['found', '发现隐患', 'dangers'], ['closed_out', '已销号', 'closed_out'], ['open', '未清零', 'open'], ['overdue', '超期', 'overdue'],
  ['violations', '违法行为', 'violations'], ['spot_unqualified', '抽查不合格', 'spot_unqualified']];

function table(rows, first, date) {
  return el('table', {},
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', textContent: first }), ...COLS.map(([, h]) => el('th', { scope: 'col', textContent: h })))),
    el('tbody', {}, ...rows.map(({ label, region, product, f }) => el('tr', {}, el('td', { textContent: label }),
      ...COLS.map(([k, , figure]) => el('td', {}, link(k === 'found' ? f.general + f.major : f[k], figure, region, product, date)))))));
}

// The breakdown's numbers link to the dashboard's list of the records behind each one
// (GET .../breakdown/trace?by=&key=&figure=).
function bdLink(value, by, key, figure, region, date) {
  const q = new URLSearchParams({ region, date, bd: `${by}:${key}:${figure}` });
  return el('a', { href: `dashboard.html?${q}`, textContent: String(value) });
}

const LINKS = { production: '生产环节', sales: '销售环节' };
const SEVERITIES = { general: '一般隐患', major: '重大隐患' };

function bdTable(first, cols, rows) {
  return el('table', {},
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', textContent: first }), ...cols.map(([, h]) => el('th', { scope: 'col', textContent: h })))),
    el('tbody', {}, ...rows.map(([label, cells]) => el('tr', {}, el('td', { textContent: label }), ...cells.map((c) => el('td', {}, c))))));
}

function breakdown(b, region, date) {
  const link = [['registered', '在册企业'], ['self_inspected', '已自查'], ['onsite_inspected', '已现场检查'], ['dangers', '发现隐患'], ['open', '未清零']];
  const sev = [['total', '合计'], ['open', '未整改'], ['rectified', '已整改待复查'], ['closed_out', '已销号'], ['closed', '其他方式关闭'], ['overdue', '超期']];
  const meas = [['required', '应落实'], ['done', '已落实'], ['declined', '决定不采取'], ['not_done', '未落实']];
  return [
    el('section', {}, el('h2', { textContent: '分环节' }), bdTable('环节', link, b.by_link.map((x) => [LINKS[x.link] ?? '未注明环节', link.map(([k]) => bdLink(x[k], 'link', x.link ?? 'none', k, region, date))]))),
    el('section', {}, el('h2', { textContent: '隐患等级与状态' }), bdTable('等级', sev, b.by_severity.map((x) => [SEVERITIES[x.severity], sev.map(([k]) => bdLink(x[k], 'severity', x.severity, k, region, date))]))),
    el('section', {}, el('h2', { textContent: '处置措施落实' }), b.by_measure.length
      ? bdTable('措施', meas, b.by_measure.map((x) => [labelOf(ACTION_LABELS, x.action, 'zh'), meas.map(([k]) => bdLink(x[k], 'measure', x.action, k, region, date))]))
      : el('p', { textContent: '无' })),
  ];
}

function coverageChart(localities) {
  const w = 600, bar = 18, h = 30 + localities.length * (bar * 2 + 8);
  const x = (p) => 120 + (p * (w - 140)) / 100;
  const g = svg('svg', { viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-label': '各地自查和现场检查覆盖率' });
  localities.forEach((l, i) => {
    const y = 20 + i * (bar * 2 + 8);
    const s = pct(l.figures.self_inspected, l.figures.registered), o = pct(l.figures.onsite_inspected, l.figures.registered);
    g.append(svg('text', { x: 0, y: y + bar, 'font-size': 12 }, document.createTextNode(l.name ?? l.code)),
      svg('rect', { x: 120, y, width: x(s) - 120, height: bar - 2, fill: '#1d4f91' }),
      svg('text', { x: x(s) + 4, y: y + bar - 5, 'font-size': 12 }, document.createTextNode(`自查 ${s}%`)),
      svg('rect', { x: 120, y: y + bar, width: x(o) - 120, height: bar - 2, fill: '#6a9bd8' }),
      svg('text', { x: x(o) + 4, y: y + 2 * bar - 5, 'font-size': 12 }, document.createTextNode(`现场 ${o}%`)));
  });
  g.append(svg('line', { x1: x(100), y1: 10, x2: x(100), y2: h, stroke: '#8a1c1c', 'stroke-dasharray': '4 3' }));
  return g;
}

function openChart(series, clearanceDue) {
  const w = 600, h = 220, max = Math.max(1, ...series.map((s) => s.open));
  const x = (i) => 40 + (i * (w - 60)) / Math.max(1, series.length - 1);
  const y = (v) => h - 30 - (v * (h - 60)) / max;
  const g = svg('svg', { viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-label': `未清零隐患随时间变化，应于 ${clearanceDue ?? ''} 前清零` });
  g.append(svg('line', { x1: 40, y1: y(0), x2: w - 20, y2: y(0), stroke: '#999' }),
    svg('polyline', { points: series.map((s, i) => `${x(i)},${y(s.open)}`).join(' '), fill: 'none', stroke: '#8a1c1c', 'stroke-width': 2 }),
    svg('text', { x: 40, y: 16, 'font-size': 12 }, document.createTextNode(`最多 ${max}；清零节点 ${clearanceDue ?? '-'}（目标 0）`)));
  series.forEach((s, i) => g.append(svg('text', { x: x(i) - 14, y: h - 10, 'font-size': 9 }, document.createTextNode(s.date.slice(5)))));
  return g;
}

async function main() {
  const auth = await getMeta('auth');
  if (!auth?.token) { root.replaceChildren(el('p', { textContent: '请先在应用中登录。Sign in in the app first.' })); return; }
  const p = new URLSearchParams(location.search);
  const q = new URLSearchParams(Object.fromEntries(['region', 'date', 'kind'].filter((k) => p.get(k)).map((k) => [k, p.get(k)])));
  let s;
  try { s = await apiJson(`/api/v1/campaigns/2023-guizhou/summary?${q}`, { token: auth.token }); } catch (e) { root.replaceChildren(el('p', { role: 'alert', textContent: String(e.message ?? e) })); return; }
  const kind = s.kind === 'annual' ? '年度工作总结' : '阶段性工作总结';
  const print = el('button', { type: 'button', className: 'noprint', textContent: '打印 Print' });
  print.addEventListener('click', () => window.print());
  root.replaceChildren(
    el('h1', { textContent: `${s.campaign.name.zh} · ${kind}` }),
    el('p', { textContent: `地区 ${placeName(s.name, s.region)} · 截至 ${s.today} · 报送期限 ${s.due ?? '-'} · 生成于 ${new Date(s.made_at).toLocaleString('zh-CN', { dateStyle: 'long', timeStyle: 'short' })}` }), print,
    s.flags.length > 0 && el('ul', {}, ...s.flags.map((f) => el('li', { className: `flag ${f.code}`, textContent: flagText(f, 'zh') }))),
    el('section', {}, el('h2', { textContent: '总体及各地进度' }),
      table([{ label: `合计 ${placeName(s.name, s.region)}`, region: s.region, f: s.figures }, ...s.localities.map((l) => ({ label: placeName(l.name, l.code), region: l.code, f: l.figures }))], '地区', s.today)),
    el('section', {}, el('h2', { textContent: '各地覆盖率' }), coverageChart(s.localities.length ? s.localities : [{ code: s.region, name: s.name, figures: s.figures }])),
    el('section', {}, el('h2', { textContent: '隐患动态清零' }), openChart(s.open_over_time, s.clearance_due)),
    el('section', {}, el('h2', { textContent: '分产品' }),
      table(s.products.map((x) => ({ label: x.name, region: s.region, product: x.product, f: x.figures })), '产品', s.today)),
    ...(s.breakdown ? breakdown(s.breakdown, s.region, s.today) : []));
}

main();
