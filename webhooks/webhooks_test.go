package webhooks_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
	"github.com/scamcheck/scamcheck/indicators/storetest"
	"github.com/scamcheck/scamcheck/webhooks"
)

func TestVerify(t *testing.T) {
	const secret = "whsec_0123456789abcdef"
	body := []byte(`{"event":"account.confirmed","account":{"number":"0011004353201"}}`)
	now := time.Unix(1_740_816_000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	good := webhooks.Sign(secret, now.Unix(), body)
	for _, tc := range []struct {
		name      string
		secret    string
		timestamp string
		signature string
		body      []byte
		now       time.Time
		want      error
	}{
		{"valid", secret, ts, good, body, now, nil},
		{"valid, 4 min late", secret, ts, good, body, now.Add(4 * time.Minute), nil},
		{"valid among several (rotation)", secret, ts, "v1=00ff," + good, body, now, nil},
		{"wrong secret", "whsec_another_secret_", ts, good, body, now, webhooks.ErrBadSignature},
		{"tampered body", secret, ts, good, []byte(`{"event":"account.confirmed","account":{"number":"0011004353202"}}`), now, webhooks.ErrBadSignature},
		{"timestamp changed", secret, strconv.FormatInt(now.Unix()+1, 10), good, body, now, webhooks.ErrBadSignature},
		{"stale (replay after 6 min)", secret, ts, good, body, now.Add(6 * time.Minute), webhooks.ErrStale},
		{"from the future", secret, ts, good, body, now.Add(-6 * time.Minute), webhooks.ErrStale},
		{"no timestamp", secret, "", good, body, now, webhooks.ErrMalformed},
		{"no signature", secret, ts, "", body, now, webhooks.ErrMalformed},
		{"other scheme only", secret, ts, "v0=abcd", body, now, webhooks.ErrMalformed},
		{"not hex", secret, ts, "v1=zz", body, now, webhooks.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := webhooks.Verify(tc.secret, tc.timestamp, tc.signature, tc.body, tc.now, 0)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {11, 1024 * time.Second}, {12, 2048 * time.Second}, {13, time.Hour}, {60, time.Hour}} {
		if got := webhooks.Backoff(tc.n, time.Second, time.Hour); got != tc.want {
			t.Errorf("Backoff(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

// TestWorkerGivesUp: a partner that never answers 2xx gets MaxAttempts
// attempts at growing intervals, then the row is failed and left alone.
func TestWorkerGivesUp(t *testing.T) {
	var requests atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer hook.Close()
	s, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := storetest.NewPartner(1)
	p.URL = hook.URL
	if err := s.CreatePartner(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	rec := indicators.Record{Key: storetest.BankKey(1), Status: indicators.StatusConfirmed, ConfirmedAt: storetest.Epoch}
	n, err := webhooks.Enqueue(t.Context(), s, webhooks.Event{Name: indicators.EventAccountConfirmed, Record: rec, At: storetest.Epoch})
	if err != nil || n != 1 {
		t.Fatalf("Enqueue = %d, %v; want 1 row", n, err)
	}
	// Enqueueing the same event again adds nothing.
	if n, err := webhooks.Enqueue(t.Context(), s, webhooks.Event{Name: indicators.EventAccountConfirmed, Record: rec, At: storetest.Epoch}); n != 0 || err != nil {
		t.Errorf("second Enqueue = %d, %v; want 0", n, err)
	}
	now := storetest.Epoch
	w := webhooks.NewWorker(s, webhooks.Options{Now: func() time.Time { return now }, MaxAttempts: 4,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Jitter: func(time.Duration) time.Duration { return 0 }})
	var gaps []time.Duration
	for range 10 {
		page, err := s.ListDeliveries(t.Context(), indicators.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		d := page.Deliveries[0]
		if d.State != indicators.DeliveryPending {
			break
		}
		gaps = append(gaps, d.NextAttemptAt.Sub(now))
		now = d.NextAttemptAt
		if _, err := w.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second}
	if len(gaps) != len(want) {
		t.Fatalf("waits between attempts %v, want %v", gaps, want)
	}
	for i := range want {
		if gaps[i] != want[i] {
			t.Errorf("waits between attempts %v, want %v", gaps, want)
			break
		}
	}
	d, err := s.ListDeliveries(t.Context(), indicators.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Deliveries[0]; got.State != indicators.DeliveryFailed || got.Attempts != 4 || got.LastStatus != 503 {
		t.Errorf("after giving up: %+v, want failed after 4 attempts with 503", got)
	}
	if requests.Load() != 4 {
		t.Errorf("partner got %d requests, want 4", requests.Load())
	}
}

// TestEnqueueOnlyBankAccounts: events name bank accounts; other kinds and
// accounts no partner subscribes to enqueue nothing.
func TestEnqueueOnlyBankAccounts(t *testing.T) {
	s, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreatePartner(t.Context(), storetest.NewPartner(1)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  indicators.Key
		want int
	}{
		{storetest.PhoneKey(1), 0},
		{"bank_account:970415:0011004353201", 0}, // VietinBank: no partner
		{storetest.BankKey(2), 1},
	} {
		n, err := webhooks.Enqueue(t.Context(), s, webhooks.Event{Name: indicators.EventAccountReported,
			Record: indicators.Record{Key: tc.key}, At: storetest.Epoch})
		if err != nil || n != tc.want {
			t.Errorf("Enqueue(%s) = %d, %v; want %d", tc.key, n, err, tc.want)
		}
	}
}
