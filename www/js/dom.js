// DOM helpers for every page (the app, the ledger page, the demo and any new page): elements are
// built with DOM calls only, never HTML from text. This module imports nothing, so a page that uses
// it loads neither the checker's WASM glue nor the app.

/**
 * An element: `el('button', { type: 'button', textContent: 'OK' }, child, ...)`.
 * props: DOM properties (`className`, `textContent`, `htmlFor`, `checked`, ...), plus `aria` and
 * `data` (objects of `aria-*` / `data-*` attributes) and `attrs` (any other attributes).
 * children: nodes or strings; null, undefined and false are skipped (for `cond && el(...)`).
 */
export const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'aria' || k === 'data') for (const [a, b] of Object.entries(v)) e.setAttribute(`${k}-${a}`, b);
    else if (k === 'attrs') for (const [a, b] of Object.entries(v)) e.setAttribute(a, b);
    else e[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
};

/** The element with this id (`byId('ledger')`). */
export const byId = (id) => document.getElementById(id);

// What the user typed or chose since a control was drawn, and the forms sent since: see `redraw`.
const touched = new WeakSet();
const sent = new WeakSet();
if (globalThis.document) {
  for (const kind of ['input', 'change']) {
    document.addEventListener(kind, (e) => { touched.add(e.target); if (e.target.form) sent.delete(e.target.form); }, true);
  }
  document.addEventListener('submit', (e) => sent.add(e.target), true);
}

/**
 * Puts a new rendering of a page in `root` without losing what the user was typing. The ledger,
 * express and dashboard pages draw themselves whole, and every sync ends with a redraw: a sync that
 * ends while an inspector fills a form (online a moment ago, offline now) would put an empty form
 * in its place. So each control with an id the user changed is carried into the control of the
 * same id in the new rendering (value, choice, files), and so are the focus and the caret. A form
 * just submitted is not carried: its act was taken and the new rendering shows it.
 */
export function redraw(root, ...nodes) {
  const kept = [];
  for (const c of root.querySelectorAll('input[id], select[id], textarea[id]')) {
    if (touched.has(c) && !(c.form && sent.has(c.form))) kept.push(c);
  }
  const focus = document.activeElement;
  const caret = focus?.id && root.contains(focus) ? { id: focus.id, start: selection(focus, 'selectionStart'), end: selection(focus, 'selectionEnd') } : null;
  root.replaceChildren(...nodes);
  for (const old of kept) {
    const c = document.getElementById(old.id);
    if (!c || c.tagName !== old.tagName || c.type !== old.type || !root.contains(c)) continue;
    if (c.type === 'checkbox' || c.type === 'radio') c.checked = old.checked;
    else if (c.type === 'file') { if (old.files?.length) c.files = old.files; }
    else c.value = old.value;
    touched.add(c);
  }
  const f = caret && document.getElementById(caret.id);
  if (f && root.contains(f)) {
    f.focus({ preventScroll: true });
    if (caret.start !== null) { try { f.setSelectionRange(caret.start, caret.end); } catch { /* a type without a caret */ } }
  }
}

// Reading the caret of a date or number input throws in some engines; null then.
const selection = (c, k) => { try { return c[k] ?? null; } catch { return null; } };
