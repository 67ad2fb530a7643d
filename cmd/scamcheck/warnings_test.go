package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
	"github.com/scamcheck/scamcheck/indicators/storetest"
)

// TestWarningsCommands: list shows drafts; publish publishes, audits and
// enqueues a webhook for a partner added with --warnings (and none for a
// bank without it); publishing again enqueues nothing new; expire takes
// it down; bad ids and states fail.
func TestWarningsCommands(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		err := m.Run(t.Context(), append(append(args[:2:2], "--data", dir), args[2:]...))
		return out.String(), errOut.String(), err
	}
	if _, _, err := run("partners", "add", "--name", "MoMo", "--url", "https://momo.example/hooks", "--warnings"); err != nil {
		t.Fatalf("partners add --warnings without BINs: %v", err)
	}
	if _, _, err := run("partners", "add", "--name", "VCB", "--bins", "970436", "--url", "https://vcb.example/hooks"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run("partners", "add", "--name", "X", "--url", "https://x.example/hooks"); err == nil {
		t.Error("a partner with neither BINs nor --warnings was added")
	}
	out, _, err := run("partners", "list")
	if err != nil || !strings.Contains(out, "WARNINGS") || !strings.Contains(out, "true") {
		t.Errorf("partners list = %q, %v; want a WARNINGS column with MoMo's true", out, err)
	}

	s, err := boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		w := storetest.NewWarning(i)
		w.Rule, w.DedupeKey, w.Author = "reporters", "reporters|"+string(storetest.PhoneKey(i)), "detector"
		if err := s.CreateWarning(t.Context(), w); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	out, _, err = run("warnings", "list")
	if err != nil || !strings.Contains(out, storetest.WarningID(1)) || !strings.Contains(out, "draft") || !strings.Contains(out, "reporters") {
		t.Errorf("warnings list = %q, %v; want both drafts with their rule", out, err)
	}
	_, msg, err := run("warnings", "publish", storetest.WarningID(1))
	if err != nil || !strings.Contains(msg, "1 webhook deliveries") {
		t.Fatalf("publish = %q, %v; want 1 delivery (MoMo only)", msg, err)
	}
	_, msg, err = run("warnings", "publish", storetest.WarningID(1))
	if err != nil || !strings.Contains(msg, "already published") || !strings.Contains(msg, "0 webhook") {
		t.Errorf("second publish = %q, %v; want already published and nothing enqueued", msg, err)
	}
	out, _, err = run("warnings", "list", "--status", "published", "--json")
	var ws []indicators.Warning
	if err != nil || json.Unmarshal([]byte(out), &ws) != nil || len(ws) != 1 || ws[0].ID != storetest.WarningID(1) || ws[0].PublishedBy != cliActor {
		t.Errorf("list published = %q, %v; want warning 1 published by %s", out, err, cliActor)
	}
	if _, _, err := run("warnings", "list", "--status", "live"); err == nil {
		t.Error("list --status live succeeded")
	}
	if _, _, err := run("warnings", "expire", storetest.WarningID(1)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run("warnings", "publish", storetest.WarningID(1)); err == nil {
		t.Error("publishing an expired warning succeeded")
	}
	if _, _, err := run("warnings", "publish", "w-missing"); err == nil {
		t.Error("publishing a missing warning succeeded")
	}
	if _, _, err := run("warnings", "publish"); err == nil {
		t.Error("publish without an id succeeded")
	}

	s, err = boltstore.Open(dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := s.ListDeliveries(t.Context(), indicators.DeliveryFilter{})
	if err != nil || len(page.Deliveries) != 1 || page.Deliveries[0].Event != indicators.EventWarningPublished {
		t.Errorf("outbox = %+v, %v; want one warning.published row", page.Deliveries, err)
	}
	audit, err := s.ListAudit(t.Context(), indicators.AuditFilter{Target: "warning:" + storetest.WarningID(1)})
	if err != nil || len(audit.Entries) != 2 {
		t.Errorf("audit = %+v, %v; want publish and expire", audit.Entries, err)
	}
}
