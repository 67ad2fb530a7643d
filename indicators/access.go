package indicators

import (
	"context"
	"encoding/json"
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
