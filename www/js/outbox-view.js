// The outbox on the home screen (issue 17): a status that tells the truth and stays at the top with
// the upload button however long the queue is: records and photos apart ("300 records sent, 5
// photos uploading, 3.2 MB left") with progress, the last time anything was acknowledged, and per
// row what is happening (waiting, on the server without its photos, the next try after a failure,
// needs attention with the real reason and a way out: retry, or correct a copy as a new draft).
import { all } from './db.js';
import { t, tf, tt, getLang } from './i18n.js';
import { el } from './dom.js';
import { counts, retryRecord } from './outbox.js';
import { exportPending, importPending, correctRecord } from './store.js';

/** Rows listed at most: thousands of list items would slow every redraw while a queue drains. */
const ROWS = 50;
const mb = (n) => `${(n / 1048576).toFixed(n < 10485760 ? 1 : 0)} MB`;

/**
 * The status lines: what is left and what went, photos apart, last sync, and a progress bar for the
 * current queue (`start`: the counts when this drain began, or null).
 */
export function statusNodes(c, { when, start, nextAt }) {
  const parts = [];
  if (c.toSend) parts.push(el('span', { className: 'pending-count', textContent: tf('nToSend', { n: c.toSend }) }));
  else parts.push(el('span', { className: 'pending-count', textContent: `${t('pending')}: ${c.pending}` }));
  if (c.filesOnly) parts.push(el('span', { className: 'files-count', textContent: tf('nFilesOnly', { n: c.filesOnly }) }));
  if (c.photos) parts.push(el('span', { className: 'photo-count', textContent: tf('nPhotos', { n: c.photos, mb: mb(c.photoBytes) }) }));
  parts.push(el('span', { className: 'sent-count', textContent: tf('nSent', { n: c.sent }) }));
  parts.push(el('span', { className: 'attention-count', textContent: `${t('attention')}: ${c.attention}` }));
  parts.push(el('span', { className: 'last-sync', textContent: `${t('lastSync')}: ${c.lastSync ? when(c.lastSync) : t('never')}` }));
  if (nextAt && c.pending) parts.push(el('span', { className: 'next-sync', textContent: `${t('nextSync')}: ${when(new Date(nextAt).toISOString(), true)}` }));
  const line = el('p', { className: 'counts' });
  parts.forEach((p, i) => { if (i) line.append(' · '); line.append(p); });
  const out = [line];
  // Progress of this queue: records count one each, photos by their bytes (a photo is ~400 KB).
  if (start && (start.toSend || start.photoBytes)) {
    const total = start.toSend + start.photoBytes / 400000;
    const left = c.toSend + c.photoBytes / 400000;
    const done = Math.max(0, Math.min(total, total - left));
    out.push(el('progress', { className: 'sync-progress', max: 1000, value: Math.round((1000 * done) / total), aria: { label: t('progress') } }));
  }
  return out;
}

/** One row's state in words. */
function rowState(r, when, nextAt) {
  if (r.state === 'files') {
    const files = r.files ?? [];
    return tf('photosMissing', { n: files.filter((f) => !f.done).length, m: files.length });
  }
  if (r.state === 'pending' && r.retryAt && Date.parse(r.retryAt) > Date.now()) {
    return tf('nextTry', { n: r.tries ?? 1, why: r.lastError ?? '', at: when(r.retryAt, true) });
  }
  // The drain gave up on it for now: the next try is the next automatic upload.
  if (r.state === 'pending' && r.tries && nextAt) return tf('nextTry', { n: r.tries, why: r.lastError ?? '', at: when(new Date(nextAt).toISOString(), true) });
  return t(`state_${r.state}`);
}

/**
 * Draws the outbox into `box`. ui: {sync, refresh, describe(r), when(iso, timeOnly), openDraft(id),
 * storageInfo(p), note: {text} (the last import's outcome, kept across redraws)}.
 */
export async function outboxView(box, ui) {
  const rows = (await all('outbox')).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const c = await counts();
  const syncBtn = el('button', { type: 'button', className: 'primary', textContent: t('syncNow') });
  syncBtn.addEventListener('click', () => ui.sync.now());
  const exp = el('button', { type: 'button', className: 'secondary', textContent: t('exportPending') });
  exp.addEventListener('click', async () => {
    const data = await exportPending();
    const a = el('a', { href: URL.createObjectURL(new Blob([JSON.stringify(data)], { type: 'application/json' })), download: `paicha-unsent-${new Date().toISOString().slice(0, 10)}.json` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  });
  const file = el('input', { type: 'file', accept: 'application/json,.json', className: 'sr-only', id: 'pc-import' });
  const imp = el('label', { className: 'button secondary', htmlFor: 'pc-import' }, el('span', { textContent: t('importFile') }));
  const impMsg = el('span', { attrs: { role: 'status' }, textContent: ui.note.text });
  file.addEventListener('change', async () => {
    try {
      const n = await importPending(JSON.parse(await file.files[0].text()));
      impMsg.textContent = ui.note.text = `${t('imported')}: ${n}`;
      await ui.refresh();
      ui.sync.now();
    } catch (e) { impMsg.textContent = ui.note.text = String(e.message); }
    file.value = '';
  });
  // Needs attention first (the user has something to do), then the queue in order.
  const order = { attention: 0, files: 1, pending: 2, replaced: 3 };
  const shown = [...rows].sort((a, b) => (order[a.state] ?? 2) - (order[b.state] ?? 2)).slice(0, ROWS);
  const list = el('ul', { className: 'records' });
  for (const r of shown) {
    const li = el('li', { className: `state-${r.state}`, data: { id: r.id, state: r.state } },
      el('span', { textContent: ui.describe(r) }),
      el('strong', { className: 'state', textContent: rowState(r, ui.when, ui.sync.nextAt) }));
    li.append(...(ui.rowActions?.(r) ?? []));
    if (r.replaces) li.append(el('p', { className: 'muted', textContent: `${t('replaces')} ${r.replaces.slice(0, 8)}` }));
    if (r.state === 'replaced' && r.replacedBy) li.append(el('p', { className: 'muted', textContent: `${t('replacedBy')} ${r.replacedBy.slice(0, 8)}` }));
    if (r.state === 'attention' && r.reason) {
      li.append(el('p', { className: 'reason', textContent: getLang() === 'en' ? r.reason.en : r.reason.zh }));
      if (r.reason.detail) li.append(el('p', { className: 'muted detail', textContent: tt(r.reason.detail) }));
      const again = el('button', { type: 'button', className: 'secondary', textContent: t('retry') });
      again.addEventListener('click', async () => { await retryRecord(r.id); ui.sync.now(); });
      li.append(again);
      if (r.submission) {
        const fix = el('button', { type: 'button', className: 'secondary correct', textContent: t('correct') });
        fix.addEventListener('click', async () => {
          const d = await correctRecord(r.id);
          if (d) await ui.openDraft(d.id); else await ui.refresh();
        });
        li.append(fix);
      }
    }
    list.append(li);
  }
  if (rows.length > shown.length) list.append(el('li', { className: 'more muted', textContent: tf('moreRows', { n: rows.length - shown.length }) }));
  // While a queue drains the receipts change every second: read them (all of them) only between drains.
  if (!ui.sync.start || !lastSent) lastSent = await recentSent();
  const sent = lastSent;
  const sentList = el('ul', { className: 'records sent' }, ...sent.map((r) => el('li', { data: { id: r.id, state: 'sent' } },
    el('span', { textContent: ui.describe(r) }),
    el('strong', { className: 'state', textContent: `${t('state_sent')} ${ui.when(r.sentAt)}` }), ...(ui.rowActions?.(r) ?? []))));
  const storage = el('p', { className: 'storage muted' });
  // The head (title, counts, progress, buttons) is sticky: with thousands queued it stays in view.
  const head = el('div', { className: 'outbox-head' },
    el('h2', { id: 'pc-outbox', textContent: t('outbox') }),
    el('div', { className: 'status', aria: { live: 'polite' } }, ...statusNodes(c, { when: ui.when, start: ui.sync.start, nextAt: ui.sync.nextAt })),
    el('div', { className: 'buttons' }, syncBtn, exp, imp, file), impMsg);
  box.replaceChildren(head, list,
    sent.length ? el('h3', { textContent: t('sent') }) : '', sentList,
    el('h3', { textContent: t('storage') }), storage);
  ui.storageInfo(storage);
}

/** Only the status lines (cheap: a drain's progress redraws these, not the list). */
export async function updateStatus(box, ui) {
  const status = box.querySelector('.outbox-head .status');
  if (!status) return outboxView(box, ui);
  status.replaceChildren(...statusNodes(await counts(), { when: ui.when, start: ui.sync.start, nextAt: ui.sync.nextAt }));
}

let lastSent = null;
/** The ten last receipts, newest first. */
async function recentSent() {
  return (await all('sent')).sort((a, b) => b.sentAt.localeCompare(a.sentAt)).slice(0, 10);
}
