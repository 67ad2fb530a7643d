package bloom

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
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

// BenchmarkTestMiss looks up unlisted keys in filters sized for benchN keys
// capacity, at capacity ("full") and 1% full ("sparse"), with test and,
// as the baseline, with every probe read before deciding (the test of
// before; SCAMCHECK_BENCH_N=10000000 for filters well beyond the caches).
func BenchmarkTestMiss(b *testing.B) {
	n := benchN(b)
	full, sparse := newFilter(uint64(n), uint64(n), DefaultFPR), newFilter(uint64(n), uint64(n), DefaultFPR)
	for i, k := range phoneKeys(0, n) {
		full.add(string(k))
		if i%100 == 0 {
			sparse.add(string(k))
		}
	}
	misses := phoneKeys(n+1, 1<<20)
	for _, c := range []struct {
		name string
		f    *filter
	}{{"full", full}, {"sparse", sparse}} {
		for _, v := range []struct {
			name string
			test func(*filter, string) bool
		}{{"test", (*filter).test}, {"baseline=all-probes", (*filter).testAllProbes}} {
			b.Run(c.name+"/"+v.name, func(b *testing.B) {
				listed := 0
				for i := 0; b.Loop(); i++ {
					if v.test(c.f, string(misses[i&(len(misses)-1)])) {
						listed++
					}
				}
				b.ReportMetric(float64(listed)/float64(b.N), "false-positives/op")
			})
		}
	}
}

// testAllProbes is test without its early exit: every probe read, then
// decided.
func (f *filter) testAllProbes(key string) bool {
	h := baseHashes(key)
	all := uint64(1)
	for i := range f.k {
		loc := location(&h, i) % f.m
		all &= atomic.LoadUint64(&f.words[loc>>6]) >> (loc & 63)
	}
	return all&1 == 1
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
