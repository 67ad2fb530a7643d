package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// legacyShards is the number of index sorted sets per kind of the layout
// before buckets.
const legacyShards = 16

// migrateChunk is the number of records moved per round trip.
const migrateChunk = 1000

func (s *Store) legacyIndexKey(kind indicators.Kind, shard int) string {
	return s.prefix + ":idx:{" + string(kind) + ":" + strconv.Itoa(shard) + "}"
}

func (s *Store) legacyRecordKey(k string) string {
	return s.prefix + ":r:{" + k + "}"
}

// MigrateLegacy moves the records of the layout before buckets (one key
// P:r:{<key>} per record, listed in sorted sets P:idx:{<kind>:<shard>})
// into the buckets, and returns how many it took over (copied, or dropped
// for a newer copy already in its bucket). Open calls it; when
// there is nothing to move it costs one round trip.
//
// It is safe to interrupt and to run again, and safe while other processes
// of this version write (stop those of the old layout first): a record is
// copied with HSETNX (a record already in its bucket was written since and
// is newer) before its old key and index entry are deleted, and an index
// entry whose record is gone is dropped. Counters are left alone: the
// records are the same.
func (s *Store) MigrateLegacy(ctx context.Context) (int, error) {
	pipe := s.client.Pipeline()
	var exists []*redis.IntCmd
	for _, kind := range indicators.Kinds {
		for sh := range legacyShards {
			exists = append(exists, pipe.Exists(ctx, s.legacyIndexKey(kind, sh)))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, s.fail(ctx, "migrate", err)
	}
	moved := 0
	for i, c := range exists {
		if c.Val() == 0 {
			continue
		}
		kind := indicators.Kinds[i/legacyShards]
		n, err := s.migrateShard(ctx, kind, s.legacyIndexKey(kind, i%legacyShards))
		moved += n
		if err != nil {
			return moved, err
		}
	}
	return moved, nil
}

// migrateShard moves the records listed in one legacy index, a chunk at a
// time, until the index is empty (Redis deletes an empty sorted set).
func (s *Store) migrateShard(ctx context.Context, kind indicators.Kind, index string) (int, error) {
	moved := 0
	for {
		members, err := s.client.ZRange(ctx, index, 0, migrateChunk-1).Result()
		if err != nil {
			return moved, s.fail(ctx, "migrate", err)
		}
		if len(members) == 0 {
			return moved, nil
		}
		pipe := s.client.Pipeline()
		gets := make([]*redis.StringCmd, len(members))
		for i, m := range members {
			gets[i] = pipe.Get(ctx, s.legacyRecordKey(m))
		}
		_, _ = pipe.Exec(ctx)
		pipe = s.client.Pipeline()
		for i, m := range members {
			v, err := gets[i].Result()
			switch {
			case errors.Is(err, redis.Nil):
				continue // an index entry without its record: just drop it
			case err != nil:
				return moved, s.fail(ctx, "migrate", err)
			}
			k := indicators.Key(m)
			if k.Kind() != kind {
				return moved, fmt.Errorf("redisstore: migrate: %q in the index of %s", m, kind)
			}
			l := s.locate(k)
			pipe.HSetNX(ctx, l.bucket, l.field, v)
			moved++
		}
		if pipe.Len() > 0 {
			if _, err := pipe.Exec(ctx); err != nil {
				return moved, s.fail(ctx, "migrate", err)
			}
		}
		// Only now that every record of the chunk is in its bucket do the
		// old keys go.
		pipe = s.client.Pipeline()
		zrem := make([]any, len(members))
		for i, m := range members {
			pipe.Del(ctx, s.legacyRecordKey(m))
			zrem[i] = m
		}
		pipe.ZRem(ctx, index, zrem...)
		if _, err := pipe.Exec(ctx); err != nil {
			return moved, s.fail(ctx, "migrate", err)
		}
	}
}
