// The dashboard's WASM module (pkg/campaign/, built from campaign-wasm/) counts campaign progress
// exactly as the native core does: over the fixture county (tests/campaign-fixtures/county.json:
// its register and submissions; the entry and spot-check facts, the localities' names and the
// native answers are in county-progress.json, which `cargo test -p paicha --test campaign`
// writes and compares), the module's answer on each day is the native one, every figure, flag,
// reason and the lagging list, deep-equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as campaign from '../../pkg/campaign/paicha_campaign.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
campaign.initSync({ module: readFileSync(`${root}/pkg/campaign/paicha_campaign_bg.wasm`) });
const read = (f) => JSON.parse(readFileSync(`${root}/tests/campaign-fixtures/${f}`, 'utf8'));
const county = read('county.json');
const golden = read('county-progress.json');
const plan = readFileSync(`${root}/campaigns/2023-guizhou.json`, 'utf8');
const facts = JSON.stringify({
  names: golden.names, register: county.register, submissions: county.submissions,
  entries: golden.entries, spots: golden.spots,
});

test('the golden answers are there, before and after the 08-15 milestones', () => {
  assert.deepEqual(Object.keys(golden.answers), ['2023-08-14', '2023-08-16']);
});

for (const [day, want] of Object.entries(golden.answers)) {
  test(`progress in WASM is the native answer on ${day}`, () => {
    assert.deepEqual(JSON.parse(campaign.progress(plan, facts, golden.root, day)), want);
  });
}

test('the day moved past the milestone flags it as missed, with the native reason', () => {
  const flags = (day) => {
    const a = JSON.parse(campaign.progress(plan, facts, '520102', day));
    return a.root.flags.map((f) => [f.code, f.reason.en]);
  };
  assert.deepEqual(flags('2023-08-14').filter(([c]) => c === 'behind'), []);
  assert.deepEqual(flags('2023-08-16').slice(0, 2), [
    ['behind', 'self-inspection coverage 69 % of 100 % due 08-15'],
    ['behind', 'on-site coverage 25 % of 100 % due 08-15'],
  ]);
});

test('bad input is answered, not thrown', () => {
  const code = (...a) => JSON.parse(campaign.progress(...a)).error.code;
  assert.equal(code('{', facts, '520000', '2023-08-16'), 'invalid_plan');
  assert.equal(code(plan, '{"register": 1}', '520000', '2023-08-16'), 'invalid_facts');
  assert.equal(code(plan, facts, '520000', 'tomorrow'), 'invalid_date');
});
