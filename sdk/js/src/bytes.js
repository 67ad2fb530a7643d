// "Byte strings": JavaScript strings holding one char (U+0000–U+00FF) per
// UTF-8 byte. The Go code works on the bytes of UTF-8 strings, and URL
// canonicalization must keep bytes that are not valid UTF-8 (a host like
// "%80.com" unescapes to the byte 0x80), so the URL and domain code works on
// byte strings and turns them back into text only where Go decodes UTF-8.

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** The UTF-8 bytes of s as a byte string (lone surrogates become U+FFFD). */
export function toByteString(s) {
  // Pure ASCII, the common case, is its own byte string.
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  const b = encoder.encode(s);
  let out = '';
  for (let i = 0; i < b.length; i += 4096) {
    out += String.fromCharCode.apply(null, b.subarray(i, i + 4096));
  }
  return out;
}

/** The text a byte string encodes, or null when it is not valid UTF-8. */
export function fromByteString(b) {
  if (/^[\x00-\x7f]*$/.test(b)) return b;
  const bytes = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) bytes[i] = b.charCodeAt(i);
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

/** Whether the byte string holds a byte >= 0x80. */
export function hasNonASCII(b) {
  return /[\x80-\xff]/.test(b);
}
