package indicators

import (
	"context"
	"strings"
	"time"
)

// WarningStatus is where an early warning stands: drafts are made by the
// trend detector or by police, and nothing reaches citizens until police or
// an admin publish it.
type WarningStatus string

// Warning statuses: draft → published → expired.
const (
	WarningDraft     WarningStatus = "draft"
	WarningPublished WarningStatus = "published"
	WarningExpired   WarningStatus = "expired"
)

// Valid reports whether s is a known warning status.
func (s WarningStatus) Valid() bool {
	switch s {
	case WarningDraft, WarningPublished, WarningExpired:
		return true
	}
	return false
}

// Severity ranks a warning.
type Severity string

// Severities.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool {
	switch s {
	case SeverityInfo, SeverityWarning, SeverityCritical:
		return true
	}
	return false
}

// Warning is an early warning to citizens and partners about a scam wave.
type Warning struct {
	ID          string        `json:"id"`
	TitleVI     string        `json:"title_vi"`
	TitleEN     string        `json:"title_en,omitempty"`
	BodyVI      string        `json:"body_vi"`
	BodyEN      string        `json:"body_en,omitempty"`
	Severity    Severity      `json:"severity"`
	Category    Category      `json:"category,omitempty"`
	Keys        []Key         `json:"keys,omitempty"`
	Status      WarningStatus `json:"status"`
	Rule        string        `json:"rule,omitempty"` // detector rule that drafted it, "" when written by hand
	DedupeKey   string        `json:"-"`              // the detector's identity of the wave, so it drafts once
	Author      string        `json:"author"`         // key name, or "detector"
	CreatedAt   time.Time     `json:"created_at"`
	PublishedAt time.Time     `json:"published_at,omitzero"`
	PublishedBy string        `json:"published_by,omitempty"`
	ExpiresAt   time.Time     `json:"expires_at,omitzero"`
}

// Bounds on warning text.
const (
	MaxWarningTitle = 200
	MaxWarningBody  = 8000
	MaxWarningKeys  = 100
)

// Validate checks a warning before it is stored.
func (w *Warning) Validate() error {
	switch {
	case w.ID == "":
		return inputErr(CodeInvalidRecord, "a warning needs an id")
	case strings.TrimSpace(w.TitleVI) == "" && strings.TrimSpace(w.TitleEN) == "":
		return inputErr(CodeInvalidRecord, "a warning needs a title")
	case len(w.TitleVI) > MaxWarningTitle || len(w.TitleEN) > MaxWarningTitle:
		return inputErr(CodeInvalidRecord, "warning titles are at most %d bytes", MaxWarningTitle)
	case len(w.BodyVI) > MaxWarningBody || len(w.BodyEN) > MaxWarningBody:
		return inputErr(CodeInvalidRecord, "warning bodies are at most %d bytes", MaxWarningBody)
	case !w.Severity.Valid():
		return inputErr(CodeInvalidRecord, "unknown severity %q (want info, warning or critical)", w.Severity)
	case !w.Status.Valid():
		return inputErr(CodeInvalidRecord, "unknown warning status %q", w.Status)
	case w.Category != "" && !w.Category.Valid():
		return inputErr(CodeInvalidRecord, "unknown category %q", w.Category)
	case len(w.Keys) > MaxWarningKeys:
		return inputErr(CodeInvalidRecord, "a warning links at most %d indicators", MaxWarningKeys)
	}
	for _, k := range w.Keys {
		if _, err := ParseKey(string(k)); err != nil {
			return err
		}
	}
	return nil
}

// WarningFilter selects warnings; zero values mean any.
type WarningFilter struct {
	Status WarningStatus
	Cursor string // exclusive: warnings after this id
	Limit  int    // default 100, at most 1000
}

// WarningPage is one page of warnings in id order (ids sort by creation).
type WarningPage struct {
	Warnings []Warning `json:"warnings"`
	Next     string    `json:"next,omitempty"`
}

// WarningStore keeps early warnings.
type WarningStore interface {
	// CreateWarning stores a new warning. A duplicate ID gives ErrConflict;
	// so does a non-empty DedupeKey already used by another warning (the
	// detector drafts each wave once); invalid input gives ErrInvalidInput.
	CreateWarning(ctx context.Context, w Warning) error
	// GetWarning returns a warning or ErrNotFound.
	GetWarning(ctx context.Context, id string) (Warning, error)
	// ListWarnings pages through warnings in id order.
	ListWarnings(ctx context.Context, f WarningFilter) (WarningPage, error)
	// UpdateWarning runs fn on the warning atomically; an error from fn
	// aborts and is returned as is. Missing: ErrNotFound.
	UpdateWarning(ctx context.Context, id string, fn func(*Warning) error) (Warning, error)
}
