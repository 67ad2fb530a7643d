package webhooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// Event is something that happened to a bank account that partners at its
// BIN want to hear about.
type Event struct {
	// Name is indicators.EventAccountConfirmed or EventAccountReported.
	Name string
	// Record is the account's indicator after the write.
	Record indicators.Record
	// Report is the citizen report behind the event, if any: the new
	// report of account.reported, or the report police confirmed.
	Report *indicators.Report
	// At is when it happened: the report's creation for account.reported,
	// the confirmation time for account.confirmed. It is part of the
	// delivery id, so the same event enqueued twice has one id.
	At time.Time
}

// Payload is the JSON body of a delivery. Partners are the banks holding
// the account, which need its full number to freeze it; the reporter's
// contact data is never included.
type Payload struct {
	ID         string        `json:"id"` // the delivery id, as in X-Scamcheck-Delivery
	Event      string        `json:"event"`
	OccurredAt time.Time     `json:"occurred_at"`
	Account    Account       `json:"account"`
	Indicator  IndicatorInfo `json:"indicator"`
	Report     *ReportInfo   `json:"report,omitempty"`
}

// Account identifies the bank account.
type Account struct {
	Key      indicators.Key `json:"key"` // "bank_account:<BIN>:<number>"
	BIN      string         `json:"bin"`
	BankCode string         `json:"bank_code,omitempty"` // VietQR code, e.g. "VCB"
	Number   string         `json:"number"`
	Holder   string         `json:"holder_name,omitempty"` // as reported, unverified
}

// IndicatorInfo is the account's standing at the time of the event.
type IndicatorInfo struct {
	Status      indicators.Status   `json:"status"`
	Category    indicators.Category `json:"category,omitempty"`
	Reports     int                 `json:"reports"`
	ConfirmedAt time.Time           `json:"confirmed_at,omitzero"`
}

// ReportInfo is what a citizen report says about the money lost.
type ReportInfo struct {
	ID         string              `json:"id"`
	Channel    indicators.Channel  `json:"channel"`
	Category   indicators.Category `json:"category,omitempty"`
	AmountVND  int64               `json:"amount_vnd,omitempty"`
	HappenedAt time.Time           `json:"happened_at,omitzero"`
	ReportedAt time.Time           `json:"reported_at"`
}

// DeliveryID returns the idempotency key of ev for partnerID:
// "dlv_" + the event time in fixed-width hex (so that ids sort by event
// time) + 16 hex digits of a SHA-256 of everything that makes the event
// unique. The same event gives the same id, so enqueueing it again (a
// retried request) adds nothing.
func DeliveryID(partnerID string, ev Event) string {
	h := sha256.New()
	for _, part := range []string{partnerID, ev.Name, string(ev.Record.Key), reportID(ev), strconv.FormatInt(ev.At.UnixNano(), 10)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("dlv_%016x%s", uint64(ev.At.UnixNano()), hex.EncodeToString(h.Sum(nil)[:8]))
}

func reportID(ev Event) string {
	if ev.Report == nil {
		return ""
	}
	return ev.Report.ID
}

// Deliveries builds the outbox rows of ev, one per partner. The key must be
// a bank account.
func Deliveries(ev Event, partners []indicators.Partner) ([]indicators.Delivery, error) {
	key := ev.Record.Key
	if key.Kind() != indicators.KindBankAccount {
		return nil, fmt.Errorf("webhooks: event on %s: %w", key.Kind(), indicators.ErrInvalidInput)
	}
	bin, number, ok := strings.Cut(key.Value(), ":")
	if !ok {
		return nil, fmt.Errorf("webhooks: event on %s: not a bank account key: %w", key, indicators.ErrInvalidInput)
	}
	bankCode := ""
	if b, ok := indicators.DefaultBanks().ByBIN(bin); ok {
		bankCode = b.Code
	}
	p := Payload{
		Event:      ev.Name,
		OccurredAt: ev.At.UTC(),
		Account:    Account{Key: key, BIN: bin, BankCode: bankCode, Number: number, Holder: ev.Record.HolderName},
		Indicator: IndicatorInfo{Status: ev.Record.Status, Category: ev.Record.Category,
			Reports: ev.Record.Reports, ConfirmedAt: ev.Record.ConfirmedAt},
	}
	if r := ev.Report; r != nil {
		p.Report = &ReportInfo{ID: r.ID, Channel: r.Channel, Category: r.Category,
			AmountVND: r.AmountVND, HappenedAt: r.HappenedAt, ReportedAt: r.CreatedAt}
		if p.Account.Holder == "" {
			p.Account.Holder = r.HolderName
		}
	}
	out := make([]indicators.Delivery, 0, len(partners))
	for _, pt := range partners {
		p.ID = DeliveryID(pt.ID, ev)
		body, err := json.Marshal(&p)
		if err != nil {
			return nil, fmt.Errorf("webhooks: encode payload: %w", err)
		}
		out = append(out, indicators.Delivery{ID: p.ID, PartnerID: pt.ID, Event: ev.Name, Key: key,
			Payload: body, State: indicators.DeliveryPending, CreatedAt: ev.At.UTC()})
	}
	return out, nil
}

// Enqueue puts ev in the outbox for every enabled partner subscribed to the
// account's BIN, atomically, and returns how many rows it added (0 for an
// event already enqueued, or an account no partner subscribes to). A key
// that is not a bank account enqueues nothing.
func Enqueue(ctx context.Context, store indicators.PartnerStore, ev Event) (int, error) {
	key := ev.Record.Key
	if key.Kind() != indicators.KindBankAccount {
		return 0, nil
	}
	bin, _, ok := strings.Cut(key.Value(), ":")
	if !ok {
		return 0, nil
	}
	partners, err := store.PartnersForBIN(ctx, bin)
	if err != nil {
		return 0, fmt.Errorf("webhooks: partners for %s: %w", bin, err)
	}
	if len(partners) == 0 {
		return 0, nil
	}
	rows, err := Deliveries(ev, partners)
	if err != nil {
		return 0, err
	}
	n, err := store.EnqueueDeliveries(ctx, rows)
	if err != nil {
		return 0, fmt.Errorf("webhooks: enqueue %s: %w", ev.Name, err)
	}
	return n, nil
}
