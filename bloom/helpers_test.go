package bloom

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// phoneKeys returns n phone keys numbered from start, in the form the
// issue's benchmarks use.
func phoneKeys(start, n int) []indicators.Key {
	keys := make([]indicators.Key, n)
	for i := range keys {
		keys[i] = indicators.Key(fmt.Sprintf("phone:+849%08d", start+i))
	}
	return keys
}

// domainKeys returns n domain keys numbered from start.
func domainKeys(start, n int) []indicators.Key {
	keys := make([]indicators.Key, n)
	for i := range keys {
		keys[i] = indicators.Key(fmt.Sprintf("domain:scam-%d.example.vn", start+i))
	}
	return keys
}

// fpRate returns the fraction of keys that s reports present.
func fpRate(s *Set, keys []indicators.Key) float64 {
	hits := 0
	for _, k := range keys {
		if s.Test(k) {
			hits++
		}
	}
	return float64(hits) / float64(len(keys))
}

// mustAllPresent fails t for the first key s does not report.
func mustAllPresent(t testing.TB, s *Set, keys []indicators.Key) {
	t.Helper()
	for _, k := range keys {
		if !s.Test(k) {
			t.Fatalf("Test(%q) = false after it was added", k)
		}
	}
}

// memSource is an in-memory Source: a stand-in for a Store's Iterate (not
// for Redis). delay, when set, runs between records so that tests can act
// during a rebuild.
type memSource struct {
	mu    sync.Mutex
	recs  map[indicators.Kind][]indicators.Record
	delay func(i int)
	err   error
}

func newMemSource() *memSource {
	return &memSource{recs: map[indicators.Kind][]indicators.Record{}}
}

func (m *memSource) put(status indicators.Status, keys ...indicators.Key) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		r := indicators.NewRecord(k, "test", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		r.Status = status
		m.recs[k.Kind()] = append(m.recs[k.Kind()], r)
	}
}

func (m *memSource) putRecord(r indicators.Record) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs[r.Kind] = append(m.recs[r.Kind], r)
}

func (m *memSource) Iterate(ctx context.Context, kind indicators.Kind, fn func(indicators.Record) error) error {
	if m.err != nil {
		return m.err
	}
	m.mu.Lock()
	recs := append([]indicators.Record(nil), m.recs[kind]...)
	m.mu.Unlock()
	for i, r := range recs {
		if m.delay != nil {
			m.delay(i)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return ctx.Err()
}
