package redisstore

import (
	"context"
	"fmt"
	"strconv"

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

func (s *Store) statsKey(day string) string { return s.prefix + ":stats:{" + day + "}" }

// AddCounters adds deltas to the counters of day with HINCRBY in one
// MULTI (one key, so one slot): the deltas of a call land together and
// concurrent calls from every replica never lose an increment. A day that
// is not YYYY-MM-DD or an empty counter name gives ErrInvalidInput; zero
// deltas are skipped.
func (s *Store) AddCounters(ctx context.Context, day string, deltas map[string]int64) error {
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, "add counters", err)
	}
	if _, err := indicators.ParseDay(day); err != nil {
		return fmt.Errorf("redisstore: add counters: %w", err)
	}
	if err := indicators.ValidateCounters(deltas); err != nil {
		return fmt.Errorf("redisstore: add counters: %w", err)
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
// one pipelined round trip (one HGETALL a day, which indicators.MaxStatsDays
// bounds). A bound that is not YYYY-MM-DD, from after to, or a range of more
// than indicators.MaxStatsDays days gives ErrInvalidInput.
func (s *Store) Counters(ctx context.Context, from, to string) (map[string]map[string]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.fail(ctx, "counters", err)
	}
	days, err := indicators.StatsDays(from, to)
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
