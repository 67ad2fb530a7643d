package bloom

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// TestRebuildCompaction: delisted and expired records leave the filter;
// listed ones stay.
func TestRebuildCompaction(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	s := New(Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: 40_000}, Now: func() time.Time { return now }})
	listed, delisted, expired := phoneKeys(0, 10_000), phoneKeys(10_000, 10_000), phoneKeys(20_000, 2000)
	confirmedOld := phoneKeys(30_000, 100)
	src := newMemSource()
	src.put(indicators.StatusReported, listed...)
	src.put(indicators.StatusDelisted, delisted...)
	for _, k := range expired {
		r := indicators.NewRecord(k, "feed", now.Add(-48*time.Hour))
		r.ExpiresAt = now.Add(-time.Hour)
		src.putRecord(r)
	}
	for _, k := range confirmedOld { // confirmed records do not expire
		r := indicators.NewRecord(k, "police", now.Add(-48*time.Hour))
		r.Status, r.ExpiresAt = indicators.StatusConfirmed, now.Add(-time.Hour)
		src.putRecord(r)
	}
	s.Add(listed...)
	s.Add(delisted...)
	s.Add(expired...)
	s.Add(confirmedOld...)
	if err := s.Rebuild(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	mustAllPresent(t, s, listed)
	mustAllPresent(t, s, confirmedOld)
	for _, tc := range []struct {
		name string
		keys []indicators.Key
	}{{"delisted", delisted}, {"expired", expired}} {
		// Some may remain as false positives, at about the target rate.
		if r := fpRate(s, tc.keys); r > 0.01 {
			t.Errorf("%.2f%% of %s keys still test true after rebuild", 100*r, tc.name)
		}
	}
	if got := s.Stats()[0].Count; got > 10_100 || got < 10_000 {
		t.Errorf("phone count after rebuild = %d, want ~10100", got)
	}
}

// TestRebuildGrowth: a filter filled to 10× its capacity is back near the
// target rate after a rebuild.
func TestRebuildGrowth(t *testing.T) {
	const expected = 5000
	s := New(Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: expected}})
	keys := phoneKeys(0, 10*expected)
	s.Add(keys...)
	absent := phoneKeys(1_000_000, 200_000)
	before := fpRate(s, absent)
	if !s.NeedsRebuild() || before < 0.1 {
		t.Fatalf("overfull filter: NeedsRebuild %v, FPR %.4f; want true and far above target", s.NeedsRebuild(), before)
	}
	src := newMemSource()
	src.put(indicators.StatusReported, keys...)
	if err := s.Rebuild(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	mustAllPresent(t, s, keys)
	after := fpRate(s, absent)
	st := s.Stats()[0]
	t.Logf("FPR before rebuild %.4f, after %.5f; capacity %d → %d", before, after, expected, st.Capacity)
	if s.NeedsRebuild() || st.Capacity < 10*expected {
		t.Errorf("after rebuild: NeedsRebuild %v capacity %d, want false and ≥ %d", s.NeedsRebuild(), st.Capacity, 10*expected)
	}
	if after > 1.2*DefaultFPR {
		t.Errorf("FPR after rebuild %.5f, want ≤ %v", after, 1.2*DefaultFPR)
	}
	// Compaction of most keys shrinks the filter again, but never below the
	// configured size.
	small := newMemSource()
	small.put(indicators.StatusReported, keys[:100]...)
	if err := s.Rebuild(context.Background(), small); err != nil {
		t.Fatal(err)
	}
	if c := s.Stats()[0].Capacity; c != expected {
		t.Errorf("capacity after compaction to 100 keys = %d, want the configured %d", c, expected)
	}
	mustAllPresent(t, s, keys[:100])
}

// TestRebuildKeepsConcurrentAdds adds keys (not in the source) while a
// rebuild runs: every one must test true afterwards.
func TestRebuildKeepsConcurrentAdds(t *testing.T) {
	s := New(Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: 20_000, indicators.KindDomain: 20_000}})
	inSource := phoneKeys(0, 20_000)
	src := newMemSource()
	src.put(indicators.StatusReported, inSource...)
	started := make(chan struct{})
	var once sync.Once
	src.delay = func(i int) {
		once.Do(func() { close(started) })
		if i%500 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	late := domainKeys(0, 20_000)
	var wg sync.WaitGroup
	var duringRebuild atomic.Int64
	var rebuilding atomic.Bool
	rebuilding.Store(true)
	wg.Go(func() {
		<-started
		for _, k := range late {
			s.Add(k)
			if rebuilding.Load() {
				duringRebuild.Add(1)
			}
		}
	})
	if err := s.Rebuild(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	rebuilding.Store(false)
	wg.Wait()
	t.Logf("%d of %d adds happened during the rebuild", duringRebuild.Load(), len(late))
	if duringRebuild.Load() == 0 {
		t.Fatal("no add overlapped the rebuild: the test proves nothing")
	}
	mustAllPresent(t, s, inSource)
	mustAllPresent(t, s, late)
}

// TestRebuildNoPause tests keys present throughout from several goroutines
// while rebuilds run back to back: no lookup may ever miss.
func TestRebuildNoPause(t *testing.T) {
	s := New(Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: 20_000}})
	keys := phoneKeys(0, 20_000)
	s.Add(keys...)
	src := newMemSource()
	src.put(indicators.StatusReported, keys...)
	stop := make(chan struct{})
	var misses, lookups atomic.Int64
	var wg sync.WaitGroup
	for r := range 3 {
		wg.Go(func() {
			for i := r; ; i += 7 {
				select {
				case <-stop:
					return
				default:
				}
				if !s.Test(keys[i%len(keys)]) {
					misses.Add(1)
				}
				lookups.Add(1)
				if i%1000 == 0 {
					runtime.Gosched()
				}
			}
		})
	}
	for range 5 {
		if err := s.Rebuild(context.Background(), src); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if misses.Load() > 0 {
		t.Fatalf("%d of %d lookups missed a present key during rebuilds", misses.Load(), lookups.Load())
	}
	t.Logf("%d lookups during 5 rebuilds, none missed", lookups.Load())
}

func TestRebuildErrorLeavesSetUnchanged(t *testing.T) {
	s := New(Options{})
	s.Add("phone:+84912345678")
	src := newMemSource()
	boom := errors.New("store down")
	src.err = boom
	if err := s.Rebuild(context.Background(), src); !errors.Is(err, boom) {
		t.Fatalf("Rebuild = %v, want the source's error", err)
	}
	if !s.Test("phone:+84912345678") {
		t.Fatal("failed rebuild lost a key")
	}
	// A cancelled context stops the rebuild too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ok := newMemSource()
	ok.put(indicators.StatusReported, phoneKeys(0, 10)...)
	if err := s.Rebuild(ctx, ok); !errors.Is(err, context.Canceled) {
		t.Fatalf("Rebuild with a cancelled context = %v, want context.Canceled", err)
	}
	// Recording stopped: later adds are not kept in memory.
	s.Add("phone:+84900000001")
	if s.recording.Load() || len(s.pending) != 0 {
		t.Fatal("Set still records adds after a failed rebuild")
	}
}
