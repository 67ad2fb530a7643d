package trends

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisState is the State shared by every replica. Every key starts with
// prefix + ":trends:" and carries its name in a hash tag, so that the two
// windows one PFCOUNT reads live in the same Cluster slot. Keys expire on
// their own (two windows after their last write).
type RedisState struct {
	client redis.UniversalClient
	prefix string
}

// NewRedis returns a State on client (backend.Backend.Redis().Client())
// whose keys start with prefix.
func NewRedis(client redis.UniversalClient, prefix string) *RedisState {
	return &RedisState{client: client, prefix: prefix + ":trends:"}
}

func (s *RedisState) key(name, suffix string) string {
	return s.prefix + "{" + name + "}" + suffix
}

// CountDistinct implements State with one HyperLogLog per window: about
// 12 KB per busy indicator at most, whatever the number of reporters.
func (s *RedisState) CountDistinct(ctx context.Context, name, member string, start time.Time, window time.Duration) (int64, error) {
	cur := s.key(name, ":"+strconv.FormatInt(start.Unix(), 10))
	prev := s.key(name, ":"+strconv.FormatInt(start.Add(-window).Unix(), 10))
	var count *redis.IntCmd
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.PFAdd(ctx, cur, member)
		p.PExpire(ctx, cur, 2*window)
		count = p.PFCount(ctx, cur, prev)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("trends: count distinct: %w", err)
	}
	return count.Val(), nil
}

// AddMember implements State with a sorted set scored by event time.
func (s *RedisState) AddMember(ctx context.Context, name, member string, at time.Time, window time.Duration) ([]string, error) {
	k := s.key(name, ":z")
	score := float64(at.UnixMilli())
	from := at.Add(-window).UnixMilli()
	var members *redis.StringSliceCmd
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRemRangeByScore(ctx, k, "-inf", strconv.FormatInt(from, 10))
		p.ZAddGT(ctx, k, redis.Z{Score: score, Member: member})
		// Beyond the cap the oldest go first.
		p.ZRemRangeByRank(ctx, k, 0, -MaxMembers-1)
		p.PExpire(ctx, k, 2*window)
		members = p.ZRange(ctx, k, 0, -1)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("trends: add member: %w", err)
	}
	return members.Val(), nil
}

// rateScript rolls the per-minute count and its EWMA atomically, so that
// replicas adding to the same indicator at once do not lose counts.
var rateScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'm', 'c', 'e')
local minute = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local alpha = tonumber(ARGV[3])
local m = tonumber(v[1])
local c = tonumber(v[2]) or 0
local e = tonumber(v[3]) or 0
if m == nil then
  m = minute
  c = 0
elseif minute > m then
  e = alpha * c + (1 - alpha) * e
  local gap = minute - m - 1
  if gap > 100000 then gap = 100000 end
  if gap > 0 then e = e * ((1 - alpha) ^ gap) end
  m = minute
  c = 0
elseif minute < m then
  return {'0', tostring(e)}
end
c = c + n
redis.call('HSET', KEYS[1], 'm', m, 'c', c, 'e', tostring(e))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {tostring(c), tostring(e)}
`)

// Rate implements State.
func (s *RedisState) Rate(ctx context.Context, name string, minute time.Time, n int64, alpha float64, ttl time.Duration) (int64, float64, error) {
	res, err := rateScript.Run(ctx, s.client, []string{s.key(name, ":rate")},
		minute.Unix()/60, n, alpha, ttl.Milliseconds()).StringSlice()
	if err != nil {
		return 0, 0, fmt.Errorf("trends: rate: %w", err)
	}
	if len(res) != 2 {
		return 0, 0, fmt.Errorf("trends: rate: unexpected reply %q", res)
	}
	c, err := strconv.ParseInt(res[0], 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("trends: rate count: %w", err)
	}
	e, err := strconv.ParseFloat(res[1], 64)
	if err != nil {
		return 0, 0, fmt.Errorf("trends: rate ewma: %w", err)
	}
	return c, e, nil
}

// Marked implements State.
func (s *RedisState) Marked(ctx context.Context, name string) (bool, error) {
	n, err := s.client.Exists(ctx, s.key(name, "")).Result()
	if err != nil {
		return false, fmt.Errorf("trends: marked: %w", err)
	}
	return n > 0, nil
}

// Mark implements State.
func (s *RedisState) Mark(ctx context.Context, name string, ttl time.Duration) error {
	if err := s.client.Set(ctx, s.key(name, ""), 1, ttl).Err(); err != nil {
		return fmt.Errorf("trends: mark: %w", err)
	}
	return nil
}
