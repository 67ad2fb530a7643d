package indicators

import (
	"cmp"
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Partners are banks that want to hear, as fast as possible, about accounts
// at their BINs that received stolen money, so that they can freeze them
// (emergency freeze). Events reach them through a durable outbox:
//
//	API write (report, confirm) ──► EnqueueDeliveries (same request, before the reply)
//	                                      │ outbox row: pending, NextAttemptAt = now
//	webhooks.Worker ── ClaimDeliveries (lease) ──► POST signed JSON to Partner.URL
//	      2xx ──► MarkDelivered      else ──► MarkFailed (backoff, or failed for good)
//
// Delivery is at least once: a row is marked delivered only after a 2xx, so
// a crash between the POST and the mark sends it again, with the same
// Delivery.ID (the idempotency key receivers dedupe on).

// Webhook events.
const (
	// EventAccountConfirmed: police confirmed a bank account as a scam
	// account (a report confirmed, or the indicator confirmed directly).
	EventAccountConfirmed = "account.confirmed"
	// EventAccountReported: a citizen report names a bank account.
	EventAccountReported = "account.reported"
	// EventWarningPublished: police or an admin published an early
	// warning; sent to partners with Warnings set, whatever their BINs.
	EventWarningPublished = "warning.published"
)

// Partner is a bank subscribed to events on accounts at its BINs.
//
// Secret is the shared HMAC-SHA256 key deliveries are signed with. Unlike an
// API key secret it cannot be kept as a hash, because the server must sign
// with it: it is stored as given, never logged, and never returned after
// creation (its JSON tag leaves it out; StoredPartner carries it for the
// stores).
type Partner struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"` // unique; a partner API key of this name acts for it
	BINs      []string  `json:"bins"` // NAPAS BINs, 6 digits each
	URL       string    `json:"url"`  // where deliveries are POSTed
	Secret    string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	Disabled  bool      `json:"disabled,omitempty"`
	// Warnings subscribes the partner to published early warnings
	// (EventWarningPublished). A partner that only wants warnings (a
	// telco, an e-wallet) may have no BINs.
	Warnings bool `json:"warnings,omitempty"`
}

// Bounds of partner fields.
const (
	MaxPartnerName  = 100
	MaxPartnerBINs  = 50
	MaxPartnerURL   = 2048
	MinSecretLength = 16
)

// Validate checks a partner before it is stored: an id, a name of 1 to
// MaxPartnerName bytes, 1 to MaxPartnerBINs BINs of 6 digits, an absolute
// http(s) URL and a secret of at least MinSecretLength bytes. A refusal is
// an *InputError with CodeInvalidRecord.
func (p *Partner) Validate() error {
	switch {
	case strings.TrimSpace(p.ID) == "":
		return inputErr(CodeInvalidRecord, "a partner needs an id")
	case strings.TrimSpace(p.Name) == "" || len(p.Name) > MaxPartnerName:
		return inputErr(CodeInvalidRecord, "a partner needs a name of 1 to %d bytes", MaxPartnerName)
	case len(p.BINs) == 0 && !p.Warnings || len(p.BINs) > MaxPartnerBINs:
		return inputErr(CodeInvalidRecord, "a partner has 1 to %d BINs (0 only when it subscribes to warnings)", MaxPartnerBINs)
	case len(p.Secret) < MinSecretLength:
		return inputErr(CodeInvalidRecord, "a partner's signing secret has at least %d bytes", MinSecretLength)
	case len(p.URL) > MaxPartnerURL:
		return inputErr(CodeInvalidRecord, "partner url longer than %d bytes", MaxPartnerURL)
	}
	for _, b := range p.BINs {
		if len(b) != 6 || strings.Trim(b, "0123456789") != "" {
			return inputErr(CodeInvalidRecord, "BIN %q is not 6 digits", truncate(b, 20))
		}
	}
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return inputErr(CodeInvalidRecord, "partner url %q is not an absolute http(s) URL", truncate(p.URL, 80))
	}
	return nil
}

// HasBIN reports whether the partner subscribes to bin.
func (p *Partner) HasBIN(bin string) bool {
	for _, b := range p.BINs {
		if b == bin {
			return true
		}
	}
	return false
}

// StoredPartner is a Partner as a PartnerStore keeps it, in JSON, with its
// secret (which Partner's own JSON leaves out so that it never reaches an
// API response).
type StoredPartner struct {
	Partner
	Secret string `json:"secret"`
}

// Value returns the partner with its secret.
func (s *StoredPartner) Value() Partner {
	out := s.Partner
	out.Secret = s.Secret
	return out
}

// DeliveryState is where an outbox row stands.
type DeliveryState string

// Delivery states: pending (waiting or being sent) → delivered (a 2xx) or
// failed (MaxAttempts reached without one).
const (
	DeliveryPending   DeliveryState = "pending"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryFailed    DeliveryState = "failed"
)

// Delivery is one outbox row: one event for one partner, with the state of
// its sending. Payload is fixed at enqueue time, so every attempt sends the
// same body.
type Delivery struct {
	// ID is the idempotency key, sent as X-Scamcheck-Delivery: unique,
	// and the same on every attempt. Ids sort by event time.
	ID            string          `json:"id"`
	PartnerID     string          `json:"partner_id"`
	Event         string          `json:"event"`
	Key           Key             `json:"key,omitempty"` // the bank_account indicator; "" for a warning
	Payload       json.RawMessage `json:"payload"`
	State         DeliveryState   `json:"state"`
	Attempts      int             `json:"attempts"` // claims so far, the one in flight included
	CreatedAt     time.Time       `json:"created_at"`
	NextAttemptAt time.Time       `json:"next_attempt_at,omitzero"` // while pending: due, or lease end
	LastAttemptAt time.Time       `json:"last_attempt_at,omitzero"`
	LastStatus    int             `json:"last_status,omitempty"` // HTTP status of the last answer
	LastError     string          `json:"last_error,omitempty"`
	DeliveredAt   time.Time       `json:"delivered_at,omitzero"`
}

// MaxDeliveryError bounds Delivery.LastError: the start of an error is
// what tells what went wrong.
const MaxDeliveryError = 500

// Validate checks a new outbox row: an id, a partner, a known event, a
// valid key, a JSON payload and state pending with no attempts. A refusal
// is an *InputError with CodeInvalidRecord.
func (d *Delivery) Validate() error {
	switch {
	case strings.TrimSpace(d.ID) == "" || len(d.ID) > 200:
		return inputErr(CodeInvalidRecord, "a delivery needs an id of 1 to 200 bytes")
	case strings.TrimSpace(d.PartnerID) == "":
		return inputErr(CodeInvalidRecord, "a delivery needs a partner id")
	case d.Event != EventAccountConfirmed && d.Event != EventAccountReported && d.Event != EventWarningPublished:
		return inputErr(CodeInvalidRecord, "unknown event %q", truncate(d.Event, 40))
	case !json.Valid(d.Payload):
		return inputErr(CodeInvalidRecord, "delivery payload is not JSON")
	case d.State != DeliveryPending || d.Attempts != 0:
		return inputErr(CodeInvalidRecord, "a new delivery is pending with no attempts")
	}
	if d.Event == EventWarningPublished && d.Key == "" {
		return nil // a warning need not be about one indicator
	}
	if _, err := ParseKey(string(d.Key)); err != nil {
		return err
	}
	return nil
}

// Attempt is the result of sending a claimed delivery, given to
// PartnerStore.FinishDelivery.
type Attempt struct {
	// Claim is the Attempts value the claim returned; a result whose claim
	// is no longer the latest (the lease ran out and another worker took
	// the row) still counts when it is a success, and is ignored otherwise.
	Claim  int
	At     time.Time
	Status int    // HTTP status, 0 when no answer came
	Error  string // empty on success
	// Delivered: the partner answered 2xx.
	Delivered bool
	// Retry is when to try again after a failure; zero means give up
	// (state failed).
	Retry time.Time
}

// DeliveryFilter selects deliveries to list; zero values mean any.
type DeliveryFilter struct {
	PartnerID string
	Cursor    string // exclusive: deliveries after this id
	Limit     int    // default 100, at most 1000
}

// DeliveryPage is one page of deliveries in id (event time) order.
type DeliveryPage struct {
	Deliveries []Delivery `json:"deliveries"`
	Next       string     `json:"next,omitempty"`
}

// FreezeAck is a partner's acknowledgement that it acted on a delivery
// (froze the account, or looked and decided not to). It is kept by
// delivery and listed by indicator key, so it shows on the indicator
// without changing the indicator's Record.
type FreezeAck struct {
	DeliveryID string    `json:"delivery_id"`
	PartnerID  string    `json:"partner_id"`
	Key        Key       `json:"key"`
	Frozen     bool      `json:"frozen"`
	Reference  string    `json:"reference,omitempty"` // the bank's own case number
	Note       string    `json:"note,omitempty"`
	Actor      string    `json:"actor"`
	At         time.Time `json:"at"`
}

// Bounds of acknowledgement fields.
const (
	MaxAckReference = 200
	MaxAckNote      = 2000
)

// Validate checks an acknowledgement before it is stored. A refusal is an
// *InputError with CodeInvalidRecord.
func (a *FreezeAck) Validate() error {
	switch {
	case a.DeliveryID == "" || a.PartnerID == "" || strings.TrimSpace(a.Actor) == "":
		return inputErr(CodeInvalidRecord, "an acknowledgement needs a delivery, a partner and an actor")
	case len(a.Reference) > MaxAckReference:
		return inputErr(CodeInvalidRecord, "reference longer than %d bytes", MaxAckReference)
	case len(a.Note) > MaxAckNote:
		return inputErr(CodeInvalidRecord, "note longer than %d bytes", MaxAckNote)
	case a.At.IsZero():
		return inputErr(CodeInvalidRecord, "an acknowledgement needs a time")
	}
	if _, err := ParseKey(string(a.Key)); err != nil {
		return err
	}
	return nil
}

// PartnerStore keeps partners, the webhook outbox and freeze
// acknowledgements. Every method takes a context and wraps failures of the
// backing service in ErrUnavailable.
type PartnerStore interface {
	// CreatePartner stores a new partner (Validate). A duplicate ID or
	// name gives ErrConflict.
	CreatePartner(ctx context.Context, p Partner) error
	// GetPartner returns the partner with this ID or, if none, this name,
	// secret included, or ErrNotFound.
	GetPartner(ctx context.Context, idOrName string) (Partner, error)
	// ListPartners returns every partner, secrets included, by creation.
	ListPartners(ctx context.Context) ([]Partner, error)
	// PartnersForBIN returns the partners that are not disabled and
	// subscribe to bin, by creation.
	PartnersForBIN(ctx context.Context, bin string) ([]Partner, error)

	// EnqueueDeliveries adds new outbox rows atomically: all or none. A
	// row whose ID is already in the outbox is skipped (whatever its
	// state), so enqueueing the same event twice sends it once. It returns
	// how many rows were added. Rows must be valid (Delivery.Validate);
	// NextAttemptAt zero means due at CreatedAt.
	EnqueueDeliveries(ctx context.Context, ds []Delivery) (int, error)
	// ClaimDeliveries takes up to limit pending rows due at now (oldest due
	// first) and leases them: each gets Attempts+1, LastAttemptAt = now and
	// NextAttemptAt = now+lease, atomically, so that no other caller
	// (another replica) claims it until the lease ends. A worker that dies
	// holding a lease loses it at its end and the row is claimed again.
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error)
	// FinishDelivery records the result of an attempt and returns the row.
	// A success marks it delivered (a delivered row stays so). A failure
	// whose a.Claim is the row's current Attempts sets NextAttemptAt to
	// a.Retry, or state failed when a.Retry is zero; a stale failure (the
	// row was claimed again meanwhile, or is no longer pending) changes
	// nothing. Missing: ErrNotFound.
	FinishDelivery(ctx context.Context, id string, a Attempt) (Delivery, error)
	// GetDelivery returns one row or ErrNotFound.
	GetDelivery(ctx context.Context, id string) (Delivery, error)
	// ListDeliveries pages through the rows of a partner (all partners when
	// PartnerID is empty) in id order.
	ListDeliveries(ctx context.Context, f DeliveryFilter) (DeliveryPage, error)

	// RecordAck stores a's acknowledgement of its delivery. The first
	// acknowledgement of a delivery wins: a repeat returns the stored one
	// and created false. A delivery that does not exist gives ErrNotFound.
	RecordAck(ctx context.Context, a FreezeAck) (stored FreezeAck, created bool, err error)
	// ListAcks returns the acknowledgements of deliveries about key,
	// oldest first.
	ListAcks(ctx context.Context, key Key) ([]FreezeAck, error)
}

// SortPartners orders partners by creation, then id: the order of
// ListPartners in every store.
func SortPartners(ps []Partner) {
	slices.SortFunc(ps, func(a, b Partner) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
}

// SortAcks orders acknowledgements by time, then delivery id: the order of
// ListAcks in every store.
func SortAcks(as []FreezeAck) {
	slices.SortFunc(as, func(a, b FreezeAck) int {
		return cmp.Or(a.At.Compare(b.At), strings.Compare(a.DeliveryID, b.DeliveryID))
	})
}

// ApplyAttempt folds the result of an attempt into d, by the rule of
// PartnerStore.FinishDelivery, and reports whether d changed. It is the one
// copy of that rule the stores share.
func ApplyAttempt(d *Delivery, a Attempt) bool {
	at := a.At.UTC()
	msg := a.Error
	if len(msg) > MaxDeliveryError {
		msg = msg[:MaxDeliveryError]
	}
	if a.Delivered {
		if d.State == DeliveryDelivered {
			return false
		}
		// A success counts even from a stale claim (the lease ran out but
		// the partner did get it), and even after the row was given up:
		// the partner has the event.
		d.State, d.DeliveredAt, d.LastStatus, d.LastError = DeliveryDelivered, at, a.Status, ""
		d.NextAttemptAt = time.Time{}
		return true
	}
	if d.State != DeliveryPending || a.Claim != d.Attempts {
		return false
	}
	d.LastStatus, d.LastError = a.Status, msg
	if a.Retry.IsZero() {
		d.State, d.NextAttemptAt = DeliveryFailed, time.Time{}
		return true
	}
	d.NextAttemptAt = a.Retry.UTC()
	return true
}
