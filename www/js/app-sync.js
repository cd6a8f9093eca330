// The app's sync scheduler (mount() in app.js): drains the outbox now, again after a drain asked
// for while one ran, every PERIOD after a success and with a growing backoff after failures; the
// outbox's redraws while a queue drains; Background Sync asked for after a submit.
import { getMeta } from './db.js';
import { t } from './i18n.js';
import { drain, counts, backoff, NeedsSignIn } from './outbox.js';
import { updateStatus } from './outbox-view.js';

const PERIOD = 60000;

export function syncScheduler(app) {
  const { main, options, emit, endpoint } = app;
    const sync = {
    failures: 0, timer: null, running: null, nextAt: null,
    now() {
      clearTimeout(this.timer);
      this.nextAt = null;
      // Asked while a drain runs (it may have read the outbox before a new record came): run again after it.
      if (this.running) { this.again = true; return this.running; }
      this.running = (async () => {
        do { this.again = false; await this.run(); } while (this.again);
      })().finally(() => { this.running = null; });
      return this.running;
    },
    later(ms) {
      clearTimeout(this.timer);
      this.nextAt = Date.now() + ms;
      this.timer = setTimeout(() => this.now(), ms);
    },
    async run() {
      const auth = await getMeta('auth');
      // An expired sign-in is known without asking: keep everything, ask to sign in again.
      if (auth?.expires_at && Date.parse(auth.expires_at) <= Date.now() && (await counts()).pending > 0) {
        app.needSignIn = true;
        emit('error', { code: 'token_expired', message: t('needSignIn') });
        await refresh();
        return;
      }
      this.start = await counts();
      try {
        const r = await drain({ endpoint, token: auth?.token ?? null, retryFirst: options.retryBase }, () => refreshSoon());
        // The register of the account's regions, for picking enterprises offline (issue 12).
        await import('./register.js').then((reg) => reg.syncRegister(endpoint, auth?.token)).catch(() => 0);
        this.failures = 0;
        app.needSignIn = false;
        // Acknowledged by this drain or, while it waited for the lock, by another tab or the
        // service worker's Background Sync: either way the user's records are on the server.
        const after = await counts();
        const acked = Math.max(r.acked, after.sent - (this.start?.sent ?? after.sent));
        if (acked || r.attention) emit('synced', { ...r, acked, ...after });
        this.later(PERIOD);
      } catch (e) {
        if (e instanceof NeedsSignIn) {
          app.needSignIn = true;
          emit('error', { code: 'unauthenticated', message: t('needSignIn') });
        } else {
          // The long backoff grows only while nothing gets through; anything acknowledged resets it.
          this.failures = e.progress?.acked || e.progress?.files ? 1 : this.failures + 1;
          emit('error', { code: 'retry', message: String(e.message) });
          this.later(backoff(this.failures, Math.random, options.retryBase));
        }
      }
      this.start = null;
      await refresh();
    },
  };
  // Progress comes with every acknowledgement (several a second on a good network): redraw the
  // outbox's status at most every 400 ms and its rows every 2 s, so typing stays quick while a
  // queue drains.
  let redraw = null;
  let rowsAt = 0;
  function refreshSoon() {
    if (redraw) return;
    redraw = setTimeout(async () => {
      redraw = null;
      await app.frame();
      const box = main.querySelector('section.outbox');
      if (!box || app.view) return;
      if (Date.now() - rowsAt > 2000) { rowsAt = Date.now(); await app.outboxView(box); } else await updateStatus(box, app.outboxUi);
    }, 400);
  }
  async function refresh() {
    await app.frame();
    const box = main.querySelector('section.outbox');
    if (box && !app.view) await app.outboxView(box);
  }

  async function requestBackgroundSync() {
    try {
      const reg = await navigator.serviceWorker?.getRegistration?.();
      await reg?.sync?.register('paicha-outbox');
    } catch { /* no Background Sync here: the timer and the online event do the work */ }
  }
  return { sync, refresh, refreshSoon, requestBackgroundSync };
}
