// VietQR payloads (the text inside a Vietnamese payment QR code), decoded
// exactly as indicators/vietqr.go does; read its header for the layout. A
// VietQR code is an EMVCo merchant-presented payload: TLV fields (two-digit
// ID, two-digit length, value) ending with tag 63, a CRC-16/CCITT-FALSE of
// everything before its four hex digits. Tag 38 with the NAPAS GUID
// A000000727 names the bank (BIN) and account the money goes to, which is
// what a citizen needs checked, so a payload becomes a bank_account key.
//
// Go works on UTF-8 bytes and counts field lengths in runes; JavaScript
// strings are UTF-16, so lengths here count code points, the CRC runs over
// the UTF-8 encoding, and a lone surrogate stands for Go's invalid UTF-8.

import { inputErr, Codes } from './errors.js';
import { defaultBanks } from './bank.js';
import { trimSpace, utf8Len, MaxInputLen } from './text.js';

/** The GUID that marks tag 38 as a NAPAS 247 (VietQR) account. */
const napasGUID = 'A000000727';

/** EMVCo's limit on a merchant-presented payload, in characters. */
const maxQRLen = 512;

/** What every EMVCo payload starts with: tag 00, length 02, format "01". */
const qrPrefix = '000201';

// The bank_account bounds of bank.js / Go's bank.go.
const minAccountDigits = 6;
const maxAccountDigits = 19;

/**
 * @typedef {object} VietQR
 * What a payload says; '' where a field was absent (Go's VietQR).
 * @property {string} initiation tag 01: "11" static, "12" one payment
 * @property {string} guid tag 38.00: "A000000727"
 * @property {string} bin tag 38.01.00: the beneficiary bank's BIN
 * @property {string} account tag 38.01.01: account or card number
 * @property {string} service tag 38.02: "QRIBFTTA" (account) or "QRIBFTTC" (card)
 * @property {string} mcc tag 52
 * @property {string} currency tag 53, "704" for VND
 * @property {string} amount tag 54, as written
 * @property {string} country tag 58
 * @property {string} merchantName tag 59
 * @property {string} merchantCity tag 60
 * @property {string} billNumber tag 62.01
 * @property {string} purpose tag 62.08
 */

/**
 * @typedef {object} PaymentQR
 * The payment a citizen is shown, with the field names of Go's PaymentQR
 * JSON (and of the API's "qr" object); optional fields are left out where
 * Go's omitempty leaves them out.
 * @property {string} bin
 * @property {string} [bank] short name from the bank table
 * @property {string} account_masked e.g. "0011••••3201"
 * @property {string} [service]
 * @property {number} [amount_vnd] tag 54 in VND, when fixed and not zero
 * @property {string} [currency]
 * @property {string} [message] tag 62 purpose, else the bill number
 */

function emptyQR() {
  return {
    initiation: '', guid: '', bin: '', account: '', service: '', mcc: '', currency: '', amount: '',
    country: '', merchantName: '', merchantCity: '', billNumber: '', purpose: '',
  };
}

/**
 * Reports whether s (trimmed) starts like an EMVCo payload, which is how
 * parse() tells a pasted QR payload from other input.
 * @param {string} s
 * @returns {boolean}
 */
export function looksLikeVietQR(s) {
  return trimSpace(s).startsWith(qrPrefix);
}

/**
 * Decodes a VietQR payload: TLV structure, CRC (tag 63) and NAPAS account
 * (tag 38). It does not look the BIN up in the bank table (vietQRKey does).
 * @param {string} payload
 * @returns {VietQR}
 * @throws {InputError} empty_input, invalid_qr, qr_bad_crc, qr_no_account
 */
export function decodeVietQR(payload) {
  const s = trimSpace(payload);
  if (s === '') throw inputErr(Codes.empty, 'no QR payload given');
  if (hasLoneSurrogate(s)) throw inputErr(Codes.invalidQR, 'QR payload is not valid UTF-8');
  if (runeCount(s) > maxQRLen) throw inputErr(Codes.invalidQR, `QR payload longer than ${maxQRLen} characters`);
  const fields = parseTLV(s, true);
  if (fields.length === 0 || fields[0].id !== '00' || fields[0].value !== '01') {
    throw inputErr(Codes.invalidQR, 'QR payload does not start with format indicator 000201');
  }
  const last = fields[fields.length - 1];
  if (last.id !== '63') throw inputErr(Codes.invalidQR, 'QR payload has no CRC (tag 63) at the end: truncated?');
  if (!/^[0-9A-Fa-f]{4}$/.test(last.value)) throw inputErr(Codes.invalidQR, 'QR CRC (tag 63) is not 4 hex digits');
  // The last field's value is four ASCII characters, so dropping four UTF-16
  // units drops exactly Go's four bytes.
  const want = crcHex(crc16CCITTFalse(s.slice(0, -4)));
  if (want !== last.value.toUpperCase()) throw inputErr(Codes.qrChecksum, 'QR checksum does not match (altered or misread code)');
  const q = emptyQR();
  let napas = false;
  for (const f of fields.slice(1, -1)) {
    switch (f.id) {
      case '01': q.initiation = f.value; break;
      case '38': napas = decodeNAPAS(q, f.value); break;
      case '52': q.mcc = f.value; break;
      case '53':
        if (!/^[0-9]{3}$/.test(f.value)) throw inputErr(Codes.invalidQR, 'QR currency (tag 53) is not 3 digits');
        q.currency = f.value;
        break;
      case '54':
        if (!validQRAmount(f.value)) throw inputErr(Codes.invalidQR, 'QR amount (tag 54) is not a decimal number of at most 13 characters');
        q.amount = f.value;
        break;
      case '58': q.country = f.value; break;
      case '59': q.merchantName = f.value; break;
      case '60': q.merchantCity = f.value; break;
      case '62':
        for (const sf of parseTLV(f.value, false)) {
          if (sf.id === '01') q.billNumber = sf.value;
          else if (sf.id === '08') q.purpose = sf.value;
        }
        break;
      case '63':
        throw inputErr(Codes.invalidQR, 'QR CRC (tag 63) is not the last field');
    }
  }
  if (!napas) throw inputErr(Codes.qrNoAccount, 'not a VietQR transfer code: no NAPAS account (tag 38)');
  return q;
}

/** decodeNAPAS reads tag 38 into q; false (no error) when it belongs to another scheme. */
function decodeNAPAS(q, v) {
  let org = '';
  for (const f of parseTLV(v, false)) {
    if (f.id === '00') q.guid = f.value.toUpperCase();
    else if (f.id === '01') org = f.value;
    else if (f.id === '02') q.service = f.value;
  }
  if (q.guid !== napasGUID) {
    q.guid = '';
    q.service = '';
    return false;
  }
  if (org === '') throw inputErr(Codes.invalidQR, 'QR tag 38 has no beneficiary (38.01)');
  for (const f of parseTLV(org, false)) {
    if (f.id === '00') q.bin = f.value;
    else if (f.id === '01') q.account = f.value;
  }
  if (!/^[0-9]{6}$/.test(q.bin)) throw inputErr(Codes.invalidQR, 'QR bank BIN (38.01.00) is not 6 digits');
  if (q.account === '') throw inputErr(Codes.invalidQR, 'QR has no account or card number (38.01.01)');
  return true;
}

const isDigitCode = (c) => c >= 0x30 && c <= 0x39;

/**
 * parseTLV splits s into data objects; lengths count code points (Go's
 * runes). Top-level IDs may not repeat; an empty value is malformed.
 * @returns {{id: string, value: string}[]}
 */
function parseTLV(s, topLevel) {
  const out = [];
  const seen = new Set();
  let i = 0;
  while (i < s.length) {
    // Go checks the header on bytes: any non-ASCII unit here is not a digit.
    if (s.length - i < 4 || ![0, 1, 2, 3].every((k) => isDigitCode(s.charCodeAt(i + k)))) {
      throw inputErr(Codes.invalidQR, 'QR payload is truncated or has a malformed field header');
    }
    const id = s.slice(i, i + 2);
    const n = Number(s.slice(i + 2, i + 4));
    if (n === 0) throw inputErr(Codes.invalidQR, `QR field ${id} is empty`);
    let end = i + 4;
    for (let k = 0; k < n; k++) {
      if (end >= s.length) throw inputErr(Codes.invalidQR, `QR field ${id} is truncated`);
      end += s.codePointAt(end) > 0xffff ? 2 : 1;
    }
    if (topLevel && seen.has(id)) throw inputErr(Codes.invalidQR, `QR field ${id} appears twice`);
    seen.add(id);
    out.push({ id, value: s.slice(i + 4, end) });
    i = end;
  }
  return out;
}

/**
 * "Go byte length" check of an amount: digits, optionally '.' and
 * decimals, at most 13 characters (bytes, as Go counts them).
 */
function validQRAmount(s) {
  if (utf8Len(s) > 13) return false;
  const dot = s.indexOf('.');
  const intPart = dot < 0 ? s : s.slice(0, dot);
  const frac = dot < 0 ? '' : s.slice(dot + 1);
  return /^[0-9]+$/.test(intPart) && /^[0-9]*$/.test(frac);
}

const encoder = new TextEncoder();

/**
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final
 * XOR) of the UTF-8 encoding of s, the checksum EMVCo prescribes for tag 63.
 * @param {string} s
 * @returns {number}
 */
export function crc16CCITTFalse(s) {
  let crc = 0xffff;
  for (const b of encoder.encode(s)) {
    crc ^= b << 8;
    for (let k = 0; k < 8; k++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

const crcHex = (c) => c.toString(16).toUpperCase().padStart(4, '0');

/**
 * Builds the payload for q (Go's VietQR.Encode): tags in ascending order,
 * empty fields left out, CRC appended. decodeVietQR of the result gives q
 * back.
 * @param {Partial<VietQR>} q
 * @returns {string}
 * @throws {RangeError} when a field has more than 99 characters
 */
export function encodeVietQR(q) {
  const put = (id, v) => {
    if (v === undefined || v === '') return '';
    const n = runeCount(v);
    if (n > 99) throw new RangeError(`QR field ${id}: ${n} characters, at most 99 fit`);
    return id + String(n).padStart(2, '0') + v;
  };
  const org = put('00', q.bin) + put('01', q.account);
  const acct = put('00', q.guid) + put('01', org) + put('02', q.service);
  const add = put('01', q.billNumber) + put('08', q.purpose);
  const body = put('00', '01') + put('01', q.initiation) + put('38', acct) + put('52', q.mcc) + put('53', q.currency)
    + put('54', q.amount) + put('58', q.country) + put('59', q.merchantName) + put('60', q.merchantCity) + put('62', add)
    + '6304';
  return body + crcHex(crc16CCITTFalse(body));
}

/**
 * Returns the bank_account key of the account q pays to (Go's VietQR.Key).
 * Card numbers (16–19 digits) are accepted like accounts.
 * @param {VietQR} q
 * @returns {string}
 * @throws {InputError} unknown_bank, invalid_account
 */
export function vietQRKey(q) {
  const b = defaultBanks().byBINCode(q.bin);
  if (b === undefined) throw inputErr(Codes.unknownBank, `the QR's bank BIN ${q.bin} is not a known bank`);
  if (q.account.length < minAccountDigits || q.account.length > maxAccountDigits || !/^[0-9]+$/.test(q.account)) {
    throw inputErr(Codes.invalidAccount, `the QR's account is not ${minAccountDigits} to ${maxAccountDigits} digits`);
  }
  return `bank_account:${b.bin}:${q.account}`;
}

/**
 * The part of q a citizen is shown (Go's VietQR.Payment).
 * @param {VietQR} q
 * @returns {PaymentQR}
 */
export function vietQRPayment(q) {
  /** @type {PaymentQR} */
  const p = { bin: q.bin };
  const b = defaultBanks().byBINCode(q.bin);
  if (b !== undefined && b.shortName !== '') p.bank = b.shortName;
  p.account_masked = maskAccount(q.account);
  if (q.service !== '') p.service = q.service;
  // VND has no minor unit, so only the integer part is money.
  if (q.amount !== '' && (q.currency === '' || q.currency === '704')) {
    const intPart = q.amount.split('.')[0];
    const v = /^[0-9]+$/.test(intPart) ? Number(intPart) : 0;
    if (v !== 0 && Number.isSafeInteger(v)) p.amount_vnd = v;
  }
  if (q.currency !== '') p.currency = q.currency;
  const message = q.purpose !== '' ? q.purpose : q.billNumber;
  if (message !== '') p.message = message;
  return p;
}

/**
 * Decodes a VietQR payload into the bank_account it pays, as parse() does
 * for a pasted payload (Go's ParseVietQR).
 * @param {string} input
 * @returns {{input: string, kind: 'bank_account', key: string, canonical: string, qr: PaymentQR}}
 * @throws {InputError} input_too_long and those of decodeVietQR and vietQRKey
 */
export function parseVietQR(input) {
  if (utf8Len(input) > MaxInputLen) throw inputErr(Codes.tooLong, `input longer than ${MaxInputLen} bytes`);
  const q = decodeVietQR(input);
  const key = vietQRKey(q);
  return { input, kind: 'bank_account', key, canonical: key.slice('bank_account:'.length), qr: vietQRPayment(q) };
}

/**
 * Shows the start and end of an account and hides the middle behind four
 * bullets whatever its length, so the answer leaks neither the number nor
 * its length.
 */
function maskAccount(acct) {
  const r = [...acct];
  const keep = Math.min(4, Math.floor(r.length / 3));
  if (keep === 0) return '••••';
  return r.slice(0, keep).join('') + '••••' + r.slice(r.length - keep).join('');
}

function runeCount(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function hasLoneSurrogate(s) {
  return /\p{Surrogate}/u.test(s);
}
