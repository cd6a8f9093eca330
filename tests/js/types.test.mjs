// The TypeScript types of the JS API (paicha-wasm/src/types.rs, emitted into pkg/paicha.d.ts) held
// to what the Rust side really sends: every object the module returns over the whole corpus, the
// catalogue and a live session has exactly the fields its interface declares (none undeclared,
// every required one present), and every declared field is seen at least once. A renamed serde
// field (`source_confirmed` vs `sourceConfirmed`) or a new one fails here, and tsc (tests/ts)
// checks code against the same file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { paicha, root } from './load.mjs';

/** Top-level fields of each `export interface NAME { ... }` in the .d.ts: {NAME: {field: optional}}. */
function interfaces(dts) {
  const out = {};
  for (const m of dts.matchAll(/export interface (\w+) \{/g)) {
    let i = m.index + m[0].length;
    let depth = 1;
    let body = '';
    for (; depth > 0 && i < dts.length; i++) {
      const c = dts[i];
      if (c === '{') depth++;
      if (c === '}') depth--;
      body += depth === 1 && c !== '}' ? c : depth >= 2 ? ' ' : '';
    }
    const fields = {};
    for (const f of body.replace(/\/\*\*[^]*?\*\//g, '').matchAll(/(\w+)(\??):/g)) fields[f[1]] = f[2] === '?';
    out[m[1]] = fields;
  }
  return out;
}

// Optional fields no corpus case produces yet (add a case, then take the name out of here).
const NOT_IN_CORPUS = { Finding: ['department'], Action: ['department'] };
const dts = readFileSync(`${root}/pkg/paicha.d.ts`, 'utf8');
const types = interfaces(dts);
const seen = Object.fromEntries(Object.keys(types).map((k) => [k, new Set()]));

function conforms(name, value, where) {
  const fields = types[name];
  assert.ok(fields, `interface ${name} in paicha.d.ts`);
  assert.equal(typeof value, 'object', `${where}: ${name}`);
  for (const k of Object.keys(value)) {
    assert.ok(k in fields, `${where}: field "${k}" is not declared in interface ${name}`);
    seen[name].add(k);
  }
  for (const [k, optional] of Object.entries(fields)) if (!optional) assert.ok(k in value, `${where}: ${name}.${k} missing`);
}

const report = (r, where) => {
  conforms('Report', r, where);
  r.errors.forEach((e, i) => { conforms('Issue', e, `${where} errors/${i}`); conforms('Text', e.message, where); });
  r.findings.forEach((f, i) => { conforms('Finding', f, `${where} findings/${i}`); conforms('Text', f.message, where); });
  r.actions.forEach((a, i) => conforms('Action', a, `${where} actions/${i}`));
};

test('every value the module returns has exactly the fields its TypeScript interface declares', () => {
  const dir = `${root}/tests/fixtures`;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const c = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
    report(paicha.check(c.submission, c.now), f);
    conforms('CompactReport', paicha.checkCompact(c.submission, c.now), `${f} compact`);
    if (c.submission?.product && c.submission.form && c.submission.link) {
      let s;
      try { s = new paicha.FormSession({ ...c.submission, answers: {} }, c.now); } catch { continue; }
      for (const it of s.items()) conforms('ItemState', it, `${f} items`);
      for (const [k, v] of Object.entries(c.submission.answers ?? {})) {
        let d;
        try { d = s.set(k, v); } catch { continue; }
        conforms('Delta', d, `${f} set ${k}`);
        for (const it of d.items) {
          conforms('ItemState', it, `${f} delta`);
          it.findings.forEach((x) => conforms('Finding', x, `${f} delta`));
          it.errors.forEach((x) => conforms('Issue', x, `${f} delta`));
        }
      }
      s.actions().forEach((a) => conforms('Action', a, `${f} actions()`));
      report(s.report(), `${f} report()`);
    }
  }
  // An escalating rule (report_to_government), which the corpus does not hold.
  const loaded = paicha.loadTemplate(JSON.stringify({
    format: 1, product: 'types-escalate', version: '1', name: { zh: '上报', en: 'Escalate' },
    forms: ['onsite_inspection'], links: ['production'], sections: [{ id: 's', label: { zh: 's', en: 's' } }],
    items: [{ key: 'x.ok', section: 's', type: 'yes_no', label: { zh: 'x', en: 'x' },
      rules: [{ severity: 'major', escalate: true, basis: 'test' }] }],
  }));
  assert.equal(loaded.ok, true, JSON.stringify(loaded));
  report(paicha.check({ id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', product: 'types-escalate', form: 'onsite_inspection', link: 'production',
    enterprise: { uscc: '91520102MA6DK4L2XN', name: 'x', region: '520102' }, inspected_at: '2026-11-20T10:00:00+08:00', answers: { 'x.ok': 'no' } }), 'escalate');
  for (const p of paicha.products()) { conforms('ProductSummary', p, p.product); if (p.name) conforms('Text', p.name, p.product); }
  conforms('CatalogueLoad', paicha.loadCatalogue(readFileSync(`${root}/pkg/catalogue.json`, 'utf8')), 'loadCatalogue');
  // Every declared field of these is sent by the Rust side somewhere in the corpus.
  for (const name of ['Report', 'CompactReport', 'Issue', 'Finding', 'Action', 'ItemState', 'Delta', 'ProductSummary', 'CatalogueLoad', 'Text']) {
    const unseen = Object.keys(types[name]).filter((k) => !seen[name].has(k) && !(NOT_IN_CORPUS[name] ?? []).includes(k));
    assert.deepEqual(unseen, [], `${name}: declared but never sent`);
  }
});

test('the interface parser reads optional and nested fields', () => {
  const t = interfaces('export interface A { a: string; b?: { c: number; d: string }; /** x: y */ e: number[] }');
  assert.deepEqual(t, { A: { a: false, b: true, e: false } });
});
