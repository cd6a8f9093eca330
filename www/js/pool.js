// A bounded pool of upload tasks for the outbox (no DOM, no IndexedDB: tested in Node, used by pages
// and the service worker). Why not one request after another: on a bad network one failed request
// used to put the whole outbox into a backoff growing to minutes while other requests would have
// gone through (issue 17). Here every task keeps its own short, capped, jittered backoff and the
// others go on; the pool gives up (so the caller's long backoff applies) only when nothing at all
// has got through for a while: offline, or the server down.

/**
 * opts: {
 *   limit: requests in flight at most (the browser allows 6 per host over HTTP/1.1; keep a slot free
 *          for the page's own requests),
 *   kindLimits: {kind: n} at most n of one kind in flight (so records leave room for photos),
 *   retryable(e): true for an error worth retrying (network, 5xx); anything else is fatal,
 *   backoff(failures): ms to wait before a task's next try after its n-th failure in a row,
 *   giveUpAfter: {failures, ms}: give up when this many failures came in a row and nothing
 *          succeeded for this long,
 *   onRetry(task, at, error): told when a failed task will be tried again (for the status),
 *   now, sleep: injectable clock (tests).
 * }
 * A task: {kind, run: async () => any, after?: kind}: `after` holds it back until no task of that
 * kind is left (ledger events go after the submissions they cite).
 */
export function createPool(opts) {
  const limit = opts.limit ?? 4;
  const kindLimits = opts.kindLimits ?? {};
  const now = opts.now ?? Date.now;
  const giveUp = opts.giveUpAfter ?? { failures: 6, ms: 15000 };
  const waiting = []; // tasks not running: {task, notBefore}
  const running = new Map(); // kind -> count
  let inFlight = 0;
  const unsettled = new Map(); // kind -> tasks added and not yet done
  let lastSuccess = now();
  let failuresInRow = 0;
  let stopped = null; // the error the pool stops with
  let timer = null;
  let resolveDone;
  let rejectDone;
  const done = new Promise((ok, fail) => { resolveDone = ok; rejectDone = fail; });
  const stats = { succeeded: 0, failed: 0 };

  const count = (m, k, d) => m.set(k, (m.get(k) ?? 0) + d);

  function add(task) {
    if (stopped) return;
    count(unsettled, task.kind, 1);
    waiting.push({ task, notBefore: 0 });
    // Scheduled after the caller's synchronous adds, so an `after` task added first still waits.
    queueMicrotask(schedule);
  }

  function finishIfIdle() {
    if (inFlight > 0) return;
    if (stopped) { clearTimeout(timer); rejectDone(stopped); return; }
    if (waiting.length === 0) { clearTimeout(timer); resolveDone(stats); }
  }

  function ready(w, t) {
    if (w.notBefore > t) return false;
    const k = w.task.kind;
    if (kindLimits[k] !== undefined && (running.get(k) ?? 0) >= kindLimits[k]) return false;
    if (w.task.after && (unsettled.get(w.task.after) ?? 0) > 0) return false;
    return true;
  }

  function schedule() {
    if (stopped) { finishIfIdle(); return; }
    const t = now();
    while (inFlight < limit) {
      const i = waiting.findIndex((w) => ready(w, t));
      if (i < 0) break;
      const [w] = waiting.splice(i, 1);
      start(w);
    }
    // Sleep until the earliest backoff ends (a task finishing wakes us earlier).
    clearTimeout(timer);
    const next = waiting.filter((w) => w.notBefore > t).reduce((m, w) => Math.min(m, w.notBefore), Infinity);
    if (next !== Infinity && inFlight < limit) timer = (opts.setTimer ?? setTimeout)(schedule, next - t);
    finishIfIdle();
  }

  function start(w) {
    inFlight++;
    count(running, w.task.kind, 1);
    Promise.resolve().then(() => w.task.run()).then(() => {
      stats.succeeded++;
      failuresInRow = 0;
      lastSuccess = now();
      count(unsettled, w.task.kind, -1);
    }, (e) => {
      stats.failed++;
      if (!opts.retryable(e)) { stopped ??= e; return; }
      failuresInRow++;
      w.failures = (w.failures ?? 0) + 1;
      if (failuresInRow >= giveUp.failures && now() - lastSuccess >= giveUp.ms) {
        stopped ??= e;
        return;
      }
      w.notBefore = now() + opts.backoff(w.failures);
      opts.onRetry?.(w.task, w.notBefore, e, w.failures);
      waiting.push(w);
    }).finally(() => {
      inFlight--;
      count(running, w.task.kind, -1);
      schedule();
    });
  }

  // Nothing added at all: done at once.
  queueMicrotask(() => schedule());
  return { add, done, stats, get inFlight() { return inFlight; } };
}
