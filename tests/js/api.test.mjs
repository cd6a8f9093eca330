// The JS API of the WASM build: sessions, runtime templates, catalogue, and misuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { paicha, root } from './load.mjs';

const fixture = (name) => JSON.parse(readFileSync(`${root}/tests/fixtures/${name}.json`, 'utf8'));

test('a session reports exactly what check reports, change after change', () => {
  const c = fixture('ebike-onsite-sales-clean');
  const empty = { ...c.submission, answers: {} };
  const s = new paicha.FormSession(empty);
  for (const [key, value] of Object.entries(c.submission.answers)) {
    s.set(key, value);
  }
  assert.deepStrictEqual(s.report(), c.report);
});

test('a session returns only what changed, with the new verdicts', () => {
  const c = fixture('ebike-onsite-sales-clean');
  const s = new paicha.FormSession(c.submission);
  let d = s.set('ebike.max_speed_kmh', 30);
  assert.deepEqual(d.items.map((i) => i.key), ['ebike.max_speed_kmh']);
  assert.equal(d.items[0].findings[0].severity, 'major');
  assert.equal(d.level, 'major');
  assert.equal(d.findingCount, 1);
  assert.equal(d.actionsChanged, true);
  assert.ok(s.actions().some((a) => a.kind === 'rectify' && a.due === '2023-07-25'));
  d = s.set('ebike.max_speed_kmh', 'fast');
  assert.equal(d.valid, false);
  assert.equal(d.items[0].errors[0].code, 'wrong_type');
  assert.equal(d.findingCount, 0);
  // Flipping a controlling answer changes the relevance of the items that depend on it.
  d = s.set('ebike.battery_chemistry', 'lithium');
  const keys = d.items.map((i) => i.key);
  assert.ok(keys.includes('ebike.charger_handshake'), keys.join());
  assert.equal(d.items.find((i) => i.key === 'ebike.charger_handshake').relevant, true);
  // The text boundary gives the same delta.
  const s2 = new paicha.FormSession(c.submission);
  const s3 = new paicha.FormSession(c.submission);
  assert.deepStrictEqual(JSON.parse(s2.setJson('ebike.max_speed_kmh', '30')), s3.set('ebike.max_speed_kmh', 30));
});

test('the delta of set (a flat array spread in JS) is the delta as an object, change after change', async () => {
  // The bench form's change list (numbers, texts, choices, dates, lists; relevance flips, entry
  // errors and findings) and the fixture's answers, each also with values of the wrong type and
  // the primitives that skip the replacer (-0, big and tiny numbers, booleans, null, texts with
  // quotes and non-BMP characters).
  const { generate, NOW } = await import('../../bench/gen.mjs');
  const g = generate(60);
  paicha.loadTemplate(JSON.stringify(g.template));
  const c = fixture('ebike-onsite-sales-clean');
  const odd = [-0, 1e21, 2 ** 53 + 2, 5e-324, 0.1 + 0.2, true, false, null, '', 'a "q" \\ 𠀀', '12', '2025-02-30'];
  for (const [sub, changes] of [
    [g.submission, g.changes],
    [c.submission, Object.entries(c.submission.answers).map(([key, value]) => ({ key, value }))],
  ]) {
    const a = new paicha.FormSession(sub, NOW);
    const b = new paicha.FormSession(sub, NOW);
    let seen = 0;
    for (const { key, value } of changes) {
      for (const v of [value, ...odd.slice(seen++ % odd.length, (seen % odd.length) + 1)]) {
        const got = a.set(key, v);
        const want = JSON.parse(b.setJson(key, JSON.stringify(v)));
        assert.deepStrictEqual(got, want, `${key} = ${JSON.stringify(v)}`);
        assert.equal(JSON.stringify(got), JSON.stringify(want));
      }
    }
    a.free();
    b.free();
  }
});

test('misuse throws; bad data does not', () => {
  const c = fixture('ebike-onsite-sales-clean');
  const s = new paicha.FormSession(c.submission);
  assert.throws(() => s.set('no.such.key', 1), /unknown_item/);
  assert.throws(() => new paicha.FormSession({ ...c.submission, product: 'toaster' }), /unknown_product/);
  // NaN and Infinity are not JSON: they are reported where they were typed, not dropped.
  for (const bad of [Number.NaN, Infinity, -Infinity]) {
    const d = new paicha.FormSession(c.submission).set('ebike.mass_kg', bad);
    assert.equal(d.valid, false);
    assert.equal(d.items[0].errors[0].code, 'wrong_type');
  }
  const r = paicha.check({ ...c.submission, answers: { ...c.submission.answers, 'ebike.mass_kg': Number.NaN } });
  assert.deepEqual(r.errors.map((e) => [e.path, e.code]), [['/answers/ebike.mass_kg', 'wrong_type']]);
  // What JSON cannot hold at all is misuse.
  assert.throws(() => s.set('ebike.mass_kg', () => 1), /not JSON-like/);
  assert.throws(() => s.set('ebike.mass_kg', 10n), /not JSON-like/);
  assert.throws(() => paicha.check(undefined), /not JSON-like/);
});

test('a portal can load its own template; a bad one comes back as data', () => {
  const good = {
    format: 1, product: 'portal-widget', version: '1', name: { zh: '小部件', en: 'Widget' },
    sections: [{ id: 's', label: { zh: '节', en: 'Section' } }],
    items: [{ key: 'w.size_mm', section: 's', type: 'number', label: { zh: '尺寸', en: 'Size' },
      rules: [{ check: '. <= 10', severity: 'general', basis: 'Portal rule 1' }] }],
  };
  assert.deepEqual(paicha.loadTemplate(JSON.stringify(good)), { ok: true, product: 'portal-widget', version: '1' });
  const r = paicha.check({ ...fixture('ebike-onsite-sales-clean').submission, product: 'portal-widget', answers: { 'w.size_mm': 11 } });
  assert.equal(r.level, 'general');
  assert.equal(r.findings[0].basis, 'Portal rule 1');
  const bad = paicha.loadTemplate(JSON.stringify({ ...good, items: [{ ...good.items[0], relevant: '${nope} = 1' }] }));
  assert.equal(bad.ok, false);
  assert.equal(bad.issues[0].code, 'expression');
  assert.equal(bad.issues[0].path, '/items/0/relevant');
  assert.equal(paicha.loadTemplate('not json').ok, false);
});

test('catalogue: products, policy, and a bundle with a bad file', () => {
  const ps = paicha.products();
  assert.ok(ps.some((p) => p.product === 'electric-bicycle' && p.items > 20));
  assert.equal(paicha.policy().severity.major.rectify_days, 5);
  const bundle = JSON.parse(readFileSync(`${root}/pkg/catalogue.json`, 'utf8'));
  const broken = { format: 1, product: 'broken', version: '1', sections: [],
    items: [{ key: 'x', label: { zh: 'x', en: 'x' }, section: 'nope', type: 'text' }] };
  try {
    const r = paicha.loadCatalogue(JSON.stringify({ ...bundle, files: [...bundle.files, broken] }));
    assert.equal(r.ok, false);
    assert.deepEqual(r.problems.map((p) => [p.file, p.issues[0].code]), [['broken', 'unknown_section']]);
    assert.ok(r.products.includes('electric-bicycle'));
    assert.throws(() => paicha.loadCatalogue('[]'), /not a catalogue bundle/);
  } finally {
    paicha.loadCatalogue(JSON.stringify(bundle));
  }
});
