package bloom

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// Defaults for RedisOptions.
const (
	DefaultChunkSize    = 4 << 20
	DefaultMaxLen       = 1_000_000
	DefaultMaxEntryKeys = 10_000
	DefaultBlock        = 200 * time.Millisecond
	DefaultGrace        = 5 * time.Minute
	// pendingTTL is how long chunks of a snapshot that was never published
	// (its writer died mid-save) survive before Redis drops them.
	pendingTTL = time.Hour
	// readCount is how many stream entries one XREAD returns at most.
	readCount = 256
)

// RedisOptions configure a Redis replicator. Zero fields take the default.
type RedisOptions struct {
	// ChunkSize is the size of one snapshot chunk (default 4 MiB), small
	// enough not to stall Redis while it is written or read.
	ChunkSize int
	// MaxLen trims the change log to about this many entries (default
	// 1,000,000; trimming is approximate, "MAXLEN ~"). A follower that falls
	// further behind reloads the newest snapshot.
	MaxLen int64
	// MaxEntryKeys bounds the keys in one change-log entry (default
	// 10,000): Append splits a larger batch into several entries so that no
	// entry grows to megabytes.
	MaxEntryKeys int
	// Block is how long one XREAD waits for new entries (default 200 ms);
	// it bounds how long a follower takes to notice its context is done.
	Block time.Duration
	// Grace is how long a superseded snapshot stays readable after a newer
	// one is published (default 5 minutes), so that a replica that started
	// loading it just before can finish.
	Grace time.Duration
	// Set configures the Set a follower starts with when Redis holds no
	// snapshot; its Now and Logger also apply to Sets loaded from Redis.
	Set Options
}

func (o RedisOptions) withDefaults() RedisOptions {
	if o.ChunkSize <= 0 {
		o.ChunkSize = DefaultChunkSize
	}
	if o.MaxLen <= 0 {
		o.MaxLen = DefaultMaxLen
	}
	if o.MaxEntryKeys <= 0 {
		o.MaxEntryKeys = DefaultMaxEntryKeys
	}
	if o.Block <= 0 {
		o.Block = DefaultBlock
	}
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	o.Set = o.Set.withDefaults()
	return o
}

// Redis stores snapshots of a Set and its change log in Redis, and follows
// that log. Its keys all share the hash tag {bloom} after the prefix, so it
// works on Redis Cluster (the publish script touches several of them):
//
//	<prefix>:{bloom}:log        stream: one entry per added batch or published snapshot
//	<prefix>:{bloom}:snap       hash: the published snapshot's Meta
//	<prefix>:{bloom}:snap:<gen> hash: that generation's chunks, fields "0", "1", …
//	<prefix>:{bloom}:gen        counter allocating generations
//
// The prefix must not contain '{'. A Redis is safe for concurrent use.
type Redis struct {
	client redis.UniversalClient
	opts   RedisOptions
	base   string // "<prefix>:{bloom}"
}

// NewRedis returns a replicator on client whose keys start with prefix.
func NewRedis(client redis.UniversalClient, prefix string, opts RedisOptions) *Redis {
	base := "{bloom}"
	if prefix != "" {
		base = prefix + ":{bloom}"
	}
	return &Redis{client: client, opts: opts.withDefaults(), base: base}
}

func (r *Redis) logKey() string              { return r.base + ":log" }
func (r *Redis) metaKey() string             { return r.base + ":snap" }
func (r *Redis) genKey() string              { return r.base + ":gen" }
func (r *Redis) chunksKey(gen uint64) string { return r.base + ":snap:" + strconv.FormatUint(gen, 10) }

// redisErr wraps a failed Redis call: the context's error when it is done,
// else the cause marked with indicators.ErrUnavailable so that callers can
// degrade.
func redisErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("bloom: redis %s: %w", op, ctx.Err())
	}
	return fmt.Errorf("bloom: redis %s: %w: %w", op, indicators.ErrUnavailable, err)
}

// Stream entry fields.
const (
	fieldOp      = "op"
	fieldKeys    = "keys"
	fieldGen     = "gen"
	opAdd        = "add"
	opSnapshot   = "snapshot"
	keySeparator = "\n"
)

// Append records keys in the change log so that followers add them, as one
// stream entry per batch (several when the batch has more than
// MaxEntryKeys), and returns the ID of the last entry ("" for no keys). Keys
// must not contain a newline; canonical keys never do.
func (r *Redis) Append(ctx context.Context, keys []indicators.Key) (string, error) {
	for _, k := range keys {
		if k == "" || strings.Contains(string(k), keySeparator) {
			return "", &indicators.InputError{Code: indicators.CodeInvalidKey,
				Message: fmt.Sprintf("key %q cannot go in the change log", k)}
		}
	}
	var cmds []*redis.StringCmd
	pipe := r.client.Pipeline()
	for start := 0; start < len(keys); start += r.opts.MaxEntryKeys {
		batch := keys[start:min(start+r.opts.MaxEntryKeys, len(keys))]
		var sb strings.Builder
		for i, k := range batch {
			if i > 0 {
				sb.WriteString(keySeparator)
			}
			sb.WriteString(string(k))
		}
		cmds = append(cmds, pipe.XAdd(ctx, &redis.XAddArgs{Stream: r.logKey(), MaxLen: r.opts.MaxLen, Approx: true,
			Values: []string{fieldOp, opAdd, fieldKeys, sb.String()}}))
	}
	if len(cmds) == 0 {
		return "", nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return "", redisErr(ctx, "append", err)
	}
	return cmds[len(cmds)-1].Val(), nil
}

// Add adds keys to set and appends them to the change log: the writer's
// side of replication. Call it after the Store has the records, so that a
// rebuild that starts after the log entry sees them.
func (r *Redis) Add(ctx context.Context, set *Set, keys ...indicators.Key) (string, error) {
	set.Add(keys...)
	return r.Append(ctx, keys)
}

// lastID returns the ID of the newest change-log entry ever added ("0-0"
// when the log does not exist yet).
func (r *Redis) lastID(ctx context.Context) (string, error) {
	info, err := r.client.XInfoStream(ctx, r.logKey()).Result()
	if isNoSuchKey(err) {
		return "0-0", nil
	}
	if err != nil {
		return "", redisErr(ctx, "xinfo", err)
	}
	return info.LastGeneratedID, nil
}

func isNoSuchKey(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such key")
}

// SaveSnapshot stores set in Redis under a new generation, labelled with the
// Set's position, and publishes it. See Rebuild for a snapshot of rebuilt
// filters.
func (r *Redis) SaveSnapshot(ctx context.Context, set *Set) (Meta, error) {
	return r.saveSnapshot(ctx, set, set.Position())
}

// ErrSuperseded is returned by SaveSnapshot and Rebuild when another process
// published a newer generation while this one was being saved; the newer one
// stays published and followers load it.
var ErrSuperseded = errors.New("bloom: snapshot superseded by a newer generation")

// publishScript replaces the published meta if it is still the one the
// caller read (generation ARGV[1]) and older than the new one (ARGV[2]),
// with the field/value pairs from ARGV[5] on,
// keeps the new chunks (KEYS[3]) for good, lets the old ones (KEYS[4])
// expire after the grace period (ARGV[3] ms) and tells followers with a
// stream entry: all in one step, so a follower that sees the entry finds
// the meta. Returns {1, entry id}, {0} when the meta changed meanwhile, or
// {-1} when a newer generation is already published.
var publishScript = redis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'generation') or '0')
local new = tonumber(ARGV[2])
if cur >= new then return {-1} end
if cur ~= tonumber(ARGV[1]) then return {0} end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('PERSIST', KEYS[3])
if cur > 0 then redis.call('PEXPIRE', KEYS[4], ARGV[3]) end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'op', 'snapshot', 'gen', ARGV[2])
return {1, id}
`)

// saveSnapshot writes set's filters as generation-labelled chunks, then
// publishes them with position pos.
func (r *Redis) saveSnapshot(ctx context.Context, set *Set, pos string) (Meta, error) {
	gen64, err := r.client.Incr(ctx, r.genKey()).Result()
	if err != nil {
		return Meta{}, redisErr(ctx, "incr", err)
	}
	gen := uint64(gen64)
	cw := &chunkWriter{ctx: ctx, client: r.client, key: r.chunksKey(gen), size: r.opts.ChunkSize, sum: sha256.New()}
	size, err := set.writeSnapshot(cw, gen, pos)
	if err == nil {
		err = cw.flush()
	}
	if err != nil {
		r.client.Del(context.WithoutCancel(ctx), cw.key)
		return Meta{}, err
	}
	meta := Meta{Generation: gen, Position: pos, Chunks: cw.chunks, Size: size,
		Checksum: hex.EncodeToString(cw.sum.Sum(nil)), SavedAt: time.Now().UTC()}
	// Label the Set first, so that its own follower does not reload what
	// it already holds when it sees the announcement.
	prevGen := set.Generation()
	set.setGeneration(gen)
	for {
		cur, err := r.readMeta(ctx)
		if err != nil && !errors.Is(err, ErrNoSnapshot) {
			set.restoreGeneration(gen, prevGen)
			return Meta{}, err
		}
		args := []any{cur.Generation, gen, r.opts.Grace.Milliseconds(), r.opts.MaxLen,
			"generation", gen, "position", pos, "chunks", meta.Chunks, "size", meta.Size,
			"sha256", meta.Checksum, "saved_at", meta.SavedAt.Format(time.RFC3339Nano)}
		res, err := publishScript.Run(ctx, r.client,
			[]string{r.metaKey(), r.logKey(), cw.key, r.chunksKey(cur.Generation)}, args...).Slice()
		if err != nil {
			set.restoreGeneration(gen, prevGen)
			return Meta{}, redisErr(ctx, "publish snapshot", err)
		}
		switch res[0].(int64) {
		case 1:
			r.opts.Set.Logger.Info("bloom: published snapshot", "generation", gen, "position", pos,
				"bytes", size, "chunks", meta.Chunks)
			return meta, nil
		case -1:
			set.restoreGeneration(gen, prevGen)
			r.client.Del(context.WithoutCancel(ctx), cw.key)
			return Meta{}, ErrSuperseded
		}
		// The meta changed between reading and publishing: read it again.
	}
}

// restoreGeneration puts back prev if the Set is still labelled gen.
func (s *Set) restoreGeneration(gen, prev uint64) {
	s.metaMu.Lock()
	if s.generationN == gen {
		s.generationN = prev
	}
	s.metaMu.Unlock()
}

// chunkWriter cuts a snapshot into fields of one Redis hash. Each chunk is
// written with an expiry, removed when the snapshot is published, so that
// the chunks of a save that never completes go away by themselves.
type chunkWriter struct {
	ctx    context.Context
	client redis.UniversalClient
	key    string
	size   int
	buf    []byte
	chunks int
	sum    hash.Hash
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if c.buf == nil {
			c.buf = make([]byte, 0, c.size)
		}
		take := min(c.size-len(c.buf), len(p))
		c.buf = append(c.buf, p[:take]...)
		p = p[take:]
		if len(c.buf) == c.size {
			if err := c.flush(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// flush writes the buffered bytes as the next chunk.
func (c *chunkWriter) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	c.sum.Write(c.buf)
	pipe := c.client.TxPipeline()
	pipe.HSet(c.ctx, c.key, strconv.Itoa(c.chunks), c.buf)
	pipe.PExpire(c.ctx, c.key, pendingTTL)
	if _, err := pipe.Exec(c.ctx); err != nil {
		return redisErr(c.ctx, "write snapshot chunk", err)
	}
	c.chunks++
	c.buf = c.buf[:0]
	return nil
}

// readMeta returns the published snapshot's meta, or ErrNoSnapshot.
func (r *Redis) readMeta(ctx context.Context) (Meta, error) {
	m, err := r.client.HGetAll(ctx, r.metaKey()).Result()
	if err != nil {
		return Meta{}, redisErr(ctx, "read snapshot meta", err)
	}
	if len(m) == 0 {
		return Meta{}, ErrNoSnapshot
	}
	var meta Meta
	var errs []error
	parse := func(field string, fn func(string) error) {
		if err := fn(m[field]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
	}
	parse("generation", func(v string) (err error) { meta.Generation, err = strconv.ParseUint(v, 10, 64); return })
	parse("chunks", func(v string) (err error) { meta.Chunks, err = strconv.Atoi(v); return })
	parse("size", func(v string) (err error) { meta.Size, err = strconv.ParseInt(v, 10, 64); return })
	parse("saved_at", func(v string) (err error) { meta.SavedAt, err = time.Parse(time.RFC3339Nano, v); return })
	meta.Position, meta.Checksum = m["position"], m["sha256"]
	if err := errors.Join(errs...); err != nil {
		return Meta{}, fmt.Errorf("%w: snapshot meta: %w", ErrCorrupt, err)
	}
	return meta, nil
}

// errChunkGone marks a chunk that expired under a reader: a newer snapshot
// was published and the grace period passed. Loading again finds the newer one.
var errChunkGone = errors.New("snapshot chunk gone")

// Load reads the published snapshot into a new Set. It returns an error
// matching ErrNoSnapshot when none is published, and ErrCorrupt when the
// chunks fail their checksum.
func (r *Redis) Load(ctx context.Context) (*Set, Meta, error) {
	return r.load(ctx, func(rd io.Reader) (*Set, Meta, error) { return readSnapshot(rd, r.opts.Set) })
}

// LoadInto replaces set's filters with the published snapshot, without a
// pause in lookups (see Set.LoadSnapshot).
func (r *Redis) LoadInto(ctx context.Context, set *Set) (Meta, error) {
	_, meta, err := r.load(ctx, func(rd io.Reader) (*Set, Meta, error) {
		meta, err := set.LoadSnapshot(rd)
		return set, meta, err
	})
	return meta, err
}

// load reads the published meta and decodes its chunks with decode, trying
// again when the generation was replaced and expired under it.
func (r *Redis) load(ctx context.Context, decode func(io.Reader) (*Set, Meta, error)) (*Set, Meta, error) {
	const attempts = 3
	for attempt := 1; ; attempt++ {
		meta, err := r.readMeta(ctx)
		if err != nil {
			return nil, Meta{}, err
		}
		cr := &chunkReader{ctx: ctx, client: r.client, key: r.chunksKey(meta.Generation), n: meta.Chunks, sum: sha256.New()}
		set, got, err := decode(cr)
		if err == nil {
			// Drain what the decoder's buffering left, then check the whole.
			_, err = io.Copy(io.Discard, cr)
		}
		if errors.Is(err, errChunkGone) && attempt < attempts {
			continue
		}
		if err != nil {
			return nil, Meta{}, fmt.Errorf("bloom: load snapshot generation %d: %w", meta.Generation, err)
		}
		if cr.read != meta.Size || hex.EncodeToString(cr.sum.Sum(nil)) != meta.Checksum {
			return nil, Meta{}, fmt.Errorf("%w: generation %d: size or SHA-256 does not match its meta", ErrCorrupt, meta.Generation)
		}
		if got.Generation != meta.Generation || got.Position != meta.Position {
			return nil, Meta{}, fmt.Errorf("%w: generation %d: header says generation %d position %q",
				ErrCorrupt, meta.Generation, got.Generation, got.Position)
		}
		return set, meta, nil
	}
}

// chunkReader reads a snapshot's chunks in order, one HGET at a time, so a
// load holds at most one chunk besides the filters.
type chunkReader struct {
	ctx    context.Context
	client redis.UniversalClient
	key    string
	n, i   int
	cur    []byte
	read   int64
	sum    hash.Hash
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.i >= c.n {
			return 0, io.EOF
		}
		b, err := c.client.HGet(c.ctx, c.key, strconv.Itoa(c.i)).Bytes()
		if errors.Is(err, redis.Nil) {
			return 0, fmt.Errorf("chunk %d of %s: %w", c.i, c.key, errChunkGone)
		}
		if err != nil {
			return 0, redisErr(c.ctx, "read snapshot chunk", err)
		}
		c.sum.Write(b)
		c.read += int64(len(b))
		c.cur = b
		c.i++
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

// Rebuild rebuilds set from src (see Set.Rebuild) and publishes the result
// as a new snapshot generation, which followers load. The snapshot's
// position is the newest change-log entry when the rebuild started reading
// src: every entry up to it was written to the Store before, so is in src
// unless delisted since, and followers replay everything after it.
func (r *Redis) Rebuild(ctx context.Context, set *Set, src Source) (Meta, error) {
	var pos string
	err := set.rebuild(ctx, src, func(ctx context.Context) (err error) {
		pos, err = r.lastID(ctx)
		set.setMark(pos)
		return err
	})
	if err != nil {
		return Meta{}, err
	}
	return r.saveSnapshot(ctx, set, pos)
}
