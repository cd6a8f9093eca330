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
