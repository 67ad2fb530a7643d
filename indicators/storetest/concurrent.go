package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

// RunConcurrent runs the concurrency part of the suite: many writers and
// readers on one store at once. Run it under `go test -race`. newStore is
// the same constructor Run takes.
//
// The sizes are small on purpose (a few hundred writes per subtest): lost
// updates show up at any size, and a store that syncs every transaction to
// disk must still finish quickly.
func RunConcurrent(t *testing.T, newStore func(t *testing.T) indicators.Store) {
	t.Helper()
	runSuite(t, newStore, []subtest[indicators.Store]{
		{"UpdateNoLostIncrements", testConcurrentUpdate},
		{"UpsertNoLostSources", testConcurrentUpsert},
		{"ReadersDuringWrites", testConcurrentReaders},
	})
}

// increment is an Update fn that adds one report, creating the record on
// first use: the read-modify-write that loses updates when not atomic.
func increment(r *indicators.Record, exists bool) error {
	if !exists {
		r.Status, r.FirstSeen, r.LastSeen = indicators.StatusReported, Epoch, Epoch
	}
	r.Reports++
	return nil
}

func testConcurrentUpdate(t *testing.T, s indicators.Store) {
	const workers, perWorker = 8, 25
	shared := DomainKey(1)
	var wg sync.WaitGroup
	for w := range workers {
		own := DomainKey(100 + w)
		wg.Go(func() {
			for range perWorker {
				// Alternate between the shared key and the worker's own,
				// so writers contend on one key and also run side by side.
				for _, key := range []indicators.Key{shared, own} {
					if _, _, err := s.Update(t.Context(), key, increment); err != nil {
						t.Errorf("Update(%q): %v", key, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if got := mustGetOne(t, s, shared); got.Reports != workers*perWorker {
		t.Errorf("shared key: %d reports, want %d: updates were lost", got.Reports, workers*perWorker)
	}
	for w := range workers {
		if got := mustGetOne(t, s, DomainKey(100+w)); got.Reports != perWorker {
			t.Errorf("worker %d key: %d reports, want %d", w, got.Reports, perWorker)
		}
	}
	c, err := s.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Total != workers+1 {
		t.Errorf("Counts.Total = %d, want %d", c.Total, workers+1)
	}
}

func testConcurrentUpsert(t *testing.T, s indicators.Store) {
	// Every worker names the same keys under its own source name, in its
	// own batch order; the merge must keep every source.
	const workers, keys, batch = 6, 60, 15
	all := make([]indicators.Key, keys)
	for i := range all {
		all[i] = DomainKey(i)
	}
	var wg sync.WaitGroup
	for w := range workers {
		src := fmt.Sprintf("feed-%d", w)
		wg.Go(func() {
			order := slices.Clone(all)
			if w%2 == 1 {
				slices.Reverse(order)
			}
			for start := 0; start < keys; start += batch {
				recs := make([]indicators.Record, 0, batch)
				for _, k := range order[start : start+batch] {
					recs = append(recs, Record(k, src))
				}
				if _, err := s.Upsert(t.Context(), recs); err != nil {
					t.Errorf("Upsert(%s): %v", src, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, r := range mustGet(t, s, all...) {
		if r == nil {
			t.Fatal("record missing after concurrent upserts")
		}
		names := r.SourceNames()
		slices.Sort(names)
		if len(names) != workers || r.Reports != workers {
			t.Errorf("%q: sources %v reports %d, want %d of each: a merge was lost", r.Key, names, r.Reports, workers)
		}
	}
	src, err := s.Sources(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for w := range workers {
		if name := fmt.Sprintf("feed-%d", w); src[name] != keys {
			t.Errorf("Sources[%s] = %d, want %d", name, src[name], keys)
		}
	}
	c, err := s.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Total != keys {
		t.Errorf("Counts.Total = %d, want %d", c.Total, keys)
	}
}

func testConcurrentReaders(t *testing.T, s indicators.Store) {
	const writers, batches, batch, readers = 3, 8, 20, 3
	var wg sync.WaitGroup
	done := make(chan struct{})
	var writersWG sync.WaitGroup
	for w := range writers {
		writersWG.Go(func() {
			for b := range batches {
				recs := make([]indicators.Record, batch)
				for i := range recs {
					recs[i] = Record(DomainKey(w*10_000+b*batch+i), "feed-a")
				}
				if _, err := s.Upsert(t.Context(), recs); err != nil {
					t.Errorf("Upsert: %v", err)
					return
				}
				if _, _, err := s.Update(t.Context(), DomainKey(999_999), increment); err != nil {
					t.Errorf("Update: %v", err)
					return
				}
			}
		})
	}
	// Readers check that every record they see is whole and valid: a read
	// must never observe a half-written record.
	valid := func(where string, r *indicators.Record) {
		if r == nil {
			return
		}
		if err := r.Validate(); err != nil || r.Reports < 1 {
			t.Errorf("%s: invalid record %s: %v", where, dump(*r), err)
		}
	}
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				got, err := s.Get(t.Context(), []indicators.Key{DomainKey(0), DomainKey(10_005), DomainKey(999_999)})
				if err != nil {
					t.Errorf("Get: %v", err)
					return
				}
				for _, r := range got {
					valid("Get", r)
				}
				page, err := s.List(t.Context(), indicators.ListOptions{Limit: 50})
				if err != nil {
					t.Errorf("List: %v", err)
					return
				}
				for i := range page.Records {
					valid("List", &page.Records[i])
					if i > 0 && page.Records[i].Key == page.Records[i-1].Key {
						t.Errorf("List: key %q twice in a page", page.Records[i].Key)
					}
				}
				if err := s.Iterate(t.Context(), "", func(r indicators.Record) error {
					valid("Iterate", &r)
					return nil
				}); err != nil {
					t.Errorf("Iterate: %v", err)
					return
				}
				if _, err := s.Counts(t.Context()); err != nil {
					t.Errorf("Counts: %v", err)
					return
				}
			}
		})
	}
	writersWG.Wait()
	close(done)
	wg.Wait()

	c, err := s.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := writers*batches*batch + 1; c.Total != want {
		t.Errorf("Counts.Total = %d, want %d", c.Total, want)
	}
	if got := mustGetOne(t, s, DomainKey(999_999)); got.Reports != writers*batches {
		t.Errorf("counter: %d reports, want %d", got.Reports, writers*batches)
	}
}
