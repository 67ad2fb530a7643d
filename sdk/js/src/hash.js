// Hashing for the privacy-preserving lookups (issue #8), the Safe Browsing
// way: a client holds 4-byte prefixes of SHA-256 hashes and asks the server
// only about a prefix it has.
//
// What is hashed is exactly a canonical key string as lookupKeys returns it,
// encoded in UTF-8 (every key is ASCII, so its bytes are its characters):
//
//   phone         "phone:+84912345678"
//   bank account  "bank_account:970436:0011004353201"
//   domain        each of domainLookupKeys: "domain:login.evil.com.vn", "domain:evil.com.vn"
//   URL           each expression as a key, "url:login.evil.com.vn/a/b.html?x=1",
//                 "url:login.evil.com.vn/a/b.html", "url:login.evil.com.vn/", …,
//                 then the domain keys of its host
//
// No salt, no trailing newline. The functions use Web Crypto
// (globalThis.crypto.subtle), present in Node 20 and in browsers and their
// extensions, so they are asynchronous.

function subtle() {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('Web Crypto (crypto.subtle) is not available');
  return s;
}

const encoder = new TextEncoder();

/**
 * SHA-256 of the UTF-8 bytes of key.
 * @param {string} key
 * @returns {Promise<Uint8Array>} 32 bytes
 */
export async function sha256(key) {
  return new Uint8Array(await subtle().digest('SHA-256', encoder.encode(key)));
}

/**
 * SHA-256 of key in lower-case hex (64 characters).
 * @param {string} key
 * @returns {Promise<string>}
 */
export async function sha256Hex(key) {
  return toHex(await sha256(key));
}

/** Length in bytes of a hash prefix. */
export const HashPrefixLen = 4;

/**
 * The first 4 bytes of SHA-256 of key.
 * @param {string} key
 * @returns {Promise<Uint8Array>}
 */
export async function hashPrefix(key) {
  return (await sha256(key)).slice(0, HashPrefixLen);
}

/**
 * The first 4 bytes of SHA-256 of key in lower-case hex (8 characters).
 * @param {string} key
 * @returns {Promise<string>}
 */
export async function hashPrefixHex(key) {
  return toHex(await hashPrefix(key));
}

/**
 * Lower-case hex of bytes.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function toHex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
