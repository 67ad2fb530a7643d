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

// Citizen reports and contacts, under the prefix P:
//
//	P:{reports}:r:<id>          the Report, JSON
//	P:{reports}:c:<id>          its Contact, JSON (apart: never in the report)
//	P:{reports}:idx:all         sorted set, scores 0: every report id (by lex)
//	P:{reports}:idx:<status>    sorted set, scores 0: the ids in that status
//	P:{reports}:ctime           sorted set: report id scored by its contact's
//	                            creation time in Unix microseconds
//	P:{reports}:k:<key>         sorted set, scores 0: the ids of the reports
//	                            naming an indicator key (links.go)
//	P:{reports}:d:…             disputes (disputes.go)
//
// Every key shares the hash tag {reports}, so all of them live in one slot
// and each write is one Lua script on any topology: a report is created
// with its contact and index entries, or not at all; a status change moves
// the report between status indexes in the same script that writes it. The
// alternative, one slot per report, would spread reports over a cluster but
// leave the indexes only eventually consistent with them, and the review
// queue (ListReports by status) and the purge of contact data (Decree
// 13/2023) are the two things that must be exact. Reports arrive at human
// pace (thousands a day, not the millions of feed records), so one slot
// holds years of them; contacts leave it with PurgeContacts.
//
// JSON rather than the binary record codec: reports are few and read by
// people, and JSON keeps them readable with redis-cli.

var _ indicators.ReportStore = (*Store)(nil)

// purgeBatch is the number of contacts PurgeContacts reads and deletes per
// round trip.
const purgeBatch = 500

// createReportScript stores a report, its index entries, its links (the
// report id in the link index of every key it names, links.go) and, when
// given, its contact and the contact's purge entry.
//
//	KEYS: report, idx:all, idx:<status>, contact, ctime, link...
//	ARGV: id, report JSON, "1" when there is a contact, contact JSON,
//	      contact time score
//
// It returns 0 when the report exists, 1 when created.
var createReportScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
if ARGV[3] == '1' then
  redis.call('SET', KEYS[4], ARGV[4])
  redis.call('ZADD', KEYS[5], ARGV[5], ARGV[1])
end
for i = 6, #KEYS do
  redis.call('ZADD', KEYS[i], 0, ARGV[1])
end
return 1
`)

// updateReportScript replaces a report only if it still holds the value
// that was read, and moves its id from the old status index to the new one
// when they differ.
//
//	KEYS: report, idx:<old status>, idx:<new status>
//	ARGV: value read, new value, id
var updateReportScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if KEYS[2] ~= KEYS[3] then
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], 0, ARGV[3])
end
return 1
`)

// purgeContactsScript deletes contacts and their purge entries.
//
//	KEYS: ctime, contact...
//	ARGV: id... (one per contact key)
//
// It returns how many contacts existed and were deleted.
var purgeContactsScript = redis.NewScript(`
local n = 0
for i = 2, #KEYS do
  n = n + redis.call('DEL', KEYS[i])
  redis.call('ZREM', KEYS[1], ARGV[i - 1])
end
return n
`)

func (s *Store) reportKey(id string) string  { return s.prefix + ":{reports}:r:" + id }
func (s *Store) contactKey(id string) string { return s.prefix + ":{reports}:c:" + id }
func (s *Store) contactTimeKey() string      { return s.prefix + ":{reports}:ctime" }

// reportIndexKey is the index of status, or of every report for "".
func (s *Store) reportIndexKey(status indicators.ReportStatus) string {
	if status == "" {
		return s.prefix + ":{reports}:idx:all"
	}
	return s.prefix + ":{reports}:idx:" + string(status)
}

// CreateReport stores r and, when c is not empty, its contact, in one
// script; see indicators.ReportStore. The store owns two fields: it sets
// r.HasContact to whether c holds contact data (whatever the caller put
// there) and c.ReportID to r.ID. A zero r.CreatedAt becomes now; a zero
// c.CreatedAt becomes r.CreatedAt, which is what retention counts from.
func (s *Store) CreateReport(ctx context.Context, r indicators.Report, c *indicators.Contact) error {
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, "create report", err)
	}
	if err := r.Validate(); err != nil {
		return fmt.Errorf("redisstore: create report: %w", err)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now().UTC()
	}
	r.HasContact = !c.Empty()
	rdata, err := json.Marshal(&r)
	if err != nil {
		return fmt.Errorf("redisstore: create report: %w", err)
	}
	keys := []string{s.reportKey(r.ID), s.reportIndexKey(""), s.reportIndexKey(r.Status), s.contactKey(r.ID), s.contactTimeKey()}
	for _, k := range r.Keys {
		keys = append(keys, s.linkKey(k))
	}
	args := []any{r.ID, rdata, "0", "", "0"}
	if r.HasContact {
		contact := *c
		contact.ReportID = r.ID
		if contact.CreatedAt.IsZero() {
			contact.CreatedAt = r.CreatedAt
		}
		cdata, err := json.Marshal(&contact)
		if err != nil {
			return fmt.Errorf("redisstore: create report: contact: %w", err)
		}
		args[2], args[3], args[4] = "1", cdata, strconv.FormatInt(contact.CreatedAt.UnixMicro(), 10)
	}
	created, err := createReportScript.Run(ctx, s.client, keys, args...).Int()
	if err != nil {
		return s.fail(ctx, "create report", err)
	}
	if created == 0 {
		return fmt.Errorf("redisstore: create report: report %q: %w", r.ID, indicators.ErrConflict)
	}
	return nil
}

// getJSON reads key into v, or returns an error matching ErrNotFound.
func (s *Store) getJSON(ctx context.Context, op, key, what string, v any) (string, error) {
	data, err := s.client.Get(ctx, key).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return "", fmt.Errorf("redisstore: %s: %s: %w", op, what, indicators.ErrNotFound)
	case err != nil:
		return "", s.fail(ctx, op, err)
	}
	if err := json.Unmarshal([]byte(data), v); err != nil {
		return "", fmt.Errorf("redisstore: %s: %s: %w: %w", op, what, indicators.ErrCorrupt, err)
	}
	return data, nil
}

// GetReport returns the report with id or an error matching ErrNotFound.
func (s *Store) GetReport(ctx context.Context, id string) (indicators.Report, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Report{}, s.fail(ctx, "get report", err)
	}
	var r indicators.Report
	if _, err := s.getJSON(ctx, "get report", s.reportKey(id), "report "+strconv.Quote(id), &r); err != nil {
		return indicators.Report{}, err
	}
	return r, nil
}

// GetContact returns the contact of a report, or an error matching
// ErrNotFound when none was given or it was purged.
func (s *Store) GetContact(ctx context.Context, reportID string) (indicators.Contact, error) {
	if err := ctx.Err(); err != nil {
		return indicators.Contact{}, s.fail(ctx, "get contact", err)
	}
	var c indicators.Contact
	if _, err := s.getJSON(ctx, "get contact", s.contactKey(reportID), "contact of report "+strconv.Quote(reportID), &c); err != nil {
		return indicators.Contact{}, err
	}
	return c, nil
}

// ListReports returns one page of reports in id order, all of them or
// those of f.Status (an unknown status gives ErrInvalidInput), in two round
// trips: the ids from the index, then the reports. A report whose status
// changed between the two is left out, so such a page can be one short.
func (s *Store) ListReports(ctx context.Context, f indicators.ReportFilter) (indicators.ReportPage, error) {
	if err := ctx.Err(); err != nil {
		return indicators.ReportPage{}, s.fail(ctx, "list reports", err)
	}
	if err := f.Validate(); err != nil {
		return indicators.ReportPage{}, fmt.Errorf("redisstore: list reports: %w", err)
	}
	reports, next, err := pageJSON(ctx, s, "list reports", "report", s.reportIndexKey(f.Status), f.Cursor,
		indicators.PageLimit(f.Limit), s.reportKey, func(r *indicators.Report) (indicators.Report, bool) {
			return *r, f.Status == "" || r.Status == f.Status
		})
	if err != nil {
		return indicators.ReportPage{}, err
	}
	return indicators.ReportPage{Reports: reports, Next: next}, nil
}

// UpdateReport runs fn on the report and stores the result atomically; see
// indicators.ReportStore. It is optimistic: fn may run more than once when
// another writer changes the report between the read and the write, so it
// must only depend on the report it is given. An error from fn aborts and
// is returned as is. The result must be valid and keep its ID, or the update
// fails with ErrInvalidInput; HasContact belongs to the store and is kept
// whatever fn does. A status change moves the report between status indexes
// in the same script.
func (s *Store) UpdateReport(ctx context.Context, id string, fn func(*indicators.Report) error) (indicators.Report, error) {
	key := s.reportKey(id)
	return casUpdate(ctx, s, "update report", key, id, "report "+strconv.Quote(id),
		func(before, r *indicators.Report) (indicators.Report, []byte, error) {
			if err := fn(r); err != nil {
				return indicators.Report{}, nil, err
			}
			if err := r.ValidateUpdate(before); err != nil {
				return indicators.Report{}, nil, fmt.Errorf("redisstore: update report: %w", err)
			}
			data, err := json.Marshal(r)
			if err != nil {
				return indicators.Report{}, nil, fmt.Errorf("redisstore: update report: %w", err)
			}
			return *r, data, nil
		},
		func(before *indicators.Report, r indicators.Report, old string, data []byte) (int, error) {
			return updateReportScript.Run(ctx, s.client,
				[]string{key, s.reportIndexKey(before.Status), s.reportIndexKey(r.Status)}, old, data, id).Int()
		})
}

// PurgeContacts deletes the contacts created before the cutoff and returns
// how many it deleted. It walks the purge index up to the cutoff in batches
// of purgeBatch; each contact's own CreatedAt decides (the index holds
// microseconds), and each batch is deleted by one script. A cancelled
// context stops it between batches: what was deleted stays deleted (the
// count returned with the error says how many), so the caller can simply
// run it again. Reports keep HasContact, which records that a contact was
// given; GetContact tells whether it is still held.
func (s *Store) PurgeContacts(ctx context.Context, before time.Time) (int, error) {
	total, kept := 0, 0
	maxScore := strconv.FormatInt(before.UnixMicro(), 10)
	for {
		if err := ctx.Err(); err != nil {
			return total, s.fail(ctx, "purge contacts", err)
		}
		ids, err := s.client.ZRangeByScore(ctx, s.contactTimeKey(), &redis.ZRangeBy{
			Min: "-inf", Max: maxScore, Offset: int64(kept), Count: purgeBatch}).Result()
		if err != nil {
			return total, s.fail(ctx, "purge contacts", err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		keys := make([]string, len(ids))
		for i, id := range ids {
			keys[i] = s.contactKey(id)
		}
		vals, err := s.client.MGet(ctx, keys...).Result()
		if err != nil {
			return total, s.fail(ctx, "purge contacts", err)
		}
		del := []string{s.contactTimeKey()}
		var args []any
		for i, v := range vals {
			if data, ok := v.(string); ok {
				var c indicators.Contact
				if err := json.Unmarshal([]byte(data), &c); err != nil {
					return total, fmt.Errorf("redisstore: purge contacts: contact of %q: %w: %w", ids[i], indicators.ErrCorrupt, err)
				}
				if !c.CreatedAt.Before(before) {
					// Same microsecond as the cutoff, not before it: it
					// stays in the index, so later batches skip it.
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
				return total, s.fail(ctx, "purge contacts", err)
			}
			total += n
		}
		if len(ids) < purgeBatch {
			return total, nil
		}
	}
}
