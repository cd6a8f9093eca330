// The first load over an emulated slow 3G link (issue 17): a fresh Chromium profile opens the app
// from the real server serving the staged web (minified, precompressed) and starts the e-bike
// checklist, with Chromium's network throttling at DevTools' "Slow 3G" preset (2,000 ms latency,
// 50,000 bytes/s down and up) and, for comparison, "Fast 3G" (562.5 ms, 180,000 / 84,375 bytes/s)
// and no throttling. Prints the bytes on the wire the page received (bodies as encoded, headers
// included; the service worker's own precaching after the first render is counted apart) and the
// times to the start form and to the painted checklist.
// Usage: node bench/wire.mjs
import { launch, startServer, cleanup, startChecklist } from '../tests/browser/helpers.mjs';

const PROFILES = {
  'no throttling': null,
  'Fast 3G': { latency: 562.5, downloadThroughput: 180000, uploadThroughput: 84375 },
  'Slow 3G': { latency: 2000, downloadThroughput: 50000, uploadThroughput: 50000 },
};
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

const server = await startServer();
try {
  for (const [name, cond] of Object.entries(PROFILES)) {
    const b = await launch();
    try {
      const page = await b.ctx.newPage();
      const cdp = await b.ctx.newCDPSession(page);
      await cdp.send('Network.enable');
      if (cond) await cdp.send('Network.emulateNetworkConditions', { offline: false, ...cond });
      // Bytes as received, per request, from the DevTools protocol (encodedDataLength counts
      // headers and the body as sent).
      const bytes = new Map();
      const encodings = new Map();
      cdp.on('Network.responseReceived', (e) => encodings.set(e.requestId, e.response.headers['content-encoding'] ?? e.response.headers['Content-Encoding'] ?? 'identity'));
      cdp.on('Network.loadingFinished', (e) => bytes.set(e.requestId, e.encodedDataLength));
      const t0 = Date.now();
      await page.goto(`${server.url}/www/index.html`);
      await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 300000 });
      const ready = Date.now() - t0;
      await startChecklist(page);
      const checklist = Date.now() - t0;
      await new Promise((r) => setTimeout(r, 300));
      const total = [...bytes.values()].reduce((s, n) => s + n, 0);
      const enc = [...encodings.values()].reduce((m, e) => m.set(e, (m.get(e) ?? 0) + 1), new Map());
      console.log(`${name.padEnd(14)} first load ${kb(total)} on the wire in ${bytes.size} responses (${[...enc].map(([e, n]) => `${n} ${e}`).join(', ')}); start form after ${(ready / 1000).toFixed(1)} s, e-bike checklist painted after ${(checklist / 1000).toFixed(1)} s`);
    } finally {
      await b.close();
      cleanup(b.userDataDir);
    }
  }
} finally {
  await server.stop();
  cleanup(server.dataDir);
}
process.exit(0);
