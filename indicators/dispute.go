package indicators

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Disputes: someone who says they own a listed number, account, domain or
// link asks for it to be taken off the list. One state machine serves all
// four kinds:
//
//	open ──uphold──► upheld    (police: the listing stands)
//	  └───accept───► accepted  (police: the indicator is delisted, with a reason)
//
// Only an open dispute can be resolved, once. While a dispute is open,
// answers about the indicator carry disputed: true. The filer's contact is
// kept apart from the dispute (DisputeContact), like a reporter's, and shown
// only to police.

// Input codes of disputes, beyond the Code* constants.
const (
	// CodeInvalidDispute: a dispute or its resolution is malformed.
	CodeInvalidDispute = "invalid_dispute"
	// CodeMissingEvidence: a dispute without evidence text.
	CodeMissingEvidence = "missing_evidence"
)

// DisputeStatus is where a dispute stands.
type DisputeStatus string

// Dispute statuses.
const (
	DisputeOpen     DisputeStatus = "open"
	DisputeUpheld   DisputeStatus = "upheld"   // the listing stands
	DisputeAccepted DisputeStatus = "accepted" // the indicator was delisted
)

// Valid reports whether s is a known dispute status.
func (s DisputeStatus) Valid() bool {
	switch s {
	case DisputeOpen, DisputeUpheld, DisputeAccepted:
		return true
	}
	return false
}

// Bounds on dispute fields: evidence is an explanation, not a document
// (documents go to the centre through the contact given).
const (
	MaxEvidenceLength   = 4000
	MaxResolutionLength = 1000
)

// Dispute is one dispute about one listed indicator. It never holds the
// filer's contact data, which is kept apart (DisputeContact).
type Dispute struct {
	ID         string        `json:"id"`
	Key        Key           `json:"key"`
	Status     DisputeStatus `json:"status"`
	Evidence   string        `json:"evidence"`
	HasContact bool          `json:"has_contact"`
	CreatedAt  time.Time     `json:"created_at"`
	ResolvedAt time.Time     `json:"resolved_at,omitzero"`
	ResolvedBy string        `json:"resolved_by,omitempty"`
	// Reason is why police resolved it as they did; required to accept,
	// because accepting delists.
	Reason string `json:"reason,omitempty"`
}

// Validate checks a dispute before it is stored. A refusal is an
// *InputError: CodeMissingEvidence for blank evidence, CodeInvalidDispute
// for anything else.
func (d *Dispute) Validate() error {
	if strings.TrimSpace(d.Evidence) == "" {
		return inputErr(CodeMissingEvidence, "a dispute needs evidence: say why the indicator is yours and not a scam")
	}
	switch {
	case d.ID == "":
		return inputErr(CodeInvalidDispute, "a dispute needs an id")
	case !d.Status.Valid():
		return inputErr(CodeInvalidDispute, "unknown dispute status %q", truncate(string(d.Status), 40))
	case len(d.Evidence) > MaxEvidenceLength:
		return inputErr(CodeInvalidDispute, "evidence longer than %d bytes", MaxEvidenceLength)
	case len(d.Reason) > MaxResolutionLength:
		return inputErr(CodeInvalidDispute, "reason longer than %d bytes", MaxResolutionLength)
	case d.Status == DisputeAccepted && strings.TrimSpace(d.Reason) == "":
		return inputErr(CodeInvalidDispute, "accepting a dispute needs a reason")
	}
	if _, err := ParseKey(string(d.Key)); err != nil {
		return err
	}
	return nil
}

// Resolve moves an open dispute to upheld or accepted, by actor at now with
// reason. Anything else is refused: a resolved dispute gives ErrConflict
// (it was resolved once, by someone, and stays so), a target other than
// upheld or accepted, or an accept without a reason, an *InputError with
// CodeInvalidDispute.
func (d *Dispute) Resolve(to DisputeStatus, actor, reason string, now time.Time) error {
	if to != DisputeUpheld && to != DisputeAccepted {
		return inputErr(CodeInvalidDispute, "a dispute is resolved as upheld or accepted, not %q", truncate(string(to), 40))
	}
	reason = strings.TrimSpace(reason)
	if to == DisputeAccepted && reason == "" {
		return inputErr(CodeInvalidDispute, `accepting a dispute delists the indicator: give {"reason": "..."}`)
	}
	if len(reason) > MaxResolutionLength {
		return inputErr(CodeInvalidDispute, "reason longer than %d bytes", MaxResolutionLength)
	}
	if d.Status != DisputeOpen {
		return fmt.Errorf("dispute is already %s: %w", d.Status, ErrConflict)
	}
	d.Status, d.ResolvedAt, d.ResolvedBy, d.Reason = to, now, actor, reason
	return nil
}

// ValidateUpdate checks d, the result of an update (DisputeStore.
// UpdateDispute) of before: it must keep before's ID and Key, and be
// valid. It first restores HasContact from before, because that field
// belongs to the store. A refusal is an *InputError with
// CodeInvalidDispute.
func (d *Dispute) ValidateUpdate(before *Dispute) error {
	if d.ID != before.ID || d.Key != before.Key {
		return inputErr(CodeInvalidDispute, "update of dispute %q changed its id or key", before.ID)
	}
	d.HasContact = before.HasContact
	return d.Validate()
}

// DisputeContact is how to reach whoever filed a dispute, stored apart from
// it and shown only to police.
type DisputeContact struct {
	DisputeID string    `json:"dispute_id"`
	Name      string    `json:"name,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Email     string    `json:"email,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Empty reports whether c holds no contact data.
func (c *DisputeContact) Empty() bool {
	return c == nil || strings.TrimSpace(c.Name+c.Phone+c.Email) == ""
}

// DisputeFilter selects disputes to list; zero values mean any.
type DisputeFilter struct {
	Status DisputeStatus
	Cursor string // exclusive: disputes after this id
	Limit  int    // default 100, at most 1000
}

// Validate checks a filter before a listing. A refusal is an *InputError
// with CodeInvalidDispute.
func (f DisputeFilter) Validate() error {
	if f.Status != "" && !f.Status.Valid() {
		return inputErr(CodeInvalidDispute, "unknown dispute status %q (want open, upheld or accepted)", truncate(string(f.Status), 40))
	}
	return nil
}

// DisputePage is one page of disputes in id order; ids are assigned so that
// they sort by creation time.
type DisputePage struct {
	Disputes []Dispute `json:"disputes"`
	Next     string    `json:"next,omitempty"`
}

// DisputeStore keeps disputes and, apart, their contacts, with an index of
// the open disputes of each key (Disputed).
type DisputeStore interface {
	// CreateDispute stores a new dispute and, when c is not empty, its
	// contact, atomically. The store sets d.HasContact and c.DisputeID. An
	// existing ID gives ErrConflict; an invalid dispute gives
	// ErrInvalidInput and stores nothing.
	CreateDispute(ctx context.Context, d Dispute, c *DisputeContact) error
	// GetDispute returns a dispute or ErrNotFound.
	GetDispute(ctx context.Context, id string) (Dispute, error)
	// GetDisputeContact returns the contact of a dispute or ErrNotFound.
	GetDisputeContact(ctx context.Context, id string) (DisputeContact, error)
	// ListDisputes pages through disputes in id order.
	ListDisputes(ctx context.Context, f DisputeFilter) (DisputePage, error)
	// UpdateDispute runs fn on the dispute atomically and stores the
	// result, keeping the open index in step; an error from fn aborts and
	// is returned as is. The result must keep ID and Key and be valid
	// (else ErrInvalidInput). Missing: ErrNotFound.
	UpdateDispute(ctx context.Context, id string, fn func(*Dispute) error) (Dispute, error)
	// Disputed reports whether key has an open dispute.
	Disputed(ctx context.Context, key Key) (bool, error)
	// PurgeDisputeContacts deletes the contacts created before the cutoff
	// (the retention of reporters' contacts applies to filers' too) and
	// returns how many were deleted. Disputes keep HasContact.
	PurgeDisputeContacts(ctx context.Context, before time.Time) (int, error)
}
