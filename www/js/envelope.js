// The start form's enterprise fields checked by the core (issue 17): a USCC with a wrong check
// character or a division code that does not exist makes a record the server cannot file, so it is
// shown next to the field, with the core's own message, and blocks starting the checklist. The
// check is the WASM core's envelope validation (the same code the server runs), not a copy in JS.
import { check } from '../../pkg/paicha.js';
import { el } from './dom.js';
import { tt } from './i18n.js';

// A well-formed stand-in for everything but the enterprise: only /enterprise/* errors are read.
const PROBE = { id: '00000000-0000-4000-8000-000000000000', product: '', form: 'self_inspection', link: 'sales', inspected_at: '2025-01-01T00:00:00+08:00', answers: {} };

/** The core's errors for `enterprise`, by field: {uscc: [message], region: [...], name: [...]}. */
export function enterpriseErrors(enterprise) {
  const out = {};
  let report;
  try {
    report = check({ ...PROBE, enterprise }, null);
  } catch {
    return out; // the module is not ready (cannot happen once the app has started): let the record's own check speak
  }
  for (const e of report.errors ?? []) {
    const m = /^\/enterprise\/(\w+)/.exec(e.path);
    if (m) (out[m[1]] ??= []).push(e.message);
  }
  return out;
}

const FULL = { uscc: 18, region: 6 };

/**
 * Shows the errors under each of `inputs` ({uscc, name, region}: <input>s) once the code is typed
 * in full or the user tried to start; `value()` gives the enterprise as it will be saved. Returns {ok()}:
 * shows every error and focuses the first field that has one; true when there is none.
 */
export function guardEnterprise(inputs, value) {
  const boxes = {};
  const shown = new Set();
  for (const [k, input] of Object.entries(inputs)) {
    const ul = el('ul', { className: 'errors', id: `${input.id}-errors`, aria: { live: 'polite' } });
    input.setAttribute('aria-describedby', ul.id);
    input.after(ul);
    boxes[k] = ul;
    // Shown while typing once the code is complete (or after a try to start), not on leaving the
    // field: a message appearing on blur would move the start button away from the pointer.
    input.addEventListener('input', () => {
      if (FULL[k] && [...input.value.trim()].length >= FULL[k]) shown.add(k);
      if (shown.has(k)) draw();
    });
  }
  function draw() {
    const errs = enterpriseErrors(value());
    for (const [k, ul] of Object.entries(boxes)) {
      const list = shown.has(k) ? errs[k] ?? [] : [];
      ul.replaceChildren(...list.map((m) => el('li', { textContent: tt(m) })));
      if (list.length) inputs[k].setAttribute('aria-invalid', 'true'); else inputs[k].removeAttribute('aria-invalid');
    }
    return errs;
  }
  return {
    ok() {
      for (const k of Object.keys(inputs)) shown.add(k);
      const errs = draw();
      const first = Object.keys(inputs).find((k) => errs[k]?.length);
      if (first) inputs[first].focus();
      return !first;
    },
  };
}
