package bloom

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// Source yields the records a rebuild puts in the filters. indicators.Store
// satisfies it.
type Source interface {
	// Iterate calls fn for every record of kind; an error from fn stops the
	// iteration and is returned.
	Iterate(ctx context.Context, kind indicators.Kind, fn func(indicators.Record) error) error
}

var _ Source = indicators.Store(nil)

// Rebuild replaces every filter with one built from the listed records of
// src (Record.Listed at the Set's clock): delisted and expired indicators
// drop out, and each filter is sized for max(listed × 1.5, configured
// expected) so one that passed its capacity is back at its target
// false-positive rate.
//
// Lookups continue on the old filters while the new ones are built and see
// the new ones at once when they are complete; keys added during the rebuild
// are in both. Only one rebuild runs at a time; others wait. On error the
// Set is unchanged.
func (s *Set) Rebuild(ctx context.Context, src Source) error {
	return s.rebuild(ctx, src, nil)
}

// rebuild is Rebuild with a hook that runs after concurrent adds are being
// recorded and before src is read: the Redis replicator notes the change-log
// position there, so that every entry after it is either replayed or
// recorded, and every entry before it is in src.
func (s *Set) rebuild(ctx context.Context, src Source, mark func(context.Context) error) error {
	start := time.Now()
	s.beginSwap()
	if mark != nil {
		if err := mark(ctx); err != nil {
			s.endSwap(nil)
			return err
		}
	}
	old := s.cur.Load()
	next := &generation{}
	for i, kind := range indicators.Kinds {
		f, err := s.buildFilter(ctx, src, kind, old.filters[i])
		if err != nil {
			s.endSwap(nil)
			return err
		}
		next.filters[i] = f
	}
	s.endSwap(next)
	counts := make([]any, 0, 2*numKinds)
	for _, st := range s.Stats() {
		counts = append(counts, string(st.Kind), st.Count)
	}
	s.opts.Logger.Info("bloom: rebuilt filters", "duration", time.Since(start), slog.Group("count", counts...))
	return nil
}

// buildFilter builds one kind's filter from src, sized for max(listed ×
// growthHeadroom, expected). The listed count is known only at the end, so
// it first guesses it from what the old filter held (an upper bound, since
// a Store write precedes its filter add) and iterates src a second time only
// when the guess was too small or more than twice too large.
func (s *Set) buildFilter(ctx context.Context, src Source, kind indicators.Kind, old *filter) (*filter, error) {
	expected := uint64(s.opts.Expected[kind])
	target := func(n uint64) uint64 { return max(uint64(math.Ceil(float64(n)*growthHeadroom)), expected) }
	capacity := target(old.count.Load())
	for pass := 0; ; pass++ {
		f := newFilter(capacity, expected, s.opts.FPR)
		now := s.opts.Now()
		var listed uint64
		err := src.Iterate(ctx, kind, func(r indicators.Record) error {
			if r.Key.Kind() != kind || !r.Listed(now) {
				return nil
			}
			f.add(string(r.Key))
			listed++
			return ctx.Err()
		})
		if err != nil {
			return nil, fmt.Errorf("bloom: rebuild %s: %w", kind, err)
		}
		want := target(listed)
		if pass > 0 || (want <= capacity && capacity <= 2*want) {
			return f, nil
		}
		capacity = want
	}
}
