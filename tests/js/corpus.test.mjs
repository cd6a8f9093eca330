// The shared fixture corpus through the WASM build: both boundary formats must give exactly the
// reports that the native build and the CLI give (tests/corpus.rs checks those).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { paicha, root } from './load.mjs';

const dir = `${root}/tests/fixtures`;
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'))]);

test('the corpus is there', () => {
  assert.ok(cases.length >= 10, `only ${cases.length} fixtures`);
});

for (const [name, c] of cases) {
  test(`WASM checkJson agrees with the corpus: ${name}`, () => {
    const got = JSON.parse(paicha.checkJson(JSON.stringify(c.submission), c.now));
    assert.deepStrictEqual(got, c.report);
  });
  test(`WASM check (objects) agrees with the corpus: ${name}`, () => {
    assert.deepStrictEqual(paicha.check(c.submission, c.now), c.report);
  });
}

test('an array in gives an array out', () => {
  const subs = cases.map(([, c]) => c.submission);
  const got = JSON.parse(paicha.checkJson(JSON.stringify(subs), '2026-11-25T12:00:00+08:00'));
  assert.equal(got.length, subs.length);
  assert.deepEqual(got.map((r) => r.id), subs.map((s) => s.id));
});

test('text that is not JSON throws; a bad submission does not', () => {
  assert.throws(() => paicha.checkJson('{nope'), /invalid_json/);
  assert.throws(() => paicha.checkJson('{}', 'yesterday'), /RFC 3339/);
  const r = paicha.check({}, undefined);
  assert.equal(r.valid, false);
  assert.ok(r.errors.some((e) => e.path === '/id' && e.code === 'missing_field'));
});
