package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// Field names in the counts hash.
const (
	fieldTotal    = "total"
	fieldKind     = "kind:"
	fieldStatus   = "status:"
	fieldCategory = "category:"
)

// tally accumulates counter deltas of successful writes until flush. The
// zero value is ready; maps are made on first use. Records are counted by
// their (kind, status, category), one map update per record, and turned
// into the fields of the counts hash at flush: a bulk import counts a
// million records of a few shapes.
type tally struct {
	shapes  map[shape]int64
	counts  map[string]int64
	sources map[string]int64
}

// shape is what the counts hash counts a record by.
type shape struct {
	kind     indicators.Kind
	status   indicators.Status
	category indicators.Category
}

// fields folds the record shapes into counts fields.
func (t *tally) fields() {
	for sh, n := range t.shapes {
		t.add(fieldTotal, n)
		t.add(field(fieldKind, string(sh.kind)), n)
		t.add(field(fieldStatus, string(sh.status)), n)
		if sh.category != "" {
			t.add(field(fieldCategory, string(sh.category)), n)
		}
	}
	t.shapes = nil
}

func (t *tally) add(field string, n int64) {
	if t.counts == nil {
		t.counts = map[string]int64{}
	}
	t.counts[field] += n
}

func (t *tally) addSource(name string, n int64) {
	if t.sources == nil {
		t.sources = map[string]int64{}
	}
	t.sources[name] += n
}

// fieldNames maps the known kinds, statuses and categories to their field
// in the counts hash, sparing bulk imports a string concatenation per
// record and counter.
var fieldNames = func() map[string]string {
	m := map[string]string{}
	for _, k := range indicators.Kinds {
		m[fieldKind+string(k)] = fieldKind + string(k)
	}
	for _, st := range []indicators.Status{indicators.StatusReported, indicators.StatusConfirmed, indicators.StatusDelisted, indicators.StatusTrusted} {
		m[fieldStatus+string(st)] = fieldStatus + string(st)
	}
	for _, c := range indicators.Categories {
		m[fieldCategory+string(c)] = fieldCategory + string(c)
	}
	return m
}()

// field returns prefix+v, allocating only for values unknown to fieldNames.
func field(prefix, v string) string {
	// The compiler does not allocate for a concatenation used only as a
	// map index.
	if f, ok := fieldNames[prefix+v]; ok {
		return f
	}
	return prefix + v
}

// record counts r once with sign n (+1 or -1).
func (t *tally) record(r *indicators.Record, n int64) {
	if t.shapes == nil {
		t.shapes = map[shape]int64{}
	}
	t.shapes[shape{r.Kind, r.Status, r.Category}] += n
}

// change counts the replacement of before (nil when new) by after.
func (t *tally) change(before, after *indicators.Record) {
	if before == nil {
		t.record(after, 1)
		for i := range after.Sources {
			t.addSource(after.Sources[i].Name, 1)
		}
		return
	}
	if before.Status != after.Status || before.Category != after.Category {
		t.record(before, -1)
		t.record(after, 1)
	}
	for i := range before.Sources {
		if !hasSource(after, before.Sources[i].Name) {
			t.addSource(before.Sources[i].Name, -1)
		}
	}
	for i := range after.Sources {
		if !hasSource(before, after.Sources[i].Name) {
			t.addSource(after.Sources[i].Name, 1)
		}
	}
}

func hasSource(r *indicators.Record, name string) bool {
	for i := range r.Sources {
		if r.Sources[i].Name == name {
			return true
		}
	}
	return false
}

// flush applies t's deltas in one pipeline. It runs even when ctx is
// cancelled: the writes it accounts for have happened.
func (s *Store) flush(ctx context.Context, t *tally) error {
	t.fields()
	if len(t.counts) == 0 && len(t.sources) == 0 {
		return nil
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	pipe := s.client.Pipeline()
	for f, n := range t.counts {
		if n != 0 {
			pipe.HIncrBy(fctx, s.countsKey, f, n)
		}
	}
	for name, n := range t.sources {
		if n != 0 {
			pipe.HIncrBy(fctx, s.sourcesKey, name, n)
		}
	}
	t.counts, t.sources = nil, nil
	if pipe.Len() == 0 {
		return nil
	}
	if _, err := pipe.Exec(fctx); err != nil {
		return fmt.Errorf("redisstore: update counters (records are written, counts may be off until Recount): %w: %w", indicators.ErrUnavailable, err)
	}
	return nil
}

// Counts returns record counts by kind, status and category from the
// maintained counters.
func (s *Store) Counts(ctx context.Context) (indicators.Counts, error) {
	c := indicators.Counts{ByKind: map[indicators.Kind]int{}, ByStatus: map[indicators.Status]int{}, ByCategory: map[indicators.Category]int{}}
	if err := ctx.Err(); err != nil {
		return c, s.fail(ctx, "counts", err)
	}
	m, err := s.client.HGetAll(ctx, s.countsKey).Result()
	if err != nil {
		return c, s.fail(ctx, "counts", err)
	}
	for f, v := range m {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			continue
		}
		switch {
		case f == fieldTotal:
			c.Total = n
		case strings.HasPrefix(f, fieldKind):
			c.ByKind[indicators.Kind(f[len(fieldKind):])] = n
		case strings.HasPrefix(f, fieldStatus):
			c.ByStatus[indicators.Status(f[len(fieldStatus):])] = n
		case strings.HasPrefix(f, fieldCategory):
			c.ByCategory[indicators.Category(f[len(fieldCategory):])] = n
		}
	}
	return c, nil
}

// Sources returns, per source name, how many records name it.
func (s *Store) Sources(ctx context.Context) (map[string]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.fail(ctx, "sources", err)
	}
	m, err := s.client.HGetAll(ctx, s.sourcesKey).Result()
	if err != nil {
		return nil, s.fail(ctx, "sources", err)
	}
	out := make(map[string]int, len(m))
	for name, v := range m {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			out[name] = n
		}
	}
	return out, nil
}

// Recount rebuilds the Counts and Sources counters from the records, for
// after a crash or Redis failure between record writes and counter updates.
// Writes that run during a recount may be counted twice or not at all: run
// it while nothing writes.
func (s *Store) Recount(ctx context.Context) error {
	var c indicators.Counts
	src := map[string]int{}
	err := s.Iterate(ctx, "", func(r indicators.Record) error {
		c.Add(&r)
		for i := range r.Sources {
			src[r.Sources[i].Name]++
		}
		return nil
	})
	if err != nil {
		return err
	}
	counts := map[string]any{fieldTotal: c.Total}
	for k, n := range c.ByKind {
		counts[fieldKind+string(k)] = n
	}
	for st, n := range c.ByStatus {
		counts[fieldStatus+string(st)] = n
	}
	for cat, n := range c.ByCategory {
		counts[fieldCategory+string(cat)] = n
	}
	sources := make(map[string]any, len(src))
	for name, n := range src {
		sources[name] = n
	}
	// Both hashes are replaced in one transaction per key (they may live in
	// different cluster slots, so not in one transaction together).
	for key, vals := range map[string]map[string]any{s.countsKey: counts, s.sourcesKey: sources} {
		_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, key)
			if len(vals) > 0 {
				p.HSet(ctx, key, vals)
			}
			return nil
		})
		if err != nil {
			return s.fail(ctx, "recount", err)
		}
	}
	return nil
}
