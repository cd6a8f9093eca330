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

// Request bodies (the `bodies` target: the first byte picks the route, 0 spot check, 1 express
// event, 2 register entry, 3 supervision act or look-back result, 4 campaign plan).
const body = (route, v) => seed('bodies', Buffer.concat([Buffer.from([route]), Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))]));
const county = existsSync('tests/campaign-fixtures/county.json') ? json('tests/campaign-fixtures/county.json') : {};
for (const s of (county.spot_checks ?? []).slice(0, 20)) body(0, s);
for (const f of files('tests/express-fixtures')) for (const e of json(f).input?.events ?? []) body(1, e);
for (const r of (county.register ?? []).slice(0, 20)) body(2, r);
for (const f of files('campaigns')) body(4, readFileSync(f, 'utf8'));
body(3, { id: '00000000-0000-4000-8000-000000000001', kind: 'urge', region: '520102', reason: '进度滞后', at: '2026-08-16T09:00:00+08:00' });

// Register files (the `register_import` target): the register as CSV in the template's columns
// (from the county fixture, as a bureau's Excel saves it, with a BOM), and the XLSX kept in
// fuzz/seeds/register_import/ (written by paicha-sheet as the server exports it).
const cell = (v) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const csv = (rows) => '\uFEFF' + rows.map((r) => r.map((v) => cell(String(v ?? ''))).join(',')).join('\r\n') + '\r\n';
const header = ['序号', '统一社会信用代码', '企业名称', '行政区划代码', '生产产品', '销售产品'];
const reg = (county.register ?? []).slice(0, 12).map((r, n) => [n + 1, r.uscc, r.name, r.region,
  (r.products ?? []).filter((p) => p.links?.includes('production')).map((p) => p.product).join('、'),
  (r.products ?? []).filter((p) => p.links?.includes('sales')).map((p) => p.product).join('、')]);
seed('register_import', csv([header, ...reg]));
seed('register_import', csv([['南明区企业名录'], header, ...reg.slice(0, 2), ['', '', '', '']]));
for (const f of files('fuzz/seeds/register_import', '')) seed('register_import', readFileSync(f));

// Requests (the `http` target, fuzz/src/http.rs): a request line, headers (`as:` signs in as a
// demo account), an empty line, the body. Every route of the API with a body it would accept,
// and the queries of the read routes, so the fuzzer starts past the router and the extractors.
const req = (line, who, body, type = 'application/json') =>
  seed('http', `${line}\n${who ? `as: ${who}\n` : ''}${body == null ? '' : `content-type: ${type}\n`}\n${
    body == null ? '' : typeof body === 'string' ? body : JSON.stringify(body)}`);
const fixtures = files('tests/fixtures').slice(0, 6).map((f) => json(f).submission);
for (const s of fixtures) {
  req('POST /api/v1/submissions', 'jiancha', s);
  req('POST /api/v1/submissions', 'qiye', [s]);
  req(`GET /api/v1/submissions/${s.id}`, 'jiancha');
}
req('GET /api/v1/submissions?since=0&limit=10&region=520102&product=ebike', 'jiancha');
for (const f of files('tests/ledger-fixtures')) {
  const ev = json(f).events ?? [];
  if (ev.length) req('POST /api/v1/events', 'jiancha', ev.slice(0, 5));
}
req('GET /api/v1/events?after=0&limit=50', 'jiancha');
req('GET /api/v1/ledger?region=520102', 'jiancha');
req('GET /api/v1/queue?line=quality', 'jiancha');
for (const f of files('tests/express-fixtures')) {
  const ev = json(f).input?.events ?? [];
  if (ev.length) req('POST /api/v1/express/events', 'jiancha', ev.slice(0, 4));
}
req('GET /api/v1/express/reports', 'dudao');
req('POST /api/v1/morning-reports', 'dudao', { date: '2026-12-01', region: '520000' });
req('GET /api/v1/public/typical-cases');
for (const s of (county.spot_checks ?? []).slice(0, 4)) req('POST /api/v1/spot-checks', 'jiancha', s);
req('GET /api/v1/key-inspections?region=520100', 'jiancha');
for (const f of files('campaigns')) {
  const id = json(f).id ?? 'x';
  for (const r of ['progress?region=520000', 'leaves?region=520100', 'ranking?region=520100', 'summary?region=520000&date=2026-12-01',
    'breakdown/trace?region=520100&date=2026-12-01&by=link&key=production&figure=open', 'register?region=520102',
    'lookback/sample?region=520102&size=3', 'acts'])
    req(`GET /api/v1/campaigns/${id}/${r}`, 'dudao');
  req(`POST /api/v1/campaigns/${id}/acts`, 'dudao', { id: '00000000-0000-4000-8000-000000000001', kind: 'urge', region: '520102', reason: '进度滞后', at: '2026-08-16T09:00:00+08:00' });
}
for (const r of (county.register ?? []).slice(0, 3)) req('POST /api/v1/register/entries', 'jiancha', r);
req('POST /api/v1/register/import?region=520102', 'jiancha', csv([header, ...reg.slice(0, 3)]), 'text/csv');
req('GET /api/v1/register?after=0', 'jiancha');
req('GET /api/v1/register/export?region=520102', 'jiancha');
req('POST /api/v1/documents', 'jiancha', { kind: 'rectification_order', record: '00000000-0000-4000-8000-000000000002' });
req('PUT /api/v1/attachments/' + 'a'.repeat(64), 'jiancha', 'bytes', 'application/octet-stream');
req('POST /api/v1/accounts', 'admin', { username: 'x1', role: 'inspector', name: '检查员', regions: ['520102'], password: 'correct horse battery' });
req('PUT /api/v1/accounts/jiancha/line', 'admin', { line: 'quality' });
req('GET /api/v1/audit?after=0', 'admin');
req('GET /api/v1/me', 'qiye');

console.log(Object.entries(counts).map(([t, n]) => `${t}: ${n} seeds`).join(', '));
