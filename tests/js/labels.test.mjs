// The one dictionary of action and measure names (www/js/labels.js) names every kind the core can
// produce: the report's action kinds (src/policy.rs ActionKind, also in policy.json) and the spot-check
// tasks (src/ledger/spot.rs SpotTaskKind). A kind added in Rust without a label fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ACTION_LABELS, SPOT_TASK_LABELS, labelOf } from '../../www/js/labels.js';

const root = new URL('../../', import.meta.url);
const snake = (s) => s.replace(/[A-Z]/g, (c, i) => (i ? '_' : '') + c.toLowerCase());
/** The snake_case serde names of a `pub enum NAME { A, B, ... }` in a Rust file. */
function variants(file, name) {
  const src = readFileSync(new URL(file, root), 'utf8');
  const body = src.match(new RegExp(`pub enum ${name} \\{([^}]*)\\}`))?.[1];
  assert.ok(body, `${name} in ${file}`);
  return body.split('\n').map((l) => l.trim()).filter((l) => /^[A-Z]\w*,?$/.test(l)).map((l) => snake(l.replace(',', '')));
}

test('every action kind of the core has a label in both languages', () => {
  const kinds = variants('src/policy.rs', 'ActionKind');
  assert.ok(kinds.includes('judicial_transfer_review'));
  assert.deepEqual(Object.keys(ACTION_LABELS).sort(), [...kinds].sort());
  const policy = JSON.parse(readFileSync(new URL('policy.json', root), 'utf8'));
  for (const list of Object.values(policy.violations)) for (const k of list) assert.ok(ACTION_LABELS[k], k);
  for (const [k, v] of Object.entries(ACTION_LABELS)) assert.ok(v.zh && v.en, k);
});

test('every spot-check task kind has a label', () => {
  const kinds = variants('src/ledger/spot.rs', 'SpotTaskKind');
  assert.deepEqual(Object.keys(SPOT_TASK_LABELS).sort(), [...kinds].sort());
});

test('every violation kind of the core has a label (the by-hand danger offers them all)', async () => {
  const { VIOLATION_LABELS } = await import('../../www/js/labels.js');
  assert.deepEqual(Object.keys(VIOLATION_LABELS).sort(), variants('src/policy.rs', 'Violation').sort());
  for (const [k, v] of Object.entries(VIOLATION_LABELS)) assert.ok(v.zh && v.en, k);
});

test('a kind a page does not know yet shows as its code', () => {
  assert.equal(labelOf(ACTION_LABELS, 'something_new', 'en'), 'something_new');
  assert.equal(labelOf(ACTION_LABELS, 'rectify', 'en'), 'Rectify by the deadline');
});

test('every certificate kind and key-object flag of the register has a label', async () => {
  const { CERTIFICATE_LABELS, KEY_FLAG_LABELS } = await import('../../www/js/labels.js');
  assert.deepEqual(Object.keys(CERTIFICATE_LABELS).sort(), variants('src/campaign/register.rs', 'CertificateKind').sort());
  assert.deepEqual(Object.keys(KEY_FLAG_LABELS).sort(), variants('src/campaign/register.rs', 'KeyFlag').sort());
  for (const [k, v] of [...Object.entries(CERTIFICATE_LABELS), ...Object.entries(KEY_FLAG_LABELS)]) assert.ok(v.zh && v.en, k);
});
