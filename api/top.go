package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/scamcheck/scamcheck/indicators"
)

// TopBank is one bank in the top list of /v1/stats: how many listed
// accounts at it were reported, and how many reports they had.
type TopBank struct {
	BIN        string `json:"bin"`
	Name       string `json:"name,omitempty"`
	Reports    int    `json:"reports"`
	Indicators int    `json:"indicators"`
}

// TopDomain is one registrable domain in the top list of /v1/stats,
// counting listed domains under it and listed links on its hosts (links on
// an allowlisted domain's hosts are left out).
type TopDomain struct {
	Domain     string `json:"domain"`
	Reports    int    `json:"reports"`
	Indicators int    `json:"indicators"`
}

// Bounds of the top lists.
const (
	// topN is the length of each list.
	topN = 10
	// topTTL is how long computed lists are reused: they need a scan of
	// every account, domain and link record, too slow for each request.
	topTTL = 5 * time.Minute
	// topMaxScan bounds the records one computation reads; past it the
	// lists are marked partial rather than making /v1/stats slow.
	topMaxScan = 1_000_000
)

// topLists are the computed lists and when they were computed.
type topLists struct {
	banks   []TopBank
	domains []TopDomain
	partial bool
	at      time.Time
}

// topCache computes the top lists at most once per topTTL.
type topCache struct {
	store   indicators.Store
	now     func() time.Time
	maxScan int

	mu  sync.Mutex // guards cur; held while computing, so callers share one scan
	cur *topLists
}

func newTopCache(store indicators.Store, now func() time.Time) *topCache {
	return &topCache{store: store, now: now, maxScan: topMaxScan}
}

// get returns the cached lists, computing them when missing or stale.
func (tc *topCache) get(ctx context.Context) (*topLists, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	now := tc.now()
	if tc.cur != nil && now.Sub(tc.cur.at) < topTTL && !now.Before(tc.cur.at) {
		return tc.cur, nil
	}
	t, err := computeTop(ctx, tc.store, tc.maxScan, now)
	if err != nil {
		return nil, err
	}
	tc.cur = t
	return t, nil
}

// errScanFull stops a scan that reached its bound.
var errScanFull = errors.New("scan bound reached")

// computeTop scans account, domain and link records that count against
// their owner (listed and not on the allowlist) and ranks banks and
// registrable domains by reports.
func computeTop(ctx context.Context, store indicators.Store, maxScan int, now time.Time) (*topLists, error) {
	type tally struct{ reports, indicators int }
	banks := map[string]*tally{}
	trusted := map[string]bool{} // registrable domains on the allowlist
	domains := map[string]*tally{}
	add := func(m map[string]*tally, k string, r *indicators.Record) {
		t := m[k]
		if t == nil {
			t = &tally{}
			m[k] = t
		}
		t.reports += r.Reports
		t.indicators++
	}
	scanned := 0
	partial := false
	for _, kind := range []indicators.Kind{indicators.KindBankAccount, indicators.KindDomain, indicators.KindURL} {
		err := store.Iterate(ctx, kind, func(r indicators.Record) error {
			if scanned >= maxScan {
				return errScanFull
			}
			scanned++
			if r.Kind == indicators.KindDomain && r.Status == indicators.StatusTrusted {
				trusted[registrable(r.Value)] = true
			}
			if !r.Listed(now) || r.Status == indicators.StatusTrusted {
				return nil
			}
			switch r.Kind {
			case indicators.KindBankAccount:
				bin, _, _ := strings.Cut(r.Value, ":")
				add(banks, bin, &r)
			case indicators.KindDomain:
				add(domains, registrable(r.Value), &r)
			case indicators.KindURL:
				host, _, _ := strings.Cut(r.Value, "/")
				host, _, _ = strings.Cut(host, "?")
				// A page on an allowlisted platform (a fake profile on
				// facebook.com) is listed as a link, but the platform is not
				// the scammer's domain: it stays out of the domain ranking.
				// Domains are scanned before links, so trusted is complete.
				if d := registrable(host); !trusted[d] {
					add(domains, d, &r)
				}
			}
			return nil
		})
		if errors.Is(err, errScanFull) {
			partial = true
			break
		}
		if err != nil {
			return nil, fmt.Errorf("api: top lists: %w", err)
		}
	}
	out := &topLists{partial: partial, at: now}
	table := indicators.DefaultBanks()
	for bin, t := range banks {
		b := TopBank{BIN: bin, Reports: t.reports, Indicators: t.indicators}
		if bank, ok := table.ByBIN(bin); ok {
			b.Name = bank.ShortName
		}
		out.banks = append(out.banks, b)
	}
	slices.SortFunc(out.banks, func(a, b TopBank) int {
		return cmp.Or(cmp.Compare(b.Reports, a.Reports), cmp.Compare(b.Indicators, a.Indicators), cmp.Compare(a.BIN, b.BIN))
	})
	for d, t := range domains {
		out.domains = append(out.domains, TopDomain{Domain: d, Reports: t.reports, Indicators: t.indicators})
	}
	slices.SortFunc(out.domains, func(a, b TopDomain) int {
		return cmp.Or(cmp.Compare(b.Reports, a.Reports), cmp.Compare(b.Indicators, a.Indicators), cmp.Compare(a.Domain, b.Domain))
	})
	out.banks = out.banks[:min(len(out.banks), topN)]
	out.domains = out.domains[:min(len(out.domains), topN)]
	return out, nil
}

// registrable returns the domain a host was registered under
// ("login.evil.com.vn" → "evil.com.vn"), so that a wave of subdomains
// counts against its owner; hosts without one (an IP, a bare suffix) are
// kept whole.
func registrable(host string) string {
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}
