// The one way pages call the paicha API: the bearer token of the signed-in account, JSON in and
// out, no cookies, nothing cached by the browser. The outbox (outbox.js) adds its retry rules on
// top; pages call `apiFetch` for a Response or `apiJson` for the decoded body.
//
//   const auth = await getMeta('auth');                 // {token, account, expires_at} or null
//   const list = await apiJson('/api/v1/spot-checks', { token: auth?.token });
//   await apiJson('/api/v1/spot-checks', { token, method: 'POST', json: record });

/** An answer that is not 2xx: `status`, and the problem details the server sent (or null). */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail ?? body?.title ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * fetch() for the API. `path` starts with /api/...; options are fetch's plus:
 * `endpoint` (the server's origin; default this page's), `token` (sent as `Authorization: Bearer`),
 * `json` (a value sent as the JSON body), `fetch` (another fetch, for tests).
 * Network failures reject as fetch's do; HTTP errors resolve (see `apiJson` for one that throws).
 */
export function apiFetch(path, { endpoint = globalThis.location.origin, token = null, json, fetch: f = fetch, ...init } = {}) {
  const headers = new Headers(init.headers ?? {});
  if (token) headers.set('authorization', `Bearer ${token}`);
  let body = init.body;
  if (json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(json);
  }
  return f(`${endpoint.replace(/\/$/, '')}${path}`, { cache: 'no-store', credentials: 'omit', ...init, headers, body });
}

/** apiFetch, then the JSON body (null when empty); throws ApiError for a status outside 2xx. */
export async function apiJson(path, options = {}) {
  const res = await apiFetch(path, options);
  let body = null;
  try { body = await res.json(); } catch { /* empty or not JSON */ }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}
