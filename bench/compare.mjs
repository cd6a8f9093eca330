// Side by side, in one Node process: paicha (the WASM module in pkg/, boundary included) against
// ajv on the same generated checklists (bench/gen.mjs), 60 and 500 items, with every answer
// passing and with 20 % of the answered items failing their compliance rule. Prints figures only.
// The same measurement in headless Chromium: bench/compare-web.mjs (both run bench/compare-core.mjs).
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
import { performance } from 'node:perf_hooks';
import Ajv2020 from 'ajv/dist/2020.js';
import { withSchemas, NOW } from './gen.mjs';
import { measure, tables } from './compare-core.mjs';
import { expandReport } from '../www/js/compact.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = resolve(process.env.PAICHA_PKG ?? join(root, 'pkg'));
const m = await import(pathToFileURL(join(pkg, 'paicha.js')).href);
const bytes = readFileSync(join(pkg, 'paicha_bg.wasm'));
const t0 = performance.now();
m.initSync({ module: bytes });
const initMs = performance.now() - t0;

// Both ways: single calls (the aims' measure), and batches as in the page (to compare with it).
const clock = () => performance.now();
const single = measure({ m, Ajv: Ajv2020, expandReport, forms: withSchemas(), now: NOW, clock, perCall: true });
const batched = measure({ m, Ajv: Ajv2020, expandReport, forms: withSchemas(), now: NOW, clock });
const gz = gzipSync(bytes, { level: 9 }).length;
console.log(`paicha ${m.version()} (${pkg}) in Node ${process.version}; ajv ${JSON.parse(readFileSync(join(root, 'node_modules/ajv/package.json'), 'utf8')).version}`);
console.log(`module ${(bytes.length / 1024).toFixed(1)} KiB raw, ${(gz / 1024).toFixed(1)} KiB gzip -9; initSync ${initMs.toFixed(1)} ms`);
console.log('');
for (const line of tables(single.rows, true)) console.log(line);
console.log('');
for (const line of tables(batched.rows, false)) console.log(line);
