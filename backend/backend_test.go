package backend_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/backend"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

var now = time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)

func phone(t *testing.T, s string) indicators.Key {
	t.Helper()
	k, err := indicators.NormalizePhone(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func add(t *testing.T, b *backend.Backend, keys ...indicators.Key) {
	t.Helper()
	recs := make([]indicators.Record, len(keys))
	for i, k := range keys {
		recs[i] = indicators.NewRecord(k, "test", now)
	}
	ctx := context.Background()
	if _, err := b.Store.Upsert(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, keys); err != nil {
		t.Fatal(err)
	}
}

// The embedded mode rebuilds filters from the store when its snapshot is
// missing or stale, saves one on Close, and trusts it while the store has
// not moved.
func TestEmbeddedSnapshotLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := phone(t, "0912345678"), phone(t, "0987654321")

	// A CLI-style write with no filters loaded.
	cli, err := backend.Open(ctx, backend.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	add(t, cli, a)
	if err := cli.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, backend.SnapshotFile)); !os.IsNotExist(err) {
		t.Fatalf("a command without filters wrote a snapshot: %v", err)
	}

	// First server start: no snapshot, so a rebuild finds the CLI's key.
	srv, err := backend.Open(ctx, backend.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	set, err := srv.StartFilters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !set.Test(a) {
		t.Fatal("rebuild on start missed a stored key")
	}
	add(t, srv, b)
	if !set.Test(b) {
		t.Fatal("Publish did not add to the live filters")
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, backend.SnapshotFile))
	if err != nil {
		t.Fatalf("no snapshot after Close: %v", err)
	}

	// Restart with an unchanged store: the snapshot is loaded as is.
	srv, err = backend.Open(ctx, backend.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	set, err = srv.StartFilters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !set.Test(a) || !set.Test(b) {
		t.Fatal("restart lost keys")
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(filepath.Join(dir, backend.SnapshotFile))
	if err != nil || after.ModTime().Before(info.ModTime()) {
		t.Fatalf("snapshot went missing or back in time: %v", err)
	}

	// A write while the server is down makes the snapshot stale: the next
	// start must rebuild rather than miss the new key.
	c := phone(t, "0933333333")
	cli, err = backend.Open(ctx, backend.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	add(t, cli, c)
	cli.Close()
	srv, err = backend.Open(ctx, backend.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	set, err = srv.StartFilters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !set.Test(c) {
		t.Fatal("stale snapshot was trusted: key written while stopped is missing")
	}
}

// Two replicas on one Redis: a key published by one shows in the other's
// filters within a second; a replica started on a store with records but no
// snapshot rebuilds and publishes one.
func TestRedisReplicasConverge(t *testing.T) {
	ctx := context.Background()
	url := redistest.URL(t)
	prefix := redistest.Prefix(t)
	open := func() *backend.Backend {
		b, err := backend.Open(ctx, backend.Config{RedisURL: url, Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
	existing := phone(t, "0911111111")
	cli := open()
	if _, err := cli.Store.Upsert(ctx, []indicators.Record{indicators.NewRecord(existing, "test", now)}); err != nil {
		t.Fatal(err)
	}
	// Written without Publish (as if the log was lost): only a rebuild finds it.
	r1, r2 := open(), open()
	s1, err := r1.StartFilters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !s1.Test(existing) {
		t.Fatal("first replica did not rebuild from the store")
	}
	s2, err := r2.StartFilters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !s2.Test(existing) {
		t.Fatal("second replica did not load the published snapshot")
	}
	k := phone(t, "0922222222")
	add(t, r1, k)
	deadline := time.Now().Add(time.Second)
	for !s2.Test(k) {
		if time.Now().After(deadline) {
			t.Fatal("replica did not see a published key within 1s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A CLI process that never loads filters still reaches the replicas.
	k2 := phone(t, "0944444444")
	add(t, cli, k2)
	deadline = time.Now().Add(time.Second)
	for !s1.Test(k2) || !s2.Test(k2) {
		if time.Now().After(deadline) {
			t.Fatal("replicas did not see a CLI write within 1s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
