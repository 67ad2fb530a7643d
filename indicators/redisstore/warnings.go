package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// Early warnings, under the prefix P:
//
//	P:{warnings}:w:<id>        the warning (storedWarning), JSON
//	P:{warnings}:idx:all       sorted set, scores 0: every warning id (by lex)
//	P:{warnings}:idx:<status>  sorted set, scores 0: the ids in that status
//	P:{warnings}:dedupe        hash: dedupe key → warning id
//
// One hash tag puts every key in one slot, so the create script checks the
// id and the dedupe key and writes both in one atomic step on a Cluster
// too: detectors on several replicas that see the same wave race to create
// its draft, and exactly one wins. Warnings are a handful a week, so one
// slot holds them for good.

var _ indicators.WarningStore = (*Store)(nil)

// storedWarning is a Warning as stored: Warning's own JSON leaves the
// DedupeKey out (the API must not show it), but the store keeps it.
type storedWarning struct {
	indicators.Warning
	DedupeKey string `json:"dedupe_key,omitempty"`
}

func (sw *storedWarning) value() indicators.Warning {
	w := sw.Warning
	w.DedupeKey = sw.DedupeKey
	return w
}

func encodeWarning(w *indicators.Warning) ([]byte, error) {
	return json.Marshal(&storedWarning{Warning: *w, DedupeKey: w.DedupeKey})
}

// createWarningScript stores a warning unless its id or dedupe key is taken.
//
//	KEYS: warning, idx:all, idx:<status>, dedupe
//	ARGV: id, JSON, dedupe key ("" for none)
//
// It returns 0 when the id exists, 2 when the dedupe key is used, 1 when
// created.
var createWarningScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if ARGV[3] ~= '' then
  if redis.call('HSETNX', KEYS[4], ARGV[3], ARGV[1]) == 0 then return 2 end
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
return 1
`)

func (s *Store) warningKey(id string) string { return s.prefix + ":{warnings}:w:" + id }
func (s *Store) warningDedupeKey() string    { return s.prefix + ":{warnings}:dedupe" }

// warningIndexKey is the index of status, or of every warning for "".
func (s *Store) warningIndexKey(status indicators.WarningStatus) string {
	if status == "" {
		return s.prefix + ":{warnings}:idx:all"
	}
	return s.prefix + ":{warnings}:idx:" + string(status)
}

// CreateWarning stores a new warning in one script; see
// indicators.WarningStore. A zero CreatedAt becomes now.
func (s *Store) CreateWarning(ctx context.Context, w indicators.Warning) error {
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, "create warning", err)
	}
	if err := w.Validate(); err != nil {
		return fmt.Errorf("redisstore: create warning: %w", err)
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = s.now().UTC()
	}
	data, err := encodeWarning(&w)
	if err != nil {
		return fmt.Errorf("redisstore: create warning: %w", err)
	}
	keys := []string{s.warningKey(w.ID), s.warningIndexKey(""), s.warningIndexKey(w.Status), s.warningDedupeKey()}
	res, err := createWarningScript.Run(ctx, s.client, keys, w.ID, data, w.DedupeKey).Int()
	if err != nil {
		return s.fail(ctx, "create warning", err)
	}
	switch res {
	case 0:
		return fmt.Errorf("redisstore: create warning: warning %q: %w", w.ID, indicators.ErrConflict)
	case 2:
		return fmt.Errorf("redisstore: create warning: warning %q: dedupe key already used: %w", w.ID, indicators.ErrConflict)
	}
	return nil
}

// GetWarning returns the warning with id or an error matching ErrNotFound.
func (s *Store) GetWarning(ctx context.Context, id string) (indicators.Warning, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Warning{}, s.fail(ctx, "get warning", err)
	}
	var sw storedWarning
	if _, err := s.getJSON(ctx, "get warning", s.warningKey(id), "warning "+strconv.Quote(id), &sw); err != nil {
		return indicators.Warning{}, err
	}
	return sw.value(), nil
}

// ListWarnings returns one page of warnings in id order, all of them or
// those of f.Status (an unknown status gives ErrInvalidInput), in two round
// trips: ids from the index, then the warnings. A warning whose status
// changed between the two is left out, so such a page can be one short.
func (s *Store) ListWarnings(ctx context.Context, f indicators.WarningFilter) (indicators.WarningPage, error) {
	if err := ctx.Err(); err != nil {
		return indicators.WarningPage{}, s.fail(ctx, "list warnings", err)
	}
	if f.Status != "" && !f.Status.Valid() {
		return indicators.WarningPage{}, fmt.Errorf("redisstore: list warnings: unknown status %q: %w", f.Status, indicators.ErrInvalidInput)
	}
	warnings, next, err := pageJSON(ctx, s, "list warnings", "warning", s.warningIndexKey(f.Status), f.Cursor,
		indicators.PageLimit(f.Limit), s.warningKey, func(sw *storedWarning) (indicators.Warning, bool) {
			return sw.value(), f.Status == "" || sw.Status == f.Status
		})
	if err != nil {
		return indicators.WarningPage{}, err
	}
	return indicators.WarningPage{Warnings: warnings, Next: next}, nil
}

// UpdateWarning runs fn on the warning and stores the result atomically;
// see indicators.WarningStore. It is optimistic, like UpdateReport: fn may
// run more than once under contention. The store owns ID, DedupeKey and
// CreatedAt: a changed ID or an invalid result gives ErrInvalidInput, and
// DedupeKey and CreatedAt are kept whatever fn does. A status change moves
// the id between status indexes in the same script.
func (s *Store) UpdateWarning(ctx context.Context, id string, fn func(*indicators.Warning) error) (indicators.Warning, error) {
	key := s.warningKey(id)
	return casUpdate(ctx, s, "update warning", key, id, "warning "+strconv.Quote(id),
		func(sb, sw *storedWarning) (indicators.Warning, []byte, error) {
			before, w := sb.value(), sw.value()
			if err := fn(&w); err != nil {
				return indicators.Warning{}, nil, err
			}
			if w.ID != before.ID {
				return indicators.Warning{}, nil, fmt.Errorf("redisstore: update warning: %q changed its id to %q: %w", id, w.ID, indicators.ErrInvalidInput)
			}
			w.DedupeKey, w.CreatedAt = before.DedupeKey, before.CreatedAt
			if err := w.Validate(); err != nil {
				return indicators.Warning{}, nil, fmt.Errorf("redisstore: update warning: %w", err)
			}
			data, err := encodeWarning(&w)
			if err != nil {
				return indicators.Warning{}, nil, fmt.Errorf("redisstore: update warning: %w", err)
			}
			return w, data, nil
		},
		func(sb *storedWarning, w indicators.Warning, old string, data []byte) (int, error) {
			// The report update script does exactly this compare-and-set
			// with an index move; the keys here share the {warnings} tag.
			return updateReportScript.Run(ctx, s.client,
				[]string{key, s.warningIndexKey(sb.value().Status), s.warningIndexKey(w.Status)}, old, data, id).Int()
		})
}
