package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// Daily counters, under the prefix P: one hash per day,
//
//	P:stats:{<day>}   counter name → count
//
// tagged by the day so that days spread over a cluster while the counters
// of one day, which one AddCounters call changes together, stay in one key.

var _ indicators.StatsStore = (*Store)(nil)

// dayLayout is the form of the days of indicators.StatsStore.
const dayLayout = "2006-01-02"

// Bounds of the stats calls.
const (
	// maxCounterName bounds a counter name, which is free-form.
	maxCounterName = 256
	// maxStatsDays bounds the days one Counters call reads (one HGETALL
	// each, pipelined): ten years and some leap days.
	maxStatsDays = 3660
)

func (s *Store) statsKey(day string) string { return s.prefix + ":stats:{" + day + "}" }

// parseDay checks that day is a "2006-01-02" date.
func parseDay(day string) (time.Time, error) {
	t, err := time.Parse(dayLayout, day)
	if err != nil {
		return time.Time{}, &indicators.InputError{Code: indicators.CodeInvalidRecord,
			Message: fmt.Sprintf("day %q is not YYYY-MM-DD", day), Err: err}
	}
	return t, nil
}

// AddCounters adds deltas to the counters of day with HINCRBY in one
// MULTI (one key, so one slot): the deltas of a call land together and
// concurrent calls from every replica never lose an increment. A day that
// is not YYYY-MM-DD or an empty counter name gives ErrInvalidInput; zero
// deltas are skipped.
func (s *Store) AddCounters(ctx context.Context, day string, deltas map[string]int64) error {
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, "add counters", err)
	}
	if _, err := parseDay(day); err != nil {
		return fmt.Errorf("redisstore: add counters: %w", err)
	}
	for name := range deltas {
		if name == "" || len(name) > maxCounterName {
			return fmt.Errorf("redisstore: add counters: %w", &indicators.InputError{Code: indicators.CodeInvalidRecord,
				Message: fmt.Sprintf("a counter name has 1 to %d bytes, got %q", maxCounterName, name)})
		}
	}
	key := s.statsKey(day)
	pipe := s.client.TxPipeline()
	for name, d := range deltas {
		if d != 0 {
			pipe.HIncrBy(ctx, key, name, d)
		}
	}
	if pipe.Len() == 0 {
		return nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return s.fail(ctx, "add counters", err)
	}
	return nil
}

// Counters returns the counters of each day in [from, to] that has any, in
// one pipelined round trip. A bound that is not YYYY-MM-DD, from after to,
// or a range of more than maxStatsDays days gives ErrInvalidInput.
func (s *Store) Counters(ctx context.Context, from, to string) (map[string]map[string]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.fail(ctx, "counters", err)
	}
	days, err := dayRange(from, to)
	if err != nil {
		return nil, fmt.Errorf("redisstore: counters: %w", err)
	}
	pipe := s.client.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(days))
	for i, d := range days {
		cmds[i] = pipe.HGetAll(ctx, s.statsKey(d))
	}
	_, _ = pipe.Exec(ctx) // errors are read per command
	out := map[string]map[string]int64{}
	for i, c := range cmds {
		v, err := c.Result()
		if err != nil {
			return nil, s.fail(ctx, "counters", err)
		}
		if len(v) == 0 {
			continue
		}
		counters := make(map[string]int64, len(v))
		for name, n := range v {
			if counters[name], err = strconv.ParseInt(n, 10, 64); err != nil {
				return nil, fmt.Errorf("redisstore: counters: %s %s: %w: %w", days[i], name, indicators.ErrCorrupt, err)
			}
		}
		out[days[i]] = counters
	}
	return out, nil
}

// dayRange lists the days from from to to, both included.
func dayRange(from, to string) ([]string, error) {
	f, err := parseDay(from)
	if err != nil {
		return nil, err
	}
	t, err := parseDay(to)
	if err != nil {
		return nil, err
	}
	if f.After(t) {
		return nil, &indicators.InputError{Code: indicators.CodeInvalidRecord,
			Message: fmt.Sprintf("day range %s to %s ends before it starts", from, to)}
	}
	var days []string
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		if len(days) == maxStatsDays {
			return nil, &indicators.InputError{Code: indicators.CodeInvalidRecord,
				Message: fmt.Sprintf("day range %s to %s is longer than %d days", from, to, maxStatsDays)}
		}
		days = append(days, d.Format(dayLayout))
	}
	return days, nil
}
