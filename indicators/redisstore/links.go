package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// The link index: P:{reports}:k:<key> is a sorted set (scores 0, ordered
// by id) of the reports naming an indicator key. It shares the {reports}
// hash tag, so createReportScript writes it with the report in one script
// on any topology. The hash tag is the first {…} of the key name, so braces
// inside an indicator key do not move it to another slot.

var _ indicators.LinkIndex = (*Store)(nil)

func (s *Store) linkKey(k indicators.Key) string { return s.prefix + ":{reports}:k:" + string(k) }

// ReportsNaming returns the ids of the reports naming key, in id order, the
// last limit of them; see indicators.LinkIndex.
func (s *Store) ReportsNaming(ctx context.Context, key indicators.Key, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.fail(ctx, "reports naming", err)
	}
	if limit <= 0 {
		return []string{}, nil
	}
	ids, err := s.client.ZRevRangeByLex(ctx, s.linkKey(key), &redis.ZRangeBy{Min: "-", Max: "+", Count: int64(limit)}).Result()
	if err != nil {
		return nil, s.fail(ctx, "reports naming", err)
	}
	slices.Reverse(ids)
	if ids == nil {
		ids = []string{}
	}
	return ids, nil
}

// GetReports returns the reports with ids, in the order given, leaving out
// ids with no report, in one MGET (the keys share a slot); see
// indicators.LinkIndex.
func (s *Store) GetReports(ctx context.Context, ids []string) ([]indicators.Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.fail(ctx, "get reports", err)
	}
	out := make([]indicators.Report, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.reportKey(id)
	}
	vals, err := s.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, s.fail(ctx, "get reports", err)
	}
	for i, v := range vals {
		data, ok := v.(string)
		if !ok {
			continue
		}
		var r indicators.Report
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return nil, fmt.Errorf("redisstore: get reports: report %q: %w: %w", ids[i], indicators.ErrCorrupt, err)
		}
		out = append(out, r)
	}
	return out, nil
}
