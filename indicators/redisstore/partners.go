package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// Partners, the webhook outbox and freeze acknowledgements, under the
// prefix P, all with the hash tag {outbox} so that every script and
// transaction touching several of them runs on one slot of a cluster:
//
//	P:{outbox}:partners     hash: partner id → indicators.StoredPartner, JSON
//	P:{outbox}:pnames       hash: partner name → id
//	P:{outbox}:d:<id>       one delivery, JSON
//	P:{outbox}:due          sorted set: pending delivery ids, score = NextAttemptAt (Unix ms)
//	P:{outbox}:all          sorted set, all scores 0: every delivery id (ids sort by event time)
//	P:{outbox}:p:<partner>  sorted set, all scores 0: the delivery ids of a partner
//	P:{outbox}:ack          hash: delivery id → indicators.FreezeAck, JSON
//	P:{outbox}:ak:<key>     sorted set, all scores 0: delivery ids acknowledged about an indicator
//
// One slot holds the whole outbox. That is deliberate: the outbox is a
// queue of thousands of small rows a day, not millions of records, and one
// slot is what lets a claim lease rows atomically on any topology.
//
// Claims are optimistic transactions (WATCH the due set and the rows,
// MULTI/EXEC): of two replicas claiming at once, one EXEC fails and that
// replica reads again, so a row is never leased twice. Every write that
// changes a pending row also changes its score in the due set, which is
// what makes watching the due set enough to see it.

var _ indicators.PartnerStore = (*Store)(nil)

func (s *Store) outboxKey(part string) string { return s.prefix + ":{outbox}:" + part }
func (s *Store) deliveryKey(id string) string { return s.outboxKey("d:" + id) }

// createPartnerScript stores a partner unless its id or name is taken.
//
//	KEYS: partners, pnames
//	ARGV: id, name, JSON
//
// It returns 0 when created, 1 for the id taken, 2 for the name.
var createPartnerScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return 2 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return 0
`)

// CreatePartner stores p; see indicators.PartnerStore. A zero CreatedAt
// becomes now.
func (s *Store) CreatePartner(ctx context.Context, p indicators.Partner) error {
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, "create partner", err)
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("redisstore: create partner: %w", err)
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.now().UTC()
	}
	data, err := json.Marshal(&indicators.StoredPartner{Partner: p, Secret: p.Secret})
	if err != nil {
		return fmt.Errorf("redisstore: create partner: %w", err)
	}
	res, err := createPartnerScript.Run(ctx, s.client, []string{s.outboxKey("partners"), s.outboxKey("pnames")},
		p.ID, p.Name, data).Int()
	if err != nil {
		return s.fail(ctx, "create partner", err)
	}
	switch res {
	case 1:
		return fmt.Errorf("redisstore: create partner: partner with id %q exists: %w", p.ID, indicators.ErrConflict)
	case 2:
		return fmt.Errorf("redisstore: create partner: partner named %q exists: %w", p.Name, indicators.ErrConflict)
	}
	return nil
}

func decodePartner(id, data string) (indicators.Partner, error) {
	var p indicators.StoredPartner
	if err := json.Unmarshal([]byte(data), &p); err != nil {
		return indicators.Partner{}, fmt.Errorf("partner %q: %w: %w", id, indicators.ErrCorrupt, err)
	}
	return p.Value(), nil
}

// GetPartner returns the partner with this id or, if none, this name. It
// reuses the key store's id-then-name script.
func (s *Store) GetPartner(ctx context.Context, idOrName string) (indicators.Partner, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Partner{}, s.fail(ctx, "get partner", err)
	}
	found, err := findKeyScript.Run(ctx, s.client, []string{s.outboxKey("partners"), s.outboxKey("pnames")}, idOrName).StringSlice()
	switch {
	case errors.Is(err, redis.Nil):
		return indicators.Partner{}, fmt.Errorf("redisstore: get partner: partner %q: %w", idOrName, indicators.ErrNotFound)
	case err != nil:
		return indicators.Partner{}, s.fail(ctx, "get partner", err)
	case len(found) != 2:
		return indicators.Partner{}, fmt.Errorf("redisstore: get partner: unexpected reply %d items", len(found))
	}
	p, err := decodePartner(found[0], found[1])
	if err != nil {
		return indicators.Partner{}, fmt.Errorf("redisstore: get partner: %w", err)
	}
	return p, nil
}

// ListPartners returns every partner by creation time, then id.
func (s *Store) ListPartners(ctx context.Context) ([]indicators.Partner, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.fail(ctx, "list partners", err)
	}
	all, err := s.client.HGetAll(ctx, s.outboxKey("partners")).Result()
	if err != nil {
		return nil, s.fail(ctx, "list partners", err)
	}
	out := make([]indicators.Partner, 0, len(all))
	for id, data := range all {
		p, err := decodePartner(id, data)
		if err != nil {
			return nil, fmt.Errorf("redisstore: list partners: %w", err)
		}
		out = append(out, p)
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

// enqueueScript adds the rows whose key does not exist yet, all in one
// script, so the batch is all or nothing.
//
//	KEYS: due, all, then per row: its key, its partner's set
//	ARGV: per row: id, due score, JSON
var enqueueScript = redis.NewScript(`
local n = 0
for i = 0, (#KEYS - 2) / 2 - 1 do
  local dk, pk = KEYS[3 + 2*i], KEYS[4 + 2*i]
  local id, score, v = ARGV[1 + 3*i], ARGV[2 + 3*i], ARGV[3 + 3*i]
  if redis.call('EXISTS', dk) == 0 then
    redis.call('SET', dk, v)
    redis.call('ZADD', KEYS[1], score, id)
    redis.call('ZADD', KEYS[2], 0, id)
    redis.call('ZADD', pk, 0, id)
    n = n + 1
  end
end
return n
`)

// EnqueueDeliveries adds rows in one script; see indicators.PartnerStore.
func (s *Store) EnqueueDeliveries(ctx context.Context, ds []indicators.Delivery) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, s.fail(ctx, "enqueue deliveries", err)
	}
	rows := make([]indicators.Delivery, 0, len(ds))
	seen := map[string]bool{}
	for _, d := range ds {
		if err := d.Validate(); err != nil {
			return 0, fmt.Errorf("redisstore: enqueue deliveries: %w", err)
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
		rows = append(rows, d)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	keys := []string{s.outboxKey("due"), s.outboxKey("all")}
	args := make([]any, 0, 3*len(rows))
	for i := range rows {
		d := &rows[i]
		data, err := json.Marshal(d)
		if err != nil {
			return 0, fmt.Errorf("redisstore: enqueue deliveries: %w", err)
		}
		keys = append(keys, s.deliveryKey(d.ID), s.outboxKey("p:"+d.PartnerID))
		args = append(args, d.ID, d.NextAttemptAt.UnixMilli(), data)
	}
	n, err := enqueueScript.Run(ctx, s.client, keys, args...).Int()
	if err != nil {
		return 0, s.fail(ctx, "enqueue deliveries", err)
	}
	return n, nil
}

func decodeDelivery(id, data string) (indicators.Delivery, error) {
	var d indicators.Delivery
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return indicators.Delivery{}, fmt.Errorf("delivery %q: %w: %w", id, indicators.ErrCorrupt, err)
	}
	return d, nil
}

// ClaimDeliveries leases up to limit due rows in an optimistic
// transaction; see indicators.PartnerStore and the comment at the top of
// this file.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]indicators.Delivery, error) {
	limit = indicators.PageLimit(limit)
	now = now.UTC()
	until := now.Add(lease)
	dueKey := s.outboxKey("due")
	var out []indicators.Delivery
	for attempt := range maxAttempts {
		if attempt > 0 {
			backoff(attempt)
		}
		if err := ctx.Err(); err != nil {
			return nil, s.fail(ctx, "claim deliveries", err)
		}
		out = []indicators.Delivery{}
		err := s.client.Watch(ctx, func(tx *redis.Tx) error {
			ids, err := tx.ZRangeArgs(ctx, redis.ZRangeArgs{Key: dueKey, ByScore: true,
				Start: "-inf", Stop: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(limit)}).Result()
			if err != nil || len(ids) == 0 {
				return err
			}
			keys := make([]string, len(ids))
			for i, id := range ids {
				keys[i] = s.deliveryKey(id)
			}
			if err := tx.Watch(ctx, keys...).Err(); err != nil {
				return err
			}
			vals, err := tx.MGet(ctx, keys...).Result()
			if err != nil {
				return err
			}
			for i, v := range vals {
				str, ok := v.(string)
				if !ok {
					continue // a due entry without its row: cannot happen through this store
				}
				d, err := decodeDelivery(ids[i], str)
				if err != nil {
					return err
				}
				d.Attempts++
				d.LastAttemptAt, d.NextAttemptAt = now, until
				out = append(out, d)
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				for i := range out {
					data, err := json.Marshal(&out[i])
					if err != nil {
						return err
					}
					p.Set(ctx, s.deliveryKey(out[i].ID), data, 0)
					p.ZAdd(ctx, dueKey, redis.Z{Score: float64(until.UnixMilli()), Member: out[i].ID})
				}
				return nil
			})
			return err
		}, dueKey)
		switch {
		case errors.Is(err, redis.TxFailedErr):
			continue
		case errors.Is(err, indicators.ErrCorrupt):
			return nil, fmt.Errorf("redisstore: claim deliveries: %w", err)
		case err != nil:
			return nil, s.fail(ctx, "claim deliveries", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("redisstore: claim deliveries: still contended after %d attempts: %w", maxAttempts, indicators.ErrConflict)
}

// FinishDelivery records the result of an attempt in an optimistic
// transaction; see indicators.PartnerStore.
func (s *Store) FinishDelivery(ctx context.Context, id string, a indicators.Attempt) (indicators.Delivery, error) {
	dk, dueKey := s.deliveryKey(id), s.outboxKey("due")
	for attempt := range maxAttempts {
		if attempt > 0 {
			backoff(attempt)
		}
		if err := ctx.Err(); err != nil {
			return indicators.Delivery{}, s.fail(ctx, "finish delivery", err)
		}
		var d indicators.Delivery
		err := s.client.Watch(ctx, func(tx *redis.Tx) error {
			v, err := tx.Get(ctx, dk).Result()
			if errors.Is(err, redis.Nil) {
				return fmt.Errorf("delivery %q: %w", id, indicators.ErrNotFound)
			}
			if err != nil {
				return err
			}
			if d, err = decodeDelivery(id, v); err != nil {
				return err
			}
			if !indicators.ApplyAttempt(&d, a) {
				return nil
			}
			data, err := json.Marshal(&d)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, dk, data, 0)
				if d.State == indicators.DeliveryPending {
					p.ZAdd(ctx, dueKey, redis.Z{Score: float64(d.NextAttemptAt.UnixMilli()), Member: id})
				} else {
					p.ZRem(ctx, dueKey, id)
				}
				return nil
			})
			return err
		}, dk, dueKey)
		switch {
		case errors.Is(err, redis.TxFailedErr):
			continue
		case errors.Is(err, indicators.ErrNotFound), errors.Is(err, indicators.ErrCorrupt):
			return indicators.Delivery{}, fmt.Errorf("redisstore: finish delivery: %w", err)
		case err != nil:
			return indicators.Delivery{}, s.fail(ctx, "finish delivery", err)
		}
		return d, nil
	}
	return indicators.Delivery{}, fmt.Errorf("redisstore: finish delivery %q: still contended after %d attempts: %w", id, maxAttempts, indicators.ErrConflict)
}

// GetDelivery returns one outbox row.
func (s *Store) GetDelivery(ctx context.Context, id string) (indicators.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Delivery{}, s.fail(ctx, "get delivery", err)
	}
	if id == "" {
		return indicators.Delivery{}, fmt.Errorf("redisstore: get delivery: empty id: %w", indicators.ErrNotFound)
	}
	v, err := s.client.Get(ctx, s.deliveryKey(id)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return indicators.Delivery{}, fmt.Errorf("redisstore: get delivery: delivery %q: %w", id, indicators.ErrNotFound)
	case err != nil:
		return indicators.Delivery{}, s.fail(ctx, "get delivery", err)
	}
	d, err := decodeDelivery(id, v)
	if err != nil {
		return indicators.Delivery{}, fmt.Errorf("redisstore: get delivery: %w", err)
	}
	return d, nil
}

// ListDeliveries returns one page of rows in id order, read from the
// partner's set (or the set of all rows) by lexical range.
func (s *Store) ListDeliveries(ctx context.Context, f indicators.DeliveryFilter) (indicators.DeliveryPage, error) {
	if err := ctx.Err(); err != nil {
		return indicators.DeliveryPage{}, s.fail(ctx, "list deliveries", err)
	}
	set := s.outboxKey("all")
	if f.PartnerID != "" {
		set = s.outboxKey("p:" + f.PartnerID)
	}
	deliveries, next, err := pageJSON(ctx, s, "list deliveries", "delivery", set, f.Cursor,
		indicators.PageLimit(f.Limit), s.deliveryKey, func(d *indicators.Delivery) (indicators.Delivery, bool) {
			return *d, true
		})
	if err != nil {
		return indicators.DeliveryPage{}, err
	}
	return indicators.DeliveryPage{Deliveries: deliveries, Next: next}, nil
}

// recordAckScript stores the first acknowledgement of a delivery.
//
//	KEYS: delivery, ack hash, the key's ack set
//	ARGV: delivery id, JSON
//
// It returns false when the delivery does not exist, the stored JSON when
// an acknowledgement was there, else "" (stored).
var recordAckScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old then return old end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
return ''
`)

// RecordAck stores the first acknowledgement of a delivery; see
// indicators.PartnerStore.
func (s *Store) RecordAck(ctx context.Context, a indicators.FreezeAck) (indicators.FreezeAck, bool, error) {
	if err := ctx.Err(); err != nil {
		return indicators.FreezeAck{}, false, s.fail(ctx, "record ack", err)
	}
	a.At = a.At.UTC()
	if err := a.Validate(); err != nil {
		return indicators.FreezeAck{}, false, fmt.Errorf("redisstore: record ack: %w", err)
	}
	data, err := json.Marshal(&a)
	if err != nil {
		return indicators.FreezeAck{}, false, fmt.Errorf("redisstore: record ack: %w", err)
	}
	res, err := recordAckScript.Run(ctx, s.client,
		[]string{s.deliveryKey(a.DeliveryID), s.outboxKey("ack"), s.outboxKey("ak:" + string(a.Key))},
		a.DeliveryID, data).Text()
	switch {
	case errors.Is(err, redis.Nil):
		return indicators.FreezeAck{}, false, fmt.Errorf("redisstore: record ack: delivery %q: %w", a.DeliveryID, indicators.ErrNotFound)
	case err != nil:
		return indicators.FreezeAck{}, false, s.fail(ctx, "record ack", err)
	case res == "":
		return a, true, nil
	}
	var old indicators.FreezeAck
	if err := json.Unmarshal([]byte(res), &old); err != nil {
		return indicators.FreezeAck{}, false, fmt.Errorf("redisstore: record ack: %w: %w", indicators.ErrCorrupt, err)
	}
	return old, false, nil
}

// ListAcks returns the acknowledgements about key, oldest first.
func (s *Store) ListAcks(ctx context.Context, key indicators.Key) ([]indicators.FreezeAck, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.fail(ctx, "list acks", err)
	}
	ids, err := s.client.ZRange(ctx, s.outboxKey("ak:"+string(key)), 0, -1).Result()
	if err != nil {
		return nil, s.fail(ctx, "list acks", err)
	}
	out := []indicators.FreezeAck{}
	if len(ids) == 0 {
		return out, nil
	}
	vals, err := s.client.HMGet(ctx, s.outboxKey("ack"), ids...).Result()
	if err != nil {
		return nil, s.fail(ctx, "list acks", err)
	}
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		var a indicators.FreezeAck
		if err := json.Unmarshal([]byte(str), &a); err != nil {
			return nil, fmt.Errorf("redisstore: list acks: ack %q: %w: %w", ids[i], indicators.ErrCorrupt, err)
		}
		out = append(out, a)
	}
	indicators.SortAcks(out)
	return out, nil
}
