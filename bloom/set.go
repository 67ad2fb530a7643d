package bloom

import (
	"log/slog"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bits-and-blooms/bloom/v3"

	"github.com/scamcheck/scamcheck/indicators"
)

// Defaults for Options.
const (
	// DefaultExpected is the number of indicators per kind a filter is sized
	// for when Options.Expected does not name the kind.
	DefaultExpected uint = 100_000
	// DefaultFPR is the target false-positive rate: one lookup in a thousand
	// of an unlisted key pays for a Store read.
	DefaultFPR = 0.001
	// growthHeadroom is how much larger than the listed count a rebuilt
	// filter is sized, so that it stays under its target rate while it
	// fills up again until the next rebuild.
	growthHeadroom = 1.5
	// maxBits bounds one filter (2 GiB of bits, ~1.2 billion indicators at
	// 0.1%) so that a corrupt snapshot header cannot make us allocate
	// without limit.
	maxBits = 1 << 34
	// maxHashes bounds k for the same reason; 0.1% needs 10.
	maxHashes = 64
)

// Options configure a Set.
type Options struct {
	// Expected is the number of indicators each kind's filter is sized for
	// (default DefaultExpected per kind). A rebuild never sizes a filter
	// below it.
	Expected map[indicators.Kind]uint
	// FPR is the target false-positive rate, in (0, 1) (default DefaultFPR).
	FPR float64
	// Now is the clock used to decide which records are listed during a
	// rebuild (default time.Now).
	Now func() time.Time
	// Logger receives rebuild and follower events (default slog.Default()).
	Logger *slog.Logger
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	exp := make(map[indicators.Kind]uint, len(indicators.Kinds))
	for _, k := range indicators.Kinds {
		exp[k] = DefaultExpected
		if n, ok := o.Expected[k]; ok && n > 0 {
			exp[k] = n
		}
	}
	o.Expected = exp
	if !(o.FPR > 0 && o.FPR < 1) {
		o.FPR = DefaultFPR
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// numKinds is the number of filters in a generation, one per
// indicators.Kinds entry, in that order.
const numKinds = 4

// kindIndex maps a key to the index of its kind's filter, or -1 for a key
// whose kind is unknown. It is on the hot path: no allocation, no map.
func kindIndex(key indicators.Key) int {
	i := strings.IndexByte(string(key), ':')
	if i < 0 {
		return -1
	}
	return kindIndexOf(indicators.Kind(key[:i]))
}

// kindIndexOf maps a kind to its filter index, or -1.
func kindIndexOf(k indicators.Kind) int {
	switch k {
	case indicators.KindPhone:
		return 0
	case indicators.KindBankAccount:
		return 1
	case indicators.KindDomain:
		return 2
	case indicators.KindURL:
		return 3
	}
	return -1
}

// filter is one kind's Bloom filter. Its shape (words, m, k) never changes
// after construction; its bits only ever go from 0 to 1, with atomic word
// operations, which is what lets Test run without a lock during Add.
type filter struct {
	words    []uint64 // bit i is bit i%64 of words[i/64], as in bits-and-blooms/bitset
	m        uint64   // number of bits
	k        uint64   // number of probes
	capacity uint64   // indicators the filter was sized for at fpr
	expected uint64   // configured floor for the capacity of rebuilt filters
	fpr      float64  // target false-positive rate

	count atomic.Uint64 // adds that set at least one new bit: distinct keys, less false positives
	ones  atomic.Uint64 // bits set, for the fill ratio
}

// newFilter sizes a filter for capacity keys at fpr, as bloom.NewWithEstimates does.
func newFilter(capacity, expected uint64, fpr float64) *filter {
	capacity = max(capacity, 1)
	m, k := bloom.EstimateParameters(uint(capacity), fpr)
	m, k = max(m, 1), max(k, 1)
	return &filter{words: make([]uint64, (m+63)/64), m: uint64(m), k: uint64(k),
		capacity: capacity, expected: expected, fpr: fpr}
}

// test reports whether every probe of key is set. The first probe decides
// alone: most keys looked up are not listed, and for those it is clear with
// the odds of the filter's unset bits (at least one half up to its
// capacity). The others are read without an early exit, so that the CPU
// overlaps their cache misses rather than serialising them behind a
// mispredicted branch each. Measured
// on unlisted keys in a filter sized for 10M keys (BenchmarkTestMiss): 0.7x
// the time of reading every probe first at capacity, 0.4x when 1% full.
func (f *filter) test(key string) bool {
	h := baseHashes(key)
	loc := location(&h, 0) % f.m
	if atomic.LoadUint64(&f.words[loc>>6])>>(loc&63)&1 == 0 {
		return false
	}
	all := uint64(1)
	for i := uint64(1); i < f.k; i++ {
		loc := location(&h, i) % f.m
		all &= atomic.LoadUint64(&f.words[loc>>6]) >> (loc & 63)
	}
	return all&1 == 1
}

// add sets every probe of key and counts the key when it set a new bit.
func (f *filter) add(key string) {
	h := baseHashes(key)
	var fresh uint64
	for i := range f.k {
		loc := location(&h, i) % f.m
		mask := uint64(1) << (loc & 63)
		if atomic.OrUint64(&f.words[loc>>6], mask)&mask == 0 {
			fresh++
		}
	}
	if fresh > 0 {
		f.ones.Add(fresh)
		f.count.Add(1)
	}
}

// recount sets ones from the bits, after the words were filled directly.
func (f *filter) recount() {
	var n uint64
	for i := range f.words {
		n += uint64(bits.OnesCount64(atomic.LoadUint64(&f.words[i])))
	}
	f.ones.Store(n)
}

// generation is one complete set of filters. Its shape is immutable; a
// rebuild makes a new generation and swaps the Set's pointer to it.
type generation struct {
	filters [numKinds]*filter
	// floor is the change-log position a rebuild read the Store after
	// ("" when not from a rebuild): entries up to it are in the filters
	// already, or were left out on purpose (delisted since).
	floor string
}

// newGeneration makes empty filters sized from capacity per kind index.
func newGeneration(capacity, expected [numKinds]uint64, fpr float64) *generation {
	g := &generation{}
	for i := range g.filters {
		g.filters[i] = newFilter(capacity[i], expected[i], fpr)
	}
	return g
}

// Set is one Bloom filter per indicator kind. Test is safe to call from any
// number of goroutines at any time, including during Add, Rebuild and a
// snapshot load; it takes no lock.
type Set struct {
	cur  atomic.Pointer[generation]
	opts Options // immutable after New

	// swapMu orders Add against generation swaps: Add holds it shared while
	// it writes into the current generation and records into pending; a swap
	// holds it exclusively, so no Add can straddle a swap and be lost.
	swapMu    sync.RWMutex
	recording atomic.Bool // pending is being filled; set and cleared under swapMu held exclusively
	pendingMu sync.Mutex  // guards pending and mark
	pending   []pendingAdd
	mark      string // change-log position of the running rebuild ("" for none)

	// rebuildMu lets one rebuild or snapshot swap run at a time.
	rebuildMu sync.Mutex

	metaMu      sync.Mutex // guards generationN and position
	generationN uint64     // snapshot generation the filters derive from (0: none)
	position    string     // last change-log entry applied (stream ID; "" for none)
}

// pendingAdd is an add recorded during a rebuild, with the change-log entry
// it came from ("" for a direct Add). Which ones to re-apply is decided when
// the rebuild ends: the mark is not known yet when recording starts.
type pendingAdd struct {
	logID string
	keys  []indicators.Key
}

// New returns an empty Set sized by opts.
func New(opts Options) *Set {
	opts = opts.withDefaults()
	var capacity, expected [numKinds]uint64
	for i, k := range indicators.Kinds {
		capacity[i] = uint64(opts.Expected[k])
		expected[i] = capacity[i]
	}
	s := &Set{opts: opts}
	s.cur.Store(newGeneration(capacity, expected, opts.FPR))
	return s
}

// Test reports whether key may be listed. False is definitive: the key was
// never added. True may be a false positive, at about the target rate while
// the filter holds no more than its capacity. A key of unknown kind is never
// listed. Test does not allocate and takes no lock.
func (s *Set) Test(key indicators.Key) bool {
	i := kindIndex(key)
	if i < 0 {
		return false
	}
	return s.cur.Load().filters[i].test(string(key))
}

// Add adds keys to their kind's filter. Keys of unknown kind are ignored:
// they can never be looked up either. Add is safe to call concurrently with
// everything else; keys added during a Rebuild or a snapshot swap are also
// in the filters swapped in.
func (s *Set) Add(keys ...indicators.Key) { s.add("", keys) }

// add adds keys; logID is the change-log entry they come from ("" for a
// direct Add). During a rebuild every add is recorded, and at its end the
// ones from entries at or before the rebuild's mark are not re-applied: the
// Store they were written to first is what the rebuild reads, and
// re-applying them would bring back keys delisted since. (The mark is read
// from Redis after recording starts, so it is not known here yet.) After the
// swap, entries at or before the mark that a lagging follower still reads
// are dropped for the same reason.
func (s *Set) add(logID string, keys []indicators.Key) {
	s.swapMu.RLock()
	defer s.swapMu.RUnlock()
	g := s.cur.Load()
	if logID != "" && g.floor != "" && compareIDs(logID, g.floor) <= 0 {
		// A follower that lagged behind a rebuild reads entries the
		// rebuilt filters already account for: applying them would bring
		// back keys delisted since.
		return
	}
	for _, key := range keys {
		if i := kindIndex(key); i >= 0 {
			g.filters[i].add(string(key))
		}
	}
	if s.recording.Load() {
		s.pendingMu.Lock()
		s.pending = append(s.pending, pendingAdd{logID: logID, keys: slices.Clone(keys)})
		s.pendingMu.Unlock()
	}
}

// setMark records the change-log position a rebuild reads the Store after.
func (s *Set) setMark(pos string) {
	s.pendingMu.Lock()
	s.mark = pos
	s.pendingMu.Unlock()
}

// beginSwap starts recording adds for a generation that is being built off
// to the side. It returns with rebuildMu held; endSwap releases it.
func (s *Set) beginSwap() {
	s.rebuildMu.Lock()
	s.swapMu.Lock()
	s.pending, s.mark = nil, ""
	s.recording.Store(true)
	s.swapMu.Unlock()
}

// endSwap installs g (when not nil) after re-applying the adds recorded
// since beginSwap, stops recording and releases rebuildMu. With g nil it
// only stops recording (the build failed).
func (s *Set) endSwap(g *generation) {
	defer s.rebuildMu.Unlock()
	s.swapMu.Lock()
	defer s.swapMu.Unlock()
	s.recording.Store(false)
	pending, mark := s.pending, s.mark
	s.pending, s.mark = nil, ""
	if g == nil {
		return
	}
	g.floor = mark
	for _, p := range pending {
		// Entries up to the mark are in the Store the rebuild read.
		if p.logID != "" && mark != "" && compareIDs(p.logID, mark) <= 0 {
			continue
		}
		for _, key := range p.keys {
			if i := kindIndex(key); i >= 0 {
				g.filters[i].add(string(key))
			}
		}
	}
	s.cur.Store(g)
}

// Generation returns the snapshot generation the filters were loaded from or
// last published as (0 when none).
func (s *Set) Generation() uint64 {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	return s.generationN
}

// Position returns the ID of the last change-log entry applied to the Set
// ("" when none): every entry up to it is in the filters.
func (s *Set) Position() string {
	s.metaMu.Lock()
	defer s.metaMu.Unlock()
	return s.position
}

func (s *Set) setMeta(gen uint64, pos string) {
	s.metaMu.Lock()
	s.generationN, s.position = gen, pos
	s.metaMu.Unlock()
}

func (s *Set) setGeneration(gen uint64) {
	s.metaMu.Lock()
	s.generationN = gen
	s.metaMu.Unlock()
}

// SetPosition records the position in the source of truth that the filters
// reflect. Followers set it to the last change-log entry applied; without
// Redis, the embedded store records its last transaction id so that a
// restart can tell whether a snapshot file is still current.
func (s *Set) SetPosition(pos string) {
	s.metaMu.Lock()
	s.position = pos
	s.metaMu.Unlock()
}

// KindStats describes one kind's filter, for /metrics and for deciding when
// to rebuild.
type KindStats struct {
	Kind indicators.Kind `json:"kind"`
	// Count is the number of distinct keys added (an add that set no new
	// bit, i.e. a repeat or a false positive, is not counted).
	Count uint64 `json:"count"`
	// Capacity is the number of keys the filter was sized for at TargetFPR.
	Capacity uint64 `json:"capacity"`
	// Bits is the filter size m; Hashes is the number of probes k.
	Bits   uint64 `json:"bits"`
	Hashes uint64 `json:"hashes"`
	// FillRatio is the fraction of bits set.
	FillRatio float64 `json:"fill_ratio"`
	// EstimatedFPR is FillRatio^Hashes: the chance that an absent key tests
	// true now.
	EstimatedFPR float64 `json:"estimated_fpr"`
	TargetFPR    float64 `json:"target_fpr"`
	// Bytes is the memory held by the filter's bits.
	Bytes uint64 `json:"bytes"`
}

// Stats returns one entry per kind, in indicators.Kinds order.
func (s *Set) Stats() []KindStats {
	g := s.cur.Load()
	out := make([]KindStats, 0, numKinds)
	for i, k := range indicators.Kinds {
		f := g.filters[i]
		fill := float64(f.ones.Load()) / float64(f.m)
		out = append(out, KindStats{
			Kind: k, Count: f.count.Load(), Capacity: f.capacity, Bits: f.m, Hashes: f.k,
			FillRatio: fill, EstimatedFPR: math.Pow(fill, float64(f.k)), TargetFPR: f.fpr,
			Bytes: uint64(len(f.words)) * 8,
		})
	}
	return out
}

// NeedsRebuild reports whether some kind holds more keys than its filter was
// sized for, so that its false-positive rate is above target until a
// Rebuild grows it.
func (s *Set) NeedsRebuild() bool {
	for _, f := range s.cur.Load().filters {
		if f.count.Load() > f.capacity {
			return true
		}
	}
	return false
}
