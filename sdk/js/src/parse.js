// Auto-detection of what free text names, identical to indicators/parse.go:
//
//  0. a VietQR payment payload ("000201…", the text in a payment QR code)
//     → bank_account of the account it pays, with Parsed.qr.
//  1. "tel:" links and text made only of digits and phone punctuation → phone.
//  2. text with a scheme ("://"), or a host followed by a path → url.
//  3. text naming a known bank together with 6–19 digits → bank_account.
//  4. a single token with a dot → domain.
//
// Anything else is an InputError with code undetected_kind.

import { InputError, inputErr, Codes } from './errors.js';
import { fields, isDigit, trimSpace, utf8Len, MaxInputLen } from './text.js';
import { normalizePhone, normalizePhoneConverted } from './phone.js';
import { looksLikeVietQR, parseVietQR } from './vietqr.js';
import { parseBankAccount, normalizeBankAccount } from './bank.js';
import { canonicalHost, domainLookupKeys, normalizeDomain, maxDomainLookups } from './domain.js';
import { canonicalURL, normalizeURL, urlExpressions } from './url.js';

/** The four kinds of indicator, in Go's fixed order. */
export const Kinds = Object.freeze(['phone', 'bank_account', 'domain', 'url']);

/**
 * @typedef {object} Parsed
 * @property {string} input the text as given
 * @property {'phone'|'bank_account'|'domain'|'url'} kind
 * @property {string} key the canonical key "<kind>:<value>"
 * @property {string} canonical for URLs the full canonical URL; else the key's value
 * @property {string} [converted_from] the input, when it was an old 11-digit
 *   mobile number that key holds in its current form (Go's ConvertedFrom)
 * @property {import('./vietqr.js').PaymentQR} [qr] set when the input was a
 *   VietQR payload: key is the account it pays, qr what else it says
 */

/**
 * Accepts a kind name as Go's ParseKind does ("bank", "link", … too).
 * @param {string} s
 * @returns {'phone'|'bank_account'|'domain'|'url'}
 */
export function parseKind(s) {
  switch (trimSpace(s).toLowerCase()) {
    case 'phone': case 'tel': case 'number':
      return 'phone';
    case 'bank_account': case 'bank': case 'account': case 'bank-account':
      return 'bank_account';
    case 'domain': case 'host':
      return 'domain';
    case 'url': case 'link':
      return 'url';
  }
  throw inputErr(Codes.unknownKind, `unknown kind "${s}" (want phone, bank_account, domain or url)`);
}

/**
 * Normalizes a value of a known kind to its key; for bank_account the value
 * is "<bank> <account>" in any form parseBankAccount accepts.
 * @param {string} kind
 * @param {string} value
 * @returns {string}
 */
export function normalize(kind, value) {
  switch (kind) {
    case 'phone': return normalizePhone(value);
    case 'bank_account': return parseBankAccount(value);
    case 'domain': return normalizeDomain(value);
    case 'url': return normalizeURL(value);
  }
  throw inputErr(Codes.unknownKind, `unknown kind "${kind}"`);
}

/**
 * Checks that s is a canonical key: a known kind whose value normalizes to
 * itself. Returns s.
 * @param {string} s
 * @returns {string}
 * @throws {InputError} invalid_key
 */
export function parseKey(s) {
  const i = s.indexOf(':');
  const kind = i < 0 ? '' : s.slice(0, i);
  if (!Kinds.includes(kind)) throw inputErr(Codes.invalidKey, 'key does not start with a known kind');
  const value = s.slice(i + 1);
  let got;
  try {
    if (kind === 'bank_account') {
      const j = value.indexOf(':');
      if (j < 0) throw inputErr(Codes.invalidAccount, 'bank account key needs <BIN>:<account>');
      got = normalizeBankAccount(value.slice(0, j), value.slice(j + 1));
    } else {
      got = normalize(kind, value);
    }
  } catch (err) {
    if (err instanceof InputError) throw new InputError(Codes.invalidKey, 'key value is not canonical', { cause: err });
    throw err;
  }
  if (got !== s) throw inputErr(Codes.invalidKey, `key is not canonical (canonical: "${got}")`);
  return s;
}

/**
 * Decides what kind of indicator free text names and normalizes it.
 * @param {string} input
 * @returns {Parsed}
 * @throws {InputError} empty_input, input_too_long, undetected_kind, or the kind's own codes
 */
export function parse(input) {
  const s = trimSpace(input);
  if (s === '') throw inputErr(Codes.empty, 'nothing to check');
  if (utf8Len(s) > MaxInputLen) throw inputErr(Codes.tooLong, `input longer than ${MaxInputLen} bytes`);
  if (looksLikeVietQR(s)) return parseVietQR(input);
  const kind = detectKind(s);
  if (kind === '') throw inputErr(Codes.undetected, 'not a phone number, bank account, domain or link');
  return parseAs(kind, input);
}

/**
 * Normalizes input as the given kind. A phone that was an old 11-digit
 * mobile number has converted_from set; a bank_account given as a VietQR
 * payload has qr set.
 * @param {string} kind
 * @param {string} input
 * @returns {Parsed}
 */
export function parseAs(kind, input) {
  if (kind === 'phone') {
    const { key, converted } = normalizePhoneConverted(input);
    const p = { input, kind, key, canonical: key.slice('phone:'.length) };
    if (converted) p.converted_from = input;
    return p;
  }
  if (kind === 'bank_account' && looksLikeVietQR(input)) return parseVietQR(input);
  const key = normalize(kind, input);
  const value = key.slice(key.indexOf(':') + 1);
  const p = { input, kind, key, canonical: value };
  if (kind === 'url') {
    p.canonical = 'http://' + value;
    try {
      p.canonical = canonicalURL(input);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
    }
  }
  return p;
}

function detectKind(s) {
  if (/^tel:/i.test(s) || phoneShaped(s)) return 'phone';
  if (s.includes('://')) return 'url';
  if (fields(s).length === 1) {
    const i = s.search(/[/?#]/);
    if (i > 0 && s.slice(0, i).includes('.')) return 'url';
    if (s.includes('.') || s.includes('。')) {
      if (mostlyDigits(s)) {
        // "0912.345.678" is a phone; "1.2.3.4" is an address.
        if (count(s, '.') === 3) return 'domain';
        return 'phone';
      }
      return 'domain';
    }
  }
  if (hasDigitRun(s, 6)) return 'bank_account';
  return '';
}

function count(s, c) {
  return s.split(c).length - 1;
}

const phonePunct = new Set([...' +-.()/\u00a0\u2010\u2011\u2012\u2013\u2014\uff0b\uff0d\u3000'].map((c) => c.codePointAt(0)));

/** phoneShaped: only digits (any script) and phone punctuation. */
function phoneShaped(s) {
  let digits = 0;
  for (const ch of s) {
    const r = ch.codePointAt(0);
    if (isDigit(r)) digits++;
    else if (!phonePunct.has(r)) return false;
  }
  return digits > 0 && count(s, '.') !== 3;
}

function mostlyDigits(s) {
  let d = 0;
  let o = 0;
  for (const ch of s) {
    const r = ch.codePointAt(0);
    if (isDigit(r)) d++;
    else if (ch !== '.') o++;
  }
  return d > 0 && o === 0;
}

function hasDigitRun(s, n) {
  let run = 0;
  for (const ch of s) {
    if (isDigit(ch.codePointAt(0))) {
      run++;
      if (run >= n) return true;
    } else if (ch !== ' ' && ch !== '-' && ch !== '.') {
      run = 0;
    }
  }
  return false;
}

/**
 * Returns every key a check of p tests, most specific first: the key itself
 * for phones and accounts; the host and its parent domains for domains; for
 * URLs each Safe Browsing expression as "url:<expression>" followed by the
 * domain keys of the host. These are the strings the privacy-preserving API
 * hashes.
 * @param {Parsed} p
 * @returns {string[]}
 */
export function lookupKeys(p) {
  const value = p.key.slice(p.key.indexOf(':') + 1);
  if (p.kind === 'domain') return domainLookupKeys(value);
  if (p.kind !== 'url') return [p.key];
  let exprs;
  try {
    exprs = urlExpressions(p.canonical);
  } catch (err) {
    if (err instanceof InputError) return [p.key];
    throw err;
  }
  const keys = exprs.map((e) => 'url:' + e);
  const slash = value.indexOf('/');
  const host = slash >= 0 ? value.slice(0, slash) : value;
  try {
    keys.push(...domainLookupKeys(canonicalHost(host)));
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
  }
  return keys;
}

export { maxDomainLookups };
