// Drain benchmark (issue 17): 2,000 queued records with 40 photos (350 KB each) drained by the real
// page in headless Chromium to the real server on loopback, once with no faults and once through
// the fault proxy failing half of the writes (tests/browser/scenario.mjs), while a user types into
// the start form. Prints the drain time, the requests made, what reached the server (each record
// once, every photo), and the input latency while draining (Event Timing: from the key press to the
// next paint). Aims: under 30 s with no faults, under 90 s with half failing, input under 50 ms.
// Usage: node bench/sync.mjs   (PAICHA_SERVER=path for another server build)
import { launch, openApp, startServer, faultProxy, serverIds, cleanup, signIn } from '../tests/browser/helpers.mjs';
import { halfFailing, queueScenario, photosOnServer, drained } from '../tests/browser/scenario.mjs';

const RECORDS = 2000;
const PHOTOS = 40;
const PHOTO_BYTES = 350 * 1024;
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : 0; };

async function run(label, fault) {
  const server = await startServer();
  const proxy = await faultProxy(server.url);
  const b = await launch();
  try {
    const page = await openApp(b.ctx, proxy.url, '?nosw');
    await signIn(page, 'jiancha');
    const { ids, shas } = await queueScenario(page, { records: RECORDS, photos: PHOTOS, photoBytes: PHOTO_BYTES });
    await page.evaluate(() => window.paichaApp.home());
    // Every input event slower than 16 ms (the API's floor) and every long task, while draining.
    await page.evaluate(() => {
      window.__lat = { events: [], long: [] };
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__lat.events.push(e.duration); }).observe({ type: 'event', durationThreshold: 16 });
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__lat.long.push(e.duration); }).observe({ type: 'longtask' });
    });
    proxy.fault = fault;
    proxy.log.length = 0;
    const t0 = Date.now();
    page.evaluate(() => window.paichaApp.sync()).catch(() => {});
    let typing = true;
    let keys = 0;
    const typer = (async () => {
      await page.click('#pc-name');
      while (typing) {
        await page.keyboard.press(keys % 20 === 19 ? 'Backspace' : 'KeyA');
        keys++;
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const c = await drained(page, 600000);
    const secs = (Date.now() - t0) / 1000;
    typing = false;
    await typer;
    const lat = await page.evaluate(() => window.__lat);
    const onServer = await serverIds(server);
    const photos = await photosOnServer(server, shas);
    const mine = new Set(ids);
    const writes = proxy.log.filter((l) => (l.method === 'POST' && l.url.startsWith('/api/v1/submissions')) || l.method === 'PUT');
    const failed = writes.filter((l) => l.fault !== 'pass' && l.fault !== 'delay').length;
    console.log(`${label}: drained ${RECORDS.toLocaleString('en')} records and ${PHOTOS} photos (${(PHOTOS * PHOTO_BYTES / 1048576).toFixed(1)} MB) in ${secs.toFixed(1)} s; ${writes.length} writes, ${failed} failed; left pending ${c.pending}, attention ${c.attention}; on the server ${onServer.length} records (${new Set(onServer).size} distinct, ${onServer.filter((id) => mine.has(id)).length} ours), ${photos}/${PHOTOS} photos`);
    console.log(`  input while draining: ${keys} key presses, ${lat.events.length} events over 16 ms (p95 of those ${q(lat.events, 0.95).toFixed(0)} ms, max ${Math.max(0, ...lat.events).toFixed(0)} ms, ${lat.events.filter((d) => d > 50).length} over 50 ms); long tasks ${lat.long.length}, max ${Math.max(0, ...lat.long).toFixed(0)} ms`);
  } finally {
    await b.close();
    await proxy.close();
    await server.stop();
    cleanup(b.userDataDir, server.dataDir);
  }
}

await run('no faults', () => 'pass');
await run('half the writes failing (503, cut, answer lost; a quarter of the rest delayed 150 ms)', halfFailing(17));
process.exit(0);
