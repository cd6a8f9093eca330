// Core demo: renders a checklist from the catalogue and checks it live with the WASM core
// (FormSession: one changed answer at a time). No user or template text is ever inserted as HTML.
import init, { loadCatalogue, products, FormSession } from '../pkg/paicha.js';
import { el } from './js/dom.js';
import { mergeTemplate } from './js/merge.js';
import { ACTION_LABELS, labelOf } from './js/labels.js';

const $ = (id) => document.getElementById(id);
const zhEn = (t) => (t ? `${t.zh} · ${t.en}` : '');

let bundle;
let session;
let templateItems = new Map();

/** The template as the page shows it: shared fragments merged in as the core merges them. */
const merged = (product) => mergeTemplate(bundle.files, product);

const applies = (scope, v) => !scope || scope.length === 0 || scope.includes(v);

function input(item, onChange) {
  const name = item.key;
  switch (item.type) {
    case 'yes_no':
      return el('span', {},
        ...[['yes', '是 yes'], ['no', '否 no'], ['na', '不适用 n/a']].map(([v, text]) => {
          const r = el('input', { type: 'radio', name, value: v });
          r.addEventListener('change', () => onChange(v));
          return el('label', { style: 'display:inline;margin-right:12px' }, r, ` ${text}`);
        }));
    case 'number':
    case 'integer': {
      const i = el('input', { type: 'number', name, step: item.type === 'integer' ? '1' : 'any' });
      i.addEventListener('input', () => onChange(i.value === '' ? null : Number(i.value)));
      return el('span', {}, i, el('span', { className: 'unit', textContent: item.unit ?? '' }));
    }
    case 'text': {
      const i = el('input', { type: 'text', name });
      i.addEventListener('input', () => onChange(i.value === '' ? null : i.value));
      return i;
    }
    case 'date': {
      const i = el('input', { type: 'date', name });
      i.addEventListener('input', () => onChange(i.value === '' ? null : i.value));
      return i;
    }
    case 'single_choice': {
      const s = el('select', { name }, el('option', { value: '', textContent: '—' }),
        ...item.choices.map((c) => el('option', { value: c.value, textContent: zhEn(c.label) })));
      s.addEventListener('change', () => onChange(s.value === '' ? null : s.value));
      return s;
    }
    case 'multiple_choice': {
      const boxes = item.choices.map((c) => [c.value, el('input', { type: 'checkbox', value: c.value })]);
      const changed = () => onChange(boxes.filter(([, b]) => b.checked).map(([v]) => v));
      return el('span', {}, ...boxes.map(([, b], i) => {
        b.addEventListener('change', changed);
        return el('label', { style: 'display:inline;margin-right:12px' }, b, ` ${zhEn(item.choices[i].label)}`);
      }));
    }
    default:
      return el('span', { className: 'unsupported', textContent: `(${item.type}: 照片、签名、位置、重复组见离线应用 · in the offline app)` });
  }
}

function showItem(state) {
  const box = templateItems.get(state.key);
  if (!box) return;
  box.hidden = !state.relevant;
  const errors = box.querySelector('.errors');
  const findings = box.querySelector('.findings');
  errors.replaceChildren(...state.errors.map((e) => el('li', { textContent: `${e.message.zh} · ${e.message.en} [${e.code}]` })));
  findings.replaceChildren(...state.findings.map((f) => el('li', { className: f.severity },
    `${f.severity === 'major' ? '重大隐患 major' : '一般隐患 general'}: ${zhEn(f.message)} — ${f.basis}`,
    f.violation ? ` (${f.violation})` : '')));
}

const kindText = (kind) => `${labelOf(ACTION_LABELS, kind, 'zh')} ${labelOf(ACTION_LABELS, kind, 'en')}`;

function showSummary(d, actions) {
  const s = $('summary');
  s.className = `level-${d.level}`;
  const level = { none: '未发现隐患 no hidden danger', general: '一般隐患 general', major: '重大隐患 major' }[d.level];
  s.replaceChildren(
    el('strong', { textContent: `${level}` }),
    ` · ${d.findingCount} 项隐患 findings · ${d.errorCount} 处待改正 entry errors · ${d.valid ? '可以提交 ready to submit' : '尚不能提交 not ready'}`,
    el('ul', { className: 'actions' }, ...actions.map((a) => el('li', {
      textContent: `${kindText(a.kind)}${a.due ? ` — ${a.due} 前 by ${a.due}` : ''}${a.item ? ` (${a.item})` : ''}`,
    }))),
  );
}

function open() {
  const product = $('product').value;
  const form = $('form').value;
  const link = $('link').value;
  const t = merged(product);
  session?.free();
  const submission = {
    id: crypto.randomUUID(), product, form, link,
    enterprise: { uscc: '91520102MA6DK4L2XN', name: '贵阳示例车行', region: '520102' },
    inspected_at: `${$('at').value}:00+08:00`,
    answers: {},
  };
  session = new FormSession(submission);
  templateItems = new Map();
  const sets = t.sections.map((sec) => {
    const fs = el('fieldset', {}, el('legend', { textContent: zhEn(sec.label) }));
    for (const item of t.items.filter((i) => i.section === sec.id)) {
      if (!applies(t.forms, form) || !applies(item.forms, form) || !applies(item.links, link)) continue;
      const box = el('div', { className: 'item' },
        el('div', {}, el('label', { textContent: zhEn(item.label) }), ' ', el('span', { className: 'key', textContent: item.key })),
        input(item, (v) => {
          const d = session.set(item.key, v);
          d.items.forEach(showItem);
          showSummary(d, d.actionsChanged || !lastActions ? (lastActions = session.actions()) : lastActions);
        }),
        el('ul', { className: 'errors' }), el('ul', { className: 'findings' }));
      templateItems.set(item.key, box);
      fs.append(box);
    }
    return fs;
  }).filter((fs) => fs.children.length > 1);
  $('checklist').replaceChildren(...sets);
  session.items().forEach(showItem);
  const r = session.report();
  lastActions = r.actions;
  showSummary({ ...r, errorCount: r.errors.length, findingCount: r.findings.length }, r.actions);
}
let lastActions;

/** ?sample=1 fills a few answers through the same handlers a person uses (for screenshots). */
function sample() {
  const fill = (key, value) => {
    const box = templateItems.get(key);
    const i = box?.querySelector(`input[value="${value}"], input[type=number], input[type=text], select`);
    if (!i) return;
    if (i.type === 'radio') i.checked = true; else i.value = value;
    i.dispatchEvent(new Event(i.tagName === 'SELECT' || i.type === 'radio' ? 'change' : 'input'));
  };
  fill('ccc.certificate_valid', 'yes');
  fill('ebike.battery_chemistry', 'lead_acid');
  fill('ebike.max_speed_kmh', '32');
  fill('ebike.mass_kg', '53');
  fill('ebike.battery_voltage_v', '480');
  fill('ebike.modification_found', 'yes');
}

await init();
bundle = await (await fetch('../pkg/catalogue.json')).json();
const loaded = loadCatalogue(JSON.stringify(bundle));
if (!loaded.ok) console.error('catalogue problems', loaded.problems);
$('product').replaceChildren(...products().map((p) => el('option', { value: p.product, textContent: zhEn(p.name) })));
for (const id of ['product', 'form', 'link', 'at']) $(id).addEventListener('change', open);
open();
if (new URLSearchParams(location.search).has('sample')) sample();
