// SHA-256 content ids for every page: the digest as 64 lowercase hex digits (what attachment
// references, uploads and ledger evidence cite), and the check for one. The rule is the core's
// (`paicha::ids::is_sha256`): lowercase only, so a reference always matches its upload.

/** The SHA-256 of a string (UTF-8), bytes or a Blob, as lowercase hex. */
export async function sha256Hex(data) {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data)
    : data instanceof Blob ? await data.arrayBuffer() : data;
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** 64 lowercase hex digits. */
export const isSha256 = (s) => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
