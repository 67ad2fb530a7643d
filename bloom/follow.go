package bloom

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// Follower keeps a Set in step with the change log, in the background, until
// the context given to Redis.Start is done.
type Follower struct {
	set      *Set
	done     chan struct{}
	lastSync atomic.Int64 // unix nanoseconds of the last successful read of the log
}

// Set returns the followed Set. It stays the same Set for the follower's
// life; a newly published snapshot is swapped into it.
func (f *Follower) Set() *Set { return f.set }

// Wait blocks until the follower has stopped (its context is done).
func (f *Follower) Wait() { <-f.done }

// LastSync returns when the follower last read the change log successfully,
// for readiness checks: a replica that cannot reach Redis stops converging.
func (f *Follower) LastSync() time.Time { return time.Unix(0, f.lastSync.Load()) }

// Start loads the published snapshot (or starts an empty Set configured by
// RedisOptions.Set when there is none), replays the change log from the
// snapshot's position until it is caught up, and then follows the log in a
// goroutine until ctx is done. When Start returns, the Set holds every
// entry logged before Start was called.
func (r *Redis) Start(ctx context.Context) (*Follower, error) {
	set, _, err := r.Load(ctx)
	if errors.Is(err, ErrNoSnapshot) {
		set, err = New(r.opts.Set), nil
	}
	if err != nil {
		return nil, err
	}
	f := &Follower{set: set, done: make(chan struct{})}
	pos := startPosition(set)
	for {
		n, err := r.poll(ctx, set, &pos, -1)
		if err != nil {
			return nil, err
		}
		f.lastSync.Store(time.Now().UnixNano())
		if n < readCount {
			break
		}
	}
	go func() {
		defer close(f.done)
		r.follow(ctx, set, pos, f)
	}()
	return f, nil
}

// Follow applies the change log to set from its position until ctx is done,
// then returns ctx's error. Redis failures are logged and retried with
// backoff, never returned: a replica keeps answering from the filters it has.
func (r *Redis) Follow(ctx context.Context, set *Set) error {
	r.follow(ctx, set, startPosition(set), nil)
	return ctx.Err()
}

func startPosition(set *Set) string {
	if p := set.Position(); p != "" {
		return p
	}
	return "0-0"
}

// follow is the follower loop. f, when not nil, records successful reads.
func (r *Redis) follow(ctx context.Context, set *Set, pos string, f *Follower) {
	const minBackoff, maxBackoff = 100 * time.Millisecond, 5 * time.Second
	backoff := minBackoff
	log := r.opts.Set.Logger
	for ctx.Err() == nil {
		if _, err := r.poll(ctx, set, &pos, r.opts.Block); err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("bloom: following change log failed; retrying", "err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		if f != nil {
			f.lastSync.Store(time.Now().UnixNano())
		}
	}
}

// poll reads one batch of entries after *pos (waiting up to block; -1 for
// not at all), applies it to set and advances *pos and the Set's position.
// It then checks that trimming did not remove entries the Set has not seen,
// and reloads the snapshot if it did. It returns the number of entries read.
func (r *Redis) poll(ctx context.Context, set *Set, pos *string, block time.Duration) (int, error) {
	res, err := r.client.XRead(ctx, &redis.XReadArgs{
		Streams: []string{r.logKey(), *pos}, Count: readCount, Block: block}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, redisErr(ctx, "xread", err)
	}
	n := 0
	for _, stream := range res {
		for _, msg := range stream.Messages {
			n++
			switch op, _ := msg.Values[fieldOp].(string); op {
			case opAdd:
				v, _ := msg.Values[fieldKeys].(string)
				set.add(msg.ID, splitKeys(v))
			case opSnapshot:
				v, _ := msg.Values[fieldGen].(string)
				gen, err := strconv.ParseUint(v, 10, 64)
				if err != nil || gen <= set.Generation() {
					break
				}
				// A newer generation was published (a rebuild): swap it in
				// and replay from its position, which is before this entry.
				meta, err := r.LoadInto(ctx, set)
				if err != nil {
					set.SetPosition(*pos)
					return n, fmt.Errorf("bloom: load snapshot generation %d: %w", gen, err)
				}
				r.opts.Set.Logger.Info("bloom: follower loaded new snapshot", "generation", meta.Generation, "position", meta.Position)
				*pos = startPosition(set)
				return n, nil
			}
			*pos = msg.ID
		}
	}
	set.SetPosition(*pos)
	return n, r.checkTrimmed(ctx, set, pos)
}

// checkTrimmed reloads the snapshot when the log was trimmed past *pos, that
// is, entries the Set never saw are gone. Trimming removes the oldest
// entries, and Redis (7.0+) remembers the largest ID it removed.
func (r *Redis) checkTrimmed(ctx context.Context, set *Set, pos *string) error {
	info, err := r.client.XInfoStream(ctx, r.logKey()).Result()
	if isNoSuchKey(err) {
		return nil
	}
	if err != nil {
		return redisErr(ctx, "xinfo", err)
	}
	gone := info.MaxDeletedEntryID
	if gone == "" { // Redis before 7.0: be conservative, a gap before the first entry counts
		if info.FirstEntry.ID == "" || compareIDs(info.FirstEntry.ID, *pos) <= 0 {
			return nil
		}
		gone = info.FirstEntry.ID
	}
	if compareIDs(gone, *pos) <= 0 {
		return nil
	}
	log := r.opts.Set.Logger
	meta, err := r.readMeta(ctx)
	if err != nil && !errors.Is(err, ErrNoSnapshot) {
		return err
	}
	if err == nil && compareIDs(meta.Position, *pos) > 0 {
		log.Warn("bloom: change log trimmed past this replica; reloading snapshot",
			"position", *pos, "trimmed_to", gone, "generation", meta.Generation)
		if meta, err = r.LoadInto(ctx, set); err != nil {
			return err
		}
		*pos = startPosition(set)
		if compareIDs(gone, *pos) <= 0 {
			return nil
		}
	}
	// No snapshot covers the gap: the entries are lost to this replica until
	// the next rebuild. Skip to the trim point rather than reloading forever.
	log.Error("bloom: change log trimmed past the newest snapshot; some adds are missing until the next rebuild",
		"position", *pos, "trimmed_to", gone)
	*pos = gone
	set.SetPosition(gone)
	return nil
}

// splitKeys splits a change-log entry's keys.
func splitKeys(v string) []indicators.Key {
	if v == "" {
		return nil
	}
	parts := strings.Split(v, keySeparator)
	keys := make([]indicators.Key, len(parts))
	for i, p := range parts {
		keys[i] = indicators.Key(p)
	}
	return keys
}

// compareIDs orders two stream IDs ("ms-seq"); a malformed ID sorts first.
func compareIDs(a, b string) int {
	am, as := parseID(a)
	bm, bs := parseID(b)
	switch {
	case am != bm:
		return cmpU(am, bm)
	default:
		return cmpU(as, bs)
	}
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func parseID(id string) (ms, seq uint64) {
	m, s, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(m, 10, 64)
	seq, _ = strconv.ParseUint(s, 10, 64)
	return ms, seq
}
