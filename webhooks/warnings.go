package webhooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// WarningPayload is the JSON body of a warning.published delivery: the
// warning as citizens see it, in both languages, with the indicators it
// links, so that a partner can show it in its own app or screen its own
// traffic against the keys.
type WarningPayload struct {
	ID         string                   `json:"id"` // the delivery id, as in X-Scamcheck-Delivery
	Event      string                   `json:"event"`
	OccurredAt time.Time                `json:"occurred_at"`
	Warning    WarningInfo              `json:"warning"`
	Severity   indicators.Severity      `json:"severity"`
	Category   indicators.Category      `json:"category,omitempty"`
	Keys       []indicators.Key         `json:"keys,omitempty"`
	ExpiresAt  time.Time                `json:"expires_at,omitzero"`
	Status     indicators.WarningStatus `json:"status"`
}

// WarningInfo is the text of a warning.
type WarningInfo struct {
	ID      string `json:"id"`
	TitleVI string `json:"title_vi"`
	TitleEN string `json:"title_en,omitempty"`
	BodyVI  string `json:"body_vi"`
	BodyEN  string `json:"body_en,omitempty"`
}

// WarningDeliveryID returns the idempotency key of the publication of w
// for partnerID: "dlv_" + the publication time in fixed-width hex (so that
// ids sort by event time, like DeliveryID) + 16 hex digits of a SHA-256 of
// partner, event, warning id and time. Publishing is done once per warning
// (the API refuses to publish twice), and a retried enqueue of the same
// publication gives the same ids, so it adds nothing.
func WarningDeliveryID(partnerID string, w *indicators.Warning) string {
	at := w.PublishedAt.UnixNano()
	h := sha256.New()
	for _, part := range []string{partnerID, indicators.EventWarningPublished, w.ID, fmt.Sprint(at)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("dlv_%016x%s", uint64(at), hex.EncodeToString(h.Sum(nil)[:8]))
}

// WarningDeliveries builds the outbox rows of the publication of w, one per
// partner. The row's Key is the warning's first linked indicator, or ""
// when it links none.
func WarningDeliveries(w *indicators.Warning, partners []indicators.Partner) ([]indicators.Delivery, error) {
	if w.Status != indicators.WarningPublished || w.PublishedAt.IsZero() {
		return nil, fmt.Errorf("webhooks: warning %q is not published: %w", w.ID, indicators.ErrInvalidInput)
	}
	p := WarningPayload{
		Event:      indicators.EventWarningPublished,
		OccurredAt: w.PublishedAt.UTC(),
		Warning:    WarningInfo{ID: w.ID, TitleVI: w.TitleVI, TitleEN: w.TitleEN, BodyVI: w.BodyVI, BodyEN: w.BodyEN},
		Severity:   w.Severity,
		Category:   w.Category,
		Keys:       w.Keys,
		ExpiresAt:  w.ExpiresAt,
		Status:     w.Status,
	}
	var key indicators.Key
	if len(w.Keys) > 0 {
		key = w.Keys[0]
	}
	out := make([]indicators.Delivery, 0, len(partners))
	for _, pt := range partners {
		p.ID = WarningDeliveryID(pt.ID, w)
		body, err := json.Marshal(&p)
		if err != nil {
			return nil, fmt.Errorf("webhooks: encode warning payload: %w", err)
		}
		out = append(out, indicators.Delivery{ID: p.ID, PartnerID: pt.ID, Event: indicators.EventWarningPublished,
			Key: key, Payload: body, State: indicators.DeliveryPending, CreatedAt: w.PublishedAt.UTC()})
	}
	return out, nil
}

// EnqueueWarning puts the publication of w in the outbox for every enabled
// partner subscribed to warnings, atomically, and returns how many rows it
// added (0 when no partner subscribes, or it was enqueued before). The
// partners are read with ListPartners: there are tens of them, not
// thousands, so no index of subscribers is kept.
func EnqueueWarning(ctx context.Context, store indicators.PartnerStore, w *indicators.Warning) (int, error) {
	all, err := store.ListPartners(ctx)
	if err != nil {
		return 0, fmt.Errorf("webhooks: list partners: %w", err)
	}
	var subs []indicators.Partner
	for _, p := range all {
		if p.Warnings && !p.Disabled {
			subs = append(subs, p)
		}
	}
	if len(subs) == 0 {
		return 0, nil
	}
	rows, err := WarningDeliveries(w, subs)
	if err != nil {
		return 0, err
	}
	n, err := store.EnqueueDeliveries(ctx, rows)
	if err != nil {
		return 0, fmt.Errorf("webhooks: enqueue %s: %w", indicators.EventWarningPublished, err)
	}
	return n, nil
}
