// One checklist on screen: rendered from the template with DOM calls only (never HTML from text),
// checked by the WASM FormSession on every change. Only the items the session reports changed are
// touched. The caller gets every change through onChange(answers, newBlobs) and saves it.
import { FormSession } from '../../pkg/paicha.js';
import { el } from './dom.js';
import { t, tt, tf } from './i18n.js';
import { readNumber, limitText, charCount, excerpt } from './entry.js';

let uid = 0;

const applies = (scope, v) => !scope || scope.length === 0 || scope.includes(v);

/** Basis text of an item's rules (standard + clause, or basis), shown on demand. */
function basisOf(item) {
  const b = new Set();
  for (const r of item.rules ?? []) {
    const s = [r.standard, r.clause].filter(Boolean).join(' ');
    if (s) b.add(s);
    if (r.basis) b.add(r.basis);
  }
  return [...b];
}

function yesNo(item, value, set, id) {
  const fs = el('fieldset', { className: 'choices' }, el('legend', { className: 'sr-only', textContent: tt(item.label) }));
  for (const v of ['yes', 'no', 'na']) {
    const r = el('input', { type: 'radio', name: id, value: v, checked: value === v });
    r.addEventListener('change', () => set(v));
    fs.append(el('label', { className: 'choice' }, r, el('span', { textContent: t(v) })));
  }
  return fs;
}

/** The input of one item; set(value) is called with the new answer (null clears). */
function input(item, value, set, ctx) {
  const id = `p${++uid}`;
  let control;
  switch (item.type) {
    case 'yes_no':
      return { node: yesNo(item, value, set, id), group: true };
    case 'number':
    case 'integer': {
      control = el('input', { id, type: 'text', inputMode: 'decimal', autocomplete: 'off', value: value ?? '' });
      // What the text was read as, or why it is not a number, under the field (issue 17).
      const note = el('p', { className: 'entry-note', aria: { live: 'polite' } });
      control.addEventListener('input', () => {
        const r = readNumber(control.value);
        const say = r.error ?? r.note;
        note.textContent = say ? tf(say.key, say.values) : '';
        note.classList.toggle('bad', Boolean(r.error));
        // Something not a number still goes to the core, which reports it next to the item.
        set(r.value);
      });
      return { node: el('span', { className: 'num' }, control, item.unit ? el('span', { className: 'unit', textContent: item.unit }) : null, note), id };
    }
    case 'text': {
      // No maxLength: the browser would cut a paste without a word. Cut here, and say what was cut.
      const max = item.max_length ?? 2000;
      control = el('input', { id, type: 'text', value: value ?? '' });
      // Values this device has seen for the item (the second inspector and their certificate), to pick.
      const seen = ctx?.suggest?.[item.key] ?? [];
      const list = seen.length ? el('datalist', { id: `${id}-list` }, ...seen.map((o) => el('option', { value: o.value, label: o.label ?? '' }))) : null;
      if (list) control.setAttribute('list', list.id);
      const note = el('p', { className: 'entry-note', aria: { live: 'polite' } });
      const limit = item.max_length ? el('span', { className: 'limit muted', textContent: tf('maxChars', { max }) }) : null;
      control.addEventListener('input', () => {
        const { kept, cut } = limitText(control.value, max);
        if (cut) {
          control.value = kept;
          note.textContent = tf('textCut', { max, n: charCount(cut), start: excerpt(cut) });
          note.classList.add('bad');
        } else if (note.textContent && charCount(kept) < max) { note.textContent = ''; note.classList.remove('bad'); }
        set(kept === '' ? null : kept);
      });
      return { node: el('span', { className: 'text-entry' }, control, list, limit, note), id };
    }
    case 'date':
      control = el('input', { id, type: 'date', value: value ?? '' });
      control.addEventListener('input', () => set(control.value === '' ? null : control.value));
      return { node: control, id };
    case 'single_choice':
      control = el('select', { id }, el('option', { value: '', textContent: '—' }),
        ...item.choices.map((c) => el('option', { value: c.value, textContent: tt(c.label), selected: value === c.value })));
      control.addEventListener('change', () => set(control.value === '' ? null : control.value));
      return { node: control, id };
    case 'multiple_choice': {
      const fs = el('fieldset', { className: 'choices' }, el('legend', { className: 'sr-only', textContent: tt(item.label) }));
      const boxes = item.choices.map((c) => el('input', { type: 'checkbox', value: c.value, checked: Array.isArray(value) && value.includes(c.value) }));
      const changed = () => { const v = boxes.filter((b) => b.checked).map((b) => b.value); set(v.length ? v : null); };
      boxes.forEach((b, i) => { b.addEventListener('change', changed); fs.append(el('label', { className: 'choice' }, b, el('span', { textContent: tt(item.choices[i].label) }))); });
      return { node: fs, group: true };
    }
    // Evidence inputs live in media.js, loaded by the caller only for checklists that have them (ctx.media).
    case 'photo':
      return { node: ctx.media.photoInput(item, value, set, ctx), group: true };
    case 'signature':
      return { node: ctx.media.signaturePad(item, value, set, ctx), group: true };
    case 'geo_point':
      return { node: ctx.media.geoInput(item, value, set), group: true };
    case 'repeat':
      return { node: repeat(item, value, set, ctx), group: true };
    default:
      return { node: el('span', { textContent: item.type }) };
  }
}

function repeat(item, value, set, ctx) {
  let rows = Array.isArray(value) ? value.map((r) => ({ ...r })) : [];
  const box = el('div', { className: 'repeat' });
  const commit = () => set(rows.length ? rows.map((r) => ({ ...r })) : null);
  const draw = () => {
    box.replaceChildren(...rows.map((row, n) => {
      const inst = el('fieldset', { className: 'instance' }, el('legend', { textContent: `${tt(item.label)} ${n + 1}` }));
      for (const child of item.items ?? []) {
        const c = input(child, row[child.key] ?? null, (v) => { if (v === null) delete row[child.key]; else row[child.key] = v; commit(); }, ctx);
        const lab = el(c.group ? 'div' : 'label', { className: 'label', textContent: tt(child.label) }, child.unit ? ` (${child.unit})` : '');
        if (!c.group) lab.htmlFor = c.id;
        inst.append(el('div', { className: 'child' }, lab, c.node));
      }
      const rm = el('button', { type: 'button', className: 'secondary', textContent: t('removeInstance') });
      rm.addEventListener('click', () => { rows.splice(n, 1); commit(); draw(); });
      inst.append(rm);
      return inst;
    }));
    if (!item.max_count || rows.length < item.max_count) {
      const add = el('button', { type: 'button', className: 'secondary', textContent: `+ ${t('addInstance')}` });
      add.addEventListener('click', () => { rows.push({}); draw(); });
      box.append(add);
    }
  };
  draw();
  return box;
}

/**
 * Renders draft (its product/form/link/enterprise/answers) with template `tpl` into `root`.
 * Returns {session, destroy}. onChange(answers, newBlobs) after every change; onSummary(delta, actions).
 */
export function renderChecklist(root, tpl, draft, { onChange, onSummary, ctx, now }) {
  const answers = { ...draft.answers };
  const submission = {
    id: draft.id, product: draft.product, form: draft.form, link: draft.link, enterprise: draft.enterprise,
    inspected_at: draft.inspected_at, answers, template_version: draft.templateVersion,
  };
  const session = new FormSession(submission, now ?? null);
  const boxes = new Map();
  let actions = null;
  // "Required" is shown once the item was touched or a submit was tried, not on a fresh form.
  const touched = new Set(Object.keys(answers));
  let showAll = false;
  const states = new Map();

  const showItem = (st) => {
    const b = boxes.get(st.key);
    if (!b) return;
    states.set(st.key, st);
    b.box.hidden = !st.relevant;
    const errs = showAll || touched.has(st.key) ? st.errors : st.errors.filter((e) => e.code !== 'required');
    b.errors.replaceChildren(...errs.map((e) => el('li', { textContent: tt(e.message) })));
    b.findings.replaceChildren(...st.findings.map((f) => el('li', { className: f.severity },
      el('strong', { textContent: `${t(f.severity)}：` }), tt(f.message), f.basis ? ` （${f.basis}）` : '')));
    if (b.field) {
      if (errs.length) b.field.setAttribute('aria-invalid', 'true'); else b.field.removeAttribute('aria-invalid');
    }
    b.box.classList.toggle('has-error', errs.length > 0);
    b.box.classList.toggle('has-finding', st.findings.length > 0);
  };

  const change = (key, value, blobs = []) => {
    globalThis.__paichaChangeAt = performance.now(); // autosave latency counts from here (bench/web.mjs)
    touched.add(key);
    if (value === null) delete answers[key]; else answers[key] = value;
    const d = session.set(key, value);
    d.items.forEach(showItem);
    if (d.actionsChanged || actions === null) actions = session.actions();
    onSummary(d, actions);
    onChange(answers, blobs);
  };

  const sections = tpl.sections.map((sec) => {
    const fs = el('section', { className: 'section', aria: { labelledby: `s-${sec.id}` } },
      el('h2', { id: `s-${sec.id}`, textContent: tt(sec.label) }));
    for (const item of tpl.items) {
      if (item.section !== sec.id || !applies(item.forms, draft.form) || !applies(item.links, draft.link)) continue;
      const labelId = `l${++uid}`;
      const errors = el('ul', { className: 'errors', id: `e${uid}`, aria: { live: 'polite' } });
      const findings = el('ul', { className: 'findings' });
      const c = input(item, answers[item.key] ?? null, (v, blobs) => change(item.key, v, blobs), ctx);
      const label = el(c.group ? 'div' : 'label', { className: 'label', id: labelId },
        el('span', { textContent: tt(item.label) }),
        item.required === true ? el('span', { className: 'req', textContent: ' *', title: t('required') }) : null,
        item.unit && !['number', 'integer'].includes(item.type) ? ` (${item.unit})` : '');
      if (!c.group) label.htmlFor = c.id;
      const box = el('div', { className: `item type-${item.type}`, data: { key: item.key } }, label);
      if (c.group) { box.setAttribute('role', 'group'); box.setAttribute('aria-labelledby', labelId); }
      if (item.hint) box.append(el('p', { className: 'hint', textContent: tt(item.hint) }));
      box.append(c.node);
      const basis = basisOf(item);
      if (basis.length) {
        box.append(el('details', { className: 'basis' }, el('summary', { textContent: t('showBasis') }),
          el('p', { textContent: basis.join('；') })));
      }
      box.append(errors, findings);
      const field = c.id ? c.node.querySelector?.(`#${c.id}`) ?? (c.node.id === c.id ? c.node : null) : null;
      if (field) field.setAttribute('aria-describedby', errors.id);
      boxes.set(item.key, { box, errors, findings, field });
      fs.append(box);
    }
    return fs;
  }).filter((fs) => fs.childElementCount > 1);
  root.replaceChildren(...sections);
  session.items().forEach(showItem);
  const r = session.report();
  actions = r.actions;
  onSummary({ valid: r.valid, level: r.level, errorCount: r.errors.length, findingCount: r.findings.length }, actions);
  /** Shows every error (after a submit attempt) and focuses the first item that has one. */
  const revealErrors = () => {
    showAll = true;
    [...states.values()].forEach(showItem);
    const first = [...boxes.values()].find((b) => !b.box.hidden && b.box.classList.contains('has-error'));
    first?.box.querySelector('input, select, button, canvas')?.focus();
    return first;
  };
  // Errors of the envelope (USCC, division code, time), not of any item: the caller shows them.
  const envelopeErrors = r.errors.filter((e) => !e.path.startsWith('/answers'));
  return { session, answers, revealErrors, envelopeErrors, destroy: () => session.free() };
}
