package indicators

import (
	"slices"
	"strings"
	"time"
)

// Status is where an indicator stands in the review workflow.
type Status string

// Statuses. reported → confirmed (by police) or delisted; trusted is the
// allowlist and never comes from a citizen report.
const (
	StatusReported  Status = "reported"
	StatusConfirmed Status = "confirmed"
	StatusDelisted  Status = "delisted"
	StatusTrusted   Status = "trusted"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusReported, StatusConfirmed, StatusDelisted, StatusTrusted:
		return true
	}
	return false
}

// ParseStatus validates a status name.
func ParseStatus(s string) (Status, error) {
	st := Status(strings.ToLower(strings.TrimSpace(s)))
	if !st.Valid() {
		return "", inputErr(CodeInvalidRecord, "unknown status %q (want reported, confirmed, delisted or trusted)", s)
	}
	return st, nil
}

// Category says what kind of fraud an indicator was reported for.
type Category string

// Categories.
const (
	CategoryScam          Category = "scam"
	CategoryPhishing      Category = "phishing"
	CategoryImpersonation Category = "impersonation"
	CategoryInvestment    Category = "investment"
	CategoryGambling      Category = "gambling"
	CategoryMalware       Category = "malware"
	CategoryOther         Category = "other"
)

// Categories lists every category in a fixed order.
var Categories = []Category{CategoryScam, CategoryPhishing, CategoryImpersonation,
	CategoryInvestment, CategoryGambling, CategoryMalware, CategoryOther}

// Valid reports whether c is a known category.
func (c Category) Valid() bool { return slices.Contains(Categories, c) }

// ParseCategory maps a category name, including the synonyms used by common
// feeds (ChongLuaDao "impersonate_fake", report generators' "loan", …), onto
// a Category. Unknown names become CategoryOther rather than an error,
// because feeds invent new labels faster than we can follow.
func ParseCategory(s string) Category {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "":
		return ""
	case "scam", "fraud", "loan", "job", "task", "shopping":
		return CategoryScam
	case "phishing", "phish", "dangerous_link":
		return CategoryPhishing
	case "impersonation", "impersonate", "impersonate_fake", "fake":
		return CategoryImpersonation
	case "investment", "crypto", "forex":
		return CategoryInvestment
	case "gambling", "betting", "casino":
		return CategoryGambling
	case "malware", "malware_download", "virus":
		return CategoryMalware
	default:
		if c := Category(v); c.Valid() {
			return c
		}
		return CategoryOther
	}
}

// Source records that one feed or channel named an indicator.
type Source struct {
	Name       string    `json:"name"`
	ExternalID string    `json:"external_id,omitempty"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
}

// Record is everything known about one indicator.
type Record struct {
	Key         Key       `json:"key"`
	Kind        Kind      `json:"kind"`
	Value       string    `json:"value"`
	Status      Status    `json:"status"`
	Category    Category  `json:"category,omitempty"`
	Level       string    `json:"level,omitempty"` // feed-provided severity, kept as given
	Sources     []Source  `json:"sources,omitempty"`
	Reports     int       `json:"reports"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	ConfirmedBy string    `json:"confirmed_by,omitempty"`
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
	HolderName  string    `json:"holder_name,omitempty"` // as reported, phone/account only
	Note        string    `json:"note,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Listed reports whether the record should make a check answer something
// other than unknown at time now.
func (r *Record) Listed(now time.Time) bool {
	if r == nil || r.Status == StatusDelisted {
		return false
	}
	if !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt) && r.Status != StatusConfirmed && r.Status != StatusTrusted {
		return false
	}
	return true
}

// Validate checks the invariants every stored record keeps.
func (r *Record) Validate() error {
	if _, err := ParseKey(string(r.Key)); err != nil {
		return err
	}
	if r.Kind != r.Key.Kind() || r.Value != r.Key.Value() {
		return inputErr(CodeInvalidRecord, "kind/value do not match key %q", r.Key)
	}
	if !r.Status.Valid() {
		return inputErr(CodeInvalidRecord, "unknown status %q", r.Status)
	}
	if r.Category != "" && !r.Category.Valid() {
		return inputErr(CodeInvalidRecord, "unknown category %q", r.Category)
	}
	if r.Reports < 0 {
		return inputErr(CodeInvalidRecord, "negative report count")
	}
	return nil
}

// SourceNames returns the names of the record's sources in order.
func (r *Record) SourceNames() []string {
	names := make([]string, len(r.Sources))
	for i, s := range r.Sources {
		names[i] = s.Name
	}
	return names
}

// NewRecord builds a fresh reported record for key, seen now from source.
func NewRecord(key Key, source string, now time.Time) Record {
	now = now.UTC()
	r := Record{Key: key, Kind: key.Kind(), Value: key.Value(), Status: StatusReported,
		Reports: 1, FirstSeen: now, LastSeen: now, UpdatedAt: now}
	if source != "" {
		r.Sources = []Source{{Name: source, FirstSeen: now, LastSeen: now}}
	}
	return r
}
