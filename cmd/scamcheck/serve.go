package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/scamcheck/scamcheck"
	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/api/timeouts"
	"github.com/scamcheck/scamcheck/backend"
	"github.com/scamcheck/scamcheck/feeds"
	"github.com/scamcheck/scamcheck/indicators"
)

// serveStores is what the backends' concrete stores implement besides
// indicators.Store: reports (with their link index), disputes, keys, audit
// and stats live in the same store.
type serveStores interface {
	indicators.ReportStore
	indicators.LinkIndex
	indicators.DisputeStore
	indicators.KeyStore
	indicators.AuditLog
	indicators.StatsStore
	indicators.WarningStore
}

// storesOf returns the report, key, audit and stats stores of b.
func storesOf(b *backend.Backend) serveStores {
	if s := b.Bolt(); s != nil {
		return s
	}
	return b.Redis()
}

func (m *Main) runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	listen := fs.String("listen", cmp.Or(m.Getenv("SCAMCHECK_LISTEN"), ":8080"), "address to listen on (env SCAMCHECK_LISTEN)")
	addrFile := fs.String("addr-file", "", "write the bound address (host:port) to this file once listening")
	noSamples := fs.Bool("no-samples", false, "do not load the bundled sample feeds into an empty embedded store")
	logLevel := fs.String("log-level", cmp.Or(m.Getenv("SCAMCHECK_LOG_LEVEL"), "info"), "debug, info, warn or error (env SCAMCHECK_LOG_LEVEL); debug logs every request")
	ratePublic := fs.Int("rate-public", api.DefaultPublicLimit.Requests, "requests per minute per client IP without a key (0: unlimited)")
	rateKey := fs.Int("rate-key", api.DefaultKeyLimit.Requests, "requests per minute per API key (0: unlimited)")
	rateReports := fs.Int("rate-reports", api.DefaultReportLimit.Requests, "citizen reports per hour per client IP (0: unlimited)")
	rateDisputes := fs.Int("rate-disputes", api.DefaultDisputeLimit.Requests, "disputes per hour per client IP (0: unlimited)")
	rebuildEvery := fs.Duration("rebuild-check", time.Minute, "how often to check whether the filters outgrew their capacity and rebuild them")
	proxyHeader := fs.String("proxy-header", m.Getenv("SCAMCHECK_PROXY_HEADER"), "header with the client IP set by a reverse proxy, e.g. X-Forwarded-For (env SCAMCHECK_PROXY_HEADER)")
	retention := fs.String("contact-retention", cmp.Or(m.Getenv("SCAMCHECK_CONTACT_RETENTION"), "365d"), "delete reporters' contact data older than this (env SCAMCHECK_CONTACT_RETENTION)")
	quizFile := fs.String("quiz", m.Getenv("SCAMCHECK_QUIZ"), "JSON file with the awareness-check questions, replacing the built-in ones; checked at start (env SCAMCHECK_QUIZ)")
	trusted := fs.String("trusted-proxies", m.Getenv("SCAMCHECK_TRUSTED_PROXIES"), "comma-separated proxy IPs/CIDRs whose proxy header is believed")
	defTimeouts := api.DefaultTimeouts()
	idleTimeout := fs.Duration("idle-timeout", defTimeouts.Idle, "how long a connection may wait for a request before it is closed")
	readTimeout := fs.Duration("read-timeout", defTimeouts.Read, "how long a request that does not arrive in one piece may take to finish arriving (answered 408)")
	writeTimeout := fs.Duration("write-timeout", defTimeouts.Write, "how long a client may take to read an answer before the connection is closed")
	cfg := m.storeFlags(fs)
	trendOpts := m.trendFlags(fs)
	scoringOf := scoringFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if fs.NArg() > 0 {
		return usageErr(m, "scamcheck serve [--listen ADDR] [flags]")
	}
	scoring, err := scoringOf()
	if err != nil {
		return err
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"idle-timeout", *idleTimeout}, {"read-timeout", *readTimeout}, {"write-timeout", *writeTimeout}} {
		if d.v < minTimeout {
			return fmt.Errorf("--%s %v: must be at least %v", d.flag, d.v, minTimeout)
		}
	}
	keep, err := parseTTL(*retention)
	if err != nil {
		return fmt.Errorf("--contact-retention: %w", err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	// Checked before the store is opened: a bad edit stops the start with
	// the file's problems, and nothing is touched.
	quiz, err := loadQuiz(*quizFile)
	if err != nil {
		return err
	}
	logger := newLogger(m.Stderr, level)
	cfg.Logger = logger

	b, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		// Saves the filter snapshot (embedded mode) and closes the store.
		if err := b.Close(); err != nil {
			logger.Error("closing the store", "err", err)
		}
	}()
	empty := false
	if b.Mode() == "embedded" && !*noSamples {
		counts, err := b.Store.Counts(ctx)
		if err != nil {
			return err
		}
		empty = counts.Total == 0
	}
	set, err := b.StartFilters(ctx)
	if err != nil {
		return err
	}
	if empty {
		if err := loadSamples(ctx, b, logger); err != nil {
			return fmt.Errorf("load samples: %w", err)
		}
	}

	stores := storesOf(b)
	stats := api.NewCheckStats()
	looks, err := newLookalikes(ctx, b.Store)
	if err != nil {
		return fmt.Errorf("load the allowlist for lookalike detection: %w", err)
	}
	detector, err := startTrends(ctx, b, cfg, trendOpts, logger)
	if err != nil {
		return fmt.Errorf("start trend detection: %w", err)
	}
	defer func() {
		// After the server: counts what the last requests queued.
		if detector != nil {
			detector.Close()
		}
	}()
	links := indicators.NewLinks(stores, b.Store, nil)
	engine := indicators.NewEngine(b.Store, set, indicators.EngineOptions{Logger: logger, OnCheck: stats.Record, Lookalikes: looks, Scoring: scoring,
		Links: links, Disputes: stores})
	srv := api.New(api.Config{
		Engine: engine, Store: b.Store, Reports: stores, Keys: stores, Audit: stores, Stats: stores,
		CheckStats: stats, Publisher: b, Filters: set, Logger: logger, Partners: partnerStoreOf(b),
		Disputes: stores, Links: links, Lookalikes: looks, Quiz: quiz, Trends: detector, Warnings: stores,
		Ready: func(ctx context.Context) error {
			if b.Filters() == nil {
				return errors.New("filters not loaded")
			}
			return b.Store.Ping(ctx)
		},
		PublicLimit:    perWindow(*ratePublic, time.Minute),
		KeyLimit:       perWindow(*rateKey, time.Minute),
		ReportLimit:    perWindow(*rateReports, time.Hour),
		DisputeLimit:   perWindow(*rateDisputes, time.Hour),
		ProxyHeader:    *proxyHeader,
		TrustedProxies: splitList(*trusted),
		Timeouts:       timeouts.Config{Idle: *idleTimeout, Read: *readTimeout, Write: *writeTimeout},
	})
	if err := srv.Open(*listen); err != nil {
		return err
	}
	addr := srv.Addr().String()
	logger.Info("listening", "addr", addr, "url", srv.URL(), "store", b.Mode())
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(addr), 0o644); err != nil {
			_ = srv.Close(context.Background())
			return fmt.Errorf("--addr-file: %w", err)
		}
	}

	rebuildDone := make(chan struct{})
	rctx, stopRebuild := context.WithCancel(ctx)
	go func() {
		defer close(rebuildDone)
		rebuildLoop(rctx, b, *rebuildEvery, logger)
	}()
	waitWebhooks := startWebhooks(rctx, b, logger)
	purgeDone := make(chan struct{})
	go func() {
		defer close(purgeDone)
		purgeLoop(rctx, withDisputeContacts{stores}, keep, logger)
	}()

	<-ctx.Done()
	logger.Info("shutting down: draining requests")
	stopRebuild()
	<-rebuildDone
	waitWebhooks()
	<-purgeDone
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Close(sctx); err != nil {
		logger.Error("shutdown", "err", err)
		return err
	}
	logger.Info("stopped")
	return nil
}

// withDisputeContacts makes the contact purge cover the contacts of
// dispute filers too: one retention for every contact the centre holds.
type withDisputeContacts struct{ serveStores }

// PurgeContacts purges reporters' and then filers' contacts made before
// the cutoff and returns how many were deleted in all.
func (w withDisputeContacts) PurgeContacts(ctx context.Context, before time.Time) (int, error) {
	n, err := w.serveStores.PurgeContacts(ctx, before)
	if err != nil {
		return n, err
	}
	m, err := w.PurgeDisputeContacts(ctx, before)
	return n + m, err
}

// minTimeout is the shortest connection timeout serve takes: below a
// second, clients on a slow mobile network would be cut off mid-request, so
// such a value is most likely a slip ("30ms" for "30s").
const minTimeout = time.Second

// perWindow maps a flag's count to a limit; 0 means unlimited.
func perWindow(n int, window time.Duration) api.Limit {
	if n <= 0 {
		return api.Limit{Requests: -1}
	}
	return api.Limit{Requests: n, Window: window}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// newLogger logs JSON when w is not a terminal (a service's logs go to a
// collector), text for a person at a terminal.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(w, opts))
		}
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// rebuildLoop rebuilds the filters when one holds more keys than it was
// sized for, so that the false-positive rate stays at its target.
func rebuildLoop(ctx context.Context, b *backend.Backend, every time.Duration, logger *slog.Logger) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			set := b.Filters()
			if set == nil || !set.NeedsRebuild() {
				continue
			}
			start := time.Now()
			if err := b.Rebuild(ctx); err != nil {
				logger.Warn("filter rebuild failed", "err", err)
				continue
			}
			logger.Info("filters rebuilt: they had outgrown their capacity", "took", time.Since(start).Round(time.Millisecond))
		}
	}
}

// loadSamples imports the bundled sample feeds, so that a first start on an
// empty store answers with real data.
func loadSamples(ctx context.Context, b *backend.Backend, logger *slog.Logger) error {
	fsys := scamcheck.SampleFS()
	for _, s := range scamcheck.Samples {
		f, err := fsys.Open(s.File)
		if err != nil {
			return err
		}
		format, err := feeds.ParseFormat(s.Format)
		if err != nil {
			f.Close()
			return err
		}
		status := indicators.StatusReported
		if s.Trusted {
			status = indicators.StatusTrusted
		}
		// The samples are years old; dated as loaded, they show a new
		// user live answers instead of faded ones.
		sum, err := feeds.Import(ctx, b.Store, b, f, feeds.ImportOptions{Format: format, Source: s.Source, Status: status, IgnoreDates: true})
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", s.File, err)
		}
		logger.Info("loaded sample feed", "file", s.File, "source", s.Source, "trusted", s.Trusted,
			"added", sum.Added, "updated", sum.Updated, "rejected", sum.Rejected)
	}
	return nil
}
