// A visit (一次检查, issue 10): several product checklists at one enterprise in one go, e.g. a gas
// appliance shop checked for stove, hose, regulator and valve, or an e-bike dealer for several
// models. It stays one record per product (and per model) for the ledger and the statistics, each
// graded by its own checklist as before; what the visit adds is one envelope for all of them, the
// shared sections (the catalogue's fragments: licences, purchase inspection, ledgers, who
// inspected...) answered once and copied into every record of the visit that has the item, and
// one submit for all, sent in the same upload. A draft of a visit carries `visit` (the visit's
// id, also in the record's `meta.visit`), `visitOrder` and `shared` (the keys it shares: fragment
// items its checklist has in its form and link, worked out when the draft is made, while its
// product's catalogue part is the one loaded).
import { useProduct, merged, fragmentKeys, useCatalogue } from './catalogue.js';
import { newDraft, saveDraft, listDrafts, submitDraft, toSubmission } from './store.js';
import { check } from '../../pkg/paicha.js';

const applies = (scope, v) => !scope || scope.length === 0 || scope.includes(v);

/** The fragment keys `product`'s checklist has in `form` and `link` (its catalogue part loaded). */
function sharedOf(product, form, link) {
  const frag = fragmentKeys();
  return (merged(product)?.items ?? []).filter((i) => frag.has(i.key) && applies(i.forms, form) && applies(i.links, link)).map((i) => i.key);
}

/** A draft of `product` in a visit, made with that product's current catalogue part. */
async function visitDraft(base, product, visit, order, answers = {}) {
  const hash = await useProduct(product);
  const tpl = merged(product);
  const d = newDraft({ ...base, product, catalogue: hash, templateVersion: tpl?.version });
  d.inspected_at = base.inspected_at ?? d.inspected_at;
  const shared = sharedOf(product, base.form, base.link);
  Object.assign(d, { visit, visitOrder: order, shared, answers: Object.fromEntries(shared.filter((k) => k in answers).map((k) => [k, answers[k]])) });
  return d;
}

/** Starts a visit of several products: one draft each, saved; returns them in order. */
export async function startVisit(products, base) {
  const visit = crypto.randomUUID();
  const first = { ...base, inspected_at: undefined };
  const drafts = [];
  for (const [i, p] of products.entries()) {
    const d = await visitDraft(first, p, visit, i);
    first.inspected_at = d.inspected_at;
    drafts.push(d);
  }
  for (const d of drafts) await saveDraft(d);
  return drafts;
}

/** The drafts of a visit still open (not submitted), in order. */
export const visitDrafts = async (visit) => (await listDrafts()).filter((d) => d.visit === visit).sort((a, b) => a.visitOrder - b.visitOrder);

/**
 * Another model of the draft's product in the same visit, with the shared answers so far. A draft
 * not yet in a visit starts one (an e-bike dealer's twenty models begin as one checklist).
 */
export async function addModel(draft) {
  if (!draft.visit) {
    await useCatalogue(draft.catalogue, draft.product);
    Object.assign(draft, { visit: crypto.randomUUID(), visitOrder: 0, shared: sharedOf(draft.product, draft.form, draft.link) });
    await saveDraft(draft);
  }
  const all = await visitDrafts(draft.visit);
  const d = await visitDraft(draft, draft.product, draft.visit, Math.max(...all.map((x) => x.visitOrder)) + 1, draft.answers);
  await saveDraft(d);
  return d;
}

/**
 * Copies the shared answers of `draft` that differ into the visit's other drafts that share them
 * (an answer cleared here is cleared there). Returns how many drafts changed.
 */
export async function mirror(draft) {
  const mine = new Set(draft.shared ?? []);
  let changed = 0;
  for (const fresh of await visitDrafts(draft.visit)) {
    if (fresh.id === draft.id) continue;
    const answers = { ...fresh.answers };
    let diff = false;
    for (const k of fresh.shared ?? []) {
      if (!mine.has(k)) continue;
      const want = draft.answers[k];
      if (JSON.stringify(answers[k]) === JSON.stringify(want)) continue;
      if (want === undefined) delete answers[k]; else answers[k] = want;
      diff = true;
    }
    if (diff) { await saveDraft({ ...fresh, answers }); changed += 1; }
  }
  return changed;
}

/** Each open draft of the visit with its current grading (its own checklist, loaded in turn). */
export async function visitReports(visit) {
  const out = [];
  for (const d of await visitDrafts(visit)) {
    await useCatalogue(d.catalogue, d.product);
    out.push({ draft: d, report: check(toSubmission(d)) });
  }
  return out;
}

/** Submits every open draft of the visit (each its own record, graded by its own checklist). */
export async function submitVisit(visit) {
  const recs = [];
  for (const { draft, report } of await visitReports(visit)) recs.push(await submitDraft(draft, report.level));
  return recs;
}
