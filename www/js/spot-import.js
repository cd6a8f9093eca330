// Importing a spot-check result list (监督抽查结果通报) on the ledger page: the XLSX or CSV file a
// provincial or national bureau sends, uploaded as it is to POST /api/v1/spot-checks/import
// (online: the server reads the file with the core and stores all rows or none). The answer is
// shown in the page: the counts, or every bad cell by row and column to correct in the file.
import { el } from './dom.js';
import { apiFetch } from './http.js';
import { getLang } from './i18n.js';

const T = {
  importList: ['导入抽查结果通报（XLSX / CSV）', 'Import a spot-check result list (XLSX / CSV)'],
  importHint: ['列：受检单位、统一社会信用代码、行政区划代码、产品名称、生产日期/批号、检验结论、主要不合格项目、报告编号、签发日期、抽查级别。同一文件再次导入不会重复。',
    'Columns: 受检单位, 统一社会信用代码, 行政区划代码, 产品名称, 生产日期/批号, 检验结论, 主要不合格项目, 报告编号, 签发日期, 抽查级别. Importing the same file again adds nothing.'],
  imported: ['已导入 {rows} 行：新增 {new}，更新 {changed}，未变 {unchanged}（不合格 {unqualified}）', 'Imported {rows} rows: {new} new, {changed} updated, {unchanged} unchanged ({unqualified} unqualified)'],
  rejected: ['{n} 处错误，未导入任何记录：请改正文件后重新导入', '{n} errors, nothing was imported: correct the file and import it again'],
  row: ['第 {n} 行', 'row {n}'],
  onlineOnly: ['导入需联网', 'Importing needs a connection'],
};
const t = (k, vars = {}) => Object.entries(vars).reduce((s, [a, b]) => s.replaceAll(`{${a}}`, String(b)), T[k][getLang() === 'en' ? 1 : 0]);

// The last answer, kept across the page's re-renders (storing a list re-syncs and redraws it).
let shown = () => [];

/** The import form. `token`: the signed-in account's; `done()`: called after a list was stored. */
export function spotImportForm(token, done) {
  const file = el('input', { id: 'si-file', type: 'file', attrs: { accept: '.xlsx,.xls,.ods,.csv' } });
  const out = el('div', { className: 'spot-import-result', attrs: { role: 'status' } }, ...shown());
  const show = (f) => { shown = f; out.replaceChildren(...f()); };
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (!f) return;
    if (!navigator.onLine) { show(() => [el('p', { className: 'note', textContent: t('onlineOnly') })]); return; }
    let res;
    try {
      res = await apiFetch('/api/v1/spot-checks/import', { token, method: 'POST', body: await f.arrayBuffer() });
    } catch {
      show(() => [el('p', { className: 'note', textContent: t('onlineOnly') })]);
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
  return el('div', { className: 'spot-import' },
    el('label', { htmlFor: 'si-file', textContent: t('importList') }), file,
    el('p', { className: 'muted', textContent: t('importHint') }), out);
}
