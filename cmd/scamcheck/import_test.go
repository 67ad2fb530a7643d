package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
)

const feedSamples = "../../testdata/feeds"

// cliResult is what one in-process run of the program printed.
type cliResult struct {
	stdout, stderr string
	err            error
}

// runCLI runs the program in-process with stdin, with an environment that
// names no store (flags choose it).
func runCLI(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), args)
	return cliResult{out.String(), errOut.String(), err}
}

// openData opens the embedded store of a data dir after the program ended.
func openData(t *testing.T, dir string) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestImportCommand(t *testing.T) {
	data := t.TempDir()
	rejects := filepath.Join(t.TempDir(), "rejects.txt")
	day := time.Now().UTC().Truncate(24 * time.Hour)
	r := runCLI(t, "", "import", "--data", data, "--rejects", rejects, feedSamples+"/reports-phones.csv")
	if r.err != nil {
		t.Fatalf("import: %v\n%s", r.err, r.stderr)
	}
	for _, want := range []string{`csv feed, source "reports-phones"`, "read:       1000\n", "added:      939\n",
		"duplicates: 52\n", "rejected:   9 (see " + rejects + ")\n", "rate:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "nothing changed") {
		t.Errorf("first import says nothing changed:\n%s", r.stdout)
	}
	b, err := os.ReadFile(rejects)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 9 || !strings.HasPrefix(lines[0], "line 144\tphone_has_letters: ") ||
		!strings.HasSuffix(lines[0], "\t2025-06-06T04:19:50Z,09a1234567,shopping,Bán hàng online nhận cọc rồi không giao,15000000") {
		t.Errorf("rejects file (%d lines):\n%s", len(lines), b)
	}

	r = runCLI(t, "", "import", "--data", data, feedSamples+"/reports-phones.csv")
	if r.err != nil {
		t.Fatalf("second import: %v\n%s", r.err, r.stderr)
	}
	if time.Now().UTC().Truncate(24*time.Hour) != day {
		t.Skip("the UTC day changed between the imports: a re-import on a later day moves last seen")
	}
	if !strings.Contains(r.stdout, "unchanged:  939\n") || !strings.Contains(r.stdout, "nothing changed: every indicator was already known\n") {
		t.Errorf("second import summary:\n%s", r.stdout)
	}

	s := openData(t, data)
	rec, err := s.Get(context.Background(), []indicators.Key{"phone:+84798936126"})
	if err != nil || rec[0] == nil || rec[0].Sources[0].Name != "reports-phones" || rec[0].Category != indicators.CategoryInvestment {
		t.Errorf("stored record = %+v, %v; want source reports-phones, investment", rec, err)
	}
}

func TestImportCommandErrors(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		want string // in stderr or the error
	}{
		{"wrong format", []string{"--format", "hosts", feedSamples + "/phones.txt"}, 1, "hosts feed, line 2: expected a hosts entry"},
		{"json as stix", []string{"--format", "stix", feedSamples + "/chongluadao-blacklist.json"}, 1, "stix"},
		{"missing file", []string{filepath.Join(data, "nope.txt")}, 1, "no such file"},
		{"unknown format", []string{"--format", "pdf", feedSamples + "/phones.txt"}, 1, `unknown feed format "pdf"`},
		{"delisted", []string{"--status", "delisted", feedSamples + "/phones.txt"}, 1, "want reported, confirmed or trusted"},
		{"bad expiry", []string{"--expires", "soon", feedSamples + "/phones.txt"}, 1, "--expires"},
		{"no input", nil, 2, "usage: scamcheck import"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", append([]string{"import", "--data", data}, tt.args...)...)
			if r.err == nil {
				t.Fatalf("import %v succeeded:\n%s", tt.args, r.stdout)
			}
			if got := exitCode(r.err); got != tt.code {
				t.Errorf("exit code %d, want %d (err %v)", got, tt.code, r.err)
			}
			if msg := r.stderr + r.err.Error(); !strings.Contains(msg, tt.want) {
				t.Errorf("message %q lacks %q", msg, tt.want)
			}
		})
	}
	// Nothing of the failed imports was written.
	c, err := openData(t, data).Counts(context.Background())
	if err != nil || c.Total != 0 {
		t.Errorf("store holds %d records after failed imports (err %v)", c.Total, err)
	}
}

func TestImportCommandOptions(t *testing.T) {
	data := t.TempDir()
	// stdin, forced kind, confirmed status, expiry and a source name.
	r := runCLI(t, "0912 345 678\n0987654321\nnot a phone\n", "import", "--data", data, "--source", "police-hcm",
		"--kind", "phone", "--status", "confirmed", "--actor", "officer-7", "--expires", "90d", "--category", "scam", "-")
	if r.err != nil {
		t.Fatalf("import: %v\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stdout, `-: plain feed, source "police-hcm"`) || !strings.Contains(r.stdout, "added:      2\n") ||
		!strings.Contains(r.stdout, "rejected:   1\n") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	s := openData(t, data)
	recs, err := s.Get(context.Background(), []indicators.Key{"phone:+84912345678"})
	if err != nil {
		t.Fatal(err)
	}
	rec := recs[0]
	wantExp := time.Now().UTC().Truncate(24 * time.Hour).Add(90 * 24 * time.Hour)
	if rec == nil || rec.Status != indicators.StatusConfirmed || rec.ConfirmedBy != "officer-7" || rec.Category != indicators.CategoryScam ||
		rec.Sources[0].Name != "police-hcm" || rec.ExpiresAt.Sub(wantExp).Abs() > 24*time.Hour {
		t.Errorf("record = %+v, want confirmed by officer-7, scam, source police-hcm, expiring about %s", rec, wantExp)
	}
}

func TestImportCommandURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/lists/bad-domains.txt" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("evil-bank.vn\nfake-shop.vn\n"))
	}))
	defer srv.Close()
	data := t.TempDir()
	r := runCLI(t, "", "import", "--data", data, "--kind", "domain", srv.URL+"/lists/bad-domains.txt")
	if r.err != nil {
		t.Fatalf("import: %v\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stdout, `source "bad-domains"`) || !strings.Contains(r.stdout, "added:      2\n") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	r = runCLI(t, "", "import", "--data", data, srv.URL+"/missing.txt")
	if r.err == nil || !strings.Contains(r.stderr, "404") {
		t.Errorf("import of a 404: err %v, stderr %q; want a failure naming 404", r.err, r.stderr)
	}
}

func TestDefaultSource(t *testing.T) {
	tests := []struct{ in, want string }{
		{"phones.txt", "phones"},
		{"/data/feeds/verified_online.csv", "verified_online"},
		{"noext", "noext"},
		{".hidden", ".hidden"},
		{"-", "stdin"},
		{"https://openphish.com/feed.txt", "feed"},
		{"https://feeds.example.vn/", "feeds.example.vn"},
		{"http://h.vn/csv_online/", "csv_online"},
	}
	for _, tt := range tests {
		if got := defaultSource(tt.in); got != tt.want {
			t.Errorf("defaultSource(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestImportInterrupted(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	err := m.Run(ctx, []string{"import", "--data", data, feedSamples + "/phones.txt"})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "rerun") {
		t.Errorf("err = %v, want context.Canceled with advice to rerun", err)
	}
}
