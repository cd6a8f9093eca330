// The catalogue's measurable checks on both sides of their limits (tests/limits/*.json) through
// WASM: the same expectations tests/limits.rs holds natively.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { paicha, root } from './load.mjs';

const dir = `${root}/tests/limits`;
for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const file = JSON.parse(readFileSync(`${dir}/${name}`, 'utf8'));
  file.cases.forEach((c, n) => {
    test(`${name} #${n}: ${c.why ?? ''}`, () => {
      const pick = (k) => c[k] ?? file.defaults[k];
      const r = paicha.check({
        id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        product: file.product, form: pick('form'), link: pick('link'),
        enterprise: { uscc: '91520102MA6DK4L2XN', name: '示例企业', region: '520102' },
        inspected_at: pick('inspected_at'), answers: c.answers,
      });
      for (const key of Object.keys(c.answers)) {
        const bad = r.errors.filter((e) => e.path.startsWith(`/answers/${key}`));
        assert.deepEqual(bad, [], `entry errors on ${key}`);
      }
      if (c.finding) {
        const f = r.findings.find((x) => x.item === c.finding.item);
        assert.ok(f, `no finding on ${c.finding.item}: ${JSON.stringify(r.findings.map((x) => x.item))}`);
        if (c.finding.severity) assert.equal(f.severity, c.finding.severity);
        if (c.finding.violation) assert.equal(f.violation, c.finding.violation);
        if (c.finding.basis) assert.ok(f.basis.includes(c.finding.basis), f.basis);
      }
      if (c.no_finding) {
        assert.ok(!r.findings.some((x) => x.item === c.no_finding), `unexpected finding on ${c.no_finding}`);
      }
    });
  });
}
