package redisstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// pageJSON reads one page of the ids after cursor in index (a sorted set
// of scores 0, so its lexical order is id order) and then their JSON
// values at key(id), in two round trips. pick turns a decoded value into a
// page entry, or says false to leave it out: an index can change between
// the two trips, so a value may no longer belong to the page asked for and
// a page can come back one short. op and what name the call and the value
// in errors. The entries are never nil, so an empty page encodes as [].
func pageJSON[T, V any](ctx context.Context, s *Store, op, what, index, cursor string, limit int,
	key func(id string) string, pick func(*T) (V, bool)) ([]V, string, error) {
	lo := "-"
	if cursor != "" {
		lo = "(" + cursor
	}
	// One id more than the page holds tells whether a next page exists.
	ids, err := s.client.ZRangeByLex(ctx, index, &redis.ZRangeBy{Min: lo, Max: "+", Count: int64(limit + 1)}).Result()
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	var next string
	if len(ids) > limit {
		ids = ids[:limit]
		next = ids[limit-1]
	}
	if len(ids) == 0 {
		return []V{}, next, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = key(id)
	}
	vals, err := s.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	out := make([]V, 0, len(ids))
	for i, v := range vals {
		data, ok := v.(string)
		if !ok {
			continue // nil: the index and values are written together, so only a hand edit gets here
		}
		var t T
		if err := json.Unmarshal([]byte(data), &t); err != nil {
			return nil, "", fmt.Errorf("redisstore: %s: %s %q: %w: %w", op, what, ids[i], indicators.ErrCorrupt, err)
		}
		if e, ok := pick(&t); ok {
			out = append(out, e)
		}
	}
	return out, next, nil
}
