// Package redisstore is the indicators.Store on Redis, shared by every API
// replica and CLI. It runs unchanged on one server, on Sentinel and on Redis
// Cluster through go-redis's UniversalClient.
//
// Keys, under a configurable prefix P (default "scamcheck"):
//
//	P:b:{<kind>:<n>}   hash, one of 1024 buckets per kind (n = fnv32a(key) % 1024):
//	                   indicator value -> record, compact binary (see codec.go)
//	P:counts           hash: total, kind:<k>, status:<s>, category:<c>
//	P:sources          hash: source name -> records naming it
//
// Records live as fields of bucket hashes rather than as keys of their own,
// and the buckets are the index: List and Iterate walk them in order. A
// separate sorted-set index in key order cost more Redis time per record
// than the record itself (a skiplist insert into a million-member set), and
// on a shared two-core machine that halved the import rate. The price is
// List's order: kinds by name, then bucket number, then key within a
// bucket, which is stable but is not key order (see List). Each bucket has
// a hash tag of its own, so the 4096 buckets spread evenly over the masters
// of a cluster; nothing needs two keys in one slot.
//
// Writes are optimistic. Upsert first sends, in one pipelined round trip,
// every record of a batch merged as if it were new with HSETNX, which
// creates the new ones there and then. The stored values of those that
// existed are read in a second round trip, merged in Go with
// indicators.Merge and, if changed, written with a small compare-and-set
// script that applies only if the stored value is still the one read. A
// record that lost a race is read and merged again. So every record is
// updated atomically and no concurrent merge is lost, on any topology, and
// a batch of new keys costs one round trip.
//
// Counts and Sources are counters incremented after successful writes. A
// crash or a Redis failure between a record write and the counter update
// leaves them off by the records concerned; Recount rebuilds them.
//
// Stores written before the buckets existed kept one key per record
// (P:r:{<key>}) and sorted-set indexes (P:idx:{<kind>:<shard>}); Open moves
// such records into the buckets (see MigrateLegacy).
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

var _ indicators.Store = (*Store)(nil)

// Defaults of Options.
const (
	DefaultPrefix    = "scamcheck"
	DefaultBatchSize = 1000
)

// buckets is the number of bucket hashes per kind. 1024 spreads a kind over
// the masters of any cluster, keeps a bucket near 10,000 records at ten
// million of a kind (List reads a bucket's field names to page through it),
// and lets List walk an empty kind in a few pipelined round trips.
const buckets = 1024

// maxAttempts bounds the optimistic retries of one record; only a key written
// continuously by many writers can exhaust it.
const maxAttempts = 64

// flushTimeout bounds the counter update that follows record writes; it
// runs even when the caller's context is cancelled, because the records it
// accounts for are already written.
const flushTimeout = 5 * time.Second

// casScript replaces a record (field ARGV[1] of bucket KEYS[1]) only if it
// still holds the value that was read (ARGV[2]). Values are never empty, so
// a field deleted meanwhile also fails the test.
var casScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`)

// Options configure a Store. The zero value is usable.
type Options struct {
	// Prefix starts every key of the store (default "scamcheck"). Several
	// stores can share one Redis with different prefixes. It must not
	// contain '{' or '}', which would break the hash tags.
	Prefix string
	// Now is the clock for UpdatedAt and merges (default time.Now).
	Now func() time.Time
	// BatchSize is the number of records per pipelined round trip in
	// Upsert and Get (default 1000).
	BatchSize int
}

// Store is an indicators.Store on Redis. It is safe for concurrent use.
type Store struct {
	client     redis.UniversalClient
	owned      bool // Close closes client (true when opened from a URL)
	prefix     string
	now        func() time.Time
	batchSize  int
	countsKey  string
	sourcesKey string
	// bucketKeys[kind][n] is the key of bucket n of kind, made once: an
	// import would otherwise build one per record.
	bucketKeys map[indicators.Kind]*[buckets]string
}

// Open connects to the Redis at url (see ParseURL for the forms), checks it
// answers, and returns a Store that owns the connection. A Redis that does
// not answer gives an error matching indicators.ErrUnavailable.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("redisstore: prefix %q contains a brace", opts.Prefix)
	}
	uo, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	// Let a caller's deadline bound network reads and writes, not only
	// waiting for a pooled connection.
	uo.ContextTimeoutEnabled = true
	c := redis.NewUniversalClient(uo)
	s := New(c, opts)
	s.owned = true
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, s.fail(ctx, "open", err)
	}
	if _, err := s.MigrateLegacy(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return s, nil
}

// New returns a Store on an existing client, which the caller keeps and
// closes (Store.Close leaves it open). It panics if opts.Prefix contains a
// brace, a programming error.
func New(client redis.UniversalClient, opts Options) *Store {
	if strings.ContainsAny(opts.Prefix, "{}") {
		panic(fmt.Sprintf("redisstore: prefix %q contains a brace", opts.Prefix))
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	s := &Store{
		client:     client,
		prefix:     opts.Prefix,
		now:        opts.Now,
		batchSize:  opts.BatchSize,
		countsKey:  opts.Prefix + ":counts",
		sourcesKey: opts.Prefix + ":sources",
		bucketKeys: map[indicators.Kind]*[buckets]string{},
	}
	for _, kind := range indicators.Kinds {
		keys := new([buckets]string)
		for n := range keys {
			keys[n] = bucketName(opts.Prefix, kind, uint32(n))
		}
		s.bucketKeys[kind] = keys
	}
	return s
}

// Client returns the underlying client (for health checks and tests).
func (s *Store) Client() redis.UniversalClient { return s.client }

// Close closes the client if the Store opened it.
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("redisstore: close: %w", err)
	}
	return nil
}

// Ping does one round trip to Redis (a random node on a cluster).
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, "ping", err)
	}
	if err := s.client.Ping(ctx).Err(); err != nil {
		return s.fail(ctx, "ping", err)
	}
	return nil
}

// fail wraps a Redis error: the context's error when it is done (so that
// errors.Is(err, context.Canceled) holds), else ErrUnavailable.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("redisstore: %s: %w", op, cerr)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("redisstore: %s: %w", op, err)
	}
	return fmt.Errorf("redisstore: %s: %w: %w", op, indicators.ErrUnavailable, err)
}

// loc is where a record lives: field of bucket.
type loc struct {
	bucket string
	field  string
}

func (s *Store) locate(k indicators.Key) loc {
	return loc{bucket: s.bucketKey(k.Kind(), bucketOf(k)), field: k.Value()}
}

func (s *Store) bucketKey(kind indicators.Kind, n uint32) string {
	if keys := s.bucketKeys[kind]; keys != nil {
		return keys[n]
	}
	return bucketName(s.prefix, kind, n) // a kind the store does not know (a List filter)
}

func bucketName(prefix string, kind indicators.Kind, n uint32) string {
	return prefix + ":b:{" + string(kind) + ":" + strconv.Itoa(int(n)) + "}"
}

// bucketOf spreads keys over the buckets of their kind.
func bucketOf(k indicators.Key) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(k))
	return h.Sum32() % buckets
}

// backoff sleeps a random short time before retry attempt, so that writers
// that keep colliding on one key drift apart instead of colliding again.
func backoff(attempt int) {
	time.Sleep(rand.N(time.Duration(min(attempt, 20)) * 50 * time.Microsecond))
}

// Get returns the records for keys in order, nil for missing keys.
func (s *Store) Get(ctx context.Context, keys []indicators.Key) ([]*indicators.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.fail(ctx, "get", err)
	}
	out := make([]*indicators.Record, len(keys))
	if len(keys) == 1 {
		// One key needs no pipeline: the common case of a check.
		l := s.locate(keys[0])
		v, err := s.client.HGet(ctx, l.bucket, l.field).Result()
		switch {
		case errors.Is(err, redis.Nil):
			return out, nil
		case err != nil:
			return nil, s.fail(ctx, "get", err)
		}
		r, err := decodeRecord(keys[0], v)
		if err != nil {
			return nil, fmt.Errorf("redisstore: get: %w", err)
		}
		out[0] = &r
		return out, nil
	}
	for start := 0; start < len(keys); start += s.batchSize {
		end := min(start+s.batchSize, len(keys))
		if err := s.getMany(ctx, keys[start:end], out[start:end]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// getMany reads keys in one pipeline into out (same length).
func (s *Store) getMany(ctx context.Context, keys []indicators.Key, out []*indicators.Record) error {
	if len(keys) == 0 {
		return nil
	}
	pipe := s.client.Pipeline()
	cmds := make([]*redis.StringCmd, len(keys))
	for i, k := range keys {
		l := s.locate(k)
		cmds[i] = pipe.HGet(ctx, l.bucket, l.field)
	}
	_, _ = pipe.Exec(ctx) // errors are read per command: redis.Nil is not one
	recs := make([]indicators.Record, len(keys))
	for i, cmd := range cmds {
		v, err := cmd.Result()
		switch {
		case errors.Is(err, redis.Nil):
			continue
		case err != nil:
			return s.fail(ctx, "get", err)
		}
		if recs[i], err = decodeRecord(keys[i], v); err != nil {
			return fmt.Errorf("redisstore: get: %w", err)
		}
		out[i] = &recs[i]
	}
	return nil
}

// item is one distinct key of an Upsert batch.
type item struct {
	key    indicators.Key
	at     loc
	first  int32   // index of the batch's first record for this key
	more   []int32 // indexes of later records for the same key, in order
	exists bool    // the key held old when read
	old    string  // stored value as read
	before indicators.Record
	after  indicators.Record
	dirty  bool   // after differs from what was read
	val    []byte // encoding of after
}

// Upsert merges recs into the store; see indicators.Store. Each batch of
// Options.BatchSize records costs one pipelined round trip when every key is
// new, two more when some exist (a read, then a write of those that
// changed), one more per lost race, and at the end one small round trip for
// the counters.
func (s *Store) Upsert(ctx context.Context, recs []indicators.Record) ([]indicators.Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.fail(ctx, "upsert", err)
	}
	for i := range recs {
		if err := recs[i].Validate(); err != nil {
			return nil, fmt.Errorf("redisstore: upsert: record %d: %w", i, err)
		}
	}
	changes := make([]indicators.Change, len(recs))
	now := s.now().UTC()
	var t tally
	var err error
	for start := 0; start < len(recs) && err == nil; start += s.batchSize {
		end := min(start+s.batchSize, len(recs))
		err = s.upsertBatch(ctx, recs[start:end], changes[start:end], now, &t)
	}
	if ferr := s.flush(ctx, &t); err == nil {
		err = ferr
	}
	if err != nil {
		return nil, err
	}
	return changes, nil
}

// batchState is the scratch space of one upsertBatch, pooled: a bulk import
// would otherwise allocate (and the GC scan) a megabyte per batch.
type batchState struct {
	items []item
	seen  map[indicators.Key]int32
}

var batchPool = sync.Pool{New: func() any { return &batchState{seen: map[indicators.Key]int32{}} }}

func (s *Store) upsertBatch(ctx context.Context, recs []indicators.Record, changes []indicators.Change, now time.Time, t *tally) error {
	st := batchPool.Get().(*batchState)
	defer func() {
		clear(st.items) // drop the records' references before pooling
		st.items = st.items[:0]
		clear(st.seen)
		batchPool.Put(st)
	}()
	if cap(st.items) < len(recs) {
		st.items = make([]item, 0, len(recs))
	}
	items, seen := st.items[:0], st.seen
	for i := range recs {
		k := recs[i].Key
		if j, ok := seen[k]; ok {
			items[j].more = append(items[j].more, int32(i))
			continue
		}
		seen[k] = int32(len(items))
		items = append(items, item{key: k, at: s.locate(k), first: int32(i)})
	}
	st.items = items
	todo := make([]int, len(items))
	for i := range todo {
		todo[i] = i
	}
	// First round trip: create every record as if it were new with
	// HSETNX. New keys are then done; the rest are read and merged.
	merge(items, todo, recs, changes, now)
	todo, err := s.create(ctx, items, todo, t)
	if err != nil {
		return err
	}
	for attempt := 0; len(todo) > 0; attempt++ {
		if attempt == maxAttempts {
			return fmt.Errorf("redisstore: upsert: %d records still contended after %d attempts: %w", len(todo), maxAttempts, indicators.ErrConflict)
		}
		if attempt > 0 {
			backoff(attempt)
		}
		if err := ctx.Err(); err != nil {
			return s.fail(ctx, "upsert", err)
		}
		if err := s.read(ctx, items, todo); err != nil {
			return err
		}
		merge(items, todo, recs, changes, now)
		if todo, err = s.write(ctx, items, todo, t); err != nil {
			return err
		}
	}
	return nil
}

// merge folds the inputs of items[todo] onto what was read (nothing when
// !exists), one after the other, and encodes the results that changed.
func merge(items []item, todo []int, recs []indicators.Record, changes []indicators.Change, now time.Time) {
	buf := make([]byte, 0, 128*len(todo))
	for _, i := range todo {
		it := &items[i]
		var cur *indicators.Record
		if it.exists {
			cur = &it.before
		}
		it.dirty = false
		fold := func(j int32) {
			merged, ch := indicators.Merge(cur, recs[j], now)
			changes[j] = ch
			if ch != indicators.ChangeUnchanged {
				it.after, cur, it.dirty = merged, &it.after, true
			}
		}
		fold(it.first)
		for _, j := range it.more {
			fold(j)
		}
		if it.dirty {
			// Values share one buffer per round; a reallocation leaves
			// earlier values intact in the old array.
			start := len(buf)
			buf = indicators.AppendRecord(buf, &it.after)
			it.val = buf[start:len(buf):len(buf)]
		}
	}
}

// create sends HSETNX of every item's value as if new, in one pipeline.
// Created items are counted into t; the ones that existed are returned, to
// be read and merged.
func (s *Store) create(ctx context.Context, items []item, todo []int, t *tally) ([]int, error) {
	pipe := s.client.Pipeline()
	cmds := make([]*redis.BoolCmd, len(todo))
	for n, i := range todo {
		it := &items[i]
		cmds[n] = pipe.HSetNX(ctx, it.at.bucket, it.at.field, it.val)
	}
	_, _ = pipe.Exec(ctx)
	var existing []int
	for n, i := range todo {
		created, err := cmds[n].Result()
		if err != nil {
			return nil, s.fail(ctx, "upsert: write", err)
		}
		if created {
			t.change(nil, &items[i].after)
			continue
		}
		existing = append(existing, i)
	}
	return existing, nil
}

// read fetches the stored values of items[todo] in one pipeline.
func (s *Store) read(ctx context.Context, items []item, todo []int) error {
	pipe := s.client.Pipeline()
	cmds := make([]*redis.StringCmd, len(todo))
	for n, i := range todo {
		cmds[n] = pipe.HGet(ctx, items[i].at.bucket, items[i].at.field)
	}
	_, _ = pipe.Exec(ctx)
	for n, i := range todo {
		it := &items[i]
		v, err := cmds[n].Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return s.fail(ctx, "upsert: read", err)
		}
		it.exists, it.old, it.before = err == nil, v, indicators.Record{}
		if it.exists {
			if it.before, err = decodeRecord(it.key, v); err != nil {
				return fmt.Errorf("redisstore: upsert: %w", err)
			}
		}
	}
	return nil
}

// write stores the dirty items of todo in one pipeline, counts the ones
// written into t and returns the ones that lost a race.
func (s *Store) write(ctx context.Context, items []item, todo []int, t *tally) ([]int, error) {
	pipe := s.client.Pipeline()
	cmds := make([]redis.Cmder, len(todo))
	for n, i := range todo {
		it := &items[i]
		switch {
		case !it.dirty:
		case !it.exists:
			cmds[n] = pipe.HSetNX(ctx, it.at.bucket, it.at.field, it.val)
		default:
			cmds[n] = casScript.EvalSha(ctx, pipe, []string{it.at.bucket}, it.at.field, it.old, it.val)
		}
	}
	if pipe.Len() == 0 {
		return nil, nil
	}
	_, _ = pipe.Exec(ctx)
	var retry []int
	loaded := false
	for n, i := range todo {
		it := &items[i]
		var ok bool
		switch c := cmds[n].(type) {
		case nil:
			continue
		case *redis.BoolCmd:
			v, err := c.Result()
			if err != nil {
				return nil, s.fail(ctx, "upsert: write", err)
			}
			ok = v
		case *redis.Cmd:
			v, err := c.Int()
			if redis.HasErrorPrefix(err, "NOSCRIPT") {
				// A restarted or failed-over server forgot the script:
				// load it and try this record again.
				if !loaded {
					if err := casScript.Load(ctx, s.client).Err(); err != nil {
						return nil, s.fail(ctx, "upsert: load script", err)
					}
					loaded = true
				}
				retry = append(retry, i)
				continue
			}
			if err != nil {
				return nil, s.fail(ctx, "upsert: write", err)
			}
			ok = v == 1
		}
		if !ok {
			retry = append(retry, i)
			continue
		}
		var before *indicators.Record
		if it.exists {
			before = &it.before
		}
		t.change(before, &it.after)
	}
	return retry, nil
}

// Update runs fn on the record for key and stores the result atomically; see
// indicators.Store. fn may run more than once when another writer changes
// the record between the read and the write, so it must only depend on the
// record it is given. The result must be valid and keep the key, or the
// update is refused with an error matching ErrInvalidInput. UpdatedAt is set
// to now when the record changed and fn did not set it.
func (s *Store) Update(ctx context.Context, key indicators.Key, fn func(r *indicators.Record, exists bool) error) (before, after indicators.Record, err error) {
	if _, err := indicators.ParseKey(string(key)); err != nil {
		return before, after, fmt.Errorf("redisstore: update: %w", err)
	}
	at := s.locate(key)
	for attempt := range maxAttempts {
		if attempt > 0 {
			backoff(attempt)
		}
		if err := ctx.Err(); err != nil {
			return indicators.Record{}, indicators.Record{}, s.fail(ctx, "update", err)
		}
		old, err := s.client.HGet(ctx, at.bucket, at.field).Result()
		exists := err == nil
		if err != nil && !errors.Is(err, redis.Nil) {
			return indicators.Record{}, indicators.Record{}, s.fail(ctx, "update", err)
		}
		var r indicators.Record
		before = indicators.Record{}
		if exists {
			if before, err = decodeRecord(key, old); err != nil {
				return indicators.Record{}, indicators.Record{}, fmt.Errorf("redisstore: update: %w", err)
			}
			r = before
			r.Sources = slices.Clone(before.Sources)
		} else {
			r = indicators.Record{Key: key, Kind: key.Kind(), Value: key.Value()}
		}
		if err := fn(&r, exists); err != nil {
			return indicators.Record{}, indicators.Record{}, err
		}
		if r.Key != key {
			return indicators.Record{}, indicators.Record{}, fmt.Errorf("redisstore: update %q: %w",
				key, &indicators.InputError{Code: indicators.CodeInvalidRecord, Message: "fn changed the record's key to " + strconv.Quote(string(r.Key))})
		}
		if err := r.Validate(); err != nil {
			return indicators.Record{}, indicators.Record{}, fmt.Errorf("redisstore: update %q: %w", key, err)
		}
		val := indicators.AppendRecord(nil, &r)
		if exists && string(val) == old {
			return before, before, nil
		}
		if r.UpdatedAt.Equal(before.UpdatedAt) {
			r.UpdatedAt = s.now().UTC()
			val = indicators.AppendRecord(val[:0], &r)
		}
		var ok bool
		if exists {
			var n int64
			n, err = casScript.EvalSha(ctx, s.client, []string{at.bucket}, at.field, old, val).Int64()
			if redis.HasErrorPrefix(err, "NOSCRIPT") {
				if err := casScript.Load(ctx, s.client).Err(); err != nil {
					return indicators.Record{}, indicators.Record{}, s.fail(ctx, "update: load script", err)
				}
				continue
			}
			ok = n == 1
		} else {
			ok, err = s.client.HSetNX(ctx, at.bucket, at.field, val).Result()
		}
		if err != nil {
			return indicators.Record{}, indicators.Record{}, s.fail(ctx, "update", err)
		}
		if !ok {
			continue
		}
		var t tally
		if exists {
			t.change(&before, &r)
		} else {
			t.change(nil, &r)
		}
		if err := s.flush(ctx, &t); err != nil {
			return indicators.Record{}, indicators.Record{}, err
		}
		return before, r, nil
	}
	return indicators.Record{}, indicators.Record{}, fmt.Errorf("redisstore: update %q: still contended after %d attempts: %w", key, maxAttempts, indicators.ErrConflict)
}
