package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
	"github.com/scamcheck/scamcheck/indicators/redisstore"
	"github.com/scamcheck/scamcheck/internal/redistest"
	"github.com/scamcheck/scamcheck/trends"
)

// trendEnv starts a server whose reports and checks feed a detector over
// the same backend, as serve wires it.
func trendEnv(t *testing.T, store string, cfg trends.Config) (*env, *trends.Detector, indicators.WarningStore) {
	t.Helper()
	var det *trends.Detector
	var ws indicators.WarningStore
	e := mustEnv(t, store, func(c *api.Config) {
		var st trends.State
		var err error
		switch s := c.Store.(type) {
		case *boltstore.Store:
			ws = s
			st, err = trends.NewBolt(s.DB())
		case *redisstore.Store:
			ws = s
			st = trends.NewRedis(s.Client(), redistest.Prefix(t))
		default:
			t.Fatalf("unexpected store %T", c.Store)
		}
		if err != nil {
			t.Fatal(err)
		}
		cfg.Secret, cfg.Logger = []byte("api test secret"), c.Logger
		det, err = trends.New(st, ws, cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.Trends = det
	})
	// Registered after mustEnv's cleanup, so it runs before the store closes.
	t.Cleanup(func() { det.Close() })
	return e, det, ws
}

func ruleDrafts(t *testing.T, ws indicators.WarningStore, rule string) []indicators.Warning {
	t.Helper()
	page, err := ws.ListWarnings(context.Background(), indicators.WarningFilter{Status: indicators.WarningDraft})
	if err != nil {
		t.Fatal(err)
	}
	var out []indicators.Warning
	for _, w := range page.Warnings {
		if w.Rule == rule {
			out = append(out, w)
		}
	}
	return out
}

func TestTrendsFromReports(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		e, _, ws := trendEnv(t, store, trends.Config{})
		// Ten people, through a hotline that names each caller.
		for i := range 10 {
			e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"phone": "0912345678", "category": "impersonation",
				"reporter": fmt.Sprintf("hotline-caller-%d", i)}, 201, nil)
		}
		got := ruleDrafts(t, ws, trends.RuleReporters)
		if len(got) != 1 || len(got[0].Keys) != 1 || got[0].Keys[0] != "phone:+84912345678" {
			t.Fatalf("drafts after ten reporters = %+v, want one for phone:+84912345678", got)
		}
		// One person (one IP, no reporter id) sending many reports.
		for range 15 {
			e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"phone": "0987654321"}, 201, nil)
		}
		if got := ruleDrafts(t, ws, trends.RuleReporters); len(got) != 1 {
			t.Fatalf("one client's 15 reports drafted: %d drafts, want still 1", len(got))
		}
		// The reporter id is never stored with the report.
		var page struct {
			Reports []map[string]any `json:"reports"`
		}
		e.mustDo(t, "GET", "/v1/reports", e.secrets[indicators.RolePolice], nil, 200, &page)
		for _, r := range page.Reports {
			if _, ok := r["reporter"]; ok {
				t.Fatalf("report carries the reporter: %v", r)
			}
		}
		r := e.do(t, "POST", "/v1/reports", "", map[string]any{"phone": "0912345678", "reporter": strings.Repeat("x", 201)})
		if r.status != 400 {
			t.Errorf("a 201-byte reporter: status %d, want 400", r.status)
		}
	})
}

func TestTrendsFromChecks(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		now := time.Date(2026, 9, 14, 9, 0, 30, 0, time.UTC)
		clock := func() time.Time { return now }
		var e *env
		var det *trends.Detector
		var ws indicators.WarningStore
		e, det, ws = trendEnv(t, store, trends.Config{Now: clock, SurgeMinCount: 30})
		e.mustDo(t, "POST", "/v1/reports", "", map[string]any{"phone": "0912345678"}, 201, nil)
		// Misses never count, however many.
		for range 40 {
			e.mustDo(t, "GET", "/v1/check?phone=0911111111", "", nil, 200, nil)
		}
		for range 20 {
			e.mustDo(t, "GET", "/v1/check?phone=0912345678", "", nil, 200, nil)
		}
		items := make([]map[string]string, 20)
		for i := range items {
			items[i] = map[string]string{"phone": "0912345678"}
		}
		e.mustDo(t, "POST", "/v1/check", "", map[string]any{"items": items}, 200, nil)
		if err := det.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := ruleDrafts(t, ws, trends.RuleSurge)
		if len(got) != 1 || got[0].Keys[0] != "phone:+84912345678" {
			t.Fatalf("surge drafts = %+v, want one for phone:+84912345678", got)
		}
		if det.Dropped() != 0 {
			t.Errorf("dropped %d checks", det.Dropped())
		}
	})
}
