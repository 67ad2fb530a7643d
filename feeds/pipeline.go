package feeds

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// The import pipeline. Four stages connected by bounded channels, so that
// reading, normalizing and writing overlap and memory stays flat whatever
// the size of the feed:
//
//	parse (1 goroutine) ──chunks──▶ normalize (GOMAXPROCS workers)
//	      └──────────chunks, in order────────────▶ collect (1 goroutine):
//	                                        rejects report, dedupe, batching
//	                                                 │ batches
//	                                                 ▼
//	                                 write (Writers goroutines): Store.Upsert,
//	                                 then Publish of the keys it added
//
// The parser hands every chunk of items both to the workers (any order) and
// to the collector (in feed order); the collector waits for each chunk to be
// normalized before taking the next, which keeps the rejects report in line
// order without serialising the normalization.
//
// A chunk holds up to BatchSize records, and once normalized and deduped
// (in place) it is the batch written: records are never copied between
// stages.
//
// Memory: at most 2×Workers+2 chunks are in flight between the parser and
// the collector, and batchQueue batches between the collector and the
// writers. The dedupe set holds a 64-bit hash per key in an open-addressing
// table (8 bytes a slot, at most 3/4 full) and is capped at
// ImportOptions.DedupeKeys: when full it is cleared and starts over, so a
// 10M-line file costs at most the cap's worth (32 MB at the default) and a
// repeat further apart than that is merged by the Store (counted Unchanged)
// instead of being counted as a duplicate.
//
// Idempotency: every value the import derives from its own clock is taken at
// day granularity (the start of the import's UTC day): the first/last seen of
// an item whose feed gives no date, and the expiry. Re-importing the same
// feed on the same day therefore changes nothing; importing it on a later day
// moves last seen and the expiry forward, which records that the feed still
// lists the indicator. Dates the feed states are kept as given.
//
// Resuming: upserts are idempotent, so rerunning an interrupted import is the
// resume — what was written before the interruption is counted Unchanged the
// second time, and only the rest is written.

// Publisher makes keys just written to the Store visible to lookups: the
// Bloom filters of this process and, with Redis, of every replica.
// backend.Backend satisfies it.
type Publisher interface {
	Publish(ctx context.Context, keys []indicators.Key) error
}

// ImportOptions configure Import. Source is required; the zero value of
// every other field takes the default noted.
type ImportOptions struct {
	// Format of the feed; "" detects it from the content (Detect).
	Format Format
	// Parse tunes the parser (forced kind, CSV column map, limits).
	Parse Options
	// Source names the feed; it is recorded on every indicator, and is what
	// `feeds drop` removes. Required.
	Source string
	// IgnoreDates records every item as seen on the import's day, whatever
	// date the feed gives: for demonstration samples whose dates are years
	// old, which would otherwise have faded (see indicators.Scoring).
	IgnoreDates bool
	// Status of new indicators: reported (default), confirmed, or trusted
	// (an allowlist such as "Tín nhiệm mạng"). Confirmed and trusted are for
	// police and admin imports only: Import does not check who asks, the
	// CLI and the API do.
	Status indicators.Status
	// ConfirmedBy is recorded on indicators that a confirmed import confirms
	// (default: Source).
	ConfirmedBy string
	// Category is given to items whose feed states none (default none).
	Category indicators.Category
	// Expires sets unconfirmed indicators to expire this long after the day
	// of the import; 0 means never.
	Expires time.Duration
	// BatchSize is the number of records per Store.Upsert (default 1000).
	BatchSize int
	// Writers is the number of batches written concurrently (default 4):
	// with Redis, one batch's round trips overlap another's; with bbolt,
	// one batch's validation overlaps another's commit.
	Writers int
	// Workers is the number of normalizing goroutines (default GOMAXPROCS).
	Workers int
	// DedupeKeys caps the keys remembered to count duplicates across the
	// import (default DefaultDedupeKeys); see the package notes on memory.
	DedupeKeys int
	// Rejects, when set, receives one line per rejected record, in feed
	// order: "line N<TAB>reason<TAB>raw" (tabs and line breaks inside raw
	// shown as spaces).
	Rejects io.Writer
	// Progress, when set, is called from one goroutine at most every
	// ProgressEvery while the import runs, and once at the end.
	Progress func(Progress)
	// ProgressEvery is the interval between Progress calls (default 200 ms).
	ProgressEvery time.Duration
	// Size is the feed's length in bytes for Progress, 0 when unknown; when r
	// is a regular file (*os.File) its size is used.
	Size int64
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Defaults for ImportOptions.
const (
	DefaultBatchSize     = 1000
	DefaultDedupeKeys    = 2_000_000
	DefaultProgressEvery = 200 * time.Millisecond
	defaultWriters       = 4
)

// batchQueue is how many deduped batches may wait for a writer.
const batchQueue = 2

// Progress is a snapshot of a running import.
type Progress struct {
	BytesRead  int64 // bytes consumed from the reader so far
	BytesTotal int64 // the feed's size, 0 when unknown
	Read       int   // records read: items and rejected records
	Added      int
	Updated    int
	Unchanged  int
	Duplicates int
	Rejected   int
	Elapsed    time.Duration
}

// Summary says what an import did. Read counts every record the parser
// yielded, good or bad; when the import ran to the end, Read = Added +
// Updated + Unchanged + Duplicates + Rejected.
type Summary struct {
	Format     Format // the format read (as detected when not given)
	Read       int    // records read
	Added      int    // new indicators
	Updated    int    // existing indicators this import changed
	Unchanged  int    // existing indicators already as the feed states them
	Duplicates int    // repeats of a key earlier in the same import
	Rejected   int    // records refused by the parser or a normalizer
	Elapsed    time.Duration
}

// Rate is the records read per second.
func (s Summary) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Read) / s.Elapsed.Seconds()
}

// Changed reports whether the import changed the store at all.
func (s Summary) Changed() bool { return s.Added+s.Updated > 0 }

// Import reads a feed from r and merges every indicator it names into store,
// publishing new keys through pub (nil publishes nothing). Bad records never
// stop it: they are counted, and written to opts.Rejects. It stops at the
// first fatal error — the input is not the stated format (the error wraps
// ErrFormat and names the line), a read error, a Store or Publisher failure
// — or when ctx ends, and returns the counts of what it did so far with the
// error (ctx.Err() wrapped when ctx ended). Bad options wrap ErrOption.
//
// Import does not close r. When ctx ends while a Read of r blocks, Import
// returns anyway; its reading goroutine ends when that Read returns (close r
// to make it return).
func Import(ctx context.Context, store indicators.Store, pub Publisher, r io.Reader, opts ImportOptions) (Summary, error) {
	imp, err := newImporter(store, pub, opts)
	if err != nil {
		return Summary{}, err
	}
	return imp.run(ctx, r)
}

// importer is one run of Import.
type importer struct {
	store indicators.Store
	pub   Publisher
	opts  ImportOptions

	now     time.Time
	day     time.Time // start of the import's UTC day: seen time of undated items
	expires time.Time // zero: never

	bytes  atomic.Int64
	counts struct {
		read, added, updated, unchanged, dups, rejected atomic.Int64
	}

	// rejMu guards rej, written by the collector in feed order and, rarely,
	// by a writer that finds a record the Store refuses.
	rejMu sync.Mutex
	rej   *bufio.Writer
}

func newImporter(store indicators.Store, pub Publisher, opts ImportOptions) (*importer, error) {
	if strings.TrimSpace(opts.Source) == "" {
		return nil, fmt.Errorf("%w: a source name is required", ErrOption)
	}
	switch opts.Status {
	case "":
		opts.Status = indicators.StatusReported
	case indicators.StatusReported, indicators.StatusConfirmed, indicators.StatusTrusted:
	default:
		return nil, fmt.Errorf("%w: status %q cannot be imported (want reported, confirmed or trusted)", ErrOption, opts.Status)
	}
	if opts.Category != "" && !opts.Category.Valid() {
		return nil, fmt.Errorf("%w: unknown category %q", ErrOption, opts.Category)
	}
	if opts.Expires < 0 {
		return nil, fmt.Errorf("%w: negative expiry %s", ErrOption, opts.Expires)
	}
	if opts.ConfirmedBy == "" {
		opts.ConfirmedBy = opts.Source
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.Writers <= 0 {
		opts.Writers = defaultWriters
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.DedupeKeys <= 0 {
		opts.DedupeKeys = DefaultDedupeKeys
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = DefaultProgressEvery
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	imp := &importer{store: store, pub: pub, opts: opts}
	imp.now = opts.Now().UTC()
	imp.day = imp.now.Truncate(24 * time.Hour)
	if opts.Expires > 0 {
		imp.expires = imp.day.Add(opts.Expires)
	}
	if opts.Rejects != nil {
		imp.rej = bufio.NewWriterSize(opts.Rejects, 32<<10)
	}
	return imp, nil
}

// countingReader counts the bytes read through it for Progress.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// entry is one result of the parser: an item, or a rejected record.
type entry struct {
	item Item
	bad  *RecordError
}

// chunk is a run of consecutive entries, normalized by one worker.
type chunk struct {
	entries []entry
	done    chan struct{} // closed once recs and rejects are filled

	recs    []indicators.Record
	lines   []int // feed line of each rec, for a late reject
	raws    []string
	rejects []reject
}

// reject is one line of the rejects report.
type reject struct {
	line   int
	reason string
	raw    string
}

// batch is one Store.Upsert's worth of records.
type batch struct {
	recs  []indicators.Record
	lines []int
	raws  []string
}

func (imp *importer) run(ctx context.Context, r io.Reader) (Summary, error) {
	start := time.Now()
	opts := imp.opts
	size := opts.Size
	if size <= 0 {
		if st, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
			if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
				size = fi.Size()
			}
		}
	}
	br := bufio.NewReaderSize(countingReader{r: r, n: &imp.bytes}, DetectPeekBytes)
	format := opts.Format
	if format == "" {
		f, err := Detect(br)
		if err != nil {
			return Summary{Elapsed: time.Since(start)}, fmt.Errorf("feeds: import: %w", err)
		}
		format = f
	}
	p, err := NewParser(format, br, opts.Parse)
	if err != nil {
		return Summary{Format: format, Elapsed: time.Since(start)}, fmt.Errorf("feeds: import: %w", err)
	}

	// ictx stops every stage at the first fatal error; its cause is that error.
	ictx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	work := make(chan *chunk, 2*opts.Workers)
	ordered := make(chan *chunk, 2*opts.Workers+2)
	batches := make(chan batch, batchQueue)
	// parsed holds the parser's fatal error (or nil), sent before ordered
	// is closed: once the collector has drained ordered, it is there.
	parsed := make(chan error, 1)
	go func() {
		parsed <- imp.parse(ictx, p, work, ordered)
		close(ordered)
		close(work)
	}()
	// Workers end when work closes. They are not waited for: they only
	// block on work, and the parser closes it when it ends.
	for range opts.Workers {
		go func() {
			for c := range work {
				imp.normalize(c)
			}
		}()
	}
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		defer close(batches)
		if err := imp.collect(ictx, ordered, batches); err != nil {
			cancel(err)
		}
	}()
	var writers sync.WaitGroup
	for range opts.Writers {
		writers.Go(func() {
			for b := range batches {
				if err := imp.write(ictx, b); err != nil {
					cancel(err)
					// Drain so that the collector is not left blocked.
					for range batches {
					}
					return
				}
			}
		})
	}

	stopProgress := imp.startProgress(start, size)
	writers.Wait()
	<-collected
	stopProgress()

	sum := imp.summary(format, start)
	if opts.Progress != nil {
		opts.Progress(imp.progress(start, size))
	}
	if err := imp.flushRejects(); err != nil {
		return sum, err
	}
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("feeds: import stopped after %d records: %w", sum.Read, err)
	}
	if cause := context.Cause(ictx); cause != nil && !errors.Is(cause, context.Canceled) {
		return sum, cause
	}
	select {
	case err := <-parsed:
		if err != nil {
			return sum, fmt.Errorf("feeds: import: %w", err)
		}
	default:
	}
	return sum, nil
}

// parse runs the parser, handing chunks to the workers and, in order, to
// the collector. It returns the parser's fatal error, nil at the end of the
// feed or when ctx ends.
func (imp *importer) parse(ctx context.Context, p Parser, work, ordered chan<- *chunk) error {
	size := imp.opts.BatchSize
	c := &chunk{entries: make([]entry, 0, size), done: make(chan struct{})}
	emit := func() bool {
		if len(c.entries) == 0 {
			return true
		}
		// ordered first: its capacity is what bounds the chunks in flight.
		select {
		case ordered <- c:
		case <-ctx.Done():
			return false
		}
		select {
		case work <- c:
		case <-ctx.Done():
			return false
		}
		c = &chunk{entries: make([]entry, 0, size), done: make(chan struct{})}
		return true
	}
	for {
		it, err := p.Next()
		var re *RecordError
		switch {
		case err == nil:
			c.entries = append(c.entries, entry{item: it})
		case errors.As(err, &re):
			c.entries = append(c.entries, entry{bad: re})
		case errors.Is(err, io.EOF):
			emit()
			return nil
		default:
			// What came before the fatal record is good: write it.
			emit()
			return err
		}
		if len(c.entries) == size && !emit() {
			return nil
		}
	}
}

// normalize turns a chunk's items into records and rejects.
func (imp *importer) normalize(c *chunk) {
	defer close(c.done)
	n := len(c.entries)
	c.recs = make([]indicators.Record, 0, n)
	c.lines = make([]int, 0, n)
	c.raws = make([]string, 0, n)
	// One backing array for every record's single source saves an
	// allocation per record.
	srcs := make([]indicators.Source, n)
	for i := range c.entries {
		e := &c.entries[i]
		if e.bad != nil {
			c.rejects = append(c.rejects, reject{line: e.bad.Line, reason: e.bad.Reason, raw: e.bad.Raw})
			continue
		}
		key, err := normalizeItem(&e.item)
		if err != nil {
			c.rejects = append(c.rejects, reject{line: e.item.Line, reason: err.Error(), raw: e.item.Raw})
			continue
		}
		c.recs = append(c.recs, imp.record(key, &e.item, srcs[i:i+1:i+1]))
		c.lines = append(c.lines, e.item.Line)
		c.raws = append(c.raws, e.item.Raw)
	}
	c.entries = nil
}

// normalizeItem finds an item's canonical key: by its kind when the feed
// states it (bank and account apart when it gives them apart), else by
// indicators.Parse's detection.
func normalizeItem(it *Item) (indicators.Key, error) {
	if it.Bank != "" && it.Account != "" && (it.Kind == "" || it.Kind == indicators.KindBankAccount) {
		return indicators.NormalizeBankAccount(it.Bank, it.Account)
	}
	if it.Kind != "" {
		return indicators.Normalize(it.Kind, it.Value)
	}
	p, err := indicators.Parse(it.Value)
	if err != nil {
		return "", err
	}
	return p.Key, nil
}

// record builds the record an item contributes; src is its one-element
// Sources slice.
func (imp *importer) record(key indicators.Key, it *Item, src []indicators.Source) indicators.Record {
	seen := imp.day
	if !it.Seen.IsZero() && !imp.opts.IgnoreDates {
		seen = it.Seen.UTC()
	}
	cat := it.Category
	if cat == "" {
		cat = imp.opts.Category
	}
	src[0] = indicators.Source{Name: imp.opts.Source, ExternalID: it.ExternalID, FirstSeen: seen, LastSeen: seen}
	r := indicators.Record{Key: key, Kind: key.Kind(), Value: key.Value(), Status: imp.opts.Status,
		Category: cat, Level: it.Level, Sources: src, Reports: 1, FirstSeen: seen, LastSeen: seen,
		ExpiresAt: imp.expires}
	if r.Kind == indicators.KindPhone || r.Kind == indicators.KindBankAccount {
		r.HolderName = it.HolderName
	}
	switch r.Status {
	case indicators.StatusConfirmed:
		r.ConfirmedBy, r.ConfirmedAt = imp.opts.ConfirmedBy, imp.now
	case indicators.StatusTrusted:
		// An allowlist entry is not a report. It never overrides a report
		// on the same key either: indicators.Merge leaves a listed
		// record's status alone.
		r.Reports, r.Category = 0, ""
	}
	return r
}

// collect takes the normalized chunks in feed order: it writes the rejects
// report, drops repeated keys and hands each chunk's records on as a batch.
func (imp *importer) collect(ctx context.Context, ordered <-chan *chunk, batches chan<- batch) error {
	seen := newKeySet(imp.opts.DedupeKeys)
	for c := range ordered {
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil
		}
		if err := imp.writeRejects(c.rejects); err != nil {
			return err
		}
		imp.counts.rejected.Add(int64(len(c.rejects)))
		// Compact the chunk's records in place, keeping first occurrences.
		k := 0
		for i := range c.recs {
			if seen.seen(c.recs[i].Key) {
				continue
			}
			if k != i {
				c.recs[k], c.lines[k], c.raws[k] = c.recs[i], c.lines[i], c.raws[i]
			}
			k++
		}
		imp.counts.dups.Add(int64(len(c.recs) - k))
		imp.counts.read.Add(int64(len(c.recs) + len(c.rejects)))
		if k == 0 {
			continue
		}
		select {
		case batches <- batch{recs: c.recs[:k], lines: c.lines[:k], raws: c.raws[:k]}:
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// write upserts one batch and publishes what it added. A batch the Store
// refuses as invalid (a normalizer whose output does not parse back as a
// key, which would be a bug) is retried without the invalid records, which
// become rejects: one bad record must not sink a thousand good ones.
func (imp *importer) write(ctx context.Context, b batch) error {
	changes, err := imp.store.Upsert(ctx, b.recs)
	if err != nil && errors.Is(err, indicators.ErrInvalidInput) && ctx.Err() == nil {
		var bad []reject
		keep := b.recs[:0:0]
		for i := range b.recs {
			if verr := b.recs[i].Validate(); verr != nil {
				bad = append(bad, reject{line: b.lines[i], reason: verr.Error(), raw: b.raws[i]})
				continue
			}
			keep = append(keep, b.recs[i])
		}
		if len(bad) > 0 {
			if werr := imp.writeRejects(bad); werr != nil {
				return werr
			}
			imp.counts.rejected.Add(int64(len(bad)))
			b.recs = keep
			changes, err = imp.store.Upsert(ctx, b.recs)
		}
	}
	if err != nil {
		return fmt.Errorf("feeds: import: write %d records: %w", len(b.recs), err)
	}
	var keys []indicators.Key
	var added, updated, unchanged int64
	for i, c := range changes {
		switch c {
		case indicators.ChangeAdded:
			added++
			keys = append(keys, b.recs[i].Key)
		case indicators.ChangeUpdated:
			updated++
			// A confirmed import may have moved the status: tell followers.
			if imp.opts.Status == indicators.StatusConfirmed {
				keys = append(keys, b.recs[i].Key)
			}
		default:
			unchanged++
		}
	}
	if imp.pub != nil && len(keys) > 0 {
		if err := imp.pub.Publish(ctx, keys); err != nil {
			return fmt.Errorf("feeds: import: publish %d keys: %w", len(keys), err)
		}
	}
	imp.counts.added.Add(added)
	imp.counts.updated.Add(updated)
	imp.counts.unchanged.Add(unchanged)
	return nil
}

// rawCleaner keeps a rejects line on one line.
var rawCleaner = strings.NewReplacer("\t", " ", "\r", " ", "\n", " ")

func (imp *importer) writeRejects(rs []reject) error {
	if imp.rej == nil || len(rs) == 0 {
		return nil
	}
	imp.rejMu.Lock()
	defer imp.rejMu.Unlock()
	for _, r := range rs {
		imp.rej.WriteString("line ")
		imp.rej.WriteString(strconv.Itoa(r.line))
		imp.rej.WriteByte('\t')
		imp.rej.WriteString(rawCleaner.Replace(r.reason))
		imp.rej.WriteByte('\t')
		imp.rej.WriteString(rawCleaner.Replace(r.raw))
		if err := imp.rej.WriteByte('\n'); err != nil {
			return fmt.Errorf("feeds: import: write rejects: %w", err)
		}
	}
	return nil
}

func (imp *importer) flushRejects() error {
	if imp.rej == nil {
		return nil
	}
	imp.rejMu.Lock()
	defer imp.rejMu.Unlock()
	if err := imp.rej.Flush(); err != nil {
		return fmt.Errorf("feeds: import: write rejects: %w", err)
	}
	return nil
}

// startProgress calls opts.Progress every ProgressEvery from one goroutine
// until the returned function is called (which waits for it to stop).
func (imp *importer) startProgress(start time.Time, size int64) (stop func()) {
	if imp.opts.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(imp.opts.ProgressEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				imp.opts.Progress(imp.progress(start, size))
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

func (imp *importer) progress(start time.Time, size int64) Progress {
	return Progress{
		BytesRead: imp.bytes.Load(), BytesTotal: size,
		Read: int(imp.counts.read.Load()), Added: int(imp.counts.added.Load()),
		Updated: int(imp.counts.updated.Load()), Unchanged: int(imp.counts.unchanged.Load()),
		Duplicates: int(imp.counts.dups.Load()), Rejected: int(imp.counts.rejected.Load()),
		Elapsed: time.Since(start),
	}
}

func (imp *importer) summary(format Format, start time.Time) Summary {
	p := imp.progress(start, 0)
	return Summary{Format: format, Read: p.Read, Added: p.Added, Updated: p.Updated,
		Unchanged: p.Unchanged, Duplicates: p.Duplicates, Rejected: p.Rejected, Elapsed: p.Elapsed}
}

// keySet remembers the keys of an import by a 64-bit hash, up to a cap, in
// an open-addressing table with linear probing: a Go map of the same hashes
// takes about twice the time and memory, and the collector that calls it
// is the pipeline's one serial stage. Two different keys sharing a hash
// (odds about n²/2⁶⁵: 1 in 10 million at the default cap) would make the
// second count as a duplicate and be skipped; the price of holding 8 bytes
// per key instead of the key.
type keySet struct {
	seed  maphash.Seed
	slots []uint64 // 0 = empty; a hash of 0 is stored as 1
	n     int      // slots in use
	limit int      // keys kept before the set starts over
}

// minKeySlots is the initial table size: small imports stay small.
const minKeySlots = 1 << 12

func newKeySet(limit int) *keySet {
	return &keySet{seed: maphash.MakeSeed(), slots: make([]uint64, minKeySlots), limit: limit}
}

// seen reports whether k was added before, and adds it. The table doubles
// when 3/4 full; at the cap it is cleared (keeping its memory) instead.
func (s *keySet) seen(k indicators.Key) bool {
	h := maphash.String(s.seed, string(k))
	if h == 0 {
		h = 1
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return true
		case 0:
			s.slots[i] = h
			s.n++
			if s.n >= s.limit {
				clear(s.slots)
				s.n = 0
			} else if s.n*4 >= len(s.slots)*3 {
				s.grow()
			}
			return false
		}
	}
}

func (s *keySet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}
