package redisstore

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/storetest"
	"github.com/scamcheck/scamcheck/internal/redistest"
)

// TestMigrateLegacy writes records in the layout before buckets (a key per
// record and sorted-set indexes) and checks that MigrateLegacy moves every
// one into the buckets, removes the old keys, keeps a record written to the
// bucket since, drops an index entry whose record is gone, and has nothing
// left to do the second time.
func TestMigrateLegacy(t *testing.T) {
	ctx := t.Context()
	c := redistest.Client(t)
	prefix := redistest.Prefix(t)
	s := New(c, Options{Prefix: prefix})

	const n = 2500 // more than one chunk
	var keys []indicators.Key
	for i := range n {
		kind := indicators.Kinds[i%len(indicators.Kinds)]
		r := storetest.Record(storetest.KeyOf(kind, i), "legacy")
		keys = append(keys, r.Key)
		if err := c.Set(ctx, s.legacyRecordKey(string(r.Key)), indicators.AppendRecord(nil, &r), 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := c.ZAdd(ctx, s.legacyIndexKey(kind, i%legacyShards), redis.Z{Member: string(r.Key)}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// An index entry whose record is gone.
	ghost := storetest.KeyOf(indicators.KindPhone, n+1)
	if err := c.ZAdd(ctx, s.legacyIndexKey(indicators.KindPhone, 0), redis.Z{Member: string(ghost)}).Err(); err != nil {
		t.Fatal(err)
	}
	// A record already written in the new layout wins over its old copy.
	newer := storetest.Record(keys[0], "newer")
	if _, err := s.Upsert(ctx, []indicators.Record{newer}); err != nil {
		t.Fatal(err)
	}

	moved, err := s.MigrateLegacy(ctx)
	if err != nil {
		t.Fatalf("MigrateLegacy: %v", err)
	}
	if moved != n {
		t.Errorf("moved %d records, want %d", moved, n)
	}
	got, err := s.Get(ctx, append(keys, ghost))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range got[:n] {
		if r == nil {
			t.Fatalf("record %s missing after the migration", keys[i])
		}
	}
	if src := got[0].Sources; len(src) != 1 || src[0].Name != "newer" {
		t.Errorf("record written since the old layout was replaced: sources %+v, want only newer", src)
	}
	if got[n] != nil {
		t.Errorf("ghost index entry became a record: %+v", got[n])
	}
	left, err := c.Keys(ctx, prefix+":r:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	idx, err := c.Keys(ctx, prefix+":idx:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(left)+len(idx) != 0 {
		t.Errorf("after the migration %d old record keys and %d old indexes remain", len(left), len(idx))
	}
	walked := 0
	if err := s.Iterate(ctx, "", func(indicators.Record) error { walked++; return nil }); err != nil {
		t.Fatal(err)
	}
	if walked != n {
		t.Errorf("Iterate after the migration saw %d records, want %d", walked, n)
	}
	if moved, err := s.MigrateLegacy(ctx); err != nil || moved != 0 {
		t.Errorf("second MigrateLegacy = %d, %v; want 0, nil", moved, err)
	}
}
