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

// Buckets of partners, the webhook outbox and freeze acknowledgements:
//
//	partners          id → indicators.StoredPartner, JSON (with the secret)
//	partner_names     name → id
//	outbox            delivery id → indicators.Delivery, JSON
//	outbox_due        NextAttemptAt (8 bytes, ordered) + id → nothing, for
//	                  the pending rows only, so that a claim seeks
//	outbox_partner    one nested bucket per partner id: delivery id → nothing
//	freeze_acks       delivery id → indicators.FreezeAck, JSON
//	freeze_ack_keys   one nested bucket per indicator key: delivery id → nothing
//
// A claim is one write transaction and bbolt has one writer, so two
// workers of this process never claim the same row.
var (
	bucketPartners      = []byte("partners")
	bucketPartnerNames  = []byte("partner_names")
	bucketOutbox        = []byte("outbox")
	bucketOutboxDue     = []byte("outbox_due")
	bucketOutboxPartner = []byte("outbox_partner")
	bucketAcks          = []byte("freeze_acks")
	bucketAckKeys       = []byte("freeze_ack_keys")
)

var _ indicators.PartnerStore = (*Store)(nil)

// CreatePartner stores p; see indicators.PartnerStore. A zero CreatedAt
// becomes now.
func (s *Store) CreatePartner(ctx context.Context, p indicators.Partner) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: create partner: %w", err)
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("boltstore: create partner: %w", err)
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.now().UTC()
	}
	data, err := json.Marshal(&indicators.StoredPartner{Partner: p, Secret: p.Secret})
	if err != nil {
		return fmt.Errorf("boltstore: create partner: %w", err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		bs, err := writeBuckets(tx, bucketPartners, bucketPartnerNames)
		if err != nil {
			return err
		}
		switch {
		case bs[0].Get([]byte(p.ID)) != nil:
			return own(fmt.Errorf("partner with id %q exists: %w", p.ID, indicators.ErrConflict))
		case bs[1].Get([]byte(p.Name)) != nil:
			return own(fmt.Errorf("partner named %q exists: %w", p.Name, indicators.ErrConflict))
		}
		if err := bs[0].Put([]byte(p.ID), data); err != nil {
			return err
		}
		return bs[1].Put([]byte(p.Name), []byte(p.ID))
	})
	if err != nil {
		return wrap("create partner", err)
	}
	return nil
}

// GetPartner returns the partner with this id or, if none, this name.
func (s *Store) GetPartner(ctx context.Context, idOrName string) (indicators.Partner, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Partner{}, fmt.Errorf("boltstore: get partner: %w", err)
	}
	var p indicators.StoredPartner
	err := s.db.View(func(tx *bbolt.Tx) error {
		partners := readBucket(tx, bucketPartners)
		id := idOrName
		if partners == nil || partners.Get([]byte(id)) == nil {
			if names := readBucket(tx, bucketPartnerNames); names != nil && idOrName != "" {
				if v := names.Get([]byte(idOrName)); v != nil {
					id = string(v)
				}
			}
		}
		return getJSON(partners, id, "partner", &p)
	})
	if err != nil {
		return indicators.Partner{}, wrap("get partner", err)
	}
	return p.Value(), nil
}

// ListPartners returns every partner by creation time, then id.
func (s *Store) ListPartners(ctx context.Context) ([]indicators.Partner, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: list partners: %w", err)
	}
	out := []indicators.Partner{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := readBucket(tx, bucketPartners)
		if b == nil {
			return nil
		}
		return b.ForEach(func(id, v []byte) error {
			var p indicators.StoredPartner
			if err := json.Unmarshal(v, &p); err != nil {
				return own(fmt.Errorf("partner %q: %w: %w", id, indicators.ErrCorrupt, err))
			}
			out = append(out, p.Value())
			return nil
		})
	})
	if err != nil {
		return nil, wrap("list partners", err)
	}
	indicators.SortPartners(out)
	return out, nil
}

// PartnersForBIN returns the enabled partners subscribed to bin. Partners
// are a handful, so it filters ListPartners.
func (s *Store) PartnersForBIN(ctx context.Context, bin string) ([]indicators.Partner, error) {
	all, err := s.ListPartners(ctx)
	if err != nil {
		return nil, err
	}
	out := []indicators.Partner{}
	for _, p := range all {
		if !p.Disabled && p.HasBIN(bin) {
			out = append(out, p)
		}
	}
	return out, nil
}

// dueKey orders pending rows by when they are due: the Unix nanoseconds
// with the sign bit flipped sort as the times do, and the id makes the key
// unique.
func dueKey(t time.Time, id string) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(id)), uint64(t.UnixNano())^(1<<63))
	return append(k, id...)
}

// EnqueueDeliveries adds rows in one transaction; see
// indicators.PartnerStore.
func (s *Store) EnqueueDeliveries(ctx context.Context, ds []indicators.Delivery) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("boltstore: enqueue deliveries: %w", err)
	}
	rows, err := newRows(ds)
	if err != nil {
		return 0, fmt.Errorf("boltstore: enqueue deliveries: %w", err)
	}
	added := 0
	err = s.db.Update(func(tx *bbolt.Tx) error {
		added = 0
		bs, err := writeBuckets(tx, bucketOutbox, bucketOutboxDue, bucketOutboxPartner)
		if err != nil {
			return err
		}
		for i, d := range rows {
			if bs[0].Get([]byte(d.ID)) != nil {
				continue
			}
			data, err := json.Marshal(&rows[i])
			if err != nil {
				return own(err)
			}
			if err := bs[0].Put([]byte(d.ID), data); err != nil {
				return err
			}
			if err := bs[1].Put(dueKey(d.NextAttemptAt, d.ID), nil); err != nil {
				return err
			}
			pb, err := bs[2].CreateBucketIfNotExists([]byte(d.PartnerID))
			if err != nil {
				return err
			}
			if err := pb.Put([]byte(d.ID), nil); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, wrap("enqueue deliveries", err)
	}
	return added, nil
}

// newRows validates rows to enqueue and fills their defaults; a batch
// naming one id twice keeps the first.
func newRows(ds []indicators.Delivery) ([]indicators.Delivery, error) {
	out := make([]indicators.Delivery, 0, len(ds))
	seen := map[string]bool{}
	for _, d := range ds {
		if err := d.Validate(); err != nil {
			return nil, err
		}
		if seen[d.ID] {
			continue
		}
		seen[d.ID] = true
		d.CreatedAt = d.CreatedAt.UTC()
		if d.NextAttemptAt.IsZero() {
			d.NextAttemptAt = d.CreatedAt
		}
		d.NextAttemptAt = d.NextAttemptAt.UTC()
		out = append(out, d)
	}
	return out, nil
}

// ClaimDeliveries leases up to limit due rows in one transaction; see
// indicators.PartnerStore.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]indicators.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: claim deliveries: %w", err)
	}
	limit = indicators.PageLimit(limit)
	now = now.UTC()
	until := now.Add(lease)
	out := []indicators.Delivery{}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		out = out[:0]
		outbox, due := readBucket(tx, bucketOutbox), readBucket(tx, bucketOutboxDue)
		if outbox == nil || due == nil {
			return nil
		}
		end := dueKey(now, "\xff")
		// Collect first: writing under a moving cursor skips keys.
		var keys [][]byte
		c := due.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, end) <= 0 && len(keys) < limit; k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			id := string(k[8:])
			var d indicators.Delivery
			if err := getJSON(outbox, id, "delivery", &d); err != nil {
				return err
			}
			if err := due.Delete(k); err != nil {
				return err
			}
			d.Attempts++
			d.LastAttemptAt, d.NextAttemptAt = now, until
			if err := putDelivery(outbox, due, &d); err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("claim deliveries", err)
	}
	return out, nil
}

// putDelivery writes d and, while it is pending, its due entry.
func putDelivery(outbox, due *bbolt.Bucket, d *indicators.Delivery) error {
	data, err := json.Marshal(d)
	if err != nil {
		return own(err)
	}
	if err := outbox.Put([]byte(d.ID), data); err != nil {
		return err
	}
	if d.State != indicators.DeliveryPending {
		return nil
	}
	return due.Put(dueKey(d.NextAttemptAt, d.ID), nil)
}

// FinishDelivery records the result of an attempt; see
// indicators.PartnerStore.
func (s *Store) FinishDelivery(ctx context.Context, id string, a indicators.Attempt) (indicators.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Delivery{}, fmt.Errorf("boltstore: finish delivery: %w", err)
	}
	var d indicators.Delivery
	err := s.db.Update(func(tx *bbolt.Tx) error {
		bs, err := writeBuckets(tx, bucketOutbox, bucketOutboxDue)
		if err != nil {
			return err
		}
		if err := getJSON(bs[0], id, "delivery", &d); err != nil {
			return err
		}
		before := d
		if !indicators.ApplyAttempt(&d, a) {
			return nil
		}
		if before.State == indicators.DeliveryPending {
			if err := bs[1].Delete(dueKey(before.NextAttemptAt, id)); err != nil {
				return err
			}
		}
		return putDelivery(bs[0], bs[1], &d)
	})
	if err != nil {
		return indicators.Delivery{}, wrap("finish delivery", err)
	}
	return d, nil
}

// GetDelivery returns one outbox row.
func (s *Store) GetDelivery(ctx context.Context, id string) (indicators.Delivery, error) {
	return viewJSON[indicators.Delivery](ctx, s, "get delivery", bucketOutbox, id, "delivery")
}

// ListDeliveries returns one page of rows in id order.
func (s *Store) ListDeliveries(ctx context.Context, f indicators.DeliveryFilter) (indicators.DeliveryPage, error) {
	if err := ctx.Err(); err != nil {
		return indicators.DeliveryPage{}, fmt.Errorf("boltstore: list deliveries: %w", err)
	}
	var page indicators.DeliveryPage
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		page.Deliveries, page.Next, err = pageJSON[indicators.Delivery](tx, bucketOutbox, bucketOutboxPartner,
			f.PartnerID, f.Cursor, indicators.PageLimit(f.Limit), "delivery")
		return err
	})
	if err != nil {
		return indicators.DeliveryPage{}, wrap("list deliveries", err)
	}
	return page, nil
}

// RecordAck stores the first acknowledgement of a delivery; see
// indicators.PartnerStore.
func (s *Store) RecordAck(ctx context.Context, a indicators.FreezeAck) (indicators.FreezeAck, bool, error) {
	if err := ctx.Err(); err != nil {
		return indicators.FreezeAck{}, false, fmt.Errorf("boltstore: record ack: %w", err)
	}
	a.At = a.At.UTC()
	if err := a.Validate(); err != nil {
		return indicators.FreezeAck{}, false, fmt.Errorf("boltstore: record ack: %w", err)
	}
	data, err := json.Marshal(&a)
	if err != nil {
		return indicators.FreezeAck{}, false, fmt.Errorf("boltstore: record ack: %w", err)
	}
	stored, created := a, false
	err = s.db.Update(func(tx *bbolt.Tx) error {
		var d indicators.Delivery
		if err := getJSON(readBucket(tx, bucketOutbox), a.DeliveryID, "delivery", &d); err != nil {
			return err
		}
		bs, err := writeBuckets(tx, bucketAcks, bucketAckKeys)
		if err != nil {
			return err
		}
		if bs[0].Get([]byte(a.DeliveryID)) != nil {
			return getJSON(bs[0], a.DeliveryID, "ack", &stored)
		}
		if err := bs[0].Put([]byte(a.DeliveryID), data); err != nil {
			return err
		}
		kb, err := bs[1].CreateBucketIfNotExists([]byte(a.Key))
		if err != nil {
			return err
		}
		created = true
		return kb.Put([]byte(a.DeliveryID), nil)
	})
	if err != nil {
		return indicators.FreezeAck{}, false, wrap("record ack", err)
	}
	return stored, created, nil
}

// ListAcks returns the acknowledgements about key, oldest first.
func (s *Store) ListAcks(ctx context.Context, key indicators.Key) ([]indicators.FreezeAck, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: list acks: %w", err)
	}
	out := []indicators.FreezeAck{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		acks, keys := readBucket(tx, bucketAcks), readBucket(tx, bucketAckKeys)
		if acks == nil || keys == nil {
			return nil
		}
		kb := keys.Bucket([]byte(key))
		if kb == nil {
			return nil
		}
		return kb.ForEach(func(id, _ []byte) error {
			var a indicators.FreezeAck
			if err := getJSON(acks, string(id), "ack", &a); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, wrap("list acks", err)
	}
	indicators.SortAcks(out)
	return out, nil
}
