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

// Lookalikes tells whether a host imitates a trusted domain. The detector in
// indicators/lookalike implements it.
type Lookalikes interface {
	// LookalikeOf returns the trusted registrable domain that host
	// imitates, if any. It must be cheap: it runs on domain and URL checks.
	LookalikeOf(host string) (string, bool)
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
	// Scoring turns a listed indicator's evidence into a score and the
	// score into a verdict, with citizen reports fading with age. The zero
	// value is the documented default (README, "How verdicts are scored").
	Scoring Scoring
	// Now is the clock, injected by tests. Default time.Now.
	Now func() time.Time
	// Logger receives store failures; it never receives what was checked.
	Logger *slog.Logger
	// Lookalikes, if set, flags domains and links that imitate a trusted
	// domain: an otherwise unknown one becomes suspicious with LookalikeOf.
	Lookalikes Lookalikes
	// OnCheck, if set, is called once per checked input with its kind and
	// whether the verdict was other than unknown (stats and metrics).
	OnCheck func(kind Kind, verdict Verdict)
	// Links, if set, counts the listed indicators named in the same
	// reports as a listed hit (Result.Linked). Links implements it.
	Links LinkCounter
	// Disputes, if set, says whether a listed hit has an open dispute
	// (Result.Disputed). The report stores implement it.
	Disputes DisputeChecker
}

// LinkCounter counts the indicators linked to a listed one; see Links.
type LinkCounter interface {
	Linked(ctx context.Context, key Key) (*Linked, error)
}

// DisputeChecker tells whether a listed indicator has an open dispute; see
// DisputeStore.
type DisputeChecker interface {
	Disputed(ctx context.Context, key Key) (bool, error)
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
	var r Result
	e.CheckParsedInto(ctx, &p, &r)
	return r
}

// CheckParsedInto is CheckParsed writing the answer into *r, which it
// overwrites.
func (e *Engine) CheckParsedInto(ctx context.Context, p *Parsed, r *Result) {
	var hits [8]Key
	hit := hits[:0]
	key, canonical := p.Key, p.Canonical
	if p.Kind == KindPhone || p.Kind == KindBankAccount {
		// The common case has one key: skip building a slice.
		if e.filter.Test(key) {
			// A listed key is kept (the answer cache, trend detection):
			// a copy of its own rather than a view into a batch's
			// KeyArena, which it would keep alive.
			key, canonical = Key(strings.Clone(string(key))), strings.Clone(canonical)
			hit = append(hit, key)
		}
	} else {
		for _, k := range LookupKeys(*p) {
			if e.filter.Test(k) {
				hit = append(hit, k)
			}
		}
	}
	*r = Result{Input: p.Input, Kind: p.Kind, Key: key, Canonical: canonical, ConvertedFrom: p.ConvertedFrom}
	if p.QR != nil {
		// A copy: ApplyExpected and callers may change the Result's QR.
		qr := *p.QR
		r.QR = &qr
	}
	e.resolve(ctx, r, hit)
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
	hit := e.filter.Test(key)
	if !hit && r.Kind != KindDomain && r.Kind != KindURL {
		// The miss path: most checks end here, so it skips resolve (which
		// domains and links still need, for the lookalike check).
		r.Verdict, r.Advice = VerdictUnknown, adviceUnknown[groupOf(r.Kind)]
		if e.opts.OnCheck != nil {
			e.opts.OnCheck(r.Kind, r.Verdict)
		}
		return r
	}
	var hits []Key
	if hit {
		hits = []Key{key}
	}
	e.resolve(ctx, &r, hits)
	return r
}

// resolve fills the verdict, details and advice of r from the filter hits.
func (e *Engine) resolve(ctx context.Context, r *Result, hits []Key) {
	r.Verdict = VerdictUnknown
	if len(hits) > 0 {
		e.confirm(ctx, r, hits)
	}
	e.lookalike(r)
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
		// Only the class of the error is logged: store errors can quote
		// the key, which is what the citizen checked.
		e.opts.Logger.Warn("store unreachable on filter hit; answering degraded", "kind", r.Kind, "error_class", ErrorCode(err))
		r.Verdict, r.Degraded = VerdictSuspicious, true
		return
	}
	now := e.opts.Now()
	// The highest scoring listed report, and the allowlist entry, decide
	// together: see pick. A report whose score has faded below the
	// suspicious threshold counts as not listed.
	var report, trusted *Record
	var reportScore float64
	for _, rec := range recs {
		if !rec.Listed(now) {
			continue
		}
		if rec.Status == StatusTrusted {
			if trusted == nil {
				trusted = rec
			}
			continue
		}
		score := e.opts.Scoring.Score(rec, now)
		if score < e.opts.Scoring.SuspiciousAt() {
			continue
		}
		if report == nil || score > reportScore {
			report, reportScore = rec, score
		}
	}
	best, other := pick(report, trusted)
	if best == nil {
		return // every hit was a false positive, delisted, expired or faded
	}
	r.Verdict = e.verdictAt(best, now)
	if best == report {
		r.Score = reportScore
	}
	r.Status, r.Category, r.Reports = best.Status, best.Category, best.Reports
	r.Sources = best.SourceNames()
	fs, ls := best.FirstSeen, best.LastSeen
	r.FirstSeen, r.LastSeen = &fs, &ls
	if best.Key != r.Key {
		r.Matched = best.Key
	}
	if other != nil {
		r.Also = &Also{Key: other.Key, Verdict: e.verdictAt(other, now), Status: other.Status, Reports: other.Reports}
	}
	if best != trusted {
		e.annotate(ctx, r, best.Key)
	}
}

// annotate adds the dispute flag and link counts of a listed (reported or
// confirmed) hit. They are extra reads only listed hits pay for, and
// neither changes the verdict: a failure is logged and the field left out
// rather than the answer degraded.
func (e *Engine) annotate(ctx context.Context, r *Result, key Key) {
	if e.opts.Disputes != nil {
		disputed, err := e.opts.Disputes.Disputed(ctx, key)
		if err != nil {
			e.opts.Logger.Warn("dispute lookup failed; answering without it", "kind", r.Kind, "err", err)
		}
		r.Disputed = disputed
	}
	if e.opts.Links != nil {
		linked, err := e.opts.Links.Linked(ctx, key)
		if err != nil {
			e.opts.Logger.Warn("link lookup failed; answering without it", "kind", r.Kind, "err", err)
		}
		r.Linked = linked
	}
}

// pick decides between the most severe report and an allowlist entry that
// match the same check. An allowlist entry wins over a report only when
// police confirmed it (ConfirmedBy set): a feed's allowlist can be wrong or
// stale, and a citizen report on an official-looking page must not be
// hidden by it. The loser is returned as other, so both are shown.
func pick(report, trusted *Record) (best, other *Record) {
	switch {
	case report == nil:
		return trusted, nil
	case trusted == nil:
		return report, nil
	case trusted.ConfirmedBy != "":
		return trusted, report
	}
	return report, trusted
}

// lookalike marks an otherwise unknown domain or link that imitates a
// trusted domain as suspicious.
func (e *Engine) lookalike(r *Result) {
	if e.opts.Lookalikes == nil || (r.Kind != KindDomain && r.Kind != KindURL) || r.Verdict == VerdictTrusted {
		return
	}
	host := r.Key.Value()
	if r.Kind == KindURL {
		host = URLHost(host)
	}
	if of, ok := e.opts.Lookalikes.LookalikeOf(host); ok {
		r.LookalikeOf = of
		if r.Verdict == VerdictUnknown {
			r.Verdict = VerdictSuspicious
		}
	}
}

// VerdictOf returns the verdict a check matching rec gives now (rec must be
// listed): for answers built outside Check, such as hashes:find, so that
// they agree with it. A report whose score has faded answers unknown.
func (e *Engine) VerdictOf(rec *Record) Verdict { return e.verdictAt(rec, e.opts.Now()) }

// verdictAt maps a listed record to a verdict at now: trusted for the
// allowlist, otherwise from its score.
func (e *Engine) verdictAt(rec *Record, now time.Time) Verdict {
	if rec.Status == StatusTrusted {
		return VerdictTrusted
	}
	return e.opts.Scoring.VerdictFor(e.opts.Scoring.Score(rec, now))
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
