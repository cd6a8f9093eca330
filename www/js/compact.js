// The full report of a compact one (`checkCompact` of the checker's module, src/compact.rs): the
// findings spelled out by the module from its template (`findingsOf`), the actions' slots and
// date indices turned into item keys and dates. Equal to `check` of the same submission
// (tests/js/compact.test.mjs holds it to that over the corpus and the bench forms).
//
//   import * as paicha from '../../pkg/paicha.js';
//   expandReport(paicha, paicha.checkCompact(submission, now))

/** @param {typeof import('../../pkg/paicha.js')} paicha @param {import('../../pkg/paicha.js').CompactReport} c */
export function expandReport(paicha, c) {
  const keys = c.product ? paicha.itemKeys(c.product, c.template_version) : [];
  if (keys === null) throw new Error(`no template ${c.product} ${c.template_version} in the catalogue`);
  const key = (s) => {
    const k = keys[s];
    if (k === undefined) throw new Error(`no item at slot ${s}`);
    return k;
  };
  const due = (d) => {
    if (d === null) return {};
    if (c.dates[d] === undefined) throw new Error(`no date ${d}`);
    return { due: c.dates[d] };
  };
  const flat = new Uint32Array(c.findings.length * 3);
  c.findings.forEach(([slot, rule, instance], i) => {
    flat.set([slot, rule, instance == null ? 0 : instance + 1], i * 3);
  });
  const findings = flat.length ? paicha.findingsOf(c.product, c.template_version, flat) : [];
  findings.forEach((f, i) => {
    const applied = c.findings[i][3];
    if (applied) f.applied = applied;
  });
  const actions = c.actions.map((a) => (a.length === 3
    ? { kind: a[0], ...due(a[1]), item: key(a[2]) }
    : { kind: a[0], ...due(a[1]), ...(a[2] === null ? {} : { department: a[2] }), ...(a[3].length ? { items: a[3].map(key) } : {}) }));
  const r = { id: c.id, valid: c.valid, errors: c.errors, findings, level: c.level, actions };
  if (c.template_version !== undefined) r.template_version = c.template_version;
  return r;
}
