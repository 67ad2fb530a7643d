// Package boltstore is the embedded indicators.Store: one bbolt file in a
// data directory, for one process. It is the zero-setup default when no
// Redis is configured.
//
// Layout of <dir>/scamcheck.db:
//
//	records   key "<kind>:<value>"      → the Record, binary (see codec.go)
//	counts    "total", "kind:<k>", "status:<s>", "category:<c>", "source:<name>"
//	          → int64 big-endian, kept in the same transaction as the records
//	            so that Counts and Sources never scan the records
//	meta      "schema" → "1"
//
// Other packages keep their own buckets in the same file through DB (the
// Bloom filter snapshot and change log, API keys, reports, the audit log):
// the embedded deployment is one file and one process, so that a backup is
// one copy and a write to several buckets can be one transaction.
//
// bbolt allows one writer at a time and takes an exclusive lock on the file,
// so a second process opening the same directory fails with ErrLocked after
// Options.Timeout instead of waiting forever.
package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/scamcheck/scamcheck/indicators"
)

// FileName is the name of the database file inside the data directory.
const FileName = "scamcheck.db"

// DefaultDir is the data directory used when none is configured (the cmd
// layer reads SCAMCHECK_DATA and passes the result to Open).
const DefaultDir = "./scamcheck-data"

// DefaultTimeout is how long Open waits for the file lock: long enough to
// ride out a process that is just exiting, short enough that a CLI command
// run against a directory a server holds fails at once (DESIGN §8).
const DefaultTimeout = time.Second

// ErrLocked is returned (wrapped) by Open when another process holds the
// data directory. The wrapping error also matches indicators.ErrUnavailable.
var ErrLocked = errors.New("data directory is locked by another process")

// Bucket names used by the Store. Other packages sharing the file through DB
// must use other names.
var (
	bucketRecords = []byte("records")
	bucketCounts  = []byte("counts")
	bucketMeta    = []byte("meta")
)

const schemaVersion = "1"

// Options configure Open. The zero value is ready to use.
type Options struct {
	// Timeout bounds the wait for the file lock held by another process.
	// Default DefaultTimeout (1s).
	Timeout time.Duration

	// NoSync skips fsync at each commit. A bulk import runs several times
	// faster, but a machine crash (not a process crash: the OS still has
	// the pages) can lose the last transactions or, rarely, corrupt the
	// file. Use it for imports that can be rerun (they are idempotent), not
	// for a server acknowledging reports. Default false.
	NoSync bool

	// Now is the clock for UpdatedAt. Default time.Now.
	Now func() time.Time
}

// Store is the bbolt-backed indicators.Store. It is safe for concurrent use.
type Store struct {
	db  *bbolt.DB
	dir string
	now func() time.Time
}

var _ indicators.Store = (*Store)(nil)

// Open opens or creates the store in the data directory dir (created if
// missing). It returns an error matching ErrLocked and
// indicators.ErrUnavailable when another process holds the directory.
func Open(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("boltstore: open: empty data directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: create data directory: %w", err)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	path := filepath.Join(dir, FileName)
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout: opts.Timeout,
		NoSync:  opts.NoSync,
		// The freelist is synced at each commit (bbolt's default): with
		// NoFreelistSync every open would rebuild it by walking every page
		// of the file, seconds for millions of records, paid by each CLI
		// command. The map freelist keeps page allocation fast once the
		// file is large and fragmented.
		FreelistType: bbolt.FreelistMapType,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: open %s: %w (probably a running `scamcheck serve`; stop it, or send the work to it with --server URL --key KEY): %w",
			dir, ErrLocked, indicators.ErrUnavailable)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketRecords, bucketCounts, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get([]byte("schema")); {
		case v == nil:
			return meta.Put([]byte("schema"), []byte(schemaVersion))
		case string(v) != schemaVersion:
			return fmt.Errorf("schema version %q, this build reads %q", v, schemaVersion)
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: initialise %s: %w", path, err)
	}
	return &Store{db: db, dir: dir, now: opts.Now}, nil
}

// DB returns the underlying bbolt database so that other packages can keep
// their own buckets in the same file (one file, one process). They must not
// touch the buckets "records", "counts" and "meta", and must not call Store
// methods from inside their own transactions: bbolt has one writer, so a
// Store write inside a DB().Update deadlocks.
func (s *Store) DB() *bbolt.DB { return s.db }

// Dir returns the data directory the store was opened in.
func (s *Store) Dir() string { return s.dir }

// Close releases the file and its lock.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("boltstore: close: %w", err)
	}
	return nil
}

// Ping checks that the database is open and readable.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: ping: %w", err)
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketRecords) == nil {
			return errors.New("records bucket missing")
		}
		return nil
	})
	if err != nil {
		return unavailable("ping", err)
	}
	return nil
}

// unavailable wraps a failure of the database itself (closed, I/O error)
// so that callers can degrade on indicators.ErrUnavailable.
func unavailable(op string, err error) error {
	return fmt.Errorf("boltstore: %s: %w: %w", op, indicators.ErrUnavailable, err)
}

// wrap prefixes an error of ours (cancellation, invalid input, a corrupt
// record) without claiming the database is unavailable, and maps anything
// else, which came from bbolt, onto ErrUnavailable.
func wrap(op string, err error) error {
	var ours *ownError
	if errors.As(err, &ours) {
		return fmt.Errorf("boltstore: %s: %w", op, ours.err)
	}
	return unavailable(op, err)
}

// ownError marks errors raised by our code inside a transaction, to tell
// them apart from bbolt's own on the way out.
type ownError struct{ err error }

func (e *ownError) Error() string { return e.err.Error() }
func (e *ownError) Unwrap() error { return e.err }

func own(err error) error { return &ownError{err: err} }

// ctxCheckEvery bounds how much work happens between context checks inside
// a transaction: checking on every record would cost more than it saves.
const ctxCheckEvery = 256

func decode(key, data []byte, r *indicators.Record) error {
	if err := indicators.DecodeRecord(indicators.Key(key), string(data), r); err != nil {
		return own(err)
	}
	return nil
}

// Upsert merges recs into the stored records with indicators.Merge in one
// write transaction: the whole batch commits or none of it does (a
// cancelled context rolls it back). The batch is refused with an error
// matching indicators.ErrInvalidInput if any record is invalid. Keys are
// written in sorted order so bbolt touches each page once; records that a
// merge leaves unchanged are not rewritten.
func (s *Store) Upsert(ctx context.Context, recs []indicators.Record) ([]indicators.Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: upsert: %w", err)
	}
	for i := range recs {
		if err := recs[i].Validate(); err != nil {
			return nil, fmt.Errorf("boltstore: upsert: record %d: %w", i, err)
		}
	}
	changes := make([]indicators.Change, len(recs))
	if len(recs) == 0 {
		return changes, nil
	}
	// A stable sort keeps repeated keys in input order, so each merges onto
	// the one before it, as if upserted one by one.
	order := make([]int, len(recs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(string(recs[a].Key), string(recs[b].Key)) })
	now := s.now().UTC()

	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		t := tally{}
		var prev *indicators.Record // last merged record, reused for a repeated key
		arena := make([]byte, 0, 64<<10)
		for n, i := range order {
			if n%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return own(err)
				}
			}
			in := &recs[i]
			key := []byte(in.Key)
			var existing *indicators.Record
			if prev != nil && prev.Key == in.Key {
				existing = prev
			} else if data := b.Get(key); data != nil {
				existing = new(indicators.Record)
				if err := decode(key, data, existing); err != nil {
					return err
				}
			}
			out, change := indicators.Merge(existing, *in, now)
			changes[i] = change
			if change == indicators.ChangeUnchanged {
				prev = existing
				continue
			}
			// bbolt keeps the value slice until commit, so values are laid
			// end to end in one growing arena instead of one allocation
			// each; a reallocation leaves earlier values where they were.
			start := len(arena)
			arena = indicators.AppendRecord(arena, &out)
			if err := b.Put(key, arena[start:len(arena):len(arena)]); err != nil {
				return err
			}
			if existing != nil {
				t.add(existing, -1)
			}
			t.add(&out, 1)
			prev = &out
		}
		return t.apply(tx.Bucket(bucketCounts))
	})
	if err != nil {
		return nil, wrap("upsert", err)
	}
	return changes, nil
}

// Get reads the records for keys in one read transaction. Keys that are not
// stored, including malformed ones, give nil.
func (s *Store) Get(ctx context.Context, keys []indicators.Key) ([]*indicators.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: get: %w", err)
	}
	out := make([]*indicators.Record, len(keys))
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		for i, k := range keys {
			if i > 0 && i%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return own(err)
				}
			}
			data := b.Get([]byte(k))
			if data == nil {
				continue
			}
			r := new(indicators.Record)
			if err := decode([]byte(k), data, r); err != nil {
				return err
			}
			out[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, wrap("get", err)
	}
	return out, nil
}

// Update runs fn inside a write transaction, so no other write can
// interleave. fn must not call the Store (bbolt has one writer: it would
// deadlock). The record fn leaves must be valid and keep its key, or the
// update fails with indicators.ErrInvalidInput and nothing is written. When
// fn changes the record and leaves UpdatedAt as it was, UpdatedAt is set to
// now; when fn changes nothing, nothing is written.
func (s *Store) Update(ctx context.Context, key indicators.Key, fn func(r *indicators.Record, exists bool) error) (before, after indicators.Record, err error) {
	if err := ctx.Err(); err != nil {
		return before, after, fmt.Errorf("boltstore: update: %w", err)
	}
	if _, err := indicators.ParseKey(string(key)); err != nil {
		return before, after, fmt.Errorf("boltstore: update: %w", err)
	}
	var fnErr error
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return own(err)
		}
		b := tx.Bucket(bucketRecords)
		k := []byte(key)
		old := b.Get(k)
		exists := old != nil
		r := indicators.Record{Key: key, Kind: key.Kind(), Value: key.Value()}
		if exists {
			// Two decodes rather than a copy: fn gets slices of its own
			// and cannot change before through them.
			if err := decode(k, old, &before); err != nil {
				return err
			}
			r = indicators.Record{}
			if err := decode(k, old, &r); err != nil {
				return err
			}
		}
		if err := fn(&r, exists); err != nil {
			fnErr = err
			return err
		}
		if r.Key != key {
			return own(&indicators.InputError{Code: indicators.CodeInvalidRecord,
				Message: fmt.Sprintf("update of %q changed the key to %q", key, r.Key)})
		}
		if err := r.Validate(); err != nil {
			return own(err)
		}
		data := indicators.AppendRecord(nil, &r)
		if exists && bytes.Equal(data, old) {
			after = r
			return nil
		}
		if r.UpdatedAt.Equal(before.UpdatedAt) {
			r.UpdatedAt = s.now().UTC()
			data = indicators.AppendRecord(data[:0], &r)
		}
		if err := b.Put(k, data); err != nil {
			return err
		}
		t := tally{}
		if exists {
			t.add(&before, -1)
		}
		t.add(&r, 1)
		after = r
		return t.apply(tx.Bucket(bucketCounts))
	})
	switch {
	case fnErr != nil:
		// The caller's own error, returned as is (the contract of Update).
		return indicators.Record{}, indicators.Record{}, fnErr
	case err != nil:
		return indicators.Record{}, indicators.Record{}, wrap("update", err)
	}
	return before, after, nil
}

// maxListScan bounds the records one List call reads when filters reject
// most of them, so that a rare filter over millions of records returns a
// short page with a cursor instead of holding a read transaction for
// seconds.
const maxListScan = 100_000

// List returns one page of records in key order. A kind filter seeks to the
// kind's key range; the other filters decode and test each record, reading
// at most maxListScan records per call (the page may then be short, with a
// Next cursor to continue from).
func (s *Store) List(ctx context.Context, opts indicators.ListOptions) (indicators.Page, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Page{}, fmt.Errorf("boltstore: list: %w", err)
	}
	limit := opts.EffectiveLimit()
	var prefix []byte
	if opts.Kind != "" {
		prefix = []byte(string(opts.Kind) + ":")
	}
	start := prefix
	if cur := []byte(opts.Cursor); len(cur) > 0 && bytes.Compare(cur, start) > 0 {
		start = cur
	}
	inRange := func(k []byte) bool { return k != nil && (prefix == nil || bytes.HasPrefix(k, prefix)) }
	var page indicators.Page
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketRecords).Cursor()
		k, v := c.Seek(start)
		if k != nil && opts.Cursor != "" && string(k) == string(opts.Cursor) {
			k, v = c.Next()
		}
		for scanned := 1; inRange(k); k, v = c.Next() {
			if scanned%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return own(err)
				}
			}
			var r indicators.Record
			if err := decode(k, v, &r); err != nil {
				return err
			}
			if opts.Matches(&r) {
				page.Records = append(page.Records, r)
				if len(page.Records) == limit {
					// Peek so that the last page says so.
					if next, _ := c.Next(); inRange(next) {
						page.Next = r.Key
					}
					return nil
				}
			}
			if scanned++; scanned > maxListScan {
				if next, _ := c.Next(); inRange(next) {
					page.Next = indicators.Key(k)
				}
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return indicators.Page{}, wrap("list", err)
	}
	return page, nil
}

// iterateChunk is how many records Iterate reads per read transaction. A
// long read transaction would keep bbolt from remapping a growing file and
// from reusing freed pages, so Iterate reads in chunks and calls fn outside
// any transaction (fn may then use the Store). A record present for the
// whole iteration is seen exactly once; others may or may not be.
const iterateChunk = 1000

// Iterate calls fn for every record of kind (all when kind is "") in key
// order. An error from fn stops the iteration and is returned wrapped.
func (s *Store) Iterate(ctx context.Context, kind indicators.Kind, fn func(indicators.Record) error) error {
	var prefix []byte
	if kind != "" {
		prefix = []byte(string(kind) + ":")
	}
	var after []byte // last key handed to fn
	chunk := make([]indicators.Record, 0, iterateChunk)
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("boltstore: iterate: %w", err)
		}
		chunk = chunk[:0]
		err := s.db.View(func(tx *bbolt.Tx) error {
			c := tx.Bucket(bucketRecords).Cursor()
			k, v := c.Seek(prefix)
			if after != nil {
				if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for ; k != nil && bytes.HasPrefix(k, prefix) && len(chunk) < iterateChunk; k, v = c.Next() {
				var r indicators.Record
				if err := decode(k, v, &r); err != nil {
					return err
				}
				chunk = append(chunk, r)
			}
			return nil
		})
		if err != nil {
			return wrap("iterate", err)
		}
		for _, r := range chunk {
			if err := fn(r); err != nil {
				return fmt.Errorf("boltstore: iterate: %w", err)
			}
		}
		if len(chunk) < iterateChunk {
			return nil
		}
		after = []byte(chunk[len(chunk)-1].Key)
	}
}

// Counts reads the counts maintained by every write: no record is scanned.
func (s *Store) Counts(ctx context.Context) (indicators.Counts, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Counts{}, fmt.Errorf("boltstore: counts: %w", err)
	}
	c := indicators.Counts{ByKind: map[indicators.Kind]int{}, ByStatus: map[indicators.Status]int{}, ByCategory: map[indicators.Category]int{}}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketCounts).ForEach(func(k, v []byte) error {
			n := int(decodeCount(v))
			dim, name, _ := strings.Cut(string(k), ":")
			switch dim {
			case dimTotal:
				c.Total = n
			case dimKind:
				c.ByKind[indicators.Kind(name)] = n
			case dimStatus:
				c.ByStatus[indicators.Status(name)] = n
			case dimCategory:
				c.ByCategory[indicators.Category(name)] = n
			}
			return nil
		})
	})
	if err != nil {
		return indicators.Counts{}, wrap("counts", err)
	}
	return c, nil
}

// Sources reads the per-source record counts maintained by every write.
func (s *Store) Sources(ctx context.Context) (map[string]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: sources: %w", err)
	}
	out := map[string]int{}
	prefix := []byte(dimSource + ":")
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketCounts).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			out[string(k[len(prefix):])] = int(decodeCount(v))
		}
		return nil
	})
	if err != nil {
		return nil, wrap("sources", err)
	}
	return out, nil
}

// Dimensions of the counts bucket; a counts key is "<dim>:<name>" except
// the total.
const (
	dimTotal    = "total"
	dimKind     = "kind"
	dimStatus   = "status"
	dimCategory = "category"
	dimSource   = "source"
)

// tally accumulates count changes during a write transaction so that each
// counts key is written once per transaction, not once per record.
type tally map[string]int64

// add counts r (sign 1) or uncounts it (sign -1).
func (t tally) add(r *indicators.Record, sign int64) {
	t[dimTotal] += sign
	t[dimKind+":"+string(r.Kind)] += sign
	t[dimStatus+":"+string(r.Status)] += sign
	if r.Category != "" {
		t[dimCategory+":"+string(r.Category)] += sign
	}
	for i, src := range r.Sources {
		// A record names a source once, even if an Update listed it twice.
		if !slices.ContainsFunc(r.Sources[:i], func(s indicators.Source) bool { return s.Name == src.Name }) {
			t[dimSource+":"+src.Name] += sign
		}
	}
}

// apply adds the tally to the counts bucket, dropping counts that reach
// zero so that Counts and Sources list only what exists.
func (t tally) apply(b *bbolt.Bucket) error {
	for k, delta := range t {
		if delta == 0 {
			continue
		}
		key := []byte(k)
		n := decodeCount(b.Get(key)) + delta
		if n <= 0 {
			if err := b.Delete(key); err != nil {
				return err
			}
			continue
		}
		if err := b.Put(key, binary.BigEndian.AppendUint64(nil, uint64(n))); err != nil {
			return err
		}
	}
	return nil
}

func decodeCount(v []byte) int64 {
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}
