package boltstore

import (
	"context"
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/scamcheck/scamcheck/indicators"
)

// Buckets of early warnings:
//
//	warnings         id → storedWarning, JSON
//	warning_status   one nested bucket per status: id → nothing
//	warning_dedupe   dedupe key → id, so the detector drafts each wave once
//
// The dedupe check and the write are in one transaction, and bbolt has a
// single writer, so two replicas of the detector cannot both draft a wave
// (the embedded store is one process anyway).
var (
	bucketWarnings      = []byte("warnings")
	bucketWarningStatus = []byte("warning_status")
	bucketWarningDedupe = []byte("warning_dedupe")
)

var _ indicators.WarningStore = (*Store)(nil)

// storedWarning is a Warning as stored: Warning's own JSON leaves the
// DedupeKey out (it is internal to the detector and must not reach the
// API), but the store has to keep it.
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

// CreateWarning stores a new warning; see indicators.WarningStore. A zero
// CreatedAt becomes now.
func (s *Store) CreateWarning(ctx context.Context, w indicators.Warning) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: create warning: %w", err)
	}
	if err := w.Validate(); err != nil {
		return fmt.Errorf("boltstore: create warning: %w", err)
	}
	if w.CreatedAt.IsZero() {
		w.CreatedAt = s.now().UTC()
	}
	data, err := encodeWarning(&w)
	if err != nil {
		return fmt.Errorf("boltstore: create warning: %w", err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return own(err)
		}
		bs, err := writeBuckets(tx, bucketWarnings, bucketWarningStatus, bucketWarningDedupe)
		if err != nil {
			return err
		}
		id := []byte(w.ID)
		if bs[0].Get(id) != nil {
			return own(fmt.Errorf("warning %q: %w", w.ID, indicators.ErrConflict))
		}
		if w.DedupeKey != "" {
			if other := bs[2].Get([]byte(w.DedupeKey)); other != nil {
				return own(fmt.Errorf("warning %q: dedupe key already used by %q: %w", w.ID, other, indicators.ErrConflict))
			}
			if err := bs[2].Put([]byte(w.DedupeKey), id); err != nil {
				return err
			}
		}
		if err := bs[0].Put(id, data); err != nil {
			return err
		}
		return putWarningStatus(bs[1], w.Status, id)
	})
	if err != nil {
		return wrap("create warning", err)
	}
	return nil
}

func putWarningStatus(idx *bbolt.Bucket, status indicators.WarningStatus, id []byte) error {
	b, err := idx.CreateBucketIfNotExists([]byte(status))
	if err != nil {
		return err
	}
	return b.Put(id, nil)
}

// GetWarning returns the warning with id or an error matching ErrNotFound.
func (s *Store) GetWarning(ctx context.Context, id string) (indicators.Warning, error) {
	sw, err := viewJSON[storedWarning](ctx, s, "get warning", bucketWarnings, id, "warning")
	if err != nil {
		return indicators.Warning{}, err
	}
	return sw.value(), nil
}

// ListWarnings returns one page of warnings in id order, all of them or
// those of f.Status (an unknown status gives ErrInvalidInput), walking the
// status index so that the public listing of published warnings does not
// read every draft.
func (s *Store) ListWarnings(ctx context.Context, f indicators.WarningFilter) (indicators.WarningPage, error) {
	if err := ctx.Err(); err != nil {
		return indicators.WarningPage{}, fmt.Errorf("boltstore: list warnings: %w", err)
	}
	if f.Status != "" && !f.Status.Valid() {
		return indicators.WarningPage{}, fmt.Errorf("boltstore: list warnings: unknown status %q: %w", f.Status, indicators.ErrInvalidInput)
	}
	var stored []storedWarning
	var next string
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		stored, next, err = pageJSON[storedWarning](tx, bucketWarnings, bucketWarningStatus,
			string(f.Status), f.Cursor, indicators.PageLimit(f.Limit), "warning")
		return err
	})
	if err != nil {
		return indicators.WarningPage{}, wrap("list warnings", err)
	}
	page := indicators.WarningPage{Warnings: make([]indicators.Warning, len(stored)), Next: next}
	for i := range stored {
		page.Warnings[i] = stored[i].value()
	}
	return page, nil
}

// UpdateWarning runs fn on the warning in a write transaction and stores
// the result; see indicators.WarningStore. fn must not call the Store. The
// store owns ID, DedupeKey and CreatedAt: a changed ID or an invalid result
// gives ErrInvalidInput, and DedupeKey and CreatedAt are kept whatever fn
// does, so the dedupe index stays true.
func (s *Store) UpdateWarning(ctx context.Context, id string, fn func(*indicators.Warning) error) (indicators.Warning, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Warning{}, fmt.Errorf("boltstore: update warning: %w", err)
	}
	var out indicators.Warning
	var fnErr error
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return own(err)
		}
		var sw storedWarning
		if err := getJSON(readBucket(tx, bucketWarnings), id, "warning", &sw); err != nil {
			return err
		}
		before := sw.value()
		w := sw.value()
		w.Keys = append([]indicators.Key(nil), before.Keys...)
		if err := fn(&w); err != nil {
			fnErr = err
			return err
		}
		if err := checkWarningUpdate(&w, &before); err != nil {
			return own(err)
		}
		data, err := encodeWarning(&w)
		if err != nil {
			return own(err)
		}
		bs, err := writeBuckets(tx, bucketWarnings, bucketWarningStatus)
		if err != nil {
			return err
		}
		if err := bs[0].Put([]byte(id), data); err != nil {
			return err
		}
		if w.Status != before.Status {
			if old := bs[1].Bucket([]byte(before.Status)); old != nil {
				if err := old.Delete([]byte(id)); err != nil {
					return err
				}
			}
			if err := putWarningStatus(bs[1], w.Status, []byte(id)); err != nil {
				return err
			}
		}
		out = w
		return nil
	})
	switch {
	case fnErr != nil:
		return indicators.Warning{}, fnErr
	case err != nil:
		return indicators.Warning{}, wrap("update warning", err)
	}
	return out, nil
}

// checkWarningUpdate restores the fields the store owns (DedupeKey,
// CreatedAt) from before and checks the result of an update: same ID and
// valid.
func checkWarningUpdate(w, before *indicators.Warning) error {
	if w.ID != before.ID {
		return fmt.Errorf("update of warning %q changed its id to %q: %w", before.ID, w.ID, indicators.ErrInvalidInput)
	}
	w.DedupeKey, w.CreatedAt = before.DedupeKey, before.CreatedAt
	return w.Validate()
}
