// The look-back (回头看) on the dashboard, for supervisors: draw the reproducible sample of a
// locality's closed-out entries and disposed spot checks (GET .../lookback/sample, the seed shown
// and kept, so anyone can re-draw it), and record each re-verification (POST .../lookback). A
// failed one must say what was found; the server then re-opens the entry (ledger event
// `reopened`) and says so. DOM calls only.
import { el } from './dom.js';
import { apiJson } from './http.js';

const T = {
  title: ['回头看', 'Look-back'],
  seed: ['抽样种子', 'Seed'],
  size: ['抽取数量', 'Sample size'],
  draw: ['抽取', 'Draw'],
  none: ['没有可回头看的记录（已销号隐患、已处置抽查）', 'Nothing to look back at (closed-out dangers, disposed spot checks)'],
  of: ['共 {n} 条候选', '{n} candidates'],
  entry: ['隐患', 'Danger'],
  spot_check: ['抽查', 'Spot check'],
  note: ['发现的问题（不通过时必填）', 'What was found (required when failed)'],
  pass: ['通过', 'Passed'],
  fail: ['不通过', 'Failed'],
  needNote: ['不通过须写明发现的问题', 'A failed look-back must say what was found'],
  stored: ['已记录', 'Recorded'],
  duplicate: ['已记录过', 'Already recorded'],
  reopened: ['，隐患已重新打开整改', '; the danger is re-opened'],
  failedSave: ['未能记录：', 'Not recorded: '],
};

/**
 * The section. ctx: {campaign, region, date, token, author, lang}; `drawn` keeps the last sample
 * between renders ({seed, size, candidates, sample, results: {target: text}}); `redraw()` renders
 * the page again. The figures shown change at the next refresh.
 */
export function lookbackSection(ctx, drawn, redraw) {
  const t = (k, n) => (T[k]?.[ctx.lang === 'en' ? 1 : 0] ?? k).replace('{n}', String(n ?? ''));
  const seed = el('input', { type: 'text', id: 'lb-seed', value: drawn.seed ?? `${ctx.date}/${ctx.region}` });
  const size = el('input', { type: 'number', id: 'lb-size', min: '1', max: '500', value: String(drawn.size ?? 5) });
  const draw = el('button', { type: 'button', textContent: t('draw') });
  draw.addEventListener('click', async () => {
    const q = new URLSearchParams({ region: ctx.region, seed: seed.value, size: size.value });
    const r = await apiJson(`/api/v1/campaigns/${ctx.campaign}/lookback/sample?${q}`, { token: ctx.token });
    Object.assign(drawn, { seed: r.seed, size: Number(size.value), candidates: r.candidates, sample: r.sample, results: {} });
    redraw();
  });
  const row = (c) => {
    const note = el('input', { type: 'text', aria: { label: `${t('note')} ${c.uscc}` }, attrs: { maxlength: '500' } });
    const status = el('span', { className: 'lb-status', attrs: { role: 'status' }, textContent: drawn.results?.[c.id] ?? '' });
    const send = async (passed) => {
      if (!passed && !note.value.trim()) { status.textContent = t('needNote'); note.focus(); return; }
      const body = {
        id: crypto.randomUUID(), campaign: ctx.campaign, locality: c.region, seed: drawn.seed, kind: c.kind,
        target: c.id, passed, author: ctx.author, device: 'dashboard', at: new Date().toISOString(),
        ...(passed ? {} : { note: note.value.trim() }),
      };
      try {
        const r = await apiJson(`/api/v1/campaigns/${ctx.campaign}/lookback`, { token: ctx.token, method: 'POST', json: body });
        const text = `${t(r.status === 'duplicate' ? 'duplicate' : 'stored')}${r.reopened?.status === 'stored' ? t('reopened') : ''}`;
        drawn.results[c.id] = text;
        status.textContent = text;
      } catch (e) {
        status.textContent = `${t('failedSave')}${e.message ?? e}`;
      }
    };
    const ok = el('button', { type: 'button', className: 'secondary', textContent: t('pass') });
    ok.addEventListener('click', () => send(true));
    const bad = el('button', { type: 'button', className: 'secondary', textContent: t('fail') });
    bad.addEventListener('click', () => send(false));
    return el('li', { data: { target: c.id } }, el('div', { textContent: `${t(c.kind)} · ${c.uscc} · ${c.region} · ${c.id}` }),
      el('div', { className: 'bar-plain' }, note, ok, bad, status));
  };
  return el('section', { aria: { labelledby: 'h-lookback' } },
    el('h2', { id: 'h-lookback', textContent: t('title') }),
    el('div', { className: 'bar-plain' }, el('label', { htmlFor: 'lb-seed', textContent: t('seed') }), seed,
      el('label', { htmlFor: 'lb-size', textContent: t('size') }), size, draw),
    drawn.sample && (drawn.sample.length
      ? el('div', {}, el('p', { textContent: t('of', drawn.candidates) }), el('ul', { className: 'lookback' }, ...drawn.sample.map(row)))
      : el('p', { textContent: t('none') })));
}
