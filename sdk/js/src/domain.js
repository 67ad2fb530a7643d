// Domain canonical form, as indicators/domain.go (read its header):
//
//   "  WWW.Ngân-Hàng.VN.  "  →  "xn--ngn-hng-dwao.vn"   (key "domain:xn--ngn-hng-dwao.vn")
//   "https://Evil.example.com:8443/login?x"  →  "evil.example.com"
//
// Trim; a pasted URL gives its host (as Go's url.Parse finds it); user info
// and port are dropped; IDN labels become punycode (UTS #46 lookup mapping,
// non-transitional, no STD3 rules, with the hyphen, joiner and bidi checks:
// the tr46 package configured like Go's golang.org/x/net/idna profile); one
// trailing dot goes; a single leading "www." goes when what remains is still
// below a public suffix; IPv4 literals are kept in dotted-decimal form. The
// result needs a suffix on the public suffix list (private section
// included: golang.org/x/net/publicsuffix's own table, see publicsuffix.js)
// and valid labels.

import tr46 from 'tr46';
import { InputError, inputErr, Codes } from './errors.js';
import { trimSpace, utf8Len, truncate, MaxInputLen } from './text.js';
import { toByteString, fromByteString } from './bytes.js';
import { goURLHost, splitHostPort, parseAddr, parseIPTo4 } from './goparse.js';
import { publicSuffix, effectiveTLDPlusOne } from './publicsuffix.js';

export { publicSuffix, effectiveTLDPlusOne };

const maxDomainLen = 253;
const maxLabelLen = 63;

/** Most domain keys a check tests (the host and its parents). */
export const maxDomainLookups = 5;

/**
 * UTS #46 ToASCII with the options of Go's domainProfile (checkHyphens) or
 * urlProfile (no checkHyphens), or null where Go's idna returns an error.
 * tr46 4.x is used because its tables are Unicode 15.0, the version of the
 * golang.org/x/net/idna tables that Go 1.26 builds with; the hyphen rule and
 * ACE labels that decode to ASCII are checked here the way Go checks them.
 * @param {string} host
 * @param {boolean} checkHyphens
 * @returns {string | null}
 */
export function idnaToASCII(host, checkHyphens) {
  const opts = {
    checkHyphens: false,
    checkBidi: true,
    checkJoiners: true,
    useSTD3ASCIIRules: false,
    transitionalProcessing: false,
    verifyDNSLength: false,
  };
  const a = tr46.toASCII(host, opts);
  if (a === null || asciiACELabel(host)) return null;
  if (checkHyphens && !goHyphensOK(tr46.toUnicode(a, opts).domain)) return null;
  return a;
}

const utf8 = new TextEncoder();

/**
 * goHyphensOK is Go's CheckHyphens on each (Unicode) label: no '-' at
 * either end, and no "--" at the third and fourth byte of the UTF-8 form
 * (Go counts bytes where UTS #46 counts code points, so "ä--b" is refused
 * and "日--b" is not; the SDK follows Go).
 */
function goHyphensOK(domain) {
  for (const label of domain.split('.')) {
    if (label === '') continue;
    if (label.startsWith('-') || label.endsWith('-')) return false;
    const b = utf8.encode(label);
    if (b.length > 4 && b[2] === 0x2d && b[3] === 0x2d) return false;
  }
  return true;
}

/**
 * asciiACELabel reports whether host has an "xn--" label whose punycode
 * decodes to ASCII only ("xn--abc-" is "abc"). Go's idna refuses such a
 * label (a spoofing vector: it names another host than it shows); tr46 4.x
 * decodes it. The UTS #46 mapping is approximated by NFKC, lower case and
 * the removal of default-ignorable characters, which is exact for the
 * characters that can form such a label.
 */
function asciiACELabel(host) {
  if (!/[xX\uff38\uff58]/.test(host)) return false;
  const mapped = host.normalize('NFKC').toLowerCase().replace(/\p{Default_Ignorable_Code_Point}/gu, '');
  return mapped.split(/[.\u3002\uff0e\uff61]/).some((l) => /^xn--[\x00-\x7f]+-$/.test(l));
}

/**
 * Returns the key "domain:<canonical host>" of a host name, IDN or pasted URL.
 * @param {string} s
 * @returns {string}
 * @throws {InputError} empty_input, input_too_long, invalid_domain
 */
export function normalizeDomain(s) {
  return 'domain:' + canonicalHost(s);
}

/**
 * Returns the canonical host of a domain or pasted URL, without "domain:".
 * @param {string} s
 * @returns {string}
 * @throws {InputError} empty_input, input_too_long, invalid_domain
 */
export function canonicalHost(s) {
  s = trimSpace(s);
  if (s === '') throw inputErr(Codes.empty, 'empty domain');
  if (utf8Len(s) > MaxInputLen) throw inputErr(Codes.tooLong, `domain longer than ${MaxInputLen} bytes`);
  let host = s;
  if (s.includes('://') || /[/?#@]/.test(s)) {
    // url.Parse may unescape bytes that are not UTF-8; such a host can
    // never be a valid IDN, so it is refused as Go's idna refuses it.
    const h = fromByteString(hostOfURL(toByteString(s)));
    if (h === null) throw inputErr(Codes.invalidDomain, 'not a valid domain name');
    host = h;
  }
  host = trimSpace(host);
  const hp = splitHostPort(host);
  if (hp !== null) host = hp[0];
  if (host.endsWith(']')) host = host.slice(0, -1);
  if (host.startsWith('[')) host = host.slice(1);
  const ip = ipHost(host);
  if (ip !== null) return ip;
  let ascii = idnaToASCII(host, true);
  if (ascii === null) throw inputErr(Codes.invalidDomain, 'not a valid domain name');
  ascii = ascii.toLowerCase();
  if (ascii.endsWith('.')) ascii = ascii.slice(0, -1);
  // Punycode that the same profile refuses to decode again could never be
  // re-validated as a key, so the input is refused instead.
  if (ascii.includes('xn--') && idnaToASCII(ascii, true) !== ascii) {
    throw inputErr(Codes.invalidDomain, 'not a valid internationalized domain name');
  }
  checkLabels(ascii);
  if (ascii.startsWith('www.') && effectiveTLDPlusOne(ascii.slice(4)) !== null) {
    ascii = ascii.slice(4);
  }
  registrableDomain(ascii);
  return ascii;
}

/** hostOfURL extracts the host of something pasted as a link (a byte string). */
function hostOfURL(s) {
  if (!s.includes('://')) s = 'http://' + s;
  const host = goURLHost(s);
  if (host !== null) return host;
  // The text between "://" and the first path character, so that a
  // malformed query does not hide an obviously named host.
  let after = s.slice(s.indexOf('://') + 3);
  const i = after.search(/[/?#]/);
  if (i >= 0) after = after.slice(0, i);
  const at = after.lastIndexOf('@');
  if (at >= 0) after = after.slice(at + 1);
  return after;
}

/** ipHost: the dotted-decimal IPv4 host, null for a name; throws for IPv6. */
function ipHost(host) {
  if (host === '') return null;
  const c = host.charCodeAt(0);
  if (!((c >= 0x30 && c <= 0x39) || host.includes(':'))) return null;
  const v4 = parseIPTo4(host);
  if (v4 === null) return null;
  if (v4 === '') throw inputErr(Codes.invalidDomain, 'IPv6 addresses are checked as links, not domains');
  return v4;
}

function checkLabels(host) {
  if (host === '' || host.length > maxDomainLen) {
    throw inputErr(Codes.invalidDomain, `domain must be 1 to ${maxDomainLen} characters`);
  }
  const labels = host.split('.');
  for (const label of labels) {
    if (label === '' || label.length > maxLabelLen) {
      throw inputErr(Codes.invalidDomain, `domain labels must be 1 to ${maxLabelLen} characters`);
    }
    if (label[0] === '-' || label[label.length - 1] === '-') {
      throw inputErr(Codes.invalidDomain, "a domain label cannot start or end with '-'");
    }
    const bad = label.search(/[^a-z0-9_-]/);
    if (bad >= 0) throw inputErr(Codes.invalidDomain, `domain contains '${label[bad]}'`);
  }
  if (labels.length < 2) {
    throw inputErr(Codes.invalidDomain, 'a domain needs at least two labels, like example.vn');
  }
}

/**
 * Returns the registrable part of a canonical host (eTLD+1, e.g.
 * "evil.com.vn" for "login.evil.com.vn"); an IP address is its own.
 * @param {string} host
 * @returns {string}
 * @throws {InputError} invalid_domain for a public suffix or an unknown TLD
 */
export function registrableDomain(host) {
  const a = parseAddr(host);
  if (a !== null && a.zone === '') return host;
  const [suffix, icann] = publicSuffix(host);
  if (!icann && !suffix.includes('.')) {
    throw inputErr(Codes.invalidDomain, `unknown top-level domain "${truncate(suffix, 80)}"`);
  }
  const reg = effectiveTLDPlusOne(host);
  if (reg === null) throw inputErr(Codes.invalidDomain, 'domain is a public suffix, not a site');
  return reg;
}

/**
 * Returns the domain keys a check of a canonical host tests: the host and
 * each parent down to the registrable domain, at most 5, most specific
 * first, always ending at the registrable domain.
 * @param {string} host
 * @returns {string[]}
 */
export function domainLookupKeys(host) {
  const keys = ['domain:' + host];
  let reg;
  try {
    reg = registrableDomain(host);
  } catch (err) {
    if (err instanceof InputError) return keys;
    throw err;
  }
  if (reg === host) return keys;
  for (let h = host; keys.length < maxDomainLookups; ) {
    const dot = h.indexOf('.');
    if (dot < 0) break;
    const rest = h.slice(dot + 1);
    if (rest.length < reg.length) break;
    keys.push('domain:' + rest);
    if (rest === reg) break;
    h = rest;
  }
  if (keys[keys.length - 1] !== 'domain:' + reg) keys[keys.length - 1] = 'domain:' + reg;
  return keys;
}
