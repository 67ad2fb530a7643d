// The HTTP client of the scamcheck API and the privacy-preserving local
// checker, for Node 20+ and browsers (extensions included): it needs only
// fetch, AbortController and Web Crypto.
//
//   const c = createClient({ baseURL: 'https://scamcheck.example.vn' });
//   const r = await c.checkURL('https://vietcombank-login.example/');
//   if (r.verdict === 'dangerous') …
//
//   const local = createLocalChecker(c);   // sends nothing on a miss
//   await local.sync();                    // every few minutes
//   const r2 = await local.check('https://vietcombank-login.example/');
//
// Each attempt is bounded by timeoutMs. Requests that may safely be repeated
// are retried with exponential backoff and jitter after a 5xx (not 501), a
// 429 (honouring Retry-After) or a network failure; a report is retried only
// after a 429, since a 5xx may come after it was stored and a repeat would
// file it twice. This mirrors the Go SDK (sdk/go/client.go, local.go); the
// wire format is docs/privacy-lookups.md.

import { parse, lookupKeys } from './parse.js';
import { sha256, toHex, HashPrefixLen } from './hash.js';

/** Defaults of createClient's options. */
export const ClientDefaults = Object.freeze({
  timeoutMs: 10_000,
  retries: 3,
  minBackoffMs: 200,
  maxBackoffMs: 5_000,
  maxRetryAfterMs: 60_000,
  batchSize: 1000,
});

/** The most prefixes the server takes in one hashes:find; findHashes splits larger calls. */
export const MaxFindPrefixes = 1000;

/**
 * An error answer of the server ({"error":{"code","message"}}) or a failure
 * to get one. `status` is the HTTP status, 0 when no answer came (then
 * `code` is "network_error" or "timeout").
 */
export class ScamcheckError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {{retryAfterMs?: number, cause?: unknown}} [options]
   */
  constructor(status, code, message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScamcheckError';
    this.status = status;
    this.code = code;
    /** The server's Retry-After in milliseconds, 0 when absent. */
    this.retryAfterMs = options.retryAfterMs ?? 0;
  }
}

const statusOf = (err) => (err instanceof ScamcheckError ? err.status : -1);

/** 400 or 413: the input (or request) was refused. */
export const isInvalidInput = (err) => statusOf(err) === 400 || statusOf(err) === 413;
/** 401 or 403. */
export const isUnauthorized = (err) => statusOf(err) === 401 || statusOf(err) === 403;
/** 404. */
export const isNotFound = (err) => statusOf(err) === 404;
/** 429. */
export const isRateLimited = (err) => statusOf(err) === 429;
/** 502–504, or no answer at all (network failure, timeout). */
export const isUnavailable = (err) => [0, 502, 503, 504].includes(statusOf(err));

/** Whether a request that got status may succeed if repeated: not 501, which will still lack the feature. */
const retryableStatus = (status) => status === 429 || (status >= 500 && status !== 501);

/**
 * Reads Retry-After (seconds or an HTTP date) as milliseconds.
 * @param {string|null} v
 * @param {number} now epoch milliseconds
 * @returns {number}
 */
export function parseRetryAfter(v, now = Date.now()) {
  v = (v ?? '').trim();
  if (v === '') return 0;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? 0 : Math.max(t - now, 0);
}

const sleepFor = (ms, signal) => new Promise((resolve, reject) => {
  if (signal?.aborted) { reject(signal.reason); return; }
  const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
  const onAbort = () => { clearTimeout(t); reject(signal.reason); };
  signal?.addEventListener('abort', onAbort, { once: true });
});

/** Base64 (standard, padded) of bytes; works without Buffer. */
function toBase64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Decodes the wire form (concatenated 4-byte big-endian prefixes) of a
 * base64 prefix list.
 * @param {string|undefined|null} b64
 * @returns {Uint32Array}
 */
export function decodePrefixes(b64) {
  if (b64 == null || b64 === '') return new Uint32Array(0);
  let bytes;
  try {
    bytes = fromBase64(b64);
  } catch (err) {
    throw new ScamcheckError(0, 'bad_answer', 'prefix list is not base64', { cause: err });
  }
  if (bytes.length % HashPrefixLen !== 0) {
    throw new ScamcheckError(0, 'bad_answer', `prefix list of ${bytes.length} bytes is not a list of 4-byte prefixes`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(bytes.length / HashPrefixLen);
  for (let i = 0; i < out.length; i++) out[i] = dv.getUint32(i * HashPrefixLen, false);
  return out;
}

/**
 * The wire form of prefixes: each as 4 big-endian bytes.
 * @param {ArrayLike<number>} prefixes
 * @returns {Uint8Array}
 */
export function encodePrefixes(prefixes) {
  const out = new Uint8Array(prefixes.length * HashPrefixLen);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < prefixes.length; i++) dv.setUint32(i * HashPrefixLen, prefixes[i], false);
  return out;
}

/**
 * Hex SHA-256 of the wire form of a sorted prefix set: what the server
 * sends as checksum.
 * @param {Uint32Array} sorted
 * @returns {Promise<string>}
 */
export async function prefixChecksum(sorted) {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', encodePrefixes(sorted))));
}

/**
 * Creates a client of the server at baseURL ("https://host[:port]").
 * @param {import('../client').ClientOptions} options
 * @returns {import('../client').Client}
 */
export function createClient(options) {
  const o = { ...ClientDefaults, ...options };
  let base;
  try {
    base = new URL(String(o.baseURL ?? '').replace(/\/+$/, ''));
  } catch {
    base = null;
  }
  if (!base || (base.protocol !== 'http:' && base.protocol !== 'https:')) {
    throw new TypeError(`scamcheck: base URL ${JSON.stringify(o.baseURL)}: want http(s)://host`);
  }
  const root = base.href.replace(/\/+$/, '');
  const doFetch = o.fetch ?? globalThis.fetch.bind(globalThis);
  const sleep = o.sleep ?? sleepFor;
  const retries = Math.max(0, o.retries | 0);
  const batchSize = o.batchSize > 0 && o.batchSize <= 1000 ? o.batchSize : 1000;

  // Equal jitter: half of the doubled wait is fixed, half random, so clients
  // that failed together do not retry together.
  const backoff = (attempt) => {
    const d = Math.min(o.minBackoffMs * 2 ** attempt, Math.max(o.maxBackoffMs, o.minBackoffMs));
    return d / 2 + Math.random() * (d / 2);
  };

  /** Decides whether attempt (0-based) that failed with err is followed by another, and after how long. */
  const retryWait = (err, attempt, idempotent) => {
    if (attempt >= retries || !(err instanceof ScamcheckError) || err.code === 'bad_answer') return -1;
    if (err.status === 0) return idempotent ? backoff(attempt) : -1;
    if (!retryableStatus(err.status) || (!idempotent && err.status !== 429)) return -1;
    if (err.retryAfterMs > 0) return err.retryAfterMs <= o.maxRetryAfterMs ? err.retryAfterMs : -1;
    return backoff(attempt);
  };

  async function once(method, url, payload, signal) {
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; ac.abort(); }, o.timeoutMs);
    const onAbort = () => ac.abort(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const headers = { Accept: 'application/json' };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    if (o.apiKey) headers.Authorization = `Bearer ${o.apiKey}`;
    try {
      let res, text;
      try {
        res = await doFetch(url, { method, headers, body: payload, signal: ac.signal });
        text = await res.text();
      } catch (err) {
        if (signal?.aborted) throw signal.reason ?? err; // the caller's own: not retried
        if (timedOut) throw new ScamcheckError(0, 'timeout', `no answer within ${o.timeoutMs} ms`, { cause: err });
        throw new ScamcheckError(0, 'network_error', `request failed: ${err?.message ?? err}`, { cause: err });
      }
      if (res.status < 200 || res.status > 299) {
        const retryAfterMs = parseRetryAfter(res.headers.get('Retry-After'));
        let code = `http_${res.status}`;
        let message = res.statusText || `HTTP ${res.status}`;
        try {
          const e = JSON.parse(text)?.error;
          if (e && typeof e.code === 'string' && e.code !== '') ({ code, message } = e);
        } catch { /* a proxy's HTML page still gives the status */ }
        throw new ScamcheckError(res.status, code, message, { retryAfterMs });
      }
      try {
        return JSON.parse(text);
      } catch (err) {
        throw new ScamcheckError(0, 'bad_answer', `answer of ${new URL(url).pathname} is not JSON`, { cause: err });
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function request(method, path, { query, body, idempotent = true, signal } = {}) {
    const url = new URL(root + path);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      try {
        return await once(method, url.href, payload, signal);
      } catch (err) {
        const wait = retryWait(err, attempt, idempotent);
        if (wait < 0 || signal?.aborted) throw err;
        await sleep(wait, signal);
      }
    }
  }

  const check = (query, opts) => request('GET', '/v1/check', { query, signal: opts?.signal });

  return {
    check: (q, opts) => check({ q }, opts),
    checkPhone: (phone, opts) => check({ phone }, opts),
    checkBankAccount: (bank, account, opts) => check({ bank, account }, opts),
    checkDomain: (domain, opts) => check({ domain }, opts),
    checkURL: (url, opts) => check({ url }, opts),

    async checkBatch(items, opts) {
      const out = [];
      for (let start = 0; start < items.length; start += batchSize) {
        const chunk = items.slice(start, start + batchSize).map(batchItem);
        const res = await request('POST', '/v1/check', { body: { items: chunk }, signal: opts?.signal });
        if (!Array.isArray(res?.results) || res.results.length !== chunk.length) {
          throw new ScamcheckError(0, 'bad_answer', `batch of ${chunk.length} items got ${res?.results?.length} results`);
        }
        out.push(...res.results);
      }
      return out;
    },

    async report(body, opts) {
      const res = await request('POST', '/v1/reports', { body, idempotent: false, signal: opts?.signal });
      return res.id;
    },

    async prefixes(kind, since, opts) {
      const query = { kind };
      if (since) query.since = since;
      const raw = await request('GET', '/v1/prefixes', { query, signal: opts?.signal });
      const pl = { kind: raw.kind, generation: raw.generation, checksum: raw.checksum, count: raw.count, full: raw.full === true };
      if (pl.full) {
        pl.prefixes = decodePrefixes(raw.prefixes);
      } else {
        pl.additions = decodePrefixes(raw.additions);
        pl.removals = decodePrefixes(raw.removals);
      }
      return pl;
    },

    async findHashes(prefixes, opts) {
      const out = { matches: [], cacheSeconds: 0 };
      for (let start = 0; start < prefixes.length; start += MaxFindPrefixes) {
        const chunk = Array.from(prefixes.slice(start, start + MaxFindPrefixes), (p) => toBase64(encodePrefixes([p])));
        const res = await request('POST', '/v1/hashes:find', { body: { prefixes: chunk }, signal: opts?.signal });
        out.matches.push(...(res.matches ?? []));
        const cs = Number(res.cache_seconds) || 0;
        if (start === 0 || cs < out.cacheSeconds) out.cacheSeconds = cs;
      }
      return out;
    },
  };
}

/** Sends only the fields of a batch item that are set; a string is a q. */
function batchItem(it) {
  if (typeof it === 'string') return { q: it };
  const m = {};
  for (const f of ['q', 'phone', 'bank', 'account', 'domain', 'url']) {
    if (it?.[f]) m[f] = it[f];
  }
  // An empty item gets an error in its own result rather than failing the batch.
  return Object.keys(m).length ? m : { q: '' };
}

/** The four kinds, in the Go order. */
const kinds = ['phone', 'bank_account', 'domain', 'url'];

/** Verdict severity, as the server ranks several matching keys. */
const rank = (v) => ({ dangerous: 3, suspicious: 2, trusted: 1 })[v] ?? 0;

/** Whether sorted holds p (binary search). */
function has(sorted, p) {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < p) lo = mid + 1; else hi = mid;
  }
  return lo < sorted.length && sorted[lo] === p;
}

/** sorted − removals + additions, all sorted; the result is sorted without duplicates. */
function applyDelta(sorted, additions, removals) {
  const out = [];
  let i = 0, j = 0;
  const rem = new Set(removals);
  while (i < sorted.length || j < additions.length) {
    let v;
    if (j >= additions.length || (i < sorted.length && sorted[i] <= additions[j])) {
      v = sorted[i++];
    } else {
      v = additions[j++];
    }
    if (!rem.has(v) && (out.length === 0 || out[out.length - 1] !== v)) out.push(v);
  }
  return Uint32Array.from(out);
}

const sortedUnique = (ps) => Uint32Array.from(new Set(Uint32Array.from(ps).sort()));

/**
 * A checker that holds the hash prefixes of every listed key, hashes the
 * lookup keys of an input locally and asks the server (hashes:find) only on
 * a prefix hit — sending that 4-byte prefix, shared by many inputs. A miss,
 * the common case, sends nothing.
 * @param {ReturnType<typeof createClient>} client
 * @param {{now?: () => number}} [options]
 */
export function createLocalChecker(client, options = {}) {
  const now = options.now ?? Date.now;
  /** kind → {generation, sorted: Uint32Array} */
  const sets = new Map();
  /** prefix → {matches, expires} */
  const cache = new Map();
  let syncing = null;

  async function syncKind(kind, signal) {
    const cur = sets.get(kind);
    let pl = await client.prefixes(kind, cur?.generation ?? '', { signal });
    let next = pl.full ? sortedUnique(pl.prefixes) : applyDelta(cur.sorted, pl.additions, pl.removals);
    if (await prefixChecksum(next) !== pl.checksum) {
      if (pl.full) throw new ScamcheckError(0, 'checksum_mismatch', `${kind} prefix set does not match its checksum`);
      // The delta did not lead to the server's set (a generation from
      // another replica's history, a corrupted answer): start over.
      pl = await client.prefixes(kind, '', { signal });
      next = sortedUnique(pl.prefixes);
      if (await prefixChecksum(next) !== pl.checksum) {
        throw new ScamcheckError(0, 'checksum_mismatch', `${kind} prefix set does not match its checksum`);
      }
    }
    sets.set(kind, { generation: pl.generation, sorted: next });
    // A prefix just listed may have a cached empty answer (it collided with
    // an unlisted input earlier): forget it, or the listing would stay
    // hidden until the cache expired.
    if (pl.full) cache.clear();
    else for (const p of pl.additions) cache.delete(p);
  }

  async function sync(opts) {
    // Concurrent callers share one sync rather than racing on the sets.
    syncing ??= (async () => {
      try {
        for (const kind of kinds) await syncKind(kind, opts?.signal);
      } finally {
        syncing = null;
      }
    })();
    return syncing;
  }

  async function find(prefixes, signal) {
    const t = now();
    const out = [];
    const ask = [];
    for (const p of prefixes) {
      const c = cache.get(p);
      if (c && t < c.expires) out.push(...c.matches);
      else ask.push(p);
    }
    if (ask.length === 0) return out;
    const res = await client.findHashes(ask, { signal });
    const byPrefix = new Map();
    for (const m of res.matches) {
      if (typeof m.hash !== 'string' || !/^[0-9a-f]{64}$/.test(m.hash)) {
        throw new ScamcheckError(0, 'bad_answer', `hashes:find answered a malformed hash ${JSON.stringify(m.hash)}`);
      }
      const p = parseInt(m.hash.slice(0, 8), 16);
      if (!byPrefix.has(p)) byPrefix.set(p, []);
      byPrefix.get(p).push(m);
    }
    const expires = t + res.cacheSeconds * 1000;
    if (cache.size >= 10_000) {
      for (const [p, c] of cache) if (t >= c.expires) cache.delete(p);
    }
    for (const p of ask) {
      const ms = byPrefix.get(p) ?? [];
      if (res.cacheSeconds > 0) cache.set(p, { matches: ms, expires });
      out.push(...ms);
    }
    return out;
  }

  /**
   * Answers an already parsed input ({input, kind, key, canonical}).
   */
  async function checkParsed(p, opts) {
    if (sets.size < kinds.length) await sync(opts);
    const r = { input: p.input, kind: p.kind, key: p.key, canonical: p.canonical, verdict: 'unknown' };
    const keys = p.kind === 'domain' || p.kind === 'url' ? lookupKeys(p) : [p.key];
    const hits = [];
    const prefixes = new Set();
    for (const k of keys) {
      const set = sets.get(k.slice(0, k.indexOf(':')));
      if (!set) continue;
      const h = await sha256(k);
      const pfx = new DataView(h.buffer, h.byteOffset, 4).getUint32(0, false);
      if (has(set.sorted, pfx)) {
        hits.push({ key: k, hash: toHex(h) });
        prefixes.add(pfx);
      }
    }
    if (hits.length === 0) return r; // nothing was sent
    let matches;
    try {
      matches = await find([...prefixes], opts?.signal);
    } catch (err) {
      if (opts?.signal?.aborted) throw err;
      // As the server does when its store fails on a filter hit: warn
      // rather than reassure.
      return { ...r, verdict: 'suspicious', degraded: true, error: { code: err.code ?? 'error', message: err.message } };
    }
    let best = null, bestKey = '';
    for (const h of hits) { // most specific first: it wins ties
      for (const m of matches) {
        if (m.hash === h.hash && (best === null || rank(m.verdict) > rank(best.verdict))) {
          best = m;
          bestKey = h.key;
        }
      }
    }
    if (best) {
      Object.assign(r, { verdict: best.verdict, status: best.status, reports: best.reports,
        first_seen: best.first_seen, last_seen: best.last_seen });
      if (best.category) r.category = best.category;
      if (bestKey !== p.key) r.matched = bestKey;
    }
    return r;
  }

  return {
    sync,
    /** Checks free text (detects its kind); throws InputError for unreadable input. */
    check: (input, opts) => checkParsed(parse(input), opts),
    checkParsed,
    /** The generation held for kind ('' before the first sync). */
    generation: (kind) => sets.get(kind)?.generation ?? '',
    /** The sorted prefixes held for kind. */
    prefixes: (kind) => sets.get(kind)?.sorted ?? new Uint32Array(0),
    /** The sets as plain JSON (to persist across restarts, e.g. in an extension's storage). */
    exportState() {
      const out = {};
      for (const [k, s] of sets) out[k] = { generation: s.generation, prefixes: toBase64(encodePrefixes(s.sorted)) };
      return out;
    },
    /**
     * Loads sets saved by exportState. They are trusted only as a starting
     * point: the next sync asks for the changes since their generations and
     * verifies the checksum.
     */
    importState(state) {
      for (const kind of kinds) {
        const s = state?.[kind];
        if (s && typeof s.generation === 'string') {
          sets.set(kind, { generation: s.generation, sorted: sortedUnique(decodePrefixes(s.prefixes)) });
        }
      }
      cache.clear();
    },
  };
}
