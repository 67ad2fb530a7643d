package redisstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// kindsByKey lists the kinds in the order of their names, the order in which
// List walks them.
var kindsByKey = func() []indicators.Kind {
	k := slices.Clone(indicators.Kinds)
	slices.Sort(k)
	return k
}()

// Bounds of List's and Iterate's work per call and round trip.
const (
	// minScan is the fewest records a filtered List reads before it may
	// return a short page (see List).
	minScan = 5000
	// maxFetch bounds the records read per round trip.
	maxFetch = 4000
	// bucketsPerTrip is the number of buckets whose field names are read
	// in one pipelined round trip.
	bucketsPerTrip = 64
)

// List returns one page; see indicators.Store.
//
// The order is the store's own, not key order: kinds by name, then bucket
// number, then key within a bucket. It is stable, so paging by cursor (the
// last key of a page) returns every record present for the whole walk
// exactly once, and a cursor that is not a stored key still has a place in
// it: the keys of its bucket after it come next. A cursor whose kind is not
// one of the store's is placed by name among the kinds ("a" before all,
// "zzz" after all).
//
// Filters other than Kind are applied to the records after reading them,
// so a selective filter could read the whole store for one page. To keep a
// call bounded, List stops after reading max(10×limit, 5000) records and
// then returns the matches found so far (possibly none) with Next set to
// the last key it read: a short or even empty page with a non-empty Next
// means "keep going", not "done". Next is empty only when the walk is
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
	cursor := opts.Cursor
	for _, kind := range kinds {
		from, after := uint32(0), ""
		switch {
		case cursor == "" || string(cursor) < string(kind)+":":
		case cursor.Kind() == kind:
			from, after = bucketOf(cursor), cursor.Value()
		default: // the cursor is past every key of kind
			continue
		}
		w := bucketWalk{s: s, kind: kind, next: from, after: after}
		for {
			// One more match than the page holds tells whether a next page
			// exists, so Next is empty exactly on the last page.
			want := limit + 1 - len(out)
			if filtered {
				want *= 4
			}
			recs, last, err := w.read(ctx, min(want, maxFetch))
			if err != nil {
				return indicators.Page{}, err
			}
			for i := range recs {
				if !opts.Matches(&recs[i]) {
					continue
				}
				out = append(out, recs[i])
				if len(out) > limit {
					return indicators.Page{Records: out[:limit], Next: out[limit-1].Key}, nil
				}
			}
			if last == "" {
				break // kind exhausted
			}
			scanned += len(recs)
			if scanned >= maxScan {
				return indicators.Page{Records: out, Next: last}, nil
			}
		}
	}
	return indicators.Page{Records: out}, nil
}

// bucketWalk reads the records of one kind in List's order, resuming after
// field after of bucket next.
type bucketWalk struct {
	s     *Store
	kind  indicators.Kind
	next  uint32   // first bucket whose names are not loaded yet
	after string   // skip fields <= after in bucket next (resuming a cursor)
	span  uint32   // buckets whose names the next load reads (see load)
	queue []loaded // non-empty buckets loaded, in order; names not yet read
}

// loaded is the sorted field names of one non-empty bucket, less those
// already read.
type loaded struct {
	n     uint32
	names []string
}

// read returns up to want records (fewer at the end of the kind or when
// every record read was deleted meanwhile) and the key of the last one it
// read; last is empty when the kind is exhausted.
func (w *bucketWalk) read(ctx context.Context, want int) ([]indicators.Record, indicators.Key, error) {
	for len(w.queue) == 0 {
		if w.next >= buckets {
			return nil, "", nil
		}
		if err := w.load(ctx); err != nil {
			return nil, "", err
		}
	}
	b := &w.queue[0]
	n := min(want, len(b.names))
	fields := b.names[:n]
	vals, err := w.s.client.HMGet(ctx, w.s.bucketKey(w.kind, b.n), fields...).Result()
	if b.names = b.names[n:]; len(b.names) == 0 {
		w.queue = w.queue[1:]
	}
	if err != nil {
		return nil, "", w.s.fail(ctx, "list", err)
	}
	recs := make([]indicators.Record, 0, n)
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue // deleted since its name was read
		}
		r, err := decodeRecord(keyOf(w.kind, fields[i]), str)
		if err != nil {
			return nil, "", fmt.Errorf("redisstore: list: %w", err)
		}
		recs = append(recs, r)
	}
	return recs, keyOf(w.kind, fields[n-1]), nil
}

// bigBucket is the number of names above which a bucket is read alone: the
// names of the buckets loaded together are held in memory at once.
const bigBucket = 1000

// load reads the field names of the next span buckets in one pipeline and
// queues the non-empty ones. The span starts at one bucket and doubles, up
// to bucketsPerTrip, while the buckets are small, so that an empty or sparse
// kind costs few round trips and a large store holds the names of one
// bucket at a time.
func (w *bucketWalk) load(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return w.s.fail(ctx, "list", err)
	}
	w.span = max(w.span, 1)
	end := min(w.next+w.span, buckets)
	pipe := w.s.client.Pipeline()
	cmds := make([]*redis.StringSliceCmd, 0, end-w.next)
	for b := w.next; b < end; b++ {
		cmds = append(cmds, pipe.HKeys(ctx, w.s.bucketKey(w.kind, b)))
	}
	_, _ = pipe.Exec(ctx)
	largest := 0
	for i, c := range cmds {
		names, err := c.Result()
		if err != nil {
			return w.s.fail(ctx, "list", err)
		}
		b := w.next + uint32(i)
		if b == w.next && w.after != "" {
			names = slices.DeleteFunc(names, func(f string) bool { return f <= w.after })
		}
		largest = max(largest, len(names))
		if len(names) > 0 {
			slices.Sort(names)
			w.queue = append(w.queue, loaded{n: b, names: names})
		}
	}
	w.next, w.after = end, ""
	if largest >= bigBucket {
		w.span = 1
	} else {
		w.span = min(2*w.span, bucketsPerTrip)
	}
	return nil
}

func keyOf(kind indicators.Kind, value string) indicators.Key {
	return indicators.Key(string(kind) + ":" + value)
}

// Iterate calls fn for every record of kind (all kinds when ""), bucket by
// bucket in chunks, so memory stays bounded by the field names of a few
// buckets. Records written during the walk may or may not be seen; each
// record present for the whole walk is seen exactly once.
func (s *Store) Iterate(ctx context.Context, kind indicators.Kind, fn func(indicators.Record) error) error {
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, "iterate", err)
	}
	kinds := indicators.Kinds
	if kind != "" {
		kinds = []indicators.Kind{kind}
	}
	for _, k := range kinds {
		w := bucketWalk{s: s, kind: k}
		for {
			recs, last, err := w.read(ctx, maxFetch)
			if err != nil {
				return err
			}
			for _, r := range recs {
				if err := fn(r); err != nil {
					return err
				}
			}
			if last == "" {
				break
			}
		}
	}
	return nil
}
