package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestFeedsCommand polls a local feed server with `feeds run --once` twice
// (import, then 304), then drops the source.
func TestFeedsCommand(t *testing.T) {
	var mu sync.Mutex
	var inm []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inm = append(inm, r.Header.Get("If-None-Match"))
		mu.Unlock()
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, "0912345678\n0987654321\nnot-a-phone\n")
	}))
	defer srv.Close()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	config := filepath.Join(dir, "feeds.yaml")
	yaml := fmt.Sprintf("feeds:\n  - name: hotline\n    url: %s/phones.txt\n    kind: phone\n    interval: 1h\n", srv.URL)
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}

	r := runCLI(t, "", "feeds", "run", "--data", data, "--config", config, "--once")
	if r.err != nil {
		t.Fatalf("feeds run: %v\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stderr, `"msg":"feed imported","feed":"hotline"`) || !strings.Contains(r.stderr, `"added":2`) ||
		!strings.Contains(r.stderr, `"rejected":1`) {
		t.Errorf("log of the first poll:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "feeds-state.json")); err != nil {
		t.Errorf("state file: %v", err)
	}
	r = runCLI(t, "", "feeds", "run", "--data", data, "--config", config, "--once")
	if r.err != nil {
		t.Fatalf("second feeds run: %v\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stderr, `"msg":"feed not modified","feed":"hotline"`) {
		t.Errorf("log of the second poll:\n%s", r.stderr)
	}
	mu.Lock()
	if len(inm) != 2 || inm[0] != "" || inm[1] != `"v1"` {
		t.Errorf("If-None-Match sent: %q, want none then \"v1\"", inm)
	}
	mu.Unlock()

	r = runCLI(t, "", "feeds", "drop", "--data", data, "hotline")
	if r.err != nil || !strings.Contains(r.stdout, `dropped source "hotline": 2 indicators changed, 2 of them delisted`) {
		t.Errorf("feeds drop: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	r = runCLI(t, "", "feeds", "drop", "--data", data, "hotline")
	if r.err != nil || !strings.Contains(r.stdout, `no indicator names source "hotline"`) {
		t.Errorf("second feeds drop: %v\n%s", r.err, r.stdout)
	}
	r = runCLI(t, "", "export", "--data", data, "--status", "delisted")
	if r.err != nil || strings.Count(r.stdout, "\n+84") != 2 {
		t.Errorf("delisted export after drop: %v\n%s", r.err, r.stdout)
	}
}

func TestFeedsCommandErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("feeds:\n  - name: x\n    url: ftp://x.vn/\n"), 0o600)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer srv.Close()
	down := filepath.Join(dir, "down.yaml")
	os.WriteFile(down, []byte("feeds:\n  - name: x\n    url: "+srv.URL+"/f\n"), 0o600)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", []string{"feeds"}, "usage: scamcheck feeds"},
		{"bad config", []string{"feeds", "run", "--data", dir, "--config", bad}, "http or https"},
		{"missing config", []string{"feeds", "run", "--data", dir, "--config", filepath.Join(dir, "none.yaml")}, "no such file"},
		{"server down", []string{"feeds", "run", "--data", dir, "--config", down, "--once"}, "502"},
		{"drop without source", []string{"feeds", "drop", "--data", dir}, "usage: scamcheck feeds drop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			if r.err == nil {
				t.Fatalf("%v succeeded", tt.args)
			}
			if msg := r.stderr + r.err.Error(); !strings.Contains(msg, tt.want) {
				t.Errorf("message %q lacks %q", msg, tt.want)
			}
		})
	}
}
