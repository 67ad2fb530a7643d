package boltstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/scamcheck/scamcheck/indicators"
)

// bucketStats holds one nested bucket per day ("2006-01-02", which sorts as
// the days do): counter name → int64 big-endian.
var bucketStats = []byte("stats")

var _ indicators.StatsStore = (*Store)(nil)

// dayLayout is the form of the days of indicators.StatsStore.
const dayLayout = "2006-01-02"

// Bounds of the stats calls, the same as redisstore's so that callers see
// one behaviour.
const (
	// maxCounterName bounds a counter name, which is free-form.
	maxCounterName = 256
	// maxStatsDays bounds the days of one Counters call: ten years and
	// some leap days.
	maxStatsDays = 3660
)

// parseDay checks that day is a "2006-01-02" date.
func parseDay(day string) (time.Time, error) {
	t, err := time.Parse(dayLayout, day)
	if err != nil {
		return time.Time{}, &indicators.InputError{Code: indicators.CodeInvalidRecord,
			Message: fmt.Sprintf("day %q is not YYYY-MM-DD", day), Err: err}
	}
	return t, nil
}

// validateDeltas checks counter names; an empty map is valid (nothing to add).
func validateDeltas(deltas map[string]int64) error {
	for name := range deltas {
		if name == "" || len(name) > maxCounterName {
			return &indicators.InputError{Code: indicators.CodeInvalidRecord,
				Message: fmt.Sprintf("a counter name has 1 to %d bytes, got %q", maxCounterName, name)}
		}
	}
	return nil
}

// AddCounters adds deltas to the counters of day in one transaction, so
// concurrent calls never lose an increment. A day that is not YYYY-MM-DD or
// an empty counter name gives ErrInvalidInput; zero deltas are skipped.
func (s *Store) AddCounters(ctx context.Context, day string, deltas map[string]int64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: add counters: %w", err)
	}
	if _, err := parseDay(day); err != nil {
		return fmt.Errorf("boltstore: add counters: %w", err)
	}
	if err := validateDeltas(deltas); err != nil {
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
// maxStatsDays days gives ErrInvalidInput.
func (s *Store) Counters(ctx context.Context, from, to string) (map[string]map[string]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: counters: %w", err)
	}
	if err := checkDayRange(from, to); err != nil {
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

// checkDayRange checks the bounds of Counters.
func checkDayRange(from, to string) error {
	f, err := parseDay(from)
	if err != nil {
		return err
	}
	t, err := parseDay(to)
	if err != nil {
		return err
	}
	if f.After(t) {
		return &indicators.InputError{Code: indicators.CodeInvalidRecord,
			Message: fmt.Sprintf("day range %s to %s ends before it starts", from, to)}
	}
	if f.AddDate(0, 0, maxStatsDays-1).Before(t) {
		return &indicators.InputError{Code: indicators.CodeInvalidRecord,
			Message: fmt.Sprintf("day range %s to %s is longer than %d days", from, to, maxStatsDays)}
	}
	return nil
}
