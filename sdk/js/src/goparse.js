// Ports of the few Go standard library parsers whose exact behaviour
// decides canonical keys: net/url's host extraction (url.Parse(s).Host),
// net.SplitHostPort and net/netip.ParseAddr. They work on "byte strings"
// (one char per UTF-8 byte, see bytes.js) because Go works on bytes and a
// percent-escape may decode to a byte that is not valid UTF-8.

/** Bytes that net/url allows unescaped in a host (shouldEscape(c, encodeHost) is false). */
function hostByteOK(c) {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) return true;
  return "-_.~!$&'()*+,;=:[]<>\"".includes(String.fromCharCode(c));
}

function isHex(c) {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function unhex(c) {
  if (c <= 0x39) return c - 0x30;
  if (c <= 0x46) return c - 0x41 + 10;
  return c - 0x61 + 10;
}

const encodeHost = 1;
const encodeZone = 2;
const encodeOther = 3;

/** net/url unescape: the unescaped byte string, or null on an error. */
function unescape(s, mode) {
  let n = 0;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      n++;
      if (i + 2 >= s.length || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return null;
      const v = (unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2));
      if (mode === encodeHost && unhex(s.charCodeAt(i + 1)) < 8 && s.slice(i, i + 3) !== '%25') return null;
      if (mode === encodeZone && s.slice(i, i + 3) !== '%25' && v !== 0x20 && !(v < 0x80 ? hostByteOK(v) : false)) return null;
      i += 3;
    } else {
      if ((mode === encodeHost || mode === encodeZone) && c < 0x80 && !hostByteOK(c)) return null;
      i++;
    }
  }
  if (n === 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      out += String.fromCharCode((unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2)));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

function validOptionalPort(port) {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  return /^[0-9]*$/.test(port.slice(1));
}

function validUserinfo(s) {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

/** net/url parseHost for an http(s) URL: the unescaped host, or null. */
function parseHost(host) {
  const open = host.lastIndexOf('[');
  if (open > 0) return null;
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) return null;
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) return null;
    const port = unescape(colonPort, encodeHost);
    if (port === null) return null;
    const hostname = host.slice(1, close);
    let unescaped;
    const zone = hostname.indexOf('%25');
    if (zone >= 0) {
      const h = unescape(hostname.slice(0, zone), encodeHost);
      const z = unescape(hostname.slice(zone), encodeZone);
      if (h === null || z === null) return null;
      unescaped = h + z;
    } else {
      unescaped = unescape(hostname, encodeHost);
      if (unescaped === null) return null;
    }
    const addr = parseAddr(unescaped);
    if (addr === null || addr.is4) return null;
    return '[' + unescaped + ']' + port;
  }
  const i = host.indexOf(':');
  if (i >= 0 && !validOptionalPort(host.slice(i))) return null;
  return unescape(host, encodeHost);
}

/**
 * The host of url.Parse(s) for s containing "://", or null when url.Parse
 * fails or finds no host. s is a byte string.
 */
export function goURLHost(s) {
  const hash = s.indexOf('#');
  const u = hash >= 0 ? s.slice(0, hash) : s;
  const frag = hash >= 0 ? s.slice(hash + 1) : '';
  if (/[\x00-\x1f\x7f]/.test(u)) return null;
  // getScheme
  let scheme = '';
  let rest = u;
  for (let i = 0; i < u.length; i++) {
    const c = u.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) break;
      continue;
    }
    if (c === 0x3a) {
      if (i === 0) return null;
      scheme = u.slice(0, i).toLowerCase();
      rest = u.slice(i + 1);
    }
    break;
  }
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) rest = rest.slice(0, q);
  }
  if (!rest.startsWith('/')) {
    if (scheme !== '') return null; // opaque: no host
    const slash = rest.indexOf('/');
    const segment = slash >= 0 ? rest.slice(0, slash) : rest;
    if (segment.includes(':')) return null;
  }
  let host = '';
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const at = authority.lastIndexOf('@');
    const h = parseHost(at < 0 ? authority : authority.slice(at + 1));
    if (h === null) return null;
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!validUserinfo(userinfo)) return null;
      const colon = userinfo.indexOf(':');
      const parts = colon < 0 ? [userinfo] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)];
      for (const p of parts) if (unescape(p, encodeOther) === null) return null;
    }
    host = h;
  }
  if (unescape(rest, encodeOther) === null) return null;
  if (frag !== '' && unescape(frag, encodeOther) === null) return null;
  return host === '' ? null : host;
}

/** net.SplitHostPort: [host, port], or null on an error. */
export function splitHostPort(hostport) {
  let j = 0;
  let k = 0;
  const i = hostport.lastIndexOf(':');
  if (i < 0) return null;
  let host;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return null;
    if (end + 1 === hostport.length) return null;
    if (end + 1 !== i) return null;
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return null;
  }
  if (hostport.indexOf('[', j) >= 0) return null;
  if (hostport.indexOf(']', k) >= 0) return null;
  return [host, hostport.slice(i + 1)];
}

/**
 * net/netip.ParseAddr: {bytes (4 or 16), is4, zone}, or null on an error.
 * @param {string} s
 */
export function parseAddr(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '.') return parseIPv4(s);
    if (c === ':') return parseIPv6(s);
    if (c === '%') return null;
  }
  return null;
}

function parseIPv4Fields(s, fields, at) {
  let val = 0;
  let pos = 0;
  let digLen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digLen === 1 && val === 0) return false;
      val = val * 10 + (c - 0x30);
      digLen++;
      if (val > 255) return false;
    } else if (c === 0x2e) {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') return false;
      if (pos === 3) return false;
      fields[at + pos] = val;
      pos++;
      val = 0;
      digLen = 0;
    } else {
      return false;
    }
  }
  if (pos < 3) return false;
  fields[at + 3] = val;
  return true;
}

function parseIPv4(s) {
  const f = [0, 0, 0, 0];
  if (!parseIPv4Fields(s, f, 0)) return null;
  return { bytes: f, is4: true, zone: '' };
}

function parseIPv6(input) {
  let s = input;
  let zone = '';
  const pct = s.indexOf('%');
  if (pct >= 0) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === '') return null;
  }
  const ip = new Array(16).fill(0);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return { bytes: ip, is4: false, zone };
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const c = s.charCodeAt(off);
      if (!isHex(c)) break;
      acc = acc * 16 + unhex(c);
      if (off > 3) return null;
      if (acc > 0xffff) return null;
    }
    if (off === 0) return null;
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) return null;
      if (i + 4 > 16) return null;
      if (!parseIPv4Fields(s, ip, i)) return null;
      s = '';
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ':') return null;
    if (s.length === 1) return null;
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return null;
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return null;
  if (i < 16) {
    if (ellipsis < 0) return null;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j];
    for (let j = ellipsis; j < ellipsis + n; j++) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return null;
  }
  return { bytes: ip, is4: false, zone };
}

/**
 * net.ParseIP(s).To4() as dotted decimal: the IPv4 address s names (IPv4 or
 * IPv4-mapped IPv6), '' for another IPv6 address, or null when s is no
 * address.
 */
export function parseIPTo4(s) {
  const a = parseAddr(s);
  if (a === null || a.zone !== '') return null;
  if (a.is4) return a.bytes.join('.');
  const b = a.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return '';
  if (b[10] !== 0xff || b[11] !== 0xff) return '';
  return b.slice(12).join('.');
}
