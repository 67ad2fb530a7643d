package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// Links and disputes. A backend that keeps reports implements the link
// index too, and a dispute store:
//
//	func TestLinks(t *testing.T) {
//		storetest.RunLinks(t, func(t *testing.T) storetest.LinkStore { return open(t) })
//	}
//	func TestDisputes(t *testing.T) {
//		storetest.RunDisputes(t, func(t *testing.T) indicators.DisputeStore { return open(t) })
//	}
//
// Choices the suite pins down:
//
//   - CreateReport writes the link index with the report, atomically: a
//     refused report (invalid, duplicate id, cancelled) adds no link.
//     ReportsNaming gives the last limit ids in id order, and an empty
//     slice, not nil, for an unknown key or limit <= 0.
//   - CreateDispute sets HasContact and the contact's DisputeID; a dispute
//     without evidence gives ErrInvalidInput with CodeMissingEvidence and
//     stores nothing. UpdateDispute refuses a changed ID or Key and an
//     accept without a reason. Disputed is true while at least one dispute
//     of the key is open.

// LinkStore is a report store with its link index.
type LinkStore interface {
	indicators.ReportStore
	indicators.LinkIndex
}

// RunLinks runs the conformance suite of indicators.LinkIndex.
func RunLinks(t *testing.T, newStore func(t *testing.T) LinkStore) {
	t.Helper()
	runSuite(t, newStore, []subtest[LinkStore]{
		{"IndexWrittenWithReport", testLinksIndex},
		{"Limit", testLinksLimit},
		{"RefusedReportAddsNoLink", testLinksRefused},
		{"GetReports", testLinksGetReports},
		{"Counts", testLinksCounts},
	})
}

// RunDisputes runs the conformance suite of indicators.DisputeStore.
func RunDisputes(t *testing.T, newStore func(t *testing.T) indicators.DisputeStore) {
	t.Helper()
	runSuite(t, newStore, []subtest[indicators.DisputeStore]{
		{"CreateGet", testDisputeCreateGet},
		{"CreateInvalid", testDisputeCreateInvalid},
		{"CreateDuplicate", testDisputeCreateDuplicate},
		{"Resolve", testDisputeResolve},
		{"ResolveTwice", testDisputeResolveTwice},
		{"UpdateInvalid", testDisputeUpdateInvalid},
		{"UpdateMissing", testDisputeUpdateMissing},
		{"ListPagingAndStatus", testDisputeList},
		{"PurgeContacts", testDisputePurgeContacts},
		{"ContextCancelled", testDisputeContextCancelled},
	})
}

// --- links -------------------------------------------------------------------

// linkedReport returns report i naming keys.
func linkedReport(i int, keys ...indicators.Key) indicators.Report {
	r := NewReport(i)
	r.Keys = keys
	return r
}

func mustNaming(t *testing.T, s LinkStore, k indicators.Key, limit int) []string {
	t.Helper()
	ids, err := s.ReportsNaming(t.Context(), k, limit)
	if err != nil {
		t.Fatalf("ReportsNaming(%s, %d): %v", k, limit, err)
	}
	if ids == nil {
		t.Errorf("ReportsNaming(%s, %d) = nil, want a slice", k, limit)
	}
	return ids
}

func testLinksIndex(t *testing.T, s LinkStore) {
	acct, p1, p2, p3 := BankKey(1), PhoneKey(1), PhoneKey(2), PhoneKey(3)
	mustCreateReport(t, s, linkedReport(1, acct, p1), nil)
	c := contactFor(2)
	mustCreateReport(t, s, linkedReport(2, p2, acct, p3), &c)
	mustCreateReport(t, s, linkedReport(3, p1), nil)
	tests := []struct {
		key  indicators.Key
		want []string
	}{
		{acct, []string{ReportID(1), ReportID(2)}},
		{p1, []string{ReportID(1), ReportID(3)}},
		{p2, []string{ReportID(2)}},
		{p3, []string{ReportID(2)}},
		{PhoneKey(9), []string{}},
	}
	for _, tc := range tests {
		sameJSON(t, "ReportsNaming("+string(tc.key)+")", mustNaming(t, s, tc.key, 10), tc.want)
	}
}

func testLinksLimit(t *testing.T, s LinkStore) {
	k := DomainKey(7)
	// Created out of id order: the index orders by id, not by arrival.
	for _, i := range []int{5, 1, 4, 2, 3} {
		mustCreateReport(t, s, linkedReport(i, k), nil)
	}
	tests := []struct {
		limit int
		want  []string
	}{
		{0, []string{}},
		{-1, []string{}},
		{2, []string{ReportID(4), ReportID(5)}},
		{5, []string{ReportID(1), ReportID(2), ReportID(3), ReportID(4), ReportID(5)}},
		{50, []string{ReportID(1), ReportID(2), ReportID(3), ReportID(4), ReportID(5)}},
	}
	for _, tc := range tests {
		sameJSON(t, fmt.Sprintf("ReportsNaming(limit %d)", tc.limit), mustNaming(t, s, k, tc.limit), tc.want)
	}
}

func testLinksRefused(t *testing.T, s LinkStore) {
	acct, phone := BankKey(1), PhoneKey(1)
	mustCreateReport(t, s, linkedReport(1, acct), nil)
	// Same id, another key: a conflict, and no link to the phone.
	err := s.CreateReport(t.Context(), linkedReport(1, acct, phone), nil)
	wantErr(t, "CreateReport of an existing id", err, indicators.ErrConflict)
	// Invalid: no link either.
	bad := linkedReport(2, phone)
	bad.Channel = "pigeon"
	wantErr(t, "CreateReport of an invalid report", s.CreateReport(t.Context(), bad, nil), indicators.ErrInvalidInput)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	wantErr(t, "CreateReport with a cancelled context", s.CreateReport(ctx, linkedReport(3, phone), nil), context.Canceled)
	sameJSON(t, "ReportsNaming(phone)", mustNaming(t, s, phone, 10), []string{})
	sameJSON(t, "ReportsNaming(account)", mustNaming(t, s, acct, 10), []string{ReportID(1)})
}

func testLinksGetReports(t *testing.T, s LinkStore) {
	for i := 1; i <= 3; i++ {
		mustCreateReport(t, s, linkedReport(i, PhoneKey(i)), nil)
	}
	got, err := s.GetReports(t.Context(), []string{ReportID(3), "r-missing", ReportID(1)})
	if err != nil {
		t.Fatalf("GetReports: %v", err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
		if !slices.Equal(r.Keys, []indicators.Key{PhoneKey(map[string]int{ReportID(1): 1, ReportID(3): 3}[r.ID])}) {
			t.Errorf("GetReports: report %s names %v", r.ID, r.Keys)
		}
	}
	sameJSON(t, "GetReports ids", ids, []string{ReportID(3), ReportID(1)})
	empty, err := s.GetReports(t.Context(), nil)
	if err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("GetReports(nil) = %v, %v; want an empty slice", empty, err)
	}
}

// linkRecords holds fixed records: the indicator side of Links.
type linkRecords map[indicators.Key]*indicators.Record

func (m linkRecords) Get(_ context.Context, keys []indicators.Key) ([]*indicators.Record, error) {
	out := make([]*indicators.Record, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out, nil
}

// testLinksCounts runs indicators.Links over the store: an account that
// shares a report with 3 phone numbers and a link is linked to 3 phones
// and 1 URL; delisted, trusted and unrecorded keys do not count, nor do
// rejected reports or reports naming the account alone.
func testLinksCounts(t *testing.T, s LinkStore) {
	acct := BankKey(1)
	now := Epoch.Add(time.Hour)
	recs := linkRecords{}
	rec := func(k indicators.Key, st indicators.Status) {
		r := indicators.NewRecord(k, "citizen:web", Epoch)
		r.Status = st
		recs[k] = &r
	}
	rec(acct, indicators.StatusReported)
	rec(PhoneKey(1), indicators.StatusReported)
	rec(PhoneKey(2), indicators.StatusConfirmed)
	rec(PhoneKey(3), indicators.StatusReported)
	rec(URLKey(1), indicators.StatusReported)
	rec(DomainKey(1), indicators.StatusDelisted)
	rec(DomainKey(2), indicators.StatusTrusted)
	rec(PhoneKey(8), indicators.StatusReported)
	mustCreateReport(t, s, linkedReport(1, acct, PhoneKey(1), PhoneKey(2)), nil)
	mustCreateReport(t, s, linkedReport(2, PhoneKey(3), acct, URLKey(1), PhoneKey(1)), nil)
	mustCreateReport(t, s, linkedReport(3, acct), nil)                             // alone
	mustCreateReport(t, s, linkedReport(4, acct, DomainKey(1), DomainKey(2)), nil) // nothing listed with it
	mustCreateReport(t, s, linkedReport(5, acct, PhoneKey(9)), nil)                // no record
	rejected := linkedReport(6, acct, PhoneKey(8))
	rejected.Status = indicators.ReportRejected
	mustCreateReport(t, s, rejected, nil)

	links := indicators.NewLinks(s, recs, func() time.Time { return now })
	got, err := links.Linked(t.Context(), acct)
	if err != nil {
		t.Fatalf("Linked: %v", err)
	}
	sameJSON(t, "Linked(account)", got, &indicators.Linked{Reports: 2, Phones: 3, URLs: 1})

	// The other way round: a phone with no record of its own is still
	// linked to the listed account.
	got, err = links.Linked(t.Context(), PhoneKey(9))
	if err != nil {
		t.Fatalf("Linked: %v", err)
	}
	sameJSON(t, "Linked(phone 9)", got, &indicators.Linked{Reports: 1, BankAccounts: 1})
	for _, k := range []indicators.Key{PhoneKey(8), PhoneKey(50)} { // only in a rejected report; in none
		if got, err := links.Linked(t.Context(), k); err != nil || got != nil {
			t.Errorf("Linked(%s) = %+v, %v; want nil", k, got, err)
		}
	}

	g, err := links.Graph(t.Context(), acct)
	if err != nil {
		t.Fatalf("Graph: %v", err)
	}
	if len(g.Reports) != 6 || g.Reports[5].Status != indicators.ReportRejected {
		t.Errorf("Graph: %d reports (%+v), want all 6, the rejected one with its status", len(g.Reports), g.Reports)
	}
	byKey := map[indicators.Key]indicators.LinkedKey{}
	for _, lk := range g.Linked {
		byKey[lk.Key] = lk
	}
	wantKeys := map[indicators.Key]indicators.LinkedKey{
		PhoneKey(1):  {Key: PhoneKey(1), Status: indicators.StatusReported, Reports: 2},
		PhoneKey(2):  {Key: PhoneKey(2), Status: indicators.StatusConfirmed, Reports: 1},
		PhoneKey(3):  {Key: PhoneKey(3), Status: indicators.StatusReported, Reports: 1},
		URLKey(1):    {Key: URLKey(1), Status: indicators.StatusReported, Reports: 1},
		DomainKey(1): {Key: DomainKey(1), Status: indicators.StatusDelisted, Reports: 1},
		DomainKey(2): {Key: DomainKey(2), Status: indicators.StatusTrusted, Reports: 1},
		PhoneKey(9):  {Key: PhoneKey(9), Reports: 1},
		PhoneKey(8):  {Key: PhoneKey(8), Status: indicators.StatusReported, Reports: 1},
	}
	sameJSON(t, "Graph linked keys", byKey, wantKeys)
}

// --- disputes ----------------------------------------------------------------

// DisputeID returns the i-th test dispute id; ids sort in the order of i.
func DisputeID(i int) string { return fmt.Sprintf("d-%06d", i) }

// NewDispute returns a valid open dispute with id DisputeID(i) about
// PhoneKey(i), created i minutes after Epoch.
func NewDispute(i int) indicators.Dispute {
	return indicators.Dispute{
		ID:        DisputeID(i),
		Key:       PhoneKey(i),
		Status:    indicators.DisputeOpen,
		Evidence:  fmt.Sprintf("Số này là của cửa hàng tôi từ 2019, hợp đồng số %d", i),
		CreatedAt: Epoch.Add(time.Duration(i) * time.Minute),
	}
}

func disputeContactFor(i int) indicators.DisputeContact {
	return indicators.DisputeContact{Name: fmt.Sprintf("Chủ Cửa Hàng %d", i), Phone: fmt.Sprintf("+8497%07d", 6000000+i),
		Email: fmt.Sprintf("owner%d@shop.example", i)}
}

func mustCreateDispute(t *testing.T, s indicators.DisputeStore, d indicators.Dispute, c *indicators.DisputeContact) {
	t.Helper()
	if err := s.CreateDispute(t.Context(), d, c); err != nil {
		t.Fatalf("CreateDispute(%s): %v", d.ID, err)
	}
}

func mustGetDispute(t *testing.T, s indicators.DisputeStore, id string) indicators.Dispute {
	t.Helper()
	d, err := s.GetDispute(t.Context(), id)
	if err != nil {
		t.Fatalf("GetDispute(%s): %v", id, err)
	}
	return d
}

func wantDisputed(t *testing.T, s indicators.DisputeStore, k indicators.Key, want bool) {
	t.Helper()
	got, err := s.Disputed(t.Context(), k)
	if err != nil {
		t.Fatalf("Disputed(%s): %v", k, err)
	}
	if got != want {
		t.Errorf("Disputed(%s) = %v, want %v", k, got, want)
	}
}

func testDisputeCreateGet(t *testing.T, s indicators.DisputeStore) {
	c := disputeContactFor(1)
	c.DisputeID = "ignored"
	d := NewDispute(1)
	mustCreateDispute(t, s, d, &c)
	want := d
	want.HasContact = true
	sameJSON(t, "GetDispute", mustGetDispute(t, s, d.ID), want)
	gotC, err := s.GetDisputeContact(t.Context(), d.ID)
	if err != nil {
		t.Fatalf("GetDisputeContact: %v", err)
	}
	wantC := c
	wantC.DisputeID, wantC.CreatedAt = d.ID, d.CreatedAt
	sameJSON(t, "GetDisputeContact", gotC, wantC)

	// No contact: HasContact false whatever the caller said, no contact.
	d2 := NewDispute(2)
	d2.HasContact = true
	mustCreateDispute(t, s, d2, &indicators.DisputeContact{Name: "  "})
	if got := mustGetDispute(t, s, d2.ID); got.HasContact {
		t.Errorf("dispute with an empty contact has HasContact")
	}
	_, err = s.GetDisputeContact(t.Context(), d2.ID)
	wantErr(t, "GetDisputeContact of a dispute without one", err, indicators.ErrNotFound)
	_, err = s.GetDispute(t.Context(), DisputeID(99))
	wantErr(t, "GetDispute(missing)", err, indicators.ErrNotFound)
	wantDisputed(t, s, d.Key, true)
	wantDisputed(t, s, PhoneKey(99), false)
}

func testDisputeCreateInvalid(t *testing.T, s indicators.DisputeStore) {
	tests := []struct {
		name string
		mod  func(*indicators.Dispute)
		code string
	}{
		{"no evidence", func(d *indicators.Dispute) { d.Evidence = "" }, indicators.CodeMissingEvidence},
		{"blank evidence", func(d *indicators.Dispute) { d.Evidence = " \n\t " }, indicators.CodeMissingEvidence},
		{"no id", func(d *indicators.Dispute) { d.ID = "" }, indicators.CodeInvalidDispute},
		{"bad status", func(d *indicators.Dispute) { d.Status = "maybe" }, indicators.CodeInvalidDispute},
		{"long evidence", func(d *indicators.Dispute) { d.Evidence = string(make([]byte, indicators.MaxEvidenceLength+1)) + "x" }, indicators.CodeInvalidDispute},
		{"accepted without reason", func(d *indicators.Dispute) { d.Status = indicators.DisputeAccepted }, indicators.CodeInvalidDispute},
		{"bad key", func(d *indicators.Dispute) { d.Key = "phone:" }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDispute(1)
			tc.mod(&d)
			c := disputeContactFor(1)
			err := s.CreateDispute(t.Context(), d, &c)
			wantErr(t, "CreateDispute", err, indicators.ErrInvalidInput)
			var ie *indicators.InputError
			if tc.code != "" && (!errors.As(err, &ie) || ie.Code != tc.code) {
				t.Errorf("CreateDispute: err = %v, want code %s", err, tc.code)
			}
		})
	}
	page, err := s.ListDisputes(t.Context(), indicators.DisputeFilter{})
	if err != nil || len(page.Disputes) != 0 {
		t.Errorf("after refused creates: ListDisputes = %+v, %v; want none", page, err)
	}
	wantDisputed(t, s, PhoneKey(1), false)
	_, err = s.GetDisputeContact(t.Context(), DisputeID(1))
	wantErr(t, "contact of a refused dispute", err, indicators.ErrNotFound)
}

func testDisputeCreateDuplicate(t *testing.T, s indicators.DisputeStore) {
	d := NewDispute(1)
	mustCreateDispute(t, s, d, nil)
	again := NewDispute(1)
	again.Key, again.Evidence = PhoneKey(2), "another"
	c := disputeContactFor(1)
	wantErr(t, "CreateDispute of an existing id", s.CreateDispute(t.Context(), again, &c), indicators.ErrConflict)
	got := mustGetDispute(t, s, d.ID)
	if got.Key != d.Key || got.Evidence != d.Evidence || got.HasContact {
		t.Errorf("a refused duplicate changed the dispute: %+v", got)
	}
	wantDisputed(t, s, PhoneKey(2), false)
}

func testDisputeResolve(t *testing.T, s indicators.DisputeStore) {
	// Two open disputes on one key: it stays disputed until both are
	// resolved.
	a, b := NewDispute(1), NewDispute(2)
	b.Key = a.Key
	mustCreateDispute(t, s, a, nil)
	mustCreateDispute(t, s, b, nil)
	at := Epoch.Add(time.Hour)
	got, err := s.UpdateDispute(t.Context(), a.ID, func(d *indicators.Dispute) error {
		return d.Resolve(indicators.DisputeUpheld, "officer-1", "evidence is a forgery", at)
	})
	if err != nil {
		t.Fatalf("uphold: %v", err)
	}
	if got.Status != indicators.DisputeUpheld || got.ResolvedBy != "officer-1" || !got.ResolvedAt.Equal(at) {
		t.Errorf("upheld dispute = %+v", got)
	}
	sameJSON(t, "GetDispute after uphold", mustGetDispute(t, s, a.ID), got)
	wantDisputed(t, s, a.Key, true)
	if _, err := s.UpdateDispute(t.Context(), b.ID, func(d *indicators.Dispute) error {
		return d.Resolve(indicators.DisputeAccepted, "officer-2", "owner proved it", at)
	}); err != nil {
		t.Fatalf("accept: %v", err)
	}
	wantDisputed(t, s, a.Key, false)
	// Reopening (an update back to open) puts it back in the open index.
	if _, err := s.UpdateDispute(t.Context(), a.ID, func(d *indicators.Dispute) error {
		d.Status, d.ResolvedBy, d.ResolvedAt, d.Reason = indicators.DisputeOpen, "", time.Time{}, ""
		return nil
	}); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	wantDisputed(t, s, a.Key, true)
}

func testDisputeResolveTwice(t *testing.T, s indicators.DisputeStore) {
	d := NewDispute(1)
	mustCreateDispute(t, s, d, nil)
	resolve := func(to indicators.DisputeStatus, reason string) error {
		_, err := s.UpdateDispute(t.Context(), d.ID, func(d *indicators.Dispute) error {
			return d.Resolve(to, "officer", reason, Epoch.Add(time.Hour))
		})
		return err
	}
	if err := resolve(indicators.DisputeUpheld, ""); err != nil {
		t.Fatalf("uphold: %v", err)
	}
	before := mustGetDispute(t, s, d.ID)
	wantErr(t, "accept after uphold", resolve(indicators.DisputeAccepted, "changed my mind"), indicators.ErrConflict)
	wantErr(t, "uphold twice", resolve(indicators.DisputeUpheld, ""), indicators.ErrConflict)
	sameJSON(t, "dispute after refused resolutions", mustGetDispute(t, s, d.ID), before)
}

func testDisputeUpdateInvalid(t *testing.T, s indicators.DisputeStore) {
	d := NewDispute(1)
	c := disputeContactFor(1)
	mustCreateDispute(t, s, d, &c)
	before := mustGetDispute(t, s, d.ID)
	tests := []struct {
		name string
		fn   func(*indicators.Dispute) error
	}{
		{"change id", func(d *indicators.Dispute) error { d.ID = DisputeID(2); return nil }},
		{"change key", func(d *indicators.Dispute) error { d.Key = PhoneKey(2); return nil }},
		{"clear evidence", func(d *indicators.Dispute) error { d.Evidence = ""; return nil }},
		{"accept without reason", func(d *indicators.Dispute) error {
			return d.Resolve(indicators.DisputeAccepted, "officer", " ", Epoch)
		}},
		{"resolve to open", func(d *indicators.Dispute) error { return d.Resolve(indicators.DisputeOpen, "officer", "x", Epoch) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.UpdateDispute(t.Context(), d.ID, tc.fn)
			wantErr(t, "UpdateDispute", err, indicators.ErrInvalidInput)
		})
	}
	// An error of fn's own is returned as is.
	errOwn := errors.New("mine")
	_, err := s.UpdateDispute(t.Context(), d.ID, func(d *indicators.Dispute) error { d.Reason = "x"; return errOwn })
	if !errors.Is(err, errOwn) {
		t.Errorf("UpdateDispute with fn error: err = %v, want it as is", err)
	}
	// HasContact belongs to the store.
	if _, err := s.UpdateDispute(t.Context(), d.ID, func(d *indicators.Dispute) error { d.HasContact = false; return nil }); err != nil {
		t.Fatalf("UpdateDispute: %v", err)
	}
	sameJSON(t, "dispute after refused updates", mustGetDispute(t, s, d.ID), before)
	wantDisputed(t, s, d.Key, true)
	wantDisputed(t, s, PhoneKey(2), false)
}

func testDisputeUpdateMissing(t *testing.T, s indicators.DisputeStore) {
	called := false
	_, err := s.UpdateDispute(t.Context(), DisputeID(5), func(*indicators.Dispute) error { called = true; return nil })
	wantErr(t, "UpdateDispute(missing)", err, indicators.ErrNotFound)
	if called {
		t.Error("UpdateDispute called fn for a missing dispute")
	}
}

func testDisputeList(t *testing.T, s indicators.DisputeStore) {
	const n = 7
	for _, i := range []int{4, 1, 7, 2, 6, 3, 5} {
		mustCreateDispute(t, s, NewDispute(i), nil)
	}
	for _, i := range []int{2, 5} {
		if _, err := s.UpdateDispute(t.Context(), DisputeID(i), func(d *indicators.Dispute) error {
			return d.Resolve(indicators.DisputeUpheld, "officer", "", Epoch)
		}); err != nil {
			t.Fatal(err)
		}
	}
	walk := func(status indicators.DisputeStatus, limit int) []string {
		ids := []string{}
		f := indicators.DisputeFilter{Status: status, Limit: limit}
		for range n + 2 {
			page, err := s.ListDisputes(t.Context(), f)
			if err != nil {
				t.Fatalf("ListDisputes(%+v): %v", f, err)
			}
			if page.Disputes == nil {
				t.Errorf("ListDisputes(%+v): nil Disputes", f)
			}
			for _, d := range page.Disputes {
				if status != "" && d.Status != status {
					t.Errorf("ListDisputes(%s) gave %s in %s", status, d.ID, d.Status)
				}
				ids = append(ids, d.ID)
			}
			if page.Next == "" {
				return ids
			}
			f.Cursor = page.Next
		}
		t.Fatalf("ListDisputes(%+v): too many pages", f)
		return nil
	}
	var all, open []string
	for i := 1; i <= n; i++ {
		all = append(all, DisputeID(i))
		if i != 2 && i != 5 {
			open = append(open, DisputeID(i))
		}
	}
	for _, limit := range []int{1, 2, 3, 100} {
		sameJSON(t, fmt.Sprintf("all, limit %d", limit), walk("", limit), all)
		sameJSON(t, fmt.Sprintf("open, limit %d", limit), walk(indicators.DisputeOpen, limit), open)
		sameJSON(t, fmt.Sprintf("upheld, limit %d", limit), walk(indicators.DisputeUpheld, limit), []string{DisputeID(2), DisputeID(5)})
	}
	sameJSON(t, "accepted", walk(indicators.DisputeAccepted, 10), []string{})
	_, err := s.ListDisputes(t.Context(), indicators.DisputeFilter{Status: "closed"})
	wantErr(t, "ListDisputes(unknown status)", err, indicators.ErrInvalidInput)
}

func testDisputeContextCancelled(t *testing.T, s indicators.DisputeStore) {
	mustCreateDispute(t, s, NewDispute(1), nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ops := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"CreateDispute", func(ctx context.Context) error { return s.CreateDispute(ctx, NewDispute(2), nil) }},
		{"GetDispute", func(ctx context.Context) error { _, err := s.GetDispute(ctx, DisputeID(1)); return err }},
		{"GetDisputeContact", func(ctx context.Context) error { _, err := s.GetDisputeContact(ctx, DisputeID(1)); return err }},
		{"ListDisputes", func(ctx context.Context) error { _, err := s.ListDisputes(ctx, indicators.DisputeFilter{}); return err }},
		{"UpdateDispute", func(ctx context.Context) error {
			_, err := s.UpdateDispute(ctx, DisputeID(1), func(d *indicators.Dispute) error {
				return d.Resolve(indicators.DisputeUpheld, "officer", "", Epoch)
			})
			return err
		}},
		{"Disputed", func(ctx context.Context) error { _, err := s.Disputed(ctx, PhoneKey(1)); return err }},
		{"PurgeDisputeContacts", func(ctx context.Context) error {
			_, err := s.PurgeDisputeContacts(ctx, Epoch.Add(time.Hour))
			return err
		}},
	}
	for _, tc := range ops {
		wantErr(t, tc.name+" with a cancelled context", tc.op(ctx), context.Canceled)
	}
	if _, err := s.GetDispute(t.Context(), DisputeID(2)); !errors.Is(err, indicators.ErrNotFound) {
		t.Errorf("a cancelled CreateDispute stored the dispute (err = %v)", err)
	}
	if d := mustGetDispute(t, s, DisputeID(1)); d.Status != indicators.DisputeOpen {
		t.Errorf("a cancelled UpdateDispute wrote status %s", d.Status)
	}
}

func testDisputePurgeContacts(t *testing.T, s indicators.DisputeStore) {
	// Contacts of disputes 1..4, created i minutes after Epoch (as the
	// disputes); dispute 5 has none.
	for i := 1; i <= 5; i++ {
		var c *indicators.DisputeContact
		if i < 5 {
			cc := disputeContactFor(i)
			c = &cc
		}
		mustCreateDispute(t, s, NewDispute(i), c)
	}
	cutoff := Epoch.Add(3 * time.Minute) // strictly before: 1 and 2
	n, err := s.PurgeDisputeContacts(t.Context(), cutoff)
	if err != nil || n != 2 {
		t.Fatalf("PurgeDisputeContacts = %d, %v; want 2", n, err)
	}
	for i := 1; i <= 4; i++ {
		_, err := s.GetDisputeContact(t.Context(), DisputeID(i))
		if gone := errors.Is(err, indicators.ErrNotFound); gone != (i <= 2) {
			t.Errorf("contact of dispute %d: err = %v, want gone = %v", i, err, i <= 2)
		}
		if d := mustGetDispute(t, s, DisputeID(i)); !d.HasContact {
			t.Errorf("dispute %d lost HasContact in the purge", i)
		}
	}
	if n, err := s.PurgeDisputeContacts(t.Context(), cutoff); err != nil || n != 0 {
		t.Errorf("second purge = %d, %v; want 0", n, err)
	}
	if n, err := s.PurgeDisputeContacts(t.Context(), Epoch.Add(time.Hour)); err != nil || n != 2 {
		t.Errorf("purge of the rest = %d, %v; want 2", n, err)
	}
}
