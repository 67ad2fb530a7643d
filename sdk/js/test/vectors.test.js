// The shared canonicalization vectors (testdata/vectors/*.json) that the Go
// package indicators is tested with: every row must give exactly Go's
// answer, key for key and error code for error code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as sdk from '../src/index.js';

const vectorsDir = new URL('../../../testdata/vectors/', import.meta.url);

function readVectors(name) {
  const rows = JSON.parse(readFileSync(fileURLToPath(new URL(name, vectorsDir)), 'utf8'));
  assert.ok(rows.length > 0, `${name}: no vectors`);
  return rows;
}

/** Asserts that f() throws an InputError with the given code. */
function assertCode(f, code, call) {
  let got;
  try {
    got = f();
  } catch (err) {
    assert.ok(err instanceof sdk.InputError, `${call} threw ${err}, not an InputError`);
    assert.equal(err.code, code, `${call} error code = ${err.code} (${err.message}), want ${code}`);
    return;
  }
  assert.fail(`${call} = ${JSON.stringify(got)}, want error ${code}`);
}

const q = JSON.stringify;

test('phone vectors', async (t) => {
  for (const v of readVectors('phone.json')) {
    await t.test(v.input, () => {
      const call = `normalizePhone(${q(v.input)})`;
      if (v.error) {
        assertCode(() => sdk.normalizePhone(v.input), v.error, call);
        assert.equal(sdk.isPossiblePhone(v.input), false, `isPossiblePhone(${q(v.input)})`);
        return;
      }
      assert.equal(sdk.normalizePhone(v.input), v.key, call);
      assert.equal(sdk.isPossiblePhone(v.input), true, `isPossiblePhone(${q(v.input)})`);
      // The key's value is a fixed point.
      assert.equal(sdk.normalizePhone(v.key.slice('phone:'.length)), v.key, `normalizePhone(${q(v.key)})`);
    });
  }
});

test('bank vectors', async (t) => {
  for (const v of readVectors('bank.json')) {
    const pair = v.bank !== undefined || v.account !== undefined;
    const name = pair ? `${v.bank} | ${v.account}` : v.input;
    await t.test(name, () => {
      const call = pair ? `normalizeBankAccount(${q(v.bank)}, ${q(v.account)})` : `parseBankAccount(${q(v.input)})`;
      const f = pair ? () => sdk.normalizeBankAccount(v.bank, v.account) : () => sdk.parseBankAccount(v.input);
      if (v.error) {
        assertCode(f, v.error, call);
        return;
      }
      assert.equal(f(), v.key, call);
      if (!pair) {
        const { bank, account } = sdk.splitBankAccount(v.input);
        assert.equal(`bank_account:${bank.bin}:${account}`, v.key, `splitBankAccount(${q(v.input)})`);
      }
    });
  }
});

test('domain vectors', async (t) => {
  for (const v of readVectors('domain.json')) {
    await t.test(v.input, () => {
      const call = `normalizeDomain(${q(v.input)})`;
      if (v.error) {
        assertCode(() => sdk.normalizeDomain(v.input), v.error, call);
        return;
      }
      const key = sdk.normalizeDomain(v.input);
      assert.equal(key, v.key, call);
      const host = key.slice('domain:'.length);
      assert.equal(sdk.normalizeDomain(host), key, `normalizeDomain(${q(host)}): not a fixed point`);
      if (v.registrable) assert.equal(sdk.registrableDomain(host), v.registrable, `registrableDomain(${q(host)})`);
    });
  }
});

test('url vectors', async (t) => {
  for (const v of readVectors('url.json')) {
    await t.test(v.input, () => {
      assert.ok(v.canonical || v.key || v.expressions || v.error, 'vector row checks nothing');
      if (v.error) {
        assertCode(() => sdk.canonicalURL(v.input), v.error, `canonicalURL(${q(v.input)})`);
        assertCode(() => sdk.normalizeURL(v.input), v.error, `normalizeURL(${q(v.input)})`);
        assertCode(() => sdk.urlExpressions(v.input), v.error, `urlExpressions(${q(v.input)})`);
        return;
      }
      if (v.canonical) assert.equal(sdk.canonicalURL(v.input), v.canonical, `canonicalURL(${q(v.input)})`);
      const key = sdk.normalizeURL(v.input);
      if (v.key) assert.equal(key, v.key, `normalizeURL(${q(v.input)})`);
      const exprs = sdk.urlExpressions(v.input);
      if (v.expressions) assert.deepEqual(exprs, v.expressions, `urlExpressions(${q(v.input)})`);
      assert.equal(exprs[0], key.slice('url:'.length), `urlExpressions(${q(v.input)})[0] is not the key's value`);
      assert.equal(sdk.normalizeURL(key.slice('url:'.length)), key, `normalizeURL(${q(key)}): not a fixed point`);
    });
  }
});

test('parse vectors', async (t) => {
  for (const v of readVectors('parse.json')) {
    await t.test(v.input, () => {
      const call = `parse(${q(v.input)})`;
      if (v.error) {
        assertCode(() => sdk.parse(v.input), v.error, call);
        return;
      }
      const p = sdk.parse(v.input);
      assert.equal(p.kind, v.kind, `${call}.kind`);
      assert.equal(p.key, v.key, `${call}.key`);
      if (v.canonical) assert.equal(p.canonical, v.canonical, `${call}.canonical`);
      assert.equal(p.input, v.input, `${call}.input`);
    });
  }
});

// As Go's TestParseAsAgreesWithNormalizers: every vector with a key parses
// as its own kind with parseAs, and its key passes parseKey.
test('parseAs and parseKey agree with the normalizers', () => {
  const files = [['phone.json', 'phone'], ['bank.json', 'bank_account'], ['domain.json', 'domain'], ['url.json', 'url']];
  let n = 0;
  for (const [file, kind] of files) {
    for (const v of readVectors(file)) {
      if (!v.key || !v.input) continue;
      assert.equal(sdk.parseAs(kind, v.input).key, v.key, `parseAs(${kind}, ${q(v.input)})`);
      assert.equal(sdk.parseKey(v.key), v.key, `parseKey(${q(v.key)})`);
      n++;
    }
  }
  assert.ok(n > 100, `only ${n} rows checked`);
});

// testdata/vectors/qr.json, as Go's TestVietQRVectorsAndImages checks it:
// a valid row gives its key and exactly the "qr" object Go's PaymentQR
// marshals to; a broken row gives its error code. parse() and parseAs()
// must reach the same answer through detection, for every payload that
// starts like one ("000202…" is left to the other kinds, as in Go).
test('qr vectors', async (t) => {
  const rows = readVectors('qr.json');
  assert.ok(rows.length >= 30, `${rows.length} qr vectors`);
  let detected = 0;
  for (const v of rows) {
    await t.test(v.name, () => {
      const calls = [[`parseVietQR(${v.name})`, () => sdk.parseVietQR(v.payload)]];
      if (sdk.looksLikeVietQR(v.payload)) {
        calls.push([`parse(${v.name})`, () => sdk.parse(v.payload)]);
        calls.push([`parseAs(bank_account, ${v.name})`, () => sdk.parseAs('bank_account', v.payload)]);
        detected++;
      }
      for (const [call, f] of calls) {
        if (v.error) {
          assertCode(f, v.error, call);
          continue;
        }
        const p = f();
        assert.equal(p.kind, 'bank_account', `${call}.kind`);
        assert.equal(p.key, v.key, `${call}.key`);
        assert.equal(p.canonical, v.key.slice('bank_account:'.length), `${call}.canonical`);
        assert.equal(p.input, v.payload, `${call}.input`);
        assert.deepEqual(p.qr, v.qr, `${call}.qr`);
        assert.equal(JSON.stringify(p.qr), JSON.stringify(v.qr), `${call}.qr: not Go's field order`);
      }
    });
  }
  assert.equal(detected, rows.length - 1, 'only the wrong-format-indicator row should escape detection');
});
