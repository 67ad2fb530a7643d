package webhooks_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
	"github.com/scamcheck/scamcheck/indicators/redisstore"
	"github.com/scamcheck/scamcheck/indicators/storetest"
	"github.com/scamcheck/scamcheck/internal/redistest"
	"github.com/scamcheck/scamcheck/webhooks"
)

// publishedWarning returns a published warning linking a bank account.
func publishedWarning() indicators.Warning {
	w := storetest.NewWarning(1)
	w.Keys = []indicators.Key{storetest.BankKey(7)}
	w.Status = indicators.WarningPublished
	w.PublishedAt = storetest.Epoch.Add(time.Hour)
	w.PublishedBy = "admin"
	return w
}

// TestWarningDelivery: a published warning reaches only the enabled
// partners subscribed to warnings, signed with each one's secret, and a
// partner that fails is retried with the same delivery id and body until
// it answers 2xx. It runs on both stores.
func TestWarningDelivery(t *testing.T) {
	stores := map[string]func(t *testing.T) indicators.PartnerStore{
		"bolt": func(t *testing.T) indicators.PartnerStore {
			s, err := boltstore.Open(t.TempDir(), boltstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		"redis": func(t *testing.T) indicators.PartnerStore {
			return redisstore.New(redistest.Client(t), redisstore.Options{Prefix: redistest.Prefix(t)})
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) { testWarningDelivery(t, open(t)) })
	}
}

type received struct {
	event, id string
	body      []byte
	verifyErr error
}

func testWarningDelivery(t *testing.T, s indicators.PartnerStore) {
	ctx := t.Context()
	var mu sync.Mutex // guards got, fails
	var got []received
	fails := 2 // the subscriber answers 500 twice, then 204
	subscriber := storetest.NewPartner(1)
	subscriber.BINs, subscriber.Warnings = nil, true // warnings only: no BINs needed
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := webhooks.Verify(subscriber.Secret, r.Header.Get(webhooks.HeaderTimestamp),
			r.Header.Get(webhooks.HeaderSignature), body, time.Now(), 0)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, received{r.Header.Get(webhooks.HeaderEvent), r.Header.Get(webhooks.HeaderDelivery), body, err})
		if fails > 0 {
			fails--
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()
	subscriber.URL = hook.URL
	bank := storetest.NewPartner(2) // BINs only: no warnings
	bank.URL = hook.URL
	disabled := storetest.NewPartner(3)
	disabled.Warnings, disabled.Disabled, disabled.URL = true, true, hook.URL
	for _, p := range []indicators.Partner{subscriber, bank, disabled} {
		if err := s.CreatePartner(ctx, p); err != nil {
			t.Fatalf("CreatePartner(%s): %v", p.Name, err)
		}
	}
	w := publishedWarning()
	if n, err := webhooks.EnqueueWarning(ctx, s, &w); err != nil || n != 1 {
		t.Fatalf("EnqueueWarning = %d, %v; want 1 row (the one subscriber)", n, err)
	}
	if n, err := webhooks.EnqueueWarning(ctx, s, &w); err != nil || n != 0 {
		t.Errorf("second EnqueueWarning = %d, %v; want 0 (same ids)", n, err)
	}
	draft := storetest.NewWarning(2)
	if _, err := webhooks.EnqueueWarning(ctx, s, &draft); err == nil {
		t.Error("EnqueueWarning of a draft succeeded")
	}

	now := time.Now()
	worker := webhooks.NewWorker(s, webhooks.Options{Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Jitter: func(time.Duration) time.Duration { return 0 }})
	for range 5 {
		if _, err := worker.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute) // past any backoff so far
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("partner got %d requests, want 3 (two failures, one success)", len(got))
	}
	for i, r := range got {
		if r.verifyErr != nil {
			t.Errorf("request %d: signature does not verify: %v", i, r.verifyErr)
		}
		if r.event != indicators.EventWarningPublished || r.id != got[0].id || string(r.body) != string(got[0].body) {
			t.Errorf("request %d: event %q id %q, want %q and the same id and body on every attempt", i, r.event, r.id, indicators.EventWarningPublished)
		}
	}
	var p webhooks.WarningPayload
	if err := json.Unmarshal(got[0].body, &p); err != nil {
		t.Fatal(err)
	}
	if p.ID != got[0].id || p.Warning.ID != w.ID || p.Warning.TitleVI != w.TitleVI || p.Severity != w.Severity ||
		len(p.Keys) != 1 || p.Keys[0] != w.Keys[0] || !p.OccurredAt.Equal(w.PublishedAt) {
		t.Errorf("payload %s does not carry the warning %+v", got[0].body, w)
	}
	page, err := s.ListDeliveries(ctx, indicators.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Deliveries) != 1 {
		t.Fatalf("outbox holds %d rows, want 1", len(page.Deliveries))
	}
	if d := page.Deliveries[0]; d.State != indicators.DeliveryDelivered || d.Attempts != 3 || d.PartnerID != subscriber.ID {
		t.Errorf("row after delivery: %+v, want delivered to %s after 3 attempts", d, subscriber.ID)
	}
}

// TestWarningDeliveryNoKeys: a warning linking no indicator is still
// delivered; its outbox row has no key.
func TestWarningDeliveryNoKeys(t *testing.T) {
	w := publishedWarning()
	w.Keys = nil
	p := storetest.NewPartner(1)
	p.Warnings = true
	rows, err := webhooks.WarningDeliveries(&w, []indicators.Partner{p})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Key != "" {
		t.Fatalf("rows %+v, want one without a key", rows)
	}
	if err := rows[0].Validate(); err != nil {
		t.Errorf("row does not validate: %v", err)
	}
	if rows[0].ID != webhooks.WarningDeliveryID(p.ID, &w) {
		t.Errorf("row id %s is not WarningDeliveryID", rows[0].ID)
	}
}
