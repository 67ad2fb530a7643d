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

// casUpdate is the optimistic read–change–write loop of the JSON records
// (reports, disputes, warnings). It reads the value stored at key and
// decodes it twice, so that change gets a copy with slices of its own next
// to the stored one; change applies the caller's function, validates and
// encodes. An unchanged encoding is not written. Otherwise write stores it
// with a compare-and-set script that answers 0 when another writer changed
// the value since it was read, and the loop reads again. change runs once
// per attempt, so the caller's function must depend only on what it is
// given. Errors from change are returned as they are.
func casUpdate[S, T any](ctx context.Context, s *Store, op, key, id, what string,
	change func(before, after *S) (T, []byte, error),
	write func(before *S, after T, old string, data []byte) (int, error)) (T, error) {
	var zero T
	for attempt := range maxAttempts {
		if attempt > 0 {
			backoff(attempt)
		}
		if err := ctx.Err(); err != nil {
			return zero, s.fail(ctx, op, err)
		}
		var before, after S
		old, err := s.getJSON(ctx, op, key, what, &before)
		if err != nil {
			return zero, err
		}
		_ = json.Unmarshal([]byte(old), &after) // decoded once already
		v, data, err := change(&before, &after)
		if err != nil {
			return zero, err
		}
		if string(data) == old {
			return v, nil
		}
		ok, err := write(&before, v, old, data)
		if err != nil {
			return zero, s.fail(ctx, op, err)
		}
		if ok == 1 {
			return v, nil
		}
	}
	return zero, fmt.Errorf("redisstore: %s %q: still contended after %d attempts: %w", op, id, maxAttempts, indicators.ErrConflict)
}
