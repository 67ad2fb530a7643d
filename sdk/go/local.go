package scamcheck

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// ErrChecksum is returned by Sync when even a full prefix list does not
// match the checksum the server sent with it.
var ErrChecksum = errors.New("scamcheck: prefix set checksum mismatch")

// LocalChecker answers checks the privacy-preserving way: it holds the
// hash prefixes of every listed key (Sync), hashes the lookup keys of an
// input locally, and only on a prefix hit asks the server for the full
// hashes behind that prefix, which the server cannot tell from the other
// inputs sharing it. A miss, the common case, sends nothing at all.
//
// It is safe for concurrent use.
type LocalChecker struct {
	client *Client
	now    func() time.Time

	// syncMu serialises Sync.
	syncMu sync.Mutex

	// mu guards sets and cache.
	mu    sync.RWMutex
	sets  map[Kind]*localSet
	cache map[uint32]cachedFind
}

// localSet is one kind's prefix set at a generation.
type localSet struct {
	gen    string
	sorted []uint32
}

// maxCachedPrefixes is the cache size past which expired answers are swept,
// so that a long-running checker's cache stays bounded by what is live.
const maxCachedPrefixes = 10_000

// cachedFind is the answer of hashes:find for one prefix.
type cachedFind struct {
	matches []HashMatch
	expires time.Time
}

// NewLocalChecker returns a checker that syncs through c. It holds nothing
// until the first Sync or Check.
func NewLocalChecker(c *Client) *LocalChecker {
	return &LocalChecker{client: c, now: time.Now, sets: map[Kind]*localSet{}, cache: map[uint32]cachedFind{}}
}

// Sync brings the prefix sets of every kind up to date: the full lists the
// first time, then the changes since the generation held. After applying
// changes it verifies the set against the server's checksum and reloads
// the full list on a mismatch.
func (l *LocalChecker) Sync(ctx context.Context) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	for _, kind := range indicators.Kinds {
		if err := l.syncKind(ctx, kind); err != nil {
			return err
		}
	}
	return nil
}

func (l *LocalChecker) syncKind(ctx context.Context, kind Kind) error {
	l.mu.RLock()
	cur := l.sets[kind]
	l.mu.RUnlock()
	since := ""
	var held []uint32
	if cur != nil {
		since, held = cur.gen, cur.sorted
	}
	pl, err := l.client.Prefixes(ctx, kind, since)
	if err != nil {
		return fmt.Errorf("scamcheck: sync %s prefixes: %w", kind, err)
	}
	next, added := applyList(held, pl)
	if !checksumMatches(next, pl.Checksum) {
		if pl.Full {
			return fmt.Errorf("sync %s prefixes: %w", kind, ErrChecksum)
		}
		// The delta did not lead to the server's set (a set held from
		// another replica's history, or a corrupted answer): start over.
		if pl, err = l.client.Prefixes(ctx, kind, ""); err != nil {
			return fmt.Errorf("scamcheck: sync %s prefixes: %w", kind, err)
		}
		if next, added = applyList(nil, pl); !checksumMatches(next, pl.Checksum) {
			return fmt.Errorf("sync %s prefixes: %w", kind, ErrChecksum)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sets[kind] = &localSet{gen: pl.Generation, sorted: next}
	// A prefix just listed may have a cached empty answer (it collided with
	// an unlisted input earlier): forget it, or the new listing would stay
	// hidden until the cache expired.
	if added == nil {
		clear(l.cache)
	}
	for _, p := range added {
		delete(l.cache, p)
	}
	return nil
}

// applyList returns the set after pl and the prefixes it added (nil for a
// full list, meaning "anything may have been added").
func applyList(held []uint32, pl *PrefixList) (next, added []uint32) {
	if pl.Full {
		next = slices.Clone(pl.Prefixes)
		slices.Sort(next)
		return slices.Compact(next), nil
	}
	add, rem := slices.Clone(pl.Additions), slices.Clone(pl.Removals)
	slices.Sort(add)
	slices.Sort(rem)
	return indicators.ApplyPrefixDelta(held, add, rem), add
}

func checksumMatches(sorted []uint32, want string) bool {
	sum := indicators.PrefixChecksum(sorted)
	return hex.EncodeToString(sum[:]) == want
}

// Generation returns the generation held for kind ("" before the first
// Sync).
func (l *LocalChecker) Generation(kind Kind) string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if s := l.sets[kind]; s != nil {
		return s.gen
	}
	return ""
}

// Run syncs every interval until ctx ends, and returns ctx's error. A
// failed sync keeps the sets held and is retried at the next tick; onErr,
// if not nil, is told about it.
func (l *LocalChecker) Run(ctx context.Context, interval time.Duration, onErr func(error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := l.Sync(ctx); err != nil && onErr != nil && ctx.Err() == nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Check answers input as the server would, checking locally. The first
// call syncs if Sync was never called. Input that cannot be read returns
// an error matching ErrInvalidInput, with the Result carrying it too.
//
// When a prefix hits but the server cannot be asked, the answer is
// suspicious with Degraded set, along with the error: as the server itself
// does when its store is unreachable on a filter hit, it warns rather than
// reassures.
func (l *LocalChecker) Check(ctx context.Context, input string) (Result, error) {
	p, err := indicators.Parse(input)
	if err != nil {
		return indicators.ErrorResult(input, err), fmt.Errorf("scamcheck: %w", err)
	}
	return l.CheckParsed(ctx, p)
}

// CheckParsed answers an already parsed input (indicators.ParseAs for a
// known kind).
func (l *LocalChecker) CheckParsed(ctx context.Context, p indicators.Parsed) (Result, error) {
	l.mu.RLock()
	synced := len(l.sets) == len(indicators.Kinds)
	l.mu.RUnlock()
	if !synced {
		if err := l.Sync(ctx); err != nil {
			return Result{Input: p.Input, Kind: p.Kind, Key: p.Key, Canonical: p.Canonical}, err
		}
	}
	r := Result{Input: p.Input, Kind: p.Kind, Key: p.Key, Canonical: p.Canonical, Verdict: VerdictUnknown}
	keys := []indicators.Key{p.Key}
	if p.Kind == KindDomain || p.Kind == KindURL {
		keys = indicators.LookupKeys(p)
	}
	type hit struct {
		key  indicators.Key
		hash string
	}
	var hits []hit
	var prefixes []uint32
	l.mu.RLock()
	for _, k := range keys {
		set := l.sets[k.Kind()]
		h := indicators.KeyHash(k)
		pfx := indicators.HashPrefix(h)
		if set == nil {
			continue
		}
		if _, ok := slices.BinarySearch(set.sorted, pfx); ok {
			hits = append(hits, hit{k, hex.EncodeToString(h[:])})
			if !slices.Contains(prefixes, pfx) {
				prefixes = append(prefixes, pfx)
			}
		}
	}
	l.mu.RUnlock()
	if len(hits) == 0 {
		r.Advice = indicators.AdviceFor(r.Verdict, r.Kind)
		return r, nil
	}
	matches, err := l.find(ctx, prefixes)
	if err != nil {
		r.Verdict, r.Degraded = VerdictSuspicious, true
		r.Advice = indicators.AdviceFor(r.Verdict, r.Kind)
		return r, err
	}
	var best *HashMatch
	var bestKey indicators.Key
	for _, h := range hits { // most specific first: it wins ties
		for i := range matches {
			m := &matches[i]
			if m.Hash == h.hash && (best == nil || rank(m.Verdict) > rank(best.Verdict)) {
				best, bestKey = m, h.key
			}
		}
	}
	if best != nil {
		r.Verdict, r.Status, r.Category, r.Reports = best.Verdict, indicators.Status(best.Status), indicators.Category(best.Category), best.Reports
		fs, ls := best.FirstSeen, best.LastSeen
		r.FirstSeen, r.LastSeen = &fs, &ls
		if bestKey != p.Key {
			r.Matched = bestKey
		}
	}
	r.Advice = indicators.AdviceFor(r.Verdict, r.Kind)
	return r, nil
}

// rank orders verdicts as the server does when several keys match.
func rank(v Verdict) int {
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

// find returns the matches for prefixes, from the cache where it holds a
// live answer and from the server for the rest.
func (l *LocalChecker) find(ctx context.Context, prefixes []uint32) ([]HashMatch, error) {
	now := l.now()
	var out []HashMatch
	var ask []uint32
	l.mu.RLock()
	for _, p := range prefixes {
		if c, ok := l.cache[p]; ok && now.Before(c.expires) {
			out = append(out, c.matches...)
			continue
		}
		ask = append(ask, p)
	}
	l.mu.RUnlock()
	if len(ask) == 0 {
		return out, nil
	}
	res, err := l.client.FindHashes(ctx, ask)
	if err != nil {
		return nil, err
	}
	byPrefix := map[uint32][]HashMatch{}
	for _, m := range res.Matches {
		h, err := hex.DecodeString(m.Hash)
		if err != nil || len(h) != 32 {
			return nil, fmt.Errorf("scamcheck: hashes:find answered a malformed hash %q", m.Hash)
		}
		p := indicators.HashPrefix([32]byte(h))
		byPrefix[p] = append(byPrefix[p], m)
	}
	expires := now.Add(time.Duration(res.CacheSeconds) * time.Second)
	l.mu.Lock()
	if len(l.cache) >= maxCachedPrefixes {
		for p, c := range l.cache {
			if !now.Before(c.expires) {
				delete(l.cache, p)
			}
		}
	}
	for _, p := range ask {
		if res.CacheSeconds > 0 {
			l.cache[p] = cachedFind{matches: byPrefix[p], expires: expires}
		}
		out = append(out, byPrefix[p]...)
	}
	l.mu.Unlock()
	return out, nil
}
