package boltstore_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
	"github.com/scamcheck/scamcheck/indicators/storetest"
)

// fixedNow is the injected clock: UpdatedAt never depends on the wall clock.
var fixedNow = time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)

func mustOpen(t testing.TB, dir string, opts boltstore.Options) *boltstore.Store {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	s, err := boltstore.Open(dir, opts)
	if err != nil {
		t.Fatalf("Open(%q): %v", dir, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func newStore(t *testing.T) indicators.Store { return mustOpen(t, t.TempDir(), boltstore.Options{}) }

func TestConformance(t *testing.T) { storetest.Run(t, newStore) }

func TestConformanceConcurrent(t *testing.T) { storetest.RunConcurrent(t, newStore) }

func TestSecondOpenFailsFast(t *testing.T) {
	dir := t.TempDir()
	mustOpen(t, dir, boltstore.Options{})
	start := time.Now()
	s, err := boltstore.Open(dir, boltstore.Options{})
	elapsed := time.Since(start)
	if err == nil {
		s.Close()
		t.Fatal("second Open of a held directory succeeded")
	}
	if !errors.Is(err, boltstore.ErrLocked) || !errors.Is(err, indicators.ErrUnavailable) {
		t.Errorf("second Open: err = %v, want ErrLocked and ErrUnavailable", err)
	}
	if elapsed > 1500*time.Millisecond {
		t.Errorf("second Open took %v, want at most 1.5s", elapsed)
	}
	t.Logf("second Open failed after %v: %v", elapsed.Round(time.Millisecond), err)
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	s, err := boltstore.Open(dir, boltstore.Options{Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	in := []indicators.Record{
		storetest.Record(storetest.DomainKey(1), "feed-a"),
		storetest.Record(storetest.DomainKey(2), "feed-b"),
	}
	if _, err := s.Upsert(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Update(t.Context(), in[0].Key, func(r *indicators.Record, _ bool) error {
		r.Status, r.ConfirmedBy = indicators.StatusConfirmed, "police-hcm"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantCounts, err := s.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := mustOpen(t, dir, boltstore.Options{})
	got, err := s2.Get(t.Context(), []indicators.Key{in[0].Key, in[1].Key})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] == nil || got[0].Status != indicators.StatusConfirmed || got[0].ConfirmedBy != "police-hcm" || !got[0].UpdatedAt.Equal(fixedNow) {
		t.Errorf("after reopen: %+v, want the confirmed record updated at %v", got[0], fixedNow)
	}
	if got[1] == nil || got[1].SourceNames()[0] != "feed-b" {
		t.Errorf("after reopen: %+v, want the feed-b record", got[1])
	}
	c, err := s2.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Total != 2 || c.ByStatus[indicators.StatusConfirmed] != 1 || c.Total != wantCounts.Total {
		t.Errorf("counts after reopen = %+v, want %+v", c, wantCounts)
	}
}

func TestOpenCreatesDirectory(t *testing.T) {
	dir := t.TempDir() + "/nested/data"
	s := mustOpen(t, dir, boltstore.Options{})
	if s.Dir() != dir {
		t.Errorf("Dir() = %q, want %q", s.Dir(), dir)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	s, err := boltstore.Open(t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, indicators.ErrUnavailable) {
		t.Errorf("Ping after Close: err = %v, want ErrUnavailable", err)
	}
	if _, err := s.Get(t.Context(), []indicators.Key{storetest.DomainKey(1)}); !errors.Is(err, indicators.ErrUnavailable) {
		t.Errorf("Get after Close: err = %v, want ErrUnavailable", err)
	}
}

func TestDBSharesTheFile(t *testing.T) {
	dir := t.TempDir()
	s, err := boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.DB().Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("apikeys"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k1"), []byte("hash"))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2 := mustOpen(t, dir, boltstore.Options{})
	err = s2.DB().View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket([]byte("apikeys")); b == nil || string(b.Get([]byte("k1"))) != "hash" {
			return errors.New("apikeys bucket lost")
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// TestListKeyOrder pins what the embedded store promises beyond the
// conformance suite: List walks in key order, across kinds, and a cursor
// that is not a stored key resumes at the next key after it.
func TestListKeyOrder(t *testing.T) {
	s := newStore(t)
	var want []indicators.Key
	var recs []indicators.Record
	for i := range 40 {
		r := storetest.Record(storetest.KeyOf(indicators.Kinds[i%len(indicators.Kinds)], i*2), "feed")
		recs = append(recs, r)
		want = append(want, r.Key)
	}
	if _, err := s.Upsert(t.Context(), recs); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	walked, _ := storetest.Walk(t, s, indicators.ListOptions{Limit: 7})
	var got []indicators.Key
	for _, r := range walked {
		got = append(got, r.Key)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("walk = %v, want key order %v", got, want)
	}
	// Domain keys are stored for 4, 12, 20, … (i*2 for i = 2, 6, 10, …):
	// 5 is not stored and 12 comes next.
	between, next := storetest.KeyOf(indicators.KindDomain, 5), storetest.KeyOf(indicators.KindDomain, 12)
	page, err := s.List(t.Context(), indicators.ListOptions{Kind: indicators.KindDomain, Cursor: between, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 1 || page.Records[0].Key != next {
		t.Errorf("List(cursor %q) = %v, want %q", between, keysOf(page.Records), next)
	}
}

func keysOf(recs []indicators.Record) []indicators.Key {
	keys := make([]indicators.Key, len(recs))
	for i, r := range recs {
		keys[i] = r.Key
	}
	return keys
}
