package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/scamcheck/scamcheck/internal/redistest"
)

func TestEmbeddedTrendSecret(t *testing.T) {
	dir := t.TempDir()
	first, err := embeddedTrendSecret("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) < 32 {
		t.Fatalf("generated secret %q is short", first)
	}
	fi, err := os.Stat(filepath.Join(dir, trendsSecretFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode %v, want 0600", fi.Mode().Perm())
	}
	again, err := embeddedTrendSecret("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(first) {
		t.Error("a restart got a new secret: reporters would count twice across it")
	}
	given, err := embeddedTrendSecret("from-env", dir)
	if err != nil || string(given) != "from-env" {
		t.Errorf("given secret: %q, %v", given, err)
	}
}

func TestRedisTrendSecretShared(t *testing.T) {
	ctx := context.Background()
	c := redistest.Client(t)
	prefix := redistest.Prefix(t)
	a, err := redisTrendSecret(ctx, "", c, prefix)
	if err != nil {
		t.Fatal(err)
	}
	b, err := redisTrendSecret(ctx, "", c, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) < 32 || string(a) != string(b) {
		t.Errorf("replicas got secrets %q and %q, want one shared", a, b)
	}
}
