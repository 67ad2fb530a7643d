// Old 11-digit Vietnamese mobile numbers and their current form, as
// indicators/oldprefix.go (read its header for why): before 2018 mobile
// numbers had 10 or 11 digits; the 11-digit ones (0120…0129, 0162…0169,
// 0186, 0188, 0199) moved to 10-digit prefixes keeping their last 7 digits,
// so "0166 123 4567" and "036 123 4567" are the same line and must give the
// same key. An 11-digit 01xx number whose prefix is not in the table was
// never a mobile number and is refused with unknown_old_prefix. 1800 and
// 1900 hotlines have 10-digit national forms too and are left alone.
//
// The table is src/oldprefixdata.js, generated from the CSV Go embeds.

import { oldPrefixRecords } from './oldprefixdata.js';
import { inputErr, Codes } from './errors.js';

/**
 * @typedef {object} OldPrefix
 * @property {string} old 11-digit era prefix in national form, e.g. "0166"
 * @property {string} new its replacement, e.g. "036"
 * @property {string} carrier operator at the time of the change
 */

const isDigits = (s) => /^[0-9]+$/.test(s);

/**
 * Checks the rows as Go's loadOldPrefixes does, so a bad table fails the
 * same way in both (at load, not on some later number).
 * @returns {{rows: OldPrefix[], next: Map<string, string>}}
 */
function loadOldPrefixes(records) {
  const rows = [];
  const next = new Map();
  for (const [o, n, carrier] of records) {
    if (o.length !== 4 || !o.startsWith('01') || !isDigits(o)) throw new Error(`old prefix table: old prefix "${o}" is not 01xx`);
    if (n.length !== 3 || n[0] !== '0' || n[1] === '0' || n[1] === '1' || !isDigits(n)) {
      throw new Error(`old prefix table: new prefix "${n}" for ${o} is not 0[2-9]x`);
    }
    if (carrier === '') throw new Error(`old prefix table: no carrier for ${o}`);
    if (next.has(o.slice(2))) throw new Error(`old prefix table: ${o} listed twice`);
    next.set(o.slice(2), n.slice(1));
    rows.push(Object.freeze({ old: o, new: n, carrier }));
  }
  return { rows, next };
}

let table;
function oldMobile() {
  table ??= loadOldPrefixes(oldPrefixRecords);
  return table;
}

/**
 * Returns the renumbering table normalizePhone applies, in the order of
 * indicators/oldprefixes.csv (Go's OldMobilePrefixes).
 * @returns {OldPrefix[]}
 */
export function oldMobilePrefixes() {
  return oldMobile().rows.slice();
}

/**
 * convertOldMobile looks at a Vietnamese national significant number. When
 * it has the shape of a pre-2018 mobile number ("1xx" and 7 more digits, not
 * a 1800/1900 hotline) it returns the current 9-digit NSN with old true, or
 * throws unknown_old_prefix when the prefix was never a mobile prefix. Any
 * other NSN comes back unchanged with old false.
 * @param {string} nsn ASCII digits
 * @returns {{nsn: string, old: boolean}}
 */
export function convertOldMobile(nsn) {
  if (nsn.length !== 10 || nsn[0] !== '1' || !/^[0-9]{2}$/.test(nsn.slice(1, 3))) return { nsn, old: false };
  if ((nsn[1] === '8' || nsn[1] === '9') && nsn[2] === '0' && nsn[3] === '0') return { nsn, old: false }; // 1800 / 1900 hotline
  const n = oldMobile().next.get(nsn.slice(1, 3));
  if (n === undefined) {
    throw inputErr(Codes.unknownOldPrefix, `01${nsn.slice(1, 3)} was never a mobile prefix, so this 11-digit number has no current form`);
  }
  return { nsn: n + nsn.slice(3), old: true };
}
