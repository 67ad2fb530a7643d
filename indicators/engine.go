package indicators

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// Filter answers "might this key be listed?" with no I/O. A false answer is
// definitive; a true answer must be confirmed in the Store. bloom.Set
// implements it.
type Filter interface {
	Test(key Key) bool
}

// EngineOptions configure an Engine. Zero values take the defaults noted.
type EngineOptions struct {
	// CacheSize is how many Store answers (records and confirmed absences)
	// the LRU keeps. Default 10,000.
	CacheSize int
	// CacheTTL bounds how stale a cached answer may be, which is how long a
	// write on another replica can take to show in this one's answers.
	// Default 5s.
	CacheTTL time.Duration
	// DangerousReports is how many reports (or distinct sources) make an
	// unconfirmed indicator dangerous rather than suspicious. Default 3.
	DangerousReports int
	// Now is the clock, injected by tests. Default time.Now.
	Now func() time.Time
	// Logger receives store failures; it never receives what was checked.
	Logger *slog.Logger
	// OnCheck, if set, is called once per checked input with its kind and
	// whether the verdict was other than unknown (stats and metrics).
	OnCheck func(kind Kind, verdict Verdict)
}

// Engine answers checks: normalize → filter → (on a hit) LRU → Store →
// verdict. It is safe for concurrent use.
type Engine struct {
	store  Store
	filter Filter
	cache  *expirable.LRU[Key, *Record] // nil value: confirmed absent
	opts   EngineOptions
}

// NewEngine builds an Engine over a Store and the filters derived from it.
func NewEngine(store Store, filter Filter, opts EngineOptions) *Engine {
	if opts.CacheSize <= 0 {
		opts.CacheSize = 10_000
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = 5 * time.Second
	}
	if opts.DangerousReports <= 0 {
		opts.DangerousReports = 3
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Engine{
		store:  store,
		filter: filter,
		cache:  expirable.NewLRU[Key, *Record](opts.CacheSize, nil, opts.CacheTTL),
		opts:   opts,
	}
}

// Check auto-detects the kind of input and answers it. Invalid input gives a
// Result with Error set, never a Go error: a batch of checks answers every
// item.
func (e *Engine) Check(ctx context.Context, input string) Result {
	p, err := Parse(input)
	if err != nil {
		return ErrorResult(input, err)
	}
	return e.CheckParsed(ctx, p)
}

// CheckAs answers input normalized as the given kind.
func (e *Engine) CheckAs(ctx context.Context, kind Kind, input string) Result {
	p, err := ParseAs(kind, input)
	if err != nil {
		return ErrorResult(input, err)
	}
	return e.CheckParsed(ctx, p)
}

// CheckParsed answers an already parsed input, testing every lookup key of
// it (URL expressions and parent domains included).
func (e *Engine) CheckParsed(ctx context.Context, p Parsed) Result {
	var hits [8]Key
	hit := hits[:0]
	if p.Kind == KindPhone || p.Kind == KindBankAccount {
		// The common case has one key: skip building a slice.
		if e.filter.Test(p.Key) {
			hit = append(hit, p.Key)
		}
	} else {
		for _, k := range LookupKeys(p) {
			if e.filter.Test(k) {
				hit = append(hit, k)
			}
		}
	}
	r := Result{Input: p.Input, Kind: p.Kind, Key: p.Key, Canonical: p.Canonical}
	e.resolve(ctx, &r, hit)
	return r
}

// CheckKey answers a canonical key with no normalization: the fastest path,
// for callers (SDKs, bank systems) that already hold canonical keys. Only
// the key itself is tested, not URL expressions.
func (e *Engine) CheckKey(ctx context.Context, key Key) Result {
	var r Result
	r.Input, r.Key = string(key), key
	if i := strings.IndexByte(string(key), ':'); i >= 0 {
		r.Kind, r.Canonical = Kind(key[:i]), string(key[i+1:])
	}
	if !e.filter.Test(key) {
		// The miss path: most checks end here, so it skips resolve.
		r.Verdict, r.Advice = VerdictUnknown, adviceUnknown[groupOf(r.Kind)]
		if e.opts.OnCheck != nil {
			e.opts.OnCheck(r.Kind, r.Verdict)
		}
		return r
	}
	e.resolve(ctx, &r, []Key{key})
	return r
}

// resolve fills the verdict, details and advice of r from the filter hits.
func (e *Engine) resolve(ctx context.Context, r *Result, hits []Key) {
	r.Verdict = VerdictUnknown
	if len(hits) > 0 {
		e.confirm(ctx, r, hits)
	}
	r.Advice = AdviceFor(r.Verdict, r.Kind)
	if e.opts.OnCheck != nil {
		e.opts.OnCheck(r.Kind, r.Verdict)
	}
}

// confirm reads the records behind filter hits and sets the verdict from
// the most severe listed one.
func (e *Engine) confirm(ctx context.Context, r *Result, hits []Key) {
	recs, err := e.records(ctx, hits)
	if err != nil {
		// The filter says "maybe listed" and we cannot tell: warn rather
		// than reassure, and say the answer is degraded.
		e.opts.Logger.Warn("store unreachable on filter hit; answering degraded", "kind", r.Kind, "err", err)
		r.Verdict, r.Degraded = VerdictSuspicious, true
		return
	}
	now := e.opts.Now()
	var best *Record
	bestRank := 0
	for _, rec := range recs {
		if !rec.Listed(now) {
			continue
		}
		if rank := verdictRank(e.verdictOf(rec)); rank > bestRank {
			best, bestRank = rec, rank
		}
	}
	if best == nil {
		return // every hit was a false positive, delisted or expired
	}
	r.Verdict = e.verdictOf(best)
	r.Status, r.Category, r.Reports = best.Status, best.Category, best.Reports
	r.Sources = best.SourceNames()
	fs, ls := best.FirstSeen, best.LastSeen
	r.FirstSeen, r.LastSeen = &fs, &ls
	if best.Key != r.Key {
		r.Matched = best.Key
	}
}

// verdictOf maps a listed record to a verdict.
func (e *Engine) verdictOf(rec *Record) Verdict {
	switch {
	case rec.Status == StatusConfirmed:
		return VerdictDangerous
	case rec.Status == StatusTrusted:
		return VerdictTrusted
	case rec.Reports >= e.opts.DangerousReports || len(rec.Sources) >= e.opts.DangerousReports:
		return VerdictDangerous
	}
	return VerdictSuspicious
}

// verdictRank orders verdicts for combining several matching keys: any
// report outranks the allowlist, since a listed page on a trusted host (a
// phishing page on shared hosting) is still a phishing page.
func verdictRank(v Verdict) int {
	switch v {
	case VerdictDangerous:
		return 3
	case VerdictSuspicious:
		return 2
	case VerdictTrusted:
		return 1
	}
	return 0
}

// records returns the listed records among keys, through the LRU.
func (e *Engine) records(ctx context.Context, keys []Key) ([]*Record, error) {
	out := make([]*Record, 0, len(keys))
	var missing []Key
	for _, k := range keys {
		if rec, ok := e.cache.Get(k); ok {
			if rec != nil {
				out = append(out, rec)
			}
			continue
		}
		missing = append(missing, k)
	}
	if len(missing) == 0 {
		return out, nil
	}
	got, err := e.store.Get(ctx, missing)
	if err != nil {
		return nil, err
	}
	for i, rec := range got {
		e.cache.Add(missing[i], rec)
		if rec != nil {
			out = append(out, rec)
		}
	}
	return out, nil
}

// Invalidate drops cached answers for keys, so a write made through this
// process shows at once (other replicas see it within CacheTTL).
func (e *Engine) Invalidate(keys ...Key) {
	for _, k := range keys {
		e.cache.Remove(k)
	}
}
