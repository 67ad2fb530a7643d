package e2e

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/backend"
	"github.com/scamcheck/scamcheck/bloom"
	"github.com/scamcheck/scamcheck/indicators"
)

// server is a running API over a fresh embedded store, with a police key.
type server struct {
	url    string
	police string
}

// serverOptions is what the tests' servers differ in; the zero value is
// the smallest server: no disputes, no warnings, a silent log.
type serverOptions struct {
	// logger receives the server's logs; nil discards them.
	logger *slog.Logger
	// expected sizes the bloom filter of each kind.
	expected uint
	// keyName names the police API key the server is given.
	keyName string
	// checkStats counts checks in memory for the dashboard's chart.
	checkStats bool
	// disputes wires the store's disputes into the engine and the API.
	disputes bool
	// warnings wires the store's early warnings into the API.
	warnings bool
}

// openServer starts the real api.Server over a temporary bbolt store, as
// `scamcheck serve` does, with a police key and no rate limits, and closes
// it when the test ends.
func openServer(t *testing.T, o serverOptions) *server {
	t.Helper()
	ctx := context.Background()
	logger := o.logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	be, err := backend.Open(ctx, backend.Config{DataDir: t.TempDir(), Logger: logger,
		Filters: bloom.Options{Expected: map[indicators.Kind]uint{
			indicators.KindPhone: o.expected, indicators.KindBankAccount: o.expected,
			indicators.KindDomain: o.expected, indicators.KindURL: o.expected}}})
	if err != nil {
		t.Fatalf("backend.Open: %v", err)
	}
	set, err := be.StartFilters(ctx)
	if err != nil {
		t.Fatalf("StartFilters: %v", err)
	}
	st := be.Bolt()
	engineOpts := indicators.EngineOptions{Logger: logger}
	cfg := api.Config{Store: be.Store, Reports: st, Keys: st, Audit: st, Stats: st,
		Publisher: be, Filters: set, Logger: logger,
		PublicLimit: api.Limit{Requests: -1}, ReportLimit: api.Limit{Requests: -1}}
	// The stores are assigned only when asked for: a nil *boltstore.Store
	// in an interface field would not read as "none" to the API.
	if o.checkStats {
		cfg.CheckStats = api.NewCheckStats()
		engineOpts.OnCheck = cfg.CheckStats.Record
	}
	if o.disputes {
		engineOpts.Disputes = st
		cfg.Disputes = st
	}
	if o.warnings {
		cfg.Warnings = st
	}
	cfg.Engine = indicators.NewEngine(be.Store, set, engineOpts)
	srv := api.New(cfg)
	if err := srv.Open("127.0.0.1:0"); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(cctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := be.Close(); err != nil {
			t.Errorf("backend Close: %v", err)
		}
	})
	k, secret, err := api.NewAPIKey(o.keyName, indicators.RolePolice, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateKey(ctx, k); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return &server{url: srv.URL(), police: secret}
}
