// Type-checked (never run) use of the WASM package's API, as a portal's TypeScript would write it.
// `tsc -p tests/ts` fails if the generated paicha.d.ts loses or changes these types.
import init, { check, checkCompact, checkJson, findingsOf, FormSession, itemKeys, loadTemplate, products } from '../../pkg/paicha.js';
import type { CompactAction, CompactFinding, CompactReport, Delta, Finding, Level, Report, Submission } from '../../pkg/paicha.js';

export async function example(): Promise<Level> {
  await init();
  const submission: Submission = {
    id: '6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10',
    product: 'electric-bicycle',
    form: 'onsite_inspection',
    link: 'sales',
    enterprise: { uscc: '91520102MA6DK4L2XN', name: '贵阳示例车行', region: '520102' },
    inspected_at: '2023-07-20T10:00:00+08:00',
    answers: { 'ebike.max_speed_kmh': 30, 'ebike.components_checked': ['vehicle'] },
  };
  const report: Report = check(submission, '2023-07-20T12:00:00+08:00');
  const majors: Finding[] = report.findings.filter((f) => f.severity === 'major');
  const due: (string | undefined)[] = report.actions.map((a) => a.due);
  const fromText: Report = JSON.parse(checkJson(JSON.stringify(submission)));
  const session = new FormSession(submission);
  const delta: Delta = session.set('ebike.max_speed_kmh', 24);
  const counts: number = delta.errorCount + delta.findingCount;
  const loaded = loadTemplate('{}');
  const problems: number = loaded.ok ? 0 : loaded.issues.length;
  const names: string[] = products().map((p) => p.name?.zh ?? p.product);
  // The compact report: slots into itemKeys, `due` into dates, findings spelled out by findingsOf.
  const compact: CompactReport = checkCompact(submission, '2023-07-20T12:00:00+08:00');
  const keys: string[] | null = compact.product ? itemKeys(compact.product, compact.template_version) : null;
  const first: CompactFinding | undefined = compact.findings[0];
  const slot: number | undefined = first?.[0];
  const applied: string | undefined = first?.[3]?.standard;
  const perItem: string[] = compact.actions.flatMap((a: CompactAction) => (a.length === 3 ? [keys?.[a[2]] ?? ''] : a[3].map((s) => keys?.[s] ?? '')));
  const dues: (string | undefined)[] = compact.actions.map((a) => (a[1] === null ? undefined : compact.dates[a[1]]));
  const spelled: Finding[] = compact.product ? findingsOf(compact.product, compact.template_version, new Uint32Array([0, 0, 0])) : [];
  // These lines must be type errors; if the types decayed to `any`, tsc reports the unused directives.
  // @ts-expect-error a level is a string union, not a number
  const wrongLevel: number = report.level;
  // @ts-expect-error a session answer cannot be a function
  session.set('ebike.max_speed_kmh', () => 1);
  // @ts-expect-error a compact finding's slot is a number, not an item key
  const wrongSlot: string | undefined = first?.[0];
  void [majors, due, fromText, counts, problems, names, wrongLevel, slot, applied, perItem, dues, spelled, wrongSlot];
  return report.level;
}
