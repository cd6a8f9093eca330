// The compact report through the WASM build: `expandReport` (www/js/compact.js) of `checkCompact`
// must give exactly what `checkJson` gives, over the shared corpus, over copies of it with every
// yes/no answer flipped (findings, per-item and submission-wide actions, repeat instances) and over
// the bench forms with a fifth of their items failing (tests/compact.rs holds the native side).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { paicha, root } from './load.mjs';
import { expandReport } from '../../www/js/compact.js';
import { generate, NOW } from '../../bench/gen.mjs';

const dir = `${root}/tests/fixtures`;
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'))]);

/** "yes" <-> "no", also inside repeat groups. */
const flip = (v) => (v === 'yes' ? 'no' : v === 'no' ? 'yes'
  : Array.isArray(v) ? v.map(flip)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, flip(x)])) : v);

const full = (sub, now) => JSON.parse(paicha.checkJson(JSON.stringify(sub), now));

test('expanded compact reports equal checkJson over the corpus and its flipped copies', () => {
  assert.ok(corpus.length >= 10, `only ${corpus.length} fixtures`);
  let findings = 0;
  let wide = 0;
  let instances = 0;
  for (const [name, c] of corpus) {
    const subs = [[name, c.submission]];
    if (c.submission?.answers && typeof c.submission.answers === 'object') {
      subs.push([`${name} (flipped)`, { ...c.submission, answers: flip(c.submission.answers) }]);
    }
    for (const [where, sub] of subs) {
      const want = full(sub, c.now);
      assert.deepStrictEqual(expandReport(paicha, paicha.checkCompact(sub, c.now)), want, where);
      findings += want.findings.length;
      wide += want.actions.filter((a) => a.items).length;
      instances += want.findings.filter((f) => f.instance !== undefined).length;
    }
  }
  // The cases reach what the compact form encodes differently, not only empty reports.
  assert.ok(findings > 50, `${findings} findings`);
  assert.ok(wide > 10, `${wide} submission-wide actions`);
  assert.ok(instances > 0, 'no finding inside a repeat group');
});

test('the bench forms with a fifth of their items failing: same report, a fraction of the bytes', () => {
  for (const n of [60, 500]) {
    const g = generate(n);
    const loaded = paicha.loadTemplate(JSON.stringify(g.template));
    assert.equal(loaded.ok, true, JSON.stringify(loaded));
    const answers = { ...g.submission.answers };
    const yes = Object.keys(answers).filter((k) => answers[k] === 'yes');
    for (const k of yes.slice(0, Math.round(Object.keys(answers).length * 0.2))) answers[k] = 'no';
    const sub = { ...g.submission, answers };
    const want = full(sub, NOW);
    assert.ok(want.findings.length >= n / 10, `${n}: ${want.findings.length} findings`);
    const c = paicha.checkCompact(sub, NOW);
    assert.deepStrictEqual(expandReport(paicha, c), want, `bench-${n}`);
    assert.ok(JSON.stringify(c).length * 3 < JSON.stringify(want).length, `bench-${n}: compact is not small`);
    // Slots name the template's items, in the order `itemKeys` gives.
    const keys = paicha.itemKeys(c.product, c.template_version);
    assert.deepEqual(c.findings.map(([slot]) => keys[slot]), want.findings.map((f) => f.item));
  }
});

test('a compact report that is not of the catalogue throws instead of expanding wrongly', () => {
  const c = corpus.map(([, x]) => x).find((x) => full(x.submission, x.now).findings.length > 0);
  const r = paicha.checkCompact(c.submission, c.now);
  assert.throws(() => expandReport(paicha, { ...r, template_version: 'no-such-version' }), /no template/);
  assert.throws(() => expandReport(paicha, { ...r, findings: [[1e6, 0]] }), /not of the template/);
  assert.throws(() => expandReport(paicha, { ...r, dates: [] }), /no date/);
  assert.equal(paicha.itemKeys('no-such-product'), null);
  // Misuse of checkCompact throws as checkJson does; a bad submission is a report.
  assert.throws(() => paicha.checkCompact({}, 'yesterday'), /RFC 3339/);
  const bad = paicha.checkCompact({}, undefined);
  assert.equal(bad.valid, false);
  assert.deepEqual(expandReport(paicha, bad), full({}, undefined));
});
