// Synthetic checklist templates and filled submissions for the benchmarks.
//
//   node bench/gen.mjs [outDir]      writes bench-60.* and bench-500.* to outDir (default bench/data)
//
// Each size N gives three files:
//   bench-N.template.json    a paicha template (format 1, product `bench-N`)
//   bench-N.submission.json  a filled submission: every relevant item answered, valid, a few findings
//   bench-N.changes.json     single-answer changes for the per-keystroke benchmark:
//                            [{key, value, kind}], in change/undo pairs, so that applying the whole
//                            list returns the form to the submission's answers
//
// The mix follows a real checklist: ~50 % yes/no items with a compliance rule (default check, general
// or major, with a legal basis), ~25 % measured numbers with unit, range and a limit rule (a few read
// a lookup table keyed by a choice), one applicability question per section that the following items'
// skip logic reads, and some choice, integer, text and date items with entry constraints.
// Deterministic: the same N always gives the same files.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toJsonSchema } from './schema.mjs';

export const SIZES = [60, 500];
/// Inspection date of the generated submissions; `now` for checks is the next day.
export const INSPECTED_AT = '2025-10-15T10:30:00+08:00';
export const NOW = '2025-10-16T09:00:00+08:00';

/** mulberry32: small deterministic PRNG. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
const t = (zh, en) => ({ zh, en });

const SECTION_NAMES = [
  t('资质与证照', 'Licences and certificates'),
  t('原材料进货查验', 'Incoming material inspection'),
  t('生产过程控制', 'Production process control'),
  t('出厂检验', 'Factory inspection'),
  t('关键安全指标', 'Key safety indices'),
  t('标识标志', 'Marking and labelling'),
  t('仓储与运输', 'Storage and transport'),
  t('计量器具', 'Measuring instruments'),
  t('不合格品控制', 'Control of nonconforming products'),
  t('追溯与召回', 'Traceability and recall'),
  t('人员与培训', 'Staff and training'),
  t('销售台账', 'Sales records'),
];

const SUBJECTS = [
  t('原材料进货查验记录', 'Incoming material inspection records'),
  t('出厂检验报告', 'Factory inspection report'),
  t('关键工序作业指导书', 'Work instructions for key processes'),
  t('检验设备检定证书', 'Calibration certificates of test equipment'),
  t('产品合格证', 'Certificate of conformity'),
  t('中文标识', 'Chinese-language marking'),
  t('安全警示标志', 'Safety warning signs'),
  t('不合格品隔离区', 'Quarantine area for nonconforming products'),
  t('批次追溯记录', 'Batch traceability records'),
  t('特种作业人员证书', 'Certificates of special-operation staff'),
  t('质量安全员任命文件', 'Appointment of the quality and safety officer'),
  t('销售台账', 'Sales ledger'),
  t('供应商资质档案', 'Supplier qualification files'),
  t('型式试验报告', 'Type test report'),
  t('召回记录', 'Recall records'),
];
const PREDICATES = [
  t('齐全且在有效期内', 'complete and within validity'),
  t('与实际生产一致', 'consistent with actual production'),
  t('按规定保存两年以上', 'kept for at least two years as required'),
  t('内容完整、签字齐全', 'complete and signed'),
  t('可追溯到具体批次', 'traceable to the batch'),
  t('已按标准要求执行', 'applied as the standard requires'),
  t('现场可查', 'available on site'),
];
const BASES = [
  '《中华人民共和国产品质量法》第二十六条',
  '《中华人民共和国产品质量法》第二十七条',
  '《工业产品生产单位落实质量安全主体责任监督管理规定》第七条',
  '《工业产品生产单位落实质量安全主体责任监督管理规定》第十条',
  '《工业产品销售单位落实质量安全主体责任监督管理规定》第八条',
  '《强制性产品认证管理规定》第二十二条',
];
// label, unit, min, max, limit, op: the rule is `. <op> limit`
const MEASURES = [
  [t('最高设计车速', 'Maximum design speed'), 'km/h', 0, 120, 25, '<='],
  [t('接地电阻', 'Earth resistance'), 'Ω', 0, 100, 0.1, '<='],
  [t('绝缘电阻', 'Insulation resistance'), 'MΩ', 0, 1000, 2, '>='],
  [t('泄漏电流', 'Leakage current'), 'mA', 0, 50, 0.75, '<='],
  [t('表面温升', 'Surface temperature rise'), 'K', 0, 200, 60, '<='],
  [t('含水率', 'Moisture content'), '%', 0, 100, 12, '<='],
  [t('工作噪声', 'Operating noise'), 'dB(A)', 0, 150, 85, '<='],
  [t('甲醛释放量', 'Formaldehyde emission'), 'mg/L', 0, 10, 1.5, '<='],
  [t('整车质量', 'Complete vehicle mass'), 'kg', 1, 300, 55, '<='],
  [t('耐压强度', 'Compressive strength'), 'MPa', 0, 100, 42.5, '>='],
  [t('额定电压偏差', 'Rated voltage deviation'), '%', 0, 50, 10, '<='],
  [t('燃烧速率', 'Burning rate'), 'mm/min', 0, 500, 100, '<='],
];
const GRADES = [
  ['p32_5', t('32.5 级', 'Grade 32.5'), 32.5],
  ['p42_5', t('42.5 级', 'Grade 42.5'), 42.5],
  ['p52_5', t('52.5 级', 'Grade 52.5'), 52.5],
];
const STANDARDS = [
  { id: 'GB 4706.1-2005', title: t('家用和类似用途电器的安全 第1部分：通用要求', 'Household appliances safety, part 1'), from: '2005-08-01' },
  { id: 'GB 17761-2018', title: t('电动自行车安全技术规范', 'E-bike safety specification'), from: '2019-04-15', until: '2025-08-31' },
  { id: 'GB 17761-2024', title: t('电动自行车安全技术规范', 'E-bike safety specification'), from: '2025-09-01' },
  { id: 'GB 175-2023', title: t('通用硅酸盐水泥', 'Common Portland cement'), from: '2024-06-01' },
];

const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const pad = (n, w = 3) => String(n).padStart(w, '0');

/**
 * Generate {template, submission, changes} for N items (top-level, all plain items).
 * Options: seed (default N), form, link.
 */
/** The generated forms with their JSON Schemas (bench/schema.mjs): what the ajv comparisons measure. */
export function withSchemas(sizes = SIZES) {
  return sizes.map((n) => {
    const g = generate(n);
    return { n, g, schema: toJsonSchema(g.template, { form: g.submission.form, link: g.submission.link }) };
  });
}

export function generate(n, { seed = n, form = 'self_inspection', link = 'production' } = {}) {
  const r = rng(seed * 7919 + 17);
  const product = `bench-${n}`;
  const nSections = Math.max(3, Math.round(n / 10));
  const sections = [];
  for (let s = 0; s < nSections; s++) {
    const name = SECTION_NAMES[s % SECTION_NAMES.length];
    const no = Math.floor(s / SECTION_NAMES.length) + 1;
    sections.push({ id: `s${pad(s + 1, 2)}`, label: no > 1 ? t(`${name.zh}（${no}）`, `${name.en} (${no})`) : name });
  }
  const items = [];
  const answers = {};
  // Per generated item, what the submission answered and how a keystroke may change it.
  const meta = [];
  // A few findings: about one in 35 items fails (at least 3), spread evenly over the rule items.
  let failBudget = Math.max(3, Math.round(n / 35));
  const failEvery = Math.max(2, Math.floor((n * 0.7) / failBudget));
  let ruleItems = 0;

  // Section layout: item 0 of each section is its applicability question (a yes/no controller);
  // the grade choice that lookup rules read is the first section's item 1.
  const perSection = Math.ceil(n / nSections);
  let gradeKey = null;
  let usedLookup = false;
  let controller = null; // {key, answer} of the current section
  for (let i = 0; i < n; i++) {
    const sIdx = Math.min(nSections - 1, Math.floor(i / perSection));
    const section = sections[sIdx].id;
    const posInSection = i - sIdx * perSection;
    const key = `${section}.q${pad(i + 1)}`;
    const subj = pick(r, SUBJECTS);
    const pred = pick(r, PREDICATES);
    let item;
    let answer;
    let fails = false;
    const wantFail = () => {
      ruleItems++;
      if (failBudget > 0 && ruleItems % failEvery === 0) {
        failBudget--;
        return true;
      }
      return false;
    };
    // Skip logic: after the controller, ~20 % of the section's items are asked only when it is 'yes'.
    const relevant = controller && posInSection > 1 && r() < 0.2 ? `\${${controller.key}} = 'yes'` : undefined;
    const asked = !relevant || controller.answer === 'yes';

    if (posInSection === 0) {
      item = {
        key, section, type: 'yes_no', required: true,
        label: t(`本企业涉及${sections[sIdx].label.zh}相关活动`, `The enterprise has activities concerning ${sections[sIdx].label.en.toLowerCase()}`),
        hint: t('选择“否”将跳过本节的相关项目', 'Answering no skips the related items of this section'),
      };
      // Most sections apply; every fifth does not, so some items are skipped.
      answer = sIdx % 5 === 4 ? 'no' : 'yes';
      controller = { key, answer };
      meta.push({ key, kind: 'controller', answer });
    } else if (i === 1) {
      gradeKey = key;
      item = {
        key, section, type: 'single_choice', required: true,
        label: t('产品强度等级', 'Product strength grade'),
        choices: GRADES.map(([value, label]) => ({ value, label })),
      };
      answer = 'p42_5';
      meta.push({ key, kind: 'lookup_key', answer, alt: 'p52_5' });
    } else {
      // Item type from a low-discrepancy sequence, so that even 60 items follow the mix closely.
      const x = (i * 0.6180339887498949 + 0.3) % 1;
      if (x < 0.56) {
        // yes/no with a compliance rule (default check `. != 'no'`), or a "found X" question
        const found = r() < 0.12;
        const severity = r() < 0.35 ? 'major' : 'general';
        fails = wantFail();
        const rule = {
          severity,
          basis: pick(r, BASES),
          finding: found
            ? t(`发现${subj.zh}问题`, `Problem with ${subj.en.toLowerCase()} found`)
            : t(`${subj.zh}不符合要求`, `${subj.en} not as required`),
        };
        if (found) rule.check = ". != 'yes'";
        if (severity === 'major' && r() < 0.5) rule.violation = pick(r, ['substandard', 'uninspected_release', 'uncertified_product']);
        item = {
          key, section, type: 'yes_no', required: true,
          label: found
            ? t(`发现${subj.zh}存在伪造或涂改`, `${subj.en}: forgery or alteration found`)
            : t(`${subj.zh}${pred.zh}`, `${subj.en} ${pred.en}`),
          rules: [rule],
        };
        if (found) answer = fails ? 'yes' : 'no';
        else answer = fails ? 'no' : r() < 0.1 ? 'na' : 'yes';
        meta.push({ key, kind: 'yes_no', answer, flip: found ? (answer === 'yes' ? 'no' : 'yes') : answer === 'no' ? 'yes' : 'no' });
      } else if (x < 0.81) {
        // measured number with a limit (some limits from the lookup table, by grade)
        const [label, unit, min, max, limit, op] = pick(r, MEASURES);
        fails = wantFail();
        const useLookup = gradeKey && (!usedLookup || r() < 0.08);
        usedLookup ||= useLookup;
        const check = useLookup
          ? `. >= lookup('strength_limits', 'min_mpa', 'grade', \${${gradeKey}})`
          : `. ${op} ${limit}`;
        const lim = useLookup ? 42.5 : limit;
        const lo = useLookup ? '>=' : op;
        const rule = {
          check, severity: r() < 0.6 ? 'major' : 'general', violation: 'substandard',
          finding: t(`${useLookup ? '强度' : label.zh}不符合限值`, `${useLookup ? 'Strength' : label.en} outside the limit`),
        };
        if (r() < 0.5) {
          rule.standard = pick(r, STANDARDS.filter((s) => !s.until)).id;
          rule.clause = `${1 + Math.floor(r() * 8)}.${1 + Math.floor(r() * 9)}`;
        } else rule.basis = pick(r, BASES);
        item = {
          key, section, type: 'number', required: true, unit: useLookup ? 'MPa' : unit, min, max: useLookup ? 100 : max,
          label: useLookup ? t('28 天抗压强度', '28-day compressive strength') : label,
          rules: [rule],
        };
        const ok = lo === '<=' ? round(lim * (0.4 + 0.5 * r()), 2) : round(lim * (1.1 + 0.5 * r()), 2);
        const bad = lo === '<=' ? round(Math.min(item.max, lim * 1.3 + 0.1), 2) : round(lim * 0.7, 2);
        answer = fails ? bad : ok;
        const ok2 = lo === '<=' ? round(lim * 0.3, 2) : round(lim * 1.2, 2);
        meta.push({ key, kind: 'number', answer, ok: ok2, bad, outOfRange: item.max + 1 });
      } else if (x < 0.87) {
        item = {
          key, section, type: 'single_choice', required: true,
          label: t(`${subj.zh}的保存方式`, `How the ${subj.en.toLowerCase()} are kept`),
          choices: [
            { value: 'paper', label: t('纸质', 'Paper') },
            { value: 'electronic', label: t('电子', 'Electronic') },
            { value: 'both', label: t('纸质和电子', 'Paper and electronic') },
            { value: 'none', label: t('未保存', 'Not kept') },
          ],
          rules: [{ check: ". != 'none'", severity: 'general', basis: pick(r, BASES), finding: t(`未保存${subj.zh}`, `${subj.en} not kept`) }],
        };
        fails = wantFail();
        answer = fails ? 'none' : pick(r, ['paper', 'electronic', 'both']);
        meta.push({ key, kind: 'single_choice', answer, alt: answer === 'electronic' ? 'both' : 'electronic' });
      } else if (x < 0.91) {
        item = {
          key, section, type: 'multiple_choice',
          label: t('本次抽查的产品环节', 'Stages sampled this time'),
          choices: [
            { value: 'raw', label: t('原材料', 'Raw materials') },
            { value: 'wip', label: t('半成品', 'Work in progress') },
            { value: 'finished', label: t('成品', 'Finished products') },
            { value: 'returned', label: t('退货', 'Returns') },
          ],
          constraint: 'count-selected(.) >= 1',
          constraint_message: t('至少选择一项', 'Choose at least one'),
        };
        answer = ['raw', 'finished'];
        meta.push({ key, kind: 'multiple_choice', answer, alt: ['raw', 'wip', 'finished'] });
      } else if (x < 0.95) {
        item = {
          key, section, type: 'integer', required: true, min: 0, max: 10000,
          label: t('持证检验人员数', 'Number of certified inspectors'),
          rules: [{ check: '. >= 1', severity: 'general', basis: pick(r, BASES), finding: t('无持证检验人员', 'No certified inspector') }],
        };
        answer = 2 + Math.floor(r() * 20);
        meta.push({ key, kind: 'integer', answer, alt: answer + 1 });
      } else if (x < 0.98) {
        item = {
          key, section, type: 'date', required: true,
          label: t(`${subj.zh}最近更新日期`, `${subj.en}: last updated`),
          constraint: '. <= today()',
          constraint_message: t('日期不能晚于检查日期', 'The date cannot be after the inspection date'),
        };
        answer = `2025-0${1 + Math.floor(r() * 9)}-${pad(1 + Math.floor(r() * 28), 2)}`;
        meta.push({ key, kind: 'date', answer, alt: '2025-10-01' });
      } else {
        item = {
          key, section, type: 'text', max_length: 200,
          label: t('情况说明', 'Remarks'),
          constraint: 'string-length(.) >= 2',
        };
        answer = `抽查批次 2025-09-${pad(i, 3)} 记录完整`;
        meta.push({ key, kind: 'text', answer });
      }
    }
    if (relevant) item.relevant = relevant;
    items.push(item);
    if (asked) answers[key] = answer;
    else meta[meta.length - 1].skipped = true;
  }

  const template = {
    format: 1,
    product,
    version: '2025.1',
    family: 'bench',
    name: t(`基准测试清单（${n} 项）`, `Benchmark checklist (${n} items)`),
    forms: ['self_inspection', 'onsite_inspection'],
    links: ['production', 'sales'],
    standards: STANDARDS,
    tables: {
      strength_limits: {
        columns: ['grade', 'min_mpa'],
        rows: GRADES.map(([g, , v]) => [g, v]),
        source: 'synthetic: minimum 28-day strength by grade',
      },
    },
    sections,
    items,
  };
  const submission = {
    id: uuid(r),
    product,
    form,
    link,
    enterprise: { uscc: '91520102MA6DK4L2XN', name: '贵阳市示例制造有限公司', region: '520102' },
    inspected_at: INSPECTED_AT,
    answers,
  };
  return { template, submission, changes: changes(meta, answers, r) };
}

function uuid(r) {
  const h = () => Math.floor(r() * 16).toString(16);
  const s = Array.from({ length: 32 }, h);
  s[12] = '4';
  s[16] = '89ab'[Math.floor(r() * 4)];
  const j = s.join('');
  return `${j.slice(0, 8)}-${j.slice(8, 12)}-${j.slice(12, 16)}-${j.slice(16, 20)}-${j.slice(20)}`;
}

/**
 * Single-answer changes in change/undo pairs, spread over the form: plain edits, edits that create
 * or remove a finding, relevance flips (a section's applicability question), lookup-key changes,
 * typing in a text field, and entry errors (out of range).
 */
function changes(meta, answers, r) {
  const out = [];
  const pair = (m, value, kind) => {
    out.push({ key: m.key, value, kind });
    out.push({ key: m.key, value: answers[m.key], kind: `${kind} (undo)` });
  };
  for (const m of meta) {
    if (m.skipped) continue;
    switch (m.kind) {
      case 'controller':
        pair(m, m.answer === 'yes' ? 'no' : 'yes', 'relevance flip');
        break;
      case 'lookup_key':
        pair(m, m.alt, 'lookup key');
        break;
      case 'yes_no':
        if (r() < 0.5) pair(m, m.flip, 'finding toggle');
        else pair(m, m.answer === 'na' ? 'yes' : 'na', 'plain edit');
        break;
      case 'number': {
        const y = r();
        if (y < 0.4) pair(m, m.ok, 'plain edit');
        else if (y < 0.85) pair(m, m.bad === m.answer ? m.ok : m.bad, 'finding toggle');
        else pair(m, m.outOfRange, 'entry error');
        break;
      }
      case 'text': {
        // typing: one character at a time, then deleting it
        out.push({ key: m.key, value: `${m.answer}。`, kind: 'typing' });
        out.push({ key: m.key, value: m.answer, kind: 'typing (undo)' });
        break;
      }
      default:
        pair(m, m.alt, 'plain edit');
    }
  }
  return out;
}

/** Write the generated files for every size to `dir`; returns their paths. */
export function writeAll(dir) {
  mkdirSync(dir, { recursive: true });
  const written = [];
  for (const n of SIZES) {
    const { template, submission, changes } = generate(n);
    for (const [name, data] of [['template', template], ['submission', submission], ['changes', changes]]) {
      const p = join(dir, `bench-${n}.${name}.json`);
      writeFileSync(p, JSON.stringify(data) + '\n');
      written.push(p);
    }
  }
  return written;
}

/** A short description of a generated set, for the benchmark output. */
export function describe({ template, submission, changes }) {
  const count = (f) => template.items.filter(f).length;
  const kinds = {};
  for (const it of template.items) kinds[it.type] = (kinds[it.type] ?? 0) + 1;
  return {
    items: template.items.length,
    kinds,
    rules: template.items.reduce((a, it) => a + (it.rules?.length ?? 0), 0),
    relevant: count((it) => it.relevant),
    constraints: count((it) => it.constraint),
    answered: Object.keys(submission.answers).length,
    submissionBytes: Buffer.byteLength(JSON.stringify(submission)),
    changes: changes.length,
  };
}

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? join(here, 'data'));
  const files = writeAll(dir);
  for (const n of SIZES) {
    const d = describe(generate(n));
    console.log(
      `bench-${n}: ${d.items} items (${Object.entries(d.kinds).map(([k, v]) => `${v} ${k}`).join(', ')}), ` +
        `${d.rules} rules, ${d.relevant} with skip logic, ${d.constraints} constraints; ` +
        `${d.answered} answered, submission ${d.submissionBytes} B; ${d.changes} keystroke changes`,
    );
  }
  console.log(`wrote ${files.length} files to ${dir}`);
}
