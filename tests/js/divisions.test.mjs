// Region codes in WASM against the GB/T 2260 list the pages install (pkg/divisions.txt), the same
// verdicts as natively (src/ids.rs): a well-formed county that does not exist is an entry error,
// named as such; a real county, prefecture or province passes; installing again changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { paicha, root } from './load.mjs';
import * as ledger from '../../pkg/ledger/paicha_ledger.js';

const submission = (region) => ({
  id: '6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10', product: 'electric-bicycle', form: 'onsite_inspection', link: 'sales',
  enterprise: { uscc: '91520102MA6DK4L2XN', name: '车行', region }, inspected_at: '2025-07-20T10:00:00+08:00', answers: {},
});
const regionErrors = (r) => paicha.check(submission(r)).errors.filter((e) => e.path === '/enterprise/region');

test('a county code that is not in GB/T 2260 is refused with the reason; real ones pass', () => {
  const bad = regionErrors('520199');
  assert.equal(bad.length, 1);
  assert.equal(bad[0].code, 'invalid_region');
  assert.match(bad[0].message.zh, /GB\/T 2260/);
  assert.match(bad[0].message.en, /GB\/T 2260/);
  for (const ok of ['520102', '520100', '520000', '429004']) assert.deepEqual(regionErrors(ok), [], ok);
  // A bad province prefix keeps its plain message.
  assert.equal(regionErrors('990102')[0].code, 'invalid_region');
  // Installing again keeps the list in use and says how many codes it has.
  const text = readFileSync(`${root}/pkg/divisions.txt`, 'utf8');
  const n = text.split('\n').filter((l) => /^\d{6}/.test(l)).length;
  assert.equal(paicha.installDivisions('520102南明区\n'), n);
  assert.equal(regionErrors('520199').length, 1);
});

test('the ledger module checks event regions against the list it is given', () => {
  ledger.initSync({ module: readFileSync(`${root}/pkg/ledger/paicha_ledger_bg.wasm`) });
  // The created event of the ledger corpus, with the region changed.
  const base = JSON.parse(readFileSync(`${root}/tests/ledger-fixtures/closed-loop.json`, 'utf8')).events.find((e) => e.kind === 'created');
  const created = (region) => JSON.stringify({ ...base, enterprise: { ...base.enterprise, region } });
  const before = JSON.parse(ledger.checkEvent(created('520199')));
  assert.throws(() => ledger.installDivisions('not a list'), /line 1/);
  ledger.installDivisions(readFileSync(`${root}/pkg/divisions.txt`, 'utf8'));
  const after = JSON.parse(ledger.checkEvent(created('520199')));
  const good = JSON.parse(ledger.checkEvent(created('520102')));
  assert.equal(before, null, 'without the list only the province is checked');
  assert.ok(after && JSON.stringify(after).includes('region'), JSON.stringify(after));
  assert.equal(good, null);
});
