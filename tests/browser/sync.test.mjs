// Sync on a bad network (issue 17), in a real Chromium against the real server through the fault
// proxy: 2,000 queued records, some with photos, half of the writes failing (503, connection cut,
// answer lost after the server stored it, delays). Nothing lost, nothing duplicated, every photo on
// the server, the outbox empty and "last sync" set; the drain keeps moving (one failed request does
// not stop the others: far more requests than failures in a row). The time is printed, not asserted
// (bench/sync.mjs measures it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, startServer, faultProxy, serverIds, cleanup, signIn } from './helpers.mjs';
import { halfFailing, queueScenario, photosOnServer, drained } from './scenario.mjs';

test('2,000 records with photos, half the writes failing: each record once, every photo, outbox empty', { timeout: 300000 }, async () => {
  const server = await startServer();
  const proxy = await faultProxy(server.url);
  const b = await launch();
  try {
    const page = await openApp(b.ctx, proxy.url, '?nosw');
    await signIn(page, 'jiancha');
    const { ids, shas } = await queueScenario(page, { records: 2000, photos: 20, photoBytes: 300 * 1024 });
    proxy.fault = halfFailing(17);
    const t0 = Date.now();
    await page.evaluate(() => window.paichaApp.sync());
    const c = await drained(page, 240000);
    const secs = (Date.now() - t0) / 1000;
    assert.deepEqual({ pending: c.pending, attention: c.attention, photos: c.photos }, { pending: 0, attention: 0, photos: 0 });
    assert.ok(c.lastSync, 'last sync is set');
    const onServer = await serverIds(server);
    assert.equal(onServer.length, 2000);
    assert.equal(new Set(onServer).size, 2000, 'no record twice');
    const mine = new Set(ids);
    assert.ok(onServer.every((id) => mine.has(id)));
    assert.equal(await photosOnServer(server, shas), shas.length);
    // Every sent record is a receipt in `sent`, once; no photo bytes left on the device.
    const local = await page.evaluate(async () => {
      const db = await import('/www/js/db.js');
      return { sent: (await db.all('sent')).length, blobs: (await db.all('blobs')).length };
    });
    assert.deepEqual(local, { sent: 2000, blobs: 0 });
    const writes = proxy.log.filter((l) => (l.method === 'POST' && l.url.startsWith('/api/v1/submissions')) || l.method === 'PUT');
    const failed = writes.filter((l) => l.fault !== 'pass' && l.fault !== 'delay').length;
    assert.ok(failed / writes.length > 0.3, `${failed} of ${writes.length} writes failed`);
    console.log(`# drained 2,000 records and ${shas.length} photos through ${writes.length} writes, ${failed} of them failed, in ${secs.toFixed(1)} s`);
    assert.deepEqual(page.errors.filter((e) => !/Failed to load resource|ERR_EMPTY_RESPONSE|ERR_CONNECTION/.test(e)), []);
  } finally {
    await b.close();
    await proxy.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
});
