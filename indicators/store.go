package indicators

import (
	"context"
	"slices"
	"time"
)

// Store is the source of truth for indicator records. Implementations:
// redisstore (production, shared by replicas) and boltstore (embedded, one
// process). Every implementation passes indicators/storetest.
//
// All methods take a context and return ctx.Err() (wrapped) when it is
// cancelled before the work is done; a batch that was cancelled midway may be
// partly applied, but every record in it is either fully written or untouched.
// Failures of the backing service wrap ErrUnavailable.
type Store interface {
	// Upsert merges each record into the stored one with Merge, atomically per
	// record, and reports per input what happened. Upserting the same batch
	// twice changes nothing the second time (all ChangeUnchanged). Records
	// must be valid (Record.Validate) or the whole batch is refused with an
	// error matching ErrInvalidInput before anything is written.
	Upsert(ctx context.Context, recs []Record) ([]Change, error)

	// Get returns the records for keys, in order; a missing key gives nil at
	// its position (not an error).
	Get(ctx context.Context, keys []Key) ([]*Record, error)

	// Update runs fn on the record for key atomically (no concurrent write to
	// the same key can interleave) and stores what fn leaves in r. When the
	// key is missing, exists is false and r holds only Key, Kind and Value;
	// fn may fill it in to create the record. An error from fn aborts the
	// update and is returned as is. It returns the record before (zero when
	// it did not exist) and after.
	Update(ctx context.Context, key Key, fn func(r *Record, exists bool) error) (before, after Record, err error)

	// List returns one page of records, filtered by opts, in an order of
	// the store's choosing that is the same for every walk (boltstore: key
	// order; redisstore: see its List). Paging is by key cursor (Next is
	// the last key of the page, or of what was read for a short filtered
	// page), so it is stable under concurrent writes: a record present for
	// the whole walk is returned exactly once.
	List(ctx context.Context, opts ListOptions) (Page, error)

	// Iterate calls fn for every stored record of kind (all kinds when kind
	// is ""), in no particular order, without holding the whole set in
	// memory. It is used to rebuild filters and to export.
	Iterate(ctx context.Context, kind Kind, fn func(Record) error) error

	// Counts returns record counts by kind, status and category.
	Counts(ctx context.Context) (Counts, error)

	// Sources returns, per source name, how many records it names.
	Sources(ctx context.Context) (map[string]int, error)

	// Ping does a real round trip to the backing service.
	Ping(ctx context.Context) error

	// Close releases the store.
	Close() error
}

// Change says what an upsert did to one record.
type Change int

// Kinds of change.
const (
	ChangeUnchanged Change = iota
	ChangeAdded
	ChangeUpdated
)

func (c Change) String() string {
	switch c {
	case ChangeAdded:
		return "added"
	case ChangeUpdated:
		return "updated"
	}
	return "unchanged"
}

// ListOptions filter and page a List call. Zero values mean "any".
type ListOptions struct {
	Kind     Kind
	Status   Status
	Source   string
	Category Category
	Cursor   Key // exclusive: return what comes after this key in the store's order
	Limit    int // default 100, at most 1000
}

// Matches reports whether r passes the filters in o (not the cursor).
func (o ListOptions) Matches(r *Record) bool {
	if o.Kind != "" && r.Kind != o.Kind {
		return false
	}
	if o.Status != "" && r.Status != o.Status {
		return false
	}
	if o.Category != "" && r.Category != o.Category {
		return false
	}
	if o.Source != "" && !slices.ContainsFunc(r.Sources, func(s Source) bool { return s.Name == o.Source }) {
		return false
	}
	return true
}

// EffectiveLimit applies the default and maximum page size (PageLimit).
func (o ListOptions) EffectiveLimit() int { return PageLimit(o.Limit) }

// Page sizes of every listing (ListOptions, ReportFilter, AuditFilter), so
// that all of them page alike.
const (
	// DefaultPageLimit is the page size when none is asked for.
	DefaultPageLimit = 100
	// MaxPageLimit caps a page, so that one call never reads the whole
	// store into memory.
	MaxPageLimit = 1000
)

// PageLimit returns the page size a listing uses when n is asked for:
// DefaultPageLimit for n <= 0 (no limit given), at most MaxPageLimit, else
// n.
func PageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultPageLimit
	case n > MaxPageLimit:
		return MaxPageLimit
	}
	return n
}

// Page is one page of List results. Next is empty on the last page.
type Page struct {
	Records []Record `json:"records"`
	Next    Key      `json:"next,omitempty"`
}

// Counts holds record counts.
type Counts struct {
	Total      int              `json:"total"`
	ByKind     map[Kind]int     `json:"by_kind"`
	ByStatus   map[Status]int   `json:"by_status"`
	ByCategory map[Category]int `json:"by_category"`
}

// Add counts one record.
func (c *Counts) Add(r *Record) {
	if c.ByKind == nil {
		c.ByKind, c.ByStatus, c.ByCategory = map[Kind]int{}, map[Status]int{}, map[Category]int{}
	}
	c.Total++
	c.ByKind[r.Kind]++
	c.ByStatus[r.Status]++
	if r.Category != "" {
		c.ByCategory[r.Category]++
	}
}

// Merge folds incoming into existing (nil when the key is new) and returns the
// result and what changed. It is the one merge rule every Store applies, so
// that stores agree:
//
//   - sources are a union by name; a source's first/last seen widen, its
//     external id is kept once known;
//   - Reports is the larger of the two counts plus nothing for a repeat of
//     the same source: re-importing a feed is idempotent. Callers that mean
//     "one more report" use Store.Update;
//   - status only moves forward: reported < confirmed; trusted and delisted
//     are set only through Update (police/admin actions), never by a merge,
//     except on a new record;
//   - category, level, holder name and note are filled when empty;
//   - expiry extends to the later time (zero means never and wins).
//
// UpdatedAt is set to now only when something else changed.
func Merge(existing *Record, in Record, now time.Time) (Record, Change) {
	if existing == nil {
		out := in
		out.Kind, out.Value = in.Key.Kind(), in.Key.Value()
		if out.Status == "" {
			out.Status = StatusReported
		}
		if out.FirstSeen.IsZero() {
			out.FirstSeen = now
		}
		if out.LastSeen.IsZero() {
			out.LastSeen = out.FirstSeen
		}
		out.Sources = slices.Clone(in.Sources)
		out.UpdatedAt = now
		return out, ChangeAdded
	}
	out := *existing
	out.Sources = slices.Clone(existing.Sources)
	for _, s := range in.Sources {
		i := slices.IndexFunc(out.Sources, func(e Source) bool { return e.Name == s.Name })
		if i < 0 {
			out.Sources = append(out.Sources, s)
			continue
		}
		e := &out.Sources[i]
		if !s.FirstSeen.IsZero() && (e.FirstSeen.IsZero() || s.FirstSeen.Before(e.FirstSeen)) {
			e.FirstSeen = s.FirstSeen
		}
		if s.LastSeen.After(e.LastSeen) {
			e.LastSeen = s.LastSeen
		}
		if e.ExternalID == "" {
			e.ExternalID = s.ExternalID
		}
	}
	if in.Reports > out.Reports {
		out.Reports = in.Reports
	}
	// Each reporting source counts as a report; an allowlist's sources are
	// not reports.
	if n := len(out.Sources); n > out.Reports && out.Status != StatusTrusted {
		out.Reports = n
	}
	if out.Status == StatusReported && in.Status == StatusConfirmed {
		out.Status = StatusConfirmed
		out.ConfirmedBy, out.ConfirmedAt = in.ConfirmedBy, in.ConfirmedAt
	}
	if out.Category == "" {
		out.Category = in.Category
	}
	if out.Level == "" {
		out.Level = in.Level
	}
	if out.HolderName == "" {
		out.HolderName = in.HolderName
	}
	if out.Note == "" {
		out.Note = in.Note
	}
	if !in.FirstSeen.IsZero() && in.FirstSeen.Before(out.FirstSeen) {
		out.FirstSeen = in.FirstSeen
	}
	if in.LastSeen.After(out.LastSeen) {
		out.LastSeen = in.LastSeen
	}
	if !out.ExpiresAt.IsZero() && (in.ExpiresAt.IsZero() || in.ExpiresAt.After(out.ExpiresAt)) {
		out.ExpiresAt = in.ExpiresAt
	}
	if recordsEqual(&out, existing) {
		return *existing, ChangeUnchanged
	}
	out.UpdatedAt = now
	return out, ChangeUpdated
}

func recordsEqual(a, b *Record) bool {
	return a.Status == b.Status && a.Category == b.Category && a.Level == b.Level &&
		a.Reports == b.Reports && a.FirstSeen.Equal(b.FirstSeen) && a.LastSeen.Equal(b.LastSeen) &&
		a.ExpiresAt.Equal(b.ExpiresAt) && a.ConfirmedBy == b.ConfirmedBy && a.ConfirmedAt.Equal(b.ConfirmedAt) &&
		a.HolderName == b.HolderName && a.Note == b.Note &&
		slices.EqualFunc(a.Sources, b.Sources, func(x, y Source) bool {
			return x.Name == y.Name && x.ExternalID == y.ExternalID && x.FirstSeen.Equal(y.FirstSeen) && x.LastSeen.Equal(y.LastSeen)
		})
}
