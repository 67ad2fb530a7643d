package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/summary"
)

func TestReportCommand(t *testing.T) {
	data := t.TempDir()
	s := openData(t, data)
	for i, day := range []time.Time{
		time.Date(2026, 7, 1, 1, 0, 0, 0, time.UTC),
		time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC), // outside the quarter
	} {
		r := indicators.Report{ID: "rep_" + string(rune('a'+i)), Channel: indicators.ChannelApp, Status: indicators.ReportPending,
			Keys: []indicators.Key{"bank_account:970436:0011004353201"}, CreatedAt: day}
		if err := s.CreateReport(context.Background(), r, nil); err != nil {
			t.Fatal(err)
		}
	}
	// The program takes the file lock.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	res := runCLI(t, "", "report", "--data", data, "--from", "2026-07-01", "--to", "2026-09-30", "--format", "json")
	if res.err != nil {
		t.Fatalf("report: %v\n%s", res.err, res.stderr)
	}
	var got summary.Summary
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, res.stdout)
	}
	if got.Reports != 2 || !got.ChecksAvailable || !got.FreezeAvailable {
		t.Errorf("report counts %d reports (checks %v, freeze %v), want 2 with every section", got.Reports, got.ChecksAvailable, got.FreezeAvailable)
	}

	out := filepath.Join(t.TempDir(), "q3.html")
	res = runCLI(t, "", "report", "--data", data, "--from", "2026-07-01", "--to", "2026-09-30", "--out", out)
	if res.err != nil || res.stdout != "" {
		t.Fatalf("report --out: %v, stdout %q", res.err, res.stdout)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.Contains(string(b), "<svg") {
		t.Errorf("--out file: %v, svg %v", err, strings.Contains(string(b), "<svg"))
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"from after to", []string{"--from", "2026-09-30", "--to", "2026-07-01"}, "--from/--to: summary: from 2026-09-30 is after to 2026-07-01"},
		{"bad day", []string{"--from", "2026-07-01", "--to", "30/09/2026"}, `to "30/09/2026" is not a day`},
		{"bad format", []string{"--from", "2026-07-01", "--to", "2026-09-30", "--format", "pdf"}, "--format"},
		{"missing to", []string{"--from", "2026-07-01"}, "--from and --to are required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keep := filepath.Join(t.TempDir(), "keep.html")
			if err := os.WriteFile(keep, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"report", "--data", data, "--out", keep}, tc.args...)
			res := runCLI(t, "", args...)
			msg := res.stderr
			if res.err != nil {
				msg += res.err.Error()
			}
			if res.err == nil || exitCode(res.err) == 0 || !strings.Contains(msg, tc.want) {
				t.Errorf("err %v, stderr %q; want a failure naming %q", res.err, res.stderr, tc.want)
			}
			if b, _ := os.ReadFile(keep); string(b) != "old" {
				t.Errorf("a failed report replaced --out: %q", b)
			}
		})
	}
}
