// Legal documents printed from the ledger (issue 13, item 8): the rectification order
// (责令整改通知书) of an entry and the re-check opinion (整改复查意见书) of its latest re-check, in
// the wording a bureau uses, with the finding's legal basis, the deadlines, both signature lines
// and the document number the server gives (POST /api/v1/documents: gap-free per bureau, kind and
// year). A document printed before the record reached the server carries a provisional mark
// instead of a number; every printout carries the short content hash of the record it was made
// from (SHA-256 of the event as stored), so a paper copy can be matched to the stored record.
// A4 through the print stylesheet (doc.css). The on-site inspection record is record-doc.js. DOM calls only, no HTML from text.
import { el } from './dom.js';
import { apiFetch } from './http.js';
import { tt } from './i18n.js';

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** JSON with keys sorted at every level: the text the server hashes (serde_json's map order). */
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

export async function shortHash(event) {
  return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical(event)))).slice(0, 12);
}

/** The bureau an account works for, as its documents are headed (the account's name less its post). */
export function bureauOf(account) {
  return account?.name?.replace(/\s*检查员$/, '').replace(/市场监管局.*$/, '') || account?.regions?.[0] || '';
}

/** The number of a document, asked of the server; `null` offline or when the record is not there yet. */
export async function number(kind, record, token) {
  if (!navigator.onLine || !token) return null;
  try {
    const r = await apiFetch('/api/v1/documents', { method: 'POST', token, json: { kind, record } });
    return r.ok ? r.json() : null;
  } catch { return null; }
}

const line = (label, value) => el('p', {}, el('span', { className: 'doc-label', textContent: `${label}：` }), el('span', { textContent: value ?? '' }));
const sign = (who) => el('div', { className: 'doc-sign' }, el('span', { textContent: `${who}（签名）：` }), el('span', { className: 'doc-blank' }), el('span', { textContent: '年　月　日' }));

/** The printable document of `kind` for an entry, made from the events the device holds. */
export async function documentOf(kind, entry, events, { token, bureau, productName }) {
  const c = entry.created;
  const recheck = entry.rechecks?.[entry.rechecks.length - 1];
  const record = kind === 'recheck_opinion' ? recheck?.event : entry.id;
  const source = events.find((e) => e.id === (kind === 'recheck_opinion' ? record : entry.opened.event));
  const hash = source ? await shortHash(source) : '';
  const doc = await number(kind, record, token);
  const title = kind === 'recheck_opinion' ? '整改复查意见书' : '责令整改通知书';
  const head = [
    el('h1', { className: 'doc-title', textContent: `${bureau}市场监督管理局` }),
    el('h2', { className: 'doc-kind', textContent: title }),
    el('p', { className: 'doc-number', textContent: doc ? doc.number : '（临时文书：记录尚未上传，未编号）' }),
  ];
  const ent = c.enterprise;
  const body = [line('当事人', ent.name ?? ent.uscc), line('统一社会信用代码', ent.uscc), line('产品', productName)];
  if (kind === 'rectification_order') {
    body.push(
      el('p', { textContent: `经检查，你单位存在下列问题（${c.danger.severity === 'major' ? '重大隐患' : '一般隐患'}）：` }),
      el('ol', {}, el('li', {}, el('span', { textContent: tt(c.danger.text) }), el('br'), el('span', { className: 'doc-basis', textContent: `依据：${c.danger.basis}` }))),
      el('p', { textContent: c.danger.severity === 'major'
        ? `根据上述规定，责令你单位立即停止生产、销售相关产品，并于 ${entry.deadline?.date ?? '____年__月__日'} 前整改完毕，整改情况书面报告我局。我局将于 ${entry.recheck_by?.date ?? '____年__月__日'} 前进行复查。`
        : `根据上述规定，责令你单位于 ${entry.deadline?.date ?? '____年__月__日'} 前整改完毕，整改情况书面报告我局。我局将于 ${entry.recheck_by?.date ?? '____年__月__日'} 前进行复查。` }),
      el('p', { textContent: '逾期不整改或整改不合格的，我局将依法处理。' }),
    );
  } else {
    body.push(
      line('隐患', tt(c.danger.text)), line('依据', c.danger.basis),
      line('整改情况', entry.rectifications?.[entry.rectifications.length - 1]?.measures),
      line('复查日期', recheck?.at?.slice(0, 10)),
      el('p', { textContent: recheck?.passed
        ? '经复查，你单位已按要求完成整改，上述隐患已消除，予以销号。'
        : `经复查，你单位整改不符合要求，责令于 ${recheck?.deadline ?? '____年__月__日'} 前继续整改。` }),
    );
  }
  const foot = [
    el('div', { className: 'doc-signs' }, sign('检查人员'), sign('当事人')),
    el('p', { className: 'doc-hash', textContent: `记录指纹 ${hash}${doc ? ` · ${doc.issued_at.slice(0, 10)}` : ' · 临时'}` }),
  ];
  return el('article', { className: `doc ${doc ? '' : 'provisional'}`, data: { kind, record: record ?? '' } }, ...head, ...body, ...foot);
}

/** The documents' stylesheet, loaded once by a page that does not link it (the app). */
function stylesheet() {
  const have = document.querySelector('link[href$="doc.css"]');
  if (have) return Promise.resolve();
  const link = el('link', { rel: 'stylesheet', href: new URL('../doc.css', import.meta.url).href });
  const loaded = new Promise((resolve) => { link.addEventListener('load', resolve); link.addEventListener('error', resolve); });
  document.head.append(link);
  return loaded;
}

/** Show a document alone and open the print dialog (the stylesheet prints only `.print-area`). */
export async function printDocument(node) {
  await stylesheet();
  const area = document.querySelector('.print-area') ?? document.body.appendChild(el('div', { className: 'print-area' }));
  area.replaceChildren(node);
  document.documentElement.classList.add('printing');
  const done = () => { document.documentElement.classList.remove('printing'); removeEventListener('afterprint', done); };
  addEventListener('afterprint', done);
  window.print();
}
