// Type declarations for src/client.js: the HTTP client and the local
// checker. Re-exported by index.d.ts.

import type { Kind, Parsed } from '../index.js';

/** Verdicts; never "safe". */
export type Verdict = 'dangerous' | 'suspicious' | 'trusted' | 'unknown';

export interface ClientOptions {
  /** "https://host[:port]" of a scamcheck server. */
  baseURL: string;
  /** Sent as a bearer token (partner keys have higher rate limits). */
  apiKey?: string;
  /** The fetch to use. Default: globalThis.fetch. */
  fetch?: typeof fetch;
  /** Bound of each attempt. Default 10000. */
  timeoutMs?: number;
  /** How many times a failed request is repeated (0: never). Default 3. */
  retries?: number;
  /** First wait between attempts; each doubles, jittered down to half. Default 200. */
  minBackoffMs?: number;
  /** Largest wait between attempts. Default 5000. */
  maxBackoffMs?: number;
  /** A longer Retry-After ends the call with the 429 instead. Default 60000. */
  maxRetryAfterMs?: number;
  /** Items per POST /v1/check (at most 1000). Default 1000. */
  batchSize?: number;
  /** Waits ms or until signal aborts; tests replace it. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export declare const ClientDefaults: Readonly<Required<Pick<ClientOptions,
  'timeoutMs' | 'retries' | 'minBackoffMs' | 'maxBackoffMs' | 'maxRetryAfterMs' | 'batchSize'>>>;
/** 1000: findHashes splits larger calls. */
export declare const MaxFindPrefixes: number;

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call, retries and waits included. */
  signal?: AbortSignal;
}

/** The answer to one check (GET/POST /v1/check; fields as the Go indicators.Result). */
export interface CheckResult {
  input: string;
  kind?: Kind;
  key?: string;
  canonical?: string;
  verdict?: Verdict;
  status?: 'reported' | 'confirmed' | 'delisted' | 'trusted';
  category?: string;
  reports?: number;
  sources?: string[];
  first_seen?: string;
  last_seen?: string;
  /** The listed key that matched, when not key itself. */
  matched?: string;
  also?: { key: string; verdict: Verdict; status: string; reports?: number };
  lookalike_of?: string;
  /** A prefix hit the server could not confirm: answered suspicious. */
  degraded?: boolean;
  advice?: { vi: string; en: string };
  error?: { code: string; message: string };
  /** Fields newer servers add. */
  [field: string]: unknown;
}

/** One input of checkBatch: a string is a q. */
export type CheckItem = string | {
  q?: string; phone?: string; bank?: string; account?: string; domain?: string; url?: string;
};

/** A citizen report (POST /v1/reports). */
export interface ReportRequest {
  q?: string; phone?: string; bank?: string; account?: string; domain?: string; url?: string;
  /** web (default), app, hotline, police */
  channel?: string;
  category?: string;
  description?: string;
  amount_vnd?: number;
  /** RFC 3339 */
  happened_at?: string;
  holder_name?: string;
  /** Shown to police only, stored apart from the report. */
  contact?: { name?: string; phone?: string; email?: string };
}

/** An answer of GET /v1/prefixes, decoded: the full sorted set, or the changes since `since`. */
export interface PrefixList {
  kind: Kind;
  generation: string;
  /** Hex SHA-256 of the whole sorted set in wire form. */
  checksum: string;
  count: number;
  full: boolean;
  prefixes?: Uint32Array;
  additions?: Uint32Array;
  removals?: Uint32Array;
}

/** A listed key whose prefix was asked: its full hash and what a check of it answers. */
export interface HashMatch {
  /** Hex SHA-256 of the canonical key. */
  hash: string;
  kind: Kind;
  verdict: Verdict;
  status: string;
  category?: string;
  reports: number;
  first_seen: string;
  last_seen: string;
}

export interface FindResult {
  matches: HashMatch[];
  /** How long the answer for these prefixes (matches and their absence) may be kept. */
  cacheSeconds: number;
}

export interface Client {
  /** Checks anything; the server detects the kind. */
  check(q: string, opts?: CallOptions): Promise<CheckResult>;
  checkPhone(phone: string, opts?: CallOptions): Promise<CheckResult>;
  checkBankAccount(bank: string, account: string, opts?: CallOptions): Promise<CheckResult>;
  checkDomain(domain: string, opts?: CallOptions): Promise<CheckResult>;
  /** Sends the link to the server; createLocalChecker checks links without sending them. */
  checkURL(url: string, opts?: CallOptions): Promise<CheckResult>;
  /** Results in the order of items, in requests of at most 1000. */
  checkBatch(items: CheckItem[], opts?: CallOptions): Promise<CheckResult[]>;
  /** Files a report and returns its receipt id; repeated only after a 429. */
  report(body: ReportRequest, opts?: CallOptions): Promise<string>;
  prefixes(kind: Kind, since?: string, opts?: CallOptions): Promise<PrefixList>;
  findHashes(prefixes: ArrayLike<number>, opts?: CallOptions): Promise<FindResult>;
}

/** An error answer of the server, or status 0 (code network_error, timeout, bad_answer, checksum_mismatch) when none came. */
export declare class ScamcheckError extends Error {
  constructor(status: number, code: string, message: string, options?: { retryAfterMs?: number; cause?: unknown });
  status: number;
  code: string;
  retryAfterMs: number;
}

export declare function isInvalidInput(err: unknown): boolean;
export declare function isUnauthorized(err: unknown): boolean;
export declare function isNotFound(err: unknown): boolean;
export declare function isRateLimited(err: unknown): boolean;
/** 502–504, or no answer at all. */
export declare function isUnavailable(err: unknown): boolean;

export declare function createClient(options: ClientOptions): Client;

/** Retry-After (seconds or HTTP date) in milliseconds. */
export declare function parseRetryAfter(v: string | null, now?: number): number;
/** Base64 wire form → prefixes. */
export declare function decodePrefixes(b64: string | null | undefined): Uint32Array;
/** Prefixes → wire form (4 big-endian bytes each). */
export declare function encodePrefixes(prefixes: ArrayLike<number>): Uint8Array;
/** Hex SHA-256 of a sorted set's wire form. */
export declare function prefixChecksum(sorted: Uint32Array): Promise<string>;

/** Sets held by a LocalChecker, as plain JSON. */
export type LocalCheckerState = Partial<Record<Kind, { generation: string; prefixes: string }>>;

export interface LocalChecker {
  /** Full lists the first time, then deltas; verifies checksums, reloads in full on a mismatch. */
  sync(opts?: CallOptions): Promise<void>;
  /** Checks locally; asks hashes:find only on a prefix hit. Throws InputError for unreadable input. */
  check(input: string, opts?: CallOptions): Promise<CheckResult>;
  checkParsed(p: Parsed, opts?: CallOptions): Promise<CheckResult>;
  generation(kind: Kind): string;
  prefixes(kind: Kind): Uint32Array;
  exportState(): LocalCheckerState;
  importState(state: LocalCheckerState): void;
}

export declare function createLocalChecker(client: Client, options?: { now?: () => number }): LocalChecker;
