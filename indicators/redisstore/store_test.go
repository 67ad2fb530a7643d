package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/redisstore"
	"github.com/scamcheck/scamcheck/indicators/storetest"
	"github.com/scamcheck/scamcheck/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// newSingle returns an empty store on the shared single server.
func newSingle(t *testing.T) indicators.Store {
	return newSingleStore(t)
}

func newSingleStore(t testing.TB) *redisstore.Store {
	t.Helper()
	s, err := redisstore.Open(context.Background(), redistest.URL(t), redisstore.Options{Prefix: redistest.Prefix(t)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newCluster returns an empty store on the shared three-master cluster.
func newCluster(t *testing.T) indicators.Store {
	return newClusterStore(t)
}

func newClusterStore(t testing.TB) *redisstore.Store {
	t.Helper()
	s, err := redisstore.Open(context.Background(), redistest.Cluster(t), redisstore.Options{Prefix: redistest.Prefix(t)})
	if err != nil {
		t.Fatalf("Open(cluster): %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, newSingle)
}

func TestConformanceConcurrent(t *testing.T) {
	storetest.RunConcurrent(t, newSingle)
}

func TestConformanceCluster(t *testing.T) {
	storetest.Run(t, newCluster)
}

func TestConformanceClusterConcurrent(t *testing.T) {
	storetest.RunConcurrent(t, newCluster)
}

// TestConformanceSmallBatches runs the suite with batches so small that
// every multi-record call spans several pipelines.
func TestConformanceSmallBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	storetest.Run(t, func(t *testing.T) indicators.Store {
		return redisstore.New(redistest.Client(t), redisstore.Options{Prefix: redistest.Prefix(t), BatchSize: 3})
	})
}

// TestClusterSpread checks that records spread over the cluster's masters
// instead of piling onto one slot.
func TestClusterSpread(t *testing.T) {
	ctx := context.Background()
	s := newClusterStore(t)
	prefix := redistest.Prefix(t)
	s = redisstore.New(s.Client(), redisstore.Options{Prefix: prefix})
	const n = 3000
	recs := make([]indicators.Record, n)
	for i := range recs {
		recs[i] = storetest.Record(storetest.KeyOf(indicators.Kinds[i%len(indicators.Kinds)], i), "spread")
	}
	if _, err := s.Upsert(ctx, recs); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	cc, ok := s.Client().(*redis.ClusterClient)
	if !ok {
		t.Fatalf("client is %T, want *redis.ClusterClient", s.Client())
	}
	var mu sync.Mutex
	perMaster := map[string]int{}
	err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		var found int
		iter := m.Scan(ctx, 0, prefix+":b:*", 1000).Iterator()
		for iter.Next(ctx) {
			n, err := m.HLen(ctx, iter.Val()).Result()
			if err != nil {
				return err
			}
			found += int(n)
		}
		mu.Lock()
		perMaster[m.Options().Addr] = found
		mu.Unlock()
		return iter.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(perMaster) != 3 {
		t.Fatalf("records on %d masters (%v), want 3", len(perMaster), perMaster)
	}
	total := 0
	for addr, c := range perMaster {
		total += c
		if c < n/5 {
			t.Errorf("master %s holds %d of %d records (< 20%%): %v", addr, c, n, perMaster)
		}
	}
	if total != n {
		t.Errorf("masters hold %d records in all, want %d", total, n)
	}
}

func TestUnavailable(t *testing.T) {
	addr, stop := redistest.StartServer(t)
	ctx := context.Background()
	url := "redis://" + addr + "?max_retries=-1&dial_timeout=1s"
	// One dial attempt per call keeps the test fast; go-redis retries five
	// times by default.
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	s := redisstore.New(c, redisstore.Options{})
	key := storetest.DomainKey(1)
	if _, err := s.Upsert(ctx, []indicators.Record{storetest.Record(key, "feed")}); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	stop()
	ops := []struct {
		name string
		op   func() error
	}{
		{"Get", func() error { _, err := s.Get(ctx, []indicators.Key{key}); return err }},
		{"Get many", func() error { _, err := s.Get(ctx, []indicators.Key{key, key}); return err }},
		{"Upsert", func() error {
			_, err := s.Upsert(ctx, []indicators.Record{storetest.Record(key, "other")})
			return err
		}},
		{"Update", func() error {
			_, _, err := s.Update(ctx, key, func(r *indicators.Record, _ bool) error { r.Reports++; return nil })
			return err
		}},
		{"List", func() error { _, err := s.List(ctx, indicators.ListOptions{}); return err }},
		{"Iterate", func() error { return s.Iterate(ctx, "", func(indicators.Record) error { return nil }) }},
		{"Counts", func() error { _, err := s.Counts(ctx); return err }},
		{"Ping", func() error { return s.Ping(ctx) }},
	}
	for _, tc := range ops {
		if err := tc.op(); !errors.Is(err, indicators.ErrUnavailable) {
			t.Errorf("%s on a stopped server: err = %v, want ErrUnavailable", tc.name, err)
		}
	}
	if _, err := redisstore.Open(ctx, url, redisstore.Options{}); !errors.Is(err, indicators.ErrUnavailable) {
		t.Errorf("Open on a stopped server: err = %v, want ErrUnavailable", err)
	}
}

func TestOpenRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name, url, prefix string
	}{
		{"bad scheme", "http://localhost:6379", ""},
		{"brace in prefix", "redis://localhost:6379", "a{b"},
		{"unknown option", "redis://localhost:6379?bogus=1", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := redisstore.Open(context.Background(), tc.url, redisstore.Options{Prefix: tc.prefix}); err == nil {
				s.Close()
				t.Fatalf("Open(%q, prefix %q) succeeded, want an error", tc.url, tc.prefix)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		url     string
		addrs   []string
		db      int
		master  string
		cluster bool
		tls     bool
		wantErr bool
	}{
		{url: "redis://localhost:6379", addrs: []string{"localhost:6379"}},
		{url: "redis://:secret@10.0.0.1:6380/3", addrs: []string{"10.0.0.1:6380"}, db: 3},
		{url: "rediss://cache.example.vn:6380/1", addrs: []string{"cache.example.vn:6380"}, db: 1, tls: true},
		{url: "redis://h1:7000?addr=h2:7001&addr=h3:7002", addrs: []string{"h1:7000", "h2:7001", "h3:7002"}, cluster: true},
		{url: "rediss://h1:7000/0?addr=h2:7001", addrs: []string{"h1:7000", "h2:7001"}, cluster: true, tls: true},
		{url: "redis://s1:26379/2?master_name=mymaster&addr=s2:26379", addrs: []string{"s1:26379", "s2:26379"}, db: 2, master: "mymaster"},
		{url: "redis://h1:7000/2?addr=h2:7001", wantErr: true},
		{url: "redis://s1:26379?master_name=", wantErr: true},
		{url: "redis+sentinel://s1:26379/mymaster", wantErr: true},
		{url: "redis://localhost:6379/notanumber", wantErr: true},
		{url: "redis://h1:7000?addr=nohostport", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			o, err := redisstore.ParseURL(tc.url)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ParseURL(%q) = %+v, want an error", tc.url, o)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tc.url, err)
			}
			if fmt.Sprint(o.Addrs) != fmt.Sprint(tc.addrs) || o.DB != tc.db || o.MasterName != tc.master ||
				o.IsClusterMode != tc.cluster || (o.TLSConfig != nil) != tc.tls {
				t.Errorf("ParseURL(%q) = addrs %v db %d master %q cluster %v tls %v; want %v %d %q %v %v",
					tc.url, o.Addrs, o.DB, o.MasterName, o.IsClusterMode, o.TLSConfig != nil,
					tc.addrs, tc.db, tc.master, tc.cluster, tc.tls)
			}
			// The client go-redis builds from the options is the kind the URL names.
			c := redis.NewUniversalClient(o)
			defer c.Close()
			_, isCluster := c.(*redis.ClusterClient)
			if isCluster != tc.cluster {
				t.Errorf("ParseURL(%q) builds a %T", tc.url, c)
			}
		})
	}
}

// TestConcurrentUpsertSameKeys races batch upserts naming the same keys from
// different sources: no source may be lost and the counters must agree.
func TestConcurrentUpsertSameKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		new  func(testing.TB) *redisstore.Store
	}{{"single", newSingleStore}, {"cluster", newClusterStore}} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.new(t)
			ctx := context.Background()
			const writers, keys = 6, 200
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					recs := make([]indicators.Record, keys)
					for i := range recs {
						recs[i] = storetest.Record(storetest.DomainKey(i), fmt.Sprintf("feed-%d", w))
					}
					for range 3 {
						if _, err := s.Upsert(ctx, recs); err != nil {
							t.Errorf("writer %d: %v", w, err)
							return
						}
					}
				})
			}
			wg.Wait()
			all := make([]indicators.Key, keys)
			for i := range all {
				all[i] = storetest.DomainKey(i)
			}
			got, err := s.Get(ctx, all)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range got {
				if r == nil || len(r.Sources) != writers || r.Reports != writers {
					t.Fatalf("record %d = %+v, want %d sources and reports", i, r, writers)
				}
			}
			c, err := s.Counts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c.Total != keys || c.ByKind[indicators.KindDomain] != keys || c.ByStatus[indicators.StatusReported] != keys {
				t.Errorf("Counts = %+v, want %d domain reported records", c, keys)
			}
			src, err := s.Sources(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for w := range writers {
				if n := src[fmt.Sprintf("feed-%d", w)]; n != keys {
					t.Errorf("Sources[feed-%d] = %d, want %d", w, n, keys)
				}
			}
		})
	}
}

func TestRecount(t *testing.T) {
	ctx := context.Background()
	prefix := redistest.Prefix(t)
	s := redisstore.New(redistest.Client(t), redisstore.Options{Prefix: prefix})
	recs := []indicators.Record{
		storetest.Record(storetest.DomainKey(1), "a"),
		storetest.Record(storetest.PhoneKey(2), "b"),
		storetest.Record(storetest.BankKey(3), "a"),
	}
	if _, err := s.Upsert(ctx, recs); err != nil {
		t.Fatal(err)
	}
	want, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Simulate counters skewed by a crash between record and counter writes.
	if err := s.Client().HSet(ctx, prefix+":counts", "total", 99, "kind:domain", 7).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Client().HSet(ctx, prefix+":sources", "a", 5, "ghost", 3).Err(); err != nil {
		t.Fatal(err)
	}
	if skewed, err := s.Counts(ctx); err != nil || skewed.Total != 99 {
		t.Fatalf("Counts after skewing = %+v, %v; want total 99 (the test must skew the store's own counters)", skewed, err)
	}
	if err := s.Recount(ctx); err != nil {
		t.Fatalf("Recount: %v", err)
	}
	got, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 3 || got.ByKind[indicators.KindDomain] != 1 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Counts after Recount = %+v, want %+v", got, want)
	}
	src, err := s.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if src["a"] != 2 || src["b"] != 1 || len(src) != 2 {
		t.Errorf("Sources after Recount = %v, want a:2 b:1", src)
	}
}

// TestListShortPagesWhenSelective checks the documented bound: a filter that
// matches almost nothing returns short pages with a cursor instead of
// reading the whole store in one call, and the walk still finds every match.
func TestListShortPagesWhenSelective(t *testing.T) {
	ctx := context.Background()
	s := newSingleStore(t)
	const n = 12000
	recs := make([]indicators.Record, n)
	for i := range recs {
		src := "bulk"
		if i == 3 || i == n-2 {
			src = "rare"
		}
		recs[i] = storetest.Record(storetest.DomainKey(i), src)
	}
	if _, err := s.Upsert(ctx, recs); err != nil {
		t.Fatal(err)
	}
	recs, calls := storetest.Walk(t, s, indicators.ListOptions{Source: "rare", Limit: 10})
	var found []indicators.Key
	for _, r := range recs {
		found = append(found, r.Key)
	}
	want := []indicators.Key{storetest.DomainKey(3), storetest.DomainKey(n - 2)}
	if fmt.Sprint(found) != fmt.Sprint(want) {
		t.Errorf("walk found %v, want %v", found, want)
	}
	if calls < 2 {
		t.Errorf("walk over %d records with a selective filter took %d call(s), want the work split over several", n, calls)
	}
}

func TestCorruptRecord(t *testing.T) {
	ctx := context.Background()
	prefix := redistest.Prefix(t)
	c := redistest.Client(t)
	s := redisstore.New(c, redisstore.Options{Prefix: prefix})
	key := storetest.DomainKey(1)
	bucket, field := s.Locate(key)
	if err := c.HSet(ctx, bucket, field, "not a record").Err(); err != nil {
		t.Fatal(err)
	}
	_, err := s.Get(ctx, []indicators.Key{key})
	if err == nil || errors.Is(err, indicators.ErrUnavailable) || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("Get of a corrupt value: err = %v, want a corrupt-record error that is not ErrUnavailable", err)
	}
}

func TestContextDeadline(t *testing.T) {
	s := newSingleStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	if _, err := s.Get(ctx, []indicators.Key{storetest.DomainKey(1)}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get with an expired deadline: err = %v, want DeadlineExceeded", err)
	}
}

// TestScriptFlushed checks that writes survive a server that forgot the
// compare-and-set script (restart, failover, SCRIPT FLUSH). It uses a
// private server so that flushing scripts touches no one else.
func TestScriptFlushed(t *testing.T) {
	addr, _ := redistest.StartServer(t)
	ctx := context.Background()
	s, err := redisstore.Open(ctx, "redis://"+addr, redisstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	key := storetest.DomainKey(1)
	for i, step := range []func() error{
		func() error {
			_, err := s.Upsert(ctx, []indicators.Record{storetest.Record(key, "a")})
			return err
		},
		func() error {
			_, err := s.Upsert(ctx, []indicators.Record{storetest.Record(key, "b")})
			return err
		},
		func() error {
			_, _, err := s.Update(ctx, key, func(r *indicators.Record, _ bool) error { r.Reports = 10; return nil })
			return err
		},
	} {
		if err := s.Client().ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		if err := step(); err != nil {
			t.Fatalf("step %d after SCRIPT FLUSH: %v", i, err)
		}
	}
	r, err := s.Get(ctx, []indicators.Key{key})
	if err != nil || r[0] == nil {
		t.Fatalf("Get = %v, %v", r, err)
	}
	if got := r[0].SourceNames(); len(got) != 2 || r[0].Reports != 10 {
		t.Errorf("record after writes = sources %v reports %d, want [a b] and 10", got, r[0].Reports)
	}
}
