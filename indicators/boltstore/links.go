package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"go.etcd.io/bbolt"

	"github.com/scamcheck/scamcheck/indicators"
)

// The link index of reports:
//
//	report_keys   one nested bucket per indicator key: report id → nothing
//	              (the reports naming that key, in id order)
//
// CreateReport writes it in the report's own transaction (putLinks), so a
// report and its links are stored together or not at all.
var bucketReportKeys = []byte("report_keys")

var _ indicators.LinkIndex = (*Store)(nil)

// putLinks adds r's id to the index of every key r names.
func putLinks(tx *bbolt.Tx, r *indicators.Report) error {
	idx, err := tx.CreateBucketIfNotExists(bucketReportKeys)
	if err != nil {
		return err
	}
	for _, k := range r.Keys {
		b, err := idx.CreateBucketIfNotExists([]byte(k))
		if err != nil {
			return err
		}
		if err := b.Put([]byte(r.ID), nil); err != nil {
			return err
		}
	}
	return nil
}

// ReportsNaming returns the ids of the reports naming key, in id order, the
// last limit of them; see indicators.LinkIndex.
func (s *Store) ReportsNaming(ctx context.Context, key indicators.Key, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: reports naming: %w", err)
	}
	ids := []string{}
	if limit <= 0 {
		return ids, nil
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		idx := readBucket(tx, bucketReportKeys)
		if idx == nil {
			return nil
		}
		b := idx.Bucket([]byte(key))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, _ := c.Last(); k != nil && len(ids) < limit; k, _ = c.Prev() {
			ids = append(ids, string(k))
		}
		return nil
	})
	if err != nil {
		return nil, wrap("reports naming", err)
	}
	slices.Reverse(ids)
	return ids, nil
}

// GetReports returns the reports with ids, in the order given, leaving out
// ids with no report; see indicators.LinkIndex.
func (s *Store) GetReports(ctx context.Context, ids []string) ([]indicators.Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: get reports: %w", err)
	}
	out := make([]indicators.Report, 0, len(ids))
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := readBucket(tx, bucketReports)
		if b == nil {
			return nil
		}
		for _, id := range ids {
			data := b.Get([]byte(id))
			if data == nil {
				continue
			}
			var r indicators.Report
			if err := json.Unmarshal(data, &r); err != nil {
				return own(fmt.Errorf("report %q: %w: %w", id, indicators.ErrCorrupt, err))
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("get reports", err)
	}
	return out, nil
}
