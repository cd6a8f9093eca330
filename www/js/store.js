// Drafts, submit, export and import. A draft and the files it adds are written in one
// transaction; submit moves the draft to the outbox in one transaction, frozen, with its client UUID.
import { tx, all, get } from './db.js';

/** RFC 3339 with the device's offset (the core wants the offset). */
export function localTime(d = new Date()) {
  const off = -d.getTimezoneOffset();
  const p = (n) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  const local = new Date(d.getTime() + off * 60000).toISOString().slice(0, 19);
  return `${local}${off >= 0 ? '+' : '-'}${p(off / 60)}:${p(off % 60)}`;
}

export function newDraft({ product, form, link, role, enterprise, catalogue, templateVersion }) {
  const now = new Date();
  return {
    id: crypto.randomUUID(), product, form, link, role, enterprise, catalogue, templateVersion,
    inspected_at: localTime(now), answers: {}, createdAt: now.toISOString(), updatedAt: now.toISOString(),
  };
}

export class AlreadySubmitted extends Error {
  constructor(id) { super(`record ${id} was already submitted`); this.code = 'already_submitted'; }
}

/**
 * Runs write(s) unless the record was submitted meanwhile (in another tab or window): a frozen
 * record is never overwritten nor brought back as a draft (getodk/collect#3517).
 */
function unlessSubmitted(id, stores, write) {
  let submitted = false;
  return tx(['outbox', 'sent', ...stores], 'readwrite', (s) => {
    // The checks and the writes go out together (one round trip, autosave stays fast); a check that
    // finds the record submitted aborts the transaction before it commits, undoing the writes.
    const found = (r) => { if (r.result !== undefined && !submitted) { submitted = true; s.outbox.transaction.abort(); } };
    const a = s.outbox.getKey(id);
    const b = s.sent.getKey(id);
    a.onsuccess = () => found(a);
    b.onsuccess = () => found(b);
    write(s);
  }).catch((e) => { throw submitted ? new AlreadySubmitted(id) : e; });
}

/** Saves the draft and any new attachment bytes together. */
export function saveDraft(draft, blobs = []) {
  return unlessSubmitted(draft.id, ['drafts', 'blobs'], (s) => {
    for (const b of blobs) s.blobs.put({ sha256: b.ref.sha256, blob: b.blob, name: b.ref.name, type: b.ref.type, size: b.ref.size });
    s.drafts.put({ ...draft, updatedAt: new Date().toISOString() });
  });
}

export const listDrafts = async () => (await all('drafts')).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
export const getDraft = (id) => get('drafts', id);
/** Deletes a draft and the bytes of its photos that no other draft or unsent record cites. */
export const deleteDraft = (id) => tx(['drafts', 'outbox', 'blobs'], 'readwrite', (s) => {
  const d = s.drafts.get(id);
  d.onsuccess = () => {
    if (!d.result) return;
    const mine = shasOf(d.result.answers);
    s.drafts.delete(id);
    const drafts = s.drafts.getAll();
    drafts.onsuccess = () => {
      const outbox = s.outbox.getAll();
      outbox.onsuccess = () => {
        const cited = new Set();
        for (const x of drafts.result) if (x.id !== id) for (const k of shasOf(x.answers)) cited.add(k);
        for (const o of outbox.result) for (const k of shasOf(o.submission?.answers ?? o.event)) cited.add(k);
        for (const sha of mine) if (!cited.has(sha)) s.blobs.delete(sha);
      };
    };
  };
});

function shasOf(value) {
  const out = new Set();
  JSON.stringify(value ?? null, (k, v) => { if (v && typeof v.sha256 === 'string') out.add(v.sha256); return v; });
  return out;
}

export function toSubmission(d) {
  const s = {
    id: d.id, product: d.product, form: d.form, link: d.link, enterprise: d.enterprise,
    inspected_at: d.inspected_at, answers: d.answers,
  };
  if (d.templateVersion) s.template_version = d.templateVersion;
  // The records of one visit (www/js/visit.js) name it, so they can be found together.
  if (d.visit) s.meta = { visit: d.visit };
  return s;
}

/** Draft -> immutable outbox record, in one transaction. */
export function submitDraft(draft, level) {
  const rec = {
    id: draft.id, submission: toSubmission(draft), state: 'pending', level, catalogue: draft.catalogue,
    createdAt: new Date().toISOString(), ...(draft.replaces ? { replaces: draft.replaces } : {}),
  };
  return unlessSubmitted(draft.id, ['drafts'], (s) => {
    s.drafts.delete(draft.id);
    s.outbox.add(rec);
  }).then(() => rec);
}

const b64 = async (blob) => {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};

/** Everything not yet acknowledged (outbox, including "needs attention") with its files, as JSON. */
export async function exportPending() {
  const records = await all('outbox');
  const shas = new Set();
  for (const r of records) JSON.stringify(r.submission?.answers ?? r.event ?? null, (k, v) => { if (v && typeof v.sha256 === 'string') shas.add(v.sha256); return v; });
  const files = [];
  for (const sha of shas) {
    const b = await get('blobs', sha);
    if (b) files.push({ sha256: sha, name: b.name, type: b.type, size: b.size, base64: await b64(b.blob) });
  }
  return { format: 'paicha-export', version: 1, exportedAt: new Date().toISOString(), records: records.map((r) => ({ id: r.id, kind: r.kind ?? 'submission', submission: r.submission, event: r.event, state: r.state, reason: r.reason ?? null, createdAt: r.createdAt })), files };
}

/** Puts exported records back in the outbox (those already there or already sent are skipped). */
export async function importPending(data) {
  if (data?.format !== 'paicha-export' || !Array.isArray(data.records)) throw new Error('not a paicha export file');
  const sent = new Set((await all('sent')).map((r) => r.id));
  let added = 0;
  await tx(['outbox', 'blobs'], 'readwrite', (s) => {
    for (const f of data.files ?? []) {
      const bin = atob(f.base64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      s.blobs.put({ sha256: f.sha256, blob: new Blob([bytes], { type: f.type }), name: f.name, type: f.type, size: f.size });
    }
    for (const r of data.records) {
      if (!r?.id || !(r.submission || r.event) || sent.has(r.id)) continue;
      const q = s.outbox.get(r.id);
      q.onsuccess = () => {
        if (q.result) return;
        // An event keeps its kind (its endpoint: outbox.js); an unknown one is a ledger event.
        const body = r.event ? { kind: ['spot', 'express'].includes(r.kind) ? r.kind : 'event', event: r.event } : { submission: r.submission };
        s.outbox.put({ id: r.id, ...body, state: 'pending', createdAt: r.createdAt ?? new Date().toISOString(), imported: true });
        added++;
      };
    }
  });
  return added;
}

/**
 * The way out of "needs attention" for a refused record: the record stays in the outbox as it was
 * sent (immutable, exportable), marked `replaced`, and a copy becomes a new draft with a new id that
 * names it (`replaces`), in one transaction. The user corrects the copy and submits it as any draft.
 * Resolves with the new draft, or null when the record is not (or no longer) refused.
 */
export function correctRecord(id) {
  let draft = null;
  return tx(['outbox', 'drafts'], 'readwrite', (s) => {
    const g = s.outbox.get(id);
    g.onsuccess = () => {
      const rec = g.result;
      if (!rec || rec.state !== 'attention' || !rec.submission) return;
      const sub = rec.submission;
      const now = new Date().toISOString();
      draft = {
        id: crypto.randomUUID(), product: sub.product, form: sub.form, link: sub.link,
        role: sub.form === 'onsite_inspection' ? 'inspector' : 'enterprise', enterprise: { ...sub.enterprise },
        catalogue: rec.catalogue, templateVersion: sub.template_version, inspected_at: sub.inspected_at,
        answers: structuredClone(sub.answers ?? {}), createdAt: now, updatedAt: now, replaces: id,
      };
      s.drafts.put(draft);
      s.outbox.put({ ...rec, state: 'replaced', replacedBy: draft.id, replacedAt: now });
    };
  }).then(() => draft);
}
