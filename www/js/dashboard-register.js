// The register of a locality on the dashboard (名录台账, GET /api/v1/campaigns/{id}/register): its
// enterprises with products and links, self-inspected and inspected on site or not, licences with
// their state at the day shown, open dangers; four views (all, licences expiring, not yet
// self-inspected, not yet inspected on site), each a button with its count. DOM calls only.
import { el } from './dom.js';
import { CERTIFICATE_LABELS, KEY_FLAG_LABELS, labelOf } from './labels.js';

const T = {
  register: ['企业名录', 'Register'],
  all: ['全部', 'All'],
  expiring: ['证照过期或即将到期', 'Licences expired or expiring'],
  no_self: ['尚未自查', 'Not yet self-inspected'],
  no_onsite: ['尚未现场检查', 'Not yet inspected on site'],
  enterprise: ['企业', 'Enterprise'],
  products: ['产品（环节）', 'Products (links)'],
  self: ['自查', 'Self-insp.'],
  onsite: ['现场', 'On site'],
  licences: ['证照', 'Licences'],
  open: ['未销号隐患', 'Open dangers'],
  yes: ['已完成', 'done'],
  no: ['未完成', 'not done'],
  production: ['生产', 'production'],
  sales: ['销售', 'sales'],
  valid: ['有效', 'valid'],
  expiring_state: ['即将到期', 'expiring'],
  expired: ['已过期', 'expired'],
  unknown: ['有效期未登记', 'no end date'],
  until: ['至', 'until'],
  shown: ['显示前 {n} 家', 'Showing the first {n}'],
  none: ['无', 'None'],
};
export const VIEWS = ['all', 'expiring', 'no_self', 'no_onsite'];

/**
 * The section. data: the endpoint's answer; view: the view shown; onView(view): switch to another;
 * lang: 'zh' or 'en'.
 */
export function registerSection(data, view, onView, lang) {
  const t = (k, n) => (T[k]?.[lang === 'en' ? 1 : 0] ?? k).replace('{n}', String(n ?? ''));
  const tabs = el('div', { className: 'views', attrs: { role: 'group' }, aria: { label: t('register') } },
    ...VIEWS.map((v) => {
      const b = el('button', { type: 'button', className: v === view ? 'primary' : 'secondary', textContent: `${t(v)} ${data.counts?.[v] ?? 0}`, aria: { pressed: String(v === view) } });
      b.addEventListener('click', () => onView(v));
      return b;
    }));
  const mark = (done) => el('span', { className: done ? 'done' : 'not-done', textContent: done ? '✓' : '✗', aria: { label: t(done ? 'yes' : 'no') }, attrs: { role: 'img' } });
  const licence = (l) => el('div', { className: `lic ${l.state}` },
    `${labelOf(CERTIFICATE_LABELS, l.kind, lang)} ${l.number}${l.valid_until ? ` ${t('until')} ${l.valid_until}` : ''} · ${t(l.state === 'expiring' ? 'expiring_state' : l.state)}`);
  const rows = data.items.map((r) => el('tr', {},
    el('td', {}, el('div', { textContent: r.name }), el('div', { className: 'factors', textContent: `${r.uscc} · ${r.region}` }),
      r.key_flags?.length > 0 && el('div', { className: 'factors', textContent: r.key_flags.map((f) => labelOf(KEY_FLAG_LABELS, f, lang)).join('、') })),
    el('td', {}, ...r.products.map((p) => el('div', { textContent: `${lang === 'en' ? p.product : (p.name ?? p.product)}（${p.links.map((l) => t(l)).join('、')}）` }))),
    el('td', {}, mark(r.self_inspected)),
    el('td', {}, mark(r.onsite_inspected)),
    el('td', {}, ...(r.licences.length ? r.licences.map(licence) : [t('none')])),
    el('td', { textContent: String(r.open_entries) })));
  return el('section', { aria: { labelledby: 'h-register' } },
    el('h2', { id: 'h-register', textContent: `${t('register')} · ${data.name ?? data.region}` }),
    tabs,
    el('div', { className: 'wrap', tabIndex: 0, attrs: { role: 'region' }, aria: { label: t('register') } }, el('table', { className: 'register' },
      el('thead', {}, el('tr', {}, ...['enterprise', 'products', 'self', 'onsite', 'licences', 'open'].map((k) => el('th', { scope: 'col', textContent: t(k) })))),
      el('tbody', {}, ...rows))),
    data.total > data.items.length && el('p', { textContent: t('shown', data.items.length) }));
}
