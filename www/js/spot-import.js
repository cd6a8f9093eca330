// Importing a spot-check result list (监督抽查结果通报) on the ledger page: the XLSX or CSV file a
// provincial or national bureau sends, uploaded as it is to POST /api/v1/spot-checks/import
// (the form and its answers: file-import.js).
import { importForm } from './file-import.js';

const T = {
  label: ['导入抽查结果通报（XLSX / CSV）', 'Import a spot-check result list (XLSX / CSV)'],
  hint: ['列：受检单位、统一社会信用代码、行政区划代码、产品名称、生产日期/批号、检验结论、主要不合格项目、报告编号、签发日期、抽查级别。同一文件再次导入不会重复。',
    'Columns: 受检单位, 统一社会信用代码, 行政区划代码, 产品名称, 生产日期/批号, 检验结论, 主要不合格项目, 报告编号, 签发日期, 抽查级别. Importing the same file again adds nothing.'],
  imported: ['已导入 {rows} 行：新增 {new}，更新 {changed}，未变 {unchanged}（不合格 {unqualified}）', 'Imported {rows} rows: {new} new, {changed} updated, {unchanged} unchanged ({unqualified} unqualified)'],
};

/** The import form. `token`: the signed-in account's; `done()`: called after a list was stored. */
export const spotImportForm = (token, done) => importForm({ kind: 'spot', id: 'si-file', url: '/api/v1/spot-checks/import', token, texts: T, done });
