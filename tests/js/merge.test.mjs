// The pages' copy of the include/except merge (www/js/merge.js) gives the items the core merges:
// for every product of the catalogue bundle and every form and link, the top-level item keys in
// the core's order (FormSession.items(), through WASM) equal those of the JS merge, filtered by the
// same scope. A change to the core's merge that the pages did not follow fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { paicha, root } from './load.mjs';
import { mergeTemplate } from '../../www/js/merge.js';

const bundle = JSON.parse(readFileSync(`${root}/pkg/catalogue.json`, 'utf8'));
const applies = (scope, v) => !scope || scope.length === 0 || scope.includes(v);

test('the JS merge gives the core\'s items for every product, form and link', () => {
  const products = paicha.products();
  assert.ok(products.length >= 20);
  let compared = 0;
  for (const p of products) {
    // The bundle file the core uses: the product's current version.
    const files = bundle.files.filter((f) => !f.product || (f.product === p.product && f.version === p.version));
    const js = mergeTemplate(files, p.product);
    assert.ok(js, p.product);
    for (const form of ['self_inspection', 'onsite_inspection']) {
      for (const link of ['production', 'sales']) {
        const sub = { id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', product: p.product, form, link,
          enterprise: { uscc: '91520102MA6DK4L2XN', name: 'x', region: '520102' }, inspected_at: '2026-11-20T10:00:00+08:00', answers: {} };
        const core = new paicha.FormSession(sub).items().map((i) => i.key);
        const mine = js.items.filter((i) => applies(i.forms, form) && applies(i.links, link)).map((i) => i.key);
        assert.deepEqual(mine, core, `${p.product} ${form} ${link}`);
        compared++;
      }
    }
  }
  assert.equal(compared, products.length * 4);
});

test('except leaves a fragment item out; sections are kept once, fragments first', () => {
  const files = [
    { fragment: 'f', sections: [{ id: 's1' }, { id: 's2' }], items: [{ key: 'a' }, { key: 'b' }] },
    { product: 'p', include: [{ fragment: 'f', except: ['b'] }], sections: [{ id: 's2' }, { id: 's3' }], items: [{ key: 'c' }] },
  ];
  const m = mergeTemplate(files, 'p');
  assert.deepEqual(m.items.map((i) => i.key), ['a', 'c']);
  assert.deepEqual(m.sections.map((s) => s.id), ['s1', 's2', 's3']);
  assert.equal(mergeTemplate(files, 'q'), null);
});
