package indicators_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// annotations records the Engine's calls to its Links and Disputes
// options and answers them as configured.
type annotations struct {
	mu       sync.Mutex
	calls    []indicators.Key
	linked   *indicators.Linked
	disputed bool
	err      error
}

func (a *annotations) Linked(_ context.Context, k indicators.Key) (*indicators.Linked, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "links:"+k)
	if a.err != nil {
		return nil, a.err
	}
	return a.linked, nil
}

func (a *annotations) Disputed(_ context.Context, k indicators.Key) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, "disputes:"+k)
	if a.err != nil {
		return false, a.err
	}
	return a.disputed, nil
}

// TestEngineAnnotations: links and disputes are read for a listed report
// or confirmation only (never on a miss, a delisted hit or the allowlist),
// for the key that matched, and a failure of either leaves the verdict as
// it was.
func TestEngineAnnotations(t *testing.T) {
	confirmed := mustKey(t, indicators.KindDomain, "lua-dao.example.vn")
	delisted := mustKey(t, indicators.KindDomain, "da-go.example.vn")
	trusted := mustKey(t, indicators.KindDomain, "ngan-hang-that.example.vn")
	f := newEngineFixture(t,
		record(confirmed, func(r *indicators.Record) {
			r.Status, r.ConfirmedBy, r.ConfirmedAt = indicators.StatusConfirmed, "officer", t0
		}),
		record(delisted, func(r *indicators.Record) { r.Status = indicators.StatusDelisted }),
		record(trusted, func(r *indicators.Record) { r.Status, r.Category = indicators.StatusTrusted, "" }),
	)
	linked := &indicators.Linked{Reports: 2, Phones: 3}
	tests := []struct {
		name       string
		input      string
		err        error
		verdict    indicators.Verdict
		wantCalls  []indicators.Key
		wantLinked *indicators.Linked
		disputed   bool
	}{
		{"confirmed", "lua-dao.example.vn", nil, indicators.VerdictDangerous,
			[]indicators.Key{"disputes:" + confirmed, "links:" + confirmed}, linked, true},
		{"a link on the confirmed domain reads the domain's", "https://lua-dao.example.vn/pay?x=1", nil, indicators.VerdictDangerous,
			[]indicators.Key{"disputes:" + confirmed, "links:" + confirmed}, linked, true},
		{"failures leave the verdict", "lua-dao.example.vn", errors.New("store down"), indicators.VerdictDangerous,
			[]indicators.Key{"disputes:" + confirmed, "links:" + confirmed}, nil, false},
		{"miss", "khong-ai-bao.example.vn", nil, indicators.VerdictUnknown, nil, nil, false},
		{"delisted", "da-go.example.vn", nil, indicators.VerdictUnknown, nil, nil, false},
		{"trusted", "ngan-hang-that.example.vn", nil, indicators.VerdictTrusted, nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := &annotations{linked: linked, disputed: true, err: tc.err}
			e := indicators.NewEngine(f.store, f.set, indicators.EngineOptions{
				Now: func() time.Time { return t0.Add(24 * time.Hour) }, Links: a, Disputes: a})
			r := e.Check(t.Context(), tc.input)
			if r.Error != nil {
				t.Fatalf("Check(%q): %+v", tc.input, r.Error)
			}
			if r.Verdict != tc.verdict || r.Degraded {
				t.Errorf("verdict %s (degraded %v), want %s", r.Verdict, r.Degraded, tc.verdict)
			}
			if len(a.calls) != len(tc.wantCalls) {
				t.Fatalf("calls %v, want %v", a.calls, tc.wantCalls)
			}
			for i := range a.calls {
				if a.calls[i] != tc.wantCalls[i] {
					t.Errorf("calls %v, want %v", a.calls, tc.wantCalls)
				}
			}
			if r.Disputed != tc.disputed {
				t.Errorf("Disputed = %v, want %v", r.Disputed, tc.disputed)
			}
			if (r.Linked == nil) != (tc.wantLinked == nil) || r.Linked != nil && *r.Linked != *tc.wantLinked {
				t.Errorf("Linked = %+v, want %+v", r.Linked, tc.wantLinked)
			}
		})
	}
}
