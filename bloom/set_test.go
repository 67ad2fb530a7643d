package bloom

import (
	"math"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

func TestAddTest(t *testing.T) {
	s := New(Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: 1000}})
	s.Add("phone:+84912345678", "bank_account:970436:0011004353201", "domain:example.vn",
		"url:http://evil.example/login", "nokind:x", "no-colon")
	tests := []struct {
		key  indicators.Key
		want bool
	}{
		{"phone:+84912345678", true},
		{"bank_account:970436:0011004353201", true},
		{"domain:example.vn", true},
		{"url:http://evil.example/login", true},
		{"phone:+84912345679", false},
		{"domain:example.com", false},
		// The same value under another kind is another key.
		{"url:example.vn", false},
		{"nokind:x", false},
		{"no-colon", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := s.Test(tt.key); got != tt.want {
			t.Errorf("Test(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
	st := s.Stats()
	if len(st) != len(indicators.Kinds) {
		t.Fatalf("Stats has %d kinds, want %d", len(st), len(indicators.Kinds))
	}
	for i, k := range indicators.Kinds {
		if st[i].Kind != k || st[i].Count != 1 {
			t.Errorf("Stats[%d] = %s count %d, want %s count 1", i, st[i].Kind, st[i].Count, k)
		}
	}
	// Adding again is not counted: Count is distinct keys.
	s.Add("phone:+84912345678")
	if got := s.Stats()[0].Count; got != 1 {
		t.Errorf("phone count after a repeat add = %d, want 1", got)
	}
}

func TestStatsSizing(t *testing.T) {
	const n = 1_000_000
	s := New(Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: n}})
	st := s.Stats()[0]
	if st.Capacity != n || st.Hashes != 10 || st.TargetFPR != DefaultFPR {
		t.Errorf("phone filter: capacity %d hashes %d target %v, want %d, 10, %v", st.Capacity, st.Hashes, st.TargetFPR, n, DefaultFPR)
	}
	perKey := float64(st.Bytes) / n
	t.Logf("bytes per indicator at FPR %v: %.3f (%d bits for %d keys)", DefaultFPR, perKey, st.Bits, n)
	if perKey > 2 {
		t.Errorf("%.3f bytes per indicator, want at most 2", perKey)
	}
	if st.FillRatio != 0 || st.EstimatedFPR != 0 {
		t.Errorf("empty filter: fill %v estimated FPR %v, want 0", st.FillRatio, st.EstimatedFPR)
	}
	if def := s.Stats()[1]; def.Capacity != uint64(DefaultExpected) {
		t.Errorf("bank_account capacity %d, want default %d", def.Capacity, DefaultExpected)
	}
}

// TestFalsePositiveRate measures the false-positive rate at capacity, which
// must be within 20% of the target.
func TestFalsePositiveRate(t *testing.T) {
	n, absent := 200_000, 1_000_000
	if testing.Short() {
		n, absent = 50_000, 250_000
	}
	s := New(Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: uint(n)}})
	s.Add(phoneKeys(0, n)...)
	got := fpRate(s, phoneKeys(n, absent))
	est := s.Stats()[0].EstimatedFPR
	t.Logf("%d keys, %d absent: measured FPR %.5f, estimated %.5f, target %v", n, absent, got, est, DefaultFPR)
	if math.Abs(got-DefaultFPR) > 0.2*DefaultFPR {
		t.Errorf("measured FPR %.5f, want within 20%% of %v", got, DefaultFPR)
	}
	if math.Abs(est-DefaultFPR) > 0.2*DefaultFPR {
		t.Errorf("estimated FPR %.5f, want within 20%% of %v", est, DefaultFPR)
	}
	if s.NeedsRebuild() {
		t.Error("NeedsRebuild at capacity, want false")
	}
	s.Add(phoneKeys(n+absent, n/10)...)
	if !s.NeedsRebuild() {
		t.Error("NeedsRebuild at 110% of capacity = false, want true")
	}
}

// TestConcurrentAddTest runs writers and readers together (for -race):
// a key, once Add returned, must test true from every goroutine.
func TestConcurrentAddTest(t *testing.T) {
	s := New(Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: 50_000, indicators.KindDomain: 50_000}})
	const writers, perWriter = 4, 5000
	var added [writers]atomic.Int64 // how many of each writer's keys are in
	keys := [writers][]indicators.Key{}
	for w := range writers {
		if w%2 == 0 {
			keys[w] = phoneKeys(w*perWriter, perWriter)
		} else {
			keys[w] = domainKeys(w*perWriter, perWriter)
		}
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var failures atomic.Int64
	for r := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				w := (r + i) % writers
				if n := added[w].Load(); n > 0 && !s.Test(keys[w][int(n-1)]) {
					failures.Add(1)
				}
			}
		})
	}
	var wwg sync.WaitGroup
	for w := range writers {
		wwg.Go(func() {
			for i, k := range keys[w] {
				if i%3 == 0 {
					s.Add(k)
				} else {
					s.Add(k, k) // batches with repeats too
				}
				added[w].Store(int64(i + 1))
			}
		})
	}
	wwg.Wait()
	close(stop)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d lookups of already added keys returned false", n)
	}
	for w := range writers {
		mustAllPresent(t, s, keys[w])
	}
	if got := s.Stats()[0].Count + s.Stats()[2].Count; got > writers*perWriter || got < writers*perWriter*99/100 {
		t.Errorf("count %d after adding %d distinct keys", got, writers*perWriter)
	}
}
