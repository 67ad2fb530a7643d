// golang.org/x/net/publicsuffix's PublicSuffix and EffectiveTLDPlusOne,
// ported line by line and run on a copy of its own table (src/psldata.js,
// made by `npm run gen-psl`), so that registrable domains agree with Go's
// for every host, not only for those two list revisions agree on.

import { layout, text as text64, nodes as nodes64, children as children64 } from './psldata.js';

function decode64(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let table;

function loadTable() {
  table ??= {
    text: atob(text64),
    nodes: decode64(nodes64),
    children: decode64(children64),
  };
  return table;
}

const notFound = -1;

/** bits returns width bits of x starting at bit shift (x < 2^53). */
function bits(x, shift, width) {
  return Math.floor(x / 2 ** shift) % 2 ** width;
}

function nodesGet(t, i) {
  const o = i * (layout.nodesBits / 8);
  const b = t.nodes;
  return b[o] * 2 ** 32 + ((b[o + 1] << 24) >>> 0) + (b[o + 2] << 16) + (b[o + 3] << 8) + b[o + 4];
}

function childrenGet(t, i) {
  const o = i * 4;
  const b = t.children;
  return ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
}

function nodeLabel(t, i) {
  const x = nodesGet(t, i);
  const length = bits(x, 0, layout.nodesBitsTextLength);
  const offset = bits(x, layout.nodesBitsTextLength, layout.nodesBitsTextOffset);
  return t.text.slice(offset, offset + length);
}

function find(t, label, lo, hi) {
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const s = nodeLabel(t, mid);
    if (s < label) lo = mid + 1;
    else if (s === label) return mid;
    else hi = mid;
  }
  return notFound;
}

/**
 * publicSuffix returns the public suffix of domain and whether it is
 * managed by ICANN (true) or privately (false); a domain under no listed
 * rule falls under the default rule "*" (its last label, not ICANN).
 * @param {string} domain
 * @returns {[string, boolean]}
 */
export function publicSuffix(domain) {
  const t = loadTable();
  let lo = 0;
  let hi = layout.numTLD;
  let s = domain;
  let suffix = domain.length;
  let icannNode = false;
  let wildcard = false;
  let icann = false;
  for (;;) {
    const dot = s.lastIndexOf('.');
    if (wildcard) {
      icann = icannNode;
      suffix = 1 + dot;
    }
    if (lo === hi) break;
    const f = find(t, s.slice(1 + dot), lo, hi);
    if (f === notFound) break;
    let u = Math.floor(nodesGet(t, f) / 2 ** (layout.nodesBitsTextOffset + layout.nodesBitsTextLength));
    icannNode = bits(u, 0, layout.nodesBitsICANN) !== 0;
    u = Math.floor(u / 2 ** layout.nodesBitsICANN);
    u = childrenGet(t, bits(u, 0, layout.nodesBitsChildren));
    lo = bits(u, 0, layout.childrenBitsLo);
    u = Math.floor(u / 2 ** layout.childrenBitsLo);
    hi = bits(u, 0, layout.childrenBitsHi);
    u = Math.floor(u / 2 ** layout.childrenBitsHi);
    const nodeType = bits(u, 0, layout.childrenBitsNodeType);
    if (nodeType === 0) {
      suffix = 1 + dot;
    } else if (nodeType === 1) {
      suffix = 1 + s.length;
      break;
    }
    u = Math.floor(u / 2 ** layout.childrenBitsNodeType);
    wildcard = bits(u, 0, layout.childrenBitsWildcard) !== 0;
    if (!wildcard) icann = icannNode;
    if (dot === -1) break;
    s = s.slice(0, dot);
  }
  if (suffix === domain.length) return [domain.slice(1 + domain.lastIndexOf('.')), icann];
  return [domain.slice(suffix), icann];
}

/**
 * effectiveTLDPlusOne returns the public suffix plus one more label
 * ("golang.org" for "foo.bar.golang.org"), or null where Go returns an
 * error (empty labels, or the domain is itself a public suffix).
 * @param {string} domain
 * @returns {string | null}
 */
export function effectiveTLDPlusOne(domain) {
  if (domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) return null;
  const [suffix] = publicSuffix(domain);
  if (domain.length <= suffix.length) return null;
  const i = domain.length - suffix.length - 1;
  if (domain[i] !== '.') return null;
  return domain.slice(1 + domain.lastIndexOf('.', i - 1));
}
