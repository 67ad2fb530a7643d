// @scamcheck/sdk: the canonicalization of github.com/scamcheck/scamcheck's
// Go package indicators, for JavaScript (Node 20+ and browsers), agreeing
// byte for byte with Go on testdata/vectors, plus the hashing of keys for
// the privacy-preserving API, and the HTTP client (client.js).

export { InputError, Codes } from './errors.js';
export { MaxInputLen } from './text.js';
export { normalizePhone, normalizePhoneConverted, isPossiblePhone } from './phone.js';
export { oldMobilePrefixes } from './oldprefix.js';
export {
  looksLikeVietQR, decodeVietQR, encodeVietQR, parseVietQR, vietQRKey, vietQRPayment, crc16CCITTFalse,
} from './vietqr.js';
export {
  normalizeDomain, canonicalHost, registrableDomain, domainLookupKeys, publicSuffix, effectiveTLDPlusOne,
} from './domain.js';
export { canonicalURL, normalizeURL, urlExpressions, urlHost, MaxURLExpressions } from './url.js';
export {
  BankTable, normalizeBankAccount, parseBankAccount, splitBankAccount, defaultBanks, embeddedBanks, setBanks,
} from './bank.js';
export { Kinds, parse, parseAs, parseKind, parseKey, normalize, lookupKeys, maxDomainLookups } from './parse.js';
export { sha256, sha256Hex, hashPrefix, hashPrefixHex, toHex, HashPrefixLen } from './hash.js';
export * from './client.js';
