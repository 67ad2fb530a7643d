package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// Disputes, under the prefix P and the reports' hash tag (reports.go), so
// that every write is one script on any topology:
//
//	P:{reports}:d:<id>          the Dispute, JSON
//	P:{reports}:dc:<id>         its DisputeContact, JSON (apart)
//	P:{reports}:didx:all        sorted set, scores 0: every dispute id
//	P:{reports}:didx:<status>   sorted set, scores 0: the ids in that status
//	P:{reports}:dopen:<key>     sorted set, scores 0: the open disputes of an
//	                            indicator key (Disputed is one ZCARD)
//	P:{reports}:dctime          sorted set: dispute id scored by its
//	                            contact's creation time in Unix microseconds
//
// Disputes are rarer than reports, so the one slot they share with them is
// no constraint.

var _ indicators.DisputeStore = (*Store)(nil)

// createDisputeScript stores a dispute, its index entries and, when given,
// its contact.
//
//	KEYS: dispute, didx:all, didx:<status>, dopen:<key>, contact, dctime
//	ARGV: id, dispute JSON, "1" when open, "1" when there is a contact,
//	      contact JSON, contact time score
//
// It returns 0 when the dispute exists, 1 when created.
var createDisputeScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
if ARGV[3] == '1' then redis.call('ZADD', KEYS[4], 0, ARGV[1]) end
if ARGV[4] == '1' then
  redis.call('SET', KEYS[5], ARGV[5])
  redis.call('ZADD', KEYS[6], ARGV[6], ARGV[1])
end
return 1
`)

// updateDisputeScript replaces a dispute only if it still holds the value
// that was read, moves its id between status indexes and keeps the open
// index of its key in step.
//
//	KEYS: dispute, didx:<old status>, didx:<new status>, dopen:<key>
//	ARGV: value read, new value, id, "1" when the new status is open
var updateDisputeScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if KEYS[2] ~= KEYS[3] then
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], 0, ARGV[3])
end
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[4], 0, ARGV[3])
else
  redis.call('ZREM', KEYS[4], ARGV[3])
end
return 1
`)

func (s *Store) disputeKey(id string) string        { return s.prefix + ":{reports}:d:" + id }
func (s *Store) disputeContactKey(id string) string { return s.prefix + ":{reports}:dc:" + id }
func (s *Store) disputeContactTimeKey() string      { return s.prefix + ":{reports}:dctime" }
func (s *Store) disputeOpenKey(k indicators.Key) string {
	return s.prefix + ":{reports}:dopen:" + string(k)
}

// disputeIndexKey is the index of status, or of every dispute for "".
func (s *Store) disputeIndexKey(status indicators.DisputeStatus) string {
	if status == "" {
		return s.prefix + ":{reports}:didx:all"
	}
	return s.prefix + ":{reports}:didx:" + string(status)
}

// flag encodes a boolean script argument.
func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// CreateDispute stores d and, when c is not empty, its contact, in one
// script; see indicators.DisputeStore. A zero d.CreatedAt becomes now; a
// zero c.CreatedAt becomes d.CreatedAt.
func (s *Store) CreateDispute(ctx context.Context, d indicators.Dispute, c *indicators.DisputeContact) error {
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, "create dispute", err)
	}
	if err := d.Validate(); err != nil {
		return fmt.Errorf("redisstore: create dispute: %w", err)
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = s.now().UTC()
	}
	d.HasContact = !c.Empty()
	ddata, err := json.Marshal(&d)
	if err != nil {
		return fmt.Errorf("redisstore: create dispute: %w", err)
	}
	var cdata []byte
	score := "0"
	if d.HasContact {
		contact := *c
		contact.DisputeID = d.ID
		if contact.CreatedAt.IsZero() {
			contact.CreatedAt = d.CreatedAt
		}
		if cdata, err = json.Marshal(&contact); err != nil {
			return fmt.Errorf("redisstore: create dispute: contact: %w", err)
		}
		score = strconv.FormatInt(contact.CreatedAt.UnixMicro(), 10)
	}
	keys := []string{s.disputeKey(d.ID), s.disputeIndexKey(""), s.disputeIndexKey(d.Status),
		s.disputeOpenKey(d.Key), s.disputeContactKey(d.ID), s.disputeContactTimeKey()}
	created, err := createDisputeScript.Run(ctx, s.client, keys,
		d.ID, ddata, flag(d.Status == indicators.DisputeOpen), flag(d.HasContact), cdata, score).Int()
	if err != nil {
		return s.fail(ctx, "create dispute", err)
	}
	if created == 0 {
		return fmt.Errorf("redisstore: create dispute: dispute %q: %w", d.ID, indicators.ErrConflict)
	}
	return nil
}

// GetDispute returns the dispute with id or an error matching ErrNotFound.
func (s *Store) GetDispute(ctx context.Context, id string) (indicators.Dispute, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Dispute{}, s.fail(ctx, "get dispute", err)
	}
	var d indicators.Dispute
	if _, err := s.getJSON(ctx, "get dispute", s.disputeKey(id), "dispute "+strconv.Quote(id), &d); err != nil {
		return indicators.Dispute{}, err
	}
	return d, nil
}

// GetDisputeContact returns the contact of a dispute or an error matching
// ErrNotFound.
func (s *Store) GetDisputeContact(ctx context.Context, id string) (indicators.DisputeContact, error) {
	if err := ctx.Err(); err != nil {
		return indicators.DisputeContact{}, s.fail(ctx, "get dispute contact", err)
	}
	var c indicators.DisputeContact
	if _, err := s.getJSON(ctx, "get dispute contact", s.disputeContactKey(id), "contact of dispute "+strconv.Quote(id), &c); err != nil {
		return indicators.DisputeContact{}, err
	}
	return c, nil
}

// ListDisputes returns one page of disputes in id order, all of them or
// those of f.Status, in two round trips (ids, then disputes); a dispute
// whose status changed between the two is left out.
func (s *Store) ListDisputes(ctx context.Context, f indicators.DisputeFilter) (indicators.DisputePage, error) {
	if err := ctx.Err(); err != nil {
		return indicators.DisputePage{}, s.fail(ctx, "list disputes", err)
	}
	if err := f.Validate(); err != nil {
		return indicators.DisputePage{}, fmt.Errorf("redisstore: list disputes: %w", err)
	}
	disputes, next, err := pageJSON(ctx, s, "list disputes", "dispute", s.disputeIndexKey(f.Status), f.Cursor,
		indicators.PageLimit(f.Limit), s.disputeKey, func(d *indicators.Dispute) (indicators.Dispute, bool) {
			return *d, f.Status == "" || d.Status == f.Status
		})
	if err != nil {
		return indicators.DisputePage{}, err
	}
	return indicators.DisputePage{Disputes: disputes, Next: next}, nil
}

// UpdateDispute runs fn on the dispute and stores the result atomically;
// see indicators.DisputeStore. Like UpdateReport it is optimistic: fn may
// run more than once, so it must depend only on the dispute it is given.
func (s *Store) UpdateDispute(ctx context.Context, id string, fn func(*indicators.Dispute) error) (indicators.Dispute, error) {
	key := s.disputeKey(id)
	return casUpdate(ctx, s, "update dispute", key, id, "dispute "+strconv.Quote(id),
		func(before, d *indicators.Dispute) (indicators.Dispute, []byte, error) {
			if err := fn(d); err != nil {
				return indicators.Dispute{}, nil, err
			}
			if err := d.ValidateUpdate(before); err != nil {
				return indicators.Dispute{}, nil, fmt.Errorf("redisstore: update dispute: %w", err)
			}
			data, err := json.Marshal(d)
			if err != nil {
				return indicators.Dispute{}, nil, fmt.Errorf("redisstore: update dispute: %w", err)
			}
			return *d, data, nil
		},
		func(before *indicators.Dispute, d indicators.Dispute, old string, data []byte) (int, error) {
			return updateDisputeScript.Run(ctx, s.client,
				[]string{key, s.disputeIndexKey(before.Status), s.disputeIndexKey(d.Status), s.disputeOpenKey(d.Key)},
				old, data, id, flag(d.Status == indicators.DisputeOpen)).Int()
		})
}

// Disputed reports whether key has an open dispute.
func (s *Store) Disputed(ctx context.Context, key indicators.Key) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, s.fail(ctx, "disputed", err)
	}
	n, err := s.client.ZCard(ctx, s.disputeOpenKey(key)).Result()
	if err != nil {
		return false, s.fail(ctx, "disputed", err)
	}
	return n > 0, nil
}

// PurgeDisputeContacts deletes the dispute contacts created before the
// cutoff and returns how many it deleted; see indicators.DisputeStore. The
// purge index holds microseconds; each contact's own CreatedAt decides, as
// in PurgeContacts, whose script (purgeContactsScript) deletes a batch.
func (s *Store) PurgeDisputeContacts(ctx context.Context, before time.Time) (int, error) {
	total, kept := 0, 0
	maxScore := strconv.FormatInt(before.UnixMicro(), 10)
	for {
		if err := ctx.Err(); err != nil {
			return total, s.fail(ctx, "purge dispute contacts", err)
		}
		ids, err := s.client.ZRangeByScore(ctx, s.disputeContactTimeKey(), &redis.ZRangeBy{
			Min: "-inf", Max: maxScore, Offset: int64(kept), Count: purgeBatch}).Result()
		if err != nil {
			return total, s.fail(ctx, "purge dispute contacts", err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		keys := make([]string, len(ids))
		for i, id := range ids {
			keys[i] = s.disputeContactKey(id)
		}
		vals, err := s.client.MGet(ctx, keys...).Result()
		if err != nil {
			return total, s.fail(ctx, "purge dispute contacts", err)
		}
		del := []string{s.disputeContactTimeKey()}
		var args []any
		for i, v := range vals {
			if data, ok := v.(string); ok {
				var c indicators.DisputeContact
				if err := json.Unmarshal([]byte(data), &c); err != nil {
					return total, fmt.Errorf("redisstore: purge dispute contacts: contact of %q: %w: %w", ids[i], indicators.ErrCorrupt, err)
				}
				if !c.CreatedAt.Before(before) {
					kept++
					continue
				}
			}
			del = append(del, keys[i])
			args = append(args, ids[i])
		}
		if len(args) > 0 {
			n, err := purgeContactsScript.Run(ctx, s.client, del, args...).Int()
			if err != nil {
				return total, s.fail(ctx, "purge dispute contacts", err)
			}
			total += n
		}
		if len(ids) < purgeBatch {
			return total, nil
		}
	}
}
