// The express page's WASM module (pkg/express/, built from express-wasm/) grades and clocks a
// report exactly as the native core does: the shared corpus tests/express-fixtures/ (each case:
// events, receipts, now, and the expected grade, clock states and recipients) is checked here
// through the module and natively by `cargo test -p paicha-express-wasm`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as express from '../../pkg/express/paicha_express.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
express.initSync({ module: readFileSync(`${root}/pkg/express/paicha_express_bg.wasm`) });
const dir = `${root}/tests/express-fixtures`;
const cases = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('the express corpus is there', () => assert.ok(cases.length >= 3));

for (const f of cases) {
  test(`express corpus in WASM: ${f}`, () => {
    const c = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
    const v = JSON.parse(express.view(JSON.stringify(c.input)));
    const got = { reports: v.items.map((x) => ({ grade: x.report.grade, status: x.report.status, overdue: x.overdue, late: x.late,
      clocks: x.clocks.map((k) => [k.kind, k.state, k.due]), recipients: x.recipients.map((r) => r.level) })), errors: v.errors.map((e) => e.code) };
    assert.deepEqual(got, c.expected);
  });
}

test('grades at the thresholds, and bad input answered, not thrown', () => {
  const g = (deaths, serious_injuries, direct_loss_yuan) => JSON.parse(express.grade(JSON.stringify({ deaths, serious_injuries, direct_loss_yuan }))).grade;
  assert.deepEqual([g(2, 9, 9999999), g(3, 0, 0), g(0, 50, 0), g(0, 0, 100000000)], ['IV', 'III', 'II', 'I']);
  assert.match(express.view('{'), /invalid_input/);
  assert.match(express.checkEvent('{}'), /invalid_event/);
  assert.equal(JSON.parse(express.policy()).clocks.first_report_minutes, 60);
});
