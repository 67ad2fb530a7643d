package bloom

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/internal/redistest"
)

// benchN is the number of indicators the benchmarks load:
// SCAMCHECK_BENCH_N, default 1,000,000 (the target is 10,000,000).
func benchN(b *testing.B) int {
	if v := os.Getenv("SCAMCHECK_BENCH_N"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("SCAMCHECK_BENCH_N=%q: want a positive integer", v)
		}
		return n
	}
	return 1_000_000
}

var benchData struct {
	once sync.Once
	n    int
	set  *Set
	keys []indicators.Key
}

// benchSet returns a Set holding benchN phone keys, built once per binary.
func benchSet(b *testing.B) (*Set, []indicators.Key) {
	n := benchN(b)
	benchData.once.Do(func() {
		benchData.n = n
		benchData.keys = phoneKeys(0, n)
		benchData.set = New(Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: uint(n)}})
		benchData.set.Add(benchData.keys...)
	})
	return benchData.set, benchData.keys
}

func BenchmarkTest(b *testing.B) {
	s, keys := benchSet(b)
	misses := phoneKeys(len(keys)+1, 1<<16)
	b.Run("hit", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if !s.Test(keys[i%len(keys)]) {
				b.Fatal("miss on a present key")
			}
		}
		b.ReportMetric(float64(s.Stats()[0].Bytes)/float64(len(keys)), "filter-bytes/indicator")
	})
	b.Run("miss", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			s.Test(misses[i&(len(misses)-1)])
		}
	})
	b.Run("miss-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				s.Test(misses[i&(len(misses)-1)])
			}
		})
	})
}

func BenchmarkAdd(b *testing.B) {
	n := benchN(b)
	keys := phoneKeys(0, min(n, 1<<20))
	s := New(Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: uint(n)}})
	for i := 0; b.Loop(); i++ {
		s.Add(keys[i%len(keys)])
	}
}

// BenchmarkSnapshotRestore loads a snapshot of benchN indicators from Redis
// (and, for comparison, from memory).
func BenchmarkSnapshotRestore(b *testing.B) {
	s, keys := benchSet(b)
	ctx := context.Background()
	b.Run("redis", func(b *testing.B) {
		r := NewRedis(redistest.Client(b), redistest.Prefix(b), RedisOptions{})
		meta, err := r.SaveSnapshot(ctx, s)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(meta.Size)
		for b.Loop() {
			got, _, err := r.Load(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if !got.Test(keys[len(keys)-1]) {
				b.Fatal("restored set misses a key")
			}
		}
		b.ReportMetric(float64(len(keys)), "indicators")
	})
	b.Run("memory", func(b *testing.B) {
		var buf bytes.Buffer
		if err := s.WriteSnapshot(&buf); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(buf.Len()))
		for b.Loop() {
			if _, _, err := ReadSnapshot(bytes.NewReader(buf.Bytes())); err != nil {
				b.Fatal(err)
			}
		}
	})
}
