// Seed corpora for the fuzz targets, made from what the tests already hold: the fixture corpus and
// the limit cases (submissions), the contract samples, the catalogue (templates, and every
// expression in it), the ledger fixtures (events). Written to DIR/<target>/ (default
// target/fuzz-seeds), one file per input, named by content so a re-run adds nothing.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? 'target/fuzz-seeds';
const json = (p) => JSON.parse(readFileSync(p, 'utf8'));
const files = (dir, ext = '.json') =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)).map((f) => join(dir, f)) : [];
const counts = {};
function seed(target, data) {
  const dir = join(out, target);
  mkdirSync(dir, { recursive: true });
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  writeFileSync(join(dir, createHash('sha1').update(buf).digest('hex')), buf);
  counts[target] = (counts[target] ?? 0) + 1;
}

// Submissions: the fixture corpus, the limit cases, the contract samples.
for (const f of files('tests/fixtures')) seed('check_json', JSON.stringify(json(f).submission));
for (const f of files('tests/limits')) {
  const l = json(f);
  l.cases.forEach((c, n) => {
    const s = {
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      product: l.product,
      enterprise: { uscc: '91520102MA6DK4L2XN', name: '示例企业', region: '520102' },
      ...l.defaults,
      ...(c.envelope ?? {}),
      answers: c.answers,
    };
    seed('check_json', JSON.stringify(s));
  });
}
for (const f of files('../shared/contract/samples')) seed('check_json', readFileSync(f));
seed('check_json', '[{}, {"id": 1}, null, "x"]');

// Templates and their expressions (the flag byte of the expr target: 1 = `.` allowed).
const exprs = new Set();
function walk(v) {
  if (Array.isArray(v)) return v.forEach(walk);
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (['relevant', 'constraint', 'check', 'when', 'required'].includes(k) && typeof x === 'string') exprs.add(x);
      walk(x);
    }
  }
}
for (const f of [...files('catalogue'), ...files('catalogue/common')]) {
  seed('template', readFileSync(f));
  walk(json(f));
}
for (const e of exprs) seed('expr', Buffer.concat([Buffer.from([1]), Buffer.from(e)]));

// Ledger events as devices send them.
for (const f of files('tests/ledger-fixtures')) for (const e of json(f).events ?? []) seed('ledger_event', JSON.stringify(e));

console.log(Object.entries(counts).map(([t, n]) => `${t}: ${n} seeds`).join(', '));
