// A key on-site inspection started from the ledger's list (issue 13 item 6): the ledger page
// opens the app with `?key=1&uscc=…&name=…&region=…&product=…&focus=item,item` (the enterprise
// with two or more failed spot checks, the product and the items that failed). The start form is
// filled with them; the on-site draft it makes is marked a key inspection (the catalogue's
// `onsite.key_inspection` answered yes, which asks for the assistance measures) and keeps the
// items to focus on, which the checklist shows first and marks. Nothing here reaches the server
// but the answers: the focus is the device's view of the draft.
import { el } from './dom.js';
import { tt } from './i18n.js';

const PENDING = 'key-start';

/** Read the ledger's hand-over from the URL once: fill the start form's remembered fields. */
export async function fromUrl(search, { getMeta, setMeta }) {
  const q = new URLSearchParams(search);
  if (!q.has('key') || !q.get('uscc') || !q.get('product')) return null;
  const ks = {
    uscc: q.get('uscc').trim().toUpperCase(), product: q.get('product'),
    focus: (q.get('focus') ?? '').split(',').map((x) => x.trim()).filter(Boolean).slice(0, 100),
  };
  const old = (await getMeta('enterprise')) ?? {};
  await setMeta('enterprise', { uscc: ks.uscc, name: q.get('name') ?? (old.uscc === ks.uscc ? old.name : ''), region: q.get('region') ?? '' });
  await setMeta('role', 'inspector');
  await setMeta('product', ks.product);
  await setMeta(PENDING, ks);
  // Once read, the address no longer says "start a key inspection" (a reload does not redo it).
  if (globalThis.history?.replaceState) history.replaceState(null, '', location.pathname);
  return ks;
}

/** Mark a new on-site draft of the pending key inspection's enterprise and product. */
export async function apply(draft, { getMeta, setMeta }) {
  const ks = await getMeta(PENDING);
  if (!ks || draft.form !== 'onsite_inspection' || draft.enterprise?.uscc !== ks.uscc || draft.product !== ks.product) return draft;
  draft.focus = ks.focus;
  draft.answers = { ...(draft.answers ?? {}), 'onsite.key_inspection': 'yes' };
  await setMeta(PENDING, null);
  return draft;
}

/**
 * The focus card of a key-inspection draft: the items that failed before, each a button that
 * brings it into view; those items are marked in the list and their sections moved first.
 */
export function focusCard(draft, tpl, list) {
  const focus = (draft.focus ?? []).filter((k) => tpl.items.some((i) => i.key === k));
  if (!focus.length) return null;
  const label = (k) => tt(tpl.items.find((i) => i.key === k)?.label) || k;
  const first = [];
  for (const k of focus) {
    const box = list.querySelector(`.item[data-key="${CSS.escape(k)}"]`);
    if (!box) continue;
    box.classList.add('focus');
    const section = box.closest('.section');
    if (section && !first.includes(section)) first.push(section);
  }
  // The sections holding the targeted items come first, in the order of the list.
  list.prepend(...first);
  const buttons = focus.map((k) => {
    const b = el('button', { type: 'button', className: 'secondary', textContent: label(k) });
    b.addEventListener('click', () => {
      const box = list.querySelector(`.item[data-key="${CSS.escape(k)}"]`);
      box?.scrollIntoView({ block: 'center' });
      box?.querySelector('input, select, button')?.focus();
    });
    return el('li', {}, b);
  });
  return el('section', { className: 'card key-focus', aria: { label: '重点检查项目' } },
    el('h3', { textContent: '重点检查：此前监督抽查不合格的项目' }),
    el('ul', { className: 'key-items' }, ...buttons));
}
