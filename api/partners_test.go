package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/backend"
	"github.com/scamcheck/scamcheck/bloom"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/internal/redistest"
	"github.com/scamcheck/scamcheck/webhooks"
)

// fakeClock is the clock of the worker and the receiver, moved by the test
// so that backoff and leases cost no waiting.
type fakeClock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// receiver is a partner's webhook endpoint: it checks every request with
// webhooks.Verify, answers 500 to the first failFirst requests, and
// dedupes accepted deliveries by their id, as docs/webhooks.md tells
// partners to.
type receiver struct {
	t         *testing.T
	secret    string
	clock     *fakeClock
	failFirst int

	mu       sync.Mutex // guards the fields below
	requests int
	accepted map[string][]byte // delivery id → body, first accepted copy
	events   map[string]string // delivery id → event header
	dups     int               // accepted again under an id already seen
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("receiver: read body: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if err := webhooks.Verify(rc.secret, r.Header.Get(webhooks.HeaderTimestamp), r.Header.Get(webhooks.HeaderSignature),
		body, rc.clock.Now(), 0); err != nil {
		rc.t.Errorf("receiver: a delivery failed verification: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	id := r.Header.Get(webhooks.HeaderDelivery)
	var p webhooks.Payload
	if err := json.Unmarshal(body, &p); err != nil || p.ID != id || p.Event != r.Header.Get(webhooks.HeaderEvent) {
		rc.t.Errorf("receiver: body %s does not match headers id %q event %q (err %v)", body, id, r.Header.Get(webhooks.HeaderEvent), err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	if rc.requests <= rc.failFirst {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	if first, seen := rc.accepted[id]; seen {
		rc.dups++
		if !bytes.Equal(first, body) {
			rc.t.Errorf("receiver: delivery %s resent with another body:\n%s\n%s", id, first, body)
		}
		w.WriteHeader(http.StatusOK) // already processed: acknowledge, do nothing
		return
	}
	rc.accepted[id], rc.events[id] = body, r.Header.Get(webhooks.HeaderEvent)
	w.WriteHeader(http.StatusNoContent)
}

// crashingStore fails the recording of the first successful delivery, as a
// worker that crashes right after the partner answered 2xx would: the row
// keeps its lease and is sent again when it ends.
type crashingStore struct {
	indicators.PartnerStore
	mu      sync.Mutex // guards crashed
	crashed string     // the delivery whose result was lost
}

func (s *crashingStore) FinishDelivery(ctx context.Context, id string, a indicators.Attempt) (indicators.Delivery, error) {
	s.mu.Lock()
	crash := a.Delivered && s.crashed == ""
	if crash {
		s.crashed = id
	}
	s.mu.Unlock()
	if crash {
		return indicators.Delivery{}, errors.New("simulated crash after send")
	}
	return s.PartnerStore.FinishDelivery(ctx, id, a)
}

// partnerStores is what both backends' stores implement for the server.
type partnerStores interface {
	reportAccess
	indicators.PartnerStore
}

// node is one run of the server over a backend that survives restarts.
type node struct {
	cfg backend.Config
	env *env
	acc partnerStores
}

// start opens the backend and the server; stop closes both, as a process
// exit would.
func (n *node) start(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	be, err := backend.Open(ctx, n.cfg)
	if err != nil {
		t.Fatalf("backend.Open: %v", err)
	}
	set, err := be.StartFilters(ctx)
	if err != nil {
		t.Fatalf("StartFilters: %v", err)
	}
	if be.Bolt() != nil {
		n.acc = be.Bolt()
	} else {
		n.acc = be.Redis()
	}
	engine := indicators.NewEngine(be.Store, set, indicators.EngineOptions{Logger: n.cfg.Logger})
	srv := api.New(api.Config{Engine: engine, Store: be.Store, Reports: n.acc, Keys: n.acc, Audit: n.acc, Stats: n.acc,
		Partners: n.acc, Publisher: be, Filters: set, Logger: n.cfg.Logger,
		PublicLimit: api.Limit{Requests: -1}, ReportLimit: api.Limit{Requests: -1}})
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatalf("Open: %v", err)
	}
	secrets := map[indicators.Role]string{}
	if n.env != nil {
		secrets = n.env.secrets
	}
	n.env = &env{srv: srv, url: srv.URL(), be: be, secrets: secrets, logs: &syncBuffer{}}
}

func (n *node) stop(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.env.srv.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := n.env.be.Close(); err != nil {
		t.Errorf("backend Close: %v", err)
	}
}

func (n *node) restart(t *testing.T) {
	t.Helper()
	n.stop(t)
	n.start(t)
}

// mustKey creates a key in the store and remembers its secret under name.
func (n *node) mustKey(t *testing.T, name string, role indicators.Role) string {
	t.Helper()
	k, secret, err := api.NewAPIKey(name, role, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := n.acc.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return secret
}

// TestPartnerWebhooks is the whole path over real HTTP: a citizen report
// and two confirmations on accounts at a partner's BIN are enqueued; the
// partner's endpoint fails the first deliveries; the server restarts
// between attempts and the worker "crashes" once after a 2xx. Every event
// arrives, each signed, duplicates only under the same idempotency key;
// the outbox shows attempts and states; the freeze acknowledgement is
// recorded and audited.
func TestPartnerWebhooks(t *testing.T) {
	forEachStore(t, testPartnerWebhooks)
}

func testPartnerWebhooks(t *testing.T, store string) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	n := &node{cfg: backend.Config{Logger: logger, Filters: bloom.Options{Expected: map[indicators.Kind]uint{
		indicators.KindPhone: 1000, indicators.KindBankAccount: 1000, indicators.KindDomain: 1000, indicators.KindURL: 1000}}}}
	switch store {
	case "bolt":
		n.cfg.DataDir = t.TempDir()
	case "redis":
		n.cfg.RedisURL, n.cfg.Prefix = redistest.URL(t), redistest.Prefix(t)
	}
	n.start(t)
	t.Cleanup(func() { n.stop(t) })
	admin := n.mustKey(t, "admin", indicators.RoleAdmin)
	police := n.mustKey(t, "officer", indicators.RolePolice)
	vcbKey := n.mustKey(t, "VCB", indicators.RolePartner)
	otherKey := n.mustKey(t, "OTHERBANK", indicators.RolePartner)

	clock := &fakeClock{t: time.Now().UTC().Add(10 * time.Second).Truncate(time.Second)} // after the events below
	rc := &receiver{t: t, clock: clock, failFirst: 3, accepted: map[string][]byte{}, events: map[string]string{}}
	hook := httptest.NewServer(rc)
	defer hook.Close()

	// The admin registers the partner and gets its signing secret once.
	var created struct {
		ID     string   `json:"id"`
		Name   string   `json:"name"`
		BINs   []string `json:"bins"`
		Secret string   `json:"secret"`
	}
	n.env.mustDo(t, "POST", "/v1/partners", admin, map[string]any{"name": "VCB", "bins": []string{"970436"}, "url": hook.URL + "/scamcheck"}, http.StatusCreated, &created)
	if len(created.Secret) < 32 || created.ID == "" {
		t.Fatalf("created partner %+v: want an id and a secret", created)
	}
	rc.secret = created.Secret
	listed := n.env.mustDo(t, "GET", "/v1/partners", admin, nil, http.StatusOK, nil)
	if bytes.Contains(listed.body, []byte(created.Secret)) {
		t.Errorf("GET /v1/partners shows the signing secret")
	}
	// A partner at another bank hears nothing of VCB accounts.
	n.env.mustDo(t, "POST", "/v1/partners", admin, map[string]any{"name": "OTHERBANK", "bins": []string{"970415"}, "url": hook.URL + "/other"}, http.StatusCreated, nil)

	// Three events on VCB accounts: a citizen report, police confirming
	// it, a direct confirmation of another account. A phone report sends
	// nothing.
	happened := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	var rep struct {
		ID   string           `json:"id"`
		Keys []indicators.Key `json:"keys"`
	}
	n.env.mustDo(t, "POST", "/v1/reports", "", map[string]any{"bank": "Vietcombank", "account": "0011 0043 53201",
		"amount_vnd": 50_000_000, "happened_at": happened, "description": "chuyển tiền cho kẻ giả danh công an"}, http.StatusCreated, &rep)
	n.env.mustDo(t, "POST", "/v1/reports", "", map[string]any{"phone": "0912345678"}, http.StatusCreated, nil)
	n.env.mustDo(t, "POST", "/v1/reports/"+rep.ID+"/confirm", police, nil, http.StatusOK, nil)
	other := indicators.Key("bank_account:970436:0071000123456")
	n.env.mustDo(t, "POST", "/v1/indicators/"+url.PathEscape(string(other))+"/confirm", police, nil, http.StatusOK, nil)
	account := rep.Keys[0]

	deliveries := func(secret string) []indicators.Delivery {
		t.Helper()
		var page indicators.DeliveryPage
		n.env.mustDo(t, "GET", "/v1/partners/VCB/deliveries", secret, nil, http.StatusOK, &page)
		return page.Deliveries
	}
	ds := deliveries(vcbKey)
	if len(ds) != 3 {
		t.Fatalf("outbox of VCB holds %d rows, want 3: %+v", len(ds), ds)
	}
	var events []string
	for _, d := range ds {
		events = append(events, d.Event+" "+string(d.Key))
		if d.State != indicators.DeliveryPending {
			t.Errorf("new row %s is %s, want pending", d.ID, d.State)
		}
	}
	slices.Sort(events)
	wantEvents := []string{"account.confirmed " + string(account), "account.confirmed " + string(other), "account.reported " + string(account)}
	if !slices.Equal(events, wantEvents) {
		t.Errorf("events = %v, want %v", events, wantEvents)
	}
	var reported webhooks.Payload
	for _, d := range ds {
		if d.Event == indicators.EventAccountReported {
			if err := json.Unmarshal(d.Payload, &reported); err != nil {
				t.Fatal(err)
			}
		}
	}
	if reported.Account.BIN != "970436" || reported.Account.Number != "0011004353201" || reported.Account.BankCode != "VCB" ||
		reported.Report == nil || reported.Report.AmountVND != 50_000_000 || !reported.Report.HappenedAt.Equal(happened) || reported.Report.ID != rep.ID {
		t.Errorf("account.reported payload %+v (report %+v): want the full account, amount and time", reported, reported.Report)
	}
	// Other partners see neither VCB's outbox nor the others' partners.
	if r := n.env.do(t, "GET", "/v1/partners/VCB/deliveries", otherKey, nil); r.status != http.StatusNotFound {
		t.Errorf("another partner listing VCB's deliveries: %d, want 404", r.status)
	}
	if r := n.env.do(t, "GET", "/v1/partners/VCB/deliveries", police, nil); r.status != http.StatusForbidden {
		t.Errorf("police listing deliveries: %d, want 403", r.status)
	}
	if got := deliveries(admin); len(got) != 3 {
		t.Errorf("admin sees %d VCB rows, want 3", len(got))
	}

	// newWorker starts a worker on the current node's store; with crash,
	// it loses the result of its first success.
	newWorker := func(crash bool) (*webhooks.Worker, *crashingStore) {
		cs := &crashingStore{PartnerStore: n.acc}
		var ps indicators.PartnerStore = n.acc
		if crash {
			ps = cs
		}
		return webhooks.NewWorker(ps, webhooks.Options{Now: clock.Now, Logger: logger, Lease: time.Minute,
			Jitter: func(time.Duration) time.Duration { return 0 }}), cs
	}

	// Attempt 1: the receiver fails all three (500); nothing is lost over
	// a restart, and the rows wait out their backoff.
	w, _ := newWorker(false)
	if k, err := w.RunOnce(t.Context()); k != 3 || err != nil {
		t.Fatalf("first run: %d claimed, err %v; want 3", k, err)
	}
	n.restart(t)
	for _, d := range deliveries(vcbKey) {
		if d.State != indicators.DeliveryPending || d.Attempts != 1 || d.LastStatus != 500 || !d.NextAttemptAt.Equal(clock.Now().Add(time.Second)) {
			t.Errorf("after a 500: %s %s attempts %d status %d next %v; want pending, 1, 500, now+1s", d.ID, d.State, d.Attempts, d.LastStatus, d.NextAttemptAt)
		}
	}
	w, cs := newWorker(true)
	clock.Advance(500 * time.Millisecond)
	if k, _ := w.RunOnce(t.Context()); k != 0 {
		t.Errorf("%d rows sent before their backoff ended", k)
	}

	// Attempt 2: accepted, but the worker "crashes" before recording the
	// first success; the server restarts.
	clock.Advance(time.Second)
	if k, err := w.RunOnce(t.Context()); k != 3 || err == nil {
		t.Fatalf("second run: %d claimed, err %v; want 3 and the simulated crash", k, err)
	}
	crashed := cs.crashed
	n.restart(t)
	for _, d := range deliveries(vcbKey) {
		want := indicators.DeliveryDelivered
		if d.ID == crashed {
			want = indicators.DeliveryPending // its result was lost with the crash
		}
		if d.State != want || d.Attempts != 2 {
			t.Errorf("after the second run: %s is %s after %d attempts, want %s after 2", d.ID, d.State, d.Attempts, want)
		}
	}

	// Attempt 3: the lease of the lost row ends; it is sent again with the
	// same id, and the receiver recognises it.
	w, _ = newWorker(false)
	clock.Advance(30 * time.Second)
	if k, _ := w.RunOnce(t.Context()); k != 0 {
		t.Errorf("a leased row was sent again within its lease (%d)", k)
	}
	clock.Advance(time.Minute)
	if k, err := w.RunOnce(t.Context()); k != 1 || err != nil {
		t.Fatalf("third run: %d claimed, err %v; want the one lost row", k, err)
	}
	n.restart(t)
	ds = deliveries(vcbKey)
	for _, d := range ds {
		if d.State != indicators.DeliveryDelivered || d.DeliveredAt.IsZero() || d.LastError != "" {
			t.Errorf("at the end %s is %s (error %q), want delivered", d.ID, d.State, d.LastError)
		}
	}
	rc.mu.Lock()
	if len(rc.accepted) != 3 || rc.dups != 1 || rc.requests != 7 {
		t.Errorf("receiver: %d distinct deliveries, %d duplicates, %d requests; want 3, 1 (same id), 7", len(rc.accepted), rc.dups, rc.requests)
	}
	for _, d := range ds {
		if _, ok := rc.accepted[d.ID]; !ok {
			t.Errorf("delivery %s never reached the partner", d.ID)
		}
	}
	rc.mu.Unlock()
	w, _ = newWorker(false)
	clock.Advance(24 * time.Hour)
	if k, _ := w.RunOnce(t.Context()); k != 0 {
		t.Errorf("%d delivered rows were sent again", k)
	}

	// The partner acknowledges the freeze of the reported account.
	var freezeID string
	for _, d := range ds {
		if d.Event == indicators.EventAccountConfirmed && d.Key == account {
			freezeID = d.ID
		}
	}
	ackBody := map[string]any{"frozen": true, "reference": "VCB-FRZ-2025-0042"}
	if r := n.env.do(t, "POST", "/v1/freezes/"+freezeID+"/ack", otherKey, ackBody); r.status != http.StatusNotFound {
		t.Errorf("another partner acknowledging: %d, want 404", r.status)
	}
	if r := n.env.do(t, "POST", "/v1/freezes/"+freezeID+"/ack", police, ackBody); r.status != http.StatusForbidden {
		t.Errorf("police acknowledging: %d, want 403", r.status)
	}
	if r := n.env.do(t, "POST", "/v1/freezes/dlv_missing/ack", vcbKey, ackBody); r.status != http.StatusNotFound {
		t.Errorf("acknowledging a missing delivery: %d, want 404", r.status)
	}
	var ack indicators.FreezeAck
	n.env.mustDo(t, "POST", "/v1/freezes/"+freezeID+"/ack", vcbKey, ackBody, http.StatusCreated, &ack)
	if ack.Key != account || !ack.Frozen || ack.Reference != "VCB-FRZ-2025-0042" || ack.Actor != "VCB" {
		t.Errorf("ack = %+v", ack)
	}
	n.env.mustDo(t, "POST", "/v1/freezes/"+freezeID+"/ack", vcbKey, map[string]any{"reference": "again"}, http.StatusOK, &ack)
	if ack.Reference != "VCB-FRZ-2025-0042" {
		t.Errorf("a repeated ack replaced the first: %+v", ack)
	}
	var freezes struct {
		Acks []indicators.FreezeAck `json:"acks"`
	}
	n.env.mustDo(t, "GET", "/v1/indicators/"+url.PathEscape(string(account))+"/freezes", police, nil, http.StatusOK, &freezes)
	if len(freezes.Acks) != 1 || freezes.Acks[0].DeliveryID != freezeID {
		t.Errorf("freezes on the indicator = %+v, want the one ack", freezes.Acks)
	}
	var audit indicators.AuditPage
	n.env.mustDo(t, "GET", "/v1/audit?target="+url.QueryEscape(string(account)), admin, nil, http.StatusOK, &audit)
	acks := 0
	for _, e := range audit.Entries {
		if e.Action == api.ActionFreezeAck {
			acks++
			if e.Actor != "VCB" || e.Role != indicators.RolePartner {
				t.Errorf("freeze audit entry %+v: want actor VCB, role partner", e)
			}
		}
	}
	if acks != 1 {
		t.Errorf("%d freeze.ack audit entries on %s, want 1", acks, account)
	}
}

// TestPartnerEndpointsWithoutStore: a server without a partner store
// answers 501 and still accepts reports.
func TestPartnerEndpointsWithoutStore(t *testing.T) {
	e := mustEnv(t, "bolt", nil)
	if r := e.do(t, "GET", "/v1/partners", e.secrets[indicators.RoleAdmin], nil); r.status != http.StatusNotImplemented {
		t.Errorf("GET /v1/partners without a store: %d, want 501", r.status)
	}
	e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"bank": "VCB", "account": "0011004353201"}, http.StatusCreated, nil)
}

// TestNewPartnerInvalid: bad registrations are refused as invalid input
// (a 400 from POST /v1/partners).
func TestNewPartnerInvalid(t *testing.T) {
	for name, body := range map[string]map[string]any{
		"no bins":  {"name": "X", "url": "https://x.example/"},
		"bad bin":  {"name": "X", "bins": []string{"9704"}, "url": "https://x.example/"},
		"bad url":  {"name": "X", "bins": []string{"970436"}, "url": "x.example"},
		"no name":  {"bins": []string{"970436"}, "url": "https://x.example/"},
		"long bin": {"name": "X", "bins": []string{"9704360"}, "url": "https://x.example/"},
	} {
		if _, err := api.NewPartner(str(body["name"]), strs(body["bins"]), str(body["url"]), time.Now()); !errors.Is(err, indicators.ErrInvalidInput) {
			t.Errorf("NewPartner(%s): err %v, want invalid input", name, err)
		}
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strs(v any) []string {
	s, _ := v.([]string)
	return s
}
