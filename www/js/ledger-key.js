// The ledger page's key-inspection list (issue 13 item 6): each enterprise with two or more failed
// spot checks in two years, the items that failed, where its follow-up stands (the server's
// `follow_up`, by the core's rule: the newest on-site inspection since the newest failure decides,
// passing when complete with no targeted item and no major finding), and a link that starts the
// on-site checklist in the app aimed at those items.
import { el } from './dom.js';
import { tt } from './i18n.js';

const STATE = {
  due: ['待检查', 'due'],
  failed: ['复查未通过，仍需检查', 'failed, still due'],
  passed: ['已通过，完成', 'passed, done'],
};

/** The app's address that starts the key inspection of `k` for `product`. */
export function startLink(k, product) {
  const q = new URLSearchParams({ key: '1', uscc: k.enterprise.uscc, name: k.enterprise.name ?? '', region: k.enterprise.region, product, focus: k.items.join(',') });
  return `index.html?${q}`;
}

export function keySection(list, { names, t, lang }) {
  const name = (m, k) => tt(m.get(k)) || k;
  const items = list.map((k) => {
    const f = k.follow_up ?? { state: 'due' };
    const state = STATE[f.state] ?? STATE.due;
    const li = el('li', { data: { uscc: k.enterprise.uscc, state: f.state } },
      el('span', { textContent: `${k.enterprise.name ?? k.enterprise.uscc} (${k.enterprise.uscc}) · ${k.products.map((p) => name(names.products, p)).join('、')} · ${t('keyItems')}: ${k.items.map((i) => name(names.items, i)).join('、')} · ${t('until')} ${k.until}` }),
      el('strong', { className: `key-state ${f.state}`, textContent: ` · ${lang === 'en' ? state[1] : state[0]}${f.date ? ` (${f.date})` : ''}` }));
    if (f.state === 'failed' && (f.failed_items?.length || f.incomplete)) {
      li.append(el('p', { className: 'muted', textContent: f.incomplete ? '检查记录未填写完整' : `仍不合格：${f.failed_items.map((i) => name(names.items, i)).join('、')}` }));
    }
    if (f.state !== 'passed') {
      for (const p of k.products) {
        li.append(' ', el('a', { className: 'button secondary start-key', href: startLink(k, p), textContent: `开始重点现场检查（${name(names.products, p)}）` }));
      }
    }
    return li;
  });
  return el('section', { className: 'card key-inspections' }, el('h2', { textContent: t('keyInspections') }), el('ul', {}, ...items));
}
