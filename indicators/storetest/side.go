package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// The side stores the API needs next to the indicator Store: reports and
// contacts, API keys, the audit log and daily stats. Each has its own Run
// function taking a constructor of a fresh, empty store (closed with
// t.Cleanup), like Run; a backend that implements all four calls all four:
//
//	func TestSide(t *testing.T) {
//		storetest.RunReports(t, func(t *testing.T) indicators.ReportStore { return open(t) })
//		storetest.RunKeys(t, func(t *testing.T) indicators.KeyStore { return open(t) })
//		storetest.RunAudit(t, func(t *testing.T) indicators.AuditLog { return open(t) })
//		storetest.RunStats(t, func(t *testing.T) indicators.StatsStore { return open(t) })
//	}
//
// The suite pins down the choices the interfaces leave open, which every
// backend must make alike:
//
//   - CreateReport sets HasContact to whether the contact is non-empty and
//     the contact's ReportID to the report's; a zero contact CreatedAt
//     becomes the report's. UpdateReport keeps HasContact whatever fn does
//     and refuses (ErrInvalidInput) a changed ID or an invalid result.
//     PurgeContacts leaves reports, HasContact included, as they were.
//   - ListReports with an unknown status, ListAudit with a malformed
//     cursor, CreateKey with a key lacking id, name, role or a 64-hex-digit
//     hash, AppendAudit without actor or action, and AddCounters/Counters
//     with a day that is not YYYY-MM-DD (or from after to) all give
//     ErrInvalidInput.
//   - Audit ids sort as strings in the order they were assigned.
//   - KeyByHash ignores the case of the hash. RevokeKey looks for an ID
//     first, then a name, and revoking a revoked key keeps its first
//     revocation time.
//   - Empty lists and pages are empty slices, not nil, so that they encode
//     as [] in JSON.

// RunReports runs the conformance suite of indicators.ReportStore.
func RunReports(t *testing.T, newStore func(t *testing.T) indicators.ReportStore) {
	t.Helper()
	runSuite(t, newStore, []subtest[indicators.ReportStore]{
		{"CreateGet", testReportCreateGet},
		{"CreateDuplicate", testReportCreateDuplicate},
		{"CreateInvalid", testReportCreateInvalid},
		{"ContactApart", testReportContactApart},
		{"GetMissing", testReportGetMissing},
		{"ListPaging", testReportListPaging},
		{"ListByStatus", testReportListByStatus},
		{"ListInvalidStatus", testReportListInvalidStatus},
		{"StatusChangeMovesReport", testReportStatusChange},
		{"UpdateAbort", testReportUpdateAbort},
		{"UpdateInvalid", testReportUpdateInvalid},
		{"UpdateMissing", testReportUpdateMissing},
		{"UpdateConcurrent", testReportUpdateConcurrent},
		{"PurgeContacts", testReportPurgeContacts},
		{"ContextCancelled", testReportContextCancelled},
	})
}

// RunKeys runs the conformance suite of indicators.KeyStore.
func RunKeys(t *testing.T, newStore func(t *testing.T) indicators.KeyStore) {
	t.Helper()
	runSuite(t, newStore, []subtest[indicators.KeyStore]{
		{"CreateAndFind", testKeyCreateAndFind},
		{"Duplicates", testKeyDuplicates},
		{"Invalid", testKeyInvalid},
		{"Revoke", testKeyRevoke},
		{"ListByCreation", testKeyListByCreation},
		{"ConcurrentSameName", testKeyConcurrentSameName},
		{"ContextCancelled", testKeyContextCancelled},
	})
}

// RunAudit runs the conformance suite of indicators.AuditLog.
func RunAudit(t *testing.T, newStore func(t *testing.T) indicators.AuditLog) {
	t.Helper()
	runSuite(t, newStore, []subtest[indicators.AuditLog]{
		{"AppendAssignsIDs", testAuditAppend},
		{"ListPaging", testAuditListPaging},
		{"FilterByTarget", testAuditFilterByTarget},
		{"Invalid", testAuditInvalid},
		{"ConcurrentAppend", testAuditConcurrent},
		{"ContextCancelled", testAuditContextCancelled},
	})
}

// RunStats runs the conformance suite of indicators.StatsStore.
func RunStats(t *testing.T, newStore func(t *testing.T) indicators.StatsStore) {
	t.Helper()
	runSuite(t, newStore, []subtest[indicators.StatsStore]{
		{"AddAndRead", testStatsAddAndRead},
		{"Range", testStatsRange},
		{"ConcurrentAdd", testStatsConcurrent},
		{"Invalid", testStatsInvalid},
		{"ContextCancelled", testStatsContextCancelled},
	})
}

// --- helpers -----------------------------------------------------------------

// sameJSON fails t when got and want differ, showing both as JSON.
func sameJSON[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s:\n got  %s\n want %s", what, g, w)
	}
}

// wantErr fails t unless err matches target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: err = %v, want %v", what, err, target)
	}
}

// ReportID returns the i-th test report id, "r-000123"; ids sort in the order
// of i for 0 <= i < 1e6, as ids assigned by creation time do.
func ReportID(i int) string { return fmt.Sprintf("r-%06d", i) }

// NewReport returns a valid pending web report with id ReportID(i) naming
// one domain, created i minutes after Epoch.
func NewReport(i int) indicators.Report {
	return indicators.Report{
		ID:          ReportID(i),
		Channel:     indicators.ChannelWeb,
		Status:      indicators.ReportPending,
		Keys:        []indicators.Key{DomainKey(i)},
		Category:    indicators.CategoryPhishing,
		Description: fmt.Sprintf("Tin nhắn giả ngân hàng số %d", i),
		AmountVND:   int64(i) * 1_000_000,
		HappenedAt:  Epoch.Add(-24 * time.Hour),
		HolderName:  "NGUYEN VAN A",
		CreatedAt:   Epoch.Add(time.Duration(i) * time.Minute),
	}
}

// contactFor returns a contact for report i with data that appears nowhere
// in the report, created when the report was.
func contactFor(i int) indicators.Contact {
	return indicators.Contact{
		ReportID:  ReportID(i),
		Name:      fmt.Sprintf("Trần Thị Liên Hệ %d", i),
		Phone:     fmt.Sprintf("+8498%07d", 7000000+i),
		Email:     fmt.Sprintf("reporter%d@mail.example", i),
		CreatedAt: Epoch.Add(time.Duration(i) * time.Minute),
	}
}

func mustCreateReport(t *testing.T, s indicators.ReportStore, r indicators.Report, c *indicators.Contact) {
	t.Helper()
	if err := s.CreateReport(t.Context(), r, c); err != nil {
		t.Fatalf("CreateReport(%s): %v", r.ID, err)
	}
}

func mustGetReport(t *testing.T, s indicators.ReportStore, id string) indicators.Report {
	t.Helper()
	r, err := s.GetReport(t.Context(), id)
	if err != nil {
		t.Fatalf("GetReport(%s): %v", id, err)
	}
	return r
}

// walkReports pages through ListReports with limit and returns the ids,
// checking that pages are in increasing id order, full except the last, and
// that Next is set exactly when a page is not the last.
func walkReports(t *testing.T, s indicators.ReportStore, status indicators.ReportStatus, limit int) []string {
	t.Helper()
	var ids []string
	f := indicators.ReportFilter{Status: status, Limit: limit}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("ListReports(%+v): more than 1000 pages, cursor loop?", f)
		}
		page, err := s.ListReports(t.Context(), f)
		if err != nil {
			t.Fatalf("ListReports(%+v): %v", f, err)
		}
		if page.Reports == nil {
			t.Errorf("ListReports(%+v): nil Reports, want a slice (JSON [])", f)
		}
		for _, r := range page.Reports {
			if status != "" && r.Status != status {
				t.Errorf("ListReports(status %s) returned %s in status %s", status, r.ID, r.Status)
			}
			if len(ids) > 0 && r.ID <= ids[len(ids)-1] {
				t.Errorf("ListReports(%+v): %s after %s, want increasing ids", f, r.ID, ids[len(ids)-1])
			}
			ids = append(ids, r.ID)
		}
		if page.Next == "" {
			return ids
		}
		if len(page.Reports) != limit {
			t.Errorf("ListReports(%+v): %d reports and Next %q, want a full page of %d before the last", f, len(page.Reports), page.Next, limit)
		}
		if len(page.Reports) > 0 && page.Next != page.Reports[len(page.Reports)-1].ID {
			t.Errorf("ListReports(%+v): Next = %q, want the last id %q", f, page.Next, page.Reports[len(page.Reports)-1].ID)
		}
		f.Cursor = page.Next
	}
}

// --- reports -----------------------------------------------------------------

func testReportCreateGet(t *testing.T, s indicators.ReportStore) {
	r := NewReport(1)
	r.Keys = append(r.Keys, DomainKey(2))
	c := contactFor(1)
	mustCreateReport(t, s, r, &c)
	want := r
	want.HasContact = true
	sameJSON(t, "GetReport after create", mustGetReport(t, s, r.ID), want)
	got, err := s.GetContact(t.Context(), r.ID)
	if err != nil {
		t.Fatalf("GetContact: %v", err)
	}
	sameJSON(t, "GetContact after create", got, c)

	// The store owns ReportID and a zero CreatedAt of the contact.
	r2 := NewReport(2)
	c2 := contactFor(2)
	c2.ReportID, c2.CreatedAt = "someone-else", time.Time{}
	mustCreateReport(t, s, r2, &c2)
	got, err = s.GetContact(t.Context(), r2.ID)
	if err != nil {
		t.Fatalf("GetContact: %v", err)
	}
	wantC := contactFor(2)
	wantC.CreatedAt = r2.CreatedAt
	sameJSON(t, "contact with a foreign ReportID and no CreatedAt", got, wantC)
}

func testReportCreateDuplicate(t *testing.T, s indicators.ReportStore) {
	r := NewReport(1)
	c := contactFor(1)
	mustCreateReport(t, s, r, &c)
	dup := NewReport(1)
	dup.Description, dup.Status = "a second report with the same id", indicators.ReportConfirmed
	dupC := contactFor(9)
	for _, tc := range []struct {
		name    string
		contact *indicators.Contact
	}{{"with contact", &dupC}, {"without contact", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, "CreateReport of an existing id", s.CreateReport(t.Context(), dup, tc.contact), indicators.ErrConflict)
		})
	}
	want := r
	want.HasContact = true
	sameJSON(t, "report after duplicate creates", mustGetReport(t, s, r.ID), want)
	got, err := s.GetContact(t.Context(), r.ID)
	if err != nil {
		t.Fatalf("GetContact: %v", err)
	}
	sameJSON(t, "contact after duplicate creates", got, c)
	if ids := walkReports(t, s, indicators.ReportConfirmed, 10); len(ids) != 0 {
		t.Errorf("confirmed reports after a refused duplicate = %v, want none", ids)
	}
	if ids := walkReports(t, s, "", 10); !slices.Equal(ids, []string{r.ID}) {
		t.Errorf("reports after a refused duplicate = %v, want [%s]", ids, r.ID)
	}
}

func testReportCreateInvalid(t *testing.T, s indicators.ReportStore) {
	tests := []struct {
		name   string
		change func(r *indicators.Report)
	}{
		{"no id", func(r *indicators.Report) { r.ID = "" }},
		{"unknown channel", func(r *indicators.Report) { r.Channel = "fax" }},
		{"unknown status", func(r *indicators.Report) { r.Status = "maybe" }},
		{"no keys", func(r *indicators.Report) { r.Keys = nil }},
		{"too many keys", func(r *indicators.Report) {
			r.Keys = nil
			for i := range indicators.MaxReportKeys + 1 {
				r.Keys = append(r.Keys, DomainKey(i))
			}
		}},
		{"malformed key", func(r *indicators.Report) { r.Keys = []indicators.Key{"domain:"} }},
		{"unknown category", func(r *indicators.Report) { r.Category = "rumour" }},
		{"description too long", func(r *indicators.Report) {
			r.Description = strings.Repeat("x", indicators.MaxDescriptionLength+1)
		}},
		{"negative amount", func(r *indicators.Report) { r.AmountVND = -1 }},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReport(i + 1)
			tc.change(&r)
			c := contactFor(i + 1)
			wantErr(t, "CreateReport", s.CreateReport(t.Context(), r, &c), indicators.ErrInvalidInput)
			if r.ID == "" {
				return
			}
			_, err := s.GetReport(t.Context(), r.ID)
			wantErr(t, "GetReport of a refused report", err, indicators.ErrNotFound)
			_, err = s.GetContact(t.Context(), r.ID)
			wantErr(t, "GetContact of a refused report", err, indicators.ErrNotFound)
		})
	}
	if ids := walkReports(t, s, "", 100); len(ids) != 0 {
		t.Errorf("reports after refused creates = %v, want none", ids)
	}
	if ids := walkReports(t, s, indicators.ReportPending, 100); len(ids) != 0 {
		t.Errorf("pending reports after refused creates = %v, want none", ids)
	}
}

func testReportContactApart(t *testing.T, s indicators.ReportStore) {
	withC := contactFor(1)
	blank := indicators.Contact{Name: "  ", CreatedAt: Epoch}
	tests := []struct {
		name        string
		claim       bool // the caller's HasContact, which the store overrides
		contact     *indicators.Contact
		wantContact bool
	}{
		{"with contact", false, &withC, true},
		{"nil contact", true, nil, false},
		{"blank contact", true, &blank, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReport(i + 1)
			r.HasContact = tc.claim
			mustCreateReport(t, s, r, tc.contact)
			got := mustGetReport(t, s, r.ID)
			if got.HasContact != tc.wantContact {
				t.Errorf("HasContact = %v, want %v", got.HasContact, tc.wantContact)
			}
			_, err := s.GetContact(t.Context(), r.ID)
			switch {
			case tc.wantContact && err != nil:
				t.Errorf("GetContact: %v", err)
			case !tc.wantContact:
				wantErr(t, "GetContact of a report without contact", err, indicators.ErrNotFound)
			}
		})
	}
	// Nothing a reviewer or partner sees of a report carries the contact.
	page, err := s.ListReports(t.Context(), indicators.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	one, _ := json.Marshal(mustGetReport(t, s, ReportID(1)))
	all, _ := json.Marshal(page)
	for _, secret := range []string{withC.Name, withC.Phone, withC.Email} {
		for what, data := range map[string][]byte{"GetReport": one, "ListReports": all} {
			if strings.Contains(string(data), secret) {
				t.Errorf("%s JSON holds contact data %q: %s", what, secret, data)
			}
		}
	}
	_, err = s.GetContact(t.Context(), ReportID(99))
	wantErr(t, "GetContact of a missing report", err, indicators.ErrNotFound)
}

func testReportGetMissing(t *testing.T, s indicators.ReportStore) {
	mustCreateReport(t, s, NewReport(1), nil)
	for _, id := range []string{ReportID(2), "", "r-"} {
		_, err := s.GetReport(t.Context(), id)
		wantErr(t, fmt.Sprintf("GetReport(%q)", id), err, indicators.ErrNotFound)
	}
}

func testReportListPaging(t *testing.T, s indicators.ReportStore) {
	const n = 25
	want := make([]string, n)
	for i := range want {
		want[i] = ReportID(i)
	}
	// Created out of order: the list is in id order, not insertion order.
	for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(n) {
		r := NewReport(i)
		r.Status = []indicators.ReportStatus{indicators.ReportPending, indicators.ReportConfirmed, indicators.ReportRejected}[i%3]
		mustCreateReport(t, s, r, nil)
	}
	for _, limit := range []int{1, 7, 10, 25, 26, 0, 5000} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			eff := limit
			if eff <= 0 || eff > 1000 {
				eff = n // default 100 and cap 1000 both exceed n
			}
			if got := walkReports(t, s, "", eff); !slices.Equal(got, want) {
				t.Errorf("ids = %v, want %v", got, want)
			}
			page, err := s.ListReports(t.Context(), indicators.ReportFilter{Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Reports) != min(eff, n) || (page.Next == "") != (eff >= n) {
				t.Errorf("first page with limit %d: %d reports, Next %q", limit, len(page.Reports), page.Next)
			}
		})
	}
	// A cursor need not be an id that exists: it is a position.
	page, err := s.ListReports(t.Context(), indicators.ReportFilter{Cursor: ReportID(9) + "~", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := reportIDs(page.Reports); !slices.Equal(got, want[10:13]) || page.Next != want[12] {
		t.Errorf("page after %q = %v next %q, want %v next %q", ReportID(9)+"~", got, page.Next, want[10:13], want[12])
	}
	page, err = s.ListReports(t.Context(), indicators.ReportFilter{Cursor: want[n-1]})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Reports) != 0 || page.Next != "" || page.Reports == nil {
		t.Errorf("page after the last id = %+v, want empty (non-nil) and no Next", page)
	}
	// The reports themselves come back whole.
	got := mustGetReport(t, s, ReportID(4))
	page, err = s.ListReports(t.Context(), indicators.ReportFilter{Cursor: ReportID(3), Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Reports) != 1 {
		t.Fatalf("page after %s = %v, want one report", ReportID(3), reportIDs(page.Reports))
	}
	sameJSON(t, "listed report", page.Reports[0], got)
}

func reportIDs(rs []indicators.Report) []string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

func testReportListByStatus(t *testing.T, s indicators.ReportStore) {
	want := map[indicators.ReportStatus][]string{}
	for i := range 20 {
		r := NewReport(i)
		switch {
		case i%5 == 0:
			r.Status = indicators.ReportConfirmed
		case i%7 == 0:
			r.Status = indicators.ReportRejected
		}
		want[r.Status] = append(want[r.Status], r.ID)
		mustCreateReport(t, s, r, nil)
	}
	for _, status := range []indicators.ReportStatus{indicators.ReportPending, indicators.ReportConfirmed, indicators.ReportRejected} {
		for _, limit := range []int{2, 3, 100} {
			if got := walkReports(t, s, status, limit); !slices.Equal(got, want[status]) {
				t.Errorf("status %s, limit %d: ids = %v, want %v", status, limit, got, want[status])
			}
		}
	}
}

func testReportListInvalidStatus(t *testing.T, s indicators.ReportStore) {
	mustCreateReport(t, s, NewReport(1), nil)
	_, err := s.ListReports(t.Context(), indicators.ReportFilter{Status: "archived"})
	wantErr(t, "ListReports(status archived)", err, indicators.ErrInvalidInput)
}

func testReportStatusChange(t *testing.T, s indicators.ReportStore) {
	for i := range 5 {
		mustCreateReport(t, s, NewReport(i), nil)
	}
	id := ReportID(2)
	reviewed := Epoch.Add(2 * time.Hour)
	steps := []struct {
		status indicators.ReportStatus
		note   string
	}{
		{indicators.ReportConfirmed, "xác minh với ngân hàng"},
		{indicators.ReportRejected, "trùng lặp"},
		{indicators.ReportPending, "mở lại"},
	}
	for _, step := range steps {
		t.Run(string(step.status), func(t *testing.T) {
			got, err := s.UpdateReport(t.Context(), id, func(r *indicators.Report) error {
				r.Status, r.ReviewedAt, r.ReviewedBy, r.ReviewNote = step.status, reviewed, "police-hcm", step.note
				return nil
			})
			if err != nil {
				t.Fatalf("UpdateReport: %v", err)
			}
			want := NewReport(2)
			want.Status, want.ReviewedAt, want.ReviewedBy, want.ReviewNote = step.status, reviewed, "police-hcm", step.note
			sameJSON(t, "UpdateReport result", got, want)
			sameJSON(t, "GetReport after UpdateReport", mustGetReport(t, s, id), want)
			for _, st := range []indicators.ReportStatus{indicators.ReportPending, indicators.ReportConfirmed, indicators.ReportRejected} {
				ids := walkReports(t, s, st, 2)
				if slices.Contains(ids, id) != (st == step.status) {
					t.Errorf("status %s lists %v: %s there = %v, want %v", st, ids, id, slices.Contains(ids, id), st == step.status)
				}
			}
			if ids := walkReports(t, s, "", 2); len(ids) != 5 {
				t.Errorf("all reports = %v, want the 5 created", ids)
			}
		})
	}
}

func testReportUpdateAbort(t *testing.T, s indicators.ReportStore) {
	errAbort := errors.New("reviewer changed their mind")
	c := contactFor(1)
	mustCreateReport(t, s, NewReport(1), &c)
	before := mustGetReport(t, s, ReportID(1))
	_, err := s.UpdateReport(t.Context(), ReportID(1), func(r *indicators.Report) error {
		r.Status, r.ReviewNote = indicators.ReportConfirmed, "must not be written"
		r.Keys[0] = DomainKey(99) // through the slice too
		return fmt.Errorf("abort: %w", errAbort)
	})
	wantErr(t, "UpdateReport with a failing fn", err, errAbort)
	sameJSON(t, "report after an aborted update", mustGetReport(t, s, ReportID(1)), before)
	if ids := walkReports(t, s, indicators.ReportConfirmed, 10); len(ids) != 0 {
		t.Errorf("confirmed after an aborted update = %v, want none", ids)
	}
	if ids := walkReports(t, s, indicators.ReportPending, 10); !slices.Equal(ids, []string{ReportID(1)}) {
		t.Errorf("pending after an aborted update = %v, want [%s]", ids, ReportID(1))
	}
}

func testReportUpdateInvalid(t *testing.T, s indicators.ReportStore) {
	c := contactFor(1)
	mustCreateReport(t, s, NewReport(1), &c)
	mustCreateReport(t, s, NewReport(2), nil)
	before := mustGetReport(t, s, ReportID(1))
	tests := []struct {
		name   string
		change func(r *indicators.Report)
	}{
		{"unknown status", func(r *indicators.Report) { r.Status = "archived" }},
		{"no keys", func(r *indicators.Report) { r.Keys = nil }},
		{"changed id", func(r *indicators.Report) { r.ID = ReportID(2) }},
		{"emptied id", func(r *indicators.Report) { r.ID = "" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.UpdateReport(t.Context(), ReportID(1), func(r *indicators.Report) error {
				tc.change(r)
				return nil
			})
			wantErr(t, "UpdateReport", err, indicators.ErrInvalidInput)
			sameJSON(t, "report after a refused update", mustGetReport(t, s, ReportID(1)), before)
		})
	}
	sameJSON(t, "other report after refused updates", mustGetReport(t, s, ReportID(2)), NewReport(2))
	t.Run("HasContact kept", func(t *testing.T) {
		for id, want := range map[string]bool{ReportID(1): true, ReportID(2): false} {
			got, err := s.UpdateReport(t.Context(), id, func(r *indicators.Report) error {
				r.HasContact = !r.HasContact
				r.ReviewNote = "flipped HasContact"
				return nil
			})
			if err != nil {
				t.Fatalf("UpdateReport(%s): %v", id, err)
			}
			if got.HasContact != want || mustGetReport(t, s, id).HasContact != want {
				t.Errorf("%s: HasContact after fn flipped it = %v (stored %v), want %v", id, got.HasContact, mustGetReport(t, s, id).HasContact, want)
			}
		}
	})
}

func testReportUpdateMissing(t *testing.T, s indicators.ReportStore) {
	called := false
	_, err := s.UpdateReport(t.Context(), ReportID(1), func(r *indicators.Report) error {
		called = true
		return nil
	})
	wantErr(t, "UpdateReport of a missing report", err, indicators.ErrNotFound)
	if called {
		t.Error("UpdateReport called fn for a missing report")
	}
	if _, err := s.GetReport(t.Context(), ReportID(1)); !errors.Is(err, indicators.ErrNotFound) {
		t.Errorf("UpdateReport of a missing report created it (GetReport err = %v)", err)
	}
}

// testReportUpdateConcurrent appends to a note from several goroutines: a
// read-modify-write that is not atomic loses some of them.
func testReportUpdateConcurrent(t *testing.T, s indicators.ReportStore) {
	const workers, perWorker = 6, 8
	mustCreateReport(t, s, NewReport(1), nil)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range perWorker {
				_, err := s.UpdateReport(t.Context(), ReportID(1), func(r *indicators.Report) error {
					r.ReviewNote += string(rune('a' + w))
					return nil
				})
				if err != nil {
					t.Errorf("UpdateReport: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	note := mustGetReport(t, s, ReportID(1)).ReviewNote
	for w := range workers {
		if n := strings.Count(note, string(rune('a'+w))); n != perWorker {
			t.Errorf("worker %d's appends in the note: %d, want %d (note %q)", w, n, perWorker, note)
		}
	}
}

func testReportPurgeContacts(t *testing.T, s indicators.ReportStore) {
	cutoff := Epoch
	created := []time.Time{
		Epoch.Add(-48 * time.Hour),
		Epoch.Add(-time.Hour),
		Epoch.Add(-time.Nanosecond), // before, by a hair
		Epoch,                       // at the cutoff: not before it
		Epoch.Add(time.Nanosecond),
		Epoch.Add(time.Hour),
	}
	for i, at := range created {
		c := contactFor(i)
		c.CreatedAt = at
		mustCreateReport(t, s, NewReport(i), &c)
	}
	mustCreateReport(t, s, NewReport(len(created)), nil) // a report without contact
	n, err := s.PurgeContacts(t.Context(), cutoff)
	if err != nil {
		t.Fatalf("PurgeContacts: %v", err)
	}
	if n != 3 {
		t.Errorf("PurgeContacts(%v) = %d, want 3", cutoff, n)
	}
	for i, at := range created {
		c, err := s.GetContact(t.Context(), ReportID(i))
		if at.Before(cutoff) {
			wantErr(t, fmt.Sprintf("GetContact(%s) created %v after the purge", ReportID(i), at), err, indicators.ErrNotFound)
		} else if err != nil || !c.CreatedAt.Equal(at) {
			t.Errorf("GetContact(%s) created %v after the purge = %+v, %v; want it kept", ReportID(i), at, c, err)
		}
		// The report stays, as it was.
		want := NewReport(i)
		want.HasContact = true
		sameJSON(t, "report after its contact was purged", mustGetReport(t, s, ReportID(i)), want)
	}
	if n, err := s.PurgeContacts(t.Context(), cutoff); err != nil || n != 0 {
		t.Errorf("second PurgeContacts = %d, %v; want 0", n, err)
	}
	if n, err := s.PurgeContacts(t.Context(), Epoch.Add(24*time.Hour)); err != nil || n != 3 {
		t.Errorf("PurgeContacts of the rest = %d, %v; want 3", n, err)
	}
	if ids := walkReports(t, s, "", 100); len(ids) != len(created)+1 {
		t.Errorf("reports after purges = %v, want all %d", ids, len(created)+1)
	}
}

func testReportContextCancelled(t *testing.T, s indicators.ReportStore) {
	c := contactFor(1)
	mustCreateReport(t, s, NewReport(1), &c)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	fc := contactFor(2)
	tests := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"CreateReport", func(ctx context.Context) error { return s.CreateReport(ctx, NewReport(2), &fc) }},
		{"GetReport", func(ctx context.Context) error { _, err := s.GetReport(ctx, ReportID(1)); return err }},
		{"GetContact", func(ctx context.Context) error { _, err := s.GetContact(ctx, ReportID(1)); return err }},
		{"ListReports", func(ctx context.Context) error {
			_, err := s.ListReports(ctx, indicators.ReportFilter{})
			return err
		}},
		{"UpdateReport", func(ctx context.Context) error {
			_, err := s.UpdateReport(ctx, ReportID(1), func(r *indicators.Report) error {
				r.ReviewNote = "cancelled"
				return nil
			})
			return err
		}},
		{"PurgeContacts", func(ctx context.Context) error {
			_, err := s.PurgeContacts(ctx, Epoch.Add(time.Hour))
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.name+" with a cancelled context", tc.op(ctx), context.Canceled)
		})
	}
	if _, err := s.GetReport(t.Context(), ReportID(2)); !errors.Is(err, indicators.ErrNotFound) {
		t.Errorf("a cancelled CreateReport stored the report (GetReport err = %v)", err)
	}
	if r := mustGetReport(t, s, ReportID(1)); r.ReviewNote != "" {
		t.Errorf("a cancelled UpdateReport wrote %q", r.ReviewNote)
	}
	if _, err := s.GetContact(t.Context(), ReportID(1)); err != nil {
		t.Errorf("a cancelled PurgeContacts deleted a contact: %v", err)
	}
}

// --- keys --------------------------------------------------------------------

// testHash returns the i-th test key hash: 64 hex digits.
func testHash(i int) string { return fmt.Sprintf("%064x", 0xabc000+i) }

// NewAPIKey returns a valid police key with id "key-<i>", name "officer-<i>"
// and a hash unique to i, created i minutes after Epoch.
func NewAPIKey(i int) indicators.APIKey {
	return indicators.APIKey{
		ID:        fmt.Sprintf("key-%d", i),
		Name:      fmt.Sprintf("officer-%d", i),
		Role:      indicators.RolePolice,
		Hash:      testHash(i),
		CreatedAt: Epoch.Add(time.Duration(i) * time.Minute),
	}
}

func mustCreateKey(t *testing.T, s indicators.KeyStore, k indicators.APIKey) {
	t.Helper()
	if err := s.CreateKey(t.Context(), k); err != nil {
		t.Fatalf("CreateKey(%s): %v", k.ID, err)
	}
}

func mustListKeys(t *testing.T, s indicators.KeyStore) []indicators.APIKey {
	t.Helper()
	keys, err := s.ListKeys(t.Context())
	if err != nil {
		t.Fatalf("ListKeys: %v", err)
	}
	if keys == nil {
		t.Error("ListKeys returned nil, want a slice (JSON [])")
	}
	return keys
}

func testKeyCreateAndFind(t *testing.T, s indicators.KeyStore) {
	if keys := mustListKeys(t, s); len(keys) != 0 {
		t.Errorf("ListKeys of an empty store = %v", keys)
	}
	k1, k2 := NewAPIKey(1), NewAPIKey(2)
	k2.Role = indicators.RoleAdmin
	mustCreateKey(t, s, k1)
	mustCreateKey(t, s, k2)
	for _, tc := range []struct {
		hash string
		want indicators.APIKey
	}{
		{k1.Hash, k1},
		{k2.Hash, k2},
		{strings.ToUpper(k2.Hash), k2},
	} {
		got, err := s.KeyByHash(t.Context(), tc.hash)
		if err != nil {
			t.Fatalf("KeyByHash(%s): %v", tc.hash, err)
		}
		sameJSON(t, "KeyByHash", got, tc.want)
		if got.Hash != tc.want.Hash {
			t.Errorf("KeyByHash: Hash = %q, want %q", got.Hash, tc.want.Hash)
		}
	}
	for _, h := range []string{testHash(3), "", "not-a-hash"} {
		_, err := s.KeyByHash(t.Context(), h)
		wantErr(t, fmt.Sprintf("KeyByHash(%q)", h), err, indicators.ErrNotFound)
	}
}

func testKeyDuplicates(t *testing.T, s indicators.KeyStore) {
	orig := NewAPIKey(1)
	mustCreateKey(t, s, orig)
	tests := []struct {
		name   string
		change func(k *indicators.APIKey)
	}{
		{"same id", func(k *indicators.APIKey) { k.ID = orig.ID }},
		{"same name", func(k *indicators.APIKey) { k.Name = orig.Name }},
		{"same hash", func(k *indicators.APIKey) { k.Hash = orig.Hash }},
		{"same hash in upper case", func(k *indicators.APIKey) { k.Hash = strings.ToUpper(orig.Hash) }},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := NewAPIKey(10 + i)
			tc.change(&k)
			wantErr(t, "CreateKey", s.CreateKey(t.Context(), k), indicators.ErrConflict)
		})
	}
	keys := mustListKeys(t, s)
	if len(keys) != 1 {
		t.Fatalf("ListKeys after refused duplicates = %d keys, want 1", len(keys))
	}
	sameJSON(t, "key after refused duplicates", keys[0], orig)
	for i := range tests {
		// A refused key left nothing behind under its own hash or name.
		k := NewAPIKey(10 + i)
		if _, err := s.KeyByHash(t.Context(), k.Hash); !errors.Is(err, indicators.ErrNotFound) {
			t.Errorf("KeyByHash of refused key %s: err = %v, want ErrNotFound", k.ID, err)
		}
		if _, err := s.RevokeKey(t.Context(), k.Name, Epoch); !errors.Is(err, indicators.ErrNotFound) {
			t.Errorf("RevokeKey(%s) of a refused key: err = %v, want ErrNotFound", k.Name, err)
		}
	}
}

func testKeyInvalid(t *testing.T, s indicators.KeyStore) {
	tests := []struct {
		name   string
		change func(k *indicators.APIKey)
	}{
		{"no id", func(k *indicators.APIKey) { k.ID = "" }},
		{"no name", func(k *indicators.APIKey) { k.Name = " " }},
		{"no role", func(k *indicators.APIKey) { k.Role = "" }},
		{"unknown role", func(k *indicators.APIKey) { k.Role = "root" }},
		{"no hash", func(k *indicators.APIKey) { k.Hash = "" }},
		{"short hash", func(k *indicators.APIKey) { k.Hash = k.Hash[:40] }},
		{"non-hex hash", func(k *indicators.APIKey) { k.Hash = strings.Repeat("g", 64) }},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := NewAPIKey(i)
			tc.change(&k)
			wantErr(t, "CreateKey", s.CreateKey(t.Context(), k), indicators.ErrInvalidInput)
		})
	}
	if keys := mustListKeys(t, s); len(keys) != 0 {
		t.Errorf("ListKeys after refused creates = %v, want none", keys)
	}
}

func testKeyRevoke(t *testing.T, s indicators.KeyStore) {
	for i := range 3 {
		mustCreateKey(t, s, NewAPIKey(i))
	}
	at := Epoch.Add(24 * time.Hour)
	tests := []struct {
		name     string
		idOrName string
		want     int
	}{
		{"by id", "key-0", 0},
		{"by name", "officer-1", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.RevokeKey(t.Context(), tc.idOrName, at)
			if err != nil {
				t.Fatalf("RevokeKey(%s): %v", tc.idOrName, err)
			}
			want := NewAPIKey(tc.want)
			want.RevokedAt = at
			sameJSON(t, "RevokeKey result", got, want)
			if got.Active() {
				t.Error("revoked key is Active")
			}
			byHash, err := s.KeyByHash(t.Context(), want.Hash)
			if err != nil {
				t.Fatalf("KeyByHash of a revoked key: %v", err)
			}
			sameJSON(t, "KeyByHash of a revoked key", byHash, want)
			// Revoking again keeps the first revocation time.
			again, err := s.RevokeKey(t.Context(), tc.idOrName, at.Add(time.Hour))
			if err != nil {
				t.Fatalf("second RevokeKey(%s): %v", tc.idOrName, err)
			}
			sameJSON(t, "second RevokeKey", again, want)
		})
	}
	for _, name := range []string{"key-9", "officer-9", ""} {
		_, err := s.RevokeKey(t.Context(), name, at)
		wantErr(t, fmt.Sprintf("RevokeKey(%q)", name), err, indicators.ErrNotFound)
	}
	keys := mustListKeys(t, s)
	active := []bool{false, false, true}
	if len(keys) != len(active) {
		t.Fatalf("ListKeys = %d keys, want %d", len(keys), len(active))
	}
	for i, k := range keys {
		if k.Active() != active[i] {
			t.Errorf("ListKeys[%d] (%s) Active = %v, want %v", i, k.ID, k.Active(), active[i])
		}
	}
}

func testKeyListByCreation(t *testing.T, s indicators.KeyStore) {
	// Ids in another order than creation, and two keys created at once.
	order := []int{5, 2, 9, 1, 7}
	var want []indicators.APIKey
	for n, i := range order {
		k := NewAPIKey(i)
		k.CreatedAt = Epoch.Add(time.Duration(n/2) * time.Hour)
		mustCreateKey(t, s, k)
		want = append(want, k)
	}
	slices.SortStableFunc(want, func(a, b indicators.APIKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if _, err := s.RevokeKey(t.Context(), "key-2", Epoch.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if want[i].ID == "key-2" {
			want[i].RevokedAt = Epoch.Add(48 * time.Hour)
		}
	}
	sameJSON(t, "ListKeys", mustListKeys(t, s), want)
}

func testKeyConcurrentSameName(t *testing.T, s indicators.KeyStore) {
	const workers = 8
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			k := NewAPIKey(w)
			k.Name = "bank-partner"
			errs[w] = s.CreateKey(t.Context(), k)
		})
	}
	wg.Wait()
	created := 0
	for w, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, indicators.ErrConflict):
			t.Errorf("worker %d: CreateKey: %v, want nil or ErrConflict", w, err)
		}
	}
	if created != 1 {
		t.Errorf("%d concurrent CreateKey with one name succeeded, want exactly 1", created)
	}
	if keys := mustListKeys(t, s); len(keys) != 1 {
		t.Errorf("ListKeys after concurrent creates = %d keys, want 1", len(keys))
	}
}

func testKeyContextCancelled(t *testing.T, s indicators.KeyStore) {
	mustCreateKey(t, s, NewAPIKey(1))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"CreateKey", func(ctx context.Context) error { return s.CreateKey(ctx, NewAPIKey(2)) }},
		{"KeyByHash", func(ctx context.Context) error { _, err := s.KeyByHash(ctx, testHash(1)); return err }},
		{"ListKeys", func(ctx context.Context) error { _, err := s.ListKeys(ctx); return err }},
		{"RevokeKey", func(ctx context.Context) error { _, err := s.RevokeKey(ctx, "key-1", Epoch); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.name+" with a cancelled context", tc.op(ctx), context.Canceled)
		})
	}
	want := NewAPIKey(1)
	sameJSON(t, "keys after cancelled calls", mustListKeys(t, s), []indicators.APIKey{want})
}

// --- audit -------------------------------------------------------------------

// NewAuditEntry returns the i-th test audit entry on target (no ID).
func NewAuditEntry(i int, target string) indicators.AuditEntry {
	return indicators.AuditEntry{
		Time:   Epoch.Add(time.Duration(i) * time.Second),
		Actor:  "police-hcm",
		Role:   indicators.RolePolice,
		Action: "indicator.confirm",
		Target: target,
		Before: json.RawMessage(fmt.Sprintf(`{"status":"reported","n":%d}`, i)),
		After:  json.RawMessage(fmt.Sprintf(`{"status":"confirmed","n":%d}`, i)),
	}
}

func mustAppend(t *testing.T, s indicators.AuditLog, e indicators.AuditEntry) indicators.AuditEntry {
	t.Helper()
	got, err := s.AppendAudit(t.Context(), e)
	if err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if got.ID == "" {
		t.Fatal("AppendAudit assigned no ID")
	}
	want := e
	want.ID = got.ID
	sameJSON(t, "AppendAudit result", got, want)
	return got
}

// walkAudit pages through ListAudit with limit, checking the paging rules,
// and returns the entries.
func walkAudit(t *testing.T, s indicators.AuditLog, target string, limit int) []indicators.AuditEntry {
	t.Helper()
	var out []indicators.AuditEntry
	f := indicators.AuditFilter{Target: target, Limit: limit}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("ListAudit(%+v): more than 1000 pages, cursor loop?", f)
		}
		page, err := s.ListAudit(t.Context(), f)
		if err != nil {
			t.Fatalf("ListAudit(%+v): %v", f, err)
		}
		if page.Entries == nil {
			t.Errorf("ListAudit(%+v): nil Entries, want a slice (JSON [])", f)
		}
		out = append(out, page.Entries...)
		if page.Next == "" {
			return out
		}
		if len(page.Entries) != limit || page.Next != page.Entries[len(page.Entries)-1].ID {
			t.Errorf("ListAudit(%+v): %d entries, Next %q; want a full page of %d ending at Next", f, len(page.Entries), page.Next, limit)
		}
		f.Cursor = page.Next
	}
}

func testAuditAppend(t *testing.T, s indicators.AuditLog) {
	var prev string
	seen := map[string]bool{}
	for i := range 20 {
		// Entry times go backwards: ids follow the log's order, not Time.
		e := mustAppend(t, s, NewAuditEntry(100-i, fmt.Sprintf("report:%d", i%3)))
		if seen[e.ID] {
			t.Errorf("id %q assigned twice", e.ID)
		}
		if e.ID <= prev {
			t.Errorf("id %q assigned after %q, want increasing", e.ID, prev)
		}
		seen[e.ID], prev = true, e.ID
	}
	// A zero Time is set by the log; no target is fine (a bulk import).
	e := indicators.AuditEntry{Actor: "cli:root", Action: "feeds.import"}
	got, err := s.AppendAudit(t.Context(), e)
	if err != nil {
		t.Fatalf("AppendAudit without time and target: %v", err)
	}
	if got.Time.IsZero() || got.ID <= prev {
		t.Errorf("AppendAudit without time: %+v, want a time and an id after %q", got, prev)
	}
}

func testAuditListPaging(t *testing.T, s indicators.AuditLog) {
	if got := walkAudit(t, s, "", 10); len(got) != 0 {
		t.Errorf("ListAudit of an empty log = %d entries", len(got))
	}
	var want []indicators.AuditEntry
	for i := range 25 {
		want = append(want, mustAppend(t, s, NewAuditEntry(i, DomainKey(i).String())))
	}
	for _, limit := range []int{1, 10, 25, 100} {
		sameJSON(t, fmt.Sprintf("ListAudit with limit %d", limit), walkAudit(t, s, "", limit), want)
	}
	page, err := s.ListAudit(t.Context(), indicators.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 25 || page.Next != "" {
		t.Errorf("ListAudit with the default limit: %d entries, Next %q; want 25 and none", len(page.Entries), page.Next)
	}
	page, err = s.ListAudit(t.Context(), indicators.AuditFilter{Cursor: want[24].ID})
	if err != nil || len(page.Entries) != 0 || page.Next != "" {
		t.Errorf("ListAudit after the last id = %+v, %v; want an empty page", page, err)
	}
}

func testAuditFilterByTarget(t *testing.T, s indicators.AuditLog) {
	targets := []string{"report:r-000001", DomainKey(1).String(), "", "key-7"}
	want := map[string][]indicators.AuditEntry{}
	var all []indicators.AuditEntry
	for i := range 30 {
		target := targets[i%len(targets)]
		if i%5 == 0 {
			target = targets[0] // uneven, so pages of different targets differ
		}
		e := mustAppend(t, s, NewAuditEntry(i, target))
		want[target] = append(want[target], e)
		all = append(all, e)
	}
	for _, target := range targets[:2] {
		for _, limit := range []int{2, 5, 100} {
			sameJSON(t, fmt.Sprintf("ListAudit(target %s, limit %d)", target, limit), walkAudit(t, s, target, limit), want[target])
		}
	}
	sameJSON(t, "ListAudit(target key-7)", walkAudit(t, s, "key-7", 3), want["key-7"])
	sameJSON(t, "ListAudit of every target", walkAudit(t, s, "", 7), all)
	if got := walkAudit(t, s, "report:unknown", 10); len(got) != 0 {
		t.Errorf("ListAudit of an unknown target = %d entries, want none", len(got))
	}
	// A cursor from the whole log is a position in a target's history too.
	mid := all[14].ID
	var after []indicators.AuditEntry
	for _, e := range want[targets[0]] {
		if e.ID > mid {
			after = append(after, e)
		}
	}
	page, err := s.ListAudit(t.Context(), indicators.AuditFilter{Target: targets[0], Cursor: mid, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "target entries after a log cursor", page.Entries, after)
}

func testAuditInvalid(t *testing.T, s indicators.AuditLog) {
	tests := []struct {
		name   string
		change func(e *indicators.AuditEntry)
	}{
		{"no actor", func(e *indicators.AuditEntry) { e.Actor = "" }},
		{"no action", func(e *indicators.AuditEntry) { e.Action = " " }},
		{"unknown role", func(e *indicators.AuditEntry) { e.Role = "root" }},
		{"before not JSON", func(e *indicators.AuditEntry) { e.Before = json.RawMessage(`{"status":`) }},
		{"after not JSON", func(e *indicators.AuditEntry) { e.After = json.RawMessage(`nope`) }},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := NewAuditEntry(i, "report:r-1")
			tc.change(&e)
			_, err := s.AppendAudit(t.Context(), e)
			wantErr(t, "AppendAudit", err, indicators.ErrInvalidInput)
		})
	}
	if got := walkAudit(t, s, "", 10); len(got) != 0 {
		t.Errorf("log after refused appends = %d entries, want none", len(got))
	}
	for _, cursor := range []string{"yesterday", "12-", "-3", "1-2-3"} {
		_, err := s.ListAudit(t.Context(), indicators.AuditFilter{Cursor: cursor})
		wantErr(t, fmt.Sprintf("ListAudit(cursor %q)", cursor), err, indicators.ErrInvalidInput)
	}
}

func testAuditConcurrent(t *testing.T, s indicators.AuditLog) {
	const workers, perWorker = 6, 10
	var wg sync.WaitGroup
	var mu sync.Mutex // guards ids
	ids := map[string]bool{}
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				e, err := s.AppendAudit(t.Context(), NewAuditEntry(w*perWorker+i, fmt.Sprintf("worker-%d", w)))
				if err != nil {
					t.Errorf("AppendAudit: %v", err)
					return
				}
				mu.Lock()
				if ids[e.ID] {
					t.Errorf("id %q assigned twice", e.ID)
				}
				ids[e.ID] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	got := walkAudit(t, s, "", 25)
	if len(got) != workers*perWorker {
		t.Fatalf("ListAudit after concurrent appends = %d entries, want %d", len(got), workers*perWorker)
	}
	for i, e := range got {
		if !ids[e.ID] || (i > 0 && e.ID <= got[i-1].ID) {
			t.Errorf("entry %d id %q: unknown or out of order", i, e.ID)
		}
	}
	for w := range workers {
		if n := len(walkAudit(t, s, fmt.Sprintf("worker-%d", w), 4)); n != perWorker {
			t.Errorf("target worker-%d: %d entries, want %d", w, n, perWorker)
		}
	}
}

func testAuditContextCancelled(t *testing.T, s indicators.AuditLog) {
	mustAppend(t, s, NewAuditEntry(1, "x"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.AppendAudit(ctx, NewAuditEntry(2, "x"))
	wantErr(t, "AppendAudit with a cancelled context", err, context.Canceled)
	_, err = s.ListAudit(ctx, indicators.AuditFilter{})
	wantErr(t, "ListAudit with a cancelled context", err, context.Canceled)
	if got := walkAudit(t, s, "", 10); len(got) != 1 {
		t.Errorf("log after a cancelled append = %d entries, want 1", len(got))
	}
}

// --- stats -------------------------------------------------------------------

func mustCounters(t *testing.T, s indicators.StatsStore, from, to string) map[string]map[string]int64 {
	t.Helper()
	got, err := s.Counters(t.Context(), from, to)
	if err != nil {
		t.Fatalf("Counters(%s, %s): %v", from, to, err)
	}
	if got == nil {
		t.Errorf("Counters(%s, %s) = nil, want a map (JSON {})", from, to)
	}
	return got
}

func testStatsAddAndRead(t *testing.T, s indicators.StatsStore) {
	adds := []struct {
		day    string
		deltas map[string]int64
	}{
		{"2025-03-01", map[string]int64{"checks:phone": 10, "hits:phone": 2}},
		{"2025-03-01", map[string]int64{"checks:phone": 5, "reports:web": 1}},
		{"2025-03-02", map[string]int64{"checks:url": 7}},
		{"2025-03-02", map[string]int64{"checks:url": -2, "hits:url": 0}},
		{"2025-03-03", map[string]int64{"hits:url": 0}}, // zero only: the day stays absent
		{"2025-03-04", map[string]int64{}},
	}
	for _, a := range adds {
		if err := s.AddCounters(t.Context(), a.day, a.deltas); err != nil {
			t.Fatalf("AddCounters(%s, %v): %v", a.day, a.deltas, err)
		}
	}
	want := map[string]map[string]int64{
		"2025-03-01": {"checks:phone": 15, "hits:phone": 2, "reports:web": 1},
		"2025-03-02": {"checks:url": 5},
	}
	sameJSON(t, "Counters", mustCounters(t, s, "2025-03-01", "2025-03-04"), want)
}

func testStatsRange(t *testing.T, s indicators.StatsStore) {
	days := []string{"2024-12-31", "2025-01-01", "2025-01-15", "2025-02-28", "2025-03-01", "2026-01-01"}
	for i, d := range days {
		if err := s.AddCounters(t.Context(), d, map[string]int64{"checks:domain": int64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		from, to string
		want     []string
	}{
		{"2025-01-01", "2025-02-28", days[1:4]},
		{"2025-01-02", "2025-02-27", days[2:3]},
		{"2025-01-15", "2025-01-15", days[2:3]},
		{"2025-01-16", "2025-02-27", nil},
		{"2024-01-01", "2026-12-31", days},
		{"2025-03-02", "2025-12-31", nil},
	}
	for _, tc := range tests {
		t.Run(tc.from+".."+tc.to, func(t *testing.T) {
			want := map[string]map[string]int64{}
			for _, d := range tc.want {
				want[d] = map[string]int64{"checks:domain": int64(slices.Index(days, d) + 1)}
			}
			sameJSON(t, "Counters", mustCounters(t, s, tc.from, tc.to), want)
		})
	}
}

// testStatsConcurrent adds from several goroutines, as replicas do: a
// read-modify-write that is not atomic loses increments.
func testStatsConcurrent(t *testing.T, s indicators.StatsStore) {
	const workers, perWorker = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				day := "2025-03-01"
				if i%5 == 0 {
					day = "2025-03-02"
				}
				err := s.AddCounters(t.Context(), day, map[string]int64{"checks:phone": 1, "hits:phone": 2, fmt.Sprintf("worker:%d", w): 1})
				if err != nil {
					t.Errorf("AddCounters: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	want := map[string]map[string]int64{"2025-03-01": {}, "2025-03-02": {}}
	second := perWorker / 5
	for day, n := range map[string]int64{"2025-03-01": perWorker - int64(second), "2025-03-02": int64(second)} {
		want[day]["checks:phone"] = n * workers
		want[day]["hits:phone"] = 2 * n * workers
		for w := range workers {
			want[day][fmt.Sprintf("worker:%d", w)] = n
		}
	}
	sameJSON(t, "Counters after concurrent adds", mustCounters(t, s, "2025-03-01", "2025-03-02"), want)
}

func testStatsInvalid(t *testing.T, s indicators.StatsStore) {
	for _, day := range []string{"", "2025-3-1", "01/03/2025", "2025-02-30", "2025-03-01T00:00:00Z"} {
		err := s.AddCounters(t.Context(), day, map[string]int64{"checks:phone": 1})
		wantErr(t, fmt.Sprintf("AddCounters(%q)", day), err, indicators.ErrInvalidInput)
		_, err = s.Counters(t.Context(), day, "2025-03-01")
		wantErr(t, fmt.Sprintf("Counters(%q, 2025-03-01)", day), err, indicators.ErrInvalidInput)
		_, err = s.Counters(t.Context(), "2025-03-01", day)
		wantErr(t, fmt.Sprintf("Counters(2025-03-01, %q)", day), err, indicators.ErrInvalidInput)
	}
	err := s.AddCounters(t.Context(), "2025-03-01", map[string]int64{"checks:phone": 1, "": 1})
	wantErr(t, "AddCounters with an empty counter name", err, indicators.ErrInvalidInput)
	_, err = s.Counters(t.Context(), "2025-03-02", "2025-03-01")
	wantErr(t, "Counters from after to", err, indicators.ErrInvalidInput)
	if got := mustCounters(t, s, "2025-01-01", "2025-12-31"); len(got) != 0 {
		t.Errorf("counters after refused adds = %v, want none", got)
	}
}

func testStatsContextCancelled(t *testing.T, s indicators.StatsStore) {
	if err := s.AddCounters(t.Context(), "2025-03-01", map[string]int64{"checks:phone": 1}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.AddCounters(ctx, "2025-03-01", map[string]int64{"checks:phone": 1})
	wantErr(t, "AddCounters with a cancelled context", err, context.Canceled)
	_, err = s.Counters(ctx, "2025-03-01", "2025-03-01")
	wantErr(t, "Counters with a cancelled context", err, context.Canceled)
	want := map[string]map[string]int64{"2025-03-01": {"checks:phone": 1}}
	sameJSON(t, "counters after a cancelled add", mustCounters(t, s, "2025-03-01", "2025-03-01"), want)
}
