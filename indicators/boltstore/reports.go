package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/scamcheck/scamcheck/indicators"
)

// Buckets of citizen reports and contacts. Reports and contacts live in
// separate buckets so that a contact never travels with a report (a backup
// of reports, a debug dump) and can be purged on its own schedule:
//
//	reports          id → Report, JSON
//	report_status    one nested bucket per status: id → nothing (the ids of
//	                 the reports in that status, for ListReports by status)
//	contacts         report id → Contact, JSON
//	contact_time     created (8 bytes, ordered) + report id → nothing, so
//	                 that PurgeContacts seeks instead of scanning
//	report_keys      the link index, written with the report (links.go)
//
// Buckets are created by the first write that needs them; a read of a
// bucket that does not exist yet sees it empty. Reports are few next to
// indicators, so JSON (readable with any bbolt tool) costs nothing that
// matters here.
var (
	bucketReports      = []byte("reports")
	bucketReportStatus = []byte("report_status")
	bucketContacts     = []byte("contacts")
	bucketContactTime  = []byte("contact_time")
)

var _ indicators.ReportStore = (*Store)(nil)

// purgeBatch bounds the contacts one PurgeContacts transaction deletes, so
// that a large purge does not hold the single writer for long.
const purgeBatch = 1000

// readBucket returns the bucket name of tx, or nil when no write created it
// yet; callers treat nil as empty.
func readBucket(tx *bbolt.Tx, name []byte) *bbolt.Bucket { return tx.Bucket(name) }

// writeBuckets returns the buckets names of tx, creating the missing ones.
func writeBuckets(tx *bbolt.Tx, names ...[]byte) ([]*bbolt.Bucket, error) {
	out := make([]*bbolt.Bucket, len(names))
	for i, name := range names {
		b, err := tx.CreateBucketIfNotExists(name)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// CreateReport stores r and, when c is not empty, its contact, in one
// transaction; see indicators.ReportStore. The store owns two fields: it
// sets r.HasContact to whether c holds contact data (whatever the caller
// put there) and c.ReportID to r.ID. A zero r.CreatedAt becomes now; a
// zero c.CreatedAt becomes r.CreatedAt, which is what retention counts from.
func (s *Store) CreateReport(ctx context.Context, r indicators.Report, c *indicators.Contact) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: create report: %w", err)
	}
	if err := r.Validate(); err != nil {
		return fmt.Errorf("boltstore: create report: %w", err)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now().UTC()
	}
	r.HasContact = !c.Empty()
	rdata, err := json.Marshal(&r)
	if err != nil {
		return fmt.Errorf("boltstore: create report: %w", err)
	}
	var cdata []byte
	var contact indicators.Contact
	if r.HasContact {
		contact = *c
		contact.ReportID = r.ID
		if contact.CreatedAt.IsZero() {
			contact.CreatedAt = r.CreatedAt
		}
		if cdata, err = json.Marshal(&contact); err != nil {
			return fmt.Errorf("boltstore: create report: contact: %w", err)
		}
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return own(err)
		}
		bs, err := writeBuckets(tx, bucketReports, bucketReportStatus)
		if err != nil {
			return err
		}
		id := []byte(r.ID)
		if bs[0].Get(id) != nil {
			return own(fmt.Errorf("report %q: %w", r.ID, indicators.ErrConflict))
		}
		if err := bs[0].Put(id, rdata); err != nil {
			return err
		}
		if err := putStatus(bs[1], r.Status, id); err != nil {
			return err
		}
		if err := putLinks(tx, &r); err != nil {
			return err
		}
		if cdata == nil {
			return nil
		}
		cb, err := writeBuckets(tx, bucketContacts, bucketContactTime)
		if err != nil {
			return err
		}
		if err := cb[0].Put(id, cdata); err != nil {
			return err
		}
		return cb[1].Put(contactTimeKey(contact.CreatedAt, r.ID), nil)
	})
	if err != nil {
		return wrap("create report", err)
	}
	return nil
}

// putStatus adds id to the index of status.
func putStatus(idx *bbolt.Bucket, status indicators.ReportStatus, id []byte) error {
	b, err := idx.CreateBucketIfNotExists([]byte(status))
	if err != nil {
		return err
	}
	return b.Put(id, nil)
}

// contactTimeKey orders contacts by creation time: the Unix nanoseconds with
// the sign bit flipped, big-endian, sort as the times do (before 1970 too),
// and the report id after them makes the key unique.
func contactTimeKey(t time.Time, id string) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(id)), uint64(t.UnixNano())^(1<<63))
	return append(k, id...)
}

// GetReport returns the report with id or an error matching ErrNotFound.
func (s *Store) GetReport(ctx context.Context, id string) (indicators.Report, error) {
	return viewJSON[indicators.Report](ctx, s, "get report", bucketReports, id, "report")
}

// getJSON decodes the value of key in b (nil: empty) into v, or returns an
// own error matching ErrNotFound.
// pageJSON reads one page of JSON values stored in the bucket primary, in
// key order after cursor (exclusive). When index names a bucket of
// sub-buckets, it walks the sub-bucket sub of it instead (an index whose
// keys are the primary keys), so a filtered listing does not scan every
// value. It returns the values and the cursor of the next page ("" on the
// last).
func pageJSON[T any](tx *bbolt.Tx, primary, index []byte, sub, cursor string, limit int, what string) ([]T, string, error) {
	out := []T{}
	values := readBucket(tx, primary)
	if values == nil {
		return out, "", nil
	}
	walk := values
	if sub != "" {
		idx := readBucket(tx, index)
		if idx == nil {
			return out, "", nil
		}
		if walk = idx.Bucket([]byte(sub)); walk == nil {
			return out, "", nil
		}
	}
	c := walk.Cursor()
	k, _ := c.Seek([]byte(cursor))
	if k != nil && cursor != "" && string(k) == cursor {
		k, _ = c.Next()
	}
	var last string
	for ; k != nil; k, _ = c.Next() {
		if len(out) == limit {
			return out, last, nil
		}
		var v T
		if err := getJSON(values, string(k), what, &v); err != nil {
			return nil, "", err
		}
		out = append(out, v)
		last = string(k)
	}
	return out, "", nil
}

// viewJSON reads the JSON value at id in bucket in a read transaction:
// the body of every Get, which differ only in what they read. A missing
// value gives ErrNotFound; errors name op and what, as getJSON does.
func viewJSON[T any](ctx context.Context, s *Store, op string, bucket []byte, id, what string) (T, error) {
	var v T
	if err := ctx.Err(); err != nil {
		return v, fmt.Errorf("boltstore: %s: %w", op, err)
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return getJSON(readBucket(tx, bucket), id, what, &v)
	})
	if err != nil {
		var zero T // not v: a corrupt value may have been half decoded
		return zero, wrap(op, err)
	}
	return v, nil
}

func getJSON(b *bbolt.Bucket, key, what string, v any) error {
	var data []byte
	if b != nil && key != "" {
		data = b.Get([]byte(key))
	}
	if data == nil {
		return own(fmt.Errorf("%s %q: %w", what, key, indicators.ErrNotFound))
	}
	if err := json.Unmarshal(data, v); err != nil {
		return own(fmt.Errorf("%s %q: %w: %w", what, key, indicators.ErrCorrupt, err))
	}
	return nil
}

// GetContact returns the contact of a report, or an error matching
// ErrNotFound when none was given or it was purged.
func (s *Store) GetContact(ctx context.Context, reportID string) (indicators.Contact, error) {
	return viewJSON[indicators.Contact](ctx, s, "get contact", bucketContacts, reportID, "contact of report")
}

// ListReports returns one page of reports in id order, all of them or
// those of f.Status (an unknown status gives ErrInvalidInput). A status
// reads its index bucket, so a rare status does not scan every report.
func (s *Store) ListReports(ctx context.Context, f indicators.ReportFilter) (indicators.ReportPage, error) {
	if err := ctx.Err(); err != nil {
		return indicators.ReportPage{}, fmt.Errorf("boltstore: list reports: %w", err)
	}
	if err := f.Validate(); err != nil {
		return indicators.ReportPage{}, fmt.Errorf("boltstore: list reports: %w", err)
	}
	var page indicators.ReportPage
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		page.Reports, page.Next, err = pageJSON[indicators.Report](tx, bucketReports, bucketReportStatus,
			string(f.Status), f.Cursor, indicators.PageLimit(f.Limit), "report")
		return err
	})
	if err != nil {
		return indicators.ReportPage{}, wrap("list reports", err)
	}
	return page, nil
}

// UpdateReport runs fn on the report in a write transaction and stores the
// result; see indicators.ReportStore. fn must not call the Store (bbolt has
// one writer). An error from fn aborts and is returned as is. The result
// must be valid and keep its ID, or the update fails with ErrInvalidInput;
// HasContact belongs to the store and is kept whatever fn does. A status
// change moves the report between status indexes in the same transaction.
func (s *Store) UpdateReport(ctx context.Context, id string, fn func(*indicators.Report) error) (indicators.Report, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Report{}, fmt.Errorf("boltstore: update report: %w", err)
	}
	var after indicators.Report
	var fnErr error
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return own(err)
		}
		reports := readBucket(tx, bucketReports)
		var before indicators.Report
		if err := getJSON(reports, id, "report", &before); err != nil {
			return err
		}
		var r indicators.Report
		if err := getJSON(reports, id, "report", &r); err != nil { // a copy fn cannot alias
			return err
		}
		if err := fn(&r); err != nil {
			fnErr = err
			return err
		}
		if err := r.ValidateUpdate(&before); err != nil {
			return own(err)
		}
		data, err := json.Marshal(&r)
		if err != nil {
			return own(err)
		}
		if err := reports.Put([]byte(id), data); err != nil {
			return err
		}
		if r.Status != before.Status {
			idx, err := writeBuckets(tx, bucketReportStatus)
			if err != nil {
				return err
			}
			if old := idx[0].Bucket([]byte(before.Status)); old != nil {
				if err := old.Delete([]byte(id)); err != nil {
					return err
				}
			}
			if err := putStatus(idx[0], r.Status, []byte(id)); err != nil {
				return err
			}
		}
		after = r
		return nil
	})
	switch {
	case fnErr != nil:
		return indicators.Report{}, fnErr
	case err != nil:
		return indicators.Report{}, wrap("update report", err)
	}
	return after, nil
}

// PurgeContacts deletes the contacts created before the cutoff, in
// transactions of purgeBatch contacts, and returns how many it deleted. A
// cancelled context stops it between transactions: what was deleted stays
// deleted (the count returned with the error says how many), so the caller
// can simply run it again. Reports keep HasContact, which records that a
// contact was given; GetContact tells whether it is still held.
func (s *Store) PurgeContacts(ctx context.Context, before time.Time) (int, error) {
	limit := contactTimeKey(before, "")
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("boltstore: purge contacts: %w", err)
		}
		n, done := 0, false
		err := s.db.Update(func(tx *bbolt.Tx) error {
			times, contacts := readBucket(tx, bucketContactTime), readBucket(tx, bucketContacts)
			if times == nil || contacts == nil {
				done = true
				return nil
			}
			// Collect first: deleting under a moving cursor skips keys.
			var keys [][]byte
			c := times.Cursor()
			for k, _ := c.First(); k != nil && bytes.Compare(k[:8], limit) < 0 && len(keys) < purgeBatch; k, _ = c.Next() {
				keys = append(keys, bytes.Clone(k))
			}
			for _, k := range keys {
				if err := times.Delete(k); err != nil {
					return err
				}
				id := k[8:]
				if contacts.Get(id) == nil {
					continue
				}
				if err := contacts.Delete(id); err != nil {
					return err
				}
				n++
			}
			done = len(keys) < purgeBatch
			return nil
		})
		if err != nil {
			return total, wrap("purge contacts", err)
		}
		total += n
		if done {
			return total, nil
		}
	}
}
