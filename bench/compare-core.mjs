// The side-by-side measurement of paicha against ajv, one body for both places it runs: Node
// (bench/compare.mjs) and a page in headless Chromium (bench/compare-web.mjs). It imports nothing,
// so the same code runs in both; the caller hands it the module, ajv's class, the forms from
// bench/gen.mjs with their JSON Schemas (bench/schema.mjs), `expandReport` and a clock in ms.
//
// The clock: a page's `performance.now()` is coarsened (5 µs even when cross-origin isolated,
// 100 µs otherwise), coarser than one ajv call on 60 items (2-4 µs). So in the page a sample is
// the mean of a batch of calls long enough for the clock (at least BATCH_MS), and a figure is the
// median of those means. Node's clock resolves single calls: there a figure is the median of
// single calls (`perCall`), as the issue's per-change aim is stated. The two differ where calls
// differ (a batch of changes holds the slow kinds too): the header says which a table is.

const BATCH_MS = 0.5;
const utf8 = (s) => new TextEncoder().encode(s).length;

/**
 * Median per call in µs of `fn(i)`: of single calls (`perCall`), or of the means of batches of
 * calls of at least BATCH_MS each.
 */
function median(clock, fn, { warmup, minMs, perCall }) {
  let i = 0;
  for (; i < warmup; i++) fn(i);
  if (perCall) {
    const samples = [];
    const start = clock();
    while (samples.length < 300 || clock() - start < minMs) {
      const a = clock();
      fn(i++);
      samples.push((clock() - a) * 1000);
    }
    samples.sort((x, y) => x - y);
    return samples[Math.floor(samples.length / 2)];
  }
  // Calls per batch from the warm-up's pace.
  let k = 1;
  for (;;) {
    const a = clock();
    for (let j = 0; j < k; j++) fn(i++);
    if (clock() - a >= BATCH_MS || k >= 1 << 20) break;
    k *= 2;
  }
  const samples = [];
  const start = clock();
  while (samples.length < 15 || clock() - start < minMs) {
    const a = clock();
    for (let j = 0; j < k; j++) fn(i++);
    samples.push(((clock() - a) * 1000) / k);
  }
  samples.sort((x, y) => x - y);
  return samples[Math.floor(samples.length / 2)];
}

/** The submission with `share` of its answered items' yes/no answers set to "no" (each fails its rule). */
export function failing(template, submission, share) {
  const ruled = template.items.filter((i) => i.type === 'yes_no' && (i.rules ?? []).length && submission.answers[i.key] === 'yes');
  const want = Math.round(Object.keys(submission.answers).length * share);
  const answers = { ...submission.answers };
  for (const i of ruled.slice(0, want)) answers[i.key] = 'no';
  return { ...submission, answers };
}

/**
 * Every row of the comparison. `forms`: [{ n, g: generate(n), schema: toJsonSchema(...) }];
 * `m`: the initialised module; `Ajv`: ajv's 2020 class; `clock`: ms with the best resolution there is.
 */
export function measure({ m, Ajv, expandReport, forms, now, clock, perCall = false }) {
  let sink = 0;
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
  const rows = [];
  for (const { n, g, schema } of forms) {
    const loaded = m.loadTemplate(JSON.stringify(g.template));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const validate = ajv.compile(schema);
    const opts = n > 100 ? { warmup: 100, minMs: 1500, perCall } : { warmup: 300, minMs: 1000, perCall };
    for (const share of [0, 0.2]) {
      const sub = share ? failing(g.template, g.submission, share) : g.submission;
      const report = m.check(sub, now);
      if (!report.valid || !validate(sub)) throw new Error(`bench-${n}: not valid`);
      const compactReport = m.checkCompact ? m.checkCompact(sub, now) : null;
      const obj = median(clock, () => { sink ^= m.check(sub, now).findings.length; }, opts);
      const text = median(clock, () => { sink ^= JSON.parse(m.checkJson(JSON.stringify(sub), now)).findings.length; }, opts);
      // A build from before the compact report (PAICHA_PKG) has no checkCompact: those columns stay empty.
      const compact = compactReport ? median(clock, () => { sink ^= m.checkCompact(sub, now).findings.length; }, opts) : NaN;
      // What a caller pays who needs the full report after all (the texts spelled out in JS).
      const expanded = compactReport ? median(clock, () => { sink ^= expandReport(m, m.checkCompact(sub, now)).findings.length; }, opts) : NaN;
      const a = median(clock, () => { sink ^= validate(sub) ? 1 : 0; }, opts);
      rows.push({
        n, share, findings: report.findings.length, actions: report.actions.length,
        reportBytes: utf8(JSON.stringify(report)),
        compactBytes: compactReport ? utf8(JSON.stringify(compactReport)) : NaN,
        obj, text, compact, expanded, ajv: a,
      });
    }
    // Per changed answer: the generated change/undo pairs on the form, against ajv re-validating.
    const s = new m.FormSession(g.submission, now);
    const answers = { ...g.submission.answers };
    const sub = { ...g.submission, answers };
    const ch = g.changes;
    const per = { warmup: ch.length, minMs: 1000, perCall };
    const perSet = median(clock, (i) => { const c = ch[i % ch.length]; sink ^= s.set(c.key, c.value).items.length; }, per);
    const perAjv = median(clock, (i) => { const c = ch[i % ch.length]; answers[c.key] = c.value; sink ^= validate(sub) ? 1 : 0; }, per);
    s.free();
    rows.push({ n, change: true, perSet, perAjv });
  }
  return { rows, sink, perCall };
}

/** The two Markdown tables of the rows, as lines. */
export function tables(rows, perCall) {
  const f = (x) => (Number.isNaN(x) ? '-' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  const out = [
    perCall ? 'Medians of single calls.' : `Medians of the means of batches of calls (at least ${BATCH_MS} ms a batch).`,
    '',
    '| items | failing | findings / actions / report / compact | paicha check (objects) | paicha checkJson + stringify/parse | paicha checkCompact | checkCompact + expandReport | ajv | full / ajv (faster route) | compact / ajv |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows.filter((x) => !x.change)) {
    const best = Math.min(r.obj, r.text);
    out.push(`| ${r.n} | ${r.share * 100} % | ${r.findings} / ${r.actions} / ${kib(r.reportBytes)} / ${kib(r.compactBytes)} | ${f(r.obj)} µs | ${f(r.text)} µs | ${f(r.compact)} µs | ${f(r.expanded)} µs | ${f(r.ajv)} µs | ${(best / r.ajv).toFixed(1)}x | ${(r.compact / r.ajv).toFixed(1)}x |`);
  }
  out.push('', '| items | per change: FormSession.set | ajv re-validating the object | paicha / ajv |', '|---|---|---|---|');
  for (const r of rows.filter((x) => x.change)) out.push(`| ${r.n} | ${f(r.perSet)} µs | ${f(r.perAjv)} µs | ${(r.perSet / r.perAjv).toFixed(2)}x |`);
  return out;
}
