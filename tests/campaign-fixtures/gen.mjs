// Makes the fixture county (tests/campaign-fixtures/county.json): a register of 200 enterprises in
// 520102 (Nanming, Guiyang) plus 30 in 520103 and 20 in 520201 for the roll-up, their
// submissions, ledger events and spot checks, and the figures expected from them.
//
// The expected figures are counted here from the rules the data was made by (which enterprise
// self-inspects, which danger ends in which state), independently of the Rust code that the test
// holds to them. Run: node tests/campaign-fixtures/gen.mjs > tests/campaign-fixtures/county.json
const CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function uscc(region, n) {
  // 91 + region + 9-character organisation code + check character (GB 32100-2015).
  const org = 'MA' + String(n).padStart(7, '0');
  const body = '91' + region + org;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARS.indexOf(body[i]) * W[i];
  const c = (31 - (sum % 31)) % 31;
  return body + CHARS[c];
}
let nextId = 1;
const uuid = () => `00000000-0000-4000-8000-${(nextId++).toString(16).padStart(12, '0')}`;
const NOW = '2023-08-16T10:00:00+08:00';
const TODAY = '2023-08-16';
const products = [['electric-bicycle'], ['gas-hose', 'fire-extinguisher'], ['cement']];
const register = [], submissions = [], events = [], spots = [];
const zero = () => ({ registered: 0, self_inspected: 0, onsite_inspected: 0, unregistered: 0, general: 0, major: 0,
  rectified: 0, closed_out: 0, closed_other: 0, open: 0, overdue: 0, violations: 0, measures: 0, measures_done: 0,
  spot_unqualified: 0, spot_disposed: 0, spot_overdue: 0 });
const expected = {}; // region -> { total, products: {p: figures} }
const fig = (region, product) => {
  const r = (expected[region] ??= { total: zero(), products: {} });
  return product ? (r.products[product] ??= zero()) : r.total;
};
const both = (region, product, f) => { f(fig(region, null)); f(fig(region, product)); };
const sub = (u, region, product, form, date, valid) => submissions.push({
  id: uuid(), uscc: u, region, product, form, link: 'sales', date, valid });
let k = 0; // danger counter: decides each danger's fate
function danger(u, region, product, severity, found) {
  const entry = uuid();
  const at = `${found}T09:00:00+08:00`;
  const ev = (kind, fields, when = at) => events.push({ id: uuid(), entry, author: 'jiancha', device: 'tablet', at: when, kind, ...fields });
  const violation = severity === 'major' && k % 3 === 0;
  const actions = violation ? ['stop_production_sale', 'serious_violation_list', 'credit_publicity', 'judicial_transfer_review'] : [];
  ev('created', { enterprise: { uscc: u, region }, product,
    danger: { text: { zh: '隐患', en: 'danger' }, severity, basis: 'GB 0000', ...(violation ? { violation: 'unlicensed_production' } : {}) },
    ...(actions.length ? { actions } : {}) });
  const counted = found >= '2023-06-01';
  const fate = k % 17 === 0 ? 'withdrawn' : ['found', 'overdue', 'ordered', 'rectified', 'closed_out'][k % 5];
  k++;
  if (fate !== 'found') ev('rectification_ordered', { deadline: fate === 'overdue' ? '2023-08-10' : '2023-09-30' });
  if (fate === 'rectified' || fate === 'closed_out') {
    events.push({ id: uuid(), entry, author: 'qiye', device: 'phone', at: `${found}T15:00:00+08:00`, kind: 'rectified', measures: '已整改' });
  }
  if (fate === 'closed_out') ev('rechecked', { round: 1, passed: true }, `${found}T18:00:00+08:00`);
  if (fate === 'withdrawn') ev('closed', { reason: 'withdrawn' });
  let done = 0;
  if (violation && k % 2 === 0) { ev('action_taken', { action: 'serious_violation_list', decision_number: '黔市监列〔2023〕' + k + '号', document_date: '2023-07-15' }); done = 1; }
  if (!counted) return;
  both(region, product, (f) => {
    f[severity]++;
    if (fate === 'rectified') f.rectified++;
    if (fate === 'closed_out') { f.rectified++; f.closed_out++; }
    if (fate === 'withdrawn') f.closed_other++;
    if (['found', 'overdue', 'ordered', 'rectified'].includes(fate)) f.open++;
    if (fate === 'overdue') f.overdue++;
    if (violation) { f.violations++; f.measures += 4; f.measures_done += done; }
  });
}
function county(region, count, offset) {
  for (let i = 0; i < count; i++) {
    const u = uscc(region, offset + i);
    const ps = products[i % 3];
    register.push({ uscc: u, name: `企业${region}-${i}`, region, products: ps.map((product) => ({ product, links: ['sales'] })),
      ...(i % 9 === 0 ? { key_flags: ['rural_market'] } : {}),
      ...(i % 20 === 0 ? { certificates: [{ kind: 'ccc', number: `CCC${i}`, valid_until: '2023-09-01' }] } : {}) });
    // Self-inspection: every fifth enterprise has none; of the two-product ones every seventh did
    // only the first product; every eleventh enterprise's first record is invalid (does not count).
    let selfDone = ps.map(() => i % 5 !== 0);
    if (ps.length === 2 && i % 7 === 0) selfDone[1] = false;
    ps.forEach((p, j) => {
      if (!selfDone[j]) return;
      const invalid = j === 0 && i % 11 === 0;
      if (invalid) selfDone[j] = false;
      sub(u, region, p, 'self_inspection', '2023-07-0' + (1 + (i % 9)), !invalid);
    });
    // A self-inspection before the period counts for nothing.
    if (i % 13 === 0) sub(u, region, ps[0], 'self_inspection', '2023-05-20', true);
    // On-site: every fourth enterprise, every product.
    const onsite = i % 4 === 0;
    if (onsite) ps.forEach((p) => sub(u, region, p, 'onsite_inspection', '2023-07-20', true));
    ps.forEach((p, j) => { const f = fig(region, p); f.registered++; f.self_inspected += selfDone[j] ? 1 : 0; f.onsite_inspected += onsite ? 1 : 0; });
    const t = fig(region, null); t.registered++; t.self_inspected += selfDone.every(Boolean) ? 1 : 0; t.onsite_inspected += onsite ? 1 : 0;
    // Dangers: a general one for every sixth, a major one for every tenth; one found before the period.
    if (i % 6 === 0) danger(u, region, ps[0], 'general', '2023-07-2' + (i % 8));
    if (i % 10 === 0) danger(u, region, ps[ps.length - 1], 'major', '2023-07-1' + (i % 9));
    if (i === 1) danger(u, region, ps[0], 'general', '2023-05-15');
    // Spot checks: every 25th unqualified (disposed when also every 50th); one more, dated early
    // enough that its 75-day re-check deadline (08-15) has passed; qualified ones count nothing.
    if (i % 25 === 0 || i === 3) {
      const date = i === 3 ? '2023-06-01' : '2023-06-20';
      const disposed = i % 50 === 0;
      spots.push({ id: uuid(), enterprise: { uscc: u, region }, product: ps[0], batch: `B${i}`, date, result: 'unqualified',
        failed_items: ['x'], ...(disposed ? { recheck: { date: '2023-08-01', passed: true } } : {}) });
      both(region, ps[0], (f) => { f.spot_unqualified++; f.spot_disposed += disposed ? 1 : 0; f.spot_overdue += !disposed && date === '2023-06-01' ? 1 : 0; });
    }
    if (i % 30 === 1) spots.push({ id: uuid(), enterprise: { uscc: u, region }, product: ps[0], batch: `Q${i}`, date: '2023-07-01', result: 'qualified' });
  }
  // Inspected but not registered: three enterprises, one with two products.
  for (let j = 0; j < 3; j++) {
    const u = uscc(region, offset + 900 + j);
    sub(u, region, 'cement', 'onsite_inspection', '2023-07-25', true);
    both(region, 'cement', (f) => f.unregistered++);
    if (j === 0) { sub(u, region, 'gas-hose', 'onsite_inspection', '2023-07-25', true); fig(region, 'gas-hose').unregistered++; }
  }
}
county('520102', 200, 0);
county('520103', 30, 1000);
county('520201', 20, 2000);
// Roll-up expected: prefectures and province are sums of their counties.
const sum = (codes) => {
  const out = { total: zero(), products: {} };
  for (const c of codes) {
    for (const [key, v] of Object.entries(expected[c].total)) out.total[key] += v;
    for (const [p, f] of Object.entries(expected[c].products)) {
      const o = (out.products[p] ??= zero());
      for (const [key, v] of Object.entries(f)) o[key] += v;
    }
  }
  return out;
};
const counties = { ...expected };
expected['520100'] = sum(['520102', '520103']);
expected['520200'] = sum(['520201']);
expected['520000'] = sum(Object.keys(counties));
process.stdout.write(JSON.stringify({ now: NOW, today: TODAY, root: '520000', register, submissions, events, spot_checks: spots, expected }, null, 1) + '\n');
