// Importing a spreadsheet a bureau has as it is (the spot-check result list on the ledger page,
// the enterprise register on the dashboard): the XLSX or CSV file uploaded to its import route
// (online: the server reads it with the core and stores all rows or none). The answer is shown
// in the page: the counts, or every bad cell by row and column to correct in the file.
import { el } from './dom.js';
import { apiFetch } from './http.js';
import { getLang } from './i18n.js';

const T = {
  rejected: ['{n} 处错误，未导入任何记录：请改正文件后重新导入', '{n} errors, nothing was imported: correct the file and import it again'],
  row: ['第 {n} 行', 'row {n}'],
  onlineOnly: ['导入需联网', 'Importing needs a connection'],
};
/** A text of `texts` (or of this file's own) in the page's language, `{name}`s filled from `vars`. */
export const fill = (texts, k, vars = {}) => Object.entries(vars)
  .reduce((s, [a, b]) => s.replaceAll(`{${a}}`, String(b)), (texts[k] ?? T[k])[getLang() === 'en' ? 1 : 0]);

// The last answer of each form, kept across the page's re-renders (storing a file re-syncs and
// redraws the page, which makes the form again).
const shown = new Map();

/**
 * The import form. kind: what is imported (its classes: `kind-import`, `kind-import-result`);
 * id: the file input's id; url: the import route; token: the signed-in
 * account's; texts: {label, hint, imported} as [zh, en] (`imported` filled from the answer's
 * counts); done(): called after a file was stored.
 */
export function importForm({ kind, id, url, token, texts, done }) {
  const file = el('input', { id, type: 'file', attrs: { accept: '.xlsx,.xls,.ods,.csv' } });
  const out = el('div', { className: `import-result ${kind}-import-result`, attrs: { role: 'status' } }, ...(shown.get(id) ?? (() => []))());
  const show = (f) => { shown.set(id, f); out.replaceChildren(...f()); };
  const t = (k, vars) => fill(texts, k, vars);
  const note = (k) => show(() => [el('p', { className: 'note', textContent: t(k) })]);
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (!f) return;
    if (!navigator.onLine) { note('onlineOnly'); return; }
    let res;
    try {
      res = await apiFetch(url, { token, method: 'POST', body: await f.arrayBuffer() });
    } catch {
      note('onlineOnly');
      return;
    }
    const b = await res.json().catch(() => ({}));
    const lang = getLang() === 'en' ? 'en' : 'zh';
    if (res.ok) {
      show(() => [el('p', { textContent: t('imported', b) })]);
      file.value = '';
      await done();
    } else if (b.code === 'invalid_rows') {
      show(() => [el('p', { className: 'note', textContent: t('rejected', { n: b.errors.length }) }),
        el('ul', { className: 'import-errors' }, ...b.errors.map((e) => el('li', {
          textContent: `${t('row', { n: e.row })}${e.column ? ` · ${e.column}` : ''}${e.header ? `（${e.header}）` : ''}：${e.message?.[lang] ?? e.code}`,
        })))]);
    } else {
      show(() => [el('p', { className: 'note', textContent: b.detail?.[lang] ?? b.title ?? `HTTP ${res.status}` })]);
    }
  });
  return el('div', { className: `file-import ${kind}-import` },
    el('label', { htmlFor: id, textContent: t('label') }), file,
    el('p', { className: 'muted', textContent: t('hint') }), out);
}
