// The next step of a failed spot check on the ledger page (issue 13 item 5; SAMR Order 18
// arts. 47-48): the re-check's result, then for a failed re-check the day of the public
// announcement, then the second re-check's result (60 to 90 days after the announcement). Each is
// recorded as a new version of the spot-check record (POST /api/v1/spot-checks with the same id:
// `updated`, every version kept), made on the device like the ledger's acts: kept in the outbox
// (kind `spot`) and sent by its drain, so an inspector without signal loses nothing. The tasks
// that follow come from the core on the server (`spot_tasks`), shown once the version is there.
import { el } from './dom.js';
import { tx, del } from './db.js';

let n = 0;

/** What the record still needs: `recheck`, `announced_on`, `second_recheck`, or null. */
export function nextStep(r) {
  if (r.result !== 'unqualified') return null;
  if (!r.recheck) return 'recheck';
  if (r.recheck.passed) return null;
  if (!r.announced_on) return 'announced_on';
  if (!r.second_recheck) return 'second_recheck';
  return null;
}

const TITLE = {
  recheck: '录入复查结果（责令整改之日起 75 日内）',
  announced_on: '录入复查不合格的公告日期',
  second_recheck: '录入公告后的第二次复查结果（公告后 60-90 日）',
};

/** A small form for the record's next step, or null; `save(record)` posts the new version. */
export function stepForm(r, today, save) {
  const step = nextStep(r);
  if (!step) return null;
  const id = `ss-${++n}`;
  const date = el('input', { id: `${id}-date`, type: 'date', required: true, value: today });
  const verdict = el('select', { id: `${id}-passed` }, el('option', { value: 'true', textContent: '合格' }), el('option', { value: 'false', textContent: '不合格' }));
  const parts = [el('label', { htmlFor: date.id, textContent: step === 'announced_on' ? '公告日期' : '复查日期' }), date];
  if (step !== 'announced_on') parts.push(el('label', { htmlFor: verdict.id, textContent: '复查结论' }), verdict);
  const form = el('form', { className: 'spot-step', data: { step } }, el('h4', { textContent: TITLE[step] }), ...parts,
    el('div', { className: 'buttons' }, el('button', { type: 'submit', textContent: '记录' })));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const next = { ...r };
    if (step === 'announced_on') next.announced_on = date.value;
    else next[step] = { date: date.value, passed: verdict.value === 'true' };
    save(next);
  });
  return form;
}

/**
 * Keeps a spot-check record, or a new version of it, in the outbox. Versions of one record not
 * yet sent (waiting, or refused: the refusal was shown with the version the new one was made
 * from) are dropped in the same transaction: the new one holds all they said, so the later one
 * wins and no older version can reach the server after it (the drain sends in the order made).
 */
export const queueSpot = (rec) => tx(['outbox'], 'readwrite', (s) => {
  const q = s.outbox.getAll();
  q.onsuccess = () => {
    for (const o of q.result) if (o.kind === 'spot' && o.event.id === rec.id) s.outbox.delete(o.id);
    s.outbox.put({ id: crypto.randomUUID(), kind: 'spot', event: rec, state: 'pending', createdAt: new Date().toISOString() });
  };
});

/**
 * The spot checks to show: the server's, each as this device's latest version when that is not
 * yet acknowledged (`queued`: its outbox row, waiting or refused), and those only this device has.
 * `rows`: the device's spot rows, unsent and sent (a sent one means the server's is current).
 */
export function withQueued(items, rows) {
  const last = new Map();
  for (const o of rows) if (o.kind === 'spot' && !(last.get(o.event.id)?.createdAt > o.createdAt)) last.set(o.event.id, o);
  const open = (id) => (last.get(id)?.state === 'sent' ? null : last.get(id));
  const out = items.map((x) => (open(x.record.id) ? { ...x, record: open(x.record.id).event, tasks: [], queued: open(x.record.id) } : x));
  for (const [id, o] of last) if (open(id) && !items.some((x) => x.record.id === id)) out.unshift({ record: o.event, tasks: [], queued: o });
  return out;
}

/** The steps a record holds, e.g. "复查 2026-03-01 不合格；公告 2026-03-05". */
export function stepsText(r, name) {
  const v = (x) => `${x.date} ${x.passed ? '合格' : '不合格'}`;
  return [r.recheck && `${name('recheck')} ${v(r.recheck)}`, r.announced_on && `${name('public_announcement')} ${r.announced_on}`,
    r.second_recheck && `${name('second_recheck')} ${v(r.second_recheck)}`].filter(Boolean).join('；');
}

/** What the device says of a version not yet on the server: waiting, or the server's refusal
 * (outbox.js `reason`) with a button that gives the version up; `done()` redraws. */
export function queuedNote(o, lang, done) {
  if (o.state !== 'attention') return el('span', { className: 'local', textContent: lang === 'en' ? 'waiting to upload' : '待上传' });
  const drop = el('button', { type: 'button', className: 'secondary', textContent: lang === 'en' ? 'Give up this version' : '放弃此版本' });
  drop.addEventListener('click', async () => { await del('outbox', o.id); done(); });
  const why = o.reason ?? {};
  return el('div', { className: 'note refused' }, el('p', { textContent: `${why[lang] ?? why.zh ?? ''} ${why.detail?.[lang] ?? ''}` }), drop);
}
