// Behaviour beyond the shared vectors: the same tables as the Go tests
// (domain_test.go, parse_test.go, url_test.go), the bank table loader, and
// the hashing the privacy-preserving API relies on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as sdk from '../src/index.js';
import { testNumberLength } from '../src/phone.js';

test('domainLookupKeys', () => {
  const tests = [
    ['evil.vn', ['domain:evil.vn']],
    ['login.evil.com.vn', ['domain:login.evil.com.vn', 'domain:evil.com.vn']],
    ['a.b.evil.vn', ['domain:a.b.evil.vn', 'domain:b.evil.vn', 'domain:evil.vn']],
    ['a.b.c.d.e.f.evil.vn', ['domain:a.b.c.d.e.f.evil.vn', 'domain:b.c.d.e.f.evil.vn',
      'domain:c.d.e.f.evil.vn', 'domain:d.e.f.evil.vn', 'domain:evil.vn']],
    ['vcb.github.io', ['domain:vcb.github.io']],
    ['1.2.3.4', ['domain:1.2.3.4']],
  ];
  for (const [host, want] of tests) assert.deepEqual(sdk.domainLookupKeys(host), want, `domainLookupKeys(${host})`);
});

test('lookupKeys', () => {
  assert.deepEqual(sdk.lookupKeys(sdk.parse('0912345678')), ['phone:+84912345678']);
  assert.deepEqual(sdk.lookupKeys(sdk.parse('VCB 0011004353201')), ['bank_account:970436:0011004353201']);
  assert.deepEqual(sdk.lookupKeys(sdk.parse('login.evil.com.vn')), ['domain:login.evil.com.vn', 'domain:evil.com.vn']);
  assert.deepEqual(sdk.lookupKeys(sdk.parse('https://a.evil.com.vn/x/y.html?q=1')), [
    'url:a.evil.com.vn/x/y.html?q=1', 'url:a.evil.com.vn/x/y.html', 'url:a.evil.com.vn/', 'url:a.evil.com.vn/x/',
    'url:evil.com.vn/x/y.html?q=1', 'url:evil.com.vn/x/y.html', 'url:evil.com.vn/', 'url:evil.com.vn/x/',
    'url:com.vn/x/y.html?q=1', 'url:com.vn/x/y.html', 'url:com.vn/', 'url:com.vn/x/',
    'domain:a.evil.com.vn', 'domain:evil.com.vn',
  ]);
  // An IP host has no suffixes and is its own registrable domain.
  assert.deepEqual(sdk.lookupKeys(sdk.parse('http://1.2.3.4/a/b')), ['url:1.2.3.4/a/b', 'url:1.2.3.4/', 'url:1.2.3.4/a/', 'domain:1.2.3.4']);
});

test('MaxURLExpressions is reached exactly', () => {
  assert.equal(sdk.MaxURLExpressions, 30);
  assert.equal(sdk.urlExpressions('http://a.b.c.d.e.f.g.h/1/2/3/4/5/6.html?q=1').length, 30);
});

test('urlHost', () => {
  const tests = [
    ['http://evil.example/login', 'evil.example'],
    ['https://evil.example/', 'evil.example'],
    ['evil.example/login?x=1', 'evil.example'],
    ['b.c/1/', 'b.c'],
    ['http://[2001:470:1:18::114]/', '[2001:470:1:18::114]'],
    ['http://host%23.com/', 'host%23.com'],
    ['http://a.b/?x/y', 'a.b'],
  ];
  for (const [input, want] of tests) assert.equal(sdk.urlHost(input), want, `urlHost(${input})`);
});

test('a raw byte 0x80 in a host stays escaped (the spec example the JSON vectors cannot hold)', () => {
  // Go's url_test.go checks Canonicalize("http://\x01\x80.com/"); a JS string
  // cannot hold the byte 0x80, so its escaped form is the input here, and a
  // lone surrogate (what JS has for broken text) is escaped as U+FFFD.
  assert.equal(sdk.canonicalURL('http://%01%80.com/'), 'http://%01%80.com/');
  assert.equal(sdk.canonicalURL('http://\u0001\ud800.com/'), 'http://%01%EF%BF%BD.com/');
});

test('errors are InputErrors with Go codes', () => {
  const cases = [
    [() => sdk.normalizePhone('123'), 'phone_too_short'],
    [() => sdk.normalizeURL('ftp://x.example/'), 'invalid_url'],
    [() => sdk.normalizeDomain('com.vn'), 'invalid_domain'],
    [() => sdk.normalizeBankAccount('XYZ', '0011004353201'), 'unknown_bank'],
    [() => sdk.parseKind('fax'), 'unknown_kind'],
    [() => sdk.parseKey('phone:0912345678'), 'invalid_key'],
    [() => sdk.parseKey('email:a@b.c'), 'invalid_key'],
    [() => sdk.normalizePhone('0'.repeat(4097)), 'input_too_long'],
    [() => sdk.parse('hello'), 'undetected_kind'],
  ];
  for (const [f, code] of cases) {
    assert.throws(f, (err) => err instanceof sdk.InputError && err instanceof Error && err.code === code, code);
  }
  assert.equal(sdk.Codes.phoneTooShort, 'phone_too_short');
  // Length limits count UTF-8 bytes as Go does: 2048 two-byte letters are
  // 4096 bytes (accepted as input, refused as a domain for other reasons),
  // one more is too long.
  assert.throws(() => sdk.normalizeDomain('ă'.repeat(2049)), (e) => e.code === 'input_too_long');
  assert.throws(() => sdk.normalizeDomain('ă'.repeat(2048)), (e) => e.code === 'invalid_domain');
});

test('parseKey accepts canonical keys of every kind', () => {
  for (const k of ['phone:+84912345678', 'bank_account:970436:0011004353201', 'domain:xn--ngn-hng-dwao.vn', 'url:evil.example/login']) {
    assert.equal(sdk.parseKey(k), k);
  }
});

test('phone possible lengths follow Go, local-only lengths included', () => {
  assert.equal(testNumberLength('1', '2025550143'), 'IS_POSSIBLE');
  assert.equal(testNumberLength('1', '5550143'), 'IS_POSSIBLE_LOCAL_ONLY');
  assert.equal(testNumberLength('999', '12345678'), 'INVALID_COUNTRY_CODE');
  // Go answers phone_not_possible for a US number without its area code;
  // libphonenumber-js alone would say too short.
  assert.throws(() => sdk.normalizePhone('+1 555 0143'), (e) => e.code === 'phone_not_possible');
  // Zimbabwe's plan differs between the two metadata releases: Go's wins.
  assert.equal(sdk.normalizePhone('+263 0 12345'), 'phone:+26312345');
});

test('BankTable.fromCSV validates as Go LoadBanks does', () => {
  const header = 'bin,code,short_name,name_vi,name_en,aliases,website\n';
  const t = sdk.BankTable.fromCSV(header + '970436,VCB,Vietcombank,Ngân hàng Ngoại thương,,"Viet Com, Bank",\n');
  assert.equal(t.lookup('viet com bank').bin, '970436');
  assert.equal(t.lookup('ngan hang ngoai thuong').bin, '970436');
  assert.equal(t.lookup('ACB'), undefined);
  const bad = [
    ['bin,code\n', /header/],
    [header, /no banks/],
    [header + '97043,VCB,V,N,,,\n', /line 2: BIN "97043" is not 6 digits/],
    [header + '970436,VCB,V,N,,,\n970436,ACB,A,M,,,\n', /line 3: BIN 970436 already belongs to VCB/],
    [header + '970436,VCB,V,N,,,\n970416,ACB,A,M,,V,\n', /line 3: .* is already a name of VCB/],
    [header + '970436,,V,N,,,\n', /required/],
    [header + '970436,VCB,V,N,,\n', /wrong number of fields/],
  ];
  for (const [csv, re] of bad) assert.throws(() => sdk.BankTable.fromCSV(csv), re, csv);
});

test('setBanks swaps the table the package functions use', (t) => {
  t.after(() => sdk.setBanks(undefined));
  sdk.setBanks(sdk.BankTable.fromCSV('bin,code,short_name,name_vi,name_en,aliases,website\n970999,ZZB,Zed Bank,Ngân hàng Zed,,,\n'));
  assert.equal(sdk.normalizeBankAccount('Zed', '123456'), 'bank_account:970999:123456');
  assert.throws(() => sdk.normalizeBankAccount('VCB', '123456'), (e) => e.code === 'unknown_bank');
  sdk.setBanks(undefined);
  assert.equal(sdk.normalizeBankAccount('VCB', '123456'), 'bank_account:970436:123456');
});

test('the embedded bank table has every bank of banks.csv', () => {
  const banks = sdk.embeddedBanks().all();
  assert.equal(banks.length, 65);
  assert.ok(banks.some((b) => b.bin === '970436' && b.code === 'VCB'));
});

test('hashing: SHA-256 of the key string, prefix = first 4 bytes', async () => {
  // The expected value is `printf %s phone:+84912345678 | sha256sum`.
  const key = 'phone:+84912345678';
  const want = 'd07be91eb53b4f981be2b12739d551dd8a98148635c05a30e48e625f545e9d31';
  assert.equal(await sdk.sha256Hex(key), want);
  assert.equal(createHash('sha256').update(key, 'utf8').digest('hex'), want);
  assert.equal(await sdk.hashPrefixHex(key), want.slice(0, 8));
  const prefix = await sdk.hashPrefix(key);
  assert.ok(prefix instanceof Uint8Array);
  assert.equal(prefix.length, sdk.HashPrefixLen);
  assert.equal(sdk.toHex(prefix), want.slice(0, 8));
  assert.equal((await sdk.sha256(key)).length, 32);
  // The empty string's SHA-256 is a published constant.
  assert.equal(await sdk.sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  // Every lookup key hashes to its own prefix.
  const keys = sdk.lookupKeys(sdk.parse('https://login.evil.com.vn/a/b.html?x=1'));
  const prefixes = await Promise.all(keys.map((k) => sdk.hashPrefixHex(k)));
  assert.equal(new Set(prefixes).size, keys.length);
});
