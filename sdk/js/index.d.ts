// Type declarations for @scamcheck/sdk (src/index.js).

/** The four kinds of indicator. */
export type Kind = 'phone' | 'bank_account' | 'domain' | 'url';

/** Machine codes of InputError: the Go package indicators' Code* constants. */
export type ErrorCode =
  | 'empty_input'
  | 'input_too_long'
  | 'invalid_phone'
  | 'phone_too_short'
  | 'phone_too_long'
  | 'phone_has_letters'
  | 'phone_not_possible'
  | 'unknown_bank'
  | 'missing_bank'
  | 'invalid_account'
  | 'invalid_domain'
  | 'invalid_url'
  | 'unknown_kind'
  | 'invalid_key'
  | 'undetected_kind'
  | 'invalid_record'
  | 'unknown_old_prefix'
  | 'invalid_qr'
  | 'qr_bad_crc'
  | 'qr_no_account';

/** The codes by name (Codes.phoneTooShort === 'phone_too_short'). */
export declare const Codes: Readonly<{
  empty: 'empty_input';
  tooLong: 'input_too_long';
  invalidPhone: 'invalid_phone';
  phoneTooShort: 'phone_too_short';
  phoneTooLong: 'phone_too_long';
  phoneLetters: 'phone_has_letters';
  phoneImpossible: 'phone_not_possible';
  unknownBank: 'unknown_bank';
  missingBank: 'missing_bank';
  invalidAccount: 'invalid_account';
  invalidDomain: 'invalid_domain';
  invalidURL: 'invalid_url';
  unknownKind: 'unknown_kind';
  invalidKey: 'invalid_key';
  undetected: 'undetected_kind';
  invalidRecord: 'invalid_record';
  unknownOldPrefix: 'unknown_old_prefix';
  invalidQR: 'invalid_qr';
  qrChecksum: 'qr_bad_crc';
  qrNoAccount: 'qr_no_account';
}>;

/** Why an input cannot become a canonical key. */
export declare class InputError extends Error {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown });
  readonly name: 'InputError';
  /** The Go error code. */
  readonly code: ErrorCode;
}

/** Maximum input length in UTF-8 bytes. */
export declare const MaxInputLen: 4096;

/**
 * "phone:+<E.164>" with Vietnam as the default region. An old 11-digit
 * mobile number ("0166 123 4567") gives the key of its current form
 * ("phone:+84361234567"); an 11-digit 01xx number whose prefix was never a
 * mobile prefix throws unknown_old_prefix.
 */
export declare function normalizePhone(s: string): string;
/** normalizePhone that also says whether s was an old 11-digit mobile number converted. */
export declare function normalizePhoneConverted(s: string): { key: string; converted: boolean };
/** One row of the 2018 renumbering table (indicators/oldprefixes.csv), national form. */
export interface OldPrefix {
  /** 11-digit era prefix, e.g. "0166". */
  readonly old: string;
  /** Its replacement, e.g. "036". */
  readonly new: string;
  /** Operator at the time of the change. */
  readonly carrier: string;
}
/** The renumbering table normalizePhone applies, in the CSV's order (a copy). */
export declare function oldMobilePrefixes(): OldPrefix[];
/** Whether normalizePhone(s) would succeed. */
export declare function isPossiblePhone(s: string): boolean;

/** "domain:<lowercase punycode host>" of a host, IDN or pasted URL. */
export declare function normalizeDomain(s: string): string;
/** The canonical host without "domain:". */
export declare function canonicalHost(s: string): string;
/** eTLD+1 of a canonical host; an IPv4 address is its own. */
export declare function registrableDomain(host: string): string;
/** The domain keys a check of a canonical host tests, most specific first (at most 5). */
export declare function domainLookupKeys(host: string): string[];
/** golang.org/x/net/publicsuffix.PublicSuffix: [suffix, icann]. */
export declare function publicSuffix(domain: string): [string, boolean];
/** golang.org/x/net/publicsuffix.EffectiveTLDPlusOne, null where Go errors. */
export declare function effectiveTLDPlusOne(domain: string): string | null;

/** Safe Browsing canonical URL with scheme ("http://evil.example/login"). */
export declare function canonicalURL(s: string): string;
/** "url:<canonical URL without scheme>". */
export declare function normalizeURL(s: string): string;
/** Host-suffix × path-prefix expressions (1 to 30), first = the key's value. */
export declare function urlExpressions(s: string): string[];
/** Host of a canonical URL, key value or expression. */
export declare function urlHost(canonical: string): string;
/** 30. */
export declare const MaxURLExpressions: number;

/** One row of the bank table. */
export interface Bank {
  readonly bin: string;
  readonly code: string;
  readonly shortName: string;
  readonly nameVI: string;
  readonly nameEN: string;
  readonly aliases: readonly string[];
  readonly website: string;
}

/** Resolves bank names to BINs; immutable. */
export declare class BankTable {
  /** Records as CSV fields, header first (bin,code,short_name,name_vi,name_en,aliases,website). */
  constructor(records: string[][]);
  /** Reads and validates a bank table in CSV, as Go's LoadBanks. */
  static fromCSV(text: string): BankTable;
  lookup(name: string): Bank | undefined;
  byBINCode(bin: string): Bank | undefined;
  all(): Bank[];
}

/** "bank_account:<BIN>:<digits>". */
export declare function normalizeBankAccount(bank: string, account: string): string;
/** Bank and account found in free text, as a key. */
export declare function parseBankAccount(s: string): string;
/** parseBankAccount's parts. */
export declare function splitBankAccount(s: string): { bank: Bank; account: string };
/** The table in use (the embedded one unless setBanks replaced it). */
export declare function defaultBanks(): BankTable;
/** The table shipped with the SDK (indicators/banks.csv). */
export declare function embeddedBanks(): BankTable;
/** Replaces the table in use; undefined restores the embedded one. */
export declare function setBanks(table: BankTable | undefined): void;

/** What a VietQR payload says; '' where a field was absent (Go's VietQR). */
export interface VietQR {
  /** Tag 01: "11" static (reusable), "12" one payment. */
  initiation: string;
  /** Tag 38.00: "A000000727" (NAPAS). */
  guid: string;
  /** Tag 38.01.00: the beneficiary bank's 6-digit BIN. */
  bin: string;
  /** Tag 38.01.01: account or card number. */
  account: string;
  /** Tag 38.02: "QRIBFTTA" (account) or "QRIBFTTC" (card). */
  service: string;
  /** Tag 52: merchant category code. */
  mcc: string;
  /** Tag 53: ISO 4217 numeric, "704" for VND. */
  currency: string;
  /** Tag 54: decimal amount, as written. */
  amount: string;
  /** Tag 58. */
  country: string;
  /** Tag 59. */
  merchantName: string;
  /** Tag 60. */
  merchantCity: string;
  /** Tag 62.01. */
  billNumber: string;
  /** Tag 62.08: purpose of transaction (the message). */
  purpose: string;
}

/**
 * The payment a VietQR code asks for, as shown to a citizen: the fields and
 * names of Go's PaymentQR JSON (the API's "qr" object); optional fields are
 * absent where Go omits them.
 */
export interface PaymentQR {
  bin: string;
  /** Short name from the bank table. */
  bank?: string;
  /** E.g. "0011••••3201". */
  account_masked: string;
  service?: string;
  /** Tag 54 in VND, when fixed (and not zero). */
  amount_vnd?: number;
  currency?: string;
  /** Tag 62 purpose, else the bill number. */
  message?: string;
}

/** Whether s (trimmed) starts like an EMVCo payload ("000201"). */
export declare function looksLikeVietQR(s: string): boolean;
/** Decodes a VietQR payload (TLV, CRC, NAPAS tag 38); throws empty_input, invalid_qr, qr_bad_crc, qr_no_account. */
export declare function decodeVietQR(payload: string): VietQR;
/** Builds the payload for q (Go's VietQR.Encode); throws RangeError when a field exceeds 99 characters. */
export declare function encodeVietQR(q: Partial<VietQR>): string;
/** The bank_account key q pays to; throws unknown_bank, invalid_account. */
export declare function vietQRKey(q: VietQR): string;
/** What a citizen is shown of q. */
export declare function vietQRPayment(q: VietQR): PaymentQR;
/** A VietQR payload as parse() resolves it. */
export declare function parseVietQR(input: string): Parsed & { kind: 'bank_account'; qr: PaymentQR };
/** CRC-16/CCITT-FALSE of the UTF-8 encoding of s (EMVCo tag 63). */
export declare function crc16CCITTFalse(s: string): number;

/** Free text resolved to one indicator (Go's Parsed, with its JSON field names). */
export interface Parsed {
  input: string;
  kind: Kind;
  /** "<kind>:<canonical value>" */
  key: string;
  /** For URLs the full canonical URL; else the key's value. */
  canonical: string;
  /** The input, when it was an old 11-digit mobile number that key holds in its current form. */
  converted_from?: string;
  /** Set when the input was a VietQR payload: key is the account it pays. */
  qr?: PaymentQR;
}

/** The kinds in Go's fixed order. */
export declare const Kinds: readonly Kind[];
/** Detects the kind of free text (a VietQR payload first) and normalizes it, as Go's Parse. */
export declare function parse(input: string): Parsed;
/** Normalizes input as the given kind. */
export declare function parseAs(kind: Kind, input: string): Parsed;
/** Accepts a kind name ("bank", "link", … too). */
export declare function parseKind(s: string): Kind;
/** Returns s when it is a canonical key, else throws invalid_key. */
export declare function parseKey(s: string): string;
/** The key of a value of a known kind. */
export declare function normalize(kind: Kind, value: string): string;
/** Every key a check of p tests (and the privacy-preserving API hashes), most specific first. */
export declare function lookupKeys(p: Parsed): string[];
/** 5. */
export declare const maxDomainLookups: number;

/** SHA-256 of the key's UTF-8 bytes (32 bytes). */
export declare function sha256(key: string): Promise<Uint8Array>;
/** SHA-256 of the key, lower-case hex. */
export declare function sha256Hex(key: string): Promise<string>;
/** First 4 bytes of SHA-256 of the key. */
export declare function hashPrefix(key: string): Promise<Uint8Array>;
/** First 4 bytes of SHA-256 of the key, lower-case hex (8 characters). */
export declare function hashPrefixHex(key: string): Promise<string>;
/** Lower-case hex of bytes. */
export declare function toHex(bytes: Uint8Array): string;
/** 4. */
export declare const HashPrefixLen: number;
export * from './src/client.js';
