// The outbox's request pool (www/js/pool.js) in Node: a failing task retries on its own while the
// others go on, the number in flight stays bounded, `after` holds tasks back, a run where nothing
// gets through gives up, a fatal error stops the pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool } from '../../www/js/pool.js';

class Retry extends Error {}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const base = { retryable: (e) => e instanceof Retry, backoff: (n) => 5 * n, giveUpAfter: { failures: 50, ms: 10000 } };

test('a task that fails retries on its own backoff while the others finish; in flight stays bounded', async () => {
  let inFlight = 0;
  let most = 0;
  const done = [];
  const tries = new Map();
  const retries = [];
  const pool = createPool({ ...base, limit: 3, onRetry: (task, at, e, n) => retries.push([task.name, n]) });
  for (let i = 0; i < 10; i++) {
    pool.add({
      kind: 'batch', name: i,
      run: async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await sleep(3);
        inFlight--;
        tries.set(i, (tries.get(i) ?? 0) + 1);
        if (i === 0 && tries.get(i) <= 3) throw new Retry('503');
        done.push(i);
      },
    });
  }
  const stats = await pool.done;
  assert.equal(most, 3);
  assert.deepEqual([...done].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Task 0 failed three times and went last: the others did not wait for it.
  assert.equal(done.at(-1), 0);
  assert.deepEqual(retries, [[0, 1], [0, 2], [0, 3]]);
  assert.deepEqual(stats, { succeeded: 10, failed: 3 });
});

test('a kind limit leaves slots for other kinds; tasks added while running are run', async () => {
  const running = { batch: 0, file: 0 };
  let mixed = false;
  const pool = createPool({ ...base, limit: 4, kindLimits: { batch: 3 } });
  const work = (kind) => async () => {
    running[kind]++;
    assert.ok(running.batch <= 3);
    if (running.batch > 0 && running.file > 0) mixed = true;
    await sleep(4);
    running[kind]--;
    if (kind === 'batch') pool.add({ kind: 'file', run: work('file') });
  };
  for (let i = 0; i < 8; i++) pool.add({ kind: 'batch', run: work('batch') });
  const stats = await pool.done;
  assert.equal(stats.succeeded, 16);
  assert.ok(mixed, 'files were sent while batches were');
});

test('`after` waits until no task of that kind is left, retries included', async () => {
  const order = [];
  let fails = 2;
  const pool = createPool({ ...base, limit: 4 });
  pool.add({ kind: 'events', after: 'batch', run: async () => { order.push('events'); } });
  pool.add({ kind: 'batch', run: async () => { await sleep(2); if (fails-- > 0) throw new Retry('x'); order.push('b1'); } });
  pool.add({ kind: 'batch', run: async () => { order.push('b2'); } });
  await pool.done;
  assert.deepEqual(order, ['b2', 'b1', 'events']);
});

test('nothing getting through for a while gives up with the last error; a success resets the count', async () => {
  // Every other request fails: never gives up.
  let n = 0;
  const flaky = createPool({ ...base, limit: 2, giveUpAfter: { failures: 3, ms: 0 } });
  for (let i = 0; i < 20; i++) flaky.add({ kind: 'batch', run: async () => { await sleep(1); if (n++ % 2 === 0) throw new Retry('half'); } });
  const s = await flaky.done;
  assert.equal(s.succeeded, 20);
  // Everything fails: gives up after 3 failures in a row once 30 ms passed without a success.
  let tries = 0;
  const dead = createPool({ ...base, limit: 2, backoff: () => 5, giveUpAfter: { failures: 3, ms: 30 } });
  for (let i = 0; i < 5; i++) dead.add({ kind: 'batch', run: async () => { tries++; throw new Retry(`offline ${tries}`); } });
  const t0 = Date.now();
  await assert.rejects(dead.done, (e) => e instanceof Retry && /offline/.test(e.message));
  assert.ok(Date.now() - t0 >= 30);
  assert.ok(tries >= 3);
});

test('a fatal error stops the pool once what is in flight has settled', async () => {
  class SignIn extends Error {}
  let finished = 0;
  const pool = createPool({ ...base, limit: 2 });
  pool.add({ kind: 'batch', run: async () => { await sleep(1); throw new SignIn('401'); } });
  pool.add({ kind: 'batch', run: async () => { await sleep(10); finished++; } });
  for (let i = 0; i < 5; i++) pool.add({ kind: 'batch', run: async () => { finished++; } });
  await assert.rejects(pool.done, SignIn);
  assert.equal(finished, 1, 'the request in flight finished; none started after the error');
});

test('an empty pool is done at once', async () => {
  assert.deepEqual(await createPool(base).done, { succeeded: 0, failed: 0 });
});
