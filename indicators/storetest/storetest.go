// Package storetest is the conformance suite every indicators.Store passes.
//
// A backend's test file is a few lines:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) indicators.Store {
//			s, err := mystore.Open(...)   // fresh and empty
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Every subtest calls newStore once and expects an empty store, so subtests
// never see each other's data. RunConcurrent is the variant meant for
// `go test -race`: concurrent writers and readers on one store.
//
// The suite only uses the Store interface and the package indicators rules
// (Merge, ListOptions.Matches, Counts.Add); it knows nothing of a backend.
// Records carry fixed times (Epoch), so nothing depends on the wall clock
// except UpdatedAt, which the suite compares only between reads of the same
// store.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// Epoch is the fixed time the suite's records are first seen at.
var Epoch = time.Date(2025, time.March, 1, 8, 0, 0, 0, time.UTC)

// DomainKey returns the i-th test domain key, "domain:test-000123.example.vn".
// Keys sort in the order of i (zero-padded) for 0 <= i < 1e6.
func DomainKey(i int) indicators.Key {
	return indicators.NewKey(indicators.KindDomain, fmt.Sprintf("test-%06d.example.vn", i))
}

// PhoneKey returns the i-th test phone key, a Vinaphone mobile number
// "phone:+8491xxxxxxx" (i modulo 1e7).
func PhoneKey(i int) indicators.Key {
	return indicators.NewKey(indicators.KindPhone, fmt.Sprintf("+8491%07d", i%10_000_000))
}

// BankKey returns the i-th test bank account key at Vietcombank (BIN 970436),
// "bank_account:970436:001100xxxxxxx" (i modulo 1e7).
func BankKey(i int) indicators.Key {
	return indicators.NewKey(indicators.KindBankAccount, fmt.Sprintf("970436:001100%07d", i%10_000_000))
}

// URLKey returns the i-th test URL key for http://evil-000123.example.vn/login.
// The canonical URL form belongs to indicators.NormalizeURL, so the key is
// derived from it rather than spelled here; should the normalizer reject
// the URL, the raw key is returned and the store's validation will say so.
func URLKey(i int) indicators.Key {
	raw := fmt.Sprintf("http://evil-%06d.example.vn/login", i)
	if k, err := indicators.NormalizeURL(raw); err == nil {
		return k
	}
	return indicators.NewKey(indicators.KindURL, raw)
}

// KeyOf returns the i-th test key of kind.
func KeyOf(kind indicators.Kind, i int) indicators.Key {
	switch kind {
	case indicators.KindPhone:
		return PhoneKey(i)
	case indicators.KindBankAccount:
		return BankKey(i)
	case indicators.KindURL:
		return URLKey(i)
	}
	return DomainKey(i)
}

// Record returns a fresh reported scam record for key, seen at Epoch from
// source (no source when empty).
func Record(key indicators.Key, source string) indicators.Record {
	r := indicators.NewRecord(key, source, Epoch)
	r.Category = indicators.CategoryScam
	return r
}

// Run runs the conformance suite. newStore must return a fresh, empty store
// and register its Close with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) indicators.Store) {
	t.Helper()
	runSuite(t, newStore, []subtest[indicators.Store]{
		{"UpsertAdds", testUpsertAdds},
		{"UpsertIdempotent", testUpsertIdempotent},
		{"UpsertMerge", testUpsertMerge},
		{"UpsertDuplicateKeysInBatch", testUpsertDuplicateKeysInBatch},
		{"UpsertInvalidRefusesBatch", testUpsertInvalidRefusesBatch},
		{"GetUnknown", testGetUnknown},
		{"GetOrderAndDuplicates", testGetOrderAndDuplicates},
		{"UpdateCreate", testUpdateCreate},
		{"UpdateModify", testUpdateModify},
		{"UpdateAbort", testUpdateAbort},
		{"UpdateInvalid", testUpdateInvalid},
		{"DelistViaUpdate", testDelistViaUpdate},
		{"ListFilters", testListFilters},
		{"ListPaging", testListPaging},
		{"ListPagingStableUnderWrites", testListPagingStableUnderWrites},
		{"Iterate", testIterate},
		{"CountsAndSources", testCountsAndSources},
		{"LargeBatch", testLargeBatch},
		{"ContextCancelled", testContextCancelled},
		{"Ping", testPing},
	})
}

// subtest is one named part of a suite over stores of type S.
type subtest[S any] struct {
	name string
	fn   func(t *testing.T, s S)
}

// runSuite runs each of tests as a subtest on a store of its own from
// newStore, so that no subtest sees another's data.
func runSuite[S any](t *testing.T, newStore func(t *testing.T) S, tests []subtest[S]) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

// --- helpers -----------------------------------------------------------------

func mustUpsert(t *testing.T, s indicators.Store, recs ...indicators.Record) []indicators.Change {
	t.Helper()
	changes, err := s.Upsert(t.Context(), recs)
	if err != nil {
		t.Fatalf("Upsert(%d records): %v", len(recs), err)
	}
	if len(changes) != len(recs) {
		t.Fatalf("Upsert(%d records) returned %d changes", len(recs), len(changes))
	}
	return changes
}

func mustGet(t *testing.T, s indicators.Store, keys ...indicators.Key) []*indicators.Record {
	t.Helper()
	got, err := s.Get(t.Context(), keys)
	if err != nil {
		t.Fatalf("Get(%d keys): %v", len(keys), err)
	}
	if len(got) != len(keys) {
		t.Fatalf("Get(%d keys) returned %d records", len(keys), len(got))
	}
	for i, r := range got {
		if r != nil && r.Key != keys[i] {
			t.Fatalf("Get: position %d holds %q, want %q", i, r.Key, keys[i])
		}
	}
	return got
}

func mustGetOne(t *testing.T, s indicators.Store, key indicators.Key) indicators.Record {
	t.Helper()
	r := mustGet(t, s, key)[0]
	if r == nil {
		t.Fatalf("Get(%q) = nil, want a record", key)
	}
	return *r
}

// canonical strips what a round trip through storage may legitimately
// change without changing meaning: time zones and monotonic readings, and
// nil versus empty slices.
func canonical(r indicators.Record) indicators.Record {
	utc := func(t time.Time) time.Time {
		if t.IsZero() {
			return time.Time{}
		}
		return t.UTC()
	}
	r.FirstSeen, r.LastSeen, r.ExpiresAt = utc(r.FirstSeen), utc(r.LastSeen), utc(r.ExpiresAt)
	r.ConfirmedAt, r.UpdatedAt = utc(r.ConfirmedAt), utc(r.UpdatedAt)
	if len(r.Sources) == 0 {
		r.Sources = nil
	} else {
		r.Sources = slices.Clone(r.Sources)
		for i := range r.Sources {
			r.Sources[i].FirstSeen, r.Sources[i].LastSeen = utc(r.Sources[i].FirstSeen), utc(r.Sources[i].LastSeen)
		}
	}
	return r
}

func dump(r indicators.Record) string {
	b, _ := json.Marshal(r)
	return string(b)
}

// assertEqual fails unless got and want mean the same record, UpdatedAt
// included.
func assertEqual(t *testing.T, what string, got, want indicators.Record) {
	t.Helper()
	if !reflect.DeepEqual(canonical(got), canonical(want)) {
		t.Errorf("%s:\n got  %s\n want %s", what, dump(got), dump(want))
	}
}

// assertSameContent is assertEqual without UpdatedAt, which the store sets
// from its own clock.
func assertSameContent(t *testing.T, what string, got, want indicators.Record) {
	t.Helper()
	got.UpdatedAt, want.UpdatedAt = time.Time{}, time.Time{}
	assertEqual(t, what, got, want)
}

// Walk pages through List until Next is empty and checks the paging
// invariants on the way: each page respects the limit and matches the
// filter, no key comes twice in the walk, Next moves on, and the walk ends.
// Without a filter every page but the last must be full (a store has no
// reason to return short pages then). It returns the records in the
// store's own order (see indicators.Store.List) and the number of pages.
func Walk(t *testing.T, s indicators.Store, opts indicators.ListOptions) (records []indicators.Record, pages int) {
	t.Helper()
	full := opts.Kind == "" && opts.Status == "" && opts.Source == "" && opts.Category == ""
	var all []indicators.Record
	seen := map[indicators.Key]bool{}
	limit := opts.EffectiveLimit()
	for pages = 1; ; pages++ {
		if pages > 10_000 {
			t.Fatalf("List(%+v): walk did not end after %d pages", opts, pages)
		}
		page, err := s.List(t.Context(), opts)
		if err != nil {
			t.Fatalf("List(%+v): %v", opts, err)
		}
		if len(page.Records) > limit {
			t.Fatalf("List(%+v) returned %d records, limit %d", opts, len(page.Records), limit)
		}
		for _, r := range page.Records {
			if seen[r.Key] {
				t.Fatalf("List(%+v): key %q returned twice in one walk", opts, r.Key)
			}
			if !opts.Matches(&r) {
				t.Fatalf("List(%+v): record %s does not match the filter", opts, dump(r))
			}
			seen[r.Key] = true
			all = append(all, r)
		}
		if page.Next == "" {
			return all, pages
		}
		// A full page ends at its Next; a short filtered page may go on
		// past its last match (see indicators.Store.List).
		if n := len(page.Records); n == limit && page.Next != page.Records[n-1].Key {
			t.Fatalf("List(%+v): Next %q is not the full page's last key %q", opts, page.Next, page.Records[n-1].Key)
		}
		if page.Next == opts.Cursor {
			t.Fatalf("List(%+v): Next %q does not move on", opts, page.Next)
		}
		if full && len(page.Records) != limit {
			t.Fatalf("List(%+v): unfiltered page with Next has %d records, want %d", opts, len(page.Records), limit)
		}
		opts.Cursor = page.Next
	}
}

// sortedKeys returns the keys of recs in key order.
func sortedKeys(recs []indicators.Record) []indicators.Key {
	keys := keysOf(recs)
	slices.Sort(keys)
	return keys
}

func keysOf(recs []indicators.Record) []indicators.Key {
	keys := make([]indicators.Key, len(recs))
	for i, r := range recs {
		keys[i] = r.Key
	}
	return keys
}

// mixed returns n records of each kind with varied status, category and
// sources, for the filter, iterate and count tests.
func mixed(n int) []indicators.Record {
	statuses := []indicators.Status{indicators.StatusReported, indicators.StatusConfirmed, indicators.StatusReported, indicators.StatusTrusted}
	cats := []indicators.Category{indicators.CategoryScam, indicators.CategoryPhishing, "", indicators.CategoryInvestment, indicators.CategoryScam}
	var recs []indicators.Record
	for _, kind := range indicators.Kinds {
		for i := range n {
			src := "feed-a"
			if i%3 == 1 {
				src = "feed-b"
			}
			r := Record(KeyOf(kind, i), src)
			if i%4 == 2 {
				r.Sources = append(r.Sources, indicators.Source{Name: "hotline", FirstSeen: Epoch, LastSeen: Epoch})
				r.Reports = 2
			}
			r.Status = statuses[(i+len(kind))%len(statuses)]
			r.Category = cats[i%len(cats)]
			recs = append(recs, r)
		}
	}
	return recs
}

// --- Upsert ------------------------------------------------------------------

func testUpsertAdds(t *testing.T, s indicators.Store) {
	in := []indicators.Record{Record(DomainKey(1), "feed-a"), Record(DomainKey(2), ""), Record(DomainKey(3), "feed-b")}
	in[1].Note, in[1].Level, in[1].ExpiresAt = "a note", "high", Epoch.Add(30*24*time.Hour)
	for i, c := range mustUpsert(t, s, in...) {
		if c != indicators.ChangeAdded {
			t.Errorf("change[%d] = %v, want added", i, c)
		}
	}
	got := mustGet(t, s, keysOf(in)...)
	for i, r := range got {
		if r == nil {
			t.Fatalf("Get(%q) = nil after upsert", in[i].Key)
		}
		want, _ := indicators.Merge(nil, in[i], Epoch)
		assertSameContent(t, "stored record", *r, want)
		if r.UpdatedAt.IsZero() {
			t.Errorf("%q: UpdatedAt is zero after an add", r.Key)
		}
	}
}

func testUpsertIdempotent(t *testing.T, s indicators.Store) {
	in := mixed(3)
	mustUpsert(t, s, in...)
	before := mustGet(t, s, keysOf(in)...)
	for i, c := range mustUpsert(t, s, in...) {
		if c != indicators.ChangeUnchanged {
			t.Errorf("second upsert of %q: %v, want unchanged", in[i].Key, c)
		}
	}
	after := mustGet(t, s, keysOf(in)...)
	for i := range in {
		if before[i] == nil || after[i] == nil {
			t.Fatalf("%q missing after upsert", in[i].Key)
		}
		assertEqual(t, "record after identical re-upsert", *after[i], *before[i])
	}
}

func testUpsertMerge(t *testing.T, s indicators.Store) {
	later := Epoch.Add(24 * time.Hour)
	src := func(name, ext string, first, last time.Time) indicators.Source {
		return indicators.Source{Name: name, ExternalID: ext, FirstSeen: first, LastSeen: last}
	}
	tests := []struct {
		name     string
		existing func(r *indicators.Record)
		incoming func(r *indicators.Record)
		change   indicators.Change
		check    func(t *testing.T, r indicators.Record)
	}{
		{
			name:     "new source joins and counts as a report",
			incoming: func(r *indicators.Record) { r.Sources = []indicators.Source{src("feed-b", "", Epoch, Epoch)} },
			change:   indicators.ChangeUpdated,
			check: func(t *testing.T, r indicators.Record) {
				if !slices.Equal(r.SourceNames(), []string{"feed-a", "feed-b"}) || r.Reports != 2 {
					t.Errorf("sources %v reports %d, want [feed-a feed-b] and 2", r.SourceNames(), r.Reports)
				}
			},
		},
		{
			name:   "same source again changes nothing",
			change: indicators.ChangeUnchanged,
			check: func(t *testing.T, r indicators.Record) {
				if r.Reports != 1 || len(r.Sources) != 1 {
					t.Errorf("reports %d sources %v, want 1 and [feed-a]", r.Reports, r.SourceNames())
				}
			},
		},
		{
			name:     "higher report count wins",
			incoming: func(r *indicators.Record) { r.Reports = 7 },
			change:   indicators.ChangeUpdated,
			check: func(t *testing.T, r indicators.Record) {
				if r.Reports != 7 {
					t.Errorf("reports %d, want 7", r.Reports)
				}
			},
		},
		{
			name:     "lower report count is ignored",
			existing: func(r *indicators.Record) { r.Reports = 5 },
			incoming: func(r *indicators.Record) { r.Reports = 2 },
			change:   indicators.ChangeUnchanged,
			check: func(t *testing.T, r indicators.Record) {
				if r.Reports != 5 {
					t.Errorf("reports %d, want 5", r.Reports)
				}
			},
		},
		{
			name: "confirmed moves status forward",
			incoming: func(r *indicators.Record) {
				r.Status, r.ConfirmedBy, r.ConfirmedAt = indicators.StatusConfirmed, "police-hcm", later
			},
			change: indicators.ChangeUpdated,
			check: func(t *testing.T, r indicators.Record) {
				if r.Status != indicators.StatusConfirmed || r.ConfirmedBy != "police-hcm" || !r.ConfirmedAt.Equal(later) {
					t.Errorf("status %q by %q at %v, want confirmed by police-hcm at %v", r.Status, r.ConfirmedBy, r.ConfirmedAt, later)
				}
			},
		},
		{
			name:     "merge never moves status back",
			existing: func(r *indicators.Record) { r.Status = indicators.StatusConfirmed },
			change:   indicators.ChangeUnchanged,
			check: func(t *testing.T, r indicators.Record) {
				if r.Status != indicators.StatusConfirmed {
					t.Errorf("status %q, want confirmed", r.Status)
				}
			},
		},
		{
			name:     "merge does not delist",
			incoming: func(r *indicators.Record) { r.Status = indicators.StatusDelisted },
			change:   indicators.ChangeUnchanged,
			check: func(t *testing.T, r indicators.Record) {
				if r.Status != indicators.StatusReported {
					t.Errorf("status %q, want reported", r.Status)
				}
			},
		},
		{
			name:     "empty fields are filled",
			existing: func(r *indicators.Record) { r.Category = "" },
			incoming: func(r *indicators.Record) {
				r.Category, r.Level, r.HolderName, r.Note = indicators.CategoryPhishing, "high", "NGUYEN VAN A", "from hotline"
			},
			change: indicators.ChangeUpdated,
			check: func(t *testing.T, r indicators.Record) {
				if r.Category != indicators.CategoryPhishing || r.Level != "high" || r.HolderName != "NGUYEN VAN A" || r.Note != "from hotline" {
					t.Errorf("got %s, want category, level, holder and note filled", dump(r))
				}
			},
		},
		{
			name:     "filled fields are kept",
			existing: func(r *indicators.Record) { r.Note = "first" },
			incoming: func(r *indicators.Record) { r.Category, r.Note = indicators.CategoryGambling, "second" },
			change:   indicators.ChangeUnchanged,
			check: func(t *testing.T, r indicators.Record) {
				if r.Category != indicators.CategoryScam || r.Note != "first" {
					t.Errorf("category %q note %q, want scam and first", r.Category, r.Note)
				}
			},
		},
		{
			name: "source and record seen times widen, external id is kept once known",
			incoming: func(r *indicators.Record) {
				r.Sources = []indicators.Source{src("feed-a", "ext-42", Epoch.Add(-time.Hour), later)}
				r.FirstSeen, r.LastSeen = Epoch.Add(-time.Hour), later
			},
			change: indicators.ChangeUpdated,
			check: func(t *testing.T, r indicators.Record) {
				want := src("feed-a", "ext-42", Epoch.Add(-time.Hour), later)
				if len(r.Sources) != 1 || !reflect.DeepEqual(canonical(indicators.Record{Sources: r.Sources}).Sources[0], want) {
					t.Errorf("sources %+v, want [%+v]", r.Sources, want)
				}
				if !r.FirstSeen.Equal(Epoch.Add(-time.Hour)) || !r.LastSeen.Equal(later) {
					t.Errorf("first/last seen %v/%v, want %v/%v", r.FirstSeen, r.LastSeen, Epoch.Add(-time.Hour), later)
				}
			},
		},
		{
			name:     "expiry extends",
			existing: func(r *indicators.Record) { r.ExpiresAt = later },
			incoming: func(r *indicators.Record) { r.ExpiresAt = later.Add(24 * time.Hour) },
			change:   indicators.ChangeUpdated,
			check: func(t *testing.T, r indicators.Record) {
				if !r.ExpiresAt.Equal(later.Add(24 * time.Hour)) {
					t.Errorf("expires %v, want %v", r.ExpiresAt, later.Add(24*time.Hour))
				}
			},
		},
		{
			name:     "no expiry wins",
			existing: func(r *indicators.Record) { r.ExpiresAt = later },
			change:   indicators.ChangeUpdated,
			check: func(t *testing.T, r indicators.Record) {
				if !r.ExpiresAt.IsZero() {
					t.Errorf("expires %v, want never", r.ExpiresAt)
				}
			},
		},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := DomainKey(100 + i)
			existing, incoming := Record(key, "feed-a"), Record(key, "feed-a")
			if tc.existing != nil {
				tc.existing(&existing)
			}
			if tc.incoming != nil {
				tc.incoming(&incoming)
			}
			mustUpsert(t, s, existing)
			stored := mustGetOne(t, s, key)
			changes := mustUpsert(t, s, incoming)
			if changes[0] != tc.change {
				t.Errorf("change = %v, want %v", changes[0], tc.change)
			}
			got := mustGetOne(t, s, key)
			tc.check(t, got)
			// The store must apply exactly the shared merge rule.
			want, change := indicators.Merge(&stored, incoming, Epoch)
			if change != tc.change {
				t.Fatalf("test table disagrees with indicators.Merge: change %v, want %v", change, tc.change)
			}
			assertSameContent(t, "merged record", got, want)
			if tc.change == indicators.ChangeUnchanged && !got.UpdatedAt.Equal(stored.UpdatedAt) {
				t.Errorf("UpdatedAt moved from %v to %v on an unchanged merge", stored.UpdatedAt, got.UpdatedAt)
			}
		})
	}
}

func testUpsertDuplicateKeysInBatch(t *testing.T, s indicators.Store) {
	key := DomainKey(7)
	changes := mustUpsert(t, s, Record(key, "feed-a"), Record(key, "feed-b"), Record(key, "feed-a"))
	want := []indicators.Change{indicators.ChangeAdded, indicators.ChangeUpdated, indicators.ChangeUnchanged}
	if !slices.Equal(changes, want) {
		t.Errorf("changes = %v, want %v (each record merged onto the one before it)", changes, want)
	}
	got := mustGetOne(t, s, key)
	if !slices.Equal(got.SourceNames(), []string{"feed-a", "feed-b"}) || got.Reports != 2 {
		t.Errorf("sources %v reports %d, want [feed-a feed-b] and 2", got.SourceNames(), got.Reports)
	}
}

func testUpsertInvalidRefusesBatch(t *testing.T, s indicators.Store) {
	tests := []struct {
		name string
		bad  func() indicators.Record
	}{
		{"unknown status", func() indicators.Record {
			r := Record(DomainKey(900), "feed-a")
			r.Status = "bogus"
			return r
		}},
		{"unknown category", func() indicators.Record {
			r := Record(DomainKey(900), "feed-a")
			r.Category = "bogus"
			return r
		}},
		{"non-canonical key", func() indicators.Record {
			return Record(indicators.Key("domain:WWW.Example.VN"), "feed-a")
		}},
		{"unknown kind", func() indicators.Record {
			return Record(indicators.Key("email:a@example.vn"), "feed-a")
		}},
		{"empty key", func() indicators.Record { return indicators.Record{Status: indicators.StatusReported} }},
		{"kind does not match key", func() indicators.Record {
			r := Record(DomainKey(900), "feed-a")
			r.Kind = indicators.KindPhone
			return r
		}},
		{"negative reports", func() indicators.Record {
			r := Record(DomainKey(900), "feed-a")
			r.Reports = -1
			return r
		}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var batch []indicators.Record
			for j := range 5 {
				batch = append(batch, Record(DomainKey(i*10+j), "feed-a"))
			}
			batch = slices.Insert(batch, 3, tc.bad())
			changes, err := s.Upsert(t.Context(), batch)
			if !errors.Is(err, indicators.ErrInvalidInput) {
				t.Fatalf("Upsert with %s: err = %v, want ErrInvalidInput", tc.name, err)
			}
			if changes != nil {
				t.Errorf("Upsert with %s returned changes %v along with the error", tc.name, changes)
			}
			for j, r := range mustGet(t, s, keysOf(batch)...) {
				if r != nil {
					t.Errorf("%q was written from a refused batch", batch[j].Key)
				}
			}
		})
	}
}

// --- Get ---------------------------------------------------------------------

func testGetUnknown(t *testing.T, s indicators.Store) {
	mustUpsert(t, s, Record(DomainKey(1), "feed-a"))
	got := mustGet(t, s, DomainKey(2), DomainKey(3), PhoneKey(2))
	for i, r := range got {
		if r != nil {
			t.Errorf("Get unknown key %d = %s, want nil", i, dump(*r))
		}
	}
	empty, err := s.Get(t.Context(), nil)
	if err != nil || len(empty) != 0 {
		t.Errorf("Get(nil) = %v, %v; want empty, nil", empty, err)
	}
}

func testGetOrderAndDuplicates(t *testing.T, s indicators.Store) {
	a, b, c := Record(DomainKey(1), "feed-a"), Record(DomainKey(2), "feed-b"), Record(PhoneKey(3), "feed-c")
	mustUpsert(t, s, a, b, c)
	keys := []indicators.Key{c.Key, a.Key, DomainKey(99), b.Key, c.Key, a.Key}
	got := mustGet(t, s, keys...)
	want := []*indicators.Record{&c, &a, nil, &b, &c, &a}
	for i := range keys {
		switch {
		case want[i] == nil && got[i] != nil:
			t.Errorf("position %d: got %q, want nil", i, got[i].Key)
		case want[i] != nil && got[i] == nil:
			t.Errorf("position %d: got nil, want %q", i, want[i].Key)
		case want[i] != nil:
			w, _ := indicators.Merge(nil, *want[i], Epoch)
			assertSameContent(t, fmt.Sprintf("position %d", i), *got[i], w)
		}
	}
}

// --- Update ------------------------------------------------------------------

func testUpdateCreate(t *testing.T, s indicators.Store) {
	key := BankKey(1)
	calls := 0
	before, after, err := s.Update(t.Context(), key, func(r *indicators.Record, exists bool) error {
		calls++
		if exists {
			t.Errorf("exists = true for a new key")
		}
		if r.Key != key || r.Kind != key.Kind() || r.Value != key.Value() {
			t.Errorf("new record %s, want key, kind and value of %q", dump(*r), key)
		}
		if r.Status != "" || r.Reports != 0 || len(r.Sources) != 0 {
			t.Errorf("new record %s, want only key, kind and value set", dump(*r))
		}
		r.Status, r.Category, r.Reports = indicators.StatusConfirmed, indicators.CategoryScam, 1
		r.FirstSeen, r.LastSeen, r.ConfirmedBy, r.ConfirmedAt = Epoch, Epoch, "police-hn", Epoch
		r.Sources = []indicators.Source{{Name: "police", FirstSeen: Epoch, LastSeen: Epoch}}
		return nil
	})
	if err != nil {
		t.Fatalf("Update(create): %v", err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times, want 1", calls)
	}
	if !reflect.DeepEqual(canonical(before), indicators.Record{}) {
		t.Errorf("before = %s, want the zero record", dump(before))
	}
	if after.Key != key || after.Status != indicators.StatusConfirmed || after.ConfirmedBy != "police-hn" {
		t.Errorf("after = %s, want the created record", dump(after))
	}
	assertEqual(t, "stored record vs after", mustGetOne(t, s, key), after)
}

func testUpdateModify(t *testing.T, s indicators.Store) {
	key := PhoneKey(5)
	mustUpsert(t, s, Record(key, "feed-a"))
	stored := mustGetOne(t, s, key)
	before, after, err := s.Update(t.Context(), key, func(r *indicators.Record, exists bool) error {
		if !exists {
			t.Errorf("exists = false for a stored key")
		}
		assertEqual(t, "record given to fn", *r, stored)
		r.Reports++
		r.Note = "called the hotline twice"
		r.Sources = append(r.Sources, indicators.Source{Name: "hotline", FirstSeen: Epoch, LastSeen: Epoch})
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	assertEqual(t, "before", before, stored)
	if after.Reports != 2 || after.Note != "called the hotline twice" || !slices.Equal(after.SourceNames(), []string{"feed-a", "hotline"}) {
		t.Errorf("after = %s, want reports 2, the note and sources [feed-a hotline]", dump(after))
	}
	if len(before.Sources) != 1 {
		t.Errorf("before.Sources = %v: fn's append leaked into the before record", before.SourceNames())
	}
	assertEqual(t, "stored record vs after", mustGetOne(t, s, key), after)
}

func testUpdateAbort(t *testing.T, s indicators.Store) {
	errAbort := errors.New("reviewer changed their mind")
	existing := DomainKey(1)
	mustUpsert(t, s, Record(existing, "feed-a"))
	stored := mustGetOne(t, s, existing)
	tests := []struct {
		name string
		key  indicators.Key
	}{
		{"existing key", existing},
		{"missing key", DomainKey(2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.Update(t.Context(), tc.key, func(r *indicators.Record, exists bool) error {
				r.Status, r.Reports, r.Note = indicators.StatusConfirmed, 99, "must not be written"
				return fmt.Errorf("abort: %w", errAbort)
			})
			if !errors.Is(err, errAbort) {
				t.Fatalf("Update err = %v, want fn's error", err)
			}
		})
	}
	assertEqual(t, "record after aborted update", mustGetOne(t, s, existing), stored)
	if r := mustGet(t, s, DomainKey(2))[0]; r != nil {
		t.Errorf("aborted create wrote %s", dump(*r))
	}
}

func testUpdateInvalid(t *testing.T, s indicators.Store) {
	existing := DomainKey(1)
	mustUpsert(t, s, Record(existing, "feed-a"))
	stored := mustGetOne(t, s, existing)
	tests := []struct {
		name string
		key  indicators.Key
		fn   func(r *indicators.Record, exists bool) error
	}{
		{"fn sets an unknown status", existing, func(r *indicators.Record, _ bool) error {
			r.Status = "bogus"
			return nil
		}},
		{"fn changes the key", existing, func(r *indicators.Record, _ bool) error {
			r.Key, r.Value = DomainKey(2), DomainKey(2).Value()
			return nil
		}},
		{"fn creates without a status", DomainKey(3), func(r *indicators.Record, _ bool) error {
			r.Reports = 1
			return nil
		}},
		{"non-canonical key", indicators.Key("domain:WWW.TEST-000001.Example.VN"), func(r *indicators.Record, _ bool) error {
			r.Status = indicators.StatusReported
			return nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.Update(t.Context(), tc.key, tc.fn)
			if !errors.Is(err, indicators.ErrInvalidInput) {
				t.Fatalf("Update err = %v, want ErrInvalidInput", err)
			}
		})
	}
	assertEqual(t, "record after refused updates", mustGetOne(t, s, existing), stored)
	for _, k := range []indicators.Key{DomainKey(2), DomainKey(3)} {
		if r := mustGet(t, s, k)[0]; r != nil {
			t.Errorf("refused update wrote %s", dump(*r))
		}
	}
}

func testDelistViaUpdate(t *testing.T, s indicators.Store) {
	recs := []indicators.Record{Record(DomainKey(1), "feed-a"), Record(DomainKey(2), "feed-a"), Record(DomainKey(3), "feed-a")}
	mustUpsert(t, s, recs...)
	_, after, err := s.Update(t.Context(), DomainKey(2), func(r *indicators.Record, _ bool) error {
		r.Status, r.Note = indicators.StatusDelisted, "owner proved it is legitimate"
		return nil
	})
	if err != nil {
		t.Fatalf("Update(delist): %v", err)
	}
	if after.Status != indicators.StatusDelisted {
		t.Fatalf("after.Status = %q, want delisted", after.Status)
	}
	tests := []struct {
		status indicators.Status
		want   []indicators.Key
	}{
		{indicators.StatusDelisted, []indicators.Key{DomainKey(2)}},
		{indicators.StatusReported, []indicators.Key{DomainKey(1), DomainKey(3)}},
		{"", []indicators.Key{DomainKey(1), DomainKey(2), DomainKey(3)}},
	}
	for _, tc := range tests {
		recs, _ := Walk(t, s, indicators.ListOptions{Status: tc.status})
		got := sortedKeys(recs)
		if !slices.Equal(got, tc.want) {
			t.Errorf("List(status %q) = %v, want %v", tc.status, got, tc.want)
		}
	}
	// A feed naming the delisted indicator again must not relist it: only
	// police/admin action (Update) does.
	changes := mustUpsert(t, s, Record(DomainKey(2), "feed-b"))
	if changes[0] != indicators.ChangeUpdated {
		t.Errorf("upsert with a new source: %v, want updated", changes[0])
	}
	if got := mustGetOne(t, s, DomainKey(2)); got.Status != indicators.StatusDelisted {
		t.Errorf("status after a feed re-upsert = %q, want delisted", got.Status)
	}
}

// --- List --------------------------------------------------------------------

func testListFilters(t *testing.T, s indicators.Store) {
	data := mixed(12)
	mustUpsert(t, s, data...)
	stored := mustGet(t, s, keysOf(data)...)
	tests := []struct {
		name string
		opts indicators.ListOptions
	}{
		{"kind", indicators.ListOptions{Kind: indicators.KindPhone}},
		{"kind url", indicators.ListOptions{Kind: indicators.KindURL}},
		{"status", indicators.ListOptions{Status: indicators.StatusConfirmed}},
		{"source", indicators.ListOptions{Source: "hotline"}},
		{"category", indicators.ListOptions{Category: indicators.CategoryPhishing}},
		{"kind and status", indicators.ListOptions{Kind: indicators.KindDomain, Status: indicators.StatusReported}},
		{"kind, source and category", indicators.ListOptions{Kind: indicators.KindBankAccount, Source: "feed-a", Category: indicators.CategoryScam}},
		{"nothing matches", indicators.ListOptions{Source: "no-such-feed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []indicators.Key
			for _, r := range stored {
				if tc.opts.Matches(r) {
					want = append(want, r.Key)
				}
			}
			slices.Sort(want)
			if tc.name != "nothing matches" && (len(want) == 0 || len(want) == len(data)) {
				t.Fatalf("test data gives %d of %d matches: the filter tests nothing", len(want), len(data))
			}
			for _, limit := range []int{0, 3} {
				opts := tc.opts
				opts.Limit = limit
				recs, _ := Walk(t, s, opts)
				got := sortedKeys(recs)
				if !slices.Equal(got, want) {
					t.Errorf("List(%+v) = %v, want %v", opts, got, want)
				}
			}
		})
	}
}

func testListPaging(t *testing.T, s indicators.Store) {
	const n = 250
	var data []indicators.Record
	for i := range n {
		data = append(data, Record(DomainKey(i*2), "feed-a"))
	}
	mustUpsert(t, s, data...)
	want := keysOf(data)

	page, err := s.List(t.Context(), indicators.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 100 || page.Next == "" {
		t.Errorf("List(default limit) = %d records, next %q; want 100 and a cursor", len(page.Records), page.Next)
	}

	var sizes []int
	opts := indicators.ListOptions{Limit: 100}
	for {
		page, err := s.List(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Records))
		if page.Next == "" || len(sizes) > 5 {
			break
		}
		opts.Cursor = page.Next
	}
	if !slices.Equal(sizes, []int{100, 100, 50}) {
		t.Errorf("page sizes with limit 100 = %v, want [100 100 50] with Next empty on the last", sizes)
	}

	// Every page size walks the same order, which holds every key once.
	recs, _ := Walk(t, s, indicators.ListOptions{Limit: 1000})
	order := keysOf(recs)
	if got := slices.Sorted(slices.Values(order)); !slices.Equal(got, want) {
		t.Fatalf("walk: %d keys, want all %d", len(got), len(want))
	}
	for _, limit := range []int{1, 7, 50, 250} {
		recs, _ := Walk(t, s, indicators.ListOptions{Limit: limit})
		if got := keysOf(recs); !slices.Equal(got, order) {
			t.Errorf("walk with limit %d: %d keys in another order than with limit 1000", limit, len(got))
		}
	}

	tests := []struct {
		name   string
		cursor indicators.Key
		want   []indicators.Key
	}{
		{"cursor is exclusive", order[18], order[19:22]},
		{"cursor is the first key", order[0], order[1:4]},
		{"next to last cursor", order[n-2], order[n-1:]},
		{"last key as cursor", order[n-1], nil},
		{"cursor before all", indicators.Key("a"), order[:3]},
		{"cursor after all", indicators.Key("zzz"), nil},
	}
	for _, tc := range tests {
		page, err := s.List(t.Context(), indicators.ListOptions{Cursor: tc.cursor, Limit: 3})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := keysOf(page.Records); !slices.Equal(got, tc.want) {
			t.Errorf("%s: List(cursor %q) = %v, want %v", tc.name, tc.cursor, got, tc.want)
		}
	}
}

func testListPagingStableUnderWrites(t *testing.T, s indicators.Store) {
	// Originals have even numbers; writes between pages add odd numbers
	// before and after the cursor and modify originals ahead of it.
	const n = 80
	present := map[indicators.Key]int{}
	var data []indicators.Record
	for i := range n {
		r := Record(DomainKey(i*2), "feed-a")
		data = append(data, r)
		present[r.Key] = 0
	}
	mustUpsert(t, s, data...)

	seen := map[indicators.Key]bool{}
	var last indicators.Key
	opts := indicators.ListOptions{Limit: 9}
	// Writes land before and after the cursor in key order, which is also
	// before and after it in the walk for a store that lists in key order,
	// and anywhere for the others.
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("walk did not end")
		}
		page, err := s.List(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Records {
			if seen[r.Key] {
				t.Fatalf("key %q returned twice", r.Key)
			}
			seen[r.Key], last = true, r.Key
			if _, ok := present[r.Key]; ok {
				present[r.Key]++
			}
		}
		if page.Next == "" {
			break
		}
		opts.Cursor = page.Next
		// Writes between pages: one key well before the cursor, one just
		// after it, one far ahead, and a change to an original ahead.
		var at int
		if _, err := fmt.Sscanf(last.Value(), "test-%06d.example.vn", &at); err != nil {
			t.Fatalf("parse %q: %v", last, err)
		}
		mustUpsert(t, s,
			Record(DomainKey(at/2|1), "late"),
			Record(DomainKey(at+1), "late"),
			Record(DomainKey(at+31), "late"),
		)
		ahead := DomainKey(min((at+10)&^1, 2*(n-1))) // an even number: an original
		if _, _, err := s.Update(t.Context(), ahead, func(r *indicators.Record, _ bool) error {
			r.Reports++
			return nil
		}); err != nil {
			t.Fatalf("Update(%q): %v", ahead, err)
		}
	}
	for k, c := range present {
		if c != 1 {
			t.Errorf("%q, present for the whole walk, seen %d times", k, c)
		}
	}
}

// --- Iterate -----------------------------------------------------------------

func testIterate(t *testing.T, s indicators.Store) {
	data := mixed(7)
	mustUpsert(t, s, data...)
	collect := func(kind indicators.Kind) []indicators.Key {
		var keys []indicators.Key
		err := s.Iterate(t.Context(), kind, func(r indicators.Record) error {
			if kind != "" && r.Kind != kind {
				t.Errorf("Iterate(%q) gave %q", kind, r.Key)
			}
			if err := r.Validate(); err != nil {
				t.Errorf("Iterate(%q) gave an invalid record %s: %v", kind, dump(r), err)
			}
			keys = append(keys, r.Key)
			return nil
		})
		if err != nil {
			t.Fatalf("Iterate(%q): %v", kind, err)
		}
		slices.Sort(keys)
		return keys
	}
	for _, kind := range append([]indicators.Kind{""}, indicators.Kinds...) {
		var want []indicators.Key
		for _, r := range data {
			if kind == "" || r.Kind == kind {
				want = append(want, r.Key)
			}
		}
		slices.Sort(want)
		if got := collect(kind); !slices.Equal(got, want) {
			t.Errorf("Iterate(%q) = %v, want %v", kind, got, want)
		}
	}

	errStop := errors.New("stop")
	calls := 0
	err := s.Iterate(t.Context(), "", func(indicators.Record) error {
		calls++
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Errorf("Iterate err = %v, want fn's error", err)
	}
	if calls != 1 {
		t.Errorf("fn called %d times after returning an error, want 1", calls)
	}
}

// --- Counts and Sources ------------------------------------------------------

// assertCounts compares counts, treating absent and zero map entries alike.
func assertCounts(t *testing.T, what string, got, want indicators.Counts) {
	t.Helper()
	if got.Total != want.Total {
		t.Errorf("%s: Total = %d, want %d", what, got.Total, want.Total)
	}
	nonzero := func(m map[string]int) map[string]int {
		out := map[string]int{}
		for k, v := range m {
			if v != 0 {
				out[k] = v
			}
		}
		return out
	}
	pairs := []struct {
		name      string
		got, want map[string]int
	}{
		{"ByKind", stringKeys(got.ByKind), stringKeys(want.ByKind)},
		{"ByStatus", stringKeys(got.ByStatus), stringKeys(want.ByStatus)},
		{"ByCategory", stringKeys(got.ByCategory), stringKeys(want.ByCategory)},
	}
	for _, p := range pairs {
		if g, w := nonzero(p.got), nonzero(p.want); !maps.Equal(g, w) {
			t.Errorf("%s: %s = %v, want %v", what, p.name, g, w)
		}
	}
}

func stringKeys[K ~string](m map[K]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

// model computes the counts and sources of the records as the store holds
// them, read back through Get.
func model(t *testing.T, s indicators.Store, keys []indicators.Key) (indicators.Counts, map[string]int) {
	t.Helper()
	var c indicators.Counts
	src := map[string]int{}
	for _, r := range mustGet(t, s, keys...) {
		if r == nil {
			continue
		}
		c.Add(r)
		for _, name := range r.SourceNames() {
			src[name]++
		}
	}
	return c, src
}

func testCountsAndSources(t *testing.T, s indicators.Store) {
	check := func(what string, keys []indicators.Key) {
		t.Helper()
		got, err := s.Counts(t.Context())
		if err != nil {
			t.Fatalf("Counts: %v", err)
		}
		gotSrc, err := s.Sources(t.Context())
		if err != nil {
			t.Fatalf("Sources: %v", err)
		}
		want, wantSrc := model(t, s, keys)
		assertCounts(t, what, got, want)
		for k, v := range gotSrc {
			if v == 0 {
				delete(gotSrc, k)
			}
		}
		if !maps.Equal(gotSrc, wantSrc) {
			t.Errorf("%s: Sources = %v, want %v", what, gotSrc, wantSrc)
		}
	}
	check("empty store", nil)

	data := mixed(5)
	keys := keysOf(data)
	mustUpsert(t, s, data...)
	check("after upsert", keys)
	// Hand-checked numbers, so the model above cannot hide a shared mistake.
	c, err := s.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Total != 20 || c.ByKind[indicators.KindPhone] != 5 || c.ByKind[indicators.KindURL] != 5 {
		t.Errorf("Counts = %+v, want total 20 and 5 of each kind", c)
	}
	src, err := s.Sources(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// i in 0..4: feed-b for i%3==1 (i=1,4), hotline for i%4==2 (i=2), per kind.
	if src["feed-a"] != 12 || src["feed-b"] != 8 || src["hotline"] != 4 {
		t.Errorf("Sources = %v, want feed-a 12, feed-b 8, hotline 4", src)
	}

	mustUpsert(t, s, Record(keys[0], "new-feed"), Record(keys[1], "new-feed"))
	check("after a merge adds a source", keys)
	if _, _, err := s.Update(t.Context(), keys[2], func(r *indicators.Record, _ bool) error {
		r.Status, r.Category = indicators.StatusDelisted, indicators.CategoryMalware
		r.Sources = r.Sources[:0]
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check("after an update changes status, category and sources", keys)
	extra := DomainKey(500)
	if _, _, err := s.Update(t.Context(), extra, func(r *indicators.Record, _ bool) error {
		r.Status, r.Reports = indicators.StatusReported, 1
		r.Sources = []indicators.Source{{Name: "police", FirstSeen: Epoch, LastSeen: Epoch}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check("after an update creates a record", append(keys, extra))
}

// --- scale, cancellation, ping -----------------------------------------------

func testLargeBatch(t *testing.T, s indicators.Store) {
	const n = 20_000
	data := make([]indicators.Record, n)
	for i := range data {
		data[i] = Record(DomainKey(i), "bulk")
	}
	for i, c := range mustUpsert(t, s, data...) {
		if c != indicators.ChangeAdded {
			t.Fatalf("change[%d] = %v, want added", i, c)
		}
	}
	c, err := s.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Total != n {
		t.Errorf("Counts.Total = %d, want %d", c.Total, n)
	}
	var sample []indicators.Key
	for i := 0; i < n; i += 997 {
		sample = append(sample, DomainKey(i))
	}
	for i, r := range mustGet(t, s, sample...) {
		if r == nil {
			t.Errorf("%q missing after a large batch", sample[i])
		}
	}
	page, err := s.List(t.Context(), indicators.ListOptions{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 1000 || page.Next == "" {
		t.Errorf("List(limit 5000) = %d records, next %q; want the maximum 1000 and a cursor", len(page.Records), page.Next)
	}
	seen := 0
	if err := s.Iterate(t.Context(), indicators.KindDomain, func(indicators.Record) error { seen++; return nil }); err != nil {
		t.Fatal(err)
	}
	if seen != n {
		t.Errorf("Iterate saw %d records, want %d", seen, n)
	}
	for i, c := range mustUpsert(t, s, data...) {
		if c != indicators.ChangeUnchanged {
			t.Fatalf("re-import change[%d] = %v, want unchanged", i, c)
		}
	}
}

func testContextCancelled(t *testing.T, s indicators.Store) {
	stored := Record(DomainKey(1), "feed-a")
	mustUpsert(t, s, stored)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	fresh := DomainKey(2)
	tests := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"Upsert", func(ctx context.Context) error {
			_, err := s.Upsert(ctx, []indicators.Record{Record(fresh, "feed-a")})
			return err
		}},
		{"Get", func(ctx context.Context) error {
			_, err := s.Get(ctx, []indicators.Key{stored.Key})
			return err
		}},
		{"Update", func(ctx context.Context) error {
			_, _, err := s.Update(ctx, fresh, func(r *indicators.Record, _ bool) error {
				r.Status = indicators.StatusReported
				return nil
			})
			return err
		}},
		{"List", func(ctx context.Context) error {
			_, err := s.List(ctx, indicators.ListOptions{})
			return err
		}},
		{"Iterate", func(ctx context.Context) error {
			return s.Iterate(ctx, "", func(indicators.Record) error { return nil })
		}},
		{"Iterate kind", func(ctx context.Context) error {
			return s.Iterate(ctx, indicators.KindDomain, func(indicators.Record) error { return nil })
		}},
		{"Counts", func(ctx context.Context) error {
			_, err := s.Counts(ctx)
			return err
		}},
		{"Sources", func(ctx context.Context) error {
			_, err := s.Sources(ctx)
			return err
		}},
		{"Ping", func(ctx context.Context) error { return s.Ping(ctx) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.op(ctx); !errors.Is(err, context.Canceled) {
				t.Errorf("%s with a cancelled context: err = %v, want context.Canceled", tc.name, err)
			}
		})
	}
	if r := mustGet(t, s, fresh)[0]; r != nil {
		t.Errorf("a cancelled write stored %s", dump(*r))
	}
}

func testPing(t *testing.T, s indicators.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
