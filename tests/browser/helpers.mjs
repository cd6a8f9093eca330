// Shared by the app's browser tests and the web benchmark: stage www+pkg, start the real
// paicha-server on a free loopback port with a temp data dir, a fault-injecting proxy in front of
// it, and Chromium (playwright-core, Debian's /usr/bin/chromium) with a fresh user-data-dir.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync, existsSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { after } from 'node:test';
import { chromium } from 'playwright-core';
import { stageWeb } from '../../scripts/stage-web.mjs';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const PASSWORD = 'paicha-test-pw';
const target = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
export const SERVER_BIN = process.env.PAICHA_SERVER ?? join(target, 'debug/paicha-server');
export const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `paicha-${prefix}-`));
}

let staged = null;
/** Stages the web files once per process (config.json allows `origins` to embed the iframe). */
export function staging(origins = []) {
  if (!staged) {
    staged = stageWeb(tempDir('web'), { 'www/config.json': JSON.stringify({ embedOrigins: origins }) }).dest;
    const dir = staged;
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return staged;
}

// Whatever a test left open (a test that timed out never reaches its `finally`) is closed after the
// file's tests, so a stuck test fails the run instead of hanging it.
const open = new Set();
if (process.env.NODE_TEST_CONTEXT || process.argv[1]?.endsWith('.test.mjs')) {
  after(async () => { for (const close of open) await close().catch(() => {}); });
}

let copied = null;
/**
 * The server binary, copied once per test process: a rebuild of the shared target dir by someone
 * else (cargo replaces the file) must not pull it away in the middle of a run.
 */
async function serverCopy() {
  if (copied) return copied;
  if (!existsSync(SERVER_BIN) && !process.env.PAICHA_SERVER) {
    // A fresh checkout: build it once (the Rust tests usually have already).
    const r = spawnSync('cargo', ['build', '-p', 'paicha-server'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('cargo build -p paicha-server failed');
  }
  const dir = tempDir('bin');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const dest = join(dir, 'paicha-server');
  for (let i = 0; ; i++) {
    try {
      copyFileSync(SERVER_BIN, dest);
      chmodSync(dest, 0o755);
      copied = dest;
      return dest;
    } catch (e) {
      if (i > 120) throw new Error(`${SERVER_BIN}: ${e.message}`);
      await new Promise((r) => setTimeout(r, 500)); // being relinked right now
    }
  }
}

/**
 * Starts the real server. opts: {dataDir, port (0 = free), webRoot, args}. Resolves with
 * {url, port, dataDir, stop()}; the data dir survives stop() so a test can restart on it.
 */
export async function startServer(opts = {}) {
  const bin = await serverCopy();
  const dataDir = opts.dataDir ?? tempDir('data');
  const args = ['--addr', `127.0.0.1:${opts.port ?? 0}`, '--data-dir', dataDir, '--web-root', opts.webRoot ?? staging(), ...(opts.args ?? [])];
  const child = spawn(bin, args, { env: { ...process.env, PAICHA_DEMO_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start')), 20000);
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    lines.once('line', (l) => {
      clearTimeout(timer);
      const m = /listening on (http:\/\/\S+)/.exec(l);
      if (m) resolve(m[1]); else reject(new Error(`unexpected first line: ${l}`));
    });
  });
  lines.on('line', () => {});
  const stop = () => new Promise((ok) => { open.delete(stop); if (child.exitCode !== null) ok(); else { child.once('exit', ok); child.kill('SIGTERM'); } });
  open.add(stop);
  return { url, port: Number(new URL(url).port), dataDir, stop };
}

export async function token(server, username = 'qiye') {
  const r = await fetch(`${server.url}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  if (r.status === 404) return null; // a server without auth yet
  if (!r.ok) throw new Error(`sign-in failed: ${r.status}`);
  return (await r.json()).token;
}

/** The record as the server has it (admin token), or null. */
export async function serverRecord(server, id) {
  const tok = await token(server, 'admin');
  const r = await fetch(`${server.url}/api/v1/submissions/${id}`, { headers: tok ? { authorization: `Bearer ${tok}` } : {} });
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(`GET submission ${r.status}`);
  return r.json();
}

/** Every submission id on the server (admin, all pages). */
export async function serverIds(server) {
  const tok = await token(server, 'admin');
  const ids = [];
  let after = null;
  for (;;) {
    const q = new URLSearchParams({ limit: '500' });
    if (after) q.set('after', after);
    const r = await fetch(`${server.url}/api/v1/submissions?${q}`, { headers: tok ? { authorization: `Bearer ${tok}` } : {} });
    if (!r.ok) throw new Error(`GET submissions ${r.status}`);
    const page = await r.json();
    ids.push(...page.items.map((i) => i.id));
    if (!page.next) return ids;
    after = page.next;
  }
}

/**
 * A proxy in front of the server that lets a test decide, per request, what happens:
 * fault(req) returns 'pass' | {status} (answer without forwarding) | 'drop' (cut the connection
 * before forwarding) | 'lose' (forward, let the server store it, then cut the answer) | 'hold'
 * (forward later: resolves when release() is called) | {delay: ms} (forward after a while).
 */
export async function faultProxy(upstream, fault = () => 'pass') {
  const log = [];
  const held = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const f = proxy.fault(req) ?? 'pass';
      log.push({ method: req.method, url: req.url, offset: req.headers['upload-offset'], fault: typeof f === 'object' ? (f.status ?? 'delay') : f });
      if (typeof f === 'object' && f.delay) await new Promise((ok) => setTimeout(ok, f.delay));
      if (f === 'drop') { req.socket.destroy(); return; }
      if (typeof f === 'object' && f.status) { res.writeHead(f.status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: f.status, code: 'injected' })); return; }
      if (f === 'hold') await new Promise((ok) => held.push(ok));
      const u = new URL(upstream);
      const up = httpRequest({ host: u.hostname, port: u.port, method: req.method, path: req.url, headers: { ...req.headers, host: u.host } }, (ur) => {
        const rc = [];
        ur.on('data', (c) => rc.push(c));
        ur.on('end', () => {
          if (f === 'lose') { req.socket.destroy(); return; }
          if (res.destroyed) return;
          res.writeHead(ur.statusCode, ur.headers).end(Buffer.concat(rc));
        });
      });
      up.on('error', () => req.socket.destroy());
      up.end(body);
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const proxy = {
    url: `http://127.0.0.1:${server.address().port}`, log, fault,
    release: () => { while (held.length) held.shift()(); },
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
  return proxy;
}

/** Chromium with a fresh profile; `options` are the context's (e.g. `timezoneId`). */
export async function launch(userDataDir = tempDir('profile'), options = {}) {
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: FLAGS,
    viewport: { width: 360, height: 740 }, ...options,
  });
  // Every Content Security Policy violation in any page (the app must cause none).
  await ctx.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const close = () => { open.delete(close); return ctx.close(); };
  open.add(close);
  return { ctx, userDataDir, close };
}

export const cleanup = (...dirs) => { for (const d of dirs) if (d) rmSync(d, { recursive: true, force: true }); };

/** Opens the app and waits until it is ready; fails with the page's errors if it is not. */
export async function openApp(ctx, base, query = '') {
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('crash', () => { errors.push('renderer crashed'); console.error(`renderer crashed: ${page.url()}`); });
  await page.goto(`${base}/www/index.html${query}`);
  await page.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 20000 });
  const ready = await page.evaluate(() => document.documentElement.dataset.ready);
  if (ready !== '1') throw new Error(`app did not start: ${await page.textContent('#app')} ${errors.join('\n')}`);
  page.errors = errors;
  return page;
}

/** Fills the start form and opens a new checklist. */
export async function startChecklist(page, { role = 'enterprise', product = 'electric-bicycle', link = 'sales' } = {}) {
  await page.check(`input[name=pc-role][value=${role}]`);
  await page.fill('#pc-uscc', '91520102MA6DK4L2XN');
  await page.fill('#pc-name', '贵阳示例车行');
  await page.fill('#pc-region', '520102');
  await page.selectOption('#pc-product', product);
  await page.selectOption('#pc-link', link);
  await page.click('.start button[type=submit]');
  await page.waitForSelector('.checklist .item');
}

export const item = (key) => `.item[data-key="${key}"]`;

/** The CSP violations a page reported so far. */
export const cspViolations = (page) => page.evaluate(() => window.__csp ?? []);

/** Signs in through the app's own form (the last button of the bar), back on the start form. */
export async function signIn(page, username = 'qiye') {
  await page.click('.bar .tools button:last-child');
  await page.fill('#pc-user', username);
  await page.fill('#pc-pass', PASSWORD);
  await page.click('form.signin button[type=submit]');
  await page.waitForSelector('form.start');
}

/** JSON over HTTP with a token: {status, body} (body null when it is not JSON). */
export async function api(server, tok, method, path, body) {
  const r = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: await r.json().catch(() => null) };
}

/** Polls `fn` until it returns something truthy (which it resolves with), or fails after `timeout` ms. */
export async function until(fn, what, timeout = 20000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A USCC completed with its GB 32100-2015 check character. */
export function withCheck(first17) {
  const cs = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += cs.indexOf(first17[i]) * (3 ** i % 31);
  return first17 + cs[(31 - (sum % 31)) % 31];
}
