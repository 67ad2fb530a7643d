// Old 11-digit mobile numbers beyond the shared vectors: the table matches
// indicators/oldprefixes.csv row for row, every prefix converts in every
// common form, and parse() says when it converted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as sdk from '../src/index.js';

const csv = readFileSync(fileURLToPath(new URL('../../../indicators/oldprefixes.csv', import.meta.url)), 'utf8');
const csvRows = csv.split('\n').filter((l) => l !== '' && !l.startsWith('#')).slice(1).map((l) => l.trim().split(','));

test('oldMobilePrefixes is the CSV table', () => {
  const got = sdk.oldMobilePrefixes().map((p) => [p.old, p.new, p.carrier]);
  assert.deepEqual(got, csvRows);
  assert.equal(got.length, 21);
  // A copy: callers cannot change what normalizePhone applies.
  sdk.oldMobilePrefixes().pop();
  assert.equal(sdk.oldMobilePrefixes().length, 21);
});

test('every old prefix converts in every form', () => {
  let n = 0;
  for (const [old, nw] of csvRows) {
    const want = `phone:+84${nw.slice(1)}9876543`;
    for (const s of [`${old}9876543`, `${old} 987 6543`, `+84${old.slice(1)}9876543`, `84 ${old.slice(1)} 987 6543`,
      `0084${old.slice(1)}9876543`, `+84 (0) ${old.slice(1)} 987 6543`, `tel:+84-${old.slice(1)}-987-6543`]) {
      const { key, converted } = sdk.normalizePhoneConverted(s);
      assert.equal(key, want, `normalizePhoneConverted(${JSON.stringify(s)})`);
      assert.equal(converted, true, `normalizePhoneConverted(${JSON.stringify(s)}).converted`);
      const p = sdk.parse(s);
      assert.equal(p.key, want, `parse(${JSON.stringify(s)})`);
      assert.equal(p.converted_from, s, `parse(${JSON.stringify(s)}).converted_from`);
      n++;
    }
    // The current form is not a conversion.
    const cur = sdk.parse(`${nw}9876543`);
    assert.equal(cur.key, want);
    assert.equal('converted_from' in cur, false);
  }
  assert.equal(n, 21 * 7);
});

test('unknown 01xx prefixes and hotlines', () => {
  const known = new Set(csvRows.map((r) => r[0]));
  let refused = 0;
  for (let i = 0; i < 100; i++) {
    const prefix = '01' + String(i).padStart(2, '0');
    if (known.has(prefix)) continue;
    // "0180 1234567" is not a 1800 hotline (that needs 1800), so it too
    // is refused.
    const s = `${prefix}1234567`;
    assert.throws(() => sdk.normalizePhone(s), (err) => err.code === 'unknown_old_prefix', s);
    assert.equal(sdk.isPossiblePhone(s), false, s);
    refused++;
  }
  assert.equal(refused, 100 - 21);
  for (const [s, key] of [['01900545415', 'phone:+841900545415'], ['01800588822', 'phone:+841800588822']]) {
    const hot = sdk.parse(s);
    assert.equal(hot.key, key, s);
    assert.equal('converted_from' in hot, false, s);
  }
});
