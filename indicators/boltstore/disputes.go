package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/scamcheck/scamcheck/indicators"
)

// Buckets of disputes, laid out like the reports' (reports.go):
//
//	disputes          id → Dispute, JSON
//	dispute_status    one nested bucket per status: id → nothing
//	dispute_contacts  dispute id → DisputeContact, JSON (apart: never in
//	                  the dispute)
//	dispute_open      one nested bucket per indicator key: id → nothing
//	                  (its open disputes, so that Disputed is one seek)
//
// A status change moves the id between status buckets and out of the open
// index in the transaction that writes the dispute.
var (
	bucketDisputes        = []byte("disputes")
	bucketDisputeStatus   = []byte("dispute_status")
	bucketDisputeContacts = []byte("dispute_contacts")
	bucketDisputeOpen     = []byte("dispute_open")
)

var _ indicators.DisputeStore = (*Store)(nil)

// CreateDispute stores d and, when c is not empty, its contact, in one
// transaction; see indicators.DisputeStore. A zero d.CreatedAt becomes now;
// a zero c.CreatedAt becomes d.CreatedAt.
func (s *Store) CreateDispute(ctx context.Context, d indicators.Dispute, c *indicators.DisputeContact) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: create dispute: %w", err)
	}
	if err := d.Validate(); err != nil {
		return fmt.Errorf("boltstore: create dispute: %w", err)
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = s.now().UTC()
	}
	d.HasContact = !c.Empty()
	ddata, err := json.Marshal(&d)
	if err != nil {
		return fmt.Errorf("boltstore: create dispute: %w", err)
	}
	var cdata []byte
	if d.HasContact {
		contact := *c
		contact.DisputeID = d.ID
		if contact.CreatedAt.IsZero() {
			contact.CreatedAt = d.CreatedAt
		}
		if cdata, err = json.Marshal(&contact); err != nil {
			return fmt.Errorf("boltstore: create dispute: contact: %w", err)
		}
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return own(err)
		}
		bs, err := writeBuckets(tx, bucketDisputes, bucketDisputeStatus, bucketDisputeOpen)
		if err != nil {
			return err
		}
		id := []byte(d.ID)
		if bs[0].Get(id) != nil {
			return own(fmt.Errorf("dispute %q: %w", d.ID, indicators.ErrConflict))
		}
		if err := bs[0].Put(id, ddata); err != nil {
			return err
		}
		if err := putIn(bs[1], string(d.Status), id); err != nil {
			return err
		}
		if d.Status == indicators.DisputeOpen {
			if err := putIn(bs[2], string(d.Key), id); err != nil {
				return err
			}
		}
		if cdata == nil {
			return nil
		}
		cb, err := writeBuckets(tx, bucketDisputeContacts)
		if err != nil {
			return err
		}
		return cb[0].Put(id, cdata)
	})
	if err != nil {
		return wrap("create dispute", err)
	}
	return nil
}

// putIn adds id to the nested bucket sub of idx.
func putIn(idx *bbolt.Bucket, sub string, id []byte) error {
	b, err := idx.CreateBucketIfNotExists([]byte(sub))
	if err != nil {
		return err
	}
	return b.Put(id, nil)
}

// deleteIn removes id from the nested bucket sub of idx, if there.
func deleteIn(idx *bbolt.Bucket, sub string, id []byte) error {
	if idx == nil {
		return nil
	}
	b := idx.Bucket([]byte(sub))
	if b == nil {
		return nil
	}
	return b.Delete(id)
}

// GetDispute returns the dispute with id or an error matching ErrNotFound.
func (s *Store) GetDispute(ctx context.Context, id string) (indicators.Dispute, error) {
	return viewJSON[indicators.Dispute](ctx, s, "get dispute", bucketDisputes, id, "dispute")
}

// GetDisputeContact returns the contact of a dispute or an error matching
// ErrNotFound.
func (s *Store) GetDisputeContact(ctx context.Context, id string) (indicators.DisputeContact, error) {
	return viewJSON[indicators.DisputeContact](ctx, s, "get dispute contact", bucketDisputeContacts, id, "contact of dispute")
}

// ListDisputes returns one page of disputes in id order, all of them or
// those of f.Status (an unknown status gives ErrInvalidInput).
func (s *Store) ListDisputes(ctx context.Context, f indicators.DisputeFilter) (indicators.DisputePage, error) {
	if err := ctx.Err(); err != nil {
		return indicators.DisputePage{}, fmt.Errorf("boltstore: list disputes: %w", err)
	}
	if err := f.Validate(); err != nil {
		return indicators.DisputePage{}, fmt.Errorf("boltstore: list disputes: %w", err)
	}
	var page indicators.DisputePage
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		page.Disputes, page.Next, err = pageJSON[indicators.Dispute](tx, bucketDisputes, bucketDisputeStatus,
			string(f.Status), f.Cursor, indicators.PageLimit(f.Limit), "dispute")
		return err
	})
	if err != nil {
		return indicators.DisputePage{}, wrap("list disputes", err)
	}
	return page, nil
}

// UpdateDispute runs fn on the dispute in a write transaction and stores
// the result; see indicators.DisputeStore. fn must not call the Store. A
// status change moves the dispute between status indexes, and out of (or
// into) the open index of its key, in the same transaction.
func (s *Store) UpdateDispute(ctx context.Context, id string, fn func(*indicators.Dispute) error) (indicators.Dispute, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Dispute{}, fmt.Errorf("boltstore: update dispute: %w", err)
	}
	var after indicators.Dispute
	var fnErr error
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return own(err)
		}
		disputes := readBucket(tx, bucketDisputes)
		var before, d indicators.Dispute
		if err := getJSON(disputes, id, "dispute", &before); err != nil {
			return err
		}
		_ = getJSON(disputes, id, "dispute", &d) // a copy fn cannot alias
		if err := fn(&d); err != nil {
			fnErr = err
			return err
		}
		if err := d.ValidateUpdate(&before); err != nil {
			return own(err)
		}
		data, err := json.Marshal(&d)
		if err != nil {
			return own(err)
		}
		if err := disputes.Put([]byte(id), data); err != nil {
			return err
		}
		if d.Status != before.Status {
			bs, err := writeBuckets(tx, bucketDisputeStatus, bucketDisputeOpen)
			if err != nil {
				return err
			}
			if err := deleteIn(bs[0], string(before.Status), []byte(id)); err != nil {
				return err
			}
			if err := putIn(bs[0], string(d.Status), []byte(id)); err != nil {
				return err
			}
			if err := deleteIn(bs[1], string(d.Key), []byte(id)); err != nil {
				return err
			}
			if d.Status == indicators.DisputeOpen {
				if err := putIn(bs[1], string(d.Key), []byte(id)); err != nil {
					return err
				}
			}
		}
		after = d
		return nil
	})
	switch {
	case fnErr != nil:
		return indicators.Dispute{}, fnErr
	case err != nil:
		return indicators.Dispute{}, wrap("update dispute", err)
	}
	return after, nil
}

// Disputed reports whether key has an open dispute: one seek in its open
// index.
func (s *Store) Disputed(ctx context.Context, key indicators.Key) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("boltstore: disputed: %w", err)
	}
	open := false
	err := s.db.View(func(tx *bbolt.Tx) error {
		idx := readBucket(tx, bucketDisputeOpen)
		if idx == nil {
			return nil
		}
		if b := idx.Bucket([]byte(key)); b != nil {
			k, _ := b.Cursor().First()
			open = k != nil
		}
		return nil
	})
	if err != nil {
		return false, wrap("disputed", err)
	}
	return open, nil
}

// PurgeDisputeContacts deletes the dispute contacts created before the
// cutoff and returns how many it deleted; see indicators.DisputeStore.
// Disputes are rare next to reports (an owner files one), so it scans the
// contacts rather than keeping a time index, in one transaction.
func (s *Store) PurgeDisputeContacts(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("boltstore: purge dispute contacts: %w", err)
	}
	n := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := readBucket(tx, bucketDisputeContacts)
		if b == nil {
			return nil
		}
		// Collect first: deleting under a moving cursor skips keys.
		var old [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var c indicators.DisputeContact
			if err := json.Unmarshal(v, &c); err != nil {
				return own(fmt.Errorf("contact of dispute %q: %w: %w", k, indicators.ErrCorrupt, err))
			}
			if c.CreatedAt.Before(before) {
				old = append(old, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	if err != nil {
		return 0, wrap("purge dispute contacts", err)
	}
	return n, nil
}
