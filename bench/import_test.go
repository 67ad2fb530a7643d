package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/bloom"
	"github.com/scamcheck/scamcheck/feeds"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
	"github.com/scamcheck/scamcheck/indicators/redisstore"
	"github.com/scamcheck/scamcheck/internal/redistest"
)

// The import benchmarks: a plain list of distinct phone numbers, typed in
// the forms people use, imported end to end (file → parse → normalize →
// dedupe → Store → change log) into Redis and into the embedded store, against three
// baselines measured in the same run on the same file: the parser alone,
// the whole pipeline into a store that keeps nothing (parse + normalize
// + dedupe + batching, no storage), and the raw rate at which Redis takes
// new records in the store's layout when nothing else runs (rawRedis): no
// import into Redis can beat it.
//
//	go test ./bench -run '^$' -bench Import -benchtime 1x
//	SCAMCHECK_BENCH_IMPORT_N=10000000 go test ./bench -run '^$' -bench Import -benchtime 1x -timeout 30m
//
// SCAMCHECK_BENCH_IMPORT_N sets the number of lines (default 1M; the issue's
// figures use 10M). The file is generated once into the temp directory and
// reused. SCAMCHECK_BENCH_IMPORT_WRITERS and SCAMCHECK_BENCH_IMPORT_BATCH
// override ImportOptions.Writers and BatchSize. Each iteration imports into a fresh, empty store. Reported:
// lines/s (end to end, wall clock) and the peak heap in use, sampled every
// 200 ms while the import runs.

func importN() int {
	if n, err := strconv.Atoi(os.Getenv("SCAMCHECK_BENCH_IMPORT_N")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// envInt reads a tuning knob (0 when unset: the pipeline's default).
func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

// phoneForms are the shapes of the generated numbers: the same canonical
// form typed several ways, as report exports hold them.
var phoneForms = []string{"0%s%s%s", "+84 %s %s %s", "84%s%s%s", "0%s.%s.%s", "(+84) %s-%s-%s"}

// phoneList returns the path of a plain list of n distinct mobile numbers
// (+8491xxxxxxx, +8498xxxxxxx, …), generated on first use.
func phoneList(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("scamcheck-bench-phones-%d.txt", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	prefixes := []string{"91", "98", "97", "96", "90", "93", "94", "88", "86", "89", "32", "33", "35", "36", "37", "38", "39", "70", "76", "77"}
	for i := range n {
		p := prefixes[i/10_000_000%len(prefixes)]
		d := fmt.Sprintf("%07d", i%10_000_000)
		fmt.Fprintf(w, phoneForms[i%len(phoneForms)]+"\n", p, d[:3], d[3:])
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// discardStore keeps nothing: every record is "added". It measures the
// pipeline without storage.
type discardStore struct{ indicators.Store }

func (discardStore) Upsert(_ context.Context, recs []indicators.Record) ([]indicators.Change, error) {
	ch := make([]indicators.Change, len(recs))
	for i := range ch {
		ch[i] = indicators.ChangeAdded
	}
	return ch, nil
}

// changeLog publishes keys to the Redis change log.
type changeLog struct{ r *bloom.Redis }

func (c changeLog) Publish(ctx context.Context, keys []indicators.Key) error {
	_, err := c.r.Append(ctx, keys)
	return err
}

// runImport imports the file at path into store and reports the rate and
// the peak heap.
func runImport(b *testing.B, store indicators.Store, pub feeds.Publisher, path string, n int) {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var ms runtime.MemStats
	var peak uint64
	sample := func(feeds.Progress) {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	start := time.Now()
	sum, err := feeds.Import(context.Background(), store, pub, f, feeds.ImportOptions{
		Source: "bench", Format: feeds.FormatPlain, Parse: feeds.Options{Kind: indicators.KindPhone}, Progress: sample,
		Writers: envInt("SCAMCHECK_BENCH_IMPORT_WRITERS"), BatchSize: envInt("SCAMCHECK_BENCH_IMPORT_BATCH")})
	if err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	if sum.Added != n || sum.Rejected != 0 {
		b.Fatalf("summary %+v, want %d added, none rejected", sum, n)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "lines/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// rawRedis is the ceiling of any import into Redis in the store's layout:
// n new records of the size the store writes, as fields of 1024 bucket
// hashes, sent with pipelined HSETNX by 4 goroutines in batches of 1000,
// with nothing else to do (no parsing, normalizing, merging or counting).
func rawRedis(b *testing.B, client redis.UniversalClient, prefix string, n int) {
	b.Helper()
	now := time.Now()
	rec := indicators.NewRecord(indicators.Key("phone:+84910000000"), "bench", now)
	val := indicators.AppendRecord(nil, &rec)
	buckets := make([]string, 1024)
	for i := range buckets {
		buckets[i] = prefix + ":b:{phone:" + strconv.Itoa(i) + "}"
	}
	const batch, writers = 1000, 4
	start := time.Now()
	ctx := context.Background()
	froms := make(chan int)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			var failed error
			for from := range froms {
				if failed != nil {
					continue // drain, so that the sender never blocks
				}
				pipe := client.Pipeline()
				for i := from; i < min(from+batch, n); i++ {
					field := "+8491" + strconv.Itoa(10_000_000 + i)[1:]
					h := fnv.New32a()
					_, _ = h.Write([]byte(field))
					pipe.HSetNX(ctx, buckets[h.Sum32()%1024], field, val)
				}
				if _, err := pipe.Exec(ctx); err != nil {
					failed = err
					errs <- err
				}
			}
		})
	}
	for from := 0; from < n; from += batch {
		froms <- from
	}
	close(froms)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "lines/s")
}

func BenchmarkImport(b *testing.B) {
	n := importN()
	path := phoneList(b, n)

	b.Run("baseline=parse", func(b *testing.B) {
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			p, err := feeds.NewParser(feeds.FormatPlain, f, feeds.Options{Kind: indicators.KindPhone})
			if err != nil {
				b.Fatal(err)
			}
			items := 0
			for {
				_, err := p.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				items++
			}
			f.Close()
			if items != n {
				b.Fatalf("%d items, want %d", items, n)
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "lines/s")
		}
	})
	b.Run("baseline=no-store", func(b *testing.B) {
		for b.Loop() {
			runImport(b, discardStore{}, nil, path, n)
		}
	})
	b.Run("baseline=redis-raw", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			client, prefix := redistest.Client(b), redistest.Prefix(b)
			b.StartTimer()
			rawRedis(b, client, prefix, n)
		}
	})
	b.Run("store=redis", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			client, prefix := redistest.Client(b), redistest.Prefix(b)
			store := redisstore.New(client, redisstore.Options{Prefix: prefix})
			// As `scamcheck import --redis` does through backend.Publish:
			// every added key goes to the change log for the replicas.
			pub := changeLog{bloom.NewRedis(client, prefix, bloom.RedisOptions{})}
			b.StartTimer()
			runImport(b, store, pub, path, n)
		}
	})
	b.Run("store=bolt", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			store, err := boltstore.Open(b.TempDir(), boltstore.Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			runImport(b, store, nil, path, n)
			store.Close()
		}
	})
}
