// The published typical cases (典型案例): a public page, no sign-in. It shows what the server's
// public list holds, which is only what a supervisor approved (the enterprise named or masked as
// they chose), and links the same list as XLSX.
import { el } from './dom.js';
import { apiJson } from './http.js';

const root = document.getElementById('cases');
const row = (label, text) => [el('dt', { textContent: label }), el('dd', { textContent: text })];

async function main() {
  const list = await apiJson('/api/v1/public/typical-cases');
  const items = list.items ?? [];
  root.replaceChildren(el('div', { className: 'paicha' },
    el('header', { className: 'bar' }, el('h1', { textContent: '重点工业产品质量安全典型案例' }),
      el('div', { className: 'tools' }, el('a', { className: 'button secondary', href: '/api/v1/public/typical-cases?format=xlsx', textContent: '下载 XLSX' }))),
    el('main', { id: 'main' },
      el('p', { className: 'muted', textContent: `共 ${items.length} 件。案例经市场监管部门审核后公开。` }),
      ...items.map((c) => el('article', { className: 'card case', data: { case: c.id }, aria: { labelledby: `c-${c.id}` } },
        el('h2', { id: `c-${c.id}`, textContent: c.title }),
        el('dl', { className: 'case-fields' },
          ...row('当事人', c.enterprise), ...row('地区代码', c.region), ...row('基本案情', c.facts),
          ...row('违法行为', c.violation), ...row('法律依据', c.basis), ...row('处罚结果', c.penalty),
          ...row('发布日期', c.published_on)))),
      items.length ? null : el('p', { textContent: '暂无公开的典型案例。' }))));
  document.documentElement.dataset.ready = '1';
}

main().catch((e) => { root.textContent = `paicha: ${e.message}`; document.documentElement.dataset.ready = 'error'; });
