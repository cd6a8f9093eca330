// Who inspected, where and when (issue 13, item 7) through the WASM module and the catalogue
// bundle the page loads: every on-site checklist asks for two inspectors with certificate numbers,
// the representative, the place and both sides' signatures (the same as tests/onsite_record.rs
// natively); a live session refuses one inspector entered twice; the pages' merge puts the
// signatures last, after the product's own items, as the core does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { paicha, root } from './load.mjs';
import { mergeTemplate } from '../../www/js/merge.js';

const REQUIRED = ['onsite.inspector1_name', 'onsite.inspector1_certificate', 'onsite.inspector2_name',
  'onsite.inspector2_certificate', 'onsite.representative_name', 'onsite.place',
  'onsite.inspector1_signature', 'onsite.inspector2_signature', 'onsite.enterprise_signature'];
const SIG = { sha256: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' };
const sub = (product, form, link, answers = {}) => ({ id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', product, form, link,
  enterprise: { uscc: '91520102MA6DK4L2XN', name: 'x', region: '520102' }, inspected_at: '2026-11-20T10:00:00+08:00', answers });
const errorKeys = (r, code) => r.errors.filter((e) => !code || e.code === code).map((e) => e.path.replace('/answers/', ''));

test('every on-site checklist requires the inspectors, the representative and both signatures; no self-inspection asks them', () => {
  const products = paicha.products();
  assert.equal(products.length, 30);
  for (const p of products) {
    for (const link of ['production', 'sales']) {
      const onsite = errorKeys(paicha.check(sub(p.product, 'onsite_inspection', link)), 'required');
      for (const k of REQUIRED) assert.ok(onsite.includes(k), `${p.product} ${link}: ${k}`);
      const self = errorKeys(paicha.check(sub(p.product, 'self_inspection', link)));
      assert.ok(self.every((k) => !k.startsWith('onsite.')), `${p.product} ${link} self-inspection`);
    }
  }
});

test('a live session refuses one inspector twice and takes two', () => {
  const s = new paicha.FormSession(sub('cement', 'onsite_inspection', 'production'));
  s.set('onsite.inspector1_name', '王明');
  s.set('onsite.inspector1_certificate', '52010021001');
  s.set('onsite.inspector2_name', '王明');
  s.set('onsite.inspector2_certificate', '52010021001');
  let keys = errorKeys(s.report(), 'constraint');
  assert.ok(keys.includes('onsite.inspector2_name') && keys.includes('onsite.inspector2_certificate'), keys.join());
  s.set('onsite.inspector2_name', '李华');
  s.set('onsite.inspector2_certificate', '52010021002');
  for (const [k, v] of [['onsite.representative_name', '张强'], ['onsite.place', '示例路 1 号'],
    ['onsite.inspector1_signature', SIG], ['onsite.inspector2_signature', SIG], ['onsite.enterprise_signature', SIG]]) s.set(k, v);
  keys = errorKeys(s.report());
  assert.ok(keys.every((k) => !k.startsWith('onsite.')), keys.join());
});

test('the pages\' merge puts the on-site record\'s signatures after the product\'s items', () => {
  const bundle = JSON.parse(readFileSync(`${root}/pkg/catalogue.json`, 'utf8'));
  const files = bundle.files.filter((f) => !f.product || f.product === 'gas-stove');
  const m = mergeTemplate(files, 'gas-stove');
  const keys = m.items.map((i) => i.key);
  const lastOwn = keys.findLastIndex((k) => k.startsWith('gas_stove.'));
  assert.ok(lastOwn > 0);
  assert.ok(keys.indexOf('onsite.inspector1_signature') > lastOwn);
  assert.ok(keys.indexOf('onsite.inspector1_name') < lastOwn);
  assert.equal(m.sections.at(-1).id, 'onsite.close');

  const tiny = [
    { fragment: 'h', sections: [{ id: 'h' }], items: [{ key: 'h.a' }] },
    { fragment: 't', at_end: true, sections: [{ id: 't' }], items: [{ key: 't.a' }, { key: 't.b' }] },
    { product: 'p', include: [{ fragment: 't', except: ['t.b'] }, 'h'], sections: [{ id: 'own' }], items: [{ key: 'o.a' }] },
  ];
  const t = mergeTemplate(tiny, 'p');
  assert.deepEqual(t.items.map((i) => i.key), ['h.a', 'o.a', 't.a']);
  assert.deepEqual(t.sections.map((s) => s.id), ['h', 'own', 't']);
});
