package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/lookalike"
)

// DefaultContactRetention is how long reporters' contact data is kept: long
// enough for police to follow up a case, short enough that it does not
// pile up (Decree 13/2023/NĐ-CP asks for a stated, limited period).
const DefaultContactRetention = 365 * 24 * time.Hour

// purgeLoop deletes reporters' contact data older than retention, at start
// and then hourly, until ctx ends. Reports themselves are kept.
func purgeLoop(ctx context.Context, reports indicators.ReportStore, retention time.Duration, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := reports.PurgeContacts(ctx, time.Now().Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("purging expired contact data", "err", err)
		case n > 0:
			logger.Info("purged expired contact data", "contacts", n, "retention", retention.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// trustedSource is what newLookalikes reads the allowlist from.
type trustedSource interface {
	Iterate(ctx context.Context, kind indicators.Kind, fn func(indicators.Record) error) error
}

// newLookalikes builds the lookalike detector over the bank and brand table
// and the registrable domains of every trusted domain and link in the
// store, which are never flagged and are the targets homoglyphs imitate.
// The allowlist is small (thousands), so reading it at start is cheap; an
// allowlist entry added later is picked up at the next start.
func newLookalikes(ctx context.Context, src trustedSource) (*lookalike.Detector, error) {
	var domains []string
	for _, kind := range []indicators.Kind{indicators.KindDomain, indicators.KindURL} {
		err := src.Iterate(ctx, kind, func(r indicators.Record) error {
			if r.Status != indicators.StatusTrusted {
				return nil
			}
			host := r.Value
			if kind == indicators.KindURL {
				host = indicators.URLHost(host)
			}
			domains = append(domains, host)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return lookalike.New(lookalike.DefaultBrands(), lookalike.Options{Domains: domains}), nil
}
