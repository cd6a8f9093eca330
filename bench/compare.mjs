// Side by side, in one Node process: paicha (the WASM module in pkg/, boundary included) against
// ajv on the same generated checklists (bench/gen.mjs), 60 and 500 items, with every answer
// passing and with 20 % of the answered items failing their compliance rule. Prints figures only.
//
//   node bench/compare.mjs          (needs pkg/ from scripts/build-wasm and node_modules/ajv)
//   PAICHA_PKG=/path/to/pkg node bench/compare.mjs     another build of the module
//
// Rows: module size (gzip -9) and init; whole-form check as objects (`check`) and as text
// (`checkJson` with JSON.stringify/parse around it) and compact (`checkCompact`: findings and actions
// by template slot, see src/compact.rs; and with `expandReport` after it, for a caller that needs the
// full report after all), ajv validating the schema-expressible part
// (no skip logic, constraints, rules, grading or actions); per changed answer, FormSession.set
// against ajv re-validating the whole object. Medians in µs, and paicha/ajv ratios from this run.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { generate, NOW } from './gen.mjs';
import { toJsonSchema } from './schema.mjs';
import { expandReport } from '../www/js/compact.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = resolve(process.env.PAICHA_PKG ?? join(root, 'pkg'));
const m = await import(pathToFileURL(join(pkg, 'paicha.js')).href);
const bytes = readFileSync(join(pkg, 'paicha_bg.wasm'));
const t0 = process.hrtime.bigint();
m.initSync({ module: bytes });
const initMs = Number(process.hrtime.bigint() - t0) / 1e6;

let sink = 0;
function median(fn, { warmup, minMs, minIters }) {
  for (let i = 0; i < warmup; i++) fn(i);
  const s = [];
  const start = process.hrtime.bigint();
  for (let i = 0; s.length < minIters || Number(process.hrtime.bigint() - start) / 1e6 < minMs; i++) {
    const a = process.hrtime.bigint();
    fn(i);
    s.push(Number(process.hrtime.bigint() - a));
  }
  s.sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] / 1000;
}

/** The submission with `share` of its answered yes/no items set to "no" (each fails its rule). */
function failing(template, submission, share) {
  const ruled = template.items.filter((i) => i.type === 'yes_no' && (i.rules ?? []).length && submission.answers[i.key] === 'yes');
  const answered = Object.keys(submission.answers).length;
  const want = Math.round(answered * share);
  const answers = { ...submission.answers };
  for (const i of ruled.slice(0, want)) answers[i.key] = 'no';
  return { ...submission, answers };
}

const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
const rows = [];
for (const n of [60, 500]) {
  const g = generate(n);
  const loaded = m.loadTemplate(JSON.stringify(g.template));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const validate = ajv.compile(toJsonSchema(g.template, { form: g.submission.form, link: g.submission.link }));
  for (const share of [0, 0.2]) {
    const sub = share ? failing(g.template, g.submission, share) : g.submission;
    const report = m.check(sub, NOW);
    if (!report.valid || !validate(sub)) throw new Error(`bench-${n}: not valid`);
    const opts = n > 100 ? { warmup: 100, minMs: 1500, minIters: 300 } : { warmup: 300, minMs: 1000, minIters: 1000 };
    const obj = median(() => { sink ^= m.check(sub, NOW).findings.length; }, opts);
    const text = median(() => { sink ^= JSON.parse(m.checkJson(JSON.stringify(sub), NOW)).findings.length; }, opts);
    // A build from before the compact report (PAICHA_PKG) has no checkCompact: those columns stay empty.
    const compact = m.checkCompact ? median(() => { sink ^= m.checkCompact(sub, NOW).findings.length; }, opts) : NaN;
    // What a caller pays who needs the full report after all (the texts spelled out in JS).
    const expanded = m.checkCompact ? median(() => { sink ^= expandReport(m, m.checkCompact(sub, NOW)).findings.length; }, opts) : NaN;
    const a = median(() => { sink ^= validate(sub) ? 1 : 0; }, { ...opts, minIters: opts.minIters * 10 });
    rows.push({ n, share, findings: report.findings.length, actions: report.actions.length,
      reportBytes: Buffer.byteLength(JSON.stringify(report)),
      compactBytes: m.checkCompact ? Buffer.byteLength(JSON.stringify(m.checkCompact(sub, NOW))) : NaN, obj, text, compact, expanded, ajv: a });
  }
  // Per changed answer: the generated change/undo pairs on the form, against ajv re-validating.
  const s = new m.FormSession(g.submission, NOW);
  const answers = { ...g.submission.answers };
  const sub = { ...g.submission, answers };
  const ch = g.changes;
  const perSet = median((i) => { const c = ch[i % ch.length]; sink ^= s.set(c.key, c.value).items.length; }, { warmup: ch.length, minMs: 1000, minIters: ch.length * 4 });
  const perAjv = median((i) => { const c = ch[i % ch.length]; answers[c.key] = c.value; sink ^= validate(sub) ? 1 : 0; }, { warmup: ch.length, minMs: 1000, minIters: ch.length * 4 });
  s.free();
  rows.push({ n, change: true, perSet, perAjv });
}

const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const gz = gzipSync(bytes, { level: 9 }).length;
console.log(`paicha ${m.version()} (${pkg}) in Node ${process.version}; ajv ${JSON.parse(readFileSync(join(root, 'node_modules/ajv/package.json'), 'utf8')).version}`);
console.log(`module ${(bytes.length / 1024).toFixed(1)} KiB raw, ${(gz / 1024).toFixed(1)} KiB gzip -9; initSync ${initMs.toFixed(1)} ms`);
console.log('');
console.log('| items | failing | findings / actions / report / compact | paicha check (objects) | paicha checkJson + stringify/parse | paicha checkCompact | checkCompact + expandReport | ajv | full / ajv (faster route) | compact / ajv |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows.filter((x) => !x.change)) {
  const best = Math.min(r.obj, r.text);
  console.log(`| ${r.n} | ${r.share * 100} % | ${r.findings} / ${r.actions} / ${(r.reportBytes / 1024).toFixed(1)} KiB / ${(r.compactBytes / 1024).toFixed(1)} KiB | ${f(r.obj)} µs | ${f(r.text)} µs | ${f(r.compact)} µs | ${f(r.expanded)} µs | ${f(r.ajv)} µs | ${(best / r.ajv).toFixed(1)}x | ${(r.compact / r.ajv).toFixed(1)}x |`);
}
console.log('');
console.log('| items | per change: FormSession.set | ajv re-validating the object | paicha / ajv |');
console.log('|---|---|---|---|');
for (const r of rows.filter((x) => x.change)) console.log(`| ${r.n} | ${f(r.perSet)} µs | ${f(r.perAjv)} µs | ${(r.perSet / r.perAjv).toFixed(2)}x |`);
if (sink === 0.5) console.log('');
