package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// RunPartners runs the conformance suite of indicators.PartnerStore. It
// pins down, besides the interface's documented rules:
//
//   - GetPartner keeps the secret; ListPartners and PartnersForBIN are by
//     creation and the latter leaves disabled partners out.
//   - ClaimDeliveries never hands a row to two callers within a lease, even
//     to concurrent callers, and hands it out again once the lease ends.
//   - Empty results are empty slices, not nil.
func RunPartners(t *testing.T, newStore func(t *testing.T) indicators.PartnerStore) {
	t.Helper()
	runSuite(t, newStore, []subtest[indicators.PartnerStore]{
		{"CreateGet", testPartnerCreateGet},
		{"CreateInvalid", testPartnerCreateInvalid},
		{"ForBIN", testPartnersForBIN},
		{"EnqueueDedupe", testEnqueueDedupe},
		{"EnqueueAtomic", testEnqueueAtomic},
		{"ClaimLease", testClaimLease},
		{"FinishRetryAndGiveUp", testFinishRetry},
		{"FinishStale", testFinishStale},
		{"ClaimConcurrent", testClaimConcurrent},
		{"ListPaging", testDeliveryListPaging},
		{"Acks", testAcks},
		{"ContextCancelled", testPartnerContextCancelled},
	})
}

// NewPartner returns a valid partner "bank-i" (id "ptn-i") subscribed to
// BIN 970436 (Vietcombank), created i minutes after Epoch.
func NewPartner(i int) indicators.Partner {
	return indicators.Partner{
		ID:        fmt.Sprintf("ptn-%03d", i),
		Name:      fmt.Sprintf("bank-%03d", i),
		BINs:      []string{"970436"},
		URL:       fmt.Sprintf("https://bank%d.example/hooks/scamcheck", i),
		Secret:    fmt.Sprintf("whsec_test_secret_%06d", i),
		CreatedAt: Epoch.Add(time.Duration(i) * time.Minute),
	}
}

// NewDelivery returns a valid pending account.reported row for partner,
// with id "dlv-<i>" (ids sort in the order of i), due at Epoch plus i
// seconds.
func NewDelivery(i int, partnerID string) indicators.Delivery {
	return indicators.Delivery{
		ID:        fmt.Sprintf("dlv-%06d", i),
		PartnerID: partnerID,
		Event:     indicators.EventAccountReported,
		Key:       BankKey(i),
		Payload:   json.RawMessage(fmt.Sprintf(`{"event":"account.reported","n":%d}`, i)),
		State:     indicators.DeliveryPending,
		CreatedAt: Epoch.Add(time.Duration(i) * time.Second),
	}
}

func mustEnqueue(t *testing.T, s indicators.PartnerStore, ds ...indicators.Delivery) int {
	t.Helper()
	n, err := s.EnqueueDeliveries(t.Context(), ds)
	if err != nil {
		t.Fatalf("EnqueueDeliveries(%d rows): %v", len(ds), err)
	}
	return n
}

func mustClaim(t *testing.T, s indicators.PartnerStore, now time.Time, lease time.Duration, limit int) []indicators.Delivery {
	t.Helper()
	got, err := s.ClaimDeliveries(t.Context(), now, lease, limit)
	if err != nil {
		t.Fatalf("ClaimDeliveries(%v): %v", now, err)
	}
	if got == nil {
		t.Errorf("ClaimDeliveries: nil, want a slice")
	}
	return got
}

func deliveryIDs(ds []indicators.Delivery) []string {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

func testPartnerCreateGet(t *testing.T, s indicators.PartnerStore) {
	ctx := t.Context()
	p := NewPartner(1)
	if err := s.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{p.ID, p.Name} {
		got, err := s.GetPartner(ctx, ref)
		if err != nil {
			t.Fatalf("GetPartner(%q): %v", ref, err)
		}
		if got.Secret != p.Secret {
			t.Errorf("GetPartner(%q).Secret = %q, want the secret it was created with", ref, got.Secret)
		}
		got.CreatedAt = got.CreatedAt.UTC()
		sameJSON(t, "GetPartner "+ref, got, p)
	}
	_, err := s.GetPartner(ctx, "nobody")
	wantErr(t, "GetPartner(missing)", err, indicators.ErrNotFound)

	dupID := NewPartner(2)
	dupID.ID = p.ID
	wantErr(t, "CreatePartner(same id)", s.CreatePartner(ctx, dupID), indicators.ErrConflict)
	dupName := NewPartner(3)
	dupName.Name = p.Name
	wantErr(t, "CreatePartner(same name)", s.CreatePartner(ctx, dupName), indicators.ErrConflict)

	// The secret never shows in the partner's own JSON.
	b, err := json.Marshal(p)
	if err != nil || strings.Contains(string(b), p.Secret) {
		t.Errorf("Partner JSON %s shows the secret (err %v)", b, err)
	}
}

func testPartnerCreateInvalid(t *testing.T, s indicators.PartnerStore) {
	for name, mod := range map[string]func(*indicators.Partner){
		"no id":        func(p *indicators.Partner) { p.ID = "" },
		"no name":      func(p *indicators.Partner) { p.Name = " " },
		"no bins":      func(p *indicators.Partner) { p.BINs = nil },
		"bad bin":      func(p *indicators.Partner) { p.BINs = []string{"97043"} },
		"short secret": func(p *indicators.Partner) { p.Secret = "short" },
		"ftp url":      func(p *indicators.Partner) { p.URL = "ftp://bank.example/" },
		"relative url": func(p *indicators.Partner) { p.URL = "/hooks" },
	} {
		p := NewPartner(1)
		mod(&p)
		wantErr(t, "CreatePartner("+name+")", s.CreatePartner(t.Context(), p), indicators.ErrInvalidInput)
	}
	all, err := s.ListPartners(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if all == nil || len(all) != 0 {
		t.Errorf("ListPartners after refusals = %v, want []", all)
	}
}

func testPartnersForBIN(t *testing.T, s indicators.PartnerStore) {
	ctx := t.Context()
	a, b, c := NewPartner(3), NewPartner(1), NewPartner(2)
	b.BINs = []string{"970415", "970436"}
	c.Disabled = true
	a.BINs = []string{"970415"}
	for _, p := range []indicators.Partner{a, b, c} {
		if err := s.CreatePartner(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		bin  string
		want []string
	}{
		{"970436", []string{b.ID}}, // c is disabled
		{"970415", []string{b.ID, a.ID}},
		{"970418", []string{}},
	} {
		got, err := s.PartnersForBIN(ctx, tc.bin)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, p := range got {
			ids = append(ids, p.ID)
		}
		if !slices.Equal(ids, tc.want) || got == nil {
			t.Errorf("PartnersForBIN(%s) = %v, want %v", tc.bin, ids, tc.want)
		}
	}
	all, err := s.ListPartners(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ids := func() []string {
		var out []string
		for _, p := range all {
			out = append(out, p.ID)
		}
		return out
	}(); !slices.Equal(ids, []string{b.ID, c.ID, a.ID}) {
		t.Errorf("ListPartners = %v, want by creation", ids)
	}
}

func testEnqueueDedupe(t *testing.T, s indicators.PartnerStore) {
	d1, d2 := NewDelivery(1, "ptn-001"), NewDelivery(2, "ptn-001")
	if n := mustEnqueue(t, s, d1, d2, d1); n != 2 {
		t.Errorf("first enqueue added %d, want 2", n)
	}
	// The same event again (a retried request) adds nothing, even once the
	// first copy has been claimed and changed.
	mustClaim(t, s, Epoch.Add(time.Hour), time.Minute, 1)
	changed := d1
	changed.Payload = json.RawMessage(`{"other":true}`)
	if n := mustEnqueue(t, s, changed, d2); n != 0 {
		t.Errorf("repeat enqueue added %d, want 0", n)
	}
	got, err := s.GetDelivery(t.Context(), d1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Payload) != string(d1.Payload) || got.Attempts != 1 {
		t.Errorf("after repeat: payload %s attempts %d, want the first payload and 1 attempt", got.Payload, got.Attempts)
	}
	if !got.NextAttemptAt.After(got.CreatedAt) {
		t.Errorf("claimed row NextAttemptAt %v not after creation %v (lease)", got.NextAttemptAt, got.CreatedAt)
	}
	_, err = s.GetDelivery(t.Context(), "dlv-missing")
	wantErr(t, "GetDelivery(missing)", err, indicators.ErrNotFound)
}

func testEnqueueAtomic(t *testing.T, s indicators.PartnerStore) {
	bad := NewDelivery(2, "ptn-001")
	bad.Event = "account.frozen"
	_, err := s.EnqueueDeliveries(t.Context(), []indicators.Delivery{NewDelivery(1, "ptn-001"), bad})
	wantErr(t, "EnqueueDeliveries(one invalid)", err, indicators.ErrInvalidInput)
	page, err := s.ListDeliveries(t.Context(), indicators.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Deliveries == nil || len(page.Deliveries) != 0 {
		t.Errorf("after a refused batch the outbox holds %v, want []", deliveryIDs(page.Deliveries))
	}
	claimed := NewDelivery(3, "ptn-001")
	claimed.Attempts = 1
	_, err = s.EnqueueDeliveries(t.Context(), []indicators.Delivery{claimed})
	wantErr(t, "EnqueueDeliveries(attempts set)", err, indicators.ErrInvalidInput)
}

func testClaimLease(t *testing.T, s indicators.PartnerStore) {
	later := NewDelivery(9, "ptn-001")
	later.NextAttemptAt = Epoch.Add(time.Hour)
	mustEnqueue(t, s, NewDelivery(1, "ptn-001"), NewDelivery(2, "ptn-002"), NewDelivery(3, "ptn-001"), later)
	t0 := Epoch.Add(time.Minute)
	lease := 30 * time.Second

	got := mustClaim(t, s, t0, lease, 2)
	if ids := deliveryIDs(got); !slices.Equal(ids, []string{"dlv-000001", "dlv-000002"}) {
		t.Fatalf("first claim = %v, want the two oldest due", ids)
	}
	for _, d := range got {
		if d.Attempts != 1 || !d.LastAttemptAt.Equal(t0) || !d.NextAttemptAt.Equal(t0.Add(lease)) {
			t.Errorf("claimed %s: attempts %d last %v next %v, want 1, %v, %v", d.ID, d.Attempts, d.LastAttemptAt, d.NextAttemptAt, t0, t0.Add(lease))
		}
		if d.State != indicators.DeliveryPending {
			t.Errorf("claimed %s in state %s, want pending", d.ID, d.State)
		}
	}
	if ids := deliveryIDs(mustClaim(t, s, t0, lease, 10)); !slices.Equal(ids, []string{"dlv-000003"}) {
		t.Errorf("second claim = %v, want only the unleased due row", ids)
	}
	if ids := deliveryIDs(mustClaim(t, s, t0.Add(lease-time.Second), lease, 10)); len(ids) != 0 {
		t.Errorf("claim within the lease = %v, want none", ids)
	}
	// The lease ran out (the worker died): the rows come back, one attempt more.
	again := mustClaim(t, s, t0.Add(lease+time.Second), lease, 10)
	if ids := deliveryIDs(again); !slices.Equal(ids, []string{"dlv-000001", "dlv-000002", "dlv-000003"}) {
		t.Fatalf("claim after the lease = %v, want the three rows", ids)
	}
	if again[0].Attempts != 2 {
		t.Errorf("reclaimed row attempts = %d, want 2", again[0].Attempts)
	}
	if ids := deliveryIDs(mustClaim(t, s, Epoch.Add(2*time.Hour), lease, 10)); !slices.Contains(ids, later.ID) {
		t.Errorf("claim once due = %v, want %s among them", ids, later.ID)
	}
}

func testFinishRetry(t *testing.T, s indicators.PartnerStore) {
	ctx := t.Context()
	mustEnqueue(t, s, NewDelivery(1, "ptn-001"))
	t0 := Epoch.Add(time.Minute)
	d := mustClaim(t, s, t0, time.Minute, 1)[0]
	retry := t0.Add(2 * time.Second)
	got, err := s.FinishDelivery(ctx, d.ID, indicators.Attempt{Claim: d.Attempts, At: t0, Status: 500, Error: "HTTP 500", Retry: retry})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != indicators.DeliveryPending || got.LastStatus != 500 || got.LastError != "HTTP 500" || !got.NextAttemptAt.Equal(retry) {
		t.Errorf("after a failure: %+v, want pending, 500, due at %v", got, retry)
	}
	if n := len(mustClaim(t, s, retry.Add(-time.Millisecond), time.Minute, 1)); n != 0 {
		t.Errorf("claimed %d before the retry time, want 0", n)
	}
	d = mustClaim(t, s, retry, time.Minute, 1)[0]
	got, err = s.FinishDelivery(ctx, d.ID, indicators.Attempt{Claim: d.Attempts, At: retry, Error: "connection refused"})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != indicators.DeliveryFailed || got.Attempts != 2 || got.LastError != "connection refused" {
		t.Errorf("after giving up: %+v, want failed after 2 attempts", got)
	}
	if n := len(mustClaim(t, s, retry.Add(time.Hour), time.Minute, 10)); n != 0 {
		t.Errorf("a failed row was claimed again (%d)", n)
	}
	_, err = s.FinishDelivery(ctx, "dlv-missing", indicators.Attempt{Delivered: true, At: t0})
	wantErr(t, "FinishDelivery(missing)", err, indicators.ErrNotFound)
}

func testFinishStale(t *testing.T, s indicators.PartnerStore) {
	ctx := t.Context()
	mustEnqueue(t, s, NewDelivery(1, "ptn-001"))
	t0 := Epoch.Add(time.Minute)
	first := mustClaim(t, s, t0, time.Second, 1)[0]
	second := mustClaim(t, s, t0.Add(2*time.Second), time.Minute, 1)[0] // the first lease ran out
	// The first worker's failure comes late: it must not reschedule the
	// row the second worker holds.
	got, err := s.FinishDelivery(ctx, first.ID, indicators.Attempt{Claim: first.Attempts, At: t0, Status: 502, Retry: t0.Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if got.LastStatus == 502 || !got.NextAttemptAt.Equal(second.NextAttemptAt) {
		t.Errorf("a stale failure changed the row: %+v", got)
	}
	// The second worker succeeds.
	at := t0.Add(3 * time.Second)
	got, err = s.FinishDelivery(ctx, second.ID, indicators.Attempt{Claim: second.Attempts, At: at, Status: 204, Delivered: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != indicators.DeliveryDelivered || !got.DeliveredAt.Equal(at) || got.LastStatus != 204 {
		t.Errorf("after success: %+v, want delivered at %v", got, at)
	}
	// A later success report (the first worker's request did land too)
	// keeps the first delivery time; a late failure changes nothing.
	again, err := s.FinishDelivery(ctx, first.ID, indicators.Attempt{Claim: first.Attempts, At: at.Add(time.Minute), Status: 200, Delivered: true})
	if err != nil {
		t.Fatal(err)
	}
	if !again.DeliveredAt.Equal(at) {
		t.Errorf("second success moved DeliveredAt to %v", again.DeliveredAt)
	}
	again, err = s.FinishDelivery(ctx, first.ID, indicators.Attempt{Claim: 2, At: at.Add(time.Minute), Status: 500})
	if err != nil {
		t.Fatal(err)
	}
	if again.State != indicators.DeliveryDelivered {
		t.Errorf("a failure after delivery changed the state to %s", again.State)
	}
	if n := len(mustClaim(t, s, at.Add(time.Hour), time.Minute, 10)); n != 0 {
		t.Errorf("a delivered row was claimed again")
	}
}

func testClaimConcurrent(t *testing.T, s indicators.PartnerStore) {
	const rows, workers = 60, 6
	var ds []indicators.Delivery
	for i := range rows {
		ds = append(ds, NewDelivery(i, "ptn-001"))
	}
	mustEnqueue(t, s, ds...)
	now := Epoch.Add(time.Hour)
	var mu sync.Mutex // guards seen
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				got, err := s.ClaimDeliveries(t.Context(), now, time.Hour, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != rows {
		t.Errorf("%d rows claimed, want %d", len(seen), rows)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("row %s claimed %d times within one lease", id, n)
		}
	}
}

func testDeliveryListPaging(t *testing.T, s indicators.PartnerStore) {
	var ds []indicators.Delivery
	var want1 []string
	for i := range 25 {
		p := "ptn-001"
		if i%5 == 0 {
			p = "ptn-002"
		} else {
			want1 = append(want1, NewDelivery(i, p).ID)
		}
		ds = append(ds, NewDelivery(i, p))
	}
	mustEnqueue(t, s, ds...)
	for _, tc := range []struct {
		partner string
		limit   int
		want    int
	}{{"ptn-001", 7, 20}, {"ptn-002", 2, 5}, {"", 10, 25}, {"ptn-none", 3, 0}} {
		var ids []string
		f := indicators.DeliveryFilter{PartnerID: tc.partner, Limit: tc.limit}
		for pages := 0; ; pages++ {
			if pages > 100 {
				t.Fatal("cursor loop")
			}
			page, err := s.ListDeliveries(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			if page.Deliveries == nil {
				t.Errorf("ListDeliveries(%+v): nil, want []", f)
			}
			for _, d := range page.Deliveries {
				if tc.partner != "" && d.PartnerID != tc.partner {
					t.Errorf("ListDeliveries(%s) returned a row of %s", tc.partner, d.PartnerID)
				}
				ids = append(ids, d.ID)
			}
			if page.Next == "" {
				break
			}
			if len(page.Deliveries) != tc.limit {
				t.Errorf("a page before the last has %d rows, want %d", len(page.Deliveries), tc.limit)
			}
			f.Cursor = page.Next
		}
		if len(ids) != tc.want || !slices.IsSorted(ids) {
			t.Errorf("ListDeliveries(%q) = %d ids %v, want %d in order", tc.partner, len(ids), ids, tc.want)
		}
		if tc.partner == "ptn-001" && !slices.Equal(ids, want1) {
			t.Errorf("ListDeliveries(ptn-001) = %v, want %v", ids, want1)
		}
	}
}

func testAcks(t *testing.T, s indicators.PartnerStore) {
	ctx := t.Context()
	d1, d2 := NewDelivery(1, "ptn-001"), NewDelivery(2, "ptn-002")
	d2.Key = d1.Key // two partners told about the same account
	mustEnqueue(t, s, d1, d2)
	a1 := indicators.FreezeAck{DeliveryID: d1.ID, PartnerID: d1.PartnerID, Key: d1.Key, Frozen: true,
		Reference: "VCB-2025-0001", Actor: "bank-001", At: Epoch.Add(time.Hour)}
	got, created, err := s.RecordAck(ctx, a1)
	if err != nil || !created {
		t.Fatalf("RecordAck = %v, %v, want created", created, err)
	}
	sameJSON(t, "RecordAck", got, a1)
	repeat := a1
	repeat.Reference, repeat.At = "changed", Epoch.Add(2*time.Hour)
	got, created, err = s.RecordAck(ctx, repeat)
	if err != nil || created {
		t.Fatalf("repeat RecordAck = %v, %v, want not created", created, err)
	}
	sameJSON(t, "repeat RecordAck returns the first", got, a1)
	a2 := indicators.FreezeAck{DeliveryID: d2.ID, PartnerID: d2.PartnerID, Key: d2.Key, Actor: "bank-002", At: Epoch.Add(30 * time.Minute)}
	if _, _, err := s.RecordAck(ctx, a2); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.RecordAck(ctx, indicators.FreezeAck{DeliveryID: "dlv-missing", PartnerID: "p", Key: d1.Key, Actor: "x", At: Epoch})
	wantErr(t, "RecordAck(missing delivery)", err, indicators.ErrNotFound)
	_, _, err = s.RecordAck(ctx, indicators.FreezeAck{DeliveryID: d1.ID, PartnerID: "p", Key: d1.Key, Actor: "", At: Epoch})
	wantErr(t, "RecordAck(no actor)", err, indicators.ErrInvalidInput)

	acks, err := s.ListAcks(ctx, d1.Key)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "ListAcks", acks, []indicators.FreezeAck{a2, a1})
	none, err := s.ListAcks(ctx, BankKey(99))
	if err != nil {
		t.Fatal(err)
	}
	if none == nil || len(none) != 0 {
		t.Errorf("ListAcks(no acks) = %v, want []", none)
	}
}

func testPartnerContextCancelled(t *testing.T, s indicators.PartnerStore) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	wantErr(t, "CreatePartner", s.CreatePartner(ctx, NewPartner(1)), context.Canceled)
	_, err := s.EnqueueDeliveries(ctx, []indicators.Delivery{NewDelivery(1, "p")})
	wantErr(t, "EnqueueDeliveries", err, context.Canceled)
	_, err = s.ClaimDeliveries(ctx, Epoch, time.Minute, 1)
	wantErr(t, "ClaimDeliveries", err, context.Canceled)
	_, err = s.FinishDelivery(ctx, "dlv-000001", indicators.Attempt{Delivered: true, At: Epoch})
	wantErr(t, "FinishDelivery", err, context.Canceled)
	_, err = s.ListDeliveries(ctx, indicators.DeliveryFilter{})
	wantErr(t, "ListDeliveries", err, context.Canceled)
	_, _, err = s.RecordAck(ctx, indicators.FreezeAck{DeliveryID: "d", PartnerID: "p", Key: BankKey(1), Actor: "a", At: Epoch})
	wantErr(t, "RecordAck", err, context.Canceled)
	page, err := s.ListDeliveries(t.Context(), indicators.DeliveryFilter{})
	if err != nil || len(page.Deliveries) != 0 {
		t.Errorf("after cancelled calls the outbox holds %d rows (err %v), want 0", len(page.Deliveries), err)
	}
}
