// The GB/T 2260 division list (pkg/divisions.txt: staged beside the modules, preloaded by the
// pages and precached by the service worker) as text, for a WASM module's `installDivisions`:
// with it the module checks region codes at county level, as the server does (it has the list
// built in). Without it (never fetched and no cache) a module checks the province only, and the
// server's answer names a mistyped county.
export async function divisionsText() {
  try {
    const r = await fetch(new URL('../../pkg/divisions.txt', import.meta.url));
    return r.ok ? await r.text() : null;
  } catch {
    return null;
  }
}
