// Entries at the page boundary (www/js/entry.js, issue 17): numbers typed with a Chinese input
// method are the numbers they are; hexadecimal, exponents, thousands separators and huge numbers are
// refused with the reason, never converted; text over a limit is cut with what was cut returned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readNumber, limitText, charCount, excerpt } from '../../www/js/entry.js';

test('full-width digits, the ideographic full stop and a decimal comma are read as numbers, and say so', () => {
  assert.deepEqual(readNumber('32'), { value: 32 });
  assert.deepEqual(readNumber(' -2.5 '), { value: -2.5 });
  assert.deepEqual(readNumber('３２'), { value: 32, note: { key: 'numReadAs', values: { text: '３２', n: '32' } } });
  assert.equal(readNumber('３２。５').value, 32.5);
  assert.equal(readNumber('３２．５').value, 32.5);
  assert.equal(readNumber('－１').value, -1);
  assert.equal(readNumber('1,5').value, 1.5);
  assert.deepEqual(readNumber(''), { value: null });
  assert.deepEqual(readNumber('   '), { value: null });
});

test('hexadecimal, exponents, thousands separators and overflow are errors, not conversions', () => {
  for (const [text, key] of [['0x30', 'numHex'], ['０ｘ３０', 'numHex'], ['1e3', 'numExp'], ['2E-5', 'numExp'], ['1,000', 'numThousands'], ['12,345.6', 'numThousands'], ['9'.repeat(400), 'numHuge']]) {
    const r = readNumber(text);
    assert.equal(r.value, text, text);
    assert.equal(r.error?.key, key, text);
  }
  // Not a number at all: the text goes to the core as typed, which reports it next to the item.
  for (const text of ['abc', '1.2.3', '--1', 'Infinity', 'NaN', '1 2']) {
    const r = readNumber(text);
    assert.equal(typeof r.value === 'number' && r.value, false, text);
  }
  assert.equal(typeof readNumber('1 2').value, 'string');
});

test('text over a limit is cut at the limit in characters, astral ones counted once', () => {
  assert.deepEqual(limitText('abc', 5), { kept: 'abc', cut: '' });
  assert.deepEqual(limitText('abcdef', 4), { kept: 'abcd', cut: 'ef' });
  const s = '😀'.repeat(3) + '检查';
  assert.equal(charCount(s), 5);
  assert.deepEqual(limitText(s, 4), { kept: '😀😀😀检', cut: '查' });
  const big = 'x'.repeat(1000000);
  const r = limitText(big, 100);
  assert.equal(r.kept.length, 100);
  assert.equal(r.cut.length, 999900);
  assert.equal(excerpt(r.cut, 5), 'xxxxx…');
});
