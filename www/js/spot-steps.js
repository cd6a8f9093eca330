// The next step of a failed spot check on the ledger page (issue 13 item 5; SAMR Order 18
// arts. 47-48): the re-check's result, then for a failed re-check the day of the public
// announcement, then the second re-check's result (60 to 90 days after the announcement). Each is
// recorded as a new version of the spot-check record (POST /api/v1/spot-checks with the same id:
// `updated`, every version kept), online like the results themselves; the tasks that follow come
// from the core on the server (`spot_tasks`).
import { el } from './dom.js';

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
