package boltstore

import (
	"context"
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/scamcheck/scamcheck/indicators"
)

// bucketStats holds one nested bucket per day (in indicators.DayLayout,
// which sorts as the days do): counter name → int64 big-endian.
var bucketStats = []byte("stats")

var _ indicators.StatsStore = (*Store)(nil)

// AddCounters adds deltas to the counters of day in one transaction, so
// concurrent calls never lose an increment. A day that is not YYYY-MM-DD or
// an empty counter name gives ErrInvalidInput; zero deltas are skipped.
func (s *Store) AddCounters(ctx context.Context, day string, deltas map[string]int64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: add counters: %w", err)
	}
	if _, err := indicators.ParseDay(day); err != nil {
		return fmt.Errorf("boltstore: add counters: %w", err)
	}
	if err := indicators.ValidateCounters(deltas); err != nil {
		return fmt.Errorf("boltstore: add counters: %w", err)
	}
	nonZero := false
	for _, d := range deltas {
		nonZero = nonZero || d != 0
	}
	if !nonZero {
		return nil
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return own(err)
		}
		bs, err := writeBuckets(tx, bucketStats)
		if err != nil {
			return err
		}
		b, err := bs[0].CreateBucketIfNotExists([]byte(day))
		if err != nil {
			return err
		}
		for name, d := range deltas {
			if d == 0 {
				continue
			}
			n := decodeCount(b.Get([]byte(name))) + d
			if err := b.Put([]byte(name), binary.BigEndian.AppendUint64(nil, uint64(n))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrap("add counters", err)
	}
	return nil
}

// Counters returns the counters of each day in [from, to] that has any. A
// bound that is not YYYY-MM-DD, from after to, or a range of more than
// indicators.MaxStatsDays days gives ErrInvalidInput.
func (s *Store) Counters(ctx context.Context, from, to string) (map[string]map[string]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: counters: %w", err)
	}
	if err := indicators.CheckDayRange(from, to); err != nil {
		return nil, fmt.Errorf("boltstore: counters: %w", err)
	}
	out := map[string]map[string]int64{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		stats := readBucket(tx, bucketStats)
		if stats == nil {
			return nil
		}
		c := stats.Cursor()
		for k, v := c.Seek([]byte(from)); k != nil && string(k) <= to; k, v = c.Next() {
			day := stats.Bucket(k)
			if v != nil || day == nil {
				continue // not a day bucket
			}
			counters := map[string]int64{}
			if err := day.ForEach(func(name, v []byte) error {
				counters[string(name)] = decodeCount(v)
				return nil
			}); err != nil {
				return err
			}
			if len(counters) > 0 {
				out[string(k)] = counters
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("counters", err)
	}
	return out, nil
}
