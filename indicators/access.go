package indicators

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// Role is what an API key may do. Roles are ordered: each includes the
// rights of the ones before it, except that partner and police are separate
// trades (see Allows).
type Role string

// Roles.
const (
	RolePublic  Role = "public"  // checks and reports at a higher rate limit
	RolePartner Role = "partner" // banks: batch checks, freeze acknowledgements
	RolePolice  Role = "police"  // review reports, add, confirm and delist indicators
	RoleAdmin   Role = "admin"   // everything, including keys and the audit log
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RolePublic, RolePartner, RolePolice, RoleAdmin:
		return true
	}
	return false
}

// Allows reports whether a key of role r may act where need is required.
// Admin may do everything; police and partner each include public.
func (r Role) Allows(need Role) bool {
	switch {
	case r == need, r == RoleAdmin:
		return true
	case need == RolePublic:
		return r.Valid()
	}
	return false
}

// APIKey is a stored API key. The secret itself is never stored: only its
// SHA-256 hash, which is what requests are matched against.
type APIKey struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Hash      string    `json:"-"` // hex SHA-256 of the secret
	CreatedAt time.Time `json:"created_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// Active reports whether the key may still be used.
func (k *APIKey) Active() bool { return k.RevokedAt.IsZero() }

// Validate checks a key before it is stored: it needs an ID, a name, a
// valid role and a Hash of 64 hex digits (a SHA-256). It lower-cases Hash
// first, so that a key is found whatever the case of the hash it was given
// or looked up with. A refusal is an *InputError with CodeInvalidRecord.
func (k *APIKey) Validate() error {
	switch {
	case strings.TrimSpace(k.ID) == "":
		return inputErr(CodeInvalidRecord, "an API key needs an id")
	case strings.TrimSpace(k.Name) == "":
		return inputErr(CodeInvalidRecord, "an API key needs a name")
	case !k.Role.Valid():
		return inputErr(CodeInvalidRecord, "unknown role %q (want public, partner, police or admin)", k.Role)
	}
	k.Hash = strings.ToLower(k.Hash)
	if len(k.Hash) != 64 || strings.Trim(k.Hash, "0123456789abcdef") != "" {
		return inputErr(CodeInvalidRecord, "an API key hash is the 64 hex digits of a SHA-256")
	}
	return nil
}

// StoredKey is an APIKey as a KeyStore keeps it, in JSON: APIKey's own
// JSON leaves Hash out so that it never reaches an API response, but the
// store must keep it. Every store uses this form, so a key dumped from one
// loads into the other.
type StoredKey struct {
	APIKey
	Hash string `json:"hash"`
}

// Key returns the stored key with its hash.
func (k *StoredKey) Key() APIKey {
	out := k.APIKey
	out.Hash = k.Hash
	return out
}

// KeyStore keeps API keys.
type KeyStore interface {
	// CreateKey stores a new key. A duplicate ID, name or hash gives
	// ErrConflict.
	CreateKey(ctx context.Context, k APIKey) error
	// KeyByHash finds a key by the hash of its secret, revoked or not, or
	// returns ErrNotFound.
	KeyByHash(ctx context.Context, hash string) (APIKey, error)
	// ListKeys returns every key, revoked ones included, by creation.
	ListKeys(ctx context.Context) ([]APIKey, error)
	// RevokeKey revokes the key with this ID or name, at time at, and
	// returns it; ErrNotFound if there is none.
	RevokeKey(ctx context.Context, idOrName string, at time.Time) (APIKey, error)
}

// AuditEntry records one write: who, when, what, and the state before and
// after (JSON of the record, report or key; never contact data).
type AuditEntry struct {
	ID     string          `json:"id"` // assigned by the log, time-ordered
	Time   time.Time       `json:"time"`
	Actor  string          `json:"actor"` // API key name, or "cli:<user>"
	Role   Role            `json:"role,omitempty"`
	Action string          `json:"action"` // e.g. indicator.confirm, report.create, key.revoke
	Target string          `json:"target"` // indicator key, report id, key id
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// MaxAuditTarget bounds AuditEntry.Target, which stores turn into a bucket
// name or part of a key; indicator keys and report or key ids are all far
// shorter.
const MaxAuditTarget = 1024

// Validate checks an entry before it is appended: it needs an actor and an
// action, a target of at most MaxAuditTarget bytes, a valid role when one
// is set, and JSON in Before and After when they are set. A refusal is an
// *InputError with CodeInvalidRecord.
func (e *AuditEntry) Validate() error {
	switch {
	case strings.TrimSpace(e.Actor) == "":
		return inputErr(CodeInvalidRecord, "an audit entry needs an actor")
	case strings.TrimSpace(e.Action) == "":
		return inputErr(CodeInvalidRecord, "an audit entry needs an action")
	case len(e.Target) > MaxAuditTarget:
		return inputErr(CodeInvalidRecord, "audit target longer than %d bytes", MaxAuditTarget)
	case e.Role != "" && !e.Role.Valid():
		return inputErr(CodeInvalidRecord, "unknown role %q", e.Role)
	case len(e.Before) > 0 && !json.Valid(e.Before):
		return inputErr(CodeInvalidRecord, "audit before is not JSON")
	case len(e.After) > 0 && !json.Valid(e.After):
		return inputErr(CodeInvalidRecord, "audit after is not JSON")
	}
	return nil
}

// AuditFilter selects audit entries; zero values mean any.
type AuditFilter struct {
	Target string
	Cursor string // exclusive: entries after this id
	Limit  int    // default 100, at most 1000
}

// AuditPage is one page of audit entries in id (time) order.
type AuditPage struct {
	Entries []AuditEntry `json:"entries"`
	Next    string       `json:"next,omitempty"`
}

// AuditLog is an append-only log of writes.
type AuditLog interface {
	// AppendAudit stores e, assigning its ID (time-ordered, unique).
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// ListAudit pages through entries oldest first.
	ListAudit(ctx context.Context, f AuditFilter) (AuditPage, error)
}

// StatsStore keeps daily counters (checks, hits, reports by channel …) that
// every replica adds to. Days are "2006-01-02" in the centre's time zone;
// counter names are free-form ("checks:phone", "hits:url", "reports:web").
type StatsStore interface {
	// AddCounters adds deltas to the counters of day.
	AddCounters(ctx context.Context, day string, deltas map[string]int64) error
	// Counters returns the counters of each day in [from, to] that has any.
	Counters(ctx context.Context, from, to string) (map[string]map[string]int64, error)
}

// DayLayout is the form of the days of StatsStore. Days in this form sort
// as strings in the order of the days, which stores rely on to range over
// them.
const DayLayout = "2006-01-02"

// Bounds of the StatsStore calls, the same for every store so that callers
// see one behaviour.
const (
	// MaxCounterName bounds a counter name, which is free-form.
	MaxCounterName = 256
	// MaxStatsDays bounds the days of one Counters call: ten years and some
	// leap days.
	MaxStatsDays = 3660
)

// ParseDay parses a day in DayLayout. A day that is not one is an
// *InputError with CodeInvalidRecord wrapping the parse error.
func ParseDay(day string) (time.Time, error) {
	t, err := time.Parse(DayLayout, day)
	if err != nil {
		e := inputErr(CodeInvalidRecord, "day %q is not YYYY-MM-DD", day)
		e.Err = err
		return time.Time{}, e
	}
	return t, nil
}

// ValidateCounters checks the counter names of an AddCounters call: each
// has 1 to MaxCounterName bytes. An empty map is valid (nothing to add). A
// refusal is an *InputError with CodeInvalidRecord.
func ValidateCounters(deltas map[string]int64) error {
	for name := range deltas {
		if name == "" || len(name) > MaxCounterName {
			return inputErr(CodeInvalidRecord, "a counter name has 1 to %d bytes, got %q", MaxCounterName, name)
		}
	}
	return nil
}

// CheckDayRange checks the bounds of a Counters call: both are days in
// DayLayout, from is not after to, and [from, to] holds at most
// MaxStatsDays days. A refusal is an *InputError with CodeInvalidRecord.
func CheckDayRange(from, to string) error {
	_, _, err := dayRange(from, to)
	return err
}

// StatsDays lists the days of [from, to] in order, both included, for a
// store that reads day by day; the bounds are checked as by CheckDayRange.
func StatsDays(from, to string) ([]string, error) {
	f, t, err := dayRange(from, to)
	if err != nil {
		return nil, err
	}
	var days []string
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format(DayLayout))
	}
	return days, nil
}

// dayRange parses and checks the bounds of a Counters call.
func dayRange(from, to string) (f, t time.Time, err error) {
	if f, err = ParseDay(from); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if t, err = ParseDay(to); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if f.After(t) {
		return time.Time{}, time.Time{}, inputErr(CodeInvalidRecord, "day range %s to %s ends before it starts", from, to)
	}
	if f.AddDate(0, 0, MaxStatsDays-1).Before(t) {
		return time.Time{}, time.Time{}, inputErr(CodeInvalidRecord, "day range %s to %s is longer than %d days", from, to, MaxStatsDays)
	}
	return f, t, nil
}
