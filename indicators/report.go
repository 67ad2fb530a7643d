package indicators

import (
	"context"
	"strings"
	"time"
)

// Channel is how a citizen report reached the centre.
type Channel string

// Channels.
const (
	ChannelWeb     Channel = "web"
	ChannelApp     Channel = "app"
	ChannelHotline Channel = "hotline"
	ChannelPolice  Channel = "police"
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	switch c {
	case ChannelWeb, ChannelApp, ChannelHotline, ChannelPolice:
		return true
	}
	return false
}

// ReportStatus is where a citizen report stands in review.
type ReportStatus string

// Report statuses: pending → confirmed (it created or updated a confirmed
// indicator) or rejected.
const (
	ReportPending   ReportStatus = "pending"
	ReportConfirmed ReportStatus = "confirmed"
	ReportRejected  ReportStatus = "rejected"
)

// Valid reports whether s is a known report status.
func (s ReportStatus) Valid() bool {
	switch s {
	case ReportPending, ReportConfirmed, ReportRejected:
		return true
	}
	return false
}

// Report is one citizen report. It names one or more indicators (a phone, an
// account, a link) and never holds the reporter's contact data, which is
// kept apart (Contact) and shown only to police.
type Report struct {
	ID          string       `json:"id"`
	Channel     Channel      `json:"channel"`
	Status      ReportStatus `json:"status"`
	Keys        []Key        `json:"keys"`
	Category    Category     `json:"category,omitempty"`
	Description string       `json:"description,omitempty"`
	AmountVND   int64        `json:"amount_vnd,omitempty"`
	HappenedAt  time.Time    `json:"happened_at,omitzero"`
	HolderName  string       `json:"holder_name,omitempty"`
	HasContact  bool         `json:"has_contact"`
	CreatedAt   time.Time    `json:"created_at"`
	ReviewedAt  time.Time    `json:"reviewed_at,omitzero"`
	ReviewedBy  string       `json:"reviewed_by,omitempty"`
	ReviewNote  string       `json:"review_note,omitempty"`
}

// Bounds on report fields: a report is a short account, not a document.
const (
	MaxReportKeys        = 10
	MaxDescriptionLength = 4000
)

// Validate checks a report before it is stored.
func (r *Report) Validate() error {
	if r.ID == "" {
		return inputErr(CodeInvalidRecord, "report needs an id")
	}
	if !r.Channel.Valid() {
		return inputErr(CodeInvalidRecord, "unknown channel %q (want web, app, hotline or police)", r.Channel)
	}
	if !r.Status.Valid() {
		return inputErr(CodeInvalidRecord, "unknown report status %q", r.Status)
	}
	if len(r.Keys) == 0 || len(r.Keys) > MaxReportKeys {
		return inputErr(CodeInvalidRecord, "a report names 1 to %d indicators", MaxReportKeys)
	}
	for _, k := range r.Keys {
		if _, err := ParseKey(string(k)); err != nil {
			return err
		}
	}
	if r.Category != "" && !r.Category.Valid() {
		return inputErr(CodeInvalidRecord, "unknown category %q", r.Category)
	}
	if len(r.Description) > MaxDescriptionLength {
		return inputErr(CodeInvalidRecord, "description longer than %d bytes", MaxDescriptionLength)
	}
	if r.AmountVND < 0 {
		return inputErr(CodeInvalidRecord, "amount_vnd cannot be negative")
	}
	return nil
}

// ValidateUpdate checks r, the result of an update (ReportStore.UpdateReport)
// of before: it must keep before's ID and be valid. It first restores
// HasContact from before, because that field belongs to the store, whatever
// the update did with it. A refusal is an *InputError with
// CodeInvalidRecord.
func (r *Report) ValidateUpdate(before *Report) error {
	if r.ID != before.ID {
		return inputErr(CodeInvalidRecord, "update of report %q changed its id to %q", before.ID, r.ID)
	}
	r.HasContact = before.HasContact
	return r.Validate()
}

// Contact is a reporter's contact data, stored apart from reports and
// indicators and shown only to police (Decree 13/2023/NĐ-CP). It is purged
// after the retention period.
type Contact struct {
	ReportID  string    `json:"report_id"`
	Name      string    `json:"name,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Email     string    `json:"email,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Empty reports whether c holds no contact data.
func (c *Contact) Empty() bool {
	return c == nil || strings.TrimSpace(c.Name+c.Phone+c.Email) == ""
}

// ReportFilter selects reports to list; zero values mean any.
type ReportFilter struct {
	Status ReportStatus
	Cursor string // exclusive: reports after this id
	Limit  int    // default 100, at most 1000
}

// Validate checks a filter before a listing: a status, when set, must be
// known. A refusal is an *InputError with CodeInvalidRecord.
func (f ReportFilter) Validate() error {
	if f.Status != "" && !f.Status.Valid() {
		return inputErr(CodeInvalidRecord, "unknown report status %q", f.Status)
	}
	return nil
}

// ReportPage is one page of reports in id order; ids are assigned so that
// they sort by creation time.
type ReportPage struct {
	Reports []Report `json:"reports"`
	Next    string   `json:"next,omitempty"`
}

// ReportStore keeps citizen reports and, apart, their contact data.
type ReportStore interface {
	// CreateReport stores a new report and, when c is not empty, its
	// contact, atomically. A report whose ID exists gives ErrConflict; an
	// invalid report gives ErrInvalidInput and stores nothing.
	CreateReport(ctx context.Context, r Report, c *Contact) error
	// GetReport returns a report or ErrNotFound.
	GetReport(ctx context.Context, id string) (Report, error)
	// GetContact returns the contact of a report or ErrNotFound (none
	// given, or purged).
	GetContact(ctx context.Context, reportID string) (Contact, error)
	// ListReports pages through reports in id order.
	ListReports(ctx context.Context, f ReportFilter) (ReportPage, error)
	// UpdateReport runs fn on the report atomically and stores the result;
	// an error from fn aborts and is returned as is. Missing: ErrNotFound.
	UpdateReport(ctx context.Context, id string, fn func(*Report) error) (Report, error)
	// PurgeContacts deletes contacts created before the cutoff and returns
	// how many were deleted.
	PurgeContacts(ctx context.Context, before time.Time) (int, error)
}
