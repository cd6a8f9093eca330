// What travels over the wire (issue 17): the staged web files minified (esbuild, JS and CSS) and
// precompressed (gzip -9 and brotli 11 beside each file: `x.js.gz`, `x.js.br`), which the server's
// static-file service (tower-http ServeDir with precompressed_br/precompressed_gzip) sends to a
// browser that accepts them. Precompressed rather than a compression layer: the files change only
// at staging, so they are compressed once at the highest levels instead of on every request at a
// level cheap enough for a request path (brotli 11 is far too slow for that), and the server does no
// work per request on a 2-core machine that also validates uploads.
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { transformSync } from 'esbuild';

const walk = (dir) => readdirSync(dir, { recursive: true }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()).sort();

/**
 * Minifies the app's own JS modules and CSS under `dir` (the staged www/) in place. The WASM glue in
 * pkg/ is left as wasm-bindgen wrote it (the service worker reads its snippet imports as text).
 */
export function minify(dir) {
  let before = 0;
  let after = 0;
  for (const f of walk(dir)) {
    const ext = extname(f);
    if (ext !== '.js' && ext !== '.css') continue;
    const src = readFileSync(f, 'utf8');
    const out = transformSync(src, { loader: ext === '.css' ? 'css' : 'js', format: ext === '.js' ? 'esm' : undefined, minify: true, target: 'es2022', legalComments: 'none' }).code;
    writeFileSync(f, out);
    before += Buffer.byteLength(src);
    after += Buffer.byteLength(out);
  }
  return { before, after };
}

const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.html', '.json', '.wasm', '.svg', '.webmanifest', '.txt', '.map']);

/** Writes `f.gz` and `f.br` beside every compressible file under `dir` when they are smaller. */
export function precompress(dir) {
  for (const f of walk(dir)) {
    if (!COMPRESSIBLE.has(extname(f))) continue;
    const raw = readFileSync(f);
    if (raw.length < 256) continue; // headers would cost more than they save
    const gz = gzipSync(raw, { level: 9 });
    const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
    if (gz.length < raw.length) writeFileSync(`${f}.gz`, gz);
    if (br.length < raw.length) writeFileSync(`${f}.br`, br);
  }
}

/** True for the compressed copies precompress() writes (not files of their own). */
export const isVariant = (f) => f.endsWith('.gz') || f.endsWith('.br');

/**
 * Bytes on the wire for one GET of `path` from `base` (http://host:port) asking `accept` as the
 * Accept-Encoding: everything the server sends back on the socket, status line and headers
 * included (not TCP/IP framing). Resolves with {bytes, status, encoding}.
 */
export async function wireBytes(base, path, accept) {
  const { connect } = await import('node:net');
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const chunks = [];
    const s = connect(Number(u.port), u.hostname, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nAccept-Encoding: ${accept}\r\nConnection: close\r\n\r\n`);
    });
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('end', () => {
      const all = Buffer.concat(chunks);
      const head = all.subarray(0, all.indexOf('\r\n\r\n')).toString('latin1');
      resolve({ bytes: all.length, status: Number(head.split(' ')[1]), encoding: /\r\ncontent-encoding: *(\S+)/i.exec(head)?.[1] ?? 'identity' });
    });
  });
}
