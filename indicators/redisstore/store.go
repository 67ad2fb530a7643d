// Package redisstore is the indicators.Store on Redis, shared by every API
// replica and CLI. It runs unchanged on one server, on Sentinel and on Redis
// Cluster through go-redis's UniversalClient.
//
// Keys, under a configurable prefix P (default "scamcheck"):
//
//	P:r:{<indicator key>}       one record, compact binary (see codec.go)
//	P:idx:{<kind>:<shard>}      sorted set, all scores 0: the keys of kind, by fnv32a(key)%16
//	P:counts                    hash: total, kind:<k>, status:<s>, category:<c>
//	P:sources                   hash: source name -> records naming it
//
// The hash tag of a record is the whole indicator key, so records spread
// evenly over the masters of a cluster; the index is sharded for the same
// reason. Nothing needs two keys in one slot.
//
// Writes are optimistic. Upsert first sends, in one pipelined round trip,
// every record of a batch merged as if it were new with SET NX GET: a new
// key is created there and then, and for a key that exists Redis returns the
// stored value instead. Those are merged in Go with indicators.Merge and, if
// changed, written in a second round trip with a small compare-and-set
// script that applies only if the stored value is still the one read. A
// record that lost a race is read and merged again. So every record is
// updated atomically and no concurrent merge is lost, on any topology, and
// a batch of new keys costs one round trip. (Redis before 7.0 refuses SET
// with NX and GET; the store then reads first, one round trip more.)
//
// Index and counters are derived data kept next to the records:
//
//   - Index entries are queued ahead of the record writes in the same
//     pipeline, and every Upsert re-adds the entries of its whole batch
//     (a no-op for present members). On one server or Sentinel the index
//     therefore covers every record. On a cluster the nodes apply a
//     pipeline independently, so a node failing mid-batch can leave a
//     record unindexed (invisible to List and Iterate, not to Get) until
//     the batch is upserted again, which a caller does after an error.
//     List and Iterate skip entries whose record is absent.
//   - Counts and Sources are counters incremented after successful writes. A
//     crash or a Redis failure between a record write and the counter update
//     leaves them off by the records concerned; Recount rebuilds them.
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
	"sync/atomic"
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

// indexShards is the number of index sorted sets per kind. 16 spreads a kind
// over the masters of any reasonable cluster while keeping List's k-way
// merge cheap.
const indexShards = 16

// maxAttempts bounds the optimistic retries of one record; only a key written
// continuously by many writers can exhaust it.
const maxAttempts = 64

// flushTimeout bounds the counter update that follows record writes; it
// runs even when the caller's context is cancelled, because the records it
// accounts for are already written.
const flushTimeout = 5 * time.Second

// casScript replaces a record only if it still holds the value that was read.
// Values are never empty, so a key deleted meanwhile also fails the test.
var casScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
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
	noNXGet    atomic.Bool // the server refused SET NX GET (Redis < 7.0)
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
	return &Store{
		client:     client,
		prefix:     opts.Prefix,
		now:        opts.Now,
		batchSize:  opts.BatchSize,
		countsKey:  opts.Prefix + ":counts",
		sourcesKey: opts.Prefix + ":sources",
	}
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

func (s *Store) recordKey(k indicators.Key) string {
	return s.prefix + ":r:{" + string(k) + "}"
}

func (s *Store) indexKey(kind indicators.Kind, shard uint32) string {
	return s.prefix + ":idx:{" + string(kind) + ":" + strconv.Itoa(int(shard)) + "}"
}

// shardOf spreads keys over the index shards of their kind.
func shardOf(k indicators.Key) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(k))
	return h.Sum32() % indexShards
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
		v, err := s.client.Get(ctx, s.recordKey(keys[0])).Result()
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
		cmds[i] = pipe.Get(ctx, s.recordKey(k))
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
	rkey   string
	inputs []int32 // indexes of the batch's records for this key, in order
	exists bool    // the key held old when read
	old    string  // stored value as read
	before indicators.Record
	after  indicators.Record
	dirty  bool   // after differs from what was read
	val    []byte // encoding of after
}

// Upsert merges recs into the store; see indicators.Store. Each batch of
// Options.BatchSize records costs one pipelined round trip when every key is
// new or unchanged, two when stored records change, one more per lost race,
// and at the end one small round trip for the counters.
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

func (s *Store) upsertBatch(ctx context.Context, recs []indicators.Record, changes []indicators.Change, now time.Time, t *tally) error {
	items := make([]item, 0, len(recs))
	seen := make(map[indicators.Key]int32, len(recs))
	for i := range recs {
		k := recs[i].Key
		if j, ok := seen[k]; ok {
			items[j].inputs = append(items[j].inputs, int32(i))
			continue
		}
		seen[k] = int32(len(items))
		items = append(items, item{key: k, rkey: s.recordKey(k), inputs: []int32{int32(i)}})
	}
	todo := make([]int, len(items))
	for i := range todo {
		todo[i] = i
	}
	// First round trip: create every record as if it were new, with
	// SET NX GET, which also returns the stored value of the ones that
	// exist. New keys are then done in one round trip.
	read := false
	if !s.noNXGet.Load() {
		for _, i := range todo {
			items[i].exists = false
		}
		merge(items, todo, recs, changes, now)
		var err error
		todo, err = s.create(ctx, items, todo, t)
		switch {
		case errors.Is(err, errNoNXGet):
			// Redis before 7.0: fall back to reading first.
			s.noNXGet.Store(true)
			todo = todo[:0]
			for i := range items {
				todo = append(todo, i)
			}
		case err != nil:
			return err
		default:
			read = true // todo holds the existing keys, read by create
		}
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
		if !read {
			if err := s.read(ctx, items, todo, attempt == 0); err != nil {
				return err
			}
		}
		read = false
		merge(items, todo, recs, changes, now)
		var err error
		todo, err = s.write(ctx, items, todo, t)
		if err != nil {
			return err
		}
	}
	return nil
}

// merge folds the inputs of items[todo] onto what was read (nothing when
// !exists), one after the other, and encodes the results that changed.
func merge(items []item, todo []int, recs []indicators.Record, changes []indicators.Change, now time.Time) {
	var buf []byte
	for _, i := range todo {
		it := &items[i]
		var cur *indicators.Record
		if it.exists {
			cur = &it.before
		}
		it.dirty = false
		for _, j := range it.inputs {
			merged, ch := indicators.Merge(cur, recs[j], now)
			changes[j] = ch
			if ch != indicators.ChangeUnchanged {
				it.after, cur, it.dirty = merged, &it.after, true
			}
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

// errNoNXGet reports a Redis that refuses SET with both NX and GET (< 7.0).
var errNoNXGet = errors.New("SET NX GET not supported")

// indexAll queues index entries for the keys of items[todo] on pipe, grouped
// into one ZADD per index shard. Adding a present member changes nothing.
func (s *Store) indexAll(ctx context.Context, pipe redis.Pipeliner, items []item, todo []int) {
	members := make([][]redis.Z, len(indicators.Kinds)*indexShards) // by kind index × shard
	for _, i := range todo {
		k := items[i].key
		ki := slices.Index(indicators.Kinds, k.Kind())
		b := ki*indexShards + int(shardOf(k))
		members[b] = append(members[b], redis.Z{Member: string(k)})
	}
	for b, m := range members {
		if len(m) > 0 {
			pipe.ZAdd(ctx, s.indexKey(indicators.Kinds[b/indexShards], uint32(b%indexShards)), m...)
		}
	}
}

// create queues the index entries, then SET NX GET of every item's value as
// if new, in one pipeline. Created items are counted into t; the ones that
// existed get exists, old and before set from the reply and are returned.
func (s *Store) create(ctx context.Context, items []item, todo []int, t *tally) ([]int, error) {
	pipe := s.client.Pipeline()
	s.indexAll(ctx, pipe, items, todo)
	cmds := make([]*redis.Cmd, len(todo))
	for n, i := range todo {
		cmds[n] = pipe.Do(ctx, "set", items[i].rkey, items[i].val, "nx", "get")
	}
	cmdsAll, _ := pipe.Exec(ctx)
	for _, c := range cmdsAll {
		err := c.Err()
		if err == nil || errors.Is(err, redis.Nil) {
			continue
		}
		if redis.HasErrorPrefix(err, "syntax error") {
			return nil, errNoNXGet
		}
		return nil, s.fail(ctx, "upsert: write", err)
	}
	var existing []int
	for n, i := range todo {
		it := &items[i]
		v, err := cmds[n].Text()
		if errors.Is(err, redis.Nil) {
			t.change(nil, &it.after)
			continue
		}
		it.exists, it.old = true, v
		if it.before, err = decodeRecord(it.key, v); err != nil {
			return nil, fmt.Errorf("redisstore: upsert: %w", err)
		}
		existing = append(existing, i)
	}
	return existing, nil
}

// read fetches the stored values of items[todo] in one pipeline; with index
// the index entries for every key go first in the same pipeline.
func (s *Store) read(ctx context.Context, items []item, todo []int, index bool) error {
	pipe := s.client.Pipeline()
	if index {
		s.indexAll(ctx, pipe, items, todo)
	}
	cmds := make([]*redis.StringCmd, len(todo))
	for n, i := range todo {
		cmds[n] = pipe.Get(ctx, items[i].rkey)
	}
	cmdsAll, _ := pipe.Exec(ctx)
	for _, c := range cmdsAll {
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return s.fail(ctx, "upsert: read", err)
		}
	}
	for n, i := range todo {
		it := &items[i]
		v, err := cmds[n].Result()
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
			cmds[n] = pipe.SetNX(ctx, it.rkey, it.val, 0)
		default:
			cmds[n] = casScript.EvalSha(ctx, pipe, []string{it.rkey}, it.old, it.val)
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
	rkey := s.recordKey(key)
	for attempt := range maxAttempts {
		if attempt > 0 {
			backoff(attempt)
		}
		if err := ctx.Err(); err != nil {
			return indicators.Record{}, indicators.Record{}, s.fail(ctx, "update", err)
		}
		old, err := s.client.Get(ctx, rkey).Result()
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
		// The index entry goes ahead of the write in the same pipeline, as
		// in Upsert; re-adding it for an existing record repairs an entry
		// lost to a failure on a cluster.
		pipe := s.client.Pipeline()
		pipe.ZAdd(ctx, s.indexKey(key.Kind(), shardOf(key)), redis.Z{Member: string(key)})
		var write *redis.BoolCmd
		var cas *redis.Cmd
		if exists {
			cas = casScript.EvalSha(ctx, pipe, []string{rkey}, old, val)
		} else {
			write = pipe.SetNX(ctx, rkey, val, 0)
		}
		cmds, _ := pipe.Exec(ctx)
		if err := cmds[0].Err(); err != nil {
			return indicators.Record{}, indicators.Record{}, s.fail(ctx, "update", err)
		}
		var ok bool
		if exists {
			var n int64
			n, err = cas.Int64()
			if redis.HasErrorPrefix(err, "NOSCRIPT") {
				if err := casScript.Load(ctx, s.client).Err(); err != nil {
					return indicators.Record{}, indicators.Record{}, s.fail(ctx, "update: load script", err)
				}
				continue
			}
			ok = n == 1
		} else {
			ok, err = write.Result()
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
