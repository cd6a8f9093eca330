// The offline web app in Chromium against the real paicha-server: figures, no assertions.
//   node bench/web.mjs            (needs pkg/, bench/data from bench/gen.mjs, target/debug/paicha-server)
// - time to interactive from the service-worker cache, offline (navigation start -> app ready)
// - render + validate the largest catalogue checklist and a 500-item synthetic one (bench/gen.mjs)
// - autosave latency per change (change event -> IndexedDB transaction committed), p50/p95
// - time to drain 1,000 queued records to a local server
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { launch, openApp, startServer, tempDir, cleanup, root, PASSWORD } from '../tests/browser/helpers.mjs';
import { stageWeb } from '../scripts/stage-web.mjs';

if (!existsSync(join(root, 'bench/data/bench-500.template.json'))) execFileSync('node', ['bench/gen.mjs', 'bench/data'], { cwd: root });
const bundle = JSON.parse(readFileSync(join(root, 'pkg/catalogue.json'), 'utf8'));
bundle.files.push(JSON.parse(readFileSync(join(root, 'bench/data/bench-500.template.json'), 'utf8')));
const web = stageWeb(tempDir('web-bench'), { 'pkg/catalogue.json': JSON.stringify(bundle) });
const server = await startServer({ webRoot: web.dest });
const b = await launch();
const q = (xs, p) => { const s = [...xs].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const ms = (x) => `${x.toFixed(1)} ms`;
try {
  const page = await openApp(b.ctx, server.url);
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

  // Time to interactive, offline, from the service-worker cache (home screen ready to use).
  await b.ctx.setOffline(true);
  const tti = [];
  for (let i = 0; i < 12; i++) {
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    tti.push(Number(await page.evaluate(() => document.documentElement.dataset.readyMs)));
  }
  tti.splice(0, 2); // warm-up
  console.log(`time to interactive, offline from the SW cache: median ${ms(q(tti, 0.5))}, p95 ${ms(q(tti, 0.95))} (${tti.length} reloads)`);
  await b.ctx.setOffline(false);

  // Render + validate: the largest catalogue checklist and the 500-item synthetic one.
  const render = async (product, role, link) => {
    const times = [];
    const frames = [];
    for (let i = 0; i < 6; i++) {
      await page.evaluate(() => window.paichaApp.home());
      await page.waitForSelector('form.start');
      await page.check(`input[name=pc-role][value=${role}]`);
      await page.fill('#pc-uscc', '91520102MA6DK4L2XN');
      await page.fill('#pc-name', '贵阳示例车行');
      await page.fill('#pc-region', '520102');
      await page.selectOption('#pc-product', product);
      await page.selectOption('#pc-link', link);
      // From the press of "start" to the checklist painted (draft created and saved, template
      // merged, session opened and checked, DOM built, laid out and painted).
      frames.push(await page.evaluate(() => new Promise((resolve) => {
        const t0 = performance.now();
        const obs = new MutationObserver(() => {
          if (!document.querySelector('.checklist .item')) return;
          obs.disconnect();
          requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
        });
        obs.observe(document.body, { childList: true, subtree: true });
        document.querySelector('form.start').requestSubmit();
      })));
      times.push(await page.evaluate(() => window.__paichaRenderMs));
    }
    times.shift(); frames.shift();
    const n = await page.$$eval('.checklist .item', (els) => els.length);
    console.log(`render + validate ${product} (${n} items shown): build + validate median ${ms(q(times, 0.5))}; click to painted median ${ms(q(frames, 0.5))}`);
  };
  await render('electric-bicycle', 'inspector', 'sales');
  await render('bench-500', 'enterprise', 'production');

  // Autosave latency on the 500-item form: a change (as the input event delivers it) checked by the
  // core, shown, and committed to IndexedDB. Changes come one after another as a person makes them
  // (the next after the previous one is saved and a 30 ms pause), through the page's own events.
  const saves = await page.evaluate(async (dur) => {
    if (dur) window.__paichaDurability = dur;
    const times = window.__paichaSaveTimes;
    times.length = 0;
    const fields = [...document.querySelectorAll('.checklist .item:not([hidden]) input[type=text]')].slice(0, 150);
    const radios = [...document.querySelectorAll('.checklist .item:not([hidden]) input[type=radio][value=yes]')].slice(0, 150);
    const wait = (n) => new Promise((r) => { const f = () => (times.length >= n ? r() : setTimeout(f, 1)); f(); });
    let n = 0;
    for (const [i, el] of [...fields, ...radios].entries()) {
      const s0 = performance.now();
      if (el.type === 'radio') { el.checked = true; el.dispatchEvent(new Event('change', { bubbles: true })); } else { el.value = String(10 + (i % 50)); el.dispatchEvent(new Event('input', { bubbles: true })); }
      (window.__paichaSyncTimes ??= []).push(performance.now() - s0);
      await wait(++n);
      await new Promise((r) => setTimeout(r, 30));
    }
    return times.slice();
  }, process.env.DUR);
  const sync = await page.evaluate(() => window.__paichaSyncTimes);
  console.log(`autosave per change (check + show + IndexedDB commit, durability strict, 500-item form, ${saves.length} changes): p50 ${ms(q(saves, 0.5))}, p95 ${ms(q(saves, 0.95))}, max ${ms(Math.max(...saves))}; of which the check and DOM update (synchronous) p50 ${ms(q(sync, 0.5))}, p95 ${ms(q(sync, 0.95))}`);

  // Drain 1,000 queued records.
  await page.evaluate(() => window.paichaApp.home());
  await page.click('.bar .tools button:last-child');
  await page.fill('#pc-user', 'qiye');
  await page.fill('#pc-pass', PASSWORD);
  await page.click('form.signin button[type=submit]');
  await page.waitForSelector('form.start');
  const drained = await page.evaluate(async () => {
    const store = await import('/www/js/store.js');
    const outbox = await import('/www/js/outbox.js');
    const db = await import('/www/js/db.js');
    await db.tx(['outbox'], 'readwrite', (s) => {
      for (let i = 0; i < 1000; i++) {
        const d = store.newDraft({ product: 'electric-bicycle', form: 'self_inspection', link: 'sales', role: 'enterprise',
          enterprise: { uscc: '91520102MA6DK4L2XN', name: '贵阳示例车行', region: '520102' } });
        d.answers = { 'ebike.model': `M-${i}`, 'ebike.max_speed_kmh': 15 + (i % 15), 'ebike.battery_chemistry': 'lithium' };
        s.outbox.put({ id: d.id, submission: store.toSubmission(d), state: 'pending', createdAt: new Date(Date.now() + i).toISOString() });
      }
    });
    const t0 = performance.now();
    await outbox.drain({ endpoint: location.origin, token: (await db.getMeta('auth')).token });
    const t1 = performance.now();
    return { ms: t1 - t0, left: await outbox.counts() };
  });
  console.log(`drain 1,000 queued records to a local server (batches of 100): ${ms(drained.ms)} (${(1000 / (drained.ms / 1000)).toFixed(0)} records/s), left pending ${drained.left.pending}, attention ${drained.left.attention}`);
} finally {
  await b.close();
  await server.stop();
  cleanup(b.userDataDir, server.dataDir, web.dest);
}
