package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// The audit log, under the prefix P, in Redis Streams that share the hash
// tag {audit} so that one script appends to both:
//
//	P:{audit}:log         every entry: field "e" = the entry as JSON
//	P:{audit}:t:<target>  one stream per target, same ids, no payload
//
// XADD assigns the ids: time-ordered and unique across every replica and
// CLI writing to the log, which no client clock could promise. Ids are
// handed out padded to fixed widths ("%013d-%06d", as boltstore does), so
// they also sort as strings; a cursor is parsed back into a stream id. The
// per-target stream makes a target's history a range read instead of a scan
// of the whole log; its entries are read back from the log by id.

var _ indicators.AuditLog = (*Store)(nil)

// appendAuditScript appends an entry to the log and, with two keys, its id
// to the target's stream.
//
//	KEYS: log[, target stream]
//	ARGV: entry JSON
var appendAuditScript = redis.NewScript(`
local id = redis.call('XADD', KEYS[1], '*', 'e', ARGV[1])
if #KEYS == 2 then redis.call('XADD', KEYS[2], id, 'r', '1') end
return id
`)

func (s *Store) auditLogKey() string { return s.prefix + ":{audit}:log" }
func (s *Store) auditTargetKey(target string) string {
	return s.prefix + ":{audit}:t:" + target
}

// AppendAudit stores e and returns it with its ID; see indicators.AuditLog.
// e needs an actor and an action; a role, when set, must be valid; Before
// and After, when set, must be JSON. A zero Time becomes now.
func (s *Store) AppendAudit(ctx context.Context, e indicators.AuditEntry) (indicators.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return indicators.AuditEntry{}, s.fail(ctx, "append audit", err)
	}
	if err := e.Validate(); err != nil {
		return indicators.AuditEntry{}, fmt.Errorf("redisstore: append audit: %w", err)
	}
	if e.Time.IsZero() {
		e.Time = s.now().UTC()
	}
	e.ID = ""
	data, err := json.Marshal(&e)
	if err != nil {
		return indicators.AuditEntry{}, fmt.Errorf("redisstore: append audit: %w", err)
	}
	keys := []string{s.auditLogKey()}
	if e.Target != "" {
		keys = append(keys, s.auditTargetKey(e.Target))
	}
	id, err := appendAuditScript.Run(ctx, s.client, keys, data).Text()
	if err != nil {
		return indicators.AuditEntry{}, s.fail(ctx, "append audit", err)
	}
	if e.ID, err = padStreamID(id); err != nil {
		return indicators.AuditEntry{}, fmt.Errorf("redisstore: append audit: %w", err)
	}
	return e, nil
}

// parseStreamID splits "<ms>-<seq>", padded or not.
func parseStreamID(id string) (ms, seq uint64, err error) {
	a, b, ok := strings.Cut(id, "-")
	if ok {
		if ms, err = strconv.ParseUint(a, 10, 64); err == nil {
			seq, err = strconv.ParseUint(b, 10, 64)
		}
	}
	if !ok || err != nil {
		return 0, 0, &indicators.InputError{Code: indicators.CodeInvalidRecord,
			Message: fmt.Sprintf("audit id %q is not <ms>-<seq>", id), Err: err}
	}
	return ms, seq, nil
}

// padStreamID turns a stream id into the padded form handed out.
func padStreamID(id string) (string, error) {
	ms, seq, err := parseStreamID(id)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%013d-%06d", ms, seq), nil
}

// ListAudit returns one page of entries oldest first, all of them or those
// of f.Target. A cursor that is not an id this log handed out gives
// ErrInvalidInput.
func (s *Store) ListAudit(ctx context.Context, f indicators.AuditFilter) (indicators.AuditPage, error) {
	if err := ctx.Err(); err != nil {
		return indicators.AuditPage{}, s.fail(ctx, "list audit", err)
	}
	limit := indicators.PageLimit(f.Limit)
	start := "-"
	if f.Cursor != "" {
		ms, seq, err := parseStreamID(f.Cursor)
		if err != nil {
			return indicators.AuditPage{}, fmt.Errorf("redisstore: list audit: cursor: %w", err)
		}
		start = fmt.Sprintf("(%d-%d", ms, seq)
	}
	stream := s.auditLogKey()
	if f.Target != "" {
		stream = s.auditTargetKey(f.Target)
	}
	// One entry more than the page holds tells whether a next page exists.
	msgs, err := s.client.XRangeN(ctx, stream, start, "+", int64(limit+1)).Result()
	if err != nil {
		return indicators.AuditPage{}, s.fail(ctx, "list audit", err)
	}
	more := len(msgs) > limit
	msgs = msgs[:min(len(msgs), limit)]
	if f.Target != "" && len(msgs) > 0 {
		if msgs, err = s.auditEntries(ctx, msgs); err != nil {
			return indicators.AuditPage{}, err
		}
	}
	page := indicators.AuditPage{Entries: make([]indicators.AuditEntry, 0, len(msgs))}
	for _, m := range msgs {
		data, _ := m.Values["e"].(string)
		var e indicators.AuditEntry
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return indicators.AuditPage{}, fmt.Errorf("redisstore: list audit: entry %s: %w: %w", m.ID, indicators.ErrCorrupt, err)
		}
		if e.ID, err = padStreamID(m.ID); err != nil {
			return indicators.AuditPage{}, fmt.Errorf("redisstore: list audit: %w", err)
		}
		page.Entries = append(page.Entries, e)
	}
	if more && len(page.Entries) > 0 {
		page.Next = page.Entries[len(page.Entries)-1].ID
	}
	return page, nil
}

// auditEntries reads from the log the entries whose ids the target stream
// gave, in one pipeline.
func (s *Store) auditEntries(ctx context.Context, refs []redis.XMessage) ([]redis.XMessage, error) {
	pipe := s.client.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, len(refs))
	for i, m := range refs {
		cmds[i] = pipe.XRangeN(ctx, s.auditLogKey(), m.ID, m.ID, 1)
	}
	_, _ = pipe.Exec(ctx) // errors are read per command
	out := make([]redis.XMessage, 0, len(refs))
	for i, c := range cmds {
		v, err := c.Result()
		if err != nil {
			return nil, s.fail(ctx, "list audit", err)
		}
		if len(v) == 0 {
			// Appended by one script with its reference, and the log is
			// never trimmed: only a hand edit gets here.
			return nil, fmt.Errorf("redisstore: list audit: entry %s missing from the log: %w", refs[i].ID, indicators.ErrCorrupt)
		}
		out = append(out, v[0])
	}
	return out, nil
}
