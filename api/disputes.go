package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/indicators"
)

// Audit actions of disputes; like the others (audit.go), part of the audit
// log's format.
const (
	ActionDisputeCreate = "dispute.create"
	ActionDisputeUphold = "dispute.uphold"
	ActionDisputeAccept = "dispute.accept"
)

// DefaultDisputeLimit bounds new disputes per client IP: an owner files
// one, a flood of them is someone trying to bury the review queue.
var DefaultDisputeLimit = Limit{Requests: 5, Window: time.Hour}

// disputeRequest is the body of POST /v1/disputes: the indicator (as
// key, or one of q, phone, bank with account, domain, url), the evidence
// and, optionally, how to reach the filer, which is stored apart and shown
// only to police.
type disputeRequest struct {
	Key      string          `json:"key"`
	Q        *string         `json:"q"`
	Phone    *string         `json:"phone"`
	Bank     *string         `json:"bank"`
	Account  *string         `json:"account"`
	Domain   *string         `json:"domain"`
	URL      *string         `json:"url"`
	Evidence string          `json:"evidence"`
	Contact  *contactRequest `json:"contact"`
}

// disputeInput turns a malformed-request error into invalid_dispute, so
// that every refusal of a dispute has a dispute code (normalization errors
// such as invalid_phone keep their own, more precise, code).
func disputeInput(err error) error {
	var ae *Error
	if errors.As(err, &ae) && ae.Code == CodeBadRequest {
		return errorf(http.StatusBadRequest, indicators.CodeInvalidDispute, "%s", ae.Message)
	}
	return err
}

// newDisputeID returns a dispute id that sorts by creation time, like a
// report id.
func newDisputeID(now time.Time) (string, error) {
	id, err := newReportID(now)
	if err != nil {
		return "", err
	}
	return "dsp_" + strings.TrimPrefix(id, "rep_"), nil
}

// disputable reports whether rec is something a dispute can be about: a
// listed report or confirmation. The allowlist and delisted indicators
// have nothing to take off.
func disputable(rec *indicators.Record, now time.Time) bool {
	return rec != nil && rec.Listed(now) && (rec.Status == indicators.StatusReported || rec.Status == indicators.StatusConfirmed)
}

// createDispute answers POST /v1/disputes (public, rate-limited): 201 with
// the open dispute, which makes checks of the indicator answer disputed:
// true until police resolve it. Every refusal stores nothing.
func (s *Server) createDispute(c *fiber.Ctx) error {
	if s.cfg.Disputes == nil {
		return notConfigured("dispute")
	}
	var req disputeRequest
	if err := decodeJSON(c.Body(), &req); err != nil {
		return disputeInput(err)
	}
	evidence := strings.TrimSpace(req.Evidence)
	if evidence == "" {
		return &indicators.InputError{Code: indicators.CodeMissingEvidence,
			Message: "a dispute needs evidence: say why the indicator is yours and not a scam"}
	}
	ir := indicatorRequest{Key: req.Key, Q: req.Q, Phone: req.Phone, Bank: req.Bank, Account: req.Account, Domain: req.Domain, URL: req.URL}
	key, err := ir.key()
	if err != nil {
		return disputeInput(err)
	}
	now := s.cfg.Now().UTC()
	id, err := newDisputeID(now)
	if err != nil {
		return err
	}
	d := indicators.Dispute{ID: id, Key: key, Status: indicators.DisputeOpen, Evidence: evidence, CreatedAt: now}
	if err := d.Validate(); err != nil {
		return err
	}
	var contact *indicators.DisputeContact
	if cr := req.Contact; cr != nil {
		if len(cr.Name) > maxContactField || len(cr.Phone) > maxContactField || len(cr.Email) > maxContactField {
			return errorf(http.StatusBadRequest, indicators.CodeInvalidDispute, "contact fields are at most %d bytes", maxContactField)
		}
		contact = &indicators.DisputeContact{Name: strings.TrimSpace(cr.Name), Phone: strings.TrimSpace(cr.Phone),
			Email: strings.TrimSpace(cr.Email), CreatedAt: now}
	}
	ctx := c.UserContext()
	recs, err := s.cfg.Store.Get(ctx, []indicators.Key{key})
	if err != nil {
		return fmt.Errorf("api: dispute: get indicator: %w", err)
	}
	if len(recs) != 1 || !disputable(recs[0], now) {
		return errorf(http.StatusNotFound, CodeNotFound, "%s is not listed: there is nothing to dispute", key)
	}
	if err := s.cfg.Disputes.CreateDispute(ctx, d, contact); err != nil {
		return fmt.Errorf("api: create dispute: %w", err)
	}
	d.HasContact = !contact.Empty()
	if err := s.audit(c, ActionDisputeCreate, id, nil, d); err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(d)
}

// limitDisputes applies the per-IP limit on new disputes (police and admin
// are exempt: they file disputes taken over the hotline).
func (s *Server) limitDisputes(c *fiber.Ctx) error {
	if k := caller(c); k != nil && k.Role.Allows(indicators.RolePolice) {
		return c.Next()
	}
	if ok, retry := s.disputeLimiter.allow(c.IP()); !ok {
		return rateLimited(c, retry)
	}
	return c.Next()
}

// listDisputes answers GET /v1/disputes?status=&cursor=&limit= (police).
func (s *Server) listDisputes(c *fiber.Ctx) error {
	if s.cfg.Disputes == nil {
		return notConfigured("dispute")
	}
	f := indicators.DisputeFilter{Status: indicators.DisputeStatus(c.Query("status")), Cursor: c.Query("cursor")}
	if err := f.Validate(); err != nil {
		return err
	}
	var err error
	if f.Limit, err = queryLimit(c); err != nil {
		return err
	}
	page, err := s.cfg.Disputes.ListDisputes(c.UserContext(), f)
	if err != nil {
		return fmt.Errorf("api: list disputes: %w", err)
	}
	if page.Disputes == nil {
		page.Disputes = []indicators.Dispute{}
	}
	return c.JSON(page)
}

// disputeWithContact is a dispute as police see it.
type disputeWithContact struct {
	indicators.Dispute
	Contact *indicators.DisputeContact `json:"contact,omitempty"`
}

// getDispute answers GET /v1/disputes/:id (police), contact included.
func (s *Server) getDispute(c *fiber.Ctx) error {
	if s.cfg.Disputes == nil {
		return notConfigured("dispute")
	}
	id := c.Params("id")
	if err := validID(id); err != nil {
		return err
	}
	ctx := c.UserContext()
	d, err := s.cfg.Disputes.GetDispute(ctx, id)
	if err != nil {
		return fmt.Errorf("api: get dispute: %w", err)
	}
	out := disputeWithContact{Dispute: d}
	if d.HasContact {
		ct, err := s.cfg.Disputes.GetDisputeContact(ctx, id)
		switch {
		case err == nil:
			out.Contact = &ct
		case errors.Is(err, indicators.ErrNotFound):
		default:
			return fmt.Errorf("api: get dispute contact: %w", err)
		}
	}
	return c.JSON(out)
}

// upholdDispute answers POST /v1/disputes/:id/uphold (police): the listing
// stands. Body optional: {"reason": "..."}.
func (s *Server) upholdDispute(c *fiber.Ctx) error {
	return s.resolveDispute(c, indicators.DisputeUpheld)
}

// acceptDispute answers POST /v1/disputes/:id/accept (police) with a
// required reason: the indicator is delisted with it, then the dispute is
// marked accepted. The delisting goes first so that a failure midway
// leaves the dispute open and the accept can be repeated.
func (s *Server) acceptDispute(c *fiber.Ctx) error {
	return s.resolveDispute(c, indicators.DisputeAccepted)
}

func (s *Server) resolveDispute(c *fiber.Ctx, to indicators.DisputeStatus) error {
	if s.cfg.Disputes == nil {
		return notConfigured("dispute")
	}
	id := c.Params("id")
	if err := validID(id); err != nil {
		return err
	}
	var req statusRequest
	if err := decodeOptional(c.Body(), &req); err != nil {
		return disputeInput(err)
	}
	reason := strings.TrimSpace(req.Reason + " " + req.Note)
	ctx := c.UserContext()
	before, err := s.cfg.Disputes.GetDispute(ctx, id)
	if err != nil {
		return fmt.Errorf("api: get dispute: %w", err)
	}
	name, _ := actor(c)
	now := s.cfg.Now().UTC()
	// A dry run on a copy: a refused resolution (resolved already, no
	// reason to accept) must not delist anything.
	dry := before
	if err := dry.Resolve(to, name, reason, now); err != nil {
		return err
	}
	if to == indicators.DisputeAccepted {
		if err := s.delistForDispute(c, before, name, reason, now); err != nil {
			return err
		}
	}
	after, err := s.cfg.Disputes.UpdateDispute(ctx, id, func(d *indicators.Dispute) error {
		return d.Resolve(to, name, reason, now)
	})
	if err != nil {
		return fmt.Errorf("api: resolve dispute: %w", err)
	}
	action := ActionDisputeUphold
	if to == indicators.DisputeAccepted {
		action = ActionDisputeAccept
	}
	if err := s.audit(c, action, id, before, after); err != nil {
		return err
	}
	return c.JSON(after)
}

// delistForDispute delists the indicator of an accepted dispute, audited
// as any delisting. An indicator gone or delisted already is left as is.
func (s *Server) delistForDispute(c *fiber.Ctx, d indicators.Dispute, name, reason string, now time.Time) error {
	key := d.Key
	changed := false
	before, after, err := s.cfg.Store.Update(c.UserContext(), key, func(r *indicators.Record, exists bool) error {
		if !exists {
			return fmt.Errorf("indicator %s: %w", key, indicators.ErrNotFound)
		}
		if r.Status == indicators.StatusDelisted {
			return nil
		}
		changed = true
		r.Status, r.Note, r.UpdatedAt = indicators.StatusDelisted, "delisted by "+name+" on dispute "+d.ID+": "+reason, now
		return nil
	})
	switch {
	case errors.Is(err, indicators.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("api: delist disputed indicator: %w", err)
	case !changed:
		return nil
	}
	s.cfg.Engine.Invalidate(key)
	s.prefixes.touch([]indicators.Key{key})
	return s.audit(c, ActionIndicatorDelist, string(key), before, after)
}
