// The VietQR decoder beyond the shared vectors: the CRC's catalogued check
// value, encode/decode round trips (with characters outside the BMP, where
// code points and UTF-16 units differ), and parse() detection.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as sdk from '../src/index.js';

/** CRC-16/CCITT-FALSE written out again, so the tests do not trust the code under test. */
function crc16(s) {
  let crc = 0xffff;
  for (const b of new TextEncoder().encode(s)) {
    crc ^= b << 8;
    for (let k = 0; k < 8; k++) crc = (crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1) & 0xffff;
  }
  return crc;
}

const tlv = (id, v) => id + String([...v].length).padStart(2, '0') + v;
const signed = (body) => body + '6304' + crc16(body + '6304').toString(16).toUpperCase().padStart(4, '0');
const napas = (bin, acct) => tlv('38', tlv('00', 'A000000727') + tlv('01', tlv('00', bin) + tlv('01', acct)) + tlv('02', 'QRIBFTTA'));

test('crc16CCITTFalse check value', () => {
  assert.equal(sdk.crc16CCITTFalse('123456789'), 0x29b1);
  assert.equal(crc16('123456789'), 0x29b1);
});

test('encodeVietQR and decodeVietQR round trip', async (t) => {
  const base = { initiation: '11', guid: 'A000000727', bin: '970436', account: '0011004353201', service: 'QRIBFTTA', currency: '704', country: 'VN' };
  const cases = [
    ['plain', {}],
    ['amount and purpose', { initiation: '12', amount: '50000', purpose: 'chuyen tien hoc phi' }],
    ['Vietnamese name', { merchantName: 'NGUYỄN VĂN AN', merchantCity: 'HÀ NỘI' }],
    ['astral characters', { purpose: 'quà 🎁 tết 𠀀' }],
    ['bill number', { billNumber: 'HD-1', mcc: '5411' }],
  ];
  for (const [name, mod] of cases) {
    await t.test(name, () => {
      const q = { mcc: '', amount: '', merchantName: '', merchantCity: '', billNumber: '', purpose: '', ...base, ...mod };
      const payload = sdk.encodeVietQR(q);
      assert.equal(crc16(payload.slice(0, -4)).toString(16).toUpperCase().padStart(4, '0'), payload.slice(-4));
      assert.deepEqual(sdk.decodeVietQR(payload), q);
      assert.equal(sdk.parse(`  ${payload}\n`).key, 'bank_account:970436:0011004353201');
    });
  }
});

test('field lengths count code points, not UTF-16 units', () => {
  // "🎁" is one code point (one Go rune) but two UTF-16 units.
  const payload = signed(tlv('00', '01') + napas('970436', '0011004353201') + tlv('62', tlv('08', 'a🎁b')));
  assert.equal(sdk.decodeVietQR(payload).purpose, 'a🎁b');
  assert.deepEqual(sdk.parse(payload).qr.message, 'a🎁b');
});

test('decodeVietQR errors', async (t) => {
  const good = signed(tlv('00', '01') + napas('970436', '0011004353201'));
  const cases = [
    ['empty', ' \n', 'empty_input'],
    ['lone surrogate', signed(tlv('00', '01') + napas('970436', '0011004353201') + tlv('59', 'A\ud800')), 'invalid_qr'],
    ['lower-case CRC accepted', good.slice(0, -4) + good.slice(-4).toLowerCase(), ''],
    ['CRC changed', good.slice(0, -1) + (good.endsWith('0') ? '1' : '0'), 'qr_bad_crc'],
    ['amount with comma', signed(tlv('00', '01') + napas('970436', '0011004353201') + tlv('54', '1,5')), 'invalid_qr'],
    ['amount 14 characters', signed(tlv('00', '01') + napas('970436', '0011004353201') + tlv('54', '12345678901234')), 'invalid_qr'],
    ['lower-case GUID', signed(tlv('00', '01') + tlv('38', tlv('00', 'a000000727') + tlv('01', tlv('00', '970436') + tlv('01', '0011004353201')))), ''],
  ];
  for (const [name, payload, code] of cases) {
    await t.test(name, () => {
      if (code === '') {
        assert.equal(sdk.decodeVietQR(payload).account, '0011004353201');
        return;
      }
      assert.throws(() => sdk.decodeVietQR(payload), (err) => err instanceof sdk.InputError && err.code === code);
    });
  }
});

test('parse leaves non-QR text to the other kinds', () => {
  assert.equal(sdk.looksLikeVietQR(' 000201'), true);
  assert.equal(sdk.looksLikeVietQR('0002 01'), false);
  // A bank account that starts like a payload is still a payload to parse,
  // as in Go; one that does not is an account.
  assert.equal(sdk.parse('VCB 0011004353201').qr, undefined);
  assert.equal(sdk.parse('0912345678').kind, 'phone');
});
