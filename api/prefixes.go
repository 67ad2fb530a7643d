package api

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/indicators"
)

// Privacy-preserving lookups (docs/privacy-lookups.md), the Safe Browsing
// way: GET /v1/prefixes hands out the 4-byte SHA-256 prefixes of listed keys
// of one kind (all of them, or the changes since a generation the client
// holds), and POST /v1/hashes:find returns the full hashes, with verdict
// metadata, of listed keys whose prefix a client hit. A client checks
// locally and reveals only a 4-byte prefix shared by many URLs, and only on
// a hit.
//
// The prefix sets live in memory, per kind:
//
//	Store.Iterate (at start, then every Refresh) ─┐
//	writes through this server (touch) ───────────┼→ keys by prefix
//	                                              └→ on the next read: a new
//	                                                 generation (sorted set,
//	                                                 checksum, delta) if the
//	                                                 set of prefixes changed
//
// A generation is named by its content: the first 8 bytes, in hex, of the
// checksum (SHA-256 of the sorted wire form). Replicas holding the same set
// therefore give the same generation, a restart with an unchanged store
// keeps it, and a client that arrives with a generation this replica has
// never held simply gets the full list. The client always verifies the
// checksum after applying a delta, so even a collision of generation names
// ends in a full reload, never in a wrong set.
//
// Trusted (allowlisted) indicators are not in the sets: a prefix hit costs
// the client a hashes:find that tells the server roughly what was visited,
// and the trusted sites are the ones visited most, for no protective gain.

// PrefixOptions tune the privacy-preserving lookup endpoints. Zero values
// take the defaults noted.
type PrefixOptions struct {
	// Refresh is how often the prefix sets are rebuilt from the Store: the
	// bound on how long a write made elsewhere (another replica, a CLI
	// import) or an expiry takes to show. Writes through this server show
	// at the next request. Default 5 minutes.
	Refresh time.Duration
	// History is how many generations per kind are kept to answer deltas.
	// Default 256.
	History int
	// MaxFind bounds the prefixes of one hashes:find. Default 1000.
	MaxFind int
	// CacheSeconds is how long a client may cache a hashes:find answer
	// (cache_seconds). Default 300.
	CacheSeconds int
	// MaxPending bounds the keys written through this server that are
	// re-read at the next request; past it, the next request rebuilds the
	// sets from the Store instead. Default 10,000.
	MaxPending int
}

// Defaults of PrefixOptions.
const (
	DefaultPrefixRefresh      = 5 * time.Minute
	DefaultPrefixHistory      = 256
	DefaultMaxFind            = 1000
	DefaultFindCacheSeconds   = 300
	DefaultMaxPendingPrefixes = 10_000
)

func (o PrefixOptions) withDefaults() PrefixOptions {
	if o.Refresh <= 0 {
		o.Refresh = DefaultPrefixRefresh
	}
	if o.History <= 0 {
		o.History = DefaultPrefixHistory
	}
	if o.MaxFind <= 0 {
		o.MaxFind = DefaultMaxFind
	}
	if o.CacheSeconds <= 0 {
		o.CacheSeconds = DefaultFindCacheSeconds
	}
	if o.MaxPending <= 0 {
		o.MaxPending = DefaultMaxPendingPrefixes
	}
	return o
}

// prefixIndex holds the prefix sets of every kind.
type prefixIndex struct {
	store  indicators.Store
	opts   PrefixOptions
	now    func() time.Time
	logger *slog.Logger

	// scanSem lets one full scan run at a time; applySem one re-read of
	// pending keys. Channels rather than mutexes so that waiting honours
	// the request's context.
	scanSem  chan struct{}
	applySem chan struct{}

	// mu guards everything below.
	mu    sync.RWMutex
	built bool
	kinds map[indicators.Kind]*prefixKind
	// pending holds keys written through this server since they were last
	// read; overflow says there were too many and a full scan is due.
	pending  map[indicators.Key]struct{}
	overflow bool
	// scanning is set while a full scan walks the store; keys touched
	// meanwhile are collected in sinceScan and made pending again once
	// the scan's (possibly older) view of them has replaced the sets.
	scanning  bool
	sinceScan map[indicators.Key]struct{}

	// stop and done run the refresh loop, set by start.
	stop, done chan struct{}
}

// prefixKind is the set of one kind. Its fields are guarded by
// prefixIndex.mu.
type prefixKind struct {
	// keys lists the listed keys by prefix (usually one per prefix).
	keys map[uint32][]indicators.Key
	// touched holds prefixes whose bucket became empty or non-empty since
	// snap was taken.
	touched map[uint32]struct{}
	snap    *prefixSnapshot
	// history is the deltas between successive generations, oldest first.
	history []prefixDelta
	// historySize is the number of prefixes in history.
	historySize int
}

// prefixSnapshot is one generation of a kind's set; it is never modified.
type prefixSnapshot struct {
	gen      string
	checksum string
	sorted   []uint32

	// encOnce computes wire and b64, the encoded full list, the first time
	// a client asks for it: every new client of a big set asks for the same
	// few megabytes.
	encOnce sync.Once
	wire    []byte
	b64     string
}

// encoded returns the full list in wire form and in base64.
func (s *prefixSnapshot) encoded() ([]byte, string) {
	s.encOnce.Do(func() {
		s.wire = indicators.AppendPrefixes(nil, s.sorted)
		s.b64 = base64.StdEncoding.EncodeToString(s.wire)
	})
	return s.wire, s.b64
}

// prefixDelta is the change from generation from to generation to.
type prefixDelta struct {
	from, to       string
	added, removed []uint32 // sorted
}

func newPrefixIndex(store indicators.Store, opts PrefixOptions, now func() time.Time, logger *slog.Logger) *prefixIndex {
	x := &prefixIndex{store: store, opts: opts.withDefaults(), now: now, logger: logger,
		scanSem: make(chan struct{}, 1), applySem: make(chan struct{}, 1),
		kinds: map[indicators.Kind]*prefixKind{}, pending: map[indicators.Key]struct{}{}}
	for _, k := range indicators.Kinds {
		x.kinds[k] = &prefixKind{keys: map[uint32][]indicators.Key{}, touched: map[uint32]struct{}{},
			snap: newSnapshot(nil)}
	}
	return x
}

func newSnapshot(sorted []uint32) *prefixSnapshot {
	sum := indicators.PrefixChecksum(sorted)
	h := hex.EncodeToString(sum[:])
	return &prefixSnapshot{gen: h[:16], checksum: h, sorted: sorted}
}

// listedForPrefixes says whether rec belongs in the prefix sets.
func listedForPrefixes(rec *indicators.Record, now time.Time) bool {
	return rec != nil && rec.Listed(now) && rec.Status != indicators.StatusTrusted
}

// start builds the sets in the background and rebuilds them every Refresh
// until close.
func (x *prefixIndex) start() {
	x.mu.Lock()
	if x.stop != nil {
		x.mu.Unlock()
		return
	}
	x.stop, x.done = make(chan struct{}), make(chan struct{})
	stop, done := x.stop, x.done
	x.mu.Unlock()
	go func() {
		defer close(done)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-stop
			cancel()
		}()
		if err := x.build(ctx); err != nil && ctx.Err() == nil {
			x.logger.Warn("prefix sets: initial build failed; retrying at the next request", "err", err)
		}
		t := time.NewTicker(x.opts.Refresh)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if err := x.rescan(ctx); err != nil && ctx.Err() == nil {
					x.logger.Warn("prefix sets: refresh failed", "err", err)
				}
			}
		}
	}()
}

// close stops the refresh loop and waits for it.
func (x *prefixIndex) close() {
	x.mu.Lock()
	stop, done := x.stop, x.done
	x.stop = nil
	x.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// touch notes keys just written through this server; the next request
// re-reads them. It does no I/O, so writes pay nothing for it.
func (x *prefixIndex) touch(keys []indicators.Key) {
	if len(keys) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, k := range keys {
		if x.scanning {
			x.sinceScan[k] = struct{}{}
		}
		if !x.overflow {
			x.pending[k] = struct{}{}
		}
	}
	if len(x.pending) > x.opts.MaxPending {
		x.overflow = true
		clear(x.pending)
	}
}

func acquire(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// build does the first full scan unless it is done.
func (x *prefixIndex) build(ctx context.Context) error {
	x.mu.RLock()
	built := x.built
	x.mu.RUnlock()
	if built {
		return nil
	}
	return x.scan(ctx, true)
}

// rescan rebuilds the sets from the store.
func (x *prefixIndex) rescan(ctx context.Context) error { return x.scan(ctx, false) }

// scan walks the store and replaces the sets with what it found. With
// onlyFirst it does nothing if another scan built the sets meanwhile.
func (x *prefixIndex) scan(ctx context.Context, onlyFirst bool) error {
	if err := acquire(ctx, x.scanSem); err != nil {
		return err
	}
	defer func() { <-x.scanSem }()
	x.mu.Lock()
	if onlyFirst && x.built {
		x.mu.Unlock()
		return nil
	}
	// Whatever is pending now is read by the walk below.
	x.scanning, x.sinceScan = true, map[indicators.Key]struct{}{}
	clear(x.pending)
	x.overflow = false
	x.mu.Unlock()

	now := x.now()
	fresh := map[indicators.Kind]map[uint32][]indicators.Key{}
	for _, k := range indicators.Kinds {
		fresh[k] = map[uint32][]indicators.Key{}
	}
	err := x.store.Iterate(ctx, "", func(r indicators.Record) error {
		m := fresh[r.Kind]
		if m == nil || !listedForPrefixes(&r, now) {
			return nil
		}
		p := indicators.KeyPrefix(r.Key)
		m[p] = append(m[p], r.Key)
		return nil
	})

	x.mu.Lock()
	defer x.mu.Unlock()
	since := x.sinceScan
	x.scanning, x.sinceScan = false, nil
	if err != nil {
		// What was pending before the scan was not read: read it all again.
		x.overflow = true
		return fmt.Errorf("api: build prefix sets: %w", err)
	}
	for kind, m := range fresh {
		pk := x.kinds[kind]
		for p := range pk.keys {
			if _, ok := m[p]; !ok {
				pk.touched[p] = struct{}{}
			}
		}
		for p := range m {
			if _, ok := pk.keys[p]; !ok {
				pk.touched[p] = struct{}{}
			}
		}
		pk.keys = m
	}
	for k := range since {
		x.pending[k] = struct{}{}
	}
	if len(x.pending) > x.opts.MaxPending {
		x.overflow = true
		clear(x.pending)
	}
	x.built = true
	return nil
}

// refresh brings the sets up to date with writes through this server and
// turns changes into a new generation. Every request calls it: when nothing
// was written it costs a lock and a few map lengths.
func (x *prefixIndex) refresh(ctx context.Context) error {
	if err := x.build(ctx); err != nil {
		return err
	}
	x.mu.RLock()
	idle := len(x.pending) == 0 && !x.overflow && !x.anyTouched()
	x.mu.RUnlock()
	if idle {
		return nil
	}
	if err := acquire(ctx, x.applySem); err != nil {
		return err
	}
	defer func() { <-x.applySem }()
	x.mu.Lock()
	overflow := x.overflow
	pending := make([]indicators.Key, 0, len(x.pending))
	for k := range x.pending {
		pending = append(pending, k)
	}
	clear(x.pending)
	x.mu.Unlock()
	if overflow {
		if err := x.rescan(ctx); err != nil {
			return err
		}
	} else if err := x.apply(ctx, pending); err != nil {
		x.touch(pending) // read them again next time
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, pk := range x.kinds {
		pk.finalize(x.opts.History)
	}
	return nil
}

// anyTouched reports whether a kind has changes not yet in a generation.
// x.mu must be held.
func (x *prefixIndex) anyTouched() bool {
	for _, pk := range x.kinds {
		if len(pk.touched) > 0 {
			return true
		}
	}
	return false
}

// maxGet bounds the keys of one Store.Get.
const maxGet = 1000

// apply re-reads keys from the store and updates their membership.
func (x *prefixIndex) apply(ctx context.Context, keys []indicators.Key) error {
	for len(keys) > 0 {
		batch := keys[:min(len(keys), maxGet)]
		keys = keys[len(batch):]
		recs, err := x.store.Get(ctx, batch)
		if err != nil {
			return fmt.Errorf("api: read written keys for prefix sets: %w", err)
		}
		now := x.now()
		x.mu.Lock()
		for i, k := range batch {
			pk := x.kinds[k.Kind()]
			if pk == nil {
				continue
			}
			var rec *indicators.Record
			if i < len(recs) {
				rec = recs[i]
			}
			pk.set(k, listedForPrefixes(rec, now))
			if x.scanning {
				x.sinceScan[k] = struct{}{}
			}
		}
		x.mu.Unlock()
	}
	return nil
}

// set makes key a member of the set or not.
func (pk *prefixKind) set(key indicators.Key, listed bool) {
	p := indicators.KeyPrefix(key)
	ks := pk.keys[p]
	i := slices.Index(ks, key)
	switch {
	case listed && i < 0:
		if len(ks) == 0 {
			pk.touched[p] = struct{}{}
		}
		pk.keys[p] = append(ks, key)
	case !listed && i >= 0:
		if len(ks) == 1 {
			delete(pk.keys, p)
			pk.touched[p] = struct{}{}
			return
		}
		pk.keys[p] = slices.Delete(slices.Clone(ks), i, i+1)
	}
}

// finalize turns the touched prefixes into a new generation, if the set of
// prefixes changed.
func (pk *prefixKind) finalize(maxHistory int) {
	if len(pk.touched) == 0 {
		return
	}
	var added, removed []uint32
	for p := range pk.touched {
		_, was := slices.BinarySearch(pk.snap.sorted, p)
		_, is := pk.keys[p]
		switch {
		case is && !was:
			added = append(added, p)
		case was && !is:
			removed = append(removed, p)
		}
	}
	clear(pk.touched)
	if len(added) == 0 && len(removed) == 0 {
		return
	}
	slices.Sort(added)
	slices.Sort(removed)
	next := newSnapshot(indicators.ApplyPrefixDelta(pk.snap.sorted, added, removed))
	pk.history = append(pk.history, prefixDelta{from: pk.snap.gen, to: next.gen, added: added, removed: removed})
	pk.historySize += len(added) + len(removed)
	pk.snap = next
	// A delta longer than the full list is worth less than the list, so
	// history beyond that size is dropped too.
	for len(pk.history) > maxHistory || (len(pk.history) > 1 && pk.historySize > max(len(next.sorted), 1024)) {
		pk.historySize -= len(pk.history[0].added) + len(pk.history[0].removed)
		pk.history[0] = prefixDelta{}
		pk.history = pk.history[1:]
	}
}

// prefixAnswer is what GET /v1/prefixes returns: either the full list or
// the changes since the client's generation.
type prefixAnswer struct {
	snap                *prefixSnapshot
	full                bool
	additions, removals []uint32
}

// answer returns the full set of kind, or the delta from since when this
// replica knows that generation and the delta is smaller than the list.
func (x *prefixIndex) answer(kind indicators.Kind, since string) prefixAnswer {
	x.mu.RLock()
	pk := x.kinds[kind]
	snap, history := pk.snap, pk.history
	x.mu.RUnlock()
	full := prefixAnswer{snap: snap, full: true}
	if since == "" {
		return full
	}
	if since == snap.gen {
		return prefixAnswer{snap: snap}
	}
	start := -1
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].from == since {
			start = i
			break
		}
	}
	if start < 0 {
		return full
	}
	add, rem := map[uint32]struct{}{}, map[uint32]struct{}{}
	for _, d := range history[start:] {
		for _, p := range d.added {
			if _, ok := rem[p]; ok {
				delete(rem, p)
			} else {
				add[p] = struct{}{}
			}
		}
		for _, p := range d.removed {
			if _, ok := add[p]; ok {
				delete(add, p)
			} else {
				rem[p] = struct{}{}
			}
		}
	}
	if len(add)+len(rem) >= max(len(snap.sorted), 1) {
		return full
	}
	a := prefixAnswer{snap: snap, additions: sortedKeys(add), removals: sortedKeys(rem)}
	return a
}

func sortedKeys(m map[uint32]struct{}) []uint32 {
	out := make([]uint32, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// prefixResponse is the JSON answer of GET /v1/prefixes. Prefix lists are
// base64 (standard, padded) of the concatenated 4-byte big-endian prefixes,
// sorted.
type prefixResponse struct {
	Kind       indicators.Kind `json:"kind"`
	Generation string          `json:"generation"`
	Checksum   string          `json:"checksum"`
	Count      int             `json:"count"`
	Full       bool            `json:"full"`
	Prefixes   *string         `json:"prefixes,omitempty"`
	Additions  *string         `json:"additions,omitempty"`
	Removals   *string         `json:"removals,omitempty"`
}

// Headers of the binary form of GET /v1/prefixes.
const (
	headerGeneration = "Scamcheck-Generation"
	headerChecksum   = "Scamcheck-Checksum"
	headerFull       = "Scamcheck-Full"
	headerCount      = "Scamcheck-Count"
	headerAdditions  = "Scamcheck-Additions"
	headerRemovals   = "Scamcheck-Removals"
)

// maxGenerationLen bounds the since parameter: generations are 16 hex
// characters; anything longer is not one of ours.
const maxGenerationLen = 64

// getPrefixes answers GET /v1/prefixes?kind=&since=. Nothing about the
// request is logged beyond the route (the observe middleware), so not even
// the kind or generation a client holds is kept.
func (s *Server) getPrefixes(c *fiber.Ctx) error {
	var kindArg, since string
	var bad string
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		switch string(k) {
		case "kind":
			kindArg = string(v)
		case "since":
			since = string(v)
		default:
			if bad == "" {
				bad = string(k)
			}
		}
	})
	if bad != "" {
		return badRequest("unknown parameter %q; give kind and optionally since", truncate(bad, 40))
	}
	if kindArg == "" {
		return &indicators.InputError{Code: indicators.CodeUnknownKind, Message: "give kind: phone, bank_account, domain or url"}
	}
	kind, err := indicators.ParseKind(kindArg)
	if err != nil {
		return err
	}
	if len(since) > maxGenerationLen {
		since = "" // not a generation this server hands out: send the full list
	}
	if err := s.prefixes.refresh(c.UserContext()); err != nil {
		return opaqueStoreError(err)
	}
	a := s.prefixes.answer(kind, since)
	// Short enough that a delist reaches clients soon; long enough that a
	// shared cache absorbs a crowd asking the same generation.
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	c.Vary(fiber.HeaderAccept)
	if strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEOctetStream) {
		h := &c.Response().Header
		h.Set(headerGeneration, a.snap.gen)
		h.Set(headerChecksum, a.snap.checksum)
		h.Set(headerFull, strconv.FormatBool(a.full))
		h.Set(headerCount, strconv.Itoa(len(a.snap.sorted)))
		var body []byte
		if a.full {
			h.Set(headerAdditions, strconv.Itoa(len(a.snap.sorted)))
			h.Set(headerRemovals, "0")
			body, _ = a.snap.encoded()
		} else {
			h.Set(headerAdditions, strconv.Itoa(len(a.additions)))
			h.Set(headerRemovals, strconv.Itoa(len(a.removals)))
			body = indicators.AppendPrefixes(indicators.AppendPrefixes(nil, a.additions), a.removals)
		}
		h.SetContentType(fiber.MIMEOctetStream)
		return c.Send(body)
	}
	res := prefixResponse{Kind: kind, Generation: a.snap.gen, Checksum: a.snap.checksum,
		Count: len(a.snap.sorted), Full: a.full}
	enc := func(ps []uint32) *string {
		s := base64.StdEncoding.EncodeToString(indicators.AppendPrefixes(nil, ps))
		return &s
	}
	if a.full {
		_, b64 := a.snap.encoded()
		res.Prefixes = &b64
	} else {
		res.Additions, res.Removals = enc(a.additions), enc(a.removals)
	}
	return c.JSON(res)
}

// findRequest is the body of POST /v1/hashes:find.
type findRequest struct {
	Prefixes []string `json:"prefixes"`
}

// FindMatch is one full hash of a listed key whose prefix was asked, with
// what a check of that key would answer. The key itself is not returned:
// the client compares the hash with the hashes of its own lookup keys.
type FindMatch struct {
	Hash      string              `json:"hash"`
	Kind      indicators.Kind     `json:"kind"`
	Verdict   indicators.Verdict  `json:"verdict"`
	Status    indicators.Status   `json:"status"`
	Category  indicators.Category `json:"category,omitempty"`
	Reports   int                 `json:"reports"`
	FirstSeen time.Time           `json:"first_seen"`
	LastSeen  time.Time           `json:"last_seen"`
}

// findResponse is the answer of POST /v1/hashes:find.
type findResponse struct {
	Matches      []FindMatch `json:"matches"`
	CacheSeconds int         `json:"cache_seconds"`
}

// findHashes answers POST /v1/hashes:find {"prefixes":["base64", ...]}:
// the full hashes of listed keys, of any kind, whose prefix is one of
// those given. Records are read from the store, so the answer reflects the
// current status even between generations.
func (s *Server) findHashes(c *fiber.Ctx) error {
	var req findRequest
	if err := decodeJSON(c.Body(), &req); err != nil {
		return err
	}
	if len(req.Prefixes) > s.prefixes.opts.MaxFind {
		return errorf(http.StatusBadRequest, CodeBatchTooLarge, "at most %d prefixes per request", s.prefixes.opts.MaxFind)
	}
	want := make(map[uint32]struct{}, len(req.Prefixes))
	for i, p := range req.Prefixes {
		b, err := base64.StdEncoding.DecodeString(p)
		if err != nil || len(b) != indicators.HashPrefixLen {
			// The index, not the value: error messages may end up in logs.
			return badRequest("prefixes[%d]: want base64 of %d bytes", i, indicators.HashPrefixLen)
		}
		ps, _ := indicators.DecodePrefixes(b)
		want[ps[0]] = struct{}{}
	}
	ctx := c.UserContext()
	if err := s.prefixes.refresh(ctx); err != nil {
		return opaqueStoreError(err)
	}
	var keys []indicators.Key
	s.prefixes.mu.RLock()
	for _, kind := range indicators.Kinds {
		pk := s.prefixes.kinds[kind]
		for p := range want {
			keys = append(keys, pk.keys[p]...)
		}
	}
	s.prefixes.mu.RUnlock()
	res := findResponse{Matches: []FindMatch{}, CacheSeconds: s.prefixes.opts.CacheSeconds}
	if len(keys) > 0 {
		recs, err := s.cfg.Store.Get(ctx, keys)
		if err != nil {
			return opaqueStoreError(err)
		}
		now := s.cfg.Now()
		for i, rec := range recs {
			if !listedForPrefixes(rec, now) {
				continue
			}
			verdict := s.cfg.Engine.VerdictOf(rec)
			if verdict == indicators.VerdictUnknown {
				continue // a report whose score has faded: /v1/check says nothing of it either
			}
			h := indicators.KeyHash(keys[i])
			res.Matches = append(res.Matches, FindMatch{Hash: hex.EncodeToString(h[:]), Kind: rec.Kind,
				Verdict: verdict, Status: rec.Status, Category: rec.Category,
				Reports: rec.Reports, FirstSeen: rec.FirstSeen, LastSeen: rec.LastSeen})
		}
		slices.SortFunc(res.Matches, func(a, b FindMatch) int { return strings.Compare(a.Hash, b.Hash) })
	}
	// The answer depends on what was asked: no shared cache may keep it.
	c.Set(fiber.HeaderCacheControl, "private, max-age="+strconv.Itoa(s.prefixes.opts.CacheSeconds))
	return c.JSON(res)
}

// opaqueStoreError keeps a store failure's class but drops its text, which
// may name the keys asked about (the one thing these endpoints must not
// leave in logs).
func opaqueStoreError(err error) error {
	if errors.Is(err, indicators.ErrUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("api: prefix lookup: %w", indicators.ErrUnavailable)
	}
	return errors.New("api: prefix lookup failed")
}
