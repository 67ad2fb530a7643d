// Character classes and string helpers that reproduce Go's unicode and
// strings packages, because JavaScript's built-ins disagree with them in
// places that change canonical keys: String.prototype.trim strips U+FEFF but
// not U+0085 (Go's strings.TrimSpace does the opposite), and Go measures
// lengths in UTF-8 bytes, not UTF-16 code units.

const reWhiteSpace = /\p{White_Space}/u;
const reSpaceZsCf = /[\p{White_Space}\p{Zs}\p{Cf}]/u;
const rePd = /\p{Pd}/u;
const reLetter = /\p{L}/u;
const reMn = /\p{Mn}/u;
const reNd = /\p{Nd}/u;

/** unicode.IsSpace: Unicode White_Space (U+0085 and U+00A0 included, U+FEFF not). */
export function isSpace(cp) {
  if (cp < 0x80) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d);
  return reWhiteSpace.test(String.fromCodePoint(cp));
}

/** unicode.IsLetter. */
export function isLetter(cp) {
  if (cp < 0x80) return (cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a;
  return reLetter.test(String.fromCodePoint(cp));
}

/** unicode.Is(unicode.Mn, r). */
export function isMn(cp) {
  return cp >= 0x80 && reMn.test(String.fromCodePoint(cp));
}

/** unicode.Is(unicode.Pd, r). */
export function isPd(cp) {
  return rePd.test(String.fromCodePoint(cp));
}

/** unicode.IsDigit: decimal digits (Nd) of any script. */
export function isDigit(cp) {
  if (cp < 0x80) return cp >= 0x30 && cp <= 0x39;
  return reNd.test(String.fromCodePoint(cp));
}

/** A..Z or a..z. */
export function isASCIILetter(cp) {
  return (cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a;
}

/**
 * isPhoneSpace (indicators/phone.go): white space or an invisible format
 * character (zero-width space, BOM, direction marks) that copy-paste from
 * chat apps leaves around numbers.
 */
export function isPhoneSpace(cp) {
  if (cp < 0x80) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d);
  return reSpaceZsCf.test(String.fromCodePoint(cp));
}

/**
 * unicodeDigit (indicators/phone.go): the ASCII digit of a decimal digit of
 * any script, or -1. Unicode encodes each decimal digit set as ten
 * consecutive code points from zero and Go's Nd ranges start at a zero, so
 * the value is the offset from the start of the code point's run of Nd
 * characters, modulo 10.
 */
export function unicodeDigit(cp) {
  if (cp >= 0xff10 && cp <= 0xff19) return cp - 0xff10;
  if (cp < 0x80 || !isDigit(cp)) return -1;
  let lo = cp;
  while (isDigit(lo - 1)) lo--;
  return (cp - lo) % 10;
}

/** strings.TrimFunc(s, f) over code points. */
export function trimFunc(s, f) {
  let start = 0;
  while (start < s.length) {
    const cp = s.codePointAt(start);
    if (!f(cp)) break;
    start += cp > 0xffff ? 2 : 1;
  }
  let end = s.length;
  while (end > start) {
    let i = end - 1;
    if (i > start && isLowSurrogate(s.charCodeAt(i)) && isHighSurrogate(s.charCodeAt(i - 1))) i--;
    if (!f(s.codePointAt(i))) break;
    end = i;
  }
  return s.slice(start, end);
}

/** strings.TrimSpace. */
export function trimSpace(s) {
  return trimFunc(s, isSpace);
}

/** strings.Fields: the runs of s between white space. */
export function fields(s) {
  return fieldsFunc(s, isSpace);
}

/** strings.FieldsFunc over code points. */
export function fieldsFunc(s, f) {
  const out = [];
  let start = -1;
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i);
    const size = cp > 0xffff ? 2 : 1;
    if (f(cp)) {
      if (start >= 0) out.push(s.slice(start, i));
      start = -1;
    } else if (start < 0) {
      start = i;
    }
    i += size;
  }
  if (start >= 0) out.push(s.slice(start));
  return out;
}

function isHighSurrogate(c) {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c) {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * The length of s in UTF-8 bytes, Go's len(s). A lone surrogate counts as
 * U+FFFD (3 bytes), which is what encoding it to UTF-8 gives.
 */
export function utf8Len(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (isHighSurrogate(c) && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Go's truncate (indicators/kind.go) for messages; counts UTF-16 units, only for display. */
export function truncate(s, n) {
  return s.length <= n ? s : s.slice(0, n) + '…';
}

/** The maximum length in UTF-8 bytes of any normalizer's input (Go MaxInputLen). */
export const MaxInputLen = 4096;
