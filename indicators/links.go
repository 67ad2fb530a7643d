package indicators

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Linked indicators: a citizen report may name several indicators at once
// (the number that called, the account it asked to pay, the link it sent).
// The stores keep an index key → ids of the reports naming it, written in
// the same transaction or script as the report (CreateReport), so that a
// report and its links are stored together or not at all. Report keys are
// fixed once a report is created (the API never changes them); a reader
// still checks each report's own Keys, so an index entry left by a hand
// edit of a report's keys is ignored rather than believed.
//
// Citizens get counts only (Linked): how many other listed indicators of
// each kind appear with the checked one. Police get the graph (LinkGraph):
// the report ids and the linked keys with their status. Neither ever holds
// a reporter or contact data.

// LinkIndex is what the report stores add for links.
type LinkIndex interface {
	// ReportsNaming returns the ids of the reports naming key, in id
	// order (which is creation order), at most limit of them: the most
	// recent ones when there are more. An unknown key gives an empty
	// slice, not an error.
	ReportsNaming(ctx context.Context, key Key, limit int) ([]string, error)
	// GetReports returns the reports with the given ids, in the order
	// given; ids with no report are left out.
	GetReports(ctx context.Context, ids []string) ([]Report, error)
}

// MaxLinkReports bounds the reports a link answer reads: an account named
// in thousands of reports is answered from its most recent ones, so that a
// check stays cheap. LinkGraph.Truncated says when that happened.
const MaxLinkReports = 200

// LinkedReport is one report in a police link graph: its id, status, when
// it was made and the indicators it names. Nothing about who made it.
type LinkedReport struct {
	ID        string       `json:"id"`
	Status    ReportStatus `json:"status"`
	CreatedAt time.Time    `json:"created_at"`
	Keys      []Key        `json:"keys"`
}

// LinkedKey is an indicator linked to the one asked about, with its
// current status ("" when it has no record) and how many of the graph's
// reports name it.
type LinkedKey struct {
	Key     Key    `json:"key"`
	Status  Status `json:"status,omitempty"`
	Reports int    `json:"reports"`
}

// LinkGraph is the full link graph of one indicator, for police.
type LinkGraph struct {
	Key       Key            `json:"key"`
	Reports   []LinkedReport `json:"reports"`
	Linked    []LinkedKey    `json:"linked"`
	Truncated bool           `json:"truncated,omitempty"`
}

// RecordGetter reads indicator records; every Store is one.
type RecordGetter interface {
	Get(ctx context.Context, keys []Key) ([]*Record, error)
}

// Links answers link questions from a LinkIndex and the indicator records.
// It implements the Engine's EngineOptions.Links.
type Links struct {
	index LinkIndex
	store RecordGetter
	now   func() time.Time
}

// NewLinks builds Links over the report stores' index and the indicator
// Store; now is the clock (nil: time.Now) that decides whether a linked
// record is still listed.
func NewLinks(index LinkIndex, store RecordGetter, now func() time.Time) *Links {
	if now == nil {
		now = time.Now
	}
	return &Links{index: index, store: store, now: now}
}

// reports reads the (at most MaxLinkReports most recent) reports naming
// key. One more id than the bound tells whether the answer is truncated.
func (l *Links) reports(ctx context.Context, key Key) ([]Report, bool, error) {
	ids, err := l.index.ReportsNaming(ctx, key, MaxLinkReports+1)
	if err != nil {
		return nil, false, fmt.Errorf("links of %s: %w", key, err)
	}
	truncated := len(ids) > MaxLinkReports
	if truncated {
		ids = ids[len(ids)-MaxLinkReports:]
	}
	reps, err := l.index.GetReports(ctx, ids)
	if err != nil {
		return nil, false, fmt.Errorf("links of %s: %w", key, err)
	}
	// A report no longer naming key (see the comment at the top) is not
	// a link.
	reps = slices.DeleteFunc(reps, func(r Report) bool { return !slices.Contains(r.Keys, key) })
	return reps, truncated, nil
}

// others returns the keys other than key that reps name, each once, in
// first-seen order, with how many reports name each.
func others(key Key, reps []Report) ([]Key, map[Key]int) {
	var keys []Key
	count := map[Key]int{}
	for _, r := range reps {
		for _, k := range r.Keys {
			if k == key {
				continue
			}
			if count[k] == 0 {
				keys = append(keys, k)
			}
			count[k]++
		}
	}
	return keys, count
}

// records returns the records of keys by key (absent: no record).
func (l *Links) records(ctx context.Context, keys []Key) (map[Key]*Record, error) {
	out := make(map[Key]*Record, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	recs, err := l.store.Get(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("links: records: %w", err)
	}
	for i, rec := range recs {
		if rec != nil {
			out[keys[i]] = rec
		}
	}
	return out, nil
}

// linkable reports whether a linked record counts for citizens: reported
// or confirmed and still listed. A delisted, expired or allowlisted
// indicator named in the same report says nothing against the checked one.
func linkable(rec *Record, now time.Time) bool {
	return rec != nil && rec.Listed(now) && (rec.Status == StatusReported || rec.Status == StatusConfirmed)
}

// Linked counts, by kind, the other reported or confirmed indicators named
// in the same reports as key, and the reports that link key to at least
// one of them. Rejected reports do not count: police found them wrong. It
// returns nil when nothing is linked, so that answers leave linked out.
func (l *Links) Linked(ctx context.Context, key Key) (*Linked, error) {
	reps, _, err := l.reports(ctx, key)
	if err != nil {
		return nil, err
	}
	reps = slices.DeleteFunc(reps, func(r Report) bool { return r.Status == ReportRejected || len(r.Keys) < 2 })
	keys, _ := others(key, reps)
	recs, err := l.records(ctx, keys)
	if err != nil {
		return nil, err
	}
	now := l.now()
	var out Linked
	for _, r := range reps {
		if slices.ContainsFunc(r.Keys, func(k Key) bool { return k != key && linkable(recs[k], now) }) {
			out.Reports++
		}
	}
	for _, k := range keys {
		if !linkable(recs[k], now) {
			continue
		}
		switch k.Kind() {
		case KindPhone:
			out.Phones++
		case KindBankAccount:
			out.BankAccounts++
		case KindDomain:
			out.Domains++
		case KindURL:
			out.URLs++
		}
	}
	if out.Reports == 0 {
		return nil, nil
	}
	return &out, nil
}

// Graph returns the full link graph of key for police: every report naming
// it (the most recent MaxLinkReports), rejected ones included with their
// status, and every other key those reports name with its current status.
func (l *Links) Graph(ctx context.Context, key Key) (LinkGraph, error) {
	reps, truncated, err := l.reports(ctx, key)
	if err != nil {
		return LinkGraph{}, err
	}
	keys, count := others(key, reps)
	recs, err := l.records(ctx, keys)
	if err != nil {
		return LinkGraph{}, err
	}
	g := LinkGraph{Key: key, Reports: make([]LinkedReport, 0, len(reps)), Linked: make([]LinkedKey, 0, len(keys)), Truncated: truncated}
	for _, r := range reps {
		g.Reports = append(g.Reports, LinkedReport{ID: r.ID, Status: r.Status, CreatedAt: r.CreatedAt, Keys: r.Keys})
	}
	for _, k := range keys {
		lk := LinkedKey{Key: k, Reports: count[k]}
		if rec := recs[k]; rec != nil {
			lk.Status = rec.Status
		}
		g.Linked = append(g.Linked, lk)
	}
	return g, nil
}
