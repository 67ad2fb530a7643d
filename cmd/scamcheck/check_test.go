package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

// checkJSON runs `check --json` and decodes its lines.
func checkJSON(t *testing.T, dir string, inputs ...string) ([]indicators.Result, error) {
	t.Helper()
	res := runCLI(t, "", append([]string{"check", "--json", "--data", dir}, inputs...)...)
	var out []indicators.Result
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		if line == "" {
			continue
		}
		var r indicators.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("check --json printed %q: %v", line, err)
		}
		out = append(out, r)
	}
	if len(out) != len(inputs) {
		t.Fatalf("check --json printed %d lines for %d inputs:\n%s", len(out), len(inputs), res.stdout)
	}
	return out, res.err
}

func TestCheckJSONShape(t *testing.T) {
	dir := t.TempDir()
	out, err := checkJSON(t, dir, "0912 345 678", "evil-shop.vn", "12")
	if exitCode(err) != 1 {
		t.Fatalf("exit %d (%v), want 1 because one input is invalid", exitCode(err), err)
	}
	if r := out[0]; r.Kind != indicators.KindPhone || r.Key != "phone:+84912345678" || r.Canonical != "+84912345678" ||
		r.Verdict != indicators.VerdictUnknown || r.Advice == nil {
		t.Errorf("phone result = %+v", r)
	}
	if r := out[1]; r.Kind != indicators.KindDomain || r.Key != "domain:evil-shop.vn" {
		t.Errorf("domain result = %+v", r)
	}
	if r := out[2]; r.Error == nil || r.Error.Code != indicators.CodePhoneTooShort || r.Key != "" {
		t.Errorf("invalid input result = %+v", r)
	}
	// All valid: exit 0.
	if _, err := checkJSON(t, dir, "0912345678"); err != nil {
		t.Fatalf("valid input exited with %v", err)
	}
}

// The indicator workflow from the command line: add → suspicious,
// confirm → dangerous, delist → unknown, and list shows each state.
func TestIndicatorsWorkflow(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) cliResult {
		t.Helper()
		res := runCLI(t, "", withData(dir, args)...)
		if res.err != nil {
			t.Fatalf("%v: %v\n%s", args, res.err, res.stderr)
		}
		return res
	}
	verdict := func(input string) indicators.Verdict {
		t.Helper()
		out, err := checkJSON(t, dir, input)
		if err != nil {
			t.Fatal(err)
		}
		return out[0].Verdict
	}
	res := run("indicators", "add", "--category", "scam", "--source", "hotline", "0912 345 678", "VCB 0011004353201")
	if !strings.Contains(res.stdout, "added\tphone:+84912345678") || !strings.Contains(res.stdout, "added\tbank_account:970436:0011004353201") {
		t.Fatalf("add printed %q", res.stdout)
	}
	// The same source naming it again moves last_seen but is not a new report.
	if res := run("indicators", "add", "--source", "hotline", "+84912345678"); !strings.Contains(res.stdout, "updated\tphone:+84912345678") {
		t.Fatalf("re-add printed %q, want updated", res.stdout)
	}
	if v := verdict("0912.345.678"); v != indicators.VerdictSuspicious {
		t.Fatalf("after add: %s", v)
	}
	run("indicators", "confirm", "--actor", "officer-1", "0912345678")
	if v := verdict("0912345678"); v != indicators.VerdictDangerous {
		t.Fatalf("after confirm: %s", v)
	}
	if res := run("indicators", "list", "--status", "confirmed"); !strings.Contains(res.stdout, "phone:+84912345678") || strings.Contains(res.stdout, "bank_account") {
		t.Fatalf("list --status confirmed:\n%s", res.stdout)
	}
	run("indicators", "delist", "--reason", "number reassigned", "0912345678")
	if v := verdict("0912345678"); v != indicators.VerdictUnknown {
		t.Fatalf("after delist: %s", v)
	}
	res = run("indicators", "list", "--json")
	var page indicators.Page
	if err := json.Unmarshal([]byte(res.stdout), &page); err != nil {
		t.Fatal(err)
	}
	// Every write from the command line is in the audit log.
	st := openData(t, dir)
	audit, err := st.ListAudit(context.Background(), indicators.AuditFilter{Target: "phone:+84912345678"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range audit.Entries {
		actions = append(actions, e.Action+" by "+e.Actor)
	}
	if want := []string{"indicator.create by cli", "indicator.create by cli", "indicator.confirm by cli:officer-1", "indicator.delist by cli"}; !slices.Equal(actions, want) {
		t.Errorf("audit = %q, want %q", actions, want)
	}
	st.Close()
	if len(page.Records) != 2 || page.Records[1].Reports != 1 || page.Records[1].Status != indicators.StatusDelisted || !strings.Contains(page.Records[1].Note, "number reassigned") {
		t.Fatalf("list --json = %+v", page.Records)
	}
}

func TestIndicatorsErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"indicators", "add", "0912345678", "12"}, `argument 2 "12"`},
		{[]string{"indicators", "add", "--status", "delisted", "0912345678"}, "--status"},
		{[]string{"indicators", "add", "--category", "nonsense", "0912345678"}, "--category"},
		{[]string{"indicators", "add", "--expires", "soon", "0912345678"}, "--expires"},
		{[]string{"indicators", "delist", "0912345678"}, "--reason"},
		{[]string{"indicators", "frobnicate"}, "unknown command"},
	}
	for _, tt := range tests {
		res := runCLI(t, "", withData(dir, tt.args)...)
		if res.err == nil {
			t.Errorf("%v: succeeded, want an error", tt.args)
			continue
		}
		if msg := res.stderr + res.err.Error(); !strings.Contains(msg, tt.want) {
			t.Errorf("%v: error %q / %q does not mention %q", tt.args, res.err, res.stderr, tt.want)
		}
	}
	// Nothing was written by the failed commands.
	res := runCLI(t, "", "indicators", "list", "--json", "--data", dir)
	if res.err != nil || strings.Contains(res.stdout, "phone:") {
		t.Fatalf("failed commands wrote data: %v\n%s", res.err, res.stdout)
	}
}

// withData inserts --data DIR after the subcommand words, before the flags
// and arguments that follow them (flag parsing stops at the first argument).
func withData(dir string, args []string) []string {
	n := 1
	if args[0] == "indicators" && len(args) > 1 {
		n = 2
	}
	out := append([]string{}, args[:n]...)
	out = append(out, "--data", dir)
	return append(out, args[n:]...)
}

func TestParseTTL(t *testing.T) {
	for in, want := range map[string]string{"90d": "2160h0m0s", "12h": "12h0m0s", "1d": "24h0m0s"} {
		if got, err := parseTTL(in); err != nil || got.String() != want {
			t.Errorf("parseTTL(%q) = %v, %v, want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0d", "-1d", "xd", "-5m", "soon"} {
		if _, err := parseTTL(in); err == nil {
			t.Errorf("parseTTL(%q) succeeded", in)
		}
	}
}
