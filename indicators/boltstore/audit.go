package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/scamcheck/scamcheck/indicators"
)

// Buckets of the audit log:
//
//	audit           id → AuditEntry, JSON
//	audit_targets   one nested bucket per target: id → nothing
//
// Ids have the form of Redis Stream ids, "<unix ms>-<sequence>", padded to
// fixed widths ("%013d-%06d") so that ids sort as strings in the order they
// were assigned and bucket order is log order (up to a million entries in
// one millisecond, past which the sequence would widen: bbolt commits far
// fewer than that). The millisecond never goes
// backwards (a clock stepped back reuses the last one with a higher
// sequence), so ids are unique and increasing in a single process, which is
// all bbolt allows.
var (
	bucketAudit        = []byte("audit")
	bucketAuditTargets = []byte("audit_targets")
)

var _ indicators.AuditLog = (*Store)(nil)

// AppendAudit stores e and returns it with its ID; see indicators.AuditLog.
// e needs an actor and an action; a role, when set, must be valid; Before
// and After, when set, must be JSON. A zero Time becomes now.
func (s *Store) AppendAudit(ctx context.Context, e indicators.AuditEntry) (indicators.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return indicators.AuditEntry{}, fmt.Errorf("boltstore: append audit: %w", err)
	}
	if err := e.Validate(); err != nil {
		return indicators.AuditEntry{}, fmt.Errorf("boltstore: append audit: %w", err)
	}
	now := s.now().UTC()
	if e.Time.IsZero() {
		e.Time = now
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return own(err)
		}
		bs, err := writeBuckets(tx, bucketAudit, bucketAuditTargets)
		if err != nil {
			return err
		}
		ms, seq := now.UnixMilli(), uint64(0)
		if last, _ := bs[0].Cursor().Last(); last != nil {
			lms, lseq, err := parseAuditID(string(last))
			if err != nil {
				return own(fmt.Errorf("last audit id: %w: %w", indicators.ErrCorrupt, err))
			}
			if ms <= lms {
				ms, seq = lms, lseq+1
			}
		}
		e.ID = formatAuditID(ms, seq)
		data, err := json.Marshal(&e)
		if err != nil {
			return own(err)
		}
		if err := bs[0].Put([]byte(e.ID), data); err != nil {
			return err
		}
		if e.Target == "" {
			return nil
		}
		tb, err := bs[1].CreateBucketIfNotExists([]byte(e.Target))
		if err != nil {
			return err
		}
		return tb.Put([]byte(e.ID), nil)
	})
	if err != nil {
		return indicators.AuditEntry{}, wrap("append audit", err)
	}
	return e, nil
}

func formatAuditID(ms int64, seq uint64) string {
	return fmt.Sprintf("%013d-%06d", ms, seq)
}

func parseAuditID(id string) (int64, uint64, error) {
	a, b, ok := strings.Cut(id, "-")
	if !ok {
		return 0, 0, fmt.Errorf("audit id %q is not <ms>-<seq>", id)
	}
	ms, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("audit id %q: %w", id, err)
	}
	seq, err := strconv.ParseUint(b, 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("audit id %q: %w", id, err)
	}
	return ms, seq, nil
}

// ListAudit returns one page of entries oldest first, all of them or those
// of f.Target. A cursor that is not of the form of an id gives
// ErrInvalidInput.
func (s *Store) ListAudit(ctx context.Context, f indicators.AuditFilter) (indicators.AuditPage, error) {
	if err := ctx.Err(); err != nil {
		return indicators.AuditPage{}, fmt.Errorf("boltstore: list audit: %w", err)
	}
	var cursor []byte
	if f.Cursor != "" {
		// Re-formatted, so that an unpadded id seeks to the same place.
		ms, seq, err := parseAuditID(f.Cursor)
		if err != nil || ms < 0 {
			return indicators.AuditPage{}, fmt.Errorf("boltstore: list audit: cursor: %w",
				&indicators.InputError{Code: indicators.CodeInvalidRecord, Message: fmt.Sprintf("audit id %q is not <ms>-<seq>", f.Cursor), Err: err})
		}
		cursor = []byte(formatAuditID(ms, seq))
	}
	limit := indicators.PageLimit(f.Limit)
	page := indicators.AuditPage{Entries: []indicators.AuditEntry{}}
	err := s.db.View(func(tx *bbolt.Tx) error {
		log := readBucket(tx, bucketAudit)
		if log == nil {
			return nil
		}
		walk := log
		if f.Target != "" {
			targets := readBucket(tx, bucketAuditTargets)
			if targets == nil {
				return nil
			}
			if walk = targets.Bucket([]byte(f.Target)); walk == nil {
				return nil
			}
		}
		c := walk.Cursor()
		k, _ := c.Seek(cursor)
		if k != nil && cursor != nil && bytes.Equal(k, cursor) {
			k, _ = c.Next()
		}
		for ; k != nil; k, _ = c.Next() {
			if len(page.Entries) == limit {
				page.Next = page.Entries[limit-1].ID
				return nil
			}
			var e indicators.AuditEntry
			if err := getJSON(log, string(k), "audit entry", &e); err != nil {
				return err
			}
			page.Entries = append(page.Entries, e)
		}
		return nil
	})
	if err != nil {
		return indicators.AuditPage{}, wrap("list audit", err)
	}
	return page, nil
}
