// The follow-up to the end on the ledger page (issue 13): each work line's queue across the
// ledger, and on each entry the forms that complete what it still needs: a measure done with what
// its act needs (the core says which fields: measureFields) or declined with a reason, a case
// record (立案) measures can cite, a self-found danger confirmed by the county, the order's
// deadlines chosen within the policy's bounds, closing as withdrawn or ceased. Every act is a
// ledger event made through the page's `act` (outbox, offline first). No text becomes HTML.
import { el } from './dom.js';
import { VIOLATION_LABELS } from './labels.js';

export const LINES = ['quality_supervision', 'certification_supervision', 'law_enforcement', 'standards', 'credit', 'leadership'];

export const LABELS = {
  line: ['条线', 'Work line'],
  allLines: ['全部条线', 'All lines'],
  quality_supervision: ['质量监督', 'Quality supervision'],
  certification_supervision: ['认证监管', 'Certification supervision'],
  law_enforcement: ['执法稽查', 'Law enforcement'],
  standards: ['标准化', 'Standards'],
  credit: ['信用监管', 'Credit'],
  leadership: ['局领导', 'Leadership'],
  queue: ['条线待办（逾期优先）', 'Line queue (overdue first)'],
  queueEmpty: ['本条线没有待办', 'Nothing to do for this line'],
  dueOn: ['应于 {n} 前', 'due {n}'],
  task_review: ['企业自查发现的重大隐患：需审核确认', 'major danger found by the enterprise: review and confirm'],
  confirm: ['确认（转为监管）', 'Confirm (the bureau takes it over)'],
  done: ['已完成', 'Done'],
  decline: ['决定不采取', 'Decide not to take it'],
  reason: ['理由', 'Reason'],
  document_number: ['文书编号', 'Document number'],
  document_date: ['文书日期', 'Document date'],
  to: ['报告对象', 'Reported to'],
  decision_number: ['决定书编号', 'Decision number'],
  receiver: ['接收机关', 'Receiving body'],
  goods_value: ['货值金额（元）', 'Goods value (RMB)'],
  sales_amount: ['销售金额（元）', 'Sales amount (RMB)'],
  certificate: ['证书（种类及编号）', 'Certificate (kind and number)'],
  case_number: ['立案编号', 'Case number'],
  criminal: ['销售金额达到 5 万元：涉嫌生产、销售伪劣产品罪（刑法第一百四十条），应研判移送', 'Sales of RMB 50,000 or more: suspected crime under Criminal Law art. 140, review for transfer'],
  fileCase: ['立案', 'File a case'],
  filed_on: ['立案日期', 'Filed on'],
  penalty_decision: ['处罚决定书编号', 'Penalty decision'],
  fine: ['罚款（元）', 'Fine (RMB)'],
  cases: ['案件', 'Cases'],
  close: ['结案关闭', 'Close'],
  withdrawn: ['撤销（误登记或重复）', 'withdrawn (mistake or duplicate)'],
  ceased: ['企业已停业或产品已退市', 'ceased (enterprise closed, product withdrawn)'],
  rectifyBy: ['整改期限', 'Rectify by'],
  recheckBy: ['复查期限', 'Re-check by'],
  selfFound: ['企业自查发现（自查自改）', 'found by the enterprise itself'],
  closeSelf: ['整改完成并销号（须附照片）', 'Rectified and closed (photo required)'],
  taken: ['已采取的措施', 'Measures taken'],
  declined: ['决定不采取', 'Declined'],
  violation: ['违法情形', 'Violation'],
  noViolation: ['无', 'none'],
  supplier: ['上游供货商或生产者', 'Upstream supplier or producer'],
  supplier_uscc: ['供货商统一社会信用代码（可选）', "Supplier's credit code (optional)"],
  buyers: ['下游购买者（名称、地址）', 'Downstream buyers (names, places)'],
  quantity: ['数量（含单位）', 'Quantity (with unit)'],
  batches: ['批次（批号或生产日期）', 'Batches (numbers or production dates)'],
  assist_region: ['请求外地协查：县级区划代码（可选）', 'Ask another county to assist: division code (optional)'],
  task_assist: ['协查请求', 'assist request'],
  assists: ['外地请求本局协查', 'Assist requests from other regions'],
  askedBy: ['请求地区 {n}', 'asked by {n}'],
  assistResult: ['协查结果', 'Result of the assist'],
  assistSend: ['登记协查结果', 'Record the result'],
  assistSent: ['协查结果已登记', 'Result recorded'],
  assist_region_of: ['请求 {n} 协查', 'assist asked of {n}'],
};

/** Every violation kind of the core (labels.js, tied to the Rust enum by tests/js/labels.test.mjs). */
export const VIOLATIONS = Object.keys(VIOLATION_LABELS);

const field = (id, label, input) => [el('label', { htmlFor: id, textContent: label }), input];

/** A line's queue: the tasks of the chosen line across the ledger the device holds, overdue
 * first, each with its enterprise, danger and due day. */
export function queueSection({ ledger, text, policy, line, now, t, onLine, regions = null }) {
  let items = [];
  try { items = JSON.parse(ledger.queue(text, JSON.stringify(policy ?? {}), line, now)); } catch { items = []; }
  // An assist request is the asked region's task, not the asking one's (as the server's queue).
  const mine = (code) => !regions || regions.some((r) => code.startsWith(r.replace(/(00)+$/, '')));
  items = items.filter((x) => x.task !== 'assist' || mine(x.assist_region));
  const select = el('select', { id: 'line-select' },
    el('option', { value: 'all', textContent: t('allLines'), selected: line === 'all' }),
    ...LINES.map((l) => el('option', { value: l, textContent: t(l), selected: l === line })));
  select.addEventListener('change', () => onLine(select.value));
  const list = items.map((x) => el('li', {
    className: x.days_late > 0 ? 'late' : '',
    data: { entry: x.entry, task: x.task, action: x.action ?? x.step ?? '' },
    textContent: [
      `${t(x.line)} · ${t(`task_${x.task}`)}${x.action ? ` (${t(x.action)})` : ''}${x.step ? ` (${t(x.step)})` : ''}`,
      `${x.enterprise_name ?? x.uscc} · ${x.danger}`,
      x.due ? t('dueOn', x.due) : '',
      x.days_late > 0 ? t('overdueBy', x.days_late) : '',
    ].filter(Boolean).join(' · '),
  }));
  return el('section', { className: 'card line-queue' },
    el('h2', { textContent: t('queue') }),
    ...field('line-select', t('line'), select),
    list.length ? el('ol', { className: 'tasks' }, ...list) : el('p', { className: 'muted', textContent: t('queueEmpty') }));
}

/** Assist requests (协查) other regions made to this bureau, from the server's queue (the entries
 * are theirs: the device holds none of their events), each with what was asked and a form for
 * the result, recorded as an event on that entry through the outbox. `answered(x)`: this device
 * already recorded it. */
export function assistSection({ items, t, act, answered, productName = (p) => p }) {
  const rows = items.map((x) => {
    const a = x.asked ?? {};
    const facts = [
      `${x.enterprise_name ?? x.uscc}（${x.uscc}） · ${productName(x.product)}`,
      t('askedBy', x.region),
      ...['supplier', 'supplier_uscc', 'buyers', 'quantity', 'batches', 'note'].filter((k) => a[k]).map((k) => `${t(k)}：${a[k]}`),
    ];
    const body = [el('h4', { textContent: `${t('task_assist')} · ${x.danger}` }), ...facts.slice(1).map((f) => el('p', { className: 'muted', textContent: f }))];
    body.splice(1, 0, el('p', { textContent: facts[0] }));
    if (answered(x)) return el('li', { className: 'assist done', data: { entry: x.entry } }, ...body, el('p', { className: 'note', textContent: t('assistSent') }));
    const fid = `assist-${x.entry}-${x.assist_region}`;
    const result = el('textarea', { id: fid, name: 'result', required: true, rows: 3 });
    const form = el('form', { className: 'assist-result' }, ...field(fid, t('assistResult'), result),
      el('div', { className: 'buttons' }, el('button', { type: 'submit', textContent: t('assistSend') })));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!result.value.trim()) { result.setAttribute('aria-invalid', 'true'); result.focus(); return; }
      await act(x.entry, { kind: 'action_taken', action: 'assist', assist_region: x.assist_region, result: result.value.trim() });
    });
    return el('li', { className: 'assist', data: { entry: x.entry } }, ...body, form);
  });
  return el('section', { className: 'card assists' }, el('h2', { textContent: t('assists') }), el('ol', { className: 'tasks' }, ...rows));
}

/** The forms that complete what an entry still needs, for a supervisor. `tasks`: the entry's
 * tasks from the core (`due`); `bounds`: the policy's proposed and latest days for an order. */
export function followupForms({ ledger, entry: e, tasks, t, act, bounds }) {
  const out = [];
  const id = (s) => `${s}-${e.id}`;
  for (const task of tasks) {
    if (task.task === 'review') {
      const b = el('button', { type: 'button', textContent: t('confirm') });
      b.addEventListener('click', () => act(e.id, { kind: 'confirmed' }));
      out.push(el('div', { className: 'buttons review' }, el('span', { textContent: t('task_review') }), b));
    }
    if (task.task === 'act') out.push(measureForm({ ledger, e, action: task.action, t, act, id }));
  }
  if (e.status === 'found' && !(e.created.self_found && !e.confirmed) && bounds) out.push(orderForm({ e, t, act, id, bounds }));
  if (e.created.danger.violation && e.status !== 'closed' || (e.cases ?? []).length) out.push(caseForm({ e, t, act, id }));
  if (e.status !== 'closed') out.push(closeForm({ e, t, act, id }));
  return out.length ? el('div', { className: 'followup' }, ...out) : null;
}

/** What was done about the entry's measures and cases, shown on its card. */
export function followupRecord(e, t) {
  const lines = [
    ...(e.actions_taken ?? []).map((a) => `${t('taken')}: ${t(a.action)} · ${[a.taken.document_number, a.taken.decision_number, a.taken.document_date, a.taken.to, a.taken.receiver, a.taken.certificate, a.taken.supplier, a.taken.buyers, a.taken.quantity, a.taken.batches, a.taken.assist_region && (a.action === 'assist' ? a.taken.assist_region : t('assist_region_of', a.taken.assist_region)), a.taken.result].filter(Boolean).join(' · ')}`),
    ...(e.actions_declined ?? []).map((a) => `${t('declined')}: ${t(a.action)} · ${a.reason}`),
    ...(e.cases ?? []).map((c) => `${t('cases')}: ${c.case_number} · ${c.filed_on}${c.penalty_decision ? ` · ${c.penalty_decision}` : ''}${c.fine ? ` · ${c.fine} 元` : ''}`),
  ];
  return lines.length ? el('ul', { className: 'record' }, ...lines.map((l) => el('li', { textContent: l }))) : null;
}

function measureForm({ ledger, e, action, t, act, id }) {
  let spec = { required: [], optional: [] };
  try { spec = JSON.parse(ledger.measureFields(action, '')); } catch { /* no fields known: note only */ }
  const inputs = {};
  const optional = {};
  const nodes = [];
  const long = new Set(['buyers', 'supplier']);
  for (const f of [...spec.required, ...(spec.optional ?? [])]) {
    const must = spec.required.includes(f);
    const date = f.endsWith('_date');
    const money = f === 'goods_value' || f === 'sales_amount';
    const code = f === 'assist_region';
    const input = long.has(f)
      ? el('textarea', { id: id(`${action}-${f}`), name: f, required: must, rows: 2 })
      : el('input', { id: id(`${action}-${f}`), name: f, required: must, type: date ? 'date' : 'text',
        ...(money ? { inputMode: 'decimal' } : {}), ...(code ? { inputMode: 'numeric', maxLength: 6, pattern: '[0-9]{6}' } : {}) });
    (must ? inputs : optional)[f] = input;
    nodes.push(...field(id(`${action}-${f}`), t(f), input));
  }
  const cases = e.cases ?? [];
  let caseSel = null;
  if (cases.length) {
    caseSel = el('select', { id: id(`${action}-case`) }, el('option', { value: '', textContent: '—' }), ...cases.map((c) => el('option', { value: c.case_number, textContent: c.case_number })));
    nodes.push(...field(id(`${action}-case`), t('case_number'), caseSel));
  }
  const hint = el('p', { className: 'note criminal', hidden: true, textContent: t('criminal') });
  if (inputs.sales_amount) {
    inputs.sales_amount.addEventListener('input', () => {
      try { hint.hidden = !JSON.parse(ledger.measureFields(action, inputs.sales_amount.value.trim())).criminal; } catch { hint.hidden = true; }
    });
  }
  const reason = el('input', { id: id(`${action}-reason`) });
  const done = el('button', { type: 'submit', textContent: t('done') });
  const decline = el('button', { type: 'button', className: 'secondary', textContent: t('decline') });
  const form = el('form', { className: 'measure', data: { action } },
    el('h4', { textContent: t(action) }), ...nodes, hint,
    el('div', { className: 'buttons' }, done),
    ...field(id(`${action}-reason`), t('reason'), reason),
    el('div', { className: 'buttons' }, decline));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const missing = Object.values(inputs).find((i) => !i.value.trim());
    if (missing) { missing.setAttribute('aria-invalid', 'true'); missing.focus(); return; }
    const fields = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value.trim()]));
    for (const [k, i] of Object.entries(optional)) if (i.value.trim()) fields[k] = i.value.trim();
    if (caseSel?.value) fields.case_number = caseSel.value;
    await act(e.id, { kind: 'action_taken', action, ...fields });
  });
  decline.addEventListener('click', async () => {
    if (!reason.value.trim()) { reason.setAttribute('aria-invalid', 'true'); reason.focus(); return; }
    await act(e.id, { kind: 'action_declined', action, reason: reason.value.trim() });
  });
  return form;
}

function orderForm({ e, t, act, id, bounds }) {
  const today = bounds.today;
  const deadline = el('input', { id: id('od'), type: 'date', required: true, min: today, max: bounds.max_deadline, value: bounds.deadline });
  const recheck = el('input', { id: id('or'), type: 'date', required: true, min: today, max: bounds.max_recheck_by, value: bounds.recheck_by });
  const form = el('form', { className: 'order' }, ...field(id('od'), t('rectifyBy'), deadline), ...field(id('or'), t('recheckBy'), recheck),
    el('div', { className: 'buttons' }, el('button', { type: 'submit', textContent: t('order') })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await act(e.id, { kind: 'rectification_ordered', deadline: deadline.value, recheck_by: recheck.value });
  });
  return form;
}

function caseForm({ e, t, act, id }) {
  const number = el('input', { id: id('cn'), required: true });
  const filed = el('input', { id: id('cf'), type: 'date', required: true });
  const decision = el('input', { id: id('cd') });
  const fine = el('input', { id: id('cm'), inputMode: 'decimal' });
  const form = el('form', { className: 'case' }, el('h4', { textContent: t('fileCase') }),
    ...field(id('cn'), t('case_number'), number), ...field(id('cf'), t('filed_on'), filed),
    ...field(id('cd'), t('penalty_decision'), decision), ...field(id('cm'), t('fine'), fine),
    el('div', { className: 'buttons' }, el('button', { type: 'submit', className: 'secondary', textContent: t('fileCase') })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!number.value.trim() || !filed.value) { (number.value.trim() ? filed : number).focus(); return; }
    await act(e.id, { kind: 'case_filed', case_number: number.value.trim(), filed_on: filed.value,
      ...(decision.value.trim() ? { penalty_decision: decision.value.trim() } : {}),
      ...(fine.value.trim() ? { fine: fine.value.trim() } : {}) });
  });
  return form;
}

function closeForm({ e, t, act, id }) {
  const reason = el('select', { id: id('cr') }, el('option', { value: 'withdrawn', textContent: t('withdrawn') }), el('option', { value: 'ceased', textContent: t('ceased') }));
  const b = el('button', { type: 'button', className: 'secondary', textContent: t('close') });
  b.addEventListener('click', () => act(e.id, { kind: 'closed', reason: reason.value }));
  return el('div', { className: 'buttons close' }, ...field(id('cr'), t('close'), reason), b);
}

/** The violation kinds a supervisor chooses from for a danger recorded by hand. */
export function violationSelect(t, label) {
  return el('select', { id: 'ne-viol', attrs: { 'aria-label': label } }, el('option', { value: '', textContent: t('noViolation') }),
    ...VIOLATIONS.map((v) => el('option', { value: v, textContent: t(v) })));
}

