// The ledger's WASM module (pkg/ledger/, built by scripts/build-wasm from ledger-wasm/) gives the
// same views, due lists, folds and CSV as the native core for the shared ledger corpus
// (tests/ledger-fixtures/, held to the native results by `cargo test -p paicha-ledger-wasm`), and it
// opens ledger entries from a report the checker module made, with the report's own deadlines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as ledger from '../../pkg/ledger/paicha_ledger.js';
import { paicha, root } from './load.mjs';

ledger.initSync({ module: readFileSync(`${root}/pkg/ledger/paicha_ledger_bg.wasm`) });

const dir = `${root}/tests/ledger-fixtures`;
const cases = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('the ledger corpus is there', () => assert.ok(cases.length >= 3));

for (const f of cases) {
  test(`ledger corpus in WASM: ${f}`, () => {
    const c = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
    const events = JSON.stringify(c.events);
    const { who, code } = c.viewer;
    assert.deepEqual(JSON.parse(ledger.view(events, who, code, c.now)), c.expected.view);
    assert.deepEqual(JSON.parse(ledger.due(events, c.now)), c.expected.due);
    assert.deepEqual(JSON.parse(ledger.fold(events)), c.expected.fold);
    assert.equal(ledger.csv(events, who, code, c.now), c.expected.csv);
  });
}

test('misuse throws an Error carrying a code', () => {
  for (const [call, code] of [
    [() => ledger.fold('{'), 'invalid_json'],
    [() => ledger.view('[]', 'mayor', '520100', '2023-01-01T00:00:00+08:00'), 'invalid_viewer'],
    [() => ledger.due('[]', 'soon'), 'invalid_now'],
  ]) {
    assert.throws(call, (e) => JSON.parse(e.message).code === code);
  }
});

test('entries opened from a report the checker made carry its deadlines', () => {
  const fx = JSON.parse(readFileSync(`${root}/tests/fixtures/ebike-onsite-sales-speed-and-modification.json`, 'utf8'));
  const report = paicha.check(fx.submission, '2023-07-20T12:00:00+08:00');
  assert.equal(report.level, 'major');
  const ids = Array.from({ length: 3 * report.findings.length }, () => crypto.randomUUID());
  const events = JSON.parse(ledger.openEntries(JSON.stringify(report),
    JSON.stringify({ uscc: '91520102MA6DK4L2XN', region: '520102' }), 'electric-bicycle',
    JSON.stringify({ author: 'jiancha', device: 'tablet', at: '2023-07-20T10:30:00+08:00' }),
    JSON.stringify(ids), readFileSync(`${root}/policy.json`, 'utf8')));
  assert.equal(events.length, 2 * report.findings.length);
  for (const e of events) assert.equal(ledger.checkEvent(JSON.stringify(e)), 'null');
  const orders = events.filter((e) => e.kind === 'rectification_ordered');
  for (const [i, o] of orders.entries()) {
    const item = events[2 * i].item;
    const rectify = report.actions.find((a) => a.kind === 'rectify' && a.item === item);
    assert.equal(o.deadline, rectify.due, item);
  }
  // Folded, they are the region's open ledger, soonest deadline first.
  const view = JSON.parse(ledger.view(JSON.stringify(events), 'region', '520100', '2023-07-21T09:00:00+08:00'));
  assert.equal(view.rows.length, report.findings.length);
  assert.ok(view.rows.every((r) => r.entry.status === 'ordered'));
});
