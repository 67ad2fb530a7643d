package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// RunWarnings runs the conformance suite of indicators.WarningStore. It
// pins down, besides the interface's documented rules:
//
//   - DedupeKey round-trips through the store (Warning's JSON hides it,
//     the store must not lose it); a dedupe conflict stores nothing, and
//     of many concurrent creates of one wave exactly one succeeds.
//   - UpdateWarning keeps DedupeKey and CreatedAt whatever fn does and
//     refuses (ErrInvalidInput) a changed ID or an invalid result; a
//     status change moves the warning between status listings.
//   - ListWarnings with an unknown status gives ErrInvalidInput.
//   - Empty pages are empty slices, not nil.
func RunWarnings(t *testing.T, newStore func(t *testing.T) indicators.WarningStore) {
	t.Helper()
	runSuite(t, newStore, []subtest[indicators.WarningStore]{
		{"CreateGet", testWarningCreateGet},
		{"CreateDuplicateID", testWarningDuplicateID},
		{"CreateDedupe", testWarningDedupe},
		{"CreateDedupeConcurrent", testWarningDedupeConcurrent},
		{"CreateInvalid", testWarningInvalid},
		{"GetMissing", testWarningGetMissing},
		{"ListPagingAndStatus", testWarningList},
		{"UpdatePublishExpire", testWarningUpdate},
		{"UpdateRefused", testWarningUpdateRefused},
		{"UpdateConcurrent", testWarningUpdateConcurrent},
		{"ContextCancelled", testWarningContextCancelled},
	})
}

// WarningID returns the i-th test warning id, "w-000123"; ids sort in the
// order of i.
func WarningID(i int) string { return fmt.Sprintf("w-%06d", i) }

// NewWarning returns a valid draft warning with id WarningID(i), linking a
// phone and a domain, created i minutes after Epoch.
func NewWarning(i int) indicators.Warning {
	return indicators.Warning{
		ID:        WarningID(i),
		TitleVI:   fmt.Sprintf("Cảnh báo giả danh công an số %d", i),
		TitleEN:   fmt.Sprintf("Fake police calls, wave %d", i),
		BodyVI:    "Nhiều người dân nhận cuộc gọi giả danh công an yêu cầu chuyển tiền.",
		BodyEN:    "Many people receive calls from fake police asking for money.",
		Severity:  indicators.SeverityWarning,
		Category:  indicators.CategoryPhishing,
		Keys:      []indicators.Key{PhoneKey(i), DomainKey(i)},
		Status:    indicators.WarningDraft,
		Author:    "police-hn",
		CreatedAt: Epoch.Add(time.Duration(i) * time.Minute),
	}
}

func mustCreateWarning(t *testing.T, s indicators.WarningStore, w indicators.Warning) {
	t.Helper()
	if err := s.CreateWarning(t.Context(), w); err != nil {
		t.Fatalf("CreateWarning(%s): %v", w.ID, err)
	}
}

func mustGetWarning(t *testing.T, s indicators.WarningStore, id string) indicators.Warning {
	t.Helper()
	w, err := s.GetWarning(t.Context(), id)
	if err != nil {
		t.Fatalf("GetWarning(%s): %v", id, err)
	}
	return w
}

// walkWarnings lists every warning of status, page by page, and returns
// the ids.
func walkWarnings(t *testing.T, s indicators.WarningStore, status indicators.WarningStatus, limit int) []string {
	t.Helper()
	ids := []string{}
	cursor := ""
	for range 1000 {
		p, err := s.ListWarnings(t.Context(), indicators.WarningFilter{Status: status, Cursor: cursor, Limit: limit})
		if err != nil {
			t.Fatalf("ListWarnings(%q, %q): %v", status, cursor, err)
		}
		if p.Warnings == nil {
			t.Fatalf("ListWarnings gave a nil slice")
		}
		if len(p.Warnings) > limit {
			t.Fatalf("page of %d warnings, limit %d", len(p.Warnings), limit)
		}
		for _, w := range p.Warnings {
			if status != "" && w.Status != status {
				t.Errorf("listing of %s holds %s in %s", status, w.ID, w.Status)
			}
			ids = append(ids, w.ID)
		}
		if p.Next == "" {
			return ids
		}
		cursor = p.Next
	}
	t.Fatal("paging does not end")
	return nil
}

func testWarningCreateGet(t *testing.T, s indicators.WarningStore) {
	w := NewWarning(1)
	w.Rule = "distinct_reporters"
	w.DedupeKey = "distinct_reporters|phone:+84910000001|2025-03-01T08"
	mustCreateWarning(t, s, w)
	sameJSON(t, "GetWarning", mustGetWarning(t, s, w.ID), w)
	if got := mustGetWarning(t, s, w.ID); got.DedupeKey != w.DedupeKey {
		t.Errorf("DedupeKey = %q, want %q", got.DedupeKey, w.DedupeKey)
	}
	// A zero CreatedAt is filled in by the store.
	w2 := NewWarning(2)
	w2.CreatedAt = time.Time{}
	mustCreateWarning(t, s, w2)
	if got := mustGetWarning(t, s, w2.ID); got.CreatedAt.IsZero() {
		t.Error("zero CreatedAt stayed zero")
	}
}

func testWarningDuplicateID(t *testing.T, s indicators.WarningStore) {
	w := NewWarning(1)
	mustCreateWarning(t, s, w)
	dup := NewWarning(1)
	dup.TitleVI = "Khác"
	wantErr(t, "duplicate id", s.CreateWarning(t.Context(), dup), indicators.ErrConflict)
	sameJSON(t, "after duplicate", mustGetWarning(t, s, w.ID), w)
}

func testWarningDedupe(t *testing.T, s indicators.WarningStore) {
	a, b := NewWarning(1), NewWarning(2)
	a.DedupeKey, b.DedupeKey = "wave-1", "wave-1"
	mustCreateWarning(t, s, a)
	wantErr(t, "same dedupe key", s.CreateWarning(t.Context(), b), indicators.ErrConflict)
	if _, err := s.GetWarning(t.Context(), b.ID); !errorsIsNotFound(err) {
		t.Errorf("the refused warning was stored: err = %v", err)
	}
	if ids := walkWarnings(t, s, "", 10); !slices.Equal(ids, []string{a.ID}) {
		t.Errorf("warnings = %v, want only %s", ids, a.ID)
	}
	// Warnings without a dedupe key never collide with one another.
	c, d := NewWarning(3), NewWarning(4)
	mustCreateWarning(t, s, c)
	mustCreateWarning(t, s, d)
	// A duplicate ID does not take the dedupe key of a wave for itself.
	e := NewWarning(1)
	e.DedupeKey = "wave-2"
	wantErr(t, "duplicate id with a new dedupe key", s.CreateWarning(t.Context(), e), indicators.ErrConflict)
	f := NewWarning(5)
	f.DedupeKey = "wave-2"
	mustCreateWarning(t, s, f)
}

func errorsIsNotFound(err error) bool {
	return err != nil && errors.Is(err, indicators.ErrNotFound)
}

func testWarningDedupeConcurrent(t *testing.T, s indicators.WarningStore) {
	const n = 16
	var wg sync.WaitGroup
	var created, conflicts atomic.Int32
	for i := range n {
		wg.Go(func() {
			w := NewWarning(i + 1)
			w.DedupeKey = "surge|phone:+84912345678|2025-03-01T08:00"
			err := s.CreateWarning(t.Context(), w)
			switch {
			case err == nil:
				created.Add(1)
			case errors.Is(err, indicators.ErrConflict):
				conflicts.Add(1)
			default:
				t.Errorf("CreateWarning: %v", err)
			}
		})
	}
	wg.Wait()
	if created.Load() != 1 || conflicts.Load() != n-1 {
		t.Errorf("%d created and %d conflicts of %d racing drafts, want 1 and %d", created.Load(), conflicts.Load(), n, n-1)
	}
	if ids := walkWarnings(t, s, "", 100); len(ids) != 1 {
		t.Errorf("stored %v, want one warning", ids)
	}
}

func testWarningInvalid(t *testing.T, s indicators.WarningStore) {
	tests := []struct {
		name string
		edit func(w *indicators.Warning)
	}{
		{"NoID", func(w *indicators.Warning) { w.ID = "" }},
		{"NoTitle", func(w *indicators.Warning) { w.TitleVI, w.TitleEN = " ", "" }},
		{"UnknownSeverity", func(w *indicators.Warning) { w.Severity = "urgent" }},
		{"UnknownStatus", func(w *indicators.Warning) { w.Status = "live" }},
		{"BadKey", func(w *indicators.Warning) { w.Keys = []indicators.Key{"phone"} }},
		{"UnknownCategory", func(w *indicators.Warning) { w.Category = "aliens" }},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWarning(i + 1)
			w.DedupeKey = "wave-" + tc.name
			tc.edit(&w)
			wantErr(t, "CreateWarning", s.CreateWarning(t.Context(), w), indicators.ErrInvalidInput)
		})
	}
	if ids := walkWarnings(t, s, "", 100); len(ids) != 0 {
		t.Errorf("invalid warnings stored: %v", ids)
	}
	// The dedupe keys of refused warnings stay free.
	w := NewWarning(50)
	w.DedupeKey = "wave-NoTitle"
	mustCreateWarning(t, s, w)
}

func testWarningGetMissing(t *testing.T, s indicators.WarningStore) {
	_, err := s.GetWarning(t.Context(), "w-missing")
	wantErr(t, "GetWarning", err, indicators.ErrNotFound)
	_, err = s.UpdateWarning(t.Context(), "w-missing", func(*indicators.Warning) error { return nil })
	wantErr(t, "UpdateWarning", err, indicators.ErrNotFound)
}

func testWarningList(t *testing.T, s indicators.WarningStore) {
	if p, err := s.ListWarnings(t.Context(), indicators.WarningFilter{}); err != nil || p.Warnings == nil || len(p.Warnings) != 0 || p.Next != "" {
		t.Errorf("empty store: %+v, %v; want an empty non-nil page", p, err)
	}
	var all, published []string
	for _, i := range []int{5, 1, 9, 3, 7, 2, 8} { // out of order: listing is by id
		w := NewWarning(i)
		if i%2 == 1 {
			w.Status = indicators.WarningPublished
			w.PublishedAt = Epoch.Add(time.Hour)
			w.PublishedBy = "admin"
		}
		mustCreateWarning(t, s, w)
	}
	for _, i := range []int{1, 2, 3, 5, 7, 8, 9} {
		all = append(all, WarningID(i))
		if i%2 == 1 {
			published = append(published, WarningID(i))
		}
	}
	for _, limit := range []int{1, 2, 3, 100} {
		if got := walkWarnings(t, s, "", limit); !slices.Equal(got, all) {
			t.Errorf("limit %d: all = %v, want %v", limit, got, all)
		}
		if got := walkWarnings(t, s, indicators.WarningPublished, limit); !slices.Equal(got, published) {
			t.Errorf("limit %d: published = %v, want %v", limit, got, published)
		}
	}
	if got := walkWarnings(t, s, indicators.WarningExpired, 10); len(got) != 0 {
		t.Errorf("expired = %v, want none", got)
	}
	_, err := s.ListWarnings(t.Context(), indicators.WarningFilter{Status: "live"})
	wantErr(t, "unknown status", err, indicators.ErrInvalidInput)
}

func testWarningUpdate(t *testing.T, s indicators.WarningStore) {
	w := NewWarning(1)
	w.DedupeKey = "wave-1"
	mustCreateWarning(t, s, w)
	at := Epoch.Add(2 * time.Hour)
	got, err := s.UpdateWarning(t.Context(), w.ID, func(w *indicators.Warning) error {
		w.Status, w.PublishedAt, w.PublishedBy = indicators.WarningPublished, at, "admin"
		w.DedupeKey, w.CreatedAt = "hijacked", at // store-owned: kept
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := w
	want.Status, want.PublishedAt, want.PublishedBy = indicators.WarningPublished, at, "admin"
	sameJSON(t, "returned", got, want)
	sameJSON(t, "stored", mustGetWarning(t, s, w.ID), want)
	if g := mustGetWarning(t, s, w.ID); g.DedupeKey != "wave-1" {
		t.Errorf("DedupeKey after update = %q, want wave-1", g.DedupeKey)
	}
	if ids := walkWarnings(t, s, indicators.WarningPublished, 10); !slices.Equal(ids, []string{w.ID}) {
		t.Errorf("published = %v after publish", ids)
	}
	if ids := walkWarnings(t, s, indicators.WarningDraft, 10); len(ids) != 0 {
		t.Errorf("drafts = %v after publish, want none", ids)
	}
	if _, err := s.UpdateWarning(t.Context(), w.ID, func(w *indicators.Warning) error {
		w.Status = indicators.WarningExpired
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if ids := walkWarnings(t, s, indicators.WarningPublished, 10); len(ids) != 0 {
		t.Errorf("published = %v after expiry, want none", ids)
	}
	if ids := walkWarnings(t, s, indicators.WarningExpired, 10); !slices.Equal(ids, []string{w.ID}) {
		t.Errorf("expired = %v after expiry", ids)
	}
	// The dedupe key still blocks a second draft of the same wave.
	again := NewWarning(2)
	again.DedupeKey = "wave-1"
	wantErr(t, "dedupe after update", s.CreateWarning(t.Context(), again), indicators.ErrConflict)
}

func testWarningUpdateRefused(t *testing.T, s indicators.WarningStore) {
	w := NewWarning(1)
	mustCreateWarning(t, s, w)
	abort := fmt.Errorf("not allowed")
	tests := []struct {
		name   string
		fn     func(*indicators.Warning) error
		target error
	}{
		{"FnError", func(w *indicators.Warning) error { w.TitleVI = "x"; return abort }, abort},
		{"ChangedID", func(w *indicators.Warning) error { w.ID = "w-other"; return nil }, indicators.ErrInvalidInput},
		{"BadSeverity", func(w *indicators.Warning) error { w.Severity = "urgent"; return nil }, indicators.ErrInvalidInput},
		{"NoTitle", func(w *indicators.Warning) error { w.TitleVI, w.TitleEN = "", ""; return nil }, indicators.ErrInvalidInput},
		{"BadStatus", func(w *indicators.Warning) error { w.Status = "live"; return nil }, indicators.ErrInvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.UpdateWarning(t.Context(), w.ID, tc.fn)
			wantErr(t, "UpdateWarning", err, tc.target)
			sameJSON(t, "unchanged", mustGetWarning(t, s, w.ID), w)
		})
	}
	if _, err := s.GetWarning(t.Context(), "w-other"); !errorsIsNotFound(err) {
		t.Errorf("w-other: err = %v, want not found", err)
	}
}

func testWarningUpdateConcurrent(t *testing.T, s indicators.WarningStore) {
	const workers, perWorker = 4, 6
	mustCreateWarning(t, s, NewWarning(1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range perWorker {
				if _, err := s.UpdateWarning(t.Context(), WarningID(1), func(x *indicators.Warning) error {
					x.BodyEN += string(rune('a' + w))
					return nil
				}); err != nil {
					t.Errorf("UpdateWarning: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	body := mustGetWarning(t, s, WarningID(1)).BodyEN
	for w := range workers {
		c := string(rune('a' + w))
		n, base := strings.Count(body, c), strings.Count(NewWarning(1).BodyEN, c)
		if n-base != perWorker {
			t.Errorf("worker %d's appends: %d, want %d", w, n-base, perWorker)
		}
	}
}

func testWarningContextCancelled(t *testing.T, s indicators.WarningStore) {
	mustCreateWarning(t, s, NewWarning(1))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"CreateWarning", func(ctx context.Context) error { return s.CreateWarning(ctx, NewWarning(2)) }},
		{"GetWarning", func(ctx context.Context) error { _, err := s.GetWarning(ctx, WarningID(1)); return err }},
		{"ListWarnings", func(ctx context.Context) error {
			_, err := s.ListWarnings(ctx, indicators.WarningFilter{})
			return err
		}},
		{"UpdateWarning", func(ctx context.Context) error {
			_, err := s.UpdateWarning(ctx, WarningID(1), func(w *indicators.Warning) error {
				w.Status = indicators.WarningPublished
				return nil
			})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.name, tc.op(ctx), context.Canceled)
		})
	}
	if _, err := s.GetWarning(t.Context(), WarningID(2)); !errorsIsNotFound(err) {
		t.Errorf("warning created under a cancelled context: err = %v", err)
	}
	if w := mustGetWarning(t, s, WarningID(1)); w.Status != indicators.WarningDraft {
		t.Errorf("status %s after a cancelled update, want draft", w.Status)
	}
}
