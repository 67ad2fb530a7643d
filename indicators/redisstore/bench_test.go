package redisstore_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/redisstore"
	"github.com/scamcheck/scamcheck/indicators/storetest"
	"github.com/scamcheck/scamcheck/internal/redistest"
)

// Benchmarks run against the local single server (a private redis-server,
// or SCAMCHECK_TEST_REDIS). Besides ns/op they report records/s and
// redis-µs/op: the CPU time Redis itself spent on the commands (from INFO
// commandstats), which is what bounds throughput when many importers share
// one server. Keep -benchtime modest: every Upsert iteration adds 1000 keys.

const benchBatch = 1000

// redisUsec returns the total usec of all commands from INFO commandstats.
func redisUsec(b *testing.B, c redis.UniversalClient) float64 {
	b.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for line := range strings.SplitSeq(info, "\n") {
		_, stats, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(line, "cmdstat_") || strings.HasPrefix(line, "cmdstat_info") {
			continue
		}
		for f := range strings.SplitSeq(stats, ",") {
			if v, ok := strings.CutPrefix(f, "usec="); ok {
				n, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
				total += n
			}
		}
	}
	return total
}

func benchStore(b *testing.B) (*redisstore.Store, redis.UniversalClient) {
	c := redistest.Client(b)
	return redisstore.New(c, redisstore.Options{Prefix: redistest.Prefix(b)}), c
}

func batch(start, n int) []indicators.Record {
	recs := make([]indicators.Record, n)
	for i := range recs {
		recs[i] = storetest.Record(storetest.PhoneKey(start+i), "bench-feed")
	}
	return recs
}

func report(b *testing.B, c redis.UniversalClient, usec0 float64, perOp int) {
	b.ReportMetric(float64(b.N*perOp)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric((redisUsec(b, c)-usec0)/float64(b.N), "redis-µs/op")
	if testing.Verbose() {
		info, _ := c.Info(context.Background(), "commandstats").Result()
		b.Logf("b.N=%d\n%s", b.N, info)
	}
}

// BenchmarkUpsert upserts batches of 1000 records: keys not stored yet (the
// bulk-import path), keys stored and unchanged (a re-import), and stored
// records that change (the compare-and-set path).
func BenchmarkUpsert(b *testing.B) {
	b.Run("new", benchUpsertNew)
	b.Run("unchanged", benchUpsertUnchanged)
	b.Run("updated", benchUpsertUpdated)
}

func benchUpsertNew(b *testing.B) {
	s, c := benchStore(b)
	ctx := context.Background()
	batches := make([][]indicators.Record, b.N)
	for i := range batches {
		batches[i] = batch(i*benchBatch, benchBatch)
	}
	usec0 := redisUsec(b, c)
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Upsert(ctx, batches[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	report(b, c, usec0, benchBatch)
}

// BenchmarkValidate measures Record.Validate (key normalization) on the
// benchmark's records: client CPU that every Upsert pays before any I/O.
func BenchmarkValidate(b *testing.B) {
	recs := batch(0, benchBatch)
	b.ResetTimer()
	for range b.N {
		for i := range recs {
			if err := recs[i].Validate(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "records/s")
}

func benchUpsertUnchanged(b *testing.B) {
	s, c := benchStore(b)
	ctx := context.Background()
	recs := batch(0, benchBatch)
	if _, err := s.Upsert(ctx, recs); err != nil {
		b.Fatal(err)
	}
	usec0 := redisUsec(b, c)
	b.ResetTimer()
	for range b.N {
		if _, err := s.Upsert(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	report(b, c, usec0, benchBatch)
}

func benchUpsertUpdated(b *testing.B) {
	s, c := benchStore(b)
	ctx := context.Background()
	recs := batch(0, benchBatch)
	if _, err := s.Upsert(ctx, recs); err != nil {
		b.Fatal(err)
	}
	batches := make([][]indicators.Record, b.N)
	for i := range batches {
		batches[i] = make([]indicators.Record, benchBatch)
		for j := range batches[i] {
			// A higher report count each time: the record changes but
			// does not grow, unlike adding a source per iteration.
			batches[i][j] = storetest.Record(recs[j].Key, "bench-feed")
			batches[i][j].Reports = i + 2
		}
	}
	usec0 := redisUsec(b, c)
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Upsert(ctx, batches[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	report(b, c, usec0, benchBatch)
}

func benchGet(b *testing.B, n int) {
	s, c := benchStore(b)
	ctx := context.Background()
	recs := batch(0, benchBatch)
	if _, err := s.Upsert(ctx, recs); err != nil {
		b.Fatal(err)
	}
	keys := make([]indicators.Key, n)
	for i := range keys {
		keys[i] = recs[i*7%len(recs)].Key
	}
	usec0 := redisUsec(b, c)
	b.ResetTimer()
	for range b.N {
		got, err := s.Get(ctx, keys)
		if err != nil {
			b.Fatal(err)
		}
		if got[0] == nil {
			b.Fatal("stored record missing")
		}
	}
	b.StopTimer()
	report(b, c, usec0, n)
}

// BenchmarkGet reads stored records: one key (a check after a filter hit)
// and a batch of 100 (a batch check).
func BenchmarkGet(b *testing.B) {
	b.Run("1", func(b *testing.B) { benchGet(b, 1) })
	b.Run("100", func(b *testing.B) { benchGet(b, 100) })
}

// BenchmarkIterate walks 300,000 phone records (about 300 a bucket), as a
// filter rebuild or an export does.
func BenchmarkIterate(b *testing.B) {
	s, _ := benchStore(b)
	ctx := context.Background()
	const n = 300_000
	for start := 0; start < n; start += 10 * benchBatch {
		if _, err := s.Upsert(ctx, batch(start, 10*benchBatch)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		seen := 0
		if err := s.Iterate(ctx, indicators.KindPhone, func(indicators.Record) error { seen++; return nil }); err != nil {
			b.Fatal(err)
		}
		if seen != n {
			b.Fatalf("Iterate saw %d records, want %d", seen, n)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "records/s")
}
