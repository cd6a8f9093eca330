// WASM benchmark in Node: paicha's web-target package (pkg/) against ajv on the same submissions.
//
//   node bench/wasm.mjs [dataDir]      (dataDir default bench/data; generated in memory if absent)
//   PAICHA_PKG=/path/to/pkg node bench/wasm.mjs     measures another build of the package
//
// Prints median and p99 µs per call (process.hrtime.bigint, after a warm-up) for:
//   - a full check + grade of the 60- and 500-item submissions, boundary crossing included, as
//     objects (`check`) and as JSON text (`checkJson` with JSON.stringify / JSON.parse around it);
//   - ajv validating the same submissions against the equivalent JSON Schema (schema.mjs);
//   - per keystroke: FormSession.set / setJson on the 500-item form, against ajv re-validating the
//     whole submission after each change;
// and the gzip -9 size of what a page loads before the first checklist shows (module, JS glue,
// and the catalogue bundle pkg/catalogue.json when the catalogue is not embedded in the module).
// Figures only: nothing here asserts a time.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import Ajv2020 from 'ajv/dist/2020.js';
import { generate, NOW, SIZES } from './gen.mjs';
import { toJsonSchema } from './schema.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// PAICHA_PKG: another build of the package to measure instead (e.g. one with a different opt-level).
const pkgDir = resolve(process.env.PAICHA_PKG ?? join(root, 'pkg'));
const dataDir = resolve(process.argv[2] ?? join(root, 'bench', 'data'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Loading

/** Import pkg/ and instantiate it; pkg/ may be mid-rebuild, so wait and retry. */
async function loadPaicha() {
  const tries = 60;
  for (let attempt = 1; ; attempt++) {
    try {
      const jsPath = join(pkgDir, 'paicha.js');
      const wasmPath = join(pkgDir, 'paicha_bg.wasm');
      if (!existsSync(jsPath) || !existsSync(wasmPath)) throw new Error('pkg/paicha.js or pkg/paicha_bg.wasm missing');
      // scripts/build-wasm runs wasm-opt into a .tmp file and renames it over.
      if (existsSync(`${wasmPath}.tmp`)) throw new Error('wasm-opt is still running');
      // A fresh module instance per attempt (the query string defeats the ESM cache).
      const m = await import(`${pathToFileURL(jsPath)}?attempt=${attempt}`);
      const bytes = readFileSync(wasmPath);
      const t0 = process.hrtime.bigint();
      m.initSync({ module: bytes });
      const t1 = process.hrtime.bigint();
      // The catalogue is either embedded (compiled on first use) or a bundle the page loads.
      const bundle = join(pkgDir, 'catalogue.json');
      let catalogue;
      if (typeof m.loadCatalogue === 'function' && existsSync(bundle)) {
        const text = readFileSync(bundle, 'utf8');
        const c0 = process.hrtime.bigint();
        const r = m.loadCatalogue(text);
        const c1 = process.hrtime.bigint();
        if (!r.ok) console.error(`pkg/catalogue.json: ${JSON.stringify(r.problems)}`);
        catalogue = `loadCatalogue(pkg/catalogue.json) ${(Number(c1 - c0) / 1e6).toFixed(1)} ms`;
      } else {
        m.products(); // first use compiles the embedded catalogue
        catalogue = `first call (embedded catalogue compiled) ${(Number(process.hrtime.bigint() - t1) / 1e6).toFixed(1)} ms`;
      }
      return { m, initMs: Number(t1 - t0) / 1e6, catalogue };
    } catch (e) {
      if (attempt >= tries) throw new Error(`cannot load pkg/ after ${tries} attempts: ${e.message}`);
      console.error(`pkg/ not ready (${e.message}); retrying in 5 s (${attempt}/${tries})`);
      await sleep(5000);
    }
  }
}

function loadData(n) {
  const file = (name) => join(dataDir, `bench-${n}.${name}.json`);
  if (['template', 'submission', 'changes'].every((x) => existsSync(file(x)))) {
    return {
      templateJson: readFileSync(file('template'), 'utf8'),
      submission: JSON.parse(readFileSync(file('submission'), 'utf8')),
      changes: JSON.parse(readFileSync(file('changes'), 'utf8')),
    };
  }
  const g = generate(n);
  return { templateJson: JSON.stringify(g.template), submission: g.submission, changes: g.changes };
}

// ---------------------------------------------------------------------------------------------
// Measuring

let sink = 0; // keeps results alive

/**
 * Time `fn(i)` once per sample after `warmup` calls: at least `iters` samples and, while under
 * `maxIters`, at least `minMs` of sampling. Returns µs: median, p99, mean, and n.
 */
function measure(fn, { warmup = 200, iters = 1000, minMs = 1000, maxIters = 200000 } = {}) {
  for (let i = 0; i < warmup; i++) fn(i);
  const samples = [];
  const start = process.hrtime.bigint();
  let i = 0;
  for (;;) {
    const t0 = process.hrtime.bigint();
    fn(i++);
    samples.push(Number(process.hrtime.bigint() - t0));
    if (samples.length >= maxIters) break;
    if (samples.length >= iters && Number(process.hrtime.bigint() - start) / 1e6 >= minMs) break;
  }
  return stats(samples);
}

function stats(ns) {
  const s = Float64Array.from(ns).sort();
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))] / 1000;
  return { median: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length / 1000, n: s.length };
}

const fmt = (x) => (x >= 1000 ? x.toFixed(0) : x >= 100 ? x.toFixed(1) : x.toFixed(2));
const cell = (st) => `${fmt(st.median)} / ${fmt(st.p99)}`;
const pad = (s, w) => String(s).padEnd(w);
const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;

// ---------------------------------------------------------------------------------------------

const { m, initMs, catalogue } = await loadPaicha();
const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
const ajvFirst = new Ajv2020({ allErrors: false, allowUnionTypes: true });

const ajvVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'ajv', 'package.json'), 'utf8')).version;
console.log(`paicha ${m.version()} WASM (${pkgDir === join(root, 'pkg') ? 'pkg/' : pkgDir}, web target) in Node ${process.version}; ajv ${ajvVersion} (draft 2020-12)`);
console.log(`startup: initSync ${initMs.toFixed(1)} ms, ${catalogue}`);

const sets = {};
for (const n of SIZES) {
  const d = loadData(n);
  const load = measure(() => {
    const r = m.loadTemplate(d.templateJson);
    if (!r.ok) throw new Error(`bench-${n}: ${JSON.stringify(r.issues)}`);
  }, { warmup: 3, iters: 20, minMs: 300 });
  const template = JSON.parse(d.templateJson);
  const schema = toJsonSchema(template, { form: d.submission.form, link: d.submission.link });
  const validate = ajv.compile(schema);
  const validateFirst = ajvFirst.compile(schema);
  sets[n] = { ...d, template, schema, validate, validateFirst, load };
}

// Sanity: both say the generated submissions are valid; paicha also grades them.
for (const n of SIZES) {
  const { submission, validate } = sets[n];
  const r = m.check(submission, NOW);
  const j = JSON.parse(m.checkJson(JSON.stringify(submission), NOW));
  if (JSON.stringify(r) !== JSON.stringify(j)) throw new Error(`bench-${n}: check and checkJson disagree`);
  if (!r.valid) throw new Error(`bench-${n}: paicha finds entry errors: ${JSON.stringify(r.errors.slice(0, 3))}`);
  if (!validate(submission)) throw new Error(`bench-${n}: ajv rejects: ${JSON.stringify(validate.errors.slice(0, 3))}`);
  sets[n].report = r;
}

console.log('');
for (const n of SIZES) {
  const s = sets[n];
  console.log(
    `bench-${n}: ${s.template.items.length} items, ${Object.keys(s.submission.answers).length} answered, ` +
      `submission ${Buffer.byteLength(JSON.stringify(s.submission))} B JSON; report: ${s.report.findings.length} findings, ` +
      `level ${s.report.level}, ${s.report.actions.length} actions, ${Buffer.byteLength(JSON.stringify(s.report))} B JSON; ` +
      `loadTemplate ${fmt(s.load.median / 1000)} ms`,
  );
}

// ---------------------------------------------------------------------------------------------
// Whole submissions

const rows = {};
for (const n of SIZES) {
  const { submission, validate, validateFirst } = sets[n];
  const text = JSON.stringify(submission);
  const reportText = m.checkJson(text, NOW);
  const opts = n > 100 ? { warmup: 100, iters: 500, minMs: 1500 } : { warmup: 300, iters: 2000, minMs: 1000 };
  rows[n] = {
    obj: measure(() => {
      sink ^= m.check(submission, NOW).findings.length;
    }, opts),
    json: measure(() => {
      sink ^= JSON.parse(m.checkJson(JSON.stringify(submission), NOW)).findings.length;
    }, opts),
    // parts of the JSON route
    stringify: measure(() => {
      sink ^= JSON.stringify(submission).length;
    }, opts),
    jsonOnly: measure(() => {
      sink ^= m.checkJson(text, NOW).length;
    }, opts),
    parse: measure(() => {
      sink ^= JSON.parse(reportText).findings.length;
    }, opts),
    ajv: measure(() => {
      sink ^= validate(submission) ? 1 : 0;
    }, { ...opts, iters: opts.iters * 10 }),
    ajvFirst: measure(() => {
      sink ^= validateFirst(submission) ? 1 : 0;
    }, { ...opts, iters: opts.iters * 10 }),
  };
}

const W0 = 44;
const W = 22;
const line = (label, f) => console.log(pad(label, W0) + SIZES.map((n) => pad(f(rows[n], n), W)).join(''));
console.log('');
console.log('Full check + grade, per submission: median / p99 µs');
console.log(pad('', W0) + SIZES.map((n) => pad(`${n} items`, W)).join(''));
line('paicha check(obj)              [objects]', (r) => cell(r.obj));
line('paicha checkJson(stringify) + parse [JSON]', (r) => cell(r.json));
line('  of which JSON.stringify(submission)', (r) => cell(r.stringify));
line('  of which checkJson(text)', (r) => cell(r.jsonOnly));
line('  of which JSON.parse(report)', (r) => cell(r.parse));
line('faster boundary (by median)', (r) => {
  const [a, b] = [r.obj.median, r.json.median];
  return a <= b ? `objects, ${(b / a).toFixed(2)}x` : `JSON, ${(a / b).toFixed(2)}x`;
});
line('ajv validate (allErrors: true)', (r) => cell(r.ajv));
line('ajv validate (first error only)', (r) => cell(r.ajvFirst));
line('ratio paicha (faster route) / ajv', (r) => `${(Math.min(r.obj.median, r.json.median) / r.ajv.median).toFixed(1)}x`);
console.log('  (ajv checks only the schema-expressible part: no skip logic, constraints, rules, grading or actions)');

// ---------------------------------------------------------------------------------------------
// Per keystroke, 500 items

const big = sets[500];
const changes = big.changes;
const baseKind = (k) => k.replace(/ \(undo\)$/, '');

// A dry run over every change: what each one does (and a warm-up of its own).
{
  const s = new m.FormSession(big.submission, NOW);
  const effects = { total: changes.length, relevance: 0, findings: 0, errors: 0, itemsInDelta: 0, maxItems: 0 };
  let prev = { findingCount: big.report.findings.length, errorCount: 0 };
  for (const c of changes) {
    const d = s.set(c.key, c.value);
    const flipped = d.items.some((it) => it.key !== c.key);
    if (flipped && baseKind(c.kind) === 'relevance flip') effects.relevance++;
    if (d.findingCount !== prev.findingCount) effects.findings++;
    if (d.errorCount !== prev.errorCount) effects.errors++;
    effects.itemsInDelta += d.items.length;
    effects.maxItems = Math.max(effects.maxItems, d.items.length);
    prev = d;
  }
  const back = JSON.stringify(s.report()) === JSON.stringify(big.report);
  s.free();
  console.log('');
  console.log(
    `Per keystroke on bench-500: ${effects.total} single-answer changes in change/undo pairs; ` +
      `${effects.relevance} flip other items' relevance, ${effects.findings} change the finding count, ` +
      `${effects.errors} the error count; ${(effects.itemsInDelta / effects.total).toFixed(2)} items per delta ` +
      `(max ${effects.maxItems}); report after a full cycle equals check(): ${back}`,
  );
}

const cycles = 12;
const kopts = { warmup: changes.length, iters: changes.length * cycles, minMs: 0, maxIters: changes.length * cycles };
const byKind = {};
const session = new m.FormSession(big.submission, NOW);
const setSamples = [];
const keySet = (() => {
  for (let i = 0; i < changes.length; i++) session.set(changes[i].key, changes[i].value); // warm-up
  for (let i = 0; i < changes.length * cycles; i++) {
    const c = changes[i % changes.length];
    const t0 = process.hrtime.bigint();
    sink ^= session.set(c.key, c.value).items.length;
    const dt = Number(process.hrtime.bigint() - t0);
    setSamples.push(dt);
    (byKind[baseKind(c.kind)] ??= []).push(dt);
  }
  return stats(setSamples);
})();
session.free();

const sessionJ = new m.FormSession(big.submission, NOW);
const keySetJson = measure((i) => {
  const c = changes[i % changes.length];
  sink ^= JSON.parse(sessionJ.setJson(c.key, JSON.stringify(c.value))).items.length;
}, kopts);
sessionJ.free();

// What a page that refreshes its summary on every change pays: set(), then actions() when the
// delta says they changed (a page may instead refresh once per frame).
const sessionA = new m.FormSession(big.submission, NOW);
const keySetActions = measure((i) => {
  const c = changes[i % changes.length];
  const d = sessionA.set(c.key, c.value);
  sink ^= d.items.length + (d.actionsChanged ? sessionA.actions().length : 0);
}, kopts);
sessionA.free();

const working = structuredClone(big.submission);
const keyAjv = measure((i) => {
  const c = changes[i % changes.length];
  working.answers[c.key] = c.value;
  sink ^= big.validate(working) ? 1 : 0;
}, kopts);

console.log(pad('', W0) + pad('median / p99 µs', W) + 'ratio to ajv (median)');
const krow = (label, st) => console.log(pad(label, W0) + pad(cell(st), W) + `${(st.median / keyAjv.median).toFixed(2)}x`);
krow('FormSession.set(key, value)    [objects]', keySet);
krow('FormSession.setJson + parse    [JSON]', keySetJson);
krow('set() + actions() when changed', keySetActions);
krow('ajv re-validate whole submission', keyAjv);
console.log(
  `  faster boundary: ${keySet.median <= keySetJson.median ? `objects, ${(keySetJson.median / keySet.median).toFixed(2)}x` : `JSON, ${(keySet.median / keySetJson.median).toFixed(2)}x`}`,
);
console.log(
  '  set() median by kind of change: ' +
    Object.entries(byKind)
      .map(([k, v]) => `${k} ${fmt(stats(v).median)}`)
      .join(', '),
);

// ---------------------------------------------------------------------------------------------
// What a page loads

// Everything the page imports: the module, its JS glue and the glue's snippets, and the catalogue
// bundle when the catalogue is not embedded in the module.
const files = ['paicha_bg.wasm', 'paicha.js'];
const walk = (dir) =>
  existsSync(join(pkgDir, dir))
    ? readdirSync(join(pkgDir, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
      )
    : [];
files.push(...walk('snippets'));
if (existsSync(join(pkgDir, 'catalogue.json'))) files.push('catalogue.json');
let rawSum = 0;
let gzSum = 0;
console.log('');
console.log(
  `What a page must load before the first checklist shows (${files.includes('catalogue.json') ? 'catalogue as pkg/catalogue.json' : 'catalogue embedded in the wasm'}), gzip -9:`,
);
for (const f of files) {
  const b = readFileSync(join(pkgDir, f));
  const z = gzipSync(b, { level: 9 }).length;
  rawSum += b.length;
  gzSum += z;
  console.log(`  ${pad(`pkg/${f}`, 48)}${pad(kb(z), 12)} (raw ${kb(b.length)})`);
}
console.log(`  ${pad('total', 48)}${pad(kb(gzSum), 12)} (raw ${kb(rawSum)}; ${gzSum} B gzipped)`);
if (sink === 0.5) console.log(sink);
