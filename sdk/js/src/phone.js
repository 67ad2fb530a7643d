// Phone numbers become E.164 keys with Vietnam as the default region, exactly
// as indicators/phone.go does (read its header for the rules):
//
//   "tel:(+84) ０９１２-345.678 ext. 12"
//     → cleaned in one pass: "+840912345678", extension "12" dropped
//     → Vietnamese fast path: "+84" + NSN "912345678"
//     → key "phone:+84912345678"
//
// Old 11-digit mobile numbers ("0166 123 4567") become their current form
// ("phone:+84361234567") on both paths, with the table Go embeds
// (src/oldprefix.js).
//
// The cleaning and the Vietnamese fast path are line-by-line ports of the Go
// code. Other numbers (foreign numbers, VN service numbers such as 1900xxxx)
// go through libphonenumber-js with its full metadata in place of Go's
// nyaruka/phonenumbers; both follow Google's libphonenumber, and the parts
// that decide the key (country code extraction, national prefix stripping,
// the possible-length check) are done the same way. The possible-length
// checks, in parsing and at the end, use the lengths of Go's own metadata
// (src/phonelengths.js, generated from nyaruka/phonenumbers), because
// libphonenumber-js drops the "local only" lengths that make Go answer
// phone_not_possible, and because the two libraries' metadata releases
// differ for a few countries (Benin, Gambia, Zimbabwe when this was
// written). Other metadata (national prefixes, number patterns) is
// libphonenumber-js's.

import { parsePhoneNumberWithError, ParseError } from 'libphonenumber-js/core';
import maxMetadata from 'libphonenumber-js/metadata.max.json';
import { phoneLengths } from './phonelengths.js';
import { convertOldMobile } from './oldprefix.js';
import { InputError, inputErr, Codes } from './errors.js';
import { isASCIILetter, isLetter, isPd, isPhoneSpace, trimFunc, unicodeDigit, utf8Len, MaxInputLen } from './text.js';

const phoneRegion = 'VN';
const maxPhoneDigits = 20;
const minPhoneDigits = 4;
const minE164Digits = 7;
const maxE164Digits = 15;
const maxPhoneNormalizeRounds = 3;

/**
 * Returns the key "phone:+<E.164 digits>" of a phone number typed or pasted
 * in any common form (see indicators.NormalizePhone).
 * @param {string} s
 * @returns {string}
 * @throws {InputError} empty_input, input_too_long, phone_has_letters,
 *   phone_too_short, phone_too_long, phone_not_possible, invalid_phone,
 *   unknown_old_prefix (an 11-digit 01xx number whose prefix was never a
 *   mobile prefix; old mobile numbers such as "0166 123 4567" give the key of
 *   their current form, "phone:+84361234567")
 */
export function normalizePhone(s) {
  return normalizePhoneConverted(s).key;
}

/**
 * normalizePhone that also says whether s was an old 11-digit mobile number
 * converted to its current form (Go's NormalizePhoneConverted), so that an
 * answer can tell the citizen.
 * @param {string} s
 * @returns {{key: string, converted: boolean}}
 * @throws {InputError} as normalizePhone
 */
export function normalizePhoneConverted(s) {
  if (utf8Len(s) > MaxInputLen) {
    throw inputErr(Codes.tooLong, `input longer than ${MaxInputLen} bytes`);
  }
  const cleaned = cleanPhone(s);
  const fast = fastVNPhone(cleaned);
  if (fast !== null) {
    const { nsn, old } = convertOldMobile(fast);
    return { key: 'phone:+84' + nsn, converted: old };
  }
  let e164 = parsePhone(cleaned);
  // Forms the fast path leaves to libphonenumber ("+84 0 166…") can still
  // reach an old mobile number.
  let converted = false;
  if (e164.startsWith('+84')) {
    const { nsn, old } = convertOldMobile(e164.slice(3));
    e164 = '+84' + nsn;
    converted = old;
  }
  return { key: 'phone:' + e164, converted };
}

/**
 * Reports whether normalizePhone(s) would succeed.
 * @param {string} s
 * @returns {boolean}
 */
export function isPossiblePhone(s) {
  try {
    normalizePhone(s);
    return true;
  } catch (err) {
    if (err instanceof InputError) return false;
    throw err;
  }
}

const PLUS = 0x2b;
const FULLWIDTH_PLUS = 0xff0b;

/**
 * cleanPhone maps s to an optional '+' and ASCII digits, dropping
 * separators, the "tel:" scheme and any extension, and rejecting letters and
 * other symbols (indicators/phone.go cleanPhone).
 */
export function cleanPhone(s) {
  s = trimFunc(s, isPhoneSpace);
  if (s === '') throw inputErr(Codes.empty, 'no phone number given');
  if (s.length >= 4 && s.slice(0, 4).toLowerCase() === 'tel:') {
    s = s.slice(4);
    if (s.startsWith('//')) s = s.slice(2);
    const i = s.indexOf(';');
    if (i >= 0) s = s.slice(0, i);
  }
  let out = '';
  let digits = 0;
  let plus = false;
  for (let i = 0; i < s.length; ) {
    const r = s.codePointAt(i);
    const size = r > 0xffff ? 2 : 1;
    if (r >= 0x30 && r <= 0x39) {
      if (digits === maxPhoneDigits) throw inputErr(Codes.phoneTooLong, `more than ${maxPhoneDigits} digits`);
      out += String.fromCharCode(r);
      digits++;
    } else if (r === PLUS || r === FULLWIDTH_PLUS) {
      if (plus || digits > 0) throw inputErr(Codes.invalidPhone, "'+' may only start the number");
      plus = true;
      out += '+';
    } else if (isPhoneSeparator(r)) {
      // dropped
    } else if (r === 0x23 || r === 0x3b || isASCIILetter(r)) {
      if (digits === 0) {
        if (r === 0x23 || r === 0x3b) throw inputErr(Codes.invalidPhone, `unexpected '${String.fromCodePoint(r)}' before the number`);
        throw inputErr(Codes.phoneLetters, 'a phone number has no letters');
      }
      checkExtension(s.slice(i));
      return finishClean(out, digits);
    } else if (r >= 0xd800 && r <= 0xdfff) {
      // A lone surrogate is what JavaScript has for Go's invalid UTF-8.
      throw inputErr(Codes.invalidPhone, 'input is not valid UTF-8');
    } else {
      const d = unicodeDigit(r);
      if (d >= 0) {
        if (digits === maxPhoneDigits) throw inputErr(Codes.phoneTooLong, `more than ${maxPhoneDigits} digits`);
        out += String(d);
        digits++;
      } else if (isLetter(r)) {
        throw inputErr(Codes.phoneLetters, 'a phone number has no letters');
      } else {
        throw inputErr(Codes.invalidPhone, `unexpected '${String.fromCodePoint(r)}' in a phone number`);
      }
    }
    i += size;
  }
  return finishClean(out, digits);
}

function finishClean(out, digits) {
  if (digits === 0) throw inputErr(Codes.invalidPhone, 'no digits in a phone number');
  if (digits < minPhoneDigits) throw inputErr(Codes.phoneTooShort, `${digits} digits are too few for a phone number`);
  return out;
}

const extensionMarkers = ['extension', 'extn', 'ext', 'x'];

/**
 * checkExtension accepts s when it is an extension marker followed by the
 * extension's digits and nothing else: "ext. 123", "x12", "#9", ";ext=5".
 */
function checkExtension(s) {
  if (s[0] === '#') {
    s = s.slice(1);
  } else if (s.startsWith(';')) {
    if (s.length < 5 || s.slice(0, 5).toLowerCase() !== ';ext=') {
      throw inputErr(Codes.invalidPhone, "unexpected ';' in a phone number");
    }
    s = s.slice(5);
  } else {
    let end = 0;
    while (end < s.length && isASCIILetter(s.charCodeAt(end))) end++;
    const word = s.slice(0, end);
    if (!extensionMarkers.includes(word.toLowerCase())) {
      throw inputErr(Codes.phoneLetters, 'a phone number has no letters (only an extension marker such as "ext")');
    }
    s = s.slice(end).replace(/^[.:=]+/, '');
  }
  let digits = 0;
  for (const ch of s) {
    const r = ch.codePointAt(0);
    if (r >= 0x30 && r <= 0x39) {
      digits++;
    } else if (isPhoneSpace(r)) {
      // allowed
    } else if (unicodeDigit(r) >= 0) {
      digits++;
    } else if (isLetter(r)) {
      throw inputErr(Codes.phoneLetters, 'letters after the extension');
    } else {
      throw inputErr(Codes.invalidPhone, `unexpected '${ch}' in the extension`);
    }
  }
  if (digits === 0 || digits > 10) throw inputErr(Codes.invalidPhone, 'an extension needs 1 to 10 digits');
}

/**
 * isPhoneSeparator: punctuation people put between the digits of a number.
 */
function isPhoneSeparator(r) {
  switch (r) {
    case 0x2e: case 0x2d: case 0x28: case 0x29: case 0x5b: case 0x5d: case 0x2f:
    case 0x2212: case 0xff0e: case 0xff08: case 0xff09: case 0xff0f: case 0x30fc:
      return true;
  }
  if (r < 0x80) return isPhoneSpace(r);
  return isPhoneSpace(r) || isPd(r);
}

/**
 * fastVNPhone returns the national significant number for the common
 * Vietnamese shapes "0NSN", "84NSN", "+84NSN", "0084NSN" with a 9- or
 * 10-digit NSN not starting with 0, or null. It gives libphonenumber's
 * answer without calling it (see indicators/phone.go for why).
 */
export function fastVNPhone(b) {
  let nsn;
  if (b.startsWith('+84')) nsn = b.slice(3);
  else if (b.startsWith('0084')) nsn = b.slice(4);
  else if (b.startsWith('0')) nsn = b.slice(1);
  else if (b.startsWith('84')) nsn = b.slice(2);
  else return null;
  if ((nsn.length !== 9 && nsn.length !== 10) || nsn[0] === '0') return null;
  return nsn;
}

/**
 * parsePhone runs libphonenumber on a cleaned number ('+'? digits) and
 * repeats on its E.164 output until that is a fixed point, as the Go code
 * does.
 */
function parsePhone(cleaned) {
  let e164 = possibleE164(parseNumber(cleaned));
  for (let round = 0; e164 !== cleaned; round++) {
    if (round === maxPhoneNormalizeRounds) {
      throw inputErr(Codes.invalidPhone, 'number has no stable canonical form');
    }
    const next = possibleE164(parseNumber(e164));
    if (next === e164) break;
    cleaned = e164;
    e164 = next;
  }
  return e164;
}

/**
 * libphonenumber-js's full metadata with each calling code's possible
 * lengths replaced by Go's: parsing consults them (a national prefix is
 * stripped only when what remains has a possible length), so a numbering
 * plan whose lengths changed between the two metadata releases would
 * otherwise parse differently ("+263 0 12345" in Zimbabwe).
 */
const metadata = patchLengths(maxMetadata);

function patchLengths(md) {
  const withGoLengths = (cc, entry) => {
    const go = phoneLengths[cc];
    if (entry === undefined || go === undefined || go[0].length === 0) return entry;
    const e = entry.slice();
    e[3] = go[0].slice();
    return e;
  };
  const countries = { ...md.countries };
  for (const [cc, regions] of Object.entries(md.country_calling_codes)) {
    countries[regions[0]] = withGoLengths(cc, countries[regions[0]]);
  }
  const nonGeographic = {};
  for (const [cc, entry] of Object.entries(md.nonGeographic ?? {})) nonGeographic[cc] = withGoLengths(cc, entry);
  return { ...md, countries, nonGeographic };
}

function parseNumber(s) {
  try {
    return parsePhoneNumberWithError(s, { defaultCountry: phoneRegion }, metadata);
  } catch (err) {
    throw phoneParseError(err);
  }
}

/** phoneParseError maps libphonenumber's parse errors onto input error codes. */
function phoneParseError(err) {
  if (!(err instanceof ParseError)) return err;
  switch (err.message) {
    case 'INVALID_COUNTRY':
      return new InputError(Codes.phoneImpossible, 'unknown country calling code', { cause: err });
    case 'TOO_SHORT':
      return new InputError(Codes.phoneTooShort, 'too few digits', { cause: err });
    case 'TOO_LONG':
      return new InputError(Codes.phoneTooLong, 'too many digits', { cause: err });
    case 'NOT_A_NUMBER':
      // Cleaning guarantees digits, so "not a number" means nothing is
      // left after the country code ("+84").
      return new InputError(Codes.phoneTooShort, 'no national number after the country code', { cause: err });
  }
  return new InputError(Codes.invalidPhone, 'not a phone number', { cause: err });
}

/**
 * possibleE164 formats a parsed number as E.164 when its length is
 * possible for its country (libphonenumber's IsPossibleNumberWithReason with
 * the number type unknown).
 */
function possibleE164(num) {
  const cc = num.countryCallingCode;
  const nsn = num.nationalNumber;
  switch (testNumberLength(cc, nsn)) {
    case 'IS_POSSIBLE':
      break;
    case 'TOO_SHORT':
      throw inputErr(Codes.phoneTooShort, 'too few digits for a number in that country');
    case 'TOO_LONG':
      throw inputErr(Codes.phoneTooLong, 'too many digits for a number in that country');
    case 'IS_POSSIBLE_LOCAL_ONLY':
      throw inputErr(Codes.phoneImpossible, 'local number: the area code is missing');
    case 'INVALID_COUNTRY_CODE':
      throw inputErr(Codes.phoneImpossible, 'unknown country calling code');
    default:
      throw inputErr(Codes.phoneImpossible, 'no number of that length exists in that country');
  }
  const e164 = '+' + cc + nsn;
  const n = e164.length - 1;
  if (n > maxE164Digits) throw inputErr(Codes.phoneTooLong, `more than ${maxE164Digits} digits in international form`);
  if (n < minE164Digits) throw inputErr(Codes.phoneTooShort, `fewer than ${minE164Digits} digits in international form`);
  return e164;
}

/**
 * testNumberLength is libphonenumber's check of an NSN's length for its
 * calling code, on the lengths of Go's metadata (phonelengths.js), which
 * unlike libphonenumber-js's keeps the local-only lengths.
 */
export function testNumberLength(cc, nsn) {
  const lengths = phoneLengths[cc];
  if (lengths === undefined) return 'INVALID_COUNTRY_CODE';
  const [possible, local] = lengths;
  const n = nsn.length;
  if (local.includes(n)) return 'IS_POSSIBLE_LOCAL_ONLY';
  if (possible.length === 0) return 'INVALID_LENGTH';
  const min = possible[0];
  if (min === n) return 'IS_POSSIBLE';
  if (min > n) return 'TOO_SHORT';
  if (possible[possible.length - 1] < n) return 'TOO_LONG';
  return possible.includes(n) ? 'IS_POSSIBLE' : 'INVALID_LENGTH';
}
