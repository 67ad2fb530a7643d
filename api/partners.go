package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/webhooks"
)

// Partner webhooks (emergency freeze). Events are enqueued in the outbox
// (Config.Partners) by the request that caused them, after the store write
// and before the reply: a write that returns success has its events in the
// outbox. If the outbox write fails the request fails (503) although the
// write itself is stored; the client retries. A retried confirm is a new
// confirmation and enqueues again (partners dedupe only on delivery ids);
// a retried citizen report is a new report. Nothing acknowledged is lost.
//
// Acknowledgements are kept by the partner store, listed on the indicator
// (GET /v1/indicators/{key}/freezes) and audited with the indicator key as
// target, so the indicator's audit trail shows them. The indicator Record
// itself is left alone.

// Audit actions of partners.
const (
	ActionPartnerCreate = "partner.create"
	ActionFreezeAck     = "freeze.ack"
)

// PartnerSecretPrefix starts every partner signing secret, so that secret
// scanners and people can recognise a leaked one.
const PartnerSecretPrefix = "whsec_"

// NewPartner makes a partner record with a fresh id and signing secret.
// The secret is in the record (the server signs with it); callers show it
// once and never again.
func NewPartner(name string, bins []string, url string, now time.Time) (indicators.Partner, error) {
	return NewPartnerWithWarnings(name, bins, url, false, now)
}

// NewPartnerWithWarnings is NewPartner for a partner that may also
// subscribe to published early warnings (warning.published); such a
// partner may have no BINs.
func NewPartnerWithWarnings(name string, bins []string, url string, warnings bool, now time.Time) (indicators.Partner, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return indicators.Partner{}, fmt.Errorf("api: random secret: %w", err)
	}
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return indicators.Partner{}, fmt.Errorf("api: random partner id: %w", err)
	}
	var clean []string
	for _, bin := range bins {
		if bin = strings.TrimSpace(bin); bin != "" {
			clean = append(clean, bin)
		}
	}
	p := indicators.Partner{ID: "ptn_" + hex.EncodeToString(id[:]), Name: strings.TrimSpace(name), BINs: clean,
		URL: strings.TrimSpace(url), Secret: PartnerSecretPrefix + base64.RawURLEncoding.EncodeToString(b[:]),
		CreatedAt: now.UTC(), Warnings: warnings}
	if err := p.Validate(); err != nil {
		return indicators.Partner{}, err
	}
	return p, nil
}

// partnerRoutes registers the partner endpoints; routes calls it after
// authentication.
func (s *Server) partnerRoutes(app *fiber.App) {
	app.Get("/v1/partners", require(indicators.RoleAdmin), s.listPartners)
	app.Post("/v1/partners", require(indicators.RoleAdmin), s.createPartner)
	app.Get("/v1/partners/:id/deliveries", require(indicators.RolePartner), s.listDeliveries)
	app.Post("/v1/freezes/:id/ack", require(indicators.RolePartner), s.ackFreeze)
	app.Get("/v1/indicators/:key/freezes", require(indicators.RolePolice), s.listFreezes)
}

// enqueueReported puts account.reported events in the outbox for every
// bank account rep names. A nil partner store sends nothing.
func (s *Server) enqueueReported(ctx context.Context, rep *indicators.Report) error {
	if s.cfg.Partners == nil {
		return nil
	}
	var keys []indicators.Key
	for _, k := range rep.Keys {
		if k.Kind() == indicators.KindBankAccount {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	recs, err := s.cfg.Store.Get(ctx, keys)
	if err != nil {
		return fmt.Errorf("api: read reported accounts: %w", err)
	}
	for i, r := range recs {
		rec := indicators.Record{Key: keys[i]}
		if r != nil {
			rec = *r
		}
		ev := webhooks.Event{Name: indicators.EventAccountReported, Record: rec, Report: rep, At: rep.CreatedAt}
		if _, err := webhooks.Enqueue(ctx, s.cfg.Partners, ev); err != nil {
			return fmt.Errorf("api: %w", err)
		}
	}
	return nil
}

// enqueueConfirmed puts an account.confirmed event in the outbox when rec
// is a confirmed bank account; rep is the report police confirmed, nil for
// a direct confirmation.
func (s *Server) enqueueConfirmed(ctx context.Context, rec indicators.Record, rep *indicators.Report) error {
	if s.cfg.Partners == nil || rec.Key.Kind() != indicators.KindBankAccount || rec.Status != indicators.StatusConfirmed {
		return nil
	}
	at := rec.ConfirmedAt
	if at.IsZero() {
		at = rec.UpdatedAt
	}
	ev := webhooks.Event{Name: indicators.EventAccountConfirmed, Record: rec, Report: rep, At: at}
	if _, err := webhooks.Enqueue(ctx, s.cfg.Partners, ev); err != nil {
		return fmt.Errorf("api: %w", err)
	}
	return nil
}

// partnerRequest is the body of POST /v1/partners.
type partnerRequest struct {
	Name string   `json:"name"`
	BINs []string `json:"bins"`
	URL  string   `json:"url"`
	// Warnings subscribes the partner to published early warnings.
	Warnings bool `json:"warnings"`
}

// createdPartner is the answer to POST /v1/partners: the only time the
// signing secret is shown.
type createdPartner struct {
	indicators.Partner
	Secret string `json:"secret"`
}

// createPartner answers POST /v1/partners (admin).
func (s *Server) createPartner(c *fiber.Ctx) error {
	if s.cfg.Partners == nil {
		return notConfigured("partner")
	}
	var req partnerRequest
	if err := decodeJSON(c.Body(), &req); err != nil {
		return err
	}
	p, err := NewPartnerWithWarnings(req.Name, req.BINs, req.URL, req.Warnings, s.cfg.Now())
	if err != nil {
		return err
	}
	if err := s.cfg.Partners.CreatePartner(c.UserContext(), p); err != nil {
		return fmt.Errorf("api: create partner: %w", err)
	}
	if err := s.audit(c, ActionPartnerCreate, p.ID, nil, p); err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(createdPartner{Partner: p, Secret: p.Secret})
}

// listPartners answers GET /v1/partners (admin), never with secrets.
func (s *Server) listPartners(c *fiber.Ctx) error {
	if s.cfg.Partners == nil {
		return notConfigured("partner")
	}
	ps, err := s.cfg.Partners.ListPartners(c.UserContext())
	if err != nil {
		return fmt.Errorf("api: list partners: %w", err)
	}
	if ps == nil {
		ps = []indicators.Partner{}
	}
	return c.JSON(fiber.Map{"partners": ps})
}

// callerMayActFor checks that the caller may act for partner p: an admin
// key, or a partner key whose name is the partner's name. Another partner
// gets 404, so that partners cannot learn about each other.
func callerMayActFor(c *fiber.Ctx, p *indicators.Partner) error {
	k := caller(c)
	if k != nil && (k.Role == indicators.RoleAdmin || k.Role == indicators.RolePartner && k.Name == p.Name) {
		return nil
	}
	return fmt.Errorf("partner: %w", indicators.ErrNotFound)
}

// listDeliveries answers GET /v1/partners/:id/deliveries?cursor=&limit=
// (admin, or the partner itself; :id is the partner's id or name).
func (s *Server) listDeliveries(c *fiber.Ctx) error {
	if s.cfg.Partners == nil {
		return notConfigured("partner")
	}
	ref := c.Params("id")
	if ref == "" || len(ref) > indicators.MaxPartnerName {
		return badRequest("malformed partner id")
	}
	ctx := c.UserContext()
	p, err := s.cfg.Partners.GetPartner(ctx, ref)
	if err != nil {
		return fmt.Errorf("api: get partner: %w", err)
	}
	if err := callerMayActFor(c, &p); err != nil {
		return err
	}
	f := indicators.DeliveryFilter{PartnerID: p.ID, Cursor: c.Query("cursor")}
	if f.Limit, err = queryLimit(c); err != nil {
		return err
	}
	page, err := s.cfg.Partners.ListDeliveries(ctx, f)
	if err != nil {
		return fmt.Errorf("api: list deliveries: %w", err)
	}
	if page.Deliveries == nil {
		page.Deliveries = []indicators.Delivery{}
	}
	return c.JSON(page)
}

// ackRequest is the optional body of POST /v1/freezes/:id/ack.
type ackRequest struct {
	Frozen    *bool  `json:"frozen"` // default true: the usual answer
	Reference string `json:"reference"`
	Note      string `json:"note"`
}

// ackFreeze answers POST /v1/freezes/:id/ack (the partner the delivery :id
// went to, or an admin): it records the partner's acknowledgement, once
// (201; a repeat returns the first with 200), and audits it on the
// indicator.
func (s *Server) ackFreeze(c *fiber.Ctx) error {
	if s.cfg.Partners == nil {
		return notConfigured("partner")
	}
	id := c.Params("id")
	if err := validID(id); err != nil {
		return err
	}
	var req ackRequest
	if err := decodeOptional(c.Body(), &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	d, err := s.cfg.Partners.GetDelivery(ctx, id)
	if err != nil {
		return fmt.Errorf("api: get delivery: %w", err)
	}
	p, err := s.cfg.Partners.GetPartner(ctx, d.PartnerID)
	if err != nil {
		return fmt.Errorf("api: get partner: %w", err)
	}
	if err := callerMayActFor(c, &p); err != nil {
		return fmt.Errorf("delivery %s: %w", id, err)
	}
	name, _ := actor(c)
	ack := indicators.FreezeAck{DeliveryID: d.ID, PartnerID: p.ID, Key: d.Key, Frozen: req.Frozen == nil || *req.Frozen,
		Reference: strings.TrimSpace(req.Reference), Note: strings.TrimSpace(req.Note), Actor: name, At: s.cfg.Now().UTC()}
	stored, created, err := s.cfg.Partners.RecordAck(ctx, ack)
	if err != nil {
		return fmt.Errorf("api: record ack: %w", err)
	}
	if !created {
		return c.JSON(stored)
	}
	if err := s.audit(c, ActionFreezeAck, string(d.Key), nil, stored); err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(stored)
}

// listFreezes answers GET /v1/indicators/:key/freezes (police): the
// partners' acknowledgements about an indicator.
func (s *Server) listFreezes(c *fiber.Ctx) error {
	if s.cfg.Partners == nil {
		return notConfigured("partner")
	}
	key, err := pathKey(c)
	if err != nil {
		return err
	}
	acks, err := s.cfg.Partners.ListAcks(c.UserContext(), key)
	if err != nil {
		return fmt.Errorf("api: list acks: %w", err)
	}
	if acks == nil {
		acks = []indicators.FreezeAck{}
	}
	return c.JSON(fiber.Map{"acks": acks})
}

// enqueueNewlyConfirmed enqueues account.confirmed when a write (an
// indicator added with status confirmed) moved the record to confirmed; a
// re-add of a confirmed indicator sends nothing.
func (s *Server) enqueueNewlyConfirmed(ctx context.Context, before, after indicators.Record) error {
	if before.Status == indicators.StatusConfirmed {
		return nil
	}
	return s.enqueueConfirmed(ctx, after, nil)
}
