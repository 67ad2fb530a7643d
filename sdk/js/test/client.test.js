// The HTTP client and the local checker against a stub server in this
// process that speaks the documented wire format (docs/privacy-lookups.md):
// retries, typed errors, batch splitting, and the prefix protocol (full
// list, deltas, checksum verification and reload, hashes:find only on a
// hit, caching). With SCAMCHECK_URL set, one more test runs against a real
// `scamcheck serve`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import {
  createClient, createLocalChecker, ScamcheckError, isRateLimited, isInvalidInput, isUnavailable,
  parseRetryAfter, decodePrefixes, encodePrefixes, prefixChecksum,
} from '../src/client.js';

/** Starts a server whose handler is h; returns its URL and the requests it saw. */
async function serve(t, h) {
  const seen = [];
  const srv = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const r = { method: req.method, url: new URL(req.url, 'http://x'), headers: req.headers, body: body ? JSON.parse(body) : undefined };
    seen.push(r);
    const [status, payload, headers = {}] = await h(r, seen.length);
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => { srv.closeAllConnections(); srv.close(resolve); }));
  return { url: `http://127.0.0.1:${srv.address().port}`, seen };
}

/** A client whose sleeps are recorded and skipped. */
function testClient(url, opts = {}) {
  const waits = [];
  const c = createClient({ baseURL: url, sleep: async (ms) => { waits.push(ms); }, ...opts });
  return { c, waits };
}

const errBody = (code, message) => ({ error: { code, message } });
const okResult = { input: 'x', kind: 'domain', key: 'domain:x.vn', verdict: 'unknown' };

test('retries: which failures are repeated and how long it waits', async (t) => {
  const tests = [
    { name: '503 then ok', fails: [[503]], call: (c) => c.check('x.vn'), calls: 2, waits: [[100, 200]] },
    { name: '429 honours Retry-After', fails: [[429, '2']], call: (c) => c.check('x.vn'), calls: 2, waits: [[2000, 2000]] },
    { name: 'Retry-After too long', fails: [[429, '3600']], call: (c) => c.check('x.vn'), calls: 1, err: isRateLimited },
    { name: 'backoff doubles', fails: [[500], [502], [500]], call: (c) => c.check('x.vn'), calls: 4,
      waits: [[100, 200], [200, 400], [400, 800]] },
    { name: 'gives up after retries', fails: [[503], [503], [503], [503]], call: (c) => c.check('x.vn'), calls: 4,
      waits: [[100, 200], [200, 400], [400, 800]], err: isUnavailable },
    { name: '501 not retried', fails: [[501]], call: (c) => c.check('x.vn'), calls: 1, err: (e) => e.status === 501 },
    { name: '400 not retried', fails: [[400]], call: (c) => c.check('x.vn'), calls: 1, err: isInvalidInput },
    { name: 'report not repeated after 500', fails: [[500]], call: (c) => c.report({ phone: '0912345678' }), calls: 1,
      err: (e) => e.status === 500 },
    { name: 'report not repeated after 503', fails: [[503]], call: (c) => c.report({ phone: '0912345678' }), calls: 1,
      err: isUnavailable },
    { name: 'report repeated after 429', fails: [[429, '1']], call: (c) => c.report({ phone: '0912345678' }), calls: 2,
      waits: [[1000, 1000]], want: 'r-1' },
  ];
  for (const tt of tests) {
    await t.test(tt.name, async (t) => {
      const { url, seen } = await serve(t, (r, n) => {
        const f = tt.fails[n - 1];
        if (f) return [f[0], errBody(f[0] === 400 ? 'invalid_domain' : 'failed', 'no'), f[1] ? { 'Retry-After': f[1] } : {}];
        return r.url.pathname === '/v1/reports' ? [201, { id: 'r-1' }] : [200, okResult];
      });
      const { c, waits } = testClient(url, { retries: 3 });
      let got, err;
      try { got = await tt.call(c); } catch (e) { err = e; }
      assert.equal(seen.length, tt.calls, 'requests');
      if (tt.err) {
        assert.ok(err instanceof ScamcheckError, `want a ScamcheckError, got ${err}`);
        assert.ok(tt.err(err), `error ${err.status} ${err.code} is not the one expected`);
      } else {
        assert.equal(err, undefined);
        if (tt.want) assert.equal(got, tt.want);
      }
      assert.equal(waits.length, (tt.waits ?? []).length, `waits ${waits}`);
      (tt.waits ?? []).forEach(([lo, hi], i) => assert.ok(waits[i] >= lo && waits[i] <= hi, `wait ${i} = ${waits[i]}, want ${lo}..${hi}`));
    });
  }
});

test('network errors: retried for checks, never for reports', async () => {
  let calls = 0;
  const failing = async () => { calls++; throw new TypeError('fetch failed'); };
  const c = createClient({ baseURL: 'http://127.0.0.1:9', fetch: failing, retries: 2, sleep: async () => {} });
  await assert.rejects(c.checkDomain('x.vn'), (e) => e instanceof ScamcheckError && e.code === 'network_error' && isUnavailable(e));
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(c.report({ phone: '0912345678' }), (e) => e.code === 'network_error');
  assert.equal(calls, 1);
});

test('timeout bounds each attempt', async (t) => {
  const { url, seen } = await serve(t, () => new Promise((resolve) => setTimeout(() => resolve([200, okResult]), 2000)));
  const { c } = testClient(url, { timeoutMs: 50, retries: 1 });
  const start = Date.now();
  await assert.rejects(c.check('x.vn'), (e) => e instanceof ScamcheckError && e.code === 'timeout' && e.status === 0);
  assert.equal(seen.length, 2);
  assert.ok(Date.now() - start < 1500, 'timed out late');
});

test('typed errors carry status, code and message; a non-JSON body keeps the status', async (t) => {
  const { url } = await serve(t, (r) => (r.url.searchParams.get('phone')
    ? [400, errBody('phone_too_short', 'too short')]
    : [404, '<html>not here</html>']));
  const { c } = testClient(url, { retries: 0 });
  await assert.rejects(c.checkPhone('12'), (e) => e.status === 400 && e.code === 'phone_too_short' && e.message === 'too short' && isInvalidInput(e));
  await assert.rejects(c.checkDomain('x.vn'), (e) => e.status === 404 && e.code === 'http_404');
});

test('requests: paths, parameters, API key, batch split at 1000', async (t) => {
  const { url, seen } = await serve(t, (r) => {
    if (r.method === 'POST' && r.url.pathname === '/v1/check') {
      return [200, { results: r.body.items.map((it) => ({ input: it.q ?? it.phone ?? '', verdict: 'unknown' })) }];
    }
    return [200, okResult];
  });
  const { c } = testClient(url, { apiKey: 'sekret' });
  await c.checkBankAccount('VCB', '0011004353201');
  const first = seen.at(-1);
  assert.equal(first.url.pathname, '/v1/check');
  assert.equal(first.url.searchParams.get('bank'), 'VCB');
  assert.equal(first.url.searchParams.get('account'), '0011004353201');
  assert.equal(first.headers.authorization, 'Bearer sekret');
  await c.checkURL('https://a.vn/x?y=1&z');
  assert.equal(seen.at(-1).url.searchParams.get('url'), 'https://a.vn/x?y=1&z');

  const items = Array.from({ length: 2500 }, (_, i) => (i % 2 ? { phone: `09${i}` } : `q${i}`));
  const before = seen.length;
  const res = await c.checkBatch(items);
  const posts = seen.slice(before);
  assert.deepEqual(posts.map((r) => r.body.items.length), [1000, 1000, 500]);
  assert.equal(res.length, 2500);
  assert.equal(res[0].input, 'q0');
  assert.equal(res[2499].input, '092499');
  assert.deepEqual(posts[0].body.items[1], { phone: '091' });
});

test('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const tests = [['', 0], ['3', 3000], ['0', 0], ['soon', 0], ['Thu, 01 Jan 2026 00:00:05 GMT', 5000], ['Wed, 31 Dec 2025 23:00:00 GMT', 0]];
  for (const [in_, want] of tests) assert.equal(parseRetryAfter(in_, now), want, `parseRetryAfter(${JSON.stringify(in_)})`);
});

test('prefix wire form and checksum match the documented example', async () => {
  const ps = Uint32Array.from([0x00010203, 0x781dc291, 0xfffffffe]);
  const b64 = Buffer.from(encodePrefixes(ps)).toString('base64');
  assert.equal(b64, 'AAECA3gdwpH////+');
  assert.deepEqual(decodePrefixes(b64), ps);
  // The empty set's checksum is SHA-256 of nothing.
  assert.equal(await prefixChecksum(new Uint32Array(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(await prefixChecksum(ps), createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex'));
  assert.throws(() => decodePrefixes('AAEC'), (e) => e.code === 'bad_answer');
});

// prefixServer is a stub of /v1/prefixes and /v1/hashes:find over a map of
// listed keys, keeping every generation it handed out so that it can answer
// deltas, as api/prefixes.go does.
async function prefixServer(t) {
  const listed = new Map(); // key → match metadata
  const gens = new Map(); // generation → sorted prefixes
  const hashOf = (k) => createHash('sha256').update(k).digest();
  const current = (kind) => Uint32Array.from(new Set([...listed.keys()].filter((k) => k.startsWith(kind + ':'))
    .map((k) => hashOf(k).readUInt32BE(0)))).sort();
  const b64 = (ps) => Buffer.from(encodePrefixes(ps)).toString('base64');
  const st = { listed, corruptDelta: false, corruptFull: false };
  const srv = await serve(t, async (r) => {
    if (r.url.pathname === '/v1/prefixes') {
      const kind = r.url.searchParams.get('kind');
      const since = r.url.searchParams.get('since');
      const set = current(kind);
      const checksum = await prefixChecksum(set);
      const gen = kind + checksum.slice(0, 16);
      gens.set(gen, set);
      const old = gens.get(since);
      if (!old) {
        return [200, { kind, generation: gen, checksum, count: set.length, full: true,
          prefixes: b64(st.corruptFull ? set.slice(1) : set) }];
      }
      let additions = set.filter((p) => !old.includes(p));
      const removals = old.filter((p) => !set.includes(p));
      if (st.corruptDelta) additions = additions.slice(1);
      return [200, { kind, generation: gen, checksum, count: set.length, full: false, additions: b64(additions), removals: b64(removals) }];
    }
    if (r.url.pathname === '/v1/hashes:find') {
      const want = new Set(r.body.prefixes.map((p) => Buffer.from(p, 'base64').readUInt32BE(0)));
      const matches = [...listed].filter(([k]) => want.has(hashOf(k).readUInt32BE(0)))
        .map(([k, m]) => ({ hash: hashOf(k).toString('hex'), kind: k.slice(0, k.indexOf(':')), ...m }));
      return [200, { matches, cache_seconds: 300 }];
    }
    return [404, errBody('not_found', 'no')];
  });
  return { ...srv, st };
}

const finds = (seen) => seen.filter((r) => r.url.pathname === '/v1/hashes:find');
const meta = (verdict) => ({ verdict, status: verdict === 'dangerous' ? 'confirmed' : 'reported', category: 'phishing',
  reports: 2, first_seen: '2026-01-02T03:04:05Z', last_seen: '2026-01-09T10:00:00Z' });

test('local checker: a miss sends nothing, a hit asks hashes:find once and is cached', async (t) => {
  const { url, seen, st } = await prefixServer(t);
  st.listed.set('url:evil.vn/login/', meta('dangerous'));
  st.listed.set('domain:scam.vn', meta('suspicious'));
  st.listed.set('phone:+84912345678', meta('suspicious'));
  let clock = 1_000_000;
  const local = createLocalChecker(createClient({ baseURL: url }), { now: () => clock });

  // The first check syncs all four kinds, then answers with no lookup.
  const miss = await local.check('https://good.vn/login/');
  assert.equal(miss.verdict, 'unknown');
  assert.equal(seen.filter((r) => r.url.pathname === '/v1/prefixes').length, 4);
  assert.equal(finds(seen).length, 0, 'a miss must send nothing');

  const hit = await local.check('https://A.Evil.vn/login/step2?x=1');
  assert.equal(hit.verdict, 'dangerous');
  assert.equal(hit.matched, 'url:evil.vn/login/');
  assert.equal(hit.category, 'phishing');
  assert.equal(finds(seen).length, 1);
  // Only 4-byte prefixes go out, never the URL.
  const sent = finds(seen)[0].body.prefixes;
  assert.ok(sent.every((p) => Buffer.from(p, 'base64').length === 4), `sent ${sent}`);
  assert.ok(!JSON.stringify(finds(seen)[0]).includes('evil'), 'the URL reached the server');

  await local.check('https://evil.vn/login/');
  assert.equal(finds(seen).length, 1, 'a cached prefix was asked again');
  clock += 301_000;
  await local.check('https://evil.vn/login/');
  assert.equal(finds(seen).length, 2, 'an expired answer was not asked again');

  assert.equal((await local.check('www.sub.scam.vn')).verdict, 'suspicious');
  assert.equal((await local.check('0912 345 678')).verdict, 'suspicious');
  assert.equal((await local.check('0912 345 679')).verdict, 'unknown');
});

test('local checker: deltas converge to the server set; a bad delta reloads in full', async (t) => {
  const { url, seen, st } = await prefixServer(t);
  for (let i = 0; i < 20; i++) st.listed.set(`domain:d${i}.vn`, meta('suspicious'));
  const local = createLocalChecker(createClient({ baseURL: url }));
  await local.sync();
  const g1 = local.generation('domain');
  assert.ok(g1);

  // The domain is not listed yet: its empty answer gets cached.
  assert.equal((await local.check('late.vn')).verdict, 'unknown');
  st.listed.delete('domain:d3.vn');
  st.listed.delete('domain:d7.vn');
  st.listed.set('domain:late.vn', meta('dangerous'));
  const before = seen.length;
  await local.sync();
  const domainReq = seen.slice(before).find((r) => r.url.searchParams.get('kind') === 'domain');
  assert.equal(domainReq.url.searchParams.get('since'), g1, 'sync did not ask for a delta');
  assert.notEqual(local.generation('domain'), g1);
  const server = Uint32Array.from([...st.listed.keys()].filter((k) => k.startsWith('domain:'))
    .map((k) => createHash('sha256').update(k).digest().readUInt32BE(0))).sort();
  assert.deepEqual(local.prefixes('domain'), server);
  assert.equal((await local.check('d3.vn')).verdict, 'unknown');
  assert.equal((await local.check('late.vn')).verdict, 'dangerous', 'a newly listed prefix kept its cached absence');

  // A delta that does not lead to the checksum: thrown away, full reload.
  st.corruptDelta = true;
  st.listed.set('domain:later.vn', meta('dangerous'));
  st.listed.set('domain:later2.vn', meta('dangerous'));
  const before2 = seen.length;
  await local.sync();
  const asks = seen.slice(before2).filter((r) => r.url.searchParams.get('kind') === 'domain');
  assert.equal(asks.length, 2, 'no reload after a bad delta');
  assert.equal(asks[1].url.searchParams.get('since'), null);
  assert.equal((await local.check('later.vn')).verdict, 'dangerous');

  // A full list that does not match its checksum is an error, and the set held is kept.
  st.corruptFull = true;
  const fresh = createLocalChecker(createClient({ baseURL: url }));
  await assert.rejects(fresh.sync(), (e) => e.code === 'checksum_mismatch');
});

test('local checker: a hit the server cannot confirm is suspicious and degraded', async (t) => {
  const { url, st } = await prefixServer(t);
  st.listed.set('domain:evil.vn', meta('dangerous'));
  const c = createClient({ baseURL: url, retries: 0 });
  const local = createLocalChecker({ ...c, findHashes: async () => { throw new ScamcheckError(503, 'unavailable', 'down'); } });
  await local.sync();
  const r = await local.check('evil.vn');
  assert.equal(r.verdict, 'suspicious');
  assert.equal(r.degraded, true);
  assert.equal((await local.check('good.vn')).verdict, 'unknown');
});

test('local checker: state survives export and import, and a stale state is verified', async (t) => {
  const { url, seen, st } = await prefixServer(t);
  st.listed.set('url:evil.vn/login/', meta('dangerous'));
  const a = createLocalChecker(createClient({ baseURL: url }));
  await a.sync();
  const saved = JSON.parse(JSON.stringify(a.exportState()));
  const b = createLocalChecker(createClient({ baseURL: url }));
  b.importState(saved);
  const before = seen.length;
  assert.equal((await b.check('http://evil.vn/login/')).verdict, 'dangerous');
  assert.equal(seen.slice(before).filter((r) => r.url.pathname === '/v1/prefixes').length, 0, 'an imported state synced again');
  // Tampered state: same generation, wrong set → the next sync reloads it.
  saved.url.prefixes = '';
  b.importState(saved);
  await b.sync();
  assert.equal((await b.check('http://evil.vn/login/')).verdict, 'dangerous');
});

test('real server (SCAMCHECK_URL): local answers agree with /v1/check', { skip: !process.env.SCAMCHECK_URL && 'SCAMCHECK_URL not set' }, async () => {
  const c = createClient({ baseURL: process.env.SCAMCHECK_URL });
  await assert.rejects(c.checkPhone('12'), (e) => isInvalidInput(e) && e.code.startsWith('phone'));
  const local = createLocalChecker(c);
  await local.sync();
  for (const kind of ['phone', 'bank_account', 'domain', 'url']) assert.ok(local.generation(kind), kind);
  // Listed in the bundled samples (testdata/samples), and not.
  const inputs = ['https://inakxoqamex.com/amex/', 'https://inakxoqamex.com/amex/login?x=1', '0798 936 126',
    'ACB 067729921729', 'https://chua-tung-co-ai-bao-cao.example.vn/', '0912 000 111'];
  let listed = 0;
  for (const q of inputs) {
    const remote = await c.check(q);
    const mine = await local.check(q);
    // The prefix sets hold reported and confirmed keys only: the allowlist
    // and lookalikes are the server's to say.
    const want = remote.status === 'reported' || remote.status === 'confirmed' ? remote.verdict : 'unknown';
    if (want !== 'unknown') listed++;
    assert.equal(mine.verdict, want, `local check of ${q}`);
  }
  if (process.env.SCAMCHECK_SAMPLES === '1') assert.ok(listed >= 3, `only ${listed} sample inputs are listed`);
});
