package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
	"github.com/scamcheck/scamcheck/webhooks"
)

// TestPartnersCommands: add prints the secret once, list never shows it,
// deliveries shows the outbox of a partner.
func TestPartnersCommands(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		err := m.Run(t.Context(), append(append(args[:2:2], "--data", dir), args[2:]...))
		return out.String(), errOut.String(), err
	}
	secret, _, err := run("partners", "add", "--name", "VCB", "--bins", "970436, 970437", "--url", "https://vcb.example/hooks")
	if err != nil {
		t.Fatal(err)
	}
	secret = strings.TrimSpace(secret)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("add printed %q, want the signing secret", secret)
	}
	if _, _, err := run("partners", "add", "--name", "VCB", "--bins", "970436", "--url", "https://vcb.example/hooks"); err == nil {
		t.Errorf("adding a second partner named VCB succeeded")
	}
	if _, _, err := run("partners", "add", "--name", "X", "--bins", "97", "--url", "https://x.example/"); err == nil {
		t.Errorf("a malformed BIN was accepted")
	}
	for _, args := range [][]string{{"partners", "list"}, {"partners", "list", "--json"}} {
		out, _, err := run(args...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "VCB") || !strings.Contains(out, "970437") || strings.Contains(out, secret) {
			t.Errorf("%v printed %q: want VCB and its BINs, never the secret", args, out)
		}
	}

	s, err := boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	rec := indicators.Record{Key: "bank_account:970437:0011004353201", Status: indicators.StatusConfirmed, ConfirmedAt: at}
	n, err := webhooks.Enqueue(t.Context(), s, webhooks.Event{Name: indicators.EventAccountConfirmed, Record: rec, At: at})
	s.Close()
	if err != nil || n != 1 {
		t.Fatalf("Enqueue = %d, %v", n, err)
	}
	out, _, err := run("partners", "deliveries", "VCB")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "account.confirmed") || !strings.Contains(out, string(rec.Key)) || !strings.Contains(out, "pending") {
		t.Errorf("deliveries printed %q, want the pending account.confirmed row", out)
	}
	if _, _, err := run("partners", "deliveries", "NOBODY"); err == nil {
		t.Errorf("deliveries of an unknown partner succeeded")
	}
}
