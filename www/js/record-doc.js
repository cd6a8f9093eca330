// The on-site inspection record (现场检查笔录, issue 13 item 8), printed from the app: made from
// the on-site checklist as the device holds it (the submission) and the core's report of it (the
// same engine as the server's), in the wording a bureau uses: when and where (the inspection time,
// the place and the GPS position), both inspectors with their law-enforcement certificate numbers,
// the enterprise and its representative, the notice of rights, the findings each with its legal
// basis, what follows, the signatures of both sides (or the refusal and its witness), the document
// number the server gives (POST /api/v1/documents, gap-free per bureau, kind and year) or, for a
// record not yet on the server, a provisional mark, and the record's short content hash (SHA-256
// of the canonical submission, what the server stores as the record's sha256). The who-inspected
// answers are those of the shared fragment catalogue/common/onsite*.json. DOM calls only.
import { el } from './dom.js';
import { tt } from './i18n.js';
import { apiFetch } from './http.js';
import { shortHash, number, printDocument, bureauOf } from './documents.js';

const A = (s, k) => {
  const v = s.answers?.[k];
  return typeof v === 'string' ? v.trim() : '';
};

/** `2026-11-20T10:05:00+08:00` as a bureau writes it, in the record's own offset. */
function when(at) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(at ?? '');
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日${Number(m[4])}时${m[5]}分` : (at ?? '');
}

const line = (label, ...value) => el('p', {}, el('span', { className: 'doc-label', textContent: `${label}：` }), ...value.map((v) => (typeof v === 'string' ? el('span', { textContent: v }) : v)));

/** A signature box: the image when the device or the server has it, else a line to sign on. */
async function signature(who, ref, image, day) {
  const url = ref?.sha256 ? await image(ref.sha256).catch(() => null) : null;
  return el('div', { className: 'doc-sign' }, el('span', { textContent: `${who}（签名）：` }),
    url ? el('img', { className: 'doc-signature', src: url, alt: `${who}签名` }) : el('span', { className: 'doc-blank' }),
    el('span', { textContent: ref?.sha256 && !url ? `（电子签名 ${ref.sha256.slice(0, 12)}）` : ref?.sha256 ? day : '年　月　日' }));
}

/**
 * The printable record of `submission` (graded as `report`), for the bureau `bureau`.
 * `token`: ask the server for the number (null offline: provisional); `image(sha)`: a URL of a
 * signature's bytes; `productName`: the product as the catalogue names it.
 */
export async function inspectionRecord(submission, report, { token, bureau, productName, image = async () => null }) {
  const s = submission;
  const doc = await number('inspection_record', s.id, token);
  const hash = await shortHash(s);
  const ent = s.enterprise ?? {};
  const inspectors = [1, 2].map((n) => [A(s, `onsite.inspector${n}_name`), A(s, `onsite.inspector${n}_certificate`)])
    .map(([name, cert]) => `${name || '________'}（执法证号：${cert || '________'}）`).join('、');
  const geo = s.answers?.['onsite.location'];
  const place = [A(s, 'onsite.place'), geo && Number.isFinite(geo.lat) && Number.isFinite(geo.lon)
    ? `（GPS ${geo.lat.toFixed(6)}, ${geo.lon.toFixed(6)}${Number.isFinite(geo.accuracy) ? `，精度 ${Math.round(geo.accuracy)} 米` : ''}）` : ''].join('');
  const rep = A(s, 'onsite.representative_name');
  const findings = report?.findings ?? [];
  const major = findings.some((f) => f.severity === 'major');
  const head = [
    el('h1', { className: 'doc-title', textContent: `${bureau}市场监督管理局` }),
    el('h2', { className: 'doc-kind', textContent: '现场检查笔录' }),
    el('p', { className: 'doc-number', textContent: doc ? doc.number : '（临时文书：记录尚未上传，未编号）' }),
  ];
  const body = [
    line('检查时间', when(s.inspected_at)),
    line('检查地点', place || '________'),
    line('检查人员', inspectors),
    line('被检查单位', ent.name || ent.uscc || ''),
    line('统一社会信用代码', ent.uscc ?? ''),
    line('负责人或陪同人员', [rep || '________', A(s, 'onsite.representative_position') && `，职务：${A(s, 'onsite.representative_position')}`,
      A(s, 'onsite.representative_phone') && `，联系电话：${A(s, 'onsite.representative_phone')}`].filter(Boolean).join('')),
    line('检查内容', `${productName}${s.link === 'sales' ? '销售' : '生产'}环节质量安全隐患现场检查`),
    el('p', { className: 'doc-notice', textContent: `告知事项：我们是${bureau}市场监督管理局的执法人员，已向你出示执法证件。现依法对你单位进行现场检查，请予配合。你有权进行陈述和申辩；认为执法人员与你单位有直接利害关系的，有权申请回避。` }),
    el('p', { className: 'doc-label', textContent: '现场检查情况：' }),
  ];
  if (findings.length) {
    body.push(el('p', { textContent: `经现场检查，发现下列问题${major ? '（含重大隐患）' : ''}：` }),
      el('ol', { className: 'doc-findings' }, ...findings.map((f) => el('li', {},
        el('span', { textContent: `${tt(f.message)}（${f.severity === 'major' ? '重大隐患' : '一般隐患'}）` }), el('br'),
        el('span', { className: 'doc-basis', textContent: `依据：${f.basis ?? ''}` })))),
      el('p', { textContent: major
        ? '对上述重大隐患，责令立即停止生产、销售相关产品；整改要求以《责令整改通知书》另行送达。'
        : '对上述问题，整改要求以《责令整改通知书》另行送达。' }));
  } else {
    body.push(el('p', { textContent: '经现场检查，未发现质量安全隐患。' }));
  }
  const refused = s.answers?.['onsite.signature_refused'] === 'yes';
  body.push(el('p', { textContent: '以上笔录已交被检查单位核对（或已向其宣读），记录属实。' }),
    refused ? line('拒签情况', A(s, 'onsite.refusal_witness')) : '');
  const day = when(s.inspected_at).replace(/日.*$/, '日');
  const signs = el('div', { className: 'doc-signs three' },
    await signature('检查人员', s.answers?.['onsite.inspector1_signature'], image, day),
    await signature('检查人员', s.answers?.['onsite.inspector2_signature'], image, day),
    refused
      ? el('div', { className: 'doc-sign' }, el('span', { textContent: '被检查单位（签名）：' }), el('span', { textContent: '拒绝签字' }))
      : await signature('被检查单位', s.answers?.['onsite.enterprise_signature'], image, day));
  const foot = el('p', { className: 'doc-hash', textContent: `记录 ${s.id} · 记录指纹 ${hash}${doc ? ` · ${doc.issued_at.slice(0, 10)}` : ' · 临时'}` });
  return el('article', { className: `doc inspection-record ${doc ? '' : 'provisional'}`, data: { kind: 'inspection_record', record: s.id, hash } }, ...head, ...body, signs, foot);
}

/**
 * Print the record of `submission` from the app. Signatures come from the device's own bytes
 * (`localUrl(sha)`) or, once sent and freed there, from the server (the inspector may read what a
 * record in its regions cites).
 */
export async function printInspectionRecord(submission, report, { auth, productName, localUrl }) {
  const image = async (sha) => {
    const mine = await localUrl?.(sha);
    if (mine || !auth?.token || !navigator.onLine) return mine ?? null;
    const r = await apiFetch(`/api/v1/attachments/${sha}`, { token: auth.token });
    return r.ok ? URL.createObjectURL(await r.blob()) : null;
  };
  const node = await inspectionRecord(submission, report, { token: auth?.token, bureau: bureauOf(auth?.account), productName, image });
  await printDocument(node);
  return node;
}
