// What a typed entry becomes (issue 17), with nothing changed silently: pure functions (no DOM),
// tested in Node. Numbers from a Chinese input method (full-width digits, the ideographic full stop
// as decimal point) are the numbers they are; hexadecimal, exponents, thousands separators and
// other surprises are not converted but refused with the reason. Text over a field's limit is cut
// there and the caller says what was cut.

/**
 * A number field's text -> {value, note?, error?}. value: null (empty), a number, or the text as
 * typed (the core then reports "not a number" next to the item); note: {key, values} when the
 * text was read with a conversion worth saying ("３２" read as 32); error: {key, values} why the
 * text is not taken as a number.
 */
export function readNumber(text) {
  const typed = String(text ?? '').trim();
  if (typed === '') return { value: null };
  // NFKC: full-width digits, signs, point and comma to ASCII; the ideographic full stop is a
  // decimal point typed with a Chinese input method.
  let s = typed.normalize('NFKC').replace(/[。｡]/g, '.').trim();
  if (/^[+-]?0x[0-9a-f]+$/i.test(s)) return { value: typed, error: { key: 'numHex', values: { text: typed } } };
  if (/^[+-]?(\d+\.?\d*|\.\d+)e[+-]?\d+$/i.test(s)) return { value: typed, error: { key: 'numExp', values: { text: typed } } };
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) return { value: typed, error: { key: 'numThousands', values: { text: typed } } };
  // One comma as the decimal separator (European keyboards): 1,5 is 1.5.
  if (/^[+-]?\d+,\d+$/.test(s)) s = s.replace(',', '.');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)) return { value: typed };
  const n = Number(s);
  if (!Number.isFinite(n)) return { value: typed, error: { key: 'numHuge', values: { text: typed } } };
  return s === typed ? { value: n } : { value: n, note: { key: 'numReadAs', values: { text: typed, n: s } } };
}

/** Characters as the core counts them (Unicode scalar values, not UTF-16 units). */
export const charCount = (s) => [...s].length;

/** Cuts `text` to `max` characters: {kept, cut} (cut is '' when nothing was). */
export function limitText(text, max) {
  const chars = [...text];
  if (chars.length <= max) return { kept: text, cut: '' };
  return { kept: chars.slice(0, max).join(''), cut: chars.slice(max).join('') };
}

/** The beginning of a long text, for a message (`n` characters and an ellipsis). */
export const excerpt = (s, n = 30) => (charCount(s) > n ? `${[...s].slice(0, n).join('')}…` : s);
