package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// accountLine is a bank account in a plain export: "<BIN>:<digits>".
var accountLine = regexp.MustCompile(`^[0-9]{6}:[0-9]{6,19}$`)

// TestExportCommand imports samples, exports them in every format and
// imports each export into a fresh data dir: the same indicators come back.
func TestExportCommand(t *testing.T) {
	data := t.TempDir()
	for _, f := range []string{"reports-phones.csv", "reports-accounts.csv", "openphish-feed.txt", "chongluadao-blacklist.json"} {
		if r := runCLI(t, "", "import", "--data", data, "--quiet", feedSamples+"/"+f); r.err != nil {
			t.Fatalf("import %s: %v\n%s", f, r.err, r.stderr)
		}
	}
	const total = 939 + 750 + 500 + 778 // the samples' Added counts
	for _, format := range []string{"plain", "csv", "stix"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "export."+format)
			r := runCLI(t, "", "export", "--data", data, "--format", format, "--out", out)
			if r.err != nil {
				t.Fatalf("export: %v\n%s", r.err, r.stderr)
			}
			if want := fmt.Sprintf("exported %d indicators to %s", total, out); !strings.Contains(r.stderr, want) {
				t.Errorf("stderr %q lacks %q", r.stderr, want)
			}
			fresh := t.TempDir()
			r = runCLI(t, "", "import", "--data", fresh, out)
			if r.err != nil {
				t.Fatalf("re-import: %v\n%s", r.err, r.stderr)
			}
			if !strings.Contains(r.stdout, format+" feed") || !strings.Contains(r.stdout, fmt.Sprintf("added:      %d\n", total)) ||
				!strings.Contains(r.stdout, "rejected:   0\n") {
				t.Errorf("re-import of the %s export:\n%s", format, r.stdout)
			}
		})
	}

	r := runCLI(t, "", "export", "--data", data, "--kind", "bank_account", "--format", "plain")
	if r.err != nil {
		t.Fatal(r.err)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 751 || !strings.HasPrefix(lines[0], "# scamcheck export") || !accountLine.MatchString(lines[1]) {
		t.Errorf("plain account export: %d lines, starting %q", len(lines), lines[:2])
	}
	r = runCLI(t, "", "export", "--data", data, "--format", "misp")
	if r.err == nil || !strings.Contains(r.err.Error(), "cannot export format") {
		t.Errorf("export as misp: err = %v", r.err)
	}
	// A failed export leaves an existing --out file alone.
	out := filepath.Join(t.TempDir(), "keep.txt")
	os.WriteFile(out, []byte("old\n"), 0o600)
	runCLI(t, "", "export", "--data", data, "--format", "misp", "--out", out)
	if b, _ := os.ReadFile(out); string(b) != "old\n" {
		t.Errorf("failed export changed --out to %q", b)
	}
}
