package redisstore

import (
	"context"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// kindsByKey lists the kinds in the order of their keys. Kind names differ
// in their first letter, so all keys of one kind sort together and List can
// walk the kinds one after the other.
var kindsByKey = func() []indicators.Kind {
	k := slices.Clone(indicators.Kinds)
	slices.Sort(k)
	return k
}()

// Bounds of List's work per call.
const (
	// minScan is the fewest index entries a filtered List reads before it
	// may return a short page (see List).
	minScan = 5000
	// maxFetch bounds the keys read from the index per round trip.
	maxFetch = 4000
	// iterateChunk is the number of keys Iterate reads per index shard and
	// round trip.
	iterateChunk = 1000
)

// List returns one page in key order; see indicators.Store.
//
// Filters other than Kind are applied to the records after reading them,
// so a selective filter could read the whole store for one page. To keep a
// call bounded, List stops after reading max(10×limit, 5000) index entries
// and then returns the matches found so far (possibly none) with Next set
// to the last key it read: a short or even empty page with a non-empty
// Next means "keep going", not "done". Next is empty only when the walk is
// complete. Unfiltered pages are always full except the last.
func (s *Store) List(ctx context.Context, opts indicators.ListOptions) (indicators.Page, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Page{}, s.fail(ctx, "list", err)
	}
	limit := opts.EffectiveLimit()
	kinds := kindsByKey
	if opts.Kind != "" {
		kinds = []indicators.Kind{opts.Kind}
	}
	filtered := opts.Status != "" || opts.Source != "" || opts.Category != ""
	maxScan := max(10*limit, minScan)
	out := make([]indicators.Record, 0, min(limit+1, 256))
	scanned := 0
	cursor := string(opts.Cursor)
	for _, kind := range kinds {
		lo := string(kind) + ":"
		if cursor >= string(kind)+";" { // every key of kind is <= cursor
			continue
		}
		from := cursor
		if from < lo {
			from = ""
		}
		for {
			// One more match than the page holds tells whether a next page
			// exists, so Next is empty exactly on the last page.
			want := limit + 1 - len(out)
			if filtered {
				want *= 4
			}
			keys, exhausted, err := s.nextKeys(ctx, kind, from, min(want, maxFetch))
			if err != nil {
				return indicators.Page{}, err
			}
			recs := make([]*indicators.Record, len(keys))
			if err := s.getMany(ctx, keys, recs); err != nil {
				return indicators.Page{}, err
			}
			for _, r := range recs {
				if r == nil || !opts.Matches(r) {
					continue
				}
				out = append(out, *r)
				if len(out) > limit {
					return indicators.Page{Records: out[:limit], Next: out[limit-1].Key}, nil
				}
			}
			scanned += len(keys)
			if exhausted {
				break
			}
			from = string(keys[len(keys)-1])
			if scanned >= maxScan {
				return indicators.Page{Records: out, Next: indicators.Key(from)}, nil
			}
		}
	}
	return indicators.Page{Records: out}, nil
}

// nextKeys returns, in order, keys of kind after from ("" for the first) from
// the index: at least min(want, remaining) of them unless the index holds
// fewer. It reads the shards in one pipeline and merges them: every shard
// that returned a full count could hold more keys after its last one, so
// only keys up to the smallest such last key are complete and returned.
func (s *Store) nextKeys(ctx context.Context, kind indicators.Kind, from string, want int) ([]indicators.Key, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, s.fail(ctx, "list", err)
	}
	per := int64(want/indexShards*2 + 8)
	lo := "-"
	if from != "" {
		lo = "(" + from
	}
	pipe := s.client.Pipeline()
	cmds := make([]*redis.StringSliceCmd, indexShards)
	for sh := range cmds {
		cmds[sh] = pipe.ZRangeByLex(ctx, s.indexKey(kind, uint32(sh)), &redis.ZRangeBy{Min: lo, Max: "+", Count: per})
	}
	_, _ = pipe.Exec(ctx)
	var bound string
	exhausted := true
	total := 0
	for _, c := range cmds {
		v, err := c.Result()
		if err != nil {
			return nil, false, s.fail(ctx, "list", err)
		}
		total += len(v)
		if int64(len(v)) == per {
			exhausted = false
			if last := v[len(v)-1]; bound == "" || last < bound {
				bound = last
			}
		}
	}
	keys := make([]indicators.Key, 0, total)
	for _, c := range cmds {
		for _, m := range c.Val() {
			if exhausted || m <= bound {
				keys = append(keys, indicators.Key(m))
			}
		}
	}
	slices.Sort(keys)
	return keys, exhausted, nil
}

// Iterate calls fn for every record of kind (all kinds when ""), reading the
// index shard by shard in chunks, so memory stays bounded by one chunk.
// Records written during the walk may or may not be seen.
func (s *Store) Iterate(ctx context.Context, kind indicators.Kind, fn func(indicators.Record) error) error {
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, "iterate", err)
	}
	kinds := indicators.Kinds
	if kind != "" {
		kinds = []indicators.Kind{kind}
	}
	recs := make([]*indicators.Record, iterateChunk)
	for _, k := range kinds {
		for sh := range uint32(indexShards) {
			lo := "-"
			for {
				if err := ctx.Err(); err != nil {
					return s.fail(ctx, "iterate", err)
				}
				members, err := s.client.ZRangeByLex(ctx, s.indexKey(k, sh), &redis.ZRangeBy{Min: lo, Max: "+", Count: iterateChunk}).Result()
				if err != nil {
					return s.fail(ctx, "iterate", err)
				}
				keys := make([]indicators.Key, len(members))
				for i, m := range members {
					keys[i] = indicators.Key(m)
				}
				clear(recs)
				if err := s.getMany(ctx, keys, recs[:len(keys)]); err != nil {
					return err
				}
				for _, r := range recs[:len(keys)] {
					if r == nil {
						continue
					}
					if err := fn(*r); err != nil {
						return err
					}
				}
				if len(members) < iterateChunk {
					break
				}
				lo = "(" + members[len(members)-1]
			}
		}
	}
	return nil
}
