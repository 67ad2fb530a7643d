// Package backend opens what a scamcheck process stands on — the Store and
// the Bloom filters derived from it — in one of two modes:
//
//   - embedded (default): a bbolt file under the data directory, with the
//     filters' snapshot in a file beside it. One process holds it.
//   - Redis: records in Redis (single, Sentinel or Cluster), filters loaded
//     from the newest snapshot in Redis and kept current by following the
//     change log, so any number of replicas converge.
//
// Every write that adds keys goes through Publish, which is what makes the
// new keys visible to the filters of this and every other process.
package backend

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/scamcheck/scamcheck/bloom"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
	"github.com/scamcheck/scamcheck/indicators/redisstore"
)

// SnapshotFile is the name of the embedded mode's filter snapshot, kept in
// the data directory next to the store file.
const SnapshotFile = "filters.snap"

// Config selects and tunes the backend. Zero values take the defaults noted.
type Config struct {
	// DataDir is the embedded store's directory (default "./scamcheck-data").
	DataDir string
	// RedisURL selects Redis mode when set (see redisstore.ParseURL).
	RedisURL string
	// Prefix starts every Redis key (default "scamcheck").
	Prefix string
	// NoSync trades crash durability of the embedded file for bulk-import
	// speed (see boltstore.Options.NoSync).
	NoSync bool
	// Filters configures the Bloom filters (expected counts, target FPR).
	Filters bloom.Options
	// Logger receives operational messages; default slog.Default().
	Logger *slog.Logger
}

// Backend is an opened Store with its filters.
type Backend struct {
	// Store is the source of truth.
	Store indicators.Store

	cfg    Config
	bolt   *boltstore.Store  // embedded mode
	redis  *redisstore.Store // Redis mode
	repl   *bloom.Redis      // Redis mode: snapshots and change log
	logger *slog.Logger

	// mu guards set and follower, which StartFilters sets once.
	mu       sync.Mutex
	set      *bloom.Set
	follower *bloom.Follower
	cancel   context.CancelFunc
}

// Open opens the configured store. Filters are not loaded until
// StartFilters: a one-shot command that only writes does not pay for them.
func Open(ctx context.Context, cfg Config) (*Backend, error) {
	if cfg.DataDir == "" {
		cfg.DataDir = boltstore.DefaultDir
	}
	if cfg.Prefix == "" {
		cfg.Prefix = redisstore.DefaultPrefix
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Filters.Logger = cfg.Logger
	b := &Backend{cfg: cfg, logger: cfg.Logger}
	if cfg.RedisURL != "" {
		rs, err := redisstore.Open(ctx, cfg.RedisURL, redisstore.Options{Prefix: cfg.Prefix})
		if err != nil {
			return nil, err
		}
		b.redis, b.Store = rs, rs
		b.repl = bloom.NewRedis(rs.Client(), cfg.Prefix, bloom.RedisOptions{Set: cfg.Filters})
		return b, nil
	}
	bs, err := boltstore.Open(cfg.DataDir, boltstore.Options{NoSync: cfg.NoSync})
	if err != nil {
		return nil, err
	}
	b.bolt, b.Store = bs, bs
	return b, nil
}

// Mode names the backend for logs and /readyz: "embedded" or "redis".
func (b *Backend) Mode() string {
	if b.redis != nil {
		return "redis"
	}
	return "embedded"
}

// Bolt returns the embedded store (nil in Redis mode), whose file other
// packages may keep their own buckets in.
func (b *Backend) Bolt() *boltstore.Store { return b.bolt }

// Redis returns the Redis store (nil in embedded mode).
func (b *Backend) Redis() *redisstore.Store { return b.redis }

// Filters returns the loaded filters, nil before StartFilters.
func (b *Backend) Filters() *bloom.Set {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.set
}

// StartFilters loads the filters and keeps them current until ctx ends or
// Close is called.
//
// Embedded mode: the snapshot file is used when it was taken at the store's
// current transaction; otherwise the filters are rebuilt from the store and
// a new snapshot is saved.
//
// Redis mode: the newest snapshot is loaded and the change log followed.
// When Redis holds no snapshot but the store has records (first start after
// an import, or a lost snapshot), the filters are rebuilt from the store and
// published for the other replicas.
func (b *Backend) StartFilters(ctx context.Context) (*bloom.Set, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.set != nil {
		return b.set, nil
	}
	if b.repl == nil {
		set, err := b.loadEmbedded(ctx)
		if err != nil {
			return nil, err
		}
		b.set = set
		return set, nil
	}
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f, err := b.repl.Start(fctx)
	if err != nil {
		cancel()
		return nil, err
	}
	b.follower, b.cancel, b.set = f, cancel, f.Set()
	if f.Set().Generation() == 0 {
		counts, err := b.Store.Counts(ctx)
		if err != nil {
			return nil, err
		}
		if counts.Total > 0 {
			b.logger.Info("no filter snapshot in Redis; rebuilding from the store", "records", counts.Total)
			if _, err := b.repl.Rebuild(ctx, b.set, b.Store); err != nil {
				return nil, fmt.Errorf("backend: rebuild filters: %w", err)
			}
		}
	}
	return b.set, nil
}

func (b *Backend) snapshotPath() string { return filepath.Join(b.cfg.DataDir, SnapshotFile) }

// boltPosition is the embedded store's last committed transaction id: it
// changes with every write, so a snapshot taken at it is current exactly
// while it is unchanged.
func (b *Backend) boltPosition() (string, error) {
	var id int
	err := b.bolt.DB().View(func(tx *bbolt.Tx) error {
		id = tx.ID()
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("backend: read store position: %w", err)
	}
	return "bolt:" + strconv.Itoa(id), nil
}

func (b *Backend) loadEmbedded(ctx context.Context) (*bloom.Set, error) {
	pos, err := b.boltPosition()
	if err != nil {
		return nil, err
	}
	set, meta, err := bloom.LoadFile(b.snapshotPath())
	switch {
	case err == nil && meta.Position == pos:
		return set, nil
	case err == nil:
		b.logger.Info("filter snapshot is older than the store; rebuilding")
	case errors.Is(err, fs.ErrNotExist):
	default:
		b.logger.Warn("filter snapshot unreadable; rebuilding", "err", err)
	}
	start := time.Now()
	set = bloom.New(b.cfg.Filters)
	if err := set.Rebuild(ctx, b.Store); err != nil {
		return nil, fmt.Errorf("backend: rebuild filters: %w", err)
	}
	b.logger.Info("filters rebuilt from the store", "took", time.Since(start).Round(time.Millisecond))
	set.SetPosition(pos)
	if err := set.SaveFile(b.snapshotPath()); err != nil {
		b.logger.Warn("could not save filter snapshot", "err", err)
	}
	return set, nil
}

// Publish makes keys just written to the Store visible to the filters: in
// this process, and in Redis mode in every replica through the change log.
// A command that does not hold filters (a CLI import) still appends to the
// log in Redis mode; in embedded mode the next start sees the store moved
// past the snapshot and rebuilds.
func (b *Backend) Publish(ctx context.Context, keys []indicators.Key) error {
	if len(keys) == 0 {
		return nil
	}
	set := b.Filters()
	if b.repl != nil {
		if set != nil {
			_, err := b.repl.Add(ctx, set, keys...)
			return err
		}
		_, err := b.repl.Append(ctx, keys)
		return err
	}
	if set != nil {
		set.Add(keys...)
	}
	return nil
}

// Rebuild rebuilds the filters from the store: compaction after delists,
// growth past capacity. In Redis mode the result is published to replicas.
func (b *Backend) Rebuild(ctx context.Context) error {
	set := b.Filters()
	if set == nil {
		return errors.New("backend: filters not started")
	}
	if b.repl != nil {
		_, err := b.repl.Rebuild(ctx, set, b.Store)
		return err
	}
	pos, err := b.boltPosition()
	if err != nil {
		return err
	}
	if err := set.Rebuild(ctx, b.Store); err != nil {
		return err
	}
	set.SetPosition(pos)
	return nil
}

// Close stops following, saves the embedded snapshot when it is current,
// and closes the store.
func (b *Backend) Close() error {
	b.mu.Lock()
	set, cancel, f := b.set, b.cancel, b.follower
	b.mu.Unlock()
	if cancel != nil {
		cancel()
		f.Wait()
	}
	var errs []error
	if b.bolt != nil && set != nil {
		// Every write of this process went through Publish, so the filters
		// reflect the store as of now.
		if pos, err := b.boltPosition(); err == nil {
			set.SetPosition(pos)
			if err := set.SaveFile(b.snapshotPath()); err != nil {
				errs = append(errs, err)
			}
		}
	}
	errs = append(errs, b.Store.Close())
	return errors.Join(errs...)
}
