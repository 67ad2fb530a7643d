package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/bloom"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/redisstore"
	"github.com/scamcheck/scamcheck/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func benchN() int {
	if n, err := strconv.Atoi(os.Getenv("SCAMCHECK_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// listedPhone and unlistedPhone are disjoint canonical phone keys: listed
// numbers start +8491, probes for misses start +8498.
func listedPhone(i int) indicators.Key {
	return indicators.Key(fmt.Sprintf("phone:+8491%07d", i%10_000_000))
}

func unlistedPhone(i int) indicators.Key {
	return indicators.Key(fmt.Sprintf("phone:+8498%07d", i%10_000_000))
}

var (
	loadOnce sync.Once
	loaded   *bloom.Set
)

// filters returns a Set holding benchN listed phones, built once per run.
func filters(b *testing.B) *bloom.Set {
	loadOnce.Do(func() {
		n := benchN()
		set := bloom.New(bloom.Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: uint(n)}})
		batch := make([]indicators.Key, 0, 10_000)
		for i := range n {
			batch = append(batch, listedPhone(i))
			if len(batch) == cap(batch) {
				set.Add(batch...)
				batch = batch[:0]
			}
		}
		set.Add(batch...)
		loaded = set
	})
	return loaded
}

// probes are the keys benchmarks cycle through, built before the timer.
func probes(n int, key func(int) indicators.Key) []indicators.Key {
	out := make([]indicators.Key, n)
	for i := range out {
		out[i] = key(i * 7919)
	}
	return out
}

func redisStore(b *testing.B) (*redisstore.Store, redis.UniversalClient) {
	c := redistest.Client(b)
	return redisstore.New(c, redisstore.Options{Prefix: redistest.Prefix(b)}), c
}

// BenchmarkLookupMiss compares, on the same unlisted keys: a bare filter
// test (the floor), the engine's check of a canonical key, the engine's
// check of typed input (normalization included), and the baseline that asks
// Redis for every check.
func BenchmarkLookupMiss(b *testing.B) {
	set := filters(b)
	keys := probes(1<<16, unlistedPhone)
	store, client := redisStore(b)
	engine := indicators.NewEngine(store, set, indicators.EngineOptions{})
	ctx := context.Background()

	b.Run("bloom.Test", func(b *testing.B) {
		hits := 0
		for i := 0; b.Loop(); i++ {
			if set.Test(keys[i&(len(keys)-1)]) {
				hits++
			}
		}
		b.ReportMetric(float64(hits)/float64(b.N), "fp/op")
	})
	b.Run("engine.CheckKey", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			engine.CheckKey(ctx, keys[i&(len(keys)-1)])
		}
	})
	inputs := make([]string, 1<<12)
	for i := range inputs {
		inputs[i] = "0" + keys[i].Value()[3:] // "+8498…" typed as "098…"
	}
	b.Run("engine.Check/typed", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			engine.Check(ctx, inputs[i&(len(inputs)-1)])
		}
	})
	b.Run("baseline/redis.EXISTS", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if err := client.Exists(ctx, string(keys[i&(len(keys)-1)])).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLookupHit measures a filter hit confirmed through Redis (LRU
// disabled by cycling through more keys than it holds) and through the LRU.
func BenchmarkLookupHit(b *testing.B) {
	set := filters(b)
	store, _ := redisStore(b)
	ctx := context.Background()
	const stored = 20_000
	recs := make([]indicators.Record, stored)
	for i := range recs {
		recs[i] = indicators.NewRecord(listedPhone(i), "bench", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	}
	if _, err := store.Upsert(ctx, recs); err != nil {
		b.Fatal(err)
	}
	keys := make([]indicators.Key, stored)
	for i := range keys {
		keys[i] = recs[i].Key
	}
	b.Run("redis", func(b *testing.B) {
		engine := indicators.NewEngine(store, set, indicators.EngineOptions{CacheSize: 1})
		for i := 0; b.Loop(); i++ {
			if r := engine.CheckKey(ctx, keys[i%stored]); r.Verdict != indicators.VerdictSuspicious {
				b.Fatalf("verdict %s", r.Verdict)
			}
		}
	})
	b.Run("lru", func(b *testing.B) {
		engine := indicators.NewEngine(store, set, indicators.EngineOptions{CacheSize: stored})
		for i := 0; b.Loop(); i++ {
			engine.CheckKey(ctx, keys[i%1000])
		}
	})
}
