// URL canonicalization after Google Safe Browsing, "URLs and Hashing"
// (https://developers.google.com/safe-browsing/v4/urls-hashing), exactly as
// indicators/url.go does it (its header lists the rules and where they depart
// from the spec). One worked example:
//
//   input           " HTTPS://user@WWW.Ngân-Hàng.VN.:443/a/./b/../%2563h%2525x%20y//z?q=%41 B#frag\n"
//   canonicalURL    "https://www.xn--ngn-hng-dwao.vn/a/ch%25x%20y/z?q=A%20B"
//   normalizeURL    "url:www.xn--ngn-hng-dwao.vn/a/ch%25x%20y/z?q=A%20B"
//   urlExpressions  "www.xn--ngn-hng-dwao.vn/a/ch%25x%20y/z?q=A%20B", "www.xn--ngn-hng-dwao.vn/a/ch%25x%20y/z",
//                   "www.xn--ngn-hng-dwao.vn/", "www.xn--ngn-hng-dwao.vn/a/", "www.xn--ngn-hng-dwao.vn/a/ch%25x%20y/",
//                   then the same five paths on "xn--ngn-hng-dwao.vn" (10 in all)
//
// The work is done on byte strings (see bytes.js): unescaping can produce
// bytes that are not UTF-8, which the spec keeps and escapes.

import { inputErr, Codes } from './errors.js';
import { trimSpace, utf8Len, truncate, MaxInputLen } from './text.js';
import { toByteString, fromByteString, hasNonASCII } from './bytes.js';
import { parseAddr } from './goparse.js';
import { idnaToASCII } from './domain.js';

const maxHostComponents = 5;
const maxPathComponents = 4;

/** The most expressions urlExpressions returns (five hosts by six paths). */
export const MaxURLExpressions = maxHostComponents * (maxPathComponents + 2);

/**
 * Returns the Safe Browsing canonical form of s with its scheme:
 * "HTTPS://Evil.Example/login#x" gives "https://evil.example/login".
 * @param {string} s
 * @returns {string}
 * @throws {InputError} empty_input, input_too_long, invalid_url
 */
export function canonicalURL(s) {
  const p = parseURL(s);
  return (p.https ? 'https://' : 'http://') + p.escaped;
}

/**
 * Returns the key of the URL s: "url:" and the canonical URL without its
 * scheme, e.g. "url:evil.example/login". normalizeURL of a key's value
 * returns the key.
 * @param {string} s
 * @returns {string}
 * @throws {InputError} as canonicalURL
 */
export function normalizeURL(s) {
  return 'url:' + parseURL(s).escaped;
}

/**
 * Returns the host-suffix × path-prefix expressions that Safe Browsing looks
 * up for s, in the spec's order, without scheme; the first one is the value
 * of normalizeURL(s). 1 to 30 expressions.
 * @param {string} s
 * @returns {string[]}
 * @throws {InputError} as canonicalURL
 */
export function urlExpressions(s) {
  const p = parseURL(s);
  const host = escape(p.host);
  const path = escape(p.path);
  const full = p.escaped.slice(host.length);

  const hosts = [host];
  const labels = host.split('.').length;
  if (!p.ip && labels > 2) {
    const parts = host.split('.');
    for (let l = Math.max(1, labels - maxHostComponents); l <= labels - 2; l++) {
      hosts.push(parts.slice(l).join('.'));
    }
  }

  const paths = [];
  if (p.hasQuery) paths.push(full);
  paths.push(path);
  for (let i = 0, dirs = 0; i < path.length && dirs < maxPathComponents; i++) {
    if (path[i] !== '/') continue;
    dirs++;
    const prefix = path.slice(0, i + 1);
    if (prefix !== path) paths.push(prefix);
  }

  const out = [];
  for (const h of hosts) for (const q of paths) out.push(h + q);
  return out;
}

/**
 * Returns the host of a canonical URL, key value or expression, escaped as
 * in the canonical form ("https://evil.example/x" → "evil.example").
 * @param {string} canonical
 * @returns {string}
 */
export function urlHost(canonical) {
  let s = canonical;
  if (s.startsWith('https://')) s = s.slice(8);
  else if (s.startsWith('http://')) s = s.slice(7);
  const i = s.search(/[/?]/);
  return i >= 0 ? s.slice(0, i) : s;
}

/**
 * parseURL canonicalizes s into {https, host, ip, path, query, hasQuery}
 * (byte strings, unescaped) and their escaped form without the scheme.
 */
function parseURL(s) {
  if (utf8Len(s) > MaxInputLen) throw inputErr(Codes.tooLong, `URL longer than ${MaxInputLen} bytes`);
  s = trimSpace(s).replace(/[\t\r\n]/g, '');
  if (s === '') throw inputErr(Codes.empty, 'empty URL');
  const hash = s.indexOf('#');
  if (hash >= 0) s = s.slice(0, hash);
  const u = unescapeAll(toByteString(s));

  let [scheme, rest] = splitScheme(u);
  let https = false;
  if (scheme === '') {
    if (rest.startsWith('//')) rest = rest.slice(2);
  } else if (scheme.toLowerCase() === 'http') {
    rest = trimTwoSlashes(rest);
  } else if (scheme.toLowerCase() === 'https') {
    https = true;
    rest = trimTwoSlashes(rest);
  } else {
    const shown = fromByteString(scheme) ?? scheme;
    throw inputErr(Codes.invalidURL, `scheme "${truncate(shown, 20)}" is not http or https`);
  }

  let end = rest.search(/[/\\?]/);
  if (end < 0) end = rest.length;
  const authority = rest.slice(0, end);
  rest = rest.slice(end);
  const q = rest.indexOf('?');
  const pathPart = q >= 0 ? rest.slice(0, q) : rest;
  const query = q >= 0 ? rest.slice(q + 1) : '';
  const hasQuery = q >= 0;
  const [host, ip] = canonicalURLHost(authority);
  const path = cleanPath(pathPart);
  const escaped = escape(host) + escape(path) + (hasQuery ? '?' + escape(query) : '');
  if (escaped.length + 'http://'.length + (https ? 1 : 0) > MaxInputLen) {
    throw inputErr(Codes.tooLong, `canonical URL longer than ${MaxInputLen} bytes`);
  }
  return { https, host, ip, path, query, hasQuery, escaped };
}

function trimTwoSlashes(s) {
  if (s.length >= 2 && isSlash(s[0]) && isSlash(s[1])) return s.slice(2);
  return s;
}

function isSlash(c) {
  return c === '/' || c === '\\';
}

/**
 * splitScheme returns the scheme of u and what follows its ':'. "host:80/x"
 * has no scheme: a ':' followed by a port is not a scheme's end.
 */
function splitScheme(u) {
  for (let i = 0; i < u.length; i++) {
    const c = u.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return ['', u];
      continue;
    }
    if (c === 0x3a) {
      if (i === 0 || isPortThenEnd(u.slice(i + 1))) return ['', u];
      return [u.slice(0, i), u.slice(i + 1)];
    }
    return ['', u];
  }
  return ['', u];
}

function isPortThenEnd(s) {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
  return i > 0 && (i === s.length || s[i] === '/' || s[i] === '\\' || s[i] === '?');
}

function isHexDigit(c) {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function unhexDigit(c) {
  if (c <= 0x39) return c - 0x30;
  if (c <= 0x46) return c - 0x41 + 10;
  return c - 0x61 + 10;
}

/**
 * unescapeAll percent-decodes s until no escape is left, in one pass: each
 * decoded byte may complete a new escape with the bytes before it.
 */
function unescapeAll(s) {
  if (!s.includes('%')) return s;
  const b = [];
  for (let j = 0; j < s.length; j++) {
    b.push(s.charCodeAt(j));
    for (let n = b.length; n >= 3 && b[n - 3] === 0x25 && isHexDigit(b[n - 2]) && isHexDigit(b[n - 1]); n = b.length) {
      const c = (unhexDigit(b[n - 2]) << 4) | unhexDigit(b[n - 1]);
      b.length = n - 3;
      b.push(c);
    }
  }
  let out = '';
  for (let i = 0; i < b.length; i += 4096) out += String.fromCharCode.apply(null, b.slice(i, i + 4096));
  return out;
}

const upperHex = '0123456789ABCDEF';

/** Escapes bytes <= 0x20, >= 0x7f, '#' and '%' in upper-case hex. */
function escape(s) {
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c <= 0x20 || c >= 0x7f || c === 0x23 || c === 0x25)) continue;
    out += s.slice(start, i) + '%' + upperHex[c >> 4] + upperHex[c & 0xf];
    start = i + 1;
  }
  return out + s.slice(start);
}

/**
 * canonicalURLHost turns an unescaped authority ("user@Host.:80") into
 * [canonical host, is an IP address].
 */
function canonicalURLHost(authority) {
  let h = authority;
  const at = h.lastIndexOf('@');
  if (at >= 0) h = h.slice(at + 1);
  if (h.startsWith('[')) return [canonicalIPv6(h), true];
  const colon = h.lastIndexOf(':');
  if (colon >= 0 && /^[0-9]*$/.test(h.slice(colon + 1))) h = h.slice(0, colon);
  if (/[:[\]]/.test(h)) {
    throw inputErr(Codes.invalidURL, `host "${truncate(shown(h), 80)}" has invalid characters`);
  }
  h = cleanDots(h);
  if (hasNonASCII(h)) h = toPunycode(h);
  h = h.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  if (h === '') throw inputErr(Codes.invalidURL, 'URL has no host');
  const a = parseIPv4(h);
  if (a !== null) return [a, true];
  return [h, false];
}

function shown(b) {
  return fromByteString(b) ?? b;
}

function canonicalIPv6(h) {
  const j = h.indexOf(']');
  if (j < 0) throw inputErr(Codes.invalidURL, `host "${truncate(shown(h), 80)}" misses ']'`);
  const after = h.slice(j + 1);
  if (after !== '' && (after[0] !== ':' || !/^[0-9]*$/.test(after.slice(1)))) {
    throw inputErr(Codes.invalidURL, `host "${truncate(shown(h), 80)}" has invalid characters`);
  }
  const lit = h.slice(1, j);
  const a = parseAddr(lit);
  if (a === null || a.is4 || a.zone !== '') {
    throw inputErr(Codes.invalidURL, `host "${truncate(shown(h), 80)}" is no IPv6 address`);
  }
  return '[' + lit.toLowerCase() + ']';
}

/** cleanDots removes leading and trailing dots and collapses runs of dots. */
function cleanDots(h) {
  return h.replace(/\.{2,}/g, '.').replace(/^\.|\.$/g, '');
}

/**
 * hostNameByte: bytes that may stand in a host given to, or returned by,
 * the IDNA mapping; other ASCII could form a new escape inside punycode.
 */
function hostNameByte(c) {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
    c === 0x2d || c === 0x2e || c === 0x5f || c >= 0x80;
}

/**
 * toPunycode converts a Unicode host (a byte string) to its ASCII form, or
 * returns it as it is when it is not a valid IDN.
 */
function toPunycode(h) {
  const text = fromByteString(h);
  if (text === null) return h;
  for (let i = 0; i < h.length; i++) if (!hostNameByte(h.charCodeAt(i))) return h;
  const a = idnaToASCII(text, false);
  if (a === null) return h;
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    if (!hostNameByte(c) || c >= 0x80) return h;
  }
  return cleanDots(a);
}

/**
 * parseIPv4 reads h as an IPv4 address in any form a browser's resolver
 * takes (1 to 4 parts, decimal, octal or hex, the last part filling the
 * remaining bytes) and returns the dotted-decimal form, or null.
 */
function parseIPv4(h) {
  if (h === '') return null;
  const last = h.charCodeAt(h.length - 1);
  if (!isHexDigit(last) && last !== 0x78) return null;
  const parts = h.split('.');
  if (parts.length > 4) return null;
  const vals = [];
  for (const part of parts) {
    const v = parseIPv4Part(part);
    if (v === null) return null;
    vals.push(v);
  }
  const n = vals.length;
  let ip = 0n;
  for (let i = 0; i < n - 1; i++) {
    if (vals[i] > 0xffn) return null;
    ip |= vals[i] << BigInt(8 * (3 - i));
  }
  if (vals[n - 1] >= 1n << BigInt(8 * (5 - n))) return null;
  ip |= vals[n - 1];
  const out = [];
  for (let i = 3; i >= 0; i--) out.push(String((ip >> BigInt(8 * i)) & 0xffn));
  return out.join('.');
}

/** parseIPv4Part reads one part of an IPv4 address; values above 2^32 fail. */
function parseIPv4Part(s) {
  let base = 10n;
  if (s === '') return null;
  if (s.length >= 2 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X')) {
    base = 16n;
    s = s.slice(2);
    if (s === '') return 0n;
  } else if (s.length >= 2 && s[0] === '0') {
    base = 8n;
    s = s.slice(1);
  }
  let v = 0n;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let d;
    if (c >= 0x30 && c <= 0x39) d = BigInt(c - 0x30);
    else if (base === 16n && isHexDigit(c)) d = BigInt(unhexDigit(c));
    else return null;
    if (d >= base) return null;
    v = v * base + d;
    if (v > 1n << 32n) return null;
  }
  return v;
}

/**
 * cleanPath resolves "." and ".." segments and collapses runs of slashes; a
 * path ending in a directory keeps its trailing slash; empty is "/".
 */
function cleanPath(p) {
  if (p === '') return '/';
  if (p[0] === '\\') p = '/' + p.slice(1);
  if (!needsCleaning(p)) return p;
  let b = '';
  let dir = false;
  const segs = p.slice(1).split('/');
  for (const seg of segs) {
    if (seg === '' || seg === '.') {
      dir = true;
    } else if (seg === '..') {
      dir = true;
      const i = b.lastIndexOf('/');
      if (i >= 0) b = b.slice(0, i);
    } else {
      dir = false;
      b += '/' + seg;
    }
  }
  if (dir || b === '') b += '/';
  return b;
}

function needsCleaning(p) {
  for (let i = 0; i < p.length; i++) {
    if (p[i] !== '/') continue;
    let seg = p.slice(i + 1);
    const j = seg.indexOf('/');
    if (j >= 0) seg = seg.slice(0, j);
    else if (seg === '') return false;
    if (seg === '' || seg === '.' || seg === '..') return true;
  }
  return false;
}
