// The enterprise register on the device (issue 12): the entries of the account's regions, pulled
// from GET /api/v1/register?after= (resumed from a cursor, like the ledger's events) into the
// `register` store, so the start form can pick an enterprise offline. Loaded after the first
// render (not part of the first load).
import { tx, getMeta, setMeta } from './db.js';
import { t } from './i18n.js';
import { el } from './dom.js';
import { apiFetch } from './http.js';

const CURSOR = 'register-cursor';

/** Bring the device's register up to date; resolves with the number of versions received. */
export async function syncRegister(endpoint, token) {
  if (!token) return 0;
  const owner = (await getMeta('auth'))?.account?.username ?? '';
  // Another account signed in on this device: its register is not this one's.
  if ((await getMeta('register-owner')) !== owner) {
    await tx(['register', 'meta'], 'readwrite', (s) => { s.register.clear(); s.meta.put({ key: CURSOR, value: null }); s.meta.put({ key: 'register-owner', value: owner }); });
  }
  let cursor = await getMeta(CURSOR);
  let got = 0;
  for (let page = 0; page < 200; page++) {
    const res = await apiFetch(`/api/v1/register?limit=1000${cursor ? `&after=${cursor}` : ''}`, { endpoint, token });
    if (!res.ok) return got;
    const body = await res.json();
    // The page and the cursor after it are written together: a page is never half applied.
    await tx(['register', 'meta'], 'readwrite', (s) => {
      for (const it of body.items) {
        if (it.in_scope) s.register.put({ id: it.entry.uscc, seq: it.seq, entry: it.entry });
        else s.register.delete(it.entry.uscc);
      }
      s.meta.put({ key: CURSOR, value: body.cursor });
    });
    got += body.items.length;
    cursor = body.cursor;
    if (!body.next) break;
  }
  return got;
}

/** Entries whose name contains `q` or whose USCC starts with it (case-insensitive), best first. */
export async function searchRegister(q, limit = 8) {
  const needle = q.trim().toUpperCase();
  if (!needle) return [];
  const rows = await tx(['register'], 'readonly', (s) => s.register.getAll());
  const hits = [];
  for (const r of rows) {
    const e = r.entry;
    const u = e.uscc.startsWith(needle) ? 0 : -1;
    const n = e.name.toUpperCase().indexOf(needle);
    if (u === 0 || n >= 0) hits.push([u === 0 ? 0 : 1 + n, e]);
  }
  hits.sort((a, b) => a[0] - b[0] || a[1].name.localeCompare(b[1].name, 'zh'));
  return hits.slice(0, limit).map((h) => h[1]);
}

export const registeredEntry = (uscc) => tx(['register'], 'readonly', (s) => s.register.get(uscc)).then((r) => r?.entry ?? null);
export const registerSize = () => tx(['register'], 'readonly', (s) => s.register.count());

/**
 * The picker above the enterprise fields: a search box and up to 8 matches. Picking one calls
 * onPick(entry); typing an enterprise by hand stays possible (the fields stay editable).
 */
export async function enterprisePicker(onPick) {
  let size = await registerSize();
  const input = el('input', { id: 'pc-reg-q', type: 'search', autocomplete: 'off', spellcheck: false, placeholder: t('registerSearchHint') });
  const status = el('p', { className: 'muted', id: 'pc-reg-status', aria: { live: 'polite' }, textContent: size ? `${t('registerHas')} ${size}` : t('registerEmpty') });
  const list = el('ul', { className: 'register-hits', id: 'pc-reg-hits' });
  const wrap = el('div', { className: 'field register-pick' }, el('label', { htmlFor: 'pc-reg-q', textContent: t('registerSearch') }), input, status, list);
  let n = 0;
  // The register may have arrived (a sync) since the form was drawn.
  input.addEventListener('focus', async () => {
    if (!input.value.trim()) { const c = await registerSize(); status.textContent = c ? `${t('registerHas')} ${c}` : t('registerEmpty'); }
  });
  input.addEventListener('input', async () => {
    const mine = ++n;
    const hits = await searchRegister(input.value);
    size = await registerSize();
    if (mine !== n) return; // a later keystroke's search is under way
    list.replaceChildren(...hits.map((e) => {
      const b = el('button', { type: 'button', className: 'secondary hit', data: { uscc: e.uscc } },
        el('span', { className: 'hit-name', textContent: e.name }), el('span', { className: 'muted', textContent: ` ${e.uscc} · ${e.region}` }));
      b.addEventListener('click', () => {
        list.replaceChildren();
        input.value = '';
        status.textContent = `${t('registerPicked')} ${e.name}`;
        onPick(e);
      });
      return el('li', {}, b);
    }));
    status.textContent = input.value.trim() ? (hits.length ? `${hits.length} ${t('registerMatches')}` : t('registerNoMatch')) : (size ? `${t('registerHas')} ${size}` : t('registerEmpty'));
  });
  return wrap;
}
